-- test/fuzz/hostile-tables.sql: tables of hostile values for the fuzzers
-- (test/fuzz/run-fuzz.sh, test/fuzz/run-sqlsmith.sh).  Deterministic
-- (setseed).  Most rows are plausible annotation data, so aggregates build
-- real states; the rest carry NaN, +-Infinity, NULL, 0, 1, out-of-range,
-- huge, tiny and denormal numbers, and long or odd text ids.
SELECT pg_catalog.setseed(0.4242);

CREATE TABLE fuzz_special (v float8);
INSERT INTO fuzz_special VALUES
  ('NaN'), ('Infinity'), ('-Infinity'), (NULL), (0), ('-0'), (1), (-1),
  (0.5), (1e308), (-1e308), (1e-308), (5e-324), (2.2250738585072014e-308),
  (1.0000000000000002), (0.9999999999999999), (-0.1), (1.1), (1e-300),
  (4.9e-324), (1.7976931348623157e308), (0.1), (0.9), (2), (100), (1e15);

CREATE TABLE fuzz_ids (id text);
INSERT INTO fuzz_ids VALUES
  ('a'), ('b'), ('c'), ('d'), (''), (' '), (NULL), ('NULL'), ('a,b'),
  ('{x}'), ('"q"'), (E'back\\slash'), (E'tab\there'), (E'new\nline'),
  ('ünïcødé'), ('😀'), ('日本語'), (pg_catalog.repeat('x', 5000)),
  ('item:1'), ('-1'), ('1e308'), ('NaN'), ('a b'), (''''), (')(');

-- one row per annotation: pair (a, b), outcome of "first shown wins",
-- weight, prediction p and label y, K-class probabilities and label, an
-- annotator and a condition.
CREATE TABLE fuzz_rows (
	id int, k int,
	a text, b text, ai bigint, bi bigint,
	outcome float8, w float8,
	p float8, y bool, yf float8,
	probs float8[], label int,
	annotator text, cond text, choice int
);

INSERT INTO fuzz_rows
SELECT i, i % 10,
       CASE WHEN r1 < 0.9 THEN pg_catalog.chr(97 + (i * 7) % 6)
            ELSE iv[1 + (pg_catalog.random() * 24)::int] END,
       CASE WHEN r2 < 0.9 THEN pg_catalog.chr(97 + (i * 11 + 1) % 6)
            ELSE iv[1 + (pg_catalog.random() * 24)::int] END,
       CASE WHEN r1 < 0.95 THEN (i * 7) % 6 WHEN r1 < 0.97 THEN NULL
            WHEN r1 < 0.99 THEN 9223372036854775807 ELSE -9223372036854775808 END,
       CASE WHEN r2 < 0.95 THEN (i * 11 + 1) % 6 WHEN r2 < 0.98 THEN NULL ELSE 0 END,
       CASE WHEN r3 < 0.9 THEN (ARRAY[0, 0.5, 1, 1])[1 + i % 4]
            ELSE sv[1 + (pg_catalog.random() * 25)::int] END,
       CASE WHEN r3 < 0.9 THEN 1 + (i % 3)
            ELSE sv[1 + (pg_catalog.random() * 25)::int] END,
       CASE WHEN r4 < 0.9 THEN pg_catalog.random()
            ELSE sv[1 + (pg_catalog.random() * 25)::int] END,
       CASE WHEN r4 < 0.97 THEN pg_catalog.random() < 0.6 ELSE NULL END,
       CASE WHEN r5 < 0.9 THEN pg_catalog.random()
            ELSE sv[1 + (pg_catalog.random() * 25)::int] END,
       CASE WHEN r5 < 0.85 THEN ARRAY[0.2, 0.3, 0.5]::float8[]
            WHEN r5 < 0.9 THEN ARRAY[0.7, 0.3]::float8[]
            WHEN r5 < 0.92 THEN '{}'::float8[]
            WHEN r5 < 0.94 THEN ARRAY[NULL, 0.5]::float8[]
            WHEN r5 < 0.96 THEN ARRAY['NaN', 'Infinity', -1]::float8[]
            WHEN r5 < 0.98 THEN '{{0.5,0.5},{0.1,0.9}}'::float8[]
            ELSE NULL END,
       CASE WHEN r6 < 0.9 THEN i % 3 WHEN r6 < 0.93 THEN NULL
            WHEN r6 < 0.96 THEN -1 ELSE 2147483647 END,
       'ann' || (i % 7), (ARRAY['AB', 'BA', 'AB2', 'BA2'])[1 + i % 4],
       CASE WHEN r6 < 0.95 THEN (i / 3) % 2 ELSE NULL END
  FROM (SELECT i, pg_catalog.random() r1, pg_catalog.random() r2,
               pg_catalog.random() r3, pg_catalog.random() r4,
               pg_catalog.random() r5, pg_catalog.random() r6
          FROM pg_catalog.generate_series(1, 20000) i) g,
       (SELECT pg_catalog.array_agg(v) FROM fuzz_special) s(sv),
       (SELECT pg_catalog.array_agg(id) FROM fuzz_ids) d(iv);

ALTER TABLE fuzz_rows SET (parallel_workers = 2);
ANALYZE fuzz_special, fuzz_ids, fuzz_rows;

-- Valid values the fuzzer cannot build from the rows above: a fitted
-- Bradley-Terry model needs a strongly connected comparison graph (every
-- item wins and loses), which the random pairs of fuzz_rows seldom give a
-- group, so without these the functions that read a bt_model would only
-- ever see NULLs and garbage.  fuzz.py harvests every column of our types
-- from this table before it starts, then mutates what it harvested.  Four
-- items compared in both orders with mixed outcomes (text and bigint ids;
-- the bigint ids 0..3 are among the fuzzer's special integers).
CREATE TABLE fuzz_pairs_connected AS
SELECT * FROM (VALUES
  ('a', 'b', 1.0::float8, 1::bigint, 2::bigint), ('b', 'a', 1, 2, 1),
  ('a', 'c', 0, 1, 3), ('c', 'a', 1, 3, 1), ('b', 'c', 0.5, 2, 3),
  ('c', 'b', 1, 3, 2), ('c', 'd', 1, 3, 0), ('d', 'c', 0, 0, 3),
  ('d', 'a', 1, 0, 1), ('a', 'd', 0, 1, 0), ('b', 'd', 1, 2, 0),
  ('d', 'b', 0.5, 0, 2), ('a', 'b', 0, 1, 2), ('c', 'd', 0, 3, 0)) v(a, b, o, ai, bi);

CREATE TABLE fuzz_seed_values AS
SELECT
  (SELECT bt_state_agg(a, b, o, 1.0) FROM fuzz_pairs_connected) AS counts_text,
  (SELECT bt_state_agg(ai, bi, o, 2.5) FROM fuzz_pairs_connected) AS counts_bigint,
  (SELECT bt_fit(bt_state_agg(a, b, o, 1.0)) FROM fuzz_pairs_connected) AS model_half,
  (SELECT bt_fit(bt_state_agg(a, b, o, 1.0), ties => 'davidson')
     FROM fuzz_pairs_connected) AS model_davidson,
  (SELECT bt_fit(bt_state_agg(a, b, o, 1.0), position_effect => true, prior => 0.1)
     FROM fuzz_pairs_connected) AS model_position,
  (SELECT bt_fit(bt_state_agg(a, b, o, 2.5), reference => 'c', augment => 'swap')
     FROM fuzz_pairs_connected) AS model_reference,
  (SELECT bt_fit(bt_state_agg(a, b, o, 1.0), objective => 'logloss+brier', ties => 'drop')
     FROM fuzz_pairs_connected) AS model_brier,
  (SELECT bt_fit(bt_state_agg(ai, bi, o, 1.0), ties => 'davidson',
                             position_effect => true, prior => 0.5)
     FROM fuzz_pairs_connected) AS model_bigint;
