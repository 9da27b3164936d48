#!/usr/bin/python3
"""Bayes-optimal ceiling for classify_preference_consistency (independent reference).

Reads responses exported from prefcal's simulate_annotations() (CSV with a
header: annotator,item_a,item_b,domain,a_shown_first,framing,chose_a,
true_type,true_p) and, for every (annotator, item_a, item_b) group, evaluates
the likelihood of the responses under each latent type of the simulator's
generative model (doc/annotation.md, "The simulator") with the TRUE
parameters, including the group's true_p = sigmoid(u_a - u_b) (an oracle:
the ceiling is an upper bound on what any classifier could reach from the
responses alone).  Latent directions are summed out exactly:

  genuine:              d ~ Bernoulli(true_p); every response follows d
                        with probability s
  non_attitude:         every response picks the first-shown item with
                        probability 1/2 + bias[domain]
  constructed_position: every response picks the first-shown item w.p. s
  constructed_framing:  d1 ~ Bernoulli(1/2); under framing f the direction
                        is d1 (f odd) or not d1 (f even); each response
                        follows it w.p. s

Prior weights are the true mixture: p_genuine, p_non_attitude,
p_constructed * framing_share (framing; 0 when framings = 1) and
p_constructed * (1 - framing_share) (position).  The MAP over the three
reported classes (constructed = position + framing) is the Bayes-optimal
label; its accuracy against the true types is the ceiling.

It also re-implements prefcal's own classifier (doc/annotation.md, "The
classifier") from its documented formulas, to cross-check the C code
(--prefcal-check) and to tune priors offline (--grid).

Usage:
  bayes_optimal.py ceiling  ROWS.csv --s 0.8 --pg .6 --pn .2 --pc .2
        --fs .5 --bias code=0.1,creative_writing=0.1 --framings 2
  bayes_optimal.py prefcal  ROWS.csv GROUPS.csv   # cross-check the C output
"""
import argparse
import csv
import sys

import numpy as np
from scipy.special import betaln, logsumexp

CLASSES = ["genuine", "non_attitude", "constructed"]
TRUE_TO_CLASS = {"genuine": "genuine", "non_attitude": "non_attitude",
                 "constructed_position": "constructed",
                 "constructed_framing": "constructed"}


def read_groups(path):
    """(annotator,item_a,item_b) -> dict with arrays and truth"""
    groups = {}
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            key = (int(r["annotator"]), int(r["item_a"]), int(r["item_b"]))
            g = groups.get(key)
            if g is None:
                g = groups[key] = {"domain": r["domain"], "true_type": r["true_type"],
                                   "true_p": float(r["true_p"]), "a_first": [],
                                   "framing": [], "chose_a": []}
            g["a_first"].append(r["a_shown_first"] in ("t", "true", "True", "1"))
            g["framing"].append(int(r["framing"]))
            g["chose_a"].append(r["chose_a"] in ("t", "true", "True", "1"))
    for g in groups.values():
        for k in ("a_first", "framing", "chose_a"):
            g[k] = np.array(g[k])
    return groups


def loglik_types(g, s, bias, framings):
    """log P(responses | type) for the four simulator types"""
    ca = g["chose_a"]
    af = g["a_first"]
    cf = ca == af                      # chose the first-shown item
    n = len(ca)
    na = int(ca.sum())
    ls, l1s = np.log(s) if s > 0 else -np.inf, np.log1p(-s) if s < 1 else -np.inf

    def follow(agree):                  # log prod s^agree (1-s)^(1-agree)
        k = int(agree.sum())
        out = 0.0
        if k:
            out += k * ls
        if n - k:
            out += (n - k) * l1s
        return out

    tp = g["true_p"]
    gen = logsumexp([np.log(tp) + follow(ca) if tp > 0 else -np.inf,
                     np.log1p(-tp) + follow(~ca) if tp < 1 else -np.inf])
    b = bias[g["domain"]]
    pf = 0.5 + b
    kf = int(cf.sum())
    non = (kf * np.log(pf) if kf else 0.0) + ((n - kf) * np.log1p(-pf) if n - kf else 0.0)
    pos = follow(cf)
    if framings > 1:
        d1 = (g["framing"] % 2 == 1)    # direction "a" under odd framings when d1 = a
        fra = logsumexp([follow(ca == d1), follow(ca != d1)]) + np.log(0.5)
    else:
        fra = -np.inf
    del na
    return gen, non, pos, fra


def bayes_labels(groups, s, pg, pn, pc, fs, bias, framings):
    w_fra = pc * fs if framings > 1 else 0.0
    w_pos = pc - w_fra
    out = {}
    for key, g in groups.items():
        gen, non, pos, fra = loglik_types(g, s, bias, framings)
        lg = gen + np.log(pg) if pg > 0 else -np.inf
        ln = non + np.log(pn) if pn > 0 else -np.inf
        terms = []
        if w_pos > 0:
            terms.append(pos + np.log(w_pos))
        if w_fra > 0:
            terms.append(fra + np.log(w_fra))
        lc = logsumexp(terms) if terms else -np.inf
        post = np.array([lg, ln, lc])
        out[key] = CLASSES[int(np.argmax(post))]
    return out


# ---- prefcal's classifier, from doc/annotation.md ----

def prefcal_posterior(k, m, A, B, a, prior=(1 / 3, 1 / 3, 1 / 3)):
    """k, m: per-condition counts (first item, second item)"""
    k = np.asarray(k, float)
    m = np.asarray(m, float)

    def logD(kk, mm):
        return np.logaddexp(betaln(kk + A, mm + B), betaln(kk + B, mm + A)) - betaln(A, B) - np.log(2)

    lg = logD(k.sum(), m.sum())
    ln = float(np.sum(betaln(k + a, m + a) - betaln(a, a)))
    lc = float(np.sum(logD(k, m)))
    lp = np.array([lg, ln, lc]) + np.log(prior)
    post = np.exp(lp - logsumexp(lp))
    return np.array([lg, ln, lc]), post


def prefcal_label(n, nconds, post, threshold=0.4):
    best = int(np.argmax(post))
    if n < 2:
        return "insufficient"
    if nconds < 2 and best != 1:
        return "insufficient"
    if post[best] < threshold:
        return "insufficient"
    return CLASSES[best]


def group_counts(g):
    conds = {}
    for a_first, f, c in zip(g["a_first"], g["framing"], g["chose_a"]):
        key = (bool(a_first), int(f))
        kk, mm = conds.get(key, (0, 0))
        conds[key] = (kk + int(c), mm + int(not c))
    k = [v[0] for v in conds.values()]
    m = [v[1] for v in conds.values()]
    return k, m


def parse_bias(text):
    out = {}
    for part in text.split(","):
        name, val = part.split("=")
        out[name] = float(val)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["ceiling", "prefcal", "grid"])
    ap.add_argument("rows")
    ap.add_argument("groups", nargs="?")
    ap.add_argument("--s", type=float)
    ap.add_argument("--pg", type=float)
    ap.add_argument("--pn", type=float)
    ap.add_argument("--pc", type=float)
    ap.add_argument("--fs", type=float, default=0.5)
    ap.add_argument("--bias", type=str)
    ap.add_argument("--framings", type=int, default=2)
    ap.add_argument("--A", type=float, default=4.0)
    ap.add_argument("--B", type=float, default=0.75)
    ap.add_argument("--a", type=float, default=50.0)
    args = ap.parse_args()
    groups = read_groups(args.rows)
    truth = {k: TRUE_TO_CLASS[g["true_type"]] for k, g in groups.items()}

    if args.mode == "ceiling":
        lab = bayes_labels(groups, args.s, args.pg, args.pn, args.pc, args.fs,
                           parse_bias(args.bias), args.framings)
        acc = np.mean([lab[k] == truth[k] for k in groups])
        print(f"{acc:.6f} {len(groups)}")
    elif args.mode == "grid":
        counts = {k: group_counts(g) for k, g in groups.items()}
        for A in (2, 3, 4, 6, 8):
            for B in (0.5, 1.0, 1.5, 2):
                for a in (3, 6, 10, 20, 50):
                    acc = []
                    acc2 = []
                    for k, g in groups.items():
                        kk, mm = counts[k]
                        _, post = prefcal_posterior(kk, mm, A, B, a)
                        acc.append(prefcal_label(len(g["chose_a"]), len(kk), post) == truth[k])
                        acc2.append(CLASSES[int(np.argmax(post))] == truth[k])
                    print(A, B, a, f"{np.mean(acc):.4f} {np.mean(acc2):.4f}", flush=True)
    else:
        # cross-check prefcal's C output: GROUPS.csv has annotator,item_a,item_b,
        # label,p_genuine,p_non_attitude,p_constructed
        worst = 0.0
        bad = 0
        with open(args.groups, newline="") as fh:
            rows = list(csv.DictReader(fh))
        for r in rows:
            key = (int(r["annotator"]), int(r["item_a"]), int(r["item_b"]))
            g = groups[key]
            kk, mm = group_counts(g)
            _, post = prefcal_posterior(kk, mm, args.A, args.B, args.a)
            got = np.array([float(r["p_genuine"]), float(r["p_non_attitude"]), float(r["p_constructed"])])
            worst = max(worst, float(np.max(np.abs(got - post))))
            if prefcal_label(len(g["chose_a"]), len(kk), post) != r["label"]:
                bad += 1
        print(f"groups {len(rows)} max_abs_posterior_diff {worst:.3e} label_mismatches {bad}")
        sys.exit(0 if worst < 1e-9 and bad == 0 else 1)


if __name__ == "__main__":
    main()
