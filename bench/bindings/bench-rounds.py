#!/usr/bin/python3
"""Rounds of a labeling loop in one process (bench/run-rounds.sh).

    bench-rounds.py STORE_DIR N DIM ROUNDS K [PRECISION]

Makes an embedded store in STORE_DIR (N iid Gaussian rows of DIM, seed 7)
unless it has the dataset already, then runs ROUNDS CORESET queries of K
picks through one Lightly.Agent, as an app's "Suggest next batch" button
or a script's loop does: each round labels what the one before picked.
PRECISION (float32, float16 or bfloat16) is the matrix the passes stream
(LightlySamplerConfig:matrix-precision). Prints each round's milliseconds
(the agent's query call) on one line.
"""
import os
import sys
import time

import numpy
import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GLib, Lightly  # noqa: E402

store, n, dim, rounds, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
precision = {'float32': Lightly.MatrixPrecision.FLOAT32, 'float16': Lightly.MatrixPrecision.FLOAT16,
             'bfloat16': Lightly.MatrixPrecision.BFLOAT16}[sys.argv[6] if len(sys.argv) > 6 else 'float32']
client = Lightly.ApiWorkflowClient.new(GLib.filename_to_uri(store), None, None)
datasets = [d for d in client.list_datasets(None) if d.get_name() == 'rounds']
if datasets:
    client.set_dataset_id(datasets[0].get_id())
else:
    names = [f'img-{i:07d}.png' for i in range(n)]
    emb = numpy.random.default_rng(7).standard_normal((n, dim), dtype=numpy.float32)
    client.create_dataset('rounds', None)
    client.register_samples_from_names(names, None)
    client.upload_embeddings_from_array(names, emb, 'default')
    del emb, names

agent = Lightly.Agent.new(client, None, None, None)
times = []
for r in range(rounds):
    config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.CORESET, n_samples=k * (r + 1),
                                   name=f'round-{os.getpid()}-{r}', matrix_precision=precision)
    t = time.perf_counter()
    agent.query(config, None, None)
    times.append((time.perf_counter() - t) * 1000)
print(' '.join(f'{t:.1f}' for t in times))
