-- bt_bootstrap: the Bradley-Terry bootstrap against the reference vectors
-- of an independent numpy implementation (test/ref/bootstrap/
-- bt_bootstrap_ref.py: the documented weight generator, its own Newton
-- fit, scipy's strongly connected components) to 1e-8; the states of a
-- serial scan, of merged parts and of a parallel plan are the same value;
-- the replicate weights are calibration_bootstrap's; errors.
CREATE FUNCTION pg_temp.close(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a = b OR abs(a - b) <= 1e-8 * greatest(1, abs(b)) $$;

CREATE TEMP TABLE btr (id int, first text, second text, outcome float8, weight float8, cluster text);
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/bootstrap/bt_rows.csv'
\set cmd '\\copy btr FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE ref_rep (name text, replicate int, item text, score float8);
\set f :abs_srcdir '/test/ref/bootstrap/bt_replicates.csv'
\set cmd '\\copy ref_rep FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
CREATE TEMP TABLE ref_ci (name text, item text, level float8, estimate float8,
  lower float8, upper float8, se float8, failed int);
\set f :abs_srcdir '/test/ref/bootstrap/bt_ci.csv'
\set cmd '\\copy ref_ci FROM ' :'f' ' WITH (FORMAT csv, HEADER)'
:cmd
SELECT (SELECT count(*) FROM btr) AS rows, (SELECT count(*) FROM ref_rep) AS replicate_scores,
       (SELECT count(*) FROM ref_ci) AS intervals;

-- the script's two cases: clusters of judges (prior 0: some replicates
-- fail), and every row its own cluster with a prior and a position effect
CREATE TEMP TABLE cases AS
SELECT 'cluster_judge' AS name, 0::float8 AS prior, false AS pos,
       (SELECT bt_bootstrap(first, second, outcome, weight, cluster, 40, 5) FROM btr) AS s
UNION ALL
SELECT 'row_prior_position', 0.1, true,
       (SELECT bt_bootstrap(first, second, outcome, weight, id::text, 30, -2) FROM btr);

-- every replicate's every score (NULL where the reference's fit fails)
SELECT c.name, count(*) AS scores,
       count(*) FILTER (WHERE r.score IS NULL) AS failed_scores,
       count(*) FILTER (WHERE NOT (pg_temp.close(g.score, r.score)
                                   OR (g.score IS NULL AND r.score IS NULL))) AS differ
FROM cases c
CROSS JOIN LATERAL bt_replicates(c.s, prior => c.prior, position_effect => c.pos, tol => 1e-12) g
FULL JOIN ref_rep r ON r.name = c.name AND r.replicate = g.replicate AND r.item = g.item
GROUP BY c.name ORDER BY c.name;

-- intervals at level 0.9, and the failures
SELECT c.name, count(*) AS items,
       bool_and(pg_temp.close(g.estimate, r.estimate) AND pg_temp.close(g.lower, r.lower)
                AND pg_temp.close(g.upper, r.upper) AND pg_temp.close(g.se, r.se)) AS same
FROM cases c
CROSS JOIN LATERAL bt_ci(c.s, prior => c.prior, position_effect => c.pos, tol => 1e-12, level => 0.9) g
JOIN ref_ci r ON r.name = c.name AND r.item = g.item
GROUP BY c.name ORDER BY c.name;
SELECT c.name, (j->>'failed')::int AS failed, (j->>'failed')::int = r.failed AS as_reference,
       j->>'first_failure' AS first_failure, j->'position_effect' IS NOT NULL AND j->'position_effect' <> 'null' AS has_position,
       (j->>'not_converged')::int AS not_converged
FROM cases c, LATERAL bt_ci_summary(c.s, prior => c.prior, position_effect => c.pos, tol => 1e-12, level => 0.9) j,
     (SELECT DISTINCT name, failed FROM ref_ci) r
WHERE r.name = c.name ORDER BY c.name;
SELECT pg_temp.close((j->'position_effect'->>'estimate')::float8, r.estimate) AND
       pg_temp.close((j->'position_effect'->>'lower')::float8, r.lower) AND
       pg_temp.close((j->'position_effect'->>'upper')::float8, r.upper) AND
       pg_temp.close((j->'position_effect'->>'se')::float8, r.se) AS position_same
FROM cases c, LATERAL bt_ci_summary(c.s, prior => 0.1, position_effect => true, tol => 1e-12, level => 0.9) j,
     ref_ci r
WHERE c.name = 'row_prior_position' AND r.name = c.name AND r.item = '(position)';

-- the estimate is bt_fit's on the same rows (to rounding: the pairs are
-- summed in another order)
SELECT bool_and(abs(g.estimate - b.score) < 1e-12) AS estimate_is_bt_fit
FROM cases c, LATERAL bt_ci(c.s) g,
     bt_scores((SELECT bt_fit(bt_state_agg(first, second, outcome, weight)) FROM btr)) b
WHERE c.name = 'cluster_judge' AND b.item = g.item;

-- predictions: P(alpha beats zeta) in every replicate from the reference
-- scores; the interval and se from those (the interval's bounds are type 6
-- quantiles, the (n + 1) q-th order statistic interpolated)
CREATE FUNCTION pg_temp.q6(v float8[], q float8) RETURNS float8 LANGUAGE sql AS $$
  SELECT CASE WHEN h <= 1 THEN s[1] WHEN h >= n THEN s[n]
              ELSE s[floor(h)::int] + (h - floor(h)) * (s[floor(h)::int + 1] - s[floor(h)::int]) END
  FROM (SELECT array_agg(x ORDER BY x) AS s, count(*)::int AS n, (count(*) + 1) * q AS h
        FROM unnest(v) x) t $$;
SELECT pg_temp.close(p.estimate, 1 / (1 + exp(-(a0.score - z0.score)))) AS estimate_same,
       pg_temp.close(p.lower, q.lower) AND pg_temp.close(p.upper, q.upper)
         AND pg_temp.close(p.se, q.se) AS interval_same
FROM cases c,
     LATERAL bt_ci_predict(c.s, 'alpha', 'zeta', prior => 0.1, position_effect => true, tol => 1e-12) p,
     ref_rep a0, ref_rep z0,
     (SELECT pg_temp.q6(array_agg(v), 0.025) AS lower,
             pg_temp.q6(array_agg(v), 0.975) AS upper, stddev_samp(v) AS se
      FROM (SELECT 1 / (1 + exp(-(a.score - z.score))) AS v
            FROM ref_rep a JOIN ref_rep z USING (name, replicate)
            WHERE name = 'row_prior_position' AND replicate > 0
              AND a.item = 'alpha' AND z.item = 'zeta') x) q
WHERE c.name = 'row_prior_position'
  AND a0.name = c.name AND a0.replicate = 0 AND a0.item = 'alpha'
  AND z0.name = c.name AND z0.replicate = 0 AND z0.item = 'zeta';
SELECT (bt_ci_predict(s, 'alpha', 'nobody')).estimate IS NULL AS unknown_item
FROM cases WHERE name = 'cluster_judge';

-- the replicate weights are calibration_bootstrap's (bootstrap_weight):
-- each replicate's total count is the sum of its rows' weights
SELECT count(*) AS replicates,
       count(*) FILTER (WHERE g.total <> r.total) AS differ
FROM (SELECT (o - 1) % 41 AS replicate, sum(v::float8) AS total
      FROM cases, jsonb_array_elements_text(s::text::jsonb->'counts') WITH ORDINALITY e(v, o)
      WHERE name = 'cluster_judge' GROUP BY 1) g
JOIN (SELECT b AS replicate,
             sum(weight * CASE WHEN b = 0 THEN 1 ELSE bootstrap_weight(cluster, b, 5) END) AS total
      FROM btr, generate_series(0, 40) b GROUP BY b) r USING (replicate);

-- one value whatever the plan: serial, rows in another order, merged
-- parts, a parallel plan (the weights are dyadic, so the sums are exact)
CREATE TEMP TABLE st AS
SELECT bt_bootstrap(first, second, outcome, weight, cluster, 20, 9) AS s FROM btr;
SELECT (SELECT bt_bootstrap(first, second, outcome, weight, cluster, 20, 9 ORDER BY id DESC) FROM btr)::text
       = s::text AS order_free FROM st;
SELECT (SELECT bt_bootstrap_merge(p) FROM
          (SELECT bt_bootstrap(first, second, outcome, weight, cluster, 20, 9) AS p
           FROM btr GROUP BY id % 7) q)::text = s::text AS merged_same FROM st;
CREATE TABLE btr_par AS SELECT * FROM btr, generate_series(1, 20) g;
ALTER TABLE btr_par SET (parallel_workers = 2);
ANALYZE btr_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT bt_bootstrap(first, second, outcome, weight, cluster, 20, 9) FROM btr_par;
CREATE TEMP TABLE par AS SELECT bt_bootstrap(first, second, outcome, weight, cluster, 20, 9) AS s FROM btr_par;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
SELECT par.s::text = (SELECT bt_bootstrap(first, second, outcome, weight, cluster, 20, 9) FROM btr_par)::text
       AS parallel_same FROM par;
RESET max_parallel_workers_per_gather;
DROP TABLE btr_par;

-- text round trip; the text reads as jsonb; the size of a state
SELECT s::text::bt_bootstrap_state::text = s::text AS text_round_trip,
       jsonb_typeof(s::text::jsonb) AS json, s::text::jsonb->'items' AS items,
       jsonb_array_length(s::text::jsonb->'first') AS pairs
FROM st;
-- NULL rows are skipped; no rows give NULL
SELECT (SELECT bt_bootstrap(first, second, outcome, weight, c, 20, 9)
        FROM (SELECT *, cluster AS c FROM btr UNION ALL
              SELECT id, first, second, NULL, weight, cluster, cluster FROM btr UNION ALL
              SELECT id, first, second, outcome, weight, cluster, NULL FROM btr) q)::text
       = s::text AS nulls_skipped,
       (SELECT bt_bootstrap(first, second, outcome, weight, cluster) FROM btr WHERE false) IS NULL AS empty_null,
       (SELECT count(*) FROM bt_ci(NULL::bt_bootstrap_state)) AS null_state_rows
FROM st;
-- default replicates and seed
SELECT (s::text::jsonb->>'replicates')::int AS replicates, (s::text::jsonb->>'seed')::int AS seed
FROM (SELECT bt_bootstrap(first, second, outcome, weight, cluster) AS s FROM btr) q;

-- errors
\set VERBOSITY terse
SELECT bt_bootstrap(first, second, outcome, weight, cluster, 0) FROM btr;
SELECT bt_bootstrap(first, second, outcome, weight, cluster, 10001) FROM btr;
SELECT bt_bootstrap('a', 'b', 2, 1, 'k');
SELECT bt_bootstrap('a', 'b', 1, -1, 'k');
SELECT bt_bootstrap('a', 'a', 1, 1, 'k');
SELECT bt_bootstrap(first, second, outcome, weight, cluster, 10, id) FROM btr;
SELECT bt_bootstrap_merge(s) FROM (SELECT bt_bootstrap('a', 'b', 1, 1, 'k', 10, 1) s
                                   UNION ALL SELECT bt_bootstrap('a', 'b', 1, 1, 'k', 10, 2)) q;
SELECT bt_bootstrap('a', 'b', 1, 1e307, 'k', 3);
SELECT * FROM bt_ci((SELECT s FROM st), level => 1);
SELECT * FROM bt_ci((SELECT s FROM st), ties => 'sometimes');
SELECT * FROM bt_ci((SELECT s FROM st), prior => NULL);
SELECT * FROM bt_ci((SELECT bt_bootstrap(w, l, 1, 1, w, 5) FROM (VALUES ('a', 'b'), ('b', 'c')) v(w, l)));
\set VERBOSITY default
-- text input: a version, items given twice, a pair of an item with itself,
-- a pair given twice, a replicate count without rows, a negative count,
-- too few counts, lists of different lengths
SELECT '{"version":2,"replicates":1,"seed":0,"items":[],"first":[],"second":[],"counts":[]}'::bt_bootstrap_state;
SELECT '{"version":1,"replicates":1,"seed":0,"items":["a","a"],"first":[0],"second":[1],"counts":[1,1,0,0,0,0]}'::bt_bootstrap_state;
SELECT '{"version":1,"replicates":1,"seed":0,"items":["a","b"],"first":[0],"second":[0],"counts":[1,1,0,0,0,0]}'::bt_bootstrap_state;
SELECT '{"version":1,"replicates":1,"seed":0,"items":["a","b"],"first":[0,0],"second":[1,1],"counts":[1,1,0,0,0,0,1,1,0,0,0,0]}'::bt_bootstrap_state;
SELECT '{"version":1,"replicates":1,"seed":0,"items":["a","b"],"first":[0],"second":[1],"counts":[0,1,0,0,0,0]}'::bt_bootstrap_state;
SELECT '{"version":1,"replicates":1,"seed":0,"items":["a","b"],"first":[0],"second":[1],"counts":[1,-1,0,0,0,0]}'::bt_bootstrap_state;
SELECT '{"version":1,"replicates":1,"seed":0,"items":["a","b"],"first":[0],"second":[1],"counts":[1,1,0,0,0]}'::bt_bootstrap_state;
SELECT '{"version":1,"replicates":1,"seed":0,"items":["a","b"],"first":[0],"second":[1,0],"counts":[1,1,0,0,0,0]}'::bt_bootstrap_state;
-- a valid value written by hand reads and fits
SELECT (bt_ci_summary('{"version":1,"replicates":2,"seed":0,"items":["a","b"],"first":[0,1],"second":[1,0],"counts":[2,1,3,1,2,0,0,0,0,1,0,2,2,1,1,0,0,0]}'::bt_bootstrap_state))->>'failed' AS failed;
