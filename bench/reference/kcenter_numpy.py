#!/usr/bin/python3
"""numpy reference for bench/bench-selection.c: incremental k-center greedy.

Reads the data sets and the C engine's picks that `bench-selection --dir DIR`
left in DIR and times CORESET (and CORAL, beta = 1, if the C run had it)
the way a careful numpy user writes it (kcenter_fast): the candidates' squared
norms once, then per pick one float32 matrix-vector product `X @ c` into a
preallocated buffer, the dot-product trick ‖x‖² + ‖c‖² − 2⟨x, c⟩ in place,
an in-place `np.minimum` and `argmax`; the first pass over a preselected P is
a float32 matrix product in blocks of 256 rows of P. Each timing is repeated
--repeat times (minimum and median). The BLAS is whatever libblas.so.3 the
dynamic linker finds: bench/run.sh runs this script once per BLAS
(LD_LIBRARY_PATH) and --label names the run.

With --check it also runs the checking greedy (class Greedy, float64 values)
with protocol.md section 13's rules (the first pick without P is the
candidate farthest from the candidates' mean, or the largest score for
CORAL; values within 1e-9 of the maximum tie and the smallest index wins)
and checks the C picks under section 13's epsilon rule: at every step numpy
asks whether C's pick is an epsilon-argmax; where numpy's pick differs, both
values are recomputed exactly in float64 (distances to P and the earlier
picks, from the float32 rows) and C's pick must be within 1e-6 of numpy's
(or larger). numpy then follows C's pick, so every step is checked against
the same selected set.

  /usr/bin/python3 bench/reference/kcenter_numpy.py --dir DIR [--label openblas]
      [--repeat 3] [--check] [--k-large 100]

Writes DIR/numpy-LABEL.json and prints a summary.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

EPS = 1e-9
TOL = 1e-6


def blas_info():
    info = {'numpy': np.__version__}
    try:
        import threadpoolctl
        pools = threadpoolctl.threadpool_info()
        info['threadpoolctl'] = pools
    except ImportError:
        pools = []
        info['threadpoolctl'] = 'not installed'
    blas = [p for p in pools if p.get('user_api') == 'blas']
    if blas:
        b = blas[0]
        info['blas'] = '%s %s (%s kernel, %s threads)' % (
            b.get('internal_api'), b.get('version'), b.get('architecture'), b.get('num_threads'))
    else:
        # threadpoolctl knows OpenBLAS, MKL and BLIS only; fall back to numpy's build
        # configuration and the library the dynamic linker resolved.
        import io
        import contextlib
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            np.show_config()
        libs = []
        try:
            with open('/proc/self/maps') as f:
                libs = sorted({l.split()[-1] for l in f if 'blas' in l.lower() or 'lapack' in l.lower()})
        except OSError:
            pass
        real = [os.path.realpath(l) for l in libs if l.startswith('/')]
        info['blas'] = 'not seen by threadpoolctl; loaded: %s' % ', '.join(real or ['?'])
        info['show_config'] = buf.getvalue()
    info['env'] = {k: os.environ.get(k) for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE',
                                                  'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS')}
    return info


def kcenter_fast(x, cand, pre, scores, coral, k):
    """The timed reference: k picks, float32 throughout. Returns the candidate
    positions picked and the time of the first pass (norms, mean or P)."""
    t0 = time.perf_counter()
    xc = x if len(cand) == x.shape[0] else x[cand]
    xc = np.ascontiguousarray(xc)
    m = xc.shape[0]
    n2 = np.einsum('ij,ij->i', xc, xc)
    buf = np.empty(m, dtype=np.float32)
    w = scores[cand].astype(np.float32) if coral else None
    mind2 = None
    first = None
    if len(pre):
        p = np.ascontiguousarray(x[pre])
        pn = np.einsum('ij,ij->i', p, p)
        mind2 = np.full(m, np.inf, dtype=np.float32)
        for i in range(0, len(pre), 256):
            d = xc @ p[i:i + 256].T
            d *= -2
            d += n2[:, None]
            d += pn[None, i:i + 256]
            np.minimum(mind2, d.min(axis=1), out=mind2)
    else:
        mean = xc.mean(axis=0, dtype=np.float64).astype(np.float32)
        np.matmul(xc, mean, out=buf)
        buf *= -2
        buf += n2
        buf += mean @ mean
        first = int(np.argmax(w)) if coral else int(np.argmax(buf))
    first_pass = time.perf_counter() - t0
    picks = []
    tmp = np.empty(m, dtype=np.float32) if coral else None
    for t in range(min(k, m)):
        if first is not None and t == 0:
            j = first
        elif coral:
            np.maximum(mind2, 0, out=tmp)
            np.sqrt(tmp, out=tmp)
            tmp *= w
            tmp[picks] = -1
            j = int(np.argmax(tmp))
        else:
            j = int(np.argmax(mind2))
        picks.append(j)
        if t + 1 == k:
            break
        np.matmul(xc, xc[j], out=buf)
        buf *= -2
        buf += n2
        buf += n2[j]
        if mind2 is None:
            mind2 = buf.copy()
        else:
            np.minimum(mind2, buf, out=mind2)
    return picks, first_pass


def read_results(path):
    res = {}
    with open(path) as f:
        for line in f:
            ds, method, key, val = line.rstrip('\n').split('\t')
            res.setdefault(ds, {}).setdefault(method, {})[key] = float(val)
    return res


def eps_argmax(v):
    """Smallest index whose value is >= max - EPS (v < 0: picked)."""
    m = v.max()
    return int(np.argmax(v >= m - EPS)), m


class Greedy:
    def __init__(self, x, cand, pre, scores, coral):
        self.x, self.coral = x, coral
        t0 = time.perf_counter()
        self.xc = x if len(cand) == x.shape[0] else x[cand]
        self.cand = cand
        self.n2 = np.einsum('ij,ij->i', self.xc, self.xc, dtype=np.float64)
        self.w = scores[cand] if coral else None
        m = len(cand)
        if len(pre):
            self.mind2 = np.full(m, np.inf)
            p = x[pre]
            pn = np.einsum('ij,ij->i', p, p, dtype=np.float64)
            # Blocked over P so that the temporary is |C| x 128, not |C| x |P|.
            for i in range(0, len(pre), 128):
                d = self.xc @ p[i:i + 128].T
                d2 = self.n2[:, None] + pn[None, i:i + 128] - 2 * d.astype(np.float64)
                np.minimum(self.mind2, d2.min(axis=1), out=self.mind2)
            np.maximum(self.mind2, 0, out=self.mind2)
            self.first_mean = None
        else:
            mean = self.xc.mean(axis=0, dtype=np.float64).astype(np.float32)
            self.first_mean = mean
            d2 = self.n2 + float(mean.astype(np.float64) @ mean.astype(np.float64)) \
                - 2 * (self.xc @ mean).astype(np.float64)
            self.mind2 = np.maximum(d2, 0)
        self.first_pass = time.perf_counter() - t0
        self.has_p = len(pre) > 0
        self.picked = np.zeros(m, dtype=bool)

    def values(self):
        d = np.sqrt(np.maximum(self.mind2, 0))
        d[self.picked] = -1
        if not self.coral:
            return d, None
        dmax = d.max()
        if dmax <= 0:
            return np.where(self.picked, -1.0, 1.0), dmax
        u = d / dmax * self.w
        u[self.picked] = -1
        if u.max() <= 0:
            return np.where(self.picked, -1.0, d / dmax), dmax
        return u, dmax

    def own_pick(self, t):
        if t == 0 and not self.has_p:
            if self.coral:
                wmax = self.w.max()
                tied = self.w >= wmax - EPS
                if tied.sum() == 1:
                    return int(np.argmax(tied)), None
                d = np.where(tied, np.sqrt(self.mind2), -1)
                return eps_argmax(d)[0], None
            return eps_argmax(np.sqrt(self.mind2))[0], None
        v, dmax = self.values()
        return eps_argmax(v)[0], dmax

    def update(self, j, t):
        q = self.xc[j]
        d2 = self.n2 + self.n2[j] - 2 * (self.xc @ q).astype(np.float64)
        np.maximum(d2, 0, out=d2)
        if t == 0 and not self.has_p:
            self.mind2 = d2
        else:
            np.minimum(self.mind2, d2, out=self.mind2)
        self.picked[j] = True


def exact_value(x, cand, pre, scores, picks_pos, j, t, coral, dmax, mean):
    """float64 value of candidate position j after t picks (brute force)."""
    row = x[cand[j]].astype(np.float64)
    centres = [x[i].astype(np.float64) for i in pre] + \
              [x[cand[p]].astype(np.float64) for p in picks_pos[:t]]
    if centres:
        d = min(np.sqrt(max(0.0, float((row - c) @ (row - c)))) for c in centres)
    else:
        d = float(np.sqrt(((row - mean.astype(np.float64)) ** 2).sum()))
    if coral and dmax is not None and dmax > 0:
        return d / dmax * scores[cand[j]]
    return d


def load(ds, meta, args):
    n, dim, n_pre = int(meta['n']), int(meta['dim']), int(meta['n_pre'])
    x = np.memmap(os.path.join(args.dir, ds + '.f32'), dtype=np.float32, mode='r', shape=(n, dim))
    scores = np.fromfile(os.path.join(args.dir, ds + '.scores.f64'), dtype=np.float64)
    pre = np.fromfile(os.path.join(args.dir, ds + '.pre.u32'), dtype=np.uint32) if n_pre else \
        np.zeros(0, dtype=np.uint32)
    mask = np.ones(n, dtype=bool)
    mask[pre] = False
    cand = np.flatnonzero(mask).astype(np.int64)
    return x, scores, pre, cand


def run_fast(ds, meta, method, k, args):
    """kcenter_fast --repeat times; how many leading picks equal the engine's."""
    x, scores, pre, cand = load(ds, meta, args)
    cpicks = np.fromfile(os.path.join(args.dir, '%s.%s.picks' % (ds, method)), dtype=np.uint32)
    times, firsts = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        picks, fp = kcenter_fast(x, cand, pre, scores, method == 'CORAL', k)
        times.append(time.perf_counter() - t0)
        firsts.append(fp)
    rows = cand[picks]
    same = 0
    while same < min(len(rows), len(cpicks)) and rows[same] == cpicks[same]:
        same += 1
    return {'k': len(picks), 'times': times, 'min': min(times),
            'median': float(np.median(times)), 'first_pass': min(firsts),
            'same_prefix': same}


def run_one(ds, meta, method, k, args):
    n, dim, n_pre = int(meta['n']), int(meta['dim']), int(meta['n_pre'])
    x = np.memmap(os.path.join(args.dir, ds + '.f32'), dtype=np.float32, mode='r', shape=(n, dim))
    scores = np.fromfile(os.path.join(args.dir, ds + '.scores.f64'), dtype=np.float64)
    pre = np.fromfile(os.path.join(args.dir, ds + '.pre.u32'), dtype=np.uint32) if n_pre else \
        np.zeros(0, dtype=np.uint32)
    mask = np.ones(n, dtype=bool)
    mask[pre] = False
    cand = np.flatnonzero(mask).astype(np.int64)
    pos = {int(c): i for i, c in enumerate(cand)} if n_pre else None
    cpicks = np.fromfile(os.path.join(args.dir, '%s.%s.picks' % (ds, method)), dtype=np.uint32)
    cpos = [pos[int(c)] if pos else int(c) for c in cpicks[:k]]
    coral = method == 'CORAL'

    t0 = time.perf_counter()
    g = Greedy(x, cand, pre, scores, coral)
    same = eps_ok = bad = 0
    worst = 0.0
    own_time = 0.0
    for t in range(min(k, len(cpos))):
        ts = time.perf_counter()
        mine, dmax = g.own_pick(t)
        own_time += time.perf_counter() - ts
        c = cpos[t]
        if mine == c:
            same += 1
        else:
            vc = exact_value(x, cand, pre, scores, cpos, c, t, coral, dmax, g.first_mean)
            vn = exact_value(x, cand, pre, scores, cpos, mine, t, coral, dmax, g.first_mean)
            if t == 0 and not g.has_p and coral:
                vc, vn = (scores[cand[c]], vc), (scores[cand[mine]], vn)
                ok = vc[0] >= vn[0] - TOL and (abs(vc[0] - vn[0]) > TOL or vc[1] >= vn[1] - TOL)
                gap = max(0.0, vn[0] - vc[0])
            else:
                ok = vc >= vn - TOL
                gap = max(0.0, vn - vc)
            worst = max(worst, gap)
            if ok:
                eps_ok += 1
            else:
                bad += 1
        if t + 1 < k:
            ts = time.perf_counter()
            g.update(c, t)
            own_time += time.perf_counter() - ts
    wall = time.perf_counter() - t0
    return {
        'k': min(k, len(cpos)),
        'wall': wall,
        'first_pass': g.first_pass,
        'compute': g.first_pass + own_time,
        'same': same,
        'eps_agree': eps_ok,
        'disagree': bad,
        'worst_gap': worst,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dir', required=True)
    ap.add_argument('--label', default='numpy', help='names the run (the BLAS): DIR/numpy-LABEL.json')
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--check', action='store_true', help='also check the C picks (float64 greedy)')
    ap.add_argument('--k-large', type=int, default=0,
                    help='picks on sets of 500k rows or more (default: the C run\'s small k)')
    ap.add_argument('--datasets', default=None)
    args = ap.parse_args()

    res = read_results(os.path.join(args.dir, 'c-results.tsv'))
    out = {'label': args.label, 'blas': blas_info(), 'python': platform.python_version(),
           'runs': {}, 'checks': {}}
    print('[%s] numpy %s, BLAS: %s' % (args.label, np.__version__, out['blas']['blas']))
    print('[%s] OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s LD_LIBRARY_PATH=%s' % (
        args.label, out['blas']['env']['OPENBLAS_CORETYPE'], out['blas']['env']['OPENBLAS_L2_SIZE'],
        os.environ.get('LD_LIBRARY_PATH')))
    for ds, r in res.items():
        if ds == '-' or (args.datasets and ds not in args.datasets.split(',')):
            continue
        meta = r['-']
        for method in ('CORESET', 'CORAL'):
            if method not in r:
                continue
            k = int(meta['k'])
            if meta['n'] >= 500000:
                k = args.k_large or int(r[method]['small_k'])
            o = run_fast(ds, meta, method, k, args)
            out['runs']['%s/%s' % (ds, method)] = o
            print('  [%s] %-11s %-8s k=%d: %.2f s min, %.2f s median of %d (first pass %.2f s); '
                  'first %d picks equal the engine\'s' % (
                      args.label, ds, method, o['k'], o['min'], o['median'], len(o['times']),
                      o['first_pass'], o['same_prefix']))
            sys.stdout.flush()
            if args.check:
                c = run_one(ds, meta, method, k, args)
                out['checks']['%s/%s' % (ds, method)] = c
                print('  [%s] %-11s %-8s check k=%d: C pick = numpy pick at %d steps, within epsilon '
                      'at %d, disagree at %d (largest gap %.2g)' % (
                          args.label, ds, method, c['k'], c['same'], c['eps_agree'], c['disagree'],
                          c['worst_gap']))
                sys.stdout.flush()
    with open(os.path.join(args.dir, 'numpy-%s.json' % args.label), 'w') as f:
        json.dump(out, f, indent=1)
    return 1 if any(o['disagree'] for o in out['checks'].values()) else 0


if __name__ == '__main__':
    sys.exit(main())
