-- src/sql/50_recalibration.sql: temperature scaling and Platt scaling
-- (doc/recalibration.md).  The aggregates collect a concrete, mergeable
-- point list (recal_state); the fit is stored as a recalibrator and
-- applied by recalibrate().

CREATE TYPE @extschema@.recal_state;

CREATE FUNCTION @extschema@.recal_state_in(cstring)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_state_out(@extschema@.recal_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'recal_points_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_state_recv(internal)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_state_send(@extschema@.recal_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'recal_points_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.recal_state (
	INPUT = @extschema@.recal_state_in,
	OUTPUT = @extschema@.recal_state_out,
	RECEIVE = @extschema@.recal_state_recv,
	SEND = @extschema@.recal_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.recal_state IS
'mergeable recalibration state: one (input, weight, weighted target) point per distinct input value; text form "v1 p|s rows=N [x w wy; ...]"';

CREATE TYPE @extschema@.recal_model;

CREATE FUNCTION @extschema@.recal_model_in(cstring)
RETURNS @extschema@.recal_model
AS 'MODULE_PATHNAME', 'recalibrator_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_model_out(@extschema@.recal_model)
RETURNS cstring
AS 'MODULE_PATHNAME', 'recalibrator_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_model_recv(internal)
RETURNS @extschema@.recal_model
AS 'MODULE_PATHNAME', 'recalibrator_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_model_send(@extschema@.recal_model)
RETURNS bytea
AS 'MODULE_PATHNAME', 'recalibrator_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.recal_model (
	INPUT = @extschema@.recal_model_in,
	OUTPUT = @extschema@.recal_model_out,
	RECEIVE = @extschema@.recal_model_recv,
	SEND = @extschema@.recal_model_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = plain
);

COMMENT ON TYPE @extschema@.recal_model IS
'a fitted recalibration map (temperature or Platt scaling) with its fit diagnostics; versioned text form';

-- transition, combine and final functions

CREATE FUNCTION @extschema@.recal_state_agg_trans(@extschema@.recal_state, float8, boolean)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_trans_p_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_state_agg_trans(@extschema@.recal_state, float8, float8)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_trans_p_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_state_agg_trans(@extschema@.recal_state, float8, boolean, float8)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_trans_p_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_state_agg_trans(@extschema@.recal_state, float8, float8, float8)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_trans_p_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_score_state_agg_trans(@extschema@.recal_state, float8, boolean)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_trans_s_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_score_state_agg_trans(@extschema@.recal_state, float8, float8)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_trans_s_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_score_state_agg_trans(@extschema@.recal_state, float8, boolean, float8)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_trans_s_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_score_state_agg_trans(@extschema@.recal_state, float8, float8, float8)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_trans_s_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_state_combine(@extschema@.recal_state, @extschema@.recal_state)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_state_agg_final(@extschema@.recal_state)
RETURNS @extschema@.recal_state
AS 'MODULE_PATHNAME', 'recal_points_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.temperature_scaling_final(@extschema@.recal_state)
RETURNS @extschema@.recal_model
AS 'MODULE_PATHNAME', 'recal_temperature_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.platt_scaling_final(@extschema@.recal_state)
RETURNS @extschema@.recal_model
AS 'MODULE_PATHNAME', 'recal_platt_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- @upgrade recal_state_agg {
-- aggregates

CREATE AGGREGATE @extschema@.recal_state_agg(p float8, y boolean) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_state_agg(float8, boolean) IS
'recalibration state over (p, y [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_state_agg(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_state_agg(float8, boolean, float8) IS
'recalibration state over (p, y [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.recal_state_agg(p float8, y float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_state_agg(float8, float8) IS
'recalibration state over (p, y [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_state_agg(p float8, y float8, weight float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_state_agg(float8, float8, float8) IS
'recalibration state over (p, y [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.recal_score_state_agg(score float8, y boolean) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_state_agg(float8, boolean) IS
'recalibration state over (score, y [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_score_state_agg(score float8, y boolean, weight float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_state_agg(float8, boolean, float8) IS
'recalibration state over (score, y [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.recal_score_state_agg(score float8, y float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_state_agg(float8, float8) IS
'recalibration state over (score, y [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_score_state_agg(score float8, y float8, weight float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_state_agg(float8, float8, float8) IS
'recalibration state over (score, y [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.temperature_scaling(p float8, y boolean) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.temperature_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, boolean) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0';

CREATE AGGREGATE @extschema@.temperature_scaling(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.temperature_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, boolean, float8) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0; rows weighted';

CREATE AGGREGATE @extschema@.temperature_scaling(p float8, y float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.temperature_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, float8) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0';

CREATE AGGREGATE @extschema@.temperature_scaling(p float8, y float8, weight float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.temperature_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, float8, float8) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0; rows weighted';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, y boolean) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.platt_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, boolean) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b)';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, y boolean, weight float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.platt_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, boolean, float8) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b); rows weighted';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, y float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.platt_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, float8) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b)';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, y float8, weight float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.platt_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, float8, float8) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b); rows weighted';
-- @upgrade }

CREATE AGGREGATE @extschema@.recal_state_merge(@extschema@.recal_state) (
	SFUNC = @extschema@.recal_state_combine,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_state_merge(@extschema@.recal_state) IS
'union of stored recalibration states (of the same input kind)';

-- @upgrade recal_fit {
-- fitting, applying, inspecting

CREATE FUNCTION @extschema@.recal_fit(s @extschema@.recal_state,
	method text DEFAULT 'temperature',
	smoothing boolean DEFAULT false,
	max_iter integer DEFAULT 100,
	decrement_tol float8 DEFAULT 1e-20)
RETURNS @extschema@.recal_model
AS 'MODULE_PATHNAME', 'recal_fit'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_fit(@extschema@.recal_state, text, boolean, integer, float8) IS
'fit temperature (method => ''temperature'') or Platt (''platt'', smoothing => Platt''s smoothed targets) scaling by Newton''s method on the mean log loss; stops when the squared Newton decrement relative to the loss is at most decrement_tol';

CREATE FUNCTION @extschema@.recalibrate(m @extschema@.recal_model, x float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'recalibrate'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recalibrate(@extschema@.recal_model, float8) IS
'recalibrated probability of x (a probability, or a score for a score recalibrator)';

CREATE FUNCTION @extschema@.recal_info(m @extschema@.recal_model)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'recal_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_info(@extschema@.recal_model) IS
'method, parameters (temperature, or a and b), rows, weight, log loss before and after, iterations and final squared Newton decrement relative to the loss';

CREATE FUNCTION @extschema@.recal_state_info(s @extschema@.recal_state)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'recal_points_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_state_info(@extschema@.recal_state) IS
'input kind, rows folded in, distinct points, total weight and weighted target of a recalibration state';
-- @upgrade }
