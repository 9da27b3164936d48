#!/usr/bin/env python3
"""Coverage of calibration_bootstrap's percentile intervals (doc/uncertainty.md).

Simulates data sets from a known miscalibrated model, builds the Poisson
bootstrap exactly as calibration_bootstrap does (the generator of
bootstrap_ref.py: same keys, seeds and weights) and counts how often the
nominal 95% percentile interval of ECE and Brier contains the truth.

The truth: ECE is the binned ECE of the same model on infinite data,
sum_b P(bin b) |E[y | bin b] - E[p | bin b]| over the same 10 equal-width
bins (computed by quadrature), not the ECE of one sample (which is biased
upward); Brier is E[(p - y)^2] on infinite data.

Scenarios (each DATASETS data sets):
  independent   N rows, each its own cluster; bootstrap unit: the row
  clustered     N rows in N / 20 clusters sharing a random effect on the
                outcome's logit; bootstrap by cluster, and (wrongly) by row

Writes coverage.txt beside this script.  Deterministic (fixed seeds).
Run: /usr/bin/python3 test/ref/bootstrap/coverage.py [DATASETS]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bootstrap_ref import bin_index, weights  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = int(sys.argv[1]) if len(sys.argv) > 1 else 500
N = 2000
CLUSTER_SIZE = 25
NBINS = 10
B = 200
SIGMA_U = 1.0        # sd of the cluster effect on the logit

# the models' miscalibration: P(y = 1 | p) = sigmoid(a logit(p) + c) for a
# row without a cluster effect.  "shifted": every bin's gap has the same
# sign, well away from 0; "crossing": the gap changes sign inside the range
# of p, so some bins' true gaps are near 0, where |gap| is biased upward
MODELS = {"shifted": (1.0, 0.5), "crossing": (1.3, 0.25)}


def logit_true(p, model):
    a, c = MODELS[model]
    return a * np.log(p / (1 - p)) + c


def draw_p(rng, n):
    return rng.beta(2.0, 2.5, n)


def truth(sigma_u, model):
    """population binned ECE and Brier by quadrature over p and u"""
    from scipy import stats
    x = (np.arange(400000) + 0.5) / 400000
    dens = stats.beta(2.0, 2.5).pdf(x) / 400000
    if sigma_u > 0:
        gh_x, gh_w = np.polynomial.hermite_e.hermegauss(60)
        gh_w = gh_w / gh_w.sum()
        lg = logit_true(x, model)
        m = sum(w / (1 + np.exp(-(lg + sigma_u * u)))
                for u, w in zip(gh_x, gh_w))
    else:
        m = 1 / (1 + np.exp(-logit_true(x, model)))
    b = bin_index(x, NBINS)
    pb = np.bincount(b, dens, NBINS)
    gap = np.bincount(b, dens * (m - x), NBINS)
    ece = np.abs(gap).sum()
    brier = (dens * (x * x - 2 * x * m + m)).sum()
    assert abs(pb.sum() - 1) < 1e-6
    return ece, brier


def stats_of(p, y, w):
    W = w.sum(axis=0)
    b = bin_index(p, NBINS)
    onehot = np.zeros((len(p), NBINS))
    onehot[np.arange(len(p)), b] = 1
    gap = onehot.T @ (w * (y - p)[:, None])          # NBINS x R
    ece = np.abs(gap).sum(axis=0) / W
    brier = ((p - y) ** 2) @ w / W
    return ece, brier


def one(rng, seed, clustered, model):
    p = draw_p(rng, N)
    lg = logit_true(p, model)
    if clustered:
        cl = np.repeat(np.arange(N // CLUSTER_SIZE), CLUSTER_SIZE)
        lg = lg + rng.normal(0, SIGMA_U, N // CLUSTER_SIZE)[cl]
    else:
        cl = np.arange(N)
    y = (rng.random(N) < 1 / (1 + np.exp(-lg))).astype(float)
    out = {}
    units = [("row", ["r%d" % i for i in range(N)], np.arange(N))]
    if clustered:
        units.insert(0, ("cluster", ["c%d" % c for c in range(N // CLUSTER_SIZE)], cl))
    for unit, keys, idx in units:
        K = weights(keys, seed, B)[idx].astype(float)    # N x B
        e, br = stats_of(p, y, K)
        out[unit] = {
            "ece": np.quantile(e, [0.025, 0.975]),
            "brier": np.quantile(br, [0.025, 0.975]),
        }
    return out


def main():
    lines = []
    lines.append("Coverage of nominal 95% percentile intervals (test/ref/bootstrap/coverage.py)")
    lines.append("%d data sets per scenario, %d rows, %d bins, %d replicates; "
                 "clusters of %d rows with a N(0, %.1f^2) logit effect"
                 % (DATASETS, N, NBINS, B, CLUSTER_SIZE, SIGMA_U))
    lines.append("")
    lines.append("%-9s %-12s %-15s %-6s %8s %9s %10s" %
                 ("model", "rows", "bootstrap unit", "metric", "truth",
                  "coverage", "mean width"))
    for model, clustered in (("shifted", False), ("shifted", True),
                             ("crossing", False)):
        te, tb = truth(SIGMA_U if clustered else 0.0, model)
        rng = np.random.default_rng(1000 + clustered)
        hits, width = {}, {}
        for d in range(DATASETS):
            res = one(rng, d, clustered, model)
            for unit, r in res.items():
                for m, t in (("ece", te), ("brier", tb)):
                    lo, hi = r[m]
                    hits[(unit, m)] = hits.get((unit, m), 0) + (lo <= t <= hi)
                    width[(unit, m)] = width.get((unit, m), 0) + (hi - lo)
        for (unit, m), h in sorted(hits.items()):
            lines.append("%-9s %-12s %-15s %-6s %8.5f %8.1f%% %10.5f" % (
                model, "clustered" if clustered else "independent",
                unit + (" (wrong)" if clustered and unit == "row" else ""),
                m, te if m == "ece" else tb, 100.0 * h / DATASETS,
                width[(unit, m)] / DATASETS))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if DATASETS >= 500:
        with open(os.path.join(HERE, "coverage.txt"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
