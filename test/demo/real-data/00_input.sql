-- test/demo/real-data/00_input.sql: the analyst path's input
-- (doc/study/00_input.sql) for the bundled real data set
-- (test/data/load-soundquality.sql): one judgment per row; the condition of
-- a judgment is its program material (4), so the 5 judgments of a listener
-- on a pair with one material (3 repetitions before the attribute
-- elicitation, 2 after) are its repeats.  (With session x material, 8
-- conditions, the empirical-Bayes classifier's 2^8 direction patterns make
-- it take about 30 s here.)  No display order was recorded and there
-- is no truth: those columns are NULL, and the checks say what follows.
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS study CASCADE;
CREATE SCHEMA study;

CREATE VIEW study.judgments AS
SELECT judgment_id,
       listener AS annotator,
       item_a, item_b,
       'all'::text AS domain,
       NULL::boolean AS a_shown_first,
       progmat AS condition,
       chose_a,
       NULL::float8 AS true_p,
       NULL::text AS true_type
FROM soundquality.judgments;
