-- doc/study/01_split.sql: train / validation / test split by item pair.
--
-- Every judgment of an unordered item pair goes to the same split, so no
-- held-out pair was ever seen in training (its items were, through other
-- pairs: that is what a Bradley-Terry model generalises over).  The split
-- is a hash of the pair, stable across runs: 60 % train, 20 % validation
-- (used only to fit the temperature), 20 % test (every reported number).
\set ON_ERROR_STOP on
CREATE TABLE study.pair_split AS
SELECT item_a, item_b,
       CASE WHEN h < 6 THEN 'train' WHEN h < 8 THEN 'validation' ELSE 'test' END AS split
FROM (SELECT DISTINCT item_a, item_b,
             (('x' || substr(md5(least(item_a, item_b) || '|' || greatest(item_a, item_b)), 1, 8))::bit(32)::int & 2147483647) % 10 AS h
      FROM study.judgments) p;

CREATE TABLE study.rows AS
SELECT j.*, s.split,
       CASE WHEN j.a_shown_first THEN j.item_a ELSE j.item_b END AS first_item,
       CASE WHEN j.a_shown_first THEN j.item_b ELSE j.item_a END AS second_item,
       (j.chose_a = j.a_shown_first) AS chose_first,
       CASE WHEN j.a_shown_first THEN j.true_p ELSE 1 - j.true_p END AS true_p_first
FROM study.judgments j JOIN study.pair_split s USING (item_a, item_b);
ANALYZE study.rows;

SELECT split, count(*) AS judgments, count(DISTINCT (item_a, item_b)) AS pairs
FROM study.rows GROUP BY split ORDER BY split;
