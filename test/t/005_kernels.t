# test/t/005_kernels.t: build and run the standalone kernel test
# (test/kernels/test_kernels.c), which checks every SIMD kernel against its
# scalar twin under every level this machine supports, and reports the
# levels it skipped.  It needs no database; it runs here so `make test`
# includes it.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;

my $out = tempdir(CLEANUP => 1);
my $pgc = $ENV{PG_CONFIG} // 'pg_config';
my $build = `make -s -C test/kernels OUT=$out PG_CONFIG=$pgc 2>&1`;
is($?, 0, 'kernel test program builds with the module warning flags')
  or diag($build);

my $log = `$out/test_kernels 2>&1`;
my $rc = $? >> 8;
my $passed = 0;
for my $line (split /\n/, $log)
{
	if ($line =~ /^PASS (.*)/)
	{
		pass("kernels: $1");
		$passed++;
	}
	elsif ($line =~ /^FAIL (.*)/)
	{
		fail("kernels: $1");
	}
	elsif ($line =~ /^SKIP (.*)/)
	{
		note("skipped level $1");
	}
	elsif ($line =~ /^INFO (.*)/)
	{
		note($1);
	}
}
is($rc, 0, 'kernel test program exits 0') or diag($log);
# scalar against itself plus at least one SIMD level on x86-64 and aarch64
cmp_ok($passed, '>=', 3, 'at least the scalar level ran all kernel groups');

done_testing();
