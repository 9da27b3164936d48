-- 10_calibration.sql: the calibration family (doc/calibration.md).
-- calibration_state type, its aggregates (calibration_state_agg, calibration_state_merge,
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
-- @upgrade calibration_state_combine {
COMMENT ON FUNCTION @extschema@.calibration_state_combine(@extschema@.calibration_state, @extschema@.calibration_state) IS
'combine function of the calibration aggregates and transition of calibration_state_merge (aggregate support)';
-- @upgrade }

CREATE FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, boolean)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, boolean, integer)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, float8, integer)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, boolean, integer, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, float8, integer, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8[], integer, integer)
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
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.log_loss_trans(@extschema@.calibration_state, float8, boolean)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'log_loss_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.log_loss_trans(@extschema@.calibration_state, float8, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'log_loss_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- @upgrade calibration_state_agg_trans {
COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, boolean) IS 'transition of calibration_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, float8) IS 'transition of calibration_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, boolean, integer) IS 'transition of calibration_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, float8, integer) IS 'transition of calibration_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, boolean, integer, float8) IS 'transition of calibration_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, float8, integer, float8) IS 'transition of calibration_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8[], integer, integer) IS 'transition of calibration_state_agg (aggregate support)';
-- @upgrade }
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

-- @upgrade calibration_ece {
-- ---------- accessors (also the final functions) ----------

CREATE FUNCTION @extschema@.calibration_ece(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_ece'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_ece(@extschema@.calibration_state) IS
'expected calibration error: sum over non-empty bins of (n_b/N)|mean y - mean p|';

CREATE FUNCTION @extschema@.calibration_mce(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_mce'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_mce(@extschema@.calibration_state) IS
'maximum calibration error: max over non-empty bins of |mean y - mean p|';

CREATE FUNCTION @extschema@.calibration_rmsce(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_rmsce'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_rmsce(@extschema@.calibration_state) IS
'RMS calibration error: sqrt of sum over bins of (n_b/N)(mean y - mean p)^2';

CREATE FUNCTION @extschema@.calibration_brier(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_brier'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_brier(@extschema@.calibration_state) IS
'weighted mean Brier score of the rows summarised by the state';

CREATE FUNCTION @extschema@.calibration_log_loss(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_logloss'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_log_loss(@extschema@.calibration_state) IS
'weighted mean log loss (natural log) of the rows summarised by the state';

CREATE FUNCTION @extschema@.calibration_n(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_n'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- @upgrade }
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

CREATE AGGREGATE @extschema@.calibration_state_agg(p float8, y boolean) (
	SFUNC = @extschema@.calibration_state_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_state_agg(p float8, y float8) (
	SFUNC = @extschema@.calibration_state_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_state_agg(p float8, y boolean, nbins integer) (
	SFUNC = @extschema@.calibration_state_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_state_agg(p float8, y float8, nbins integer) (
	SFUNC = @extschema@.calibration_state_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_state_agg(p float8, y boolean, nbins integer, weight float8) (
	SFUNC = @extschema@.calibration_state_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_state_agg(p float8, y float8, nbins integer, weight float8) (
	SFUNC = @extschema@.calibration_state_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_state_agg(probs float8[], label integer, nbins integer) (
	SFUNC = @extschema@.calibration_state_agg_trans, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.calibration_state_agg(float8, boolean) IS
'calibration state of (p, y) with 15 equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.calibration_state_agg(float8, float8) IS
'calibration state of (p, soft target y in [0,1]) with 15 equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.calibration_state_agg(float8, boolean, integer) IS
'calibration state of (p, y) with nbins equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.calibration_state_agg(float8, float8, integer) IS
'calibration state of (p, soft target y) with nbins equal-width right-closed bins';
COMMENT ON AGGREGATE @extschema@.calibration_state_agg(float8, boolean, integer, float8) IS
'weighted calibration state of (p, y) with nbins bins';
COMMENT ON AGGREGATE @extschema@.calibration_state_agg(float8, float8, integer, float8) IS
'weighted calibration state of (p, soft target y) with nbins bins';
COMMENT ON AGGREGATE @extschema@.calibration_state_agg(float8[], integer, integer) IS
'top-label calibration state of K-class probability vectors (confidence = max prob, correct = argmax = label, label 0-based)';

CREATE AGGREGATE @extschema@.calibration_state_merge(calibration_state) (
	SFUNC = @extschema@.calibration_state_combine, STYPE = @extschema@.calibration_state,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.calibration_state_merge(@extschema@.calibration_state) IS
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
	FINALFUNC = @extschema@.calibration_log_loss,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.log_loss(p float8, y float8) (
	SFUNC = @extschema@.log_loss_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_log_loss,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.log_loss(float8, boolean) IS
'mean log loss (natural log), exact: +Infinity for a certain wrong prediction';
COMMENT ON AGGREGATE @extschema@.log_loss(float8, float8) IS
'mean log loss (natural log) against soft targets, 0*log 0 = 0';
