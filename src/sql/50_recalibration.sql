-- src/sql/50_recalibration.sql: temperature scaling and Platt scaling
-- (doc/recalibration.md).  The aggregates collect a concrete, mergeable
-- point list (recal_points); the fit is stored as a recalibrator and
-- applied by recalibrate().

CREATE TYPE @extschema@.recal_points;

CREATE FUNCTION @extschema@.recal_points_in(cstring)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_out(@extschema@.recal_points)
RETURNS cstring
AS 'MODULE_PATHNAME', 'recal_points_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_recv(internal)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_send(@extschema@.recal_points)
RETURNS bytea
AS 'MODULE_PATHNAME', 'recal_points_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.recal_points (
	INPUT = @extschema@.recal_points_in,
	OUTPUT = @extschema@.recal_points_out,
	RECEIVE = @extschema@.recal_points_recv,
	SEND = @extschema@.recal_points_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.recal_points IS
'mergeable recalibration state: one (input, weight, weighted target) point per distinct input value; text form "v1 p|s rows=N [x w wy; ...]"';

CREATE TYPE @extschema@.recalibrator;

CREATE FUNCTION @extschema@.recalibrator_in(cstring)
RETURNS @extschema@.recalibrator
AS 'MODULE_PATHNAME', 'recalibrator_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recalibrator_out(@extschema@.recalibrator)
RETURNS cstring
AS 'MODULE_PATHNAME', 'recalibrator_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recalibrator_recv(internal)
RETURNS @extschema@.recalibrator
AS 'MODULE_PATHNAME', 'recalibrator_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.recalibrator_send(@extschema@.recalibrator)
RETURNS bytea
AS 'MODULE_PATHNAME', 'recalibrator_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.recalibrator (
	INPUT = @extschema@.recalibrator_in,
	OUTPUT = @extschema@.recalibrator_out,
	RECEIVE = @extschema@.recalibrator_recv,
	SEND = @extschema@.recalibrator_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = plain
);

COMMENT ON TYPE @extschema@.recalibrator IS
'a fitted recalibration map (temperature or Platt scaling) with its fit diagnostics; versioned text form';

-- transition, combine and final functions

CREATE FUNCTION @extschema@.recal_points_trans_p(@extschema@.recal_points, float8, boolean)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_trans_p_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_trans_p(@extschema@.recal_points, float8, float8)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_trans_p_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_trans_p(@extschema@.recal_points, float8, boolean, float8)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_trans_p_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_trans_p(@extschema@.recal_points, float8, float8, float8)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_trans_p_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_trans_s(@extschema@.recal_points, float8, boolean)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_trans_s_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_trans_s(@extschema@.recal_points, float8, float8)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_trans_s_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_trans_s(@extschema@.recal_points, float8, boolean, float8)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_trans_s_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_trans_s(@extschema@.recal_points, float8, float8, float8)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_trans_s_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_combine(@extschema@.recal_points, @extschema@.recal_points)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_points_final(@extschema@.recal_points)
RETURNS @extschema@.recal_points
AS 'MODULE_PATHNAME', 'recal_points_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_temperature_final(@extschema@.recal_points)
RETURNS @extschema@.recalibrator
AS 'MODULE_PATHNAME', 'recal_temperature_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.recal_platt_final(@extschema@.recal_points)
RETURNS @extschema@.recalibrator
AS 'MODULE_PATHNAME', 'recal_platt_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- aggregates

CREATE AGGREGATE @extschema@.recal_points(probability float8, outcome boolean) (
	SFUNC = @extschema@.recal_points_trans_p,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_points_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_points(float8, boolean) IS
'recalibration state over (probability, outcome [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_points(probability float8, outcome boolean, weight float8) (
	SFUNC = @extschema@.recal_points_trans_p,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_points_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_points(float8, boolean, float8) IS
'recalibration state over (probability, outcome [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.recal_points(probability float8, outcome float8) (
	SFUNC = @extschema@.recal_points_trans_p,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_points_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_points(float8, float8) IS
'recalibration state over (probability, outcome [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_points(probability float8, outcome float8, weight float8) (
	SFUNC = @extschema@.recal_points_trans_p,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_points_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_points(float8, float8, float8) IS
'recalibration state over (probability, outcome [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.recal_score_points(score float8, outcome boolean) (
	SFUNC = @extschema@.recal_points_trans_s,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_points_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_points(float8, boolean) IS
'recalibration state over (score, outcome [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_score_points(score float8, outcome boolean, weight float8) (
	SFUNC = @extschema@.recal_points_trans_s,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_points_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_points(float8, boolean, float8) IS
'recalibration state over (score, outcome [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.recal_score_points(score float8, outcome float8) (
	SFUNC = @extschema@.recal_points_trans_s,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_points_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_points(float8, float8) IS
'recalibration state over (score, outcome [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_score_points(score float8, outcome float8, weight float8) (
	SFUNC = @extschema@.recal_points_trans_s,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_points_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_points(float8, float8, float8) IS
'recalibration state over (score, outcome [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.temperature_scaling(probability float8, outcome boolean) (
	SFUNC = @extschema@.recal_points_trans_p,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_temperature_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, boolean) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0';

CREATE AGGREGATE @extschema@.temperature_scaling(probability float8, outcome boolean, weight float8) (
	SFUNC = @extschema@.recal_points_trans_p,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_temperature_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, boolean, float8) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0; rows weighted';

CREATE AGGREGATE @extschema@.temperature_scaling(probability float8, outcome float8) (
	SFUNC = @extschema@.recal_points_trans_p,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_temperature_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, float8) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0';

CREATE AGGREGATE @extschema@.temperature_scaling(probability float8, outcome float8, weight float8) (
	SFUNC = @extschema@.recal_points_trans_p,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_temperature_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, float8, float8) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0; rows weighted';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, outcome boolean) (
	SFUNC = @extschema@.recal_points_trans_s,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_platt_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, boolean) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b)';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, outcome boolean, weight float8) (
	SFUNC = @extschema@.recal_points_trans_s,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_platt_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, boolean, float8) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b); rows weighted';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, outcome float8) (
	SFUNC = @extschema@.recal_points_trans_s,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_platt_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, float8) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b)';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, outcome float8, weight float8) (
	SFUNC = @extschema@.recal_points_trans_s,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_platt_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, float8, float8) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b); rows weighted';

CREATE AGGREGATE @extschema@.recal_points_merge(@extschema@.recal_points) (
	SFUNC = @extschema@.recal_points_combine,
	STYPE = @extschema@.recal_points,
	COMBINEFUNC = @extschema@.recal_points_combine,
	FINALFUNC = @extschema@.recal_points_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_points_merge(@extschema@.recal_points) IS
'union of stored recalibration states (of the same input kind)';

-- fitting, applying, inspecting

CREATE FUNCTION @extschema@.recal_fit(state @extschema@.recal_points,
	method text DEFAULT 'temperature',
	smoothing boolean DEFAULT false,
	max_iter integer DEFAULT 100,
	tol float8 DEFAULT 1e-20)
RETURNS @extschema@.recalibrator
AS 'MODULE_PATHNAME', 'recal_fit'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_fit(@extschema@.recal_points, text, boolean, integer, float8) IS
'fit temperature (method => ''temperature'') or Platt (''platt'', smoothing => Platt''s smoothed targets) scaling by Newton''s method on the mean log loss; stops when the squared Newton decrement relative to the loss is at most tol';

CREATE FUNCTION @extschema@.recalibrate(r @extschema@.recalibrator, x float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'recalibrate'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recalibrate(@extschema@.recalibrator, float8) IS
'recalibrated probability of x (a probability, or a score for a score recalibrator)';

CREATE FUNCTION @extschema@.recal_info(r @extschema@.recalibrator)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'recal_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_info(@extschema@.recalibrator) IS
'method, parameters (temperature, or a and b), rows, weight, log loss before and after, iterations and final squared Newton decrement relative to the loss';

CREATE FUNCTION @extschema@.recal_points_info(state @extschema@.recal_points)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'recal_points_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_points_info(@extschema@.recal_points) IS
'input kind, rows folded in, distinct points, total weight and weighted target of a recalibration state';
