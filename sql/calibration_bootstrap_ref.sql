-- calibration_bootstrap_ref: agreement with the reference vectors of an
-- independent numpy implementation of the replicate-weight generator and
-- the measures (test/ref/bootstrap/bootstrap_ref.py): weights exactly,
-- replicate measures and intervals to 1e-12.
CREATE FUNCTION pg_temp.close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a = b OR abs(a - b) <= 1e-12 * greatest(1, abs(b)) $$;

CREATE TEMP TABLE ref_w (key text, seed bigint, replicate int, weight int);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/bootstrap/weights.csv'
\set cmd '\\copy ref_w FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE ref_rows (id int, cluster text, p float8, y boolean, ys float8, w float8);
\set f :abs_srcdir '/test/ref/bootstrap/rows.csv'
\set cmd '\\copy ref_rows FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE ref_rep (name text, metric text, replicate int, value float8);
\set f :abs_srcdir '/test/ref/bootstrap/replicates.csv'
\set cmd '\\copy ref_rep FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE ref_ci (name text, metric text, level float8, estimate float8,
  lower float8, upper float8, se float8);
\set f :abs_srcdir '/test/ref/bootstrap/ci.csv'
\set cmd '\\copy ref_ci FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
SELECT (SELECT count(*) FROM ref_w) AS weights, (SELECT count(*) FROM ref_rows) AS rows,
       (SELECT count(*) FROM ref_rep) AS replicate_values, (SELECT count(*) FROM ref_ci) AS intervals;

-- the generator: every weight, bit for bit; and the largest seen
SELECT count(*) FILTER (WHERE bootstrap_weight(key, replicate, seed) <> weight) AS differ,
       max(weight) AS largest
FROM ref_w;

-- the three cases of the script
CREATE TEMP TABLE cases AS
SELECT 'cluster_bool' AS name,
       (SELECT calibration_bootstrap(p, y, 10, cluster, 60, 7) FROM ref_rows) AS s
UNION ALL
SELECT 'cluster_soft_w',
       (SELECT calibration_bootstrap(p, ys, 15, cluster, 40, -3, w) FROM ref_rows)
UNION ALL
SELECT 'row_bool',
       (SELECT calibration_bootstrap(p, y, 15, id::text, 50, 0) FROM ref_rows);

-- every replicate's measure (NULL where the reference has none)
SELECT r.name, r.metric, count(*) AS replicates,
       count(*) FILTER (WHERE NOT (pg_temp.close(g.value, r.value)
                                   OR (g.value IS NULL AND r.value IS NULL))) AS differ
FROM ref_rep r
JOIN cases c USING (name)
JOIN LATERAL calibration_bootstrap_replicates(c.s, r.metric) g ON g.replicate = r.replicate
GROUP BY 1, 2 ORDER BY 1, 2;

-- the intervals
SELECT r.name, r.metric, r.level,
       pg_temp.close(g.estimate, r.estimate) AS estimate,
       pg_temp.close(g.lower, r.lower) AS lower,
       pg_temp.close(g.upper, r.upper) AS upper,
       pg_temp.close(g.se, r.se) AS se
FROM ref_ci r JOIN cases c USING (name),
     LATERAL calibration_ci(c.s, r.metric, r.level) g
WHERE NOT (pg_temp.close(g.estimate, r.estimate) AND pg_temp.close(g.lower, r.lower)
           AND pg_temp.close(g.upper, r.upper) AND pg_temp.close(g.se, r.se))
ORDER BY 1, 2, 3;
SELECT count(*) AS intervals_checked FROM ref_ci r JOIN cases c USING (name);

-- smooth ECE has no numpy twin here: each replicate's value is
-- calibration_smooth_ece of calibration_state_agg over the rows weighted by
-- their bootstrap_weight, to 1e-12
SELECT count(*) AS replicates,
       count(*) FILTER (WHERE NOT pg_temp.close(g.value,
         (SELECT calibration_smooth_ece(calibration_state_agg(p, y, 10,
                   bootstrap_weight(cluster, g.replicate, 7)::float8))
          FROM ref_rows))) AS differ
FROM cases c, LATERAL calibration_bootstrap_replicates(c.s, 'smooth_ece') g
WHERE c.name = 'cluster_bool';
