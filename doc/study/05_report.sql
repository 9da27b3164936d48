-- doc/study/05_report.sql: the verdicts, computed from study.metrics with
-- explicit thresholds, and the readable tables.
--
-- The calibration gap is the held-out ECE (15 bins), overall, for each
-- orientation and target.  For each remedy against the baseline "none":
--   (a remedy's ECE within its noise band is 'closed' when the baseline's
--   was not, 'within noise' when it was; leaving the band is 'widened')
--   closed     ECE <= closed_factor x floor for observed labels (the ECE a
--              perfectly calibrated model would show from sampling noise
--              alone, cluster-robust over annotator-pair groups: see
--              04_evaluate.sql; the baseline's floor, so every remedy
--              meets the same bar), or <= true_closed for the true
--              probabilities
--   narrowed   ECE <= (1 - rel_change) x baseline ECE, but not closed
--   widened    ECE >= (1 + rel_change) x baseline ECE
--   unchanged  otherwise
-- Override with psql -v closed_factor=... -v true_closed=... -v rel_change=...
--
-- A cell is 'unavailable' when the table lacks what it needs (study.checks:
-- no true_p for the true_p columns, no recorded display order for the
-- shown columns, a remedy 03_fit.sql did not fit); its notes say why, and
-- the report lists every warning first.
\set ON_ERROR_STOP on
\if :{?closed_factor}
\else
\set closed_factor 1.5
\endif
\if :{?true_closed}
\else
\set true_closed 0.01
\endif
\if :{?rel_change}
\else
\set rel_change 0.25
\endif

CREATE TABLE study.thresholds AS
SELECT :closed_factor::float8 AS closed_factor, :true_closed::float8 AS true_closed,
       :rel_change::float8 AS rel_change;

CREATE TABLE study.verdicts AS
WITH cols AS (  -- what each column needs from the table
	SELECT c.col, c.orientation, c.target,
	       NOT coalesce(bool_or(k.status = 'unavailable'), false) AS col_available,
	       string_agg(format('%s: %s', k.status, k.detail), '; ' ORDER BY k.status DESC, k.ord)
	         FILTER (WHERE k.name IS NOT NULL) AS col_notes
	FROM (VALUES (1, 'pair', 'observed'), (2, 'pair', 'true'), (3, 'shown', 'observed'), (4, 'shown', 'true'))
	     c(col, orientation, target)
	LEFT JOIN study.checks k ON k.status <> 'ok'
	     AND ((k.name = 'truth' AND c.target = 'true') OR (k.name = 'order_recorded' AND c.orientation = 'shown'))
	GROUP BY c.col, c.orientation, c.target
), o AS (
	SELECT m.*,
	       CASE WHEN m.target = 'observed' THEN t.closed_factor * m.ece_floor ELSE t.true_closed END AS closed_at
	FROM study.metrics m CROSS JOIN study.thresholds t
	WHERE m.slice_kind = 'overall'
), b AS (
	SELECT orientation, target, ece AS base_ece, closed_at AS base_closed_at FROM o WHERE remedy = 'none'
), x AS (
	SELECT r.ord, r.remedy, c.orientation, c.target, o.ece, b.base_ece, o.ece_floor,
	       b.base_closed_at AS closed_at,
	       r.available AND c.col_available AND o.ece IS NOT NULL AND b.base_ece IS NOT NULL AS available,
	       nullif(concat_ws('; ', c.col_notes, r.notes,
	                        CASE WHEN r.available AND c.col_available AND (o.ece IS NULL OR b.base_ece IS NULL)
	                             THEN 'unavailable: no held-out prediction for this remedy or the baseline' END), '') AS notes
	FROM study.remedies r CROSS JOIN cols c
	LEFT JOIN o ON o.remedy = r.remedy AND o.orientation = c.orientation AND o.target = c.target
	LEFT JOIN b ON b.orientation = c.orientation AND b.target = c.target
)
SELECT x.ord, x.remedy, x.orientation, x.target, x.ece, x.base_ece, x.ece_floor, x.closed_at,
       CASE
         WHEN NOT x.available THEN 'unavailable'
         WHEN x.remedy = 'none' THEN
           CASE WHEN x.ece <= x.closed_at THEN 'no gap' ELSE 'baseline gap' END
         WHEN x.ece <= x.closed_at THEN
           CASE WHEN x.base_ece <= x.closed_at THEN 'within noise' ELSE 'closed' END
         WHEN x.base_ece <= x.closed_at THEN 'widened'
         WHEN x.ece <= (1 - t.rel_change) * x.base_ece THEN 'narrowed'
         WHEN x.ece >= (1 + t.rel_change) * x.base_ece THEN 'widened'
         ELSE 'unchanged'
       END AS verdict,
       x.notes
FROM x CROSS JOIN study.thresholds t;

-- the headline table: test split, overall; every remedy, blank where
-- unavailable (status says so)
CREATE VIEW study.headline AS
SELECT r.ord, r.remedy,
       CASE WHEN NOT r.available THEN 'unavailable' WHEN r.notes IS NOT NULL THEN 'caution' ELSE 'ok' END AS status,
       round(m.brier::numeric, 4) AS "Brier pair/obs",
       round(m.ece::numeric, 4) AS "ECE pair/obs",
       round(m.logloss::numeric, 4) AS "LogLoss pair/obs",
       round(m.reliability::numeric, 4) AS "REL pair/obs",
       round(m.resolution::numeric, 4) AS "RES pair/obs",
       round(tr.ece::numeric, 4) AS "ECE pair/true",
       round(tr.mae_true::numeric, 4) AS "|P-true_p| pair",
       round(so.ece::numeric, 4) AS "ECE shown/obs",
       round(st.ece::numeric, 4) AS "ECE shown/true"
FROM study.remedies r
LEFT JOIN study.metrics m ON m.remedy = r.remedy AND m.slice_kind = 'overall' AND m.orientation = 'pair' AND m.target = 'observed'
LEFT JOIN study.metrics tr ON tr.remedy = r.remedy AND tr.slice_kind = 'overall' AND tr.orientation = 'pair' AND tr.target = 'true'
LEFT JOIN study.metrics so ON so.remedy = r.remedy AND so.slice_kind = 'overall' AND so.orientation = 'shown' AND so.target = 'observed'
LEFT JOIN study.metrics st ON st.remedy = r.remedy AND st.slice_kind = 'overall' AND st.orientation = 'shown' AND st.target = 'true';

-- one paragraph per orientation and target, generated from the verdicts
CREATE VIEW study.conclusions AS
SELECT orientation, target,
       CASE WHEN bool_or(verdict <> 'unavailable') FILTER (WHERE remedy = 'none') THEN
       format(E'%s against %s: baseline ECE %s (%s; closed at <= %s)\n'
              '  closed:       %s\n  narrowed:     %s\n  unchanged:    %s\n  widened:      %s\n  within noise: %s\n  unavailable:  %s',
              CASE orientation WHEN 'pair' THEN 'P(item_a beats item_b)' ELSE 'P(first-shown wins)' END,
              CASE target WHEN 'observed' THEN 'the observed labels' ELSE 'the true preference probabilities' END,
              round(max(base_ece)::numeric, 4),
              max(verdict) FILTER (WHERE remedy = 'none'),
              round(max(closed_at) FILTER (WHERE remedy = 'none')::numeric, 4),
              coalesce(string_agg(format('%s (%s)', remedy, round(ece::numeric, 4)), ', ' ORDER BY ord) FILTER (WHERE verdict = 'closed'), '-'),
              coalesce(string_agg(format('%s (%s)', remedy, round(ece::numeric, 4)), ', ' ORDER BY ord) FILTER (WHERE verdict = 'narrowed'), '-'),
              coalesce(string_agg(format('%s (%s)', remedy, round(ece::numeric, 4)), ', ' ORDER BY ord) FILTER (WHERE verdict = 'unchanged'), '-'),
              coalesce(string_agg(format('%s (%s)', remedy, round(ece::numeric, 4)), ', ' ORDER BY ord) FILTER (WHERE verdict = 'widened'), '-'),
              coalesce(string_agg(format('%s (%s)', remedy, round(ece::numeric, 4)), ', ' ORDER BY ord) FILTER (WHERE verdict = 'within noise'), '-'),
              coalesce(string_agg(remedy, ', ' ORDER BY ord) FILTER (WHERE verdict = 'unavailable'), '-'))
       ELSE
       format('%s against %s: unavailable (%s)',
              CASE orientation WHEN 'pair' THEN 'P(item_a beats item_b)' ELSE 'P(first-shown wins)' END,
              CASE target WHEN 'observed' THEN 'the observed labels' ELSE 'the true preference probabilities' END,
              max(notes) FILTER (WHERE remedy = 'none'))
       END AS conclusion
FROM study.verdicts
GROUP BY orientation, target;

-- the verdicts as a remedy x (orientation, target) grid; the notes of the
-- marked cells are in study.verdicts.notes (printed below the grid)
CREATE VIEW study.verdict_grid AS
SELECT ord, remedy,
       max(CASE verdict WHEN 'unavailable' THEN verdict ELSE format('%s %s', verdict, round(ece::numeric, 4)) END)
         FILTER (WHERE orientation = 'pair' AND target = 'observed') AS "pair vs labels",
       max(CASE verdict WHEN 'unavailable' THEN verdict ELSE format('%s %s', verdict, round(ece::numeric, 4)) END)
         FILTER (WHERE orientation = 'pair' AND target = 'true') AS "pair vs true_p",
       max(CASE verdict WHEN 'unavailable' THEN verdict ELSE format('%s %s', verdict, round(ece::numeric, 4)) END)
         FILTER (WHERE orientation = 'shown' AND target = 'observed') AS "shown vs labels",
       max(CASE verdict WHEN 'unavailable' THEN verdict ELSE format('%s %s', verdict, round(ece::numeric, 4)) END)
         FILTER (WHERE orientation = 'shown' AND target = 'true') AS "shown vs true_p"
FROM study.verdicts GROUP BY ord, remedy;

-- the marked rows: which remedy, which columns, why
CREATE VIEW study.marked AS
SELECT min(ord) AS ord, remedy,
       string_agg(format('%s vs %s', orientation, CASE target WHEN 'observed' THEN 'labels' ELSE 'true_p' END), ', '
                  ORDER BY orientation, target DESC) AS columns,
       bool_and(verdict = 'unavailable') AS unavailable, notes
FROM study.verdicts WHERE notes IS NOT NULL
GROUP BY remedy, notes;

-- the warnings, worst first: what the table lacks, with the numbers
CREATE VIEW study.warnings AS
SELECT ord, name, status, needed_for, detail FROM study.checks WHERE status <> 'ok';

-- the answer in a few sentences, every number and word from study.verdicts
CREATE VIEW study.summary AS
WITH v AS (SELECT * FROM study.verdicts WHERE verdict <> 'unavailable'),
d AS (  -- largest absolute ECE change of a remedy against "none", over the four columns
	SELECT remedy, max(abs(ece - base_ece)) AS max_change,
	       string_agg(format('%s/%s %s', orientation, CASE target WHEN 'observed' THEN 'labels' ELSE 'true_p' END, verdict),
	                  ', ' ORDER BY orientation, target) AS verdicts
	FROM v GROUP BY remedy
	UNION ALL  -- a remedy the table does not support: say so
	SELECT remedy, NULL, 'unavailable: ' || regexp_replace(notes, '^unavailable: ', '')
	FROM study.remedies r WHERE NOT available
),
c AS (  -- per column: what closed it, and the best remedy
	SELECT orientation, target,
	       max(base_ece) FILTER (WHERE verdict <> 'unavailable') AS base_ece,
	       max(closed_at) FILTER (WHERE verdict <> 'unavailable') AS closed_at,
	       string_agg(remedy, ', ' ORDER BY ord) FILTER (WHERE verdict = 'closed') AS closers,
	       (array_agg(remedy ORDER BY ece, ord) FILTER (WHERE verdict <> 'unavailable'))[1] AS best,
	       min(ece) FILTER (WHERE verdict <> 'unavailable') AS best_ece,
	       bool_or(verdict = 'baseline gap') AS has_gap,
	       bool_or(verdict <> 'unavailable') FILTER (WHERE remedy = 'none') AS col_available,
	       max(notes) FILTER (WHERE remedy = 'none') AS col_notes
	FROM study.verdicts GROUP BY orientation, target
)
SELECT 0 AS k, format('This table does not support everything the study measures: %s.',
	string_agg(format('%s', detail), '; ' ORDER BY ord)) AS sentence
FROM study.checks WHERE status = 'unavailable'
HAVING count(*) > 0
UNION ALL
SELECT 1, concat_ws(' ',
	CASE WHEN (SELECT max_change FROM d WHERE remedy = 'swap') IS NULL
	     THEN format('Counterfactual swap augmentation: %s.', (SELECT verdicts FROM d WHERE remedy = 'swap'))
	     ELSE format('Counterfactual swap augmentation moved the held-out ECE by at most %s in any orientation and target (%s).',
	                 round((SELECT max_change FROM d WHERE remedy = 'swap')::numeric, 4),
	                 (SELECT verdicts FROM d WHERE remedy = 'swap')) END,
	CASE WHEN (SELECT max_change FROM d WHERE remedy = 'swap+position') IS NULL
	     THEN format('With swap and a position term together: %s.', (SELECT verdicts FROM d WHERE remedy = 'swap+position'))
	     ELSE format('With swap and a position term together: at most %s (%s).',
	                 round((SELECT max_change FROM d WHERE remedy = 'swap+position')::numeric, 4),
	                 (SELECT verdicts FROM d WHERE remedy = 'swap+position')) END)
UNION ALL
SELECT 2, CASE WHEN (SELECT max_change FROM d WHERE remedy = 'brier') IS NULL
	     THEN format('A Brier term in the objective: %s.', (SELECT verdicts FROM d WHERE remedy = 'brier'))
	     ELSE format('A Brier term in the objective moved it by at most %s (%s).',
	                 round((SELECT max_change FROM d WHERE remedy = 'brier')::numeric, 4),
	                 (SELECT verdicts FROM d WHERE remedy = 'brier')) END
UNION ALL
SELECT 3, format('A position parameter: %s; temperature scaling on the validation labels: %s; dropping the detected non-attitudes: %s.',
	(SELECT verdicts FROM d WHERE remedy = 'position'),
	(SELECT verdicts FROM d WHERE remedy = 'temperature'),
	(SELECT verdicts FROM d WHERE remedy = 'drop_non_attitudes'))
UNION ALL
SELECT 4, format('With display order confounded with quality in training (about 75 %% of training judgments show the better item first), P(item_a beats item_b) against the labels: ECE %s without a position term, %s with swap augmentation, %s with a position term, %s with both; against true_p: %s, %s, %s, %s.',
	round((SELECT ece FROM v WHERE remedy = 'confounded' AND orientation = 'pair' AND target = 'observed')::numeric, 4),
	round((SELECT ece FROM v WHERE remedy = 'confounded+swap' AND orientation = 'pair' AND target = 'observed')::numeric, 4),
	round((SELECT ece FROM v WHERE remedy = 'confounded+position' AND orientation = 'pair' AND target = 'observed')::numeric, 4),
	round((SELECT ece FROM v WHERE remedy = 'confounded+swap+position' AND orientation = 'pair' AND target = 'observed')::numeric, 4),
	round((SELECT ece FROM v WHERE remedy = 'confounded' AND orientation = 'pair' AND target = 'true')::numeric, 4),
	round((SELECT ece FROM v WHERE remedy = 'confounded+swap' AND orientation = 'pair' AND target = 'true')::numeric, 4),
	round((SELECT ece FROM v WHERE remedy = 'confounded+position' AND orientation = 'pair' AND target = 'true')::numeric, 4),
	round((SELECT ece FROM v WHERE remedy = 'confounded+swap+position' AND orientation = 'pair' AND target = 'true')::numeric, 4))
WHERE EXISTS (SELECT 1 FROM v WHERE remedy = 'confounded')
  AND EXISTS (SELECT 1 FROM study.remedies WHERE keep = 'order_confounded' AND available)
UNION ALL
SELECT 4 + row_number() OVER (ORDER BY orientation, target DESC),
       format('%s against %s: %s',
              CASE orientation WHEN 'pair' THEN 'P(item_a beats item_b)' ELSE 'P(first-shown wins)' END,
              CASE target WHEN 'observed' THEN 'the observed labels' ELSE 'the true preference probabilities' END,
              CASE
                WHEN NOT coalesce(col_available, false) THEN format('unavailable (%s).', col_notes)
                WHEN NOT has_gap THEN format('no gap to close (baseline ECE %s <= %s).', round(base_ece::numeric, 4), round(closed_at::numeric, 4))
                WHEN closers IS NOT NULL THEN format('the gap (baseline ECE %s) was closed (<= %s) by %s.', round(base_ece::numeric, 4), round(closed_at::numeric, 4), closers)
                ELSE format('no remedy closed the gap (baseline ECE %s, closed at <= %s); the lowest ECE was %s''s, %s (%s %% of the baseline).',
                            round(base_ece::numeric, 4), round(closed_at::numeric, 4), best, round(best_ece::numeric, 4),
                            round((100 * best_ece / nullif(base_ece, 0))::numeric, 0))
              END)
FROM c;

-- per slice: both orientations, against labels and truth
CREATE VIEW study.by_slice AS
SELECT o.ord, o.remedy, o.slice_kind, o.slice, o.n,
       round(o.brier::numeric, 4) AS brier_obs, round(o.ece::numeric, 4) AS ece_obs,
       round(o.logloss::numeric, 4) AS logloss_obs,
       round(o.reliability::numeric, 4) AS rel_obs, round(o.resolution::numeric, 4) AS res_obs,
       round(o.uncertainty::numeric, 4) AS unc_obs,
       round(t.brier::numeric, 4) AS brier_true, round(t.ece::numeric, 4) AS ece_true,
       round(t.mae_true::numeric, 4) AS mae_true,
       round(so.ece::numeric, 4) AS ece_shown_obs, round(st.ece::numeric, 4) AS ece_shown_true
FROM study.metrics o
LEFT JOIN study.metrics t ON t.remedy = o.remedy AND t.slice_kind = o.slice_kind AND t.slice = o.slice
  AND t.orientation = 'pair' AND t.target = 'true'
LEFT JOIN study.metrics so ON so.remedy = o.remedy AND so.slice_kind = o.slice_kind AND so.slice = o.slice
  AND so.orientation = 'shown' AND so.target = 'observed'
LEFT JOIN study.metrics st ON st.remedy = o.remedy AND st.slice_kind = o.slice_kind AND st.slice = o.slice
  AND st.orientation = 'shown' AND st.target = 'true'
WHERE o.orientation = 'pair' AND o.target = 'observed';

-- per slice, compact: "slice ECE vs labels / ECE vs true_p"
CREATE VIEW study.slice_grid AS
SELECT ord, remedy,
       string_agg(format('%s %s/%s', slice, ece_obs, ece_true), '  ' ORDER BY slice)
         FILTER (WHERE slice_kind = 'domain') AS "by domain: ECE labels/true_p",
       string_agg(format('%s %s/%s', slice, ece_shown_obs, ece_shown_true), '  ' ORDER BY slice)
         FILTER (WHERE slice_kind = 'domain') AS "shown, by domain: ECE labels/true_p",
       string_agg(format('%s %s/%s', slice, ece_obs, ece_true), '  ' ORDER BY slice)
         FILTER (WHERE slice_kind = 'detected') AS "by detected class: ECE labels/true_p"
FROM study.by_slice GROUP BY ord, remedy;

\echo
\echo What the table lacks (study.warnings; the rows they affect are marked below):
SELECT name, status, detail FROM study.warnings ORDER BY status DESC, ord;
\echo Held-out (test split) calibration, overall.  pair = P(item_a beats item_b) vs chose_a;
\echo shown = P(first-shown wins) vs first-shown chosen; obs = observed labels; true = true_p.
\echo REL/RES = reliability/resolution of the Brier decomposition.
SELECT remedy, status, "Brier pair/obs", "ECE pair/obs", "LogLoss pair/obs", "REL pair/obs", "RES pair/obs",
       "ECE pair/true", "|P-true_p| pair", "ECE shown/obs", "ECE shown/true"
FROM study.headline ORDER BY ord;

\echo Per domain and per detected consistency class, ECE against labels / against true_p
\echo (pair orientation unless marked "shown"):
SELECT remedy, "by domain: ECE labels/true_p", "shown, by domain: ECE labels/true_p",
       "by detected class: ECE labels/true_p"
FROM study.slice_grid ORDER BY ord;

\echo Verdicts on the held-out ECE against the baseline "none" (thresholds: closed at
\echo <= :closed_factor x the noise floor for labels, <= :true_closed for true_p; narrowed/widened by :rel_change relative)
SELECT remedy, "pair vs labels", "pair vs true_p", "shown vs labels", "shown vs true_p"
FROM study.verdict_grid ORDER BY ord;
\echo Marked rows (unavailable, or computed with a caution), and why:
SELECT remedy, columns, notes FROM study.marked ORDER BY ord, columns;
\pset format unaligned
\pset tuples_only on
SELECT conclusion FROM study.conclusions ORDER BY orientation, target DESC;
\echo
\echo In short (generated from the verdicts above):
SELECT '  ' || sentence FROM study.summary ORDER BY k;
\pset format aligned
\pset tuples_only off
