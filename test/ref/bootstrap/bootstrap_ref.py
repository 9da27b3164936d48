#!/usr/bin/env python3
"""Reference vectors for calibration_bootstrap (test/ref/bootstrap).

An independent numpy implementation of the replicate-weight generator as
doc/uncertainty.md states it, and of the calibration measures computed
from replicate-weighted bins, writing:

  weights.csv     key, seed, replicate (1-based), weight
  rows.csv        the data set: id, cluster, p, y, ys, w
  replicates.csv  case, metric, replicate, value (per replicate measures)
  ci.csv          case, metric, level, estimate, lower, upper, se

sql/calibration_bootstrap_ref.sql checks prefcal against these to 1e-12.
Run from anywhere: /usr/bin/python3 test/ref/bootstrap/bootstrap_ref.py
(Debian's python3-numpy; deterministic: fixed seeds).
"""
import csv
import os
from decimal import Decimal, getcontext

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
M64 = (1 << 64) - 1

# --- the generator --------------------------------------------------------


def poisson1_thresholds():
    """ceil(2^53 F(j)) for the Poisson(1) CDF F, while below 2^53."""
    getcontext().prec = 80
    e_inv = Decimal(1) / Decimal(1).exp()
    two53 = Decimal(2) ** 53
    out, cdf, term, j = [], Decimal(0), Decimal(1), 0
    while True:
        cdf += e_inv * term
        t = int((cdf * two53).to_integral_value(rounding="ROUND_CEILING"))
        if t >= 1 << 53:
            return out
        out.append(t)
        j += 1
        term /= j


T = np.array(poisson1_thresholds(), dtype=np.uint64)


def mix64_py(z):
    z &= M64
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & M64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def mix64_np(z):
    z = z.copy()
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def key_hash(key, seed):
    h = 0xCBF29CE484222325
    for byte in key.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & M64
    return mix64_py(h ^ mix64_py(seed & M64))


def weights(keys, seed, nrep):
    """len(keys) x nrep matrix of Poisson(1) weights."""
    kh = np.array([key_hash(k, seed) for k in keys], dtype=np.uint64)
    b = np.arange(1, nrep + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        u = mix64_np(kh[:, None] + b[None, :])
    x = u >> np.uint64(11)
    return (x[..., None] >= T[None, None, :]).sum(axis=2)


# --- the measures ---------------------------------------------------------


def bin_index(p, nbins):
    """right-closed equal-width bins (0, 1/B], ..., p = 0 in the first"""
    k = np.ceil(p * nbins).astype(int) - 1
    # p exactly k/B as a double falls in bin k-1: ceil handles it; the edge
    # test of calib.h agrees away from rounding of p * B, checked below
    edges = np.arange(nbins + 1) / nbins
    k = np.clip(k, 0, nbins - 1)
    k = np.where(p > edges[k + 1], k + 1, k)
    k = np.where((k > 0) & (p <= edges[k]), k - 1, k)
    return np.clip(k, 0, nbins - 1)


def measures(p, y, w, nbins):
    """dict of measures of the weighted rows (None when total weight 0)"""
    W = w.sum()
    if not W > 0:
        return None
    b = bin_index(p, nbins)
    bw = np.bincount(b, w, nbins)
    bp = np.bincount(b, w * p, nbins)
    by = np.bincount(b, w * y, nbins)
    ne = bw > 0
    pb = np.where(ne, bp / np.where(ne, bw, 1), 0)
    yb = np.where(ne, by / np.where(ne, bw, 1), 0)
    ybar = by.sum() / W
    ll = np.where(y > 0, -y * np.log(np.where(y > 0, p, 1)), 0.0) + \
        np.where(y < 1, -(1 - y) * np.log1p(-np.where(y < 1, p, 0)), 0.0)
    return {
        "ece": np.abs(by - bp).sum() / W,
        "mce": np.abs(yb - pb)[ne].max(),
        "brier": (w * (p - y) ** 2).sum() / W,
        "log_loss": (w * ll).sum() / W,
        "reliability": (bw * (pb - yb) ** 2)[ne].sum() / W,
        "resolution": (bw * (yb - ybar) ** 2)[ne].sum() / W,
    }


METRICS = ["ece", "mce", "brier", "log_loss", "reliability", "resolution"]


def quantile6(v, q):
    """type 6 quantile (numpy "weibull"): boot_interval_quantile in src/boot_math.c"""
    return float(np.quantile(v, q, method="weibull"))


# --- the vectors ----------------------------------------------------------


def main():
    rng = np.random.default_rng(20261206)

    # weights: assorted keys, three seeds, 20 replicates each
    keys = ["", "a", "b", "0", "1", "42", "annotator-7", "prompt/3/variant",
            "über", "日本語", "x" * 300] + ["k%d" % i for i in range(189)]
    with open(os.path.join(HERE, "weights.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["key", "seed", "replicate", "weight"])
        for seed in (0, 7, -1, 9223372036854775807):
            K = weights(keys, seed, 20)
            for i, k in enumerate(keys):
                for r in range(20):
                    out.writerow([k, seed, r + 1, int(K[i, r])])

    # rows: 1500 rows in 120 clusters with cluster effects
    n, ncl = 1500, 120
    cl = rng.integers(0, ncl, n)
    eff = rng.normal(0, 0.8, ncl)[cl]
    logit = rng.normal(0, 1.5, n)
    p = 1 / (1 + np.exp(-logit))
    p = np.round(p, 6)
    p[:5] = [0.0, 1.0, 0.5, 0.1, 0.9]       # edges and exact bin edges
    ptrue = 1 / (1 + np.exp(-(logit + eff)))
    y = (rng.random(n) < ptrue).astype(float)
    y[0], y[1] = 0.0, 1.0                    # no certain wrong predictions
    ys = np.round(np.clip(ptrue + rng.normal(0, 0.1, n), 0, 1), 4)
    ys[0], ys[1] = 0.0, 1.0
    w = np.round(rng.gamma(2.0, 0.5, n), 3) + 0.001
    ids = np.arange(1, n + 1)
    clusters = ["c%d" % c for c in cl]
    with open(os.path.join(HERE, "rows.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["id", "cluster", "p", "y", "ys", "w"])
        for i in range(n):
            out.writerow([ids[i], clusters[i], repr(float(p[i])),
                          "t" if y[i] else "f", repr(float(ys[i])),
                          repr(float(w[i]))])

    # cases: (name, key column, target, weighted, nbins, replicates, seed)
    cases = [
        ("cluster_bool", "cluster", "bool", False, 10, 60, 7),
        ("cluster_soft_w", "cluster", "soft", True, 15, 40, -3),
        ("row_bool", "id", "bool", False, 15, 50, 0),
    ]
    with open(os.path.join(HERE, "replicates.csv"), "w", newline="") as fr, \
            open(os.path.join(HERE, "ci.csv"), "w", newline="") as fc:
        rep_out = csv.writer(fr, lineterminator="\n")
        ci_out = csv.writer(fc, lineterminator="\n")
        rep_out.writerow(["case", "metric", "replicate", "value"])
        ci_out.writerow(["case", "metric", "level", "estimate", "lower",
                         "upper", "se"])
        for name, keycol, target, weighted, nbins, nrep, seed in cases:
            keyv = clusters if keycol == "cluster" else [str(i) for i in ids]
            uk, inv = np.unique(np.array(keyv, dtype=object),
                                return_inverse=True)
            K = weights(list(uk), seed, nrep)[inv]      # rows x nrep
            yy = y if target == "bool" else ys
            ww = w if weighted else np.ones(n)
            est = measures(p, yy, ww, nbins)
            reps = [measures(p, yy, ww * K[:, b], nbins) for b in range(nrep)]
            for m in METRICS:
                vals = []
                for b, r in enumerate(reps):
                    v = None if r is None else r[m]
                    rep_out.writerow([name, m, b + 1,
                                      "" if v is None else repr(float(v))])
                    if v is not None:
                        vals.append(v)
                vals = np.array(vals)
                for level in (0.9, 0.95):
                    ci_out.writerow([
                        name, m, level, repr(float(est[m])),
                        repr(quantile6(vals, (1 - level) / 2)),
                        repr(quantile6(vals, (1 + level) / 2)),
                        repr(float(np.std(vals, ddof=1)))])

    # the generator's thresholds must be the C table's
    src = open(os.path.join(HERE, "..", "..", "..", "src",
                            "kernels_scalar.c")).read()
    table = src[src.index("pc_poisson1_t[PC_POISSON1_NT] = {"):]
    table = table[:table.index("};")]
    got = [int(x) for x in
           __import__("re").findall(r"UINT64_C\((\d+)\)", table)]
    assert got == [int(t) for t in T], "threshold table differs"
    print("thresholds agree (%d); wrote weights, rows, replicates, ci" %
          len(T))


if __name__ == "__main__":
    main()
