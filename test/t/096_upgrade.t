# test/t/096_upgrade.t: the upgrade path from the oldest version.
#
# In one database prefcal 0.1.0 is installed (the frozen script
# prefcal--0.1.0.sql), a value of every prefcal type is stored (catalog
# driven: test/fuzz/PcCatalog.pm makes them with the extension's own
# functions), a refit job fills bt_state_store, bt_model_store and
# calibration_history, and every one-argument function of a stored type is
# called on the stored values.  Then ALTER EXTENSION prefcal UPDATE walks
# the upgrade scripts to the default version; the stored values must read
# back with the same text, the same calls must give the same results, the
# refit job must still run and the new functions must read the old states.
# Finally the upgraded catalog must equal a fresh install of the default
# version in another database: the member objects with their full
# definitions (functions with volatility, strictness, parallel safety, SET
# options, source; aggregates with their support functions; types; tables
# with columns, defaults, constraints and indexes), the comments, the
# privileges and the tables registered for pg_dump.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../fuzz";
use PrefcalTest;
use PcCatalog;

my $root = "$FindBin::Bin/../..";
my ($default) = `cat $root/prefcal.control` =~ /^default_version = '([^']+)'/m;
my $oldest = '0.1.0';

my $old = 'pc_upgrade_old';
my $new = 'pc_upgrade_new';
for my $db ($old, $new)
{
	system('psql', '-X', '-q', '-d', 'postgres', '-c', "DROP DATABASE IF EXISTS $db") == 0 or die;
	system('psql', '-X', '-q', '-d', 'postgres', '-c', "CREATE DATABASE $db") == 0 or die;
}
pc_val($old, "CREATE EXTENSION prefcal VERSION '$oldest'");
is(pc_val($old, "SELECT extversion FROM pg_extension WHERE extname = 'prefcal'"), $oldest,
	"installed $oldest");

# ---- stored values of every type, made by the old version ----
pc_val($old, pc_sane_table_sql());
my @f = pc_ext_functions($old);
my @t = pc_ext_types($old);
my $samples = pc_samples($old, \@f, \@t);
my @cols = grep { defined $samples->{ $_->{name} } } @t;
ok(@cols >= 8, 'stored values of ' . scalar(@cols) . ' types of ' . $oldest . ': '
	  . join(', ', map { $_->{name} } @cols));
diag('types with no value made from plausible rows (not covered here): '
	  . join(', ', map { $_->{name} } grep { !defined $samples->{ $_->{name} } } @t));
pc_val($old, 'CREATE TABLE stored (id int, ' . join(', ', map { "c_$_->{name} $_->{name}" } @cols) . ')');
pc_val($old, 'INSERT INTO stored VALUES (1, '
	  . join(', ', map { (my $v = $samples->{ $_->{name} }) =~ s/'/''/g; "'$v'" } @cols) . ')');
pc_val($old, 'INSERT INTO stored (id) VALUES (2)');

# a refit job: rows in bt_state_store, bt_model_store, calibration_history
my $ops = <<'SQL';
CREATE TABLE judgments (id bigserial PRIMARY KEY, first_item text NOT NULL,
                        second_item text NOT NULL, outcome float8 NOT NULL);
INSERT INTO judgments (first_item, second_item, outcome)
SELECT 'i' || a, 'i' || b,
       CASE WHEN (hashint4(g) & 1023) / 1024.0 < 1 / (1 + exp(-(a - b) * 0.5 - 0.3)) THEN 1 ELSE 0 END
FROM generate_series(1, 400) g,
     LATERAL (SELECT g % 5 AS a, (g % 5 + 1 + (g / 5) % 4) % 5 AS b) ab;
CREATE TABLE held AS SELECT first_item, second_item, outcome FROM judgments WHERE id % 5 = 0;
SELECT prefcal_register_refit('pairs', 'judgments', 'first_item', 'second_item', 'outcome', 'id',
       fit_options => '{"position_effect": true}', holdout => 'held');
CALL prefcal_refit('pairs');
SQL
my ($out, $err, $rc) = pc_psql($old, $ops);
is($rc, 0, 'a refit job ran under the old version') or diag($err);

# what must survive: the text of every stored value and ops row, and every
# one-argument function of a stored type applied to the stored value
my %io = map { ($_->{input}, 1, $_->{output}, 1, $_->{receive}, 1, $_->{send}, 1) } @t;
my @calls;
for my $fn (@f)
{
	next unless $fn->{kind} eq 'f' && @{ $fn->{args} } - $fn->{ndefaults} == 1 && !$io{ $fn->{name} };
	my ($ty) = grep { $_->{name} eq $fn->{args}[0] } @cols;
	next unless $ty;
	my $call = $fn->{retset}
	  ? "(SELECT pg_catalog.string_agg(x::text, ';') FROM $fn->{qname}(c_$ty->{name}) x)"
	  : "$fn->{qname}(c_$ty->{name})::text";
	push @calls, [$fn->{sig}, "SELECT COALESCE($call, 'NULL') FROM stored WHERE id = 1"];
}
ok(@calls > 5, scalar(@calls) . ' one-argument functions of stored types to call before and after');
my @reads = (
	map({ ["$_->{name} column", "SELECT pg_catalog.string_agg(COALESCE(c_$_->{name}::text, 'NULL'), ' | ' ORDER BY id) FROM stored"] } @cols),
	['bt_state_store', 'SELECT name, watermark, counts::text, rows_folded, fit_options FROM bt_state_store ORDER BY name'],
	['bt_model_store', 'SELECT name, version, model::text, rows_folded, watermark, options FROM bt_model_store ORDER BY name, version'],
	['calibration_history', 'SELECT h::text FROM calibration_history h ORDER BY name, version'],
	['prefcal_latest_model', "SELECT prefcal_latest_model('pairs')::text"]);
my %before = map { ($_->[0], scalar pc_val($old, $_->[1])) } @reads, @calls;

# ---- the upgrade ----
($out, $err, $rc) = pc_psql($old, "ALTER EXTENSION prefcal UPDATE TO '$default'");
is($rc, 0, "ALTER EXTENSION prefcal UPDATE TO '$default'") or diag($err);
is(pc_val($old, "SELECT extversion FROM pg_extension WHERE extname = 'prefcal'"), $default,
	"extversion is $default");
# functions 0.2.0 renamed (issue 22; CHANGELOG.md), called by their new names
my %renamed = (
	calibration_logloss => 'calibration_log_loss',
	preference_consistency_of => 'preference_consistency_classify',
	recal_points_info => 'recal_state_info',
	recal_points_final => 'recal_state_agg_final',
	recal_temperature_final => 'temperature_scaling_final',
	recal_platt_final => 'platt_scaling_final');
for my $r (@reads, @calls)
{
	(my $sql = $r->[1]) =~ s/\b(\w+)\(c_/($renamed{$1} \/\/ $1) . '(c_'/ge;
	is(pc_val($old, $sql), $before{ $r->[0] }, "after the upgrade: $r->[0] unchanged");
}

# the new version's functions read the old stored states, and the job runs
like(pc_val($old, "SELECT calibration_smooth_ece(state) FROM calibration_history WHERE name = 'pairs' AND version = 1"),
	qr/^\d\.\d+(e-\d+)?$/, 'calibration_smooth_ece reads a calibration_state stored by the old version');
($out, $err, $rc) = pc_psql($old, "INSERT INTO judgments (first_item, second_item, outcome) VALUES ('i1', 'i2', 1); CALL prefcal_refit('pairs');"
	  . " SELECT count(*) FROM bt_model_store WHERE name = 'pairs'");
is($rc, 0, 'the refit job runs after the upgrade') or diag($err);
like($out, qr/2\s*$/, 'and stores a second model version');

# ---- the upgraded catalog equals a fresh install ----
pc_val($new, 'CREATE EXTENSION prefcal');
is(pc_val($new, "SELECT extversion FROM pg_extension WHERE extname = 'prefcal'"), $default,
	"fresh install is $default");

my $catalog = <<'SQL';
WITH m AS (
  SELECT d.classid, d.objid, d.objsubid
    FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.deptype = 'e' AND e.extname = 'prefcal')
SELECT line FROM (
  -- every member, described
  SELECT 'member ' || pg_catalog.pg_describe_object(classid, objid, objsubid) AS line FROM m
  UNION ALL
  -- functions, procedures, aggregates: the whole definition
  SELECT 'proc ' || p.oid::pg_catalog.regprocedure::text || ' kind=' || p.prokind::text
         || ' returns=' || pg_catalog.pg_get_function_result(p.oid)
         || ' args=' || pg_catalog.pg_get_function_arguments(p.oid)
         || ' lang=' || l.lanname || ' vol=' || p.provolatile::text || ' strict=' || p.proisstrict
         || ' parallel=' || p.proparallel::text || ' secdef=' || p.prosecdef || ' leakproof=' || p.proleakproof
         || ' cost=' || p.procost || ' rows=' || p.prorows
         || ' config=' || COALESCE(pg_catalog.array_to_string(p.proconfig, ','), '')
         || ' acl=' || COALESCE(p.proacl::text, '')
         || ' bin=' || COALESCE(p.probin, '') || ' src=' || p.prosrc
    FROM m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = m.objid
    JOIN pg_catalog.pg_language l ON l.oid = p.prolang
  UNION ALL
  SELECT 'aggregate ' || a.aggfnoid::pg_catalog.oid::pg_catalog.regprocedure::text
         || ' kind=' || a.aggkind::text || ' trans=' || a.aggtransfn::pg_catalog.oid::pg_catalog.regprocedure::text
         || ' final=' || COALESCE(NULLIF(a.aggfinalfn::pg_catalog.oid, 0)::pg_catalog.regprocedure::text, '-')
         || ' combine=' || COALESCE(NULLIF(a.aggcombinefn::pg_catalog.oid, 0)::pg_catalog.regprocedure::text, '-')
         || ' serial=' || COALESCE(NULLIF(a.aggserialfn::pg_catalog.oid, 0)::pg_catalog.regprocedure::text, '-')
         || ' deserial=' || COALESCE(NULLIF(a.aggdeserialfn::pg_catalog.oid, 0)::pg_catalog.regprocedure::text, '-')
         || ' stype=' || pg_catalog.format_type(a.aggtranstype, NULL)
         || ' finalextra=' || a.aggfinalextra || ' finalmodify=' || a.aggfinalmodify::text
         || ' init=' || COALESCE(a.agginitval, '-')
    FROM m JOIN pg_catalog.pg_aggregate a ON m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND a.aggfnoid = m.objid
  UNION ALL
  SELECT 'type ' || pg_catalog.format_type(t.oid, NULL) || ' typtype=' || t.typtype::text
         || ' len=' || t.typlen || ' align=' || t.typalign::text || ' storage=' || t.typstorage::text
         || ' in=' || t.typinput::text || ' out=' || t.typoutput::text
         || ' recv=' || t.typreceive::text || ' send=' || t.typsend::text
         || ' category=' || t.typcategory::text || ' acl=' || COALESCE(t.typacl::text, '')
    FROM m JOIN pg_catalog.pg_type t ON m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = m.objid
  UNION ALL
  SELECT 'column ' || c.oid::pg_catalog.regclass::text || '.' || a.attname || ' '
         || pg_catalog.format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull
         || ' default=' || COALESCE(pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '')
    FROM m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
  UNION ALL
  SELECT 'relation ' || c.oid::pg_catalog.regclass::text || ' kind=' || c.relkind::text
         || ' acl=' || COALESCE(c.relacl::text, '')
    FROM m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
  UNION ALL
  SELECT 'constraint ' || co.conrelid::pg_catalog.regclass::text || ' ' || co.conname || ' '
         || pg_catalog.pg_get_constraintdef(co.oid)
    FROM m JOIN pg_catalog.pg_constraint co ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND co.conrelid = m.objid
  UNION ALL
  SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid)
    FROM m JOIN pg_catalog.pg_index i ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.indrelid = m.objid
  UNION ALL
  -- comments on members (and on their columns)
  SELECT 'comment ' || pg_catalog.pg_describe_object(ds.classoid, ds.objoid, ds.objsubid) || ' = ' || ds.description
    FROM pg_catalog.pg_description ds
    JOIN m ON ds.classoid = m.classid AND ds.objoid = m.objid
  UNION ALL
  -- tables registered for pg_dump, with their conditions
  SELECT 'config_dump ' || c::pg_catalog.regclass::text || ' condition=' || COALESCE(cond, '')
    FROM pg_catalog.pg_extension e,
         LATERAL ROWS FROM (pg_catalog.unnest(e.extconfig), pg_catalog.unnest(e.extcondition)) AS u(c, cond)
   WHERE e.extname = 'prefcal'
  UNION ALL
  SELECT 'extension schema=' || e.extnamespace::pg_catalog.regnamespace::text
         || ' relocatable=' || e.extrelocatable || ' version=' || e.extversion
    FROM pg_catalog.pg_extension e WHERE e.extname = 'prefcal'
) x ORDER BY line COLLATE "C";
SQL
my $cat_old = pc_val($old, $catalog);
my $cat_new = pc_val($new, $catalog);
my @lo = split /\n/, $cat_old;
my @ln = split /\n/, $cat_new;
my %in_old = map { $_ => 1 } @lo;
my %in_new = map { $_ => 1 } @ln;
my @only_old = grep { !$in_new{$_} } @lo;
my @only_new = grep { !$in_old{$_} } @ln;
ok(@ln > 300, scalar(@ln) . ' catalog lines describe a fresh install');
is(scalar(@only_old) + scalar(@only_new), 0, 'the upgraded catalog equals a fresh install')
  or diag(join("\n", (map { "only after upgrade: $_" } @only_old), (map { "only in fresh install: $_" } @only_new)));
is(scalar(@lo), scalar(@ln), 'same number of catalog lines (no duplicates on either side)');

pc_dropdb($old);
pc_dropdb($new);
done_testing();
