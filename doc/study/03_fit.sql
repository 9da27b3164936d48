-- doc/study/03_fit.sql: fit one Bradley-Terry model per remedy on the
-- training split, and the temperature on the validation split.
--
-- Rows enter bt_state in display order: (first_item, second_item,
-- outcome = 1 when the first-shown item was chosen); when the display order
-- is not recorded, as (item_a, item_b, chose_a).  A remedy is a row of
-- study.remedies:
--   keep         which training groups: 'all', 'no_non_attitude' (drop the
--                groups classify_preference_consistency labels
--                non_attitude) or 'genuine' (keep only groups labelled
--                genuine); 'order_confounded' (only with known truth): a
--                training set whose display order is confounded with
--                quality, as when a production policy shows its preferred
--                answer first: every judgment where the truly better item
--                was shown first, and a third of the others (about 75 %
--                better-first)
--   position     fit a first-shown (position) effect
--   augment      'swap': add every judgment again in swapped display order
--   objective    'logloss' or 'logloss+brier' (brier_weight 1)
--   temperature  recalibrate with temperature scaling fitted on the
--                validation split (P(item_a beats item_b) against chose_a)
--
-- A remedy is fitted only when the table has what it needs (study.checks:
-- repeats and detected classes for the drop / genuine subsets, a recorded
-- display order and pairs in both orders for the position term, a
-- validation split for the temperature, truth for the order-confounded
-- set); otherwise study.remedies.available is false and notes says why.
--
-- Every fit is maximum likelihood (prior 0).  On small data an item may
-- have only wins or only losses in some training subset; no finite
-- estimate exists and the subset's remedies are marked unavailable, naming
-- the items.  Run with psql -v bt_prior=0.1 to add bt_fit's L2 prior to
-- every fit instead.
\set ON_ERROR_STOP on
\if :{?bt_prior}
\else
\set bt_prior 0
\endif
CREATE TABLE study.remedies (
	ord int PRIMARY KEY,
	remedy text UNIQUE NOT NULL,
	keep text NOT NULL,
	"position" boolean NOT NULL,
	augment text NOT NULL,
	objective text NOT NULL,
	temperature boolean NOT NULL
);
INSERT INTO study.remedies VALUES
	(1,  'none',                     'all',             false, 'none', 'logloss',       false),
	(2,  'swap',                     'all',             false, 'swap', 'logloss',       false),
	(3,  'position',                 'all',             true,  'none', 'logloss',       false),
	(4,  'swap+position',            'all',             true,  'swap', 'logloss',       false),
	(5,  'drop_non_attitudes',       'no_non_attitude', false, 'none', 'logloss',       false),
	(6,  'brier',                    'all',             false, 'none', 'logloss+brier', false),
	(7,  'temperature',              'all',             false, 'none', 'logloss',       true),
	(8,  'swap+temperature',         'all',             false, 'swap', 'logloss',       true),
	(9,  'position+drop',            'no_non_attitude', true,  'none', 'logloss',       false),
	(10, 'genuine_only',             'genuine',         false, 'none', 'logloss',       false),
	(11, 'drop+brier',               'no_non_attitude', false, 'none', 'logloss+brier', false),
	(12, 'drop+temperature',         'no_non_attitude', false, 'none', 'logloss',       true),
	(13, 'position+drop+brier+temp', 'no_non_attitude', true,  'none', 'logloss+brier', true);

-- the confounded-order scenario needs the truth to build its training set
-- (without it, the four rows below are marked unavailable)
INSERT INTO study.remedies VALUES
	(14, 'confounded',               'order_confounded', false, 'none', 'logloss',   false),
	(15, 'confounded+swap',          'order_confounded', false, 'swap', 'logloss',   false),
	(16, 'confounded+position',      'order_confounded', true,  'none', 'logloss',   false),
	(17, 'confounded+swap+position', 'order_confounded', true,  'swap', 'logloss',   false);

-- what each remedy needs from the table (study.checks, 01_split.sql and
-- 02_consistency.sql): a remedy whose need is 'unavailable' is not fitted
-- and its rows say why; 'caution' is carried along as a note
ALTER TABLE study.remedies ADD COLUMN available boolean NOT NULL DEFAULT true,
                           ADD COLUMN notes text;
UPDATE study.remedies r
SET available = n.available, notes = n.notes
FROM (SELECT r2.remedy,
             NOT bool_or(c.status = 'unavailable') AS available,
             string_agg(format('%s: %s', c.status, c.detail), '; ' ORDER BY c.status DESC, c.ord) AS notes
      FROM study.remedies r2
      JOIN study.checks c ON c.status <> 'ok' AND (
             c.name IN ('split:train', 'split:test', 'coverage')
          OR (c.name = 'repeats' AND r2.keep IN ('no_non_attitude', 'genuine'))
          OR (c.name = 'classes:non_attitude' AND r2.keep = 'no_non_attitude')
          OR (c.name = 'classes:genuine' AND r2.keep = 'genuine')
          OR (c.name = 'order_recorded' AND (r2."position" OR r2.augment = 'swap' OR r2.keep = 'order_confounded'))
          OR (c.name = 'both_orders' AND r2."position" AND r2.augment <> 'swap')
          OR (c.name = 'split:validation' AND r2.temperature)
          OR (c.name = 'truth' AND r2.keep = 'order_confounded'))
      GROUP BY r2.remedy) n
WHERE n.remedy = r.remedy;

-- the training rows of each subset, in display order
CREATE TABLE study.train_rows AS
SELECT k.keep, r.domain, r.first_item, r.second_item,
       coalesce(r.chose_first, r.chose_a)::int::float8 AS outcome
FROM study.labelled r
CROSS JOIN (SELECT DISTINCT keep FROM study.remedies WHERE available) k
WHERE r.split = 'train'
  AND (k.keep = 'all'
       OR (k.keep = 'no_non_attitude' AND r.detected <> 'non_attitude')
       OR (k.keep = 'genuine' AND r.detected = 'genuine')
       OR (k.keep = 'order_confounded' AND r.true_p IS NOT NULL
           AND ((r.true_p > 0.5) = r.a_shown_first OR abs(hashtext(r.judgment_id::text)) % 3 = 0)));

-- with prior 0, a subset in which an item only wins or only loses has no
-- maximum-likelihood fit (bt_fit would refuse): mark its remedies instead
UPDATE study.remedies r
SET available = false,
    notes = concat_ws('; ', format('unavailable: %s item(s) only win or only lose in the training judgments of subset ''%s'' (%s): no maximum-likelihood fit; run 03_fit.sql with psql -v bt_prior=0.1',
                                   s.separated, s.keep, left(s.which, 200)), r.notes)
FROM (SELECT keep, count(*) AS separated,
             string_agg(format('%s in %s: %s wins, %s losses', item, domain, wins, losses), ', ' ORDER BY domain, item) AS which
      FROM (SELECT keep, domain, item, sum(won) AS wins, count(*) - sum(won) AS losses
            FROM study.train_rows,
                 LATERAL (VALUES (first_item, outcome), (second_item, 1 - outcome)) v(item, won)
            GROUP BY keep, domain, item) i
      WHERE wins = 0 OR losses = 0
      GROUP BY keep) s
WHERE s.keep = r.keep AND r.available AND :bt_prior::float8 = 0;

-- one pair-count state per training subset and domain, folded once.
-- Domains are fitted apart: items of different domains are never compared,
-- so their scores share no scale (the comparison graph is disconnected).
CREATE TABLE study.train_counts AS
SELECT t.keep, t.domain, bt_state_agg(t.first_item, t.second_item, t.outcome, 1.0) AS counts
FROM study.train_rows t
WHERE t.keep IN (SELECT keep FROM study.remedies WHERE available)
GROUP BY t.keep, t.domain;

\echo Remedies the table does not support (study.remedies.available):
SELECT remedy, notes FROM study.remedies WHERE NOT available ORDER BY ord;

CREATE TABLE study.models AS
SELECT m.ord, m.remedy, c.domain,
       bt_fit(c.counts, prior => :bt_prior::float8, position_effect => m."position",
              augment => m.augment, objective => m.objective, brier_weight => 1.0) AS model
FROM study.remedies m JOIN study.train_counts c USING (keep)
WHERE m.available;
ALTER TABLE study.models ADD COLUMN recal recal_model;

-- temperature scaling on the validation split, per-pair orientation;
-- temperature scaling is symmetric in p <-> 1 - p, so the same T applies
-- to P(first-shown wins).  One temperature per remedy, over all domains.
UPDATE study.models mo
SET recal = v.r
FROM (SELECT mo2.remedy,
             temperature_scaling(bt_predict(mo2.model, r.item_a, r.item_b), r.chose_a) AS r
      FROM study.models mo2
      JOIN study.remedies re USING (remedy)
      JOIN study.labelled r USING (domain)
      WHERE re.temperature AND r.split = 'validation'
      GROUP BY mo2.remedy) v
WHERE v.remedy = mo.remedy;

SELECT remedy, domain, bt_info(model)->>'converged' AS converged,
       bt_info(model)->>'iterations' AS iterations,
       round((recal_info(recal)->>'temperature')::numeric, 3) AS temperature
FROM study.models ORDER BY ord, domain;
