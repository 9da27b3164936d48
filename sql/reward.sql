-- reward: reward models on features (reward_pass, reward_fit, reward_model).
-- Reference fits: test/ref/reward/make_reward_ref.py (scikit-learn
-- LogisticRegression on the equivalent design matrix); coefficients,
-- position and item effects and log-likelihoods to 1e-6 relative.
SET extra_float_digits = 0;
CREATE TEMP TABLE rw_raw (dataset text, r int, first_features float8[],
	second_features float8[], outcome float8, weight float8,
	first_item text, second_item text);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/reward/comparisons.csv'
\set cmd '\\copy rw_raw FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE rw_ref (variant text, kind text, name text, value float8);
\set f :abs_srcdir '/test/ref/reward/sklearn_fits.csv'
\set cmd '\\copy rw_ref FROM ' :'f' ' CSV HEADER'
:cmd
UPDATE rw_ref SET name = '' WHERE name IS NULL;

-- the large set's features, by the formula the script states
UPDATE rw_raw SET
	first_features = ARRAY(SELECT ((r * 131 + j * 977 + 1 * 7 + 17)::bigint * 2654435761 % 4294967296) / 4294967296.0::float8 - 0.5
		FROM generate_series(1, 300) j ORDER BY j),
	second_features = ARRAY(SELECT ((r * 131 + j * 977 + 2 * 7 + 17)::bigint * 2654435761 % 4294967296) / 4294967296.0::float8 - 0.5
		FROM generate_series(1, 300) j ORDER BY j)
WHERE dataset = 'large';

CREATE TEMP TABLE rw_fits AS
SELECT 'small_plain' AS variant, reward_fit($$SELECT first_features, second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$) AS m
UNION ALL
SELECT 'small_position', reward_fit($$SELECT first_features, second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$, position_effect => true)
UNION ALL
SELECT 'small_prior', reward_fit($$SELECT first_features, second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$, position_effect => true, prior => 2)
UNION ALL
SELECT 'items', reward_fit($$SELECT first_features, second_features, outcome, first_item, second_item FROM rw_raw WHERE dataset = 'items'$$, position_effect => true, prior => 0.5)
UNION ALL
SELECT 'large', reward_fit($$SELECT first_features, second_features, outcome FROM rw_raw WHERE dataset = 'large'$$, prior => 1, tol => 1e-13);

-- what prefcal estimated, one row per reference value
CREATE TEMP TABLE rw_est AS
SELECT f.variant, 'coef' AS kind, c.feature::text AS name, c.coefficient AS value
  FROM rw_fits f, reward_coefficients(f.m) c
UNION ALL
SELECT f.variant, 'item', e.item, e.effect FROM rw_fits f, reward_item_effects(f.m) e
UNION ALL
SELECT f.variant, 'gamma', '', (reward_info(f.m) ->> 'gamma')::float8 FROM rw_fits f
 WHERE (reward_info(f.m) ->> 'position_effect')::boolean
UNION ALL
SELECT f.variant, 'loglik', '', (reward_info(f.m) ->> 'loglik')::float8 FROM rw_fits f;

SELECT r.variant, r.kind, count(*) AS compared,
	bool_and(abs(e.value - r.value) <= 1e-6 * abs(r.value) + 1e-9) AS within_1e6
  FROM rw_ref r LEFT JOIN rw_est e USING (variant, kind, name)
 GROUP BY 1, 2 ORDER BY 1, 2;
-- every estimate has its reference
SELECT count(*) AS unmatched FROM rw_est e LEFT JOIN rw_ref r USING (variant, kind, name) WHERE r.value IS NULL;

SELECT variant, reward_info(m) ->> 'optimiser' AS optimiser,
	reward_info(m) ->> 'converged' AS converged, reward_info(m) ->> 'in_memory' AS in_memory,
	reward_info(m) ->> 'n' AS n, (reward_info(m) ->> 'gamma_se') IS NOT NULL AS gamma_se
  FROM rw_fits ORDER BY 1;

-- standard errors: the inverse Fisher information, checked exactly for a
-- one-feature fit: se = 1 / sqrt(sum w p (1 - p) z^2) from its predictions
CREATE TEMP TABLE one AS
SELECT reward_fit($$SELECT ARRAY[first_features[1]] AS first_features, ARRAY[second_features[1]] AS second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$) AS m;
SELECT abs(c.se - 1 / sqrt(sum(r.weight * p * (1 - p) * z * z))) < 1e-12 * c.se AS se_exact
  FROM one, reward_coefficients(one.m) c,
       LATERAL (SELECT r.weight, r.first_features[1] - r.second_features[1] AS z,
                       reward_predict(one.m, ARRAY[r.first_features[1]], ARRAY[r.second_features[1]]) AS p
                  FROM rw_raw r WHERE r.dataset = 'small') r
 GROUP BY c.se;

-- a pure per-item design (no feature columns) reproduces bt_fit to 1e-8
CREATE TEMP TABLE bt_vs AS
SELECT reward_fit($$SELECT first_item, second_item, outcome FROM rw_raw WHERE dataset = 'items'$$) AS m,
	(SELECT bt_fit(bt_state_agg(first_item, second_item, outcome, 1)) FROM rw_raw WHERE dataset = 'items') AS b;
SELECT count(*) AS items, bool_and(abs(e.effect - s.score) < 1e-8) AS effects_1e8,
	bool_and(abs(e.se - s.se) < 1e-8) AS se_1e8
  FROM bt_vs, reward_item_effects(bt_vs.m) e JOIN bt_scores(bt_vs.b) s USING (item);

-- the pass aggregate: gradient at the fit is ~0, Hessian matches the fit's
SELECT (s::text::jsonb ->> 'rows')::int AS rows,
	(SELECT max(abs(x::float8)) FROM jsonb_array_elements_text(s::text::jsonb -> 'gradient') x) < 1e-6 AS grad_zero,
	abs((s::text::jsonb ->> 'loglik')::float8 - (reward_info(f.m) ->> 'loglik')::float8) < 1e-9 AS same_loglik
  FROM rw_fits f,
       LATERAL (SELECT reward_pass(ARRAY(SELECT coefficient FROM reward_coefficients(f.m) ORDER BY feature)
                          || ((reward_info(f.m) ->> 'gamma')::float8),
                        r.first_features, r.second_features, r.outcome, r.weight, 'logloss', 0, true) AS s
                  FROM rw_raw r WHERE r.dataset = 'small') p
 WHERE f.variant = 'small_position';

-- merged passes = one pass over the union; text and binary round trips exact
CREATE TEMP TABLE parts AS
SELECT r % 3 AS part, reward_pass('{0.1,-0.2,0.3,0,0.5,0.05}', first_features, second_features, outcome, weight, 'logloss+brier', 2, true) AS s
  FROM rw_raw WHERE dataset = 'small' GROUP BY 1;
CREATE TEMP TABLE whole AS
SELECT reward_pass('{0.1,-0.2,0.3,0,0.5,0.05}', first_features, second_features, outcome, weight, 'logloss+brier', 2, true) AS s
  FROM rw_raw WHERE dataset = 'small';
SELECT (m.s::text::jsonb ->> 'rows') = (w.s::text::jsonb ->> 'rows') AS same_rows,
	(SELECT max(abs(a.v::float8 - b.v::float8) / (1 + abs(b.v::float8)))
	   FROM jsonb_array_elements_text(m.s::text::jsonb -> 'hessian_lower') WITH ORDINALITY a(v, i)
	   JOIN jsonb_array_elements_text(w.s::text::jsonb -> 'hessian_lower') WITH ORDINALITY b(v, i) USING (i)) < 1e-12 AS same_hessian,
	(SELECT max(abs(a.v::float8 - b.v::float8) / (1 + abs(b.v::float8)))
	   FROM jsonb_array_elements_text(m.s::text::jsonb -> 'gradient') WITH ORDINALITY a(v, i)
	   JOIN jsonb_array_elements_text(w.s::text::jsonb -> 'gradient') WITH ORDINALITY b(v, i) USING (i)) < 1e-12 AS same_gradient
  FROM (SELECT reward_pass_merge(s) AS s FROM parts) m, whole w;
SELECT bool_and(s::text::reward_pass_state::text = s::text) AS text_round_trip FROM parts;
SELECT bool_and(m::text::reward_model::text = m::text) AS model_text_round_trip FROM rw_fits;

-- parallel plan = serial result
CREATE TEMP TABLE big AS SELECT * FROM rw_raw WHERE dataset = 'small';
INSERT INTO big SELECT * FROM big; INSERT INTO big SELECT * FROM big;
INSERT INTO big SELECT * FROM big; INSERT INTO big SELECT * FROM big;
CREATE TABLE rw_par AS SELECT * FROM big;
ANALYZE rw_par;
CREATE TEMP TABLE serial AS SELECT reward_pass('{0.1,-0.2,0.3,0,0.5}', first_features, second_features, outcome, weight) AS s FROM rw_par;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT reward_pass('{0.1,-0.2,0.3,0,0.5}', first_features, second_features, outcome, weight) FROM rw_par;
SELECT (p.s::text::jsonb ->> 'rows') = (q.s::text::jsonb ->> 'rows') AS same_rows,
	abs((p.s::text::jsonb ->> 'loglik')::float8 - (q.s::text::jsonb ->> 'loglik')::float8) < 1e-9 AS same_loglik
  FROM (SELECT reward_pass('{0.1,-0.2,0.3,0,0.5}', first_features, second_features, outcome, weight) AS s FROM rw_par) p, serial q;
-- beyond prefcal.reward_memory the fit's passes run as that parallel
-- plan: a function that fails outside the leader shows the workers ran
-- them (the leader does not take part), and with the leader taking part
-- the fit is the in-memory one
CREATE FUNCTION rw_leader_only(leader int) RETURNS float8 PARALLEL SAFE
	LANGUAGE plpgsql AS $$
BEGIN
	IF pg_backend_pid() <> leader THEN
		RAISE EXCEPTION 'a pass ran in a parallel worker';
	END IF;
	RETURN 1;
END $$;
SET prefcal.reward_memory = '64kB';
\set VERBOSITY terse
SELECT reward_fit(format('SELECT first_features, second_features, outcome, rw_leader_only(%s) AS weight FROM rw_par', pg_backend_pid()),
	position_effect => true);
\set VERBOSITY default
SET parallel_leader_participation = on;
CREATE TEMP TABLE par_fits AS
SELECT reward_fit('SELECT first_features, second_features, outcome, weight FROM rw_par', position_effect => true) AS m;
RESET prefcal.reward_memory;
INSERT INTO par_fits SELECT reward_fit('SELECT first_features, second_features, outcome, weight FROM rw_par', position_effect => true);
SELECT count(*) FILTER (WHERE (reward_info(m) ->> 'in_memory')::boolean) AS in_memory,
	(SELECT max(abs(p.coefficient - q.coefficient)) / max(abs(q.coefficient))
	   FROM par_fits a, reward_coefficients(a.m) p, par_fits b, reward_coefficients(b.m) q
	  WHERE p.feature = q.feature AND NOT (reward_info(a.m) ->> 'in_memory')::boolean
	    AND (reward_info(b.m) ->> 'in_memory')::boolean) < 1e-9 AS same_fit
  FROM par_fits;
DROP FUNCTION rw_leader_only(int);
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
DROP TABLE rw_par;

-- beyond prefcal.reward_memory every step is a pass of reward_pass over
-- the query: the same fit
SET prefcal.reward_memory = '64kB';
SELECT reward_info(m) ->> 'in_memory' AS in_memory, (reward_info(m) ->> 'passes')::int > 3 AS several_passes,
	(SELECT bool_and(abs(c.coefficient - r.value) <= 1e-6 * abs(r.value) + 1e-9)
	   FROM reward_coefficients(m) c JOIN rw_ref r ON r.variant = 'small_position' AND r.kind = 'coef' AND r.name = c.feature::text) AS within_1e6
  FROM (SELECT reward_fit($$SELECT first_features, second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$, position_effect => true) AS m) f;
-- item effects need the rows in memory
SELECT reward_fit($$SELECT first_features, second_features, outcome, first_item, second_item FROM rw_raw WHERE dataset = 'items'$$);
RESET prefcal.reward_memory;

-- real[] features give the fit of their float8 values
SELECT (SELECT array_agg(round(coefficient::numeric, 9) ORDER BY feature) FROM reward_coefficients(
	reward_fit($$SELECT first_features::real[] AS first_features, second_features::real[] AS second_features, outcome FROM rw_raw WHERE dataset = 'small'$$)))
     = (SELECT array_agg(round(coefficient::numeric, 9) ORDER BY feature) FROM reward_coefficients(
	reward_fit($$SELECT first_features::real[]::float8[] AS first_features, second_features::real[]::float8[] AS second_features, outcome FROM rw_raw WHERE dataset = 'small'$$)))
	AS real_same;

-- standardisation: without a prior the same coefficients
CREATE TEMP TABLE std AS
SELECT reward_fit($$SELECT first_features, second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$) AS m1,
	reward_fit($$SELECT first_features, second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$, standardize => true) AS m2;
SELECT bool_and(abs(a.coefficient - b.coefficient) <= 1e-7 * abs(b.coefficient)) AS same_coefficients,
	bool_and(abs(a.se - b.se) <= 1e-7 * b.se) AS same_se,
	min(jsonb_array_length(reward_info(m2) -> 'scales')) AS scales
  FROM std, reward_coefficients(m1) a JOIN reward_coefficients(m2) b USING (feature);

-- objectives: Brier and hinge terms; no SEs for non-likelihood objectives
SELECT o, reward_info(m) ->> 'converged' AS converged,
	(SELECT bool_and(se IS NULL) FROM reward_coefficients(m)) AS no_se,
	(SELECT count(*) FROM reward_coefficients(m)) AS features
  FROM unnest(ARRAY['logloss+brier', 'hinge', 'hinge+brier']) o,
       LATERAL (SELECT reward_fit($$SELECT first_features, second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$, objective => o, prior => 0.1) AS m) f
 ORDER BY 1;

-- augmentation: swap forces gamma = 0; counterfactual on feature 1 drives its coefficient to 0
SELECT abs((reward_info(m) ->> 'gamma')::float8) < 1e-9 AS gamma_zero
  FROM (SELECT reward_fit($$SELECT first_features, second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$, position_effect => true, augment => 'swap') AS m) f;
SELECT feature, abs(coefficient) < 1e-9 AS zero
  FROM reward_coefficients(reward_fit($$SELECT first_features, second_features, outcome, weight FROM rw_raw WHERE dataset = 'small'$$, augment => 'counterfactual', spurious => '{1,3}'))
 ORDER BY 1;

-- using a model; measured by the calibration aggregates
SELECT round(reward_predict(m, '{1,0,0,0,0}', '{0,0,0,0,0}')::numeric, 12) = round((1 / (1 + exp(-c.coefficient)))::numeric, 12) AS predict_ok,
	reward_score(m, '{1,0,0,0,0}') = c.coefficient AS score_ok,
	round(reward_predict_shown(m, '{0,0,0,0,0}', '{0,0,0,0,0}')::numeric, 12) = round((1 / (1 + exp(-(reward_info(m) ->> 'gamma')::float8)))::numeric, 12) AS shown_ok
  FROM rw_fits f, reward_coefficients(f.m) c WHERE f.variant = 'small_position' AND c.feature = 1;
SELECT ece_agg(reward_predict_shown(f.m, r.first_features, r.second_features), (r.outcome > 0.5)) IS NOT NULL AS ece
  FROM rw_fits f, rw_raw r WHERE f.variant = 'small_position' AND r.dataset = 'small' AND r.outcome <> 0.5
 GROUP BY f.m::text;

-- errors
SELECT reward_fit($$SELECT ARRAY[1, 2]::float8[] AS first_features, ARRAY[1]::float8[] AS second_features, 1.0 AS outcome$$);
SELECT reward_fit($$SELECT ARRAY[1, NULL]::float8[] AS first_features, ARRAY[1, 2]::float8[] AS second_features, 1.0 AS outcome$$);
SELECT reward_fit($$SELECT ARRAY[1, 'NaN']::float8[] AS first_features, ARRAY[1, 2]::float8[] AS second_features, 1.0 AS outcome$$);
SELECT reward_fit($$SELECT ARRAY[1, 2]::float8[] AS first_features, ARRAY[1, 3]::float8[] AS second_features, 1.5 AS outcome$$);
SELECT reward_fit($$SELECT ARRAY[x, 2]::float8[] AS first_features, ARRAY[1, 3, 4]::float8[] AS second_features, 1 AS outcome FROM generate_series(1, 2) x$$);
SELECT reward_fit($$SELECT ARRAY[x, 0]::float8[] AS first_features, ARRAY[0, 0]::float8[] AS second_features, 1 AS outcome FROM generate_series(1, 3) x$$);
SELECT reward_fit($$SELECT ARRAY[x, 1]::float8[] AS first_features, ARRAY[0, 0]::float8[] AS second_features, (x > 1)::int AS outcome FROM generate_series(1, 3) x$$);
SELECT reward_fit($$SELECT ARRAY[x]::float8[] AS first_features, ARRAY[0]::float8[] AS second_features, (x % 2)::int AS outcome FROM generate_series(1, 4) x$$, augment => 'counterfactual');
SELECT reward_fit($$SELECT 1 AS outcome$$);
SELECT reward_fit($$SELECT ARRAY[1]::float8[] AS first_features, ARRAY[0]::float8[] AS second_features, 1 AS outcome$$, objective => 'accuracy');
SELECT reward_pass('{0,0}', ARRAY[1, 2]::float8[], ARRAY[1, 2, 3]::float8[], 1, 1);
SELECT reward_pass(ARRAY[0, 0, 0, 0]::float8[], ARRAY[1, 2]::float8[], ARRAY[1, 2]::float8[], 1, 1);
SELECT reward_pass(p, ARRAY[1, 2]::float8[], ARRAY[1, 2]::float8[], 1, 1) FROM (VALUES ('{0,0}'::float8[]), ('{1,0}')) v(p);
SELECT reward_pass_merge(s) FROM (VALUES ('{"version":1,"d":1,"position_effect":false,"objective":"logloss","brier_weight":0,"hessian":false,"rows":1,"weight_sum":1,"objective_value":0.7,"loglik":-0.7,"brier":0.25,"max_abs_eta":0,"params":[0],"gradient":[-0.5],"hessian_lower":null}'::reward_pass_state),
	('{"version":1,"d":1,"position_effect":false,"objective":"logloss","brier_weight":0,"hessian":false,"rows":1,"weight_sum":1,"objective_value":0.7,"loglik":-0.7,"brier":0.25,"max_abs_eta":0,"params":[1],"gradient":[-0.5],"hessian_lower":null}')) v(s);
SELECT '{"version":2}'::reward_pass_state;
SELECT '{"version":1,"d":1,"position_effect":false,"objective":"logloss","brier_weight":0,"hessian":false,"rows":1,"weight_sum":1,"objective_value":0.7,"loglik":0.7,"brier":0.25,"max_abs_eta":0,"params":[0],"gradient":[-0.5],"hessian_lower":null}'::reward_pass_state;
SELECT reward_score(m, '{1,2}') FROM rw_fits WHERE variant = 'small_plain';
