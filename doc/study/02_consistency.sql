-- doc/study/02_consistency.sql: label every (annotator, pair) group with
-- classify_preference_consistency over its repeated judgments under the
-- measurement conditions.  The choice is given in the per-pair orientation
-- (chose_a), so "always the first-shown item" shows up as a choice that
-- follows the display-order condition (constructed), and coin flips as
-- non_attitude.  Uses no model and no split: a property of the labels.
-- Adds to study.checks what the training split's classes allow: the drop
-- remedy needs groups labelled non_attitude (else it equals "none"), the
-- genuine-only remedy groups labelled genuine.
\set ON_ERROR_STOP on
CREATE TABLE study.groups AS
SELECT annotator, item_a, item_b, (c).label AS detected, (c).p_genuine,
       (c).p_non_attitude, (c).p_constructed, (c).n, min_true_type AS true_type
FROM (SELECT annotator, item_a, item_b,
             classify_preference_consistency(chose_a, condition) AS c,
             min(true_type) AS min_true_type
      FROM study.rows GROUP BY annotator, item_a, item_b) g;

CREATE TABLE study.labelled AS
SELECT r.*, g.detected
FROM study.rows r JOIN study.groups g USING (annotator, item_a, item_b);
ANALYZE study.labelled;

INSERT INTO study.checks
WITH t AS (
	SELECT count(*) AS groups,
	       count(*) FILTER (WHERE detected = 'genuine') AS genuine,
	       count(*) FILTER (WHERE detected = 'non_attitude') AS non_attitude,
	       count(*) FILTER (WHERE detected = 'constructed') AS constructed,
	       count(*) FILTER (WHERE detected = 'insufficient') AS insufficient
	FROM study.groups g JOIN study.pair_split USING (item_a, item_b)
	WHERE split = 'train'
)
SELECT o.ord, 'classes:' || o.label, o.needed_for,
       CASE WHEN o.k = 0 THEN 'unavailable' ELSE 'ok' END,
       format('%s training groups labelled %s (of %s: %s genuine, %s non_attitude, %s constructed, %s insufficient)%s',
              o.k, o.label, t.groups, t.genuine, t.non_attitude, t.constructed, t.insufficient,
              CASE WHEN o.k = 0 THEN ': ' || o.consequence ELSE '' END),
       jsonb_build_object('groups', t.groups, 'genuine', t.genuine, 'non_attitude', t.non_attitude,
                          'constructed', t.constructed, 'insufficient', t.insufficient)
FROM t CROSS JOIN LATERAL (VALUES
	(11, 'non_attitude', 'the remedies that drop detected non-attitudes', t.non_attitude,
	 'dropping detected non-attitudes would equal "none"; those remedies are unavailable'),
	(12, 'genuine', 'the genuine-only remedy', t.genuine,
	 'the genuine-only remedy has no training data and is unavailable')
) o(ord, label, needed_for, k, consequence);

SELECT name, status, detail FROM study.checks WHERE name LIKE 'classes:%' ORDER BY ord;

-- how well the detected labels recover the known types (when known)
SELECT detected, count(*) AS groups,
       count(*) FILTER (WHERE true_type = 'genuine') AS true_genuine,
       count(*) FILTER (WHERE true_type = 'non_attitude') AS true_non_attitude,
       count(*) FILTER (WHERE true_type LIKE 'constructed%') AS true_constructed
FROM study.groups GROUP BY detected ORDER BY detected;
