-- doc/study/sim/03_markdown.sql: the replicated study's report as one
-- markdown text (psql -At -f 03_markdown.sql > report.md).  Every number
-- and every sentence comes from the simstudy tables of the run.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.iv(mean float8, lo float8, hi float8) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN mean IS NULL THEN 'n/a'
               WHEN lo IS NULL THEN to_char(round(mean::numeric, 4), 'FM990.0000')
               ELSE format('%s [%s, %s]', to_char(round(mean::numeric, 4), 'FM990.0000'), to_char(round(lo::numeric, 4), 'FM990.0000'), to_char(round(hi::numeric, 4), 'FM990.0000')) END $$;
CREATE FUNCTION pg_temp.pct(x float8) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN x IS NULL THEN '–' ELSE to_char(round((100 * x)::numeric), 'FM99990') || ' %' END $$;

-- one table per target: the ECE with its paired difference, the share of
-- the distance to the floors, the Brier score and log loss, the verdicts
CREATE FUNCTION pg_temp.target_table(t text) RETURNS text LANGUAGE sql STABLE AS $$
SELECT concat_ws(E'\n',
 CASE WHEN t = 'truth'
      THEN '| remedy | ECE | ECE − none | databases below / above 0 | share of the gap closed: floor / a / b | verdict (ECE) | Brier | Brier − none | verdict (Brier) | log loss | log loss − none |'
      ELSE '| remedy | ECE | ECE − none | databases below / above 0 | share of the gap closed | verdict (ECE) | Brier | Brier − none | verdict (Brier) | log loss | log loss − none |' END,
 '|---|---|---|---|---|---|---|---|---|---|---|',
 (SELECT string_agg(format('| %s | %s | %s | %s / %s | %s | %s | %s | %s | %s | %s | %s |',
         e.remedy || CASE e.role WHEN 'floor' THEN ' (floor)' WHEN 'identity' THEN ' (identity)' WHEN 'baseline' THEN ' (baseline)' ELSE '' END,
         pg_temp.iv(e.mean, e.lower, e.upper),
         CASE WHEN e.remedy = 'none' THEN '' ELSE pg_temp.iv(e.d_none, e.d_none_lower, e.d_none_upper) END,
         e.reps_below, e.reps_above,
         CASE WHEN e.remedy = 'none' THEN ''
              WHEN t = 'truth' THEN concat_ws(' / ', pg_temp.pct(e.share_floor), pg_temp.pct(e.share_a), pg_temp.pct(e.share_b))
              ELSE pg_temp.pct(e.share_floor) END,
         coalesce(e.verdict, ''),
         pg_temp.iv(b.mean, b.lower, b.upper),
         CASE WHEN e.remedy = 'none' THEN '' ELSE pg_temp.iv(b.d_none, b.d_none_lower, b.d_none_upper) END,
         coalesce(b.verdict, ''),
         pg_temp.iv(l.mean, l.lower, l.upper),
         CASE WHEN e.remedy = 'none' THEN '' ELSE pg_temp.iv(l.d_none, l.d_none_lower, l.d_none_upper) END),
       E'\n' ORDER BY e.ord)
  FROM simstudy.summary e
  JOIN simstudy.summary b ON b.remedy = e.remedy AND b.target = e.target AND b.slice = e.slice AND b.metric = 'brier'
  JOIN simstudy.summary l ON l.remedy = e.remedy AND l.target = e.target AND l.slice = e.slice AND l.metric = 'log_loss'
  WHERE e.target = t AND e.slice = 'all' AND e.metric = 'ece'))
$$;

SELECT concat_ws(E'\n',
 '# prefcal simulation study: can counterfactual augmentation eliminate preference-model miscalibration?',
 '',
 '## Answer (generated from the verdicts below)',
 '',
 (SELECT paragraph FROM simstudy.answer),
 '',
 '## Design',
 '',
 format('%s simulated databases (`simulate_preference_study`, seeds %s), parameters `%s` (defaults elsewhere); per database on average %s judgments: %s train, %s validation, %s test on %s test pairs.',
        (SELECT count(*) FROM simstudy.replicates),
        (SELECT CASE WHEN count(*) = max(seed) - min(seed) + 1 THEN min(seed) || '..' || max(seed)
                     ELSE string_agg(seed::text, ', ' ORDER BY seed) END FROM simstudy.replicates),
        (SELECT sim_params::text FROM simstudy.settings),
        (SELECT round(avg(judgments)) FROM simstudy.replicates), (SELECT round(avg(train)) FROM simstudy.replicates),
        (SELECT round(avg(validation)) FROM simstudy.replicates), (SELECT round(avg(test)) FROM simstudy.replicates),
        (SELECT round(avg(test_pairs)) FROM simstudy.replicates)),
 format('Every remedy is a reward model (`reward_fit`, L2 prior %s per judgment) on the training split, scored on the test split. Per database: %s-bin ECE, Brier score and log loss with bootstrap intervals (`calibration_bootstrap`, %s replicates, clusters = pairs) and paired differences (`calibration_ci_diff`: every state of a database has the same test rows, clusters and bootstrap seed). Across databases: the mean of each number over the %s databases with its %s t interval; a difference against none is the mean of the per-database paired differences.',
        (SELECT prior FROM simstudy.settings), (SELECT nbins FROM simstudy.settings),
        (SELECT boot_replicates FROM simstudy.settings), (SELECT count(*) FROM simstudy.replicates),
        (SELECT pg_temp.pct(level) FROM simstudy.settings)),
 '',
 (SELECT string_agg(format('- **%s**: %s.', target, description), E'\n' ORDER BY target DESC) FROM simstudy.targets),
 '',
 '**Verdicts** (lower is better; intervals across databases): *closed* = the interval of remedy − none lies below 0 and the interval of remedy − floor contains 0 or lies below it; *narrowed* = remedy − none below 0 otherwise; *widened* = above 0; *unchanged* = contains 0. The baseline has a *gap* when the interval of none − floor lies above 0. The verdicts'' floors: against the truth `feature_oracle` (E[true_p_first | features], the best any model on these features can do); against the labels `label_generator` (each judgment''s generating probability: what sampling noise leaves). Beside them, floor a = `truth_labels` (none refitted on labels drawn from the truth, same judgments) and floor b = `oracle_filter` (the genuine judgments only). *Share of the gap closed* = (none − remedy) / (none − floor), from the means, – when the floor is not below none; "databases below / above 0" counts the databases whose own paired bootstrap interval of remedy − none lies below / above 0.',
 '',
 '## Against the truth (true_p_first)',
 '',
 pg_temp.target_table('truth'),
 '',
 '**Confidence ratio** mean |p − ½| / mean |true_p_first − ½| (1 = as confident as the truth; below 1 compressed, above 1 overconfident):',
 '',
 '| remedy | confidence ratio | − none |',
 '|---|---|---|',
 (SELECT string_agg(format('| %s | %s | %s |', remedy, pg_temp.iv(mean, lower, upper),
         CASE WHEN remedy = 'none' THEN '' ELSE pg_temp.iv(d_none, d_none_lower, d_none_upper) END), E'\n' ORDER BY ord)
  FROM simstudy.summary WHERE metric = 'confidence_ratio' AND slice = 'all'),
 '',
 '## Against the held-out labels',
 '',
 pg_temp.target_table('labels'),
 '',
 '## By domain (ECE against the truth)',
 '',
 '| remedy | ' || (SELECT string_agg(slice || ' | − none | verdict', ' | ' ORDER BY slice)
                  FROM (SELECT DISTINCT slice FROM simstudy.summary WHERE slice <> 'all') d) || ' |',
 '|---|' || (SELECT string_agg('---|---|---|', '' ORDER BY slice)
             FROM (SELECT DISTINCT slice FROM simstudy.summary WHERE slice <> 'all') d),
 (SELECT string_agg(line, E'\n' ORDER BY ord) FROM (
    SELECT ord, '| ' || remedy || ' | ' || string_agg(concat_ws(' | ', pg_temp.iv(mean, lower, upper),
           CASE WHEN remedy = 'none' THEN '' ELSE pg_temp.iv(d_none, d_none_lower, d_none_upper) END, coalesce(verdict, '')),
           ' | ' ORDER BY slice) || ' |' AS line
    FROM simstudy.summary WHERE metric = 'ece' AND target = 'truth' AND slice <> 'all'
    GROUP BY ord, remedy) x),
 '',
 '## Checks',
 '',
 format('- Display swap against none: largest |p(swap) − p(none)| on any test judgment %s (an identity of the model class).',
        (SELECT trim(to_char(max(swap_max_abs_diff), '9.9EEEE')) FROM simstudy.replicates)),
 format('- Empirical-Bayes classifier: %s of the training judgments are in groups it calls genuine, %s of those are (mean over databases).',
        (SELECT pg_temp.pct(avg(eb_genuine_share)) FROM simstudy.replicates),
        (SELECT pg_temp.pct(avg(eb_genuine_precision)) FROM simstudy.replicates)),
 format('- Temperature fitted on validation: %s (mean over databases; above 1 softens).',
        (SELECT to_char(avg(temperature), 'FM990.000') FROM simstudy.replicates)),
 format('- Personalized: %s test judgments (all databases) had an annotator without a model and were scored with none''s.',
        (SELECT sum(personal_fallback) FROM simstudy.replicates)),
 coalesce((SELECT string_agg(format('- Not available in %s database(s): %s — %s', n, remedy, note), E'\n')
           FROM (SELECT remedy, note, count(*) AS n FROM simstudy.notes GROUP BY 1, 2) x),
          '- Every remedy was fitted in every database.'),
 '',
 '## Reliability diagrams',
 '',
 'Against the truth, all test judgments of all databases pooled, with bootstrap bands (`calibration_svg` of the bootstrap state):',
 '',
 (SELECT string_agg(format('- [%s](reliability-%s.svg)', remedy, replace(remedy, '+', '-')), E'\n' ORDER BY ord)
  FROM simstudy.remedies WHERE remedy IN (SELECT remedy FROM simstudy.states))
);
