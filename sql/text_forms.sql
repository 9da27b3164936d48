-- The text forms of the stored types (doc/internals.md, "Text forms of
-- the stored types"): every type prints one JSON object, "version" first,
-- read back exactly; the types of 0.1.0 still read the form 0.1.0 printed
-- (a dump of a 0.1.0 database).  Each sample below is a value 0.1.0
-- printed; it must read as the value whose current text form is shown.
SET extra_float_digits = 0;

CREATE TEMP TABLE forms (n int, typ text, old text);
INSERT INTO forms VALUES
 (1, 'calibration_state', 'version=1 nbins=4 classes=0 w=9 brier=1.4275000000000002 brier_comp=-1.713039432527097e-16 logloss=3.942925610167963 logloss_comp=-2.636779683484747e-16 bins=[1:(2,0.1,0,0.010000000000000002,0,0) 2:(2,0.75,1,0.28250000000000003,0.35,1) 3:(2,1.25,0,0.7925,0,0) 4:(3,2.75,3,2.5425,2.75,3)]'),
 (2, 'calibration_state', 'version=1 nbins=4 classes=0 w=1000 brier=untracked logloss=untracked bins=[1:(360,44.8828125,180) 2:(320,121.25,160) 3:(320,201.25,160)]'),
 (3, 'calibration_state', 'version=1 nbins=5 classes=3 w=3 brier=0.5 brier_comp=5.551115123125783e-17 logloss=1.5606477482646686 logloss_comp=-1.1102230246251565e-16 bins=[2:(1,0.4,0,0.16000000000000003,0,0) 3:(1,0.5,0,0.25,0,0) 4:(1,0.7,1,0.48999999999999994,0.7,1)]'),
 (4, 'calibration_state', 'version=1 nbins=0 classes=0 w=1 brier=0.25 brier_comp=0 logloss=untracked bins=[]'),
 (5, 'calibration_state', 'version=1 nbins=2 classes=0 w=1 brier=1 brier_comp=0 logloss=Infinity logloss_comp=0 bins=[1:(1,0,1,0,0,1)]'),
 (6, 'preference_consistency_state', 'v1 n=2 {"order=ab" 2 0 2 0} {"order=ba" 0 1.5 0 2}'),
 (7, 'preference_consistency_prior_state', 'v1 n=2 {"1:a 2 0;1:b 0 2;" 3} {"1:a 1 1;" 1}'),
 (8, 'preference_consistency_prior_model', 'v1 groups=10 iterations=0 converged=false loglik=0 genuine=0.5 non_attitude=0.25 constructed=0.25 rho=0.5 q=0.9 conditions=2 {"x" 0.5} {"y" 0.5} patterns=2 {"10" 1} {"01" 0}'),
 (9, 'majority_vote_state', 'v1 n=2 {"a" 3} {"b\"c" 1}'),
 (10, 'krippendorff_alpha_state', 'v1 n=2 {"u1" "yes" 2} {"u1" "no" 1}'),
 (11, 'krippendorff_alpha_interval_state', 'v1 n=1 {"u" 2 1.25 0.125}'),
 (12, 'recal_state', 'v1 s rows=4 [-2 1 0.25; 1.5 3 2]'),
 (13, 'recal_state', 'v1 p rows=3 [-1.5 1 0; 0.5 2 1.5]'),
 (14, 'recal_model', 'v1 temperature p T=1.3800000000000001 rows=6848 weight=6848 logloss=0.662 logloss_identity=0.664 iterations=5 decrement=3.1e-27'),
 (15, 'recal_model', 'v1 platt s smoothing=true a=0.75 b=-1.23 rows=500 weight=500 logloss=0.417 logloss_identity=0.69 iterations=6 decrement=1e-20'),
 (16, 'bt_state', '{"version": 1, "ids": "bigint", "pairs": [[1, 2, 1, 2, 3], [2, 1, 0, 0, 0.5]]}');

CREATE FUNCTION pg_temp.as_text(typ text, v text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT %L::%s::text', v, typ) INTO r;
  RETURN r;
END $$;

-- the current form of each 0.1.0 sample (checked by eye when it changes)
SELECT n, typ, pg_temp.as_text(typ, old) AS current_form FROM forms ORDER BY n;

-- the current form reads back to itself, is JSON with "version" first and
-- gives the same value as the old form
SELECT n, typ,
       pg_temp.as_text(typ, pg_temp.as_text(typ, old)) = pg_temp.as_text(typ, old) AS round_trip,
       pg_temp.as_text(typ, old) LIKE '{"version": _, %' AS version_first,
       (pg_temp.as_text(typ, old)::jsonb ->> 'version')::int AS version
FROM forms ORDER BY n;

-- JSON has no infinities: they are strings that float8 reads
SELECT (pg_temp.as_text('calibration_state', old)::jsonb ->> 'logloss')::float8 AS logloss
FROM forms WHERE n = 5;

-- the reader is strict: keys in their order, no extra key, JSON numbers
SELECT '{"version": 1, "input": "score", "points": [], "rows": 0}'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "input": "score", "rows": 0, "points": [], "x": 1}'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "input": "score", "rows": 1, "points": [[0x10, 1, 0]]}'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "input": "score", "rows": 1, "points": [[Infinity, 1, 0]]}'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "input": "score", "rows": 1, "points": [["Infinity", 1, 0]]}'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "input": "score", "rows": 1, "points": [[1e999, 1, 0]]}'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "input": "odds", "rows": 0, "points": []}'::recal_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 2, "entries": []}'::majority_vote_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "entries": [["a", 1], ["a", 2]]}'::majority_vote_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "entries": [["a", -1]]}'::majority_vote_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "nbins": 2, "classes": 0, "w": 1, "brier": null, "brier_comp": 0, "logloss": null, "logloss_comp": null, "bins": []}'::calibration_state;
\echo :LAST_ERROR_SQLSTATE
SELECT '{"version": 1, "nbins": 2, "classes": 0, "w": 1, "brier": 0, "brier_comp": 0, "logloss": null, "logloss_comp": null, "bins": [[2, 1, 0.75, 0, 0.5625, 0, 0], [1, 0, 0, 0, 0, 0, 0]]}'::calibration_state;
\echo :LAST_ERROR_SQLSTATE
