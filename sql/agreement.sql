-- majority_vote and Krippendorff's alpha (doc/annotation.md)
-- Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability":
-- 4 observers x 12 units with missing values; nominal 0.743, interval 0.849
CREATE TABLE kripp (coder text, unit int, value int);
INSERT INTO kripp
SELECT coder, u, v FROM (VALUES
 ('A', ARRAY[1,2,3,3,2,1,4,1,2,NULL,NULL,NULL]),
 ('B', ARRAY[1,2,3,3,2,2,4,1,2,5,NULL,3]),
 ('C', ARRAY[NULL,3,3,3,2,3,4,2,2,5,1,NULL]),
 ('D', ARRAY[1,2,3,3,2,4,4,1,2,5,1,NULL])) t(coder, vals),
 LATERAL unnest(vals) WITH ORDINALITY AS x(v, u);
SELECT round(krippendorff_alpha(unit::text, value::text)::numeric, 3) AS nominal,
       round(krippendorff_alpha_interval(unit::text, value)::numeric, 3) AS interval
FROM kripp;
-- against the independent script (krippendorff_ref.py: 0.743421..., 0.849107...)
SELECT abs(krippendorff_alpha(unit::text, value::text) - 0.7434210526315789) < 1e-12 AS nominal_ok,
       abs(krippendorff_alpha_interval(unit::text, value) - 0.8491071428571429) < 1e-12 AS interval_ok
FROM kripp;
-- random data from test/ref/consistency/krippendorff_ref.py
CREATE TABLE arand (unit text, value int);
\copy arand FROM 'test/ref/consistency/alpha_random.csv' CSV HEADER
CREATE TABLE arand_exp (metric text, alpha float8);
\copy arand_exp FROM 'test/ref/consistency/alpha_random_expected.csv' CSV HEADER
SELECT abs(krippendorff_alpha(unit, value::text) - (SELECT alpha FROM arand_exp WHERE metric = 'nominal')) < 1e-12 AS nominal_ok,
       abs(krippendorff_alpha_interval(unit, value) - (SELECT alpha FROM arand_exp WHERE metric = 'interval')) < 1e-12 AS interval_ok
FROM arand;
-- mergeable: partial states combined equal the whole (parallel plan)
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE abig AS SELECT 'u' || (i % 500) AS unit, ((i * 7919) % 5)::text AS value,
  ((i * 104729) % 11)::float8 AS x FROM generate_series(1, 20000) i;
ANALYZE abig;
EXPLAIN (COSTS OFF) SELECT krippendorff_alpha(unit, value) FROM abig;
CREATE TABLE aserial AS SELECT krippendorff_alpha(unit, value) a, krippendorff_alpha_interval(unit, x) b, majority_vote(value) m FROM abig;
SET max_parallel_workers_per_gather = 0;
SELECT abs(a - (SELECT krippendorff_alpha(unit, value) FROM abig)) < 1e-12 AS nominal_same,
       abs(b - (SELECT krippendorff_alpha_interval(unit, x) FROM abig)) < 1e-12 AS interval_same,
       m = (SELECT majority_vote(value) FROM abig) AS majority_same
FROM aserial;
RESET ALL;
-- edge cases: empty -> NULL; one unit with one value everywhere -> NULL
-- (expected disagreement 0, alpha undefined); units with one value are
-- unpairable and ignored; NULL rows skipped
SELECT krippendorff_alpha(u, v) FROM (VALUES ('a','x')) t(u, v) WHERE false;
SELECT krippendorff_alpha(u, v) IS NULL AS undefined FROM (VALUES ('a','x'),('a','x'),('b','x'),('b','x')) t(u, v);
SELECT krippendorff_alpha(u, v) IS NULL AS unpairable FROM (VALUES ('a','x'),('b','y')) t(u, v);
SELECT krippendorff_alpha(u, v) AS perfect FROM (VALUES ('a','x'),('a','x'),('b','y'),('b','y'),('c',NULL),(NULL,'z')) t(u, v);
SELECT round(krippendorff_alpha(u, v)::numeric, 10) AS one_unit FROM (VALUES ('a','x'),('a','y'),('a','y')) t(u, v);
SELECT krippendorff_alpha_interval(u, v) IS NULL AS undefined FROM (VALUES ('a',1.0),('a',1.0)) t(u, v);
SELECT krippendorff_alpha_interval(u, v) FROM (VALUES ('a','NaN'::float8)) t(u, v);
\echo :LAST_ERROR_SQLSTATE
SELECT krippendorff_alpha_interval(u, v) FROM (VALUES ('a','Infinity'::float8)) t(u, v);
\echo :LAST_ERROR_SQLSTATE
-- majority_vote: share and n; ties go to the smallest label in byte order
SELECT (majority_vote(l)).* FROM (VALUES ('b'),('a'),('b'),(NULL)) t(l);
SELECT (majority_vote(l)).* FROM (VALUES ('b'),('a'),('B'),('ab')) t(l);
SELECT majority_vote(l) FROM (VALUES ('x')) t(l) WHERE false;
SELECT majority_vote(l) FROM (VALUES (NULL::text)) t(l);
-- state types: text round trip, validation; combine outside an aggregate is refused
SELECT 'v1 n=2 {"a" 3} {"b\"c" 1}'::majority_vote_state;
SELECT 'v1 n=1 {"u1" "yes" 2}'::krippendorff_alpha_state;
SELECT 'v1 n=1 {"u1" 3 1.5 0.5}'::krippendorff_alpha_interval_state;
SELECT majority_vote_final('v1 n=2 {"a" 3} {"b" 3}'::majority_vote_state);
SELECT krippendorff_alpha_final(krippendorff_alpha_combine(
  'v1 n=2 {"u1" "x" 2} {"u2" "y" 1}'::krippendorff_alpha_state,
  'v1 n=2 {"u2" "y" 1} {"u3" "x" 1}'::krippendorff_alpha_state)) AS combined;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v2 n=0'::majority_vote_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"a" 0}'::majority_vote_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"a" 1.5}'::majority_vote_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=2 {"a" 1} {"a" 2}'::majority_vote_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=2 {"a" 1}'::majority_vote_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"a" 1} junk'::majority_vote_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"u" 1 0 2}'::krippendorff_alpha_interval_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"u" "v" 1 2}'::krippendorff_alpha_state;
\echo :LAST_ERROR_SQLSTATE
