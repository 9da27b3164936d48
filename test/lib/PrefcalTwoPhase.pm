# test/lib/PrefcalTwoPhase.pm: what test/t/070_two_phase.t and
# test/citus/check.sh share: the aggregates of the extension from the
# catalog, the arguments that feed each, the test table, and how results
# are compared.
#
# Feeding a new aggregate: %feed maps an argument signature (the argument
# types as oidvectortypes prints them, e.g. "double precision, boolean")
# or, to override it for one aggregate, "name(signature)", to an argument
# list over the columns of tp_data.  An aggregate whose signature has no
# entry fails the two-phase test: add one line to %feed (and a column to
# tp_make_table if none fits).
package PrefcalTwoPhase;

use strict;
use warnings;
use Exporter 'import';
use PrefcalTest;

our @EXPORT = qw(%feed %dyadic_bound %canon $np tp_make_table tp_aggregates
  tp_args tp_compare);

# argument signature (or name(signature)) -> arguments over tp_data's columns
our %feed = (
	'double precision, boolean' => 'p, y',
	'double precision, double precision' => 'p, ys',
	'double precision, boolean, integer' => 'p, y, nb',
	'double precision, double precision, integer' => 'p, ys, nb',
	'double precision, boolean, integer, double precision' => 'p, y, nb, w',
	'double precision, double precision, integer, double precision' => 'p, ys, nb, w',
	'double precision[], integer, integer' => 'probs, label, nb',
	'double precision[], integer' => 'probs, label',
	'double precision, boolean, double precision' => 'p, y, w',
	'double precision, double precision, double precision' => 'p, ys, w',
	'text, text, double precision, double precision' => 'ta, tb, outcome, w',
	'bigint, bigint, double precision, double precision' => 'ia, ib, outcome, w',
	'text, text' => 'ta, tb',
	'bigint, bigint' => 'ia, ib',
	'krippendorff_alpha(text, text)' => 'unit, vote',
	'text, double precision' => 'unit, ival',
	'text' => 'vote',
	'boolean, text' => 'choice, cond',
	'boolean, text, double precision' => 'choice, cond, conf',
	'calibration_state' => 'cs',
	'bt_state' => 'bc',
	'recal_state' => 'rp',
	'preference_consistency_state' => 'pcs',
	'double precision[], double precision[], double precision[], double precision, double precision'
	  => "'{0.25,-0.5,0.125}'::float8[], ff, sf, outcome, w",
	'double precision[], real[], real[], double precision, double precision'
	  => "'{0.25,-0.5,0.125}'::float8[], ff::real[], sf::real[], outcome, w",
	'double precision[], double precision[], double precision[], double precision, double precision, text, double precision, boolean'
	  => "'{0.25,-0.5,0.125}'::float8[], ff, sf, outcome, w, 'logloss+brier', 2, true",
	'double precision[], real[], real[], double precision, double precision, text, double precision, boolean'
	  => "'{0.25,-0.5,0.125}'::float8[], ff::real[], sf::real[], outcome, w, 'hinge+brier', 2, true",
	'reward_pass_state' => 'rps',
	'pav_state' => 'pv',
	'double precision, boolean, integer, text' => 'p, y, nb, unit',
	'double precision, double precision, integer, text' => 'p, ys, nb, unit',
	'double precision, boolean, integer, text, integer' => 'p, y, nb, unit, 7',
	'double precision, double precision, integer, text, integer' => 'p, ys, nb, unit, 7',
	'double precision, boolean, integer, text, integer, bigint' => 'p, y, nb, unit, 7, -3',
	'double precision, double precision, integer, text, integer, bigint' => 'p, ys, nb, unit, 7, -3',
	'double precision, boolean, integer, text, integer, bigint, double precision' => 'p, y, nb, unit, 7, -3, w',
	'double precision, double precision, integer, text, integer, bigint, double precision' => 'p, ys, nb, unit, 7, -3, w',
	'calibration_bootstrap_state' => 'cbs',
	'text, text, double precision, double precision, text' => 'ta, tb, outcome, w, unit',
	'text, text, double precision, double precision, text, integer' => 'ta, tb, outcome, w, unit, 7',
	'text, text, double precision, double precision, text, integer, bigint' => 'ta, tb, outcome, w, unit, 7, -3',
	'bt_bootstrap_state' => 'bbs',
);

# aggregates whose results on the dyadic table agree within the 1e-9
# bound only, and why
our %dyadic_bound = (
	'log_loss' => 'sums of logarithms (compensated, but order-dependent in the last bits)',
	'calibration_state_agg' => 'its state carries the log-loss sum and its compensation term',
	'calibration_state_merge' => 'merges calibration_state_agg states (log-loss sums)',
	'temperature_scaling' => 'a fit iterated from sums of logarithms',
	'platt_scaling' => 'a fit iterated from sums of logarithms',
	'bt_fit' => 'the solver sums over the pairs in the order of the state, which merging changes',
	'preference_consistency_prior' => 'an EM fit whose sums run over the groups in the order of the state',
	'krippendorff_alpha_interval' => 'per-unit means and deviations merged by the pairwise update, from the first value seen',
	'classify_preference_consistency' => 'sums of log-Beta terms over the conditions in the order of the state, which merging changes',
	'reward_pass' => 'sums of logistic and logarithmic terms',
	'reward_pass_merge' => 'merges reward_pass states (sums of logistic and logarithmic terms)',
	'calibration_bootstrap' => 'its state carries log-loss sums (the estimate\'s compensated, the replicates\' plain)',
	'calibration_bootstrap_state_merge' => 'merges calibration_bootstrap states (log-loss sums)',
);

# results whose text lists a set in an order that depends on the order of
# merging: sorted before comparing (result type -> canonical form)
# a canonical form that sorts the elements of the JSON list under key
# (states with keys in a fixed order: {"version": 1, ..., key: [[...], ...]})
sub sorted_list
{
	my ($key) = @_;
	return sub {
		my ($v) = @_;
		return $v unless $v =~ /^(.*"\Q$key\E": \[)(.*)(\]\}\s*)$/s;
		my ($head, $body, $tail) = ($1, $2, $3);
		return $head . join(', ', sort split /(?<=\]), (?=\[)/, $body) . $tail;
	};
}

our %canon = (
	'bt_state' => sorted_list('pairs'),
	'preference_consistency_state' => sorted_list('entries'),
);

our $np = 6;		# parts 0 .. 5: 0 empty, 1 one row, 2 NULL rows only

# The test table tp_data of one kind ('dyadic' or 'random'): $rows rows in parts
# 3 to 5 and groups g = 1 to 3, one row in part 1 (g = 1), NULL-only rows
# in part 2 (one per group), nothing in part 0; some rows in the other
# parts have NULLs in some columns.
sub tp_make_table
{
	my ($kind, $rows) = @_;
	$rows //= 1200;
	my $r = $kind eq 'dyadic'
	  ? sub { my ($den) = @_; "(floor(random() * ($den - 1)) + 1) / $den.0::float8" }
	  : sub { my ($den) = @_; "(0.001 + 0.998 * random())::float8" };
	my $pv = $r->(256);
	my $sv = $kind eq 'dyadic' ? '(floor((p + random()) * 4) / 8.0)::float8' : '((p + random()) / 2)::float8';
	my $wv = $kind eq 'dyadic' ? '(ARRAY[0.5, 1, 2, 3])[1 + floor(random() * 4)::int]::float8'
	  : '(0.1 + 3 * random())::float8';
	my $cv = $kind eq 'dyadic' ? '(floor(random() * 16) / 16.0)::float8' : 'random()::float8';
	my $iv = $kind eq 'dyadic' ? 'floor(random() * 5)::float8' : '(5 * random())::float8';
	my $probs = $kind eq 'dyadic'
	  ? "ARRAY[a / 32.0, b / 32.0, c / 32.0, (32 - a - b - c) / 32.0]::float8[]"
	  : "ARRAY[a * s, b * s, c * s, 1 - (a + b + c) * s]::float8[]";
	return <<"SQL";
SELECT setseed(0.2);
DROP TABLE IF EXISTS tp_data;
CREATE TABLE tp_data AS
SELECT id, 3 + id % 3 AS part, 1 + (id * 7) % 3 AS g,
       p, random() < p AS y, $sv AS ys, 10 AS nb, $wv AS w,
       $probs AS probs, floor(random() * 4)::int AS label,
       'item' || i1 AS ta, 'item' || ((i1 + 1 + floor(random() * 10)::int) % 12) AS tb,
       i1::bigint * 1000003 AS ia, ((i1 + 1 + floor(random() * 10)::int) % 12)::bigint * 1000003 AS ib,
       (ARRAY[0, 0.5, 1, 1])[1 + floor(random() * 4)::int]::float8 AS outcome,
       random() < 0.55 AS choice, 'c' || floor(random() * 3)::int AS cond, $cv AS conf,
       'u' || (id % 60) AS unit, (ARRAY['x', 'y', 'z', 'y'])[1 + floor(random() * 4)::int] AS vote,
       $iv AS ival,
       NULL::calibration_state AS cs, NULL::bt_state AS bc, NULL::recal_state AS rp,
       NULL::preference_consistency_state AS pcs,
       ARRAY[f1 / 8.0 - 0.5, f2 / 8.0 - 0.5, f3 / 8.0 - 0.5]::float8[] AS ff,
       ARRAY[f3 / 8.0 - 0.5, f1 / 8.0 - 0.25, f2 / 4.0 - 1]::float8[] AS sf,
       NULL::reward_pass_state AS rps, NULL::pav_state AS pv,
       NULL::calibration_bootstrap_state AS cbs, NULL::bt_bootstrap_state AS bbs
FROM (SELECT id, $pv AS p, floor(random() * 12)::int AS i1,
             floor(random() * 9)::int AS a, floor(random() * 9)::int AS b,
             floor(random() * 9)::int AS c, (1 / 32.0 + random() / 16) / 8 AS s,
             floor(random() * 9)::int AS f1, floor(random() * 9)::int AS f2,
             floor(random() * 9)::int AS f3
      FROM generate_series(1, $rows) id) q;
-- scattered NULLs
UPDATE tp_data SET p = NULL WHERE id % 37 = 0;
UPDATE tp_data SET y = NULL, ys = NULL, label = NULL, vote = NULL WHERE id % 41 = 0;
UPDATE tp_data SET w = NULL, probs = NULL, ta = NULL, ia = NULL, unit = NULL, ff = NULL WHERE id % 43 = 0;
UPDATE tp_data SET outcome = NULL, choice = NULL, cond = NULL, ival = NULL, conf = NULL WHERE id % 47 = 0;
CREATE INDEX ON tp_data (id);
-- per-row states over a few neighbouring rows, built by prefcal itself
UPDATE tp_data d SET
  cs = (SELECT calibration_state_agg(e.p, e.y) FROM tp_data e WHERE e.id BETWEEN d.id AND d.id + 2),
  bc = (SELECT bt_state_agg(e.ta, e.tb, e.outcome, e.w) FROM tp_data e WHERE e.id BETWEEN d.id AND d.id + 2),
  rp = (SELECT recal_state_agg(e.p, e.y) FROM tp_data e WHERE e.id BETWEEN d.id AND d.id + 2),
  pcs = (SELECT preference_consistency_state_agg(e.choice, e.cond) FROM tp_data e WHERE e.id BETWEEN d.id AND d.id + 2),
  rps = (SELECT reward_pass('{0.25,-0.5,0.125}', e.ff, e.sf, e.outcome, e.w) FROM tp_data e WHERE e.id BETWEEN d.id AND d.id + 2),
  pv = (SELECT pav_state_agg(e.p, e.y, e.w) FROM tp_data e WHERE e.id BETWEEN d.id AND d.id + 2),
  cbs = (SELECT calibration_bootstrap(e.p, e.y, 10, e.unit, 7, -3) FROM tp_data e WHERE e.id BETWEEN d.id AND d.id + 2),
  bbs = (SELECT bt_bootstrap(e.ta, e.tb, e.outcome, e.w, e.unit, 7, -3) FROM tp_data e WHERE e.id BETWEEN d.id AND d.id + 2)
WHERE d.id % 7 = 1;
-- one row in part 1; rows with every column NULL in part 2
INSERT INTO tp_data SELECT $rows + 1, 1, 1, p, y, ys, nb, w, probs, label, ta, tb, ia, ib, outcome,
  choice, cond, conf, unit, vote, ival, cs, bc, rp, pcs, ff, sf, rps, pv, cbs, bbs FROM tp_data WHERE id = 1;
INSERT INTO tp_data (id, part, g) SELECT $rows + 1 + g, 2, g FROM generate_series(1, 3) g;
DROP TABLE IF EXISTS tp_parts;
CREATE TABLE tp_parts AS SELECT generate_series(0, $np - 1) AS part;
ANALYZE tp_data;
SQL
}

# the aggregates of the extension, from the catalog: a list of hashes
sub tp_aggregates
{
	my ($db) = @_;
	my $cat = pc_psql($db, <<'SQL');
SELECT a.aggfnoid, quote_ident(n.nspname) || '.' || quote_ident(p.proname),
       p.proname, oidvectortypes(p.proargtypes),
       pg_get_function_arguments(p.oid),
       format_type(a.aggtranstype, NULL),
       (SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.proname)
          FROM pg_proc t JOIN pg_namespace tn ON tn.oid = t.pronamespace WHERE t.oid = a.aggtransfn),
       a.aggtransfn::oid, a.aggcombinefn::oid,
       (SELECT quote_ident(cn.nspname) || '.' || quote_ident(c.proname)
          FROM pg_proc c JOIN pg_namespace cn ON cn.oid = c.pronamespace WHERE c.oid = a.aggcombinefn),
       a.aggfinalfn::oid,
       (SELECT quote_ident(fn.nspname) || '.' || quote_ident(f.proname)
          FROM pg_proc f JOIN pg_namespace fn ON fn.oid = f.pronamespace WHERE f.oid = a.aggfinalfn),
       a.aggfinalmodify, a.aggfinalextra, a.aggkind, coalesce(quote_literal(a.agginitval), 'NULL'),
       a.aggtranstype::regtype::text, format_type(p.prorettype, NULL)
FROM pg_aggregate a
JOIN pg_proc p ON p.oid = a.aggfnoid
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = a.aggfnoid
  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'prefcal'
ORDER BY p.proname, 4
SQL
	my @aggs;
	for my $line (split /\n/, $cat)
	{
		my @f = split /\|/, $line, -1;
		push @aggs, {
			oid => $f[0], qname => $f[1], name => $f[2], sig => $f[3], args => $f[4],
			stype => $f[5], transfn => $f[6], transoid => $f[7], combineoid => $f[8],
			combine => $f[9], finaloid => $f[10], final => $f[11], modify => $f[12],
			extra => $f[13], kind => $f[14], initcond => $f[15], stype_reg => $f[16],
			rettype => $f[17],
		};
	}
	return @aggs;
}

# split a text value into its numbers and the text between them
sub numbers
{
	my ($s) = @_;
	my @n;
	(my $skel = $s) =~ s/(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|-?Infinity|NaN)/push @n, $1; '#'/ge;
	return ($skel, @n);
}

# do two result texts agree within the bound?
sub tp_within_bound
{
	my ($a, $b) = @_;
	my ($sa, @na) = numbers($a);
	my ($sb, @nb) = numbers($b);
	return "the texts differ outside their numbers" if $sa ne $sb || @na != @nb;
	for my $i (0 .. $#na)
	{
		next if $na[$i] eq $nb[$i];
		return "$na[$i] vs $nb[$i]" if $na[$i] =~ /[IN]/ || $nb[$i] =~ /[IN]/;
		my $scale = 1;
		$scale = abs($na[$i]) if abs($na[$i]) > $scale;
		$scale = abs($nb[$i]) if abs($nb[$i]) > $scale;
		return "$na[$i] vs $nb[$i]" if abs($na[$i] - $nb[$i]) > 1e-9 * $scale;
	}
	return undef;
}

# the arguments that feed an aggregate, or undef
sub tp_args
{
	my ($ag) = @_;
	return $feed{"$ag->{name}($ag->{sig})"} // $feed{ $ag->{sig} };
}

# compare folded (or distributed) results with single-scan ones, both
# hashes group -> text; returns the list of differences
sub tp_compare
{
	my ($kind, $ag, $f, $s) = @_;
	my @bad;
	my $exact = $kind eq 'dyadic' && !exists $dyadic_bound{ $ag->{name} };
	my $c = $canon{ $ag->{rettype} };
	for my $g (sort keys %$s)
	{
		my ($fv, $sv) = ($f->{$g} // '(no row)', $s->{$g});
		($fv, $sv) = ($c->($fv), $c->($sv)) if $c;
		next if $fv eq $sv;
		my $why = $exact ? 'not bit for bit' : tp_within_bound($fv, $sv);
		push @bad, "group $g: $why:\n  got    $fv\n  single $sv" if defined $why;
	}
	push @bad, 'no single-scan result' unless %$s;
	push @bad, 'no non-NULL result' unless grep { $_ ne '' } values %$s;
	return @bad;
}

1;
