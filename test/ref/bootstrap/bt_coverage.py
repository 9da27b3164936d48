#!/usr/bin/env python3
"""Coverage of bt_ci's percentile intervals (doc/uncertainty.md).

Simulates data sets of pairwise comparisons from a known Bradley-Terry
model, builds the Poisson bootstrap exactly as bt_bootstrap does (the
generator of bootstrap_ref.py: keys, seed and weights), fits every
replicate (Newton, ties none, prior 0, centred scores, as bt_fit) and counts
how often the nominal 95% percentile interval of each item's score contains
the truth (type 6 quantiles, as bt_ci; and type 7 for comparison).

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

Scenarios: independent rows (1200 comparisons) and clustered rows in 60
clusters of 20 rows, 2000 data sets each; then clustered rows in 15, 30,
120 and 240 clusters of 20 rows, 1000 data sets each (does a cluster
bootstrap under-cover with few clusters?).  For each: the coverage over
all items with its Wilson interval, every item's own coverage, what
binomial noise alone makes of the lowest and highest of 8 items, and a
chi-square test of the items' homogeneity (approximate: the items'
intervals in one data set are correlated through the centring).

Writes bt_coverage.txt beside this script (SCALE 1, the default; a SCALE
below 1, for example 0.02, is a quick check and writes nothing).
Deterministic (fixed seeds).  About an hour on a loaded two-core machine.
Run: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 test/ref/bootstrap/bt_coverage.py [SCALE]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fastweights as FW  # noqa: E402
from scipy import stats  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
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
    a = np.where(bad[:, None], 1.0, a)       # fit something; reported NaN
    b = np.where(bad[:, None], 1.0, b)
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


def one(rng, clustered, seed, n=N):
    i, j = PAIRS[rng.integers(0, len(PAIRS), n)].T
    cl = np.arange(n) // CLUSTER_SIZE
    if clustered:
        u = rng.normal(0, SIGMA_U, (n // CLUSTER_SIZE, ITEMS))
        d = THETA[i] - THETA[j] + u[cl, i] - u[cl, j]
    else:
        d = THETA[i] - THETA[j]
    y = rng.random(n) < 1 / (1 + np.exp(-d))
    pair = i * (ITEMS - 1) + j - (j > i)          # index into PAIRS
    out = {}
    units = [("cluster", cl), ("row", np.arange(n))] if clustered else [("row", np.arange(n))]
    for unit, keyid in units:
        keys = [("c%d" if unit == "cluster" else "r%d") % k for k in range(keyid.max() + 1)]
        W = FW.weights(keys, seed, B)[keyid]                  # n x B
        Wall = np.c_[np.ones(n), W]
        oh = np.zeros((n, len(PAIRS)))
        oh[np.arange(n), pair] = 1
        a = Wall.T @ (oh * y[:, None])                        # (B + 1) x pairs
        b = Wall.T @ (oh * ~y[:, None])
        s = fit_batch(a, b)
        reps = s[1:][np.isfinite(s[1:]).all(axis=1)]
        lo = np.quantile(reps, (1 - LEVEL) / 2, axis=0, method="weibull")
        hi = np.quantile(reps, (1 + LEVEL) / 2, axis=0, method="weibull")
        lo7 = np.quantile(reps, (1 - LEVEL) / 2, axis=0, method="linear")
        hi7 = np.quantile(reps, (1 + LEVEL) / 2, axis=0, method="linear")
        out[unit] = (lo, hi, B - len(reps), lo7, hi7)
    return out


def wilson(h, n, z=1.959963984540054):
    p = h / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    w = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return 100 * (c - w), 100 * (c + w)


def scenario(rng, clustered, clusters, datasets):
    """per unit: hits (datasets x ITEMS), widths, failed replicates"""
    n = clusters * CLUSTER_SIZE if clustered else N
    t = truth(SIGMA_U if clustered else 0.0)
    hits, widths, failed, hits7 = {}, {}, {}, {}
    for ds in range(datasets):
        res = one(rng, clustered, seed=ds, n=n)
        for unit, (lo, hi, nf, lo7, hi7) in res.items():
            hits.setdefault(unit, []).append((lo <= t) & (t <= hi))
            hits7.setdefault(unit, []).append((lo7 <= t) & (t <= hi7))
            widths.setdefault(unit, []).append(hi - lo)
            failed[unit] = failed.get(unit, 0) + nf
        if (ds + 1) % 250 == 0:
            sys.stderr.write("  %s %d clusters: %d data sets\n" % (
                "clustered" if clustered else "independent", clusters, ds + 1))
    return n, {u: (np.array(hits[u]), np.mean(widths[u]), failed[u], np.mean(hits7[u]))
               for u in hits}


def min_of_items(pooled, datasets, rng):
    """the expected lowest and highest of ITEMS independent binomial
    coverages at the pooled rate (what binomial noise alone gives)"""
    x = rng.binomial(datasets, pooled, (100000, ITEMS)) / datasets
    return 100 * x.min(axis=1).mean(), 100 * x.max(axis=1).mean()


def main():
    FW.check()
    D_MAIN = max(20, int(2000 * SCALE))
    D_SWEEP = max(20, int(1000 * SCALE))
    runs = [("independent", False, N // CLUSTER_SIZE, D_MAIN, 2424),
            ("clustered", True, 60, D_MAIN, 2460)]
    runs += [("clustered", True, g, D_SWEEP, 2400 + g) for g in (15, 30, 120, 240)]
    lines = [
        "Coverage of nominal 95% percentile intervals of Bradley-Terry scores (test/ref/bootstrap/bt_coverage.py)",
        f"{ITEMS} items (true scores evenly spaced in [-1, 1]), {B} replicates; "
        f"clusters of {CLUSTER_SIZE} rows with a N(0, {SIGMA_U}^2) effect per cluster and item; "
        f"{N} comparisons for independent rows",
        "coverage over all items and data sets [95% interval from the spread over data sets]; items: the lowest and "
        "highest item's own coverage; noise: the mean lowest and highest of 8 independent",
        "binomial coverages at the pooled rate; chi2 p: homogeneity of the 8 items' coverages "
        "(chi-square, 7 df); failed: replicates whose estimate did not exist;",
        "intervals: bt_ci's, type 6 quantiles of the replicates; type 7: the pooled coverage "
        "with type 7 quantiles (numpy's default)",
        "",
        f"{'rows':12s} {'clusters':>8s} {'n':>5s} {'unit':12s} {'sets':>5s} "
        f"{'coverage [95% CI]':21s} {'items':>11s} {'noise':>11s} {'chi2 p':>6s} "
        f"{'width':>6s} {'failed':>6s} {'type 7':>6s}",
    ]
    detail = ["", "per item (item 1 has the lowest true score), coverage [Wilson]:"]
    nrng = np.random.default_rng(7)
    for kind, clustered, g, D, seed in runs:
        n, res = scenario(np.random.default_rng(seed), clustered, g, D)
        for unit in ("cluster", "row"):
            if unit not in res:
                continue
            h, width, nf, h7 = res[unit]
            per = h.sum(axis=0)
            pooled = h.mean()
            # the items of one data set are not independent: the interval
            # of the pooled coverage from the spread of per-data-set means
            m = h.mean(axis=1)
            half = 1.959963984540054 * m.std(ddof=1) / np.sqrt(D)
            lo, hi = 100 * (pooled - half), 100 * (pooled + half)
            nlo, nhi = min_of_items(pooled, D, nrng)
            chi_p = stats.chi2_contingency(np.c_[per, D - per])[1]
            name = unit + (" (wrong)" if clustered and unit == "row" else "")
            lines.append(
                f"{kind:12s} {g if clustered else '-':>8} {n:5d} {name:12s} {D:5d} "
                f"{100 * pooled:5.1f}% [{lo:4.1f}, {hi:4.1f}]   "
                f"{100 * per.min() / D:4.1f}-{100 * per.max() / D:4.1f} "
                f"{nlo:4.1f}-{nhi:4.1f} {chi_p:6.3f} {width:6.3f} {nf:6d} {100 * h7:5.1f}%")
            detail.append(f"{kind} {g if clustered else ''} {name}: " + ", ".join(
                "%.1f [%.1f, %.1f]" % ((100 * k / D,) + wilson(k, D)) for k in per))
    text = "\n".join(lines + detail) + "\n"
    if SCALE >= 1:
        with open(os.path.join(HERE, "bt_coverage.txt"), "w") as f:
            f.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
