-- doc/study/sim/00_setup.sql: the replicated, paired simulation study:
-- schema simstudy (dropped and recreated), its settings, the remedies, the
-- result tables and the helper functions (the t quantile, the interval
-- across replicates, the verdict rule).
--
-- Settings (psql variables, defaults in brackets):
--   sim_params       simulate_preference_study parameters, jsonb ['{}']
--   boot_replicates  bootstrap replicates per state [200]
--   nbins            equal-width bins of the ECE [15]
--   prior            L2 prior of every reward fit [1]
--   level            interval level, per replicate and across [0.95]
-- Then 01_replicate.sql defines simstudy.run_replicate(seed); call it once
-- per seed (two sessions may run different seeds at the same time), and
-- 02_summary.sql and 03_markdown.sql summarise.
\set ON_ERROR_STOP on
\if :{?sim_params}
\else
\set sim_params '{}'
\endif
\if :{?boot_replicates}
\else
\set boot_replicates 200
\endif
\if :{?nbins}
\else
\set nbins 15
\endif
\if :{?prior}
\else
\set prior 1
\endif
\if :{?level}
\else
\set level 0.95
\endif

DROP SCHEMA IF EXISTS simstudy CASCADE;
CREATE SCHEMA simstudy;

CREATE TABLE simstudy.settings AS
SELECT :'sim_params'::jsonb AS sim_params,
       :boot_replicates::int AS boot_replicates,
       :nbins::int AS nbins,
       0::bigint AS boot_seed,
       :prior::float8 AS prior,
       :level::float8 AS level,
       -- the style feature is the last one: k quality features, then style
       coalesce(jsonb_array_length(:'sim_params'::jsonb -> 'quality_weights'), 3) + 1 AS style_feature;

-- The remedies.  Each is one reward model (reward_fit) on the training
-- split, evaluated on the test split:
--   rows      which training judgments and with which outcome:
--             'all' (the observed choices), 'truth_labels' (each choice
--             redrawn as Bernoulli(true_p_first): floor a), 'oracle_genuine'
--             (latent_type = genuine: floor b), 'eb_genuine' / 'eb_weighted'
--             (the empirical-Bayes consistency classifier's genuine groups /
--             every judgment weighted by its group's posterior P(genuine)),
--             'majority' (each judgment's outcome replaced by its pair's
--             majority vote over the training judgments, ties 1/2),
--             'self_training' (the confident half of the judgments, by
--             |p - 1/2| under none's model, get that model's own label)
--   position, objective, augment   reward_fit's options; 'counterfactual'
--             augments on the style feature (spurious => '{style}')
--   post      'temperature' (temperature scaling of none's predictions,
--             fitted on the validation split), 'personal' (one model per
--             annotator, each test judgment predicted by its annotator's),
--             'feature_oracle' (no model: feature_p_first, the best any
--             model on the features can do), 'generator' (no model: the
--             probability each test judgment was generated with,
--             judgment_p_first)
--   role      'baseline', 'floor', 'identity' (must equal none) or 'remedy'
--
-- The floors.  Against the truth the verdicts' floor is feature_oracle:
-- the truth averaged over what the features do not show (the hidden
-- quality), the best any model on these features can do; beside it floor a,
-- truth_labels (none refitted on labels drawn from the truth,
-- Bernoulli(true_p_first), on the same training judgments: perfect labels,
-- same design) and floor b, oracle_filter (the filter that knows every
-- group's latent type).  Against the held-out labels the floor is
-- label_generator (what sampling noise alone leaves).
CREATE TABLE simstudy.remedies (
	ord int PRIMARY KEY,
	remedy text UNIQUE NOT NULL,
	rows text NOT NULL,
	"position" boolean NOT NULL DEFAULT false,
	objective text NOT NULL DEFAULT 'log_loss',
	augment text NOT NULL DEFAULT 'none',
	post text,
	role text NOT NULL DEFAULT 'remedy',
	description text NOT NULL
);
INSERT INTO simstudy.remedies (ord, remedy, rows, "position", objective, augment, post, role, description) VALUES
 (1,  'none',            'all',            false, 'log_loss',      'none',           NULL,          'baseline', 'log-loss reward model on every training judgment'),
 (2,  'swap',            'all',            false, 'log_loss',      'swap',           NULL,          'identity', 'display-swap augmentation (sanity identity: provably equal to none)'),
 (3,  'counterfactual',  'all',            false, 'log_loss',      'counterfactual', NULL,          'remedy',   'counterfactual augmentation on the style feature'),
 (4,  'position',        'all',            true,  'log_loss',      'none',           NULL,          'remedy',   'position (first-shown) term'),
 (5,  'counterfactual+position', 'all',    true,  'log_loss',      'counterfactual', NULL,          'remedy',   'counterfactual augmentation and a position term'),
 (6,  'eb_filter',       'eb_genuine',     false, 'log_loss',      'none',           NULL,          'remedy',   'only groups the empirical-Bayes classifier calls genuine'),
 (7,  'eb_weighted',     'eb_weighted',    false, 'log_loss',      'none',           NULL,          'remedy',   'every judgment weighted by its group''s posterior P(genuine)'),
 (8,  'counterfactual+eb_weighted', 'eb_weighted', false, 'log_loss', 'counterfactual', NULL,        'remedy',   'counterfactual augmentation on the posterior-weighted judgments'),
 (9,  'temperature',     'all',            false, 'log_loss',      'none',           'temperature', 'remedy',   'temperature scaling of none, fitted on the validation labels'),
 (10, 'hinge',           'all',            false, 'hinge',         'none',           NULL,          'remedy',   'binary, accuracy-style objective (smoothed hinge)'),
 (11, 'hinge+brier',     'all',            false, 'hinge+brier',   'none',           NULL,          'remedy',   'hinge plus a Brier term'),
 (12, 'log_loss+brier',  'all',            false, 'log_loss+brier', 'none',          NULL,          'remedy',   'log loss plus a Brier term (none is the log-loss objective)'),
 (13, 'majority',        'majority',       false, 'log_loss',      'none',           NULL,          'remedy',   'majority-vote label per pair'),
 (14, 'counterfactual+majority', 'majority', false, 'log_loss',    'counterfactual', NULL,          'remedy',   'counterfactual augmentation on majority-vote labels'),
 (15, 'self_training',   'self_training',  false, 'log_loss',      'none',           NULL,          'remedy',   'confidence as reward: refit on the model''s own confident labels'),
 (16, 'personalized',    'all',            false, 'log_loss',      'none',           'personal',    'remedy',   'one model per annotator, scored against the population truth'),
 (17, 'oracle_filter',   'oracle_genuine', false, 'log_loss',      'none',           NULL,          'floor',    'floor b: only judgments whose latent type is genuine'),
 (18, 'truth_labels',    'truth_labels',   false, 'log_loss',      'none',           NULL,          'floor',    'floor a: labels redrawn from the truth, same counts and grouping'),
 (19, 'truth_labels+counterfactual', 'truth_labels', false, 'log_loss', 'counterfactual', NULL,      'floor',    'floor a with counterfactual augmentation: perfect labels, style removed'),
 (20, 'feature_oracle',  'none',           false, 'log_loss',      'none',           'feature_oracle', 'floor', 'the floor against the truth: E[true_p_first | the features] (feature_p_first; no fit)'),
 (21, 'label_generator', 'none',           false, 'log_loss',      'none',           'generator',   'floor',    'the floor against the labels: each test judgment''s generating probability (no fit)');

-- each target's floor (the verdict's "closed" bar) and the oracle
CREATE TABLE simstudy.targets (
	target text PRIMARY KEY,
	floor text NOT NULL,
	description text NOT NULL
);
INSERT INTO simstudy.targets VALUES
 ('truth',  'feature_oracle',  'P(first preferred) from reward_predict (no position term) against true_p_first, the population truth (a soft target)'),
 ('labels', 'label_generator', 'P(first-shown chosen) from reward_predict_shown (with the position term, if fitted) against the held-out choices');

-- remedies a replicate could not fit, and why (reported, never silently equal to none)
CREATE TABLE simstudy.notes (
	seed bigint NOT NULL,
	remedy text NOT NULL,
	note text NOT NULL
);

-- per replicate: what was simulated and how long it took
CREATE TABLE simstudy.replicates (
	seed bigint PRIMARY KEY,
	judgments bigint, train bigint, validation bigint, test bigint, test_pairs bigint,
	eb_genuine_share float8,       -- share of training judgments in groups called genuine
	eb_genuine_precision float8,   -- of those, share whose latent type is genuine
	swap_max_abs_diff float8,      -- max |p(swap) - p(none)| on test: the identity
	personal_fallback bigint,      -- test judgments whose annotator had no model
	temperature float8,
	seconds float8
);

-- per replicate, remedy, target, slice and metric: the estimate with its
-- bootstrap interval (clusters = pairs) and the paired differences against
-- none and the two floors (same test rows, clusters and bootstrap seed)
CREATE TABLE simstudy.metrics (
	seed bigint NOT NULL,
	remedy text NOT NULL,
	target text NOT NULL,      -- 'truth' | 'labels'
	slice text NOT NULL,       -- 'all' | a domain
	metric text NOT NULL,      -- 'ece' | 'brier' | 'log_loss' | 'confidence_ratio'
	estimate float8, lower float8, upper float8,
	d_none float8, d_none_lower float8, d_none_upper float8,
	d_floor float8, d_floor_lower float8, d_floor_upper float8,     -- remedy - the target's floor
	d_oracle float8, d_oracle_lower float8, d_oracle_upper float8,  -- remedy - oracle_filter (floor b)
	PRIMARY KEY (seed, remedy, target, slice, metric)
);

-- bootstrap states against the truth, all test rows, kept for the
-- reliability diagrams (merged over replicates: cluster keys carry the seed)
CREATE TABLE simstudy.states (
	seed bigint NOT NULL,
	remedy text NOT NULL,
	target text NOT NULL,
	st calibration_bootstrap_state,
	PRIMARY KEY (seed, remedy, target)
);
-- about 190 kB of doubles per state: compression costs time and saves little
ALTER TABLE simstudy.states ALTER COLUMN st SET STORAGE EXTERNAL;

-- The two-sided quantile of Student's t with df degrees of freedom:
-- the t with P(|T| <= t) = level, by bisection on the exact distribution
-- function for integer df (Abramowitz and Stegun 26.7.3 and 26.7.4).
CREATE FUNCTION simstudy.t_abs_cdf(t float8, df int) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	th float8 := atan(t / sqrt(df));
	c float8 := cos(th);
	s float8 := sin(th);
	term float8;
	total float8;
	k int;
BEGIN
	IF df < 1 THEN
		RAISE EXCEPTION 'degrees of freedom must be at least 1' USING ERRCODE = '22023';
	END IF;
	IF df % 2 = 1 THEN
		total := th;
		IF df > 1 THEN
			term := c;
			total := th + s * c;
			k := 3;
			WHILE k <= df - 2 AND term > 1e-250 LOOP   -- the rest adds nothing
				term := term * c * c * (k - 1) / k;
				total := total + s * term;
				k := k + 2;
			END LOOP;
		END IF;
		RETURN 2 / pi() * total;
	END IF;
	term := 1;
	total := 1;
	k := 2;
	WHILE k <= df - 2 AND term > 1e-250 LOOP
		term := term * c * c * (k - 1) / k;
		total := total + term;
		k := k + 2;
	END LOOP;
	RETURN s * total;
END $$;

CREATE FUNCTION simstudy.t_quantile(level float8, df int) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	lo float8 := 0;
	hi float8 := 1e6;
	mid float8;
BEGIN
	IF NOT (level > 0 AND level < 1) THEN
		RAISE EXCEPTION 'level must be strictly between 0 and 1' USING ERRCODE = '22023';
	END IF;
	FOR i IN 1 .. 200 LOOP
		mid := (lo + hi) / 2;
		IF simstudy.t_abs_cdf(mid, df) < level THEN lo := mid; ELSE hi := mid; END IF;
		EXIT WHEN hi - lo <= 1e-13 * hi;
	END LOOP;
	RETURN (lo + hi) / 2;
END $$;

-- mean of n replicate values with its t interval, t the two-sided
-- quantile at the level with n - 1 degrees of freedom
CREATE FUNCTION simstudy.mean_ci(mean float8, sd float8, n bigint, t float8,
                                 OUT lower float8, OUT upper float8)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE WHEN n >= 2 THEN mean - t * sd / sqrt(n) END,
       CASE WHEN n >= 2 THEN mean + t * sd / sqrt(n) END
$$;

-- The verdict rule.  For a metric where lower is better, with
--   [d_lo, d_hi]  the interval of remedy - none (paired by replicate), and
--   [f_lo, f_hi]  the interval of remedy - floor:
--   closed     d_hi < 0 and f_lo <= 0 (better than none, and the interval
--              of remedy - floor contains 0 or lies below it)
--   narrowed   d_hi < 0 otherwise
--   widened    d_lo > 0
--   unchanged  the interval of remedy - none contains 0
-- NULL when an interval is missing.
CREATE FUNCTION simstudy.verdict(d_lo float8, d_hi float8, f_lo float8, f_hi float8)
RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE
	WHEN d_lo IS NULL OR d_hi IS NULL THEN NULL
	WHEN d_hi < 0 AND f_lo IS NULL THEN NULL
	WHEN d_hi < 0 AND f_lo <= 0 THEN 'closed'
	WHEN d_hi < 0 THEN 'narrowed'
	WHEN d_lo > 0 THEN 'widened'
	ELSE 'unchanged'
END
$$;

-- the baseline's own status against the floor: a gap when the interval of
-- none - floor lies above 0
CREATE FUNCTION simstudy.baseline_status(g_lo float8, g_hi float8)
RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE WHEN g_lo IS NULL THEN NULL WHEN g_lo > 0 THEN 'gap' ELSE 'no gap' END
$$;

-- a deterministic uniform in (0, 1) from a seed and a key
CREATE FUNCTION simstudy.uniform(seed bigint, key text) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT ((hashtextextended(key, seed) & 4503599627370495) + 0.5) / 4503599627370496.0
$$;
