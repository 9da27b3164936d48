-- bt_fit: degenerate inputs, options, the stored model and its accessors
SET extra_float_digits = 0;
CREATE FUNCTION pairs_state(VARIADIC p text[]) RETURNS bt_state
LANGUAGE sql AS $$
	SELECT bt_state_agg(split_part(x, '>', 1), split_part(x, '>', 2)) FROM unnest(p) x
$$;

-- NULL state gives NULL
SELECT bt_fit(NULL::bt_state) IS NULL AS null_state;
SELECT bt_fit(a, b) IS NULL AS empty_aggregate FROM (VALUES ('a', 'b')) v(a, b) WHERE false;
-- an empty state holds nothing to fit
SELECT bt_fit('{"version": 1, "ids": "none", "pairs": []}'::bt_state);
\echo :LAST_ERROR_SQLSTATE

-- one pair, one direction: the estimate does not exist
SELECT bt_fit(pairs_state('a>b'));
\echo :LAST_ERROR_SQLSTATE
-- ... with a prior it does: P(a beats b) > 1/2, equal and opposite scores
SELECT item, round(score::numeric, 8) AS score, round(se::numeric, 8) AS se, rank, wins, losses
FROM bt_scores(bt_fit(pairs_state('a>b'), prior => 1));
-- one pair both ways: both scores 0
SELECT item, round(score::numeric, 10) AS score, round(se::numeric, 10) AS se, rank
FROM bt_scores(bt_fit(pairs_state('a>b', 'b>a')));
-- a 3-cycle: strongly connected, all scores 0 by symmetry
SELECT item, round(score::numeric, 10) AS score, rank
FROM bt_scores(bt_fit(pairs_state('a>b', 'b>c', 'c>a')));
-- a 40-item cycle, i beats i + 1: strongly connected, but the first
-- passes of the component check reach one more item per pass backwards,
-- so the exact search decides it; the same cycle with one arc reversed
-- (a chain: 40 components, fitted with a prior); a chain closed into a
-- cycle over its first 21 items, its last two playing both ways (19
-- components: no estimate)
SELECT bt_state_agg(g::bigint, ((g + 1) % 40)::bigint, 1, 1) s INTO TEMP cycle40
FROM generate_series(0, 39) g;
SELECT bt_info(m)->'components' AS components, bt_info(m)->'converged' AS converged,
	(SELECT max(abs(score)) < 1e-9 FROM bt_scores(m)) AS all_equal
FROM cycle40, bt_fit(s) m;
SELECT bt_info(bt_fit(bt_state_agg(g::bigint, ((g + 1) % 40)::bigint, CASE WHEN g = 39 THEN 0 ELSE 1 END, 1), prior => 1))->'components' AS chain_components
FROM generate_series(0, 39) g;
SELECT bt_fit(bt_state_agg(a, b, o, 1))
FROM (SELECT g::bigint, (g + 1)::bigint, 1.0 FROM generate_series(0, 38) g
	UNION ALL VALUES (0, 1, 0.0), (38, 39, 0.0), (20, 0, 1.0)) v(a, b, o);
\echo :LAST_ERROR_SQLSTATE
-- a total order: the top item only wins, the bottom only loses
SELECT bt_fit(pairs_state('a>b', 'b>c', 'a>c'));
\echo :LAST_ERROR_SQLSTATE
SELECT item, rank FROM bt_scores(bt_fit(pairs_state('a>b', 'b>c', 'a>c'), prior => 0.5));
-- two groups, each strongly connected, never compared with each other
SELECT bt_fit(pairs_state('a>b', 'b>a', 'c>d', 'd>c'));
\echo :LAST_ERROR_SQLSTATE
-- every item wins and loses, but {a, b} always beats {c, d}
SELECT bt_fit(pairs_state('a>b', 'b>a', 'c>d', 'd>c', 'a>c', 'b>d'));
\echo :LAST_ERROR_SQLSTATE
-- with a prior the fit exists and bt_info counts the components
SELECT bt_info(m)->'components' AS components, bt_info(m)->'converged' AS converged,
	bt_predict(m, 'a', 'c') > 0.5 AS a_over_c
FROM bt_fit(pairs_state('a>b', 'b>a', 'c>d', 'd>c', 'a>c', 'b>d'), prior => 0.1) m;
-- ties only: fine as halves; nothing left when dropped; Davidson needs decided games
SELECT bt_state_agg(a, b, 0.5, 1) s INTO TEMP tie_only FROM (VALUES ('a', 'b'), ('b', 'c'), ('c', 'a')) v(a, b);
SELECT item, round(score::numeric, 10) AS score, ties FROM tie_only, bt_scores(bt_fit(s));
SELECT bt_fit(s, ties => 'drop') FROM tie_only;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, ties => 'davidson') FROM tie_only;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(pairs_state('a>b', 'b>a'), ties => 'davidson');
\echo :LAST_ERROR_SQLSTATE
-- the first-shown item always wins: no position effect estimate
SELECT bt_fit(pairs_state('a>b', 'b>a'), position_effect => true);
\echo :LAST_ERROR_SQLSTATE
-- the option is not called "position": POSITION is a keyword, so that
-- name would only work quoted
SELECT bt_fit(pairs_state('a>b', 'b>a'), position => true);
\echo :LAST_ERROR_SQLSTATE
-- separable position effect behind a strongly connected graph: diverges
-- (terse: the detail quotes where the solver stopped)
\set VERBOSITY terse
SELECT bt_fit(bt_state_agg(a, b, o, 1), position_effect => true)
FROM (VALUES ('a', 'b', 1), ('b', 'a', 1), ('a', 'b', 0.5)) v(a, b, o);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

-- options
CREATE TEMP TABLE g AS
SELECT bt_state_agg(a, b, o, 1) AS s
FROM (VALUES ('a', 'b', 1), ('b', 'a', 1), ('a', 'b', 0), ('b', 'c', 1), ('c', 'b', 0.5),
	('c', 'a', 1), ('a', 'c', 1), ('a', 'c', 0.5), ('b', 'a', 0)) v(a, b, o);
SELECT bt_fit(s, ties => 'thirds') FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, prior => -1) FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, prior => 'NaN') FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, augment => 'mirror') FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, objective => 'hinge') FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, objective => 'logloss+brier', brier_weight => -1) FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, ties => 'davidson', objective => 'logloss+brier') FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, tol => 0) FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, max_iter => -1) FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, ties => NULL) FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_fit(s, reference => 'zz') FROM g;
\echo :LAST_ERROR_SQLSTATE
-- too few iterations: a warning and converged = false
SELECT bt_info(bt_fit(s, max_iter => 1))->'converged' AS converged FROM g;
-- the reference item: score 0, SE 0; differences unchanged
SELECT item, round(score::numeric, 8) AS score, round(se::numeric, 8) AS se, rank
FROM g, bt_scores(bt_fit(s, reference => 'b'));
SELECT item, round(score::numeric, 8) AS score, round(se::numeric, 8) AS se, rank, wins, losses, ties
FROM g, bt_scores(bt_fit(s));
SELECT jsonb_pretty(bt_info(bt_fit(s, ties => 'davidson')) - 'gradient_norm' - 'scaled_gradient'
	- 'loglik' - 'deviance' - 'objective_value' - 'log_tie_parameter' - 'log_tie_parameter_se' - 'tie_parameter') FROM g;
SELECT round((bt_info(m)->>'loglik')::numeric, 8) AS loglik,
	round((bt_info(m)->>'deviance')::numeric, 8) AS deviance,
	round((bt_info(m)->>'tie_parameter')::numeric, 8) AS nu,
	round(bt_predict(m, 'a', 'b')::numeric, 8) AS p_ab,
	round(bt_predict_tie(m, 'a', 'b')::numeric, 8) AS p_tie,
	round(bt_predict(m, 'b', 'a')::numeric, 8) AS p_ba
FROM g, bt_fit(s, ties => 'davidson') m;

-- predictions: unknown items give NULL; wrong id type and missing tie model are errors
SELECT bt_predict(bt_fit(s), 'a', 'nobody') IS NULL AS unknown_is_null FROM g;
SELECT bt_predict(bt_fit(s), 1::bigint, 2::bigint) FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT bt_predict_tie(bt_fit(s), 'a', 'b') FROM g;
\echo :LAST_ERROR_SQLSTATE
SELECT round(bt_predict(m, 'a', 'b')::numeric, 10) = round(bt_predict_shown(m, 'a', 'b')::numeric, 10)
	AS shown_equals_plain_without_position
FROM g, bt_fit(s) m;

-- bigint ids and the bt_fit aggregates
SELECT item, round(score::numeric, 8) AS score, rank
FROM bt_scores((SELECT bt_fit(w, l) FROM (VALUES (1::bigint, 2::bigint), (2, 3), (3, 1), (1, 3)) v(w, l)));
SELECT round(bt_predict(m, 1::bigint, 3::bigint)::numeric, 8) AS p13,
	bt_predict(m, 1::bigint, 99::bigint) IS NULL AS unknown_null
FROM (SELECT bt_fit(w, l) m FROM (VALUES (1::bigint, 2::bigint), (2, 3), (3, 1), (1, 3)) v(w, l)) q;
SELECT bt_fit(a, b)::text = bt_fit(bt_state_agg(a, b))::text AS aggregate_equals_function
FROM (VALUES ('x', 'y'), ('y', 'z'), ('z', 'x'), ('x', 'z')) v(a, b);

-- bt_model text: round trip (every float exact) and validation
SELECT m::text::bt_model::text = m::text AS round_trip FROM g, bt_fit(s, ties => 'davidson', position_effect => false) m;
SELECT m::text::bt_model::text = m::text AS round_trip_reference FROM g, bt_fit(s, reference => 'c') m;
SELECT m::text::bt_model::text = m::text AS round_trip_bigint
FROM (SELECT bt_fit(w, l) m FROM (VALUES (1::bigint, 2::bigint), (2, 1)) v(w, l)) q;
SELECT bt_fit(pairs_state('a>b', 'b>a'));
SELECT '{"version": 2}'::bt_model;
\echo :LAST_ERROR_SQLSTATE
SELECT replace(bt_fit(pairs_state('a>b', 'b>a'))::text, '["a"', '["c"')::bt_model;
\echo :LAST_ERROR_SQLSTATE
SELECT replace(bt_fit(pairs_state('a>b', 'b>a'))::text, '"n_items": 2', '"n_items": 3')::bt_model;
\echo :LAST_ERROR_SQLSTATE
SELECT replace(bt_fit(pairs_state('a>b', 'b>a'))::text, '"ties": "half"', '"ties": "davidson"')::bt_model;
\echo :LAST_ERROR_SQLSTATE
SELECT replace(bt_fit(pairs_state('a>b', 'b>a'))::text, '"reference": null', '"reference": "q"')::bt_model;
\echo :LAST_ERROR_SQLSTATE

-- ill-conditioned: Zipf-like popularity, nearly deterministic outcomes,
-- a weak prior (scores spread over tens of log-odds units), more items
-- than the dense Newton limit (Newton-CG): converges
SELECT setseed(0.25);
CREATE TEMP TABLE zipf AS
SELECT a, b, (random() < 1 / (1 + exp(-(((a * 7919) % 1000) - ((b * 7919) % 1000)) / 2.5)))::int::float8 AS o
FROM (SELECT floor(exp(random() * ln(1500)))::bigint AS a,
	floor(exp(random() * ln(1500)))::bigint AS b
	FROM generate_series(1, 60000)) q WHERE a <> b;
SELECT (bt_info(m)->>'converged')::boolean AS converged,
	(bt_info(m)->>'iterations')::int < 40 AS few_iterations,
	(bt_info(m)->>'scaled_gradient')::float8 <= 1e-9 AS small_gradient,
	(bt_info(m)->>'n_items')::int > 600 AS newton_cg
FROM (SELECT bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01) m FROM zipf) q;

-- below the standard-error limit (3000 items), 2200 items, SEs asked for
-- (prefcal.bt_standard_errors = on): every item
-- has a finite, positive SE, and none is too small: with x = e_i - 1/n
-- (centred scores), SE_i^2 = x' M^-1 x >= (x'x)^2 / x' M x =
-- (1 - 1/n)^2 / (H_ii + prior (1 - 1/n)) by Cauchy-Schwarz, and H_ii is at
-- most the item's comparison count / 4
SELECT setseed(0.25);
CREATE TEMP TABLE se2200 AS
SELECT a, b, (random() < 1 / (1 + exp(-(((a * 7919) % 1000) - ((b * 7919) % 1000)) / 300.0)))::int::float8 AS o
FROM (SELECT floor(random() * 2200)::bigint AS a, floor(random() * 2200)::bigint AS b
	FROM generate_series(1, 66000)) q WHERE a <> b;
SET prefcal.bt_standard_errors = on;
SELECT (bt_info(m)->>'n_items')::int AS n_items,
	(bt_info(m)->>'standard_errors')::boolean AS standard_errors,
	(SELECT bool_and(se > 0 AND se < 'Infinity') FROM bt_scores(m)) AS all_finite,
	(SELECT bool_and(s.se >= (1 - 1 / 2200.0) / sqrt(c.n / 4.0 + 0.01) * (1 - 1e-9))
	 FROM bt_scores(m) s
	 JOIN (SELECT item, count(*) AS n
		   FROM (SELECT a AS item FROM se2200 UNION ALL SELECT b FROM se2200) x
		   GROUP BY item) c ON c.item::text = s.item) AS above_bound
FROM (SELECT bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01) m FROM se2200) q;
-- the same fit with the scalar kernels (the dense factorisation and the
-- SEs through dot4's scalar twin): scores and SEs agree with the session's
-- level to rounding (under the scalar pass of the suite both are scalar)
SET prefcal.simd = 'scalar';
CREATE TEMP TABLE se2200_scalar AS
SELECT (bt_scores(bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01))).* FROM se2200;
RESET prefcal.simd;
SELECT count(*) AS items,
	max(abs(x.score - y.score)) < 1e-12 AS same_scores,
	max(abs(x.se - y.se) / y.se) < 1e-12 AS same_se
FROM (SELECT (bt_scores(bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01))).* FROM se2200) x
JOIN se2200_scalar y USING (item);
-- SEs on demand: by default (auto) a fit of more than 600 items has none,
-- nor has any fit with off; the scores are the same bits in every case
CREATE TEMP TABLE se2200_on AS
SELECT (bt_scores(bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01))).* FROM se2200;
RESET prefcal.bt_standard_errors;
SHOW prefcal.bt_standard_errors;
SELECT (bt_info(m)->>'standard_errors')::boolean AS standard_errors,
	(SELECT bool_and(se IS NULL) FROM bt_scores(m)) AS no_se,
	(SELECT bool_and(x.score = y.score) AND count(*) = 2200
	 FROM bt_scores(m) x JOIN se2200_on y USING (item)) AS same_scores
FROM (SELECT bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01) m FROM se2200) q;
SET prefcal.bt_standard_errors = off;
SELECT n, (bt_info(m)->>'standard_errors')::boolean AS standard_errors,
	(SELECT bool_and(se IS NULL) FROM bt_scores(m)) AS no_se,
	(bt_info(m)->>'position_effect_se') IS NULL AS no_position_se
FROM (SELECT 20 AS n, bt_fit(bt_state_agg(a % 20, b % 20, o, 1), prior => 0.01,
		position_effect => true) m
	  FROM se2200 WHERE a % 20 <> b % 20) q;
SELECT bool_and(x.score = y.score) AND count(*) = 2200 AS same_scores
FROM bt_scores((SELECT bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01) FROM se2200)) x
JOIN se2200_on y USING (item);
SET prefcal.bt_standard_errors = auto;
SELECT (bt_info(m)->>'standard_errors')::boolean AS standard_errors,
	(SELECT bool_and(se > 0) FROM bt_scores(m)) AS all_se
FROM (SELECT bt_fit(bt_state_agg(a % 20, b % 20, o, 1), prior => 0.01) m
	  FROM se2200 WHERE a % 20 <> b % 20) q;
SET prefcal.bt_standard_errors = 'sometimes';
RESET prefcal.bt_standard_errors;

-- beyond the standard-error limit (3000 items) Newton-CG keeps the
-- per-pair curvature in single precision; the fit is still the optimum:
-- recomputed in SQL from bt_predict, every item's score equation
-- (observed minus expected wins = prior * score) holds
SELECT setseed(0.5);
CREATE TEMP TABLE cg AS
SELECT a, b, (random() < 1 / (1 + exp(-(((a * 7919) % 1000) - ((b * 7919) % 1000)) / 300.0)))::int::float8 AS o
FROM (SELECT floor(random() * 3500)::bigint AS a, floor(random() * 3500)::bigint AS b
	FROM generate_series(1, 140000)) q WHERE a <> b;
SELECT (bt_info(m)->>'n_items')::int > 3000 AS beyond_se_limit,
	(bt_info(m)->>'converged')::boolean AS converged,
	(SELECT bool_and(se IS NULL) FROM bt_scores(m)) AS no_se,
	(SELECT max(abs(e.g - 0.01 * s.score))
	 FROM (SELECT item, sum(r) AS g
		   FROM (SELECT a AS item, o - bt_predict(m, a, b) AS r FROM cg
				 UNION ALL SELECT b, (1 - o) - bt_predict(m, b, a) FROM cg) x
		   GROUP BY item) e
	 JOIN bt_scores(m) s ON s.item = e.item::text) < 1e-6 AS score_equations
FROM (SELECT bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01) m FROM cg) q;
-- ... which a fit stopped after one Newton step fails
SET client_min_messages = error;
SELECT (SELECT max(abs(e.g - 0.01 * s.score))
	 FROM (SELECT item, sum(r) AS g
		   FROM (SELECT a AS item, o - bt_predict(m, a, b) AS r FROM cg
				 UNION ALL SELECT b, (1 - o) - bt_predict(m, b, a) FROM cg) x
		   GROUP BY item) e
	 JOIN bt_scores(m) s ON s.item = e.item::text) < 1e-6 AS one_step_score_equations
FROM (SELECT bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01, max_iter => 1) m FROM cg) q;
-- weights of 1e40 (curvatures beyond single precision: the fit goes back
-- to double) give the scores of weight 1 with the prior scaled alike; the
-- convergence test, in units of each score's standard error (about 1e-20
-- here), cannot be met in double precision, so such a fit warns
SELECT (SELECT max(abs(x.score - y.score)) FROM bt_scores(p.m) x JOIN bt_scores(q.m) y USING (item)) < 1e-6 AS same_scores,
	(bt_info(p.m)->>'converged')::boolean AS huge_converged
FROM (SELECT bt_fit(bt_state_agg(a, b, o, 1e40), prior => 1e38) m FROM cg) p,
	(SELECT bt_fit(bt_state_agg(a, b, o, 1), prior => 0.01) m FROM cg) q;
RESET client_min_messages;
-- standard errors scale as 1/sqrt(weight): weights of 1e-6, 1e4 and 1e8
-- give the SEs of weight 1 times 1/sqrt(weight), centred, with a
-- reference item and with a position effect (the rank-one term that
-- fixes the scores' shift follows the Hessian's scale; a fixed one gave
-- SEs of 0 at weight 1e8)
CREATE TEMP TABLE cg200 AS SELECT a % 200 AS a, b % 200 AS b, o FROM cg WHERE a % 200 <> b % 200;
SELECT w, max(abs(x.se * sqrt(w) / y.se - 1)) < 1e-9 AS se_scaled,
	max(abs(x.score - y.score)) < 1e-9 AS same_scores
FROM (VALUES (1e-6::float8), (1e4), (1e8)) v(w),
	LATERAL (SELECT bt_fit(bt_state_agg(a, b, o, w)) m FROM cg200) p,
	LATERAL bt_scores(p.m) x,
	(SELECT bt_fit(bt_state_agg(a, b, o, 1)) m FROM cg200) q,
	LATERAL bt_scores(q.m) y
WHERE x.item = y.item
GROUP BY w ORDER BY w;
SELECT w, (SELECT max(abs(x.se * sqrt(w) / y.se - 1))
		FROM bt_scores(p.m) x JOIN bt_scores(q.m) y USING (item)
		WHERE item <> '7') < 1e-9 AS ref_se_scaled,
	(SELECT se FROM bt_scores(p.m) WHERE item = '7') AS ref_se,
	abs((bt_info(p.m)->>'position_effect_se')::float8 * sqrt(w)
		/ (bt_info(q.m)->>'position_effect_se')::float8 - 1) < 1e-9 AS position_se_scaled
FROM (VALUES (1e-6::float8), (1e8)) v(w),
	LATERAL (SELECT bt_fit(bt_state_agg(a, b, o, w), reference => '7', position_effect => true) m FROM cg200) p,
	(SELECT bt_fit(bt_state_agg(a, b, o, 1), reference => '7', position_effect => true) m FROM cg200) q
ORDER BY w;
-- weights near 1e250 and 1e300: the gradient's norm used to overflow to
-- Infinity, which left a model that bt_info and the bt_model input
-- refused; now it is finite, and the scores are those of weight 1
CREATE TEMP TABLE j3(a text, b text, o float8, w float8);
INSERT INTO j3 VALUES ('x','y',1,3),('y','x',1,1),('x','z',1,2),('z','x',1,1),('y','z',1,2),
 ('z','y',1,1),('x','y',0.5,1),('y','z',0.5,1),('x','y',0,1),('y','z',0,1),('z','x',0,1);
SET client_min_messages = error;
SELECT s, (bt_info(p.m)->>'gradient_norm')::float8 < 'Infinity' AS finite_norm,
	(p.m::text::bt_model)::text = p.m::text AS round_trip,
	(SELECT max(abs(x.score - y.score)) FROM bt_scores(p.m) x JOIN bt_scores(q.m) y USING (item)) < 1e-9 AS same_scores
FROM (VALUES (1e250::float8), (1e300)) v(s),
	LATERAL (SELECT bt_fit(bt_state_agg(a, b, o, w * s)) m FROM j3) p,
	(SELECT bt_fit(bt_state_agg(a, b, o, w)) m FROM j3) q
ORDER BY s;
-- numbers beyond the float8 range are an error, not an unreadable model
SELECT bt_fit(bt_state_agg(a, b, o, w * 1.7e307)) FROM j3;
\echo :LAST_ERROR_SQLSTATE
RESET client_min_messages;
-- a saturated fit (a chain of pairs, each with both outcomes) has
-- deviance 0, never the slightly negative rounding of two totals
SELECT (bt_info(m)->>'deviance')::float8 >= 0 AS deviance_nonneg,
	(bt_info(m)->>'deviance')::float8 < 1e-6 AS deviance_zero
FROM (SELECT bt_fit(bt_state_agg(a, b, o, w)) m
	FROM (VALUES ('a','b',1,1e6::float8),('a','b',0,1),('b','c',1,1e6),('b','c',0,1),('c','d',1,1e5),('c','d',0,1)) v(a, b, o, w)) q;
-- the deviance where the log-likelihood is about -2e15 and the deviance
-- about 0.2: saturated minus fitted totals lost it (0 came out); summed
-- pair by pair it matches 50-digit references
-- (test/ref/bt/deviance_extreme.py: 0.23556607131276674, 0.3397980735907947)
SELECT abs((bt_info(m)->>'deviance')::float8 - 0.23556607131276674) < 1e-9 AS binary_deviance
FROM (SELECT bt_fit(bt_state_agg(a, b, o, w), tol => 1e-6) m
	FROM (VALUES ('x','y',1,2e15::float8),('x','y',0,1e15),('y','x',1,1),('y','x',0,1)) v(a, b, o, w)) q;
SELECT abs((bt_info(m)->>'deviance')::float8 - 0.3397980735907947) < 1e-9 AS davidson_deviance
FROM (SELECT bt_fit(bt_state_agg(a, b, o, w), ties => 'davidson', tol => 1e-6) m
	FROM (VALUES ('x','y',1,2e15::float8),('x','y',0,1e15),('x','y',0.5,1e15),('y','x',1,1),('y','x',0,1),('y','x',0.5,1)) v(a, b, o, w)) q;
