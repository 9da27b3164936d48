-- bt_reference: Bradley-Terry fits against independent implementations.
-- Reference values were computed by test/ref/bt/make_r_refs.R (R's
-- BradleyTerry2::BTm) and test/ref/bt/make_scipy_refs.py (numpy/scipy
-- MLE with finite-difference-checked derivatives); the data sets are
-- citations (Stigler), baseball (Agresti, home team shown first) and
-- icehockey (NCAA 2009-10, with ties; visitor shown first).
-- Tolerances: scores 1e-6 absolute (as differences: both sides centred or
-- both relative to the same reference item), SEs 1e-5 relative.
SET extra_float_digits = 0;
CREATE TEMP TABLE bt_pairs (dataset text, first text, second text,
	w1 float8, w2 float8, wt float8);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/bt/pairs.csv'
\set cmd '\\copy bt_pairs FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE r_fits (dataset text, variant text, item text,
	estimate float8, se float8);
\set f :abs_srcdir '/test/ref/bt/r_fits.csv'
\set cmd '\\copy r_fits FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE sp_fits (dataset text, variant text, item text,
	estimate float8, se float8);
\set f :abs_srcdir '/test/ref/bt/scipy_fits.csv'
\set cmd '\\copy sp_fits FROM ' :'f' ' CSV HEADER'
:cmd

-- one row per (pair, outcome) with the count as weight
CREATE TEMP TABLE bt_rows AS
SELECT dataset, first, second, o.outcome, o.weight
FROM bt_pairs, LATERAL (VALUES (1.0::float8, w1), (0.0, w2), (0.5, wt)) o(outcome, weight);

CREATE TEMP TABLE states AS
SELECT dataset, bt_state_agg(first, second, outcome, weight) AS s
FROM bt_rows GROUP BY dataset;

CREATE TEMP TABLE fits AS
SELECT dataset, v.variant,
	CASE v.variant
		WHEN 'half' THEN bt_fit(s)
		WHEN 'prior' THEN bt_fit(s, prior => CASE dataset WHEN 'citations' THEN 2 ELSE 0.5 END)
		WHEN 'position' THEN bt_fit(s, position_effect => true)
		WHEN 'brier' THEN bt_fit(s, objective => 'logloss+brier', brier_weight => 2)
		WHEN 'position_brier' THEN bt_fit(s, position_effect => true, objective => 'logloss+brier', brier_weight => 0.5)
		WHEN 'drop' THEN bt_fit(s, ties => 'drop')
		WHEN 'davidson' THEN bt_fit(s, ties => 'davidson')
		WHEN 'davidson_position' THEN bt_fit(s, ties => 'davidson', position_effect => true)
		WHEN 'prior_position' THEN bt_fit(s, prior => 0.5, position_effect => true)
		WHEN 'swap' THEN bt_fit(s, augment => 'swap')
		WHEN 'swap_position' THEN bt_fit(s, augment => 'swap', position_effect => true)
	END AS m
FROM states JOIN (SELECT DISTINCT dataset, variant FROM sp_fits) v USING (dataset);

CREATE TEMP VIEW fit_values AS
SELECT f.dataset, f.variant, s.item, s.score AS estimate, s.se
FROM fits f, bt_scores(f.m) s
UNION ALL
SELECT dataset, variant, '(position)', (bt_info(m)->>'position_effect')::float8,
	(bt_info(m)->>'position_effect_se')::float8
FROM fits WHERE bt_info(m)->>'position' = 'true'
UNION ALL
SELECT dataset, variant, '(log_tie)', (bt_info(m)->>'log_tie_parameter')::float8,
	(bt_info(m)->>'log_tie_parameter_se')::float8
FROM fits WHERE bt_info(m)->>'ties' = 'davidson'
UNION ALL
SELECT dataset, variant, '(loglik)', (bt_info(m)->>'loglik')::float8, NULL FROM fits
UNION ALL
SELECT dataset, variant, '(deviance)', (bt_info(m)->>'deviance')::float8, NULL FROM fits;

-- every fit converged
SELECT dataset, variant, (bt_info(m)->>'converged')::bool AS converged,
	(bt_info(m)->>'scaled_gradient')::float8 < 1e-9 AS small_gradient
FROM fits ORDER BY 1, 2;

-- scores, position and tie parameters, SEs, loglik and deviance against scipy
SELECT r.dataset, r.variant, count(*) AS n_values,
	bool_and(abs(f.estimate - r.estimate) < 1e-6 * greatest(1, abs(r.estimate))) AS estimates_ok,
	bool_and(CASE WHEN r.se = 'NaN' THEN f.se IS NULL
		ELSE abs(f.se / r.se - 1) < 1e-5 OR (r.se = 0 AND f.se = 0) END) AS se_ok
FROM sp_fits r LEFT JOIN fit_values f USING (dataset, variant, item)
GROUP BY 1, 2 ORDER BY 1, 2;

-- against BTm, with BTm's reference item fixed at 0
CREATE TEMP TABLE r_model AS
SELECT dataset, variant,
	CASE variant WHEN 'position' THEN bt_fit(s, reference => ref, position_effect => true)
		ELSE bt_fit(s, reference => ref) END AS m
FROM states JOIN (SELECT dataset, variant, item AS ref FROM r_fits
	WHERE se = 0 AND item NOT LIKE '(%') v USING (dataset);
SELECT r.dataset, r.variant, count(*) AS n_values,
	bool_and(abs(coalesce(s.score, (bt_info(m.m)->>CASE r.item WHEN '(position)' THEN 'position_effect' ELSE 'deviance' END)::float8)
		- r.estimate) < 1e-6 * greatest(1, abs(r.estimate))) AS estimates_ok,
	bool_and(r.item = '(deviance)' OR abs(coalesce(s.se, (bt_info(m.m)->>'position_effect_se')::float8)
		- r.se) <= 1e-5 * r.se) AS se_ok
FROM r_fits r JOIN r_model m USING (dataset, variant)
	LEFT JOIN LATERAL (SELECT * FROM bt_scores(m.m) x WHERE x.item = r.item) s ON true
GROUP BY 1, 2 ORDER BY 1, 2;

-- the reference item has score 0 and SE 0; differences do not depend on it
SELECT s.item, s.score = 0 AS zero_score, s.se = 0 AS zero_se
FROM r_model m, bt_scores(m.m) s
WHERE m.dataset = 'citations' AND s.item = 'Biometrika';
SELECT bool_and(abs((a.score - b.score) - (c.score - d.score)) < 1e-9) AS same_differences
FROM fits f, r_model r, bt_scores(f.m) a, bt_scores(f.m) b, bt_scores(r.m) c, bt_scores(r.m) d
WHERE f.dataset = 'icehockey' AND f.variant = 'half' AND r.dataset = 'icehockey'
	AND a.item = c.item AND b.item = d.item;

-- predictions follow from the scores (logistic; Davidson win and tie)
SELECT bool_and(abs(bt_predict(m, a.item, b.item) - 1 / (1 + exp(b.score - a.score))) < 1e-12) AS logistic
FROM fits, bt_scores(m) a, bt_scores(m) b
WHERE dataset = 'citations' AND variant = 'half';
SELECT bool_and(abs(bt_predict(m, a.item, b.item) + bt_predict(m, b.item, a.item)
		+ bt_predict_tie(m, a.item, b.item) - 1) < 1e-12) AS probabilities_sum_to_one,
	bool_and(abs(bt_predict_tie(m, a.item, b.item) - bt_predict_tie(m, b.item, a.item)) < 1e-15) AS tie_symmetric
FROM fits, bt_scores(m) a, bt_scores(m) b
WHERE dataset = 'icehockey' AND variant = 'davidson' AND a.item < b.item;
SELECT round(bt_predict_shown(m, 'Boston', 'Toronto')::numeric, 8) AS home_boston,
	round((1 / (1 + exp(-(s1.score - s2.score + (bt_info(m)->>'position_effect')::float8))))::numeric, 8) AS by_hand,
	round(bt_predict(m, 'Boston', 'Toronto')::numeric, 8) AS neutral
FROM fits, bt_scores(m) s1, bt_scores(m) s2
WHERE dataset = 'baseball' AND variant = 'position' AND s1.item = 'Boston' AND s2.item = 'Toronto';

-- swap augmentation makes the first-shown effect exactly zero
SELECT abs((bt_info(m)->>'position_effect')::float8) < 1e-12 AS no_position_effect
FROM fits WHERE variant = 'swap_position';
