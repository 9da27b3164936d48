-- pav: the sorted calibration state (pav_state) and what is read from it:
-- isotonic recalibration against scikit-learn, the CORP decomposition,
-- equal-mass and debiased ECE against numpy (test/ref/pav/pav_ref.py),
-- merge laws, parallel plans, grid mode, NULLs, text I/O and errors.
SET extra_float_digits = 0;
CREATE FUNCTION pg_temp.close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a = b OR abs(a - b) <= 1e-12 $$;
CREATE TEMP TABLE pts (set text, p float8, y float8, w float8);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/pav/points.csv'
\set cmd '\\copy pts FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE iso (set text, x float8, fitted float8);
\set f :abs_srcdir '/test/ref/pav/isotonic.csv'
\set cmd '\\copy iso FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE met (set text, nbins int, score float8, mcb float8, dsc float8,
                       unc float8, ece_em float8, dsq_ece float8);
\set f :abs_srcdir '/test/ref/pav/metrics.csv'
\set cmd '\\copy met FROM ' :'f' ' CSV HEADER'
:cmd
SELECT set, count(*) AS rows, count(DISTINCT p) AS distinct_p FROM pts GROUP BY set ORDER BY set;

-- 1. isotonic_scaling = scikit-learn IsotonicRegression(out_of_bounds='clip')
--    at every distinct p, between them and outside the fitted range
CREATE TEMP TABLE st AS
SELECT set, pav_state_agg(p, y, w) AS s, isotonic_scaling(p, y, w) AS r FROM pts GROUP BY set;
SELECT set, count(*) AS queries, bool_and(pg_temp.close(recalibrate(r, x), fitted)) AS isotonic_ok
FROM iso JOIN st USING (set) GROUP BY set ORDER BY set;
-- the state's fit is the aggregate's; non-decreasing; info
SELECT set, pav_isotonic(s)::text = r::text AS same_fit,
       recal_info(r)->>'method' AS method, (recal_info(r)->>'rows')::int AS rows,
       pg_temp.close((recal_info(r)->>'brier')::float8, (SELECT (pav_corp(s)).score - (pav_corp(s)).mcb)) AS brier_is_corp_rc
FROM st WHERE set NOT LIKE 'soft%' ORDER BY set;
SELECT bool_and(f2 >= f1) AS non_decreasing FROM (
  SELECT recalibrate(r, x / 1000.0) AS f1, recalibrate(r, (x + 1) / 1000.0) AS f2
  FROM st, generate_series(0, 999) x) d;

-- 2. CORP: each term equals the numpy reference, score = mcb - dsc + unc;
--    equal-mass ECE and debiased squared ECE equal the reference
SELECT set, nbins,
       pg_temp.close(c.score, m.score) AND pg_temp.close(c.mcb, m.mcb)
         AND pg_temp.close(c.dsc, m.dsc) AND pg_temp.close(c.unc, m.unc) AS corp_ok,
       abs(c.score - (c.mcb - c.dsc + c.unc)) <= 1e-12 AS identity_ok,
       pg_temp.close(pav_equal_mass_ece(s, nbins), m.ece_em) AS ece_em_ok,
       pg_temp.close(pav_debiased_squared_ece(s, nbins), m.dsq_ece) AS dsq_ok
FROM met m JOIN st USING (set), LATERAL pav_corp(s) c ORDER BY set, nbins;
-- the aggregate gives the accessor's terms
SELECT corp_decomposition(p, y, w) = pav_corp(pav_state_agg(p, y, w)) AS corp_agg_ok
FROM pts WHERE set = 'binary';
-- default bin count is 15
SELECT pav_equal_mass_ece(s) = pav_equal_mass_ece(s, 15) AND pav_debiased_squared_ece(s) = pav_debiased_squared_ece(s, 15) AS default_15
FROM st WHERE set = 'binary';

-- 3. boolean outcomes are the same as 0/1 targets; unweighted = weight 1
SELECT pav_state_agg(p, y = 1)::text = pav_state_agg(p, y)::text AS bool_eq_float,
       pav_state_agg(p, y)::text = pav_state_agg(p, y, 1.0)::text AS unweighted_eq,
       isotonic_scaling(p, y = 1)::text = isotonic_scaling(p, y)::text AS iso_bool_eq
FROM pts WHERE set = 'binary';

-- 4. merged states = the union: parts merged in any order
CREATE TEMP TABLE parts AS
SELECT set, k, pav_state_agg(p, y, w) AS s
FROM (SELECT *, row_number() OVER () % 3 AS k FROM pts) d GROUP BY set, k;
SELECT m.set,
       pav_isotonic(m.s)::text = pav_isotonic(st.s)::text OR
         (SELECT bool_and(pg_temp.close(recalibrate(pav_isotonic(m.s), x), recalibrate(st.r, x))) FROM iso WHERE iso.set = m.set) AS iso_ok,
       pg_temp.close((pav_corp(m.s)).score, (pav_corp(st.s)).score)
         AND pg_temp.close((pav_corp(m.s)).mcb, (pav_corp(st.s)).mcb)
         AND pg_temp.close((pav_corp(m.s)).dsc, (pav_corp(st.s)).dsc) AS corp_ok,
       pg_temp.close(pav_equal_mass_ece(m.s, 10), pav_equal_mass_ece(st.s, 10)) AS ece_ok,
       pav_info(m.s) = pav_info(st.s) OR m.set LIKE '%weighted' OR m.set = 'all_one' AS info_eq
FROM (SELECT set, pav_state_merge(s ORDER BY k DESC) AS s FROM parts GROUP BY set) m JOIN st USING (set)
ORDER BY m.set;
-- with integer weights the sums are exact: the merged state is the state
SELECT (SELECT pav_state_merge(s) FROM parts WHERE set = 'binary')::text = s::text AS merged_text_eq
FROM st WHERE set = 'binary';
-- a NULL state is the identity of pav_state_merge
SELECT pav_state_merge(s)::text = (SELECT s::text FROM st WHERE set = 'anti') AS null_identity
FROM (SELECT s FROM st WHERE set = 'anti' UNION ALL SELECT NULL::pav_state) d;

-- 5. text form: JSON-shaped, round trips exactly, readable as jsonb
SELECT s::text::pav_state::text = s::text AS text_roundtrip, (s::text::jsonb)->>'version' AS version
FROM st WHERE set = 'ties_weighted';
SELECT r::text::recal_model::text = r::text AS recal_roundtrip FROM st ORDER BY set;
SELECT pav_state_agg(p, y) FROM (VALUES (0.25, true), (0.5, false), (0.25, false), (0.125, true)) v(p, y);
SELECT isotonic_scaling(p, y) FROM (VALUES (0.25, true), (0.5, false), (0.25, false), (0.125, true)) v(p, y);
SELECT pav_info(pav_state_agg(p, y)) FROM (VALUES (0.25, true), (0.5, false), (0.25, false), (0.125, true)) v(p, y);

-- 6. parallel plan = serial
CREATE TABLE pav_par AS
SELECT i, (i::bigint * 7919 % 10007) / 10007.0::float8 AS p,
       (i::bigint * 104729 % 10007) / 10007.0 < (i::bigint * 7919 % 10007) / 10007.0 * 0.9 AS y,
       1 + (i % 4) / 2.0::float8 AS w
FROM generate_series(1, 60000) i;
ALTER TABLE pav_par SET (parallel_workers = 2);
ANALYZE pav_par;
CREATE TEMP TABLE serial AS
SELECT pav_state_agg(p, y, w) AS s, isotonic_scaling(p, y) AS r, corp_decomposition(p, y) AS c FROM pav_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT pav_state_agg(p, y, w), isotonic_scaling(p, y), corp_decomposition(p, y) FROM pav_par;
CREATE TEMP TABLE par AS
SELECT pav_state_agg(p, y, w) AS s, isotonic_scaling(p, y) AS r, corp_decomposition(p, y) AS c FROM pav_par;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT p.s::text = s.s::text AS state_eq, p.r::text = s.r::text AS fit_eq,
       pg_temp.close((p.c).score, (s.c).score) AND pg_temp.close((p.c).mcb, (s.c).mcb)
         AND pg_temp.close((p.c).dsc, (s.c).dsc) AND pg_temp.close((p.c).unc, (s.c).unc) AS corp_eq
FROM par p, serial s;
DROP TABLE pav_par;

-- 7. NULLs, weight 0, empty input
SELECT pav_state_agg(p, y) IS NULL AS empty_null, isotonic_scaling(p, y) IS NULL AS iso_null,
       corp_decomposition(p, y) IS NULL AS corp_null
FROM (VALUES (NULL::float8, true), (0.5, NULL::boolean)) v(p, y);
SELECT pav_state_agg(p, y, w)::text FROM (VALUES (0.5, true, 0.0), (0.25, false, 2.0), (0.75, true, NULL)) v(p, y, w);
SELECT pav_state_agg(p, y) FROM pts WHERE false;

-- 8. grid mode: past 2^20 distinct predictions every p is rounded to a
--    multiple of 2^-19; the result is the exact one for the rounded p
CREATE TEMP TABLE grid AS
SELECT pav_state_agg(p, y) AS s, pav_state_agg(round(p * 524288) / 524288, y) AS rounded
FROM (SELECT i / 1050000.0::float8 AS p, (i * 7 % 10) < 4 + 3 * i / 1050000 AS y
      FROM generate_series(0, 1050000) i) d;
SELECT pav_info(s)->>'grid' AS grid, (pav_info(s)->>'distinct_p')::int AS distinct_p,
       pav_info(rounded)->>'grid' AS rounded_grid,
       pav_corp(s) = pav_corp(rounded) AS corp_as_rounded,
       pav_isotonic(s)::text = pav_isotonic(rounded)::text AS fit_as_rounded,
       pav_equal_mass_ece(s) = pav_equal_mass_ece(rounded) AS ece_as_rounded
FROM grid;
-- a merge that goes past the limit goes to grid mode too: the 524289
-- grid points of "rounded" and 524288 points between them
SELECT pav_info(m)->>'grid' AS merged_grid, pav_info(m)->>'rows' AS rows,
       pav_info(m)->>'distinct_p' AS distinct_p, pav_info(m)->>'weight' AS weight
FROM (SELECT pav_state_merge(h) AS m
      FROM (SELECT rounded FROM grid
            UNION ALL
            SELECT pav_state_agg((i + 0.25) / 524288, i % 3 = 0) FROM generate_series(0, 524287) i) d(h)) m;
DROP TABLE grid;
-- the bounds doc/calibration.md states for grid mode: 1,100,000 distinct
-- predictions gridded, against the exact values of the same rows
-- (test/ref/pav/grid_ref.py); m is the largest weight share of one point
CREATE TEMP TABLE gref (quantity text, value float8);
\set f :abs_srcdir '/test/ref/pav/grid.csv'
\set cmd '\\copy gref FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE gb AS
SELECT pav_state_agg(p, (b - floor(b)) < p * p, 1 + i % 3) AS s
FROM (SELECT i, i * 0.6180339887498949::float8 - floor(i * 0.6180339887498949::float8) AS p,
             i * 0.7548776662466927::float8 AS b
      FROM generate_series(1, 1100000) i) d;
WITH r AS (SELECT max(value) FILTER (WHERE quantity = 'score') AS score,
                  max(value) FILTER (WHERE quantity = 'mcb') AS mcb,
                  max(value) FILTER (WHERE quantity = 'dsc') AS dsc,
                  max(value) FILTER (WHERE quantity = 'unc') AS unc,
                  max(value) FILTER (WHERE quantity = 'ece_em') AS ece_em,
                  max(value) FILTER (WHERE quantity = 'dsq_ece') AS dsq_ece FROM gref),
g AS (SELECT (pav_corp(s)).*, pav_equal_mass_ece(s, 15) AS ece_em, pav_debiased_squared_ece(s, 15) AS dsq_ece,
             (pav_info(s)->>'max_point_share')::float8 AS m, pav_info(s)->>'grid' AS grid FROM gb)
SELECT g.grid, g.m < 1e-5 AS m_small,
       abs(g.score - r.score) <= 2.0 ^ -19 AS score_ok,
       abs(g.unc - r.unc) <= 1e-12 AS unc_ok,
       abs(g.mcb - r.mcb) <= 2.0 ^ -19 + 2 * g.m AS mcb_ok,
       g.dsc - r.dsc BETWEEN -2 * g.m - 1e-12 AND 1e-12 AS dsc_ok,
       g.dsc <> r.dsc AS dsc_moved,
       abs(g.ece_em - r.ece_em) <= 2.0 ^ -20 + 2 * 14 * g.m AS ece_em_ok,
       abs(g.dsq_ece - r.dsq_ece) <= 2.0 ^ -19 + 2.0 ^ -40 + 9 * 14 * g.m AS dsq_ece_ok
FROM g, r;
DROP TABLE gb;
SELECT '{"version": 1, "grid": true, "rows": 3, "points": [[0.5, 2, 1, 1], [0.75, 1, 0.5, 0.25]]}'::pav_state AS grid_text;

-- 9. errors
SELECT pav_state_agg(p, y) FROM (VALUES (1.5, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT pav_state_agg(p, y) FROM (VALUES ('NaN'::float8, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT pav_state_agg(p, y) FROM (VALUES (0.5, 1.5::float8)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT pav_state_agg(p, y, w) FROM (VALUES (0.5, true, -1.0)) v(p, y, w);
\echo :LAST_ERROR_SQLSTATE
SELECT pav_state_agg(p, y, w) FROM (VALUES (0.5, true, 'Infinity'::float8)) v(p, y, w);
\echo :LAST_ERROR_SQLSTATE
SELECT pav_state_agg(p, y, w) FROM (VALUES (0.5, true, 1e308), (0.5, true, 1e308)) v(p, y, w);
\echo :LAST_ERROR_SQLSTATE
SELECT pav_equal_mass_ece(s, 0) FROM st WHERE set = 'binary';
\echo :LAST_ERROR_SQLSTATE
SELECT pav_debiased_squared_ece(s, 10001) FROM st WHERE set = 'binary';
\echo :LAST_ERROR_SQLSTATE
SELECT recalibrate(r, 1.5) FROM st WHERE set = 'binary';
\echo :LAST_ERROR_SQLSTATE
SELECT pav_state_agg_trans(NULL::pav_state, 0.5, true);
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 2, "grid": false, "rows": 1, "points": [[0.5, 1, 1, 1]]}'::pav_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "grid": false, "rows": 2, "points": [[0.5, 1, 1, 1], [0.25, 1, 0, 0]]}'::pav_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "grid": false, "rows": 1, "points": [[1.5, 1, 1, 1]]}'::pav_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "grid": false, "rows": 1, "points": [[0.5, 1, 0.5, 0.75]]}'::pav_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "grid": false, "rows": 1, "points": [[0.5, 0, 0, 0]]}'::pav_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "grid": false, "rows": 0, "points": [[0.5, 1, 1, 1]]}'::pav_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "grid": true, "rows": 1, "points": [[0.3, 1, 1, 1]]}'::pav_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "grid": false, "rows": 1, "points": [[0.5, 1, 1, 1]], "x": 1}'::pav_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "method": "isotonic", "input": "probability", "rows": 1, "weight": 1, "logloss": 0, "logloss_identity": 0, "brier": 0, "brier_identity": 0, "knots": [[0.5, 0.5], [0.25, 0.75]]}'::recal_model;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "method": "isotonic", "input": "probability", "rows": 1, "weight": 1, "logloss": 0, "logloss_identity": 0, "brier": 0, "brier_identity": 0, "knots": [[0.25, 0.75], [0.5, 0.5]]}'::recal_model;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "method": "isotonic", "input": "probability", "rows": 1, "weight": 1, "logloss": 0, "logloss_identity": 0, "brier": 0, "brier_identity": 0, "knots": []}'::recal_model;
\echo :LAST_ERROR_SQLSTATE
-- an empty state reads and gives NULL measures
SELECT '{"version": 1, "grid": false, "rows": 0, "points": []}'::pav_state AS empty,
       pav_corp('{"version": 1, "grid": false, "rows": 0, "points": []}') IS NULL AS corp_null,
       pav_isotonic('{"version": 1, "grid": false, "rows": 0, "points": []}') IS NULL AS iso_null;

-- 10. the CORP diagram
SELECT left(pav_corp_svg(s), 60) AS head, pav_corp_svg(s) LIKE '%<polyline%' AS has_curve,
       pav_corp_svg(s, 'A & B') LIKE '%<title>A &amp; B</title>%' AS escaped,
       (xpath('count(//*[local-name()=''polyline''])', pav_corp_svg(s)::xml))[1]::text AS curves
FROM st WHERE set = 'binary';

-- 11. CORP of the log loss (test/ref/pav/corp_logloss_ref.py): each term
--     equals the reference, score = mcb - dsc + unc, infinite when a row's
--     outcome had probability 0; 'brier' is the one-argument form
CREATE TEMP TABLE llref (set text, score float8, mcb float8, dsc float8, unc float8);
\set f :abs_srcdir '/test/ref/pav/corp_logloss.csv'
\set cmd '\\copy llref FROM ' :'f' ' CSV HEADER'
:cmd
SELECT set,
       pg_temp.close(c.score, r.score) AND pg_temp.close(c.mcb, r.mcb)
         AND pg_temp.close(c.dsc, r.dsc) AND pg_temp.close(c.unc, r.unc) AS corp_ok,
       c.score = 'Infinity' OR abs(c.score - (c.mcb - c.dsc + c.unc)) <= 1e-12 AS identity_ok,
       c.mcb >= 0 AND c.dsc >= 0 AS non_negative
FROM llref r JOIN st USING (set), LATERAL pav_corp(s, 'log_loss') c ORDER BY set;
SELECT (SELECT count(*) FROM llref) AS reference_sets;
SELECT bool_and(pav_corp(s, 'brier') = pav_corp(s)) AS brier_is_default FROM st;
SELECT (pav_corp(pav_state_agg(p, y), 'log_loss')).* FROM (VALUES (0.0, false), (1.0, true), (0.5, true)) v(p, y);
SELECT (pav_corp(pav_state_agg(p, y), 'log_loss')).* FROM (VALUES (0.0, true), (0.5, false)) v(p, y);
SELECT pav_corp(s, 'logloss') FROM st WHERE set = 'binary';
