-- reward_se: standard errors of reward models beyond the dense Newton
-- limit, cluster-robust standard errors and the delta-method standard
-- error of a prediction.  Reference values: test/ref/reward/
-- make_reward_se_ref.py (statsmodels GLM; numpy for the penalised
-- Hessian), compared to 1e-6 relative.  The fits beyond 256 parameters
-- need prefcal.reward_standard_errors = on (auto leaves their standard
-- errors out); the setting itself is tested at the end.
SET extra_float_digits = 0;
SET prefcal.reward_standard_errors = on;
CREATE TEMP TABLE rw_raw (dataset text, r int, first_features float8[],
	second_features float8[], outcome float8, weight float8,
	first_item text, second_item text);
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/reward/comparisons.csv'
\set cmd '\\copy rw_raw FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE se_ref (variant text, kind text, name text, value float8);
\set f :abs_srcdir '/test/ref/reward/se_ref.csv'
\set cmd '\\copy se_ref FROM ' :'f' ' CSV HEADER'
:cmd
UPDATE se_ref SET name = '' WHERE name IS NULL;
CREATE TEMP TABLE se_y (r int, outcome float8);
\set f :abs_srcdir '/test/ref/reward/se_outcomes.csv'
\set cmd '\\copy se_y FROM ' :'f' ' CSV HEADER'
:cmd

-- the two large sets' features, by the formulas the scripts state
UPDATE rw_raw SET
	first_features = ARRAY(SELECT ((r * 131 + j * 977 + 1 * 7 + 17)::bigint * 2654435761 % 4294967296) / 4294967296.0::float8 - 0.5
		FROM generate_series(1, 300) j ORDER BY j),
	second_features = ARRAY(SELECT ((r * 131 + j * 977 + 2 * 7 + 17)::bigint * 2654435761 % 4294967296) / 4294967296.0::float8 - 0.5
		FROM generate_series(1, 300) j ORDER BY j)
WHERE dataset = 'large';
CREATE TEMP TABLE mle AS
SELECT y.r, y.outcome,
	ARRAY(SELECT ('x' || left(md5(y.r || ':' || j || ':1'), 8))::bit(32)::bigint / 4294967296.0::float8 - 0.5
		FROM generate_series(1, 260) j ORDER BY j) AS first_features,
	ARRAY(SELECT ('x' || left(md5(y.r || ':' || j || ':2'), 8))::bit(32)::bigint / 4294967296.0::float8 - 0.5
		FROM generate_series(1, 260) j ORDER BY j) AS second_features
  FROM se_y y;

CREATE TEMP TABLE se_fits AS
SELECT 'large_mle' AS variant, reward_fit('SELECT first_features, second_features, outcome FROM mle', tol => 1e-12) AS m
UNION ALL
SELECT 'large', reward_fit($$SELECT first_features, second_features, outcome FROM rw_raw WHERE dataset = 'large'$$, prior => 1, tol => 1e-13)
UNION ALL
SELECT 'cluster', reward_fit($$SELECT first_features, second_features, outcome, r % 40 AS cluster
	FROM rw_raw WHERE dataset = 'small' AND outcome <> 0.5$$, position_effect => true, tol => 1e-12);

SELECT variant, reward_info(m) ->> 'optimiser' AS optimiser, reward_info(m) ->> 'converged' AS converged,
	reward_info(m) ->> 'se_method' AS se_method, reward_info(m) ->> 'se_note' AS se_note,
	reward_info(m) ->> 'clusters' AS clusters, (m::text::jsonb -> 'covariance') IS NOT NULL
		AND jsonb_typeof(m::text::jsonb -> 'covariance') = 'array' AS covariance
  FROM se_fits ORDER BY 1;

-- what prefcal estimated, one row per reference value
CREATE TEMP TABLE se_est AS
SELECT f.variant, 'coef' AS kind, c.feature::text AS name, c.coefficient AS value
  FROM se_fits f, reward_coefficients(f.m) c WHERE f.variant <> 'large'
UNION ALL
SELECT f.variant, 'se', c.feature::text, c.se FROM se_fits f, reward_coefficients(f.m) c
UNION ALL
SELECT f.variant, 'gamma', '', (reward_info(f.m) ->> 'gamma')::float8 FROM se_fits f WHERE f.variant = 'cluster'
UNION ALL
SELECT f.variant, 'gamma_se', '', (reward_info(f.m) ->> 'gamma_se')::float8 FROM se_fits f WHERE f.variant = 'cluster'
UNION ALL
SELECT f.variant, 'loglik', '', (reward_info(f.m) ->> 'loglik')::float8 FROM se_fits f WHERE f.variant = 'large_mle'
UNION ALL
SELECT f.variant, 'predict_se', r.r::text, reward_predict_se(f.m, r.first_features, r.second_features)
  FROM se_fits f, rw_raw r
 WHERE f.variant = 'cluster' AND r.dataset = 'small' AND r.r IN (SELECT name::int FROM se_ref WHERE kind = 'predict_se');

SELECT r.variant, r.kind, count(*) AS compared,
	bool_and(abs(e.value - r.value) <= 1e-6 * abs(r.value) + 1e-9) AS within_1e6
  FROM se_ref r LEFT JOIN se_est e USING (variant, kind, name)
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS unmatched FROM se_est e LEFT JOIN se_ref r USING (variant, kind, name) WHERE r.value IS NULL;

-- the same cluster fit through text and binary I/O keeps its covariance
SELECT m::text::reward_model::text = m::text AS text_round_trip FROM se_fits;

-- a cluster that is one comparison each is the robust (HC0-like) sandwich;
-- a NULL key is a cluster of its own, so it gives the same
SELECT (SELECT array_agg(round(se::numeric, 12) ORDER BY feature) FROM reward_coefficients(a.m))
     = (SELECT array_agg(round(se::numeric, 12) ORDER BY feature) FROM reward_coefficients(b.m)) AS null_keys_own_clusters
  FROM (SELECT reward_fit($$SELECT first_features, second_features, outcome, r AS cluster FROM rw_raw WHERE dataset = 'small'$$) AS m) a,
       (SELECT reward_fit($$SELECT first_features, second_features, outcome, NULL::text AS cluster FROM rw_raw WHERE dataset = 'small'$$) AS m) b;

-- no standard errors, and why
SELECT reward_info(m) ->> 'se_method' AS se_method, reward_info(m) ->> 'se_note' AS se_note,
	(SELECT bool_and(se IS NULL) FROM reward_coefficients(m)) AS se_null,
	reward_predict_se(m, '{1,0,0,0,0}', '{0,0,0,0,0}') IS NULL AS predict_se_null
  FROM (SELECT reward_fit($$SELECT first_features, second_features, outcome FROM rw_raw WHERE dataset = 'small'$$, objective => 'hinge', prior => 0.1) AS m) f;
-- the rows fit prefcal.reward_memory, the Hessian of the L-BFGS fit does not
SET prefcal.reward_memory = '8300kB';
SELECT reward_info(m) ->> 'in_memory' AS in_memory, reward_info(m) ->> 'se_note' AS se_note
  FROM (SELECT reward_fit('SELECT first_features, second_features, outcome FROM mle', prior => 1) AS m) f;
-- the rows do not fit: L-BFGS over passes has no Hessian
SET prefcal.reward_memory = '3MB';
SELECT reward_info(m) ->> 'in_memory' AS in_memory, reward_info(m) ->> 'se_note' AS se_note
  FROM (SELECT reward_fit('SELECT first_features, second_features, outcome FROM mle', prior => 1) AS m) f;
SELECT reward_fit('SELECT first_features, second_features, outcome, r % 7 AS cluster FROM mle', prior => 1);
RESET prefcal.reward_memory;

-- prefcal.reward_standard_errors: auto computes standard errors from the
-- Hessian a Newton fit (up to 256 parameters) leaves, on also builds it
-- after an L-BFGS fit (up to 4096), off never; the fit is the same bits
CREATE TEMP TABLE se_switch (variant text, setting text, m reward_model);
SET prefcal.reward_standard_errors = auto;
INSERT INTO se_switch
SELECT 'newton', 'auto', reward_fit($$SELECT first_features, second_features, outcome FROM rw_raw WHERE dataset = 'small'$$, position_effect => true)
UNION ALL
SELECT 'lbfgs', 'auto', reward_fit('SELECT first_features, second_features, outcome FROM mle', prior => 1);
SET prefcal.reward_standard_errors = on;
INSERT INTO se_switch
SELECT 'newton', 'on', reward_fit($$SELECT first_features, second_features, outcome FROM rw_raw WHERE dataset = 'small'$$, position_effect => true)
UNION ALL
SELECT 'lbfgs', 'on', reward_fit('SELECT first_features, second_features, outcome FROM mle', prior => 1);
SET prefcal.reward_standard_errors = off;
INSERT INTO se_switch
SELECT 'newton', 'off', reward_fit($$SELECT first_features, second_features, outcome FROM rw_raw WHERE dataset = 'small'$$, position_effect => true)
UNION ALL
SELECT 'lbfgs', 'off', reward_fit('SELECT first_features, second_features, outcome FROM mle', prior => 1);
SELECT variant, setting, reward_info(m) ->> 'optimiser' AS optimiser,
	reward_info(m) ->> 'se_method' AS se_method, reward_info(m) ->> 'se_note' AS se_note,
	(SELECT count(se) FROM reward_coefficients(m)) AS with_se,
	reward_info(m) ->> 'gamma_se' IS NOT NULL AS gamma_se,
	(m::text::jsonb -> 'covariance') IS NOT NULL AND jsonb_typeof(m::text::jsonb -> 'covariance') = 'array' AS covariance
  FROM se_switch ORDER BY 1 DESC, 2;
-- coefficients, gamma, log-likelihood and iterations: one bit pattern per fit
SELECT variant, count(DISTINCT (SELECT array_agg(float8send(coefficient) ORDER BY feature) FROM reward_coefficients(m))) AS coefficients,
	count(DISTINCT float8send((reward_info(m) ->> 'gamma')::float8)) AS gamma,
	count(DISTINCT reward_info(m) -> 'loglik') AS loglik,
	count(DISTINCT reward_info(m) -> 'iterations') AS iterations
  FROM se_switch GROUP BY 1 ORDER BY 1 DESC;
-- auto and on give the same standard errors where both have them
SELECT (SELECT array_agg(float8send(se) ORDER BY feature) FROM reward_coefficients(a.m))
     = (SELECT array_agg(float8send(se) ORDER BY feature) FROM reward_coefficients(o.m)) AS same_se
  FROM se_switch a, se_switch o
 WHERE a.variant = 'newton' AND o.variant = 'newton' AND a.setting = 'auto' AND o.setting = 'on';
SET prefcal.reward_standard_errors = sometimes;
RESET prefcal.reward_standard_errors;
