# test/t/070_two_phase.t: every aggregate prefcal installs survives the
# two-phase path Citus runs it on.
#
# The aggregates are read from the catalog (pg_depend on the extension),
# so one added later is tested without an edit here, or fails the test
# until it is fed.  For each aggregate:
#
# 1. partial states: a temporary aggregate with the same transition
#    function, state type and initial value and no final function gives
#    the state of each part of a table (as worker_partial_agg gives the
#    state of each shard), with and without GROUP BY; the parts include an
#    empty one, one of a single row and one whose rows are all NULL;
# 2. shipping: each state goes through its text output and input (what
#    Citus sends between nodes; the text must come back the same) and then
#    through binary send and receive (COPY ... (FORMAT binary) out and in;
#    again the same text);
# 3. fold: a temporary aggregate whose transition is the combine function
#    and whose final function is the aggregate's own folds the shipped
#    states (as coord_combine_agg does);
# 4. the folded result must equal the aggregate over the whole table in
#    one scan.
#
# Two tables: "dyadic" holds values that are multiples of powers of 2, so
# that every sum of the states is exact in any order and the results must
# agree bit for bit (text equal), except for the aggregates listed in
# %dyadic_bound, whose states hold sums of logarithms or whose results are
# iterated from such sums; "random" holds arbitrary doubles, where states
# summed in another order may differ in the last bits, and every number of
# the result must agree to 1e-9 relative (with 1 as the smallest scale;
# the rounding of a few thousand additions is below 1e-12 of the sum).
#
# Feeding a new aggregate: %feed in test/lib/PrefcalTwoPhase.pm maps an
# argument signature (the types as oidvectortypes prints them, e.g.
# "double precision, boolean") or, to override one aggregate, its
# "name(signature)" to the argument list over the columns of the test
# table.  An aggregate whose signature has no entry FAILS the test: add
# one line to %feed (and a column to tp_make_table if none fits).
# test/citus/check.sh runs the same aggregates on a real Citus cluster.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir tempfile);
use PrefcalTest;
use PrefcalTwoPhase;

my $db = pc_newdb('pc_two_phase');
my @aggs = tp_aggregates($db);
# prefcal had 55 aggregate forms when this test was written: a catalog
# query that finds far fewer is broken, not a smaller extension
cmp_ok(scalar(@aggs), '>=', 55, 'the aggregates of the extension are found in the catalog');

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;

# One psql run per table kind holds a block of statements per aggregate
# (psql starts slowly on a busy machine); errors are told apart by the
# line numbers psql reports, and every output line starts with the
# block's number.
for my $kind ('dyadic', 'random')
{
	my (undef, $err, $rc) = pc_psql($db, tp_make_table($kind));
	is($rc, 0, "$kind: the test table is built") or diag($err);
	my $script = "SET extra_float_digits = 0;\n";
	my $line = 1;
	my (@blocks, %label);
	my $n = 0;
	for my $ag (@aggs)
	{
		$n++;
		my $label = $label{$n} = "$kind: $ag->{name}($ag->{sig})";
		my $args = tp_args($ag);
		if (!defined $args)
		{
			fail("$label: no data generator for this argument signature");
			diag("add a line for '$ag->{sig}' to %feed in test/t/070_two_phase.t");
			next;
		}
		if ($ag->{kind} ne 'n' || $ag->{extra} eq 't' || $ag->{combineoid} eq '0')
		{
			fail("$label: not a plain aggregate with a combine function and no extra final arguments");
			next;
		}
		my $types = $ag->{sig};
		my $init = $ag->{initcond} eq 'NULL' ? '' : ", INITCOND = $ag->{initcond}";
		my $final = $ag->{finaloid} eq '0' ? ''
		  : ", FINALFUNC = $ag->{final}, FINALFUNC_MODIFY = "
		  . { r => 'READ_ONLY', s => 'SHAREABLE', w => 'READ_WRITE' }->{ $ag->{modify} };
		my $st = $ag->{stype};
		my $sc = "tp_${kind}_$n";
		my $bin = "$dir/$sc.bin";
		my $sql = <<"SQL";
CREATE SCHEMA $sc;
CREATE AGGREGATE $sc.part($types) (SFUNC = $ag->{transfn}, STYPE = $st$init);
CREATE AGGREGATE $sc.fold($st) (SFUNC = $ag->{combine}, STYPE = $st$init$final);
-- the temporary aggregates use the very functions of the original
SELECT '$n|H|' || CASE WHEN (SELECT aggtransfn FROM pg_aggregate WHERE aggfnoid = '$sc.part'::regproc) = $ag->{transoid}::regproc
             AND (SELECT aggtransfn FROM pg_aggregate WHERE aggfnoid = '$sc.fold'::regproc) = $ag->{combineoid}::regproc
             AND (SELECT aggfinalfn FROM pg_aggregate WHERE aggfnoid = '$sc.fold'::regproc) = $ag->{finaloid}::regproc
       THEN 'same functions' ELSE 'other functions' END;
-- partial states per part, whole table (g = -1) and per group
CREATE TABLE $sc.s AS
SELECT -1 AS g, t.part, (SELECT $sc.part($args) FROM tp_data d WHERE d.part = t.part) AS st FROM tp_parts t
UNION ALL
SELECT g, part, $sc.part($args) FROM tp_data GROUP BY g, part;
-- through text: the same text back
CREATE TABLE $sc.t AS SELECT g, part, st::text::$st AS st FROM $sc.s;
SELECT '$n|T|' || count(*) FILTER (WHERE s.st::text IS DISTINCT FROM t.st::text) || '|'
       || count(*) FILTER (WHERE s.st IS NOT NULL)
FROM $sc.s s JOIN $sc.t t USING (g, part);
-- then through binary send and receive
\\copy $sc.t TO '$bin' (FORMAT binary)
CREATE TABLE $sc.b (LIKE $sc.t);
\\copy $sc.b FROM '$bin' (FORMAT binary)
SELECT '$n|B|' || count(*) FILTER (WHERE b.st::text IS DISTINCT FROM t.st::text)
FROM $sc.b b JOIN $sc.t t USING (g, part);
-- fold the shipped states; the single scan
SELECT '$n|F|' || g || '|' || coalesce($sc.fold(st ORDER BY part)::text, '') FROM $sc.b GROUP BY g ORDER BY g;
SELECT '$n|S|-1|' || coalesce($ag->{qname}($args)::text, '') FROM tp_data;
SELECT '$n|S|' || g || '|' || coalesce($ag->{qname}($args)::text, '') FROM tp_data GROUP BY g ORDER BY g;
DROP SCHEMA $sc CASCADE;
SQL
		my $lines = () = $sql =~ /\n/g;
		push @blocks, [$n, $line + 1, $line + $lines, $ag];
		$line += $lines;
		$script .= $sql;
	}

	my ($fh, $file) = tempfile(DIR => $dir, SUFFIX => '.sql');
	print $fh $script;
	close $fh;
	my $out = `psql -X -A -t -q -v ON_ERROR_STOP=0 -d $db -f $file 2>$file.err`;
	open my $in, '<', "$file.err" or die;
	my @err = <$in>;
	close $in;

	my (%out, %errs);
	for (split /\n/, $out)
	{
		my ($k, $rest) = split /\|/, $_, 2;
		push @{ $out{$k} }, $rest;
	}
	# an error line names the script's line; DETAIL and HINT lines follow it
	my ($cur, @stray);
	for (@err)
	{
		if (/^psql:[^:]*:(\d+): (\w+):/)
		{
			my ($at, $level) = ($1, $2);
			$cur = undef;
			next unless $level eq 'ERROR' || $level eq 'FATAL';
			($cur) = grep { $at >= $_->[1] && $at <= $_->[2] } @blocks;
			push @stray, $_ unless $cur;
		}
		push @{ $errs{ $cur->[0] } }, $_ if $cur;
	}
	is(scalar(@stray), 0, "$kind: no error outside the aggregates' blocks") or diag(join('', @stray));

	for my $b (@blocks)
	{
		my ($k, undef, undef, $ag) = @$b;
		my $label = $label{$k};
		if ($errs{$k})
		{
			fail("$label: partial states ship (text and binary), fold and single scan run");
			my @e = @{ $errs{$k} };
			diag(join('', @e[0 .. ($#e < 2 ? $#e : 2)]));
			next;
		}
		my (%f, %s, %h);
		for (@{ $out{$k} // [] })
		{
			my ($which, $rest) = split /\|/, $_, 2;
			if ($which eq 'F' || $which eq 'S')
			{
				my ($g, $v) = split /\|/, $rest, 2;
				($which eq 'F' ? $f{$g} : $s{$g}) = $v;
			}
			else
			{
				$h{$which} = $rest;
			}
		}
		is($h{H} // '', 'same functions', "$label: the partial and fold aggregates use its functions");
		my ($changes, $nstates) = split /\|/, $h{T} // '';
		ok(defined $nstates && $changes == 0 && ($h{B} // '') eq '0' && $nstates >= 4,
			"$label: " . ($nstates // 0) . " partial states come back the same through text and binary")
		  or diag("text changes|states: " . ($h{T} // 'none') . "; binary changes: " . ($h{B} // 'none'));

		my $exact = $kind eq 'dyadic' && !exists $dyadic_bound{ $ag->{name} };
		my @bad = tp_compare($kind, $ag, \%f, \%s);
		ok(!@bad, "$label: the folded states give the single-scan result "
			  . ($exact ? 'bit for bit' : 'within 1e-9'))
		  or diag(join("\n", @bad));
	}
}

pc_dropdb($db);
done_testing();
