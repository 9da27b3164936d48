#!/usr/bin/python3
"""test/ref/pav/corp_logloss_ref.py: the CORP decomposition of the log loss.

Reads the data sets of points.csv (written by pav_ref.py) and writes,
beside this script,
  corp_logloss.csv   set, score, mcb, dsc, unc

computed row by row, independently of prefcal: the PAV fit by
sklearn.isotonic.isotonic_regression over the distinct p (weighted mean y
per p), then with L(f, y) = -y log f - (1 - y) log(1 - f) and 0 log 0 = 0
(scipy.special.xlogy, xlog1py): S = mean w L(p, y), S_rc = mean w L(fit,
y), UNC = S_mg = mean w L(ybar, y), MCB = S - S_rc, DSC = UNC - S_rc
(Dimitriadis, Gneiting and Jordan 2021).  Also checks that no
non-decreasing perturbation of the fit has a smaller log loss (the PAV fit
minimises it), on a few thousand random perturbations.

Run with Debian's python3 (numpy, scipy, scikit-learn):
    /usr/bin/python3 test/ref/pav/corp_logloss_ref.py
"""
import csv
import os
from collections import OrderedDict

import numpy as np
from scipy.special import xlog1py, xlogy
from sklearn.isotonic import isotonic_regression

HERE = os.path.dirname(os.path.abspath(__file__))


def loss(f, y):
    return -xlogy(y, f) - xlogy(1 - y, 1 - f)


def main():
    sets = OrderedDict()
    with open(os.path.join(HERE, "points.csv")) as f:
        for row in csv.DictReader(f):
            sets.setdefault(row["set"], []).append(
                (float(row["p"]), float(row["y"]), float(row["w"])))
    rng = np.random.default_rng(7)
    with open(os.path.join(HERE, "corp_logloss.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["set", "score", "mcb", "dsc", "unc"])
        for name, rows in sets.items():
            p, y, w = (np.array(c) for c in zip(*rows))
            u, inv = np.unique(p, return_inverse=True)
            wu = np.bincount(inv, weights=w)
            yu = np.bincount(inv, weights=w * y) / wu
            fit = isotonic_regression(yu, sample_weight=wu)
            W = w.sum()
            s = np.sum(w * (-xlogy(y, p) - xlog1py(1 - y, -p))) / W
            src = np.sum(w * loss(fit[inv], y)) / W
            ybar = np.sum(w * y) / W
            unc = np.sum(w * loss(ybar, y)) / W
            # the PAV fit minimises the log loss among non-decreasing fits
            for _ in range(2000):
                g = np.clip(fit + rng.normal(0, 0.02, len(fit)), 1e-9, 1 - 1e-9)
                g = np.maximum.accumulate(g)
                assert np.sum(w * loss(g[inv], y)) / W >= src - 1e-12, name
            out.writerow([name] + [repr(float(v)) for v in
                                   (s, s - src, unc - src, unc)])


if __name__ == "__main__":
    main()
