-- test/ref/consistency/repeats_table.sql: the "how many repeats does my
-- design need" table of doc/annotation.md.  Run with psql in a database
-- where prefcal is installed.  Default simulator settings (mixture
-- 0.6/0.2/0.2, position bias 0.1, two framings = four conditions),
-- 200 annotators x 20 pairs = 4000 groups per cell, seed 77.
SELECT repeats, genuine_strength AS strength,
       round(avg((CASE WHEN tt LIKE 'constructed%' THEN 'constructed' ELSE tt END = (c).label)::int)::numeric, 3) AS accuracy,
       round(avg(((c).label = 'insufficient')::int)::numeric, 3) AS insufficient,
       round((avg(((c).label = 'genuine')::int) FILTER (WHERE tt = 'genuine'))::numeric, 3) AS genuine_recall,
       round((avg(((c).label = 'non_attitude')::int) FILTER (WHERE tt = 'non_attitude'))::numeric, 3) AS non_attitude_recall,
       round((avg(((c).label = 'constructed')::int) FILTER (WHERE tt LIKE 'constructed%'))::numeric, 3) AS constructed_recall
FROM (SELECT r AS repeats, s AS genuine_strength, min(true_type) tt,
             classify_preference_consistency(chose_a, condition) c
      FROM unnest(ARRAY[1, 2, 3, 4, 6, 8]) r, unnest(ARRAY[0.7, 0.8, 0.9, 0.95]::float8[]) s,
           LATERAL simulate_annotations(77, n_annotators => 200, repeats => r, genuine_strength => s)
      GROUP BY r, s, annotator, item_a, item_b) x
GROUP BY 1, 2 ORDER BY 1, 2;
