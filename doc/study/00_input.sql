-- doc/study/00_input.sql: point the study at your labeling tables.
--
-- This is the only file to edit.  It defines the view study.judgments with
-- one row per judgment (one annotator choosing between two items once):
--
--   judgment_id    any unique key
--   annotator      who judged (text)
--   item_a, item_b the pair in a fixed per-pair orientation (item_a < item_b
--                  or any other rule, as long as it does not depend on the
--                  display order); every "P(item_a beats item_b)" number in
--                  the study uses this orientation
--   domain         a slice to report separately ('all' if you have none)
--   a_shown_first  true when item_a was displayed first
--   condition      the measurement condition of this judgment (display order
--                  x framing; repeats of a condition share it)
--   chose_a        true when the annotator chose item_a
--   true_p         the true P(item_a beats item_b) if known (simulated data),
--                  else NULL: the "against the truth" columns are then empty
--   true_type      the known latent response type if any, else NULL
--
-- Below: the bundled labeling database (test/data/load-labeling.sql).
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS study CASCADE;
CREATE SCHEMA study;

CREATE VIEW study.judgments AS
SELECT j.judgment_id,
       j.annotator::text AS annotator,
       j.item_a::text AS item_a,
       j.item_b::text AS item_b,
       ia.domain,
       j.a_shown_first,
       format('order=%s;framing=%s', CASE WHEN j.a_shown_first THEN 'ab' ELSE 'ba' END, j.framing) AS condition,
       j.chose_a,
       1 / (1 + exp(-(ia.utility - ib.utility))) AS true_p,
       t.true_type
FROM labeling.judgments j
JOIN labeling.items ia ON ia.item = j.item_a
JOIN labeling.items ib ON ib.item = j.item_b
LEFT JOIN labeling.truth t USING (annotator, item_a, item_b);
