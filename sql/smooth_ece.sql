-- smooth_ece: calibration_smooth_ece, calibration_smooth_ece_detail and
-- smooth_ece_agg against the reference of test/ref/calibration/
-- make_smooth_ece.py (numpy, from the raw rows and, separately, from the
-- charges a state of nbins bins holds), the bound on what binning changes,
-- every error with its SQLSTATE, and the parallel plan.
CREATE TEMP TABLE sm_rows (set text, i int, p float8, y float8, w float8);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/calibration/smooth_rows.csv'
\set cmd '\\copy sm_rows FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE sm_expected (set text, nbins int, sigma float8, value float8);
\set f :abs_srcdir '/test/ref/calibration/smooth_expected.csv'
\set cmd '\\copy sm_expected FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
SELECT set, count(*) AS rows, sum(w) AS weight FROM sm_rows GROUP BY set ORDER BY set;

-- one state per data set and bin count
CREATE TEMP TABLE sm_states AS
SELECT r.set, nb.nbins, calibration_state_agg(r.p, r.y, nb.nbins, r.w) AS s
FROM sm_rows r, (VALUES (20), (100), (1000), (10000)) nb(nbins)
GROUP BY r.set, nb.nbins;

-- the C value of every state, at each bandwidth and at the fixed point
CREATE TEMP TABLE sm_got AS
SELECT st.set, st.nbins, e.sigma, d.smooth_ece, d.bandwidth, d.error_bound,
       e.value AS charges_ref,
       (SELECT r.value FROM sm_expected r
         WHERE r.set = st.set AND r.nbins = 0 AND r.sigma IS NOT DISTINCT FROM e.sigma) AS raw_ref
FROM sm_states st
JOIN sm_expected e ON e.set = st.set AND e.nbins = st.nbins
CROSS JOIN LATERAL (SELECT * FROM calibration_smooth_ece_detail(st.s)
                     WHERE e.sigma IS NULL
                    UNION ALL
                    SELECT * FROM calibration_smooth_ece_detail(st.s, e.sigma)
                     WHERE e.sigma IS NOT NULL) d;
SELECT count(*) AS cases, count(*) FILTER (WHERE sigma IS NULL) AS fixed_points FROM sm_got;

-- 1. the numerics: the C value agrees with numpy's integral of the same
--    charges (point charge and dipole per bin) to 1e-9
SELECT set, nbins, sigma, smooth_ece, charges_ref
FROM sm_got WHERE NOT abs(smooth_ece - charges_ref) <= 1e-9 * greatest(1, charges_ref);
SELECT count(*) AS agree_1e9 FROM sm_got WHERE abs(smooth_ece - charges_ref) <= 1e-9 * greatest(1, charges_ref);

-- 2. the bound: the value from the state is within error_bound of smECE of
--    the raw rows, for every case
SELECT set, nbins, sigma, smooth_ece, raw_ref, error_bound
FROM sm_got WHERE NOT abs(smooth_ece - raw_ref) <= error_bound + 1e-12;
SELECT count(*) AS within_bound FROM sm_got WHERE abs(smooth_ece - raw_ref) <= error_bound + 1e-12;

-- 3. bins that each hold one distinct p: the state is exact, the bound
--    (rounding allowances only) is below 1e-9 and the value agrees with
--    the raw rows to 1e-9
SELECT set, nbins, sigma IS NULL AS fixed_point, error_bound < 1e-9 AS bound_tiny,
       abs(smooth_ece - raw_ref) <= 1e-9 AS agrees_raw
FROM sm_got WHERE (set = 'discrete' AND nbins = 20) OR set = 'edges' OR set = 'tiny'
ORDER BY set, nbins, sigma NULLS LAST;

-- 4. how tight: the bound and the actual distance, relative to the value, at
--    the fixed point (rounded to two significant digits)
SELECT set, nbins, round(smooth_ece::numeric, 4) AS smooth_ece,
       to_char(error_bound / smooth_ece, '9.9EEEE') AS bound_rel,
       to_char(greatest(abs(smooth_ece - raw_ref), 1e-300) / smooth_ece, '9.9EEEE') AS actual_rel
FROM sm_got WHERE sigma IS NULL AND set IN ('calibrated', 'overconfident', 'weighted_soft')
ORDER BY set, nbins;

-- the fixed point: value = bandwidth, and smECE at that bandwidth is itself
SELECT set, nbins, smooth_ece = bandwidth AS value_is_bandwidth,
       abs(calibration_smooth_ece(st.s, bandwidth) - bandwidth) <= 1e-9 AS fixed
FROM sm_got JOIN sm_states st USING (set, nbins)
WHERE sigma IS NULL AND set IN ('calibrated', 'edges') ORDER BY set, nbins;

-- the raw reference does not increase with sigma (up to rounding: where h
-- keeps one sign, smECE_sigma is |mean residual| for every sigma)
SELECT set, bool_and(a.value >= b.value - 1e-12) AS decreasing
FROM sm_expected a JOIN sm_expected b USING (set, nbins)
WHERE a.nbins = 0 AND a.sigma < b.sigma GROUP BY set ORDER BY set;

-- calibration_smooth_ece is the detail's value
SELECT bool_and(calibration_smooth_ece(s) = (calibration_smooth_ece_detail(s)).smooth_ece)
       AND bool_and(calibration_smooth_ece(s, 0.05) = (calibration_smooth_ece_detail(s, 0.05)).smooth_ece)
       AS same
FROM sm_states WHERE nbins = 100;

-- smooth_ece_agg: a state of 10000 bins, for boolean and soft targets;
-- rows with a NULL are skipped
SELECT abs(smooth_ece_agg(p, y >= 0.5) - calibration_smooth_ece(calibration_state_agg(p, y >= 0.5, 10000))) <= 1e-12 AS bool_form,
       abs(smooth_ece_agg(p, y) - calibration_smooth_ece(calibration_state_agg(p, y, 10000))) <= 1e-12 AS soft_form
FROM sm_rows WHERE set = 'calibrated';
SELECT abs(smooth_ece_agg(p, y) - (SELECT smooth_ece_agg(p, y) FROM sm_rows WHERE set = 'tiny')) <= 1e-15 AS nulls_skipped
FROM (SELECT p, y FROM sm_rows WHERE set = 'tiny'
      UNION ALL VALUES (NULL::float8, 1.0::float8), (0.5, NULL)) v(p, y);
SELECT smooth_ece_agg(p, y) IS NULL AS empty_is_null FROM sm_rows WHERE false;
SELECT smooth_ece_agg(p, y) IS NULL AS all_null_is_null FROM (VALUES (NULL::float8, true)) v(p, y);
-- a perfectly calibrated state (every residual zero): smECE 0 at bandwidth
-- 0; the bound is the smallest bandwidth searched (1e-6) plus rounding
SELECT smooth_ece, bandwidth, error_bound BETWEEN 1e-6 AND 1.001e-6 AS bound
FROM calibration_smooth_ece_detail((SELECT calibration_state_agg(0.25::float8, 0.25::float8, 10)));
-- all the residual at p = 0 (y - p = 1 for one row of three): h >= 0, so
-- smECE_sigma = 1/3 for every sigma and the fixed point is 1/3
SELECT round(smooth_ece_agg(p, y)::numeric, 12) AS known
FROM (VALUES (0.0::float8, false), (1.0, true), (0.0, true)) v(p, y);

-- a K-class state gives the smooth ECE of its top-label problem
SELECT abs(calibration_smooth_ece(calibration_state_agg(probs, label, 50))
           - calibration_smooth_ece(calibration_state_agg(greatest(probs[1], probs[2], probs[3]),
                 CASE WHEN probs[label + 1] >= greatest(probs[1], probs[2], probs[3]) THEN true ELSE false END, 50)))
       <= 1e-12 AS top_label
FROM (VALUES (ARRAY[0.7, 0.2, 0.1]::float8[], 0), (ARRAY[0.2, 0.5, 0.3], 2),
             (ARRAY[0.1, 0.3, 0.6], 2), (ARRAY[0.4, 0.35, 0.25], 1)) v(probs, label);

-- NULLs and empty states
SELECT calibration_smooth_ece(NULL::calibration_state) IS NULL AS null_state,
       calibration_smooth_ece(calibration_state_agg(0.5::float8, true, 10), NULL) IS NULL AS null_sigma,
       calibration_smooth_ece_detail(NULL::calibration_state) IS NULL AS null_detail;
SELECT calibration_smooth_ece(s) IS NULL AS empty, calibration_smooth_ece(s, 0.1) IS NULL AS empty_sigma,
       calibration_smooth_ece_detail(s) IS NULL AS empty_detail
FROM (SELECT calibration_state_agg(0.5::float8, true, 10, 0.0::float8) AS s) z;

-- errors
SELECT calibration_smooth_ece(calibration_state_agg(0.5::float8, true, 10), 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_smooth_ece(calibration_state_agg(0.5::float8, true, 10), 0);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_smooth_ece(calibration_state_agg(0.5::float8, true, 10), -0.1);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_smooth_ece(calibration_state_agg(0.5::float8, true, 10), 1e-7);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_smooth_ece(calibration_state_agg(0.5::float8, true, 10), 2.5);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_smooth_ece(calibration_state_agg(0.5::float8, true, 10), 'Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_smooth_ece_detail(calibration_state_agg(0.5::float8, true, 10), 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_smooth_ece_detail(calibration_state_agg(0.5::float8, true, 10), 3);
\echo :LAST_ERROR_SQLSTATE
-- the bandwidth is checked even when the state is empty
SELECT calibration_smooth_ece(calibration_state_agg(0.5::float8, true, 10, 0.0::float8), 0);
\echo :LAST_ERROR_SQLSTATE
-- a state without bins
SELECT calibration_smooth_ece('version=1 nbins=0 classes=0 w=1 brier=0.25 brier_comp=0 logloss=untracked bins=[]'::calibration_state);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_smooth_ece_detail('version=1 nbins=0 classes=0 w=1 brier=0.25 brier_comp=0 logloss=untracked bins=[]'::calibration_state, 0.1);
\echo :LAST_ERROR_SQLSTATE
-- bad rows in smooth_ece_agg
SELECT smooth_ece_agg(p, y) FROM (VALUES (1.5::float8, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT smooth_ece_agg(p, y) FROM (VALUES ('NaN'::float8, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT smooth_ece_agg(p, y) FROM (VALUES (0.5::float8, -0.1::float8)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT smooth_ece_agg(p, y) FROM (VALUES (0.5::float8, 'NaN'::float8)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT smooth_ece_agg_trans(NULL, 0.5, true);
\echo :LAST_ERROR_SQLSTATE
-- a state of smooth_ece_agg's 10000 bins does not merge with another bin count
SELECT calibration_state_merge(s) FROM (VALUES ((SELECT calibration_state_agg(0.5::float8, true, 10000))),
                                         ((SELECT calibration_state_agg(0.5::float8, true, 10)))) v(s);
\echo :LAST_ERROR_SQLSTATE

-- parallel plan: Partial Aggregate in the workers gives the serial result
CREATE TABLE sm_par AS
SELECT i, (i::bigint * 7919 % 10007) / 10007.0::float8 AS p,
       (i::bigint * 104729 % 10007) / 10007.0 < ((i::bigint * 7919 % 10007) / 10007.0) ^ 1.2 AS y
FROM generate_series(1, 20000) i;
ALTER TABLE sm_par SET (parallel_workers = 2);
ANALYZE sm_par;
CREATE TEMP TABLE sm_serial AS SELECT smooth_ece_agg(p, y) AS v FROM sm_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT smooth_ece_agg(p, y) FROM sm_par;
SELECT abs(smooth_ece_agg(p, y) - (SELECT v FROM sm_serial)) <= 1e-12 AS parallel_same FROM sm_par;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE sm_par;
