# test/t/004_test_hygiene.t: rules the test files keep (static, no cluster).
#  - pg_regress files (sql/*.sql) find files through the directories
#    pg_regress names (PG_ABS_SRCDIR, PG_ABS_BUILDDIR), not the current
#    directory, and never write into the server's data directory: no \copy
#    or COPY of a literal relative path, no data_directory;
#  - TAP files have distinct numbers.
use strict;
use warnings;
use Test::More;
use FindBin;

my $root = "$FindBin::Bin/../..";
my @bad;
for my $f (sort glob("$root/sql/*.sql"))
{
	open(my $fh, '<', $f) or die "$f: $!";
	while (my $line = <$fh>)
	{
		(my $name = $f) =~ s{.*/}{};
		push @bad, "$name:$.: $line"
		  if $line =~ /^\s*\\copy\b.*\b(from|to)\s+'[^'\s\/][^']*'/i
		  || $line =~ /\bcopy\b.*\b(from|to)\s+'[^'\s\/][^']*'/i
		  || $line =~ /data_directory/i;
	}
	close $fh;
}
ok(scalar(glob("$root/sql/*.sql")), 'there are regression files');
is(join('', @bad), '', 'no regression file reads or writes a path relative to the current directory or the data directory');

my %seen;
for my $t (map { s{.*/}{}r } glob("$root/test/t/*.t"))
{
	my ($n) = $t =~ /^(\d+)_/ or next;
	push @{ $seen{$n} }, $t;
}
is(join(', ', map { join(' and ', @{ $seen{$_} }) } grep { @{ $seen{$_} } > 1 } sort keys %seen), '',
	'every TAP file has a number of its own');
done_testing();
