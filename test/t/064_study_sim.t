# test/t/064_study_sim.t: the replicated simulation study (doc/study/sim/*.sql,
# what `make demo` runs).
#
#   - simstudy.t_quantile against scipy (test/ref/study/t_quantile.csv);
#   - the verdict rule on hand-computed intervals, then the whole summary
#     (02_summary.sql: means, t intervals, shares, verdicts, the generated
#     answer) on fixed per-replicate numbers whose intervals are computed
#     here by hand: "No ... narrowed", "Yes", "Only in code";
#   - a real run at small S (3 databases of 60 prompts, 50 bootstrap
#     replicates): every remedy has its rows, nothing was left unfitted,
#     the floors are what they say (floor a refits none on labels drawn as
#     Bernoulli(true_p_first) from the same training judgments; floor b on
#     the genuine judgments only; the label floor is the generating
#     probability), the stored estimates and paired differences equal a
#     plain recomputation, swap reproduces none, counterfactual augmentation
#     zeroes the style coefficient, and the report and diagrams are written.
use strict;
use warnings;
use Test::More;
use PrefcalTest;

sub q1
{
	my ($db, $sql) = @_;
	my ($out, $err, $rc) = pc_psql($db, $sql);
	diag($err) if $rc != 0;
	$out =~ s/\s+\z//;
	return $out;
}

my $db = 'prefcal_study_sim';
pc_newdb($db);

my ($out, $err, $rc) = pc_psql($db, <<'SQL');
SET client_min_messages = warning;
\set sim_params '{"n_prompts": 60}'
\set boot_replicates 50
\i doc/study/sim/00_setup.sql
\i doc/study/sim/01_replicate.sql
SQL
is($rc, 0, 'setup runs') or diag($err);

# --- the t quantile against scipy ------------------------------------------
open my $fh, '<', 'test/ref/study/t_quantile.csv' or die "t_quantile.csv: $!";
my $header = <$fh>;
my @ref = map { chomp; [ split /,/ ] } <$fh>;
close $fh;
my $values = join(",\n", map { "($_->[0], $_->[1], $_->[2])" } @ref);
is(q1($db, "SELECT count(*) FILTER (WHERE abs(simstudy.t_quantile(l, d) - t) > 1e-12 * t)
            FROM (VALUES $values) v(l, d, t)"), '0',
	scalar(@ref) . ' t quantiles within 1e-12 (relative) of scipy');

# --- the verdict rule on hand-computed intervals ---------------------------
my @cases = (
	# d_lo, d_hi, f_lo, f_hi => verdict
	[ -0.05, -0.01, -0.002, 0.004, 'closed' ],      # better than none, floor interval contains 0
	[ -0.05, -0.01, -0.02, -0.001, 'closed' ],      # ... or lies below 0
	[ -0.05, -0.01, 0, 0.01, 'closed' ],            # f_lo = 0 counts as containing 0
	[ -0.05, -0.01, 0.001, 0.01, 'narrowed' ],      # above the floor
	[ -0.05, 0, 0.001, 0.01, 'unchanged' ],         # d_hi = 0: not below 0
	[ -0.01, 0.01, -0.01, 0.01, 'unchanged' ],
	[ 0.001, 0.02, 0.05, 0.09, 'widened' ],
	[ 0, 0.02, 0.05, 0.09, 'unchanged' ],           # d_lo = 0: not above 0
);
my $got = q1($db, 'SELECT string_agg(coalesce(simstudy.verdict(a, b, c, d), \'NULL\'), \',\' ORDER BY k) FROM (VALUES '
	. join(', ', map { "($_, $cases[$_][0], $cases[$_][1], $cases[$_][2], $cases[$_][3])" } 0 .. $#cases)
	. ') v(k, a, b, c, d)');
my @got = split /,/, $got;
for my $k (0 .. $#cases)
{
	my $c = $cases[$k];
	is($got[$k], $c->[4], "verdict([$c->[0], $c->[1]], [$c->[2], $c->[3]]) = $c->[4]");
}
is(q1($db, "SELECT simstudy.baseline_status(0.01, 0.05) || ',' || simstudy.baseline_status(-0.01, 0.05)"),
	'gap,no gap', 'baseline status: a gap when none - floor lies above 0');

# --- the summary on fixed numbers --------------------------------------------
# Three replicates (seeds 101..103).  Every remedy, target, slice and metric
# gets estimate 0.12 + 0.02 (s - 102), d_none 0.001 (s - 102) (0 for none),
# d_floor and d_oracle 0.06 + 0.01 (s - 102); then the ECE against the truth,
# all rows, of four remedies is set by hand.  With n = 3 the t quantile has
# 2 degrees of freedom, t = (2q - 1) / sqrt(2q (1 - q)) at q = 0.975
# (4.30265272974946), and the half width of a mean whose values are
# m - h, m, m + h is t h / sqrt(3).
my $fill = <<'SQL';
DELETE FROM simstudy.metrics; DELETE FROM simstudy.replicates;
INSERT INTO simstudy.replicates (seed, judgments, train, validation, test, test_pairs,
	eb_genuine_share, eb_genuine_precision, swap_max_abs_diff, personal_fallback, temperature, seconds)
SELECT s, 1000, 600, 200, 200, 50, 0.5, 0.9, 1e-15, 0, 1.1, 1 FROM generate_series(101, 103) s;
INSERT INTO simstudy.metrics (seed, remedy, target, slice, metric, estimate, d_none, d_floor, d_oracle,
	d_none_lower, d_none_upper)
SELECT s, r.remedy, t.target, sl, m, 0.12 + 0.02 * (s - 102),
       CASE WHEN r.remedy = 'none' THEN 0 ELSE 0.001 * (s - 102) END,
       0.06 + 0.01 * (s - 102), 0.06 + 0.01 * (s - 102), -0.01, 0.01
FROM generate_series(101, 103) s, simstudy.remedies r, simstudy.targets t,
     unnest(ARRAY['all', 'code', 'creative_writing']) sl,
     unnest(ARRAY['ece', 'brier', 'log_loss', 'confidence_ratio']) m;
CREATE TEMP TABLE fixed (remedy text, slice text, s bigint, d_none float8, d_floor float8);
INSERT INTO fixed VALUES
	('counterfactual', 'all', 101, -0.02, 0.03), ('counterfactual', 'all', 102, -0.03, 0.03),
	('counterfactual', 'all', 103, -0.04, 0.04),
	('position', 'all', 101, -0.05, 0.01), ('position', 'all', 102, -0.06, 0.0),
	('position', 'all', 103, -0.07, -0.01),
	('hinge', 'all', 101, 0.01, 0.07), ('hinge', 'all', 102, 0.02, 0.08), ('hinge', 'all', 103, 0.03, 0.09),
	('self_training', 'all', 101, 0.03, 0.09), ('self_training', 'all', 102, 0.04, 0.1),
	('self_training', 'all', 103, 0.05, 0.11),
	('feature_oracle', 'all', 101, -0.05, 0), ('feature_oracle', 'all', 102, -0.06, 0),
	('feature_oracle', 'all', 103, -0.07, 0);
UPDATE simstudy.metrics m SET estimate = 0.12 + 0.02 * (f.s - 102) + f.d_none, d_none = f.d_none, d_floor = f.d_floor
FROM fixed f WHERE m.remedy = f.remedy AND m.slice = f.slice AND m.seed = f.s
  AND m.target = 'truth' AND m.metric = 'ece';
SQL
my $summary = "SET client_min_messages = warning;\n\\i doc/study/sim/02_summary.sql\n";
($out, $err, $rc) = pc_psql($db, $fill . $summary);
is($rc, 0, '02_summary.sql on fixed numbers') or diag($err);

my $t2 = 0.95 / sqrt(2 * 0.975 * 0.025);
my $hw = sub { return $t2 * $_[0] / sqrt(3); };
# one query for every number the checks below read
my %row;
my $rows_of = sub {
	%row = ();
	for my $line (split /\n/, q1($db, q{SELECT remedy, mean, lower, upper, d_none, d_none_lower, d_none_upper,
	                                           d_floor_lower, d_floor_upper, share_floor, verdict
	                                    FROM simstudy.summary
	                                    WHERE target = 'truth' AND slice = 'all' AND metric = 'ece'}))
	{
		my @f = split /\|/, $line;
		my %r;
		@r{qw(mean lower upper d_none d_none_lower d_none_upper d_floor_lower d_floor_upper share_floor verdict)} = @f[1 .. 10];
		$row{ $f[0] } = \%r;
	}
};
$rows_of->();
my $sel = sub { my ($remedy, $col) = @_; return $row{$remedy}{$col}; };
my @num = (
	[ 'none', 'mean', 0.12 ], [ 'none', 'lower', 0.12 - $hw->(0.02) ], [ 'none', 'upper', 0.12 + $hw->(0.02) ],
	[ 'none', 'd_floor_lower', 0.06 - $hw->(0.01) ],
	[ 'counterfactual', 'd_none', -0.03 ], [ 'counterfactual', 'd_none_upper', -0.03 + $hw->(0.01) ],
	[ 'counterfactual', 'd_floor_lower', 0.10 / 3 - $hw->(sqrt(1 / 3) * 0.01) ],
	[ 'counterfactual', 'share_floor', 0.5 ],
	[ 'position', 'share_floor', 1 ], [ 'position', 'd_floor_upper', $hw->(0.01) ],
	[ 'hinge', 'd_none_lower', 0.02 - $hw->(0.01) ],
	[ 'self_training', 'd_none_lower', 0.04 - $hw->(0.01) ],
);
for my $n (@num)
{
	my $v = $sel->($n->[0], $n->[1]);
	ok(abs($v - $n->[2]) < 1e-12, "fixed numbers: $n->[0] $n->[1] = $n->[2]") or diag("got $v");
}
my %want = (none => 'gap', counterfactual => 'narrowed', position => 'closed', hinge => 'unchanged',
	self_training => 'widened', swap => 'unchanged');
for my $r (sort keys %want)
{
	is($sel->($r, 'verdict'), $want{$r}, "fixed numbers: $r is $want{$r}");
}
my $answer = q1($db, 'SELECT paragraph FROM simstudy.answer');
like($answer, qr/^No: counterfactual augmentation on the style feature narrowed but did not close the calibration gap to the truth: ECE 0\.0900 .* 50 % of the distance to the best a model on these features can do/,
	'answer: no, narrowed, with the share');
like($answer, qr/The lever that moved it most was position .* 100 % of the distance to the floor/,
	'answer: the lever with its numbers');
like($answer, qr/Widened the gap to the truth: self_training\./, 'answer: what widened');

# counterfactual within the floor: yes
($out, $err, $rc) = pc_psql($db, $fill . <<'SQL' . $summary);
UPDATE simstudy.metrics SET d_floor = 0.01 * (102 - seed)
WHERE remedy = 'counterfactual' AND target = 'truth' AND slice = 'all' AND metric = 'ece';
SQL
is($rc, 0, 'fixed numbers, second case') or diag($err);
like(q1($db, 'SELECT paragraph FROM simstudy.answer'), qr/^Yes: counterfactual augmentation on the style feature closed the calibration gap/,
	'answer: yes when the remedy reaches the floor');

# closed in one domain only
($out, $err, $rc) = pc_psql($db, $fill . <<'SQL' . $summary);
UPDATE simstudy.metrics SET d_none = -0.05 + 0.01 * (102 - seed), d_floor = 0.01 * (102 - seed)
WHERE remedy = 'counterfactual' AND target = 'truth' AND slice = 'code' AND metric = 'ece';
SQL
is($rc, 0, 'fixed numbers, third case') or diag($err);
like(q1($db, 'SELECT paragraph FROM simstudy.answer'), qr/^Only in code: counterfactual augmentation/,
	'answer: only in the domain where it closed');

# --- a real run at small S ---------------------------------------------------
SKIP:
{
skip('simulate_preference_study is not installed', 24)
  unless q1($db, q{SELECT count(*) FROM pg_proc WHERE proname = 'simulate_preference_study'}) > 0;
($out, $err, $rc) = pc_psql($db, <<'SQL');
SET client_min_messages = warning;
DELETE FROM simstudy.metrics; DELETE FROM simstudy.replicates;
SELECT simstudy.run_replicate(1);
SELECT simstudy.run_replicate(2);
SQL
is($rc, 0, 'replicates 1 and 2 run') or diag($err);

# replicate 3 in the session that then inspects its working tables
($out, $err, $rc) = pc_psql($db, <<'SQL');
SET client_min_messages = warning;
SELECT simstudy.run_replicate(3);
CREATE TEMP TABLE chk AS
WITH s AS (SELECT * FROM simstudy.settings),
j AS (SELECT j.* FROM s, simulate_preference_study(3, s.sim_params) j),
tr AS (SELECT * FROM j WHERE split = 'train'),
te AS (SELECT * FROM j WHERE split = 'test')
SELECT
 -- floor a: the same training judgments, labels drawn from the truth
 (SELECT count(*) FROM tr) = (SELECT count(*) FROM pg_temp.sim_train)
   AND NOT EXISTS (SELECT judgment_id FROM tr EXCEPT SELECT judgment_id FROM pg_temp.sim_train) AS a_rows,
 (SELECT bool_and(t.y_truth = (simstudy.uniform(3, 'truth:' || tr.judgment_id) < tr.true_p_first)::int)
  FROM tr JOIN pg_temp.sim_train t USING (judgment_id)) AS a_draw,
 (SELECT abs(avg(y_truth) - avg(tr.true_p_first)) < 4 * sqrt(sum(tr.true_p_first * (1 - tr.true_p_first))) / count(*)
  FROM tr JOIN pg_temp.sim_train t USING (judgment_id)) AS a_mean,
 (SELECT max(abs(p.p - reward_predict(f.m, te.first_features, te.second_features)))
  FROM (SELECT reward_fit('SELECT first_features, second_features, y_truth AS outcome FROM pg_temp.sim_train',
                          prior => (SELECT prior FROM s)) AS m) f, te
  JOIN pg_temp.sim_pred p ON p.judgment_id = te.judgment_id AND p.remedy = 'truth_labels') AS a_fit,
 -- floor b: a fit on the genuine training judgments only, straight from the simulator
 (SELECT max(abs(p.p - reward_predict(f.m, te.first_features, te.second_features)))
  FROM (SELECT reward_fit(format('SELECT first_features, second_features, chose_first AS outcome
                                  FROM simulate_preference_study(3, %L) WHERE split = ''train''
                                  AND latent_type = ''genuine''', (SELECT sim_params FROM s)),
                          prior => (SELECT prior FROM s)) AS m) f, te
  JOIN pg_temp.sim_pred p ON p.judgment_id = te.judgment_id AND p.remedy = 'oracle_filter') AS b_fit,
 (SELECT bool_and(p.p = te.judgment_p_first AND p.p_shown = te.judgment_p_first)
  FROM te JOIN pg_temp.sim_pred p ON p.judgment_id = te.judgment_id AND p.remedy = 'label_generator') AS label_floor,
 -- counterfactual augmentation zeroes the style coefficient
 (SELECT abs(c.coefficient) FROM pg_temp.sim_models x, reward_coefficients(x.m) c, s
  WHERE x.remedy = 'counterfactual' AND c.feature = s.style_feature) AS cf_style,
 (SELECT abs(c.coefficient) FROM pg_temp.sim_models x, reward_coefficients(x.m) c, s
  WHERE x.remedy = 'none' AND c.feature = s.style_feature) AS none_style,
 -- the stored estimates equal a plain recomputation from the predictions
 (SELECT max(greatest(abs(e.estimate - r.ece), abs(b.estimate - r.brier), abs(l.estimate - r.ll)))
  FROM (SELECT remedy, ece_agg(p, true_p_first, 15) AS ece, avg((p - true_p_first) ^ 2) AS brier,
               avg(-(true_p_first * ln(p) + (1 - true_p_first) * ln(1 - p))) AS ll
        FROM pg_temp.sim_pred WHERE remedy <> 'label_generator' GROUP BY remedy) r
  JOIN simstudy.metrics e ON e.seed = 3 AND e.remedy = r.remedy AND e.target = 'truth' AND e.slice = 'all' AND e.metric = 'ece'
  JOIN simstudy.metrics b ON b.seed = 3 AND b.remedy = r.remedy AND b.target = 'truth' AND b.slice = 'all' AND b.metric = 'brier'
  JOIN simstudy.metrics l ON l.seed = 3 AND l.remedy = r.remedy AND l.target = 'truth' AND l.slice = 'all' AND l.metric = 'log_loss') AS truth_err,
 (SELECT max(greatest(abs(e.estimate - r.ece), abs(b.estimate - r.brier)))
  FROM (SELECT remedy, domain, ece_agg(p_shown, chose_first, 15) AS ece, avg((p_shown - chose_first) ^ 2) AS brier
        FROM pg_temp.sim_pred GROUP BY remedy, domain) r
  JOIN simstudy.metrics e ON e.seed = 3 AND e.remedy = r.remedy AND e.target = 'labels' AND e.slice = r.domain AND e.metric = 'ece'
  JOIN simstudy.metrics b ON b.seed = 3 AND b.remedy = r.remedy AND b.target = 'labels' AND b.slice = r.domain AND b.metric = 'brier') AS labels_err,
 (SELECT max(abs(m.d_none - (m.estimate - n.estimate)) + abs(m.d_floor - (m.estimate - f.estimate)))
  FROM simstudy.metrics m
  JOIN simstudy.metrics n ON n.seed = m.seed AND n.remedy = 'none' AND (n.target, n.slice, n.metric) = (m.target, m.slice, m.metric)
  JOIN simstudy.targets t ON t.target = m.target
  JOIN simstudy.metrics f ON f.seed = m.seed AND f.remedy = t.floor AND (f.target, f.slice, f.metric) = (m.target, m.slice, m.metric)
  WHERE m.seed = 3) AS diff_err,
 (SELECT max(abs(m.estimate - r.ratio))
  FROM (SELECT remedy, avg(abs(p - 0.5)) / avg(abs(true_p_first - 0.5)) AS ratio FROM pg_temp.sim_pred GROUP BY remedy) r
  JOIN simstudy.metrics m ON m.seed = 3 AND m.remedy = r.remedy AND m.slice = 'all' AND m.metric = 'confidence_ratio') AS ratio_err;
SELECT row_to_json(chk) FROM chk;
SQL
is($rc, 0, 'replicate 3 and the checks on its working tables run') or diag($err);
my ($json) = $out =~ /(\{.*\})/s;
$json //= '{}';
my %chk = $json =~ /"(\w+)":("[^"]*"|[^,}]+)/g;
is($chk{a_rows}, 'true', 'floor a: the same training judgments as none');
is($chk{a_draw}, 'true', 'floor a: each label is Bernoulli(true_p_first) from its own uniform');
is($chk{a_mean}, 'true', 'floor a: the labels average to the truth (4 standard errors)');
ok(defined $chk{a_fit} && $chk{a_fit} < 1e-12, 'floor a: the refit on those labels') or diag("got $chk{a_fit}");
ok(defined $chk{b_fit} && $chk{b_fit} < 1e-12, 'floor b: the fit on the genuine judgments') or diag("got $chk{b_fit}");
is($chk{label_floor}, 'true', 'label floor: the generating probabilities');
ok(defined $chk{cf_style} && $chk{cf_style} < 1e-9 && $chk{none_style} > 1e-3,
	'counterfactual augmentation zeroes the style coefficient (none does not)') or diag($json);
ok(defined $chk{truth_err} && $chk{truth_err} < 1e-12, 'ECE, Brier, log loss against the truth = recomputation') or diag($json);
ok(defined $chk{labels_err} && $chk{labels_err} < 1e-12, 'per-domain ECE, Brier against labels = recomputation') or diag($json);
ok(defined $chk{diff_err} && $chk{diff_err} < 1e-12, 'paired differences = differences of the estimates') or diag($json);
ok(defined $chk{ratio_err} && $chk{ratio_err} < 1e-12, 'confidence ratio = recomputation') or diag($json);

($out, $err, $rc) = pc_psql($db, $summary);
is($rc, 0, '02_summary.sql on the run') or diag($err);
is(q1($db, q{SELECT count(*) FROM simstudy.notes}), '0', 'every remedy fitted in every replicate');
is(q1($db, q{SELECT count(*) FROM simstudy.replicates}), '3', 'three replicates');
is(q1($db, q{SELECT string_agg(remedy, ',' ORDER BY ord) FROM simstudy.remedies r
             WHERE NOT EXISTS (SELECT 1 FROM simstudy.summary s WHERE s.remedy = r.remedy AND s.target = 'labels'
                               AND s.slice = 'all' AND s.metric = 'ece' AND s.n = 3 AND s.lower IS NOT NULL)
                OR (r.remedy <> 'label_generator'
                    AND NOT EXISTS (SELECT 1 FROM simstudy.summary s WHERE s.remedy = r.remedy AND s.target = 'truth'
                                    AND s.slice = 'all' AND s.metric = 'ece' AND s.n = 3 AND s.lower IS NOT NULL))}),
	'', 'every remedy has its rows against both targets');
is(q1($db, q{SELECT count(*) FROM simstudy.summary WHERE slice = 'all' AND metric IN ('ece', 'brier', 'log_loss')
             AND (verdict IS NULL OR mean IS NULL)}), '0', 'every verdict and mean present');
is(q1($db, q{SELECT count(*) FROM (SELECT DISTINCT remedy FROM simstudy.summary) s}),
	q1($db, q{SELECT count(*) FROM simstudy.remedies}), 'a summary row for every remedy');
ok(q1($db, q{SELECT max(swap_max_abs_diff) FROM simstudy.replicates}) < 1e-9, 'swap reproduces none');
like(q1($db, 'SELECT paragraph FROM simstudy.answer'), qr/^(No|Yes|Only|No gap)[ :]/, 'a generated answer');

($out, $err, $rc) = pc_psql($db, "\\i doc/study/sim/03_markdown.sql");
is($rc, 0, 'markdown report') or diag($err);
like($out, qr/^# prefcal simulation study.*## Answer \(generated.*## Against the truth.*\| counterfactual \|.*## Against the held-out labels.*## By domain/s,
	'report: answer and tables');
like(q1($db, q{SELECT calibration_svg(calibration_bootstrap_state_merge(st), 'none') FROM simstudy.states
               WHERE remedy = 'none'}), qr/^<svg/, 'a pooled reliability diagram');

}

pc_dropdb($db);
done_testing();
