#!/usr/bin/python3
# test/ref/reward/make_reward_ref.py: reference fits of prefcal's reward
# model (reward_fit) by scikit-learn's LogisticRegression on the
# equivalent design matrix (feature differences, a column of ones for the
# position effect, +1/-1 item columns for item effects), written to
# comparisons.csv (the data) and sklearn_fits.csv (the fits).  Run with
# Debian's python3-sklearn (1.2) from this directory.
#
# Mapping: reward_fit minimises -loglik + prior/2 |w, s|^2 (gamma not
# penalised); sklearn minimises C * sum(loss) + |coef|^2 / 2 with the
# intercept not penalised (newton-cg, lbfgs), so C = 1 / prior, and
# penalty=None for prior 0.  A tie (outcome 0.5) of weight w is two
# sklearn rows, y = 1 and y = 0, of weight w / 2 each.
#
# The large set's features are not stored: feature j (1-based) of side
# s (1 first, 2 second) of comparison r is
#   ((r * 131 + j * 977 + s * 7 + 17) * 2654435761 mod 2^32) / 2^32 - 0.5
# computed exactly in SQL (bigint) and here (python ints).
import csv
import numpy as np
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261206)
out_rows = []
fits = []


def large_feature(r, j, s):
    return ((r * 131 + j * 977 + s * 7 + 17) * 2654435761 % 4294967296) / 4294967296.0 - 0.5


def fit(name, Z, y, w, position, prior, items=None, solver="newton-cg"):
    # expand ties
    rows, ys, ws = [], [], []
    for zi, yi, wi in zip(Z, y, w):
        if yi == 0.5:
            rows += [zi, zi]
            ys += [1, 0]
            ws += [wi / 2, wi / 2]
        else:
            rows.append(zi)
            ys.append(int(yi))
            ws.append(wi)
    X = np.array(rows)
    kw = dict(fit_intercept=position, solver=solver, tol=1e-13, max_iter=200)
    if prior == 0:
        lr = LogisticRegression(penalty=None, **kw)
    else:
        lr = LogisticRegression(penalty="l2", C=1.0 / prior, **kw)
    lr.fit(X, np.array(ys), sample_weight=np.array(ws))
    coef = lr.coef_[0]
    gamma = lr.intercept_[0] if position else 0.0
    # log-likelihood and the gradient of the penalised objective, in numpy
    eta = Z @ coef + gamma
    ll = float(np.sum(w * (y * -np.logaddexp(0, -eta) + (1 - y) * -np.logaddexp(0, eta))))
    p = 1 / (1 + np.exp(-eta))
    g = Z.T @ (w * (p - y)) + prior * coef
    print(f"{name}: max |gradient| {np.max(np.abs(g)):.3e}, loglik {ll!r}")
    d = Z.shape[1] - (len(items) if items else 0)
    for j in range(d):
        fits.append((name, "coef", str(j + 1), repr(float(coef[j]))))
    if items:
        for i, it in enumerate(items):
            fits.append((name, "item", it, repr(float(coef[d + i]))))
    if position:
        fits.append((name, "gamma", "", repr(float(gamma))))
    fits.append((name, "loglik", "", repr(ll)))


def lit(x):
    return "{" + ",".join(repr(float(v)) for v in x) + "}"


# small: d = 5, weights, ties, a position effect in the data
n, d = 400, 5
X1 = rng.normal(size=(n, d))
X2 = rng.normal(size=(n, d))
wtrue = np.array([1.0, -0.5, 0.25, 0.0, 0.8])
eta = (X1 - X2) @ wtrue + 0.4
u = rng.random(n)
p = 1 / (1 + np.exp(-eta))
y = np.where(u < 0.1, 0.5, (rng.random(n) < p).astype(float))
w = np.round(rng.uniform(0.5, 2.0, size=n), 3)
for r in range(n):
    out_rows.append(("small", r + 1, lit(X1[r]), lit(X2[r]), repr(float(y[r])), repr(float(w[r])), "", ""))
Z = X1 - X2
fit("small_plain", Z, y, w, False, 0.0)
fit("small_position", Z, y, w, True, 0.0)
fit("small_prior", Z, y, w, True, 2.0)

# items: style control, 6 items, 2 style features, position, prior 0.5
n, d, m = 600, 2, 6
items = [f"model{i}" for i in range(m)]
strength = rng.normal(size=m)
A = rng.integers(0, m, size=n)
B = (A + rng.integers(1, m, size=n)) % m
S1 = rng.normal(size=(n, d))
S2 = rng.normal(size=(n, d))
eta = strength[A] - strength[B] + (S1 - S2) @ np.array([0.7, -0.3]) + 0.2
y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
w = np.ones(n)
for r in range(n):
    out_rows.append(("items", r + 1, lit(S1[r]), lit(S2[r]), repr(float(y[r])), "1.0", items[A[r]], items[B[r]]))
E = np.zeros((n, m))
E[np.arange(n), A] += 1
E[np.arange(n), B] -= 1
fit("items", np.hstack([S1 - S2, E]), y, w, True, 0.5, items=items)

# large: d = 300 (beyond the dense Newton limit: prefcal uses L-BFGS), prior 1
n, d = 2000, 300
F1 = np.array([[large_feature(r, j, 1) for j in range(1, d + 1)] for r in range(1, n + 1)])
F2 = np.array([[large_feature(r, j, 2) for j in range(1, d + 1)] for r in range(1, n + 1)])
wtrue = rng.normal(size=d) * 0.3
eta = (F1 - F2) @ wtrue
y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
w = np.ones(n)
for r in range(n):
    out_rows.append(("large", r + 1, "", "", repr(float(y[r])), "1.0", "", ""))
fit("large", F1 - F2, y, w, False, 1.0)

with open("comparisons.csv", "w", newline="") as f:
    wr = csv.writer(f)
    wr.writerow(["dataset", "r", "first_features", "second_features", "outcome", "weight", "first_item", "second_item"])
    wr.writerows(out_rows)
with open("sklearn_fits.csv", "w", newline="") as f:
    wr = csv.writer(f)
    wr.writerow(["variant", "kind", "name", "value"])
    wr.writerows(fits)
