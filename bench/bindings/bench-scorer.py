#!/usr/bin/python3
"""LightlyScorerClassification from Python against the same formulas in
numpy, in one process (issue 13, item 6: scorers >= 3x numpy end to end).

    bench/bindings/bench-scorer.py [N] [C] [ROUNDS]

End to end means what a user's code sees: a float32 numpy array in, a dict
of three float64 numpy arrays out. The numpy reference is protocol.md §6.1
written with numpy (lightly's own ScorerClassification code path: max,
partition, log2 where p > 0, nan_to_num, interp), run on the same float32
array, and on a float64 copy for the record. The two run in turn, ROUNDS
times (default 15), so that load on a shared machine hits both alike; the
script prints each one's median and the median of the per-round ratios,
and checks that the scores agree with numpy's float64 result.
"""
import sys
import time

import numpy
import gi
gi.require_version('Lightly', '1.0')
from gi.repository import Lightly  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
C = int(sys.argv[2]) if len(sys.argv) > 2 else 10
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 15

rng = numpy.random.default_rng(3)
logits = rng.standard_normal((N, C)).astype(numpy.float32) * 3
e = numpy.exp(logits - logits.max(axis=1, keepdims=True))
probs = (e / e.sum(axis=1, keepdims=True)).astype(numpy.float32)
probs64 = probs.astype(numpy.float64)
# The overrides' zero-copy path: a float32 array over a whole bytes object
# (as numpy.frombuffer gives for data read from a file or a socket).
probs_zc = numpy.frombuffer(probs.tobytes(), dtype='<f4').reshape(N, C)


def numpy_scores(p):
    """protocol.md §6.1 in numpy, normalize_to_0_1=True."""
    if p.shape[1] == 1:
        p = numpy.concatenate([p, 1 - p], axis=1)
    c = p.shape[1]
    lc = 1 - numpy.max(p, axis=1)
    part = numpy.partition(p, -2, axis=1)
    margin = 1 - (part[:, -1] - part[:, -2])
    logp = numpy.log2(p, out=numpy.zeros_like(p), where=p > 0)
    ent = -1.0 * numpy.sum(p * logp, axis=1)
    out = {}
    for name, s, hi in (('uncertainty_least_confidence', lc, 1 - 1 / c),
                        ('uncertainty_margin', margin, 1.0),
                        ('uncertainty_entropy', ent, numpy.log2(c))):
        out[name] = numpy.interp(numpy.nan_to_num(s), [0, hi], [0, 1])
    return out


def lightly_scores(p):
    return Lightly.ScorerClassification.new(p).calculate_scores()


def timed(f, *args):
    t0 = time.perf_counter()
    r = f(*args)
    return time.perf_counter() - t0, r


times = {'lightly': [], 'lightly_zc': [], 'numpy32': [], 'numpy64': []}
for r in range(ROUNDS + 1):
    tl, ours = timed(lightly_scores, probs)
    tz, ours_zc = timed(lightly_scores, probs_zc)
    t32, ref32 = timed(numpy_scores, probs)
    t64, ref64 = timed(numpy_scores, probs64)
    if r == 0:  # warm-up: first calls load code and fault pages in
        continue
    times['lightly'].append(tl)
    times['lightly_zc'].append(tz)
    times['numpy32'].append(t32)
    times['numpy64'].append(t64)

worst = max(float(numpy.max(numpy.abs(ours[k] - ref64[k]))) for k in ref64)
assert all(numpy.array_equal(ours[k], ours_zc[k]) for k in ours)
assert set(ours) == set(ref64) and worst < 1e-9, worst
med = {k: float(numpy.median(v)) * 1000 for k, v in times.items()}
best = {k: float(numpy.min(v)) * 1000 for k, v in times.items()}
fastest = 'numpy32' if med['numpy32'] <= med['numpy64'] else 'numpy64'
ratio = numpy.median([b / a for a, b in zip(times['lightly'], times[fastest])])
ratio_zc = numpy.median([b / a for a, b in zip(times['lightly_zc'], times[fastest])])
print(f'{N} x {C} classification scorer, end to end from Python (median of {ROUNDS} rounds):')
print(f'  Lightly.ScorerClassification {med["lightly"]:8.1f} ms (best {best["lightly"]:.1f})')
print(f'  same, zero-copy input        {med["lightly_zc"]:8.1f} ms (best {best["lightly_zc"]:.1f})')
print(f'  numpy float32                {med["numpy32"]:8.1f} ms (best {best["numpy32"]:.1f})')
print(f'  numpy float64                {med["numpy64"]:8.1f} ms (best {best["numpy64"]:.1f})')
print(f'  speed-up over the faster numpy ({fastest}): {ratio:.2f}x, {ratio_zc:.2f}x with the '
      f'zero-copy input (medians of per-round ratios); max |diff| vs numpy float64 {worst:.1e}')
