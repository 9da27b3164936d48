# test/t/069_study_quotes.t: the numbers doc/study.md quotes from the
# replicated study ("What it finds") are what a run prints.
#
# Runs the study exactly as `make demo` does with its defaults, read from
# test/demo/in-cluster.sh (10 simulated databases, seeds 1..10, default
# simulator parameters, 200 bootstrap replicates per state, two sessions
# running replicates at once), then checks that
#   - the report and doc/study.md name that run;
#   - the blockquoted answer paragraph, with its line wrapping undone, is
#     the generated paragraph (simstudy.answer) verbatim;
#   - every table line quoted there is a line of the generated report
#     (03_markdown.sql).
# The bootstrap replicate count is not reduced: the table's "databases
# below / above 0" column counts per-database bootstrap intervals.
use strict;
use warnings;
use Test::More;
use PrefcalTest;

# the demo's defaults, read from the script that `make demo` runs
my $demo = do { local $/; open(my $fh, '<', 'test/demo/in-cluster.sh') or die "in-cluster.sh: $!"; <$fh> };
my ($S) = $demo =~ /^S=\$\{PREFCAL_DEMO_REPLICATES:-(\d+)\}$/m;
my ($jobs) = $demo =~ /^jobs=\$\{PREFCAL_DEMO_JOBS:-(\d+)\}$/m;
my ($params) = $demo =~ /^params=\$\{PREFCAL_DEMO_PARAMS:-'([^']*)'\}$/m;
my ($boot) = $demo =~ /^boot=\$\{PREFCAL_DEMO_BOOT:-(\d+)\}$/m;
die 'cannot read the demo\'s defaults from test/demo/in-cluster.sh'
  unless defined $S && defined $jobs && defined $params && defined $boot;

my $db = 'prefcal_study_quotes';
pc_newdb($db);

my ($out, $err, $rc) = pc_psql($db, <<"SQL");
SET client_min_messages = warning;
\\set sim_params '$params'
\\set boot_replicates $boot
\\i doc/study/sim/00_setup.sql
\\i doc/study/sim/01_replicate.sql
SQL
is($rc, 0, 'setup with the demo\'s defaults') or diag($err);

# seeds 1..S, in as many sessions at a time as in-cluster.sh uses
my @pids;
for my $j (1 .. $jobs)
{
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		local $ENV{PGOPTIONS} = ($ENV{PGOPTIONS} // '') . ' -c client_min_messages=warning';
		for (my $seed = $j; $seed <= $S; $seed += $jobs)
		{
			system('psql', '-X', '-q', '-o', '/dev/null', '-v', 'ON_ERROR_STOP=1', '-d', $db,
				'-c', "SELECT simstudy.run_replicate($seed)") == 0
			  or exit 1;
		}
		exit 0;
	}
	push @pids, $pid;
}
my $fail = 0;
for my $pid (@pids)
{
	waitpid($pid, 0);
	$fail = 1 if $? != 0;
}
is($fail, 0, "$S replicates in $jobs sessions");

($out, $err, $rc) = pc_psql($db, "SET client_min_messages = warning;\n\\i doc/study/sim/02_summary.sql\n");
is($rc, 0, '02_summary.sql') or diag($err);
my $answer = pc_psql($db, 'SELECT paragraph FROM simstudy.answer');
$answer =~ s/\s+\z//;
my ($md, $merr, $mrc) = pc_psql($db, "\\i doc/study/sim/03_markdown.sql");
is($mrc, 0, '03_markdown.sql') or diag($merr);

# the quoted section of doc/study.md
my $doc = do { local $/; open(my $fh, '<', 'doc/study.md') or die "doc/study.md: $!"; <$fh> };
my ($section) = $doc =~ /^## What it finds\n(.*?)^## /ms;
ok(defined $section, 'doc/study.md has "What it finds"');
$section //= '';
my @lines = split /\n/, $section;

my $quote = join(' ', map { my $l = $_; $l =~ s/^>\s?//; $l } grep { /^>/ } @lines);
$quote =~ s/\s+/ /g;
$quote =~ s/^ | \z//g;
(my $gen = $answer) =~ s/\s+/ /g;
ok(length $quote > 0, 'doc/study.md quotes the answer');
# The swap identity's figure is a rounding-level difference (about 1e-15)
# whose digits follow the machine's SIMD level: compare it by size only.
my $swap_re = qr/reproduced none to (\S+) \(/;
my ($swap_gen) = $gen =~ $swap_re;
ok(defined $swap_gen && $swap_gen + 0 < 1e-12,
	'swap reproduces none to below 1e-12 (' . ($swap_gen // 'missing') . ')');
s/$swap_re/reproduced none to <tiny> (/ for $quote, $gen;
is($quote, $gen, 'the quoted answer is the generated paragraph');

like($md, qr/^\Q$S simulated databases (`simulate_preference_study`, seeds 1..$S), parameters `$params`\E/m,
	"the report's design: $S databases, seeds 1..$S, parameters $params");
like($section, qr/\(\Q$S databases, seeds 1..$S, default\E\s+simulator parameters;/,
	'doc/study.md names the same run');

my @table = grep { /^\|/ } @lines;
ok(@table >= 3, 'doc/study.md quotes the table against the truth (' . scalar(@table) . ' lines)');
my %report = map { $_ => 1 } split /\n/, $md;
my @missing = grep { !$report{$_} } @table;
is(join("\n", @missing), '', 'every quoted table line is a line of the generated report');

pc_dropdb($db);
done_testing();
