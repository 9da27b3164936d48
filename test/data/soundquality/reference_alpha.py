#!/usr/bin/env python3
# test/data/soundquality/reference_alpha.py: independent reference values
# of Krippendorff's nominal alpha on the bundled SoundQuality judgments
# (numpy, coincidence matrix, Krippendorff 2011), for
# test/t/068_real_data.t.  Run from the repository root:
#   python3 test/data/soundquality/reference_alpha.py > test/data/soundquality/reference_alpha.csv
#   - within: units = (listener, pair), values = each judgment's choice;
#   - between: units = pair, values = each listener's majority choice over
#     their judgments of the pair (a tie goes to "false", as
#     majority_vote's byte order does: 'false' < 'true').
import csv
import gzip
import sys
from collections import defaultdict

import numpy as np


def nominal_alpha(units):
    """units: iterable of lists of values; only units with >= 2 values count."""
    values = sorted({v for u in units for v in u})
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for u in units:
        m = len(u)
        if m < 2:
            continue
        counts = np.zeros(len(values))
        for v in u:
            counts[index[v]] += 1
        o += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    d_o = (o.sum() - np.trace(o)) / n
    d_e = (n * n - (n_c ** 2).sum()) / (n * (n - 1))
    return 1.0 - d_o / d_e


rows = list(csv.DictReader(gzip.open("test/data/soundquality/judgments.csv.gz", "rt")))
within = defaultdict(list)
for r in rows:
    within[(r["listener"], r["item_a"], r["item_b"])].append("true" if r["chose_a"] == "t" else "false")
between = defaultdict(list)
for (listener, a, b), vals in within.items():
    t = vals.count("true")
    f = vals.count("false")
    between[(a, b)].append("true" if t > f else "false")

w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["kind", "units", "alpha"])
w.writerow(["within", len(within), "%.12f" % nominal_alpha(within.values())])
w.writerow(["between", len(between), "%.12f" % nominal_alpha(between.values())])
