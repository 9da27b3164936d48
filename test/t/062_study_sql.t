# test/t/062_study_sql.t: the study files (doc/study/*.sql) run end to end
# on a part of the bundled labeling database (60 of 160 annotators), and
# their numbers hold together:
#   - every remedy has the four verdicts and every metric row is finite;
#   - the metrics equal an independent recomputation from the predictions
#     (Brier and log loss by plain SQL, ECE by ece_agg);
#   - swap augmentation equals no augmentation when every pair is shown
#     equally often in both orders (true of the bundled data), and also on
#     the order-confounded training set (a Bradley-Terry likelihood without
#     a position term does not see display order; with one, swapping
#     forces it to zero);
#   - the generated summary and markdown report are there;
#   - the bundled data has what every conclusion needs: no check warns, no
#     row is marked (the warnings on tables that lack something:
#     test/t/067_study_checks.t).
use strict;
use warnings;
use Test::More;
use PrefcalTest;

sub q1
{
	my $v = pc_psql(@_);
	$v =~ s/\s+\z//;
	return $v;
}

my $db = 'prefcal_study_sql';
pc_newdb($db);

my ($out, $err, $rc) = pc_psql($db, <<'SQL');
\i test/data/load-labeling.sql
DELETE FROM labeling.judgments WHERE annotator > 60;
SQL
is($rc, 0, 'bundled data loaded') or diag($err);

for my $f (qw(00_input 01_split 02_consistency 03_fit 04_evaluate 05_report))
{
	($out, $err, $rc) = pc_psql($db, "\\i doc/study/$f.sql");
	is($rc, 0, "doc/study/$f.sql runs") or diag($err);
}

is(q1($db, q{SELECT count(*) FROM study.checks}), 12, 'twelve checks');
is(q1($db, q{SELECT coalesce(string_agg(name || ': ' || detail, '; '), 'none') FROM study.checks WHERE status <> 'ok'}),
	'none', 'no check warns on the bundled data');
is(q1($db, q{SELECT count(*) FROM study.verdicts WHERE verdict = 'unavailable' OR notes IS NOT NULL}), '0',
	'no verdict marked on the bundled data');
is(q1($db, q{SELECT count(*) FROM study.remedies WHERE NOT available}), '0', 'every remedy fitted');
is(q1($db, q{SELECT count(*) FROM study.summary WHERE k = 0}), '0', 'no "does not support" sentence');
is(q1($db, q{SELECT count(*) FROM study.verdicts}), 17 * 4, 'four verdicts per remedy');
is(q1($db, q{SELECT count(*) FROM study.verdicts WHERE verdict IS NULL}), '0', 'no verdict missing');
is(q1($db, q{SELECT count(*) FROM study.metrics
              WHERE NOT (brier BETWEEN 0 AND 1 AND ece BETWEEN 0 AND 1 AND logloss >= 0 AND ece_floor >= 0)}),
	'0', 'every metric in range');
is(q1($db, q{SELECT bool_and(ece_floor > 0) FROM study.metrics WHERE target = 'observed' AND slice_kind = 'overall'}),
	't', 'noise floors positive against labels');

# independent recomputation of the overall pair-orientation numbers
is(q1($db, q{
	SELECT bool_and(abs(m.brier - r.brier) < 1e-12 AND abs(m.logloss - r.logloss) < 1e-12
	                AND abs(m.ece - r.ece) < 1e-12 AND m.n = r.n)
	FROM study.metrics m
	JOIN (SELECT remedy, count(*)::float8 AS n,
	             avg((p_a - chose_a::int) ^ 2) AS brier,
	             avg(-(chose_a::int * ln(p_a) + (1 - chose_a::int) * ln(1 - p_a))) AS logloss,
	             ece_agg(p_a, chose_a, 15) AS ece
	      FROM study.predictions GROUP BY remedy) r USING (remedy)
	WHERE m.orientation = 'pair' AND m.target = 'observed' AND m.slice_kind = 'overall'}),
	't', 'Brier, log loss and ECE equal a plain recomputation');
is(q1($db, q{
	SELECT bool_and(abs(m.brier - r.brier) < 1e-12 AND abs(m.mae_true - r.mae) < 1e-12)
	FROM study.metrics m
	JOIN (SELECT remedy, avg((p_first - true_p_first) ^ 2) AS brier, avg(abs(p_first - true_p_first)) AS mae
	      FROM study.predictions GROUP BY remedy) r USING (remedy)
	WHERE m.orientation = 'shown' AND m.target = 'true' AND m.slice_kind = 'overall'}),
	't', 'shown orientation against true_p equals a plain recomputation');

# balanced display orders: swap augmentation cannot change the fit
is(q1($db, q{SELECT count(*) FROM (SELECT item_a, item_b, sum(CASE WHEN a_shown_first THEN 1 ELSE -1 END) AS d
                                   FROM study.rows GROUP BY 1, 2) s WHERE d <> 0}),
	'0', 'every pair shown equally often in both orders');
is(q1($db, q{SELECT max(abs(a.p_a - b.p_a)) < 1e-9 FROM study.predictions a
              JOIN study.predictions b USING (judgment_id)
              WHERE a.remedy = 'none' AND b.remedy = 'swap'}),
	't', 'swap augmentation = none on balanced data');
# without a position term the Bradley-Terry likelihood ignores display
# order, so swapping changes nothing even when the order is confounded;
# with a position term, swapping forces it to 0
is(q1($db, q{SELECT max(abs(a.p_a - b.p_a)) < 1e-9 AND max(abs(a.p_a - c.p_a)) < 1e-9
              FROM study.predictions a
              JOIN study.predictions b USING (judgment_id)
              JOIN study.predictions c USING (judgment_id)
              WHERE a.remedy = 'confounded' AND b.remedy = 'confounded+swap'
                AND c.remedy = 'confounded+swap+position'}),
	't', 'swap = none, and swap + position = none, on order-confounded data');

like(q1($db, q{SELECT string_agg(sentence, ' ') FROM study.summary}),
	qr/Counterfactual swap augmentation moved the held-out ECE by at most/, 'summary generated');
($out, $err, $rc) = pc_psql($db, "\\i doc/study/06_markdown.sql");
is($rc, 0, 'markdown report') or diag($err);
like($out, qr/## Conclusions \(generated from the numbers\).*\| none \|/s, 'report has conclusions and the table');
like($out, qr/\A# [^\n]*\n\n## What this table supports\n\n- Every check passed/, 'report says at the top that every check passed');
like(q1($db, q{SELECT calibration_svg(cal, remedy) FROM study.metrics
                WHERE remedy = 'none' AND orientation = 'pair' AND target = 'observed' AND slice_kind = 'overall'}),
	qr/^<svg/, 'reliability diagram');

# the prior variable for small data
($out, $err, $rc) = pc_psql($db, "DROP TABLE study.train_rows, study.train_counts, study.models, study.remedies CASCADE;\n\\i doc/study/03_fit.sql", '-v', 'bt_prior=0.5');
is($rc, 0, '03_fit.sql with -v bt_prior=0.5') or diag($err);
is(q1($db, q{SELECT bool_and((bt_info(model)->>'prior')::float8 = 0.5) FROM study.models}), 't',
	'every fit used the prior');

pc_dropdb($db);
done_testing();
