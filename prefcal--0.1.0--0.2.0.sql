-- prefcal--0.1.0--0.2.0.sql: upgrade from 0.1.0 to 0.2.0.  Every catalog
-- change it makes:
--  - creates the smooth ECE (calibration_smooth_ece, calibration_smooth_ece_detail,
--    smooth_ece_agg and its transitions; src/sql/15_smooth_ece.sql);
--  - rewords the comments of recal_fit and recal_info, whose stopping test
--    became relative to the log loss;
--  - creates bt_counts_final and replaces the five bt_counts aggregates
--    (bt_counts x4, bt_counts_merge) so that they use it as final function;
--  - marks STABLE, no longer IMMUTABLE, the functions whose result depends
--    on a setting or on the loaded library: bt_fit, bt_fit_final and the
--    K-class brier_score transition (their last bits follow prefcal.simd)
--    and prefcal_version();
--  - creates the reward models on features (reward_pass_state, reward_pass
--    and reward_pass_merge, reward_model, reward_fit, reward_score,
--    reward_predict, reward_predict_shown, reward_coefficients,
--    reward_item_effects, reward_info; src/sql/25_reward.sql).
-- Nothing else in the catalog changes; what 0.2.0 changes in behaviour comes
-- with the library (CHANGELOG.md).  test/t/096_upgrade.t checks that an
-- upgraded database has the same catalog as a fresh 0.2.0 install.

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION prefcal UPDATE TO '0.2.0'" to load this file. \quit

CREATE FUNCTION @extschema@.calibration_smooth_ece(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_smooth_ece'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_smooth_ece(@extschema@.calibration_state) IS
'smooth ECE (Blasiok and Nakkiran): smECE_sigma at its fixed point sigma = smECE_sigma, reflected Gaussian kernel';

CREATE FUNCTION @extschema@.calibration_smooth_ece(s @extschema@.calibration_state, sigma float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_smooth_ece'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_smooth_ece(@extschema@.calibration_state, float8) IS
'smECE_sigma: integral over [0,1] of the absolute kernel-smoothed residual at bandwidth sigma (1e-6 to 2)';

CREATE FUNCTION @extschema@.calibration_smooth_ece_detail(s @extschema@.calibration_state,
	OUT smooth_ece float8, OUT bandwidth float8, OUT error_bound float8)
RETURNS record AS 'MODULE_PATHNAME', 'calibration_smooth_ece_detail'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_smooth_ece_detail(@extschema@.calibration_state) IS
'smooth ECE at its fixed point, the bandwidth, and a bound on its distance from the smooth ECE of the rows the state summarises';

CREATE FUNCTION @extschema@.calibration_smooth_ece_detail(s @extschema@.calibration_state, sigma float8,
	OUT smooth_ece float8, OUT bandwidth float8, OUT error_bound float8)
RETURNS record AS 'MODULE_PATHNAME', 'calibration_smooth_ece_detail'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_smooth_ece_detail(@extschema@.calibration_state, float8) IS
'smECE_sigma at the given bandwidth, the bandwidth, and a bound on its distance from smECE_sigma of the rows the state summarises';

CREATE FUNCTION @extschema@.smooth_ece_agg_trans(@extschema@.calibration_state, float8, boolean)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'smooth_ece_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.smooth_ece_agg_trans(@extschema@.calibration_state, float8, boolean) IS
'transition of smooth_ece_agg (aggregate support)';

CREATE FUNCTION @extschema@.smooth_ece_agg_trans(@extschema@.calibration_state, float8, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'smooth_ece_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.smooth_ece_agg_trans(@extschema@.calibration_state, float8, float8) IS
'transition of smooth_ece_agg (aggregate support)';

CREATE AGGREGATE @extschema@.smooth_ece_agg(p float8, y boolean) (
	SFUNC = @extschema@.smooth_ece_agg_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_smooth_ece,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.smooth_ece_agg(float8, boolean) IS
'smooth ECE of (p, y) at its fixed point, from a state of 10000 equal-width bins';

CREATE AGGREGATE @extschema@.smooth_ece_agg(p float8, y float8) (
	SFUNC = @extschema@.smooth_ece_agg_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_smooth_ece,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.smooth_ece_agg(float8, float8) IS
'smooth ECE of (p, soft target y in [0,1]) at its fixed point, from a state of 10000 equal-width bins';

-- recal_fit's stopping test and recal_info's newton_decrement became
-- relative to the log loss in 0.2.0
COMMENT ON FUNCTION @extschema@.recal_fit(@extschema@.recal_points, text, boolean, integer, float8) IS
'fit temperature (method => ''temperature'') or Platt (''platt'', smoothing => Platt''s smoothed targets) scaling by Newton''s method on the mean log loss; stops when the squared Newton decrement relative to the loss is at most tol';
COMMENT ON FUNCTION @extschema@.recal_info(@extschema@.recalibrator) IS
'method, parameters (temperature, or a and b), rows, weight, log loss before and after, iterations and final squared Newton decrement relative to the loss';

-- the bt_counts aggregates hand their state on without a flattened copy
-- (bt_counts_final) in 0.2.0
CREATE FUNCTION @extschema@.bt_counts_final(@extschema@.bt_counts)
RETURNS @extschema@.bt_counts
AS 'MODULE_PATHNAME', 'bt_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_counts_final(@extschema@.bt_counts) IS
'final function of the bt_counts aggregates: the state itself, handed on without a flattened copy';

CREATE OR REPLACE AGGREGATE @extschema@.bt_counts(first_item text, second_item text, outcome float8, weight float8) (
	SFUNC = @extschema@.bt_counts_trans, STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	FINALFUNC = @extschema@.bt_counts_final, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE @extschema@.bt_counts(first_item bigint, second_item bigint, outcome float8, weight float8) (
	SFUNC = @extschema@.bt_counts_trans, STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	FINALFUNC = @extschema@.bt_counts_final, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE @extschema@.bt_counts(winner text, loser text) (
	SFUNC = @extschema@.bt_counts_trans, STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	FINALFUNC = @extschema@.bt_counts_final, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE @extschema@.bt_counts(winner bigint, loser bigint) (
	SFUNC = @extschema@.bt_counts_trans, STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	FINALFUNC = @extschema@.bt_counts_final, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE @extschema@.bt_counts_merge(@extschema@.bt_counts) (
	SFUNC = @extschema@.bt_counts_combine, STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	FINALFUNC = @extschema@.bt_counts_final, PARALLEL = SAFE);

-- functions whose result depends on a setting (prefcal.simd) or on the
-- loaded library are STABLE in 0.2.0
ALTER FUNCTION @extschema@.prefcal_version() STABLE;
ALTER FUNCTION @extschema@.bt_fit(@extschema@.bt_counts, text, float8, text, boolean, text, text, float8, int, float8) STABLE;
ALTER FUNCTION @extschema@.bt_fit_final(@extschema@.bt_counts) STABLE;
ALTER FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8[], integer) STABLE;

-- reward models on features (src/sql/25_reward.sql)

-- reward_pass_state: the sums of one pass over comparisons at fixed parameters

CREATE TYPE @extschema@.reward_pass_state;

CREATE FUNCTION @extschema@.reward_pass_state_in(cstring)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_state_out(@extschema@.reward_pass_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'reward_pass_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_state_recv(internal)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_state_send(@extschema@.reward_pass_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'reward_pass_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.reward_pass_state (
	INPUT = @extschema@.reward_pass_state_in,
	OUTPUT = @extschema@.reward_pass_state_out,
	RECEIVE = @extschema@.reward_pass_state_recv,
	SEND = @extschema@.reward_pass_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.reward_pass_state IS
'one pass of a reward model over comparisons at fixed parameters: objective, log-likelihood, gradient and optionally Hessian sums, mergeable';

CREATE FUNCTION @extschema@.reward_pass_trans(@extschema@.reward_pass_state, float8[], float8[], float8[], float8, float8)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_trans(@extschema@.reward_pass_state, float8[], real[], real[], float8, float8)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_trans(@extschema@.reward_pass_state, float8[], float8[], float8[], float8, float8, text, float8, boolean)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_trans(@extschema@.reward_pass_state, float8[], real[], real[], float8, float8, text, float8, boolean)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_combine(@extschema@.reward_pass_state, @extschema@.reward_pass_state)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_pass_combine(@extschema@.reward_pass_state, @extschema@.reward_pass_state) IS
'support function of the reward_pass aggregates: sum of two passes at the same parameters';

CREATE FUNCTION @extschema@.reward_pass_final(@extschema@.reward_pass_state)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_pass_final(@extschema@.reward_pass_state) IS
'final function of the reward_pass aggregates: the state, its sums checked finite';

CREATE AGGREGATE @extschema@.reward_pass(params float8[], first_features float8[], second_features float8[], outcome float8, weight float8) (
	SFUNC = @extschema@.reward_pass_trans,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass(float8[], float8[], float8[], float8, float8) IS
'one log-loss gradient pass of a reward model at params (d coefficients, then gamma if fitted); NULL weight counts 1';

CREATE AGGREGATE @extschema@.reward_pass(params float8[], first_features real[], second_features real[], outcome float8, weight float8) (
	SFUNC = @extschema@.reward_pass_trans,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass(float8[], real[], real[], float8, float8) IS
'one log-loss gradient pass of a reward model on real[] features at params; NULL weight counts 1';

CREATE AGGREGATE @extschema@.reward_pass(params float8[], first_features float8[], second_features float8[], outcome float8, weight float8, objective text, brier_weight float8, hessian boolean) (
	SFUNC = @extschema@.reward_pass_trans,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass(float8[], float8[], float8[], float8, float8, text, float8, boolean) IS
'one pass of a reward model at params for an objective (logloss, logloss+brier, hinge, hinge+brier), with the Hessian when asked';

CREATE AGGREGATE @extschema@.reward_pass(params float8[], first_features real[], second_features real[], outcome float8, weight float8, objective text, brier_weight float8, hessian boolean) (
	SFUNC = @extschema@.reward_pass_trans,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass(float8[], real[], real[], float8, float8, text, float8, boolean) IS
'one pass of a reward model on real[] features at params for an objective, with the Hessian when asked';

CREATE AGGREGATE @extschema@.reward_pass_merge(@extschema@.reward_pass_state) (
	SFUNC = @extschema@.reward_pass_combine,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass_merge(@extschema@.reward_pass_state) IS
'sum of stored reward passes made at the same parameters (one pass over the union of their rows)';

-- reward_model: a fitted reward model

CREATE TYPE @extschema@.reward_model;

CREATE FUNCTION @extschema@.reward_model_in(cstring)
RETURNS @extschema@.reward_model
AS 'MODULE_PATHNAME', 'reward_model_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_model_out(@extschema@.reward_model)
RETURNS cstring
AS 'MODULE_PATHNAME', 'reward_model_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_model_recv(internal)
RETURNS @extschema@.reward_model
AS 'MODULE_PATHNAME', 'reward_model_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_model_send(@extschema@.reward_model)
RETURNS bytea
AS 'MODULE_PATHNAME', 'reward_model_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.reward_model (
	INPUT = @extschema@.reward_model_in,
	OUTPUT = @extschema@.reward_model_out,
	RECEIVE = @extschema@.reward_model_recv,
	SEND = @extschema@.reward_model_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.reward_model IS
'a fitted reward model: feature coefficients, position effect and item effects with standard errors, options and fit diagnostics';

CREATE FUNCTION @extschema@.reward_fit(
	query text,
	position_effect boolean DEFAULT false,
	prior float8 DEFAULT 0,
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	augment text DEFAULT 'none',
	spurious int[] DEFAULT NULL,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9,
	standardize boolean DEFAULT false)
RETURNS @extschema@.reward_model
AS 'MODULE_PATHNAME', 'reward_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.reward_fit(text, boolean, float8, text, float8, text, int[], int, float8, boolean) IS
'fit a reward model to the comparisons a query returns (first_features, second_features, outcome [, weight, first_item, second_item])';

CREATE FUNCTION @extschema@.reward_score(m @extschema@.reward_model, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'reward_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_score(@extschema@.reward_model, float8[]) IS
'reward of one response: the coefficients times its features';

CREATE FUNCTION @extschema@.reward_predict(m @extschema@.reward_model, first_features float8[], second_features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'reward_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_predict(@extschema@.reward_model, float8[], float8[]) IS
'probability that the first response is preferred (no position effect, no item effects)';

CREATE FUNCTION @extschema@.reward_predict_shown(m @extschema@.reward_model, first_features float8[], second_features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'reward_predict_shown'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_predict_shown(@extschema@.reward_model, float8[], float8[]) IS
'probability that the first-shown response wins, including the fitted position effect';

CREATE FUNCTION @extschema@.reward_coefficients(m @extschema@.reward_model,
	OUT feature int, OUT coefficient float8, OUT se float8)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT t.feature::pg_catalog.int4, t.c::pg_catalog.float8, t.s::pg_catalog.float8
  FROM ROWS FROM (pg_catalog.jsonb_array_elements_text((m::pg_catalog.text::pg_catalog.jsonb) -> 'coefficients'),
                  pg_catalog.jsonb_array_elements_text(
                    CASE WHEN pg_catalog.jsonb_typeof((m::pg_catalog.text::pg_catalog.jsonb) -> 'se') = 'array'
                         THEN (m::pg_catalog.text::pg_catalog.jsonb) -> 'se' ELSE '[]'::pg_catalog.jsonb END))
       WITH ORDINALITY AS t(c, s, feature)
 WHERE t.c IS NOT NULL
$$;

COMMENT ON FUNCTION @extschema@.reward_coefficients(@extschema@.reward_model) IS
'one row per feature (1-based): coefficient and standard error (NULL for non-likelihood objectives or large models)';

CREATE FUNCTION @extschema@.reward_item_effects(m @extschema@.reward_model,
	OUT item text, OUT effect float8, OUT se float8)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT t.i, t.e::pg_catalog.float8, t.s::pg_catalog.float8
  FROM ROWS FROM (pg_catalog.jsonb_array_elements_text((m::pg_catalog.text::pg_catalog.jsonb) -> 'items'),
                  pg_catalog.jsonb_array_elements_text((m::pg_catalog.text::pg_catalog.jsonb) -> 'item_effects'),
                  pg_catalog.jsonb_array_elements_text(
                    CASE WHEN pg_catalog.jsonb_typeof((m::pg_catalog.text::pg_catalog.jsonb) -> 'item_se') = 'array'
                         THEN (m::pg_catalog.text::pg_catalog.jsonb) -> 'item_se' ELSE '[]'::pg_catalog.jsonb END))
       AS t(i, e, s)
 WHERE t.i IS NOT NULL
$$;

COMMENT ON FUNCTION @extschema@.reward_item_effects(@extschema@.reward_model) IS
'one row per item of a style-control fit: its effect s (centred when there is no prior) and standard error';

CREATE FUNCTION @extschema@.reward_info(m @extschema@.reward_model)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT (m::pg_catalog.text::pg_catalog.jsonb) - 'coefficients' - 'se' - 'items' - 'item_effects' - 'item_se' - 'version'
$$;

COMMENT ON FUNCTION @extschema@.reward_info(@extschema@.reward_model) IS
'fit diagnostics of a reward model: objective, optimiser, passes, iterations, convergence, gradient norm, log-likelihood, d, n, gamma with SE, standardisation';
