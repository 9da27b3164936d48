#!/usr/bin/env python3
"""Reference vectors for bt_bootstrap (test/ref/bootstrap).

The replicate weights come from bootstrap_ref.py's numpy implementation of
the documented generator; each replicate's Bradley-Terry fit is an
independent Newton solver written here (ties as halves, optional L2 prior
and position effect; centred scores), with the existence checks done by
scipy's strongly connected components.  Writes:

  bt_rows.csv        the comparisons: id, first, second, outcome, weight,
                     cluster
  bt_replicates.csv  case, replicate (0 = all the rows), item, score
                     (empty where the replicate's fit fails)
  bt_ci.csv          case, item ('(position)' for the position effect),
                     level, estimate, lower, upper, se, failed

sql/bt_bootstrap.sql checks prefcal against these to 1e-8.  Run from
anywhere: /usr/bin/python3 test/ref/bootstrap/bt_bootstrap_ref.py (Debian's
python3-numpy and python3-scipy; deterministic: fixed seeds).
"""
import csv
import os
import sys

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bootstrap_ref import quantile6, weights  # noqa: E402

# the cases: name, cluster column, replicates, seed, prior, position effect
CASES = [
    ("cluster_judge", "cluster", 40, 5, 0.0, False),
    ("row_prior_position", "id", 30, -2, 0.1, True),
]
LEVEL = 0.9


def fit(n, i, j, a, b, prior, position):
    """Newton on -loglik + prior/2 |s|^2; pairs (i, j) with effective wins
    a (first) and b (second).  Returns (scores centred, gamma) or None when
    the estimate does not exist."""
    if prior == 0:
        win = np.bincount(i, a, n) + np.bincount(j, b, n)
        loss = np.bincount(i, b, n) + np.bincount(j, a, n)
        if np.any(win <= 0) or np.any(loss <= 0):
            return None
        # arc i -> j when i beat j
        src = np.r_[i[a > 0], j[b > 0]]
        dst = np.r_[j[a > 0], i[b > 0]]
        g = csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
        ncomp, _ = connected_components(g, directed=True, connection="strong")
        if ncomp > 1:
            return None
    p = n + (1 if position else 0)
    x = np.zeros(p)
    for _ in range(200):
        d = x[i] - x[j] + (x[n] if position else 0.0)
        q = 1.0 / (1.0 + np.exp(-d))
        r = a - (a + b) * q            # d loglik / d d
        h = (a + b) * q * (1 - q)      # -d2 loglik / d d2
        grad = np.zeros(p)
        np.add.at(grad, i, -r)
        np.add.at(grad, j, r)
        H = np.zeros((p, p))
        np.add.at(H, (i, i), h)
        np.add.at(H, (j, j), h)
        np.add.at(H, (i, j), -h)
        np.add.at(H, (j, i), -h)
        if position:
            grad[n] = -r.sum()
            np.add.at(H, (i, n), h)
            np.add.at(H, (n, i), h)
            np.add.at(H, (j, n), -h)
            np.add.at(H, (n, j), -h)
            H[n, n] = h.sum()
        grad[:n] += prior * x[:n]
        H[:n, :n] += prior * np.eye(n)
        # the scores' common shift is free when prior = 0: fix it
        v = np.zeros(p)
        v[:n] = 1.0 / np.sqrt(n)
        step = np.linalg.solve(H + np.outer(v, v), grad)
        x = x - step
        if np.abs(step).max() < 1e-15:
            break
        if np.abs(x).max() > 35:
            return None
    s = x[:n] - x[:n].mean()
    return s, (x[n] if position else 0.0)


def main():
    rng = np.random.default_rng(24)
    items = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "rare"]
    true = np.array([0.8, 0.3, 0.0, -0.2, -0.5, -0.9, 0.1])
    rows = []
    for r in range(360):
        judge = "j%02d" % rng.integers(0, 30)
        if r % 60 == 0:
            # "rare" meets two others, its rows from two judges only
            a, b = 6, int(rng.integers(0, 6))
            judge = "j%02d" % (90 + (r // 60) % 2)
        else:
            a, b = rng.choice(6, 2, replace=False)
        if rng.random() < 0.5:
            a, b = b, a
        pr = 1.0 / (1.0 + np.exp(-(true[a] - true[b] + 0.2)))
        u = rng.random()
        outcome = 0.5 if u < 0.1 else (1.0 if u < 0.1 + 0.9 * pr else 0.0)
        w = [1.0, 0.5, 2.0, 1.25][r % 4]
        rows.append((r + 1, items[a], items[b], outcome, w, judge))
    with open(os.path.join(HERE, "bt_rows.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["id", "first", "second", "outcome", "weight", "cluster"])
        wr.writerows(rows)

    names = sorted(items, key=lambda s: s.encode())
    idx = {s: k for k, s in enumerate(names)}
    n = len(names)
    fi = np.array([idx[r[1]] for r in rows])
    se = np.array([idx[r[2]] for r in rows])
    oc = np.array([r[3] for r in rows])
    wt = np.array([r[4] for r in rows])

    rep_out, ci_out = [], []
    for name, col, nrep, seed, prior, position in CASES:
        keys = [str(r[0]) if col == "id" else r[5] for r in rows]
        uk = sorted(set(keys))
        kw = dict(zip(uk, weights(uk, seed, nrep)))
        K = np.array([kw[k] for k in keys], dtype=float)      # rows x nrep
        Wall = np.c_[np.ones(len(rows)), K] * wt[:, None]       # column 0 = all
        # aggregate to ordered pairs, effective counts with ties as halves
        pk = fi * n + se
        up, inv = np.unique(pk, return_inverse=True)
        pi, pj = up // n, up % n
        fits = []
        for c in range(nrep + 1):
            w = Wall[:, c]
            a = np.bincount(inv, w * oc, len(up))
            b = np.bincount(inv, w * (1 - oc), len(up))
            res = fit(n, pi, pj, a, b, prior, position)
            if c == 0:
                assert res is not None
            fits.append(res)
            for k in range(n):
                rep_out.append([name, c, names[k],
                                "" if res is None else repr(float(res[0][k]))])
        ok = [f for f in fits[1:] if f is not None]
        failed = nrep - len(ok)
        cols = [(names[k], lambda f, k=k: f[0][k]) for k in range(n)]
        if position:
            cols.append(("(position)", lambda f: f[1]))
        for label, get in cols:
            v = np.array([get(f) for f in ok])
            ci_out.append([name, label, LEVEL, repr(float(get(fits[0]))),
                           repr(quantile6(v, (1 - LEVEL) / 2)),
                           repr(quantile6(v, (1 + LEVEL) / 2)),
                           repr(float(v.std(ddof=1))), failed])
    with open(os.path.join(HERE, "bt_replicates.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["name", "replicate", "item", "score"])
        wr.writerows(rep_out)
    with open(os.path.join(HERE, "bt_ci.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["name", "item", "level", "estimate", "lower", "upper", "se",
                     "failed"])
        wr.writerows(ci_out)


if __name__ == "__main__":
    main()
