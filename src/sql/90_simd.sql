
-- SIMD kernel levels (src/kernels_guc.c); prefcal_simd_level() is in 00_header.sql

CREATE FUNCTION @extschema@.prefcal_simd_levels()
RETURNS text[]
AS 'MODULE_PATHNAME', 'prefcal_simd_levels'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.prefcal_simd_levels() IS
'SIMD levels the prefcal.simd setting accepts on this machine, scalar first and the best last';
