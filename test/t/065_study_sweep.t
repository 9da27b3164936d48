# test/t/065_study_sweep.t: the study's sweep mode (doc/study/sweep/*.sql,
# test/demo/sweep.sh) on two of its axes with two seeds:
#   - the script writes the table, the CSV and the plot;
#   - every (point, seed, remedy) has a row, every number is in range;
#   - the defaults, shared by every axis, are run once and copied;
#   - one point's numbers equal an independent recomputation (a fresh
#     simulation, reward_fit calls of its own, the ECE by ece_agg and the
#     confidence ratio by plain SQL);
#   - with one judgment per (annotator, pair) the classifier's remedies are
#     marked unavailable, not fitted on nothing or silently equal to none.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;
use PrefcalTest;

sub q1
{
	my ($out, $err, $rc) = pc_psql(@_);
	diag($err) if $rc;
	$out =~ s/\s+\z//;
	return $out;
}

my $db = 'prefcal_study_sweep';
pc_newdb($db);
my $dir = tempdir(CLEANUP => 1);

$ENV{PREFCAL_SWEEP_SEEDS} = 2;
$ENV{PREFCAL_SWEEP_AXES}  = 'repeats,annotators_per_pair';
my $log = `test/demo/sweep.sh $db $dir 2>&1`;
is($? >> 8, 0, 'test/demo/sweep.sh runs') or diag($log);
like($log, qr/sweep repeats = 1, seed 1: \d+ judgments/, 'progress lines');
for my $f (qw(sweep.md sweep.csv sweep.svg))
{
	ok(-s "$dir/$f", "$f written");
}

my $remedies = q1($db, 'SELECT count(*) FROM simsweep.remedies');
is($remedies, 9, 'nine remedies');
# repeats 1, 2, 4 and annotators per pair 1, 3, 5; two seeds
is(q1($db, 'SELECT count(*) FROM simsweep.results'), 6 * 2 * $remedies, 'a row per point, seed and remedy');
is(q1($db, q{SELECT count(*) FROM simsweep.results
              WHERE NOT (ece_truth BETWEEN 0 AND 1 AND ece_feature BETWEEN 0 AND 1
                         AND ece_labels BETWEEN 0 AND 1 AND confidence_ratio > 0
                         AND (train_judgments > 0) = (remedy <> 'feature_oracle'))
                 OR note IS NOT NULL}),
	'0', 'every number in range, every remedy fitted');
is(q1($db, q{SELECT count(*) FROM simsweep.results WHERE remedy = 'feature_oracle' AND ece_feature <> 0}),
	'0', 'the feature oracle is its own target');
is(q1($db, q{SELECT count(*) FROM simsweep.results a JOIN simsweep.results b USING (seed, remedy)
              WHERE a.axis = 'repeats' AND a.value = 2 AND b.axis = 'annotators_per_pair' AND b.value = 3
                AND (a.ece_truth, a.ece_feature, a.confidence_ratio, a.ece_labels)
                    IS NOT DISTINCT FROM (b.ece_truth, b.ece_feature, b.confidence_ratio, b.ece_labels)}),
	2 * $remedies, 'the default point is the same on both axes');

# independent recomputation: repeats = 1, seed 2, none and counterfactual
my $check = q1($db, <<'SQL');
CREATE TEMP TABLE j AS SELECT * FROM simulate_preference_study(2, '{"repeats": 1}');
CREATE TEMP TABLE fit AS
SELECT 'none' AS remedy,
       reward_fit($$SELECT first_features, second_features, chose_first AS outcome FROM j WHERE split = 'train'$$,
                  prior => 1) AS m
UNION ALL
SELECT 'counterfactual',
       reward_fit($$SELECT first_features, second_features, chose_first AS outcome FROM j WHERE split = 'train'$$,
                  prior => 2, augment => 'counterfactual', spurious => '{4}');
SELECT bool_and(abs(r.ece_truth - c.ece_truth) < 1e-12 AND abs(r.ece_feature - c.ece_feature) < 1e-12
                AND abs(r.confidence_ratio - c.cr) < 1e-12 AND abs(r.ece_labels - c.ece_labels) < 1e-12
                AND r.train_judgments = (SELECT count(*) FROM j WHERE split = 'train'))
       AND count(*) = 2
FROM simsweep.results r
JOIN (SELECT remedy,
             ece_agg(reward_predict(m, first_features, second_features), true_p_first, 15) AS ece_truth,
             ece_agg(reward_predict(m, first_features, second_features), feature_p_first, 15) AS ece_feature,
             avg(abs(reward_predict(m, first_features, second_features) - 0.5)) / avg(abs(true_p_first - 0.5)) AS cr,
             ece_agg(reward_predict_shown(m, first_features, second_features), chose_first, 15) AS ece_labels
      FROM fit, j WHERE split = 'test' GROUP BY remedy) c USING (remedy)
WHERE r.axis = 'repeats' AND r.value = 1 AND r.seed = 2;
SQL
is($check, 't', 'one point equals an independent recomputation');

my $md = `cat $dir/sweep.md`;
like($md, qr/^\| parameter \| value \| none \| counterfactual \|/m, 'the table has its header');
is(scalar(() = $md =~ /^\| (?:repeats|annotators_per_pair) \|/mg), 6, 'a table row per point');
my $csv = `cat $dir/sweep.csv`;
is(scalar(() = $csv =~ /\n/g), 1 + 6 * $remedies, 'a CSV row per point and remedy');
my $svg = `cat $dir/sweep.svg`;
like($svg, qr{\A<svg xmlns="http://www.w3.org/2000/svg".*</svg>\s*\z}s, 'the plot is an SVG document');
is(scalar(() = $svg =~ /<polyline /g), 2 * $remedies, 'a line per axis and remedy');
is(scalar(() = $svg =~ /<circle /g), 6 * $remedies, 'a mark per point and remedy');

# one judgment per (annotator, pair): the classifier has nothing to classify
my ($out, $err, $rc) = pc_psql($db, <<'SQL');
\set sweep_seeds 1
\set sweep_axes annotators_per_pair
\set sweep_params '{"orders": 1, "repeats": 1}'
\i doc/study/sweep/00_setup.sql
\i doc/study/sweep/01_run.sql
SQL
is($rc, 0, 'a one-judgment-per-group sweep runs') or diag($err);
is(q1($db, q{SELECT string_agg(DISTINCT note, '; ') FROM simsweep.results WHERE remedy LIKE '%eb_%'}),
	'unavailable: every training group is insufficient for the classifier',
	'the classifier\'s remedies are marked unavailable');
is(q1($db, q{SELECT count(*) FROM simsweep.results WHERE remedy LIKE '%eb_%' AND ece_truth IS NOT NULL}),
	'0', 'and have no numbers');
is(q1($db, q{SELECT count(*) FROM simsweep.results WHERE remedy NOT LIKE '%eb_%' AND (ece_truth IS NULL OR note IS NOT NULL)}),
	'0', 'the other remedies are fitted');

pc_dropdb($db);
done_testing();
