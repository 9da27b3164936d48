# test/t/006_kernels_aarch64.t: the standalone kernel test built for aarch64
# and run under user-mode QEMU, so that the NEON kernels are checked against
# their scalar twins on an x86-64 machine as well (on an aarch64 machine
# 005_kernels.t runs them natively).  Needs the Debian packages
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user, which
# test/deps.sh installs when it runs as root; without them the test is
# skipped and says why.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;

my $arch = `uname -m`;
chomp $arch;
plan skip_all => 'aarch64 machine: 005_kernels.t runs the NEON kernels natively'
  if $arch eq 'aarch64';

my $cc = $ENV{AARCH64_CC} // 'aarch64-linux-gnu-gcc';
my $qemu = $ENV{QEMU_AARCH64} // 'qemu-aarch64';
for my $tool ($cc, $qemu)
{
	plan skip_all => "$tool not found (Debian: gcc-aarch64-linux-gnu, "
	  . 'libc6-dev-arm64-cross, qemu-user)'
	  if system("command -v $tool >/dev/null 2>&1") != 0;
}

my $out = tempdir(CLEANUP => 1);
my $pgc = $ENV{PG_CONFIG} // 'pg_config';
my $build =
  `make -s -C test/kernels OUT=$out PG_CONFIG=$pgc AARCH64_CC=$cc $out/test_kernels_aarch64 2>&1`;
is($?, 0, 'aarch64 kernel test builds with the module warning flags')
  or diag($build);

my $log = `$qemu $out/test_kernels_aarch64 2>&1`;
my $rc = $? >> 8;
my %neon;
for my $line (split /\n/, $log)
{
	if ($line =~ /^PASS (.*)/)
	{
		my $what = $1;

		pass("aarch64 kernels: $what");
		$neon{$what} = 1 if $what =~ /^neon /;
	}
	elsif ($line =~ /^FAIL (.*)/)
	{
		fail("aarch64 kernels: $1");
	}
	elsif ($line =~ /^(?:SKIP|INFO) (.*)/)
	{
		note($1);
	}
}
is($rc, 0, 'aarch64 kernel test exits 0') or diag($log);
# the NEON table itself must have run, every kernel group of it
for my $group ('prob_sumsq, prob_argmax', 'add', 'exp', 'pairs_binary',
	'smooth_node', 'rep_add', 'poisson1')
{
	ok($neon{"neon $group"}, "NEON $group checked against the scalar twin");
}
like($log, qr/^INFO 2 levels tested, \d+ kernel calls checked, 0 failures$/m,
	'scalar and NEON levels tested, no failure');

done_testing();
