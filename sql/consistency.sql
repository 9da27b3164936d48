-- classify_preference_consistency (doc/annotation.md)
-- genuine: one direction under every condition
SELECT (c).label, round((c).p_genuine::numeric, 6) AS p_g, round((c).p_non_attitude::numeric, 6) AS p_n,
       round((c).p_constructed::numeric, 6) AS p_c, (c).n, (c).n_conditions,
       (c).majority_share, (c).within_agreement, (c).across_agreement, (c).weight
FROM (SELECT classify_preference_consistency(x, c) c
      FROM (VALUES (true,'ab'),(true,'ab'),(true,'ba'),(true,'ba'),(true,'ab'),(true,'ba')) v(x, c)) s;
-- constructed: follows the condition
SELECT (c).label, round((c).p_constructed::numeric, 6) AS p_c, (c).within_agreement, (c).across_agreement
FROM (SELECT classify_preference_consistency(x, c) c
      FROM (VALUES (true,'ab'),(true,'ab'),(true,'ab'),(false,'ba'),(false,'ba'),(false,'ba')) v(x, c)) s;
-- non_attitude: coin flips
SELECT (c).label, round((c).p_non_attitude::numeric, 6) AS p_n, round((c).within_agreement::numeric, 6) AS within
FROM (SELECT classify_preference_consistency(x, c) c
      FROM (VALUES (true,'ab'),(false,'ab'),(true,'ab'),(false,'ab'),(true,'ba'),(false,'ba'),(false,'ba'),(true,'ba')) v(x, c)) s;
-- posteriors against the documented formulas (test/ref/consistency/bayes_optimal.py
-- prefcal_posterior([2, 0], [0, 2]) = 0.07839966, 0.27201283, 0.64958751)
SELECT round((c).p_genuine::numeric, 8), round((c).p_non_attitude::numeric, 8), round((c).p_constructed::numeric, 8),
       round((c).log_ml_genuine::numeric, 8), round((c).log_ml_non_attitude::numeric, 8), round((c).log_ml_constructed::numeric, 8)
FROM (SELECT classify_preference_consistency(x, c) c FROM (VALUES (true,'a'),(true,'a'),(false,'b'),(false,'b')) v(x, c)) s;
-- insufficient: one response; one condition (genuine and constructed coincide)
SELECT (classify_preference_consistency(x, c)).label FROM (VALUES (true, 'ab')) v(x, c);
SELECT (classify_preference_consistency(x, c)).label FROM (VALUES (true,'ab'),(true,'ab'),(true,'ab'),(true,'ab')) v(x, c);
-- ... but inconsistency within one condition is evidence of a non-attitude
SELECT (classify_preference_consistency(x, c)).label
FROM (SELECT i % 2 = 0, 'ab' FROM generate_series(1, 20) i) v(x, c);
-- all identical responses across two conditions
SELECT (classify_preference_consistency(x, c)).label FROM (VALUES (false,'ab'),(false,'ba')) v(x, c);
-- NULL choice / condition / confidence rows are skipped; empty input and all-NULL -> NULL
SELECT (c).n, (c).n_conditions FROM (SELECT classify_preference_consistency(x, c) c
  FROM (VALUES (true,'ab'),(NULL,'ab'),(true,NULL),(false,'ba')) v(x, c)) s;
SELECT classify_preference_consistency(x, c) FROM (VALUES (true,'ab')) v(x, c) WHERE false;
SELECT classify_preference_consistency(x, c) FROM (VALUES (NULL::bool,'ab')) v(x, c);
SELECT (c).n FROM (SELECT classify_preference_consistency(x, c, w) c
  FROM (VALUES (true,'ab',1.0),(true,'ab',NULL),(false,'ba',0.5)) v(x, c, w)) s;
-- confidence is a weight: weight 1 everywhere equals the plain form
SELECT classify_preference_consistency(x, c, 1.0) = classify_preference_consistency(x, c) AS same
FROM (VALUES (true,'ab'),(true,'ba'),(false,'ab'),(true,'ab')) v(x, c);
SELECT (c).label, (c).weight, round((c).p_genuine::numeric, 6) AS p_g FROM (SELECT classify_preference_consistency(x, c, w) c
  FROM (VALUES (true,'ab',0.0),(true,'ba',0.0),(true,'ab',0.0)) v(x, c, w)) s;
SELECT classify_preference_consistency(x, c, w) FROM (VALUES (true,'ab',1.5)) v(x, c, w);
\echo :LAST_ERROR_SQLSTATE
SELECT classify_preference_consistency(x, c, w) FROM (VALUES (true,'ab','NaN'::float8)) v(x, c, w);
\echo :LAST_ERROR_SQLSTATE
-- the condition cap (1000 distinct conditions)
SELECT (classify_preference_consistency(true, i::text)).n_conditions FROM generate_series(1, 1000) i;
SELECT classify_preference_consistency(true, i::text) FROM generate_series(1, 1001) i;
\echo :LAST_ERROR_SQLSTATE
-- state: store, merge, classify; text round trip; combine law
CREATE TABLE resp AS SELECT annotator, item_a, item_b, condition, chose_a, rep
  FROM simulate_annotations(5, n_annotators => 30, repeats => 3);
CREATE TABLE st AS SELECT annotator, item_a, item_b, rep = 1 AS first,
  preference_consistency_state_agg(chose_a, condition) s FROM resp GROUP BY 1, 2, 3, 4;
SELECT count(*) AS groups, count(*) FILTER (WHERE merged = direct) AS equal FROM (
  SELECT preference_consistency_classify(preference_consistency_state_merge(s)) merged,
         (SELECT classify_preference_consistency(chose_a, condition) FROM resp r
          WHERE r.annotator = st.annotator AND r.item_a = st.item_a AND r.item_b = st.item_b) direct
  FROM st GROUP BY annotator, item_a, item_b) x;
SELECT count(*) FILTER (WHERE s::text::preference_consistency_state::text = s::text) = count(*) AS text_round_trip FROM st;
SELECT 'v1 n=2 {"order=ab" 2 0 2 0} {"order=ba" 0 1.5 0 2}'::preference_consistency_state;
SELECT (preference_consistency_classify('v1 n=2 {"order=ab" 2 0 2 0} {"order=ba" 0 2 0 2}')).label;
SELECT preference_consistency_classify('v1 n=0');
SELECT 'v1 n=1 {"a" 3 0 2 0}'::preference_consistency_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"a" 0 0 0 0}'::preference_consistency_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"a" 1 0 1.5 0}'::preference_consistency_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"a" NaN 0 1 0}'::preference_consistency_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"a 1 0 1 0}'::preference_consistency_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1001'::preference_consistency_state;
\echo :LAST_ERROR_SQLSTATE
-- parallel plan gives the same labels
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT classify_preference_consistency(chose_a, condition) FROM resp;
SELECT (c).n, (c).n_conditions, round((c).log_ml_genuine::numeric, 6) AS lg, round((c).log_ml_constructed::numeric, 6) AS lc FROM (SELECT classify_preference_consistency(chose_a, condition) c FROM resp) s;
RESET ALL;
SELECT (c).n, (c).n_conditions, round((c).log_ml_genuine::numeric, 6) AS lg, round((c).log_ml_constructed::numeric, 6) AS lc FROM (SELECT classify_preference_consistency(chose_a, condition) c FROM resp) s;
-- extreme but legal counts, against 50-digit references
-- (test/ref/consistency/extreme_ref.py -> extreme_expected.csv): log_ml to
-- 1e-12 relative (lgamma differences lost 3e-6 at counts near 1e9),
-- posteriors to 1e-12, the agreement fields to 1e-13 relative (across
-- agreement lost up to eight digits once the counts passed about 1e8)
CREATE TABLE xref_fixed (kind text, name text, input text, field text, value float8);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/consistency/extreme_expected.csv'
\set cmd '\\copy xref_fixed FROM ' :'f' ' CSV HEADER'
:cmd
SELECT name, field,
       CASE WHEN field LIKE 'log_ml%' THEN abs(v - value) <= 1e-12 * greatest(1, abs(value))
            WHEN field LIKE 'p\_%' THEN abs(v - value) <= 1e-12
            ELSE abs(v - value) <= 1e-13 * abs(value) END AS ok
FROM xref_fixed, LATERAL (SELECT preference_consistency_classify(input::preference_consistency_state) c) x,
     LATERAL (SELECT CASE field WHEN 'log_ml_genuine' THEN (c).log_ml_genuine
                                WHEN 'log_ml_non_attitude' THEN (c).log_ml_non_attitude
                                WHEN 'log_ml_constructed' THEN (c).log_ml_constructed
                                WHEN 'p_genuine' THEN (c).p_genuine
                                WHEN 'p_non_attitude' THEN (c).p_non_attitude
                                WHEN 'p_constructed' THEN (c).p_constructed
                                WHEN 'within' THEN (c).within_agreement
                                WHEN 'across' THEN (c).across_agreement END AS v) y
WHERE kind = 'fixed'
ORDER BY name, field;
-- merging stays within the per-condition cap (2^31 - 1 responses); the
-- merged state used to exceed it and could not be read back
SELECT preference_consistency_state_merge(s::preference_consistency_state)
FROM (VALUES ('v1 n=1 {"a" 2000000000 0 2000000000 0}'), ('v1 n=1 {"a" 0 147483647 0 147483647}')) v(s);
SELECT preference_consistency_state_merge(s::preference_consistency_state)
FROM (VALUES ('v1 n=1 {"a" 2000000000 0 2000000000 0}'), ('v1 n=1 {"a" 0 147483648 0 147483648}')) v(s);
\echo :LAST_ERROR_SQLSTATE
-- more than 2^31 - 1 responses in one group (several conditions): n is an int
SELECT preference_consistency_classify('v1 n=2 {"a" 2000000000 0 2000000000 0} {"b" 0 147483648 0 147483648}');
\echo :LAST_ERROR_SQLSTATE
