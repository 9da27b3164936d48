# test/t/090_install_audit.t: the install script and the installed
# extension, audited against search_path capture and the catalog rules of
# COMMON.md (see doc/robustness.md).
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp ();
use lib "$FindBin::Bin/../fuzz";
use PrefcalTest;
use PcCatalog;

my $root = "$FindBin::Bin/../..";

# 1. static audit of the fragments the install script is made of
my $out = `perl $root/test/fuzz/audit-install-script.pl 2>&1`;
is($? >> 8, 0, 'static audit of src/sql/*.sql: no violation') or diag($out);

# the same rules for the upgrade scripts (prefcal--A--B.sql)
my @upgrades = sort glob("$root/prefcal--*--*.sql");
$out = @upgrades ? `perl $root/test/fuzz/audit-install-script.pl @upgrades 2>&1` : '';
is($? >> 8, 0, 'static audit of ' . scalar(@upgrades) . ' upgrade script(s): no violation') or diag($out);

# an update script may replace only what the script it updates created
{
	my $tmp = File::Temp::tempdir(CLEANUP => 1);
	open(my $fh, '>', "$tmp/prefcal--9.0.0.sql") or die;
	print $fh "CREATE FUNCTION \@extschema\@.f(int) RETURNS int AS 'MODULE_PATHNAME', 'f' LANGUAGE C STRICT;\n";
	close $fh;
	open($fh, '>', "$tmp/prefcal--9.0.0--9.0.1.sql") or die;
	print $fh "CREATE OR REPLACE FUNCTION \@extschema\@.f(int) RETURNS int AS 'MODULE_PATHNAME', 'f2' LANGUAGE C STRICT;\n";
	print $fh "CREATE OR REPLACE FUNCTION \@extschema\@.g(int) RETURNS int AS 'MODULE_PATHNAME', 'g' LANGUAGE C STRICT;\n";
	close $fh;
	$out = `perl $root/test/fuzz/audit-install-script.pl $tmp/prefcal--9.0.0--9.0.1.sql 2>&1`;
	like($out, qr/:2: R1 CREATE OR REPLACE\n.*1 violation/s,
		'the audit refuses CREATE OR REPLACE of an object the updated version did not create, and only that');
}

# 2. the installed objects, from the catalog
my $db = pc_newdb('pc_audit');
my @f = pc_ext_functions($db);
ok(scalar(@f) > 0, 'the catalog lists the functions of prefcal');

# procedures that COMMIT cannot carry SET; they must pin the path with
# set_config as the first statement of their body (checked on the source)
my %pinned = map { ($_->[0], 1) } pc_query_rows($db, q{
SELECT p.oid FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'prefcal'
 WHERE p.prokind = 'p'
   AND p.prosrc ~* '^\s*(declare\M.*?)?\mbegin\s+perform\s+pg_catalog\.set_config\s*\(\s*''search_path''\s*,\s*''\s*pg_catalog\s*(,[^'']*)?,\s*pg_temp\s*'''});
for my $f (@f)
{
	next unless $f->{lang} eq 'sql' || $f->{lang} eq 'plpgsql' || $f->{secdef};
	if ($pinned{ $f->{oid} })
	{
		pass("$f->{sig} (procedure) pins search_path with set_config as its first statement");
		next;
	}
	like($f->{config}, qr/(^|,)search_path=pg_catalog(, *[^,]+)*, *pg_temp(,|$)/,
		"$f->{sig} ($f->{lang}) pins search_path to pg_catalog, ..., pg_temp");
}

my $bad = pc_val($db, q{
SELECT pg_catalog.string_agg(pg_catalog.format('%s -> %s', c.castsource::regtype, c.casttarget::regtype), ', ')
  FROM pg_catalog.pg_cast c
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_cast'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'prefcal'
 WHERE c.castcontext = 'i'});
is($bad, '', 'no implicit cast');

$bad = pc_val($db, q{
SELECT pg_catalog.string_agg(pg_catalog.pg_describe_object(d.classid, d.objid, 0), ', ')
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'prefcal'
  LEFT JOIN pg_catalog.pg_proc p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
  LEFT JOIN pg_catalog.pg_type t ON d.classid = 'pg_catalog.pg_type'::regclass AND t.oid = d.objid
  LEFT JOIN pg_catalog.pg_class c ON d.classid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objid
  LEFT JOIN pg_catalog.pg_operator o ON d.classid = 'pg_catalog.pg_operator'::regclass AND o.oid = d.objid
 WHERE d.deptype = 'e'
   AND COALESCE(p.pronamespace, t.typnamespace, c.relnamespace, o.oprnamespace, e.extnamespace)
       <> e.extnamespace});
is($bad, '', 'every object lives in the extension schema');

# aggregates: concrete mergeable state, parallel safe, not named like a core
# aggregate (Citus matches those by bare name)
for my $a (grep { $_->{kind} eq 'a' } @f)
{
	my $r = pc_val($db, qq{
SELECT a.aggcombinefn <> 0, a.aggtranstype <> 'pg_catalog.internal'::regtype,
       p.proparallel = 's',
       NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc c
                    WHERE c.pronamespace = 'pg_catalog'::regnamespace
                      AND c.prokind = 'a' AND c.proname = p.proname)
  FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid
 WHERE a.aggfnoid = $a->{oid}}, '-F', ',');
	is($r, 't,t,t,t', "$a->{sig}: combine function, concrete state, parallel safe, no core name");
}

# volatility: a function whose result follows a setting (the SIMD kernels
# chosen by prefcal.simd give last bits of their own: the Bradley-Terry pair
# pass and dense factorisation, the K-class sum of squares, the smooth ECE's
# node sums) or the loaded library is STABLE, never IMMUTABLE
$bad = pc_val($db, q{
SELECT pg_catalog.string_agg(p.oid::regprocedure::text || ' ' || p.provolatile::text, ', ' ORDER BY 1)
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'prefcal'
 WHERE p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'c')
   AND p.prosrc IN ('bt_fit', 'bt_fit_final', 'brier_score_trans_probs',
                    'calibration_smooth_ece', 'calibration_smooth_ece_detail',
                    'prefcal_version', 'prefcal_simd_level', 'prefcal_simd_levels')
   AND p.provolatile <> 's'});
is($bad, '', 'functions whose result follows prefcal.simd or the library are STABLE');
is(pc_val($db, q{
SELECT count(*) FROM pg_catalog.pg_proc p
 WHERE p.prosrc IN ('bt_fit', 'bt_fit_final', 'brier_score_trans_probs',
                    'calibration_smooth_ece', 'calibration_smooth_ece_detail',
                    'prefcal_version', 'prefcal_simd_level', 'prefcal_simd_levels')}),
	'10', 'the volatility check sees all ten of them');

my $secdef = join ', ', map { $_->{sig} } grep { $_->{secdef} } @f;
is($secdef, '', 'no SECURITY DEFINER function');

pc_dropdb($db);
done_testing();
