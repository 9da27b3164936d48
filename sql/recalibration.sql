-- recalibration: temperature and Platt scaling against scipy / scikit-learn
-- reference fits (test/ref/recal_ref.py), combine laws, parallel plans,
-- NULL handling, text I/O and every documented error.
SET extra_float_digits = 0;
CREATE TEMP TABLE ref_points (set text, x float8, y float8, w float8);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/recal_ref_points.csv'
\set cmd '\\copy ref_points FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE ref_fits (set text, method text, smoothing boolean,
                            param1 float8, param2 float8, logloss float8);
\set f :abs_srcdir '/test/ref/recal_ref_fits.csv'
\set cmd '\\copy ref_fits FROM ' :'f' ' CSV HEADER'
:cmd
SELECT set, count(*) FROM ref_points GROUP BY set ORDER BY set;

-- 1. every reference fit, through recal_fit over the stored state
--    (sets named temp_* hold probabilities, platt_* hold scores)
CREATE TEMP TABLE states AS
SELECT set, recal_state_agg(x, y, w) AS st FROM ref_points WHERE set LIKE 'temp%' GROUP BY set
UNION ALL
SELECT set, recal_score_state_agg(x, y, w) FROM ref_points WHERE set LIKE 'platt%' GROUP BY set;
CREATE TEMP TABLE fits AS
SELECT f.*, recal_fit(s.st, f.method, f.smoothing) AS r
FROM ref_fits f JOIN states s USING (set);
SELECT set, method, smoothing,
       abs((recal_info(r)->>CASE method WHEN 'temperature' THEN 'temperature' ELSE 'a' END)::float8
           - param1) <= 1e-7 * greatest(1, abs(param1)) AS param1_ok,
       method = 'temperature'
         OR abs((recal_info(r)->>'b')::float8 - param2) <= 1e-7 * greatest(1, abs(param2)) AS param2_ok,
       abs((recal_info(r)->>'logloss')::float8 - logloss) <= 1e-10 AS logloss_ok,
       (recal_info(r)->>'iterations')::int BETWEEN 1 AND 100 AS iterations_ok
FROM fits ORDER BY set, method, smoothing;

-- 2. the aggregates give the same fits as recal_fit over the state
SELECT set,
       abs(T - (SELECT param1 FROM ref_fits f WHERE f.set = r.set AND method = 'temperature'))
         <= 1e-7 * T AS temperature_agg_ok
FROM (SELECT set, (recal_info(temperature_scaling(x, y, w))->>'temperature')::float8 AS T
      FROM ref_points WHERE set LIKE 'temp%' GROUP BY set) r ORDER BY set;
SELECT set,
       abs(a - f.param1) <= 1e-7 * greatest(1, abs(f.param1))
       AND abs(b - f.param2) <= 1e-7 * greatest(1, abs(f.param2)) AS platt_agg_ok
FROM (SELECT set, (recal_info(platt_scaling(x, y, w))->>'a')::float8 AS a,
             (recal_info(platt_scaling(x, y, w))->>'b')::float8 AS b
      FROM ref_points WHERE set LIKE 'platt%' GROUP BY set) r
JOIN ref_fits f USING (set) WHERE f.method = 'platt' AND NOT f.smoothing ORDER BY set;
-- boolean outcomes are the same as 0/1 targets
SELECT temperature_scaling(x, y = 1)::text = temperature_scaling(x, y)::text AS bool_eq_float
FROM ref_points WHERE set = 'temp_binary';
SELECT platt_scaling(x, y = 1)::text = platt_scaling(x, y)::text AS bool_eq_float
FROM ref_points WHERE set = 'platt_binary';

-- 3. recalibrate() applies the stored map
SELECT bool_and(abs(recalibrate(r, x) - 1 / (1 + exp(-ln(greatest(least(x, 1 - 1e-15), 1e-15)
                / (1 - greatest(least(x, 1 - 1e-15), 1e-15))) / (recal_info(r)->>'temperature')::float8))) < 1e-12)
       AS temperature_apply_ok
FROM ref_points JOIN fits USING (set)
WHERE set = 'temp_soft_weighted' AND method = 'temperature' AND x BETWEEN 0.01 AND 0.99;
SELECT bool_and(abs(recalibrate(r, x) - 1 / (1 + exp(-((recal_info(r)->>'a')::float8 * x
                + (recal_info(r)->>'b')::float8)))) < 1e-12) AS platt_apply_ok
FROM ref_points JOIN fits USING (set)
WHERE set = 'platt_binary' AND method = 'platt' AND NOT smoothing;
-- the log loss after the fit is the mean log loss of the recalibrated rows
SELECT abs(sum(w * -(y * ln(recalibrate(r, x)) + (1 - y) * ln(1 - recalibrate(r, x)))) / sum(w)
           - min((recal_info(r)->>'logloss')::float8)) < 1e-10 AS logloss_consistent
FROM ref_points JOIN fits USING (set)
WHERE set = 'platt_soft_weighted' AND method = 'platt';
-- temperature 1 and (a, b) = (1, 0) are the identity
SELECT round(recalibrate('v1 temperature p T=1 rows=1 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0', 0.3)::numeric, 12) AS t1,
       round(recalibrate('v1 platt p smoothing=false a=1 b=0 rows=1 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0', 0.3)::numeric, 12) AS platt_identity,
       round(recalibrate('v1 temperature p T=2 rows=1 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0', 0.9)::numeric, 12) AS t2,
       recalibrate('v1 temperature p T=2 rows=1 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0', 0) AS p0,
       recalibrate('v1 platt s smoothing=false a=1 b=0 rows=1 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0', 'Infinity') AS s_inf;

-- 4. combine laws: halves merged equal the whole; NULL state is an identity
CREATE TEMP TABLE halves AS
SELECT set, (row_number() OVER (PARTITION BY set ORDER BY x, y, w)) % 2 AS half, x, y, w FROM ref_points;
SELECT set,
       (SELECT recal_state_merge(st) FROM (
          SELECT recal_score_state_agg(x, y) AS st FROM halves h WHERE h.set = o.set GROUP BY half
          UNION ALL SELECT NULL) m)::text
       = (SELECT recal_score_state_agg(x, y) FROM ref_points p WHERE p.set = o.set)::text AS merge_eq_whole
FROM (SELECT DISTINCT set FROM ref_points) o ORDER BY set;
-- merged weighted states fit the same model (sums in another order)
SELECT abs((recal_info(recal_fit(m, 'platt'))->>'a')::float8
           - (SELECT param1 FROM ref_fits WHERE set = 'platt_soft_weighted' AND method = 'platt')) < 1e-9 AS merged_fit_ok
FROM (SELECT recal_state_merge(st) AS m FROM (
        SELECT recal_score_state_agg(x, y, w) AS st FROM halves WHERE set = 'platt_soft_weighted' GROUP BY half) s) q;
-- equal inputs are merged exactly into one point
SELECT recal_state_info(recal_score_state_agg(x, y)) AS info
FROM (VALUES (1.5, 1.0), (1.5, 0.0), (1.5, 1.0), (-2.0, 0.25)) v(x, y);
SELECT recal_score_state_agg(x, y) AS state
FROM (VALUES (1.5, 1.0), (1.5, 0.0), (1.5, 1.0), (-2.0, 0.25)) v(x, y);
-- state text round trip
SELECT st::text::recal_state::text = st::text AS roundtrip FROM states ORDER BY set;
SELECT r::text::recal_model::text = r::text AS roundtrip FROM fits ORDER BY set, method, smoothing;

-- 5. parallel plans: Partial Aggregate with the combine function
CREATE TABLE recal_big AS
SELECT i, (i % 997) / 997.0 + 0.0005 AS p, (i * 7919 % 1000) < ((i % 997) / 997.0) * 800 + 100 AS y
FROM generate_series(1, 60000) i;
ANALYZE recal_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT temperature_scaling(p, y) FROM recal_big;
CREATE TEMP TABLE par AS SELECT temperature_scaling(p, y) AS r, recal_state_agg(p, y) AS st FROM recal_big;
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
SELECT abs((recal_info(temperature_scaling(p, y))->>'temperature')::float8
           - (SELECT (recal_info(r)->>'temperature')::float8 FROM par)) < 1e-9 AS parallel_eq_serial,
       recal_state_agg(p, y)::text = (SELECT st::text FROM par) AS state_eq
FROM recal_big;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;
DROP TABLE recal_big;

-- 6. NULLs are skipped, weight 0 rows too; empty or all-NULL input gives NULL
SELECT temperature_scaling(p, y) IS NULL AS empty FROM (SELECT 0.5::float8 AS p, true AS y WHERE false) s;
SELECT temperature_scaling(p, y) IS NULL AS all_null FROM (VALUES (NULL::float8, true), (0.3, NULL)) v(p, y);
SELECT recal_state_info(recal_state_agg(p, y, w)) AS info
FROM (VALUES (0.3::float8, true, 1::float8), (NULL, false, 1), (0.7, NULL, 1), (0.4, true, NULL), (0.9, false, 0)) v(p, y, w);
SELECT recal_fit('v1 s rows=0 []') IS NULL AS empty_state_fit;

-- 7. degenerate data (SQLSTATE 22000), documented
-- every outcome the same and every prediction on its side: T -> 0
SELECT temperature_scaling(p, true) FROM (VALUES (0.6::float8), (0.9)) v(p);
\echo :LAST_ERROR_SQLSTATE
-- anti-informative predictions: T -> infinity
SELECT temperature_scaling(p, p < 0.5) FROM (VALUES (0.2::float8), (0.3), (0.8), (0.6)) v(p);
\echo :LAST_ERROR_SQLSTATE
SELECT temperature_scaling(0.5, y) FROM (VALUES (true), (false)) v(y);
\echo :LAST_ERROR_SQLSTATE
-- one distinct score
SELECT platt_scaling(2.0, y) FROM (VALUES (true), (false)) v(y);
\echo :LAST_ERROR_SQLSTATE
-- separated scores; Platt's smoothing gives a finite fit
SELECT platt_scaling(s, s > 0) FROM (VALUES (-1.0::float8), (-0.5), (0.5), (2.0)) v(s);
\echo :LAST_ERROR_SQLSTATE
SELECT round((recal_info(recal_fit(recal_score_state_agg(s, s > 0), 'platt', true))->>'a')::numeric, 6) AS smoothed_a
FROM (VALUES (-1.0::float8), (-0.5), (0.5), (2.0)) v(s);
-- iteration limit
SELECT recal_fit(st, 'platt', false, 1) FROM states WHERE set = 'platt_binary';
\echo :LAST_ERROR_SQLSTATE

-- 8. bad arguments
SELECT temperature_scaling('NaN', true);
\echo :LAST_ERROR_SQLSTATE
SELECT temperature_scaling(1.5, true);
\echo :LAST_ERROR_SQLSTATE
SELECT temperature_scaling(0.5, 1.5::float8);
\echo :LAST_ERROR_SQLSTATE
SELECT platt_scaling('NaN', true);
\echo :LAST_ERROR_SQLSTATE
SELECT platt_scaling('-Infinity', true);
\echo :LAST_ERROR_SQLSTATE
SELECT platt_scaling(1, true, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT platt_scaling(1, true, 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT platt_scaling(1, true, 'Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT recal_fit(st, 'isotonic') FROM states WHERE set = 'platt_binary';
\echo :LAST_ERROR_SQLSTATE
SELECT recal_fit(st, 'temperature', true) FROM states WHERE set = 'temp_binary';
\echo :LAST_ERROR_SQLSTATE
SELECT recal_fit(st, 'platt', false, 0) FROM states WHERE set = 'platt_binary';
\echo :LAST_ERROR_SQLSTATE
SELECT recal_fit(st, 'platt', false, 100, 0) FROM states WHERE set = 'platt_binary';
\echo :LAST_ERROR_SQLSTATE
SELECT recal_state_merge(st) FROM states WHERE set IN ('temp_binary', 'platt_binary');
\echo :LAST_ERROR_SQLSTATE
SELECT recalibrate(r, 1.5) FROM fits WHERE set = 'temp_binary' AND method = 'temperature';
\echo :LAST_ERROR_SQLSTATE
SELECT recalibrate(r, 'NaN') FROM fits WHERE set = 'platt_binary' AND NOT smoothing;
\echo :LAST_ERROR_SQLSTATE
SELECT recal_state_combine(NULL, 'v1 s rows=1 [1 1 1]');
\echo :LAST_ERROR_SQLSTATE

-- 9. malformed text (22P02)
SELECT 'v2 s rows=1 [1 1 1]'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 q rows=1 [1 1 1]'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 s rows=1 [1 1]'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 s rows=1 [1 1 2]'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 s rows=1 [1 -1 0]'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 s rows=1 [NaN 1 0]'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 p rows=1 [40 1 0]'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 s rows=0 [1 1 0]'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 s rows=1 [1 1 0] x'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 s rows=-1 []'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 s rows=2 [2 1 0; 1 1 1; 2 1 1]'::recal_state AS unsorted_input_is_compacted;
SELECT 'v1 temperature p T=0 rows=1 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0'::recal_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 temperature p T=1 rows=0 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0'::recal_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 platt s smoothing=maybe a=1 b=0 rows=1 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0'::recal_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 platt s smoothing=false a=Infinity b=0 rows=1 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0'::recal_model;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "method": "isotonic", "input": "score"}'::recal_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 temperature p T=1 rows=1 weight=1 logloss=NaN logloss_identity=0 iterations=0 decrement=0'::recal_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 temperature p T=1 rows=1 weight=1 logloss=0 logloss_identity=0 iterations=0 decrement=0 extra'::recal_model;
\echo :LAST_ERROR_SQLSTATE

-- 10. numerically hard fits against 60-digit references made by
--     test/ref/recal_ref_extreme.py (tolerance 1e-12 relative, where the
--     solver had errors of 1e-8 to 1e-4, wrong results or errors):
--     dom12, dom15  one row weighted 1e12 / 1e15 times each other row, which
--                   the fit makes almost certain (mean loss 7e-10, 9e-13):
--                   loss terms that do not cancel, stopping tests relative
--                   to the loss;
--     sub           weights 1 to 3 times 5e-324 (subnormal; the products are
--                   exact and the fit is that of the unscaled weights);
--     tiny, huge    scores 1e-170 * i and 1e154 * i (temperature on scores
--                   through recal_fit), scaled before standardising.
CREATE TEMP TABLE hard_points (set text, i int, p float8, score float8, y float8, w float8);
\set f :abs_srcdir '/test/ref/recal_ref_extreme_points.csv'
\set cmd '\\copy hard_points FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE hard_ref (set text, method text, smoothing boolean,
                            param1 float8, param2 float8, logloss float8);
\set f :abs_srcdir '/test/ref/recal_ref_extreme_fits.csv'
\set cmd '\\copy hard_ref FROM ' :'f' ' CSV HEADER'
:cmd
UPDATE hard_points SET w = w * '5e-324'::float8 WHERE set = 'sub';
SELECT set, count(*), min(w) > 0 AND max(w) < '2.2250738585072014e-308' AS subnormal
FROM hard_points GROUP BY set ORDER BY set;
CREATE TEMP TABLE hard_states AS
SELECT set, recal_state_agg(p, y, w) AS pst, recal_score_state_agg(score, y, w) AS sst
FROM hard_points GROUP BY set;
-- a failed fit or recal_info shows as false in its row rather than ending
-- the statement; parameters are read from the text form
CREATE FUNCTION pg_temp.try_fit(st recal_state, m text, sm boolean) RETURNS recal_model
LANGUAGE plpgsql AS $$
BEGIN
    RETURN recal_fit(st, m, sm);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END $$;
CREATE FUNCTION pg_temp.info_ok(r recal_model) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RETURN (recal_info(r)->>'iterations')::int >= 1;
EXCEPTION WHEN OTHERS THEN
    RETURN false;
END $$;
CREATE FUNCTION pg_temp.field(r recal_model, k text) RETURNS float8
LANGUAGE sql AS $$ SELECT (r::text::jsonb ->> k)::float8 $$;
-- probability sets: temperature on p, Platt on the logit score
CREATE TEMP TABLE hard_fits AS
SELECT f.*, pg_temp.try_fit(CASE WHEN f.method = 'temperature' THEN coalesce(s.pst, s.sst) ELSE s.sst END,
                            f.method, f.smoothing) AS r
FROM hard_ref f JOIN hard_states s USING (set);
SELECT set, method, smoothing, r IS NOT NULL AS fitted,
       coalesce(abs(pg_temp.field(r, CASE method WHEN 'temperature' THEN 'temperature' ELSE 'a' END) - param1)
                <= 1e-12 * abs(param1), false) AS param1_ok,
       method = 'temperature'
         OR coalesce(abs(pg_temp.field(r, 'b') - param2) <= 1e-12 * greatest(1, abs(param2)), false) AS param2_ok,
       coalesce(abs(pg_temp.field(r, 'logloss') - logloss) <= 1e-12 * logloss, false) AS logloss_ok,
       coalesce(pg_temp.field(r, 'iterations') BETWEEN 1 AND 30
                AND pg_temp.field(r, 'decrement') BETWEEN 0 AND 1e-20, false) AS converged_ok,
       coalesce(pg_temp.info_ok(r), false) AS info_ok
FROM hard_fits ORDER BY set, method, smoothing;
SELECT r::text::recal_model::text = r::text AS roundtrip FROM hard_fits ORDER BY set, method, smoothing;
-- the aggregates give the same fits
SELECT set,
       temperature_scaling(p, y, w)::text = (SELECT r::text FROM hard_fits f WHERE f.set = h.set AND method = 'temperature') AS temperature_agg_eq,
       platt_scaling(score, y, w)::text = (SELECT r::text FROM hard_fits f WHERE f.set = h.set AND method = 'platt' AND NOT smoothing) AS platt_agg_eq
FROM hard_points h WHERE set IN ('dom12', 'dom15', 'sub') GROUP BY set ORDER BY set;
-- the fit does not depend on the weights' scale: the subnormal weights
-- times 2^1074 (in two exact steps) are 1, 2 and 3
SELECT min(w2), max(w2),
       recal_info(temperature_scaling(p, y, w)) - 'weight' = recal_info(temperature_scaling(p, y, w2)) - 'weight'
         AS temperature_scale_free,
       recal_info(platt_scaling(score, y, w)) - 'weight' = recal_info(platt_scaling(score, y, w2)) - 'weight'
         AS platt_scale_free
FROM (SELECT *, w * 2.0::float8 ^ 537 * 2.0::float8 ^ 537 AS w2 FROM hard_points WHERE set = 'sub') h;
