# test/t/067_study_checks.t: the analyst path (doc/study/*.sql) on tables
# that lack what some conclusions need says so, with the numbers, at the top
# of the report, and marks the rows it could not compute instead of letting
# them equal "none" (doc/study.md, "Minimum design for each conclusion").
# Three tables cut from the bundled labeling database (40 of 160
# annotators; the full design passes every check: 062_study_sql.t):
#   A. one judgment per (annotator, pair): no repeats, so no consistency
#      classes and no drop / genuine-only remedies;
#   B. every pair shown in one display order (item_a first), and no truth:
#      no position effect, no gap against the truth, no order-confounded
#      remedies;
#   C. display order not recorded, and a validation split below
#      -v min_pairs: no first-shown orientation, no swap or position
#      remedies, no temperature remedies.
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

my $db = 'prefcal_study_checks';
pc_newdb($db);

my ($out, $err, $rc) = pc_psql($db, q{
\i test/data/load-labeling.sql
DELETE FROM labeling.judgments WHERE annotator > 40;
CREATE TABLE labeling.all_judgments AS SELECT * FROM labeling.judgments;});
is($rc, 0, 'bundled data loaded') or diag($err);

# the bundled data's annotators 1..40, cut with $cut; then 00_input.sql,
# optionally a replacement view ($view), and 01..06
sub run_path
{
	my ($cut, $view, @vars) = @_;
	my ($out, $err, $rc) = pc_psql($db, "TRUNCATE labeling.judgments;\nINSERT INTO labeling.judgments SELECT * FROM labeling.all_judgments;\n$cut");
	is($rc, 0, 'data cut') or diag($err);
	($out, $err, $rc) = pc_psql($db, "\\i doc/study/00_input.sql\n$view");
	is($rc, 0, '00_input.sql') or diag($err);
	my %out;
	for my $f (qw(01_split 02_consistency 03_fit 04_evaluate 05_report 06_markdown))
	{
		($out, $err, $rc) = pc_psql($db, "\\i doc/study/$f.sql", @vars);
		is($rc, 0, "doc/study/$f.sql runs") or diag($err);
		$out{$f} = $out;
	}
	return %out;
}

sub status { q1($db, "SELECT status || ' | ' || detail FROM study.checks WHERE name = '$_[0]'") }

# remedies (by name) whose four cells are all 'unavailable' with a note
# matching $re, and which have no prediction
sub marked_remedies
{
	my ($re) = @_;
	return q1($db, qq{
		SELECT string_agg(remedy, ',' ORDER BY ord) FROM (
			SELECT v.ord, v.remedy FROM study.verdicts v
			GROUP BY v.ord, v.remedy
			HAVING bool_and(v.verdict = 'unavailable' AND v.notes ~ '$re')
			   AND NOT EXISTS (SELECT 1 FROM study.predictions p WHERE p.remedy = v.remedy)) s});
}

my $unaffected_ok = q{
	SELECT coalesce(string_agg(remedy || ' ' || orientation || '/' || target || ' ' || verdict, '; '), 'none')
	FROM study.verdicts v JOIN study.remedies r USING (remedy)
	WHERE r.available AND v.orientation = 'pair' AND v.target = 'observed'
	  AND (v.verdict = 'unavailable' OR v.ece IS NULL)};

# ---- A: one judgment per (annotator, pair)
my %a = run_path(q{
	DELETE FROM labeling.judgments
	WHERE NOT (framing = 1 AND rep = 1 AND a_shown_first = (hashtext(annotator || '/' || item_a || '/' || item_b) % 2 = 0));},
	'');
my $groups = q1($db, q{SELECT count(DISTINCT (annotator, item_a, item_b)) FROM labeling.judgments});
is(q1($db, q{SELECT count(*) FROM labeling.judgments}), $groups, 'A: one judgment per group');
is(status('repeats'),
	"unavailable | every (annotator, pair) group has 1 judgment ($groups groups): the consistency classes are unavailable",
	'A: the repeats check says so with the numbers');
is(q1($db, q{SELECT (numbers->>'groups_with_repeats') || '/' || (numbers->>'groups') FROM study.checks WHERE name = 'repeats'}),
	"0/$groups", 'A: and records them');
like(status('classes:non_attitude'), qr/^unavailable \| 0 training groups labelled non_attitude .* \d+ insufficient\)/,
	'A: no group labelled non_attitude');
is(marked_remedies('every \(annotator, pair\) group has 1 judgment'),
	'drop_non_attitudes,position+drop,genuine_only,drop+brier,drop+temperature,position+drop+brier+temp',
	'A: every class-based remedy is marked unavailable, none silently equal to none');
is(q1($db, q{SELECT string_agg(name, ',' ORDER BY ord) FROM study.checks WHERE status <> 'ok'}),
	'repeats,classes:non_attitude,classes:genuine', 'A: nothing else warns');
is(q1($db, $unaffected_ok), 'none', 'A: the other remedies are measured');
like($a{'05_report'}, qr/\A\s*What the table lacks[^\n]*\n\s*repeats\s*\|\s*unavailable\s*\|\s*every \(annotator, pair\) group has 1 judgment/,
	'A: the printed report starts with the warning');
like($a{'06_markdown'}, qr/\A# [^\n]*\n\n## What this table supports\n\n- \*\*UNAVAILABLE\*\* \(repeats\): every \(annotator, pair\) group has 1 judgment \($groups groups\): the consistency classes are unavailable\./,
	'A: the markdown report starts with the warning');
like(q1($db, q{SELECT sentence FROM study.summary WHERE k = 0}),
	qr/^This table does not support everything the study measures: every \(annotator, pair\) group has 1 judgment/,
	'A: the generated summary says so first');
like($a{'06_markdown'}, qr/\| drop_non_attitudes \| unavailable \| unavailable \| unavailable \| unavailable \|/,
	'A: the verdict table marks the row');
like($a{'06_markdown'}, qr/\| drop_non_attitudes \| unavailable \|[ |]+\| - \|/, 'A: the overall table marks the row');

# ---- B: one display order, no truth
my %b = run_path(q{DELETE FROM labeling.judgments WHERE NOT a_shown_first;}, q{
	CREATE OR REPLACE VIEW study.judgments AS
	SELECT j.judgment_id, j.annotator::text AS annotator, j.item_a::text AS item_a, j.item_b::text AS item_b,
	       i.domain, j.a_shown_first,
	       format('order=%s;framing=%s', CASE WHEN j.a_shown_first THEN 'ab' ELSE 'ba' END, j.framing) AS condition,
	       j.chose_a, NULL::float8 AS true_p, NULL::text AS true_type
	FROM labeling.judgments j JOIN labeling.items i ON i.item = j.item_a;});
my ($tp, $tj) = split /\|/, q1($db, q{SELECT count(DISTINCT (item_a, item_b)) || '|' || count(*) FROM study.rows WHERE split = 'train'});
is(status('both_orders'),
	"unavailable | no training pair is shown in both display orders ($tp pairs; $tj of $tj training judgments show item_a first): the position effect is unavailable",
	'B: the both-orders check says so with the numbers');
is(status('order_recorded'), 'ok | the display order is recorded for all 4800 judgments (100.0 % show item_a first)',
	'B: the order is recorded');
like(status('truth'), qr/^unavailable \| no true preference probability \(true_p is NULL in all 4800 judgments\)/,
	'B: the truth check says so');
is(marked_remedies('no training pair is shown in both display orders'),
	'position,position+drop,position+drop+brier+temp,confounded+position',
	'B: every position remedy (without swap) is marked unavailable');
is(marked_remedies('no true preference probability'),
	'confounded,confounded+swap,confounded+position,confounded+swap+position',
	'B: the order-confounded remedies are marked');
is(q1($db, q{SELECT count(*) FROM study.verdicts WHERE target = 'true' AND (verdict <> 'unavailable' OR notes !~ 'true_p is NULL')}),
	'0', 'B: every true_p cell is marked');
is(q1($db, q{SELECT count(*) FROM study.metrics WHERE target = 'true'}), '0', 'B: and has no number');
is(q1($db, q{SELECT bool_and(verdict <> 'unavailable' AND ece IS NOT NULL) FROM study.verdicts WHERE remedy = 'swap+position' AND target = 'observed'}),
	't', 'B: swap + position is measured (the swap supplies both orders)');
like($b{'06_markdown'}, qr/\A# [^\n]*\n\n## What this table supports\n\n- \*\*UNAVAILABLE\*\* \(both_orders\): no training pair is shown in both display orders/,
	'B: the markdown report starts with the warnings');
like($b{'06_markdown'}, qr/P\(item_a beats item_b\) against the true preference probabilities: unavailable \(unavailable: no true preference probability/,
	'B: the conclusion on the truth says it is unavailable');

# ---- C: display order not recorded; validation split below min_pairs
my $vp = q1($db, q{SELECT count(DISTINCT (item_a, item_b)) FROM study.rows WHERE split = 'validation'});
my %c = run_path('', q{
	CREATE OR REPLACE VIEW study.judgments AS
	SELECT j.judgment_id, j.annotator::text AS annotator, j.item_a::text AS item_a, j.item_b::text AS item_b,
	       i.domain, NULL::boolean AS a_shown_first, format('framing=%s', j.framing) AS condition,
	       j.chose_a, NULL::float8 AS true_p, NULL::text AS true_type
	FROM labeling.judgments j JOIN labeling.items i ON i.item = j.item_a;},
	'-v', 'min_pairs=' . ($vp + 1));
like(status('order_recorded'), qr/^unavailable \| the display order is not recorded \(a_shown_first is NULL in all 9600 judgments\)/,
	'C: the order check says so');
like(status('split:validation'), qr/^unavailable \| the validation split has $vp pairs \(\d+ judgments\), fewer than ${\($vp + 1)} \(psql -v min_pairs\): the temperature remedies are unavailable$/,
	'C: the split check says so with the numbers');
is(status('split:test') =~ /^ok/ && status('split:train') =~ /^ok/ ? 1 : 0, 1, 'C: train and test splits pass');
is(q1($db, q{SELECT string_agg(remedy, ',' ORDER BY ord) FROM study.remedies WHERE NOT available AND notes ~ 'the validation split has'}),
	'temperature,swap+temperature,drop+temperature,position+drop+brier+temp', 'C: the temperature remedies are marked');
is(q1($db, q{SELECT string_agg(remedy, ',' ORDER BY ord) FROM study.remedies WHERE NOT available AND notes ~ 'display order is not recorded'}),
	'swap,position,swap+position,swap+temperature,position+drop,position+drop+brier+temp,confounded,confounded+swap,confounded+position,confounded+swap+position',
	'C: the swap and position remedies are marked');
is(q1($db, q{SELECT count(*) FROM study.verdicts WHERE orientation = 'shown' AND (verdict <> 'unavailable' OR notes !~ 'display order is not recorded')}),
	'0', 'C: every first-shown cell is marked');
is(q1($db, $unaffected_ok), 'none', 'C: the remedies that need neither are measured');
# without a recorded order the fit uses (item_a, item_b, chose_a): the same
# no-position model as the full table gives, so the same predictions
is(q1($db, q{SELECT count(*) FROM study.predictions WHERE remedy = 'none' AND p_a IS NULL}), '0', 'C: every test judgment predicted');

pc_dropdb($db);
done_testing();
