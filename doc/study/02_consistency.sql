-- doc/study/02_consistency.sql: label every (annotator, pair) group with
-- classify_preference_consistency over its repeated judgments under the
-- measurement conditions.  The choice is given in the per-pair orientation
-- (chose_a), so "always the first-shown item" shows up as a choice that
-- follows the display-order condition (constructed), and coin flips as
-- non_attitude.  Uses no model and no split: a property of the labels.
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

-- how well the detected labels recover the known types (when known)
SELECT detected, count(*) AS groups,
       count(*) FILTER (WHERE true_type = 'genuine') AS true_genuine,
       count(*) FILTER (WHERE true_type = 'non_attitude') AS true_non_attitude,
       count(*) FILTER (WHERE true_type LIKE 'constructed%') AS true_constructed
FROM study.groups GROUP BY detected ORDER BY detected;
