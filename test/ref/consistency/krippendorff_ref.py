#!/usr/bin/python3
"""Independent Krippendorff's alpha (nominal and interval) for prefcal's tests.

Computes alpha from the coincidence matrix exactly as Krippendorff (2011),
"Computing Krippendorff's Alpha-Reliability", sections B and C, describes
it (no shortcut formulas), on
  1. the paper's example: 4 observers x 12 units with missing values
     (published: nominal 0.743, interval 0.849);
  2. a random data set (seeded), written to alpha_random.csv (unit,value
     with one row per coder's value), with its alphas in
     alpha_random_expected.csv.
Run: /usr/bin/python3 krippendorff_ref.py
"""
import csv
import itertools

import numpy as np

PAPER = {  # observer -> values for units 1..12 (None = missing)
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def alpha(units, metric):
    """units: list of lists of values. metric(c, k) -> delta^2"""
    values = sorted({v for u in units for v in u})
    idx = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for u in units:
        m = len(u)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            o[idx[u[i]], idx[u[j]]] += 1.0 / (m - 1)
    nc = o.sum(axis=1)
    n = nc.sum()
    d = np.array([[metric(c, k) for k in values] for c in values])
    do = (o * d).sum()
    de = (np.outer(nc, nc) * d).sum() / (n - 1)
    return 1.0 - do / de


def nominal(c, k):
    return 0.0 if c == k else 1.0


def interval(c, k):
    return (float(c) - float(k)) ** 2


def main():
    units = [[PAPER[o][u] for o in "ABCD" if PAPER[o][u] is not None] for u in range(12)]
    print(f"paper nominal {alpha(units, nominal):.6f} (published 0.743)")
    print(f"paper interval {alpha(units, interval):.6f} (published 0.849)")

    rng = np.random.default_rng(20240611)
    rows = []
    for u in range(60):
        truth = rng.integers(0, 4)
        for coder in range(rng.integers(1, 6)):
            v = truth if rng.random() < 0.6 else rng.integers(0, 4)
            rows.append((f"u{u}", int(v)))
    with open("alpha_random.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit", "value"])
        w.writerows(rows)
    by_unit = {}
    for u, v in rows:
        by_unit.setdefault(u, []).append(v)
    units = list(by_unit.values())
    with open("alpha_random_expected.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["metric", "alpha"])
        w.writerow(["nominal", repr(alpha(units, nominal))])
        w.writerow(["interval", repr(alpha(units, interval))])
    print(open("alpha_random_expected.csv").read())


if __name__ == "__main__":
    main()
