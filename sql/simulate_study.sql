-- simulate_preference_study and its truth tables (doc/study.md, "The simulator")
CREATE TEMP TABLE ps AS SELECT * FROM simulate_preference_study(1);
CREATE TEMP TABLE pr AS SELECT * FROM simulate_preference_responses(1);
CREATE TEMP TABLE pa AS SELECT * FROM simulate_preference_annotators(1);
-- shape: 200 prompts x 6 pairs x 3 annotators x 2 orders x 2 repeats
SELECT count(*) AS judgments, count(DISTINCT pair_id) AS pairs, count(DISTINCT prompt_id) AS prompts,
       count(DISTINCT (annotator_id, pair_id)) AS groups, min(judgment_id), max(judgment_id),
       count(DISTINCT condition) AS conditions, max(repeat) AS repeats
FROM ps;
SELECT count(*) AS responses, count(DISTINCT prompt_id) AS prompts, min(array_length(features, 1)),
       max(array_length(features, 1)) FROM pr;
SELECT count(*) AS annotators FROM pa;
-- every group has orders x repeats judgments, one latent type; every pair 3 distinct annotators
SELECT count(*) FILTER (WHERE n <> 4) AS wrong_size, count(*) FILTER (WHERE types > 1) AS mixed
FROM (SELECT count(*) n, count(DISTINCT latent_type) types FROM ps GROUP BY annotator_id, pair_id) g;
SELECT count(*) FILTER (WHERE n <> 3) AS wrong_annotators
FROM (SELECT count(DISTINCT annotator_id) n FROM ps GROUP BY pair_id) g;
-- splits are per prompt, 60/20/20 within each domain; prompt parity gives the domain
SELECT domain, split, count(DISTINCT prompt_id) AS prompts FROM ps GROUP BY 1, 2 ORDER BY 1, 2;
SELECT bool_and((prompt_id % 2 = 1) = (domain = 'code')) AS parity,
       (SELECT count(*) FROM (SELECT prompt_id FROM ps GROUP BY 1 HAVING count(DISTINCT split) > 1) x) AS split_prompts
FROM ps;
-- deterministic for a seed; another seed differs
SELECT (SELECT array_agg(chose_first ORDER BY judgment_id) FROM simulate_preference_study(42, '{"n_prompts": 20}'))
     = (SELECT array_agg(chose_first ORDER BY judgment_id) FROM simulate_preference_study(42, '{"n_prompts": 20}')) AS same,
       (SELECT array_agg(chose_first ORDER BY judgment_id) FROM simulate_preference_study(42, '{"n_prompts": 20}'))
     = (SELECT array_agg(chose_first ORDER BY judgment_id) FROM simulate_preference_study(43, '{"n_prompts": 20}')) AS other;
-- the columns agree with each other and with the truth tables
SELECT bool_and(first_item = CASE WHEN a_first THEN response_a ELSE response_b END
                AND second_item = CASE WHEN a_first THEN response_b ELSE response_a END) AS shown_ok,
       bool_and(chose_a = ((chose_first = 1) = a_first)) AS chose_a_ok,
       bool_and(chose_first IN (0, 1)) AS binary,
       bool_and(condition = 'order=' || CASE WHEN a_first THEN 'ab' ELSE 'ba' END || ';framing=' || framing) AS condition_ok,
       bool_and(response_a < response_b AND f.prompt_id = ps.prompt_id AND s.prompt_id = ps.prompt_id) AS same_prompt,
       bool_and(first_features = f.features AND second_features = s.features) AS features_ok,
       bool_and(f.split = ps.split AND f.domain = ps.domain) AS split_ok,
       bool_and(abs(true_p_first - 1 / (1 + exp(s.true_reward - f.true_reward))) < 1e-12) AS true_p_ok,
       bool_and(abs(true_p_a - CASE WHEN a_first THEN true_p_first ELSE 1 - true_p_first END) < 1e-15) AS true_p_a_ok
FROM ps JOIN pr f ON f.response_id = first_item JOIN pr s ON s.response_id = second_item;
-- the true reward: quality weights 1, 0.5, 0.25, hidden weight 1, style effect -0.3 (code) / 0.3
SELECT bool_and(abs(true_reward - (features[1] + 0.5 * features[2] + 0.25 * features[3] + hidden_quality
                + CASE domain WHEN 'code' THEN -0.3 ELSE 0.3 END * style)) < 1e-12) AS reward_ok,
       bool_and(style = features[4]) AS style_is_last
FROM pr;
-- annotator_p_first from the annotator's own weights; the same as the truth for the others
SELECT bool_and(abs(annotator_p_first - 1 / (1 + exp(-(rf - rs)))) < 1e-12) AS own_p_ok,
       bool_and(personal OR abs(annotator_p_first - true_p_first) < 1e-12) AS population_ok,
       count(*) FILTER (WHERE personal AND abs(annotator_p_first - true_p_first) > 1e-6) > 0 AS personal_differ
FROM (SELECT ps.*, a.personal,
             a.quality_weights[1] * f.features[1] + a.quality_weights[2] * f.features[2] + a.quality_weights[3] * f.features[3]
               + a.hidden_weight * f.hidden_quality + a.style_effect[CASE ps.domain WHEN 'code' THEN 1 ELSE 2 END] * f.style AS rf,
             a.quality_weights[1] * s.features[1] + a.quality_weights[2] * s.features[2] + a.quality_weights[3] * s.features[3]
               + a.hidden_weight * s.hidden_quality + a.style_effect[CASE ps.domain WHEN 'code' THEN 1 ELSE 2 END] * s.style AS rs
      FROM ps JOIN pa a USING (annotator_id) JOIN pr f ON f.response_id = first_item JOIN pr s ON s.response_id = second_item) x;
-- the generating probability of each judgment by its latent type (framings = 1: constructed follow position)
SELECT latent_type,
       bool_and(abs(judgment_p_first - CASE latent_type
            WHEN 'genuine' THEN 1 / (1 + exp(-(ln(annotator_p_first / (1 - annotator_p_first)) + 0.2)))
            WHEN 'non_attitude' THEN 0.5 + CASE domain WHEN 'code' THEN 0.05 ELSE 0.25 END
            ELSE 0.9 END) < 1e-9) AS p_ok
FROM ps GROUP BY 1 ORDER BY 1;
-- feature_p_first: E[sigmoid(dobs + h)] with h ~ N(rho dstyle, 2 (1 - rho^2)), rho 0.6 in train and
-- validation, 0 in test; checked by the midpoint rule on 4000 cells of [-10, 10] sd
WITH pairs AS (
  SELECT DISTINCT ON (pair_id) pair_id, split, domain, first_features f, second_features s, feature_p_first
  FROM ps WHERE pair_id % 97 = 1 ORDER BY pair_id, judgment_id),
m AS (
  SELECT p.*, CASE WHEN split = 'test' THEN 0.0 ELSE 0.6 END AS rho,
         (f[1] - s[1]) + 0.5 * (f[2] - s[2]) + 0.25 * (f[3] - s[3])
           + CASE domain WHEN 'code' THEN -0.3 ELSE 0.3 END * (f[4] - s[4]) AS dobs
  FROM pairs p),
q AS (
  SELECT pair_id, feature_p_first,
         sum(exp(-0.5 * z * z) / (1 + exp(-(dobs + rho * (f[4] - s[4]) + sqrt(2 * (1 - rho * rho)) * z))))
           / sum(exp(-0.5 * z * z)) AS quad
  FROM m, LATERAL (SELECT -10 + (i + 0.5) * 0.005 AS z FROM generate_series(0, 3999) i) g
  GROUP BY pair_id, feature_p_first)
SELECT count(*) AS checked, max(abs(feature_p_first - quad)) < 1e-9 AS feature_p_ok FROM q;
-- style correlates with the hidden quality in train and validation (0.6), not in test (0)
SELECT split, round(corr(style, hidden_quality)::numeric, 1) AS corr_style_hidden, count(*) AS n
FROM simulate_preference_responses(3, '{"n_prompts": 4000}') GROUP BY 1 ORDER BY 1;
-- the moments on many draws (4 standard errors or tighter)
CREATE TEMP TABLE big AS
  SELECT * FROM simulate_preference_study(5, '{"n_prompts": 600, "n_annotators": 200, "framings": 2}');
WITH g AS (SELECT annotator_id, pair_id, min(latent_type) t FROM big GROUP BY 1, 2)
SELECT count(*) AS groups,
       abs(avg((t = 'genuine')::int) - 0.6) < 0.02 AS genuine_share,
       abs(avg((t = 'non_attitude')::int) - 0.25) < 0.02 AS non_attitude_share,
       abs(avg((t = 'constructed')::int) - 0.15) < 0.02 AS constructed_share,
       -- a group's type is the annotator's own with probability 0.5 + 0.5 (0.6^2 + 0.25^2 + 0.15^2)
       abs(avg((t = a.annotator_type)::int) - 0.7225) < 0.03 AS own_type_share,
       abs((SELECT avg(personal::int) FROM simulate_preference_annotators(5, '{"n_annotators": 4000}')) - 0.2) < 0.03 AS personal_share
FROM g JOIN simulate_preference_annotators(5, '{"n_prompts": 600, "n_annotators": 200, "framings": 2}') a USING (annotator_id);
SELECT latent_type, domain,
       round(avg(chose_first)::numeric, 2) AS chose_first, round(avg(judgment_p_first)::numeric, 2) AS p_first,
       abs(avg(chose_first) - avg(judgment_p_first)) < 0.02 AS within
FROM big GROUP BY 1, 2 ORDER BY 1, 2;
-- with two framings, half of the constructed groups follow framing: their share choosing a is
-- 0.9 or 0.1 at framing 1 and the other at framing 2, so E[(f1 - 1/2)(f2 - 1/2)] = -0.16 for them
-- and 0 for the position followers (a shown first half the time): -0.08 over all
WITH g AS (SELECT annotator_id, pair_id, avg(chose_a::int) FILTER (WHERE framing = 1) f1,
                  avg(chose_a::int) FILTER (WHERE framing = 2) f2
           FROM big WHERE latent_type = 'constructed' GROUP BY 1, 2)
SELECT abs(avg((f1 - 0.5) * (f2 - 0.5)) + 0.08) < 0.012 AS framing_flip
FROM g;
-- one display order per (annotator, pair): in train the higher-style response is shown first
-- with probability style_first_share, in test with 1/2
WITH r AS (SELECT * FROM simulate_preference_responses(2, '{"orders": 1, "style_first_share": 0.8, "n_prompts": 1000}'))
SELECT ps.split = 'test' AS test,
       round(avg(((ra.style >= rb.style) = a_first)::int)::numeric, 1) AS higher_style_first
FROM simulate_preference_study(2, '{"orders": 1, "style_first_share": 0.8, "n_prompts": 1000}') ps
JOIN r ra ON ra.response_id = response_a JOIN r rb ON rb.response_id = response_b
GROUP BY 1 ORDER BY 1;
-- one judgment per pair
SELECT count(*) AS judgments, count(DISTINCT pair_id) AS pairs
FROM simulate_preference_study(1, '{"annotators_per_pair": 1, "orders": 1, "repeats": 1}');
-- the genuine choice follows the reward: with every type genuine and no bias, strength 1,
-- the choices are calibrated against annotator_p_first
SELECT abs(avg(chose_first - annotator_p_first)) < 0.01 AS unbiased,
       abs(avg(chose_first) - 0.5) < 0.01 AS no_position
FROM simulate_preference_study(4, '{"p_genuine": 1, "p_non_attitude": 0, "p_constructed": 0,
  "position_bias_genuine": 0, "n_prompts": 1000}');
-- NULL params are the defaults; every parameter named in one call
SELECT (SELECT array_agg(chose_first ORDER BY judgment_id) FROM simulate_preference_study(9, NULL))
     = (SELECT array_agg(chose_first ORDER BY judgment_id) FROM simulate_preference_study(9)) AS null_is_default;
SELECT count(*), count(DISTINCT framing), max(array_length(first_features, 1))
FROM simulate_preference_study(1, '{"n_prompts": 10, "responses_per_prompt": 3, "split_shares": [0.5, 0.25, 0.25],
  "quality_weights": [1, 2], "hidden_weight": 0.5, "style_effect": 0.1, "style_quality_corr_train": 0.3,
  "style_quality_corr_test": -0.3, "style_first_share": 0.7, "n_annotators": 5, "annotators_per_pair": 5,
  "orders": 2, "framings": 3, "repeats": 1, "p_genuine": 0.5, "p_non_attitude": 0.5, "p_constructed": 0,
  "type_per_annotator": 1, "genuine_strength": 2, "position_bias_genuine": [0, 1],
  "position_bias_non_attitude": [0, -0.1], "constructed_strength": 1, "framing_share": 1,
  "personal_share": 1, "personal_sd": 0.5}');
-- bad parameters (22023), a NULL seed (22004)
SELECT * FROM simulate_preference_study(1, '{"n_prompt": 10}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"n_prompts": "10"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"n_prompts": 10.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"n_prompts": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"p_genuine": 0.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"split_shares": [0.5, 0.5]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"split_shares": [0.5, 0.4, 0.4]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"style_effect": [1, 2, 3]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"position_bias_non_attitude": 0.6}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"annotators_per_pair": 4, "n_annotators": 3}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"orders": 3}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"quality_weights": [1, null]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"style_quality_corr_test": 1.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '[1, 2]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"n_prompts": 100000, "responses_per_prompt": 100}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_study(1, '{"n_annotators": 1000001}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM simulate_preference_responses(NULL);
\echo :LAST_ERROR_SQLSTATE
