-- calibration: the calibration aggregates, accessors and state type
-- (doc/calibration.md).  Numbers are compared with an independent SQL
-- formulation and printed rounded or as booleans.
\pset null '(null)'
CREATE FUNCTION pg_temp.close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a = b OR abs(a - b) <= 1e-12 * greatest(1, abs(b)) $$;

CREATE TEMP TABLE preds (item int, p float8, y boolean, vote float8, w float8);
INSERT INTO preds VALUES
 (1, 0.10, false, 0.0, 1.0), (2, 0.40, false, 0.25, 2.0), (3, 0.35, true, 0.5, 1.0),
 (4, 0.80, true, 1.0, 0.5), (5, 0.95, true, 0.75, 1.0), (6, 0.55, false, 0.5, 3.0),
 (7, 0.0, false, 0.0, 1.0), (8, 1.0, true, 1.0, 1.0), (9, 0.70, false, 0.25, 0.0),
 (10, NULL, true, 0.5, 1.0), (11, 0.3, NULL, NULL, 1.0), (12, 0.6, true, 0.5, NULL);

-- brier_score against plain SQL, bool and soft, unweighted and weighted
SELECT round(brier_score(p, y)::numeric, 12) AS brier,
       round(avg((p - y::int) ^ 2) FILTER (WHERE p IS NOT NULL AND y IS NOT NULL)::numeric, 12) AS plain,
       round(brier_score(p, vote)::numeric, 12) AS brier_soft,
       round(avg((p - vote) ^ 2)::numeric, 12) AS plain_soft
FROM preds;
SELECT pg_temp.close(brier_score(p, y, w),
         (SELECT sum(w * (p - y::int) ^ 2) / sum(w) FROM preds
          WHERE p IS NOT NULL AND y IS NOT NULL AND w IS NOT NULL)) AS weighted_bool,
       pg_temp.close(brier_score(p, vote, w),
         (SELECT sum(w * (p - vote) ^ 2) / sum(w) FROM preds
          WHERE p IS NOT NULL AND vote IS NOT NULL AND w IS NOT NULL)) AS weighted_soft
FROM preds;

-- ece_agg against width_bucket-style plain SQL with the right-closed bins
WITH b AS (
  SELECT greatest(ceil(p * 10)::int, 1) AS bin, count(*) AS n, avg(p) AS mp, avg(y::int) AS my
  FROM preds WHERE p IS NOT NULL AND y IS NOT NULL GROUP BY 1)
SELECT pg_temp.close((SELECT ece_agg(p, y, 10) FROM preds),
                     sum(n * abs(my - mp)) / sum(n)) AS ece_matches_plain_sql,
       pg_temp.close((SELECT calibration_mce(calibration_state_agg(p, y, 10)) FROM preds),
                     max(abs(my - mp))) AS mce_matches
FROM b;
-- the 2-argument forms use 15 bins
SELECT ece_agg(p, y) = ece_agg(p, y, 15) AS ece_default_15,
       ece_agg(p, vote) = ece_agg(p, vote, 15) AS soft_default_15,
       calibration_state_agg(p, y)::text = calibration_state_agg(p, y, 15)::text AS agg_default_15,
       calibration_state_agg(p, y, 15)::text = calibration_state_agg(p, y, 15, 1.0)::text AS unit_weight
FROM preds;

-- log loss: natural log, mean; exact at p = 0 and 1
-- (rows with p = 0 or 1 predicted right contribute 0)
SELECT pg_temp.close(log_loss(p, y),
         (SELECT sum(CASE WHEN y THEN -ln(p) ELSE -ln(1 - p) END) FROM preds
          WHERE y IS NOT NULL AND p > 0 AND p < 1)
         / (SELECT count(*) FROM preds WHERE p IS NOT NULL AND y IS NOT NULL)) AS logloss_matches
FROM preds;
SELECT log_loss(p, y) AS certain_right FROM (VALUES (0.0::float8, false), (1.0, true)) v(p, y);
SELECT log_loss(p, y) AS certain_wrong FROM (VALUES (0.0::float8, true), (0.5, true)) v(p, y);
SELECT log_loss(p, y) AS certain_wrong_other FROM (VALUES (1.0::float8, false)) v(p, y);
SELECT log_loss(p, y) AS soft_at_0 FROM (VALUES (0.0::float8, 0.0::float8)) v(p, y);
SELECT log_loss(p, y) AS soft_half_at_0 FROM (VALUES (0.0::float8, 0.5::float8)) v(p, y);
SELECT round(log_loss(p, y)::numeric, 12) AS soft_half, round(ln(2)::numeric, 12) AS ln2
FROM (VALUES (0.5::float8, 0.3::float8)) v(p, y);

-- NULL rows are skipped; empty input and all-NULL input give NULL
SELECT brier_score(p, y) = (SELECT brier_score(p, y) FROM preds WHERE p IS NOT NULL AND y IS NOT NULL) AS nulls_skipped
FROM preds;
SELECT brier_score(p, y), brier_score(p, y, w), ece_agg(p, y), ece_agg(p, y, 5),
       log_loss(p, y), calibration_state_agg(p, y)
FROM preds WHERE false;
SELECT brier_score(p, y), ece_agg(p, vote), log_loss(p, vote), calibration_state_agg(p, y, 3, w),
       brier_score(NULL::float8[], 0), ece_agg(NULL::float8[], 1, 4)
FROM preds WHERE p IS NULL OR y IS NULL OR w IS NULL;
SELECT brier_score(ARRAY[p, 1 - p], NULL), calibration_state_agg(p, y, NULL)
FROM preds WHERE item = 1;
-- zero total weight: a state, but every measure is NULL
SELECT brier_score(p, y, 0.0), calibration_n(calibration_state_agg(p, y, 4, 0.0)) AS n,
       calibration_ece(calibration_state_agg(p, y, 4, 0.0)) AS ece,
       calibration_brier(calibration_state_agg(p, y, 4, 0.0)) AS brier,
       calibration_log_loss(calibration_state_agg(p, y, 4, 0.0)) AS logloss,
       calibration_decomposition(calibration_state_agg(p, y, 4, 0.0)) AS decomposition,
       (SELECT count(*) FROM calibration_bins(calibration_state_agg(p, y, 4, 0.0))) AS bins
FROM preds WHERE p IS NOT NULL AND y IS NOT NULL;

-- accessors on one state
CREATE TEMP TABLE st AS
SELECT calibration_state_agg(p, y, 4) AS s, calibration_state_agg(p, vote, 4, w) AS sw FROM preds;
SELECT * FROM calibration_bins((SELECT s FROM st));
SELECT calibration_n(s), round(calibration_ece(s)::numeric, 12) AS ece,
       round(calibration_mce(s)::numeric, 12) AS mce,
       round(calibration_rmsce(s)::numeric, 12) AS rmsce,
       round(calibration_brier(s)::numeric, 12) AS brier,
       round(calibration_log_loss(s)::numeric, 12) AS logloss
FROM st;
-- the same from the bins table
SELECT pg_temp.close(sum(n * abs(gap)) / sum(n), (SELECT calibration_ece(s) FROM st)) AS ece,
       pg_temp.close(max(abs(gap)), (SELECT calibration_mce(s) FROM st)) AS mce,
       pg_temp.close(sqrt(sum(n * gap ^ 2) / sum(n)), (SELECT calibration_rmsce(s) FROM st)) AS rmsce
FROM calibration_bins((SELECT s FROM st));
-- the decomposition identity REL - RES + UNC + WBV - WBC = Brier, and UNC = ybar(1 - ybar) for binary y
SELECT pg_temp.close(reliability - resolution + uncertainty + within_bin_variance - within_bin_covariance, brier) AS identity,
       pg_temp.close(brier, (SELECT brier_score(p, y) FROM preds)) AS brier_is_brier,
       pg_temp.close(uncertainty, (SELECT avg(y::int) * (1 - avg(y::int)) FROM preds WHERE p IS NOT NULL AND y IS NOT NULL)) AS unc_binary
FROM calibration_decomposition((SELECT s FROM st));
SELECT pg_temp.close(reliability - resolution + uncertainty + within_bin_variance - within_bin_covariance, brier) AS identity_soft_weighted,
       pg_temp.close(brier, (SELECT brier_score(p, vote, w) FROM preds)) AS brier_is_brier
FROM calibration_decomposition((SELECT sw FROM st));
SELECT round(brier::numeric, 12) AS brier, round(reliability::numeric, 12) AS rel,
       round(resolution::numeric, 12) AS res, round(uncertainty::numeric, 12) AS unc,
       round(within_bin_variance::numeric, 12) AS wbv, round(within_bin_covariance::numeric, 12) AS wbc
FROM calibration_decomposition((SELECT s FROM st));

-- binning: p = k/B lands in bin k (1-based; bin 1 is [0, 1/B]) for every k and several B
SELECT bool_and(b.bin = greatest(k, 1)) AS right_closed, count(*) AS cases
FROM generate_series(1, 40) nb, generate_series(0, nb) k,
     LATERAL (SELECT calibration_state_agg(x, true, nb) FROM (SELECT k::float8 / nb) v(x)) a(s),
     LATERAL calibration_bins(a.s) b;
-- and a hair above k/B lands in bin k + 1
SELECT bool_and(b.bin = k + 1) AS just_above, count(*) AS cases
FROM generate_series(1, 40) nb, generate_series(0, nb - 1) k,
     LATERAL (SELECT calibration_state_agg(x, true, nb) FROM (SELECT k::float8 / nb + 1e-12) v(x)) a(s),
     LATERAL calibration_bins(a.s) b;

-- K classes: brier_score sums over classes; top-label ECE (ties to the lowest index)
SELECT round(brier_score(probs, label)::numeric, 12) AS brier_k,
       round(avg((SELECT sum((probs[i] - (i - 1 = label)::int) ^ 2)
                  FROM generate_subscripts(probs, 1) i))::numeric, 12) AS plain
FROM (VALUES (ARRAY[0.7, 0.2, 0.1], 0), (ARRAY[0.2, 0.5, 0.3], 2), (ARRAY[0.4, 0.4, 0.2], 1),
             (ARRAY[0.0, 0.0, 1.0], 2)) v(probs, label);
SELECT calibration_state_agg(probs, label, 5)
FROM (VALUES (ARRAY[0.7, 0.2, 0.1], 0), (ARRAY[0.2, 0.5, 0.3], 2), (ARRAY[0.4, 0.4, 0.2], 1)) v(probs, label);
SELECT round(ece_agg(probs, label, 5)::numeric, 12) AS ece_top,
       round(ece_agg(conf, correct, 5)::numeric, 12) AS ece_by_hand
FROM (SELECT probs, label, 0 AS argmax_is_first_of_ties,
             (SELECT max(x) FROM unnest(probs) x) AS conf,
             label = (SELECT i - 1 FROM generate_subscripts(probs, 1) i ORDER BY probs[i] DESC, i LIMIT 1) AS correct
      FROM (VALUES (ARRAY[0.7, 0.2, 0.1], 0), (ARRAY[0.2, 0.5, 0.3], 2), (ARRAY[0.4, 0.4, 0.2], 1),
                   (ARRAY[0.4, 0.4, 0.2], 0)) v(probs, label)) q;

-- the fast path (rows after a group's first, no weight, no nbins) adds
-- exactly what the general path adds with weight 1 and 15 bins: the same
-- bits, over rows on every bin edge, at 0 and 1, with NULLs in between
CREATE TEMP TABLE fastrows AS
SELECT i, CASE WHEN i % 41 = 0 THEN NULL ELSE (i % 31) / 30.0 END AS p,
       CASE WHEN i % 53 = 0 THEN NULL ELSE i % 3 = 0 END AS y,
       CASE WHEN i % 59 = 0 THEN NULL ELSE (i % 9) / 8.0 END AS vote
FROM generate_series(1, 3000) i
UNION ALL SELECT 3000 + k, k / 15.0, k % 2 = 0, k / 15.0 FROM generate_series(0, 15) k;
SELECT brier_score(p, y) = brier_score(p, y, 1.0) AS brier_bool_same,
       brier_score(p, vote) = brier_score(p, vote, 1.0) AS brier_soft_same,
       ece_agg(p, y) = ece_agg(p, y, 15) AS ece_bool_same,
       ece_agg(p, vote) = ece_agg(p, vote, 15) AS ece_soft_same,
       ece_agg(p, y) = calibration_ece(calibration_state_agg(p, y)) AS ece_is_calibration_ece,
       brier_score(p, vote) = calibration_brier(calibration_state_agg(p, vote)) AS brier_is_calibration_brier
FROM fastrows;
-- the same for calibration_state_agg(p, y) (its whole state, as text) and
-- log_loss(p, y), away from p = 0 and 1 where log loss is infinite
SELECT calibration_state_agg(p, y)::text = calibration_state_agg(p, y, 15, 1.0)::text AS full_bool_same,
       calibration_state_agg(p, vote)::text = calibration_state_agg(p, vote, 15, 1.0)::text AS full_soft_same,
       log_loss(p, y) = calibration_log_loss(calibration_state_agg(p, y, 15, 1.0)) AS logloss_bool_same,
       log_loss(p, vote) = calibration_log_loss(calibration_state_agg(p, vote, 15, 1.0)) AS logloss_soft_same,
       round(log_loss(p, y)::numeric, 12) AS logloss
FROM fastrows WHERE p > 0 AND p < 1;
-- and per group, where every group's first row takes the general path
SELECT count(*) AS groups,
       count(*) FILTER (WHERE b = bw AND e = ew) AS same
FROM (SELECT i % 7 AS g, brier_score(p, y) AS b, brier_score(p, y, 1.0) AS bw,
             ece_agg(p, vote) AS e, ece_agg(p, vote, 15) AS ew
      FROM fastrows GROUP BY 1) s;

-- and in window aggregates, a moving frame (restarted for every row) and a
-- growing one
SELECT count(*) AS rows_, count(*) FILTER (WHERE a = b AND c = d) AS same
FROM (SELECT brier_score(p, y) OVER w AS a, brier_score(p, y, 1.0) OVER w AS b,
             ece_agg(p, y) OVER w2 AS c, ece_agg(p, y, 15) OVER w2 AS d
      FROM fastrows
      WINDOW w AS (ORDER BY i ROWS BETWEEN 10 PRECEDING AND CURRENT ROW),
             w2 AS (ORDER BY i)) s;
-- ---------- bad input: each a class-22 error ----------
SELECT brier_score(p, y) FROM (VALUES ('NaN'::float8, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(p, y) FROM (VALUES ('Infinity'::float8, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(p, y) FROM (VALUES ('-Infinity'::float8, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(p, y, 10) FROM (VALUES (-0.1::float8, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT log_loss(p, y) FROM (VALUES (1.5::float8, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_state_agg(p, y) FROM (VALUES (1.0001::float8, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(p, y) FROM (VALUES (0.5::float8, 'NaN'::float8)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(p, y) FROM (VALUES (0.5::float8, 1.1::float8)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT log_loss(p, y) FROM (VALUES (0.5::float8, -0.01::float8)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_state_agg(p, y, 10) FROM (VALUES (0.5::float8, 'Infinity'::float8)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(0.5, true, -1.0);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(0.5, 0.5, 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_state_agg(0.5, true, 10, 'Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(0.5, true, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(0.5, 0.5, 10001);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_state_agg(0.5, true, -3);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(ARRAY[0.5, 0.5], 0, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_state_agg(0.5, true, 10001);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(0.5, true, nb) FROM (VALUES (10), (20)) v(nb);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(ARRAY[0.5, NULL], 0);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(ARRAY[[0.5, 0.5], [0.5, 0.5]], 0);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(ARRAY[1.0], 0);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg('{}'::float8[], 0, 10);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(probs, 0) FROM (VALUES (ARRAY[0.5, 0.5]), (ARRAY[0.2, 0.3, 0.5])) v(probs);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_state_agg(ARRAY[0.5, 0.5], 2, 10);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(ARRAY[0.5, 0.5], -1, 10);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(ARRAY[0.5, 1.5], 0);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(ARRAY[0.5, 'NaN'], 0, 10);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_state_agg(ARRAY[-0.5, 0.5], 0, 10);
\echo :LAST_ERROR_SQLSTATE
-- a transition function called outside an aggregate refuses to run
SELECT calibration_state_agg_trans(NULL::calibration_state, 0.5, true);
\echo :LAST_ERROR_SQLSTATE
-- ... nor does one given a state made elsewhere (the per-row fast path
-- checks it too)
SELECT brier_score_trans('version=1 nbins=0 classes=0 w=2 brier=0.5 brier_comp=0 logloss=untracked bins=[]', 0.5, true);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg_trans(calibration_state_agg(p, y), 0.5, 0.5) FROM preds;
\echo :LAST_ERROR_SQLSTATE
-- a bad value after good rows: every row after a group's first takes the
-- fast path of brier_score(p, y) and ece_agg(p, y), which hands any row it
-- does not take to the checks
SELECT brier_score(p, y) FROM (VALUES (0.5::float8, true), (0.25, false), ('NaN', true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(p, y) FROM (VALUES (0.5::float8, 0.5::float8), (0.25, 1.0), (0.5, 1.5)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(p, y) FROM (VALUES (0.5::float8, true), (0.25, false), (-0.0625, true)) v(p, y);
\echo :LAST_ERROR_SQLSTATE
SELECT ece_agg(p, y) FROM (VALUES (0.5::float8, 0.5::float8), (0.25, 1.0), (0.5, '-Infinity')) v(p, y);
\echo :LAST_ERROR_SQLSTATE
-- measures that need what the state does not have
SELECT calibration_ece('version=1 nbins=0 classes=0 w=2 brier=0.5 brier_comp=0 logloss=untracked bins=[]');
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_log_loss('version=1 nbins=0 classes=0 w=2 brier=0.5 brier_comp=0 logloss=untracked bins=[]');
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_brier('version=1 nbins=0 classes=0 w=2 brier=0.5 brier_comp=0 logloss=untracked bins=[]');

-- ---------- the state type ----------
-- exact text round trip of every kind of state
CREATE TEMP TABLE states (name text, s calibration_state);
INSERT INTO states
SELECT 'bool', calibration_state_agg(p, y, 7) FROM preds UNION ALL
SELECT 'soft weighted', calibration_state_agg(p, vote, 3, w) FROM preds UNION ALL
SELECT 'k-class', calibration_state_agg(ARRAY[p, (1 - p) / 3, (1 - p) * 2 / 3], item % 3, 6) FROM preds WHERE p IS NOT NULL UNION ALL
SELECT 'random', calibration_state_agg(random(), random() < 0.3, 100, random() * 10) FROM generate_series(1, 2000) UNION ALL
SELECT 'totals', 'version=1 nbins=0 classes=0 w=3 brier=0.75 brier_comp=1e-17 logloss=untracked bins=[]' UNION ALL
SELECT 'k-brier', 'version=1 nbins=0 classes=4 w=2 brier=2.5 brier_comp=0 logloss=untracked bins=[]' UNION ALL
SELECT 'infinite logloss', calibration_state_agg(p, y, 2) FROM (VALUES (0.0::float8, true), (0.5, false)) v(p, y);
SELECT name, s::text::calibration_state::text = s::text AS exact_round_trip FROM states ORDER BY name;
SET extra_float_digits = -10;
SELECT name, s::text::calibration_state::text = s::text AS exact_with_few_digits FROM states ORDER BY name;
RESET extra_float_digits;
-- field by field
SELECT name,
       calibration_n(r) = calibration_n(s) AS n,
       calibration_brier(r) = calibration_brier(s) AS brier,
       (SELECT array_agg(b ORDER BY b.bin) FROM calibration_bins(r) b) IS NOT DISTINCT FROM
       (SELECT array_agg(b ORDER BY b.bin) FROM calibration_bins(s) b) AS bins
FROM (SELECT name, s, s::text::calibration_state AS r FROM states WHERE name NOT IN ('totals', 'k-brier')) q
ORDER BY name;
-- a hand-written state reads back in canonical form
SELECT ' version=1  nbins=3 classes=0 w=2 brier=0.125 brier_comp=0 logloss=1.5 logloss_comp=0 bins=[ 1:(1, 0.25,0,0.0625,0,0)   3:(1,0.75,1,0.5625,0.75,1) ] '::calibration_state;

-- binary send/recv through COPY BINARY (client-side files in pg_regress's
-- output directory: \copy does not take psql variables, so each command is
-- built in one)
\getenv abs_builddir PG_ABS_BUILDDIR
\set fstates :abs_builddir '/results/calibration_states.bin'
\set fbad :abs_builddir '/results/calibration_bad.bin'
CREATE TEMP TABLE states_back (name text, s calibration_state);
\set cmd '\\copy (SELECT name, s FROM states) TO ' :'fstates' ' (FORMAT binary)'
:cmd
\set cmd '\\copy states_back FROM ' :'fstates' ' (FORMAT binary)'
:cmd
SELECT a.name, a.s::text = b.s::text AS binary_round_trip,
       calibration_state_send(a.s) = calibration_state_send(b.s) AS same_bytes
FROM states a JOIN states_back b USING (name) ORDER BY a.name;
-- malformed binary: bytes crafted from a valid state, read back through recv
CREATE TEMP TABLE bad_bytes (name text, b bytea);
INSERT INTO bad_bytes
SELECT 'truncated', substr(calibration_state_send(s), 1, 40) FROM states WHERE name = 'bool' UNION ALL
SELECT 'version 9', set_byte(calibration_state_send(s), 1, 9) FROM states WHERE name = 'bool' UNION ALL
SELECT 'nbins 20000', overlay(calibration_state_send(s) placing '\x00004e20'::bytea from 5) FROM states WHERE name = 'bool' UNION ALL
SELECT 'w negative', set_byte(calibration_state_send(s), 12, 192) FROM states WHERE name = 'bool' UNION ALL
SELECT 'flags', set_byte(calibration_state_send(s), 2, 1) FROM states WHERE name = 'bool';
CREATE TEMP TABLE bad_back (s calibration_state);
-- each one written alone, then read back as a calibration_state: the
-- SQLSTATE, then the message
\set read_bad '\\copy bad_back FROM ' :'fbad' ' (FORMAT binary)'
\set SHOW_CONTEXT never
\set cmd '\\copy (SELECT b FROM bad_bytes WHERE name = ''flags'') TO ' :'fbad' ' (FORMAT binary)'
:cmd
\set VERBOSITY sqlstate
:read_bad
\set VERBOSITY default
:read_bad
\set cmd '\\copy (SELECT b FROM bad_bytes WHERE name = ''nbins 20000'') TO ' :'fbad' ' (FORMAT binary)'
:cmd
\set VERBOSITY sqlstate
:read_bad
\set VERBOSITY default
:read_bad
\set cmd '\\copy (SELECT b FROM bad_bytes WHERE name = ''truncated'') TO ' :'fbad' ' (FORMAT binary)'
:cmd
\set VERBOSITY sqlstate
:read_bad
\set VERBOSITY default
:read_bad
\set cmd '\\copy (SELECT b FROM bad_bytes WHERE name = ''version 9'') TO ' :'fbad' ' (FORMAT binary)'
:cmd
\set VERBOSITY sqlstate
:read_bad
\set VERBOSITY default
:read_bad
\set cmd '\\copy (SELECT b FROM bad_bytes WHERE name = ''w negative'') TO ' :'fbad' ' (FORMAT binary)'
:cmd
\set VERBOSITY sqlstate
:read_bad
\set VERBOSITY default
:read_bad
\set SHOW_CONTEXT errors
SELECT count(*) AS accepted FROM bad_back;

-- malformed text: syntax (22P02) and inconsistent values (22023, 22003)
CREATE FUNCTION pg_temp.read_text(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM t::calibration_state;
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT t AS input, pg_temp.read_text(t) AS result FROM (VALUES
 (''),
 ('garbage'),
 ('version=1'),
 ('version=x nbins=3'),
 ('version=2 nbins=0 classes=0 w=0 brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=-1 classes=0 w=0 brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=10001 classes=0 w=0 brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=99999999999 classes=0 w=0 brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=1 w=0 brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=0 brier=0 brier_comp=0 logloss=untracked bins=[] extra'),
 ('version=1 nbins=0 classes=0 w=0 brier=0 brier_comp=0 logloss=untracked bins=['),
 ('version=1 nbins=0 classes=0 w=abc brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=1e999 brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=-1 brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=NaN brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=Infinity brier=0 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=2 brier=3 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=2 brier=-1 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=2 brier=1 brier_comp=0.5 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=2 brier=1 brier_comp=0 logloss=-1 logloss_comp=0 bins=[]'),
 ('version=1 nbins=0 classes=0 w=0 brier=0 brier_comp=0 logloss=1 logloss_comp=0 bins=[]'),
 ('version=1 nbins=0 classes=0 w=0 brier=0.5 brier_comp=0 logloss=untracked bins=[]'),
 ('version=1 nbins=0 classes=0 w=1 brier=0.5 brier_comp=0 logloss=Infinity logloss_comp=0 bins=[]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0 brier_comp=0 logloss=untracked bins=[3:(1,0.75,1,0.5625,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0 brier_comp=0 logloss=untracked bins=[0:(1,0.75,1,0.5625,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=2 brier=0 brier_comp=0 logloss=untracked bins=[2:(1,1,1,1,1,1) 1:(1,0,0,0,0,0)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0 brier_comp=0 logloss=untracked bins=[2:(1,1,1,1,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.75,1,0.5625,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(-1,0.75,1,0.5625,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0 brier_comp=0 logloss=untracked bins=[2:(0,0.75,1,0.5625,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.25,1,0.5625,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.75,2,0.5625,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.75,1,0.9,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.75,1,0.5,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.75,1,0.5625,0.8,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.75,1,0.5625,0.75,0.5)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.75,1,0.5625,0.75,Infinity)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.75,1,0.5625,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=3 brier=0.0625 brier_comp=0 logloss=untracked bins=[2:(1,0.75,1,0.5625,0.75,1)]'),
 ('version=1 nbins=2 classes=0 w=1 brier=0.3 brier_comp=0 logloss=untracked bins=[2:(1,0.75,1,0.5625,0.75,1)]')
) v(t);

-- ---------- the combine laws ----------
-- dyadic probabilities, unit weights: every sum is exact, so merged = union bit for bit
CREATE TEMP TABLE dy AS
SELECT i, (i * 37 % 65) / 64.0::float8 AS p, (i * 11 % 7) < 3 AS y FROM generate_series(1, 3000) i;
CREATE TEMP TABLE parts AS
SELECT i % 5 AS part, calibration_state_agg(p, y, 12) AS s FROM dy GROUP BY 1;
SELECT (SELECT ece_agg(p, y, 12) FROM dy) = calibration_ece(m) AS ece_equal,
       (SELECT brier_score(p, y) FROM dy) = calibration_brier(m) AS brier_equal,
       pg_temp.close((SELECT log_loss(p, y) FROM dy), calibration_log_loss(m)) AS logloss_close,
       m::text::jsonb - 'logloss' - 'logloss_comp' =
       (SELECT calibration_state_agg(p, y, 12) FROM dy)::text::jsonb - 'logloss' - 'logloss_comp' AS text_equal_but_logloss
FROM (SELECT calibration_state_merge(s) AS m FROM parts) q;
-- random data: merged agrees with the union to rounding
CREATE TEMP TABLE rnd AS
SELECT i, random() AS p, random() < 0.4 AS y, random() * 3 AS w FROM generate_series(1, 5000) i;
SELECT pg_temp.close(calibration_ece(m), calibration_ece(u)) AS ece,
       pg_temp.close(calibration_brier(m), calibration_brier(u)) AS brier,
       pg_temp.close(calibration_log_loss(m), calibration_log_loss(u)) AS logloss,
       pg_temp.close(calibration_n(m), calibration_n(u)) AS n,
       pg_temp.close((calibration_decomposition(m)).resolution, (calibration_decomposition(u)).resolution) AS resolution
FROM (SELECT calibration_state_merge(s) AS m FROM (SELECT calibration_state_agg(p, y, 20, w) AS s FROM rnd GROUP BY i % 7) g) a,
     (SELECT calibration_state_agg(p, y, 20, w) AS u FROM rnd) b;
-- NULL and empty states are identities
SELECT calibration_state_merge(s)::text = (SELECT s::text FROM states WHERE name = 'bool') AS null_identity
FROM (SELECT s FROM states WHERE name = 'bool' UNION ALL SELECT NULL) q;
SELECT calibration_state_merge(s)::text = (SELECT s::text FROM states WHERE name = 'bool') AS empty_identity
FROM (SELECT s FROM states WHERE name = 'bool' UNION ALL
      SELECT 'version=1 nbins=7 classes=0 w=0 brier=0 brier_comp=0 logloss=0 logloss_comp=0 bins=[]') q;
SELECT calibration_state_merge(s) IS NULL AS all_null FROM (SELECT NULL::calibration_state) q(s);
-- merging K-class states
SELECT pg_temp.close(calibration_ece(calibration_state_merge(s)),
                     (SELECT ece_agg(ARRAY[p, 1 - p], (i % 2), 10) FROM rnd)) AS k_class_merge
FROM (SELECT calibration_state_agg(ARRAY[p, 1 - p], (i % 2), 10) AS s FROM rnd GROUP BY i % 3) g;
-- incompatible states
SELECT calibration_state_merge(s) FROM (SELECT s FROM states WHERE name IN ('bool', 'soft weighted')) q;
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_state_merge(s) FROM (VALUES
 ('version=1 nbins=0 classes=4 w=2 brier=2.5 brier_comp=0 logloss=untracked bins=[]'::calibration_state),
 ('version=1 nbins=0 classes=3 w=2 brier=2.5 brier_comp=0 logloss=untracked bins=[]')) v(s);
\echo :LAST_ERROR_SQLSTATE
-- a state without log loss makes the merge untracked
SELECT calibration_state_merge(s) FROM (VALUES
 ('version=1 nbins=0 classes=0 w=1 brier=0.25 brier_comp=0 logloss=0.7 logloss_comp=0 bins=[]'::calibration_state),
 ('version=1 nbins=0 classes=0 w=2 brier=0.5 brier_comp=0 logloss=untracked bins=[]')) v(s);

-- ---------- the reliability diagram ----------
SELECT left(svg, 4) AS starts, right(rtrim(svg, E'\n'), 6) AS ends,
       xml_is_well_formed_document(svg) AS well_formed,
       (length(svg) - length(replace(svg, '<circle', ''))) / 7 =
       (SELECT count(*) FROM calibration_bins((SELECT s FROM states WHERE name = 'random'))) AS one_point_per_bin,
       svg LIKE '%ECE = %' AS has_ece,
       svg LIKE '%A &lt;b&gt; &amp; &quot;c&quot;%' AS title_escaped
FROM (SELECT calibration_svg(s, 'A <b> & "c"') AS svg FROM states WHERE name = 'random') q;
SELECT xml_is_well_formed_document(calibration_svg(s)) AS default_title,
       calibration_svg(s) LIKE '%Reliability diagram%' AS titled
FROM states WHERE name = 'bool';
-- a NULL state gives NULL (with or without a title)
SELECT calibration_svg(NULL::calibration_state) IS NULL AS null_state,
       calibration_svg(NULL::calibration_state, 'title') IS NULL AS null_state_titled;
-- calibration_svg is overloaded (a calibration_bootstrap_state draws bands):
-- a bare NULL or an untyped literal names neither type and needs a cast
SELECT calibration_svg(NULL, 'title');
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_svg('{"version": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_svg('version=1 nbins=0 classes=0 w=2 brier=0.5 brier_comp=0 logloss=untracked bins=[]'::calibration_state);
\echo :LAST_ERROR_SQLSTATE

-- ---------- extreme weight scales ----------
-- RMSCE is invariant to the weights' scale (sqrt((0.8^2 + 0.6^2) / 2));
-- it came out 0 at 1e-300 and Infinity at 1e300 when the gaps were
-- squared before dividing by the bin weight
SELECT c, abs(calibration_rmsce(calibration_state_agg(p, y, 10, c)) - sqrt(0.5)) < 1e-15 AS rmsce_ok,
       abs(calibration_ece(calibration_state_agg(p, y, 10, c)) - 0.7) < 1e-15 AS ece_ok
FROM (VALUES (0.2::float8, true), (0.6, false)) v(p, y),
     (VALUES (1e-300::float8), (1), (1e300)) s(c)
GROUP BY c ORDER BY c;
-- a total weight or a weighted log loss beyond the double range is an
-- error, not a Brier score of 0 or a log loss of Infinity
SELECT brier_score(p, y, w) FROM (VALUES (0.2::float8, false, 1e308::float8), (0.9, true, 1e308)) v(p, y, w);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_state_agg(p, y, 10, w) FROM (VALUES (0.2::float8, false, 1e308::float8), (0.9, true, 1e308)) v(p, y, w);
\echo :LAST_ERROR_SQLSTATE
SELECT calibration_log_loss(calibration_state_agg(p, true, 10, w)) FROM (VALUES (1e-300::float8, 1e307::float8)) v(p, w);
\echo :LAST_ERROR_SQLSTATE
-- ... while a certain wrong prediction still costs +Infinity
SELECT calibration_log_loss(calibration_state_agg(p, y, 10, w)) AS certain_wrong
FROM (VALUES (0.0::float8, true, 1e300::float8), (0.5, false, 1)) v(p, y, w);
-- merging two states whose total exceeds the range
SELECT calibration_state_merge(s) FROM (VALUES
 ('version=1 nbins=0 classes=0 w=1e308 brier=0 brier_comp=0 logloss=untracked bins=[]'::calibration_state),
 ('version=1 nbins=0 classes=0 w=1e308 brier=0 brier_comp=0 logloss=untracked bins=[]')) v(s);
\echo :LAST_ERROR_SQLSTATE
-- subnormal weights are refused (their products lose their precision)
SELECT brier_score(0.5, true, 5e-324);
\echo :LAST_ERROR_SQLSTATE
SELECT brier_score(p, y, w) = 0.15625 AS zero_weight_ok
FROM (VALUES (0.5::float8, true, 0::float8), (0.5, false, 1), (0.25, false, 1)) v(p, y, w);
-- the decomposition of identical rows: every variance-like term is 0
-- (the one-pass sums left -1e-15 of rounding before)
SELECT brier, reliability, resolution, uncertainty, within_bin_variance, within_bin_covariance
FROM calibration_decomposition((SELECT calibration_state_agg(0.7::float8, 0.3::float8, 10) FROM generate_series(1, 1000)));
SELECT uncertainty, within_bin_variance, within_bin_covariance
FROM calibration_decomposition((SELECT calibration_state_agg(0.7::float8, true, 10) FROM generate_series(1, 1000)));
-- nearly identical p: the variance-like terms are never negative (the
-- within-bin variance was -3.7e-14 here), and the identity still holds up
-- to the rounding of the sums
SELECT within_bin_variance >= 0 AS wbv_nonneg, uncertainty >= 0 AS unc_nonneg,
       abs(reliability - resolution + uncertainty + within_bin_variance - within_bin_covariance - brier) < 1e-12 AS identity
FROM calibration_decomposition((SELECT calibration_state_agg(0.7 + 1e-9 * (g % 7), g % 3 = 0, 10) FROM generate_series(1, 100000) g));
-- the smooth-ECE error bound is invariant to the weights' scale (it
-- underflowed to about 0 with weights near 1e-170)
SELECT c, abs(d.smooth_ece / r.smooth_ece - 1) < 1e-12 AS value_ok,
       abs(d.error_bound / r.error_bound - 1) < 1e-12 AS bound_ok
FROM (VALUES (1e-170::float8), (1e-300), (1e300)) x(c),
     LATERAL calibration_smooth_ece_detail((SELECT calibration_state_agg(((i * 0.6180339887) - floor(i * 0.6180339887))::float8,
        ((i * 0.7548776662) - floor(i * 0.7548776662)) < (i * 0.6180339887) - floor(i * 0.6180339887), 20, (1 + i % 3) * c)
        FROM generate_series(1, 200) i), 0.05) d,
     LATERAL calibration_smooth_ece_detail((SELECT calibration_state_agg(((i * 0.6180339887) - floor(i * 0.6180339887))::float8,
        ((i * 0.7548776662) - floor(i * 0.7548776662)) < (i * 0.6180339887) - floor(i * 0.6180339887), 20, (1 + i % 3)::float8)
        FROM generate_series(1, 200) i), 0.05) r
ORDER BY c;
