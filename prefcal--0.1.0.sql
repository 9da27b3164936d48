-- prefcal--0.1.0.sql: generated from the fragments in src/sql/ by the Makefile; edit those.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION prefcal" to load this file. \quit

/*
 * Conventions for every fragment (see doc/internals.md):
 *  - plain CREATE only, never the replacing or the conditional forms
 *    (either would let a pre-existing object be captured);
 *  - every reference inside a SQL or PL/pgSQL body is schema-qualified
 *    (@extschema@ for ours, pg_catalog for core) and those functions carry
 *    SET search_path = pg_catalog, pg_temp;
 *  - volatility tells the truth: maths IMMUTABLE STRICT PARALLEL SAFE,
 *    readers of stored models STABLE, writers VOLATILE PARALLEL UNSAFE.
 */

CREATE FUNCTION @extschema@.prefcal_version()
RETURNS text
AS 'MODULE_PATHNAME', 'prefcal_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.prefcal_version() IS
'version of the loaded prefcal library';

CREATE FUNCTION @extschema@.prefcal_simd_level()
RETURNS text
AS 'MODULE_PATHNAME', 'prefcal_simd_level'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.prefcal_simd_level() IS
'kernel table in use: scalar, avx2, avx512 or neon (see the prefcal.simd setting)';
-- 10_calibration.sql: the calibration family (doc/calibration.md).
-- calibration_state type, its aggregates (calibration_agg, calibration_merge,
-- ece_agg, brier_score, log_loss) and accessors.

-- ---------- the state type ----------

CREATE TYPE @extschema@.calibration_state;

CREATE FUNCTION @extschema@.calibration_state_in(cstring)
RETURNS @extschema@.calibration_state
AS 'MODULE_PATHNAME', 'calibration_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.calibration_state_out(@extschema@.calibration_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'calibration_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.calibration_state_recv(internal)
RETURNS @extschema@.calibration_state
AS 'MODULE_PATHNAME', 'calibration_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.calibration_state_send(@extschema@.calibration_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'calibration_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.calibration_state (
	INPUT = @extschema@.calibration_state_in,
	OUTPUT = @extschema@.calibration_state_out,
	RECEIVE = @extschema@.calibration_state_recv,
	SEND = @extschema@.calibration_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.calibration_state IS
'mergeable calibration summary: per-bin sums of w, w*p, w*y, w*p^2, w*p*y, w*y^2 plus Brier and log-loss totals';
COMMENT ON FUNCTION @extschema@.calibration_state_in(cstring) IS
'text input of calibration_state (validated)';
COMMENT ON FUNCTION @extschema@.calibration_state_out(@extschema@.calibration_state) IS
'text output of calibration_state (exact, shortest round-trip floats)';
COMMENT ON FUNCTION @extschema@.calibration_state_recv(internal) IS
'binary input of calibration_state (validated)';
COMMENT ON FUNCTION @extschema@.calibration_state_send(@extschema@.calibration_state) IS
'binary output of calibration_state';

-- ---------- support functions (transition and combine) ----------

CREATE FUNCTION @extschema@.calibration_state_combine(@extschema@.calibration_state, @extschema@.calibration_state)
RETURNS @extschema@.calibration_state
AS 'MODULE_PATHNAME', 'calibration_state_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_state_combine(@extschema@.calibration_state, @extschema@.calibration_state) IS
'combine function of the calibration aggregates and transition of calibration_merge (aggregate support)';

CREATE FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, boolean)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, boolean, integer)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, float8, integer)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, boolean, integer, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, float8, integer, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8[], integer, integer)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_probs'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8, boolean)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'ece_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'ece_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8, boolean, integer)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'ece_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8, float8, integer)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'ece_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8[], integer, integer)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'ece_agg_trans_probs'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8, boolean)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'brier_score_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'brier_score_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8, boolean, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'brier_score_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8, float8, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'brier_score_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8[], integer)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'brier_score_trans_probs'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.log_loss_trans(@extschema@.calibration_state, float8, boolean)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'log_loss_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.log_loss_trans(@extschema@.calibration_state, float8, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'log_loss_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, boolean) IS 'transition of calibration_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, float8) IS 'transition of calibration_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, boolean, integer) IS 'transition of calibration_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, float8, integer) IS 'transition of calibration_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, boolean, integer, float8) IS 'transition of calibration_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, float8, integer, float8) IS 'transition of calibration_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8[], integer, integer) IS 'transition of calibration_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8, boolean) IS 'transition of ece_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8, float8) IS 'transition of ece_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8, boolean, integer) IS 'transition of ece_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8, float8, integer) IS 'transition of ece_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.ece_agg_trans(@extschema@.calibration_state, float8[], integer, integer) IS 'transition of ece_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8, boolean) IS 'transition of brier_score (aggregate support)';
COMMENT ON FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8, float8) IS 'transition of brier_score (aggregate support)';
COMMENT ON FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8, boolean, float8) IS 'transition of brier_score (aggregate support)';
COMMENT ON FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8, float8, float8) IS 'transition of brier_score (aggregate support)';
COMMENT ON FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8[], integer) IS 'transition of brier_score (aggregate support)';
COMMENT ON FUNCTION @extschema@.log_loss_trans(@extschema@.calibration_state, float8, boolean) IS 'transition of log_loss (aggregate support)';
COMMENT ON FUNCTION @extschema@.log_loss_trans(@extschema@.calibration_state, float8, float8) IS 'transition of log_loss (aggregate support)';

-- ---------- accessors (also the final functions) ----------

CREATE FUNCTION @extschema@.calibration_ece(@extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_ece'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_ece(@extschema@.calibration_state) IS
'expected calibration error: sum over non-empty bins of (n_b/N)|mean y - mean p|';

CREATE FUNCTION @extschema@.calibration_mce(@extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_mce'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_mce(@extschema@.calibration_state) IS
'maximum calibration error: max over non-empty bins of |mean y - mean p|';

CREATE FUNCTION @extschema@.calibration_rmsce(@extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_rmsce'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_rmsce(@extschema@.calibration_state) IS
'RMS calibration error: sqrt of sum over bins of (n_b/N)(mean y - mean p)^2';

CREATE FUNCTION @extschema@.calibration_brier(@extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_brier'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_brier(@extschema@.calibration_state) IS
'weighted mean Brier score of the rows summarised by the state';

CREATE FUNCTION @extschema@.calibration_logloss(@extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_logloss'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_logloss(@extschema@.calibration_state) IS
'weighted mean log loss (natural log) of the rows summarised by the state';

CREATE FUNCTION @extschema@.calibration_n(@extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_n'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_n(@extschema@.calibration_state) IS
'total weight (row count when unweighted) of the state';

CREATE FUNCTION @extschema@.calibration_decomposition(s @extschema@.calibration_state,
	OUT brier float8, OUT reliability float8, OUT resolution float8,
	OUT uncertainty float8, OUT within_bin_variance float8,
	OUT within_bin_covariance float8)
RETURNS record AS 'MODULE_PATHNAME', 'calibration_decomposition'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_decomposition(@extschema@.calibration_state) IS
'Murphy decomposition of the Brier score with within-bin terms: brier = reliability - resolution + uncertainty + within_bin_variance - within_bin_covariance';

CREATE FUNCTION @extschema@.calibration_bins(s @extschema@.calibration_state,
	OUT bin integer, OUT lower float8, OUT upper float8, OUT n float8,
	OUT mean_p float8, OUT mean_y float8, OUT gap float8)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'calibration_bins'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 15;
COMMENT ON FUNCTION @extschema@.calibration_bins(@extschema@.calibration_state) IS
'reliability table: one row per non-empty bin (bin 1-based, bounds (lower, upper], weight, mean p, mean y, gap = mean_y - mean_p)';

CREATE FUNCTION @extschema@.calibration_svg(s @extschema@.calibration_state, title text DEFAULT NULL)
RETURNS text AS 'MODULE_PATHNAME', 'calibration_svg'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_svg(@extschema@.calibration_state, text) IS
'reliability diagram of the state as an SVG document';

-- ---------- aggregates ----------

CREATE AGGREGATE @extschema@.calibration_agg(p float8, y boolean) (
	SFUNC = @extschema@.calibration_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_agg(p float8, y float8) (
	SFUNC = @extschema@.calibration_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_agg(p float8, y boolean, nbins integer) (
	SFUNC = @extschema@.calibration_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_agg(p float8, y float8, nbins integer) (
	SFUNC = @extschema@.calibration_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_agg(p float8, y boolean, nbins integer, weight float8) (
	SFUNC = @extschema@.calibration_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_agg(p float8, y float8, nbins integer, weight float8) (
	SFUNC = @extschema@.calibration_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_agg(probs float8[], label integer, nbins integer) (
	SFUNC = @extschema@.calibration_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.calibration_agg(float8, boolean) IS
'calibration state of (p, y) with 15 equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.calibration_agg(float8, float8) IS
'calibration state of (p, soft target y in [0,1]) with 15 equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.calibration_agg(float8, boolean, integer) IS
'calibration state of (p, y) with nbins equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.calibration_agg(float8, float8, integer) IS
'calibration state of (p, soft target y) with nbins equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.calibration_agg(float8, boolean, integer, float8) IS
'weighted calibration state of (p, y) with nbins bins';
COMMENT ON AGGREGATE @extschema@.calibration_agg(float8, float8, integer, float8) IS
'weighted calibration state of (p, soft target y) with nbins bins';
COMMENT ON AGGREGATE @extschema@.calibration_agg(float8[], integer, integer) IS
'top-label calibration state of K-class probability vectors (confidence = max prob, correct = argmax = label, label 0-based)';

CREATE AGGREGATE @extschema@.calibration_merge(calibration_state) (
	SFUNC = @extschema@.calibration_state_combine, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.calibration_merge(@extschema@.calibration_state) IS
'merge stored calibration states: the state of the union of their rows';

CREATE AGGREGATE @extschema@.brier_score(p float8, y boolean) (
	SFUNC = @extschema@.brier_score_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_brier,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.brier_score(p float8, y float8) (
	SFUNC = @extschema@.brier_score_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_brier,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.brier_score(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.brier_score_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_brier,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.brier_score(p float8, y float8, weight float8) (
	SFUNC = @extschema@.brier_score_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_brier,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.brier_score(probs float8[], label integer) (
	SFUNC = @extschema@.brier_score_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_brier,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.brier_score(float8, boolean) IS
'Brier score: mean of (p - y)^2';
COMMENT ON AGGREGATE @extschema@.brier_score(float8, float8) IS
'Brier score against soft targets y in [0,1]: mean of (p - y)^2';
COMMENT ON AGGREGATE @extschema@.brier_score(float8, boolean, float8) IS
'weighted Brier score: sum w (p - y)^2 / sum w';
COMMENT ON AGGREGATE @extschema@.brier_score(float8, float8, float8) IS
'weighted Brier score against soft targets: sum w (p - y)^2 / sum w';
COMMENT ON AGGREGATE @extschema@.brier_score(float8[], integer) IS
'K-class Brier score: mean over rows of sum over classes (p_k - [k = label])^2, label 0-based';

CREATE AGGREGATE @extschema@.ece_agg(p float8, y boolean, nbins integer) (
	SFUNC = @extschema@.ece_agg_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_ece,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ece_agg(p float8, y boolean) (
	SFUNC = @extschema@.ece_agg_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_ece,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ece_agg(p float8, y float8, nbins integer) (
	SFUNC = @extschema@.ece_agg_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_ece,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ece_agg(p float8, y float8) (
	SFUNC = @extschema@.ece_agg_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_ece,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ece_agg(probs float8[], label integer, nbins integer) (
	SFUNC = @extschema@.ece_agg_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_ece,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.ece_agg(float8, boolean, integer) IS
'expected calibration error with nbins equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.ece_agg(float8, boolean) IS
'expected calibration error with 15 equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.ece_agg(float8, float8, integer) IS
'expected calibration error against soft targets with nbins bins';
COMMENT ON AGGREGATE @extschema@.ece_agg(float8, float8) IS
'expected calibration error against soft targets with 15 bins';
COMMENT ON AGGREGATE @extschema@.ece_agg(float8[], integer, integer) IS
'top-label expected calibration error of K-class probability vectors (label 0-based)';

CREATE AGGREGATE @extschema@.log_loss(p float8, y boolean) (
	SFUNC = @extschema@.log_loss_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_logloss,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.log_loss(p float8, y float8) (
	SFUNC = @extschema@.log_loss_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_logloss,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.log_loss(float8, boolean) IS
'mean log loss (natural log), exact: +Infinity for a certain wrong prediction';
COMMENT ON AGGREGATE @extschema@.log_loss(float8, float8) IS
'mean log loss (natural log) against soft targets, 0*log 0 = 0';
-- src/sql/20_bradley_terry.sql: Bradley-Terry pair counts, fitting and
-- fitted models (doc/bradley-terry.md).

-- bt_counts: a mergeable state of weighted pair counts

CREATE TYPE @extschema@.bt_counts;

CREATE FUNCTION @extschema@.bt_counts_in(cstring)
RETURNS @extschema@.bt_counts
AS 'MODULE_PATHNAME', 'bt_counts_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_counts_out(@extschema@.bt_counts)
RETURNS cstring
AS 'MODULE_PATHNAME', 'bt_counts_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_counts_recv(internal)
RETURNS @extschema@.bt_counts
AS 'MODULE_PATHNAME', 'bt_counts_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_counts_send(@extschema@.bt_counts)
RETURNS bytea
AS 'MODULE_PATHNAME', 'bt_counts_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.bt_counts (
	INPUT = @extschema@.bt_counts_in,
	OUTPUT = @extschema@.bt_counts_out,
	RECEIVE = @extschema@.bt_counts_recv,
	SEND = @extschema@.bt_counts_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.bt_counts IS
'weighted pair counts of pairwise comparisons (first-wins, second-wins, ties per ordered pair), mergeable';

CREATE FUNCTION @extschema@.bt_counts_trans(@extschema@.bt_counts, text, text, float8, float8)
RETURNS @extschema@.bt_counts
AS 'MODULE_PATHNAME', 'bt_counts_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_counts_trans(@extschema@.bt_counts, bigint, bigint, float8, float8)
RETURNS @extschema@.bt_counts
AS 'MODULE_PATHNAME', 'bt_counts_trans_int8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_counts_trans(@extschema@.bt_counts, text, text)
RETURNS @extschema@.bt_counts
AS 'MODULE_PATHNAME', 'bt_counts_trans_wl'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_counts_trans(@extschema@.bt_counts, bigint, bigint)
RETURNS @extschema@.bt_counts
AS 'MODULE_PATHNAME', 'bt_counts_trans_wl_int8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_counts_combine(@extschema@.bt_counts, @extschema@.bt_counts)
RETURNS @extschema@.bt_counts
AS 'MODULE_PATHNAME', 'bt_counts_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_counts_combine(@extschema@.bt_counts, @extschema@.bt_counts) IS
'support function of the bt_counts aggregates: union of two pair-count states';

CREATE AGGREGATE @extschema@.bt_counts(first_item text, second_item text, outcome float8, weight float8) (
	SFUNC = @extschema@.bt_counts_trans,
	STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_counts(text, text, float8, float8) IS
'pair counts of comparisons: outcome 1 = first item wins, 0 = second wins, 0.5 = tie; NULL weight counts 1';

CREATE AGGREGATE @extschema@.bt_counts(first_item bigint, second_item bigint, outcome float8, weight float8) (
	SFUNC = @extschema@.bt_counts_trans,
	STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_counts(bigint, bigint, float8, float8) IS
'pair counts of comparisons between bigint item ids: outcome 1 = first wins, 0 = second wins, 0.5 = tie';

CREATE AGGREGATE @extschema@.bt_counts(winner text, loser text) (
	SFUNC = @extschema@.bt_counts_trans,
	STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_counts(text, text) IS
'pair counts of comparisons given as (winner, loser), the winner counted as shown first';

CREATE AGGREGATE @extschema@.bt_counts(winner bigint, loser bigint) (
	SFUNC = @extschema@.bt_counts_trans,
	STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_counts(bigint, bigint) IS
'pair counts of comparisons given as (winner, loser) bigint ids, the winner counted as shown first';

CREATE AGGREGATE @extschema@.bt_counts_merge(@extschema@.bt_counts) (
	SFUNC = @extschema@.bt_counts_combine,
	STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_counts_merge(@extschema@.bt_counts) IS
'union of stored bt_counts states (for rollups and incremental refits)';

-- bt_model: a fitted model

CREATE TYPE @extschema@.bt_model;

CREATE FUNCTION @extschema@.bt_model_in(cstring)
RETURNS @extschema@.bt_model
AS 'MODULE_PATHNAME', 'bt_model_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_model_out(@extschema@.bt_model)
RETURNS cstring
AS 'MODULE_PATHNAME', 'bt_model_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_model_recv(internal)
RETURNS @extschema@.bt_model
AS 'MODULE_PATHNAME', 'bt_model_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_model_send(@extschema@.bt_model)
RETURNS bytea
AS 'MODULE_PATHNAME', 'bt_model_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.bt_model (
	INPUT = @extschema@.bt_model_in,
	OUTPUT = @extschema@.bt_model_out,
	RECEIVE = @extschema@.bt_model_recv,
	SEND = @extschema@.bt_model_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.bt_model IS
'a fitted Bradley-Terry model: item scores with standard errors, options and fit diagnostics';

CREATE FUNCTION @extschema@.bt_fit(
	state @extschema@.bt_counts,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9)
RETURNS @extschema@.bt_model
AS 'MODULE_PATHNAME', 'bt_fit'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_fit(@extschema@.bt_counts, text, float8, text, boolean, text, text, float8, int, float8) IS
'fit a Bradley-Terry model to pair counts (ties half|davidson|drop, L2 prior, reference item, position effect, swap augmentation, Brier term)';

CREATE FUNCTION @extschema@.bt_fit_final(@extschema@.bt_counts)
RETURNS @extschema@.bt_model
AS 'MODULE_PATHNAME', 'bt_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_fit_final(@extschema@.bt_counts) IS
'final function of the bt_fit aggregates: bt_fit with every option at its default';

CREATE AGGREGATE @extschema@.bt_fit(winner text, loser text) (
	SFUNC = @extschema@.bt_counts_trans,
	STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	FINALFUNC = @extschema@.bt_fit_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_fit(text, text) IS
'Bradley-Terry maximum likelihood fit of (winner, loser) rows with default options';

CREATE AGGREGATE @extschema@.bt_fit(winner bigint, loser bigint) (
	SFUNC = @extschema@.bt_counts_trans,
	STYPE = @extschema@.bt_counts,
	COMBINEFUNC = @extschema@.bt_counts_combine,
	FINALFUNC = @extschema@.bt_fit_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_fit(bigint, bigint) IS
'Bradley-Terry maximum likelihood fit of (winner, loser) bigint rows with default options';

CREATE FUNCTION @extschema@.bt_scores(m @extschema@.bt_model,
	OUT item text, OUT score float8, OUT se float8, OUT rank int,
	OUT wins float8, OUT losses float8, OUT ties float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'bt_scores'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;

COMMENT ON FUNCTION @extschema@.bt_scores(@extschema@.bt_model) IS
'one row per item: score, standard error, rank (1 = best), weighted wins, losses and ties';

CREATE FUNCTION @extschema@.bt_predict(m @extschema@.bt_model, a text, b text)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict(@extschema@.bt_model, text, text) IS
'probability that a beats b (no position effect; Davidson: a win, not a tie); NULL for an unknown item';

CREATE FUNCTION @extschema@.bt_predict(m @extschema@.bt_model, a bigint, b bigint)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_int8'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict(@extschema@.bt_model, bigint, bigint) IS
'probability that a beats b (no position effect; Davidson: a win, not a tie); NULL for an unknown item';

CREATE FUNCTION @extschema@.bt_predict_tie(m @extschema@.bt_model, a text, b text)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_tie'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict_tie(@extschema@.bt_model, text, text) IS
'probability of a tie between a and b under a Davidson model; NULL for an unknown item';

CREATE FUNCTION @extschema@.bt_predict_tie(m @extschema@.bt_model, a bigint, b bigint)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_tie_int8'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict_tie(@extschema@.bt_model, bigint, bigint) IS
'probability of a tie between a and b under a Davidson model; NULL for an unknown item';

CREATE FUNCTION @extschema@.bt_predict_shown(m @extschema@.bt_model, first_item text, second_item text)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_shown'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict_shown(@extschema@.bt_model, text, text) IS
'probability that the first-shown item wins, including the fitted position effect';

CREATE FUNCTION @extschema@.bt_predict_shown(m @extschema@.bt_model, first_item bigint, second_item bigint)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_shown_int8'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict_shown(@extschema@.bt_model, bigint, bigint) IS
'probability that the first-shown item wins, including the fitted position effect';

CREATE FUNCTION @extschema@.bt_info(m @extschema@.bt_model)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'bt_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_info(@extschema@.bt_model) IS
'fit diagnostics of a Bradley-Terry model: iterations, convergence, gradient norm, log-likelihood, deviance, counts, options';

-- ===================================================================
-- 30_annotation.sql: annotation signal (doc/annotation.md)
--   classify_preference_consistency, preference_consistency_prior,
--   simulate_annotations,
--   majority_vote, krippendorff_alpha, krippendorff_alpha_interval
-- ===================================================================

-- ---------- state type of classify_preference_consistency ----------

CREATE TYPE @extschema@.preference_consistency_state;

CREATE FUNCTION @extschema@.preference_consistency_state_in(cstring)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_state_out(@extschema@.preference_consistency_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_consistency_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_state_recv(internal)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_state_send(@extschema@.preference_consistency_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_consistency_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.preference_consistency_state (
	INPUT = @extschema@.preference_consistency_state_in,
	OUTPUT = @extschema@.preference_consistency_state_out,
	RECEIVE = @extschema@.preference_consistency_state_recv,
	SEND = @extschema@.preference_consistency_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.preference_consistency_state IS
'mergeable state of classify_preference_consistency: per-condition counts of choices';

CREATE TYPE @extschema@.preference_consistency AS (
	label text,
	p_genuine float8,
	p_non_attitude float8,
	p_constructed float8,
	n int,
	n_conditions int,
	majority_share float8,
	within_agreement float8,
	across_agreement float8,
	weight float8,
	log_ml_genuine float8,
	log_ml_non_attitude float8,
	log_ml_constructed float8
);

COMMENT ON TYPE @extschema@.preference_consistency IS
'result of classify_preference_consistency: label, posterior class probabilities and agreement evidence';

CREATE FUNCTION @extschema@.preference_consistency_trans(
	@extschema@.preference_consistency_state, bool, text)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_trans(
	@extschema@.preference_consistency_state, bool, text, float8)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_trans_conf'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_combine(
	@extschema@.preference_consistency_state, @extschema@.preference_consistency_state)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_final(@extschema@.preference_consistency_state)
RETURNS @extschema@.preference_consistency
AS 'MODULE_PATHNAME', 'pc_consistency_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.preference_consistency_trans(@extschema@.preference_consistency_state, bool, text) IS
'transition function of classify_preference_consistency(bool, text)';
COMMENT ON FUNCTION @extschema@.preference_consistency_trans(@extschema@.preference_consistency_state, bool, text, float8) IS
'transition function of classify_preference_consistency(bool, text, float8)';
COMMENT ON FUNCTION @extschema@.preference_consistency_combine(@extschema@.preference_consistency_state, @extschema@.preference_consistency_state) IS
'merge two preference_consistency_state values (adds per-condition counts)';
COMMENT ON FUNCTION @extschema@.preference_consistency_final(@extschema@.preference_consistency_state) IS
'classify a preference_consistency_state (Bayesian model comparison, doc/annotation.md)';

CREATE AGGREGATE @extschema@.classify_preference_consistency(choice bool, condition text) (
	SFUNC = @extschema@.preference_consistency_trans,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	FINALFUNC = @extschema@.preference_consistency_final,
	PARALLEL = SAFE
);

CREATE AGGREGATE @extschema@.classify_preference_consistency(choice bool, condition text, confidence float8) (
	SFUNC = @extschema@.preference_consistency_trans,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	FINALFUNC = @extschema@.preference_consistency_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.classify_preference_consistency(bool, text) IS
'label one annotator''s repeated responses to one pair as genuine, non_attitude, constructed or insufficient (choice = chose the pair''s first item)';
COMMENT ON AGGREGATE @extschema@.classify_preference_consistency(bool, text, float8) IS
'classify_preference_consistency with a stated confidence in [0,1] used as the weight of each response';

CREATE FUNCTION @extschema@.preference_consistency_of(@extschema@.preference_consistency_state)
RETURNS @extschema@.preference_consistency
AS 'MODULE_PATHNAME', 'pc_consistency_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.preference_consistency_of(@extschema@.preference_consistency_state) IS
'classify a stored preference_consistency_state';

CREATE AGGREGATE @extschema@.preference_consistency_state_agg(choice bool, condition text) (
	SFUNC = @extschema@.preference_consistency_trans,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	PARALLEL = SAFE
);

CREATE AGGREGATE @extschema@.preference_consistency_state_agg(choice bool, condition text, confidence float8) (
	SFUNC = @extschema@.preference_consistency_trans,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	PARALLEL = SAFE
);

CREATE AGGREGATE @extschema@.preference_consistency_state_merge(@extschema@.preference_consistency_state) (
	SFUNC = @extschema@.preference_consistency_combine,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.preference_consistency_state_agg(bool, text) IS
'the state of classify_preference_consistency, to store and merge later';
COMMENT ON AGGREGATE @extschema@.preference_consistency_state_agg(bool, text, float8) IS
'the state of classify_preference_consistency with confidence weights, to store and merge later';
COMMENT ON AGGREGATE @extschema@.preference_consistency_state_merge(@extschema@.preference_consistency_state) IS
'merge stored preference_consistency_state values (classify with preference_consistency_of)';

-- ---------- empirical Bayes: preference_consistency_prior ----------

CREATE TYPE @extschema@.consistency_prior_state;

CREATE FUNCTION @extschema@.consistency_prior_state_in(cstring)
RETURNS @extschema@.consistency_prior_state
AS 'MODULE_PATHNAME', 'pc_cons_prior_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.consistency_prior_state_out(@extschema@.consistency_prior_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_cons_prior_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.consistency_prior_state_recv(internal)
RETURNS @extschema@.consistency_prior_state
AS 'MODULE_PATHNAME', 'pc_cons_prior_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.consistency_prior_state_send(@extschema@.consistency_prior_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_cons_prior_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.consistency_prior_state (
	INPUT = @extschema@.consistency_prior_state_in,
	OUTPUT = @extschema@.consistency_prior_state_out,
	RECEIVE = @extschema@.consistency_prior_state_recv,
	SEND = @extschema@.consistency_prior_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.consistency_prior_state IS
'mergeable state of preference_consistency_prior: each distinct per-group count vector with the number of groups that had it';

CREATE TYPE @extschema@.consistency_prior;

CREATE FUNCTION @extschema@.consistency_prior_in(cstring)
RETURNS @extschema@.consistency_prior
AS 'MODULE_PATHNAME', 'pc_cons_prior_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.consistency_prior_out(@extschema@.consistency_prior)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_cons_prior_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.consistency_prior_recv(internal)
RETURNS @extschema@.consistency_prior
AS 'MODULE_PATHNAME', 'pc_cons_prior_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.consistency_prior_send(@extschema@.consistency_prior)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_cons_prior_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.consistency_prior (
	INPUT = @extschema@.consistency_prior_in,
	OUTPUT = @extschema@.consistency_prior_out,
	RECEIVE = @extschema@.consistency_prior_recv,
	SEND = @extschema@.consistency_prior_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.consistency_prior IS
'empirical-Bayes prior of classify_preference_consistency fitted by EM over a table''s groups (doc/annotation.md)';

CREATE FUNCTION @extschema@.preference_consistency_prior_trans(
	@extschema@.consistency_prior_state, @extschema@.preference_consistency_state)
RETURNS @extschema@.consistency_prior_state
AS 'MODULE_PATHNAME', 'pc_cons_prior_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_combine(
	@extschema@.consistency_prior_state, @extschema@.consistency_prior_state)
RETURNS @extschema@.consistency_prior_state
AS 'MODULE_PATHNAME', 'pc_cons_prior_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_final(@extschema@.consistency_prior_state)
RETURNS @extschema@.consistency_prior
AS 'MODULE_PATHNAME', 'pc_cons_prior_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.preference_consistency_prior_trans(@extschema@.consistency_prior_state, @extschema@.preference_consistency_state) IS
'transition function of preference_consistency_prior';
COMMENT ON FUNCTION @extschema@.preference_consistency_prior_combine(@extschema@.consistency_prior_state, @extschema@.consistency_prior_state) IS
'merge two consistency_prior_state values (adds multiplicities)';
COMMENT ON FUNCTION @extschema@.preference_consistency_prior_final(@extschema@.consistency_prior_state) IS
'fit a consistency_prior by EM over the collected count vectors';

CREATE AGGREGATE @extschema@.preference_consistency_prior(s @extschema@.preference_consistency_state) (
	SFUNC = @extschema@.preference_consistency_prior_trans,
	STYPE = @extschema@.consistency_prior_state,
	COMBINEFUNC = @extschema@.preference_consistency_prior_combine,
	FINALFUNC = @extschema@.preference_consistency_prior_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.preference_consistency_prior(@extschema@.preference_consistency_state) IS
'empirical Bayes: fit the class weights, agreement, non-attitude rates and constructed direction patterns of a table by EM over its per-group states';

CREATE FUNCTION @extschema@.classify_preference_consistency(
	s @extschema@.preference_consistency_state, prior @extschema@.consistency_prior,
	min_posterior float8 DEFAULT 0.4, direction_p float8 DEFAULT NULL)
RETURNS @extschema@.preference_consistency
AS 'MODULE_PATHNAME', 'pc_cons_classify_prior'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.classify_preference_consistency(@extschema@.preference_consistency_state, @extschema@.consistency_prior, float8, float8) IS
'classify one group''s stored state under a fitted consistency_prior (empirical Bayes); min_posterior 0 gives the MAP label; direction_p (e.g. from bt_predict) replaces the prior''s genuine direction probability for this group, NULL keeps it';

CREATE FUNCTION @extschema@.preference_consistency_direction(
	s @extschema@.preference_consistency_state, prior @extschema@.consistency_prior)
RETURNS float8
AS 'MODULE_PATHNAME', 'pc_cons_direction'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.preference_consistency_direction(@extschema@.preference_consistency_state, @extschema@.consistency_prior) IS
'probability that a group''s direction is its first item if it is genuine, from its own responses (neutral direction prior, the prior''s agreement q); NULL without evidence';

-- ---------- simulate_annotations ----------

CREATE FUNCTION @extschema@.simulate_annotations(
	seed bigint,
	n_items int DEFAULT 40,
	n_annotators int DEFAULT 50,
	pairs_per_annotator int DEFAULT 20,
	repeats int DEFAULT 2,
	framings int DEFAULT 2,
	p_genuine float8 DEFAULT 0.6,
	p_non_attitude float8 DEFAULT 0.2,
	p_constructed float8 DEFAULT 0.2,
	genuine_strength float8 DEFAULT 0.9,
	position_bias float8 DEFAULT 0.1,
	n_domains int DEFAULT 2,
	utility_sd float8 DEFAULT 1,
	framing_share float8 DEFAULT 0.5,
	position_bias_by_domain float8[] DEFAULT NULL,
	OUT annotator int,
	OUT item_a int,
	OUT item_b int,
	OUT domain text,
	OUT a_shown_first bool,
	OUT framing int,
	OUT rep int,
	OUT condition text,
	OUT chose_a bool,
	OUT chose_first_shown bool,
	OUT true_type text,
	OUT true_p float8,
	OUT u_a float8,
	OUT u_b float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pc_simulate_annotations'
LANGUAGE C STABLE PARALLEL SAFE
ROWS 8000;

COMMENT ON FUNCTION @extschema@.simulate_annotations(bigint, int, int, int, int, int, float8, float8, float8, float8, float8, int, float8, float8, float8[]) IS
'seeded simulation of repeated pairwise annotations with known latent types (genuine, non_attitude, constructed_position, constructed_framing)';

-- ---------- majority_vote ----------

CREATE TYPE @extschema@.majority_vote_state;

CREATE FUNCTION @extschema@.majority_vote_state_in(cstring)
RETURNS @extschema@.majority_vote_state
AS 'MODULE_PATHNAME', 'pc_majority_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_state_out(@extschema@.majority_vote_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_majority_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_state_recv(internal)
RETURNS @extschema@.majority_vote_state
AS 'MODULE_PATHNAME', 'pc_majority_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_state_send(@extschema@.majority_vote_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_majority_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.majority_vote_state (
	INPUT = @extschema@.majority_vote_state_in,
	OUTPUT = @extschema@.majority_vote_state_out,
	RECEIVE = @extschema@.majority_vote_state_recv,
	SEND = @extschema@.majority_vote_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.majority_vote_state IS
'mergeable state of majority_vote: count per label';

CREATE TYPE @extschema@.majority_vote_result AS (
	label text,
	share float8,
	n bigint
);

COMMENT ON TYPE @extschema@.majority_vote_result IS
'result of majority_vote: the most frequent label, its share and the number of labels';

CREATE FUNCTION @extschema@.majority_vote_trans(@extschema@.majority_vote_state, text)
RETURNS @extschema@.majority_vote_state
AS 'MODULE_PATHNAME', 'pc_majority_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_combine(@extschema@.majority_vote_state, @extschema@.majority_vote_state)
RETURNS @extschema@.majority_vote_state
AS 'MODULE_PATHNAME', 'pc_majority_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_final(@extschema@.majority_vote_state)
RETURNS @extschema@.majority_vote_result
AS 'MODULE_PATHNAME', 'pc_majority_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.majority_vote_trans(@extschema@.majority_vote_state, text) IS
'transition function of majority_vote';
COMMENT ON FUNCTION @extschema@.majority_vote_combine(@extschema@.majority_vote_state, @extschema@.majority_vote_state) IS
'merge two majority_vote_state values';
COMMENT ON FUNCTION @extschema@.majority_vote_final(@extschema@.majority_vote_state) IS
'the majority label of a majority_vote_state (ties: smallest label in byte order)';

CREATE AGGREGATE @extschema@.majority_vote(label text) (
	SFUNC = @extschema@.majority_vote_trans,
	STYPE = @extschema@.majority_vote_state,
	COMBINEFUNC = @extschema@.majority_vote_combine,
	FINALFUNC = @extschema@.majority_vote_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.majority_vote(text) IS
'most frequent label with its share and count; ties go to the smallest label in byte order';

-- ---------- krippendorff_alpha (nominal) ----------

CREATE TYPE @extschema@.krippendorff_alpha_state;

CREATE FUNCTION @extschema@.krippendorff_alpha_state_in(cstring)
RETURNS @extschema@.krippendorff_alpha_state
AS 'MODULE_PATHNAME', 'pc_alpha_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_state_out(@extschema@.krippendorff_alpha_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_alpha_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_state_recv(internal)
RETURNS @extschema@.krippendorff_alpha_state
AS 'MODULE_PATHNAME', 'pc_alpha_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_state_send(@extschema@.krippendorff_alpha_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_alpha_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.krippendorff_alpha_state (
	INPUT = @extschema@.krippendorff_alpha_state_in,
	OUTPUT = @extschema@.krippendorff_alpha_state_out,
	RECEIVE = @extschema@.krippendorff_alpha_state_recv,
	SEND = @extschema@.krippendorff_alpha_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.krippendorff_alpha_state IS
'mergeable state of krippendorff_alpha: count per (unit, value)';

CREATE FUNCTION @extschema@.krippendorff_alpha_trans(@extschema@.krippendorff_alpha_state, text, text)
RETURNS @extschema@.krippendorff_alpha_state
AS 'MODULE_PATHNAME', 'pc_alpha_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_combine(@extschema@.krippendorff_alpha_state, @extschema@.krippendorff_alpha_state)
RETURNS @extschema@.krippendorff_alpha_state
AS 'MODULE_PATHNAME', 'pc_alpha_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_final(@extschema@.krippendorff_alpha_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'pc_alpha_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.krippendorff_alpha_trans(@extschema@.krippendorff_alpha_state, text, text) IS
'transition function of krippendorff_alpha';
COMMENT ON FUNCTION @extschema@.krippendorff_alpha_combine(@extschema@.krippendorff_alpha_state, @extschema@.krippendorff_alpha_state) IS
'merge two krippendorff_alpha_state values';
COMMENT ON FUNCTION @extschema@.krippendorff_alpha_final(@extschema@.krippendorff_alpha_state) IS
'nominal Krippendorff''s alpha of a krippendorff_alpha_state (NULL when undefined)';

CREATE AGGREGATE @extschema@.krippendorff_alpha(unit text, value text) (
	SFUNC = @extschema@.krippendorff_alpha_trans,
	STYPE = @extschema@.krippendorff_alpha_state,
	COMBINEFUNC = @extschema@.krippendorff_alpha_combine,
	FINALFUNC = @extschema@.krippendorff_alpha_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.krippendorff_alpha(text, text) IS
'Krippendorff''s alpha for nominal values; one row per (unit, coder) value; NULL when undefined';

-- ---------- krippendorff_alpha_interval ----------

CREATE TYPE @extschema@.krippendorff_alpha_interval_state;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_state_in(cstring)
RETURNS @extschema@.krippendorff_alpha_interval_state
AS 'MODULE_PATHNAME', 'pc_alpha_interval_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_state_out(@extschema@.krippendorff_alpha_interval_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_alpha_interval_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_state_recv(internal)
RETURNS @extschema@.krippendorff_alpha_interval_state
AS 'MODULE_PATHNAME', 'pc_alpha_interval_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_state_send(@extschema@.krippendorff_alpha_interval_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_alpha_interval_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.krippendorff_alpha_interval_state (
	INPUT = @extschema@.krippendorff_alpha_interval_state_in,
	OUTPUT = @extschema@.krippendorff_alpha_interval_state_out,
	RECEIVE = @extschema@.krippendorff_alpha_interval_state_recv,
	SEND = @extschema@.krippendorff_alpha_interval_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.krippendorff_alpha_interval_state IS
'mergeable state of krippendorff_alpha_interval: count, mean and sum of squares per unit';

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_trans(@extschema@.krippendorff_alpha_interval_state, text, float8)
RETURNS @extschema@.krippendorff_alpha_interval_state
AS 'MODULE_PATHNAME', 'pc_alpha_interval_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_combine(@extschema@.krippendorff_alpha_interval_state, @extschema@.krippendorff_alpha_interval_state)
RETURNS @extschema@.krippendorff_alpha_interval_state
AS 'MODULE_PATHNAME', 'pc_alpha_interval_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_final(@extschema@.krippendorff_alpha_interval_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'pc_alpha_interval_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.krippendorff_alpha_interval_trans(@extschema@.krippendorff_alpha_interval_state, text, float8) IS
'transition function of krippendorff_alpha_interval';
COMMENT ON FUNCTION @extschema@.krippendorff_alpha_interval_combine(@extschema@.krippendorff_alpha_interval_state, @extschema@.krippendorff_alpha_interval_state) IS
'merge two krippendorff_alpha_interval_state values (Chan et al. pairwise update)';
COMMENT ON FUNCTION @extschema@.krippendorff_alpha_interval_final(@extschema@.krippendorff_alpha_interval_state) IS
'interval Krippendorff''s alpha of a krippendorff_alpha_interval_state (NULL when undefined)';

CREATE AGGREGATE @extschema@.krippendorff_alpha_interval(unit text, value float8) (
	SFUNC = @extschema@.krippendorff_alpha_interval_trans,
	STYPE = @extschema@.krippendorff_alpha_interval_state,
	COMBINEFUNC = @extschema@.krippendorff_alpha_interval_combine,
	FINALFUNC = @extschema@.krippendorff_alpha_interval_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.krippendorff_alpha_interval(text, float8) IS
'Krippendorff''s alpha for interval values (squared-difference metric); NULL when undefined';
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
'fit temperature (method => ''temperature'') or Platt (''platt'', smoothing => Platt''s smoothed targets) scaling by Newton''s method on the mean log loss; tol bounds the squared Newton decrement';

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
'method, parameters (temperature, or a and b), rows, weight, log loss before and after, iterations and final Newton decrement';

CREATE FUNCTION @extschema@.recal_points_info(state @extschema@.recal_points)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'recal_points_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_points_info(@extschema@.recal_points) IS
'input kind, rows folded in, distinct points, total weight and weighted target of a recalibration state';
-- src/sql/60_operations.sql: stored states and models, scheduled refits
-- and calibration history (doc/pg_cron.md).
--
-- A refit job is registered once (prefcal_register_refit) and run by
-- CALL prefcal_refit(name), for example from pg_cron.  Each run folds only
-- the source rows above the stored watermark into the stored bt_counts
-- (bt_counts_merge), refits with the stored options, stores the model as a
-- new version and, if a hold-out relation is registered, appends its
-- calibration to calibration_history.  The three tables are extension
-- configuration tables: pg_dump keeps their rows.
--
-- Relations are stored by schema and name (not regclass: pg_upgrade refuses
-- reg* columns in user tables) and resolved at each run.

CREATE TABLE @extschema@.bt_state_store (
	name text PRIMARY KEY,
	source_schema name NOT NULL,
	source_table name NOT NULL,
	first_column name NOT NULL,
	second_column name NOT NULL,
	outcome_column name NOT NULL,
	weight_column name,
	watermark_column name NOT NULL,
	watermark text,
	counts @extschema@.bt_counts,
	rows_folded bigint NOT NULL DEFAULT 0,
	fit_options jsonb NOT NULL DEFAULT '{}',
	holdout_schema name,
	holdout_table name,
	registered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at timestamptz,
	CHECK ((holdout_schema IS NULL) = (holdout_table IS NULL))
);

COMMENT ON TABLE @extschema@.bt_state_store IS
'refit jobs: the source relation and columns, the watermark of the last folded row and the pair counts folded so far';

CREATE TABLE @extschema@.bt_model_store (
	name text NOT NULL REFERENCES @extschema@.bt_state_store (name) ON DELETE CASCADE,
	version integer NOT NULL,
	model @extschema@.bt_model NOT NULL,
	fitted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	rows_folded bigint NOT NULL,
	watermark text,
	options jsonb NOT NULL,
	PRIMARY KEY (name, version)
);

COMMENT ON TABLE @extschema@.bt_model_store IS
'every model a refit job stored, by version (1, 2, ...), with the rows and watermark it was fitted on';

CREATE TABLE @extschema@.calibration_history (
	name text NOT NULL REFERENCES @extschema@.bt_state_store (name) ON DELETE CASCADE,
	version integer NOT NULL,
	measured_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	n float8,
	brier float8,
	ece float8,
	mce float8,
	logloss float8,
	state @extschema@.calibration_state,
	PRIMARY KEY (name, version, measured_at),
	FOREIGN KEY (name, version) REFERENCES @extschema@.bt_model_store (name, version) ON DELETE CASCADE
);

COMMENT ON TABLE @extschema@.calibration_history IS
'calibration of each stored model version on the job''s hold-out relation: P(first-shown wins) against the outcome, 15 bins';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.bt_state_store', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bt_model_store', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calibration_history', '');

-- the SQL expression of one column, cast for the aggregates: items to text
-- or bigint, outcomes and weights to float8
CREATE FUNCTION @extschema@.prefcal_column_expr(rel regclass, col name, kind text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	typ regtype;
BEGIN
	SELECT a.atttypid::regtype INTO typ
	FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
	IF typ IS NULL THEN
		RAISE EXCEPTION 'column "%" of relation % does not exist', col, rel
			USING ERRCODE = 'undefined_column';
	END IF;
	IF kind = 'item' THEN
		IF typ IN ('bigint'::regtype, 'integer'::regtype, 'smallint'::regtype) THEN
			RETURN pg_catalog.format('(%I)::pg_catalog.int8', col);
		END IF;
		RETURN pg_catalog.format('(%I)::pg_catalog.text', col);
	END IF;
	IF typ = 'boolean'::regtype THEN
		RETURN pg_catalog.format('(%I)::pg_catalog.int4::pg_catalog.float8', col);
	END IF;
	RETURN pg_catalog.format('(%I)::pg_catalog.float8', col);
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_column_expr(regclass, name, text) IS
'internal: quoted, cast expression for a column of a refit source';

CREATE FUNCTION @extschema@.prefcal_register_refit(
	job text,
	source regclass,
	first_column name,
	second_column name,
	outcome_column name,
	watermark_column name,
	weight_column name DEFAULT NULL,
	fit_options jsonb DEFAULT '{}',
	holdout regclass DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	k text;
	col name;
	rel regclass;
BEGIN
	IF job IS NULL OR source IS NULL OR first_column IS NULL OR second_column IS NULL
	   OR outcome_column IS NULL OR watermark_column IS NULL OR fit_options IS NULL THEN
		RAISE EXCEPTION 'refit registration needs a name, a source, its item, outcome and watermark columns, and fit options'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF pg_catalog.jsonb_typeof(fit_options) <> 'object' THEN
		RAISE EXCEPTION 'fit_options must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR k IN SELECT pg_catalog.jsonb_object_keys(fit_options) LOOP
		IF k NOT IN ('ties', 'prior', 'reference', 'position_effect', 'augment', 'objective',
					 'brier_weight', 'max_iter', 'tol') THEN
			RAISE EXCEPTION 'unknown fit option "%"', k
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Known options: ties, prior, reference, position_effect, augment, objective, brier_weight, max_iter, tol (those of bt_fit).';
		END IF;
	END LOOP;
	IF EXISTS (SELECT 1 FROM @extschema@.bt_state_store s WHERE s.name = job) THEN
		RAISE EXCEPTION 'refit job "%" is already registered', job
			USING ERRCODE = 'duplicate_object',
				  HINT = 'Delete its row from bt_state_store first (its models and history go with it).';
	END IF;
	-- every column must exist (raises 42703 otherwise)
	FOREACH col IN ARRAY ARRAY[first_column, second_column, outcome_column, watermark_column] LOOP
		PERFORM @extschema@.prefcal_column_expr(source, col, 'value');
	END LOOP;
	IF weight_column IS NOT NULL THEN
		PERFORM @extschema@.prefcal_column_expr(source, weight_column, 'value');
	END IF;
	IF holdout IS NOT NULL THEN
		FOREACH col IN ARRAY ARRAY[first_column, second_column, outcome_column] LOOP
			PERFORM @extschema@.prefcal_column_expr(holdout, col, 'value');
		END LOOP;
	END IF;

	INSERT INTO @extschema@.bt_state_store
		(name, source_schema, source_table, first_column, second_column, outcome_column,
		 weight_column, watermark_column, fit_options, holdout_schema, holdout_table)
	SELECT job, sn.nspname, sc.relname,
		   first_column, second_column, outcome_column,
		   weight_column, watermark_column, fit_options, hn.nspname, hc.relname
	FROM pg_catalog.pg_class sc
	JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
	LEFT JOIN pg_catalog.pg_class hc ON hc.oid = holdout
	LEFT JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace
	WHERE sc.oid = source;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_register_refit(text, regclass, name, name, name, name, name, jsonb, regclass) IS
'register a refit job: rows of source (first-shown item, second item, outcome 1/0/0.5 or boolean, optional weight) folded above a watermark column; bt_fit options; optional hold-out relation with the same columns';

-- step 1 of a refit: fold the new rows into the stored counts
-- (the watermark is kept as text: the settings below make that text the
-- same whatever the session's DateStyle, TimeZone or extra_float_digits)
CREATE FUNCTION @extschema@.prefcal_refit_fold(job text, OUT new_rows bigint, OUT watermark text)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
SET extra_float_digits = 3
AS $$
DECLARE
	j @extschema@.bt_state_store;
	src regclass;
	wm_type text;
	delta @extschema@.bt_counts;
	new_wm text;
BEGIN
	-- the row lock serialises folds even when two runs overlap
	SELECT * INTO j FROM @extschema@.bt_state_store s WHERE s.name = job FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'refit job "%" is not registered', job
			USING ERRCODE = 'undefined_object',
				  HINT = 'Register it with prefcal_register_refit().';
	END IF;
	src := pg_catalog.format('%I.%I', j.source_schema, j.source_table)::regclass;
	SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO wm_type
	FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = src AND a.attname = j.watermark_column AND a.attnum > 0 AND NOT a.attisdropped;
	IF wm_type IS NULL THEN
		RAISE EXCEPTION 'watermark column "%" of relation % does not exist', j.watermark_column, src
			USING ERRCODE = 'undefined_column';
	END IF;

	-- fix the upper bound first, so rows that arrive meanwhile wait for the next run
	EXECUTE pg_catalog.format(
		'SELECT pg_catalog.max(%1$I)::pg_catalog.text FROM %2$s WHERE $1 IS NULL OR %1$I > $1::%3$s',
		j.watermark_column, src, wm_type)
	INTO new_wm USING j.watermark;
	IF new_wm IS NULL THEN
		new_rows := 0;
		watermark := j.watermark;
		RETURN;
	END IF;

	EXECUTE pg_catalog.format(
		'SELECT @extschema@.bt_counts(%1$s, %2$s, %3$s, %4$s), pg_catalog.count(*) FROM %5$s '
		'WHERE ($1 IS NULL OR %6$I > $1::%7$s) AND %6$I <= $2::%7$s',
		@extschema@.prefcal_column_expr(src, j.first_column, 'item'),
		@extschema@.prefcal_column_expr(src, j.second_column, 'item'),
		@extschema@.prefcal_column_expr(src, j.outcome_column, 'value'),
		CASE WHEN j.weight_column IS NULL THEN '1.0::pg_catalog.float8'
			 ELSE @extschema@.prefcal_column_expr(src, j.weight_column, 'value') END,
		src, j.watermark_column, wm_type)
	INTO delta, new_rows USING j.watermark, new_wm;

	UPDATE @extschema@.bt_state_store s
	SET counts = (SELECT @extschema@.bt_counts_merge(c) FROM (VALUES (j.counts), (delta)) v(c)),
		rows_folded = s.rows_folded + new_rows,
		watermark = new_wm,
		updated_at = pg_catalog.clock_timestamp()
	WHERE s.name = job;
	watermark := new_wm;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_refit_fold(text) IS
'refit step 1: fold the source rows above the stored watermark into the stored bt_counts; returns the rows folded and the new watermark';

-- step 2: fit the stored counts with the stored options, store a version
CREATE FUNCTION @extschema@.prefcal_refit_fit(job text)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j @extschema@.bt_state_store;
	o jsonb;
	m @extschema@.bt_model;
	v integer;
BEGIN
	SELECT * INTO j FROM @extschema@.bt_state_store s WHERE s.name = job;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'refit job "%" is not registered', job
			USING ERRCODE = 'undefined_object';
	END IF;
	IF j.counts IS NULL THEN
		RETURN NULL;
	END IF;
	o := j.fit_options;
	m := @extschema@.bt_fit(j.counts,
			ties => coalesce(o->>'ties', 'half'),
			prior => coalesce((o->>'prior')::float8, 0),
			reference => o->>'reference',
			position_effect => coalesce((o->>'position_effect')::boolean, false),
			augment => coalesce(o->>'augment', 'none'),
			objective => coalesce(o->>'objective', 'logloss'),
			brier_weight => coalesce((o->>'brier_weight')::float8, 1),
			max_iter => coalesce((o->>'max_iter')::integer, 100),
			tol => coalesce((o->>'tol')::float8, 1e-9));
	SELECT coalesce(pg_catalog.max(ms.version), 0) + 1 INTO v
	FROM @extschema@.bt_model_store ms WHERE ms.name = job;
	INSERT INTO @extschema@.bt_model_store (name, version, model, fitted_at, rows_folded, watermark, options)
	VALUES (job, v, m, pg_catalog.clock_timestamp(), j.rows_folded, j.watermark, o);
	RETURN v;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_refit_fit(text) IS
'refit step 2: fit the stored counts with the stored bt_fit options and store the model as the next version';

-- step 3: calibration of a stored version on the hold-out relation
CREATE FUNCTION @extschema@.prefcal_refit_measure(job text, model_version integer)
RETURNS @extschema@.calibration_state
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j @extschema@.bt_state_store;
	h regclass;
	m @extschema@.bt_model;
	st @extschema@.calibration_state;
BEGIN
	SELECT * INTO j FROM @extschema@.bt_state_store s WHERE s.name = job;
	IF NOT FOUND OR j.holdout_table IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT ms.model INTO m FROM @extschema@.bt_model_store ms
	WHERE ms.name = job AND ms.version = model_version;
	IF m IS NULL THEN
		RETURN NULL;
	END IF;
	h := pg_catalog.format('%I.%I', j.holdout_schema, j.holdout_table)::regclass;
	EXECUTE pg_catalog.format(
		'SELECT @extschema@.calibration_agg(@extschema@.bt_predict_shown($1, %1$s, %2$s), %3$s, 15) FROM %4$s',
		@extschema@.prefcal_column_expr(h, j.first_column, 'item'),
		@extschema@.prefcal_column_expr(h, j.second_column, 'item'),
		@extschema@.prefcal_column_expr(h, j.outcome_column, 'value'),
		h)
	INTO st USING m;
	IF st IS NOT NULL THEN
		INSERT INTO @extschema@.calibration_history
			(name, version, measured_at, n, brier, ece, mce, logloss, state)
		VALUES (job, model_version, pg_catalog.clock_timestamp(),
				@extschema@.calibration_n(st), @extschema@.calibration_brier(st),
				@extschema@.calibration_ece(st), @extschema@.calibration_mce(st),
				@extschema@.calibration_logloss(st), st);
	END IF;
	RETURN st;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_refit_measure(text, integer) IS
'refit step 3: calibration of a stored model version on the job''s hold-out relation (P(first-shown wins) against the outcome), appended to calibration_history';

-- The whole refit as one CALL, for pg_cron.  Procedures that COMMIT cannot
-- carry a SET clause, so the search_path is pinned with set_config at the
-- start of every transaction instead, and each step is a function with its
-- own SET clause.
CREATE PROCEDURE @extschema@.prefcal_refit(job text, force boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
	lock_key bigint;
	folded record;
	v integer;
	has_model boolean;
BEGIN
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	lock_key := pg_catalog.hashtextextended('prefcal_refit:' || job, 0);
	-- a session lock, held across the COMMITs below
	IF NOT pg_catalog.pg_try_advisory_lock(lock_key) THEN
		RAISE NOTICE 'refit job "%" is already running; skipped', job;
		RETURN;
	END IF;

	SELECT * INTO folded FROM @extschema@.prefcal_refit_fold(job);
	COMMIT;
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

	SELECT EXISTS (SELECT 1 FROM @extschema@.bt_model_store ms WHERE ms.name = job) INTO has_model;
	IF folded.new_rows > 0 OR force OR NOT has_model THEN
		v := @extschema@.prefcal_refit_fit(job);
		COMMIT;
		PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
		IF v IS NOT NULL THEN
			PERFORM @extschema@.prefcal_refit_measure(job, v);
			COMMIT;
		END IF;
	END IF;
	PERFORM pg_catalog.pg_advisory_unlock(lock_key);
	RAISE NOTICE 'refit job "%": % new rows folded, watermark %, model version %',
		job, folded.new_rows, folded.watermark, coalesce(v::text, 'unchanged');
END
$$;

COMMENT ON PROCEDURE @extschema@.prefcal_refit(text, boolean) IS
'run a registered refit job: fold new rows, refit, store the version, measure hold-out calibration; commits between steps; skips if the job is already running (advisory lock); force refits without new rows';

CREATE FUNCTION @extschema@.prefcal_latest_model(job text)
RETURNS @extschema@.bt_model
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ms.model FROM @extschema@.bt_model_store ms
	WHERE ms.name = job ORDER BY ms.version DESC LIMIT 1
$$;

COMMENT ON FUNCTION @extschema@.prefcal_latest_model(text) IS
'the newest stored model version of a refit job';

-- SIMD kernel levels (src/kernels_guc.c); prefcal_simd_level() is in 00_header.sql

CREATE FUNCTION @extschema@.prefcal_simd_levels()
RETURNS text[]
AS 'MODULE_PATHNAME', 'prefcal_simd_levels'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.prefcal_simd_levels() IS
'SIMD levels the prefcal.simd setting accepts on this machine, scalar first and the best last';
