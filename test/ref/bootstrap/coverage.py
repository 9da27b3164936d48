#!/usr/bin/env python3
"""Coverage of calibration_bootstrap's intervals (doc/uncertainty.md).

Simulates data sets from a known miscalibrated model, builds the Poisson
bootstrap exactly as calibration_bootstrap does (the documented generator,
vectorised in fastweights.py and checked bit for bit against
bootstrap_ref.py's before the run; the same keys and seeds) and counts how
often a nominal 95% interval of ECE and Brier contains the truth.

The truth: ECE is the binned ECE of the same model on infinite data,
sum_b P(bin b) |E[y | bin b] - E[p | bin b]| over the same equal-width
bins (computed by quadrature), not the ECE of one sample (which is biased
upward); Brier is E[(p - y)^2] on infinite data.

Data: p ~ Beta(2, 2.5); P(y = 1 | p) = sigmoid(a logit(p) + c + u).
Models: "shifted" (a = 1, c = 0.5), every bin's gap of one sign, well away
from 0 except in the sparse end bins; "crossing" (a = 1.3, c = 0.25), the
gap changes sign inside the range of p, so some bins' true gaps are near 0.

Scenarios:
  independent   N rows (2000, 8000, 32000), u = 0, each row its own
                cluster (key "r<i>"); bootstrap unit: the row; 10 bins, and
                5 and 20 bins at 2000 rows
  clustered     2000 rows in 80 clusters of 25 sharing u ~ N(0, 1) (key
                "c<k>"); bootstrap by cluster, and (wrongly) by row; 10 bins

Intervals, all from the same replicates and estimate (what a
calibration_bootstrap_state holds):
  percentile    the 2.5% and 97.5% quantiles of the replicates, type 6
                (the (B + 1) q-th order statistic, interpolated; numpy's
                "weibull"): calibration_ci's interval
  type7         the same with type 7 quantiles (numpy's default, "linear"),
                which at B = 200 sit at the 2.97% and 97.03% points of the
                replicates' distribution on average
  basic         2 estimate minus the percentile bounds
  bc            Efron's bias-corrected percentile interval
  student       bootstrap-t: the estimate minus the replicates' quantiles
                of (value - estimate) / se (type 6), se the delta-method (row-level)
                standard error of each replicate, from its bin sums (at
                2000 rows)
Replicate b of data set d uses seed d, as coverage by data set index.

For every coverage: the count over D data sets, the percentage and its
95% Wilson score interval (binomial Monte-Carlo error).  Also, per
scenario: the estimate's bias (mean over data sets minus the truth), the
Monte-Carlo SD of the estimate across data sets, the mean bootstrap SE and
their ratio, the replicates' mean bias (mean of replicates minus estimate,
what the bootstrap thinks the bias is), the skewness of the estimate, and
on which side the percentile interval misses (truth below the interval:
"low", above: "high").

Writes coverage.txt (the summary doc/uncertainty.md quotes) and
ece_diagnostics.txt (every scenario) beside this script when run with the
default data set counts.  Deterministic (fixed seeds).
Run: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 test/ref/bootstrap/coverage.py [SCALE]
(SCALE multiplies the data set counts: 2000 for 2000 rows and for
clustered rows, 1000 for 8000 rows, 500 for 32000 rows; default 1; about
an hour on a loaded two-core machine.  A SCALE below 1, e.g. 0.05, is a
quick check and writes nothing.)
"""
import math
import os
import sys

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fastweights as FW  # noqa: E402
from bootstrap_ref import bin_index  # noqa: E402

SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
B = 200
LEVEL = 0.95
Z = stats.norm.ppf((1 + LEVEL) / 2)
BINS = {2000: (5, 10, 20), 8000: (10,), 32000: (10,)}   # rows: bin counts
ROWS = {2000: 2000, 8000: 1000, 32000: 500}     # rows: data sets
RNG_SEED = {2000: 1000, 8000: 1008, 32000: 1032}
CLUSTERED_N = 2000
CLUSTERED_D = 2000
CLUSTER_SIZE = 25
SIGMA_U = 1.0
MODELS = {"shifted": (1.0, 0.5), "crossing": (1.3, 0.25)}
INTERVALS = ("percentile", "type7", "basic", "bc", "student")


def logit_true(p, model):
    a, c = MODELS[model]
    return a * np.log(p / (1 - p)) + c


def truth(sigma_u, model, nbins):
    """population binned ECE and Brier by quadrature over p and u"""
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
    b = bin_index(x, nbins)
    gap = np.bincount(b, dens * (m - x), nbins)
    assert abs(dens.sum() - 1) < 1e-6
    return np.abs(gap).sum(), (dens * (x * x - 2 * x * m + m)).sum()


class Columns:
    """the per-row columns whose weighted sums a replicate needs: for
    every bin count, per bin the count and, per model, sum r and sum r^2
    (r = y - p); per model the Brier term"""

    def __init__(self, p, ys, bins, squares):
        n = len(p)
        cols, self.ix = [], {}
        for nb in bins:
            oh = np.zeros((n, nb))
            oh[np.arange(n), bin_index(p, nb)] = 1
            self.ix[("n", nb)] = slice(len(cols), len(cols) + nb)
            cols.extend(oh.T)
            for model, y in ys.items():
                r = y - p
                self.ix[("r", nb, model)] = slice(len(cols), len(cols) + nb)
                cols.extend((oh * r[:, None]).T)
                if squares:
                    self.ix[("rr", nb, model)] = slice(len(cols), len(cols) + nb)
                    cols.extend((oh * (r * r)[:, None]).T)
        for model, y in ys.items():
            self.ix[("brier", model)] = len(cols)
            cols.append((p - y) ** 2)
        self.M = np.array(cols).T            # rows x columns

    def sums(self, K):
        """(B + 1) x columns: the estimate's sums, then each replicate's"""
        return np.vstack([self.M.sum(axis=0), K.T @ self.M])


def ece_and_se(S, ix, nb, model):
    """ECE of each row of sums S and its delta-method standard error
    (rows independent): ECE = sum_b |R_b| / W, influence of a row in bin
    b: (sign(R_b) r - ECE) / W"""
    cnt = S[:, ix[("n", nb)]]
    R = S[:, ix[("r", nb, model)]]
    W = cnt.sum(axis=1)
    e = np.abs(R).sum(axis=1) / W
    if ("rr", nb, model) not in ix:
        return e, None
    RR = S[:, ix[("rr", nb, model)]]
    s = np.sign(R)
    ss = (RR - 2 * e[:, None] * s * R + e[:, None] ** 2 * cnt).sum(axis=1)
    return e, np.sqrt(np.maximum(ss, 0)) / W


def wilson(h, n):
    p = h / n
    d = 1 + Z * Z / n
    c = (p + Z * Z / (2 * n)) / d
    w = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return 100 * (c - w), 100 * (c + w)


def intervals(est, reps, se0=None, se_rep=None):
    """est (D), reps (D x B): dict interval type -> (lo, hi) arrays"""
    q = np.quantile(reps, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=1, method="weibull")
    q7 = np.quantile(reps, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=1, method="linear")
    out = {"percentile": (q[0], q[1]), "type7": (q7[0], q7[1]),
           "basic": (2 * est - q[1], 2 * est - q[0])}
    z0 = stats.norm.ppf(np.clip((reps < est[:, None]).mean(axis=1), 1e-6, 1 - 1e-6))
    lo_q = stats.norm.cdf(2 * z0 - Z)
    hi_q = stats.norm.cdf(2 * z0 + Z)
    out["bc"] = (np.array([np.quantile(r, a, method="weibull") for r, a in zip(reps, lo_q)]),
                 np.array([np.quantile(r, a, method="weibull") for r, a in zip(reps, hi_q)]))
    if se0 is not None:
        t = (reps - est[:, None]) / se_rep
        tq = np.quantile(t, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=1, method="weibull")
        out["student"] = (est - tq[1] * se0, est - tq[0] * se0)
    return out


def summarise(name, truth_v, est, reps, se0=None, se_rep=None):
    """one scenario's diagnostics"""
    D = len(est)
    iv = intervals(est, reps, se0, se_rep)
    res = {"name": name, "D": D, "truth": truth_v, "mean": est.mean(),
           "bias": est.mean() - truth_v, "mcsd": est.std(ddof=1),
           "bse": reps.std(axis=1, ddof=1).mean(),
           "bbias": (reps.mean(axis=1) - est).mean(),
           "skew": stats.skew(est), "cov": {}, "width": {}}
    for k, (lo, hi) in iv.items():
        h = int(((lo <= truth_v) & (truth_v <= hi)).sum())
        res["cov"][k] = (h, D, 100 * h / D) + wilson(h, D)
        res["width"][k] = (hi - lo).mean()
    lo, hi = iv["percentile"]
    res["low"] = int((truth_v < lo).sum())
    res["high"] = int((truth_v > hi).sum())
    return res


def independent(N, D, log):
    rng = np.random.default_rng(RNG_SEED[N])
    keys = ["r%d" % i for i in range(N)]
    bins = BINS[N]
    tr = {(m, nb): truth(0.0, m, nb) for m in MODELS for nb in bins}
    est = {}
    reps = {}
    ses = {}
    for d in range(D):
        p = rng.beta(2.0, 2.5, N)
        u = rng.random(N)
        ys = {m: (u < 1 / (1 + np.exp(-logit_true(p, m)))).astype(float)
              for m in MODELS}
        C = Columns(p, ys, bins, squares=N == 2000)
        S = C.sums(FW.weights(keys, d, B))
        for m in MODELS:
            for nb in bins:
                e, se = ece_and_se(S, C.ix, nb, m)
                est.setdefault(("ece", m, nb), []).append(e[0])
                reps.setdefault(("ece", m, nb), []).append(e[1:])
                ses.setdefault(("ece", m, nb), []).append(se)
            br = S[:, C.ix[("brier", m)]] / S[:, C.ix[("n", bins[0])]].sum(axis=1)
            est.setdefault(("brier", m), []).append(br[0])
            reps.setdefault(("brier", m), []).append(br[1:])
        if (d + 1) % 250 == 0:
            log("  %d rows: %d data sets" % (N, d + 1))
    out = []
    for key in est:
        e = np.array(est[key])
        r = np.array(reps[key])
        if key[0] == "ece":
            t = tr[(key[1], key[2])][0]
            if ses[key][0] is None:
                out.append(summarise(("independent", N, key[1], "row", "ece", key[2]), t, e, r))
                continue
            se = np.array(ses[key])
            out.append(summarise(("independent", N, key[1], "row", "ece", key[2]),
                                 t, e, r, se[:, 0], se[:, 1:]))
        else:
            t = tr[(key[1], bins[0])][1]
            out.append(summarise(("independent", N, key[1], "row", "brier", 0), t, e, r))
    return out


def clustered(D, log):
    N = CLUSTERED_N
    G = N // CLUSTER_SIZE
    rng = np.random.default_rng(1001)
    cl = np.repeat(np.arange(G), CLUSTER_SIZE)
    ckeys = ["c%d" % c for c in range(G)]
    rkeys = ["r%d" % i for i in range(N)]
    tr = {m: truth(SIGMA_U, m, 10) for m in MODELS}
    est, reps = {}, {}
    for d in range(D):
        p = rng.beta(2.0, 2.5, N)
        eff = rng.normal(0, SIGMA_U, G)[cl]
        u = rng.random(N)
        ys = {m: (u < 1 / (1 + np.exp(-(logit_true(p, m) + eff)))).astype(float)
              for m in MODELS}
        C = Columns(p, ys, (10,), squares=False)
        for unit, K in (("cluster", FW.weights(ckeys, d, B)[cl]),
                        ("row (wrong)", FW.weights(rkeys, d, B))):
            S = C.sums(K)
            W = S[:, C.ix[("n", 10)]].sum(axis=1)
            for m in MODELS:
                e, _ = ece_and_se(S, C.ix, 10, m)
                br = S[:, C.ix[("brier", m)]] / W
                for metric, v in (("ece", e), ("brier", br)):
                    est.setdefault((unit, m, metric), []).append(v[0])
                    reps.setdefault((unit, m, metric), []).append(v[1:])
        if (d + 1) % 250 == 0:
            log("  clustered: %d data sets" % (d + 1))
    out = []
    for (unit, m, metric), e in est.items():
        t = tr[m][0 if metric == "ece" else 1]
        out.append(summarise(("clustered", N, m, unit, metric, 10 if metric == "ece" else 0),
                             t, np.array(e), np.array(reps[(unit, m, metric)])))
    return out


def fmt_cov(c):
    return "%5.1f%% [%4.1f, %4.1f]" % (c[2], c[3], c[4])


def main():
    FW.check()

    def log(s):
        sys.stderr.write(s + "\n")

    results = []
    for part in (2000, "clustered", 8000, 32000):
        if part == "clustered":
            results += clustered(max(20, int(CLUSTERED_D * SCALE)), log)
        else:
            results += independent(part, max(20, int(ROWS[part] * SCALE)), log)
        write(results, part == 32000)


def write(results, last):
    """the two tables (rewritten after every part of a full run)"""
    results = sorted(results, key=lambda r: (r["name"][0] != "independent", r["name"][1],
                                             r["name"][3], r["name"][4], r["name"][2],
                                             r["name"][5]))

    head = ("%d replicates, nominal %g%% intervals; p ~ Beta(2, 2.5); clusters of %d rows "
            "with a N(0, %.1f^2) logit effect" % (B, 100 * LEVEL, CLUSTER_SIZE, SIGMA_U))
    # summary: the percentile interval (calibration_ci's) at 10 bins
    lines = ["Coverage of calibration_ci's percentile intervals (test/ref/bootstrap/coverage.py)",
             head, "coverage: percentage of data sets whose interval holds the truth, "
             "[95% Wilson interval of that percentage]", "",
             "%-11s %-6s %-9s %-12s %-6s %5s %5s %8s %-21s %10s" % (
                 "rows", "n", "model", "unit", "metric", "bins", "sets", "truth",
                 "coverage [Wilson]", "mean width")]
    for r in results:
        kind, N, m, unit, metric, nb = r["name"]
        if metric == "ece" and nb != 10:
            continue
        lines.append("%-11s %-6d %-9s %-12s %-6s %5s %5d %8.5f %-21s %10.5f" % (
            kind, N, m, unit, metric, nb or "", r["D"], r["truth"],
            fmt_cov(r["cov"]["percentile"]), r["width"]["percentile"]))
    summary = "\n".join(lines) + "\n"

    dl = ["ECE and Brier interval diagnostics (test/ref/bootstrap/coverage.py)", head, "",
          "bias: mean estimate - truth; mc sd: SD of the estimate over data sets; "
          "boot se: mean of the replicates' SD;",
          "ratio: boot se / mc sd; boot bias: mean of (mean replicate - estimate); "
          "skew: of the estimate over data sets;",
          "miss low/high: percentile intervals entirely above / below the truth "
          "(truth lower / higher than the interval)", ""]
    for r in results:
        kind, N, m, unit, metric, nb = r["name"]
        dl.append("%s, %d rows, %s, bootstrap by %s, %s%s: %d data sets, truth %.5f" % (
            kind, N, m, unit, metric, " %d bins" % nb if nb else "", r["D"], r["truth"]))
        dl.append("  bias %+.5f (%.2f mc sd)  mc sd %.5f  boot se %.5f  ratio %.3f  "
                  "boot bias %+.5f  skew %+.2f  miss low %d high %d" % (
                      r["bias"], r["bias"] / r["mcsd"], r["mcsd"], r["bse"],
                      r["bse"] / r["mcsd"], r["bbias"], r["skew"], r["low"], r["high"]))
        dl.append("  " + "  ".join("%s %s w %.5f" % (k, fmt_cov(r["cov"][k]), r["width"][k])
                                   for k in INTERVALS if k in r["cov"]))
    diag = "\n".join(dl) + "\n"
    if last:
        sys.stdout.write(summary + "\n" + diag)
    if SCALE >= 1:
        with open(os.path.join(HERE, "coverage.txt"), "w") as f:
            f.write(summary)
        with open(os.path.join(HERE, "ece_diagnostics.txt"), "w") as f:
            f.write(diag)


if __name__ == "__main__":
    main()
