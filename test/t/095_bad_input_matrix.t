# test/t/095_bad_input_matrix.t: doc/bad-input.md is what the functions do.
# Regenerates the bad-input matrix with test/fuzz/bad-input.pl and fails if
# it differs from the committed file (the diff is shown).  After changing a
# function: run test/fuzz/bad-input.pl against a cluster with the new build
# installed, review the diff of doc/bad-input.md, commit it.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);

my $root = "$FindBin::Bin/../..";
my $dir = tempdir(CLEANUP => 1);
my $out = `perl $root/test/fuzz/bad-input.pl -o $dir/bad-input.md -d pc_bad_input_t 2>&1`;
is($? >> 8, 0, 'the bad-input matrix generator runs') or diag($out);
my $diff = `diff -u $root/doc/bad-input.md $dir/bad-input.md`;
is($diff, '', 'doc/bad-input.md matches the functions\' actual behaviour')
  or diag("regenerate with test/fuzz/bad-input.pl; differences:\n" . substr($diff, 0, 6000));
unlike(`cat $dir/bad-input.md`, qr/\|\s*`?(?:server crash|error XX)/, 'no crash and no internal error in the matrix');
done_testing();
