# test/t/001_readme.t: every SQL block of README.md runs, in order, in a
# fresh database, so the README's examples stay true.  Blocks that need
# something the test cluster's database does not have are skipped by rule:
# the installation block (the test database already has prefcal) and
# pg_cron scheduling (covered by 060_pg_cron.t).
use strict;
use warnings;
use Test::More;
use PrefcalTest;

open my $fh, '<', 'README.md' or die "README.md: $!";
my $readme = do { local $/; <$fh> };
close $fh;

my @blocks = $readme =~ /^```sql\n(.*?)^```/msg;
ok(@blocks >= 8, 'README has its SQL examples (' . scalar(@blocks) . ' blocks)');

my $db = pc_newdb('pc_readme');
my $n = 0;
for my $sql (@blocks)
{
	$n++;
	if ($sql =~ /^\s*CREATE EXTENSION prefcal;\s*$/s || $sql =~ /cron\.schedule/)
	{
		note("block $n skipped");
		next;
	}
	my ($out, $err, $rc) = pc_psql($db, $sql);
	is($rc, 0, "README SQL block $n runs") or diag("$sql\n$err");
}
pc_dropdb($db);
done_testing();
