-- @upgrade pav_state {
-- src/sql/55_pav.sql: the sorted calibration state (pav_state) and what is
-- read from it: isotonic recalibration, the CORP decomposition and
-- reliability diagram, equal-mass and debiased ECE (doc/calibration.md,
-- doc/recalibration.md).

CREATE TYPE @extschema@.pav_state;

CREATE FUNCTION @extschema@.pav_state_in(cstring)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_out(@extschema@.pav_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pav_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_recv(internal)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_send(@extschema@.pav_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pav_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.pav_state (
	INPUT = @extschema@.pav_state_in,
	OUTPUT = @extschema@.pav_state_out,
	RECEIVE = @extschema@.pav_state_recv,
	SEND = @extschema@.pav_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.pav_state IS
'mergeable sorted calibration state: per distinct prediction p the sums of w, w*y and w*y^2; exact up to 1048576 distinct p, then p rounded to multiples of 2^-19; JSON-shaped versioned text form';

CREATE TYPE @extschema@.corp_decomposition_result AS (score float8, mcb float8, dsc float8, unc float8);

COMMENT ON TYPE @extschema@.corp_decomposition_result IS
'CORP decomposition of a mean score (the Brier score or the log loss): score = mcb - dsc + unc';

CREATE FUNCTION @extschema@.pav_state_agg_trans(@extschema@.pav_state, float8, boolean)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_agg_trans(@extschema@.pav_state, float8, float8)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_trans_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_agg_trans(@extschema@.pav_state, float8, boolean, float8)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_agg_trans(@extschema@.pav_state, float8, float8, float8)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_trans_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_combine(@extschema@.pav_state, @extschema@.pav_state)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_agg_final(@extschema@.pav_state)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_isotonic(s @extschema@.pav_state)
RETURNS @extschema@.recal_model
AS 'MODULE_PATHNAME', 'pav_isotonic'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_isotonic(@extschema@.pav_state) IS
'isotonic recalibrator of a state: the PAV fit as scikit-learn''s IsotonicRegression(out_of_bounds=''clip'') builds it';

CREATE FUNCTION @extschema@.pav_corp(s @extschema@.pav_state)
RETURNS @extschema@.corp_decomposition_result
AS 'MODULE_PATHNAME', 'pav_corp_terms'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_corp(@extschema@.pav_state) IS
'CORP decomposition of the mean Brier score (Dimitriadis, Gneiting and Jordan 2021): score = mcb - dsc + unc';
-- @upgrade }

-- @upgrade pav_corp {
CREATE FUNCTION @extschema@.pav_corp(s @extschema@.pav_state, metric text)
RETURNS @extschema@.corp_decomposition_result
AS 'MODULE_PATHNAME', 'pav_corp_terms'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_corp(@extschema@.pav_state, text) IS
'CORP decomposition of the mean Brier score (metric ''brier'') or log loss (''log_loss''), both with the PAV fit: score = mcb - dsc + unc';
-- @upgrade }

-- @upgrade pav_corp_svg {
CREATE FUNCTION @extschema@.pav_corp_svg(s @extschema@.pav_state, title text DEFAULT NULL,
	replicates integer DEFAULT 0, level float8 DEFAULT 0.9, seed bigint DEFAULT 0)
RETURNS text
AS 'MODULE_PATHNAME', 'pav_corp_svg'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_corp_svg(@extschema@.pav_state, text, integer, float8, bigint) IS
'CORP reliability diagram (PAV-recalibrated probability against the prediction) as an SVG document; with replicates > 0 the consistency band of pav_corp_bands';
-- @upgrade }

-- @upgrade pav_corp_bands {
CREATE FUNCTION @extschema@.pav_corp_bands(s @extschema@.pav_state, replicates integer DEFAULT 100,
	level float8 DEFAULT 0.9, seed bigint DEFAULT 0,
	OUT p float8, OUT fit float8, OUT lower float8, OUT upper float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pav_corp_bands'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;

COMMENT ON FUNCTION @extschema@.pav_corp_bands(@extschema@.pav_state, integer, float8, bigint) IS
'consistency band of the CORP diagram: at up to 1000 distinct predictions, the PAV fit and the pointwise quantiles of PAV fits to outcomes resampled under calibration (y ~ Bernoulli(p), weights read as row counts)';
-- @upgrade }

-- @upgrade pav_equal_mass_ece {
CREATE FUNCTION @extschema@.pav_equal_mass_ece(s @extschema@.pav_state, nbins integer DEFAULT 15)
RETURNS float8
AS 'MODULE_PATHNAME', 'pav_equal_mass_ece'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_equal_mass_ece(@extschema@.pav_state, integer) IS
'ECE with nbins equal-mass bins; rows sharing a prediction stay together, in the bin holding the midpoint of their cumulative weight';

CREATE FUNCTION @extschema@.pav_debiased_squared_ece(s @extschema@.pav_state, nbins integer DEFAULT 15)
RETURNS float8
AS 'MODULE_PATHNAME', 'pav_debiased_sq_ece'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_debiased_squared_ece(@extschema@.pav_state, integer) IS
'debiased estimate of the squared ECE (Kumar, Liang and Ma 2019) over nbins equal-mass bins; may be negative';

CREATE FUNCTION @extschema@.pav_info(s @extschema@.pav_state)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pav_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_info(@extschema@.pav_state) IS
'grid mode, rows, distinct predictions, the exact limit, total weight and weighted outcome of a pav_state';

CREATE AGGREGATE @extschema@.pav_state_agg(p float8, y boolean) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_agg(float8, boolean) IS
'sorted calibration state of (p, y [, weight]) rows';

CREATE AGGREGATE @extschema@.pav_state_agg(p float8, y float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_agg(float8, float8) IS
'sorted calibration state of (p, y [, weight]) rows';

CREATE AGGREGATE @extschema@.pav_state_agg(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_agg(float8, boolean, float8) IS
'sorted calibration state of (p, y [, weight]) rows; rows weighted';

CREATE AGGREGATE @extschema@.pav_state_agg(p float8, y float8, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_agg(float8, float8, float8) IS
'sorted calibration state of (p, y [, weight]) rows; rows weighted';

CREATE AGGREGATE @extschema@.isotonic_scaling(p float8, y boolean) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_isotonic, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.isotonic_scaling(float8, boolean) IS
'isotonic recalibration fitted by PAV, equal to scikit-learn''s IsotonicRegression(out_of_bounds=''clip'')';

CREATE AGGREGATE @extschema@.isotonic_scaling(p float8, y float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_isotonic, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.isotonic_scaling(float8, float8) IS
'isotonic recalibration fitted by PAV, equal to scikit-learn''s IsotonicRegression(out_of_bounds=''clip'')';

CREATE AGGREGATE @extschema@.isotonic_scaling(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_isotonic, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.isotonic_scaling(float8, boolean, float8) IS
'isotonic recalibration fitted by PAV, equal to scikit-learn''s IsotonicRegression(out_of_bounds=''clip''); rows weighted';

CREATE AGGREGATE @extschema@.isotonic_scaling(p float8, y float8, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_isotonic, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.isotonic_scaling(float8, float8, float8) IS
'isotonic recalibration fitted by PAV, equal to scikit-learn''s IsotonicRegression(out_of_bounds=''clip''); rows weighted';

CREATE AGGREGATE @extschema@.corp_decomposition(p float8, y boolean) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_corp, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.corp_decomposition(float8, boolean) IS
'CORP decomposition of the mean Brier score: (score, mcb, dsc, unc), score = mcb - dsc + unc';

CREATE AGGREGATE @extschema@.corp_decomposition(p float8, y float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_corp, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.corp_decomposition(float8, float8) IS
'CORP decomposition of the mean Brier score: (score, mcb, dsc, unc), score = mcb - dsc + unc';

CREATE AGGREGATE @extschema@.corp_decomposition(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_corp, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.corp_decomposition(float8, boolean, float8) IS
'CORP decomposition of the mean Brier score: (score, mcb, dsc, unc), score = mcb - dsc + unc; rows weighted';

CREATE AGGREGATE @extschema@.corp_decomposition(p float8, y float8, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_corp, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.corp_decomposition(float8, float8, float8) IS
'CORP decomposition of the mean Brier score: (score, mcb, dsc, unc), score = mcb - dsc + unc; rows weighted';

CREATE AGGREGATE @extschema@.pav_state_merge(@extschema@.pav_state) (
	SFUNC = @extschema@.pav_state_combine, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_merge(@extschema@.pav_state) IS
'merge stored pav_state values: the state of the union of their rows';
-- @upgrade }
