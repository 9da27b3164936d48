-- doc/study/01_split.sql: train / validation / test split by item pair, and
-- the checks of what the table can support.
--
-- Every judgment of an unordered item pair goes to the same split, so no
-- held-out pair was ever seen in training (its items were, through other
-- pairs: that is what a Bradley-Terry model generalises over).  The split
-- is a hash of the pair, stable across runs: 60 % train, 20 % validation
-- (used only to fit the temperature), 20 % test (every reported number).
--
-- study.checks records, with the numbers, whether the table has what each
-- conclusion needs (doc/study.md, "Minimum design for each conclusion"):
-- enough pairs in each split, repeated judgments for the consistency
-- classes, a recorded display order and pairs shown in both orders for the
-- position effect, a truth column for the gap against the truth.  Status
-- 'ok', 'caution' (computed, but read the detail) or 'unavailable' (the
-- steps that need it are skipped and their rows marked).  Later steps and
-- the report consult it.  psql -v min_pairs=N sets the pairs a split needs
-- (default 20).
\set ON_ERROR_STOP on
\if :{?min_pairs}
\else
\set min_pairs 20
\endif
CREATE TABLE study.pair_split AS
SELECT item_a, item_b,
       CASE WHEN h < 6 THEN 'train' WHEN h < 8 THEN 'validation' ELSE 'test' END AS split
FROM (SELECT DISTINCT item_a, item_b,
             (('x' || substr(md5(least(item_a, item_b) || '|' || greatest(item_a, item_b)), 1, 8))::bit(32)::int & 2147483647) % 10 AS h
      FROM study.judgments) p;

-- first_item / second_item: the display order; when it is not recorded
-- (a_shown_first NULL) they are item_a / item_b and chose_first is NULL
CREATE TABLE study.rows AS
SELECT j.*, s.split,
       CASE WHEN j.a_shown_first IS NOT FALSE THEN j.item_a ELSE j.item_b END AS first_item,
       CASE WHEN j.a_shown_first IS NOT FALSE THEN j.item_b ELSE j.item_a END AS second_item,
       (j.chose_a = j.a_shown_first) AS chose_first,
       CASE WHEN j.a_shown_first THEN j.true_p WHEN NOT j.a_shown_first THEN 1 - j.true_p END AS true_p_first
FROM study.judgments j JOIN study.pair_split s USING (item_a, item_b);
ANALYZE study.rows;

SELECT split, count(*) AS judgments, count(DISTINCT (item_a, item_b)) AS pairs
FROM study.rows GROUP BY split ORDER BY split;

CREATE TABLE study.checks (
	ord int PRIMARY KEY,
	name text UNIQUE NOT NULL,
	needed_for text NOT NULL,
	status text NOT NULL CHECK (status IN ('ok', 'caution', 'unavailable')),
	detail text NOT NULL,
	numbers jsonb NOT NULL
);

-- enough pairs in each split
INSERT INTO study.checks
SELECT o.ord, 'split:' || o.split,
       CASE o.split WHEN 'train' THEN 'every fit' WHEN 'validation' THEN 'the temperature remedies'
                    ELSE 'every held-out number' END,
       CASE WHEN coalesce(s.pairs, 0) >= :min_pairs THEN 'ok' ELSE 'unavailable' END,
       CASE WHEN coalesce(s.pairs, 0) >= :min_pairs
            THEN format('the %s split has %s pairs (%s judgments)', o.split, s.pairs, s.judgments)
            ELSE format('the %s split has %s pairs (%s judgments), fewer than %s (psql -v min_pairs): %s %s unavailable',
                        o.split, coalesce(s.pairs, 0), coalesce(s.judgments, 0), :min_pairs,
                        CASE o.split WHEN 'train' THEN 'every fit' WHEN 'validation' THEN 'the temperature remedies'
                                     ELSE 'every held-out number' END,
                        CASE o.split WHEN 'train' THEN 'is' WHEN 'validation' THEN 'are' ELSE 'is' END) END,
       jsonb_build_object('pairs', coalesce(s.pairs, 0), 'judgments', coalesce(s.judgments, 0), 'min_pairs', :min_pairs)
FROM (VALUES (1, 'train'), (2, 'validation'), (3, 'test')) o(ord, split)
LEFT JOIN (SELECT split, count(DISTINCT (item_a, item_b)) AS pairs, count(*) AS judgments
           FROM study.rows GROUP BY split) s USING (split);

-- repeated judgments of a pair by one annotator, under several conditions:
-- what classify_preference_consistency needs (it labels a group of one
-- judgment 'insufficient', and cannot tell genuine from constructed within
-- one condition)
INSERT INTO study.checks
SELECT 4, 'repeats', 'the consistency classes (the drop / genuine remedies, the per-class slices)',
       CASE WHEN g.multi = 0 THEN 'unavailable'
            WHEN g.multi_cond = 0 OR g.multi < g.groups / 2.0 THEN 'caution'
            ELSE 'ok' END,
       CASE WHEN g.groups = 0 THEN 'no judgment: the consistency classes are unavailable'
            WHEN g.multi = 0 THEN format('every (annotator, pair) group has 1 judgment (%s groups): the consistency classes are unavailable', g.groups)
            WHEN g.multi_cond = 0 THEN format('%s of %s (annotator, pair) groups have more than one judgment, but every group''s judgments share one condition: genuine and constructed preferences cannot be told apart (only non-attitudes can be detected)', g.multi, g.groups)
            WHEN g.multi < g.groups / 2.0 THEN format('only %s of %s (annotator, pair) groups have more than one judgment (%s under more than one condition); the others are ''insufficient''', g.multi, g.groups, g.multi_cond)
            ELSE format('%s of %s (annotator, pair) groups have more than one judgment, %s under more than one condition (median %s judgments per group)', g.multi, g.groups, g.multi_cond, g.median_n) END,
       jsonb_build_object('groups', g.groups, 'groups_with_repeats', g.multi,
                          'groups_with_conditions', g.multi_cond, 'median_judgments', g.median_n)
FROM (SELECT count(*) AS groups, count(*) FILTER (WHERE n > 1) AS multi,
             count(*) FILTER (WHERE n > 1 AND nc > 1) AS multi_cond,
             percentile_disc(0.5) WITHIN GROUP (ORDER BY n) AS median_n
      FROM (SELECT count(*) AS n, count(DISTINCT condition) AS nc
            FROM study.rows GROUP BY annotator, item_a, item_b) x) g;

-- the display order: recorded at all (P(first-shown wins), the swap
-- remedies), and pairs shown in both orders (the position effect: with
-- every pair in one order it is confounded with the items' scores)
INSERT INTO study.checks
SELECT 5, 'order_recorded', 'P(first-shown wins) (the shown columns), the swap and position remedies',
       CASE WHEN o.known = 0 THEN 'unavailable' WHEN o.known < o.n THEN 'caution' ELSE 'ok' END,
       CASE WHEN o.known = 0 THEN format('the display order is not recorded (a_shown_first is NULL in all %s judgments): P(first-shown wins) and the position effect are unavailable', o.n)
            WHEN o.known < o.n THEN format('the display order is recorded for %s of %s judgments; the shown columns use those only', o.known, o.n)
            ELSE format('the display order is recorded for all %s judgments (%s %% show item_a first)', o.n, round(100.0 * o.a_first / o.n, 1)) END,
       jsonb_build_object('judgments', o.n, 'order_known', o.known, 'a_first', o.a_first)
FROM (SELECT count(*) AS n, count(a_shown_first) AS known,
             count(*) FILTER (WHERE a_shown_first) AS a_first FROM study.rows) o;

INSERT INTO study.checks
SELECT 6, 'both_orders', 'the position effect (the position remedies)',
       CASE WHEN b.both = 0 THEN 'unavailable' WHEN b.both < least(:min_pairs, b.pairs) THEN 'caution' ELSE 'ok' END,
       CASE WHEN b.known = 0 THEN 'the display order is not recorded: the position effect is unavailable'
            WHEN b.both = 0 THEN format('no training pair is shown in both display orders (%s pairs; %s of %s training judgments show item_a first): the position effect is unavailable', b.pairs, b.a_first, b.known)
            WHEN b.both < least(:min_pairs, b.pairs) THEN format('only %s of %s training pairs are shown in both display orders: the position effect rests on them', b.both, b.pairs)
            ELSE format('%s of %s training pairs are shown in both display orders', b.both, b.pairs) END,
       jsonb_build_object('pairs', b.pairs, 'pairs_both_orders', b.both, 'order_known', b.known, 'a_first', b.a_first)
FROM (SELECT count(*) AS pairs, count(*) FILTER (WHERE af > 0 AND bf > 0) AS both,
             sum(af + bf) AS known, sum(af) AS a_first
      FROM (SELECT item_a, item_b, count(*) FILTER (WHERE a_shown_first) AS af,
                   count(*) FILTER (WHERE NOT a_shown_first) AS bf
            FROM study.rows WHERE split = 'train' GROUP BY item_a, item_b) p) b;

-- the truth: only simulated (or gold-labelled) data has it
INSERT INTO study.checks
SELECT 7, 'truth', 'the gap against the truth (the true_p columns), the order-confounded remedies',
       CASE WHEN t.known = 0 THEN 'unavailable' WHEN t.known < t.n THEN 'caution' ELSE 'ok' END,
       CASE WHEN t.known = 0 THEN format('no true preference probability (true_p is NULL in all %s judgments): the gap against the truth and the order-confounded remedies are unavailable; only calibration against the labels is measured', t.n)
            WHEN t.known < t.n THEN format('true_p is known for %s of %s judgments; the true_p columns use those only', t.known, t.n)
            ELSE format('true_p is known for all %s judgments', t.n) END,
       jsonb_build_object('judgments', t.n, 'true_p_known', t.known)
FROM (SELECT count(*) AS n, count(true_p) AS known FROM study.rows) t;

INSERT INTO study.checks
SELECT 8, 'true_type', 'checking the consistency classes against known latent types (the true_type slices)',
       CASE WHEN t.known = 0 THEN 'unavailable' WHEN t.known < t.n THEN 'caution' ELSE 'ok' END,
       CASE WHEN t.known = 0 THEN format('no known latent response type (true_type is NULL in all %s judgments): the detected classes cannot be checked', t.n)
            WHEN t.known < t.n THEN format('true_type is known for %s of %s judgments', t.known, t.n)
            ELSE format('true_type is known for all %s judgments', t.n) END,
       jsonb_build_object('judgments', t.n, 'true_type_known', t.known)
FROM (SELECT count(*) AS n, count(true_type) AS known FROM study.rows) t;

-- held-out judgments whose items have no training judgment (in their
-- domain: domains are fitted apart) get no prediction
INSERT INTO study.checks
WITH seen AS (
	SELECT DISTINCT domain, item FROM study.rows, LATERAL (VALUES (item_a), (item_b)) v(item)
	WHERE split = 'train'
), c AS (
	SELECT count(*) AS n,
	       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM seen s WHERE s.domain = r.domain AND s.item = r.item_a)
	                           OR NOT EXISTS (SELECT 1 FROM seen s WHERE s.domain = r.domain AND s.item = r.item_b)) AS unseen
	FROM study.rows r WHERE r.split = 'test'
)
SELECT 9, 'coverage', 'every held-out number',
       CASE WHEN c.unseen = 0 THEN 'ok' ELSE 'caution' END,
       CASE WHEN c.unseen = 0 THEN format('every item of the %s test judgments has training judgments in its domain', c.n)
            ELSE format('%s of %s test judgments involve an item without training judgments in its domain: they get no prediction and are left out of every held-out number', c.unseen, c.n) END,
       jsonb_build_object('test_judgments', c.n, 'unseen', c.unseen)
FROM c;

-- items that only win or only lose in training: no maximum-likelihood fit
-- (bt_fit refuses with prior 0); a subset (drop, genuine) can add more
INSERT INTO study.checks
WITH wl AS (
	SELECT domain, item, sum(won) AS wins, count(*) - sum(won) AS losses
	FROM study.rows,
	     LATERAL (VALUES (item_a, chose_a::int), (item_b, 1 - chose_a::int)) v(item, won)
	WHERE split = 'train'
	GROUP BY domain, item
), s AS (
	SELECT count(*) AS items, count(*) FILTER (WHERE wins = 0 OR losses = 0) AS separated,
	       string_agg(format('%s (%s, %s wins, %s losses)', item, domain, wins, losses), ', ' ORDER BY domain, item)
	         FILTER (WHERE wins = 0 OR losses = 0) AS which
	FROM wl
)
SELECT 10, 'separation', 'maximum-likelihood fits (prior 0)',
       CASE WHEN s.separated = 0 THEN 'ok' ELSE 'caution' END,
       CASE WHEN s.separated = 0 THEN format('every one of the %s items wins and loses in the training split', s.items)
            ELSE format('%s of %s items only win or only lose in the training split (%s): no maximum-likelihood fit exists; run 03_fit.sql with psql -v bt_prior=0.1', s.separated, s.items, left(s.which, 200)) END,
       jsonb_build_object('items', s.items, 'separated', s.separated)
FROM s;

\echo What this table supports (study.checks):
SELECT name, status, detail FROM study.checks ORDER BY status = 'ok', ord;
