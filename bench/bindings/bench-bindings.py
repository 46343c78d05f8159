#!/usr/bin/python3
"""The Python side of bench/bindings/run.sh: the same two calls as
bench-bindings.c, through the PyGObject overrides (numpy in, numpy out).
Prints "scorer_ms upload_ms" (best of several runs)."""
import sys
import time

import numpy
import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, Lightly  # noqa: E402

N, C, D = 100000, 10, 128
i = numpy.arange(N)[:, None]
probs = (((i * 31 + numpy.arange(C)[None, :] * 17) % 97 + 1) / 100.0).astype(numpy.float32)
emb = ((((i * 7 + numpy.arange(D)[None, :] * 13) % 101) - 50) / 50.0).astype(numpy.float32)
names = [f'img-{k:06d}.png' for k in range(N)]

client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(sys.argv[1]), None, None)
client.create_dataset('bench-py', None)
client.register_samples_from_names(names, None)

best_scorer = best_upload = float('inf')
for run in range(20):  # SCORER_RUNS in bench-bindings.c
    t0 = time.perf_counter()
    Lightly.ScorerClassification.new(probs).calculate_scores()['uncertainty_margin']
    best_scorer = min(best_scorer, time.perf_counter() - t0)
for run in range(3):
    t0 = time.perf_counter()
    client.upload_embeddings_from_array(names, emb, f'py-{run}')
    best_upload = min(best_upload, time.perf_counter() - t0)
print(f'{best_scorer * 1000:.1f} {best_upload * 1000:.1f}')
