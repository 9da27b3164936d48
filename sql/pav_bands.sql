-- pav_bands: the consistency band of the CORP diagram (pav_corp_bands) against
-- an independent implementation of the documented resampling
-- (test/ref/pav/bands_ref.py), its determinism, and its errors.
SET extra_float_digits = 0;
CREATE FUNCTION pg_temp.close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a = b OR abs(a - b) <= 1e-12 $$;
CREATE TEMP TABLE brows (name text, p float8, y float8, w float8);
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/pav/bands_rows.csv'
\set cmd '\\copy brows FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE bref (name text, replicates int, level float8, seed bigint,
                        p float8, fit float8, lower float8, upper float8);
\set f :abs_srcdir '/test/ref/pav/bands.csv'
\set cmd '\\copy bref FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE bst AS SELECT name, pav_state_agg(p, y, w) AS s FROM brows GROUP BY name;

-- 1. every evaluation point, fit and band equal to the reference (1e-12)
CREATE TEMP TABLE got AS
SELECT r.name, r.replicates, r.level, r.seed, b.*
FROM (SELECT DISTINCT name, replicates, level, seed FROM bref) r JOIN bst USING (name),
     LATERAL pav_corp_bands(bst.s, r.replicates, r.level, r.seed) b;
SELECT name, replicates, level, seed, count(*) AS points,
       bool_and(pg_temp.close(g.fit, f.fit)) AS fit_ok,
       bool_and(pg_temp.close(g.lower, f.lower)) AS lower_ok,
       bool_and(pg_temp.close(g.upper, f.upper)) AS upper_ok,
       bool_and(g.lower <= g.upper) AS ordered
FROM got g JOIN bref f USING (name, replicates, level, seed, p)
GROUP BY name, replicates, level, seed ORDER BY name, seed;
-- the join lost no point of either side
SELECT (SELECT count(*) FROM bref) AS reference_points, (SELECT count(*) FROM got) AS points;

-- 2. deterministic for a seed, different for another; the band narrows
--    as the level falls; a merged state gives the same band
SELECT (SELECT array_agg(b ORDER BY b.p) FROM pav_corp_bands(s, 30, 0.9, 1) b)
     = (SELECT array_agg(b ORDER BY b.p) FROM pav_corp_bands(s, 30, 0.9, 1) b) AS same_seed_same_band,
       (SELECT array_agg(b ORDER BY b.p) FROM pav_corp_bands(s, 30, 0.9, 1) b)
    <> (SELECT array_agg(b ORDER BY b.p) FROM pav_corp_bands(s, 30, 0.9, 2) b) AS other_seed_other_band,
       (SELECT bool_and(n.upper - n.lower <= w.upper - w.lower)
        FROM pav_corp_bands(s, 30, 0.5, 1) n JOIN pav_corp_bands(s, 30, 0.95, 1) w USING (p)) AS nested
FROM bst WHERE name = 'ties';
SELECT (SELECT array_agg(b ORDER BY b.p) FROM pav_corp_bands(m, 20, 0.9, 3) b)
     = (SELECT array_agg(b ORDER BY b.p) FROM bst, pav_corp_bands(s, 20, 0.9, 3) b WHERE name = 'ties') AS merged_same
FROM (SELECT pav_state_merge(s) AS m FROM (
        SELECT pav_state_agg(p, y, w) AS s FROM brows WHERE name = 'ties' GROUP BY p < 0.5) parts) m;

-- 3. the diagram draws the band only when asked
SELECT position('<polygon' IN pav_corp_svg(s)) = 0 AS no_band_by_default,
       position('consistency band, 50 replicates' IN pav_corp_svg(s, 'ties', 50)) > 0 AS band_drawn,
       pav_corp_svg(s, NULL, 50, NULL, NULL) = pav_corp_svg(s, NULL, 50, 0.9, 0) AS null_is_default
FROM bst WHERE name = 'ties';

-- 4. an empty state has no band; errors
SELECT count(*) AS empty_rows FROM pav_corp_bands((SELECT pav_state_agg(p, y) FROM brows WHERE false));
\set VERBOSITY terse
SELECT * FROM bst, pav_corp_bands(s, 0) WHERE name = 'ties';
SELECT * FROM bst, pav_corp_bands(s, 10001) WHERE name = 'ties';
SELECT * FROM bst, pav_corp_bands(s, 10, 1.0) WHERE name = 'ties';
SELECT * FROM bst, pav_corp_bands(s, 10, 'NaN') WHERE name = 'ties';
SELECT pav_corp_svg(s, NULL, -1) FROM bst WHERE name = 'ties';
SELECT * FROM pav_corp_bands((SELECT pav_state_agg(0.5, true, 3e9)), 10);
