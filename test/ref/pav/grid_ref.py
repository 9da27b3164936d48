#!/usr/bin/python3
"""test/ref/pav/grid_ref.py: exact values for the grid-mode bounds test.

The data set of sql/pav.sql's grid-bound section, 1,100,000 rows with
1,100,000 distinct predictions (past pav_state's exact limit of 2^20),
built from float8 products and floors that SQL and numpy compute alike:

    p = i g1 - floor(i g1),  y = (i g2 - floor(i g2)) < p p,  w = 1 + i % 3
    i = 1 .. 1100000, g1 = 0.6180339887498949, g2 = 0.7548776662466927

Writes, beside this script, grid.csv: quantity, value, with the exact
(ungridded) Brier CORP terms and, with 15 bins, the equal-mass ECE and the
debiased squared ECE, computed as pav_ref.py does (numpy, scikit-learn).
It also checks the bounds doc/calibration.md states for grid mode against
the same rows with p rounded to multiples of 2^-19 (m: the largest weight
share of one grid point), including the one on the isotonic fit itself:
the weighted mean square of (grid fit - exact fit) over the rows is at
most S_rc(grid) - S_rc(exact) <= 2 m; and writes the measured changes and
bounds to grid.csv as well, for the record.

Run with Debian's python3 (numpy, scikit-learn):
    /usr/bin/python3 test/ref/pav/grid_ref.py
"""
import csv
import os
import sys

import numpy as np
from sklearn.isotonic import isotonic_regression

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pav_ref import corp, dsq_ece, ece_em  # noqa: E402

N = 1100000
G1 = 0.6180339887498949
G2 = 0.7548776662466927
NBINS = 15


def data():
    i = np.arange(1, N + 1, dtype=np.float64)
    a = i * G1
    p = a - np.floor(a)
    b = i * G2
    y = ((b - np.floor(b)) < p * p).astype(float)
    w = 1.0 + (np.arange(1, N + 1) % 3)
    return p, y, w


def fit_rows(p, y, w):
    u, inv = np.unique(p, return_inverse=True)
    wu = np.bincount(inv, weights=w)
    yu = np.bincount(inv, weights=w * y) / wu
    return isotonic_regression(yu, sample_weight=wu)[inv], wu


def measures(p, y, w):
    s, mcb, dsc, unc = corp(p, y, w)
    return {"score": s, "mcb": mcb, "dsc": dsc, "unc": unc,
            "src": s - mcb,
            "ece_em": ece_em(p, y, w, NBINS),
            "dsq_ece": dsq_ece(p, y, w, NBINS)}


def main():
    p, y, w = data()
    assert len(np.unique(p)) == N
    pg = np.rint(p * 2 ** 19) / 2 ** 19
    ex, gr = measures(p, y, w), measures(pg, y, w)
    fe, _ = fit_rows(p, y, w)
    fg, wg = fit_rows(pg, y, w)
    W = w.sum()
    m = wg.max() / W
    d = 2.0 ** -20
    ms_fit = np.sum(w * (fg - fe) ** 2) / W
    bounds = {
        "score": 2 * d,
        "unc": 0.0,
        "mcb": 2 * d + 2 * m,
        "dsc": 2 * m,
        "ece_em": d + 2 * (NBINS - 1) * m,
        "dsq_ece": 2 * d + d * d + 9 * (NBINS - 1) * m,
    }
    dsrc = gr["src"] - ex["src"]
    assert -1e-12 <= dsrc <= 2 * m, (dsrc, m)
    assert ms_fit <= dsrc + 1e-12, (ms_fit, dsrc)
    assert -2 * m - 1e-12 <= gr["dsc"] - ex["dsc"] <= 1e-12
    for k, bnd in bounds.items():
        assert abs(gr[k] - ex[k]) <= bnd + 1e-12, (k, gr[k] - ex[k], bnd)
    with open(os.path.join(HERE, "grid.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["quantity", "value"])
        for k in ("score", "mcb", "dsc", "unc", "ece_em", "dsq_ece"):
            out.writerow([k, repr(float(ex[k]))])
        # for the record (not read by the test): m, the changes, the bounds
        out.writerow(["max_point_share", repr(float(m))])
        out.writerow(["fit_mean_square_change", repr(float(ms_fit))])
        out.writerow(["src_change", repr(float(dsrc))])
        for k, bnd in bounds.items():
            out.writerow([k + "_change", repr(float(gr[k] - ex[k]))])
            out.writerow([k + "_bound", repr(float(bnd))])


if __name__ == "__main__":
    main()
