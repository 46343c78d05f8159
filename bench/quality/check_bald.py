"""Cross-check of the BALD column of the extra grid with scikit-learn.

BALD (top-k of `uncertainty_bald` over a bootstrap ensemble of 5 logistic
regressions) measured far below RANDOM. This redoes one round outside
lightly-glib: scikit-learn's LogisticRegression(C=1), a random labeled set of
100, a bootstrap ensemble of 5, BALD = H(mean p) - mean H(p) in numpy, and the
100 top-BALD, top-margin and random candidates added. If BALD lands well below
margin and random here too, the grid's number is the method on this model,
not the pipeline.

    /usr/bin/python3 bench/quality/check_bald.py WORK/fmnist-wpca-1500.data.csv
"""
import csv
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression


def main(path, n_test=3000, n_labeled=100, n_members=5):
    rows = list(csv.reader(open(path)))
    x = np.array([[float(v) for v in r[1:-1]] for r in rows[1:]])
    y = np.array([int(r[-1]) for r in rows[1:]])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    k = int(y.max()) + 1
    perm = np.random.default_rng(0).permutation(len(x))
    xt, yt, xp, yp = x[perm[:n_test]], y[perm[:n_test]], x[perm[n_test:]], y[perm[n_test:]]

    def fit(idx):
        return LogisticRegression(C=1.0, max_iter=1000).fit(xp[idx], yp[idx])

    def proba(m):
        p = np.zeros((len(xp), k))
        p[:, m.classes_] = m.predict_proba(xp)
        return p

    def entropy(p):
        return -(p * np.log2(np.clip(p, 1e-12, 1))).sum(-1)

    for seed in range(3):
        r = np.random.default_rng(seed)
        lab = r.choice(len(xp), n_labeled, replace=False)
        ens = np.array([proba(fit(r.choice(lab, len(lab)))) for _ in range(n_members)])
        bald = entropy(ens.mean(0)) - entropy(ens).mean(0)
        s = np.sort(proba(fit(lab)), 1)
        margin = 1 - (s[:, -1] - s[:, -2])
        cand = np.setdiff1d(np.arange(len(xp)), lab)
        out = []
        for name, score in (("bald", bald), ("margin", margin)):
            pick = cand[np.argsort(-score[cand], kind="stable")[:n_labeled]]
            out.append("%s %.3f" % (name, fit(np.concatenate([lab, pick])).score(xt, yt)))
        out.append("random %.3f" % fit(np.concatenate([lab, r.choice(cand, n_labeled, replace=False)])).score(xt, yt))
        print("seed %d: %s" % (seed, ", ".join(out)))


if __name__ == "__main__":
    main(sys.argv[1])
