-- prefcal install script: generated from the fragments in src/sql/ by the Makefile; edit those.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION prefcal" to load this file. \quit

/*
 * Conventions for every fragment (see doc/internals.md):
 *  - plain CREATE only, never the replacing or the conditional forms
 *    (either would let a pre-existing object be captured);
 *  - every reference inside a SQL or PL/pgSQL body is schema-qualified
 *    (@extschema@ for ours, pg_catalog for core) and those functions carry
 *    SET search_path = pg_catalog, pg_temp;
 *  - volatility tells the truth: maths IMMUTABLE STRICT PARALLEL SAFE;
 *    STABLE where the result depends on a setting (the last bits of the
 *    functions whose kernels follow prefcal.simd) or on the loaded library
 *    (prefcal_version), and for readers of stored models; writers VOLATILE
 *    PARALLEL UNSAFE.
 */

CREATE FUNCTION @extschema@.prefcal_version()
RETURNS text
AS 'MODULE_PATHNAME', 'prefcal_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.prefcal_version() IS
'version of the loaded prefcal library';

CREATE FUNCTION @extschema@.prefcal_simd_level()
RETURNS text
AS 'MODULE_PATHNAME', 'prefcal_simd_level'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.prefcal_simd_level() IS
'kernel table in use: scalar, avx2, avx512 or neon (see the prefcal.simd setting)';
