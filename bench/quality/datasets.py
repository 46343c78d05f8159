"""The data sets of the quality grid, written as embeddings CSVs that
`lightly-al simulate` reads (filenames, embedding_0.., labels).

Every cell is a pool plus a held-out split in one CSV; simulate holds out
`test` rows by its own fixed shuffle, so pool and test come from the same
distribution (a long-tailed cell is measured on a long-tailed test split).
Everything is seeded: the same cell name gives the same bytes.
"""

import gzip
import os

import numpy as np

FMNIST_DIR = os.environ.get("LIGHTLY_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
EMB_DIM = 64
# Train images 50000..59999 never enter a pool: the PCA and whitening are
# fitted on them, so every Fashion-MNIST cell shares one embedding and no
# pool or test row is seen by the fit.
FIT_ROWS = slice(50000, 60000)


def _idx(name):
    with gzip.open(os.path.join(FMNIST_DIR, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


_cache = {}


def fmnist():
    """(train pixels, train labels, test pixels, test labels), pixels/255 as float32 rows."""
    if "fm" not in _cache:
        xtr = _idx("train-images-idx3-ubyte.gz").reshape(60000, -1).astype(np.float32) / 255
        ytr = _idx("train-labels-idx1-ubyte.gz").astype(np.int64)
        xte = _idx("t10k-images-idx3-ubyte.gz").reshape(10000, -1).astype(np.float32) / 255
        yte = _idx("t10k-labels-idx1-ubyte.gz").astype(np.int64)
        _cache["fm"] = (xtr, ytr, xte, yte)
    return _cache["fm"]


def _l2(x):
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1
    return x / n


def fmnist_embedder(kind):
    """A function pixels -> embedding; PCA variants work on L2-normalised
    pixels like the demo's embedding (tools/ml/lightly-fashion-mnist.h)."""
    if kind == "raw":
        return lambda x: x
    xtr = fmnist()[0]
    fit = _l2(xtr[FIT_ROWS]).astype(np.float64)
    mean = fit.mean(axis=0)
    if kind in ("pca", "wpca"):
        _, s, vt = np.linalg.svd(fit - mean, full_matrices=False)
        comp = vt[:EMB_DIM].T
        if kind == "wpca":
            var = s[:EMB_DIM] ** 2 / (fit.shape[0] - 1)
            comp = comp / np.sqrt(var + 1e-12)
        return lambda x: ((_l2(x) - mean) @ comp).astype(np.float32)
    if kind == "rp":
        rng = np.random.default_rng(1234)
        proj = rng.standard_normal((fit.shape[1], EMB_DIM)) / np.sqrt(EMB_DIM)
        return lambda x: (_l2(x) @ proj).astype(np.float32)
    raise ValueError("unknown embedding " + kind)


def fmnist_cell(kind, pool, test, longtail=False, seed=0):
    """Pool rows drawn from train images 0..49999, test rows from the test
    images; longtail: class frequencies falling geometrically 10:1."""
    xtr, ytr, xte, yte = fmnist()
    rng = np.random.default_rng(seed)

    def draw(x, y, n, limit):
        idx = np.arange(limit)
        if not longtail:
            pick = rng.choice(idx, n, replace=False)
        else:
            w = 10.0 ** (-np.arange(10) / 9.0)
            counts = np.floor(n * w / w.sum()).astype(int)
            counts[0] += n - counts.sum()
            order = rng.permutation(10)      # which class is frequent is random but fixed
            pick = np.concatenate([rng.choice(idx[y[:limit] == c], counts[i], replace=False)
                                   for i, c in enumerate(order)])
        return x[pick], y[pick]

    xp, yp = draw(xtr, ytr, pool, 50000)
    xt, yt = draw(xte, yte, test, 10000)
    emb = fmnist_embedder(kind)
    return np.vstack([emb(xp), emb(xt)]), np.concatenate([yp, yt])


def gaussian_cell(n, dim, n_classes, spread, imbalance, seed):
    """A mixture with two blobs per class whose centres are close enough to
    overlap; class weights fall geometrically by `imbalance`:1."""
    rng = np.random.default_rng(seed)
    w = imbalance ** (-np.arange(n_classes) / (n_classes - 1))
    counts = np.floor(n * w / w.sum()).astype(int)
    counts[0] += n - counts.sum()
    xs, ys = [], []
    for c in range(n_classes):
        centres = rng.standard_normal((2, dim))
        scales = rng.uniform(0.5, 1.5, size=2) * spread
        blob = rng.integers(0, 2, size=counts[c])
        xs.append(centres[blob] + rng.standard_normal((counts[c], dim)) * scales[blob, None])
        ys.append(np.full(counts[c], c))
    x = np.vstack(xs).astype(np.float32)
    y = np.concatenate(ys)
    perm = rng.permutation(n)
    return x[perm], y[perm]


def sklearn_cell(name):
    """scikit-learn's bundled tables, standardised (z-scores) because
    simulate L2-normalises rows and raw wine features are dominated by one
    column (proline)."""
    from sklearn import datasets
    data = {"wine": datasets.load_wine, "breast-cancer": datasets.load_breast_cancer}[name]()
    x = data.data.astype(np.float64)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x.astype(np.float32), data.target.astype(np.int64)


def write_csv(path, x, y):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("filenames," + ",".join("embedding_%d" % i for i in range(x.shape[1])) + ",labels\n")
        for i in range(x.shape[0]):
            f.write("r%06d.png," % i + ",".join("%.6g" % v for v in x[i]) + ",%d\n" % y[i])
    os.replace(tmp, path)
