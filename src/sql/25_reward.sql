-- @upgrade reward_pass_state {
-- src/sql/25_reward.sql: reward models on features: the pass aggregate,
-- fitting, and fitted models (doc/reward-models.md).

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
LANGUAGE C IMMUTABLE PARALLEL SAFE;

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
'one pass of a reward model at params for an objective (log_loss, log_loss+brier, hinge, hinge+brier), with the Hessian when asked';

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
-- @upgrade }

-- @upgrade reward_predict_se {
CREATE FUNCTION @extschema@.reward_predict_se(m @extschema@.reward_model, first_features float8[], second_features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'reward_predict_se'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_predict_se(@extschema@.reward_model, float8[], float8[]) IS
'delta-method standard error of reward_predict from the coefficients'' covariance (inverse Hessian or cluster-robust); NULL when the model stores none';
-- @upgrade }

-- @upgrade reward_coefficients {
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
SELECT (m::pg_catalog.text::pg_catalog.jsonb) - 'coefficients' - 'se' - 'items' - 'item_effects' - 'item_se' - 'covariance' - 'version'
$$;

COMMENT ON FUNCTION @extschema@.reward_info(@extschema@.reward_model) IS
'fit diagnostics of a reward model: objective, optimiser, passes, iterations, convergence, gradient norm, log-likelihood, d, n, gamma with SE, how the SEs were computed (or why not), clusters, standardisation';
-- @upgrade }
