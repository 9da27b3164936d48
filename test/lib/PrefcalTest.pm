# test/lib/PrefcalTest.pm: helpers for prefcal's TAP tests (test/t/*.t).
#
# The tests run against the cluster the PG* environment names (the
# throwaway cluster test/run-tests.sh starts), with psql.  Each test works
# in a database of its own, created fresh and dropped at the end.
package PrefcalTest;

use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempfile);

our @EXPORT = qw(pc_newdb pc_psql pc_psql_ok pc_psql_fails pc_dropdb);

# pc_newdb(name): create a fresh database with prefcal installed
sub pc_newdb
{
	my ($db) = @_;
	system('psql', '-X', '-q', '-d', 'postgres', '-c', "DROP DATABASE IF EXISTS $db") == 0
	  or die "cannot drop $db";
	system('psql', '-X', '-q', '-d', 'postgres', '-c', "CREATE DATABASE $db") == 0
	  or die "cannot create $db";
	pc_psql($db, 'CREATE EXTENSION prefcal');
	return $db;
}

sub pc_dropdb
{
	my ($db) = @_;
	system('psql', '-X', '-q', '-d', 'postgres', '-c', "DROP DATABASE IF EXISTS $db WITH (FORCE)");
}

# pc_psql(db, sql, [extra psql args]) -> (stdout, stderr, exit code) in list
# context, stdout in scalar context.  Unaligned, tuples only.
sub pc_psql
{
	my ($db, $sql, @args) = @_;
	my ($fh, $file) = tempfile(UNLINK => 1);
	print $fh $sql;
	close $fh;
	my ($efh, $efile) = tempfile(UNLINK => 1);
	close $efh;
	my $out = `psql -X -A -t -q -v ON_ERROR_STOP=1 -d $db @args -f $file 2>$efile`;
	my $rc = $? >> 8;
	chomp $out;
	open my $in, '<', $efile or die;
	my $err = do { local $/; <$in> } // '';
	close $in;
	return wantarray ? ($out, $err, $rc) : $out;
}

1;
