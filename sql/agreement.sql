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
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/consistency/alpha_random.csv'
\set cmd '\\copy arand FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TABLE arand_exp (metric text, alpha float8);
\set f :abs_srcdir '/test/ref/consistency/alpha_random_expected.csv'
\set cmd '\\copy arand_exp FROM ' :'f' ' CSV HEADER'
:cmd
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
-- extreme scales and offsets: alpha is scale- and shift-invariant; exact
-- alphas of the same float8 values from test/ref/consistency/alpha_extreme_ref.py
-- (Python fractions); ok = 1 - alpha within 1e-10 relative
CREATE TABLE aext (name text, alpha float8, one_minus_alpha float8);
\set f :abs_srcdir '/test/ref/consistency/alpha_extreme_expected.csv'
\set cmd '\\copy aext FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TABLE arev AS SELECT i % 20 AS u, (i % 20) + (i * 0.37 - floor(i * 0.37)) AS v
FROM generate_series(1, 200) i;
CREATE FUNCTION aext_ok(name text, got float8) RETURNS bool LANGUAGE sql AS
$$ SELECT coalesce(abs((1 - got) - one_minus_alpha) <= 1e-10 * abs(one_minus_alpha), false)
   FROM aext WHERE aext.name = aext_ok.name $$;
SELECT 'scale:' || s AS name, aext_ok('scale:' || s, krippendorff_alpha_interval(u::text, s::float8 * v)) AS ok
FROM arev, (VALUES ('1'), ('1e-170'), ('1e-160'), ('1e-300'), ('1e152')) x(s)
GROUP BY s ORDER BY 1;
SELECT 'scale:' || s AS name, aext_ok('scale:' || s, krippendorff_alpha_interval(u::text, s::float8 * v)) AS ok
FROM arev, (VALUES ('1e154'), ('1e300')) x(s)
GROUP BY s ORDER BY 1;
SELECT aext_ok('offset:1e12', krippendorff_alpha_interval(u::text, v::float8 + 1e12::float8)) AS offset_1e12,
       aext_ok('offset:-1e15', krippendorff_alpha_interval(u::text, v::float8 + (-1e15)::float8)) AS offset_m1e15
FROM arev;
SELECT aext_ok('centred:1e300', krippendorff_alpha_interval(u::text, 1e300::float8 * v - 1e300::float8 * 10)) AS centred_1e300
FROM arev;
-- the same through a parallel plan (partial states merged by unit)
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT krippendorff_alpha_interval(unit, 1e200 * x) FROM abig;
SELECT aext_ok('abig:1', krippendorff_alpha_interval(unit, x)) AS abig_1,
       aext_ok('abig:1e-200', krippendorff_alpha_interval(unit, 1e-200 * x)) AS abig_1em200
FROM abig;
SELECT aext_ok('abig:1e200', krippendorff_alpha_interval(unit, 1e200 * x)) AS abig_1e200
FROM abig;
RESET ALL;
-- values whose spread float8 cannot resolve (subnormal), or whose
-- differences overflow: 22003, never a silent number
SELECT krippendorff_alpha_interval(u::text, 1e-310 * v) FROM arev;
\echo :LAST_ERROR_SQLSTATE
SELECT krippendorff_alpha_interval(u, v) FROM (VALUES ('a', 1.5e308), ('a', -1.5e308)) t(u, v);
\echo :LAST_ERROR_SQLSTATE
SELECT krippendorff_alpha_interval(u, v) FROM (VALUES ('a', 1e308), ('a', 1e308), ('b', -1e308), ('b', -1e308)) t(u, v);
\echo :LAST_ERROR_SQLSTATE
-- a spread of 1e-300 still works: one unit gives exactly 0
SELECT krippendorff_alpha_interval(u, v) AS one_unit_tiny FROM (VALUES ('a', 1e-300), ('a', 3e-300), ('a', 2e-300)) t(u, v);
-- version-1 interval states (count, mean, sum of squares) are still read,
-- written back as version 2 (count, reference, mean - reference, rms
-- deviation); u1 = {1, 1.5, 2}, u2 = {2, 4}: alpha = 7/26 exactly
SELECT 'v1 n=2 {"u1" 3 1.5 0.5} {"u2" 2 3 2}'::krippendorff_alpha_interval_state;
SELECT abs(krippendorff_alpha_interval_final('v1 n=2 {"u1" 3 1.5 0.5} {"u2" 2 3 2}') - 7/26.0) < 1e-15 AS v1_ok,
       abs(krippendorff_alpha_interval_final('v2 n=2 {"u1" 3 1 0.5 0.408248290463863} {"u2" 2 2 1 1}') - 7/26.0) < 1e-15 AS v2_ok,
       abs(krippendorff_alpha_interval_final(krippendorff_alpha_interval_state_in(
         krippendorff_alpha_interval_state_out('v1 n=2 {"u1" 3 1.5 0.5} {"u2" 2 3 2}'))) - 7/26.0) < 1e-15 AS round_trip_ok;
SELECT 'v3 n=0'::krippendorff_alpha_interval_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v2 n=1 {"u" 1 0 0 2}'::krippendorff_alpha_interval_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v2 n=1 {"u" 2 1e308 1e308 2}'::krippendorff_alpha_interval_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v2 n=1 {"u" 2 0 0 -1}'::krippendorff_alpha_interval_state;
\echo :LAST_ERROR_SQLSTATE
-- nominal alpha from counts up to 2^53: no cancellation in m^2 - sum n_v^2
SELECT aext_ok('nominal:bigcount', krippendorff_alpha_final(
  'v1 n=6 {"u" "a" 1e15} {"u" "b" 1} {"w" "a" 1} {"w" "b" 1} {"x" "a" 2} {"x" "b" 1}')) AS nominal_bigcount,
       abs(krippendorff_alpha_final(
  'v1 n=6 {"u" "a" 1e15} {"u" "b" 1} {"w" "a" 1} {"w" "b" 1} {"x" "a" 2} {"x" "b" 1}')
       - (SELECT alpha FROM aext WHERE name = 'nominal:bigcount')) < 1e-12 AS nominal_bigcount_abs;
-- majority_vote: n is exact beyond 2^53 (2^53 + 2^53 + 1), and a total
-- beyond bigint is 22003
SELECT (r).label, abs((r).share - 9007199254740992 / 18014398509481985.0) < 1e-15 AS share_ok,
       (r).n = 18014398509481985 AS n_exact
FROM (SELECT majority_vote_final('v1 n=3 {"a" 9007199254740992} {"b" 9007199254740992} {"c" 1}') r) s;
SELECT majority_vote_final(('v1 n=1100 ' || string_agg(format('{"l%s" 9007199254740992}', i), ' '))::majority_vote_state)
FROM generate_series(1, 1100) i;
\echo :LAST_ERROR_SQLSTATE
-- a single pairable unit gives exactly 0 (D_o = D_e), not a rounding residue
SELECT krippendorff_alpha_interval('one', v) = 0 AS interval_one_unit,
       krippendorff_alpha_interval('one', 1e12::float8 + v) = 0 AS interval_one_unit_offset,
       krippendorff_alpha('one', (u % 7)::text) = 0 AS nominal_one_unit,
       krippendorff_alpha('one', (u % 3)::text) = 0 AS nominal_one_unit_3
FROM arev;
SELECT krippendorff_alpha_interval('one', sin(i * 2)) = 0 AS interval_one_unit_sin
FROM generate_series(1, 50) i;
