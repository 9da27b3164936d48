# test/t/021_bt_memory.t: bt_state states large enough that their pairs
# span several 8 MB segments and the log and sort space they outgrow at
# 8 MB are cut into spare segments (more than about 1.05M distinct pairs),
# built by the paths 020_bt.t does not take: text ids, GROUP BY with
# several such states at once, merges of whole large states (every pair
# logged, none copied), a window aggregate read after each peer group
# (rows added to a state already merged and flattened, or fitted in
# place), bt_fit reading a state in place, parallel partial states, and
# the input function's builder.  Each is checked against
# GROUP BY in plain SQL (a fingerprint of every pair's text) or against a
# state built directly (text equality).
use strict;
use warnings;
use Test::More;
use PrefcalTest;

my $db = pc_newdb('prefcal_t_bt_memory');

# 1.15M rows, nearly all distinct pairs among 30000 items; weights and
# outcomes whose sums are exact in any order
my ($out, $err, $rc) = pc_psql($db, q{
SELECT setseed(0.25);
CREATE TABLE d AS
SELECT g, floor(random() * 30000)::bigint AS a, floor(random() * 30000)::bigint AS b,
	(floor(random() * 3) / 2)::float8 AS o, (2 ^ (floor(random() * 4) - 2))::float8 AS w
FROM generate_series(1, 1150000) g;
DELETE FROM d WHERE a = b;
-- the counts of each pair of rows g in [lo, hi], by GROUP BY
CREATE FUNCTION ref(lo int, hi int, k float8, pfx text, sfx text)
RETURNS TABLE (n bigint, h numeric) LANGUAGE sql AS $$
SELECT count(*), sum(hashtext(format('%s, %s, %s, %s, %s', pfx || a || sfx, pfx || b || sfx,
	k * w1, k * w2, k * wt))::numeric)
FROM (SELECT a, b, coalesce(sum(w) FILTER (WHERE o = 1), 0) AS w1,
		coalesce(sum(w) FILTER (WHERE o = 0), 0) AS w2,
		coalesce(sum(w) FILTER (WHERE o = 0.5), 0) AS wt
	FROM d WHERE g BETWEEN lo AND hi GROUP BY a, b) q $$;
-- the same of a state, from its text form
CREATE FUNCTION fp(s bt_state) RETURNS TABLE (n bigint, h numeric) LANGUAGE sql AS $$
SELECT count(*), sum(hashtext(x)::numeric)
FROM (SELECT s::text AS t) q,
	regexp_split_to_table(left(substr(t, strpos(t, '"pairs": [[') + 11), -3), '\], \[') x $$;
SET max_parallel_workers_per_gather = 0;
SET synchronize_seqscans = off;
CREATE TABLE st AS SELECT bt_state_agg(a, b, o, w) AS s, bt_state_agg('i' || a, 'i' || b, o, w) AS t,
	bt_state_agg(a, b, o, 2 * w) AS s2 FROM d;
});
is($rc, 0, 'the data and the states directly built') or diag($err);

sub same_as_ref
{
	my ($expr, $lo, $hi, $k, $name, $pfx, $sfx) = @_;
	$pfx //= '';
	$sfx //= '';
	like(pc_psql($db, qq{SET max_parallel_workers_per_gather = 0;
SELECT f.n = r.n AND f.h = r.h AND r.n > @{[int(0.9 * ($hi - $lo))]}
FROM ($expr) q, fp(q.s) f, ref($lo, $hi, $k, '$pfx', '$sfx') r}),
		qr{^t\s*$}, $name);
}

same_as_ref('SELECT s FROM st', 1, 1150000, 1, 'bigint ids: every pair as GROUP BY');
same_as_ref('SELECT t AS s FROM st', 1, 1150000, 1, 'text ids: every pair as GROUP BY', '"i', '"');
like(pc_psql($db, q{SELECT s::text::bt_state::text = s::text AND t::text::bt_state::text = t::text FROM st}),
	qr{^t\s*$}, 'text round trips (input builder with several segments)');

# two large states at once in a hash table: weights k * w for k in 1, 2
like(pc_psql($db, q{SET max_parallel_workers_per_gather = 0;
SET synchronize_seqscans = off; SET enable_hashagg = on; SET work_mem = '1GB';
SELECT bool_and(CASE k WHEN 1 THEN q.s::text = st.s::text ELSE q.s::text = st.s2::text END)
	AND count(*) = 2
FROM (SELECT k, bt_state_agg(a, b, o, k * w) AS s FROM d, generate_series(1, 2) k GROUP BY k) q, st}),
	qr{^t\s*$}, 'GROUP BY, two large states');

# a merge of whole large states: after the first, every pair goes through the log
like(pc_psql($db, q{SELECT (SELECT bt_state_merge(s) FROM st, generate_series(1, 2))::text = s2::text FROM st}),
	qr{^t\s*$}, 'bt_state_merge of two large states');

# a window aggregate: read (flattened) after the first peer group, then
# rows added to the merged state
for my $f ([0, 1, 600000], [1, 1, 1150000])
{
	same_as_ref("SELECT s FROM (SELECT g, bt_state_agg(a, b, o, w) OVER (ORDER BY g > 600000) AS s FROM d) q
WHERE g = (SELECT min(g) FROM d WHERE (g > 600000) = $f->[0]::bool)", $f->[1], $f->[2], 1,
		"window aggregate, frame of rows 1..$f->[2]");
}

# bt_fit reading a large state in place (its segments as chunks, the
# state handed on by bt_state' final function without a flattened copy)
# against the fit of the stored state (one chunk): the same fit up to the
# order of the sums.  dmax(m1, m2) is the largest score difference.
my $fits = pc_psql($db, q{
CREATE FUNCTION dmax(m1 bt_model, m2 bt_model) RETURNS float8 LANGUAGE sql AS $$
SELECT max(abs(x.score - y.score)) FROM bt_scores(m1) x JOIN bt_scores(m2) y USING (item) $$;
SET max_parallel_workers_per_gather = 0;
SET synchronize_seqscans = off;
CREATE TABLE fits AS SELECT bt_fit(s, prior => 1) AS m1, bt_fit(s, prior => 2) AS m2
FROM (SELECT bt_state_agg(a, b, o, w) AS s FROM d) q;
SELECT dmax(f.m1, bt_fit(st.s, prior => 1)) < 1e-9, dmax(f.m2, bt_fit(st.s, prior => 2)) < 1e-9,
	(bt_info(f.m1)->>'n_pairs')::int = (bt_info(bt_fit(st.s, prior => 1))->>'n_pairs')::int,
	(bt_info(f.m1)->>'n_pairs')::int > 1000000
FROM fits f, st});
like($fits, qr{^t\|t\|t\|t\s*$}, 'bt_fit(bt_state_agg(...)) in place, twice in one row, as the stored state');

# the same in a window aggregate: the state is fitted in place after the
# first peer group, then takes the rows of the second (merged back from the
# read form) and is fitted again
like(pc_psql($db, q{SET max_parallel_workers_per_gather = 0;
SET synchronize_seqscans = off;
SELECT bool_and(dmax(r.m, CASE WHEN r.g > 600000 THEN (SELECT bt_fit(s, prior => 1) FROM st)
		ELSE (SELECT bt_fit(bt_state_agg(a, b, o, w), prior => 1) FROM d WHERE g <= 600000) END) < 1e-9)
	AND count(*) = 2
FROM (SELECT g, bt_fit(s, prior => 1) AS m
	FROM (SELECT g, bt_state_agg(a, b, o, w) OVER (ORDER BY g > 600000) AS s FROM d) q
	WHERE g IN (SELECT min(g) FROM d GROUP BY g > 600000)) r}),
	qr{^t\s*$}, 'window aggregate fitted in place after each peer group');

# partial states of parallel workers combined in the leader
like(pc_psql($db, q{
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
SELECT f.n = r.n AND f.h = r.h FROM (SELECT bt_state_agg(a, b, o, w) AS s FROM d) q, fp(q.s) f,
	ref(1, 1150000, 1, '', '') r}), qr{^t\s*$}, 'parallel partial states combined');

pc_dropdb($db);
done_testing();
