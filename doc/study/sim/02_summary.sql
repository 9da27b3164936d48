-- doc/study/sim/02_summary.sql: across the replicates of simstudy.metrics,
-- every metric's mean with its t interval over the S replicates, every
-- remedy's paired difference against none and against the floors (the
-- per-replicate differences share the replicate's test set, so their mean
-- is a paired difference), the share of the distance from none to the floor
-- each remedy closes (of the target's floor, and of floors a and b), the
-- verdicts (simstudy.verdict) and the generated answer.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP TABLE IF EXISTS simstudy.summary, simstudy.answer;

CREATE TABLE simstudy.summary AS
WITH agg AS (
	SELECT remedy, target, slice, metric, count(estimate) AS n,
	       avg(estimate) AS mean, stddev_samp(estimate) AS sd,
	       avg(d_none) AS d_none, stddev_samp(d_none) AS d_none_sd,
	       avg(d_floor) AS d_floor, stddev_samp(d_floor) AS d_floor_sd,
	       avg(d_oracle) AS d_oracle, stddev_samp(d_oracle) AS d_oracle_sd,
	       count(*) FILTER (WHERE d_none_upper < 0) AS reps_below,
	       count(*) FILTER (WHERE d_none_lower > 0) AS reps_above,
	       count(d_none_lower) AS reps_with_interval
	FROM simstudy.metrics GROUP BY 1, 2, 3, 4
), fl AS (
	-- each floor's mean paired difference against none: the distance from
	-- none to it when below 0 (a floor above none leaves no share to close)
	SELECT a.target, a.slice, a.metric,
	       max(a.d_none) FILTER (WHERE a.remedy = t.floor) AS to_floor,
	       max(a.d_none) FILTER (WHERE a.remedy = 'truth_labels') AS to_a,
	       max(a.d_none) FILTER (WHERE a.remedy = 'oracle_filter') AS to_b
	FROM agg a JOIN simstudy.targets t USING (target)
	GROUP BY 1, 2, 3
), tq AS (
	SELECT n, CASE WHEN n >= 2 THEN simstudy.t_quantile(s.level, (n - 1)::int) END AS t
	FROM (SELECT DISTINCT n FROM agg) d, simstudy.settings s
)
SELECT r.ord, a.remedy, r.role, a.target, a.slice, a.metric, a.n,
       a.mean, m.lower, m.upper,
       a.d_none, dn.lower AS d_none_lower, dn.upper AS d_none_upper,
       a.d_floor, df.lower AS d_floor_lower, df.upper AS d_floor_upper,
       a.d_oracle, dor.lower AS d_oracle_lower, dor.upper AS d_oracle_upper,
       CASE WHEN b.to_floor < 0 THEN a.d_none / b.to_floor END AS share_floor,
       CASE WHEN b.to_a < 0 THEN a.d_none / b.to_a END AS share_a,
       CASE WHEN b.to_b < 0 THEN a.d_none / b.to_b END AS share_b,
       a.reps_below, a.reps_above, a.reps_with_interval,
       CASE
         WHEN a.metric = 'confidence_ratio' THEN NULL
         WHEN a.remedy = 'none' THEN simstudy.baseline_status(df.lower, df.upper)
         ELSE simstudy.verdict(dn.lower, dn.upper, df.lower, df.upper)
       END AS verdict
FROM agg a
JOIN simstudy.remedies r USING (remedy)
LEFT JOIN fl b USING (target, slice, metric)
JOIN tq USING (n)
CROSS JOIN LATERAL simstudy.mean_ci(a.mean, a.sd, a.n, tq.t) m
CROSS JOIN LATERAL simstudy.mean_ci(a.d_none, a.d_none_sd, a.n, tq.t) dn
CROSS JOIN LATERAL simstudy.mean_ci(a.d_floor, a.d_floor_sd, a.n, tq.t) df
CROSS JOIN LATERAL simstudy.mean_ci(a.d_oracle, a.d_oracle_sd, a.n, tq.t) dor;

-- The answer, generated from the verdicts and intervals of the ECE against
-- the truth (all test rows, then each domain): one sentence that answers,
-- then the lever that moved the gap, the labels, the identity.
CREATE FUNCTION pg_temp.iv(mean float8, lo float8, hi float8) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT format('%s [%s, %s]', to_char(round(mean::numeric, 4), 'FM990.0000'), to_char(round(lo::numeric, 4), 'FM990.0000'), to_char(round(hi::numeric, 4), 'FM990.0000')) $$;
CREATE FUNCTION pg_temp.pct(x float8) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN x IS NULL THEN 'n/a' ELSE to_char(round((100 * x)::numeric), 'FM99990') || ' %' END $$;

CREATE TABLE simstudy.answer AS
WITH e AS (
	SELECT * FROM simstudy.summary WHERE metric = 'ece'
), t AS (SELECT * FROM e WHERE target = 'truth' AND slice = 'all'),
base AS (SELECT * FROM t WHERE remedy = 'none'),
fl AS (SELECT * FROM t WHERE remedy = (SELECT floor FROM simstudy.targets WHERE target = 'truth')),
cf AS (SELECT * FROM t WHERE remedy = 'counterfactual'),
combo AS (SELECT string_agg(substr(remedy, length('counterfactual+') + 1), ' or ' ORDER BY ord) AS with_,
                 string_agg(format('%s: ECE %s, paired difference %s', remedy, pg_temp.iv(mean, lower, upper),
                                   pg_temp.iv(d_none, d_none_lower, d_none_upper)), '; ' ORDER BY ord) AS detail
          FROM t WHERE role = 'remedy' AND remedy LIKE 'counterfactual+%' AND verdict = 'closed'),
perfect AS (SELECT * FROM t WHERE remedy = 'truth_labels+counterfactual'),
cf_dom AS (SELECT string_agg(replace(slice, '_', ' '), ' and ' ORDER BY slice) AS domains
           FROM e WHERE target = 'truth' AND slice <> 'all' AND remedy = 'counterfactual' AND verdict = 'closed'),
lever AS (SELECT * FROM t WHERE role = 'remedy' AND verdict IN ('closed', 'narrowed')
          ORDER BY d_none LIMIT 1),
widened AS (SELECT string_agg(remedy, ', ' ORDER BY ord) AS list FROM t WHERE verdict = 'widened'),
lab AS (SELECT * FROM e WHERE target = 'labels' AND slice = 'all'),
lab_base AS (SELECT * FROM lab WHERE remedy = 'none'),
lab_closed AS (SELECT string_agg(remedy, ', ' ORDER BY ord) AS list FROM lab WHERE role = 'remedy' AND verdict = 'closed'),
lab_narrowed AS (SELECT string_agg(remedy, ', ' ORDER BY ord) AS list FROM lab WHERE role = 'remedy' AND verdict = 'narrowed'),
conf AS (SELECT remedy, mean, lower, upper FROM simstudy.summary
         WHERE metric = 'confidence_ratio' AND target = 'truth' AND slice = 'all'),
ident AS (SELECT max(swap_max_abs_diff) AS d FROM simstudy.replicates),
nrep AS (SELECT count(*) AS s FROM simstudy.replicates)
SELECT concat_ws(' ',
	-- 1. the answer
	CASE
	  WHEN base.verdict = 'no gap' THEN
	    format('No gap to eliminate: under this design none''s ECE against the truth, %s, is not above what the best model on these features reaches (%s).',
	           pg_temp.iv(base.mean, base.lower, base.upper), pg_temp.iv(fl.mean, fl.lower, fl.upper))
	  WHEN cf.verdict = 'closed' THEN
	    format('Yes: counterfactual augmentation on the style feature closed the calibration gap to the truth: ECE %s against none''s %s (paired difference %s), not above the best a model on these features can do (%s).',
	           pg_temp.iv(cf.mean, cf.lower, cf.upper), pg_temp.iv(base.mean, base.lower, base.upper),
	           pg_temp.iv(cf.d_none, cf.d_none_lower, cf.d_none_upper), pg_temp.iv(fl.mean, fl.lower, fl.upper))
	  WHEN cf_dom.domains IS NOT NULL THEN
	    format('Only in %s: counterfactual augmentation on the style feature closed the gap to the truth there, not over all test pairs (ECE %s against none''s %s, paired difference %s; %s of the distance to the floor %s).',
	           cf_dom.domains, pg_temp.iv(cf.mean, cf.lower, cf.upper), pg_temp.iv(base.mean, base.lower, base.upper),
	           pg_temp.iv(cf.d_none, cf.d_none_lower, cf.d_none_upper), pg_temp.pct(cf.share_floor), pg_temp.iv(fl.mean, fl.lower, fl.upper))
	  WHEN combo.with_ IS NOT NULL THEN
	    format('Only when combined with %s: counterfactual augmentation on the style feature alone %s the gap to the truth (ECE %s against none''s %s); combined, it closed it (%s).',
	           combo.with_, CASE cf.verdict WHEN 'narrowed' THEN 'narrowed' WHEN 'widened' THEN 'widened' ELSE 'did not measurably change' END,
	           pg_temp.iv(cf.mean, cf.lower, cf.upper), pg_temp.iv(base.mean, base.lower, base.upper), combo.detail)
	  ELSE
	    format('No: counterfactual augmentation on the style feature %s the calibration gap to the truth: ECE %s against none''s %s (paired difference %s), %s of the distance to the best a model on these features can do (%s).',
	           CASE cf.verdict WHEN 'narrowed' THEN 'narrowed but did not close'
	                           WHEN 'widened' THEN 'widened' ELSE 'did not measurably change' END,
	           pg_temp.iv(cf.mean, cf.lower, cf.upper), pg_temp.iv(base.mean, base.lower, base.upper),
	           pg_temp.iv(cf.d_none, cf.d_none_lower, cf.d_none_upper), pg_temp.pct(cf.share_floor),
	           pg_temp.iv(fl.mean, fl.lower, fl.upper))
	END,
	-- 2. the lever
	CASE
	  WHEN lever.remedy IS NULL THEN 'No remedy moved the gap to the truth measurably.'
	  ELSE format('The lever that moved it most was %s (%s): ECE %s, paired difference %s, %s of the distance to the floor, confidence ratio %s against none''s %s.',
	              lever.remedy, (SELECT description FROM simstudy.remedies WHERE remedy = lever.remedy),
	              pg_temp.iv(lever.mean, lever.lower, lever.upper),
	              pg_temp.iv(lever.d_none, lever.d_none_lower, lever.d_none_upper),
	              pg_temp.pct(lever.share_floor),
	              (SELECT pg_temp.iv(mean, lower, upper) FROM conf WHERE remedy = lever.remedy),
	              (SELECT pg_temp.iv(mean, lower, upper) FROM conf WHERE remedy = 'none'))
	END,
	CASE WHEN widened.list IS NOT NULL THEN format('Widened the gap to the truth: %s.', widened.list) END,
	-- what augmentation does with perfect labels: is the rest of the gap the labels'?
	CASE WHEN perfect.remedy IS NOT NULL THEN
	  format('With labels drawn from the truth, counterfactual augmentation reaches ECE %s (verdict against none: %s), against %s for the same labels without it.',
	         pg_temp.iv(perfect.mean, perfect.lower, perfect.upper), perfect.verdict,
	         (SELECT pg_temp.iv(mean, lower, upper) FROM t WHERE remedy = 'truth_labels'))
	END,
	-- 3. the labels
	format('Against the held-out labels none''s ECE was %s (the generating probabilities reach %s)%s.',
	       pg_temp.iv(lab_base.mean, lab_base.lower, lab_base.upper),
	       (SELECT pg_temp.iv(mean, lower, upper) FROM lab WHERE remedy = 'label_generator'),
	       CASE WHEN lab_closed.list IS NOT NULL AND lab_narrowed.list IS NOT NULL
	              THEN format('; closed by %s, narrowed by %s', lab_closed.list, lab_narrowed.list)
	            WHEN lab_closed.list IS NOT NULL THEN format('; closed by %s', lab_closed.list)
	            WHEN lab_narrowed.list IS NOT NULL THEN format('; narrowed by %s', lab_narrowed.list)
	            ELSE '; no remedy narrowed it' END),
	-- 4. the identity and the size of the evidence
	format('Display swap reproduced none to %s (the identity it must be). %s databases, %s intervals over databases.',
	       trim(to_char(ident.d, '9.9EEEE')), nrep.s, pg_temp.pct((SELECT level FROM simstudy.settings)))
) AS paragraph
FROM base, fl, cf, combo, cf_dom, widened, lab_base, lab_closed, lab_narrowed, ident, nrep
LEFT JOIN lever ON true
LEFT JOIN perfect ON true;
