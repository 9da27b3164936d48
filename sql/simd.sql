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

-- the K-class aggregates agree at every level this machine supports
-- (37 classes: the vector loops and their tails; 2 classes: below a vector)
CREATE TEMP TABLE simd_k AS
SELECT r, k, (SELECT array_agg(v / t ORDER BY c)
              FROM (SELECT c, v, sum(v) OVER () AS t
                    FROM (SELECT c, 1.0001 + sin(r * 7.3 + c * c * 0.37) AS v
                          FROM generate_series(1, k) AS c) s1) s2) AS probs,
       (r * 5) % k AS label
FROM generate_series(1, 300) AS r, (VALUES (2), (37)) AS kk(k);
CREATE FUNCTION pg_temp.k_results(lvl text, kc int,
                                  OUT brier float8, OUT ece float8)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.set_config('prefcal.simd', lvl, true);
    SELECT brier_score(probs, label), ece_agg(probs, label, 10)
      INTO brier, ece FROM simd_k WHERE k = kc;
END
$$;
SELECT kc, bool_and(abs(l.brier - s.brier) <= 1e-13 * s.brier) AS brier_agrees,
       bool_and(l.ece = s.ece) AS ece_identical,
       round(min(s.brier)::numeric, 10) AS brier, round(min(s.ece)::numeric, 10) AS ece
FROM (VALUES (2), (37)) AS kk(kc),
     LATERAL pg_temp.k_results('scalar', kc) AS s,
     LATERAL unnest(prefcal_simd_levels()) AS lvl,
     LATERAL pg_temp.k_results(lvl, kc) AS l
GROUP BY kc ORDER BY kc;
-- a bad element late in the vector is caught at every level, with the
-- same SQLSTATE: NaN (22023), just above 1 (22003), below 0 (22003)
CREATE FUNCTION pg_temp.bad_state(lvl text, bad float8) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    x float8[] := array_fill(0.0::float8, ARRAY[37]);
BEGIN
    PERFORM pg_catalog.set_config('prefcal.simd', lvl, true);
    x[34] := bad;
    PERFORM brier_score(x, 0);
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
SELECT bad, count(DISTINCT pg_temp.bad_state(lvl, bad)) AS outcomes,
       min(pg_temp.bad_state(lvl, bad)) AS sqlstate
FROM unnest(prefcal_simd_levels()) AS lvl,
     unnest(ARRAY['NaN', '1.0000000000000002', '-5e-324']::float8[]) AS bad
GROUP BY bad ORDER BY bad;
RESET prefcal.simd;
