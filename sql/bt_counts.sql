-- bt_state: the pair-count state, its aggregates, I/O and merge laws
SET extra_float_digits = 0;

-- empty input and rows with NULL items or outcome give NULL
SELECT bt_state_agg(a, b, o, w) IS NULL AS empty_is_null
FROM (VALUES ('x'::text, 'y'::text, 1::float8, 1::float8)) v(a, b, o, w) WHERE false;
SELECT bt_state_agg(a, b, o, w) IS NULL AS all_null_rows_skipped
FROM (VALUES (NULL::text, 'y'::text, 1::float8, 1::float8), ('x', NULL, 1, 1), ('x', 'y', NULL, 1)) v(a, b, o, w);

-- counts per ordered pair: first-wins, second-wins, ties; NULL weight = 1;
-- zero weight contributes nothing (not even the items)
SELECT bt_state_agg(a, b, o, w)
FROM (VALUES ('x', 'y', 1, 2.5), ('x', 'y', 0, NULL), ('y', 'x', 0.5, 1),
	('x', 'y', 0.5, 0.25), ('x', 'z', 1, 0)) v(a, b, o, w);
SELECT bt_state_agg(a, b) FROM (VALUES ('x', 'y'), ('x', 'y'), ('y', 'z')) v(a, b);
SELECT bt_state_agg(a, b, o, w)
FROM (VALUES (1::bigint, 2::bigint, 1::float8, 1::float8), (2, 1, 0.5, 3), (-5, 9223372036854775807, 0, 1)) v(a, b, o, w);
SELECT bt_state_agg(a, b) FROM (VALUES (3::bigint, 4::bigint), (4, 3)) v(a, b);
-- names that need escaping survive
SELECT bt_state_agg(a, b) FROM (VALUES (E'q"uote\\', E'tab\tnew\nline'), ('ünï', 'x')) v(a, b);

-- bad rows
SELECT bt_state_agg(a, b, o, w) FROM (VALUES ('x', 'y', 'NaN'::float8, 1)) v(a, b, o, w);
\echo :LAST_ERROR_SQLSTATE
SELECT bt_state_agg(a, b, o, w) FROM (VALUES ('x', 'y', 0.7, 1)) v(a, b, o, w);
\echo :LAST_ERROR_SQLSTATE
SELECT bt_state_agg(a, b, o, w) FROM (VALUES ('x', 'y', 1, -1)) v(a, b, o, w);
\echo :LAST_ERROR_SQLSTATE
SELECT bt_state_agg(a, b, o, w) FROM (VALUES ('x', 'y', 1, 'Infinity'::float8)) v(a, b, o, w);
\echo :LAST_ERROR_SQLSTATE
SELECT bt_state_agg(a, b, o, w) FROM (VALUES ('x', 'y', 1, 'NaN'::float8)) v(a, b, o, w);
\echo :LAST_ERROR_SQLSTATE
SELECT bt_state_agg(a, b) FROM (VALUES ('x', 'y'), ('z', 'z')) v(a, b);
\echo :LAST_ERROR_SQLSTATE
SELECT bt_state_agg(a, b) FROM (VALUES (7::bigint, 7::bigint)) v(a, b);
\echo :LAST_ERROR_SQLSTATE

-- the transition function refuses to run outside an aggregate
SELECT bt_state_agg_trans(NULL::bt_state, 'a'::text, 'b'::text);
\echo :LAST_ERROR_SQLSTATE
-- ... nor with a stored state: only the aggregate's own state is updated in place
SELECT bt_state_agg_trans(s, 'a'::text, 'c'::text) FROM (SELECT bt_state_agg('a', 'b') s) t;
\echo :LAST_ERROR_SQLSTATE

-- text round trip (exact floats) and input validation
SELECT s::text::bt_state::text = s::text AS round_trip
FROM (SELECT bt_state_agg(a, b, o, w) s FROM (VALUES ('x', 'y', 1, 0.1), ('y', 'z', 0.5, 1e-300),
	('z', 'x', 0, 1/3.0)) v(a, b, o, w)) q;
SELECT '{"version": 1, "ids": "none", "pairs": []}'::bt_state;
SELECT '{"version":1,"ids":"text","pairs":[["a","b",1,2,3],["b","a",0,0,0.5]]}'::bt_state;
SELECT '{"version": 2, "ids": "text", "pairs": []}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "ids": "text", "pairs": [["a", "a", 1, 0, 0]]}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "ids": "text", "pairs": [["a", "b", 1, 0, 0], ["a", "b", 1, 0, 0]]}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "ids": "text", "pairs": [["a", "b", -1, 0, 0]]}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "ids": "text", "pairs": [["a", "b", 1, NaN, 0]]}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
-- each count finite, their total not: out of range (22003), as when rows
-- or merged states add up past the largest float8
SELECT '{"version": 1, "ids": "text", "pairs": [["a", "d", 1e308, 0, 1e308]]}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "ids": "bigint", "pairs": [[1, 2, 1e308, 1e308, 0]]}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
-- just below the largest float8: accepted, and it round-trips
SELECT s::text = s::text::bt_state::text AS round_trip, s::text
  FROM (SELECT '{"version": 1, "ids": "text", "pairs": [["a", "d", 1e308, 0, 7e307]]}'::bt_state AS s) v;
SELECT '{"version": 1, "ids": "bigint", "pairs": [[1, 2, 1, 0]]}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "ids": "bigint", "pairs": [[1, 99999999999999999999, 1, 0, 0]]}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "ids": "text", "pairs": []} trailing'::bt_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "ids": "none", "pairs": [["a", "b", 1, 0, 0]]}'::bt_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'garbage'::bt_state;
\echo :LAST_ERROR_SQLSTATE

-- merge laws: merge(A, B) fits like the union; an empty state is an identity
CREATE TEMP TABLE cmp AS
SELECT 'i' || (g % 37) AS a, 'i' || ((g * 7 + 3) % 41) AS b,
	CASE WHEN g % 5 = 0 THEN 0.5 WHEN g % 3 = 0 THEN 0 ELSE 1 END::float8 AS o,
	1 + (g % 4)::float8 AS w, g % 2 AS half
FROM generate_series(1, 4000) g
WHERE 'i' || (g % 37) <> 'i' || ((g * 7 + 3) % 41);
CREATE TEMP TABLE parts AS
SELECT half, bt_state_agg(a, b, o, w) s FROM cmp GROUP BY half
UNION ALL SELECT 2, '{"version": 1, "ids": "none", "pairs": []}'::bt_state;
WITH u AS (SELECT bt_fit(bt_state_agg(a, b, o, w)) m FROM cmp),
	mg AS (SELECT bt_fit(bt_state_merge(s)) m FROM parts)
SELECT count(*) AS items, bool_and(abs(x.score - y.score) < 1e-12) AS same_scores,
	bool_and(abs(x.se - y.se) < 1e-12) AS same_se,
	bool_and(x.wins = y.wins AND x.losses = y.losses AND x.ties = y.ties) AS same_counts
FROM u, mg, bt_scores(u.m) x JOIN bt_scores(mg.m) y USING (item);
SELECT bt_state_merge(s) IS NULL AS merge_of_nulls FROM (VALUES (NULL::bt_state)) v(s);
-- a stored state reads back and merges
CREATE TEMP TABLE stored AS SELECT half, s FROM parts;
SELECT (SELECT bt_state_merge(s) FROM stored)::text = (SELECT bt_state_merge(s) FROM parts)::text AS stored_same;
-- text and bigint ids do not mix
SELECT bt_state_merge(s) FROM (SELECT bt_state_agg('a'::text, 'b'::text) s
	UNION ALL SELECT bt_state_agg(1::bigint, 2::bigint)) q;
\echo :LAST_ERROR_SQLSTATE

-- a forced parallel plan (Partial Aggregate + combine) equals the serial one
CREATE TABLE bt_par AS
SELECT 'p' || (g % 101) AS a, 'p' || ((g * 13 + 5) % 97) AS b,
	((g * 31) % 3) / 2.0 AS o, 1::float8 AS w
FROM generate_series(1, 60000) g
WHERE 'p' || (g % 101) <> 'p' || ((g * 13 + 5) % 97);
ANALYZE bt_par;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_fit AS SELECT bt_fit(bt_state_agg(a, b, o, w)) m FROM bt_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT bt_fit(bt_state_agg(a, b, o, w)) FROM bt_par;
CREATE TEMP TABLE parallel_fit AS SELECT bt_fit(bt_state_agg(a, b, o, w)) m FROM bt_par;
EXPLAIN (COSTS OFF) SELECT bt_fit(a, b) FROM bt_par;
SELECT count(*) AS items, bool_and(abs(x.score - y.score) < 1e-12) AS same_scores,
	bool_and(x.wins = y.wins AND x.losses = y.losses AND x.ties = y.ties) AS same_counts
FROM serial_fit s, parallel_fit p, bt_scores(s.m) x JOIN bt_scores(p.m) y USING (item);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE bt_par;

-- item hash collisions: these bigint ids have equal hashes (the id's two
-- 32-bit halves xor to the same value), these names equal hashtext()
-- (the hash_bytes the state uses); counts must still go to the right item
SELECT bool_and(hashtext(x) = hashtext(y)) AS names_collide
FROM (VALUES ('k191518', 'k289282'), ('k8862', 'k212653')) v(x, y);
WITH r(a, b) AS (VALUES (1::bigint, 4294967296::bigint), (4294967296, 8589934595),
	(8589934595, 1), (1, 4294967296), (0, -1), (-1, 0), (-1, 1))
SELECT item, wins, losses FROM bt_scores((SELECT bt_fit(bt_state_agg(a, b), prior => 1) FROM r))
ORDER BY item::bigint;
WITH r(a, b) AS (VALUES ('k191518', 'k289282'), ('k289282', 'k8862'), ('k8862', 'k212653'),
	('k212653', 'k191518'), ('k191518', 'k289282'))
SELECT item, wins, losses FROM bt_scores((SELECT bt_fit(bt_state_agg(a, b), prior => 1) FROM r))
ORDER BY item;
-- many items and pairs (tables grow several times; merging a stored state
-- into a non-empty one) keep every count: per item totals against SQL
CREATE TEMP TABLE many AS
SELECT (g::bigint * 7919) % 5003 AS a, (g::bigint * 104729 + 17) % 4999 AS b, (g % 2)::float8 AS o
FROM generate_series(1, 50000) g WHERE (g::bigint * 7919) % 5003 <> (g::bigint * 104729 + 17) % 4999;
CREATE TEMP TABLE many_parts AS
SELECT a % 3 AS part, bt_state_agg(a, b, o, 1) s FROM many GROUP BY a % 3;
WITH m AS (SELECT bt_fit(bt_state_merge(s), prior => 1) m FROM many_parts),
	ref AS (SELECT item, sum(w) AS wins FROM (SELECT CASE WHEN o = 1 THEN a ELSE b END AS item, 1 AS w FROM many) q GROUP BY item)
SELECT count(*) AS items, bool_and(s.wins = ref.wins) AS wins_match,
	sum(s.wins + s.losses) = 2 * (SELECT count(*) FROM many) AS totals_match
FROM m, bt_scores(m.m) s JOIN ref ON ref.item = s.item::bigint;

-- every pair's counts, exactly, against GROUP BY: 300k rows (ties, weights
-- that are multiples of 1/2, so every sum is exact) over 400 items, enough
-- for the log of unmerged rows to be radix-sorted and merged into the
-- pairs many times; bigint and text ids, serial and through a merge of
-- three stored parts; each pair listed once, sorted by (first, second)
-- item index
SELECT setseed(0.25);
CREATE TEMP TABLE exact_rows AS
SELECT g::bigint AS a, g::bigint + 1 AS b, 1::float8 AS o, 0.5::float8 AS w
FROM generate_series(0, 398) g
UNION ALL
SELECT a, b, o, w FROM (
	SELECT floor(random() * 400)::bigint AS a, floor(random() * 400)::bigint AS b,
		(floor(random() * 3) / 2)::float8 AS o, (1 + floor(random() * 4)) / 2 AS w
	FROM generate_series(1, 300000)) q WHERE a <> b;
CREATE TEMP TABLE exact_ref AS
SELECT a::text AS a, b::text AS b, coalesce(sum(w) FILTER (WHERE o = 1), 0) AS w1,
	coalesce(sum(w) FILTER (WHERE o = 0), 0) AS w2, coalesce(sum(w) FILTER (WHERE o = 0.5), 0) AS wt
FROM exact_rows GROUP BY a, b;
CREATE TEMP TABLE exact_states AS
SELECT 'bigint' AS how, bt_state_agg(a, b, o, w)::text::jsonb AS j FROM exact_rows
UNION ALL
SELECT 'text', bt_state_agg(a::text, b::text, o, w)::text::jsonb FROM exact_rows
UNION ALL
SELECT 'merged parts', bt_state_merge(s)::text::jsonb
FROM (SELECT bt_state_agg(a, b, o, w) s FROM exact_rows GROUP BY a % 3) p;
WITH p AS (
	SELECT how, x.ord, x.e->>0 AS a, x.e->>1 AS b, (x.e->>2)::float8 AS w1,
		(x.e->>3)::float8 AS w2, (x.e->>4)::float8 AS wt
	FROM exact_states, jsonb_array_elements(j->'pairs') WITH ORDINALITY AS x(e, ord))
SELECT how, count(*) = (SELECT count(*) FROM exact_ref) AS all_pairs,
	count(DISTINCT (a, b)) = count(*) AS each_once,
	bool_and(r.w1 = p.w1 AND r.w2 = p.w2 AND r.wt = p.wt) AS counts_exact
FROM p JOIN exact_ref r USING (a, b) GROUP BY how ORDER BY how;
-- sorted by item index: the first 399 rows name the items in id order, so
-- a serial scan gives item k index k
SELECT bool_and(ok) AS sorted_by_index FROM (
	SELECT (a, b) > lag((a, b)) OVER (ORDER BY x.ord) IS NOT FALSE AS ok
	FROM exact_states, jsonb_array_elements(j->'pairs') WITH ORDINALITY AS x(e, ord),
		LATERAL (SELECT (x.e->>0)::bigint AS a, (x.e->>1)::bigint AS b) ab
	WHERE how = 'bigint') q;

-- bigint ids from 0 up to a multiple of the item count are looked up in a
-- direct map (bt_counts.c), which grows with the items: ids first seen
-- before the map covers them, negative ids and ids far beyond it take the
-- hash; every pair's counts exact against GROUP BY, serial and merged
SELECT setseed(0.5);
CREATE TEMP TABLE direct_rows AS
WITH x AS (
	SELECT g, floor(random() * 2000)::int AS x, floor(random() * 2000)::int AS y
	FROM generate_series(1, 60000) g),
f AS (
	SELECT g, x, y, f.id AS a, h.id AS b
	FROM x,
		LATERAL (SELECT CASE WHEN x < 600 THEN x::bigint * 13 WHEN x < 1200 THEN -x::bigint
			WHEN x < 1600 THEN (1::bigint << 40) + x ELSE 20000 + x * 3 END AS id) f,
		LATERAL (SELECT CASE WHEN y < 600 THEN y::bigint * 13 WHEN y < 1200 THEN -y::bigint
			WHEN y < 1600 THEN (1::bigint << 40) + y ELSE 20000 + y * 3 END AS id) h)
SELECT a, b, (g % 3 / 2.0)::float8 AS o, (1 + g % 4) / 2.0::float8 AS w
FROM f WHERE a <> b ORDER BY g;
CREATE TEMP TABLE direct_ref AS
SELECT a::text AS a, b::text AS b, coalesce(sum(w) FILTER (WHERE o = 1), 0) AS w1,
	coalesce(sum(w) FILTER (WHERE o = 0), 0) AS w2, coalesce(sum(w) FILTER (WHERE o = 0.5), 0) AS wt
FROM direct_rows GROUP BY a, b;
CREATE TEMP TABLE direct_states AS
SELECT 'serial' AS how, bt_state_agg(a, b, o, w)::text::jsonb AS j FROM direct_rows
UNION ALL
SELECT 'merged parts', bt_state_merge(s)::text::jsonb
FROM (SELECT bt_state_agg(a, b, o, w) s FROM direct_rows GROUP BY abs(a) % 3) p;
WITH p AS (
	SELECT how, x.e->>0 AS a, x.e->>1 AS b, (x.e->>2)::float8 AS w1,
		(x.e->>3)::float8 AS w2, (x.e->>4)::float8 AS wt
	FROM direct_states, jsonb_array_elements(j->'pairs') AS x(e))
SELECT how, count(*) = (SELECT count(*) FROM direct_ref) AS all_pairs,
	count(DISTINCT (a, b)) = count(*) AS each_once,
	bool_and(r.w1 = p.w1 AND r.w2 = p.w2 AND r.wt = p.wt) AS counts_exact
FROM p JOIN direct_ref r USING (a, b) GROUP BY how ORDER BY how;
SELECT count(DISTINCT i) AS items FROM (SELECT a FROM direct_rows UNION SELECT b FROM direct_rows) q(i);
DROP TABLE direct_rows, direct_ref, direct_states;

-- merging states whose counts add up beyond float8 is a user error (22003)
SELECT bt_state_merge(s) FROM (VALUES
  ('{"version": 1, "ids": "text", "pairs": [["x", "y", 1e308, 0, 0]]}'::bt_state),
  ('{"version": 1, "ids": "text", "pairs": [["x", "y", 1e308, 0, 0]]}'::bt_state)) v(s);
\echo :LAST_ERROR_SQLSTATE
