# test/t/091_unprivileged.t: every function, aggregate, procedure and type
# of prefcal is usable by an ordinary role (no superuser, only CONNECT on
# the database and USAGE on the schema, plus the table privileges the
# documentation asks for on prefcal's own tables), and gives the same result
# as for the superuser.  Catalog driven: covers whatever prefcal contains.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../fuzz";
use PrefcalTest;
use PcCatalog;

my $db = pc_newdb('pc_unpriv');
my $role = 'pc_plain_user';
pc_psql($db, pc_sane_table_sql() . qq{
DROP ROLE IF EXISTS $role;
CREATE ROLE $role NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
REVOKE ALL ON DATABASE $db FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE $db TO $role;
GRANT USAGE ON SCHEMA public TO $role;
GRANT SELECT ON pc_sane TO $role;
});

# Tables and sequences of prefcal (stored models, refit jobs, calibration
# history): an ordinary role gets the table privileges the documentation
# asks for (doc/pg_cron.md: read and write the three tables), granted by
# the table owner, no superuser involved at use time.
my @tables = map { $_->[0] } pc_query_rows($db, q{
SELECT c.oid::regclass::text FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'prefcal'
 WHERE c.relkind IN ('r', 'p', 'S') ORDER BY 1});
for my $tab (@tables)
{
	pc_val($db, "GRANT SELECT, INSERT, UPDATE, DELETE ON $tab TO $role")
	  unless pc_val($db, "SELECT relkind FROM pg_catalog.pg_class WHERE oid = '$tab'::regclass") eq 'S';
	pc_val($db, "GRANT USAGE, SELECT, UPDATE ON SEQUENCE $tab TO $role")
	  if pc_val($db, "SELECT relkind FROM pg_catalog.pg_class WHERE oid = '$tab'::regclass") eq 'S';
}
diag('granted to the ordinary role on prefcal\'s tables: ' . join(', ', @tables)) if @tables;

my @f = pc_ext_functions($db);
my @t = pc_ext_types($db);
ok(@f > 0, scalar(@f) . ' functions of prefcal found');

# privileges as the catalog records them (one query each)
my %fpriv = map { ($_->[0], $_->[1]) } pc_query_rows($db,
	"SELECT p.oid, pg_catalog.has_function_privilege('$role', p.oid, 'EXECUTE') FROM pg_catalog.pg_proc p");
for my $x (@f)
{
	is($fpriv{ $x->{oid} }, 't', "$x->{sig}: EXECUTE granted to an ordinary role");
}
my %tpriv = map { ($_->[0], $_->[1]) } pc_query_rows($db,
	"SELECT t.oid, pg_catalog.has_type_privilege('$role', t.oid, 'USAGE') FROM pg_catalog.pg_type t");
for my $x (@t)
{
	is($tpriv{ $x->{oid} }, 't', "type $x->{name}: USAGE granted to an ordinary role");
}

# the same calls as superuser and as the ordinary role: same outcome, and
# never insufficient_privilege (42501)
my $samples = pc_samples($db, \@f, \@t);
my %support = map { ($_->{input}, 1, $_->{output}, 1, $_->{receive}, 1, $_->{send}, 1) } @t;
my (@stmts, @who);
for my $x (@f)
{
	next if grep { $_ eq 'internal' } @{ $x->{args} };
	for my $m (0, 1, 2)
	{
		push @stmts, pc_sane_call($x, $samples, $m);
		push @who, $x->{sig};
	}
}
for my $ty (@t)
{
	next unless defined $samples->{ $ty->{name} };
	(my $v = $samples->{ $ty->{name} }) =~ s/'/''/g;
	push @stmts, "SELECT '$v'::$ty->{name}::pg_catalog.text = '$v'";
	push @who, "type $ty->{name} input/output";
}
# each call in its own transaction, rolled back: writers (refit
# procedures) leave nothing behind for the next run
$PcCatalog::rollback_each = 1;
my @su = pc_batch($db, \@stmts);
my @pl = pc_batch($db, \@stmts, "SET ROLE $role;");
$PcCatalog::rollback_each = 0;
# functions whose value is a reading of the clock: the same SQLSTATE only
my %clock = map { ($_, 1) } ('prefcal_oldest_xact_start()');
my %ok_somewhere;
for my $i (0 .. $#stmts)
{
	isnt($pl[$i][0], '42501', "$who[$i]: no privilege error for an ordinary role")
	  or diag($stmts[$i]);
	if ($clock{ $who[$i] })
	{
		is($pl[$i][0], $su[$i][0], "$who[$i]: same SQLSTATE as superuser (its value is a time)")
		  or diag($stmts[$i]);
	}
	else
	{
		is("$pl[$i][0] $pl[$i][1]", "$su[$i][0] $su[$i][1]", "$who[$i]: same outcome as superuser")
		  or diag($stmts[$i]);
	}
	$ok_somewhere{ $who[$i] } = 1 if $pl[$i][0] eq '00000';
}
my @never = grep { !$ok_somewhere{$_} } do { my %s; grep { !$s{$_}++ } @who };
diag('no plausible call succeeded (coverage gap, not a privilege failure): ' . join('; ', @never))
  if @never;

pc_psql($db, "DROP OWNED BY $role; DROP ROLE $role");
pc_dropdb($db);
done_testing();
