#!/usr/bin/python3
# test/ref/bt/make_scipy_refs.py: reference Bradley-Terry fits computed with
# numpy/scipy, independently of prefcal's C solver, for the variants R's
# BTm does not cover (Davidson ties, L2 prior, ties dropped, swap
# augmentation, the Brier term) and centred standard errors.
#
# Reads pairs.csv (written by make_r_refs.R), writes scipy_fits.csv:
#   dataset,variant,item,estimate,se
# scores centred to mean 0; rows "(position)" = first-shown effect,
# "(log_tie)" = log of the Davidson tie parameter, "(loglik)",
# "(deviance)".  SEs: Moore-Penrose inverse of the Hessian of -loglik
# (prior 0) or P H^-1 P with H the penalised Hessian (prior > 0), P the
# centring projection.  Every analytic gradient and Hessian is checked
# against finite differences before use.
#
# Run: /usr/bin/python3 make_scipy_refs.py   (in this directory)
import csv
import sys

import numpy as np
from scipy.optimize import minimize, check_grad
from scipy.special import expit, logsumexp


def load(dataset):
    rows = [r for r in csv.DictReader(open("pairs.csv")) if r["dataset"] == dataset]
    items = sorted({r["first"] for r in rows} | {r["second"] for r in rows},
                   key=lambda s: s.encode())
    idx = {it: k for k, it in enumerate(items)}
    i = np.array([idx[r["first"]] for r in rows])
    j = np.array([idx[r["second"]] for r in rows])
    w = np.array([[float(r["w1"]), float(r["w2"]), float(r["wt"])] for r in rows])
    return items, i, j, w


class Problem:
    def __init__(self, n, i, j, w, ties="half", prior=0.0, position=False,
                 swap=False, brier=0.0):
        if swap:
            i, j = np.concatenate([i, j]), np.concatenate([j, i])
            w = np.concatenate([w, w[:, [1, 0, 2]]])
        if ties == "drop":
            w = w.copy()
            w[:, 2] = 0
        keep = w.sum(axis=1) > 0
        self.i, self.j, self.w = i[keep], j[keep], w[keep]
        self.n, self.ties, self.prior, self.position, self.brier = n, ties, prior, position, brier
        self.p = n + (1 if position else 0) + (1 if ties == "davidson" else 0)
        self.ig = n if position else None
        self.it = self.p - 1 if ties == "davidson" else None
        m = len(self.i)
        A = np.zeros((m, self.p))
        A[np.arange(m), self.i] += 1
        A[np.arange(m), self.j] -= 1
        if position:
            A[:, self.ig] = 1
        self.A = A

    def parts(self, x):
        d = self.A @ x
        w1, w2, wt = self.w.T
        if self.ties != "davidson":
            a = w1 + (wt / 2 if self.ties == "half" else 0)
            b = w2 + (wt / 2 if self.ties == "half" else 0)
            nk = a + b
            p = expit(d)
            logp = -np.logaddexp(0, -d)
            logq = -np.logaddexp(0, d)
            ll = a * logp + b * logq
            f = -ll
            fd = -(a - nk * p)
            fdd = nk * p * (1 - p)
            if self.brier > 0:
                q = p * (1 - p)
                f = f + self.brier * (a * (1 - p) ** 2 + b * p ** 2)
                fd = fd + self.brier * 2 * (nk * p - a) * q
                fdd = fdd + self.brier * 2 * (nk * q * q + (nk * p - a) * q * (1 - 2 * p))
            return ll, f, fd, fdd, None, None, None
        theta = x[self.it]
        u = d / 2
        logD = logsumexp(np.stack([u, -u, np.full_like(u, theta)]), axis=0)
        P1, P2, PT = np.exp(u - logD), np.exp(-u - logD), np.exp(theta - logD)
        nk = w1 + w2 + wt
        ll = w1 * (u - logD) + w2 * (-u - logD) + wt * (theta - logD)
        f = -ll
        fd = -(0.5 * (w1 - w2) - 0.5 * nk * (P1 - P2))
        ft = -(wt - nk * PT)
        fdd = nk * (0.25 * (P1 + P2) - 0.25 * (P1 - P2) ** 2)
        fdt = -0.5 * nk * (P1 - P2) * PT
        ftt = nk * PT * (1 - PT)
        return ll, f, fd, fdd, ft, fdt, ftt

    def f(self, x):
        ll, f, *_ = self.parts(x)
        s = x[:self.n]
        return f.sum() + 0.5 * self.prior * (s @ s)

    def grad(self, x):
        _, _, fd, _, ft, _, _ = self.parts(x)
        g = self.A.T @ fd
        if self.it is not None:
            g[self.it] += ft.sum()
        g[:self.n] += self.prior * x[:self.n]
        return g

    def hess(self, x):
        _, _, _, fdd, _, fdt, ftt = self.parts(x)
        H = self.A.T @ (fdd[:, None] * self.A)
        if self.it is not None:
            c = self.A.T @ fdt
            H[:, self.it] += c
            H[self.it, :] += c
            H[self.it, self.it] += ftt.sum()
        H[np.arange(self.n), np.arange(self.n)] += self.prior
        return H

    # objective pinned by (sum s)^2 / 2, which leaves the optimum of the
    # shift-invariant objective centred and makes it strictly convex
    def fp(self, x):
        return self.f(x) + 0.5 * x[:self.n].sum() ** 2

    def gp(self, x):
        g = self.grad(x)
        g[:self.n] += x[:self.n].sum()
        return g

    def hp(self, x):
        H = self.hess(x)
        H[:self.n, :self.n] += 1
        return H


def fit(pb):
    rng = np.random.default_rng(7)
    x0 = rng.normal(scale=0.3, size=pb.p)
    # analytic derivatives against finite differences
    err = check_grad(pb.fp, pb.gp, x0)
    assert err < 1e-5 * max(1, np.abs(pb.gp(x0)).max()), err
    Hn = np.array([(pb.gp(x0 + 1e-6 * e) - pb.gp(x0 - 1e-6 * e)) / 2e-6
                   for e in np.eye(pb.p)])
    assert np.abs(Hn - pb.hp(x0)).max() < 1e-4 * max(1, np.abs(Hn).max())
    r = minimize(pb.fp, np.zeros(pb.p), jac=pb.gp, hess=pb.hp, method="trust-exact",
                 options={"gtol": 1e-11, "maxiter": 1000})
    x = r.x
    for _ in range(5):  # polish with plain Newton steps
        x = x - np.linalg.solve(pb.hp(x), pb.gp(x))
    g = pb.grad(x)
    assert np.abs(g).max() < 1e-8 * max(1, pb.w.sum()), g
    x[:pb.n] -= x[:pb.n].mean()
    return x


def covariance(pb, x):
    H = pb.hess(x)
    if pb.prior == 0:
        return np.linalg.pinv(H, rcond=1e-12, hermitian=True)
    C = np.linalg.inv(H)
    P = np.eye(pb.p)
    P[:pb.n, :pb.n] -= 1.0 / pb.n
    return P @ C @ P


def deviance(pb, ll):
    w1, w2, wt = pb.w.T
    nk = w1 + w2 + wt
    if pb.ties == "davidson":
        cols = [w1, w2, wt]
    else:
        h = 0.5 if pb.ties == "half" else 0.0
        cols = [w1 + h * wt, w2 + h * wt]
        nk = cols[0] + cols[1]
    sat = sum(np.where(c > 0, c * np.log(np.where(c > 0, c, 1) / nk), 0) for c in cols)
    return 2 * (sat.sum() - ll)


VARIANTS = [
    ("citations", "half", {}),
    ("citations", "prior", {"prior": 2.0}),
    ("baseball", "half", {}),
    ("baseball", "position", {"position": True}),
    ("baseball", "brier", {"brier": 2.0}),
    ("baseball", "position_brier", {"position": True, "brier": 0.5}),
    ("icehockey", "half", {}),
    ("icehockey", "drop", {"ties": "drop"}),
    ("icehockey", "davidson", {"ties": "davidson"}),
    ("icehockey", "davidson_position", {"ties": "davidson", "position": True}),
    ("icehockey", "position", {"position": True}),
    ("icehockey", "prior", {"prior": 0.5}),
    ("icehockey", "prior_position", {"prior": 0.5, "position": True}),
    ("icehockey", "swap", {"swap": True}),
    ("icehockey", "swap_position", {"swap": True, "position": True}),
]

out = csv.writer(open("scipy_fits.csv", "w", newline=""))
out.writerow(["dataset", "variant", "item", "estimate", "se"])
for dataset, variant, kw in VARIANTS:
    items, i, j, w = load(dataset)
    pb = Problem(len(items), i, j, w, **kw)
    x = fit(pb)
    se = np.full(pb.p, np.nan)
    if pb.brier == 0:
        se = np.sqrt(np.maximum(np.diag(covariance(pb, x)), 0))
    for k, it in enumerate(items):
        out.writerow([dataset, variant, it, repr(float(x[k])), repr(float(se[k]))])
    if pb.ig is not None:
        out.writerow([dataset, variant, "(position)", repr(float(x[pb.ig])), repr(float(se[pb.ig]))])
    if pb.it is not None:
        out.writerow([dataset, variant, "(log_tie)", repr(float(x[pb.it])), repr(float(se[pb.it]))])
    ll = pb.parts(x)[0].sum()
    out.writerow([dataset, variant, "(loglik)", repr(float(ll)), "nan"])
    out.writerow([dataset, variant, "(deviance)", repr(float(deviance(pb, ll))), "nan"])
    print(dataset, variant, "ok", file=sys.stderr)
