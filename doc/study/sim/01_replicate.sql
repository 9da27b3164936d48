-- doc/study/sim/01_replicate.sql: simstudy.run_replicate(seed), one
-- replicate of the study: simulate a database with
-- simulate_preference_study(seed, settings.sim_params), fit every remedy of
-- simstudy.remedies on its training split, predict its test split, and
-- store per remedy, target and slice (all test rows, each domain) the
-- ECE, Brier score and log loss with their bootstrap intervals and paired
-- differences (calibration_bootstrap, clusters = pairs; every state of the
-- replicate has the same bins, replicates and bootstrap seed, so
-- calibration_ci_diff pairs them replicate by replicate), plus the
-- confidence ratio mean |p - 1/2| / mean |true_p_first - 1/2|.
--
-- Working tables are temporary (pg_temp.sim_*), so sessions can run
-- different seeds at the same time; results go to simstudy.metrics,
-- simstudy.states, simstudy.replicates and simstudy.notes.
\set ON_ERROR_STOP on

CREATE FUNCTION simstudy.fit_query(r simstudy.remedies, extra_filter text DEFAULT 'true')
RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
SELECT format('SELECT first_features, second_features, %s AS outcome, %s AS weight FROM pg_temp.sim_train WHERE %s AND %s',
	CASE r.rows WHEN 'truth_labels' THEN 'y_truth' WHEN 'majority' THEN 'y_majority'
	            WHEN 'self_training' THEN 'y_self' ELSE 'chose_first' END,
	CASE r.rows WHEN 'eb_weighted' THEN 'p_genuine' ELSE '1.0' END,
	CASE r.rows WHEN 'oracle_genuine' THEN 'latent_type = ''genuine'''
	            WHEN 'eb_genuine' THEN 'eb_label = ''genuine''' ELSE 'true' END,
	extra_filter)
$$;

CREATE FUNCTION simstudy.run_replicate(p_seed bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
	cfg simstudy.settings;
	r simstudy.remedies;
	m reward_model;
	t0 timestamptz := clock_timestamp();
	thr float8;
	a int;
	fallback bigint;
	msg text;
BEGIN
	SET LOCAL client_min_messages = warning;
	SELECT * INTO cfg FROM simstudy.settings;
	DROP TABLE IF EXISTS pg_temp.sim_j, pg_temp.sim_groups, pg_temp.sim_prior, pg_temp.sim_class,
		pg_temp.sim_majority, pg_temp.sim_train,
		pg_temp.sim_models, pg_temp.sim_personal, pg_temp.sim_pred, pg_temp.sim_states, pg_temp.sim_recal;
	DELETE FROM simstudy.metrics WHERE seed = p_seed;
	DELETE FROM simstudy.states WHERE seed = p_seed;
	DELETE FROM simstudy.notes WHERE seed = p_seed;
	DELETE FROM simstudy.replicates WHERE seed = p_seed;

	CREATE TEMP TABLE sim_j AS SELECT * FROM simulate_preference_study(p_seed, cfg.sim_params);

	-- the empirical-Bayes consistency classifier over the training groups
	-- (annotator, pair): prior by EM over every group, then each group
	-- classified under it
	ANALYZE sim_j;
	CREATE TEMP TABLE sim_groups AS
	SELECT annotator_id, pair_id, preference_consistency_state_agg(chose_a, condition) AS st
	FROM sim_j WHERE split = 'train' GROUP BY 1, 2;
	CREATE TEMP TABLE sim_prior AS SELECT preference_consistency_prior(st) AS pr FROM sim_groups;
	CREATE TEMP TABLE sim_class AS
	SELECT annotator_id, pair_id, (c).label AS eb_label, (c).p_genuine
	FROM (SELECT g.annotator_id, g.pair_id, classify_preference_consistency(g.st, p.pr) AS c
	      FROM sim_groups g, sim_prior p OFFSET 0) s;
	CREATE TEMP TABLE sim_majority AS
	SELECT pair_id, (v).label, (v).share
	FROM (SELECT pair_id, majority_vote(chose_a::text) AS v FROM sim_j WHERE split = 'train' GROUP BY 1) s;
	ANALYZE sim_class, sim_majority;

	CREATE TEMP TABLE sim_train AS
	SELECT j.judgment_id, j.pair_id, j.annotator_id, j.first_features, j.second_features, j.chose_first,
	       j.latent_type, c.eb_label, coalesce(c.p_genuine, 0) AS p_genuine,
	       (simstudy.uniform(p_seed, 'truth:' || j.judgment_id) < j.true_p_first)::int::float8 AS y_truth,
	       CASE WHEN mv.share = 0.5 THEN 0.5
	            WHEN (mv.label = 'true') = j.a_first THEN 1.0 ELSE 0.0 END AS y_majority,
	       NULL::float8 AS y_self
	FROM sim_j j
	LEFT JOIN sim_class c USING (annotator_id, pair_id)
	LEFT JOIN sim_majority mv USING (pair_id)
	WHERE j.split = 'train';
	CREATE INDEX ON sim_train (annotator_id);
	ANALYZE sim_train;

	CREATE TEMP TABLE sim_models (remedy text PRIMARY KEY, m reward_model);

	-- none first: temperature scaling and self-training start from it
	FOR r IN SELECT * FROM simstudy.remedies WHERE post IS NULL ORDER BY (rows = 'self_training'), ord LOOP
		IF r.rows = 'self_training' THEN
			-- the confident half of the training judgments (by |p - 1/2|
			-- under none's model) get the model's own label
			UPDATE sim_train t SET y_self = reward_predict(n.m, t.first_features, t.second_features)
			FROM sim_models n WHERE n.remedy = 'none';
			SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(y_self - 0.5)) INTO thr FROM sim_train;
			UPDATE sim_train SET y_self = CASE WHEN abs(y_self - 0.5) >= thr THEN (y_self > 0.5)::int::float8
			                                   ELSE chose_first END;
		END IF;
		BEGIN
			-- augmentation counts every judgment twice: the prior doubles
			-- with it, so it weighs the same per judgment as in none's fit
			-- (and swap, the identity, gives none's minimiser exactly)
			m := reward_fit(simstudy.fit_query(r),
			                position_effect => r."position",
			                prior => cfg.prior * CASE WHEN r.augment = 'none' THEN 1 ELSE 2 END,
			                objective => r.objective, augment => r.augment,
			                spurious => CASE WHEN r.augment = 'counterfactual' THEN ARRAY[cfg.style_feature] END);
			INSERT INTO sim_models VALUES (r.remedy, m);
		EXCEPTION WHEN others THEN
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
			INSERT INTO simstudy.notes VALUES (p_seed, r.remedy, 'not fitted: ' || msg);
		END;
	END LOOP;

	-- one model per annotator (personalized), on that annotator's training judgments
	CREATE TEMP TABLE sim_personal (annotator_id int PRIMARY KEY, m reward_model);
	FOR a IN SELECT DISTINCT annotator_id FROM sim_train ORDER BY 1 LOOP
		BEGIN
			INSERT INTO sim_personal
			SELECT a, reward_fit(simstudy.fit_query(x, format('annotator_id = %s', a)), prior => cfg.prior)
			FROM simstudy.remedies x WHERE x.remedy = 'none';
		EXCEPTION WHEN others THEN
			NULL;   -- counted below as a fallback to none
		END;
	END LOOP;

	-- temperature scaling of none's predictions on the validation split
	CREATE TEMP TABLE sim_recal AS
	SELECT temperature_scaling(reward_predict(n.m, j.first_features, j.second_features), j.chose_first) AS rc
	FROM sim_j j, sim_models n WHERE j.split = 'validation' AND n.remedy = 'none';

	-- test predictions: p = P(first preferred) without a position term,
	-- p_shown = P(first-shown chosen) with it
	CREATE TEMP TABLE sim_pred AS
	SELECT x.remedy, j.judgment_id, j.pair_id, j.domain, j.true_p_first, j.chose_first,
	       reward_predict(x.m, j.first_features, j.second_features) AS p,
	       reward_predict_shown(x.m, j.first_features, j.second_features) AS p_shown
	FROM sim_j j CROSS JOIN sim_models x WHERE j.split = 'test';

	INSERT INTO sim_pred
	SELECT 'temperature', p.judgment_id, p.pair_id, p.domain, p.true_p_first, p.chose_first,
	       recalibrate(c.rc, p.p), recalibrate(c.rc, p.p_shown)
	FROM sim_pred p, sim_recal c WHERE p.remedy = 'none'
	  AND EXISTS (SELECT 1 FROM simstudy.remedies WHERE remedy = 'temperature');

	INSERT INTO sim_pred
	SELECT 'personalized', j.judgment_id, j.pair_id, j.domain, j.true_p_first, j.chose_first,
	       reward_predict(coalesce(a.m, n.m), j.first_features, j.second_features),
	       reward_predict_shown(coalesce(a.m, n.m), j.first_features, j.second_features)
	FROM sim_j j JOIN sim_models n ON n.remedy = 'none'
	LEFT JOIN sim_personal a USING (annotator_id)
	WHERE j.split = 'test' AND EXISTS (SELECT 1 FROM simstudy.remedies WHERE remedy = 'personalized');
	SELECT count(*) INTO fallback FROM sim_j j
	WHERE j.split = 'test' AND NOT EXISTS (SELECT 1 FROM sim_personal a WHERE a.annotator_id = j.annotator_id);

	INSERT INTO sim_pred
	SELECT 'feature_oracle', j.judgment_id, j.pair_id, j.domain, j.true_p_first, j.chose_first,
	       j.feature_p_first, j.feature_p_first
	FROM sim_j j WHERE j.split = 'test' AND EXISTS (SELECT 1 FROM simstudy.remedies WHERE remedy = 'feature_oracle');

	INSERT INTO sim_pred
	SELECT 'label_generator', j.judgment_id, j.pair_id, j.domain, j.true_p_first, j.chose_first,
	       j.judgment_p_first, j.judgment_p_first
	FROM sim_j j WHERE j.split = 'test' AND EXISTS (SELECT 1 FROM simstudy.remedies WHERE remedy = 'label_generator');

	-- bootstrap states: one per remedy, target and slice, the cluster key
	-- the pair (prefixed by the seed, so states of different replicates
	-- can be merged for the diagrams)
	ANALYZE sim_pred;
	-- states are about 190 kB each and read many times below: stored
	-- uncompressed
	CREATE TEMP TABLE sim_states (remedy text, target text, slice text, st calibration_bootstrap_state);
	ALTER TABLE sim_states ALTER COLUMN st SET STORAGE EXTERNAL;
	INSERT INTO sim_states
	SELECT remedy, 'truth', coalesce(domain, 'all'),
	       calibration_bootstrap(p, true_p_first, cfg.nbins, p_seed || ':' || pair_id,
	                             cfg.boot_replicates, cfg.boot_seed) AS st
	FROM sim_pred WHERE remedy <> 'label_generator'
	GROUP BY GROUPING SETS ((remedy), (remedy, domain))
	UNION ALL
	SELECT remedy, 'labels', coalesce(domain, 'all'),
	       calibration_bootstrap(p_shown, chose_first, cfg.nbins, p_seed || ':' || pair_id,
	                             cfg.boot_replicates, cfg.boot_seed)
	FROM sim_pred
	GROUP BY GROUPING SETS ((remedy), (remedy, domain));

	INSERT INTO simstudy.metrics
	SELECT p_seed, s.remedy, s.target, s.slice, k.metric,
	       e.estimate, e.lower, e.upper,
	       dn.estimate, dn.lower, dn.upper,
	       df.estimate, df.lower, df.upper,
	       dor.estimate, dor.lower, dor.upper
	FROM sim_states s
	JOIN simstudy.targets t USING (target)
	CROSS JOIN unnest(ARRAY['ece', 'brier', 'log_loss']) AS k(metric)
	LEFT JOIN sim_states n ON n.remedy = 'none' AND n.target = s.target AND n.slice = s.slice
	LEFT JOIN sim_states f ON f.remedy = t.floor AND f.target = s.target AND f.slice = s.slice
	LEFT JOIN sim_states o ON o.remedy = 'oracle_filter' AND o.target = s.target AND o.slice = s.slice
	CROSS JOIN LATERAL calibration_ci(s.st, k.metric, cfg.level) e
	LEFT JOIN LATERAL calibration_ci_diff(s.st, n.st, k.metric, cfg.level) dn ON true
	LEFT JOIN LATERAL calibration_ci_diff(s.st, f.st, k.metric, cfg.level) df ON true
	LEFT JOIN LATERAL calibration_ci_diff(s.st, o.st, k.metric, cfg.level) dor ON true;

	-- the confidence ratio: compression (ratio < 1) or overconfidence
	-- (ratio > 1) of the predictions relative to the truth; no bootstrap,
	-- its interval comes from the replicates
	INSERT INTO simstudy.metrics (seed, remedy, target, slice, metric, estimate, d_none, d_floor, d_oracle)
	WITH c AS (
		SELECT remedy, coalesce(domain, 'all') AS slice,
		       avg(abs(p - 0.5)) / avg(abs(true_p_first - 0.5)) AS ratio
		FROM sim_pred WHERE remedy <> 'label_generator'
		GROUP BY GROUPING SETS ((remedy), (remedy, domain))
	)
	SELECT p_seed, c.remedy, 'truth', c.slice, 'confidence_ratio', c.ratio,
	       c.ratio - n.ratio, c.ratio - f.ratio, c.ratio - o.ratio
	FROM c
	LEFT JOIN c n ON n.remedy = 'none' AND n.slice = c.slice
	LEFT JOIN c f ON f.remedy = (SELECT floor FROM simstudy.targets WHERE target = 'truth') AND f.slice = c.slice
	LEFT JOIN c o ON o.remedy = 'oracle_filter' AND o.slice = c.slice;

	INSERT INTO simstudy.states
	SELECT p_seed, remedy, target, st FROM sim_states WHERE slice = 'all' AND target = 'truth';

	INSERT INTO simstudy.replicates
	SELECT p_seed,
	       (SELECT count(*) FROM sim_j),
	       (SELECT count(*) FROM sim_j WHERE split = 'train'),
	       (SELECT count(*) FROM sim_j WHERE split = 'validation'),
	       (SELECT count(*) FROM sim_j WHERE split = 'test'),
	       (SELECT count(DISTINCT pair_id) FROM sim_j WHERE split = 'test'),
	       (SELECT avg((eb_label = 'genuine')::int) FROM sim_train),
	       (SELECT avg((latent_type = 'genuine')::int) FROM sim_train WHERE eb_label = 'genuine'),
	       (SELECT max(abs(a.p - b.p)) FROM sim_pred a JOIN sim_pred b USING (judgment_id)
	        WHERE a.remedy = 'none' AND b.remedy = 'swap'),
	       fallback,
	       (SELECT (recal_info(rc) ->> 'temperature')::float8 FROM sim_recal),
	       extract(epoch FROM clock_timestamp() - t0);
END
$fn$;
