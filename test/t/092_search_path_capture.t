# test/t/092_search_path_capture.t: hostile functions, aggregates,
# operators and types planted in schema public, with public first in
# search_path, must not capture anything prefcal does.
#
# prefcal is installed in its own schema (pcx).  The planted objects:
#  - for every core function name prefcal's SQL and PL/pgSQL bodies mention,
#    plus a list of names any C code running SQL might use (sqrt, ln, exp,
#    abs, round, unnest, array_length, ...), an exact-signature copy in
#    public of every pg_catalog overload (same argument and result types);
#  - copies of the core aggregates sum, avg, count, max, min, array_agg,
#    string_agg on the usual types;
#  - operators =, <>, <, >, <=, >=, +, -, *, /, ^, || on float8, float4,
#    int4, int8, numeric, text and bool (and on prefcal's types where core
#    has none);
#  - a shadow copy in public of every prefcal function and aggregate (same
#    name, same argument types): "a function shadowing one of prefcal's
#    internal helpers";
#  - domains public.float8, public.int4, public.numeric over text.
# Every planted function records its call in public.hostile_calls.  The test
# runs the same plausible call of every prefcal function and aggregate
# before planting (baseline) and after, with search_path = public, pcx,
# pg_catalog, and requires identical outcomes and no recorded call.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../fuzz";
use PrefcalTest;
use PcCatalog;

my $db = 'pc_capture';
system('psql', '-X', '-q', '-d', 'postgres', '-c', "DROP DATABASE IF EXISTS $db") == 0 or die;
system('psql', '-X', '-q', '-d', 'postgres', '-c', "CREATE DATABASE $db") == 0 or die;
pc_val($db, 'CREATE SCHEMA pcx; CREATE EXTENSION prefcal SCHEMA pcx');
pc_val($db, pc_sane_table_sql());
pc_val($db, 'CREATE TABLE public.hostile_calls (fn text, at timestamptz DEFAULT now())');

my @f = pc_ext_functions($db);
my @t = pc_ext_types($db);
my %support = map { ($_->{input}, 1, $_->{output}, 1, $_->{receive}, 1, $_->{send}, 1) } @t;
my $samples = pc_samples($db, \@f, \@t);

# the calls: two plausible calls of everything that takes no internal
my @stmts;
for my $x (@f)
{
	next if grep { $_ eq 'internal' } @{ $x->{args} };
	push @stmts, pc_sane_call($x, $samples, $_) for (0, 1, 2);
}
for my $ty (@t)
{
	next unless defined $samples->{ $ty->{name} };
	(my $v = $samples->{ $ty->{name} }) =~ s/'/''/g;
	push @stmts, "SELECT '$v'::$ty->{name}::pg_catalog.text";
}
ok(@stmts > 0, scalar(@stmts) . ' calls to compare');

my $path = 'SET search_path = public, pcx, pg_catalog;';
$PcCatalog::rollback_each = 1;
my @before = pc_batch($db, \@stmts, $path);
$PcCatalog::rollback_each = 0;

# names referenced by prefcal's SQL and PL/pgSQL bodies
my $bodies = pc_val($db, q{
SELECT pg_catalog.string_agg(p.prosrc, ' ')
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'prefcal'
  JOIN pg_catalog.pg_proc p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE d.deptype = 'e' AND l.lanname IN ('sql', 'plpgsql')});
my %names = map { lc($_) => 1 } ($bodies =~ /([A-Za-z_]\w*)\s*\(/g);
$names{$_} = 1 for qw(sqrt ln exp log abs power pow round trunc floor ceil ceiling
  greatest least array_length array_upper array_lower cardinality unnest
  generate_series random format lower upper length substr concat isfinite
  width_bucket float8 int4 int8 numeric text to_jsonb jsonb_build_object
  jsonb_agg json_build_object now clock_timestamp pg_sleep set_config
  current_setting nextval lag lead row_number);
my $namelist = join ',', map { "'$_'" } sort keys %names;

# 1. exact copies of the core functions, each recording its call
my $plant = qq{
DO \$plant\$
DECLARE r record; n int := 0;
BEGIN
  FOR r IN
    SELECT p.proname, p.oid::pg_catalog.regprocedure AS sig, p.proretset,
           pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
           pg_catalog.format_type(p.prorettype, NULL) AS ret
      FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace
       AND p.prokind = 'f' AND p.proname IN ($namelist)
       AND p.prorettype NOT IN (SELECT oid FROM pg_catalog.pg_type WHERE typtype = 'p' AND typname <> 'void')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) a(t)
                         JOIN pg_catalog.pg_type ty ON ty.oid = a.t WHERE ty.typtype = 'p')
  LOOP
    BEGIN
      EXECUTE pg_catalog.format(
        'CREATE FUNCTION public.%I(%s) RETURNS %s%s LANGUAGE plpgsql AS %L',
        r.proname, r.args, CASE WHEN r.proretset THEN 'SETOF ' ELSE '' END, r.ret,
        pg_catalog.format('BEGIN INSERT INTO public.hostile_calls(fn) VALUES (%L); RETURN%s; END',
                          r.sig::text, CASE WHEN r.proretset THEN '' WHEN r.ret = 'void' THEN '' ELSE ' NULL' END));
      n := n + 1;
    EXCEPTION WHEN others THEN NULL;
    END;
  END LOOP;
  RAISE NOTICE 'planted % function copies', n;
END
\$plant\$;
};
my ($o, $e, $rc) = pc_psql($db, $plant);
is($rc, 0, 'planted exact copies of core functions in public') or diag($e);
diag($e =~ /(planted \d+ function copies)/ ? $1 : $e);

# 2. core aggregates
my $aggs = q{
CREATE FUNCTION public.hostile_sfunc(s anycompatible, v anycompatible) RETURNS anycompatible
LANGUAGE plpgsql AS $$BEGIN INSERT INTO public.hostile_calls(fn) VALUES ('aggregate'); RETURN s; END$$;
CREATE FUNCTION public.hostile_count(s int8, v anyelement) RETURNS int8
LANGUAGE plpgsql AS $$BEGIN INSERT INTO public.hostile_calls(fn) VALUES ('count'); RETURN s; END$$;
CREATE FUNCTION public.hostile_count0(s int8) RETURNS int8
LANGUAGE plpgsql AS $$BEGIN INSERT INTO public.hostile_calls(fn) VALUES ('count(*)'); RETURN s; END$$;
};
for my $ty (qw(float8 float4 int4 int8 numeric text))
{
	for my $agg (qw(sum avg max min))
	{
		next if $ty eq 'text' && ($agg eq 'sum' || $agg eq 'avg');
		$aggs .= "CREATE AGGREGATE public.$agg(pg_catalog.$ty) (SFUNC = public.hostile_sfunc, STYPE = pg_catalog.$ty);\n";
	}
	$aggs .= "CREATE AGGREGATE public.count(pg_catalog.$ty) (SFUNC = public.hostile_count, STYPE = pg_catalog.int8, INITCOND = '0');\n";
}
$aggs .= "CREATE AGGREGATE public.count(*) (SFUNC = public.hostile_count0, STYPE = pg_catalog.int8, INITCOND = '0');\n";
($o, $e, $rc) = pc_psql($db, $aggs);
is($rc, 0, 'planted copies of core aggregates in public') or diag($e);

# 3. operators on the usual types and on prefcal's types
my $ops = q{
DO $ops$
DECLARE r record; n int := 0;
BEGIN
  FOR r IN
    SELECT o.oprname, o.oid::pg_catalog.regoperator AS sig,
           pg_catalog.format_type(o.oprleft, NULL) AS l, pg_catalog.format_type(o.oprright, NULL) AS r,
           pg_catalog.format_type(o.oprresult, NULL) AS res
      FROM pg_catalog.pg_operator o
     WHERE o.oprnamespace = 'pg_catalog'::pg_catalog.regnamespace
       AND o.oprname IN ('=', '<>', '<', '>', '<=', '>=', '+', '-', '*', '/', '^', '||')
       AND o.oprleft IN ('float8'::regtype, 'float4'::regtype, 'int4'::regtype, 'int8'::regtype,
                         'numeric'::regtype, 'text'::regtype, 'bool'::regtype, 'float8[]'::regtype)
       AND o.oprright IN ('float8'::regtype, 'float4'::regtype, 'int4'::regtype, 'int8'::regtype,
                          'numeric'::regtype, 'text'::regtype, 'bool'::regtype, 'float8[]'::regtype)
  LOOP
    EXECUTE pg_catalog.format(
      'CREATE FUNCTION public.%I(%s, %s) RETURNS %s LANGUAGE plpgsql AS %L',
      'hostile_op_' || n, r.l, r.r, r.res,
      pg_catalog.format('BEGIN INSERT INTO public.hostile_calls(fn) VALUES (%L); RETURN NULL; END', r.sig::text));
    EXECUTE pg_catalog.format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.%I)',
      r.oprname, r.l, r.r, 'hostile_op_' || n);
    n := n + 1;
  END LOOP;
  RAISE NOTICE 'planted % operators', n;
END
$ops$;
};
($o, $e, $rc) = pc_psql($db, $ops);
is($rc, 0, 'planted copies of core operators in public') or diag($e);

# 4. shadows of prefcal's own functions and aggregates
my $shadow = q{
DO $sh$
DECLARE r record; n int := 0;
BEGIN
  FOR r IN
    SELECT p.proname, p.prokind, p.oid::pg_catalog.regprocedure AS sig, p.proretset,
           pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
           pg_catalog.format_type(p.prorettype, NULL) AS ret, p.proargtypes
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'prefcal'
      JOIN pg_catalog.pg_proc p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
     WHERE d.deptype = 'e' AND p.prokind IN ('f', 'a')
  LOOP
    BEGIN
      IF r.prokind = 'f' THEN
        EXECUTE pg_catalog.format(
          'CREATE FUNCTION public.%I(%s) RETURNS %s%s LANGUAGE plpgsql AS %L',
          r.proname, r.args, CASE WHEN r.proretset THEN 'SETOF ' ELSE '' END, r.ret,
          pg_catalog.format('BEGIN INSERT INTO public.hostile_calls(fn) VALUES (%L); RETURN%s; END',
                            r.sig::text, CASE WHEN r.proretset OR r.ret = 'void' THEN '' ELSE ' NULL' END));
      ELSE
        EXECUTE pg_catalog.format(
          'CREATE FUNCTION public.%I(%s, %s) RETURNS %s LANGUAGE plpgsql AS %L',
          'hostile_agg_' || n, r.ret, r.args, r.ret,
          pg_catalog.format('BEGIN INSERT INTO public.hostile_calls(fn) VALUES (%L); RETURN NULL; END', r.sig::text));
        EXECUTE pg_catalog.format('CREATE AGGREGATE public.%I(%s) (SFUNC = public.%I, STYPE = %s)',
          r.proname, r.args, 'hostile_agg_' || n, r.ret);
      END IF;
      n := n + 1;
    EXCEPTION WHEN others THEN RAISE NOTICE 'cannot shadow %: %', r.sig, SQLERRM;
    END;
  END LOOP;
  RAISE NOTICE 'planted % shadows of prefcal functions', n;
END
$sh$;
};
($o, $e, $rc) = pc_psql($db, $shadow);
is($rc, 0, 'planted shadows of prefcal functions in public') or diag($e);
diag($1) if $e =~ /(planted \d+ shadows of prefcal functions)/;

# 5. domains named like core types
($o, $e, $rc) = pc_psql($db, q{
CREATE DOMAIN public.float8 AS pg_catalog.text;
CREATE DOMAIN public.int4 AS pg_catalog.text;
CREATE DOMAIN public.numeric AS pg_catalog.text;
});
is($rc, 0, 'planted domains named like core types') or diag($e);

# the hostile objects are reachable: an unqualified call is captured
my $probe = pc_val($db, "SET search_path = public, pcx, pg_catalog; SELECT sqrt(4::pg_catalog.float8) IS NULL");
is($probe, 't', 'sanity: an unqualified sqrt() with public first is captured');
pc_val($db, 'TRUNCATE public.hostile_calls');

$PcCatalog::rollback_each = 1;
my @after = pc_batch($db, \@stmts, $path);
$PcCatalog::rollback_each = 0;
# a function whose value is a reading of the clock: the same SQLSTATE and
# a value of the same shape (a timestamp)
my $clock = qr/\.prefcal_oldest_xact_start\(\)/;
for my $i (0 .. $#stmts)
{
	if ($stmts[$i] =~ $clock)
	{
		my $ts = qr/^00000 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?[-+]\d\d(:\d\d)?$/;
		like("$after[$i][0] $after[$i][1]", $ts,
			"same outcome with hostile objects planted (a time): $stmts[$i]");
		like("$before[$i][0] $before[$i][1]", $ts, "and before: $stmts[$i]");
		next;
	}
	is("$after[$i][0] $after[$i][1]", "$before[$i][0] $before[$i][1]",
		"same outcome with hostile objects planted: $stmts[$i]");
}
my $calls = pc_val($db, 'SELECT pg_catalog.string_agg(DISTINCT fn, \', \') FROM public.hostile_calls');
is($calls, '', 'no planted function was called');

pc_dropdb($db);
done_testing();
