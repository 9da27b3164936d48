# test/t/097_bench_smoke.t: the benchmark scripts run to the end at a tiny
# size and print every table they promise, so that `make bench` cannot rot
# unnoticed between benchmark runs: test/bench/calibration.sh,
# test/bench/bt.sh, test/bench/bootstrap.sh and test/bench/ab.sh --in-cluster
# (two databases of this cluster's build), then test/bench/run.sh
# --in-cluster (what `make bench` runs once it has built an optimised copy
# and started its own cluster; it calls the first two again).  No timing is checked: at these sizes the
# figures mean nothing.  The comparisons with numpy and scipy run where
# python3-numpy and python3-scipy are installed and say they skipped where
# they are not; either is accepted.
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
		'plain SQL ECE', 'log_loss(p,y)', 'calibration_state_agg(p,y)', 'count(y)')
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
	for my $row ('avg(o) scan', 'bt_state_agg(...) state only', 'bt_fit(bt_state_agg(...)) total',
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

# --- bootstrap.sh ---------------------------------------------------------
{
	local $ENV{BENCH_ROWS} = 3000;
	local $ENV{BENCH_SUB_ROWS} = 500;
	local $ENV{BENCH_REPLICATES} = 5;
	local $ENV{BENCH_REPS} = 1;
	local $ENV{BENCH_BT_ROWS} = 3000;
	local $ENV{BENCH_BT_ITEMS} = 20;
	my $out = `test/bench/bootstrap.sh 2>&1`;
	is($? >> 8, 0, 'bootstrap.sh runs to the end') or diag($out);
	like($out, qr/^calibration_bootstrap \(5 replicates, row keys\) \/ calibration_state_agg, 3000 rows\s+[0-9.]+x$/m,
		'it gives the bootstrap over one calibration_state_agg scan');
	like($out, qr/^calibration_bootstrap \(5 replicates, clusters of 100\) \/ calibration_state_agg\s+[0-9.]+x$/m,
		'with clusters too');
	like($out, qr/^plain SQL replicate join \/ calibration_bootstrap, 500 rows\s+[0-9.]+x$/m,
		'and plain SQL over the bootstrap');
	like($out, qr/^(?:numpy \(export \+ bootstrap\) \/ calibration_bootstrap, 500 rows\s+[0-9.]+x|numpy comparison skipped: .*)$/m,
		'and numpy over it, or says why not');
	like($out, qr/^bt_ci \/ \(5 \+ 1\) bt_fit\s+[0-9.]+x$/m,
		'and the Bradley-Terry bootstrap over its fits');
	pc_psql($db, 'DROP TABLE bench_boot, bench_boot_small');
}

# --- ab.sh --in-cluster ----------------------------------------------------
# what test/bench/ab.sh runs once it has built two revisions and started
# its own cluster; here both sides are this cluster's build
{
	local $ENV{AB_DESTDIR_A} = $ENV{PREFCAL_DESTDIR};
	local $ENV{AB_DESTDIR_B} = $ENV{PREFCAL_DESTDIR};
	local $ENV{AB_NAME_A} = 'this build';
	local $ENV{AB_NAME_B} = 'this build again';
	local $ENV{AB_ROWS} = 2000;
	local $ENV{AB_BT_ROWS} = 3000;
	local $ENV{AB_BT_ITEMS} = 50;
	local $ENV{AB_PASSES} = 2;
	my $out = `test/bench/ab.sh --in-cluster 2>&1`;
	is($? >> 8, 0, 'ab.sh runs to the end') or diag($out);
	like($out, qr/^==== prefcal A\/B: A = this build, B = this build again ====$/m, 'and prints its table');
	like($out, qr/^CAL: A calibration_state_agg, B calibration_state_agg; BT: A bt_state_agg, B bt_state_agg$/m,
		'with the state aggregates each database has');
	for my $q ('sum(p)', 'brier_score(p, y)', 'ece_agg(p, y)', 'CAL(p, y)', 'ece_agg(p, y), 2 workers',
		'sum(o)', 'BT(a, b, o, 1.0)', 'bt_fit(BT(a, b, o, 1.0))')
	{
		like($out, qr/^\Q$q\E(?:\s+[0-9.]+){2}(?:\s+[0-9.]+x \[[0-9.]+-[0-9.]+\]){3}\s+[0-9.]+$/m,
			"ab.sh times $q in both builds");
	}
	is(pc_psql($db, q{SELECT count(*) FROM pg_database WHERE datname IN ('ab_data', 'ab_a', 'ab_b', 'ab_driver')}),
		0, 'and drops its databases');
}

# --- run.sh (make bench), in this cluster ---------------------------------
# --in-cluster skips its own build and pg_virtualenv cluster: it uses the
# prefcal this cluster has, builds only the kernel benchmark, and runs the
# two scripts above again at its own sizes
{
	local $ENV{BENCH_ROWS} = 2000;
	local $ENV{BENCH_REPS} = 1;
	local $ENV{BENCH_KERNEL_RUNS} = 1;
	local $ENV{BT_BENCH_ROWS} = 2000;
	my $out = `test/bench/run.sh --in-cluster 2>&1`;
	is($? >> 8, 0, 'run.sh runs to the end') or diag($out);
	like($out, qr/^================ prefcal performance ================$/m, 'and prints its table');
	my ($levels) = $out =~ /^SIMD levels supported: (.*?);/m;
	ok(defined $levels, 'it names the SIMD levels');
  SKIP: {
		skip 'no SIMD level on this machine', 7 if !defined $levels || $levels eq 'scalar';
		for my $k ('prob_sumsq K=16', 'prob_argmax K=16', 'add K=16', 'exp K=16',
			'pairs_binary m=4096', 'smooth_node n=1000', 'dot4 n=16')
		{
			like($out, qr/^kernel \Q$k\E \S+ speedup\s+[0-9.]+x/m, "kernel $k against its scalar twin");
		}
	}
	like($out, qr/^kernel add K=16: most any add could reach\s+[0-9.]+x/m, 'the bound on add');
	like($out, qr/^brier_score\(probs,label\) K=128 SIMD speedup\s+[0-9.]+x/m, 'multi-class brier_score end to end');
	like($out, qr/^smooth_ece_agg\(p, y\) SIMD speedup\s+[0-9.]+x/m, 'smooth_ece_agg end to end');
	like($out, qr/^brier_score\(p, y\) \/ avg\(p\)\s+[0-9.]+x/m, 'per-row aggregates against avg(p)');
	like($out, qr/^brier_score\(p, y\) parallel speedup\s+[0-9.]+x/m, 'serial against 2 workers');
	like($out, qr/^calibration_state, nbins=15\s+784  bytes$/m, 'memory per state (784 bytes at 15 bins)');
	like($out, qr/^(?:export \+ numpy \/ brier_score\(p, y\)\s+[0-9.]+x|export \+ numpy\s+skipped)/m,
		'export + numpy, or why not');
	like($out, qr/^brier transition, 64-row buffer \+ vector flush\s+[0-9.]+ ns/m, 'the batching prototype');
	like($out, qr/^-- calibration family/m, 'the calibration family');
	like($out, qr/^-- bt family/m, 'the Bradley-Terry family');
	unlike($out, qr/failed with status/, 'no family script failed');
	pc_dropdb('prefcal_bench');		# run.sh's own database
}

pc_dropdb($db);
done_testing();
