#!/usr/bin/python3
# test/ref/study/t_quantile.py: reference values of Student's t quantile
# for the replicated study's intervals across replicates
# (simstudy.t_quantile(level, df) in doc/study/sim/00_setup.sql): the t
# with P(|T| <= t) = level, i.e. t.ppf((1 + level) / 2, df): scipy's
# t.ppf (stdtrit) is only good to about 1e-9 relative, so each value is
# refined by root-finding on scipy's distribution function (stdtr).
# Writes t_quantile.csv (level, df, t) next to this script.
#   /usr/bin/python3 test/ref/study/t_quantile.py
import os
from scipy import optimize, stats

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "t_quantile.csv"), "w") as f:
    f.write("level,df,t\n")
    for level in (0.5, 0.9, 0.95, 0.99):
        for df in (1, 2, 3, 4, 5, 6, 7, 9, 10, 19, 29, 49, 99, 199, 999):
            q = (1 + level) / 2
            t0 = float(stats.t.ppf(q, df))
            t = optimize.brentq(lambda x: stats.t.cdf(x, df) - q, t0 * (1 - 1e-6), t0 * (1 + 1e-6),
                                xtol=1e-15, rtol=1e-15)
            f.write("%r,%d,%r\n" % (level, df, float(t)))
