-- simd: the prefcal.simd setting and the functions that report levels.
-- The expected output must not depend on the CPU: levels a CPU may lack
-- are only checked for consistency with prefcal_simd_levels().

-- scalar is always available and always the first level listed
SET prefcal.simd = 'scalar';
SHOW prefcal.simd;
SELECT prefcal_simd_level();
SELECT (prefcal_simd_levels())[1] AS first_level;
SELECT prefcal_simd_levels() <@ ARRAY['scalar', 'avx2', 'avx512', 'neon'] AS known_levels;

-- auto picks the best listed level
SET prefcal.simd = 'auto';
SHOW prefcal.simd;
SELECT prefcal_simd_level() =
       (prefcal_simd_levels())[array_length(prefcal_simd_levels(), 1)] AS auto_is_best;

-- every named level: accepted (and then in use) exactly when listed;
-- refused with SQLSTATE 0A000 otherwise
CREATE FUNCTION pg_temp.try_level(lvl text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.set_config('prefcal.simd', lvl, true);
    RETURN lvl = ANY (prefcal_simd_levels()) AND prefcal_simd_level() = lvl;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE = '0A000' AND NOT lvl = ANY (prefcal_simd_levels());
END
$$;
SELECT lvl, pg_temp.try_level(lvl) AS consistent
FROM unnest(ARRAY['scalar', 'avx2', 'avx512', 'neon']) AS lvl;

-- neither a refused level nor a transaction-local one changes the session's
SET prefcal.simd = 'scalar';
SELECT pg_temp.try_level(lvl)
FROM unnest(ARRAY['avx2', 'avx512', 'neon']) AS lvl;
SELECT prefcal_simd_level();

-- unknown values are refused whatever the CPU
SET prefcal.simd = 'sse9';
\echo :LAST_ERROR_SQLSTATE
SET prefcal.simd = '';
\echo :LAST_ERROR_SQLSTATE
SHOW prefcal.simd;

-- the setting is per session and per transaction
BEGIN;
SET LOCAL prefcal.simd = 'auto';
SELECT prefcal_simd_level() = (prefcal_simd_levels())[array_length(prefcal_simd_levels(), 1)] AS local_auto;
COMMIT;
SELECT prefcal_simd_level();

RESET prefcal.simd;
