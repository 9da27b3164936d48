#!/usr/bin/python3
"""Independent numpy implementation of the empirical-Bayes stage of
classify_preference_consistency (doc/annotation.md, "Empirical Bayes").

Reads per-group preference_consistency_state values in text form (one per
line, as exported by make_accuracy.sh) and the preference_consistency_prior_model prefcal
fitted on them, runs the documented EM with numpy on dense count vectors,
and compares every fitted parameter, the iteration count and the
log-likelihood; with GROUPS.csv (p_genuine,p_non_attitude,p_constructed
per state line, from classify_preference_consistency(state, prior)) it
also compares the posteriors.

  eb_reference.py STATES.txt PRIOR.txt [POSTERIORS.csv]
  eb_reference.py STATES.txt --print      # the fitted values, 8 decimals

Exit status 0 when every fitted parameter agrees to 1e-8 and every
posterior to 1e-8.
"""
import csv
import itertools
import re
import sys

import numpy as np
from scipy.special import logsumexp

MAX_PATTERN_CONDITIONS = 10
MAX_ITER = 10000
TOL = 1e-10

ENTRY = re.compile(r'\{"((?:[^"\\]|\\.)*)"\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\}')


def unescape(s):
    return re.sub(r'\\(.)', r'\1', s)


def parse_state(line):
    """preference_consistency_state text -> {condition: (kw, mw)}"""
    return {unescape(m.group(1)): (float(m.group(2)), float(m.group(3)))
            for m in ENTRY.finditer(line)}


def parse_prior(text):
    out = {}
    for key in ("groups", "loglik", "genuine", "non_attitude", "constructed", "rho", "q"):
        out[key] = float(re.search(r'\b%s=(\S+)' % key, text).group(1))
    out["iterations"] = int(re.search(r'iterations=(\d+)', text).group(1))
    cpart, ppart = text.split(" patterns=")
    out["conds"] = [(unescape(a), float(b)) for a, b in
                    re.findall(r'\{"((?:[^"\\]|\\.)*)" (\S+)\}', cpart)]
    out["patterns"] = [(a, float(b)) for a, b in re.findall(r'\{"([01]+)" (\S+)\}', ppart)]
    return out


def fit(states):
    # the table's conditions in byte order
    conds = sorted({c for s in states for c in s}, key=lambda c: c.encode())
    C = len(conds)
    col = {c: i for i, c in enumerate(conds)}
    # distinct vectors of positive-weight entries, with multiplicities
    vec = {}
    for s in states:
        v = np.zeros(2 * C)
        for c, (k, m) in s.items():
            if k + m > 0:
                v[2 * col[c]], v[2 * col[c] + 1] = k, m
        if v.sum() > 0:
            vec[tuple(v)] = vec.get(tuple(v), 0) + 1
    X = np.array(list(vec)); mult = np.array(list(vec.values()), float)
    K, M = X[:, 0::2], X[:, 1::2]
    n = K.sum(1) + M.sum(1)
    pattern_mode = C <= MAX_PATTERN_CONDITIONS
    if pattern_mode:
        # pattern b = 1 .. 2^C - 2, bit c = first item under condition c
        D = np.array([[(b >> c) & 1 for c in range(C)] for b in range(1, 2 ** C - 1)], float)
        if len(D) == 0:
            D = np.zeros((0, C))
        A = K @ D.T + M @ (1 - D).T
    P = len(D) if pattern_mode else 0
    G = mult.sum()
    w = np.full(3, 1 / 3); rho = 0.5; q = 0.75; r = np.full(C, 0.5)
    pi = np.full(P, 1 / P) if P else np.zeros(0)

    def xlogy(x, y):
        with np.errstate(divide="ignore"):
            return np.where(x == 0, 0.0, x * np.log(y))

    for it in range(1, MAX_ITER + 1):
        Kt, Mt = K.sum(1), M.sum(1)
        lg1 = np.log(rho) + xlogy(Kt, q) + xlogy(Mt, 1 - q)
        lg0 = np.log1p(-rho) + xlogy(Mt, q) + xlogy(Kt, 1 - q)
        LG = np.logaddexp(lg0, lg1)
        LN = (xlogy(K, r[None, :]) + xlogy(M, 1 - r[None, :])).sum(1)
        if pattern_mode and P:
            lc = np.log(pi)[None, :] + xlogy(A, q) + xlogy(n[:, None] - A, 1 - q)
            LC = logsumexp(lc, axis=1)
        elif pattern_mode:
            LC = np.full(len(n), -np.inf)
        else:
            tot = K + M
            LC = (np.logaddexp(xlogy(K, q) + xlogy(M, 1 - q), xlogy(M, q) + xlogy(K, 1 - q)) - np.log(2)).sum(1)
        L = np.stack([LG + np.log(w[0]), LN + np.log(w[1]), LC + np.log(w[2])], 1)
        T = logsumexp(L, axis=1)
        ll = float((mult * T).sum())
        g = mult[:, None] * np.exp(L - T[:, None])
        p1 = np.exp(lg1 - LG)
        s_rho = (g[:, 0] * p1).sum()
        agree = (g[:, 0] * (p1 * Kt + (1 - p1) * Mt)).sum()
        ndir = ((g[:, 0] + g[:, 2]) * n).sum()
        if pattern_mode and P:
            pb = g[:, 2:3] * np.exp(lc - LC[:, None])
            spi = pb.sum(0)
            agree += (pb * A).sum()
        elif not pattern_mode:
            l1 = xlogy(K, q) + xlogy(M, 1 - q)
            l0 = xlogy(M, q) + xlogy(K, 1 - q)
            pc1 = np.exp(l1 - np.logaddexp(l0, l1))
            agree += (g[:, 2:3] * (pc1 * K + (1 - pc1) * M)).sum()
        nw = (g.sum(0) + 1) / (G + 3)
        nrho = (s_rho + 1) / (g[:, 0].sum() + 2)
        nq = max((agree + 1) / (ndir + 2), 0.5)
        nr = (g[:, 1] @ K + 1) / (g[:, 1] @ (K + M) + 2)
        npi = (spi + 1 / P) / (g[:, 2].sum() + 1) if P else pi
        d = max(np.abs(nw - w).max(), abs(nrho - rho), abs(nq - q), np.abs(nr - r).max(),
                np.abs(npi - pi).max() if P else 0.0)
        w, rho, q, r, pi = nw, nrho, nq, nr, npi
        if d < TOL:
            break
    return dict(conds=conds, w=w, rho=rho, q=q, r=r, pi=pi, iterations=it, loglik=ll,
                groups=G, D=D if pattern_mode else None)


def posterior(F, s, threshold=None):
    col = {c: i for i, c in enumerate(F["conds"])}
    C = len(F["conds"])
    K = np.zeros(C); M = np.zeros(C)
    ku, mu = [], []
    for c, (k, m) in s.items():
        if c in col:
            K[col[c]], M[col[c]] = k, m
        else:
            ku.append(k); mu.append(m)
    ku, mu = np.array(ku), np.array(mu)
    q, rho = F["q"], F["rho"]
    Kt, Mt = K.sum() + ku.sum(), M.sum() + mu.sum()
    with np.errstate(divide="ignore"):
        LG = np.logaddexp(np.log(rho) + Kt * np.log(q) + Mt * np.log1p(-q),
                          np.log1p(-rho) + Mt * np.log(q) + Kt * np.log1p(-q))
        LN = float(K @ np.log(F["r"]) + M @ np.log1p(-F["r"])) + (ku.sum() + mu.sum()) * np.log(0.5)
        unk = float((np.logaddexp(ku * np.log(q) + mu * np.log1p(-q),
                                  mu * np.log(q) + ku * np.log1p(-q)) - np.log(2)).sum())
        if F["D"] is not None:
            A = F["D"] @ K + (1 - F["D"]) @ M
            n = K.sum() + M.sum()
            LC = logsumexp(np.log(F["pi"]) + A * np.log(q) + (n - A) * np.log1p(-q)) + unk if len(A) else -np.inf
        else:
            LC = float((np.logaddexp(K * np.log(q) + M * np.log1p(-q), M * np.log(q) + K * np.log1p(-q)) - np.log(2)).sum()) + unk
    L = np.array([LG, LN, LC]) + np.log(F["w"])
    return np.exp(L - logsumexp(L))


def main():
    states = [parse_state(line) for line in open(sys.argv[1]) if line.strip()]
    if sys.argv[2] == "--print":
        F = fit(states)
        for k, v in (("genuine", F["w"][0]), ("non_attitude", F["w"][1]), ("constructed", F["w"][2]),
                     ("rho", F["rho"]), ("q", F["q"]), ("loglik", F["loglik"])):
            print("%-12s %.8f" % (k, v))
        print("iterations", F["iterations"])
        return
    cprior = parse_prior(open(sys.argv[2]).read().strip())
    F = fit(states)
    diffs = {
        "w": np.abs(F["w"] - [cprior["genuine"], cprior["non_attitude"], cprior["constructed"]]).max(),
        "rho": abs(F["rho"] - cprior["rho"]),
        "q": abs(F["q"] - cprior["q"]),
        "r": np.abs(F["r"] - [v for _, v in cprior["conds"]]).max(),
        "pi": np.abs(F["pi"] - [v for _, v in cprior["patterns"]]).max() if len(F["pi"]) else 0.0,
    }
    ok = [c for c, _ in cprior["conds"]] == F["conds"] and F["groups"] == cprior["groups"]
    ok = ok and max(diffs.values()) < 1e-8
    ll_rel = abs(F["loglik"] - cprior["loglik"]) / abs(F["loglik"])
    ok = ok and ll_rel < 1e-10
    print("fit: iterations numpy %d C %d; max abs diff %s; loglik rel diff %.2e" % (
        F["iterations"], cprior["iterations"],
        " ".join("%s=%.2e" % kv for kv in diffs.items()), ll_rel))
    if len(sys.argv) > 3:
        worst = 0.0
        with open(sys.argv[3], newline="") as fh:
            rows = list(csv.DictReader(fh))
        for s, row in zip(states, rows):
            got = np.array([float(row[k]) for k in ("p_genuine", "p_non_attitude", "p_constructed")])
            worst = max(worst, float(np.abs(got - posterior(F, s)).max()))
        print("posteriors: groups %d max abs diff %.2e" % (len(rows), worst))
        ok = ok and worst < 1e-8
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
