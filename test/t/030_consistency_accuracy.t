# test/t/030_consistency_accuracy.t: classify_preference_consistency against
# the Bayes-optimal ceiling, per difficulty level.
#
# test/ref/consistency/ceilings.csv holds, per level, the simulator seed,
# the Bayes-optimal accuracy computed by bayes_optimal.py (an independent
# re-implementation of the simulator's likelihood) and the accuracies
# prefcal had when the file was made (make_accuracy.sh): the per-group
# classifier with fixed priors, and the empirical-Bayes classifier under a
# prior fitted by EM on the same table (default min_posterior 0.4, and
# min_posterior 0 = MAP), and EB MAP with a per-pair direction_p from a
# Bradley-Terry model fitted on the table's soft genuine-direction votes
# (EB+BT MAP) or on its raw responses (BT(raw), for comparison).  Here all
# of them are recomputed in the database from the same deterministic
# simulation; each must equal the committed figure, and the best
# documented method (fixed, EB, EB MAP, EB+BT MAP) must reach 95% of the
# ceiling wherever the ceiling is at least 0.6.  A level that does not
# reach it would be listed in %known_miss and run as a TODO test
# (reported, and the suite does not pretend otherwise); none is now.
use strict;
use warnings;
use Test::More;
use PrefcalTest;
use File::Temp ();

my $db = pc_newdb('pc_consistency_acc');

open my $fh, '<', 'test/ref/consistency/ceilings.csv' or die "ceilings.csv: $!";
my $header = <$fh>;
my @levels;
while (my $line = <$fh>)
{
	chomp $line;
	my ($level, $seed, $r, $s, $n, $ceil, $acc, $eb, $ebmap, $ebbt, $ebbtraw) = split /,/, $line;
	push @levels, { level => $level, seed => $seed, r => $r, s => $s,
		n => $n, ceil => $ceil, acc => $acc, eb => $eb, ebmap => $ebmap,
		ebbt => $ebbt, ebbtraw => $ebbtraw };
}
close $fh;
is(scalar @levels, 6, 'six difficulty levels');

# keep in sync with make_accuracy.sh
sub sim
{
	my ($seed, $r, $s) = @_;
	return "simulate_annotations($seed, n_items => 40, n_annotators => 150, "
	  . "pairs_per_annotator => 20, repeats => $r, framings => 2, p_genuine => 0.45, "
	  . "p_non_attitude => 0.3, p_constructed => 0.25, genuine_strength => $s, "
	  . "n_domains => 2, utility_sd => 1.5, framing_share => 0.3, "
	  . "position_bias_by_domain => '{0.05,0.15}')";
}

# levels known to miss the target with every documented method
# (doc/annotation.md, accuracy.md); EB MAP alone reaches 0.944 at r2_s0.8,
# EB+BT MAP 0.963
my %known_miss = ();

# keep in sync with make_accuracy.sh (bt_setup): the BT prior 0.5 was
# chosen on the tuning seed 1001
sub bt_setup
{
	my ($sim) = @_;
	return "DROP TABLE IF EXISTS bt; CREATE TABLE bt AS SELECT (SELECT bt_fit(bt_state_agg(x, y, 1, w), prior => 0.5) "
	  . "FROM (SELECT g.item_a, g.item_b, (classify_preference_consistency(st, pr)).p_genuine pg, "
	  . "preference_consistency_direction(st, pr) d FROM g, p) v, LATERAL (VALUES (item_a::bigint, item_b::bigint, pg * d), "
	  . "(item_b::bigint, item_a::bigint, pg * (1 - d))) x(x, y, w) WHERE w > 0) m, "
	  . "(SELECT bt_fit(bt_state_agg(item_a::bigint, item_b::bigint, chose_a::int::float8, 1), prior => 0.5) FROM $sim) mr; ";
}
sub bt_acc
{
	my ($col) = @_;
	return "round(avg((CASE WHEN tt LIKE 'constructed%' THEN 'constructed' ELSE tt END = "
	  . "(classify_preference_consistency(st, pr, 0, bt_predict($col, item_a::bigint, item_b::bigint))).label)::int)::numeric, 6)";
}

for my $l (@levels)
{
	my $out = pc_psql($db, "SELECT count(*), round(avg((CASE WHEN tt LIKE 'constructed%' THEN 'constructed' ELSE tt END = (c).label)::int)::numeric, 6) "
		  . "FROM (SELECT min(true_type) tt, classify_preference_consistency(chose_a, condition) c FROM "
		  . sim($l->{seed}, $l->{r}, $l->{s}) . " GROUP BY annotator, item_a, item_b) x");
	$out =~ s/\s+$//;
	my ($n, $acc) = split /\|/, $out;
	is($n, $l->{n}, "$l->{level}: $n groups");
	cmp_ok(abs($acc - $l->{acc}), '<', 1e-9, "$l->{level}: fixed-prior accuracy $acc equals the committed figure");

	$out = pc_psql($db, "DROP TABLE IF EXISTS g, p; CREATE TABLE g AS SELECT annotator, item_a, item_b, min(true_type) tt, "
		  . "preference_consistency_state_agg(chose_a, condition) st FROM "
		  . sim($l->{seed}, $l->{r}, $l->{s}) . " GROUP BY 1, 2, 3; "
		  . "CREATE TABLE p AS SELECT preference_consistency_prior(st) pr FROM g; "
		  . "SELECT round(avg((CASE WHEN tt LIKE 'constructed%' THEN 'constructed' ELSE tt END = (classify_preference_consistency(st, pr)).label)::int)::numeric, 6), "
		  . "round(avg((CASE WHEN tt LIKE 'constructed%' THEN 'constructed' ELSE tt END = (classify_preference_consistency(st, pr, 0)).label)::int)::numeric, 6) FROM g, p");
	$out =~ s/\s+$//;
	my ($eb, $ebmap) = split /\|/, $out;
	cmp_ok(abs($eb - $l->{eb}), '<', 1e-9, "$l->{level}: EB accuracy $eb equals the committed figure");
	cmp_ok(abs($ebmap - $l->{ebmap}), '<', 1e-9, "$l->{level}: EB MAP accuracy $ebmap equals the committed figure");

	$out = pc_psql($db, bt_setup(sim($l->{seed}, $l->{r}, $l->{s}))
		  . "SELECT " . bt_acc('m') . ", " . bt_acc('mr') . " FROM g, p, bt");
	$out =~ s/\s+$//;
	my ($ebbt, $ebbtraw) = split /\|/, $out;
	cmp_ok(abs($ebbt - $l->{ebbt}), '<', 1e-9, "$l->{level}: EB+BT MAP accuracy $ebbt equals the committed figure");
	cmp_ok(abs($ebbtraw - $l->{ebbtraw}), '<', 1e-9, "$l->{level}: BT(raw) MAP accuracy $ebbtraw equals the committed figure");

	my %methods = ('fixed' => $acc, 'EB' => $eb, 'EB MAP' => $ebmap, 'EB+BT MAP' => $ebbt);
	my ($best) = sort { $methods{$b} <=> $methods{$a} || $a cmp $b } keys %methods;
	diag(sprintf("%s: of the ceiling %.4f: %s", $l->{level}, $l->{ceil},
		join(', ', map { sprintf("%s %.3f", $_, $methods{$_} / $l->{ceil}) } sort keys %methods)));
	my $ratio = $methods{$best} / $l->{ceil};
	my $name = sprintf("%s: best method %s, accuracy %.4f, is %.3f of the Bayes-optimal %.4f (target 0.95)",
		$l->{level}, $best, $methods{$best}, $ratio, $l->{ceil});
	if ($l->{ceil} < 0.6)
	{
		pass("$name; ceiling below 0.6, no target");
	}
	elsif ($known_miss{$l->{level}})
	{
	  TODO:
		{
			local $TODO = $known_miss{$l->{level}};
			cmp_ok($ratio, '>=', 0.95, $name);
		}
	}
	else
	{
		cmp_ok($ratio, '>=', 0.95, $name);
	}
}

# binary send/recv round trip of the state types (COPY BINARY through psql)
my $tmp = File::Temp->new(SUFFIX => '.bin');
my $file = $tmp->filename;
my ($out, $err) = pc_psql($db, <<"SQL");
CREATE TABLE s1 AS SELECT
  (SELECT preference_consistency_state_agg(chose_a, condition) FROM simulate_annotations(1, n_annotators => 1, pairs_per_annotator => 1)) a,
  'v1 n=2 {"x" 2} {"y\\"z" 1}'::majority_vote_state b,
  'v1 n=2 {"u" "x" 2} {"u" "y" 1}'::krippendorff_alpha_state c,
  'v1 n=1 {"u" 2 1.25 0.125}'::krippendorff_alpha_interval_state d,
  (SELECT pr FROM p) e,
  'v1 n=2 {"1:a 2 0;1:b 0 2;" 3} {"1:a 1 1;" 1}'::preference_consistency_prior_state f;
\\copy s1 TO '$file' (FORMAT binary)
CREATE TABLE s2 (LIKE s1);
\\copy s2 FROM '$file' (FORMAT binary)
SELECT s1.a::text = s2.a::text AND s1.b::text = s2.b::text AND s1.c::text = s2.c::text AND s1.d::text = s2.d::text
   AND s1.e::text = s2.e::text AND s1.f::text = s2.f::text FROM s1, s2;
SQL
$out =~ s/\s+$//;
is($out, 't', 'binary round trip of the five state types and preference_consistency_prior_model') or diag($err);

pc_dropdb($db);
done_testing();
