-- calibration_ref: agreement with the reference vectors made by numpy and
-- scikit-learn (test/ref/calibration/make_vectors.py), to 1e-12.
CREATE FUNCTION pg_temp.close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a = b OR abs(a - b) <= 1e-12 * greatest(1, abs(b)) $$;

CREATE TEMP TABLE ref_rows (set text, i int, p float8, y boolean, ys float8, w float8);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/calibration/rows.csv'
\set cmd '\\copy ref_rows FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE ref_expected (set text, target text, weighted boolean, nbins int, n float8,
  brier float8, logloss float8, ece float8, mce float8, rmsce float8, reliability float8,
  resolution float8, uncertainty float8, wbv float8, wbc float8);
\set f :abs_srcdir '/test/ref/calibration/expected.csv'
\set cmd '\\copy ref_expected FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE ref_bins (set text, target text, weighted boolean, nbins int, bin int,
  lower float8, upper float8, n float8, mean_p float8, mean_y float8);
\set f :abs_srcdir '/test/ref/calibration/bins.csv'
\set cmd '\\copy ref_bins FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE ref_k (set text, i int, probs float8[], label int);
\set f :abs_srcdir '/test/ref/calibration/kclass.csv'
\set cmd '\\copy ref_k FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE ref_k_expected (set text, nbins int, n int, brier_multi float8, ece_top float8,
  mce_top float8, brier_top float8, logloss_top float8);
\set f :abs_srcdir '/test/ref/calibration/kclass_expected.csv'
\set cmd '\\copy ref_k_expected FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
SELECT (SELECT count(*) FROM ref_rows) AS rows, (SELECT count(*) FROM ref_expected) AS cases,
       (SELECT count(*) FROM ref_bins) AS bins, (SELECT count(*) FROM ref_k) AS k_rows;

-- one state per case, plus the dedicated aggregates
CREATE TEMP TABLE got AS
SELECT e.set, e.target, e.weighted, e.nbins,
  (SELECT CASE WHEN e.target = 'bool'
               THEN calibration_state_agg(r.p, r.y, e.nbins, CASE WHEN e.weighted THEN r.w ELSE 1 END)
               ELSE calibration_state_agg(r.p, r.ys, e.nbins, CASE WHEN e.weighted THEN r.w ELSE 1 END) END
   FROM ref_rows r WHERE r.set = e.set) AS s,
  (SELECT CASE WHEN e.target = 'bool'
               THEN brier_score(r.p, r.y, CASE WHEN e.weighted THEN r.w ELSE 1 END)
               ELSE brier_score(r.p, r.ys, CASE WHEN e.weighted THEN r.w ELSE 1 END) END
   FROM ref_rows r WHERE r.set = e.set) AS brier_agg,
  (SELECT CASE WHEN e.target = 'bool' THEN brier_score(r.p, r.y) ELSE brier_score(r.p, r.ys) END
   FROM ref_rows r WHERE r.set = e.set) AS brier_unweighted,
  (SELECT CASE WHEN e.target = 'bool' THEN ece_agg(r.p, r.y, e.nbins) ELSE ece_agg(r.p, r.ys, e.nbins) END
   FROM ref_rows r WHERE r.set = e.set) AS ece_unweighted,
  (SELECT CASE WHEN e.target = 'bool' THEN log_loss(r.p, r.y) ELSE log_loss(r.p, r.ys) END
   FROM ref_rows r WHERE r.set = e.set) AS logloss_unweighted
FROM ref_expected e;

SELECT m.measure, count(*) AS cases, bool_and(m.ok) AS agree_1e12
FROM ref_expected e JOIN got g USING (set, target, weighted, nbins),
LATERAL (VALUES
  ('n', pg_temp.close(calibration_n(g.s), e.n)),
  ('brier', pg_temp.close(calibration_brier(g.s), e.brier)),
  ('logloss', pg_temp.close(calibration_log_loss(g.s), e.logloss)),
  ('ece', pg_temp.close(calibration_ece(g.s), e.ece)),
  ('mce', pg_temp.close(calibration_mce(g.s), e.mce)),
  ('rmsce', pg_temp.close(calibration_rmsce(g.s), e.rmsce)),
  ('decomposition.brier', pg_temp.close((calibration_decomposition(g.s)).brier, e.brier)),
  ('decomposition.reliability', pg_temp.close((calibration_decomposition(g.s)).reliability, e.reliability)),
  ('decomposition.resolution', pg_temp.close((calibration_decomposition(g.s)).resolution, e.resolution)),
  ('decomposition.uncertainty', pg_temp.close((calibration_decomposition(g.s)).uncertainty, e.uncertainty)),
  ('decomposition.within_bin_variance', pg_temp.close((calibration_decomposition(g.s)).within_bin_variance, e.wbv)),
  ('decomposition.within_bin_covariance', pg_temp.close((calibration_decomposition(g.s)).within_bin_covariance, e.wbc)),
  ('brier_score (weighted form)', pg_temp.close(g.brier_agg, e.brier))
) m(measure, ok)
GROUP BY m.measure ORDER BY m.measure;

-- the unweighted aggregates against the unweighted cases
SELECT m.measure, count(*) AS cases, bool_and(m.ok) AS agree_1e12
FROM ref_expected e JOIN got g USING (set, target, weighted, nbins),
LATERAL (VALUES
  ('brier_score', pg_temp.close(g.brier_unweighted, e.brier)),
  ('ece_agg', pg_temp.close(g.ece_unweighted, e.ece)),
  ('log_loss', pg_temp.close(g.logloss_unweighted, e.logloss))
) m(measure, ok)
WHERE NOT e.weighted
GROUP BY m.measure ORDER BY m.measure;

-- log loss is +Infinity exactly where the reference says so
SELECT set, target, weighted, calibration_log_loss(s) AS logloss
FROM got WHERE calibration_log_loss(s) = 'Infinity' AND nbins = 2 ORDER BY 1, 2, 3;

-- the reliability table, bin by bin (the boundary set puts p = k/B and its
-- neighbouring doubles into bins)
SELECT count(*) AS bins,
       count(*) FILTER (WHERE r.bin IS NULL OR b.bin IS NULL) AS unmatched,
       bool_and(r.lower = b.lower AND r.upper = b.upper) AS edges_equal,
       bool_and(pg_temp.close(r.n, b.n) AND pg_temp.close(r.mean_p, b.mean_p)
                AND pg_temp.close(r.mean_y, b.mean_y)) AS agree_1e12
FROM (SELECT g.set, g.target, g.weighted, g.nbins, c.* FROM got g, calibration_bins(g.s) c) b
FULL JOIN ref_bins r USING (set, target, weighted, nbins, bin);

-- K classes
SELECT e.set, e.nbins,
       pg_temp.close(brier_score(k.probs, k.label), e.brier_multi) AS brier_multi,
       pg_temp.close(ece_agg(k.probs, k.label, e.nbins), e.ece_top) AS ece_top,
       pg_temp.close(calibration_ece(calibration_state_agg(k.probs, k.label, e.nbins)), e.ece_top) AS state_ece,
       pg_temp.close(calibration_mce(calibration_state_agg(k.probs, k.label, e.nbins)), e.mce_top) AS state_mce,
       pg_temp.close(calibration_brier(calibration_state_agg(k.probs, k.label, e.nbins)), e.brier_top) AS state_brier_top,
       pg_temp.close(calibration_log_loss(calibration_state_agg(k.probs, k.label, e.nbins)), e.logloss_top) AS state_logloss_top
FROM ref_k_expected e JOIN ref_k k USING (set)
GROUP BY e.set, e.nbins, e.brier_multi, e.ece_top, e.mce_top, e.brier_top, e.logloss_top
ORDER BY 1, 2;
