#!/usr/bin/python3
"""Reference for bench/fmnist-check.c: the same Fashion-MNIST pipeline in numpy/sklearn.

Pool = first --pool training images, test = the 10 000 test images; pixels
L2-normalised; sklearn PCA(64, whiten=True) fitted on the pool; logistic
regression LogisticRegression(C=1.0) on L2-normalised embeddings; RANDOM picks
of 100 and 500 labels for 5 seeds. Prints per-seed and mean ± sd test accuracy.

  /usr/bin/python3 bench/reference/fmnist_reference.py [--pool N] [--picks FILE] [--c-out DIR]

--picks FILE   train on the picks written by `fmnist-check --picks FILE` (same samples
               as the C run) instead of numpy's own random orderings
--c-out DIR    compare with the C pipeline's output (`fmnist-check --out DIR`):
               embeddings.csv against sklearn's embedding (per-component correlation,
               up to sign), its format, and the PNG thumbnails against the IDX pixels
               (decoded with zlib here, and with GdkPixbuf if PyGObject has it)
"""
import argparse
import csv
import gzip
import os
import struct
import sys
import time
import warnings
import zlib

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

DATA = os.environ.get('LIGHTLY_FASHION_MNIST_DIR', '/usr/share/datasets/fashion-mnist')


def read_idx(name, n):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        magic = struct.unpack('>I', f.read(4))[0]
        ndim = magic & 0xff
        dims = struct.unpack('>' + 'I' * ndim, f.read(4 * ndim))
        n = min(n, dims[0])
        item = int(np.prod(dims[1:])) if ndim > 1 else 1
        data = np.frombuffer(f.read(n * item), dtype=np.uint8)
    return data.reshape((n,) + tuple(dims[1:]))


def decode_png(path):
    """Our own tiny decoder: 8-bit gray, filter 0 only (what the C code writes)."""
    raw = open(path, 'rb').read()
    assert raw[:8] == b'\x89PNG\r\n\x1a\n', path
    pos, idat, w = 8, b'', None
    while True:
        n, kind = struct.unpack('>I4s', raw[pos:pos + 8])
        body = raw[pos + 8:pos + 8 + n]
        crc = struct.unpack('>I', raw[pos + 8 + n:pos + 12 + n])[0]
        assert zlib.crc32(kind + body) == crc, (path, kind)
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert (depth, ctype, interlace) == (8, 0, 0)
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
        pos += 12 + n
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, w + 1)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pool', type=int, default=10000)
    ap.add_argument('--picks')
    ap.add_argument('--c-out')
    ap.add_argument('--max-iter', type=int, default=1000,
                    help="LogisticRegression max_iter (sklearn's default is 100)")
    args = ap.parse_args()

    t0 = time.time()
    xp = read_idx('train-images-idx3-ubyte.gz', args.pool).reshape(args.pool, -1)
    yp = read_idx('train-labels-idx1-ubyte.gz', args.pool)
    xt = read_idx('t10k-images-idx3-ubyte.gz', 10000).reshape(10000, -1)
    yt = read_idx('t10k-labels-idx1-ubyte.gz', 10000)
    xp_n = normalize(xp.astype(np.float32))
    xt_n = normalize(xt.astype(np.float32))
    t1 = time.time()
    pca = PCA(n_components=64, whiten=True, svd_solver='full').fit(xp_n.astype(np.float64))
    t2 = time.time()
    ep = pca.transform(xp_n.astype(np.float64)).astype(np.float32)
    et = pca.transform(xt_n.astype(np.float64)).astype(np.float32)
    print(f'pool {args.pool}: load {t1 - t0:.3f} s, sklearn PCA fit {t2 - t1:.3f} s')
    ev = pca.explained_variance_
    print(f'top eigenvalues {ev[0]:.6g} {ev[1]:.6g} {ev[2]:.6g} … {ev[63]:.6g}')

    if args.c_out:
        with open(os.path.join(args.c_out, 'embeddings.csv'), newline='') as f:
            text = f.read()
        lines = text.split('\r\n')
        assert lines[-1] == '' and '\n' not in text.replace('\r\n', ''), 'line ends must be \\r\\n'
        rows = list(csv.reader(lines[:-1]))
        head = rows[0]
        assert head == ['filenames'] + [f'embedding_{i}' for i in range(64)] + ['labels'], head[:3]
        names = [r[0] for r in rows[1:]]
        assert names == [f'fmnist-{i:05d}.png' for i in range(args.pool)]
        ce = np.array([[float(v) for v in r[1:-1]] for r in rows[1:]], dtype=np.float32)
        cl = np.array([int(r[-1]) for r in rows[1:]])
        assert (cl == yp).all(), 'labels column must hold the true classes'
        # Formatting: every float is the shortest repr of a float32, like str(np.float32).
        bad = [v for r in rows[1:50] for v in r[1:-1] if str(np.float32(v)) != v]
        print(f'csv: {len(names)} rows, header ok, labels ok, float format mismatches '
              f'vs str(np.float32): {len(bad)} {bad[:3]}')
        corr = [abs(np.corrcoef(ce[:, i], ep[:, i])[0, 1]) for i in range(64)]
        print(f'C vs sklearn embedding, |corr| per component: min {min(corr):.6f}, '
              f'first 10 min {min(corr[:10]):.9f}')
        print(f'C whitened pool: mean |mean| {np.abs(ce.mean(0)).mean():.2e}, '
              f'var range {ce.var(0, ddof=1).min():.6f}…{ce.var(0, ddof=1).max():.6f}')
        xs = read_idx('train-images-idx3-ubyte.gz', args.pool)
        for i in (0, 1, args.pool // 2, args.pool - 1):
            assert (decode_png(os.path.join(args.c_out, f'fmnist-{i:05d}.png')) == xs[i]).all()
        msg = 'PNG: 4 thumbnails decode (zlib + CRC check) to the IDX pixels'
        try:
            import gi
            gi.require_version('GdkPixbuf', '2.0')
            from gi.repository import GdkPixbuf
            for i in (0, args.pool - 1):
                pb = GdkPixbuf.Pixbuf.new_from_file(os.path.join(args.c_out, f'fmnist-{i:05d}.png'))
                px = np.frombuffer(pb.get_pixels(), np.uint8)
                stride, nch = pb.get_rowstride(), pb.get_n_channels()
                img = np.array([px[r * stride:r * stride + 28 * nch:nch] for r in range(28)])
                assert (pb.get_width(), pb.get_height()) == (28, 28) and (img == xs[i]).all()
            msg += '; GdkPixbuf decodes them identically'
        except (ImportError, ValueError) as e:
            msg += f'; GdkPixbuf not available ({e})'
        print(msg)

    if args.picks:
        picks = {}
        for line in open(args.picks):
            s, n, *idx = map(int, line.split())
            picks[(s, n)] = np.array(idx)
        seeds = sorted({s for s, _ in picks})
    else:
        seeds = range(5)
        perms = {s: np.random.RandomState(s).permutation(args.pool) for s in seeds}
        picks = {(s, n): perms[s][:n] for s in seeds for n in (100, 500)}

    epn, etn = normalize(ep), normalize(et)
    for n in (100, 500):
        accs = []
        for s in seeds:
            idx = picks[(s, n)]
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', ConvergenceWarning)
                clf = LogisticRegression(C=1.0, max_iter=args.max_iter).fit(epn[idx], yp[idx])
            accs.append(clf.score(etn, yt))
            print(f'seed {s}  labels {n:3d}  test accuracy {accs[-1]:.4f}  ({clf.n_iter_[0]} iterations)')
        print(f'RANDOM {n:3d} labels: test accuracy {np.mean(accs):.3f} ± {np.std(accs, ddof=1):.3f} '
              f'(mean ± sd over {len(accs)} seeds){" [C picks]" if args.picks else ""}')


if __name__ == '__main__':
    sys.exit(main())
