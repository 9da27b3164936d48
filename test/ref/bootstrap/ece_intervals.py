#!/usr/bin/env python3
"""ECE intervals on independent rows: percentile, basic and bias-corrected.

Why do nominal 95% percentile intervals of the binned ECE cover the truth
less often than 95% (coverage.txt)?  For the two models of coverage.py on
independent rows (its data, truth, generator and replicate count), this
reports the bias of the sample ECE (mean over data sets minus the truth)
and the coverage of three interval types built from the same replicates:
percentile (calibration_ci's), basic (2 estimate - the percentile bounds,
which removes a bias the replicates share with the estimate) and
bias-corrected percentile (Efron's BC).  doc/uncertainty.md cites it.

Writes ece_intervals.txt beside this script (with 300 data sets or more).
Deterministic (fixed seeds).
Run: /usr/bin/python3 test/ref/bootstrap/ece_intervals.py [DATASETS]
(default 300; about 8 minutes on a loaded core).
"""
import os
import sys

import numpy as np
from scipy.stats import norm

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import coverage as C  # noqa: E402
from bootstrap_ref import weights  # noqa: E402

D = int(sys.argv[1]) if len(sys.argv) > 1 else 300


def main():
    lines = []
    for model in ("shifted", "crossing"):
        te, _ = C.truth(0.0, model)
        rng = np.random.default_rng(1000)
        hits = {"percentile": 0, "basic": 0, "bc": 0}
        est = []
        for d in range(D):
            p = C.draw_p(rng, C.N)
            y = (rng.random(C.N) < 1 / (1 + np.exp(-C.logit_true(p, model)))).astype(float)
            K = weights(["r%d" % i for i in range(C.N)], d, C.B).astype(float)
            e, _ = C.stats_of(p, y, K)
            e0, _ = C.stats_of(p, y, np.ones((C.N, 1)))
            e0 = e0[0]
            est.append(e0)
            lo, hi = np.quantile(e, [0.025, 0.975])
            hits["percentile"] += lo <= te <= hi
            hits["basic"] += 2 * e0 - hi <= te <= 2 * e0 - lo
            z0 = norm.ppf(np.clip((e < e0).mean(), 1e-6, 1 - 1e-6))
            ql, qh = norm.cdf(2 * z0 - 1.96), norm.cdf(2 * z0 + 1.96)
            lo2, hi2 = np.quantile(e, [ql, qh])
            hits["bc"] += lo2 <= te <= hi2
        lines.append("%s truth %r mean sample ECE %r bias %r %r" % (
            model, te, np.mean(est), np.mean(est) - te,
            {k: round(100 * v / D, 1) for k, v in hits.items()}))
    text = "%d data sets per model, independent rows (coverage.py's design)\n" % D + \
        "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if D >= 300:
        with open(os.path.join(HERE, "ece_intervals.txt"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
