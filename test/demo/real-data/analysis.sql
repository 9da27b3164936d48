-- test/demo/real-data/analysis.sql: what the bundled real data set
-- (SoundQuality) can tell without truth, after the analyst path's checks
-- and consistency classes (doc/study/01_split.sql, 02_consistency.sql on
-- test/demo/real-data/00_input.sql).  Everything lands in schema realdata.
--
-- With 8 reproduction modes there are only 28 pairs, too few to hold pairs
-- out (the analyst path's split by pair says so); here the held-out unit is
-- the listener: a third of the listeners (by a hash of the id) are the test
-- set, the others train a Bradley-Terry model, and its P(item_a beats
-- item_b) is scored against the held-out listeners' choices, with
-- bootstrap intervals that resample listeners (calibration_bootstrap,
-- cluster = listener, 200 replicates, seed 1).  Two models: one pooled over
-- the program materials, and one per program material; their difference
-- is paired (same rows, clusters and seed: calibration_ci_diff).
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS realdata CASCADE;
CREATE SCHEMA realdata;

CREATE TABLE realdata.listener_split AS
SELECT listener,
       CASE WHEN (('x' || substr(md5('listener|' || listener), 1, 8))::bit(32)::int & 2147483647) % 3 = 0
            THEN 'test' ELSE 'train' END AS split
FROM (SELECT DISTINCT listener FROM soundquality.judgments) l;

CREATE TABLE realdata.rows AS
SELECT j.*, s.split FROM soundquality.judgments j JOIN realdata.listener_split s USING (listener);

CREATE TABLE realdata.models AS
SELECT 'pooled'::text AS model, 'all'::text AS progmat,
       bt_fit(bt_state_agg(item_a, item_b, chose_a::int::float8, 1.0)) AS m
FROM realdata.rows WHERE split = 'train'
UNION ALL
SELECT 'per_material', progmat, bt_fit(bt_state_agg(item_a, item_b, chose_a::int::float8, 1.0))
FROM realdata.rows WHERE split = 'train' GROUP BY progmat;

CREATE TABLE realdata.pred AS
SELECT r.judgment_id, r.listener, r.progmat, r."time", r.item_a, r.item_b, r.chose_a,
       bt_predict(p.m, r.item_a, r.item_b) AS p_pooled,
       bt_predict(q.m, r.item_a, r.item_b) AS p_material
FROM realdata.rows r
JOIN realdata.models p ON p.model = 'pooled'
JOIN realdata.models q ON q.model = 'per_material' AND q.progmat = r.progmat
WHERE r.split = 'test';

-- bootstrap states per slice, resampling listeners; same seed for both
-- models, so their difference is paired
CREATE TABLE realdata.boot AS
SELECT 'overall'::text AS slice_kind, 'all'::text AS slice, count(*) AS n,
       calibration_bootstrap(p_pooled, chose_a, 15, listener, 200, 1) AS pooled,
       calibration_bootstrap(p_material, chose_a, 15, listener, 200, 1) AS material
FROM realdata.pred
UNION ALL
SELECT 'program material', progmat, count(*),
       calibration_bootstrap(p_pooled, chose_a, 15, listener, 200, 1),
       calibration_bootstrap(p_material, chose_a, 15, listener, 200, 1)
FROM realdata.pred GROUP BY progmat
UNION ALL
SELECT 'session', "time", count(*),
       calibration_bootstrap(p_pooled, chose_a, 15, listener, 200, 1),
       calibration_bootstrap(p_material, chose_a, 15, listener, 200, 1)
FROM realdata.pred GROUP BY "time";

CREATE TABLE realdata.calibration AS
SELECT b.slice_kind, b.slice, b.n, x.metric,
       (calibration_ci(b.pooled, x.metric)).*,
       (calibration_ci(b.material, x.metric)).estimate AS material_estimate,
       (calibration_ci(b.material, x.metric)).lower AS material_lower,
       (calibration_ci(b.material, x.metric)).upper AS material_upper,
       (calibration_ci_diff(b.material, b.pooled, x.metric)).estimate AS diff_estimate,
       (calibration_ci_diff(b.material, b.pooled, x.metric)).lower AS diff_lower,
       (calibration_ci_diff(b.material, b.pooled, x.metric)).upper AS diff_upper
FROM realdata.boot b
CROSS JOIN (VALUES ('ece'), ('brier'), ('log_loss')) x(metric);

-- agreement.  Within a listener: nominal alpha over the repeats of each
-- (listener, pair) unit (test-retest reliability).  Between listeners:
-- each listener's majority choice per pair (majority_vote over the
-- repeats), then alpha over the listeners with the pair as the unit.
CREATE TABLE realdata.listener_majority AS
SELECT listener, item_a, item_b, (majority_vote(chose_a::text)).*
FROM soundquality.judgments GROUP BY listener, item_a, item_b;

CREATE TABLE realdata.agreement AS
SELECT 'within listeners (repeats of a listener on a pair)'::text AS what,
       (SELECT krippendorff_alpha(listener || '|' || item_a || '|' || item_b, chose_a::text)
        FROM soundquality.judgments) AS alpha,
       (SELECT count(DISTINCT (listener, item_a, item_b)) FROM soundquality.judgments) AS units
UNION ALL
SELECT 'between listeners (each listener''s majority per pair)',
       (SELECT krippendorff_alpha(item_a || '|' || item_b, label) FROM realdata.listener_majority),
       (SELECT count(DISTINCT (item_a, item_b)) FROM realdata.listener_majority);

-- the held-out listeners' majority per pair against the pooled model:
-- does the model's favourite win the vote, and is its confidence the
-- vote's share?
CREATE TABLE realdata.vote AS
SELECT v.item_a, v.item_b, v.label, v.share, v.n,
       bt_predict(m.m, v.item_a, v.item_b) AS p_a
FROM (SELECT item_a, item_b, (majority_vote(chose_a::text)).*
      FROM realdata.pred GROUP BY item_a, item_b) v
JOIN realdata.models m ON m.model = 'pooled';

-- consistency classes: the analyst path's fixed-prior classes
-- (study.groups) and the empirical-Bayes ones (a prior learned from all
-- groups by preference_consistency_prior)
CREATE TABLE realdata.group_states AS
SELECT annotator, item_a, item_b, preference_consistency_state_agg(chose_a, condition) AS st
FROM study.judgments GROUP BY 1, 2, 3;
CREATE TABLE realdata.prior AS
SELECT preference_consistency_prior(st) AS pr FROM realdata.group_states;

CREATE TABLE realdata.group_classes AS
SELECT g.annotator, g.item_a, g.item_b, sg.detected AS fixed_prior,
       (classify_preference_consistency(g.st, p.pr)).label AS empirical_bayes
FROM realdata.group_states g CROSS JOIN realdata.prior p
JOIN study.groups sg USING (annotator, item_a, item_b);

CREATE TABLE realdata.classes AS
SELECT 'empirical Bayes'::text AS classifier, empirical_bayes AS label, count(*) AS groups
FROM realdata.group_classes GROUP BY 2
UNION ALL
SELECT 'fixed prior', fixed_prior, count(*) FROM realdata.group_classes GROUP BY 2;
