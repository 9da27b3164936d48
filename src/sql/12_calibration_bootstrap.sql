-- 12_calibration_bootstrap.sql: bootstrap intervals for calibration measures
-- in one scan (doc/uncertainty.md).  New in 0.2.0: the block marked below is
-- copied into prefcal--0.1.0--0.2.0.sql at build time.

-- @upgrade bootstrap {
CREATE TYPE @extschema@.calibration_bootstrap_state;

CREATE FUNCTION @extschema@.calibration_bootstrap_state_in(cstring)
RETURNS @extschema@.calibration_bootstrap_state
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.calibration_bootstrap_state_out(@extschema@.calibration_bootstrap_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.calibration_bootstrap_state_recv(internal)
RETURNS @extschema@.calibration_bootstrap_state
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.calibration_bootstrap_state_send(@extschema@.calibration_bootstrap_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.calibration_bootstrap_state (
	INPUT = @extschema@.calibration_bootstrap_state_in,
	OUTPUT = @extschema@.calibration_bootstrap_state_out,
	RECEIVE = @extschema@.calibration_bootstrap_state_recv,
	SEND = @extschema@.calibration_bootstrap_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.calibration_bootstrap_state IS
'mergeable Poisson-bootstrap calibration summary: the calibration state of the rows plus, per bin and replicate, the replicate-weighted sums';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_in(cstring) IS
'text input of calibration_bootstrap_state (validated)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_out(@extschema@.calibration_bootstrap_state) IS
'text output of calibration_bootstrap_state (JSON, exact, shortest round-trip floats)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_recv(internal) IS
'binary input of calibration_bootstrap_state (validated)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_send(@extschema@.calibration_bootstrap_state) IS
'binary output of calibration_bootstrap_state';

CREATE FUNCTION @extschema@.calibration_bootstrap_state_combine(@extschema@.calibration_bootstrap_state, @extschema@.calibration_bootstrap_state)
RETURNS @extschema@.calibration_bootstrap_state
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_combine(@extschema@.calibration_bootstrap_state, @extschema@.calibration_bootstrap_state) IS
'combine function of calibration_bootstrap and transition of calibration_bootstrap_state_merge (aggregate support)';

CREATE FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer, bigint)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer, bigint)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer, bigint, float8)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer, bigint, float8)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text) IS 'transition of calibration_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text) IS 'transition of calibration_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer) IS 'transition of calibration_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer) IS 'transition of calibration_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer, bigint) IS 'transition of calibration_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer, bigint) IS 'transition of calibration_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer, bigint, float8) IS 'transition of calibration_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer, bigint, float8) IS 'transition of calibration_bootstrap (aggregate support)';

CREATE AGGREGATE @extschema@.calibration_bootstrap(p float8, y boolean, nbins integer, cluster text) (
	SFUNC = @extschema@.calibration_bootstrap_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap(p float8, y float8, nbins integer, cluster text) (
	SFUNC = @extschema@.calibration_bootstrap_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap(p float8, y boolean, nbins integer, cluster text, replicates integer) (
	SFUNC = @extschema@.calibration_bootstrap_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap(p float8, y float8, nbins integer, cluster text, replicates integer) (
	SFUNC = @extschema@.calibration_bootstrap_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap(p float8, y boolean, nbins integer, cluster text, replicates integer, seed bigint) (
	SFUNC = @extschema@.calibration_bootstrap_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap(p float8, y float8, nbins integer, cluster text, replicates integer, seed bigint) (
	SFUNC = @extschema@.calibration_bootstrap_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap(p float8, y boolean, nbins integer, cluster text, replicates integer, seed bigint, weight float8) (
	SFUNC = @extschema@.calibration_bootstrap_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap(p float8, y float8, nbins integer, cluster text, replicates integer, seed bigint, weight float8) (
	SFUNC = @extschema@.calibration_bootstrap_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.calibration_bootstrap(float8, boolean, integer, text) IS
'calibration state of (p, y) with nbins bins plus 200 Poisson-bootstrap replicates resampling the clusters named by cluster (seed 0)';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap(float8, float8, integer, text) IS
'calibration state of (p, soft target y) with nbins bins plus 200 cluster-bootstrap replicates (seed 0)';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap(float8, boolean, integer, text, integer) IS
'calibration state of (p, y) with nbins bins plus the given number of cluster-bootstrap replicates (seed 0)';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap(float8, float8, integer, text, integer) IS
'calibration state of (p, soft target y) with nbins bins plus the given number of cluster-bootstrap replicates (seed 0)';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap(float8, boolean, integer, text, integer, bigint) IS
'calibration state of (p, y) with nbins bins plus cluster-bootstrap replicates drawn with the given seed';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap(float8, float8, integer, text, integer, bigint) IS
'calibration state of (p, soft target y) with nbins bins plus cluster-bootstrap replicates drawn with the given seed';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap(float8, boolean, integer, text, integer, bigint, float8) IS
'weighted calibration state of (p, y) with nbins bins plus cluster-bootstrap replicates drawn with the given seed';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap(float8, float8, integer, text, integer, bigint, float8) IS
'weighted calibration state of (p, soft target y) with nbins bins plus cluster-bootstrap replicates drawn with the given seed';

CREATE AGGREGATE @extschema@.calibration_bootstrap_state_merge(@extschema@.calibration_bootstrap_state) (
	SFUNC = @extschema@.calibration_bootstrap_state_combine, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_merge(@extschema@.calibration_bootstrap_state) IS
'merge bootstrap states of disjoint rows made with the same nbins, replicates and seed';

-- the readers; smooth_ece's last bits follow prefcal.simd, hence STABLE
CREATE FUNCTION @extschema@.calibration_bootstrap_estimate(s @extschema@.calibration_bootstrap_state)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_estimate'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_estimate(@extschema@.calibration_bootstrap_state) IS
'the calibration state of all the rows (what calibration_state_agg gives for them)';

CREATE FUNCTION @extschema@.calibration_ci(s @extschema@.calibration_bootstrap_state, metric text,
	level float8 DEFAULT 0.95,
	OUT estimate float8, OUT lower float8, OUT upper float8, OUT se float8)
RETURNS record AS 'MODULE_PATHNAME', 'calibration_ci'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_ci(@extschema@.calibration_bootstrap_state, text, float8) IS
'estimate, percentile bootstrap interval at the level and bootstrap standard error of a metric (ece, mce, brier, log_loss, smooth_ece, reliability, resolution)';

CREATE FUNCTION @extschema@.calibration_ci_diff(a @extschema@.calibration_bootstrap_state,
	b @extschema@.calibration_bootstrap_state, metric text, level float8 DEFAULT 0.95,
	OUT estimate float8, OUT lower float8, OUT upper float8, OUT se float8)
RETURNS record AS 'MODULE_PATHNAME', 'calibration_ci_diff'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_ci_diff(@extschema@.calibration_bootstrap_state, @extschema@.calibration_bootstrap_state, text, float8) IS
'paired bootstrap interval of metric(a) - metric(b) for states of the same rows made with the same nbins, replicates, seed and cluster keys';

CREATE FUNCTION @extschema@.calibration_bootstrap_replicates(s @extschema@.calibration_bootstrap_state, metric text,
	OUT replicate integer, OUT value float8)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'calibration_replicates'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 200;
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_replicates(@extschema@.calibration_bootstrap_state, text) IS
'the metric of every bootstrap replicate (replicate 1-based; NULL for a replicate of total weight 0)';

CREATE FUNCTION @extschema@.bootstrap_weight(cluster text, replicate integer, seed bigint DEFAULT 0)
RETURNS integer AS 'MODULE_PATHNAME', 'bootstrap_weight'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bootstrap_weight(text, integer, bigint) IS
'the Poisson(1) weight of every row of a cluster key in a bootstrap replicate (1-based) under a seed, as calibration_bootstrap draws it';

CREATE FUNCTION @extschema@.calibration_svg(s @extschema@.calibration_bootstrap_state,
	title text DEFAULT NULL, level float8 DEFAULT 0.95)
RETURNS text AS 'MODULE_PATHNAME', 'calibration_svg_bootstrap'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_svg(@extschema@.calibration_bootstrap_state, text, float8) IS
'reliability diagram of the estimate with per-bin percentile bands of mean y over the bootstrap replicates and the ECE interval in the caption, as an SVG document';
-- @upgrade }
