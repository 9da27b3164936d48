# test/citus/check.pl: the comparisons of test/citus/check.sh (which
# checks that a Citus coordinator is reachable and sets PG* for it).
#
# For each table kind of test/lib/PrefcalTwoPhase.pm (dyadic, random):
# the table is generated as a local table on the coordinator and copied
# into a distributed table; every aggregate of the extension then runs on
# both, without and with GROUP BY a non-distribution column, and the
# results are compared as test/t/070_two_phase.t compares its folded
# states (bit for bit on the dyadic table except %dyadic_bound, else
# within 1e-9).  EXPLAIN VERBOSE says whether Citus pushed the aggregate
# down through worker_partial_agg.
use strict;
use warnings;
use PrefcalTest;
use PrefcalTwoPhase;

my $db = $ENV{PGDATABASE};
my $rows = $ENV{CITUS_ROWS} // 20000;
my $shards = $ENV{CITUS_SHARDS} // 8;
my $schema = 'prefcal_citus_check';

sub run
{
	my ($sql) = @_;
	my ($out, $err, $rc) = pc_psql($db, $sql);
	die "test/citus/check.sh: failed:\n$sql\n$err" if $rc != 0;
	return $out;
}

my $prefcal = run("SELECT extversion FROM pg_extension WHERE extname = 'prefcal'");
if ($prefcal eq '')
{
	run('CREATE EXTENSION prefcal');
	$prefcal = run("SELECT extversion FROM pg_extension WHERE extname = 'prefcal'");
}
my $extschema = run("SELECT quote_ident(extnamespace::regnamespace::text) FROM pg_extension WHERE extname = 'prefcal'");
print run(<<'SQL'), "\n";
SELECT 'coordinator: ' || version() || E'\n  citus ' ||
       (SELECT extversion FROM pg_extension WHERE extname = 'citus') || ', prefcal ' ||
       (SELECT extversion FROM pg_extension WHERE extname = 'prefcal')
SQL
my @workers = split /\n/, run(<<'SQL');
SELECT nodename || ':' || nodeport || ' prefcal ' || coalesce(nullif(result, ''), '(none)')
FROM run_command_on_workers($$SELECT extversion FROM pg_extension WHERE extname = 'prefcal'$$)
SQL
my $bad_nodes = 0;
for (@workers)
{
	print "worker $_\n";
	$bad_nodes++ unless / prefcal \Q$prefcal\E$/;
}
die "test/citus/check.sh: prefcal $prefcal is not installed on every worker\n" if $bad_nodes || !@workers;

run("DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema");
$ENV{PGOPTIONS} = ($ENV{PGOPTIONS} // '') . " -c search_path=$schema,$extschema";

my @aggs = tp_aggregates($db);
my $failed = 0;
for my $kind ('dyadic', 'random')
{
	run(tp_make_table($kind, $rows));
	run(<<"SQL");
CREATE TABLE tp_dist (LIKE tp_data);
SELECT create_distributed_table('tp_dist', 'id', shard_count := $shards);
INSERT INTO tp_dist SELECT * FROM tp_data;
SQL
	print "\n== $kind table: $rows rows, $shards shards ==\n";
	for my $ag (@aggs)
	{
		my $label = "$ag->{name}($ag->{sig})";
		my $args = tp_args($ag);
		if (!defined $args)
		{
			print "FAIL  $label: no data generator (add it to %feed in test/lib/PrefcalTwoPhase.pm)\n";
			$failed++;
			next;
		}
		my $call = "$ag->{qname}($args)";
		my ($plan, $perr, $prc) = pc_psql($db,
			"EXPLAIN (VERBOSE, COSTS OFF) SELECT g, $call FROM tp_dist GROUP BY g");
		my $push = $prc != 0 ? 'EXPLAIN failed'
		  : $plan =~ /worker_partial_agg/ ? 'partial states on workers'
		  : 'not pushed down';
		my (%d, %l, @err);
		for my $t (['tp_dist', \%d], ['tp_data', \%l])
		{
			my ($out, $err, $rc) = pc_psql($db, <<"SQL");
SET extra_float_digits = 0;
SELECT -1, coalesce(${call}::text, '') FROM $t->[0];
SELECT g, coalesce(${call}::text, '') FROM $t->[0] GROUP BY g;
SQL
			if ($rc != 0)
			{
				push @err, "$t->[0]: $err";
				next;
			}
			for (split /\n/, $out)
			{
				my ($g, $v) = split /\|/, $_, 2;
				$t->[1]{$g} = $v;
			}
		}
		my @bad = @err ? @err : tp_compare($kind, $ag, \%d, \%l);
		$failed++ if @bad;
		printf "%-4s  %s (GROUP BY g: %s)%s\n", @bad ? 'FAIL' : 'ok', $label, $push,
		  @bad ? "\n  " . join("\n  ", map { s/\n/\n  /gr } @bad) : '';
	}
	run('DROP TABLE tp_dist');
}
run("DROP SCHEMA $schema CASCADE") unless $ENV{CITUS_KEEP};
print "\n", $failed ? "$failed aggregate runs differ or fail\n" : "every aggregate gives the single-node result\n";
exit($failed ? 1 : 0);
