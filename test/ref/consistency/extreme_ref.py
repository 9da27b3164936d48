#!/usr/bin/python3
"""Reference values for classify_preference_consistency and its
empirical-Bayes stage at extreme but legal inputs, in 50-digit arithmetic
(mpmath), written independently of the C code from the formulas in
doc/annotation.md.

Writes test/ref/consistency/extreme_expected.csv (read by
sql/consistency.sql, sql/consistency_prior.sql and
sql/consistency_direction.sql):

  kind,name,input,field,value

kind 'fixed': input is a preference_consistency_state; fields log_ml_*,
  p_*, within, across (the fixed-prior aggregate's outputs).
kind 'em': input is a preference_consistency_prior_state; fields the fitted
  genuine, non_attitude, constructed, rho, q, r:<condition>,
  pi:<pattern> and loglik of an exact EM run to the documented stopping
  rule (no parameter moves more than 1e-10), and responses (the table's
  weighted response count, which bounds loglik's rounding).
Values below 1e-300 (except subnormals above 1e-330, written in full) are
written as 0.
kind 'direction': input is 'state|prior'; field d, the value of
  preference_consistency_direction.

Run: /usr/bin/python3 test/ref/consistency/extreme_ref.py (from the
repository root).
"""
import csv
import os
import re

from mpmath import mp, mpf, loggamma, log, exp, fsum

mp.dps = 50

A, B, NA = mpf(4), mpf('0.75'), mpf(50)


def D(text):
    """the float8 value of a number as the C code reads it"""
    return mpf(float(text))


def lbeta(x, y):
    return loggamma(x) + loggamma(y) - loggamma(x + y)


def log_d(k, m):
    nrm = lbeta(A, B)
    return log((exp(lbeta(k + A, m + B) - nrm) +
                exp(lbeta(k + B, m + A) - nrm)) / 2)


def parse_state(s):
    """preference_consistency_state text -> [(name, kw, mw, kr, mr)]"""
    out = []
    for m in re.finditer(r'\{"((?:[^"\\]|\\.)*)" (\S+) (\S+) (\S+) (\S+)\}', s):
        out.append((m.group(1), D(m.group(2)), D(m.group(3)),
                    D(m.group(4)), D(m.group(5))))
    return out


def fixed(state):
    conds = parse_state(state)
    K = fsum(c[1] for c in conds)
    M = fsum(c[2] for c in conds)
    lg = log_d(K, M)
    ln = fsum(lbeta(c[1] + NA, c[2] + NA) - lbeta(NA, NA) for c in conds)
    lc = fsum(log_d(c[1], c[2]) for c in conds)
    mx = max(lg, ln, lc)
    z = fsum(exp(x - mx) for x in (lg, ln, lc))
    kr = [c[3] for c in conds]
    mr = [c[4] for c in conds]
    Kr, Mr = fsum(kr), fsum(mr)
    n = Kr + Mr
    res = {'log_ml_genuine': lg, 'log_ml_non_attitude': ln,
           'log_ml_constructed': lc,
           'p_genuine': exp(lg - mx) / z, 'p_non_attitude': exp(ln - mx) / z,
           'p_constructed': exp(lc - mx) / z}
    wd = fsum((k + m) * (k + m - 1) for k, m in zip(kr, mr))
    if wd > 0:
        res['within'] = fsum(k * (k - 1) + m * (m - 1)
                             for k, m in zip(kr, mr)) / wd
    if len(conds) >= 2:
        res['across'] = (fsum(k * (Kr - k) + m * (Mr - m) for k, m in zip(kr, mr)) /
                         fsum((k + m) * (n - k - m) for k, m in zip(kr, mr)))
    return res


def parse_prior_state(s):
    """preference_consistency_prior_state text -> (conditions, [(idx, k, m)], mult)"""
    vecs = []
    for m in re.finditer(r'\{"([^"]*)" (\S+)\}', s):
        key, mult = m.group(1), D(m.group(2))
        ents = []
        pos = 0
        while pos < len(key):
            colon = key.index(':', pos)
            ln = int(key[pos:colon])
            name = key[colon + 1:colon + 1 + ln]
            rest = key[colon + 1 + ln + 1:]
            semi = rest.index(';')
            k, mm = rest[:semi].split(' ')
            ents.append((name, D(k), D(mm)))
            pos = colon + 1 + ln + 1 + semi + 1
        vecs.append((ents, mult))
    conds = sorted({e[0] for v, _ in vecs for e in v}, key=lambda x: x.encode())
    ci = {c: i for i, c in enumerate(conds)}
    return conds, [([(ci[e[0]], e[1], e[2]) for e in v], mult) for v, mult in vecs]


def em(state):
    conds, vecs = parse_prior_state(state)
    C = len(conds)
    assert C <= 10
    P = 2 ** C - 2
    G = fsum(m for _, m in vecs)
    w = [mpf(1) / 3] * 3
    rho, q = mpf('0.5'), mpf('0.75')
    r = [mpf('0.5')] * C
    pi = [mpf(1) / P] * P if P else []
    loglik = None
    for it in range(1, 10001):
        gt = [mpf(0)] * 3
        srho = agree = ndir = ll = mpf(0)
        spi = [mpf(0)] * P
        rn = [mpf(0)] * C
        rd = [mpf(0)] * C
        for ents, mult in vecs:
            K = fsum(e[1] for e in ents)
            M = fsum(e[2] for e in ents)
            N = K + M
            g1 = rho * q ** K * (1 - q) ** M
            g0 = (1 - rho) * q ** M * (1 - q) ** K
            LG = g1 + g0
            LN = mpf(1)
            for c, k, m in ents:
                LN *= r[c] ** k * (1 - r[c]) ** m
            lcb = []
            for b in range(1, P + 1):
                a = fsum(k if (b >> c) & 1 else m for c, k, m in ents)
                lcb.append((pi[b - 1] * q ** a * (1 - q) ** (N - a), a))
            LC = fsum(x for x, _ in lcb)
            tot = w[0] * LG + w[1] * LN + w[2] * LC
            ll += mult * log(tot)
            g = [mult * w[0] * LG / tot, mult * w[1] * LN / tot,
                 mult * w[2] * LC / tot]
            for i in range(3):
                gt[i] += g[i]
            p1 = g1 / LG
            srho += g[0] * p1
            agree += g[0] * (p1 * K + (1 - p1) * M)
            ndir += (g[0] + g[2]) * N
            for b in range(P):
                pb = g[2] * lcb[b][0] / LC
                spi[b] += pb
                agree += pb * lcb[b][1]
            for c, k, m in ents:
                rn[c] += g[1] * k
                rd[c] += g[1] * (k + m)
        loglik = ll
        new = ([(gt[i] + 1) / (G + 3) for i in range(3)] +
               [(srho + 1) / (gt[0] + 2),
                max(mpf('0.5'), (agree + 1) / (ndir + 2))] +
               [(rn[c] + 1) / (rd[c] + 2) for c in range(C)] +
               [(spi[b] + mpf(1) / P) / (gt[2] + 1) for b in range(P)])
        old = w + [rho, q] + r + pi
        maxd = max(abs(x - y) for x, y in zip(new, old))
        w = new[0:3]
        rho, q = new[3], new[4]
        r = new[5:5 + C]
        pi = new[5 + C:]
        if maxd < mpf('1e-10'):
            break
    res = {'genuine': w[0], 'non_attitude': w[1], 'constructed': w[2],
           'rho': rho, 'q': q, 'loglik': loglik,
           'responses': fsum(m * fsum(e[1] + e[2] for e in v) for v, m in vecs)}
    for c in range(C):
        res['r:' + conds[c]] = r[c]
    for b in range(1, P + 1):
        res['pi:' + ''.join('1' if (b >> c) & 1 else '0' for c in range(C))] = pi[b - 1]
    return res


def direction(state, prior):
    conds = parse_state(state)
    q = D(re.search(r" q=(\S+)", prior).group(1))
    diff = fsum(c[1] - c[2] for c in conds)
    return {'d': 1 / (1 + ((1 - q) / q) ** diff)}


FIXED = [
    # counts near 1e9: lgamma cancellation cost about 3e-6 in log_ml
    ('one_direction_1e9', 'v1 n=2 {"a" 1000000000 0 1000000000 0} {"b" 1000000000 0 1000000000 0}'),
    ('constructed_1e9', 'v1 n=2 {"a" 1000000000 3 1000000000 3} {"b" 5 1000000000 5 1000000000}'),
    ('cap_2e9', 'v1 n=2 {"a" 1999999999 1 1999999999 1} {"b" 1 0 1 0}'),
    ('three_conditions_1e8', 'v1 n=3 {"a" 123456789 1 123456789 1} {"b" 1 987654321 1 987654321} {"c" 3 0 3 0}'),
    ('weighted_1e9', 'v1 n=2 {"a" 999999999.5 0.25 1000000000 1} {"b" 12.5 0 20 0}'),
    ('mixed_1e6', 'v1 n=2 {"a" 600000 400000 600000 400000} {"b" 1000 3 1000 3}'),
    ('small', 'v1 n=2 {"a" 2 0 2 0} {"b" 0 2 0 2}'),
]

EM = [
    # multiplicities near 2^53: q and r rounded to 1 and the EM gave NaN
    ('mult_2p53_mixed', 'v1 n=2 {"1:a 4 0;1:b 4 0;" 9007199254740992} {"1:a 1 1;1:b 0 2;" 1}'),
    ('mult_2p53_counts_2p31', 'v1 n=2 {"1:a 2147483647 0;" 9007199254740992} {"1:b 0 2147483647;" 9007199254740992}'),
    # counts at the per-condition cap
    ('counts_2p31', 'v1 n=2 {"1:a 2147483647 0;1:b 2147483647 0;" 1} {"1:a 1 1;1:b 0 2;" 1}'),
    # confidences near 0: loglik was above 0 by rounding
    ('weights_1e-300', 'v1 n=1 {"2:c0 0 2e-300;2:c1 1e-300 1e-300;" 50}'),
    ('ordinary', 'v1 n=3 {"1:a 2 0;1:b 2 0;" 5} {"1:a 2 0;1:b 0 2;" 3} {"1:a 1 1;1:b 1 1;" 2}'),
]

PRIOR_Q = ('v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 '
           'non_attitude=0.25 constructed=0.25 rho=0.5 q={q} conditions=2 '
           '{{"x" 0.5}} {{"y" 0.5}} patterns=2 {{"10" 0.5}} {{"01" 0.5}}')
DIRECTION = [
    # q just above 1/2 and 2e9 responses (correct before and after)
    ('q_near_half', 'v1 n=1 {"x" 2000000000 0 2000000000 0}', PRIOR_Q.format(q='0.5000000002330848')),
    # a logit near -725: exp overflowed and 0 came back for a subnormal
    ('subnormal', 'v1 n=2 {"x" 0 200 0 200} {"y" 0 130 0 130}', PRIOR_Q.format(q='0.9')),
    ('ordinary', 'v1 n=2 {"x" 3 1 3 1} {"y" 2 0 2 0}', PRIOR_Q.format(q='0.8')),
]


def num(v):
    # float8 cannot hold most values below 1e-300 (posteriors like
    # 1e-707): those are written as 0, which is what the C code returns
    if abs(v) < mpf('1e-300') and abs(v) >= mpf('1e-308') or abs(v) < mpf('1e-330'):
        return '0'
    return mp.nstr(v, 25)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    rows = []
    for name, st in FIXED:
        for f, v in fixed(st).items():
            rows.append(('fixed', name, st, f, num(v)))
    for name, st in EM:
        for f, v in em(st).items():
            rows.append(('em', name, st, f, num(v)))
    for name, st, pr in DIRECTION:
        for f, v in direction(st, pr).items():
            rows.append(('direction', name, st + '|' + pr, f, num(v)))
    with open(os.path.join(here, 'extreme_expected.csv'), 'w', newline='') as fh:
        wr = csv.writer(fh, lineterminator='\n')
        wr.writerow(('kind', 'name', 'input', 'field', 'value'))
        wr.writerows(rows)


if __name__ == '__main__':
    main()
