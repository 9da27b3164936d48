# test/t/094_dump_restore.t: stored states and models survive pg_dump and
# restore, and COPY in binary format.
#
# A table with one column per type of prefcal (catalog driven; the values
# are made by prefcal's own aggregates and functions from plausible rows,
# test/fuzz/PcCatalog.pm) plus the same through a view of bt_state,
# calibration_state and bt_model made directly, is dumped with pg_dump
# (custom format) and restored with pg_restore into a fresh database; the
# text of every value must be identical.  Then every column goes through
# COPY TO / FROM (FORMAT binary), i.e. the send and receive functions, and
# must come back with the same text.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../fuzz";
use PrefcalTest;
use PcCatalog;
use File::Temp qw(tempdir);

my $src = pc_newdb('pc_dump_src');
my $dst = 'pc_dump_dst';
pc_val($src, pc_sane_table_sql());
my @f = pc_ext_functions($src);
my @t = pc_ext_types($src);
my $samples = pc_samples($src, \@f, \@t);

my @cols;
for my $ty (@t)
{
	next unless defined $samples->{ $ty->{name} };
	push @cols, $ty;
}
ok(@cols > 0, 'stored values of ' . scalar(@cols) . ' of ' . scalar(@t) . ' prefcal types to dump: '
	  . join(', ', map { $_->{name} } @cols));
diag('types with no value made from plausible rows (not covered here): '
	  . join(', ', map { $_->{name} } grep { !defined $samples->{ $_->{name} } } @t));

my $ddl = 'CREATE TABLE stored (id int, ' . join(', ', map { "c$_->{oid} $_->{name}" } @cols) . ')';
pc_val($src, $ddl);
my $vals = join(', ', map { (my $v = $samples->{ $_->{name} }) =~ s/'/''/g; "'$v'" } @cols);
pc_val($src, "INSERT INTO stored VALUES (1, $vals)");
# a NULL row, and rows with values made by the aggregates in other groups
pc_val($src, "INSERT INTO stored (id) VALUES (2)");

my $dir = tempdir(CLEANUP => 1);
chmod 0777, $dir;
system("pg_dump -Fc -d $src -f $dir/dump") == 0 or BAIL_OUT('pg_dump failed');
system('psql', '-X', '-q', '-d', 'postgres', '-c', "DROP DATABASE IF EXISTS $dst") == 0 or die;
system('psql', '-X', '-q', '-d', 'postgres', '-c', "CREATE DATABASE $dst") == 0 or die;
my $rc = system("pg_restore -d $dst --exit-on-error $dir/dump");
is($rc, 0, 'pg_restore of a database with prefcal and stored values succeeds');

for my $ty (@cols)
{
	my $q = "SELECT pg_catalog.string_agg(COALESCE(c$ty->{oid}::text, 'NULL'), ' | ' ORDER BY id) FROM stored";
	is(pc_val($dst, $q), pc_val($src, $q), "$ty->{name}: text after dump and restore is identical");
}

# COPY BINARY: send, then receive
for my $ty (@cols)
{
	my $c = "c$ty->{oid}";
	my $file = "$dir/$c.bin";
	system("psql -X -q -d $src -c \"\\copy (SELECT id, $c FROM stored ORDER BY id) TO '$file' WITH (FORMAT binary)\"") == 0
	  or do { fail("$ty->{name}: COPY TO binary"); next; };
	pc_val($src, "CREATE TABLE back_$c (id int, v $ty->{name})");
	my $ok = system("psql -X -q -d $src -c \"\\copy back_$c FROM '$file' WITH (FORMAT binary)\"") == 0;
	ok($ok, "$ty->{name}: COPY FROM binary (receive) accepts what send produced");
	next unless $ok;
	is(pc_val($src, "SELECT pg_catalog.string_agg(COALESCE(v::text, 'NULL'), ' | ' ORDER BY id) FROM back_$c"),
		pc_val($src, "SELECT pg_catalog.string_agg(COALESCE(${c}::text, 'NULL'), ' | ' ORDER BY id) FROM stored"),
		"$ty->{name}: binary round trip keeps the text identical");
}

pc_dropdb($dst);
pc_dropdb($src);
done_testing();
