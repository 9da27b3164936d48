#!/usr/bin/python3
"""Reference vectors for prefcal's calibration aggregates.

Run with Debian's python3 (numpy, scikit-learn):

    /usr/bin/python3 test/ref/calibration/make_vectors.py

It writes, beside itself (seeded, so the output is reproducible):

  rows.csv              set,i,p,y,ys,w         binary/soft/weighted rows
  expected.csv          set,target,weighted,nbins,n,brier,logloss,ece,mce,
                        rmsce,reliability,resolution,uncertainty,wbv,wbc
  bins.csv              set,target,weighted,nbins,bin,lower,upper,n,mean_p,mean_y
  kclass.csv            set,i,probs,label       K-class rows ({..} arrays)
  kclass_expected.csv   set,nbins,n,brier_multi,ece_top,mce_top,brier_top,
                        logloss_top

The reference is computed here independently of prefcal's C code, with
numpy, from the rows themselves (per-bin subsets, np.average, np.var),
never from running sums.  scikit-learn cross-checks it where it applies:
brier_score_loss and log_loss (binary targets, p strictly inside (0, 1)),
calibration_curve (unweighted, binary targets) for the bin means.

Binning convention (DESIGN.md): B equal-width right-closed bins
[0, e1], (e1, e2], ..., (e_{B-1}, 1] with e_k the double nearest to k/B,
i.e. numpy's  np.arange(B + 1) / B.  A probability p goes to the first bin
whose upper edge is >= p: np.searchsorted(edges[1:-1], p, side='left').
calibration_curve builds its edges with np.linspace, which can differ
from k/B by one ulp; the script reports where that changes a bin and
does not use sklearn for those rows.

Log loss is the exact definition, natural log: -y log p - (1-y) log(1-p)
with 0 log 0 = 0 (so +Infinity for a certain wrong prediction); sklearn
clips p to [eps, 1-eps] and is only compared strictly inside (0, 1).
"""

import csv
import math
import os
import sys

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240611)


def fmt(x):
    """Shortest round-trip text of a float (what float8in reads exactly)."""
    x = float(x)
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return repr(x)


def bin_index(p, nbins):
    edges = np.arange(nbins + 1) / nbins
    return np.searchsorted(edges[1:-1], p, side='left')


def logloss_terms(p, y):
    with np.errstate(divide='ignore', invalid='ignore'):
        a = np.where(y > 0, -y * np.log(np.where(y > 0, p, 1.0)), 0.0)
        b = np.where(y < 1, -(1 - y) * np.log1p(-np.where(y < 1, p, 0.0)), 0.0)
    return a + b


def measures(p, y, w, nbins):
    """Every measure of the state, from the rows, by per-bin subsets."""
    N = w.sum()
    idx = bin_index(p, nbins)
    ybar = np.average(y, weights=w)
    out = {'n': N,
           'brier': np.average((p - y) ** 2, weights=w),
           'uncertainty': np.average(y ** 2, weights=w) - ybar ** 2}
    mask = w > 0
    lt = logloss_terms(p[mask], y[mask])
    out['logloss'] = (np.inf if np.isinf(lt).any()
                      else np.sum(w[mask] * lt) / N)
    ece = mce = ms = rel = res = wbv = wbc = 0.0
    bins = []
    for b in range(nbins):
        sel = (idx == b) & (w > 0)
        nb = w[sel].sum()
        if nb <= 0:
            continue
        pb = np.average(p[sel], weights=w[sel])
        yb = np.average(y[sel], weights=w[sel])
        gap = abs(yb - pb)
        ece += nb / N * gap
        mce = max(mce, gap)
        ms += nb / N * gap ** 2
        rel += nb * (pb - yb) ** 2
        res += nb * (yb - ybar) ** 2
        wbv += nb * np.average((p[sel] - pb) ** 2, weights=w[sel])
        wbc += nb * np.average((p[sel] - pb) * (y[sel] - yb), weights=w[sel])
        bins.append((b + 1, b / nbins, (b + 1) / nbins, nb, pb, yb))
    out.update(ece=ece, mce=mce, rmsce=math.sqrt(ms), reliability=rel / N,
               resolution=res / N, wbv=wbv / N, wbc=2 * wbc / N)
    ident = (out['reliability'] - out['resolution'] + out['uncertainty']
             + out['wbv'] - out['wbc'])
    assert abs(ident - out['brier']) < 1e-13, (ident, out['brier'])
    return out, bins


# ---------- the binary / soft / weighted sets ----------

sets = {}

# 1. random: p uniform, y ~ Bernoulli(p^1.4) (overconfident), soft targets
#    from a Beta around p, weights exponential with a few zeros
n = 400
p = rng.uniform(0, 1, n)
y = (rng.uniform(0, 1, n) < p ** 1.4).astype(float)
ys = rng.beta(2 + 6 * p, 2 + 6 * (1 - p))
w = rng.exponential(1.0, n)
w[rng.choice(n, 8, replace=False)] = 0.0
sets['random'] = (p, y, ys, w, [1, 2, 10, 15, 37, 100])

# 2. boundary: p exactly k/B (as SQL writes it: the double nearest k/B) for
#    several B, and the neighbouring doubles one ulp either side
ps = []
Bs = [2, 3, 5, 7, 10, 15, 20, 50, 100]
for B in Bs:
    for k in range(B + 1):
        e = k / B
        ps += [e, np.nextafter(e, -1.0), np.nextafter(e, 2.0)]
p = np.clip(np.array(ps), 0.0, 1.0)
m = len(p)
y = (rng.uniform(0, 1, m) < p).astype(float)
ys = rng.uniform(0, 1, m)
w = rng.uniform(0.5, 2.0, m)
sets['boundary'] = (p, y, ys, w, Bs)

# 3. certain: p in {0, 1} predicted right, plus interior rows (finite loss)
p = np.array([0.0, 0.0, 1.0, 1.0, 0.25, 0.75, 0.5, 0.9])
y = np.array([0, 0, 1, 1, 0, 1, 1, 0], dtype=float)
ys = np.array([0, 0, 1, 1, 0.2, 0.7, 0.5, 0.3])
w = np.array([1, 2, 1, 3, 1, 1, 0.5, 1.5])
sets['certain'] = (p, y, ys, w, [1, 4, 15])

# 4. wrong: one certain wrong prediction (log loss +Infinity)
p = np.array([0.0, 0.3, 0.6, 1.0])
y = np.array([1, 0, 1, 1], dtype=float)
ys = np.array([0.5, 0.1, 0.9, 1.0])
w = np.array([1.0, 1.0, 1.0, 1.0])
sets['wrong'] = (p, y, ys, w, [2, 15])

# 5. single row
sets['single'] = (np.array([0.37]), np.array([1.0]), np.array([0.8]),
                  np.array([2.5]), [1, 15])

rows, expected, binrows = [], [], []
notes = []
for name, (p, y, ys, w, nbl) in sets.items():
    for i in range(len(p)):
        rows.append([name, i + 1, fmt(p[i]), 't' if y[i] else 'f',
                     fmt(ys[i]), fmt(w[i])])
    for target, yy in (('bool', y), ('soft', ys)):
        for weighted, ww in (('f', np.ones_like(p)), ('t', w)):
            for B in nbl:
                out, bins = measures(p, yy, ww, B)
                expected.append([name, target, weighted, B] +
                                [fmt(out[k]) for k in
                                 ('n', 'brier', 'logloss', 'ece', 'mce',
                                  'rmsce', 'reliability', 'resolution',
                                  'uncertainty', 'wbv', 'wbc')])
                for b in bins:
                    binrows.append([name, target, weighted, B] +
                                   [str(b[0])] + [fmt(v) for v in b[1:]])
                # scikit-learn cross-checks of this reference
                if target == 'bool':
                    sw = ww if weighted == 't' else None
                    assert abs(brier_score_loss(yy, p, sample_weight=sw)
                               - out['brier']) < 1e-13
                    inner = (p > 0) & (p < 1)
                    if inner.all() and (ww > 0).all():
                        ll = log_loss(yy, p, sample_weight=sw, labels=[0, 1])
                        assert abs(ll - out['logloss']) < 1e-12, (ll, out)
                    if weighted == 'f':
                        pt, pp = calibration_curve(yy, p, n_bins=B,
                                                   strategy='uniform')
                        ours_pp = np.array([b[4] for b in bins])
                        ours_pt = np.array([b[5] for b in bins])
                        if (len(pp) == len(ours_pp)
                                and np.allclose(pp, ours_pp, atol=1e-12)
                                and np.allclose(pt, ours_pt, atol=1e-12)):
                            pass
                        else:
                            sk = np.searchsorted(
                                np.linspace(0, 1, B + 1)[1:-1], p, 'left')
                            moved = int((sk != bin_index(p, B)).sum())
                            notes.append('%s B=%d: calibration_curve differs '
                                         '(%d rows on a linspace edge one ulp '
                                         'from k/B)' % (name, B, moved))
                            assert moved > 0

# ---------- K-class ----------

krows, kexp = [], []
for name, K, nrow in (('k3', 3, 300), ('k5', 5, 200)):
    P = rng.dirichlet(np.ones(K) * 0.7, nrow)
    # a few exact ties for the argmax (ties go to the lowest index)
    P[0] = [0.4, 0.4, 0.2] + [0.0] * (K - 3)
    P[1] = [0.25, 0.25, 0.25, 0.25, 0.0][:K] if K == 5 else [1 / 3, 1 / 3, 1 / 3]
    P[2] = np.eye(K)[K - 1]
    lab = np.array([min(K - 1, int(np.sum(rng.uniform() > np.cumsum(P[i]))))
                    for i in range(nrow)])
    lab[0], lab[1], lab[2] = 1, 0, K - 1
    for i in range(nrow):
        krows.append([name, i + 1,
                      '{' + ','.join(fmt(v) for v in P[i]) + '}', lab[i]])
    onehot = np.eye(K)[lab]
    brier_multi = np.mean(np.sum((P - onehot) ** 2, axis=1))
    conf = P.max(axis=1)
    correct = (P.argmax(axis=1) == lab).astype(float)
    for B in (1, 10, 15):
        out, _ = measures(conf, correct, np.ones(nrow), B)
        kexp.append([name, B, nrow, fmt(brier_multi), fmt(out['ece']),
                     fmt(out['mce']), fmt(out['brier']), fmt(out['logloss'])])


def write(fname, header, data):
    with open(os.path.join(HERE, fname), 'w', newline='') as f:
        wr = csv.writer(f, lineterminator='\n')
        wr.writerow(header)
        wr.writerows(data)


write('rows.csv', ['set', 'i', 'p', 'y', 'ys', 'w'], rows)
write('expected.csv', ['set', 'target', 'weighted', 'nbins', 'n', 'brier',
                       'logloss', 'ece', 'mce', 'rmsce', 'reliability',
                       'resolution', 'uncertainty', 'wbv', 'wbc'], expected)
write('bins.csv', ['set', 'target', 'weighted', 'nbins', 'bin', 'lower',
                   'upper', 'n', 'mean_p', 'mean_y'], binrows)
write('kclass.csv', ['set', 'i', 'probs', 'label'], krows)
write('kclass_expected.csv', ['set', 'nbins', 'n', 'brier_multi', 'ece_top',
                              'mce_top', 'brier_top', 'logloss_top'], kexp)
for s in notes:
    print('note:', s, file=sys.stderr)
print('rows %d, expected %d, bins %d, kclass %d, kclass_expected %d'
      % (len(rows), len(expected), len(binrows), len(krows), len(kexp)))
