#!/usr/bin/python3
"""Exact Krippendorff's alpha at extreme scales, for sql/agreement.sql.

Alpha does not change when every value is scaled or shifted, but float8
arithmetic can: squared deviations overflow near 1e154 and underflow
near 1e-162, and a running mean of values near 1e12 drops the digits of
their spread.  This script rebuilds, with Python floats (IEEE doubles,
the same roundings as PostgreSQL's float8), exactly the values the SQL
test feeds to the aggregates, and computes alpha from those doubles in
exact rational arithmetic (fractions.Fraction) straight from the
definition (Krippendorff 2011): pairwise squared differences for
interval, the coincidence matrix for nominal.  Writes
alpha_extreme_expected.csv (case, alpha, one_minus_alpha) with alpha
and 1 - alpha rounded to the nearest double.

Run: /usr/bin/python3 alpha_extreme_ref.py
"""
import csv
import math
import os
from fractions import Fraction


def interval_alpha(units):
    """units: dict unit -> list of floats; exact alpha as a Fraction."""
    pairable = [[Fraction(x) for x in v] for v in units.values() if len(v) >= 2]
    n = sum(len(v) for v in pairable)

    def sum_pair_sq(xs):
        # sum over ordered pairs i != j of (x_i - x_j)^2, exactly:
        # 2 * (m * sum x^2 - (sum x)^2), no rounding in Fractions
        m = len(xs)
        s1 = sum(xs)
        s2 = sum(x * x for x in xs)
        return 2 * (m * s2 - s1 * s1)

    d_o = sum(sum_pair_sq(v) / (len(v) - 1) for v in pairable) / n
    d_e = sum_pair_sq([x for v in pairable for x in v]) / (n * (n - 1))
    return 1 - d_o / d_e


def nominal_alpha(cells):
    """cells: list of (unit, value, count); coincidence-matrix alpha."""
    units = {}
    for u, v, c in cells:
        units.setdefault(u, {})[v] = units.setdefault(u, {}).get(v, 0) + c
    o = {}
    for vals in units.values():
        m = sum(vals.values())
        if m < 2:
            continue
        for v, cv in vals.items():
            for w, cw in vals.items():
                k = cv * (cv - 1) if v == w else cv * cw
                o[(v, w)] = o.get((v, w), 0) + Fraction(k, m - 1)
    labels = sorted({v for v, _ in o})
    nv = {v: sum(o.get((v, w), 0) for w in labels) for v in labels}
    n = sum(nv.values())
    dis_o = sum(o.get((v, w), 0) for v in labels for w in labels if v != w)
    dis_e = sum(nv[v] * nv[w] for v in labels for w in labels if v != w)
    return 1 - (n - 1) * dis_o / dis_e


def review_values():
    """i % 20 and (i % 20) + (i*0.37 - floor(i*0.37)) in numeric, to float8."""
    out = []
    for i in range(1, 201):
        f = Fraction(i * 37, 100)
        out.append((i % 20, float((i % 20) + f - math.floor(f))))
    return out


def grouped(pairs):
    units = {}
    for u, x in pairs:
        units.setdefault(u, []).append(x)
    return units


cases = []
base = review_values()
for name, c in [("1", 1.0), ("1e-170", 1e-170), ("1e-160", 1e-160),
                ("1e-300", 1e-300), ("1e152", 1e152), ("1e154", 1e154),
                ("1e300", 1e300)]:
    cases.append(("scale:" + name, interval_alpha(grouped((u, c * v) for u, v in base))))
for name, off in [("1e12", 1e12), ("-1e15", -1e15)]:
    cases.append(("offset:" + name, interval_alpha(grouped((u, v + off) for u, v in base))))
# centred at a huge scale: values of both signs near 1e301
cases.append(("centred:1e300", interval_alpha(
    grouped((u, 1e300 * v - 1e300 * 10.0) for u, v in base))))
# the parallel test table abig: unit i % 500, x = (i * 104729) % 11
for name, c in [("1", 1.0), ("1e200", 1e200), ("1e-200", 1e-200)]:
    cases.append(("abig:" + name, interval_alpha(grouped(
        (i % 500, c * float((i * 104729) % 11)) for i in range(1, 20001)))))
# nominal state with large counts: one count dominates its unit and the
# value totals, so m^2 - sum of squared counts cancels in float8
cases.append(("nominal:bigcount", nominal_alpha([
    ("u", "a", 10**15), ("u", "b", 1), ("w", "a", 1), ("w", "b", 1),
    ("x", "a", 2), ("x", "b", 1)])))

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "alpha_extreme_expected.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["name", "alpha", "one_minus_alpha"])
    for name, a in cases:
        w.writerow([name, repr(float(a)), repr(float(1 - a))])
        print(name, float(a), float(1 - a))
