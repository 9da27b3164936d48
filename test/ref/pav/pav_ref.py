#!/usr/bin/python3
"""test/ref/pav/pav_ref.py: reference values for prefcal's pav_state family.

Writes, beside this script,
  points.csv    the data sets: set, p, y, w
  isotonic.csv  set, x, fitted: scikit-learn's
                IsotonicRegression(out_of_bounds='clip') fitted on the set
                (sample_weight = w) and evaluated at query points x
                (every distinct p, midpoints, points outside the range)
  metrics.csv   set, nbins, score, mcb, dsc, unc, ece_em, dsq_ece

computed independently of prefcal:
  isotonic      sklearn.isotonic.IsotonicRegression(out_of_bounds='clip');
  CORP          the PAV fit by sklearn.isotonic.isotonic_regression over
                the distinct p (np.unique, weighted mean y per p), then
                S = mean w (p - y)^2, S_rc = mean w (fit - y)^2,
                UNC = mean w (ybar - y)^2, MCB = S - S_rc, DSC = UNC - S_rc
                (Dimitriadis, Gneiting and Jordan 2021), row by row;
  equal mass    rows sorted by p; the rows sharing a p stay together; the
                group of a distinct p with cumulative weight c before it
                and weight w goes to bin floor((c + w/2) / W * nbins)
                (clamped to nbins - 1); ECE = sum_b W_b/W |ybar_b - pbar_b|;
  debiased      Kumar, Liang and Ma (2019), verified_calibration's
                unbiased_l2_ce generalised to frequency weights and soft y:
                sum_b W_b/W [(ybar_b - pbar_b)^2 - v_b] with
                v_b = (sum w y^2 - W_b ybar_b^2) / (W_b (W_b - 1)),
                bins with W_b <= 1 contributing 0 (for binary y,
                v_b = ybar_b (1 - ybar_b) / (n_b - 1) as in the paper).

Run with Debian's python3 (numpy, scikit-learn):
    /usr/bin/python3 test/ref/pav/pav_ref.py
"""
import csv
import os

import numpy as np
from sklearn.isotonic import IsotonicRegression, isotonic_regression

HERE = os.path.dirname(os.path.abspath(__file__))


def datasets():
    rng = np.random.default_rng(20261206)
    sets = {}
    # continuous predictions, binary outcomes from a miscalibrated model
    p = rng.uniform(0, 1, 400)
    y = (rng.uniform(0, 1, 400) < p ** 1.7).astype(float)
    sets["binary"] = (p, y, np.ones_like(p))
    # heavy ties in p (rounded to 2 decimals), weights
    p = np.round(rng.beta(2, 3, 500), 2)
    y = (rng.uniform(0, 1, 500) < np.sqrt(p)).astype(float)
    w = rng.choice([0.5, 1.0, 2.0, 3.25], 500)
    sets["ties_weighted"] = (p, y, w)
    # soft targets in [0, 1], weights, p including the ends
    p = np.concatenate([[0.0, 1.0, 0.0], rng.uniform(0, 1, 297)])
    y = np.clip(p + rng.normal(0, 0.2, 300), 0, 1)
    w = rng.uniform(0.1, 5, 300)
    sets["soft_weighted"] = (p, y, w)
    # a single distinct value
    sets["single_value"] = (np.full(20, 0.37), (np.arange(20) % 3 == 0).astype(float),
                            np.ones(20))
    # all outcomes equal
    p = rng.uniform(0.2, 0.8, 50)
    sets["all_zero"] = (p, np.zeros(50), np.ones(50))
    sets["all_one"] = (p, np.ones(50), rng.uniform(0.5, 2, 50))
    # decreasing relation: PAV pools everything into few blocks
    p = rng.uniform(0, 1, 200)
    y = (rng.uniform(0, 1, 200) < 1 - p).astype(float)
    sets["anti"] = (p, y, np.ones_like(p))
    # two distinct values, integer weights (equal-mass ties at bin edges)
    sets["two_values"] = (np.array([0.2, 0.2, 0.2, 0.7, 0.7]),
                          np.array([0.0, 1.0, 0.0, 1.0, 1.0]),
                          np.array([1.0, 1.0, 1.0, 1.0, 1.0]))
    return sets


def corp(p, y, w):
    u, inv = np.unique(p, return_inverse=True)
    wu = np.bincount(inv, weights=w)
    yu = np.bincount(inv, weights=w * y) / wu
    fit = isotonic_regression(yu, sample_weight=wu)
    W = w.sum()
    s = np.sum(w * (p - y) ** 2) / W
    src = np.sum(w * (fit[inv] - y) ** 2) / W
    ybar = np.sum(w * y) / W
    unc = np.sum(w * (ybar - y) ** 2) / W
    return s, s - src, unc - src, unc


def em_bins(p, y, w, nbins):
    u, inv = np.unique(p, return_inverse=True)
    wu = np.bincount(inv, weights=w)
    W = wu.sum()
    before = np.concatenate([[0.0], np.cumsum(wu)[:-1]])
    b = np.floor((before + 0.5 * wu) / W * nbins).astype(int)
    b = np.clip(b, 0, nbins - 1)
    return b[inv], W


def ece_em(p, y, w, nbins):
    b, W = em_bins(p, y, w, nbins)
    e = 0.0
    for k in np.unique(b):
        m = b == k
        wb = w[m].sum()
        e += wb / W * abs(np.sum(w[m] * y[m]) / wb - np.sum(w[m] * p[m]) / wb)
    return e


def dsq_ece(p, y, w, nbins):
    b, W = em_bins(p, y, w, nbins)
    e = 0.0
    for k in np.unique(b):
        m = b == k
        wb = w[m].sum()
        if wb <= 1:
            continue
        yb = np.sum(w[m] * y[m]) / wb
        pb = np.sum(w[m] * p[m]) / wb
        v = np.sum(w[m] * (y[m] - yb) ** 2) / (wb * (wb - 1))
        e += wb / W * ((yb - pb) ** 2 - v)
    return e


def main():
    sets = datasets()
    with open(os.path.join(HERE, "points.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["set", "p", "y", "w"])
        for name, (p, y, w) in sets.items():
            for a, b, c in zip(p, y, w):
                out.writerow([name, repr(float(a)), repr(float(b)), repr(float(c))])
    with open(os.path.join(HERE, "isotonic.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["set", "x", "fitted"])
        for name, (p, y, w) in sets.items():
            ir = IsotonicRegression(out_of_bounds="clip").fit(p, y, sample_weight=w)
            u = np.unique(p)
            q = np.concatenate([u, (u[:-1] + u[1:]) / 2, [0.0, 1.0, u[0] / 2,
                                                          (u[-1] + 1) / 2]])
            q = np.unique(np.clip(q, 0, 1))
            for x, v in zip(q, ir.predict(q)):
                out.writerow([name, repr(float(x)), repr(float(v))])
    with open(os.path.join(HERE, "metrics.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["set", "nbins", "score", "mcb", "dsc", "unc", "ece_em", "dsq_ece"])
        for name, (p, y, w) in sets.items():
            s, mcb, dsc, unc = corp(p, y, w)
            for nbins in (1, 3, 10, 15):
                out.writerow([name, nbins] + [repr(float(v)) for v in
                                              (s, mcb, dsc, unc,
                                               ece_em(p, y, w, nbins),
                                               dsq_ece(p, y, w, nbins))])


if __name__ == "__main__":
    main()
