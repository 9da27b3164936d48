-- classify_preference_consistency(state, prior, min_posterior, direction_p)
-- and preference_consistency_direction(state, prior) (doc/annotation.md,
-- "A per-pair direction prior from Bradley-Terry")
CREATE FUNCTION pg_temp.close(a float8, b float8, tol float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a = b OR abs(a - b) <= tol $$;
-- hand-written prior: two conditions, constructed preferences follow "a"
-- under x and "b" under y; genuine directions favour the first item 1 in 2
CREATE TEMP TABLE hp AS SELECT 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=2 {"x" 0.5} {"y" 0.5} patterns=2 {"10" 1} {"01" 0}'::preference_consistency_prior_model p;
CREATE TEMP TABLE hs AS SELECT 'v1 n=2 {"x" 3 0 3 0} {"y" 3 0 3 0}'::preference_consistency_state s;
-- direction_p replaces rho in the genuine likelihood only:
-- L_G = dp 0.9^6 + (1 - dp) 0.1^6, L_C = 0.9^3 0.1^3, L_N = 0.5^6
SELECT dp, round((c).p_genuine::numeric, 12) AS p_g, round((c).p_constructed::numeric, 12) AS p_c,
       round((0.5 * (dp * 0.9^6 + (1 - dp) * 0.1^6) / (0.5 * (dp * 0.9^6 + (1 - dp) * 0.1^6) + 0.25 * 0.9^3 * 0.1^3 + 0.25 * 0.5^6))::numeric, 12) AS expected_p_g,
       round((c).log_ml_genuine::numeric, 12) AS lg, round(ln(dp * 0.9^6 + (1 - dp) * 0.1^6)::numeric, 12) AS expected_lg,
       round((c).log_ml_constructed::numeric, 12) AS lc, round((c).log_ml_non_attitude::numeric, 12) AS ln_,
       (c).label
FROM hp, hs, (VALUES (0.0::float8), (0.001), (0.2), (0.5), (0.9), (1.0)) v(dp),
     LATERAL (SELECT classify_preference_consistency(s, p, 0, dp) c) x
ORDER BY dp;
-- against the data: dp = 0 leaves only the all-second-item direction
SELECT (c).label, round((c).p_genuine::numeric, 12) AS p_g,
       round((0.5 * 0.1^6 / (0.5 * 0.1^6 + 0.25 * 0.9^3 * 0.1^3 + 0.25 * 0.5^6))::numeric, 12) AS expected_p_g
FROM hp, hs, LATERAL (SELECT classify_preference_consistency(s, p, 0, 0) c) x;
-- NULL direction_p = the prior's rho = the three-argument form; dp = rho too
SELECT classify_preference_consistency(s, p, 0, NULL) IS NOT DISTINCT FROM classify_preference_consistency(s, p, 0) AS null_is_rho,
       classify_preference_consistency(s, p, 0.4, 0.5) IS NOT DISTINCT FROM classify_preference_consistency(s, p) AS half_is_rho,
       classify_preference_consistency(s, p, direction_p => NULL) IS NOT DISTINCT FROM classify_preference_consistency(s, p) AS named_null
FROM hp, hs;
-- named notation; positional calls with three arguments still mean min_posterior
SELECT (classify_preference_consistency(s, p, direction_p => 0.9)).label AS named,
       (classify_preference_consistency(s, p, 0.99)).label AS three_args,
       (classify_preference_consistency(s, p, min_posterior => 0.99, direction_p => 0.9)).label AS both_named
FROM hp, hs;
-- NULL state, prior or min_posterior -> NULL; empty state -> NULL
SELECT classify_preference_consistency(NULL, p, 0, 0.5) IS NULL AS null_state,
       classify_preference_consistency(s, NULL, 0, 0.5) IS NULL AS null_prior,
       classify_preference_consistency(s, p, NULL, 0.5) IS NULL AS null_min_posterior,
       classify_preference_consistency('v1 n=0'::preference_consistency_state, p, 0, 0.5) IS NULL AS empty
FROM hp, hs;
-- direction_p must be a probability
SELECT classify_preference_consistency(s, p, 0, 1.5) FROM hp, hs;
\echo :LAST_ERROR_SQLSTATE
SELECT classify_preference_consistency(s, p, 0, -0.1) FROM hp, hs;
\echo :LAST_ERROR_SQLSTATE
SELECT classify_preference_consistency(s, p, 0, 'Infinity') FROM hp, hs;
\echo :LAST_ERROR_SQLSTATE
SELECT classify_preference_consistency(s, p, 0, 'NaN') FROM hp, hs;
\echo :LAST_ERROR_SQLSTATE
SELECT classify_preference_consistency(s, p, 1.5, 0.5) FROM hp, hs;
\echo :LAST_ERROR_SQLSTATE
-- preference_consistency_direction: 1 / (1 + ((1 - q)/q)^(K - M)), neutral prior
SELECT round(preference_consistency_direction(s, p)::numeric, 12) AS d,
       round((1 / (1 + (0.1 / 0.9)^6))::numeric, 12) AS expected
FROM hp, hs;
SELECT round(preference_consistency_direction(v.s::preference_consistency_state, p)::numeric, 12) AS d, v.note
FROM hp, (VALUES ('v1 n=2 {"x" 2 1 2 1} {"y" 0 3 0 3}', 'K - M = -2'),
                 ('v1 n=1 {"x" 2 2 2 2}', 'K = M'),
                 ('v1 n=1 {"x" 1.5 0.25 2 1}', 'weighted: K - M = 1.25'),
                 ('v1 n=1 {"x" 0 0 1 1}', 'no weight: NULL')) v(s, note);
SELECT round((1 / (1 + 9^2))::numeric, 12) AS expected_minus2, round((1 / (1 + (1 / 9.0)^1.25))::numeric, 12) AS expected_weighted;
-- q = 1/2: no evidence of direction; q = 1: certain
SELECT preference_consistency_direction('v1 n=1 {"x" 3 0 3 0}', replace(p::text, '"q": 0.9', '"q": 0.5')::preference_consistency_prior_model) AS q_half,
       preference_consistency_direction('v1 n=1 {"x" 3 1 3 1}', replace(p::text, '"q": 0.9', '"q": 1')::preference_consistency_prior_model) AS q_one
FROM hp;
SELECT preference_consistency_direction(NULL, p) IS NULL AS strict FROM hp;

-- agreement with numpy (test/ref/consistency/make_direction_ref.py): the
-- prior (fitted by numpy's EM), the groups' states, and numpy's
-- direction votes, Bradley-Terry fit (prior 0.5) and posteriors
CREATE TEMP TABLE dprior (prior preference_consistency_prior_model);
-- reference files are read relative to pg_regress --inputdir
\getenv abs_srcdir PG_ABS_SRCDIR
\set f :abs_srcdir '/test/ref/consistency/direction_prior.csv'
\set cmd '\\copy dprior FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE dref (item_a bigint, item_b bigint, state preference_consistency_state,
  direction float8, p_genuine0 float8, direction_p float8,
  p_genuine float8, p_non_attitude float8, p_constructed float8);
\set f :abs_srcdir '/test/ref/consistency/direction_ref.csv'
\set cmd '\\copy dref FROM ' :'f' ' CSV HEADER'
:cmd
CREATE TEMP TABLE dbt AS
SELECT bt_fit(bt_state_agg(x, y, 1, w), prior => 0.5) AS m
FROM (SELECT r.item_a, r.item_b, (classify_preference_consistency(r.state, d.prior)).p_genuine AS pg,
             preference_consistency_direction(r.state, d.prior) AS dir
      FROM dref r, dprior d) v,
     LATERAL (VALUES (item_a, item_b, pg * dir), (item_b, item_a, pg * (1 - dir))) x(x, y, w)
WHERE w > 0;
SELECT count(*) AS groups,
       bool_and(pg_temp.close(preference_consistency_direction(r.state, d.prior), r.direction, 1e-12)) AS direction,
       bool_and(pg_temp.close((classify_preference_consistency(r.state, d.prior)).p_genuine, r.p_genuine0, 1e-12)) AS p_genuine0,
       bool_and(pg_temp.close(bt_predict(b.m, r.item_a, r.item_b), r.direction_p, 1e-9)) AS bt_direction_p,
       bool_and(pg_temp.close((c).p_genuine, r.p_genuine, 1e-12) AND pg_temp.close((c).p_non_attitude, r.p_non_attitude, 1e-12)
                AND pg_temp.close((c).p_constructed, r.p_constructed, 1e-12)) AS posteriors_given_direction_p,
       bool_and(pg_temp.close((cb).p_genuine, r.p_genuine, 1e-9) AND pg_temp.close((cb).p_constructed, r.p_constructed, 1e-9)) AS whole_chain
FROM dref r, dprior d, dbt b,
     LATERAL (SELECT classify_preference_consistency(r.state, d.prior, 0, r.direction_p) AS c,
                     classify_preference_consistency(r.state, d.prior, 0, bt_predict(b.m, r.item_a, r.item_b)) AS cb) x;
-- the BT direction prior changes some labels (here: how many)
SELECT count(*) FILTER (WHERE (classify_preference_consistency(r.state, d.prior, 0)).label
                        <> (classify_preference_consistency(r.state, d.prior, 0, r.direction_p)).label) AS changed
FROM dref r, dprior d;
-- extreme inputs against 50-digit references (test/ref/consistency/extreme_ref.py):
-- q just above 1/2 with 2e9 responses; a logit near -725 (exp overflowed:
-- 0 came back for 1.26e-315)
CREATE TABLE xref_dir (kind text, name text, input text, field text, value float8);
\set f :abs_srcdir '/test/ref/consistency/extreme_expected.csv'
\set cmd '\\copy xref_dir FROM ' :'f' ' CSV HEADER'
:cmd
SELECT name, d > 0 AS positive, (abs(d - value) <= 1e-322 OR abs(d - value) / abs(value) <= 1e-12) AS ok
FROM xref_dir, LATERAL (SELECT preference_consistency_direction(split_part(input, '|', 1)::preference_consistency_state,
                                                            split_part(input, '|', 2)::preference_consistency_prior_model) d) x
WHERE kind = 'direction' ORDER BY name;
