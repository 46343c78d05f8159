#!/usr/bin/python3
"""numpy/scikit-learn references for the engine's TYPICLUST and PROBCOVER.

Reads the typiclust and probcover sets (and the engine's picks and δ) that
`bench-selection --dir DIR` left in DIR and times, on the same rows:

TYPICLUST (Hacohen et al. 2022, as their reference code runs it): k-means
with K = min(|P| + k, cap) clusters over the candidates, then k times the
cluster with the fewest picks (largest first, clusters under 5 members
last) and in it the member with the smallest mean distance to its 20
nearest fellow members (numpy: blocked float32 products and np.partition;
sklearn NearestNeighbors per cluster was ten times slower here). Two
k-means, both seeded k-means++ with one init: sklearn.cluster.KMeans
(Lloyd, at most 30 iterations, tol 0: until no assignment changes, as the
engine) and MiniBatchKMeans (batch 5000, what the paper's code uses for
K > 50). The faster one is the baseline.

PROBCOVER (Yehuda et al. 2022) at the engine's fixed δ: the δ-graph over
the candidates, then k times the candidate whose ball holds the most
uncovered candidates (argmax: smallest index on ties), covering its ball;
the degrees are updated incrementally (every newly covered row takes one
off the degree of each ball that holds it). Two graph builders:
sklearn NearestNeighbors(radius=δ).radius_neighbors_graph, and numpy
blocked float32 matrix products thresholded at δ² into a scipy CSR. The
faster one is the baseline.

  /usr/bin/python3 bench/reference/ext_sklearn.py --dir DIR [--label openblas] [--repeat 3]

Writes DIR/ext-LABEL.json and prints a summary.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.neighbors import NearestNeighbors

NB = 20
MIN_CLUSTER = 5


def read_results(path):
    res = {}
    with open(path) as f:
        for line in f:
            ds, method, key, val = line.rstrip('\n').split('\t')
            res.setdefault(ds, {}).setdefault(method, {})[key] = float(val)
    return res


def load(d, ds, meta):
    n, dim = int(meta['n']), int(meta['dim'])
    x = np.fromfile(os.path.join(d, ds + '.f32'), dtype=np.float32).reshape(n, dim)
    return x


def typicality_pick(x, members, picked, block=1024):
    """The member (row) with the smallest mean distance to its NB nearest
    fellow members: blocked float32 products and np.partition (faster here
    than NearestNeighbors per cluster)."""
    feats = x[members]
    n2 = np.einsum('ij,ij->i', feats, feats)
    nn = min(NB, max(1, len(members) // 2))
    mean = np.empty(len(members))
    for i in range(0, len(members), block):
        d2 = feats[i:i + block] @ feats.T
        d2 *= -2
        d2 += n2[i:i + block, None]
        d2 += n2[None, :]
        np.maximum(d2, 0, out=d2)
        part = np.partition(d2, nn, axis=1)[:, :nn + 1]
        # the nn + 1 smallest hold the member itself (distance 0)
        mean[i:i + block] = np.sqrt(part).sum(axis=1) / nn
    mean[picked[members]] = np.inf
    return int(members[int(np.argmin(mean))])


def typiclust(x, k, cap, variant, seed=1):
    n_clusters = min(k, cap, x.shape[0])
    t0 = time.perf_counter()
    if variant == 'KMeans':
        km = KMeans(n_clusters=n_clusters, init='k-means++', n_init=1, max_iter=30, tol=0,
                    algorithm='lloyd', random_state=seed).fit(x)
    else:
        km = MiniBatchKMeans(n_clusters=n_clusters, init='k-means++', n_init=1, batch_size=5000,
                             random_state=seed).fit(x)
    t_kmeans = time.perf_counter() - t0
    labels = km.labels_
    size = np.bincount(labels, minlength=n_clusters)
    members = [np.flatnonzero(labels == c) for c in range(n_clusters)]
    count = np.zeros(n_clusters, dtype=np.int64)
    left = size.copy()
    picked = np.zeros(x.shape[0], dtype=bool)
    picks = []
    for _ in range(min(k, x.shape[0])):
        ok = left > 0
        big = ok & (size >= MIN_CLUSTER)
        if big.any():
            ok = big
        # fewest picks, then the largest, then the smallest number
        order = np.lexsort((np.arange(n_clusters), -size, count))
        c = int(next(i for i in order if ok[i]))
        j = typicality_pick(x, members[c], picked)
        picked[j] = True
        picks.append(j)
        count[c] += 1
        left[c] -= 1
    return picks, t_kmeans, int(getattr(km, 'n_iter_', 0))


def graph_sklearn(x, delta):
    return NearestNeighbors(radius=delta).fit(x).radius_neighbors_graph(x, mode='connectivity').tocsr()


def graph_numpy(x, delta, block=1024):
    n2 = np.einsum('ij,ij->i', x, x)
    d2max = np.float32(delta * delta)
    rows, cols = [], []
    for i in range(0, x.shape[0], block):
        d = x[i:i + block] @ x.T
        d *= -2
        d += n2[i:i + block, None]
        d += n2[None, :]
        r, c = np.nonzero(d < d2max)
        rows.append(r + i)
        cols.append(c)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    n = x.shape[0]
    return sp.csr_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))


def probcover(x, k, delta, builder, seed=1):
    t0 = time.perf_counter()
    g = graph_sklearn(x, delta) if builder == 'NearestNeighbors' else graph_numpy(x, delta)
    t_graph = time.perf_counter() - t0
    n = x.shape[0]
    indptr, indices = g.indptr, g.indices
    deg = np.diff(indptr).astype(np.int64)
    covered = np.zeros(n, dtype=bool)
    picked = np.zeros(n, dtype=bool)
    rng = np.random.default_rng(seed)
    picks = []
    for _ in range(min(k, n)):
        if deg.max() <= 0:
            # everything covered: uniform picks, as in the paper
            j = int(rng.choice(np.flatnonzero(~picked)))
        else:
            j = int(np.argmax(deg))
        picked[j] = True
        deg[j] = -1
        picks.append(j)
        ball = indices[indptr[j]:indptr[j + 1]]
        new = ball[~covered[ball]]
        covered[new] = True
        if len(new):
            # the graph is symmetric: the balls holding u are u's neighbours
            deg -= np.bincount(g[new].indices, minlength=n)
            deg[picked] = -1
    return picks, t_graph, int(g.nnz)


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def pools():
    try:
        import threadpoolctl
        return ['%s %s %s (%s kernel, %s threads)' % (p.get('user_api'), p.get('internal_api'),
                                                     p.get('version'), p.get('architecture', '-'),
                                                     p.get('num_threads'))
                for p in threadpoolctl.threadpool_info()]
    except ImportError:
        return ['threadpoolctl not installed']


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dir', required=True)
    ap.add_argument('--label', default='sklearn')
    ap.add_argument('--repeat', type=int, default=3)
    args = ap.parse_args()
    res = read_results(os.path.join(args.dir, 'c-results.tsv'))
    out = {'label': args.label, 'sklearn': sklearn.__version__, 'numpy': np.__version__,
           'runs': {}}
    # threadpoolctl sees OpenMP and the BLAS only once sklearn's modules ran
    NearestNeighbors(n_neighbors=1).fit(np.zeros((2, 2))).kneighbors(np.zeros((1, 2)))
    out['pools'] = pools()
    print('[%s] scikit-learn %s, numpy %s; %s' % (args.label, sklearn.__version__, np.__version__,
                                                  '; '.join(out['pools'])))
    if 'typiclust' in res and 'TYPICLUST' in res['typiclust']:
        r = res['typiclust']
        x = load(args.dir, 'typiclust', r['-'])
        k, cap = int(r['-']['k']), int(r['TYPICLUST']['clusters'])
        for variant in ('KMeans', 'MiniBatchKMeans'):
            (picks, t_km, n_iter), times = timed(lambda: typiclust(x, k, cap, variant), args.repeat)
            o = {'k': len(picks), 'times': times, 'min': min(times),
                 'median': float(np.median(times)), 'kmeans_last': t_km, 'n_iter': n_iter}
            out['runs']['typiclust/' + variant] = o
            print('  [%s] typiclust   TYPICLUST k=%d, %s (%d iterations): %.2f s min, %.2f s median '
                  'of %d (k-means %.2f s of the last)' % (args.label, k, variant, n_iter, o['min'],
                                                          o['median'], len(times), t_km))
            sys.stdout.flush()
    if 'probcover' in res and 'PROBCOVER' in res['probcover']:
        r = res['probcover']
        x = load(args.dir, 'probcover', r['-'])
        k, delta = int(r['-']['k']), r['PROBCOVER']['delta']
        cpicks = np.fromfile(os.path.join(args.dir, 'probcover.PROBCOVER.picks'), dtype=np.uint32)
        for builder in ('NearestNeighbors', 'numpy'):
            (picks, t_g, nnz), times = timed(lambda: probcover(x, k, delta, builder), args.repeat)
            same = 0
            while same < min(len(picks), len(cpicks)) and picks[same] == cpicks[same]:
                same += 1
            o = {'k': len(picks), 'times': times, 'min': min(times),
                 'median': float(np.median(times)), 'graph_last': t_g, 'edges': nnz,
                 'same_prefix': same}
            out['runs']['probcover/' + builder] = o
            print('  [%s] probcover   PROBCOVER k=%d, delta %.6f, graph by %s (%d edges): %.3f s min, '
                  '%.3f s median of %d (graph %.3f s of the last); first %d picks equal the engine\'s'
                  % (args.label, k, delta, builder, nnz, o['min'], o['median'], len(times), t_g,
                     same))
            sys.stdout.flush()
    with open(os.path.join(args.dir, 'ext-%s.json' % args.label), 'w') as f:
        json.dump(out, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
