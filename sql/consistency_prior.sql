-- empirical Bayes: preference_consistency_prior, preference_consistency_prior_model,
-- classify_preference_consistency(state, prior) (doc/annotation.md)
CREATE TABLE ebg AS SELECT annotator, item_a, item_b, min(true_type) tt,
  preference_consistency_state_agg(chose_a, condition) st
  FROM simulate_annotations(7, n_annotators => 20, pairs_per_annotator => 5, repeats => 2)
  GROUP BY 1, 2, 3;
CREATE TABLE ebp AS SELECT preference_consistency_prior(st) pr FROM ebg;
-- the fitted prior against test/ref/consistency/eb_reference.py on the same
-- states (values printed by eb_reference.py --print; 8 decimals)
SELECT (pr::text::jsonb ->> 'groups') AS groups,
       (pr::text::jsonb ->> 'converged') AS converged,
       jsonb_array_length(pr::text::jsonb -> 'conditions')::text AS conditions,
       jsonb_array_length(pr::text::jsonb -> 'patterns')::text AS patterns
FROM ebp;
SELECT k, round((pr::text::jsonb ->> k)::numeric, 8) AS v
FROM ebp, unnest(ARRAY['genuine', 'non_attitude', 'constructed', 'rho', 'q', 'loglik']) k;
-- text round trip (exact) of the fitted prior
SELECT pr::text::preference_consistency_prior_model::text = pr::text AS round_trip FROM ebp;
-- classification under the prior: posteriors sum to 1, labels, MAP
SELECT count(*) AS groups,
       bool_and(abs((c).p_genuine + (c).p_non_attitude + (c).p_constructed - 1) < 1e-12) AS sums_to_one,
       count(*) FILTER (WHERE (c).label = 'insufficient') AS insufficient
FROM (SELECT classify_preference_consistency(st, pr) c FROM ebg, ebp) x;
SELECT (classify_preference_consistency(st, pr, 0)).label, count(*)
FROM ebg, ebp GROUP BY 1 ORDER BY 1;
-- the aggregate equals the two-step form; the state merges by multiplicity
SELECT (SELECT preference_consistency_prior(st)::text FROM ebg) = (SELECT pr::text FROM ebp) AS same;
-- a hand-written prior: two conditions, constructed preferences follow "a"
-- under x and "b" under y
CREATE TABLE hp AS SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=2 {"x" 0.5} {"y" 0.5} patterns=2 {"10" 1} {"01" 0}'::preference_consistency_prior_model p;
SELECT p FROM hp;
SELECT p::text::preference_consistency_prior_model::text = p::text AS round_trip FROM hp;
-- follows the learned pattern -> constructed; the opposite pattern has weight 0
SELECT (c).label, round((c).p_constructed::numeric, 8) AS p_c, round((c).log_ml_constructed::numeric, 8) AS lc
FROM (SELECT classify_preference_consistency('v1 n=2 {"x" 3 0 3 0} {"y" 0 3 0 3}'::preference_consistency_state, p) c FROM hp) s;
SELECT (c).label, round((c).p_constructed::numeric, 8) AS p_c, round((c).p_genuine::numeric, 8) AS p_g
FROM (SELECT classify_preference_consistency('v1 n=2 {"x" 0 3 0 3} {"y" 3 0 3 0}'::preference_consistency_state, p) c FROM hp) s;
-- closed form: L_C = 0.9^6, L_G = 0.5 * 0.9^3 0.1^3 * 2, L_N = 0.5^6
SELECT round((0.25 * 0.9^6 / (0.25 * 0.9^6 + 0.5 * 0.9^3 * 0.1^3 + 0.25 * 0.5^6))::numeric, 8) AS expected_p_c;
-- a condition the prior does not know: fair-coin direction, non-attitude rate 1/2
SELECT (c).label, (c).n_conditions FROM (SELECT classify_preference_consistency(
  'v1 n=3 {"x" 3 0 3 0} {"y" 0 3 0 3} {"z" 2 0 2 0}'::preference_consistency_state, p) c FROM hp) s;
-- insufficient rules: one response; one condition
SELECT (classify_preference_consistency('v1 n=1 {"x" 1 0 1 0}'::preference_consistency_state, p)).label FROM hp;
SELECT (classify_preference_consistency('v1 n=1 {"x" 4 0 4 0}'::preference_consistency_state, p)).label FROM hp;
SELECT classify_preference_consistency('v1 n=0'::preference_consistency_state, p) IS NULL AS empty FROM hp;
SELECT classify_preference_consistency('v1 n=1 {"x" 1 0 1 0}'::preference_consistency_state, p, 1.5) FROM hp;
\echo :LAST_ERROR_SQLSTATE
-- empty input, NULL states and no-evidence groups -> NULL
SELECT preference_consistency_prior(st) FROM ebg WHERE false;
SELECT preference_consistency_prior(NULL::preference_consistency_state);
SELECT preference_consistency_prior('v1 n=1 {"x" 0 0 1 0}'::preference_consistency_state);
-- one condition in the whole table: no non-constant pattern, so the
-- constructed weight is its pseudo-count alone, 1 / (groups + 3) = 1/6
SELECT round((pr::text::jsonb ->> 'constructed')::numeric, 8) AS constructed,
       jsonb_array_length(pr::text::jsonb -> 'patterns')::text AS patterns
FROM (SELECT preference_consistency_prior(s) pr FROM (VALUES
  ('v1 n=1 {"x" 4 0 4 0}'::preference_consistency_state), ('v1 n=1 {"x" 2 2 2 2}'), ('v1 n=1 {"x" 0 4 0 4}')) v(s)) x;
-- above 10 conditions: independent directions, no patterns
SELECT jsonb_array_length(pr::text::jsonb -> 'conditions')::text AS conditions,
       jsonb_array_length(pr::text::jsonb -> 'patterns')::text AS patterns,
       (pr::text::jsonb ->> 'converged') AS converged
FROM (SELECT preference_consistency_prior(st) pr FROM (
  SELECT g, preference_consistency_state_agg(random_choice, 'c' || (i % 12)) st
  FROM (SELECT g, i, ((g * 7 + i * 3) % 5) < 2 AS random_choice
        FROM generate_series(1, 30) g, generate_series(1, 24) i) r GROUP BY g) s) x;
-- preference_consistency_prior_state text form, canonical keys, validation
SELECT 'v1 n=2 {"1:a 2 0;1:b 0 2;" 3} {"1:a 1 1;" 1}'::preference_consistency_prior_state;
SELECT preference_consistency_prior_final('v1 n=2 {"1:a 2 0;1:b 0 2;" 3} {"1:a 1 1;" 1}') IS NOT NULL AS fits;
SELECT 'v1 n=1 {"1:b 2 0;1:a 0 2;" 3}'::preference_consistency_prior_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"1:a 2.0 0;" 3}'::preference_consistency_prior_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"1:a 0 0;" 3}'::preference_consistency_prior_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"5:a 1 0;" 3}'::preference_consistency_prior_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"1:a 1 0;" 0.5}'::preference_consistency_prior_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1 {"1:a 1 0;" 3'::preference_consistency_prior_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 n=1000001'::preference_consistency_prior_state;
\echo :LAST_ERROR_SQLSTATE
-- preference_consistency_prior_model: malformed text
SELECT 'v2 groups=1'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=maybe'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.3 rho=0.5 q=0.9 conditions=2 {"x" 0.5} {"y" 0.5} patterns=2 {"10" 1} {"01" 0}'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.4 conditions=2 {"x" 0.5} {"y" 0.5} patterns=2 {"10" 1} {"01" 0}'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=2 {"y" 0.5} {"x" 0.5} patterns=2 {"10" 1} {"01" 0}'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=2 {"x" 0.5} {"y" 0.5} patterns=2 {"01" 1} {"10" 0}'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=2 {"x" 0.5} {"y" 0.5} patterns=1 {"10" 1}'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=2 {"x" 0.5} {"y" 0.5} patterns=2 {"10" 0.5} {"01" 0.4}'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=2 {"x" NaN} {"y" 0.5} patterns=2 {"10" 1} {"01" 0}'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=2 {"x" 0.5} {"y" 0.5} patterns=2 {"10" 1} {"01" 0} extra'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=10001'::preference_consistency_prior_model;
\echo :LAST_ERROR_SQLSTATE
-- parallel plan: same prior (up to the last bits of sums)
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT preference_consistency_prior(st) FROM ebg;
SELECT abs((x.pr::text::jsonb ->> 'q')::float8 - (ebp.pr::text::jsonb ->> 'q')::float8) < 1e-9 AS same_q,
       (x.pr::text::jsonb ->> 'iterations') = (ebp.pr::text::jsonb ->> 'iterations') AS same_iterations
FROM (SELECT preference_consistency_prior(st) pr FROM ebg) x, ebp;
RESET ALL;
-- extreme but legal states, against an exact (50-digit) EM
-- (test/ref/consistency/extreme_ref.py): multiplicities near 2^53 made q
-- and r round to 1 and the EM return NaN everywhere; every parameter now
-- within 1e-9, loglik within 1e-9 relative or its documented rounding
-- bound (2^-52 per response).  Not compared: the pattern weights of
-- mult_2p53_mixed, which rest on one disagreeing group whose pattern
-- posterior depends on 1 - q = 3e-17, below what a float8 q near 1 can
-- hold (documented); they are checked to be a distribution
CREATE TABLE xref_em (kind text, name text, input text, field text, value float8);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/consistency/extreme_expected.csv'
\set cmd '\\copy xref_em FROM ' :'f' ' CSV HEADER'
:cmd
CREATE FUNCTION prior_field(p preference_consistency_prior_model, f text) RETURNS float8 LANGUAGE sql AS $$
  SELECT CASE WHEN f LIKE 'r:%' THEN (SELECT (e ->> 1)::float8 FROM jsonb_array_elements(p::text::jsonb -> 'conditions') e
                                      WHERE e ->> 0 = substr(f, 3))
              WHEN f LIKE 'pi:%' THEN (SELECT (e ->> 1)::float8 FROM jsonb_array_elements(p::text::jsonb -> 'patterns') e
                                       WHERE e ->> 0 = substr(f, 4))
              ELSE (p::text::jsonb ->> f)::float8 END $$;
WITH fits AS (SELECT name, preference_consistency_prior_final(input::preference_consistency_prior_state) AS pr
              FROM (SELECT DISTINCT name, input FROM xref_em WHERE kind = 'em') i)
SELECT f.name,
       bool_and(abs(prior_field(f.pr, x.field) - x.value) <= 1e-9)
         FILTER (WHERE x.field NOT IN ('loglik', 'responses') AND
                       NOT (f.name = 'mult_2p53_mixed' AND x.field LIKE 'pi:%')) AS parameters_ok,
       bool_and(abs(prior_field(f.pr, 'loglik') - x.value) <=
                greatest(1e-9 * abs(x.value), 1e-12, r.value * 2.0 ^ (-52)))
         FILTER (WHERE x.field = 'loglik') AS loglik_ok,
       bool_and(prior_field(f.pr, 'loglik') <= 0) AS loglik_not_positive,
       bool_and(f.pr::text::preference_consistency_prior_model::text = f.pr::text) AS round_trip
FROM fits f JOIN xref_em x ON x.kind = 'em' AND x.name = f.name
     JOIN xref_em r ON r.kind = 'em' AND r.name = f.name AND r.field = 'responses'
GROUP BY f.name ORDER BY f.name;
-- groups with almost no evidence (confidence 1e-300): the prior's loglik
-- was 5.6e-15 > 0, which its own input function refuses
SELECT (pr::text::jsonb ->> 'loglik')::float8 <= 0 AS loglik_ok,
       pr::text::preference_consistency_prior_model IS NOT NULL AS readable
FROM (SELECT preference_consistency_prior(st) pr FROM (
  SELECT g, preference_consistency_state_agg(i % 3 = 0, 'c' || (i % 2), 1e-300) st
  FROM generate_series(1, 50) g, generate_series(1, 4) i GROUP BY g) s) x;
SELECT prior_field(pr, 'pi:10') + prior_field(pr, 'pi:01') = 1 AS pi_sum_to_one,
       prior_field(pr, 'pi:01') > 0 AS pi_positive
FROM (SELECT preference_consistency_prior_final('v1 n=2 {"1:a 4 0;1:b 4 0;" 9007199254740992} {"1:a 1 1;1:b 0 2;" 1}') pr) x;
