-- calibration_bootstrap: the bootstrap state (doc/uncertainty.md): its
-- estimate is calibration_state_agg's state bit for bit, its replicates are the
-- measures of the rows reweighted by bootstrap_weight, whatever the scan
-- order, plan or merging; intervals, paired differences, I/O and errors.
CREATE FUNCTION pg_temp.close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a = b OR abs(a - b) <= 1e-12 * greatest(1, abs(b)) $$;
CREATE TABLE boot_rows AS
SELECT i, (i::bigint * 7919 % 10007) / 10007.0::float8 AS p,
       (i::bigint * 104729 % 10007) / 10007.0 < (i::bigint * 7919 % 10007) / 10007.0 * 0.9 AS y,
       (i % 11) / 10.0::float8 AS soft, 1 + (i % 4) / 2.0::float8 AS w,
       'c' || (i % 97) AS k, i % 3 AS g,
       least(1.0, (i::bigint * 7919 % 10007) / 10007.0 * 1.1)::float8 AS p2
FROM generate_series(1, 6000) i;

-- the estimate is calibration_state_agg's state, bit for bit
SELECT calibration_bootstrap_estimate(calibration_bootstrap(p, y, 10, k))::text
         = calibration_state_agg(p, y, 10)::text AS bool_same,
       calibration_bootstrap_estimate(calibration_bootstrap(p, soft, 15, k, 20))::text
         = calibration_state_agg(p, soft, 15)::text AS soft_same,
       calibration_bootstrap_estimate(calibration_bootstrap(p, y, 12, k, 20, 5, w))::text
         = calibration_state_agg(p, y, 12, w)::text AS weighted_same
FROM boot_rows;

CREATE TEMP TABLE st AS
SELECT calibration_bootstrap(p, y, 10, k, 30, 42, w) AS s,
       calibration_bootstrap(p2, y, 10, k, 30, 42, w) AS s2
FROM boot_rows;

-- each replicate is calibration_state_agg over the rows weighted by their key's
-- bootstrap_weight (ECE and log loss, every replicate, to 1e-12)
SELECT count(*) AS replicates,
       count(*) FILTER (WHERE pg_temp.close(e.value, calibration_ece(a.s))) AS ece_same,
       count(*) FILTER (WHERE pg_temp.close(l.value, calibration_log_loss(a.s))) AS logloss_same
FROM st, LATERAL calibration_bootstrap_replicates(st.s, 'ece') e
JOIN LATERAL calibration_bootstrap_replicates(st.s, 'log_loss') l ON l.replicate = e.replicate
CROSS JOIN LATERAL (SELECT calibration_state_agg(p, y, 10, w * bootstrap_weight(k, e.replicate, 42)) AS s
                    FROM boot_rows) a;

-- scan order does not matter (sums agree to rounding)
SELECT bool_and(pg_temp.close(a.value, b.value)) AS order_free
FROM st, (SELECT calibration_bootstrap(p, y, 10, k, 30, 42, w ORDER BY i DESC) AS s FROM boot_rows) r,
     LATERAL calibration_bootstrap_replicates(st.s, 'brier') a
JOIN LATERAL calibration_bootstrap_replicates(r.s, 'brier') b USING (replicate);

-- merged states of disjoint groups give the whole's replicates
SELECT bool_and(pg_temp.close(a.value, b.value)) AS merged_same
FROM st, (SELECT calibration_bootstrap_state_merge(s) AS s FROM
            (SELECT calibration_bootstrap(p, y, 10, k, 30, 42, w) AS s FROM boot_rows GROUP BY g) q) m,
     LATERAL calibration_bootstrap_replicates(st.s, 'ece') a
JOIN LATERAL calibration_bootstrap_replicates(m.s, 'ece') b USING (replicate);

-- a forced parallel plan gives the serial replicates
ALTER TABLE boot_rows SET (parallel_workers = 2);
ANALYZE boot_rows;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT calibration_bootstrap(p, y, 10, k, 30, 42, w) FROM boot_rows;
CREATE TEMP TABLE par AS SELECT calibration_bootstrap(p, y, 10, k, 30, 42, w) AS s FROM boot_rows;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT m, bool_and(pg_temp.close(a.value, b.value)) AS parallel_same
FROM st, par, unnest(ARRAY['ece', 'mce', 'brier', 'log_loss', 'smooth_ece', 'reliability', 'resolution']) m,
     LATERAL calibration_bootstrap_replicates(st.s, m) a
JOIN LATERAL calibration_bootstrap_replicates(par.s, m) b USING (replicate)
GROUP BY m ORDER BY m;

-- intervals: the estimate is the accessor's, lower <= upper, se > 0
SELECT m, pg_temp.close(c.estimate, CASE m
         WHEN 'ece' THEN calibration_ece(e) WHEN 'mce' THEN calibration_mce(e)
         WHEN 'brier' THEN calibration_brier(e) WHEN 'log_loss' THEN calibration_log_loss(e)
         WHEN 'smooth_ece' THEN calibration_smooth_ece(e)
         WHEN 'reliability' THEN (calibration_decomposition(e)).reliability
         ELSE (calibration_decomposition(e)).resolution END) AS estimate_same,
       c.lower <= c.upper AS ordered, c.se > 0 AS se_positive,
       round(c.estimate::numeric, 6) AS estimate, round(c.lower::numeric, 6) AS lower,
       round(c.upper::numeric, 6) AS upper, round(c.se::numeric, 6) AS se
FROM st, calibration_bootstrap_estimate(st.s) e,
     unnest(ARRAY['ece', 'mce', 'brier', 'log_loss', 'smooth_ece', 'reliability', 'resolution']) m,
     LATERAL calibration_ci(st.s, m) c
ORDER BY m;
-- a wider level gives a wider interval
SELECT a.lower >= b.lower AND a.upper <= b.upper AS nested
FROM st, calibration_ci(st.s, 'brier', 0.5) a, calibration_ci(st.s, 'brier', 0.99) b;
-- the bounds are type 6 quantiles of the replicates: h = (n + 1) q, the
-- h-th order statistic interpolated; with 30 replicates, level 0.9 puts the
-- bounds at h = 1.55 and 29.45, level 0.8 at 3.1 and 27.9, level 0.99 (h =
-- 0.155 and 30.845) on the smallest and largest values
SELECT pg_temp.close(c.lower, r[1] + 0.55 * (r[2] - r[1]))
         AND pg_temp.close(c.upper, r[29] + 0.45 * (r[30] - r[29])) AS at_090,
       pg_temp.close(c2.lower, r[3] + 0.1 * (r[4] - r[3]))
         AND pg_temp.close(c2.upper, r[27] + 0.9 * (r[28] - r[27])) AS at_080,
       c3.lower = r[1] AND c3.upper = r[30] AS at_099
FROM st,
     LATERAL (SELECT array_agg(value ORDER BY value) AS r FROM calibration_bootstrap_replicates(st.s, 'brier')) x,
     calibration_ci(st.s, 'brier', 0.9) c, calibration_ci(st.s, 'brier', 0.8) c2,
     calibration_ci(st.s, 'brier', 0.99) c3;

-- paired differences: a state against itself is exactly 0; two models on
-- the same rows, clusters and seed
SELECT c.* FROM st, calibration_ci_diff(st.s, st.s, 'ece') c;
SELECT round(d.estimate::numeric, 6) AS diff, round(d.lower::numeric, 6) AS lower,
       round(d.upper::numeric, 6) AS upper, round(d.se::numeric, 6) AS se,
       d.se < sqrt(a.se ^ 2 + b.se ^ 2) AS pairing_helps,
       pg_temp.close(d.estimate, a.estimate - b.estimate) AS diff_of_estimates
FROM st, calibration_ci_diff(st.s2, st.s, 'brier') d,
     calibration_ci(st.s2, 'brier') a, calibration_ci(st.s, 'brier') b;

-- the reliability diagram with bands: one band per non-empty bin, the ECE
-- interval (the percentile interval of calibration_ci) in the caption
SELECT (length(svg) - length(replace(svg, 'interval of mean y', ''))) / length('interval of mean y') AS bands,
       (SELECT count(*) FROM calibration_bins(calibration_bootstrap_estimate(s))) AS bins,
       substring(svg from 'ECE = [^<]*') AS caption,
       substring(svg from 'ECE = [^<]*') = format('ECE = %s [%s, %s], MCE = %s, N = %s, 10 bins, 30 replicates',
         to_char(c.estimate, 'FM0.0000'), to_char(c.lower, 'FM0.0000'), to_char(c.upper, 'FM0.0000'),
         to_char(calibration_mce(calibration_bootstrap_estimate(s)), 'FM0.0000'),
         calibration_n(calibration_bootstrap_estimate(s))) AS caption_is_ci,
       calibration_svg(s, 'x', 0.8) <> calibration_svg(s, 'x') AS level_matters
FROM st, calibration_svg(st.s) svg, calibration_ci(st.s, 'ece') c;
SELECT calibration_svg(NULL::calibration_bootstrap_state) IS NULL AS null_state;
-- the calibration_state form of the same estimate: the same diagram, no bands
SELECT position('interval of mean y' in calibration_svg(calibration_bootstrap_estimate(s))) = 0 AS no_bands,
       position('interval of mean y' in calibration_svg(s)) > 0 AS bands
FROM st;

-- text: JSON, round trips exactly, readable as jsonb
SELECT s::text::calibration_bootstrap_state::text = s::text AS text_round_trip,
       (s::text::jsonb)->>'replicates' AS replicates, (s::text::jsonb)->>'seed' AS seed,
       jsonb_array_length((s::text::jsonb)->'reps') AS rep_sums
FROM st;
SELECT left(calibration_bootstrap(p, y, 2, k, 1)::text, 60) FROM boot_rows WHERE i <= 3;

-- binary send/recv through COPY BINARY (a client-side file in pg_regress's
-- output directory)
\getenv abs_builddir PG_ABS_BUILDDIR
\set fstates :abs_builddir '/results/boot_states.bin'
CREATE TEMP TABLE st_back (s calibration_bootstrap_state);
\set cmd '\\copy (SELECT s FROM st) TO ' :'fstates' ' (FORMAT binary)'
:cmd
\set cmd '\\copy st_back FROM ' :'fstates' ' (FORMAT binary)'
:cmd
SELECT a.s::text = b.s::text AS binary_round_trip,
       calibration_bootstrap_state_send(a.s) = calibration_bootstrap_state_send(b.s) AS same_bytes
FROM st a, st_back b;

-- a certain wrong prediction: infinite log loss in the replicates that
-- draw it, written as the string "Infinity" in the text form
CREATE TEMP TABLE inf AS
SELECT calibration_bootstrap(p, y, 4, k, 8, 1) AS s
FROM (VALUES (0.0::float8, true, 'a'), (0.3, false, 'b'), (0.6, true, 'c'), (0.9, true, 'd')) v(p, y, k);
SELECT replicate, value, bootstrap_weight('a', replicate, 1) AS weight_of_a
FROM inf, calibration_bootstrap_replicates(inf.s, 'log_loss') ORDER BY replicate;
SELECT s::text::calibration_bootstrap_state::text = s::text AS round_trip,
       ((s::text::jsonb)->>'logloss')::float8 = 'Infinity' AS infinite_logloss
FROM inf;

-- NULLs: rows with a NULL argument (cluster included) are skipped; no rows
-- give NULL; weights all 0 give a NULL estimate
SELECT calibration_bootstrap_estimate(calibration_bootstrap(p, y, 5, k))::text
         = calibration_state_agg(p, y, 5) FILTER (WHERE k IS NOT NULL)::text AS null_key_skipped,
       calibration_n(calibration_bootstrap_estimate(calibration_bootstrap(p, y, 5, k))) AS n
FROM (VALUES (0.2::float8, true, 'a'), (0.4, false, NULL), (0.7, true, 'b')) v(p, y, k);
SELECT calibration_bootstrap(p, y, 5, 'k') IS NULL AS empty FROM boot_rows WHERE false;
SELECT c.* FROM (SELECT calibration_bootstrap(p, y, 5, k, 10, 0, 0.0) AS s FROM boot_rows) q,
     calibration_ci(q.s, 'ece') c;
-- few clusters: replicates that draw no cluster have no value
SELECT count(*) FILTER (WHERE value IS NULL) AS empty_replicates, count(*) AS replicates
FROM (SELECT calibration_bootstrap(p, y, 5, 'one cluster', 200) AS s FROM boot_rows) q,
     calibration_bootstrap_replicates(q.s, 'ece');

-- errors, with their SQLSTATEs
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT pg_temp.try(q) FROM (VALUES
 ($q$SELECT calibration_svg(s, NULL, 1.5) FROM st$q$),
 ($q$SELECT calibration_bootstrap(p, y, 10, k, 0) FROM boot_rows$q$),
 ($q$SELECT calibration_bootstrap(p, y, 10, k, 10001) FROM boot_rows$q$),
 ($q$SELECT calibration_bootstrap(p, y, 0, k) FROM boot_rows$q$),
 ($q$SELECT calibration_bootstrap(p, y, 100, k, 10000) FROM boot_rows$q$),
 ($q$SELECT calibration_bootstrap(p, y, 10, k, 10 + (i > 1)::int) FROM boot_rows$q$),
 ($q$SELECT calibration_bootstrap(p, y, 10, k, 10, i) FROM boot_rows$q$),
 ($q$SELECT calibration_bootstrap(p, y, 10, k, 10, 0, -1.0) FROM boot_rows$q$),
 ($q$SELECT calibration_bootstrap(1.5, y, 10, k) FROM boot_rows$q$),
 ($q$SELECT calibration_ci(s, 'ece', 1.0) FROM st$q$),
 ($q$SELECT calibration_ci(s, 'ece', 0.0) FROM st$q$),
 ($q$SELECT calibration_ci(s, 'ece', 'NaN') FROM st$q$),
 ($q$SELECT calibration_ci(s, 'rmsce') FROM st$q$),
 ($q$SELECT calibration_ci_diff(st.s, q.s, 'ece') FROM st, (SELECT calibration_bootstrap(p, y, 10, k, 30, 43, w) AS s FROM boot_rows) q$q$),
 ($q$SELECT calibration_bootstrap_state_merge(s) FROM (SELECT s FROM st UNION ALL SELECT s FROM par UNION ALL SELECT calibration_bootstrap(p, y, 10, k, 31, 42, w) FROM boot_rows) q$q$),
 ($q$SELECT calibration_bootstrap_trans(NULL, 0.5, true, 10, 'a')$q$)
) v(q);

-- malformed text: syntax (22P02), inconsistent or out-of-range values
CREATE FUNCTION pg_temp.read_text(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM t::calibration_bootstrap_state;
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
CREATE TEMP TABLE good AS
SELECT calibration_bootstrap(p, y, 2, k, 2, 3) AS s FROM (VALUES (0.2::float8, true, 'a'), (0.7, false, 'b')) v(p, y, k);
SELECT s::text FROM good;
SELECT t AS input, pg_temp.read_text(t) AS result FROM (VALUES
 (''),
 ('{}'),
 ('{"version":2,"nbins":1,"replicates":1,"seed":0}'),
 ('{"version":1,"nbins":0,"replicates":1,"seed":0}'),
 ('{"version":1,"nbins":1,"replicates":0,"seed":0}'),
 ('{"version":1,"nbins":100,"replicates":10000,"seed":0}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":0,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[0,0,0,0,0,0],"reps":[0,0,0,0,0,0,0,0]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":0,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[0,0,0,0,0,0],"reps":[0,0,0,0,0,0,0]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":0,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[0,0,0,0,0,0],"reps":[0,0,0,0,0,0,0,0],"x":1}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":0,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[0,0,0,0,0,0],"reps":[-1,0,0,0,0,0,0,0]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":0,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[0,0,0,0,0,0],"reps":[0,0.5,0,0,0,0,0,0]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":0,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[0,0,0,0,0,0],"reps":[1,2,0,0,0,0,0,0]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":0,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[0,0,0,0,0,0],"reps":[1,0.5,0,0.25,0,0,0.25,"Infinity"]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":0,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[0,0,0,0,0,0],"reps":[1,0.5,0,0.25,0,0,0.25,NaN]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":0,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[0,0,0,0,0,0],"reps":[1,0.5,0,0.25,0,0,0.3,0]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":1,"brier":0.25,"brier_comp":0,"logloss":0.6931471805599453,"logloss_comp":0,"bins":[1,0.5,0,0.25,0,0],"reps":[1,0.5,0,0.25,0,0,0.25,"Infinity"]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":1,"brier":0.25,"brier_comp":0,"logloss":"Infinity","logloss_comp":0,"bins":[1,0.5,0,0.25,0,0],"reps":[1,0.5,0,0.25,0,0,0.25,"Infinity"]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":1,"brier":0.25,"brier_comp":0,"logloss":0.6931471805599453,"logloss_comp":0,"bins":[1,0.5,0,0.25,0,0],"reps":[18,9,0,4.5,0,0,4.5,12]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":1,"brier":0.25,"brier_comp":0,"logloss":0.6931471805599453,"logloss_comp":0,"bins":[1,0.5,0,0.25,0,0],"reps":[2,1,0,0.5,0,0,0.5,1.3862943611198906]}'),
 ('{"version":1,"nbins":1,"replicates":1,"seed":0,"w":1e308,"brier":0,"brier_comp":0,"logloss":0,"logloss_comp":0,"bins":[1e308,0,0,0,0,0],"reps":[0,0,0,0,0,0,0,0]}')
) v(t);
