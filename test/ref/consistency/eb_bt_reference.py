#!/usr/bin/python3
"""Independent numpy check of classify_preference_consistency with a
Bradley-Terry direction prior (doc/annotation.md, "A per-pair direction
prior from Bradley-Terry").

Input: the preference_consistency_prior_model prefcal fitted (text form, PRIOR.txt) and
one CSV row per (annotator, pair) group (GROUPS.csv, exported by
make_accuracy.sh) with columns
  item_a, item_b, state (preference_consistency_state text),
  p_genuine0 (classify_preference_consistency(state, prior)),
  direction  (preference_consistency_direction(state, prior)),
  direction_p (bt_predict of the BT model fitted on the direction votes),
  p_genuine, p_non_attitude, p_constructed
             (classify_preference_consistency(state, prior, 0, direction_p)).

Checks, each against numpy re-implementations of the documented formulas:
  1. direction: 1 / (1 + ((1 - q)/q)^(K - M));
  2. p_genuine0: the posterior under the prior's own rho;
  3. direction_p: a numpy Newton fit of the Bradley-Terry model with an
     L2 prior LAMBDA/2 * sum s^2 on the soft votes (item_a beats item_b
     with weight p_genuine0 * direction, item_b beats item_a with weight
     p_genuine0 * (1 - direction)), built from numpy's own values of 1 and
     2, predicting sigmoid(s_a - s_b);
  4. the posteriors under prefcal's direction_p (rho replaced by it, all
     else the fitted prior's);
  5. the posteriors under numpy's own direction_p (the whole chain).

  eb_bt_reference.py PRIOR.txt GROUPS.csv [LAMBDA]     (LAMBDA default 0.5)

Prints the largest absolute difference of each; exit status 0 when 1, 2
and 4 agree to 1e-12 and 3 and 5 to 1e-8 (the BT fit stops at a gradient
tolerance, so its last digits are the solver's).
"""
import csv
import sys

import numpy as np

from eb_reference import parse_prior, parse_state, posterior


def prior_params(text):
    """The fitted prior as the dict posterior() takes, from its exact text."""
    c = parse_prior(text)
    F = dict(conds=[n for n, _ in c["conds"]],
             w=np.array([c["genuine"], c["non_attitude"], c["constructed"]]),
             rho=c["rho"], q=c["q"], r=np.array([v for _, v in c["conds"]]),
             pi=np.array([v for _, v in c["patterns"]]))
    C = len(F["conds"])
    if C <= 10:
        F["D"] = np.array([[float(ch) for ch in pat] for pat, _ in c["patterns"]]).reshape(-1, C)
    else:
        F["D"] = None
    return F


def direction(F, s):
    K = sum(k for k, _ in s.values())
    M = sum(m for _, m in s.values())
    if K + M == 0:
        return None
    if K == M or F["q"] == 0.5:
        return 0.5
    with np.errstate(divide="ignore", over="ignore"):
        return 1.0 / (1.0 + np.exp(-(K - M) * (np.log(F["q"]) - np.log1p(-F["q"]))))


def bt_fit(votes, lam):
    """votes: (winner, loser, weight); Newton on -loglik + lam/2 |s|^2."""
    items = sorted({v[0] for v in votes} | {v[1] for v in votes})
    ix = {it: i for i, it in enumerate(items)}
    n = len(items)
    W = np.zeros((n, n))
    for a, b, w in votes:
        W[ix[a], ix[b]] += w
    N = W + W.T
    s = np.zeros(n)
    for _ in range(200):
        P = 1.0 / (1.0 + np.exp(-(s[:, None] - s[None, :])))
        grad = -(W - N * P).sum(1) + lam * s
        V = N * P * (1 - P)
        H = -V
        H[np.diag_indices(n)] = V.sum(1) + lam
        step = np.linalg.solve(H, grad)
        s -= step
        if np.abs(step).max() < 1e-15:
            break
    return {it: s[ix[it]] for it in items}


def main():
    F = prior_params(open(sys.argv[1]).read().strip())
    with open(sys.argv[2], newline="") as fh:
        rows = list(csv.DictReader(fh))
    lam = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
    states = [parse_state(r["state"]) for r in rows]
    worst = dict(direction=0.0, p_genuine0=0.0, direction_p=0.0, posterior=0.0, chain=0.0)
    votes = []
    mine = []
    for r, s in zip(rows, states):
        d = direction(F, s)
        pg = posterior(F, s)[0]
        worst["direction"] = max(worst["direction"], abs(d - float(r["direction"])))
        worst["p_genuine0"] = max(worst["p_genuine0"], abs(pg - float(r["p_genuine0"])))
        for a, b, w in ((r["item_a"], r["item_b"], pg * d), (r["item_b"], r["item_a"], pg * (1 - d))):
            if w > 0:
                votes.append((a, b, w))
    score = bt_fit(votes, lam)
    for r, s in zip(rows, states):
        dp = 1.0 / (1.0 + np.exp(-(score[r["item_a"]] - score[r["item_b"]])))
        worst["direction_p"] = max(worst["direction_p"], abs(dp - float(r["direction_p"])))
        got = np.array([float(r[k]) for k in ("p_genuine", "p_non_attitude", "p_constructed")])
        Fc = dict(F, rho=float(r["direction_p"]))
        worst["posterior"] = max(worst["posterior"], float(np.abs(got - posterior(Fc, s)).max()))
        Fn = dict(F, rho=dp)
        worst["chain"] = max(worst["chain"], float(np.abs(got - posterior(Fn, s)).max()))
        mine.append(dp)
    print("groups %d items %d; max abs diff: %s" % (
        len(rows), len(score), " ".join("%s=%.2e" % kv for kv in worst.items())))
    ok = (worst["direction"] < 1e-12 and worst["p_genuine0"] < 1e-12 and worst["posterior"] < 1e-12
          and worst["direction_p"] < 1e-8 and worst["chain"] < 1e-8)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
