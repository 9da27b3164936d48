#!/usr/bin/python3
"""test/ref/recal_ref_extreme.py: reference fits for the numerically hard
recalibration cases in sql/recalibration.sql (section 10).

Writes, beside this script,
  recal_ref_extreme_points.csv  set, i, p, score, y, w
  recal_ref_extreme_fits.csv    set, method, smoothing, param1, param2, logloss

The data sets:
  dom12, dom15  200 rows p = frac(i * 0.6180339887), y = frac(i *
                0.7548776662) < p (in exact decimal arithmetic, as
                PostgreSQL's numeric does), weight 1 except row 19 (p =
                0.7426, y = true) with weight 1e12 or 1e15: the loss is
                dominated by one row that the fit makes almost certain
                (mean loss about 1e-9 and 1e-12);
  sub           the same rows with weights 1 + i % 3; the test multiplies
                them by 5e-324 (subnormal weights; the mean loss does not
                change when all weights are multiplied by one constant and
                these products are exact, so this reference holds for them);
  tiny, huge    scores 1e-170 * i and 1e154 * i (the nearest doubles, as
                PostgreSQL's numeric-to-float8 cast gives), y = (i > 100) =
                (i % 3 <> 0), weight 1.

The fits are computed with mpmath at 60 significant digits, independently
of prefcal's double-precision solvers: temperature as the root of the
derivative of the mean log loss in theta = 1/T (bisection on a bracket
[t, 2t] where it changes sign, 200 halvings), Platt
(plain and with Platt's smoothed targets) by damped Newton on (a, b) to a
gradient of 1e-45.  The loss is written as w * softplus(-s u) with s = +-1
the side of the target, which never cancels.  Scores are probabilities'
logits log(p / (1 - p)) computed exactly from the double p (the test
computes them in double precision, an error of about 1e-16 relative).

Run with Debian's python3 (mpmath):
    /usr/bin/python3 test/ref/recal_ref_extreme.py
"""
import csv
import math
import os
from decimal import Decimal, getcontext

import mpmath as mp

HERE = os.path.dirname(os.path.abspath(__file__))
mp.mp.dps = 60
getcontext().prec = 60


def frac(d):
    return d - int(d)          # non-negative d: floor


def softplus(u):
    if u > 0:
        return u + mp.log1p(mp.exp(-u))
    return mp.log1p(mp.exp(u))


def sigmoid(u):
    return 1 / (1 + mp.exp(-u))


def mean_loss(u, wp, wn):
    """sum of wn softplus(u) + wp softplus(-u) over the total weight"""
    num = mp.fsum(b * softplus(ui) + a * softplus(-ui)
                  for ui, a, b in zip(u, wp, wn))
    return num / mp.fsum(a + b for a, b in zip(wp, wn))


def fit_temperature(x, y, w):
    wp = [wi * yi for wi, yi in zip(w, y)]
    wn = [wi * (1 - yi) for wi, yi in zip(w, y)]

    def d(theta):
        return mp.fsum(xi * (b * sigmoid(theta * xi) - a * sigmoid(-theta * xi))
                       for xi, a, b in zip(x, wp, wn))

    assert d(mp.mpf(0)) < 0
    hi = mp.mpf(1)
    while d(hi) < 0:
        hi *= 2
    while d(hi / 2) >= 0:
        hi /= 2
    lo = hi / 2
    for _ in range(200):        # bisection: 2^-200 of the bracket [t, 2t]
        mid = (lo + hi) / 2
        if d(mid) < 0:
            lo = mid
        else:
            hi = mid
    theta = (lo + hi) / 2
    return 1 / theta, mean_loss([theta * xi for xi in x], wp, wn)


def fit_platt(x, y, w, smoothing=False):
    if smoothing:
        npos = mp.fsum(wi * yi for wi, yi in zip(w, y))
        nneg = mp.fsum(wi * (1 - yi) for wi, yi in zip(w, y))
        tp, tn = (npos + 1) / (npos + 2), 1 / (nneg + 2)
        t = [tp if yi > 0 else tn for yi in y]
    else:
        t = list(y)
    wp = [wi * ti for wi, ti in zip(w, t)]
    wn = [wi * (1 - ti) for wi, ti in zip(w, t)]
    W = mp.fsum(w)
    m = mp.fsum(wi * xi for wi, xi in zip(w, x)) / W
    s = mp.sqrt(mp.fsum(wi * (xi - m) ** 2 for wi, xi in zip(w, x)) / W)
    z = [(xi - m) / s for xi in x]
    a = mp.mpf(0)
    b = mp.log(mp.fsum(wp)) - mp.log(mp.fsum(wn))

    def lossf(a, b):
        return mean_loss([a * zi + b for zi in z], wp, wn)

    loss = lossf(a, b)
    for _ in range(500):
        ga = gb = haa = hab = hbb = mp.mpf(0)
        for zi, p_, n_ in zip(z, wp, wn):
            u = a * zi + b
            sp, sn = sigmoid(u), sigmoid(-u)
            r = n_ * sp - p_ * sn
            v = (p_ + n_) * sp * sn
            ga += r * zi
            gb += r
            haa += v * zi * zi
            hab += v * zi
            hbb += v
        det = haa * hbb - hab * hab
        da = -(hbb * ga - hab * gb) / det
        db = -(-hab * ga + haa * gb) / det
        if abs(ga) + abs(gb) < mp.mpf(10) ** -45 * W:
            break
        step = mp.mpf(1)
        while True:
            nl = lossf(a + step * da, b + step * db)
            if nl <= loss or step < mp.mpf(10) ** -30:
                break
            step /= 2
        a, b, loss = a + step * da, b + step * db, nl
    else:
        raise RuntimeError("Platt reference did not converge")
    A = a / s
    B = b - a * m / s
    # the loss against the rows' own targets
    return A, B, mean_loss([A * xi + B for xi in x],
                           [wi * yi for wi, yi in zip(w, y)],
                           [wi * (1 - yi) for wi, yi in zip(w, y)])


def main():
    golden = Decimal("0.6180339887")
    plastic = Decimal("0.7548776662")
    rows = []                   # set, i, p, score, y, w
    for big, name in ((Decimal("1e12"), "dom12"), (Decimal("1e15"), "dom15"),
                      (None, "sub")):
        for i in range(1, 201):
            fp = frac(i * golden)
            y = 1.0 if frac(i * plastic) < fp else 0.0
            p = float(fp)
            if big is None:
                w = float(1 + i % 3)
            else:
                w = float(big) if i == 19 else 1.0
            rows.append((name, i, p, math.log(p / (1 - p)), y, w))
    for scale, name in ((Decimal("1e-170"), "tiny"), (Decimal("1e154"), "huge")):
        for i in range(1, 201):
            y = 1.0 if (i > 100) == (i % 3 != 0) else 0.0
            rows.append((name, i, None, float(i * scale), y, 1.0))

    with open(os.path.join(HERE, "recal_ref_extreme_points.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["set", "i", "p", "score", "y", "w"])
        for r in rows:
            wr.writerow([r[0], r[1], "" if r[2] is None else repr(r[2]),
                         repr(r[3]), repr(r[4]), repr(r[5])])

    out = []
    for name in ("dom12", "dom15", "sub", "tiny", "huge"):
        sel = [r for r in rows if r[0] == name]
        y = [mp.mpf(r[4]) for r in sel]
        w = [mp.mpf(r[5]) for r in sel]
        if sel[0][2] is not None:
            # exact logits of the double probabilities
            xl = [mp.log(mp.mpf(r[2]) / (1 - mp.mpf(r[2]))) for r in sel]
            T, ll = fit_temperature(xl, y, w)
            out.append((name, "temperature", "false", T, None, ll))
            x = xl
        else:
            x = [mp.mpf(r[3]) for r in sel]
            T, ll = fit_temperature(x, y, w)
            out.append((name, "temperature", "false", T, None, ll))
        a, b, ll = fit_platt(x, y, w)
        out.append((name, "platt", "false", a, b, ll))
        if name != "sub":
            # (smoothed targets depend on the weights' scale: not for sub)
            a, b, ll = fit_platt(x, y, w, smoothing=True)
            out.append((name, "platt", "true", a, b, ll))

    with open(os.path.join(HERE, "recal_ref_extreme_fits.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["set", "method", "smoothing", "param1", "param2", "logloss"])
        for name, method, sm, p1, p2, ll in out:
            wr.writerow([name, method, sm, mp.nstr(p1, 20),
                         "" if p2 is None else mp.nstr(p2, 20), mp.nstr(ll, 20)])
            print(name, method, sm, mp.nstr(p1, 17),
                  "" if p2 is None else mp.nstr(p2, 17), mp.nstr(ll, 17))


if __name__ == "__main__":
    main()
