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
--    and prefcal_version().
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
