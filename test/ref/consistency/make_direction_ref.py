#!/usr/bin/python3
"""Reference vectors for sql/consistency_direction.sql, made by numpy only.

  make_direction_ref.py STATES.csv PRIOR_OUT.csv REF_OUT.csv

STATES.csv (item_a, item_b, state) holds preference_consistency_state
values (text form).  This script fits the empirical-Bayes prior on them
with eb_reference.fit (numpy EM), writes it in preference_consistency_prior_model text form
(PRIOR_OUT.csv, one column "prior"), and per group writes (REF_OUT.csv):
the genuine direction from the group's own responses (direction), the
posterior p_genuine under the prior's rho (p_genuine0), the prediction
sigmoid(s_a - s_b) of a numpy Bradley-Terry fit (L2 prior 0.5) on the
soft votes p_genuine0 * direction for item_a and p_genuine0 *
(1 - direction) for item_b (direction_p), and the three posteriors with
rho replaced by that direction_p.  Numbers in shortest round-trip form.
"""
import csv
import sys

import numpy as np

from eb_reference import fit, parse_state, posterior
from eb_bt_reference import bt_fit, direction

LAMBDA = 0.5


def num(x):
    x = float(x)
    return "%d" % x if x == int(x) and abs(x) < 1e15 else repr(x)


def quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def prior_text(F):
    C = len(F["conds"])
    parts = ["v1", "groups=" + num(F["groups"]), "iterations=%d" % F["iterations"],
             "converged=%s" % ("true" if F["iterations"] < 10000 else "false"),
             "loglik=" + num(F["loglik"]),
             "genuine=" + num(F["w"][0]), "non_attitude=" + num(F["w"][1]),
             "constructed=" + num(F["w"][2]), "rho=" + num(F["rho"]), "q=" + num(F["q"]),
             "conditions=%d" % C]
    parts += ["{%s %s}" % (quote(c), num(r)) for c, r in zip(F["conds"], F["r"])]
    P = len(F["pi"])
    parts.append("patterns=%d" % P)
    for b in range(1, P + 1):
        parts.append('{"%s" %s}' % ("".join("1" if (b >> c) & 1 else "0" for c in range(C)),
                                    num(F["pi"][b - 1])))
    return " ".join(parts)


def main():
    with open(sys.argv[1], newline="") as fh:
        rows = list(csv.DictReader(fh))
    states = [parse_state(r["state"]) for r in rows]
    F = fit(states)
    with open(sys.argv[2], "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["prior"])
        w.writerow([prior_text(F)])
    votes, d, pg = [], [], []
    for r, s in zip(rows, states):
        d.append(direction(F, s))
        pg.append(posterior(F, s)[0])
        for a, b, wt in ((r["item_a"], r["item_b"], pg[-1] * d[-1]),
                         (r["item_b"], r["item_a"], pg[-1] * (1 - d[-1]))):
            if wt > 0:
                votes.append((a, b, wt))
    score = bt_fit(votes, LAMBDA)
    with open(sys.argv[3], "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["item_a", "item_b", "state", "direction", "p_genuine0", "direction_p",
                    "p_genuine", "p_non_attitude", "p_constructed"])
        for i, (r, s) in enumerate(zip(rows, states)):
            dp = 1.0 / (1.0 + np.exp(-(score[r["item_a"]] - score[r["item_b"]])))
            post = posterior(dict(F, rho=dp), s)
            w.writerow([r["item_a"], r["item_b"], r["state"], num(d[i]), num(pg[i]), num(dp)]
                       + [num(x) for x in post])


if __name__ == "__main__":
    main()
