#!/usr/bin/env python3
"""Coverage of bt_ci's percentile intervals (doc/uncertainty.md).

Simulates data sets of pairwise comparisons from a known Bradley-Terry
model, builds the Poisson bootstrap exactly as bt_bootstrap does (the
generator of bootstrap_ref.py: keys, seed and weights), fits every
replicate (Newton, ties none, prior 0, centred scores, as bt_fit) and counts
how often the nominal 95% percentile interval of each item's score contains
the truth.

Model: ITEMS items with true scores theta evenly spaced in [-1, 1]
(centred); each row compares a uniformly drawn ordered pair (i, j), i != j,
and i wins with probability sigmoid(theta_i - theta_j + u_ci - u_cj).

  independent   u = 0; every row its own cluster; bootstrap unit: the row
  clustered     rows in clusters of CLUSTER_SIZE (a prompt, a judge) with
                u_ci ~ N(0, SIGMA_U^2) per cluster and item; bootstrap by
                cluster, and (wrongly) by row

The truth is the score the fit converges to on infinite data from the same
design: for independent rows theta; for clustered rows the Bradley-Terry fit
to the expected counts, P(i beats j) = E[sigmoid(theta_i - theta_j + e)],
e ~ N(0, 2 SIGMA_U^2), by Gauss-Hermite quadrature (the random effects
flatten the scores a little).

Writes bt_coverage.txt beside this script (only with 500 data sets or
more; a smaller count, for example 20, is a quick check).  Deterministic
(fixed seeds).  About 25 minutes on a loaded core.
Run: /usr/bin/python3 test/ref/bootstrap/bt_coverage.py [DATASETS]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bootstrap_ref import weights  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = int(sys.argv[1]) if len(sys.argv) > 1 else 500
ITEMS = 8
N = 1200
CLUSTER_SIZE = 20
SIGMA_U = 0.7
B = 200
LEVEL = 0.95
THETA = np.linspace(-1, 1, ITEMS)
PAIRS = np.array([(i, j) for i in range(ITEMS) for j in range(ITEMS) if i != j])


def fit_batch(a, b):
    """Newton for many data sets at once: a, b (K x P) wins of the first
    and second item of each ordered pair.  Returns K x ITEMS centred scores
    (NaN rows where the estimate does not exist or the fit diverges)."""
    K = a.shape[0]
    pi, pj = PAIRS[:, 0], PAIRS[:, 1]
    X = np.zeros((len(PAIRS), ITEMS))
    X[np.arange(len(PAIRS)), pi] = 1
    X[np.arange(len(PAIRS)), pj] = -1
    win = a @ (X > 0) + b @ (X < 0)
    loss = b @ (X > 0) + a @ (X < 0)
    bad = (win <= 0).any(axis=1) | (loss <= 0).any(axis=1)
    s = np.zeros((K, ITEMS))
    v = np.ones(ITEMS) / np.sqrt(ITEMS)
    for _ in range(60):
        d = s @ X.T
        q = 1 / (1 + np.exp(-d))
        r = a - (a + b) * q
        h = (a + b) * q * (1 - q)
        g = -r @ X
        H = np.einsum("kp,pi,pj->kij", h, X, X) + np.outer(v, v)[None]
        step = np.linalg.solve(H, g[..., None])[..., 0]
        s = s - step
        if np.nanmax(np.abs(step)) < 1e-12:
            break
    s = s - s.mean(axis=1, keepdims=True)
    bad |= ~np.isfinite(s).all(axis=1) | (np.abs(s) > 35).any(axis=1)
    s[bad] = np.nan
    return s


def truth(sigma_u):
    if sigma_u == 0:
        return THETA - THETA.mean()
    x, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    d = THETA[PAIRS[:, 0]] - THETA[PAIRS[:, 1]]
    e = np.sqrt(2) * sigma_u * x
    pbar = (w[None, :] / (1 + np.exp(-(d[:, None] + e[None, :])))).sum(axis=1)
    return fit_batch(pbar[None, :] * 1e6, (1 - pbar[None, :]) * 1e6)[0]


def one(rng, clustered, seed):
    i, j = PAIRS[rng.integers(0, len(PAIRS), N)].T
    cl = np.arange(N) // CLUSTER_SIZE
    if clustered:
        u = rng.normal(0, SIGMA_U, (N // CLUSTER_SIZE, ITEMS))
        d = THETA[i] - THETA[j] + u[cl, i] - u[cl, j]
    else:
        d = THETA[i] - THETA[j]
    y = rng.random(N) < 1 / (1 + np.exp(-d))
    pair = i * (ITEMS - 1) + j - (j > i)          # index into PAIRS
    out = {}
    units = [("cluster", cl), ("row", np.arange(N))] if clustered else [("row", np.arange(N))]
    for unit, keyid in units:
        keys = [("c%d" if unit == "cluster" else "r%d") % k for k in range(keyid.max() + 1)]
        W = weights(keys, seed, B)[keyid].astype(float)       # N x B
        Wall = np.c_[np.ones(N), W]
        a = np.zeros((B + 1, len(PAIRS)))
        b = np.zeros((B + 1, len(PAIRS)))
        for c in range(B + 1):
            a[c] = np.bincount(pair, Wall[:, c] * y, len(PAIRS))
            b[c] = np.bincount(pair, Wall[:, c] * ~y, len(PAIRS))
        s = fit_batch(a, b)
        reps = s[1:][np.isfinite(s[1:]).all(axis=1)]
        lo = np.quantile(reps, (1 - LEVEL) / 2, axis=0, method="linear")
        hi = np.quantile(reps, (1 + LEVEL) / 2, axis=0, method="linear")
        out[unit] = (lo, hi, B - len(reps))
    return out


def main():
    rng = np.random.default_rng(2424)
    lines = [
        "Coverage of nominal 95% percentile intervals of Bradley-Terry scores (test/ref/bootstrap/bt_coverage.py)",
        f"{DATASETS} data sets per scenario, {N} comparisons among {ITEMS} items "
        f"(true scores evenly spaced in [-1, 1]), {B} replicates; clusters of "
        f"{CLUSTER_SIZE} rows with a N(0, {SIGMA_U}^2) effect per cluster and item",
        "",
        f"{'rows':12s} {'bootstrap unit':15s} {'coverage':>9s} {'lowest item':>12s} "
        f"{'highest item':>13s} {'mean width':>11s} {'failed fits':>12s}",
    ]
    for clustered in (False, True):
        t = truth(SIGMA_U if clustered else 0.0)
        hits = {}
        widths = {}
        failed = {}
        for ds in range(DATASETS):
            res = one(rng, clustered, seed=ds)
            for unit, (lo, hi, nf) in res.items():
                hits.setdefault(unit, []).append((lo <= t) & (t <= hi))
                widths.setdefault(unit, []).append(hi - lo)
                failed[unit] = failed.get(unit, 0) + nf
        for unit in hits:
            h = np.array(hits[unit])
            per_item = h.mean(axis=0)
            name = "cluster" if unit == "cluster" else ("row (wrong)" if clustered else "row")
            lines.append(
                f"{'clustered' if clustered else 'independent':12s} {name:15s} "
                f"{100 * h.mean():8.1f}% {100 * per_item.min():11.1f}% "
                f"{100 * per_item.max():12.1f}% {np.mean(widths[unit]):11.4f} "
                f"{failed[unit]:12d}")
    lines.append("")
    lines.append("coverage: over all items and data sets; lowest/highest item: the "
                 "items' own coverage (each over the data sets); failed fits: "
                 f"replicates (of {DATASETS * B}) whose estimate did not exist")
    text = "\n".join(lines) + "\n"
    if DATASETS >= 500:
        with open(os.path.join(HERE, "bt_coverage.txt"), "w") as f:
            f.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
