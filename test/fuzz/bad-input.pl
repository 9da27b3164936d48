#!/usr/bin/perl
# test/fuzz/bad-input.pl: generate doc/bad-input.md, the bad-input matrix:
# for every user-facing function and aggregate of prefcal, each argument in
# turn replaced by each hostile input of its type (the other arguments
# plausible), and the outcome: the result, or the SQLSTATE of the error.
#
#   test/fuzz/bad-input.pl [-o FILE] [-d DB]
#
# Runs against the cluster the PG* variables name; creates (and drops) a
# scratch database with prefcal and the plausible table pc_sane
# (test/fuzz/PcCatalog.pm).  Catalog driven: "user-facing" means every
# function and aggregate of the extension except type support functions
# (input, output, receive, send), aggregate support functions (transition,
# final, combine, serial, deserial) and functions taking internal.  The
# TAP test test/t/095_bad_input_matrix.t regenerates the matrix and fails
# if it differs from the committed doc/bad-input.md; after changing a
# function, regenerate with this script and review the diff.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use lib "$FindBin::Bin/../lib";
use PcCatalog;
use Getopt::Long;

my $out_file = "$FindBin::Bin/../../doc/bad-input.md";
my $db = 'pc_bad_input';
GetOptions('o=s' => \$out_file, 'd=s' => \$db) or die "usage: $0 [-o FILE] [-d DB]\n";

system('psql', '-X', '-q', '-d', 'postgres', '-c', "DROP DATABASE IF EXISTS $db") == 0 or die;
system('psql', '-X', '-q', '-d', 'postgres', '-c', "CREATE DATABASE $db") == 0 or die;
pc_val($db, 'SET client_min_messages = warning; CREATE EXTENSION prefcal');
pc_val($db, pc_sane_table_sql());

my @f = pc_ext_functions($db);
my @t = pc_ext_types($db);
my $samples = pc_samples($db, \@f, \@t);
my %ours = map { $_->{name} => 1 } @t;

my %support = map { ($_->[0], 1) } pc_query_rows($db, q{
SELECT DISTINCT f::oid FROM pg_catalog.pg_aggregate a,
  LATERAL (VALUES (a.aggtransfn), (a.aggfinalfn), (a.aggcombinefn), (a.aggserialfn),
                  (a.aggdeserialfn), (a.aggmtransfn), (a.aggminvtransfn), (a.aggmfinalfn)) v(f)
 WHERE f <> 0
UNION
SELECT DISTINCT f::oid FROM pg_catalog.pg_type t,
  LATERAL (VALUES (t.typinput), (t.typoutput), (t.typreceive), (t.typsend)) v(f)
 WHERE f <> 0});
my @user = grep { !$support{ $_->{oid} } && !grep { $_ eq 'internal' } @{ $_->{args} } } @f;
@user = sort { $a->{sig} cmp $b->{sig} } @user;

# hostile inputs per argument type: [label, SQL expression]
sub hostile
{
	my ($type) = @_;
	my $c = $type;
	my %by = (
		'double precision' => [['NULL', 'NULL'], ['NaN', "'NaN'"], ['Infinity', "'Infinity'"],
			['-Infinity', "'-Infinity'"], ['-0.1', '-0.1'], ['1.1', '1.1'], ['0', '0'], ['1', '1']],
		'integer' => [['NULL', 'NULL'], ['0', '0'], ['-1', '-1'], ['2147483647', '2147483647']],
		'bigint' => [['NULL', 'NULL'], ['0', '0'], ['-1', '-1']],
		'boolean' => [['NULL', 'NULL']],
		'text' => [['NULL', 'NULL'], ["''", "''"], ["'no_such_option'", "'no_such_option'"]],
		'double precision[]' => [['NULL', 'NULL'], ["'{}'", "'{}'"], ["'{NULL,0.5}'", "'{NULL,0.5}'"],
			["'{0.5}' (length 1)", "'{0.5}'"], ["'{{0.5,0.5},{0.5,0.5}}' (2-D)", "'{{0.5,0.5},{0.5,0.5}}'"],
			["'{NaN,0.5,0.5}'", "'{NaN,0.5,0.5}'"], ["'{0.6,0.6,0.6}' (sum 1.8)", "'{0.6,0.6,0.6}'"]],
		'integer[]' => [['NULL', 'NULL'], ["'{}'", "'{}'"], ["'{NULL}'", "'{NULL}'"]],
		'text[]' => [['NULL', 'NULL'], ["'{}'", "'{}'"], ["'{NULL}'", "'{NULL}'"]],
	);
	my $list = $by{$type};
	if ($ours{$type})
	{
		$list = [['NULL', 'NULL'], ["'garbage'", "'garbage'"], ["''", "''"]];
		if (defined $samples->{$type})
		{
			my $s = $samples->{$type};
			my $half = substr($s, 0, int(length($s) / 2));
			(my $q = $half) =~ s/'/''/g;
			push @$list, ['valid text cut in half', "'$q'"];
		}
	}
	$list //= [['NULL', 'NULL']];
	return map { [$_->[0], $_->[1] eq 'NULL' ? "NULL::$type" : "$_->[1]::$type"] } @$list;
}

# stable text for a result: numbers at 6 significant digits (SIMD kernels
# and parallel plans change last bits), long values cut
sub show
{
	my ($state, $out) = @_;
	return 'server crash' if $state eq 'crash';
	return "error $state" if $state ne '00000';
	return 'NULL' if $out eq '';
	my $lines = () = $out =~ /\n/g;
	$out =~ s/\n.*//s;
	$out =~ s/(-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+)/sprintf('%.6g', $1)/ge;
	$out = substr($out, 0, 40) . '...' if length $out > 43;
	$out =~ s/\|/\\|/g;
	$out =~ s/`/'/g;
	$out .= " (+$lines rows)" if $lines;
	return "`$out`";
}

my (@stmts, @cells);
for my $fn (@user)
{
	my $n = @{ $fn->{args} };
	my @base;
	push @stmts, pc_sane_call($fn, $samples, 0);
	push @cells, [$fn, '(plausible call)', '', 'baseline'];
	for my $i (0 .. $n - 1)
	{
		for my $h (hostile($fn->{args}[$i]))
		{
			push @stmts, pc_sane_call($fn, $samples, 0, { $i => $h->[1] });
			push @cells, [$fn, $i, $h->[0]];
		}
	}
	if ($fn->{kind} eq 'a')
	{
		push @stmts, pc_sane_call($fn, $samples, 0) . ' WHERE false';
		push @cells, [$fn, '(no rows)', '', 'empty'];
	}
}

my @res = pc_batch($db, \@stmts, "SET statement_timeout = '30s';\nSET extra_float_digits = 0;");
my %count;
$count{ $_->[0] }++ for @res;

open my $out, '>', $out_file or die "$out_file: $!";
print $out <<'EOF';
# Bad-input matrix

Generated by `test/fuzz/bad-input.pl` from actual runs; do not edit by hand.
`test/t/095_bad_input_matrix.t` regenerates it and fails when it differs, so
it stays true: after changing a function, rerun the script (against a
cluster with prefcal installed) and review the diff.

How to read it: for every user-facing function and aggregate (everything
prefcal installs except type and aggregate support functions), a plausible
call is made first (aggregates read the 48-row table `pc_sane` built by
`test/fuzz/PcCatalog.pm`: probabilities strictly inside (0, 1), labels,
items a–d compared both ways with wins, losses and ties, annotators under
conditions).  Then each argument in turn is replaced by each hostile input
of its type, the others kept plausible; for an aggregate the hostile value
is given on every row.  The outcome is the result (numbers at 6 significant
digits, long values cut) or `error` and the SQLSTATE.  Arguments with
defaults are left out of the plausible call and not varied.

SQLSTATEs seen: 22023 invalid parameter value, 22003 numeric value out of
range, 22P02 invalid text representation, 22004 null value not allowed,
2202E array subscript error, 42883 no such function (a hostile input of a
type the call cannot take), 54000 program limit exceeded, 0A000 feature not
supported.  Any `XX` code or `server crash` in this file is a bug.

EOF
printf $out "Summary: %d calls; %s.\n\n", scalar(@stmts),
  join(', ', map { ($_ eq '00000' ? 'success' : $_) . " $count{$_}" } sort keys %count);

my $cur = '';
for my $k (0 .. $#cells)
{
	my ($fn, $arg, $label, $kind) = @{ $cells[$k] };
	if ($fn->{sig} ne $cur)
	{
		$cur = $fn->{sig};
		my $what = $fn->{kind} eq 'a' ? 'aggregate' : $fn->{kind} eq 'p' ? 'procedure' : 'function';
		printf $out "\n## %s `%s`\n\n| argument | input | outcome |\n|---|---|---|\n", $what, $fn->{sig};
	}
	my $argname = $arg =~ /^\d+$/ ? sprintf('%d (%s)', $arg + 1, $fn->{args}[$arg]) : $arg;
	my $shown = show(@{ $res[$k] });
	# the SIMD level depends on the CPU the matrix is generated on: keep the
	# committed file machine-independent
	$shown = 'a result that depends on the CPU (not shown)'
	  if $fn->{sig} =~ /^prefcal_simd_levels?\(/ && $res[$k][0] eq '00000';
	# a transaction start time, or the clock: differs from run to run
	$shown = 'a time (the start of the oldest other open transaction, or now)'
	  if $fn->{sig} eq 'prefcal_oldest_xact_start()' && $res[$k][0] eq '00000';
	printf $out "| %s | %s | %s |\n", $argname, $label eq '' ? '' : "`$label`", $shown;
}
close $out;
system('psql', '-X', '-q', '-d', 'postgres', '-c', "DROP DATABASE IF EXISTS $db");
my $xx = 0;
$xx += $count{$_} for grep { /^XX/ } keys %count;
printf "bad-input: %s: %d calls, crashes %d, internal errors %d\n", $out_file, scalar(@stmts),
  $count{crash} // 0, $xx;
exit 0;
