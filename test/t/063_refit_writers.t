# test/t/063_refit_writers.t: scheduled refits against concurrent writers.
#
# Runs test/bench/refit_writers.sh at a small size: six writer sessions
# insert judgments in transactions held open up to 20 ms, while
# CALL prefcal_refit(...) runs every 50 ms on three jobs over the same rows
# (a bigserial watermark, a timestamptz filled by now(), and the bigserial
# through a view), for three rounds of four seconds on the same table.
# After each round (the writers stopped, one last refit of each job) every
# job must have folded every row exactly once: rows folded = rows in the
# table, and the stored counts = bt_state over the whole table.  Before
# refits waited for writers, each round lost rows that a writer committed
# after a refit had moved the watermark past their keys.
use strict;
use warnings;
use Test::More;
use FindBin;
use PrefcalTest;

my $script = "$FindBin::Bin/../bench/refit_writers.sh";
my ($secs, $writers, $open_ms, $every_ms, $rounds) = (4, 6, 20, 50, 3);

$ENV{PREFCAL_BENCH_DB} = 'prefcal_refit_writers_t';
my $out = `bash $script $secs $writers $open_ms $every_ms $rounds 2>&1`;
is($? >> 8, 0, 'the writers and the refits ran') or diag($out);
diag($out);

for my $round (1 .. $rounds)
{
	my ($tx) = $out =~ /^round $round: .* (\d+) transactions$/m;
	ok(defined $tx && $tx > 50, "round $round: the writers committed judgments ("
		  . ($tx // 'none') . ')');
	for my $job (qw(by_id by_time by_view))
	{
		my ($runs) = $out =~ /^(?:round $round: .*\n(?:  .*\n)*?)  refits of $job: every \d+ ms, (\d+) runs/m;
		ok(defined $runs && $runs >= 5, "round $round: $job refitted while they wrote ("
			  . ($runs // 'none') . ' runs)');
		my ($n, $folded, $equal) =
		  $out =~ /^round $round job $job rows_in_table (\d+) rows_folded (\d+) counts_equal (\w+)$/m;
		ok(defined $n, "round $round: $job reported") or next;
		is($folded, $n, "round $round: $job folded every row ($folded of $n)");
		is($equal, 'true', "round $round: $job stored counts = bt_state over the table");
	}
}

done_testing();
