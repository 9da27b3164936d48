#!/usr/bin/python3
"""test/ref/recal_ref.py: reference fits for prefcal's recalibration tests.

Writes, beside this script,
  recal_ref_points.csv   the data sets: set, x (probability or score), y, w
  recal_ref_fits.csv     set, method, smoothing, param1, param2, logloss

computed independently of prefcal's Newton solvers:
  temperature  root of d/dtheta of the weighted mean log loss in
               theta = 1/T, by scipy.optimize.brentq (logits clamped
               to +-34.5388 = logit(1 - 1e-15), as prefcal does);
  platt        scikit-learn LogisticRegression(penalty=None) on the score,
               i.e. plain maximum likelihood without target smoothing;
  platt smooth Platt's smoothed targets (N+ + 1)/(N+ + 2), 1/(N- + 2) as in
               scikit-learn's sigmoid calibration (_sigmoid_calibration),
               minimised with scipy BFGS at a tight tolerance and
               cross-checked against _sigmoid_calibration itself (which
               stops at gtol 1e-5, so only to about 1e-4).

Run with Debian's python3 (numpy, scipy, scikit-learn):
    /usr/bin/python3 test/ref/recal_ref.py
"""
import csv
import os

import numpy as np
from scipy.optimize import brentq, minimize
from scipy.special import expit, xlogy
from sklearn.calibration import _sigmoid_calibration
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
# prefcal clamps logits to +-(log(1 - 1e-15) - log(1e-15)), symmetrically
MAX_LOGIT = np.log1p(-1e-15) - np.log(1e-15)


def logit(p):
    with np.errstate(divide="ignore"):
        z = np.log(p) - np.log1p(-p)
    return np.clip(z, -MAX_LOGIT, MAX_LOGIT)


def softplus(u):
    return np.logaddexp(0, u)


def mean_logloss(u, y, w):
    return np.sum(w * (softplus(u) - y * u)) / np.sum(w)


def fit_temperature(p, y, w):
    x = logit(p)

    def d(theta):
        return np.sum(w * x * (expit(theta * x) - y))

    hi = 1.0
    while d(hi) < 0:
        hi *= 2
    theta = brentq(d, 1e-12, hi, xtol=1e-16, rtol=1e-15, maxiter=500)
    return 1.0 / theta, mean_logloss(x * theta, y, w)


def fit_platt(s, y, w):
    # y may be soft: expand each row into a positive and a negative row
    X = np.concatenate([s, s]).reshape(-1, 1)
    Y = np.concatenate([np.ones_like(y), np.zeros_like(y)])
    W = np.concatenate([w * y, w * (1 - y)])
    keep = W > 0
    lr = LogisticRegression(penalty=None, solver="newton-cholesky",
                            tol=1e-15, max_iter=1000)
    lr.fit(X[keep], Y[keep], sample_weight=W[keep])
    a, b = lr.coef_[0, 0], lr.intercept_[0]
    return a, b, mean_logloss(a * s + b, y, w)


def fit_platt_smooth(s, y, w):
    # binary y only (as in scikit-learn)
    npos = np.sum(w[y > 0])
    nneg = np.sum(w[y <= 0])
    t = np.where(y > 0, (npos + 1) / (npos + 2), 1 / (nneg + 2))

    def obj(ab):
        u = ab[0] * s + ab[1]
        return np.sum(w * (softplus(u) - t * u)) / np.sum(w)

    def grad(ab):
        r = w * (expit(ab[0] * s + ab[1]) - t) / np.sum(w)
        return np.array([np.dot(r, s), np.sum(r)])

    res = minimize(obj, np.array([0.0, 0.0]), jac=grad, method="BFGS",
                   options={"gtol": 1e-13, "maxiter": 10000})
    a, b = res.x
    A, B = _sigmoid_calibration(s, y, sample_weight=w)
    assert abs(-A - a) < 1e-3 * max(1, abs(a)) and abs(-B - b) < 1e-3 * max(1, abs(b)), \
        (a, b, -A, -B)
    return a, b, mean_logloss(a * s + b, y, w)


def main():
    rng = np.random.default_rng(20241126)
    sets = {}

    # overconfident probabilities, binary outcomes, unit weights
    p = rng.beta(0.6, 0.6, 400)
    p[:3] = [0.0, 1.0, 0.5]
    y = (rng.random(400) < expit(logit(p) / 1.7)).astype(float)
    y[0], y[1] = 1.0, 0.0          # clamped p = 0 and 1 on the wrong side
    sets["temp_binary"] = ("temperature", p, y, np.ones(400))

    # underconfident, weighted, soft targets (vote shares)
    p = rng.uniform(0.2, 0.8, 300)
    y = np.round(expit(2.5 * logit(p) + rng.normal(0, 0.5, 300)) * 5) / 5
    w = np.round(rng.uniform(0.1, 3, 300), 2)
    sets["temp_soft_weighted"] = ("temperature", p, y, w)

    # scores with binary outcomes
    s = rng.normal(2, 3, 500)
    y = (rng.random(500) < expit(0.7 * s - 1)).astype(float)
    sets["platt_binary"] = ("platt", s, y, np.ones(500))

    # rounded scores (many duplicates), weighted, soft targets
    s = np.round(rng.normal(0, 1, 600), 1)
    y = np.round(expit(-1.3 * s + 0.4 + rng.normal(0, 0.3, 600)) * 4) / 4
    w = np.round(rng.uniform(0.5, 2, 600), 1)
    sets["platt_soft_weighted"] = ("platt", s, y, w)

    with open(os.path.join(HERE, "recal_ref_points.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["set", "x", "y", "w"])
        for name, (_, x, y, w) in sets.items():
            for xi, yi, wi in zip(x, y, w):
                wr.writerow([name, repr(float(xi)), repr(float(yi)), repr(float(wi))])

    with open(os.path.join(HERE, "recal_ref_fits.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["set", "method", "smoothing", "param1", "param2", "logloss"])
        for name, (kind, x, y, w) in sets.items():
            if kind == "temperature":
                T, ll = fit_temperature(x, y, w)
                wr.writerow([name, "temperature", "false", repr(T), "", repr(ll)])
                # Platt on the logits of the probabilities
                a, b, ll = fit_platt(logit(x), y, w)
                wr.writerow([name, "platt", "false", repr(a), repr(b), repr(ll)])
            else:
                a, b, ll = fit_platt(x, y, w)
                wr.writerow([name, "platt", "false", repr(a), repr(b), repr(ll)])
            if np.all((y == 0) | (y == 1)):
                xs = logit(x) if kind == "temperature" else x
                a, b, ll = fit_platt_smooth(xs, y, w)
                wr.writerow([name, "platt", "true", repr(a), repr(b), repr(ll)])


if __name__ == "__main__":
    main()
