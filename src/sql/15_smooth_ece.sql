-- 15_smooth_ece.sql: smooth ECE over calibration states (doc/calibration.md,
-- "Smooth ECE").  New in 0.2.0: the block marked below is copied into
-- prefcal--0.1.0--0.2.0.sql at build time.

-- @upgrade smooth_ece {
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
-- @upgrade }
