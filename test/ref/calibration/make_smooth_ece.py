#!/usr/bin/python3
"""Reference vectors for prefcal's smooth ECE (Blasiok and Nakkiran 2023).

Run with Debian's python3 (numpy, scipy):

    /usr/bin/python3 test/ref/calibration/make_smooth_ece.py

It writes, beside itself (seeded, so the output is reproducible):

  smooth_rows.csv        set,i,p,y,w             the raw rows
  smooth_expected.csv    set,nbins,sigma,value   smECE_sigma, or the fixed
                                                 point when sigma is empty

nbins = 0 rows are smECE of the RAW rows, straight from the definition:

  smECE_sigma = integral_0^1 | (1/W) sum_i w_i (y_i - p_i) K(t, p_i) | dt,
  K(t, x) = sum_k phi_sigma(t - x - 2k) + phi_sigma(t + x - 2k)

(the Gaussian reflected at 0 and 1), and smECE = sigma* with
smECE_sigma* = sigma*.  nbins > 0 rows are the same integral for the
charges prefcal reads from a calibration state of nbins bins (per bin a
point charge R = sum w r at the bin's mean x and a dipole C = sum w r (p -
x), i.e. R K(t, x) + C dK/dx(t, x)), computed here from the rows with
numpy, so the C code's numerics are checked separately from the
approximation that binning makes.

Numerics, independent of the C code (which integrates exact cell integrals
from erfc with certified root isolation): h(t) is evaluated from the image
sums directly; its sign changes are located on a grid of spacing sigma/40
and refined with brentq; between consecutive roots |h| is smooth and is
integrated by 12-point Gauss-Legendre on panels of width at most sigma/8.
The fixed point is brentq on smECE_sigma - sigma.
"""

import csv
import math
import os

import numpy as np
from scipy.optimize import brentq

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20251126)
SIGMAS = [0.02, 0.05, 0.1]
NBINS = [20, 100, 1000, 10000]
GL_X, GL_W = np.polynomial.legendre.leggauss(12)


def fmt(x):
    return repr(float(x))


def bin_index(p, nbins):
    """prefcal's bins: right-closed, edges the doubles nearest k/B."""
    edges = np.arange(nbins + 1) / nbins
    return np.searchsorted(edges[1:-1], p, side='left')


class Charges:
    """h(t) = sum_j a_j K(t, x_j) + b_j dK/dx(t, x_j), already divided by W."""

    def __init__(self, x, a, b):
        keep = (a != 0) | (b != 0)
        self.x, self.a, self.b = x[keep], a[keep], b[keep]

    def h(self, t, sigma):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        out = np.zeros_like(t)
        kmax = int(math.ceil(6 * sigma)) + 2
        inv = 1.0 / (sigma * math.sqrt(2 * math.pi))
        for lo in range(0, len(t), 2048):
            tt = t[lo:lo + 2048, None]
            acc = np.zeros(tt.shape[0])
            for k in range(-kmax, kmax + 1):
                # direct image x + 2k: d/dx phi(t - x - 2k) = (t - x - 2k)/s^2 phi
                u = tt - self.x[None, :] - 2 * k
                e = np.exp(-0.5 * (u / sigma) ** 2) * inv
                acc += (e * (self.a + self.b * u / sigma ** 2)).sum(axis=1)
                # mirrored image -x + 2k: d/dx phi(t + x - 2k) = -(t + x - 2k)/s^2 phi
                u = tt + self.x[None, :] - 2 * k
                e = np.exp(-0.5 * (u / sigma) ** 2) * inv
                acc += (e * (self.a - self.b * u / sigma ** 2)).sum(axis=1)
            out[lo:lo + 2048] = acc
        return out

    def smece(self, sigma):
        if len(self.x) == 0:
            return 0.0
        m = int(math.ceil(40 / sigma))
        grid = np.linspace(0.0, 1.0, m + 1)
        hv = self.h(grid, sigma)
        cuts = [0.0]
        for i in range(m):
            if hv[i] == 0.0 and i > 0:
                cuts.append(grid[i])
            elif hv[i] * hv[i + 1] < 0:
                cuts.append(brentq(lambda t: self.h(t, sigma)[0], grid[i], grid[i + 1],
                                   xtol=1e-15, rtol=1e-15))
        cuts.append(1.0)
        total = 0.0
        for a, b in zip(cuts[:-1], cuts[1:]):
            if b <= a:
                continue
            npan = int(math.ceil((b - a) / (sigma / 8)))
            edges = np.linspace(a, b, npan + 1)
            mid = 0.5 * (edges[:-1] + edges[1:])
            half = 0.5 * (edges[1:] - edges[:-1])
            nodes = (mid[:, None] + half[:, None] * GL_X[None, :]).ravel()
            wts = (half[:, None] * GL_W[None, :]).ravel()
            total += abs(np.dot(wts, self.h(nodes, sigma)))
        return total

    def fixed_point(self):
        f = lambda s: self.smece(s) - s
        lo, hi = 0.004, 2.0
        if f(lo) <= 0:
            raise ValueError('fixed point below 0.004')
        return brentq(f, lo, hi, xtol=1e-14, rtol=1e-13)


def raw_charges(p, y, w):
    W = w.sum()
    return Charges(p.copy(), w * (y - p) / W, np.zeros_like(p))


def state_charges(p, y, w, nbins):
    W = w.sum()
    idx = bin_index(p, nbins)
    xs, a, b = [], [], []
    for k in np.unique(idx):
        sel = (idx == k) & (w > 0)
        if not sel.any():
            continue
        ww, pp, yy = w[sel], p[sel], y[sel]
        x = np.sum(ww * pp) / np.sum(ww)
        r = yy - pp
        xs.append(x)
        a.append(np.sum(ww * r) / W)
        b.append(np.sum(ww * r * (pp - x)) / W)
    return Charges(np.array(xs), np.array(a), np.array(b))


def datasets():
    sets = {}
    n = 2000
    p = rng.beta(2, 2, n)
    sets['calibrated'] = (p, (rng.random(n) < p).astype(float), np.ones(n))
    q = rng.uniform(0.05, 0.95, n)
    lg = np.log(q / (1 - q))
    p = 1 / (1 + np.exp(-2.5 * lg))
    sets['overconfident'] = (p, (rng.random(n) < q).astype(float), np.ones(n))
    n = 1500
    p = rng.random(n)
    ys = np.clip(p ** 1.3 + rng.normal(0, 0.15, n), 0, 1)
    w = rng.exponential(1.0, n)
    w[rng.random(n) < 0.05] = 0.0
    sets['weighted_soft'] = (p, ys, w)
    sets['tiny'] = (np.array([0.2, 0.7, 0.9]), np.array([1.0, 0.0, 1.0]), np.ones(3))
    n = 400
    p = (rng.random(n) < 0.5).astype(float)
    y = np.where(p == 1, rng.random(n) < 0.8, rng.random(n) < 0.1).astype(float)
    sets['edges'] = (p, y, np.ones(n))
    # one distinct p per bin of 20 (bin centres): the state is exact there
    n = 1000
    p = (2 * rng.integers(0, 20, n) + 1) / 40.0
    sets['discrete'] = (p, (rng.random(n) < p ** 1.5).astype(float), np.ones(n))
    return sets


def main():
    sets = datasets()
    with open(os.path.join(HERE, 'smooth_rows.csv'), 'w', newline='') as f:
        wr = csv.writer(f, lineterminator='\n')
        wr.writerow(['set', 'i', 'p', 'y', 'w'])
        for name, (p, y, w) in sets.items():
            for i in range(len(p)):
                wr.writerow([name, i, fmt(p[i]), fmt(y[i]), fmt(w[i])])
    with open(os.path.join(HERE, 'smooth_expected.csv'), 'w', newline='') as f:
        wr = csv.writer(f, lineterminator='\n')
        wr.writerow(['set', 'nbins', 'sigma', 'value'])
        for name, (p, y, w) in sets.items():
            models = [(0, raw_charges(p, y, w))]
            models += [(nb, state_charges(p, y, w, nb)) for nb in NBINS]
            for nb, ch in models:
                for s in SIGMAS:
                    wr.writerow([name, nb, fmt(s), fmt(ch.smece(s))])
                fp = ch.fixed_point()
                wr.writerow([name, nb, '', fmt(fp)])
                print(name, nb, 'fixed point', fp, flush=True)


if __name__ == '__main__':
    main()
