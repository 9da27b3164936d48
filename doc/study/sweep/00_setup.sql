-- doc/study/sweep/00_setup.sql: the sweep mode of the simulation study.
-- Schema simsweep (dropped and recreated): the grid, the result table and
-- simsweep.run_point(axis, value, seed), which simulates one database with
-- simulate_preference_study, fits the baseline and a few key remedies on its
-- training split and measures them on its test split.
--
-- The grid varies one parameter at a time around the simulator's defaults
-- (doc/study.md, "The simulator"): the share of non-attitudes (taken from
-- the genuine share), the genuine strength, the genuine position bias, the
-- repeats per condition and the annotators per pair.
--
-- Settings (psql variables, defaults in brackets):
--   sweep_seeds   seeds per grid point, 1 .. n [3]
--   sweep_axes    the axes to run, a comma-separated list ['' = all]
--   sweep_params  simulate_preference_study parameters every point starts
--                 from, jsonb ['{}']
--   prior         L2 prior of every reward fit [1]
--   nbins         equal-width bins of the ECE [15]
-- Then 01_run.sql runs every point and 02_output.sql writes the table and
-- the plot.
\set ON_ERROR_STOP on
\if :{?sweep_seeds}
\else
\set sweep_seeds 3
\endif
\if :{?sweep_axes}
\else
\set sweep_axes ''
\endif
\if :{?sweep_params}
\else
\set sweep_params '{}'
\endif
\if :{?prior}
\else
\set prior 1
\endif
\if :{?nbins}
\else
\set nbins 15
\endif

DROP SCHEMA IF EXISTS simsweep CASCADE;
CREATE SCHEMA simsweep;

CREATE TABLE simsweep.settings AS
SELECT :'sweep_params'::jsonb AS base_params,
       :sweep_seeds::int AS seeds,
       nullif(:'sweep_axes', '') AS axes,
       :prior::float8 AS prior,
       :nbins::int AS nbins,
       coalesce(jsonb_array_length(:'sweep_params'::jsonb -> 'quality_weights'), 3) + 1 AS style_feature;
ALTER TABLE simsweep.settings ADD CHECK (seeds BETWEEN 1 AND 1000);

-- one row per grid point: the axis, its value, the parameters it sets
-- (merged over base_params), whether it is the simulator's default
CREATE TABLE simsweep.grid (
	axis_ord int NOT NULL,
	axis text NOT NULL,
	value float8 NOT NULL,
	params jsonb NOT NULL,
	is_default boolean NOT NULL,
	PRIMARY KEY (axis, value)
);
INSERT INTO simsweep.grid
SELECT 1, 'p_non_attitude', v,
       jsonb_build_object('p_non_attitude', v, 'p_genuine', round((0.85 - v)::numeric, 10)), v = 0.25
FROM unnest(ARRAY[0, 0.1, 0.25, 0.4, 0.55]::float8[]) v
UNION ALL
SELECT 2, 'genuine_strength', v, jsonb_build_object('genuine_strength', v), v = 1
FROM unnest(ARRAY[0.25, 0.5, 1, 2]::float8[]) v
UNION ALL
SELECT 3, 'position_bias_genuine', v, jsonb_build_object('position_bias_genuine', v), v = 0.2
FROM unnest(ARRAY[0, 0.2, 0.5, 1]::float8[]) v
UNION ALL
SELECT 4, 'repeats', v, jsonb_build_object('repeats', v::int), v = 2
FROM unnest(ARRAY[1, 2, 4]::float8[]) v
UNION ALL
SELECT 5, 'annotators_per_pair', v, jsonb_build_object('annotators_per_pair', v::int), v = 3
FROM unnest(ARRAY[1, 3, 5]::float8[]) v;

-- The remedies of the sweep (the key ones of doc/study/sim/, same names):
-- each one reward model on the training split, except feature_oracle.
--   none            every judgment, log loss (the baseline)
--   counterfactual  counterfactual augmentation on the style feature
--   position        a position (first-shown) term
--   eb_filter       only groups the empirical-Bayes consistency classifier
--                   calls genuine
--   eb_weighted     every judgment weighted by its group's posterior
--                   P(genuine)
--   counterfactual+eb_weighted  both
--   oracle_filter   only judgments whose latent type is genuine
--   truth_labels+counterfactual  labels redrawn from the truth,
--                   Bernoulli(true_p_first), on the same judgments, with
--                   counterfactual augmentation (perfect labels, no lean
--                   on style)
--   feature_oracle  no fit: feature_p_first, the best a model on the
--                   features can do (the floor against the truth)
-- The classifier's remedies are unavailable (marked in note, no numbers)
-- when it calls every training group insufficient (one judgment per
-- group) or, for eb_filter, none genuine.
CREATE TABLE simsweep.remedies (
	ord int PRIMARY KEY,
	remedy text UNIQUE NOT NULL,
	description text NOT NULL
);
INSERT INTO simsweep.remedies VALUES
 (1, 'none',           'every training judgment, log loss'),
 (2, 'counterfactual', 'counterfactual augmentation on the style feature'),
 (3, 'position',       'a position (first-shown) term'),
 (4, 'eb_filter',      'groups the empirical-Bayes classifier calls genuine'),
 (5, 'eb_weighted',    'judgments weighted by their group''s posterior P(genuine)'),
 (6, 'counterfactual+eb_weighted', 'counterfactual augmentation on the posterior-weighted judgments'),
 (7, 'oracle_filter',  'judgments whose latent type is genuine'),
 (8, 'truth_labels+counterfactual', 'labels redrawn from the truth, counterfactual augmentation'),
 (9, 'feature_oracle', 'no fit: feature_p_first, the floor against the truth');

-- per point, seed and remedy, on the test split:
--   ece_truth         ECE of P(first preferred) (no position term) against
--                     true_p_first, the population truth
--   ece_feature       the same against feature_p_first, the best a model on
--                     the features can do in the test split
--   confidence_ratio  mean |p - 1/2| / mean |true_p_first - 1/2|
--   ece_labels        ECE of P(first-shown chosen) (with the position term,
--                     if fitted) against the held-out choices
--   train_judgments   the training judgments the fit used (NULL without a fit)
CREATE TABLE simsweep.results (
	axis text NOT NULL,
	value float8 NOT NULL,
	seed bigint NOT NULL,
	remedy text NOT NULL,
	train_judgments bigint,
	ece_truth float8,
	ece_feature float8,
	confidence_ratio float8,
	ece_labels float8,
	note text,
	PRIMARY KEY (axis, value, seed, remedy)
);

-- a deterministic uniform in (0, 1) from a seed and a key
CREATE FUNCTION simsweep.uniform(seed bigint, key text) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT ((hashtextextended(key, seed) & 4503599627370495) + 0.5) / 4503599627370496.0
$$;

CREATE FUNCTION simsweep.run_point(p_axis text, p_value float8, p_seed bigint) RETURNS text
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
	cfg simsweep.settings;
	params jsonb;
	r record;
	m reward_model;
	q text;
	filter text;
	n bigint;
	msg text;
	t0 timestamptz := clock_timestamp();
BEGIN
	SET LOCAL client_min_messages = warning;
	SELECT * INTO cfg FROM simsweep.settings;
	SELECT cfg.base_params || g.params INTO params FROM simsweep.grid g
	WHERE g.axis = p_axis AND g.value = p_value;
	DELETE FROM simsweep.results WHERE axis = p_axis AND value = p_value AND seed = p_seed;
	-- every axis passes through the defaults: run that point once per seed
	IF (SELECT is_default FROM simsweep.grid WHERE axis = p_axis AND value = p_value) THEN
		INSERT INTO simsweep.results
		SELECT p_axis, p_value, p_seed, remedy, train_judgments, ece_truth, ece_feature,
		       confidence_ratio, ece_labels, note
		FROM simsweep.results prev
		WHERE prev.seed = p_seed
		  AND (prev.axis, prev.value) = (SELECT axis, value FROM simsweep.grid WHERE is_default AND axis <> p_axis
		                                 AND (axis, value) IN (SELECT axis, value FROM simsweep.results WHERE seed = p_seed)
		                                 ORDER BY axis_ord LIMIT 1);
		IF FOUND THEN
			RETURN format('sweep %s = %s, seed %s: the defaults, as already run', p_axis, p_value, p_seed);
		END IF;
	END IF;
	DROP TABLE IF EXISTS pg_temp.sw_j, pg_temp.sw_train, pg_temp.sw_models, pg_temp.sw_pred;

	CREATE TEMP TABLE sw_j AS SELECT * FROM simulate_preference_study(p_seed, params);

	-- the empirical-Bayes classifier over the training groups (annotator, pair)
	CREATE TEMP TABLE sw_train AS
	WITH g AS (
		SELECT annotator_id, pair_id, preference_consistency_state_agg(chose_a, condition) AS st
		FROM sw_j WHERE split = 'train' GROUP BY 1, 2
	), pr AS (
		SELECT preference_consistency_prior(st) AS pr FROM g
	), c AS (
		SELECT annotator_id, pair_id, (x.c).label AS eb_label, (x.c).p_genuine
		FROM (SELECT g.annotator_id, g.pair_id, classify_preference_consistency(g.st, pr.pr) AS c
		      FROM g, pr OFFSET 0) x
	)
	SELECT j.first_features, j.second_features, j.chose_first, j.latent_type, c.eb_label,
	       coalesce(c.p_genuine, 0) AS p_genuine,
	       (simsweep.uniform(p_seed, 'truth:' || j.judgment_id) < j.true_p_first)::int::float8 AS y_truth
	FROM sw_j j LEFT JOIN c USING (annotator_id, pair_id)
	WHERE j.split = 'train';

	CREATE TEMP TABLE sw_models (remedy text PRIMARY KEY, m reward_model, n_train bigint, note text);
	FOR r IN SELECT * FROM simsweep.remedies ORDER BY ord LOOP
		IF r.remedy = 'feature_oracle' THEN
			INSERT INTO sw_models VALUES (r.remedy, NULL, NULL, NULL);
			CONTINUE;
		END IF;
		IF r.remedy LIKE '%eb_%' AND NOT EXISTS (SELECT 1 FROM sw_train WHERE eb_label <> 'insufficient') THEN
			INSERT INTO sw_models VALUES (r.remedy, NULL, NULL,
				'unavailable: every training group is insufficient for the classifier');
			CONTINUE;
		END IF;
		IF r.remedy = 'eb_filter' AND NOT EXISTS (SELECT 1 FROM sw_train WHERE eb_label = 'genuine') THEN
			INSERT INTO sw_models VALUES (r.remedy, NULL, NULL,
				'unavailable: the classifier calls no training group genuine');
			CONTINUE;
		END IF;
		filter := CASE r.remedy WHEN 'eb_filter' THEN 'eb_label = ''genuine'''
		                        WHEN 'oracle_filter' THEN 'latent_type = ''genuine'''
		                        ELSE 'true' END;
		q := format('SELECT first_features, second_features, %s AS outcome, %s AS weight FROM pg_temp.sw_train WHERE %s',
		            CASE WHEN r.remedy LIKE 'truth_labels%' THEN 'y_truth' ELSE 'chose_first' END,
		            CASE WHEN r.remedy LIKE '%eb_weighted' THEN 'p_genuine' ELSE '1.0' END,
		            filter);
		BEGIN
			-- augmentation counts every judgment twice: the prior doubles with it
			m := reward_fit(q, position_effect => r.remedy = 'position',
			                prior => cfg.prior * CASE WHEN r.remedy LIKE '%counterfactual%' THEN 2 ELSE 1 END,
			                augment => CASE WHEN r.remedy LIKE '%counterfactual%' THEN 'counterfactual' ELSE 'none' END,
			                spurious => CASE WHEN r.remedy LIKE '%counterfactual%' THEN ARRAY[cfg.style_feature] END);
			EXECUTE format('SELECT count(*) FROM pg_temp.sw_train WHERE %s', filter) INTO n;
			INSERT INTO sw_models VALUES (r.remedy, m, n, NULL);
		EXCEPTION WHEN others THEN
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
			INSERT INTO sw_models VALUES (r.remedy, NULL, NULL, 'not fitted: ' || msg);
		END;
	END LOOP;

	INSERT INTO simsweep.results
	SELECT p_axis, p_value, p_seed, remedy, n_train,
	       ece_agg(p, true_p_first, cfg.nbins),
	       ece_agg(p, feature_p_first, cfg.nbins),
	       avg(abs(p - 0.5)) / avg(abs(true_p_first - 0.5)),
	       ece_agg(p_shown, chose_first, cfg.nbins),
	       note
	FROM (SELECT x.remedy, x.n_train, x.note, j.true_p_first, j.feature_p_first, j.chose_first,
	             CASE WHEN x.remedy = 'feature_oracle' THEN j.feature_p_first
	                  ELSE reward_predict(x.m, j.first_features, j.second_features) END AS p,
	             CASE WHEN x.remedy = 'feature_oracle' THEN j.feature_p_first
	                  ELSE reward_predict_shown(x.m, j.first_features, j.second_features) END AS p_shown
	      FROM sw_models x
	      LEFT JOIN sw_j j ON j.split = 'test' AND (x.m IS NOT NULL OR x.remedy = 'feature_oracle')) t
	GROUP BY remedy, n_train, note;
	RETURN format('sweep %s = %s, seed %s: %s judgments, %s s', p_axis, p_value, p_seed,
	              (SELECT count(*) FROM sw_j), round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1));
END
$fn$;
