-- 22_bt_bootstrap.sql: bootstrap intervals for Bradley-Terry scores
-- (doc/uncertainty.md).  New in 0.2.0: prefcal--0.1.0--0.2.0.sql creates
-- the same objects (test/t/096_upgrade.t checks that the two agree).

-- @upgrade bt_bootstrap {
CREATE TYPE @extschema@.bt_bootstrap_state;

CREATE FUNCTION @extschema@.bt_bootstrap_state_in(cstring)
RETURNS @extschema@.bt_bootstrap_state
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_bootstrap_state_out(@extschema@.bt_bootstrap_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_bootstrap_state_recv(internal)
RETURNS @extschema@.bt_bootstrap_state
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_bootstrap_state_send(@extschema@.bt_bootstrap_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.bt_bootstrap_state (
	INPUT = @extschema@.bt_bootstrap_state_in,
	OUTPUT = @extschema@.bt_bootstrap_state_out,
	RECEIVE = @extschema@.bt_bootstrap_state_recv,
	SEND = @extschema@.bt_bootstrap_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.bt_bootstrap_state IS
'mergeable Poisson-bootstrap Bradley-Terry summary: per ordered pair, the weighted counts of the rows and of every replicate';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_in(cstring) IS
'text input of bt_bootstrap_state (validated)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_out(@extschema@.bt_bootstrap_state) IS
'text output of bt_bootstrap_state (JSON, exact, shortest round-trip floats)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_recv(internal) IS
'binary input of bt_bootstrap_state (validated)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_send(@extschema@.bt_bootstrap_state) IS
'binary output of bt_bootstrap_state';

CREATE FUNCTION @extschema@.bt_bootstrap_state_combine(@extschema@.bt_bootstrap_state, @extschema@.bt_bootstrap_state)
RETURNS @extschema@.bt_bootstrap_state
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_combine(@extschema@.bt_bootstrap_state, @extschema@.bt_bootstrap_state) IS
'combine function of bt_bootstrap and transition of bt_bootstrap_merge (aggregate support)';

CREATE FUNCTION @extschema@.bt_bootstrap_final(@extschema@.bt_bootstrap_state)
RETURNS @extschema@.bt_bootstrap_state
AS 'MODULE_PATHNAME', 'bt_bootstrap_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_bootstrap_final(@extschema@.bt_bootstrap_state) IS
'final function of bt_bootstrap and bt_bootstrap_merge: the stored form, items and pairs in canonical order (aggregate support)';

CREATE FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text)
RETURNS @extschema@.bt_bootstrap_state AS 'MODULE_PATHNAME', 'bt_bootstrap_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text, integer)
RETURNS @extschema@.bt_bootstrap_state AS 'MODULE_PATHNAME', 'bt_bootstrap_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text, integer, bigint)
RETURNS @extschema@.bt_bootstrap_state AS 'MODULE_PATHNAME', 'bt_bootstrap_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text) IS 'transition of bt_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text, integer) IS 'transition of bt_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text, integer, bigint) IS 'transition of bt_bootstrap (aggregate support)';

CREATE AGGREGATE @extschema@.bt_bootstrap(first_item text, second_item text, outcome float8, weight float8, cluster text) (
	SFUNC = @extschema@.bt_bootstrap_trans, STYPE = @extschema@.bt_bootstrap_state,
	FINALFUNC = @extschema@.bt_bootstrap_final,
	COMBINEFUNC = @extschema@.bt_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.bt_bootstrap(first_item text, second_item text, outcome float8, weight float8, cluster text, replicates integer) (
	SFUNC = @extschema@.bt_bootstrap_trans, STYPE = @extschema@.bt_bootstrap_state,
	FINALFUNC = @extschema@.bt_bootstrap_final,
	COMBINEFUNC = @extschema@.bt_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.bt_bootstrap(first_item text, second_item text, outcome float8, weight float8, cluster text, replicates integer, seed bigint) (
	SFUNC = @extschema@.bt_bootstrap_trans, STYPE = @extschema@.bt_bootstrap_state,
	FINALFUNC = @extschema@.bt_bootstrap_final,
	COMBINEFUNC = @extschema@.bt_bootstrap_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bt_bootstrap(text, text, float8, float8, text) IS
'Bradley-Terry pair counts plus 200 Poisson-bootstrap replicates resampling the clusters named by cluster (seed 0)';
COMMENT ON AGGREGATE @extschema@.bt_bootstrap(text, text, float8, float8, text, integer) IS
'Bradley-Terry pair counts plus the given number of cluster-bootstrap replicates (seed 0)';
COMMENT ON AGGREGATE @extschema@.bt_bootstrap(text, text, float8, float8, text, integer, bigint) IS
'Bradley-Terry pair counts plus cluster-bootstrap replicates drawn with the given seed (the weights of calibration_bootstrap)';

CREATE AGGREGATE @extschema@.bt_bootstrap_merge(@extschema@.bt_bootstrap_state) (
	SFUNC = @extschema@.bt_bootstrap_state_combine, STYPE = @extschema@.bt_bootstrap_state,
	FINALFUNC = @extschema@.bt_bootstrap_final,
	COMBINEFUNC = @extschema@.bt_bootstrap_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bt_bootstrap_merge(@extschema@.bt_bootstrap_state) IS
'merge Bradley-Terry bootstrap states of disjoint rows made with the same replicates and seed';

-- the readers fit every replicate with bt_fit's solver (whose last bits
-- follow prefcal.simd), hence STABLE; bt_fit's options, same defaults
CREATE FUNCTION @extschema@.bt_replicates(
	s @extschema@.bt_bootstrap_state,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9)
RETURNS TABLE (replicate integer, item text, score float8)
AS 'MODULE_PATHNAME', 'bt_replicates'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_replicates(@extschema@.bt_bootstrap_state, text, float8, text, boolean, text, text, float8, int, float8) IS
'every item''s score in the fit of all the rows (replicate 0) and of each bootstrap replicate (NULL where the replicate''s fit failed)';

CREATE FUNCTION @extschema@.bt_ci(
	s @extschema@.bt_bootstrap_state,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9,
	level float8 DEFAULT 0.95)
RETURNS TABLE (item text, estimate float8, lower float8, upper float8, se float8)
AS 'MODULE_PATHNAME', 'bt_ci'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_ci(@extschema@.bt_bootstrap_state, text, float8, text, boolean, text, text, float8, int, float8, float8) IS
'per item: the Bradley-Terry score of all the rows, the percentile bootstrap interval at the level and the bootstrap standard error, over the replicates whose fit did not fail';

CREATE FUNCTION @extschema@.bt_ci_predict(
	s @extschema@.bt_bootstrap_state,
	first_item text,
	second_item text,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9,
	level float8 DEFAULT 0.95,
	OUT estimate float8, OUT lower float8, OUT upper float8, OUT se float8)
RETURNS record
AS 'MODULE_PATHNAME', 'bt_ci_predict'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_ci_predict(@extschema@.bt_bootstrap_state, text, text, text, float8, text, boolean, text, text, float8, int, float8, float8) IS
'P(first_item beats second_item) as bt_predict gives it, with its percentile bootstrap interval and standard error';

CREATE FUNCTION @extschema@.bt_ci_summary(
	s @extschema@.bt_bootstrap_state,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9,
	level float8 DEFAULT 0.95)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'bt_ci_summary'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_ci_summary(@extschema@.bt_bootstrap_state, text, float8, text, boolean, text, text, float8, int, float8, float8) IS
'the bootstrap''s replicates, the share whose fit failed or did not converge, and the intervals of the position effect and the tie parameter';
-- @upgrade }
