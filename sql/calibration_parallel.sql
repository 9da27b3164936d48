-- calibration_parallel: every calibration aggregate under a forced parallel
-- plan (Partial Aggregate in the workers, combine in the leader) gives the
-- serial result.
CREATE FUNCTION pg_temp.close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a = b OR abs(a - b) <= 1e-12 * greatest(1, abs(b)) $$;
CREATE TABLE calib_par AS
SELECT i, (i::bigint * 7919 % 10007) / 10007.0::float8 AS p,
       (i::bigint * 104729 % 10007) / 10007.0 < (i::bigint * 7919 % 10007) / 10007.0 * 0.9 AS y,
       (i % 11) / 10.0::float8 AS soft, 1 + (i % 4) / 2.0::float8 AS w, i % 3 AS g,
       ARRAY[(i % 5) / 10.0, 0.5 - (i % 5) / 10.0, 0.5]::float8[] AS probs, i % 3 AS label
FROM generate_series(1, 30000) i;
ALTER TABLE calib_par SET (parallel_workers = 2);
ANALYZE calib_par;
CREATE TEMP TABLE serial AS
SELECT brier_score(p, y) AS b1, brier_score(p, soft) AS b2, brier_score(p, y, w) AS b3,
       brier_score(p, soft, w) AS b4, brier_score(probs, label) AS b5,
       ece_agg(p, y) AS e1, ece_agg(p, y, 20) AS e2, ece_agg(p, soft) AS e3, ece_agg(p, soft, 7) AS e4,
       ece_agg(probs, label, 10) AS e5, log_loss(p, y) AS l1, log_loss(p, soft) AS l2,
       calibration_state_agg(p, y, 10, w) AS s1, calibration_state_agg(probs, label, 10) AS s2
FROM calib_par;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT brier_score(p, y), ece_agg(p, y), log_loss(p, y), calibration_state_agg(p, y, 10, w),
       brier_score(probs, label), ece_agg(probs, label, 10)
FROM calib_par;
CREATE TEMP TABLE par AS
SELECT brier_score(p, y) AS b1, brier_score(p, soft) AS b2, brier_score(p, y, w) AS b3,
       brier_score(p, soft, w) AS b4, brier_score(probs, label) AS b5,
       ece_agg(p, y) AS e1, ece_agg(p, y, 20) AS e2, ece_agg(p, soft) AS e3, ece_agg(p, soft, 7) AS e4,
       ece_agg(probs, label, 10) AS e5, log_loss(p, y) AS l1, log_loss(p, soft) AS l2,
       calibration_state_agg(p, y, 10, w) AS s1, calibration_state_agg(probs, label, 10) AS s2
FROM calib_par;
SELECT pg_temp.close(p.b1, s.b1) AS b1, pg_temp.close(p.b2, s.b2) AS b2, pg_temp.close(p.b3, s.b3) AS b3,
       pg_temp.close(p.b4, s.b4) AS b4, pg_temp.close(p.b5, s.b5) AS b5,
       pg_temp.close(p.e1, s.e1) AS e1, pg_temp.close(p.e2, s.e2) AS e2, pg_temp.close(p.e3, s.e3) AS e3,
       pg_temp.close(p.e4, s.e4) AS e4, pg_temp.close(p.e5, s.e5) AS e5,
       pg_temp.close(p.l1, s.l1) AS l1, pg_temp.close(p.l2, s.l2) AS l2,
       pg_temp.close(calibration_ece(p.s1), calibration_ece(s.s1)) AS s1_ece,
       pg_temp.close(calibration_log_loss(p.s1), calibration_log_loss(s.s1)) AS s1_logloss,
       pg_temp.close((calibration_decomposition(p.s1)).reliability,
                     (calibration_decomposition(s.s1)).reliability) AS s1_rel,
       pg_temp.close(calibration_n(p.s1), calibration_n(s.s1)) AS s1_n,
       pg_temp.close(calibration_mce(p.s2), calibration_mce(s.s2)) AS s2_mce
FROM par p, serial s;
SELECT round(b1::numeric, 10) AS brier, round(e1::numeric, 10) AS ece, round(l1::numeric, 10) AS logloss
FROM par;

-- grouped, and calibration_state_merge over stored states, in parallel
CREATE TABLE calib_par_states AS
SELECT i % 500 AS day, calibration_state_agg(p, y, 10) AS s FROM calib_par GROUP BY 1;
ALTER TABLE calib_par_states SET (parallel_workers = 2);
ANALYZE calib_par_states;
EXPLAIN (COSTS OFF) SELECT calibration_state_merge(s) FROM calib_par_states;
SELECT pg_temp.close(calibration_ece(m), (SELECT ece_agg(p, y, 10) FROM calib_par)) AS merge_ece,
       pg_temp.close(calibration_brier(m), (SELECT brier_score(p, y) FROM calib_par)) AS merge_brier,
       pg_temp.close(calibration_log_loss(m), (SELECT log_loss(p, y) FROM calib_par)) AS merge_logloss
FROM (SELECT calibration_state_merge(s) AS m FROM calib_par_states) q;
EXPLAIN (COSTS OFF) SELECT g, brier_score(p, y), ece_agg(p, y) FROM calib_par GROUP BY g ORDER BY g;
SELECT g, round(brier_score(p, y)::numeric, 10) AS brier, round(ece_agg(p, y)::numeric, 10) AS ece
FROM calib_par GROUP BY g ORDER BY g;
RESET ALL;
SELECT g, round(brier_score(p, y)::numeric, 10) AS brier_serial, round(ece_agg(p, y)::numeric, 10) AS ece_serial
FROM calib_par GROUP BY g ORDER BY g;
DROP TABLE calib_par, calib_par_states;
