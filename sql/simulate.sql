-- simulate_annotations (doc/annotation.md, "The simulator")
-- shape: every pair under every condition x repeat
SELECT count(*) AS n_rows, count(DISTINCT (annotator, item_a, item_b)) AS groups,
       count(DISTINCT condition) AS conditions, min(rep), max(rep), min(framing), max(framing)
FROM simulate_annotations(1, n_annotators => 10, pairs_per_annotator => 5, repeats => 3, framings => 3);
-- deterministic for a seed; another seed differs
SELECT (SELECT array_agg(chose_a) FROM simulate_annotations(42)) = (SELECT array_agg(chose_a) FROM simulate_annotations(42)) AS same,
       (SELECT array_agg(chose_a) FROM simulate_annotations(42)) = (SELECT array_agg(chose_a) FROM simulate_annotations(43)) AS other;
-- the first annotators' rows do not depend on n_annotators
SELECT (SELECT array_agg(chose_a) FROM simulate_annotations(7, n_annotators => 3) WHERE annotator <= 3)
     = (SELECT array_agg(chose_a) FROM simulate_annotations(7, n_annotators => 9) WHERE annotator <= 3) AS stable;
-- consistency of the columns
SELECT bool_and(chose_first_shown = (chose_a = a_shown_first)) AS first_shown_ok,
       bool_and(condition = 'order=' || CASE WHEN a_shown_first THEN 'ab' ELSE 'ba' END || ';framing=' || framing) AS condition_ok,
       bool_and(abs(true_p - 1 / (1 + exp(u_b - u_a))) < 1e-12) AS true_p_ok,
       bool_and(item_a < item_b) AS canonical,
       bool_and((item_a - 1) % 2 = (item_b - 1) % 2) AS same_domain,
       count(DISTINCT domain) AS domains
FROM simulate_annotations(3);
-- pairs are distinct per annotator; one latent type per (annotator, pair)
SELECT count(*) FILTER (WHERE n_types > 1) AS mixed_groups, count(*) FILTER (WHERE n <> 8) AS wrong_size
FROM (SELECT count(DISTINCT true_type) n_types, count(*) n FROM simulate_annotations(9, n_items => 6, n_domains => 1, pairs_per_annotator => 15)
      GROUP BY annotator, item_a, item_b) g;
-- the mixture and the response rules, with many draws (loose statistical bounds)
WITH s AS (SELECT * FROM simulate_annotations(11, n_annotators => 400, repeats => 4, p_genuine => 0.5, p_non_attitude => 0.3,
             p_constructed => 0.2, genuine_strength => 0.9, position_bias_by_domain => '{0.0,0.2}', framing_share => 0.5)),
g AS (SELECT annotator, item_a, item_b, min(true_type) t FROM s GROUP BY 1, 2, 3)
SELECT abs(avg((t = 'genuine')::int) - 0.5) < 0.03 AS genuine_share,
       abs(avg((t = 'non_attitude')::int) - 0.3) < 0.03 AS non_attitude_share,
       abs(avg((t = 'constructed_framing')::int) - 0.1) < 0.02 AS framing_share,
       (SELECT abs(avg(chose_first_shown::int) - 0.5) < 0.03 FROM s WHERE true_type = 'non_attitude' AND domain = 'code') AS bias_code,
       (SELECT abs(avg(chose_first_shown::int) - 0.7) < 0.03 FROM s WHERE true_type = 'non_attitude' AND domain = 'creative_writing') AS bias_cw,
       (SELECT abs(avg(chose_first_shown::int) - 0.9) < 0.02 FROM s WHERE true_type = 'constructed_position') AS position_follow
FROM g;
-- framings = 1: every constructed preference follows position
SELECT DISTINCT true_type FROM simulate_annotations(2, framings => 1, p_genuine => 0, p_non_attitude => 0, p_constructed => 1);
-- many domains get generic names after the eight named ones
SELECT min(domain), max(domain), count(DISTINCT domain) FROM simulate_annotations(1, n_items => 40, n_domains => 10, n_annotators => 50);
-- bad arguments
SELECT * FROM simulate_annotations(1, p_genuine => 0.5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_annotations(1, repeats => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_annotations(1, position_bias => 0.6);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_annotations(1, n_items => 3);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_annotations(1, n_items => 4, n_domains => 1, pairs_per_annotator => 7);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_annotations(1, position_bias_by_domain => '{0.1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_annotations(1, position_bias_by_domain => '{0.1,NULL}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_annotations(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_annotations(1, genuine_strength => 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM simulate_annotations(1, n_annotators => 0);
-- true_p at utility differences near -720 (utility_sd 500): a subnormal,
-- not 0 (exp overflowed); checked against numeric exp
SELECT count(*) AS pairs,
       bool_and(true_p > 0) AS positive,
       bool_and(abs(true_p::numeric / (exp((u_a - u_b)::numeric) / (1 + exp((u_a - u_b)::numeric))) - 1) < 1e-6) AS ok
FROM (SELECT DISTINCT item_a, item_b, u_a, u_b, true_p
      FROM simulate_annotations(1, n_items => 40, n_annotators => 5, pairs_per_annotator => 20,
                                n_domains => 1, utility_sd => 500)) s
WHERE u_a - u_b BETWEEN -745 AND -709.79;
