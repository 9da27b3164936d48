# test/t/002_doc_examples.t: every ```sql block of doc/*.md runs, and
# every output a doc shows for a block is what the block prints.
#
# What runs.  For each doc/*.md with ```sql blocks, in a fresh database
# (prefcal installed), the blocks run in document order in ONE psql session,
# as a reader pasting them would run them (TEMP tables and settings carry
# from block to block), with ON_ERROR_STOP: each block is one test ("block
# N runs"), and a block after a failing one fails as "not reached".  The
# session's working directory is an empty temporary directory, so files a
# block writes (calibration.md's \o reliability.svg) land there.  Between
# blocks the test resets psql's display settings (\o, aligned format,
# headers and footers on, expanded off), so a block that sets \t or
# \pset format does not change how the next block's output looks.
#
# Setup by rule (per file, before the first block):
#   walkthrough.md  loads the bundled database, test/data/load-labeling.sql
#                   (run from the repository root, as the doc says).
#
# Skips by rule (each shows as "ok N # skip <reason>"):
#   - a block whose statements are all CREATE EXTENSION: the test database
#     already has prefcal, and pg_cron can only be created in the cluster's
#     cron.database_name (test/t/060_pg_cron.t does that);
#   - a block that calls pg_cron (cron.schedule, cron.job_run_details, ...):
#     scheduling is covered by test/t/060_pg_cron.t.
# Nothing else is skipped; no doc example needs data outside the repository.
#
# What is compared.  A fenced block with no info string or "text" that
# follows a ```sql block with nothing but blank lines in between is that
# block's expected output, in psql's default (aligned) format: headers, the
# dashed separator line, rows, "(N rows)".  It is compared line by line with
# what the block printed, after this normalisation:
#   - blank lines are dropped; runs of white space become one space and each
#     line is trimmed (column padding depends on the widths of the values);
#   - a separator line (only "-" and "+") keeps its shape, not its widths;
#   - a number in the doc is compared to the digits it shows: the printed
#     value must round to it (|actual - shown| <= half a unit of the doc's
#     last digit; for 1.5e-06 forms, of its last significant digit), so the
#     last bits that SIMD kernels and parallel plans change do not matter;
#   - a number ending in "…" in the doc is a truncation: the printed number
#     must start with the digits shown;
#   - a "…" elsewhere stands for any text (an elided part of a line).
# Extra comparisons (output a doc shows away from its query, listed here):
#   annotation.md   the prior's text form (the ``` block that starts
#                   '{"version": 1, "groups"') is compared, with its lines joined by
#                   spaces, to SELECT pr FROM prior after the blocks ran
#                   (the prior of the example it describes);
#   calibration.md  the state's text form (the ``` block that starts
#                   '{"version": 1, "nbins": 4'), said to be
#                   SELECT calibration_state_agg(p, chosen, 4) FROM judgments.
# Not compared, on purpose (no query produces them, or not on stdout):
#   - bradley-terry.md: the ``` blocks of the bt_state text form (an
#     illustrative state) and of bt_fit's signature;
#   - annotation.md: the ``` signature blocks (classify_preference_consistency
#     with direction_p, simulate_annotations);
#   - recalibration.md: the indented recalibrator text forms (illustrative
#     values, no query);
#   - values claimed in SQL comments ("-- Infinity", pg_cron.md's "-- NOTICE:
#     ..."): where a doc's claim matters it is shown as an output block;
#   - calibration.md's reliability.svg (written by \o; only that the block
#     runs is checked) and the output of examples on random() data
#     (bradley-terry.md, recalibration.md, pg_cron.md) or with timestamps.
# Quick run: PREFCAL_QUICK=1 PREFCAL_REGRESS=" " \
#            PREFCAL_TAP=test/t/002_doc_examples.t make test
use strict;
use warnings;
use re 'eval';
use Cwd qw(getcwd);
use File::Temp qw(tempdir);
use Test::More;
use PrefcalTest;

my $root = getcwd();

# per-file setup, run from the repository root before the file's blocks
my %setup = ('walkthrough.md' => "\\i test/data/load-labeling.sql\n",);

# extra comparisons: file => [ [ regex picking the doc's ``` block, SQL ] ]
my %extra = (
	'annotation.md'  => [ [ qr/^\{"version": 1, "groups"/,   'SELECT pr FROM prior' ] ],
	'calibration.md' => [ [ qr/^\{"version": 1, "nbins": 4,/, 'SELECT calibration_state_agg(p, chosen, 4) FROM judgments' ] ],
);

# skip rules: [ name, predicate on the block's SQL, reason ]
my @skip_rules = (
	[
		'CREATE EXTENSION only',
		sub {
			my $s = strip_comments(shift);
			$s =~ s/^\s*CREATE\s+EXTENSION\s+[^;]+;//gim;
			return $s !~ /\S/;
		},
		'installs extensions: the test database has prefcal; pg_cron is created only in cron.database_name (060_pg_cron.t)'
	],
	[
		'pg_cron',
		sub { strip_comments(shift) =~ /\bcron\.\w+/ },
		'pg_cron scheduling and its run log: covered by test/t/060_pg_cron.t'
	],
);

my $reset = join("\n",
	'\o', '\pset format aligned', '\pset tuples_only off', '\pset footer on',
	'\pset expanded off', '\pset null \'\'', '');

sub strip_comments
{
	my ($s) = @_;
	$s =~ s/--[^\n]*//g;
	return $s;
}

# true when a block's last line of SQL (not a psql \command) lacks its ";"
sub unterminated
{
	my @l = grep { /\S/ } split /\n/, strip_comments(shift);
	return @l && $l[-1] !~ /^\s*\\/ && $l[-1] !~ /;\s*$/;
}

# parse a markdown file into fenced blocks: { info, text, line, prev_gap }
# where prev_gap is true when something other than blank lines separates
# the block from the previous fenced block
sub fenced_blocks
{
	my ($md) = @_;
	my @blocks;
	my @lines = split /\n/, $md, -1;
	my ($in, $info, @body, $start);
	my $gap = 1;
	for my $i (0 .. $#lines)
	{
		my $l = $lines[$i];
		if (!$in && $l =~ /^```\s*(\S*)\s*$/)
		{
			($in, $info, $start) = (1, $1, $i + 1);
			@body = ();
		}
		elsif ($in && $l =~ /^```\s*$/)
		{
			push @blocks,
			  { info => $info, text => join("\n", @body) . "\n", line => $start, prev_gap => $gap };
			($in, $gap) = (0, 0);
		}
		elsif ($in)
		{
			push @body, $l;
		}
		elsif ($l =~ /\S/)
		{
			$gap = 1;
		}
	}
	die "unterminated fence" if $in;
	return @blocks;
}

sub norm_lines
{
	my ($text) = @_;
	my @out;
	for my $l (split /\n/, $text)
	{
		$l =~ s/\s+/ /g;
		$l =~ s/^ //;
		$l =~ s/ $//;
		next if $l eq '';
		$l =~ s/-+/-/g if $l =~ /^[-+]+$/;
		push @out, $l;
	}
	return @out;
}

my $NUM = qr/-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;

# half a unit of the last digit a number shows
sub half_ulp
{
	my ($s) = @_;
	my ($mant, $exp) = $s =~ /^-?([\d.]+)(?:[eE]([-+]?\d+))?$/;
	my $dec = $mant =~ /\.(\d+)$/ ? length($1) : 0;
	return 0.5 * 10**(-$dec + ($exp // 0));
}

# a doc line as an anchored regex over a normalised output line
sub line_regex
{
	my ($doc) = @_;
	my $re = '';
	while (length $doc)
	{
		if ($doc =~ s/^($NUM)…//)
		{
			$re .= quotemeta($1) . '[\d.]*(?:[eE][-+]?\d+)?';
		}
		elsif ($doc =~ s/^($NUM)(?![\w.])//)
		{
			# the shown value as a plain literal (a doc's "0111" is not octal)
			my ($v, $h) = map { sprintf('%.17g', $_) } (0 + $1, half_ulp($1));
			$re .= "($NUM)(?(?{ abs(\$^N - $v) <= $h * (1 + 1e-9) })|(*FAIL))";
		}
		elsif ($doc =~ s/^…//)
		{
			$re .= '.*?';
		}
		elsif ($doc =~ s/^([A-Za-z_]\w*)//)
		{
			$re .= quotemeta($1);    # identifiers keep their digits (item12, p_a)
		}
		else
		{
			$doc =~ s/^(.)//s;
			$re .= quotemeta($1);
		}
	}
	return qr/^$re$/;
}

# compare output with a doc block; returns '' when equal, else a diff note
sub compare_output
{
	my ($got, $want) = @_;
	my @g = norm_lines($got);
	my @w = norm_lines($want);
	for my $i (0 .. ($#g > $#w ? $#g : $#w))
	{
		my ($gl, $wl) = ($g[$i], $w[$i]);
		return "line " . ($i + 1) . ": doc has no more lines, got: $gl" unless defined $wl;
		return "line " . ($i + 1) . ": got no more lines, doc: $wl"     unless defined $gl;
		return "line " . ($i + 1) . ":\n  doc: $wl\n  got: $gl" unless $gl =~ line_regex($wl);
	}
	return '';
}

my $ncompared = 0;
for my $path (sort glob('doc/*.md'))
{
	(my $file = $path) =~ s{.*/}{};
	open my $fh, '<', $path or die "$path: $!";
	my $md = do { local $/; <$fh> };
	close $fh;
	my @fenced = fenced_blocks($md);

	# the sql blocks, each with its expected output if the doc shows one
	my @sql;
	for my $i (0 .. $#fenced)
	{
		next unless $fenced[$i]{info} eq 'sql';
		my $next = $fenced[ $i + 1 ];
		my $expect =
		  ($next && !$next->{prev_gap} && $next->{info} =~ /^(?:text)?$/) ? $next->{text} : undef;
		push @sql, { %{ $fenced[$i] }, expect => $expect };
	}
	next unless @sql;

	(my $dbname = "pc_doc_$file") =~ s/\W/_/g;
	my $db = pc_newdb($dbname);
	if (my $s = $setup{$file})
	{
		my ($out, $err, $rc) = pc_psql($db, $s);
		is($rc, 0, "$file: setup runs") or diag($err);
	}

	# one session: markers on stdout delimit each block's output
	my $script = $reset;
	my @run;
	for my $n (1 .. @sql)
	{
		my $b = $sql[ $n - 1 ];
		for my $r (@skip_rules)
		{
			if ($r->[1]->($b->{text}))
			{
				$b->{skip} = "$r->[0]: $r->[2]";
				last;
			}
		}
		next if $b->{skip};
		push @run, $n;
		$script .= "\\echo '\@\@docex begin $n\@\@'\n$b->{text}\n$reset\\echo '\@\@docex end $n\@\@'\n";
	}
	for my $x (@{ $extra{$file} // [] })
	{
		$script .= "\\echo '\@\@docex extra\@\@'\n\\pset tuples_only on\n\\pset format unaligned\n$x->[1];\n$reset";
	}

	my $dir = tempdir(CLEANUP => 1);
	chdir $dir or die;
	my ($out, $err, $rc) = pc_psql($db, $script);
	chdir $root or die;

	my %seg;
	while ($out =~ /^\@\@docex begin (\d+)\@\@\n(.*?)^\@\@docex end \1\@\@$/msg)
	{
		$seg{$1} = $2;
	}
	my $failed_at;
	for my $n (1 .. @sql)
	{
		my $b = $sql[ $n - 1 ];
		my $what = "$file: sql block $n (line $b->{line})";
	  SKIP:
		{
			skip("$what skipped by rule $b->{skip}", 1) if $b->{skip};
			if (defined $seg{$n} && unterminated($b->{text}))
			{
				fail("$what runs");
				diag("its last statement has no semicolon: psql would run it with the next block");
			}
			elsif (defined $seg{$n})
			{
				pass("$what runs");
			}
			elsif (!defined $failed_at)
			{
				$failed_at = $n;
				fail("$what runs");
				diag("psql exit code $rc\n$err");
			}
			else
			{
				fail("$what runs (not reached: block $failed_at failed)");
			}
		}
		next unless defined $b->{expect};
		if ($b->{skip} || !defined $seg{$n})
		{
			fail("$what: its output shown in the doc cannot be compared: the block did not run");
			next;
		}
		$ncompared++;
		my $d = compare_output($seg{$n}, $b->{expect});
		is($d, '', "$what prints the output the doc shows") or diag("block output:\n$seg{$n}");
	}

	my @ex = @{ $extra{$file} // [] };
	my @got = $out =~ /^\@\@docex extra\@\@\n(.*?)(?=^\@\@docex |\z)/msg;
	for my $k (0 .. $#ex)
	{
		my ($pick, $q) = @{ $ex[$k] };
		my @doc = grep { $_->{info} eq '' && $_->{text} =~ $pick } @fenced;
		is(scalar(@doc), 1, "$file: one doc block for the extra comparison \"$q\"");
		if (!defined $got[$k])
		{
			fail("$file: \"$q\" did not run (a block before it failed)");
			next;
		}
		next unless @doc;
		(my $want = $doc[0]{text}) =~ s/\s*\n\s*/ /g;
		(my $have = $got[$k]) =~ s/\s*\n\s*/ /g;
		$ncompared++;
		is(compare_output($have, $want), '', "$file: the text shown for \"$q\" is what it returns")
		  or diag("returned:\n$got[$k]");
	}
	pc_dropdb($db);
}
cmp_ok($ncompared, '>=', 1, "outputs compared: $ncompared");
done_testing();
