-- doc/study/04_evaluate.sql: held-out calibration of every remedy on the
-- test split.
--
-- Two orientations, stated on every number:
--   pair   P(item_a beats item_b), the per-pair orientation of
--          study.judgments, from bt_predict (no position effect); the
--          observed label is chose_a
--   shown  P(first-shown item wins), from bt_predict_shown (with the fitted
--          position effect, if the remedy has one); the observed label is
--          "the first-shown item was chosen"
-- Two targets:
--   observed  the annotators' choices (0/1)
--   true      the true preference probability (true_p, in the same
--             orientation; the truth has no position effect), a soft
--             target: Brier, ECE and log loss against a probability
-- Slices: overall, per domain, per detected consistency class, and per
-- true latent type when known.  15 equal-width bins.  A target the table
-- lacks (no true_p, no recorded display order: study.checks) has no rows
-- here; 05_report.sql marks it.
\set ON_ERROR_STOP on
CREATE TABLE study.predictions AS
SELECT mo.remedy, r.judgment_id, r.annotator, r.item_a, r.item_b, domain, r.detected, r.true_type,
       r.chose_a, r.chose_first, r.true_p, r.true_p_first,
       CASE WHEN mo.recal IS NULL THEN q.p_a ELSE recalibrate(mo.recal, q.p_a) END AS p_a,
       CASE WHEN mo.recal IS NULL THEN q.p_first ELSE recalibrate(mo.recal, q.p_first) END AS p_first
FROM study.models mo
JOIN study.labelled r USING (domain)
CROSS JOIN LATERAL (SELECT bt_predict(mo.model, r.item_a, r.item_b) AS p_a,
                           bt_predict_shown(mo.model, r.first_item, r.second_item) AS p_first) q
WHERE r.split = 'test';

CREATE TABLE study.eval AS
SELECT p.remedy, o.orientation, o.target, s.slice_kind, s.slice,
       calibration_state_agg(o.p, o.y, 15) AS cal,
       avg(abs(o.p - o.t)) AS mae_true
FROM study.predictions p
CROSS JOIN LATERAL (VALUES
	('pair',  'observed', p.p_a,     p.chose_a::int::float8,     p.true_p),
	('pair',  'true',     p.p_a,     p.true_p,                   p.true_p),
	('shown', 'observed', p.p_first, p.chose_first::int::float8, p.true_p_first),
	('shown', 'true',     p.p_first, p.true_p_first,             p.true_p_first)
) o(orientation, target, p, y, t)
CROSS JOIN LATERAL (VALUES
	('overall', 'all'), ('domain', p.domain), ('detected', p.detected), ('true_type', p.true_type)
) s(slice_kind, slice)
WHERE s.slice IS NOT NULL AND o.y IS NOT NULL AND o.p IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;

-- the sampling-noise floor of the ECE against observed labels: the ECE a
-- perfectly calibrated model would still show, sum_b (n_b/N) E|mean
-- residual_b| with E|.| = sqrt(2/pi) sd.  The judgments of one annotator on
-- one pair are strongly correlated (8 per group), so sd is the
-- cluster-robust one over (annotator, pair) groups: sd_b^2 = sum_g
-- (r_g - n_g rbar_b)^2 / n_b^2 with r_g the group's summed residual y - p.
-- Bins as calibration_state_agg's: 15 equal-width, right-closed.  0 for the
-- noise-free truth.
CREATE TABLE study.ece_floor AS
WITH r AS (
	SELECT p.remedy, o.orientation, s.slice_kind, s.slice,
	       greatest(1, ceil(o.p * 15))::int AS bin,
	       p.annotator, p.item_a, p.item_b, o.y - o.p AS resid
	FROM study.predictions p
	CROSS JOIN LATERAL (VALUES
		('pair',  p.p_a,     p.chose_a::int::float8),
		('shown', p.p_first, p.chose_first::int::float8)
	) o(orientation, p, y)
	CROSS JOIN LATERAL (VALUES
		('overall', 'all'), ('domain', p.domain), ('detected', p.detected), ('true_type', p.true_type)
	) s(slice_kind, slice)
	WHERE s.slice IS NOT NULL AND o.y IS NOT NULL AND o.p IS NOT NULL
), g AS (
	SELECT remedy, orientation, slice_kind, slice, bin, count(*) AS ng, sum(resid) AS rg
	FROM r GROUP BY remedy, orientation, slice_kind, slice, bin, annotator, item_a, item_b
), b AS (
	SELECT remedy, orientation, slice_kind, slice, bin, sum(ng) AS nb,
	       sum(rg) / sum(ng) AS rbar
	FROM g GROUP BY remedy, orientation, slice_kind, slice, bin
), sd AS (
	SELECT g.remedy, g.orientation, g.slice_kind, g.slice, g.bin, b.nb,
	       sqrt(sum((g.rg - g.ng * b.rbar) ^ 2)) / b.nb AS sd_b
	FROM g JOIN b USING (remedy, orientation, slice_kind, slice, bin)
	GROUP BY g.remedy, g.orientation, g.slice_kind, g.slice, g.bin, b.nb
)
SELECT remedy, orientation, slice_kind, slice,
       sum(nb * sqrt(2 / pi()) * sd_b) / sum(nb) AS ece_floor
FROM sd GROUP BY remedy, orientation, slice_kind, slice;

-- the numbers, flat
CREATE TABLE study.metrics AS
SELECT e.remedy, m.ord, e.orientation, e.target, e.slice_kind, e.slice,
       calibration_n(e.cal) AS n,
       calibration_brier(e.cal) AS brier,
       calibration_ece(e.cal) AS ece,
       calibration_mce(e.cal) AS mce,
       calibration_log_loss(e.cal) AS logloss,
       (d).reliability, (d).resolution, (d).uncertainty,
       (d).within_bin_variance, (d).within_bin_covariance,
       e.mae_true,
       CASE WHEN e.target = 'observed' THEN f.ece_floor ELSE 0 END AS ece_floor,
       e.cal
FROM study.eval e
JOIN study.remedies m USING (remedy)
LEFT JOIN study.ece_floor f USING (remedy, orientation, slice_kind, slice)
CROSS JOIN LATERAL (SELECT calibration_decomposition(e.cal) AS d) dd;
