# test/t/097_bench_smoke.t: the benchmark scripts that run inside a
# cluster (test/bench/calibration.sh and test/bench/bt.sh, which
# test/bench/run.sh calls) run to the end at a tiny size and print every
# table they promise, so that `make bench` cannot rot unnoticed between
# benchmark runs.  No figure is checked: at these sizes the timings mean
# nothing.  bt.sh's scipy comparison runs where python3-scipy is
# installed and says it skipped where it is not; either is accepted.
use strict;
use warnings;
use Test::More;
use PrefcalTest;

my $db = pc_newdb('pc_bench_smoke');
local $ENV{PGDATABASE} = $db;

# --- calibration.sh -----------------------------------------------------
{
	local $ENV{BENCH_ROWS} = 3000;
	local $ENV{BENCH_REPS} = 1;
	local $ENV{BENCH_KEEP} = 1;
	my $out = `test/bench/calibration.sh 2>&1`;
	is($? >> 8, 0, 'calibration.sh runs to the end') or diag($out);
	for my $q ('avg(p)', 'brier_score(p,y)', 'ece_agg(p,y)', 'plain SQL Brier',
		'plain SQL ECE', 'log_loss(p,y)', 'calibration_agg(p,y)', 'count(y)')
	{
		my $n = () = $out =~ /^ (?:serial|parallel 2)\s+\| \Q$q\E\s+\|/mg;
		is($n, 2, "calibration.sh times $q serially and with 2 workers");
	}
	like($out, qr/^ targets \| serial\s+\| [tf]\s+\| [tf]$/m, 'it checks the targets serially');
	like($out, qr/^ targets \| parallel 2 \| [tf]\s+\| [tf]$/m, 'and with 2 workers');
	like($out, qr/plain SQL Brier \/ count\(y\)/, 'it prints plain SQL over the count(y) floor');
	like($out, qr/^ count\(y\)\s+\|\s+[0-9.]+$/m, 'and every query\'s parallel speed-up');
	like($out, qr/^ first row\s+\|\s+[0-9.]+$/m, 'and the parallel start-up, split at the first row');

	# the plain SQL ECE's bin expression has its statistics, and with them
	# the planner expects 15 groups, not one per row
	is(pc_psql($db, q{SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'bench_calibration_bin'}),
		1, 'the plain SQL ECE\'s bin expression has statistics');
	my $plan = pc_psql($db, q{
SET max_parallel_workers_per_gather = 0;
EXPLAIN SELECT greatest(ceil(p * 15)::int, 1), count(*) FROM bench_calibration GROUP BY 1});
	like($plan, qr/Aggregate .*rows=15 /, 'with them the planner expects 15 groups') or diag($plan);
	pc_psql($db, 'DROP TABLE bench_calibration');
}

# --- bt.sh --------------------------------------------------------------
{
	local $ENV{BENCH_DB} = $db;
	local $ENV{BT_BENCH_ROWS} = 3000;
	local $ENV{BT_BENCH_ITEMS} = 50;
	local $ENV{BT_BENCH_BIG_ITEMS} = 0;
	local $ENV{BT_BENCH_REPS} = 1;
	my $out = `test/bench/bt.sh 2>&1`;
	is($? >> 8, 0, 'bt.sh runs to the end') or diag($out);
	like($out, qr/converged true/, 'its fit converges');
	for my $row ('avg(o) scan', 'bt_counts(...) state only', 'bt_fit(bt_counts(...)) total',
		'fit phase bt_fit(stored state)')
	{
		like($out, qr/^\Q$row\E\s+[0-9.]+ ms/m, "bt.sh times $row");
	}
	like($out, qr/^  total \/ avg\(\) round by round\s+(?:[0-9.]+x\s+\[[0-9.,]+\]|n\/a\s+\[n\/a\]); target/m,
		'and its ratios round by round');
	like($out, qr/^scipy L-BFGS-B fit(?: \(median\)\s+[0-9.]+ ms|\s+skipped)/m,
		'it compares with scipy, or says why not');
	is(pc_psql($db, q{SELECT count(*) FROM pg_class WHERE relname IN ('bt_bench', 'bt_bench_state')}),
		0, 'and drops its tables');

	# without scipy (here: without any interpreter) the comparison is
	# skipped and the rest still runs
	local $ENV{BENCH_PYTHON} = '/nonexistent/python3';
	$out = `test/bench/bt.sh 2>&1`;
	is($? >> 8, 0, 'bt.sh runs to the end without python3-scipy') or diag($out);
	like($out, qr/^scipy L-BFGS-B fit\s+skipped\s+\(needs python3-numpy and python3-scipy\)/m,
		'and says it skipped the comparison');
}

pc_dropdb($db);
done_testing();
