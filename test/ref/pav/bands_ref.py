#!/usr/bin/python3
"""test/ref/pav/bands_ref.py: reference values for pav_corp_bands.

The consistency band of the CORP reliability diagram as doc/calibration.md
states it, implemented independently of prefcal:

  points      rows grouped by distinct p (summed w and w y);
  resampling  replicate b (0-based) draws for every point
              wy* = Binomial(floor(w), p) + (w - floor(w)) Bernoulli(p)
              from the point's stream of uniforms: key = the 8 bytes of
              p's IEEE 754 binary64 form, least significant first;
              kh = mix64(FNV-1a 64(key) ^ mix64(seed)) (the bootstrap
              generator, test/ref/bootstrap/bootstrap_ref.py);
              kb = mix64(kh + (b + 1) G); x_c = (mix64(kb + (c + 1) G)
              >> 11) 2^-53, c = 0, 1, ...; the binomial by inversion over
              q = min(p, 1 - p) in chunks of t = min(left, max(1,
              floor(600 / -log1p(-q)))) trials, one uniform each; the
              fraction with one more uniform (added when x < p);
  fit         the PAV fit of (p, wy*/w) with weights w by scikit-learn's
              isotonic_regression;
  band        at every distinct p (at most 1000; beyond, the points of
              index floor(k (n - 1) / 999)), numpy's linear quantiles
              (1 - level) / 2 and (1 + level) / 2 of the replicates' fits.

Writes, beside this script,
  bands_rows.csv   case, p, y, w
  bands.csv        case, replicates, level, seed, p, fit, lower, upper

Run with Debian's python3 (numpy, scikit-learn):
    /usr/bin/python3 test/ref/pav/bands_ref.py
"""
import csv
import math
import os
import struct
import sys

import numpy as np
from sklearn.isotonic import isotonic_regression

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bootstrap"))
from bootstrap_ref import mix64_py  # noqa: E402

M64 = (1 << 64) - 1
G = 0x9E3779B97F4A7C15
NPOINTS = 1000


def stream_key(p, seed):
    h = 0xCBF29CE484222325
    for byte in struct.pack("<d", p):
        h ^= byte
        h = (h * 0x100000001B3) & M64
    return mix64_py(h ^ mix64_py(seed & M64))


class Stream:
    def __init__(self, p, seed, b):
        self.kb = mix64_py((stream_key(p, seed) + (b + 1) * G) & M64)
        self.c = 0

    def uniform(self):
        u = mix64_py((self.kb + (self.c + 1) * G) & M64)
        self.c += 1
        return (u >> 11) * 2.0 ** -53


def binomial(st, m, q):
    lq = math.log1p(-q)
    r = q / (1.0 - q)
    tmax = math.floor(600.0 / -lq)
    total, left = 0, m
    while left > 0:
        t = left if tmax >= left else max(int(tmax), 1)
        x = st.uniform()
        f = math.exp(t * lq)
        cdf, k = f, 0
        while x >= cdf and k < t:
            f *= (t - k) / (k + 1) * r
            k += 1
            cdf += f
        total += k
        left -= t
    return total


def draw(p, w, seed, b):
    out = np.empty(len(p))
    for i in range(len(p)):
        st = Stream(float(p[i]), seed, b)
        whole = math.floor(w[i])
        frac = w[i] - whole
        if p[i] <= 0.5:
            wy = binomial(st, whole, p[i]) if p[i] > 0 else 0
        else:
            wy = whole - (binomial(st, whole, 1.0 - p[i]) if p[i] < 1 else 0)
        wy = float(wy)
        if frac > 0 and st.uniform() < p[i]:
            wy += frac
        out[i] = wy
    return out


def points(p, y, w):
    u, inv = np.unique(p, return_inverse=True)
    return u, np.bincount(inv, w), np.bincount(inv, w * y)


def fit(w, wy):
    return isotonic_regression(wy / w, sample_weight=w)


def bands(p, y, w, replicates, level, seed):
    up, uw, uwy = points(p, y, w)
    n = len(up)
    if n <= NPOINTS:
        idx = np.arange(n)
    else:
        idx = np.array([k * (n - 1) // (NPOINTS - 1) for k in range(NPOINTS)])
    vals = np.empty((replicates, len(idx)))
    for b in range(replicates):
        vals[b] = fit(uw, draw(up, uw, seed, b))[idx]
    lo = np.quantile(vals, (1 - level) / 2, axis=0, method="linear")
    hi = np.quantile(vals, (1 + level) / 2, axis=0, method="linear")
    return up[idx], fit(uw, uwy)[idx], lo, hi


def cases():
    rng = np.random.default_rng(20261206)
    # ties: predictions on a 0.05 grid, outcomes from a miscalibrated truth
    p = np.round(rng.uniform(0, 1, 400) * 20) / 20
    y = (rng.uniform(0, 1, 400) < p ** 1.5).astype(float)
    yield "ties", p, y, np.ones(400), [(200, 0.9, 0), (50, 0.5, -7)]
    # fractional weights on distinct predictions
    p = rng.uniform(0, 1, 150)
    y = (rng.uniform(0, 1, 150) < p).astype(float)
    w = np.round(rng.uniform(0.25, 4, 150), 2)
    yield "weighted", p, y, w, [(100, 0.95, 42)]
    # few points, thousands of rows each (chunked binomials), p = 0 and 1
    p = np.array([0.0, 0.001, 0.3, 0.5, 0.77, 0.999, 1.0])
    y = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    w = np.array([700.0, 5000.0, 3000.0, 2500.5, 4000.0, 1200.0, 800.0])
    yield "heavy", p, y, w, [(40, 0.8, 123456789012)]
    # more distinct predictions than evaluation points
    p = rng.uniform(0, 1, 1500)
    y = (rng.uniform(0, 1, 1500) < p).astype(float)
    yield "many", p, y, np.ones(1500), [(20, 0.9, 5)]


def main():
    with open(os.path.join(HERE, "bands_rows.csv"), "w", newline="") as fr, \
            open(os.path.join(HERE, "bands.csv"), "w", newline="") as fb:
        rows, out = csv.writer(fr), csv.writer(fb)
        rows.writerow(["case", "p", "y", "w"])
        out.writerow(["case", "replicates", "level", "seed",
                      "p", "fit", "lower", "upper"])
        for name, p, y, w, runs in cases():
            for i in range(len(p)):
                rows.writerow([name, repr(float(p[i])), repr(float(y[i])),
                               repr(float(w[i]))])
            for replicates, level, seed in runs:
                bp, bf, lo, hi = bands(p, y, w, replicates, level, seed)
                for k in range(len(bp)):
                    out.writerow([name, replicates, level, seed,
                                  repr(float(bp[k])), repr(float(bf[k])),
                                  repr(float(lo[k])), repr(float(hi[k]))])


if __name__ == "__main__":
    main()
