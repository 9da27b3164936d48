-- prefcal--0.1.0--0.2.0.sql: upgrade from 0.1.0 to 0.2.0.  Every catalog
-- change it makes:
--  - renames, for one naming convention (doc/internals.md, "SQL naming";
--    the full table is in CHANGELOG.md): the types bt_counts, recal_points,
--    recalibrator, consistency_prior_state, consistency_prior and
--    preference_consistency become bt_state, recal_state, recal_model,
--    preference_consistency_prior_state, preference_consistency_prior_model
--    and preference_consistency_result; the aggregates calibration_agg,
--    calibration_merge, bt_counts, bt_counts_merge and recal_points_merge
--    become calibration_state_agg, calibration_state_merge, bt_state_agg,
--    bt_state_merge and recal_state_merge; calibration_logloss becomes
--    calibration_log_loss, preference_consistency_of
--    preference_consistency_classify; the support and type I/O functions
--    follow their aggregates and types; calibration_history.logloss becomes
--    log_loss.  ALTER ... RENAME keeps OIDs, so stored values and views
--    follow;
--  - drops and re-creates, because their argument names change, the
--    aggregates recal_points and recal_score_points (as recal_state_agg(p, y
--    [, weight]) and recal_score_state_agg(score, y [, weight])),
--    temperature_scaling and platt_scaling (now (p, y [, weight]) and
--    (score, y [, weight])), and the functions recal_fit (s, ...,
--    decrement_tol), recalibrate (m, x), recal_info (m) and
--    recal_points_info (as recal_state_info(s)); a user view over one of
--    these must be dropped before the update and re-created after;
--  - names the argument s of calibration_ece, calibration_mce,
--    calibration_rmsce, calibration_brier, calibration_n,
--    calibration_log_loss and preference_consistency_classify;
--  - makes the combine functions preference_consistency_combine,
--    preference_consistency_prior_combine, majority_vote_combine,
--    krippendorff_alpha_combine and krippendorff_alpha_interval_combine
--    non-strict (a NULL side is the identity; results are unchanged);
--  - re-issues the comments that name renamed objects, and replaces
--    prefcal_refit_measure, whose body names calibration_state_agg,
--    calibration_log_loss and the log_loss column;
--  - creates the smooth ECE (calibration_smooth_ece, calibration_smooth_ece_detail,
--    smooth_ece_agg and its transitions; src/sql/15_smooth_ece.sql);
--  - creates bt_state_agg_final and replaces the five bt_state aggregates
--    (bt_state_agg x4, bt_state_merge) so that they use it as final function;
--  - marks STABLE, no longer IMMUTABLE, the functions whose result depends
--    on a setting or on the loaded library: bt_fit, bt_fit_final and the
--    K-class brier_score transition (their last bits follow prefcal.simd)
--    and prefcal_version();
--  - creates the reward models on features (reward_pass_state, reward_pass
--    and reward_pass_merge, reward_model, reward_fit, reward_score,
--    reward_predict, reward_predict_shown, reward_predict_se, reward_coefficients,
--    reward_item_effects, reward_info; src/sql/25_reward.sql);
--  - creates the reward refit jobs (reward_job_store, reward_model_store,
--    reward_calibration_history, prefcal_register_reward_refit,
--    prefcal_reward_refit_fit, prefcal_reward_refit_measure,
--    prefcal_reward_refit, prefcal_latest_reward_model;
--    src/sql/65_reward_refit.sql);
--  - creates prefcal_source_relations, prefcal_await_writers,
--    prefcal_oldest_xact_start and prefcal_settled_watermark, and replaces
--    prefcal_refit_fold and the prefcal_refit procedure, so that a refit
--    waits for the writers of its source before moving its watermark
--    (src/sql/60_operations.sql, doc/pg_cron.md);
--  - creates the sorted calibration state and what reads it (pav_state,
--    corp_decomposition_result, pav_state_agg, pav_state_merge,
--    isotonic_scaling, corp_decomposition, pav_isotonic, pav_corp,
--    pav_corp_svg, pav_equal_mass_ece, pav_debiased_squared_ece, pav_info;
--    src/sql/55_pav.sql);
--  - creates the calibration bootstrap (calibration_bootstrap_state,
--    calibration_bootstrap_state_agg and calibration_bootstrap_state_merge,
--    calibration_bootstrap_ci, calibration_bootstrap_ci_diff,
--    calibration_bootstrap_replicates, calibration_bootstrap_estimate,
--    calibration_bootstrap_svg and bootstrap_weight;
--    src/sql/12_calibration_bootstrap.sql);
--  - creates the feature simulator of the study (simulate_preference_study,
--    simulate_preference_responses, simulate_preference_annotators;
--    src/sql/32_simulate_study.sql);
--  - creates pav_corp_bands, the consistency band of the CORP diagram, and
--    pav_corp(pav_state, text), the CORP decomposition of the log loss
--    (src/sql/55_pav.sql);
--  - creates the Bradley-Terry bootstrap (bt_bootstrap_state, bt_bootstrap
--    and bt_bootstrap_merge, bt_replicates, bt_ci, bt_ci_predict,
--    bt_ci_summary; src/sql/22_bt_bootstrap.sql).
-- Nothing else in the catalog changes; what 0.2.0 changes in behaviour comes
-- with the library (CHANGELOG.md).  test/t/096_upgrade.t checks that an
-- upgraded database has the same catalog as a fresh 0.2.0 install.

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION prefcal UPDATE TO '0.2.0'" to load this file. \quit

-- Renames (issue 22): one naming and argument convention (doc/internals.md,
-- "SQL naming").  Objects keep their OIDs under ALTER ... RENAME, so stored
-- values, views and dumps follow; the objects whose argument names change
-- are dropped here and created again below with their new names.

-- dropped and re-created: their argument names change
DROP AGGREGATE @extschema@.recal_points(float8, boolean);
DROP AGGREGATE @extschema@.recal_points(float8, boolean, float8);
DROP AGGREGATE @extschema@.recal_points(float8, float8);
DROP AGGREGATE @extschema@.recal_points(float8, float8, float8);
DROP AGGREGATE @extschema@.recal_score_points(float8, boolean);
DROP AGGREGATE @extschema@.recal_score_points(float8, boolean, float8);
DROP AGGREGATE @extschema@.recal_score_points(float8, float8);
DROP AGGREGATE @extschema@.recal_score_points(float8, float8, float8);
DROP AGGREGATE @extschema@.temperature_scaling(float8, boolean);
DROP AGGREGATE @extschema@.temperature_scaling(float8, boolean, float8);
DROP AGGREGATE @extschema@.temperature_scaling(float8, float8);
DROP AGGREGATE @extschema@.temperature_scaling(float8, float8, float8);
DROP AGGREGATE @extschema@.platt_scaling(float8, boolean);
DROP AGGREGATE @extschema@.platt_scaling(float8, boolean, float8);
DROP AGGREGATE @extschema@.platt_scaling(float8, float8);
DROP AGGREGATE @extschema@.platt_scaling(float8, float8, float8);
DROP FUNCTION @extschema@.recal_fit(@extschema@.recal_points, text, boolean, integer, float8);
DROP FUNCTION @extschema@.recalibrate(@extschema@.recalibrator, float8);
DROP FUNCTION @extschema@.recal_info(@extschema@.recalibrator);
DROP FUNCTION @extschema@.recal_points_info(@extschema@.recal_points);

-- renamed
ALTER AGGREGATE @extschema@.calibration_agg(float8, boolean) RENAME TO calibration_state_agg;
ALTER AGGREGATE @extschema@.calibration_agg(float8, float8) RENAME TO calibration_state_agg;
ALTER AGGREGATE @extschema@.calibration_agg(float8, boolean, integer) RENAME TO calibration_state_agg;
ALTER AGGREGATE @extschema@.calibration_agg(float8, float8, integer) RENAME TO calibration_state_agg;
ALTER AGGREGATE @extschema@.calibration_agg(float8, boolean, integer, float8) RENAME TO calibration_state_agg;
ALTER AGGREGATE @extschema@.calibration_agg(float8, float8, integer, float8) RENAME TO calibration_state_agg;
ALTER AGGREGATE @extschema@.calibration_agg(float8[], integer, integer) RENAME TO calibration_state_agg;
ALTER AGGREGATE @extschema@.calibration_merge(@extschema@.calibration_state) RENAME TO calibration_state_merge;
ALTER FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, boolean) RENAME TO calibration_state_agg_trans;
ALTER FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, float8) RENAME TO calibration_state_agg_trans;
ALTER FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, boolean, integer) RENAME TO calibration_state_agg_trans;
ALTER FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, float8, integer) RENAME TO calibration_state_agg_trans;
ALTER FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, boolean, integer, float8) RENAME TO calibration_state_agg_trans;
ALTER FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8, float8, integer, float8) RENAME TO calibration_state_agg_trans;
ALTER FUNCTION @extschema@.calibration_agg_trans(@extschema@.calibration_state, float8[], integer, integer) RENAME TO calibration_state_agg_trans;
ALTER FUNCTION @extschema@.calibration_logloss(@extschema@.calibration_state) RENAME TO calibration_log_loss;
ALTER AGGREGATE @extschema@.bt_counts(text, text, float8, float8) RENAME TO bt_state_agg;
ALTER AGGREGATE @extschema@.bt_counts(bigint, bigint, float8, float8) RENAME TO bt_state_agg;
ALTER AGGREGATE @extschema@.bt_counts(text, text) RENAME TO bt_state_agg;
ALTER AGGREGATE @extschema@.bt_counts(bigint, bigint) RENAME TO bt_state_agg;
ALTER AGGREGATE @extschema@.bt_counts_merge(@extschema@.bt_counts) RENAME TO bt_state_merge;
ALTER FUNCTION @extschema@.bt_counts_trans(@extschema@.bt_counts, text, text, float8, float8) RENAME TO bt_state_agg_trans;
ALTER FUNCTION @extschema@.bt_counts_trans(@extschema@.bt_counts, bigint, bigint, float8, float8) RENAME TO bt_state_agg_trans;
ALTER FUNCTION @extschema@.bt_counts_trans(@extschema@.bt_counts, text, text) RENAME TO bt_state_agg_trans;
ALTER FUNCTION @extschema@.bt_counts_trans(@extschema@.bt_counts, bigint, bigint) RENAME TO bt_state_agg_trans;
ALTER FUNCTION @extschema@.bt_counts_combine(@extschema@.bt_counts, @extschema@.bt_counts) RENAME TO bt_state_combine;
ALTER FUNCTION @extschema@.bt_counts_in(cstring) RENAME TO bt_state_in;
ALTER FUNCTION @extschema@.bt_counts_out(@extschema@.bt_counts) RENAME TO bt_state_out;
ALTER FUNCTION @extschema@.bt_counts_recv(internal) RENAME TO bt_state_recv;
ALTER FUNCTION @extschema@.bt_counts_send(@extschema@.bt_counts) RENAME TO bt_state_send;
ALTER AGGREGATE @extschema@.recal_points_merge(@extschema@.recal_points) RENAME TO recal_state_merge;
ALTER FUNCTION @extschema@.recal_points_trans_p(@extschema@.recal_points, float8, boolean) RENAME TO recal_state_agg_trans;
ALTER FUNCTION @extschema@.recal_points_trans_p(@extschema@.recal_points, float8, boolean, float8) RENAME TO recal_state_agg_trans;
ALTER FUNCTION @extschema@.recal_points_trans_p(@extschema@.recal_points, float8, float8) RENAME TO recal_state_agg_trans;
ALTER FUNCTION @extschema@.recal_points_trans_p(@extschema@.recal_points, float8, float8, float8) RENAME TO recal_state_agg_trans;
ALTER FUNCTION @extschema@.recal_points_trans_s(@extschema@.recal_points, float8, boolean) RENAME TO recal_score_state_agg_trans;
ALTER FUNCTION @extschema@.recal_points_trans_s(@extschema@.recal_points, float8, boolean, float8) RENAME TO recal_score_state_agg_trans;
ALTER FUNCTION @extschema@.recal_points_trans_s(@extschema@.recal_points, float8, float8) RENAME TO recal_score_state_agg_trans;
ALTER FUNCTION @extschema@.recal_points_trans_s(@extschema@.recal_points, float8, float8, float8) RENAME TO recal_score_state_agg_trans;
ALTER FUNCTION @extschema@.recal_points_combine(@extschema@.recal_points, @extschema@.recal_points) RENAME TO recal_state_combine;
ALTER FUNCTION @extschema@.recal_points_final(@extschema@.recal_points) RENAME TO recal_state_agg_final;
ALTER FUNCTION @extschema@.recal_temperature_final(@extschema@.recal_points) RENAME TO temperature_scaling_final;
ALTER FUNCTION @extschema@.recal_platt_final(@extschema@.recal_points) RENAME TO platt_scaling_final;
ALTER FUNCTION @extschema@.recal_points_in(cstring) RENAME TO recal_state_in;
ALTER FUNCTION @extschema@.recal_points_out(@extschema@.recal_points) RENAME TO recal_state_out;
ALTER FUNCTION @extschema@.recal_points_recv(internal) RENAME TO recal_state_recv;
ALTER FUNCTION @extschema@.recal_points_send(@extschema@.recal_points) RENAME TO recal_state_send;
ALTER FUNCTION @extschema@.recalibrator_in(cstring) RENAME TO recal_model_in;
ALTER FUNCTION @extschema@.recalibrator_out(@extschema@.recalibrator) RENAME TO recal_model_out;
ALTER FUNCTION @extschema@.recalibrator_recv(internal) RENAME TO recal_model_recv;
ALTER FUNCTION @extschema@.recalibrator_send(@extschema@.recalibrator) RENAME TO recal_model_send;
ALTER FUNCTION @extschema@.preference_consistency_of(@extschema@.preference_consistency_state) RENAME TO preference_consistency_classify;
ALTER FUNCTION @extschema@.consistency_prior_state_in(cstring) RENAME TO preference_consistency_prior_state_in;
ALTER FUNCTION @extschema@.consistency_prior_state_out(@extschema@.consistency_prior_state) RENAME TO preference_consistency_prior_state_out;
ALTER FUNCTION @extschema@.consistency_prior_state_recv(internal) RENAME TO preference_consistency_prior_state_recv;
ALTER FUNCTION @extschema@.consistency_prior_state_send(@extschema@.consistency_prior_state) RENAME TO preference_consistency_prior_state_send;
ALTER FUNCTION @extschema@.consistency_prior_in(cstring) RENAME TO preference_consistency_prior_model_in;
ALTER FUNCTION @extschema@.consistency_prior_out(@extschema@.consistency_prior) RENAME TO preference_consistency_prior_model_out;
ALTER FUNCTION @extschema@.consistency_prior_recv(internal) RENAME TO preference_consistency_prior_model_recv;
ALTER FUNCTION @extschema@.consistency_prior_send(@extschema@.consistency_prior) RENAME TO preference_consistency_prior_model_send;
ALTER TYPE @extschema@.bt_counts RENAME TO bt_state;
ALTER TYPE @extschema@.recal_points RENAME TO recal_state;
ALTER TYPE @extschema@.recalibrator RENAME TO recal_model;
ALTER TYPE @extschema@.consistency_prior_state RENAME TO preference_consistency_prior_state;
ALTER TYPE @extschema@.consistency_prior RENAME TO preference_consistency_prior_model;
ALTER TYPE @extschema@.preference_consistency RENAME TO preference_consistency_result;
ALTER TABLE @extschema@.calibration_history RENAME COLUMN logloss TO log_loss;

-- combine functions are non-strict, a NULL side the identity
ALTER FUNCTION @extschema@.preference_consistency_combine(@extschema@.preference_consistency_state, @extschema@.preference_consistency_state) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.preference_consistency_prior_combine(@extschema@.preference_consistency_prior_state, @extschema@.preference_consistency_prior_state) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.majority_vote_combine(@extschema@.majority_vote_state, @extschema@.majority_vote_state) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.krippendorff_alpha_combine(@extschema@.krippendorff_alpha_state, @extschema@.krippendorff_alpha_state) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.krippendorff_alpha_interval_combine(@extschema@.krippendorff_alpha_interval_state, @extschema@.krippendorff_alpha_interval_state) CALLED ON NULL INPUT;

-- argument names: (p, y [, weight]), (score, y [, weight]), s for a state, m for a model
-- aggregates

CREATE AGGREGATE @extschema@.recal_state_agg(p float8, y boolean) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_state_agg(float8, boolean) IS
'recalibration state over (p, y [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_state_agg(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_state_agg(float8, boolean, float8) IS
'recalibration state over (p, y [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.recal_state_agg(p float8, y float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_state_agg(float8, float8) IS
'recalibration state over (p, y [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_state_agg(p float8, y float8, weight float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_state_agg(float8, float8, float8) IS
'recalibration state over (p, y [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.recal_score_state_agg(score float8, y boolean) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_state_agg(float8, boolean) IS
'recalibration state over (score, y [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_score_state_agg(score float8, y boolean, weight float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_state_agg(float8, boolean, float8) IS
'recalibration state over (score, y [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.recal_score_state_agg(score float8, y float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_state_agg(float8, float8) IS
'recalibration state over (score, y [, weight]) rows; fit it with recal_fit';

CREATE AGGREGATE @extschema@.recal_score_state_agg(score float8, y float8, weight float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.recal_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.recal_score_state_agg(float8, float8, float8) IS
'recalibration state over (score, y [, weight]) rows; fit it with recal_fit; rows weighted';

CREATE AGGREGATE @extschema@.temperature_scaling(p float8, y boolean) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.temperature_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, boolean) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0';

CREATE AGGREGATE @extschema@.temperature_scaling(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.temperature_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, boolean, float8) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0; rows weighted';

CREATE AGGREGATE @extschema@.temperature_scaling(p float8, y float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.temperature_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, float8) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0';

CREATE AGGREGATE @extschema@.temperature_scaling(p float8, y float8, weight float8) (
	SFUNC = @extschema@.recal_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.temperature_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.temperature_scaling(float8, float8, float8) IS
'temperature scaling fitted by maximum likelihood: p'' = sigmoid(logit(p) / T), T > 0; rows weighted';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, y boolean) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.platt_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, boolean) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b)';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, y boolean, weight float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.platt_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, boolean, float8) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b); rows weighted';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, y float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.platt_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, float8) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b)';

CREATE AGGREGATE @extschema@.platt_scaling(score float8, y float8, weight float8) (
	SFUNC = @extschema@.recal_score_state_agg_trans,
	STYPE = @extschema@.recal_state,
	COMBINEFUNC = @extschema@.recal_state_combine,
	FINALFUNC = @extschema@.platt_scaling_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.platt_scaling(float8, float8, float8) IS
'Platt scaling fitted by maximum likelihood without target smoothing: p'' = sigmoid(a * score + b); rows weighted';

-- fitting, applying, inspecting

-- fitting, applying, inspecting

CREATE FUNCTION @extschema@.recal_fit(s @extschema@.recal_state,
	method text DEFAULT 'temperature',
	smoothing boolean DEFAULT false,
	max_iter integer DEFAULT 100,
	decrement_tol float8 DEFAULT 1e-20)
RETURNS @extschema@.recal_model
AS 'MODULE_PATHNAME', 'recal_fit'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_fit(@extschema@.recal_state, text, boolean, integer, float8) IS
'fit temperature (method => ''temperature'') or Platt (''platt'', smoothing => Platt''s smoothed targets) scaling by Newton''s method on the mean log loss; stops when the squared Newton decrement relative to the loss is at most decrement_tol';

CREATE FUNCTION @extschema@.recalibrate(m @extschema@.recal_model, x float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'recalibrate'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recalibrate(@extschema@.recal_model, float8) IS
'recalibrated probability of x (a probability, or a score for a score recalibrator)';

CREATE FUNCTION @extschema@.recal_info(m @extschema@.recal_model)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'recal_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_info(@extschema@.recal_model) IS
'method, parameters (temperature, or a and b), rows, weight, log loss before and after, iterations and final squared Newton decrement relative to the loss';

CREATE FUNCTION @extschema@.recal_state_info(s @extschema@.recal_state)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'recal_points_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.recal_state_info(@extschema@.recal_state) IS
'input kind, rows folded in, distinct points, total weight and weighted target of a recalibration state';

-- ---------- accessors (also the final functions) ----------

-- ---------- accessors (also the final functions) ----------

CREATE OR REPLACE FUNCTION @extschema@.calibration_ece(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_ece'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION @extschema@.calibration_mce(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_mce'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION @extschema@.calibration_rmsce(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_rmsce'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION @extschema@.calibration_brier(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_brier'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION @extschema@.calibration_log_loss(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_logloss'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION @extschema@.calibration_n(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_n'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION @extschema@.preference_consistency_classify(s @extschema@.preference_consistency_state)
RETURNS @extschema@.preference_consistency_result
AS 'MODULE_PATHNAME', 'pc_consistency_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- bodies that name renamed objects
COMMENT ON FUNCTION @extschema@.calibration_state_combine(@extschema@.calibration_state, @extschema@.calibration_state) IS
'combine function of the calibration aggregates and transition of calibration_state_merge (aggregate support)';

COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, boolean) IS 'transition of calibration_state_agg (aggregate support)';

COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, float8) IS 'transition of calibration_state_agg (aggregate support)';

COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, boolean, integer) IS 'transition of calibration_state_agg (aggregate support)';

COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, float8, integer) IS 'transition of calibration_state_agg (aggregate support)';

COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, boolean, integer, float8) IS 'transition of calibration_state_agg (aggregate support)';

COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8, float8, integer, float8) IS 'transition of calibration_state_agg (aggregate support)';

COMMENT ON FUNCTION @extschema@.calibration_state_agg_trans(@extschema@.calibration_state, float8[], integer, integer) IS 'transition of calibration_state_agg (aggregate support)';

COMMENT ON FUNCTION @extschema@.bt_state_combine(@extschema@.bt_state, @extschema@.bt_state) IS
'support function of the bt_state aggregates: union of two pair-count states';

COMMENT ON AGGREGATE @extschema@.bt_state_merge(@extschema@.bt_state) IS
'union of stored bt_state states (for rollups and incremental refits)';

COMMENT ON AGGREGATE @extschema@.preference_consistency_state_merge(@extschema@.preference_consistency_state) IS
'merge stored preference_consistency_state values (classify with preference_consistency_classify)';

COMMENT ON FUNCTION @extschema@.preference_consistency_prior_combine(@extschema@.preference_consistency_prior_state, @extschema@.preference_consistency_prior_state) IS
'merge two preference_consistency_prior_state values (adds multiplicities)';

COMMENT ON FUNCTION @extschema@.preference_consistency_prior_final(@extschema@.preference_consistency_prior_state) IS
'fit a preference_consistency_prior_model by EM over the collected count vectors';

COMMENT ON FUNCTION @extschema@.classify_preference_consistency(@extschema@.preference_consistency_state, @extschema@.preference_consistency_prior_model, float8, float8) IS
'classify one group''s stored state under a fitted preference_consistency_prior_model (empirical Bayes); min_posterior 0 gives the MAP label; direction_p (e.g. from bt_predict) replaces the prior''s genuine direction probability for this group, NULL keeps it';

-- step 3: calibration of a stored version on the hold-out relation
CREATE OR REPLACE FUNCTION @extschema@.prefcal_refit_measure(job text, model_version integer)
RETURNS @extschema@.calibration_state
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j @extschema@.bt_state_store;
	h regclass;
	m @extschema@.bt_model;
	st @extschema@.calibration_state;
BEGIN
	SELECT * INTO j FROM @extschema@.bt_state_store s WHERE s.name = job;
	IF NOT FOUND OR j.holdout_table IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT ms.model INTO m FROM @extschema@.bt_model_store ms
	WHERE ms.name = job AND ms.version = model_version;
	IF m IS NULL THEN
		RETURN NULL;
	END IF;
	h := pg_catalog.format('%I.%I', j.holdout_schema, j.holdout_table)::regclass;
	EXECUTE pg_catalog.format(
		'SELECT @extschema@.calibration_state_agg(@extschema@.bt_predict_shown($1, %1$s, %2$s), %3$s, 15) FROM %4$s',
		@extschema@.prefcal_column_expr(h, j.first_column, 'item'),
		@extschema@.prefcal_column_expr(h, j.second_column, 'item'),
		@extschema@.prefcal_column_expr(h, j.outcome_column, 'value'),
		h)
	INTO st USING m;
	IF st IS NOT NULL THEN
		INSERT INTO @extschema@.calibration_history
			(name, version, measured_at, n, brier, ece, mce, log_loss, state)
		VALUES (job, model_version, pg_catalog.clock_timestamp(),
				@extschema@.calibration_n(st), @extschema@.calibration_brier(st),
				@extschema@.calibration_ece(st), @extschema@.calibration_mce(st),
				@extschema@.calibration_log_loss(st), st);
	END IF;
	RETURN st;
END
$$;


-- 15_smooth_ece.sql: smooth ECE over calibration states (doc/calibration.md,
-- "Smooth ECE").  New in 0.2.0: prefcal--0.1.0--0.2.0.sql creates the same
-- objects (test/t/096_upgrade.t checks that the two agree).

CREATE FUNCTION @extschema@.calibration_smooth_ece(s @extschema@.calibration_state)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_smooth_ece'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_smooth_ece(@extschema@.calibration_state) IS
'smooth ECE (Blasiok and Nakkiran): smECE_sigma at its fixed point sigma = smECE_sigma, reflected Gaussian kernel';

CREATE FUNCTION @extschema@.calibration_smooth_ece(s @extschema@.calibration_state, sigma float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'calibration_smooth_ece'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_smooth_ece(@extschema@.calibration_state, float8) IS
'smECE_sigma: integral over [0,1] of the absolute kernel-smoothed residual at bandwidth sigma (1e-6 to 2)';

CREATE FUNCTION @extschema@.calibration_smooth_ece_detail(s @extschema@.calibration_state,
	OUT smooth_ece float8, OUT bandwidth float8, OUT error_bound float8)
RETURNS record AS 'MODULE_PATHNAME', 'calibration_smooth_ece_detail'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_smooth_ece_detail(@extschema@.calibration_state) IS
'smooth ECE at its fixed point, the bandwidth, and a bound on its distance from the smooth ECE of the rows the state summarises';

CREATE FUNCTION @extschema@.calibration_smooth_ece_detail(s @extschema@.calibration_state, sigma float8,
	OUT smooth_ece float8, OUT bandwidth float8, OUT error_bound float8)
RETURNS record AS 'MODULE_PATHNAME', 'calibration_smooth_ece_detail'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_smooth_ece_detail(@extschema@.calibration_state, float8) IS
'smECE_sigma at the given bandwidth, the bandwidth, and a bound on its distance from smECE_sigma of the rows the state summarises';

CREATE FUNCTION @extschema@.smooth_ece_agg_trans(@extschema@.calibration_state, float8, boolean)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'smooth_ece_agg_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.smooth_ece_agg_trans(@extschema@.calibration_state, float8, boolean) IS
'transition of smooth_ece_agg (aggregate support)';

CREATE FUNCTION @extschema@.smooth_ece_agg_trans(@extschema@.calibration_state, float8, float8)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'smooth_ece_agg_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.smooth_ece_agg_trans(@extschema@.calibration_state, float8, float8) IS
'transition of smooth_ece_agg (aggregate support)';

CREATE AGGREGATE @extschema@.smooth_ece_agg(p float8, y boolean) (
	SFUNC = @extschema@.smooth_ece_agg_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_smooth_ece,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.smooth_ece_agg(float8, boolean) IS
'smooth ECE of (p, y) at its fixed point, from a state of 10000 equal-width bins';

CREATE AGGREGATE @extschema@.smooth_ece_agg(p float8, y float8) (
	SFUNC = @extschema@.smooth_ece_agg_trans, STYPE = @extschema@.calibration_state,
	FINALFUNC = @extschema@.calibration_smooth_ece,
	COMBINEFUNC = @extschema@.calibration_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.smooth_ece_agg(float8, float8) IS
'smooth ECE of (p, soft target y in [0,1]) at its fixed point, from a state of 10000 equal-width bins';

-- the bt_state aggregates hand their state on without a flattened copy
-- (bt_state_agg_final) in 0.2.0
CREATE FUNCTION @extschema@.bt_state_agg_final(@extschema@.bt_state)
RETURNS @extschema@.bt_state
AS 'MODULE_PATHNAME', 'bt_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_state_agg_final(@extschema@.bt_state) IS
'final function of the bt_state aggregates: the state itself, handed on without a flattened copy';

CREATE OR REPLACE AGGREGATE @extschema@.bt_state_agg(first_item text, second_item text, outcome float8, weight float8) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.bt_state_agg(first_item bigint, second_item bigint, outcome float8, weight float8) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.bt_state_agg(winner text, loser text) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.bt_state_agg(winner bigint, loser bigint) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.bt_state_merge(@extschema@.bt_state) (
	SFUNC = @extschema@.bt_state_combine,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);

-- functions whose result depends on a setting (prefcal.simd) or on the
-- loaded library are STABLE in 0.2.0
ALTER FUNCTION @extschema@.prefcal_version() STABLE;
ALTER FUNCTION @extschema@.bt_fit(@extschema@.bt_state, text, float8, text, boolean, text, text, float8, int, float8) STABLE;
ALTER FUNCTION @extschema@.bt_fit_final(@extschema@.bt_state) STABLE;
ALTER FUNCTION @extschema@.brier_score_trans(@extschema@.calibration_state, float8[], integer) STABLE;

-- reward models on features (src/sql/25_reward.sql)

-- reward_pass_state: the sums of one pass over comparisons at fixed parameters

-- src/sql/25_reward.sql: reward models on features: the pass aggregate,
-- fitting, and fitted models (doc/reward-models.md).

-- reward_pass_state: the sums of one pass over comparisons at fixed parameters

CREATE TYPE @extschema@.reward_pass_state;

CREATE FUNCTION @extschema@.reward_pass_state_in(cstring)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_state_out(@extschema@.reward_pass_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'reward_pass_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_state_recv(internal)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_state_send(@extschema@.reward_pass_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'reward_pass_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.reward_pass_state (
	INPUT = @extschema@.reward_pass_state_in,
	OUTPUT = @extschema@.reward_pass_state_out,
	RECEIVE = @extschema@.reward_pass_state_recv,
	SEND = @extschema@.reward_pass_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.reward_pass_state IS
'one pass of a reward model over comparisons at fixed parameters: objective, log-likelihood, gradient and optionally Hessian sums, mergeable';

CREATE FUNCTION @extschema@.reward_pass_trans(@extschema@.reward_pass_state, float8[], float8[], float8[], float8, float8)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_trans(@extschema@.reward_pass_state, float8[], real[], real[], float8, float8)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_trans(@extschema@.reward_pass_state, float8[], float8[], float8[], float8, float8, text, float8, boolean)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_trans(@extschema@.reward_pass_state, float8[], real[], real[], float8, float8, text, float8, boolean)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_pass_combine(@extschema@.reward_pass_state, @extschema@.reward_pass_state)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_pass_combine(@extschema@.reward_pass_state, @extschema@.reward_pass_state) IS
'support function of the reward_pass aggregates: sum of two passes at the same parameters';

CREATE FUNCTION @extschema@.reward_pass_final(@extschema@.reward_pass_state)
RETURNS @extschema@.reward_pass_state
AS 'MODULE_PATHNAME', 'reward_pass_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_pass_final(@extschema@.reward_pass_state) IS
'final function of the reward_pass aggregates: the state, its sums checked finite';

CREATE AGGREGATE @extschema@.reward_pass(params float8[], first_features float8[], second_features float8[], outcome float8, weight float8) (
	SFUNC = @extschema@.reward_pass_trans,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass(float8[], float8[], float8[], float8, float8) IS
'one log-loss gradient pass of a reward model at params (d coefficients, then gamma if fitted); NULL weight counts 1';

CREATE AGGREGATE @extschema@.reward_pass(params float8[], first_features real[], second_features real[], outcome float8, weight float8) (
	SFUNC = @extschema@.reward_pass_trans,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass(float8[], real[], real[], float8, float8) IS
'one log-loss gradient pass of a reward model on real[] features at params; NULL weight counts 1';

CREATE AGGREGATE @extschema@.reward_pass(params float8[], first_features float8[], second_features float8[], outcome float8, weight float8, objective text, brier_weight float8, hessian boolean) (
	SFUNC = @extschema@.reward_pass_trans,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass(float8[], float8[], float8[], float8, float8, text, float8, boolean) IS
'one pass of a reward model at params for an objective (log_loss, log_loss+brier, hinge, hinge+brier), with the Hessian when asked';

CREATE AGGREGATE @extschema@.reward_pass(params float8[], first_features real[], second_features real[], outcome float8, weight float8, objective text, brier_weight float8, hessian boolean) (
	SFUNC = @extschema@.reward_pass_trans,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass(float8[], real[], real[], float8, float8, text, float8, boolean) IS
'one pass of a reward model on real[] features at params for an objective, with the Hessian when asked';

CREATE AGGREGATE @extschema@.reward_pass_merge(@extschema@.reward_pass_state) (
	SFUNC = @extschema@.reward_pass_combine,
	STYPE = @extschema@.reward_pass_state,
	COMBINEFUNC = @extschema@.reward_pass_combine,
	FINALFUNC = @extschema@.reward_pass_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.reward_pass_merge(@extschema@.reward_pass_state) IS
'sum of stored reward passes made at the same parameters (one pass over the union of their rows)';

-- reward_model: a fitted reward model

-- reward_model: a fitted reward model

CREATE TYPE @extschema@.reward_model;

CREATE FUNCTION @extschema@.reward_model_in(cstring)
RETURNS @extschema@.reward_model
AS 'MODULE_PATHNAME', 'reward_model_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_model_out(@extschema@.reward_model)
RETURNS cstring
AS 'MODULE_PATHNAME', 'reward_model_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_model_recv(internal)
RETURNS @extschema@.reward_model
AS 'MODULE_PATHNAME', 'reward_model_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.reward_model_send(@extschema@.reward_model)
RETURNS bytea
AS 'MODULE_PATHNAME', 'reward_model_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.reward_model (
	INPUT = @extschema@.reward_model_in,
	OUTPUT = @extschema@.reward_model_out,
	RECEIVE = @extschema@.reward_model_recv,
	SEND = @extschema@.reward_model_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.reward_model IS
'a fitted reward model: feature coefficients, position effect and item effects with standard errors, options and fit diagnostics';

CREATE FUNCTION @extschema@.reward_fit(
	query text,
	position_effect boolean DEFAULT false,
	prior float8 DEFAULT 0,
	objective text DEFAULT 'log_loss',
	brier_weight float8 DEFAULT 1,
	augment text DEFAULT 'none',
	spurious int[] DEFAULT NULL,
	max_iter int DEFAULT 100,
	gradient_tol float8 DEFAULT 1e-9,
	standardize boolean DEFAULT false)
RETURNS @extschema@.reward_model
AS 'MODULE_PATHNAME', 'reward_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.reward_fit(text, boolean, float8, text, float8, text, int[], int, float8, boolean) IS
'fit a reward model to the comparisons a query returns (first_features, second_features, outcome [, weight, first_item, second_item])';

CREATE FUNCTION @extschema@.reward_score(m @extschema@.reward_model, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'reward_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_score(@extschema@.reward_model, float8[]) IS
'reward of one response: the coefficients times its features';

CREATE FUNCTION @extschema@.reward_predict(m @extschema@.reward_model, first_features float8[], second_features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'reward_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_predict(@extschema@.reward_model, float8[], float8[]) IS
'probability that the first response is preferred (no position effect, no item effects)';

CREATE FUNCTION @extschema@.reward_predict_shown(m @extschema@.reward_model, first_features float8[], second_features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'reward_predict_shown'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_predict_shown(@extschema@.reward_model, float8[], float8[]) IS
'probability that the first-shown response wins, including the fitted position effect';

CREATE FUNCTION @extschema@.reward_coefficients(m @extschema@.reward_model,
	OUT feature int, OUT coefficient float8, OUT se float8)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT t.feature::pg_catalog.int4, t.c::pg_catalog.float8, t.s::pg_catalog.float8
  FROM ROWS FROM (pg_catalog.jsonb_array_elements_text((m::pg_catalog.text::pg_catalog.jsonb) -> 'coefficients'),
                  pg_catalog.jsonb_array_elements_text(
                    CASE WHEN pg_catalog.jsonb_typeof((m::pg_catalog.text::pg_catalog.jsonb) -> 'se') = 'array'
                         THEN (m::pg_catalog.text::pg_catalog.jsonb) -> 'se' ELSE '[]'::pg_catalog.jsonb END))
       WITH ORDINALITY AS t(c, s, feature)
 WHERE t.c IS NOT NULL
$$;

COMMENT ON FUNCTION @extschema@.reward_coefficients(@extschema@.reward_model) IS
'one row per feature (1-based): coefficient and standard error (NULL for non-likelihood objectives or large models)';

CREATE FUNCTION @extschema@.reward_item_effects(m @extschema@.reward_model,
	OUT item text, OUT effect float8, OUT se float8)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT t.i, t.e::pg_catalog.float8, t.s::pg_catalog.float8
  FROM ROWS FROM (pg_catalog.jsonb_array_elements_text((m::pg_catalog.text::pg_catalog.jsonb) -> 'items'),
                  pg_catalog.jsonb_array_elements_text((m::pg_catalog.text::pg_catalog.jsonb) -> 'item_effects'),
                  pg_catalog.jsonb_array_elements_text(
                    CASE WHEN pg_catalog.jsonb_typeof((m::pg_catalog.text::pg_catalog.jsonb) -> 'item_se') = 'array'
                         THEN (m::pg_catalog.text::pg_catalog.jsonb) -> 'item_se' ELSE '[]'::pg_catalog.jsonb END))
       AS t(i, e, s)
 WHERE t.i IS NOT NULL
$$;

COMMENT ON FUNCTION @extschema@.reward_item_effects(@extschema@.reward_model) IS
'one row per item of a style-control fit: its effect s (centred when there is no prior) and standard error';

CREATE FUNCTION @extschema@.reward_info(m @extschema@.reward_model)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT (m::pg_catalog.text::pg_catalog.jsonb) - 'coefficients' - 'se' - 'items' - 'item_effects' - 'item_se' - 'covariance' - 'version'
$$;

COMMENT ON FUNCTION @extschema@.reward_info(@extschema@.reward_model) IS
'fit diagnostics of a reward model: objective, optimiser, passes, iterations, convergence, gradient norm, log-likelihood, d, n, gamma with SE, how the SEs were computed (or why not), clusters, standardisation';

-- refits wait for the writers of their source before moving the watermark
-- (no row committed late is skipped) in 0.2.0
-- Concurrent writers (doc/pg_cron.md): a refit may only move the watermark
-- to a bound below which no row can still appear.  These functions find
-- such a bound; prefcal_refit_fold uses them, and any other job that folds
-- rows by a watermark can too.

-- every relation whose writers can add rows to source: itself, the
-- relations its view rules read (recursively) and its inheritance children
-- and partitions
-- Concurrent writers (doc/pg_cron.md): a refit may only move the watermark
-- to a bound below which no row can still appear.  These functions find
-- such a bound; prefcal_refit_fold uses them, and any other job that folds
-- rows by a watermark can too.

-- every relation whose writers can add rows to source: itself, the
-- relations its view rules read (recursively) and its inheritance children
-- and partitions
CREATE FUNCTION @extschema@.prefcal_source_relations(source regclass)
RETURNS regclass[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE rel(oid) AS (
		SELECT source::pg_catalog.oid
		UNION
		SELECT nxt.oid
		FROM rel, LATERAL (
			SELECT d.refobjid AS oid
			FROM pg_catalog.pg_rewrite r
			JOIN pg_catalog.pg_depend d
			  ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
			 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
			WHERE r.ev_class = rel.oid AND d.refobjid <> rel.oid
			UNION ALL
			SELECT i.inhrelid FROM pg_catalog.pg_inherits i WHERE i.inhparent = rel.oid
		) nxt
	)
	SELECT pg_catalog.array_agg(c.oid::pg_catalog.regclass ORDER BY c.oid)
	FROM rel JOIN pg_catalog.pg_class c ON c.oid = rel.oid
	WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
$$;

COMMENT ON FUNCTION @extschema@.prefcal_source_relations(regclass) IS
'the relations whose writers can add rows to a refit source: itself, the relations its views read (recursively), its inheritance children and partitions';

CREATE FUNCTION @extschema@.prefcal_await_writers(relations regclass[], timeout interval DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'prefcal_await_writers'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.prefcal_await_writers(regclass[], interval) IS
'wait until every transaction holding a write lock on one of the relations when called has ended, at most timeout (NULL: prefcal.refit_wait_timeout); returns how many were still running (0: all ended)';

CREATE FUNCTION @extschema@.prefcal_oldest_xact_start()
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'prefcal_oldest_xact_start'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.prefcal_oldest_xact_start() IS
'the earliest start of another open transaction (or running statement) in this database, at most the current time; autovacuum is left out';

-- the watermark a fold may move to: the largest key above after such that
-- every row at or below it that will ever commit is visible to the next
-- statement; after itself when there is none or the writers did not finish
-- within the timeout (with a NOTICE).  Keys from a sequence (CACHE 1) are
-- handed out while the writer holds ROW EXCLUSIVE on the table, so waiting
-- for the current writers suffices; timestamp and date keys filled from the
-- writing transaction's clock are also capped below the oldest open
-- transaction's start, because a transaction that has started but not yet
-- inserted holds no lock.
-- the watermark a fold may move to: the largest key above after such that
-- every row at or below it that will ever commit is visible to the next
-- statement; after itself when there is none or the writers did not finish
-- within the timeout (with a NOTICE).  Keys from a sequence (CACHE 1) are
-- handed out while the writer holds ROW EXCLUSIVE on the table, so waiting
-- for the current writers suffices; timestamp and date keys filled from the
-- writing transaction's clock are also capped below the oldest open
-- transaction's start, because a transaction that has started but not yet
-- inserted holds no lock.
CREATE FUNCTION @extschema@.prefcal_settled_watermark(source regclass, watermark_column name, after text,
													  timeout interval DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
SET extra_float_digits = 3
AS $$
DECLARE
	wm_type regtype;
	wm_typename text;
	cap text;
	tz text;
	bound text;
	still integer;
BEGIN
	IF source IS NULL OR watermark_column IS NULL THEN
		RAISE EXCEPTION 'a settled watermark needs a source and its watermark column'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
		RAISE EXCEPTION 'a refit fold must run at READ COMMITTED, not %',
			pg_catalog.upper(pg_catalog.current_setting('transaction_isolation'))
			USING ERRCODE = 'invalid_transaction_state',
				  DETAIL = 'The fold waits for open writers and then reads their rows; a transaction snapshot taken before the wait cannot see them.',
				  HINT = 'CALL prefcal_refit() runs its fold at READ COMMITTED itself; otherwise call the fold in a READ COMMITTED transaction.';
	END IF;
	SELECT a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod) INTO wm_type, wm_typename
	FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = source AND a.attname = watermark_column AND a.attnum > 0 AND NOT a.attisdropped;
	IF wm_type IS NULL THEN
		RAISE EXCEPTION 'watermark column "%" of relation % does not exist', watermark_column, source
			USING ERRCODE = 'undefined_column';
	END IF;

	IF wm_type IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
		-- rows keyed below the oldest open transaction's start are all
		-- committed or gone; local times are compared in the time zone
		-- sessions start with
		SELECT s.reset_val INTO tz FROM pg_catalog.pg_settings s WHERE s.name = 'TimeZone';
		cap := CASE WHEN wm_type = 'timestamptz'::regtype
					THEN @extschema@.prefcal_oldest_xact_start()::pg_catalog.text
					WHEN wm_type = 'timestamp'::regtype
					THEN pg_catalog.timezone(tz, @extschema@.prefcal_oldest_xact_start())::pg_catalog.text
					ELSE pg_catalog.timezone(tz, @extschema@.prefcal_oldest_xact_start())::pg_catalog.date::pg_catalog.text END;
		EXECUTE pg_catalog.format(
			'SELECT pg_catalog.max(%1$I)::pg_catalog.text FROM %2$s '
			'WHERE ($1 IS NULL OR %1$I > $1::%3$s) AND %1$I < $2::%3$s',
			watermark_column, source, wm_typename)
		INTO bound USING after, cap;
	ELSE
		EXECUTE pg_catalog.format(
			'SELECT pg_catalog.max(%1$I)::pg_catalog.text FROM %2$s WHERE $1 IS NULL OR %1$I > $1::%3$s',
			watermark_column, source, wm_typename)
		INTO bound USING after;
	END IF;
	IF bound IS NULL THEN
		RETURN after;
	END IF;

	-- the bound is read: wait for every writer that may still commit a key
	-- at or below it (a writer that starts now takes a higher one)
	still := @extschema@.prefcal_await_writers(@extschema@.prefcal_source_relations(source), timeout);
	IF still > 0 THEN
		RAISE NOTICE '% transaction(s) writing to % were still open after %; rows above watermark % are left for the next run',
			still, source,
			coalesce(timeout::pg_catalog.text, pg_catalog.current_setting('prefcal.refit_wait_timeout')),
			coalesce(after, '(none)')
			USING HINT = 'A writer that keeps its transaction open holds back every fold of this source; the wait is prefcal.refit_wait_timeout.';
		RETURN after;
	END IF;
	RETURN bound;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_settled_watermark(regclass, name, text, interval) IS
'the watermark a fold of source may move to from after: every row at or below it that will ever commit is visible to the next statement (waits for open writers, at most timeout); after when nothing is new or the wait timed out';

-- step 1 of a refit: fold the new rows into the stored counts
-- (the watermark is kept as text: the settings below make that text the
-- same whatever the session's DateStyle, TimeZone or extra_float_digits)
CREATE OR REPLACE FUNCTION @extschema@.prefcal_refit_fold(job text, OUT new_rows bigint, OUT watermark text)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
SET extra_float_digits = 3
AS $$
DECLARE
	j @extschema@.bt_state_store;
	src regclass;
	wm_type text;
	delta @extschema@.bt_state;
	new_wm text;
BEGIN
	-- the row lock serialises folds even when two runs overlap
	SELECT * INTO j FROM @extschema@.bt_state_store s WHERE s.name = job FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'refit job "%" is not registered', job
			USING ERRCODE = 'undefined_object',
				  HINT = 'Register it with prefcal_register_refit().';
	END IF;
	src := pg_catalog.format('%I.%I', j.source_schema, j.source_table)::regclass;
	SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO wm_type
	FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = src AND a.attname = j.watermark_column AND a.attnum > 0 AND NOT a.attisdropped;
	IF wm_type IS NULL THEN
		RAISE EXCEPTION 'watermark column "%" of relation % does not exist', j.watermark_column, src
			USING ERRCODE = 'undefined_column';
	END IF;

	-- an upper bound below which every row that will ever commit is
	-- visible now; the fold below runs as a new statement, so it sees them
	new_wm := @extschema@.prefcal_settled_watermark(src, j.watermark_column, j.watermark);
	IF new_wm IS NOT DISTINCT FROM j.watermark THEN
		new_rows := 0;
		watermark := j.watermark;
		RETURN;
	END IF;

	EXECUTE pg_catalog.format(
		'SELECT @extschema@.bt_state_agg(%1$s, %2$s, %3$s, %4$s), pg_catalog.count(*) FROM %5$s '
		'WHERE ($1 IS NULL OR %6$I > $1::%7$s) AND %6$I <= $2::%7$s',
		@extschema@.prefcal_column_expr(src, j.first_column, 'item'),
		@extschema@.prefcal_column_expr(src, j.second_column, 'item'),
		@extschema@.prefcal_column_expr(src, j.outcome_column, 'value'),
		CASE WHEN j.weight_column IS NULL THEN '1.0::pg_catalog.float8'
			 ELSE @extschema@.prefcal_column_expr(src, j.weight_column, 'value') END,
		src, j.watermark_column, wm_type)
	INTO delta, new_rows USING j.watermark, new_wm;

	UPDATE @extschema@.bt_state_store s
	SET counts = (SELECT @extschema@.bt_state_merge(c) FROM (VALUES (j.counts), (delta)) v(c)),
		rows_folded = s.rows_folded + new_rows,
		watermark = new_wm,
		updated_at = pg_catalog.clock_timestamp()
	WHERE s.name = job;
	watermark := new_wm;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_refit_fold(text) IS
'refit step 1: fold the source rows above the stored watermark into the stored bt_state; returns the rows folded and the new watermark';

-- The whole refit as one CALL, for pg_cron.  Procedures that COMMIT cannot
-- carry a SET clause, so the search_path is pinned with set_config at the
-- start of every transaction instead, and each step is a function with its
-- own SET clause.
CREATE OR REPLACE PROCEDURE @extschema@.prefcal_refit(job text, force boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
	lock_key bigint;
	folded record;
	v integer;
	has_model boolean;
BEGIN
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	-- end the CALL's own transaction first: inside a transaction block this
	-- fails (2D000) before anything is locked, and the fold below gets a
	-- transaction of its own, made READ COMMITTED whatever the session's
	-- default, so that it sees the writers it waits for
	COMMIT;
	SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	lock_key := pg_catalog.hashtextextended('prefcal_refit:' || job, 0);
	-- a session lock, held across the COMMITs below
	IF NOT pg_catalog.pg_try_advisory_lock(lock_key) THEN
		RAISE NOTICE 'refit job "%" is already running; skipped', job;
		RETURN;
	END IF;

	SELECT * INTO folded FROM @extschema@.prefcal_refit_fold(job);
	COMMIT;
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

	SELECT EXISTS (SELECT 1 FROM @extschema@.bt_model_store ms WHERE ms.name = job) INTO has_model;
	IF folded.new_rows > 0 OR force OR NOT has_model THEN
		v := @extschema@.prefcal_refit_fit(job);
		COMMIT;
		PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
		IF v IS NOT NULL THEN
			PERFORM @extschema@.prefcal_refit_measure(job, v);
			COMMIT;
		END IF;
	END IF;
	PERFORM pg_catalog.pg_advisory_unlock(lock_key);
	RAISE NOTICE 'refit job "%": % new rows folded, watermark %, model version %',
		job, folded.new_rows, folded.watermark, coalesce(v::text, 'unchanged');
END
$$;

COMMENT ON PROCEDURE @extschema@.prefcal_refit(text, boolean) IS
'run a registered refit job: fold new rows, refit, store the version, measure hold-out calibration; commits between steps; skips if the job is already running (advisory lock); force refits without new rows';

-- the sorted calibration state (src/sql/55_pav.sql)

-- src/sql/55_pav.sql: the sorted calibration state (pav_state) and what is
-- read from it: isotonic recalibration, the CORP decomposition and
-- reliability diagram, equal-mass and debiased ECE (doc/calibration.md,
-- doc/recalibration.md).

CREATE TYPE @extschema@.pav_state;

CREATE FUNCTION @extschema@.pav_state_in(cstring)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_out(@extschema@.pav_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pav_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_recv(internal)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_send(@extschema@.pav_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pav_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.pav_state (
	INPUT = @extschema@.pav_state_in,
	OUTPUT = @extschema@.pav_state_out,
	RECEIVE = @extschema@.pav_state_recv,
	SEND = @extschema@.pav_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.pav_state IS
'mergeable sorted calibration state: per distinct prediction p the sums of w, w*y and w*y^2; exact up to 1048576 distinct p, then p rounded to multiples of 2^-19; JSON-shaped versioned text form';

CREATE TYPE @extschema@.corp_decomposition_result AS (score float8, mcb float8, dsc float8, unc float8);

COMMENT ON TYPE @extschema@.corp_decomposition_result IS
'CORP decomposition of a mean score (the Brier score or the log loss): score = mcb - dsc + unc';

CREATE FUNCTION @extschema@.pav_state_agg_trans(@extschema@.pav_state, float8, boolean)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_agg_trans(@extschema@.pav_state, float8, float8)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_trans_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_agg_trans(@extschema@.pav_state, float8, boolean, float8)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_agg_trans(@extschema@.pav_state, float8, float8, float8)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_trans_float8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_combine(@extschema@.pav_state, @extschema@.pav_state)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_state_agg_final(@extschema@.pav_state)
RETURNS @extschema@.pav_state
AS 'MODULE_PATHNAME', 'pav_state_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.pav_isotonic(s @extschema@.pav_state)
RETURNS @extschema@.recal_model
AS 'MODULE_PATHNAME', 'pav_isotonic'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_isotonic(@extschema@.pav_state) IS
'isotonic recalibrator of a state: the PAV fit as scikit-learn''s IsotonicRegression(out_of_bounds=''clip'') builds it';

CREATE FUNCTION @extschema@.pav_corp(s @extschema@.pav_state)
RETURNS @extschema@.corp_decomposition_result
AS 'MODULE_PATHNAME', 'pav_corp_terms'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_corp(@extschema@.pav_state) IS
'CORP decomposition of the mean Brier score (Dimitriadis, Gneiting and Jordan 2021): score = mcb - dsc + unc';

CREATE FUNCTION @extschema@.pav_corp_svg(s @extschema@.pav_state, title text DEFAULT NULL,
	replicates integer DEFAULT 0, level float8 DEFAULT 0.9, seed bigint DEFAULT 0)
RETURNS text
AS 'MODULE_PATHNAME', 'pav_corp_svg'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_corp_svg(@extschema@.pav_state, text, integer, float8, bigint) IS
'CORP reliability diagram (PAV-recalibrated probability against the prediction) as an SVG document; with replicates > 0 the consistency band of pav_corp_bands';

CREATE FUNCTION @extschema@.pav_equal_mass_ece(s @extschema@.pav_state, nbins integer DEFAULT 15)
RETURNS float8
AS 'MODULE_PATHNAME', 'pav_equal_mass_ece'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_equal_mass_ece(@extschema@.pav_state, integer) IS
'ECE with nbins equal-mass bins; rows sharing a prediction stay together, in the bin holding the midpoint of their cumulative weight';

CREATE FUNCTION @extschema@.pav_debiased_squared_ece(s @extschema@.pav_state, nbins integer DEFAULT 15)
RETURNS float8
AS 'MODULE_PATHNAME', 'pav_debiased_sq_ece'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_debiased_squared_ece(@extschema@.pav_state, integer) IS
'debiased estimate of the squared ECE (Kumar, Liang and Ma 2019) over nbins equal-mass bins; may be negative';

CREATE FUNCTION @extschema@.pav_info(s @extschema@.pav_state)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pav_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_info(@extschema@.pav_state) IS
'grid mode, rows, distinct predictions, the exact limit, total weight and weighted outcome of a pav_state';

CREATE AGGREGATE @extschema@.pav_state_agg(p float8, y boolean) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_agg(float8, boolean) IS
'sorted calibration state of (p, y [, weight]) rows';

CREATE AGGREGATE @extschema@.pav_state_agg(p float8, y float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_agg(float8, float8) IS
'sorted calibration state of (p, y [, weight]) rows';

CREATE AGGREGATE @extschema@.pav_state_agg(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_agg(float8, boolean, float8) IS
'sorted calibration state of (p, y [, weight]) rows; rows weighted';

CREATE AGGREGATE @extschema@.pav_state_agg(p float8, y float8, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_agg(float8, float8, float8) IS
'sorted calibration state of (p, y [, weight]) rows; rows weighted';

CREATE AGGREGATE @extschema@.isotonic_scaling(p float8, y boolean) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_isotonic, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.isotonic_scaling(float8, boolean) IS
'isotonic recalibration fitted by PAV, equal to scikit-learn''s IsotonicRegression(out_of_bounds=''clip'')';

CREATE AGGREGATE @extschema@.isotonic_scaling(p float8, y float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_isotonic, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.isotonic_scaling(float8, float8) IS
'isotonic recalibration fitted by PAV, equal to scikit-learn''s IsotonicRegression(out_of_bounds=''clip'')';

CREATE AGGREGATE @extschema@.isotonic_scaling(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_isotonic, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.isotonic_scaling(float8, boolean, float8) IS
'isotonic recalibration fitted by PAV, equal to scikit-learn''s IsotonicRegression(out_of_bounds=''clip''); rows weighted';

CREATE AGGREGATE @extschema@.isotonic_scaling(p float8, y float8, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_isotonic, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.isotonic_scaling(float8, float8, float8) IS
'isotonic recalibration fitted by PAV, equal to scikit-learn''s IsotonicRegression(out_of_bounds=''clip''); rows weighted';

CREATE AGGREGATE @extschema@.corp_decomposition(p float8, y boolean) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_corp, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.corp_decomposition(float8, boolean) IS
'CORP decomposition of the mean Brier score: (score, mcb, dsc, unc), score = mcb - dsc + unc';

CREATE AGGREGATE @extschema@.corp_decomposition(p float8, y float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_corp, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.corp_decomposition(float8, float8) IS
'CORP decomposition of the mean Brier score: (score, mcb, dsc, unc), score = mcb - dsc + unc';

CREATE AGGREGATE @extschema@.corp_decomposition(p float8, y boolean, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_corp, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.corp_decomposition(float8, boolean, float8) IS
'CORP decomposition of the mean Brier score: (score, mcb, dsc, unc), score = mcb - dsc + unc; rows weighted';

CREATE AGGREGATE @extschema@.corp_decomposition(p float8, y float8, weight float8) (
	SFUNC = @extschema@.pav_state_agg_trans, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_corp, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.corp_decomposition(float8, float8, float8) IS
'CORP decomposition of the mean Brier score: (score, mcb, dsc, unc), score = mcb - dsc + unc; rows weighted';

CREATE AGGREGATE @extschema@.pav_state_merge(@extschema@.pav_state) (
	SFUNC = @extschema@.pav_state_combine, STYPE = @extschema@.pav_state,
	COMBINEFUNC = @extschema@.pav_state_combine,
	FINALFUNC = @extschema@.pav_state_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pav_state_merge(@extschema@.pav_state) IS
'merge stored pav_state values: the state of the union of their rows';

-- scheduled refits of reward models (src/sql/65_reward_refit.sql)


-- src/sql/65_reward_refit.sql: scheduled refits of reward models
-- (doc/pg_cron.md, doc/reward-models.md).
--
-- A reward job is registered once (prefcal_register_reward_refit) and run
-- by CALL prefcal_reward_refit(name), for example from pg_cron.  A reward
-- model has no mergeable sufficient statistic, so each run that finds new
-- rows refits on every source row at or below the new watermark; the
-- watermark is settled as for the Bradley-Terry jobs
-- (prefcal_settled_watermark: no row at or below it that will ever commit
-- is missed), the model is stored as a new version with the rows it was
-- fitted on, and the calibration of P(first-shown wins) on the hold-out
-- relation (features and position effect; item effects are not used) is
-- appended to reward_calibration_history.

CREATE TABLE @extschema@.reward_job_store (
	name text PRIMARY KEY,
	source_schema name NOT NULL,
	source_table name NOT NULL,
	first_features_column name NOT NULL,
	second_features_column name NOT NULL,
	outcome_column name NOT NULL,
	weight_column name,
	first_item_column name,
	second_item_column name,
	watermark_column name NOT NULL,
	watermark text,
	rows_fitted bigint NOT NULL DEFAULT 0,
	fit_options jsonb NOT NULL DEFAULT '{}',
	holdout_schema name,
	holdout_table name,
	registered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at timestamptz,
	CHECK ((holdout_schema IS NULL) = (holdout_table IS NULL)),
	CHECK ((first_item_column IS NULL) = (second_item_column IS NULL))
);

COMMENT ON TABLE @extschema@.reward_job_store IS
'reward refit jobs: the source relation and columns, fit options and the watermark of the last fit';

CREATE TABLE @extschema@.reward_model_store (
	name text NOT NULL REFERENCES @extschema@.reward_job_store (name) ON DELETE CASCADE,
	version integer NOT NULL,
	model @extschema@.reward_model NOT NULL,
	fitted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	rows_fitted bigint NOT NULL,
	watermark text,
	options jsonb NOT NULL,
	PRIMARY KEY (name, version)
);

COMMENT ON TABLE @extschema@.reward_model_store IS
'every reward model a reward refit job stored, by version, with the rows and watermark it was fitted on';

CREATE TABLE @extschema@.reward_calibration_history (
	name text NOT NULL REFERENCES @extschema@.reward_job_store (name) ON DELETE CASCADE,
	version integer NOT NULL,
	measured_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	n float8,
	brier float8,
	ece float8,
	mce float8,
	log_loss float8,
	state @extschema@.calibration_state,
	PRIMARY KEY (name, version, measured_at),
	FOREIGN KEY (name, version) REFERENCES @extschema@.reward_model_store (name, version) ON DELETE CASCADE
);

COMMENT ON TABLE @extschema@.reward_calibration_history IS
'calibration of each stored reward model version on the job''s hold-out relation: P(first-shown wins) from features and position effect against the outcome, 15 bins';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.reward_job_store', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reward_model_store', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reward_calibration_history', '');

CREATE FUNCTION @extschema@.prefcal_register_reward_refit(
	job text,
	source regclass,
	first_features_column name,
	second_features_column name,
	outcome_column name,
	watermark_column name,
	weight_column name DEFAULT NULL,
	first_item_column name DEFAULT NULL,
	second_item_column name DEFAULT NULL,
	fit_options jsonb DEFAULT '{}',
	holdout regclass DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	k text;
	col name;
BEGIN
	IF job IS NULL OR source IS NULL OR first_features_column IS NULL OR second_features_column IS NULL
	   OR outcome_column IS NULL OR watermark_column IS NULL OR fit_options IS NULL THEN
		RAISE EXCEPTION 'reward refit registration needs a name, a source, its feature, outcome and watermark columns, and fit options'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF (first_item_column IS NULL) <> (second_item_column IS NULL) THEN
		RAISE EXCEPTION 'give both item columns or neither'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF pg_catalog.jsonb_typeof(fit_options) <> 'object' THEN
		RAISE EXCEPTION 'fit_options must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR k IN SELECT pg_catalog.jsonb_object_keys(fit_options) LOOP
		IF k NOT IN ('position_effect', 'prior', 'objective', 'brier_weight', 'augment', 'spurious',
					 'max_iter', 'gradient_tol', 'standardize') THEN
			RAISE EXCEPTION 'unknown fit option "%"', k
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Known options: position_effect, prior, objective, brier_weight, augment, spurious, max_iter, gradient_tol, standardize (those of reward_fit).';
		END IF;
	END LOOP;
	IF EXISTS (SELECT 1 FROM @extschema@.reward_job_store s WHERE s.name = job) THEN
		RAISE EXCEPTION 'reward refit job "%" is already registered', job
			USING ERRCODE = 'duplicate_object',
				  HINT = 'Delete its row from reward_job_store first (its models and history go with it).';
	END IF;
	-- every column must exist (raises 42703 otherwise)
	FOREACH col IN ARRAY ARRAY[first_features_column, second_features_column, outcome_column, watermark_column,
							   weight_column, first_item_column, second_item_column] LOOP
		IF col IS NOT NULL THEN
			PERFORM @extschema@.prefcal_column_expr(source, col, 'value');
		END IF;
	END LOOP;
	IF holdout IS NOT NULL THEN
		FOREACH col IN ARRAY ARRAY[first_features_column, second_features_column, outcome_column] LOOP
			PERFORM @extschema@.prefcal_column_expr(holdout, col, 'value');
		END LOOP;
	END IF;

	INSERT INTO @extschema@.reward_job_store
		(name, source_schema, source_table, first_features_column, second_features_column,
		 outcome_column, weight_column, first_item_column, second_item_column, watermark_column,
		 fit_options, holdout_schema, holdout_table)
	SELECT job, sn.nspname, sc.relname, first_features_column, second_features_column,
		   outcome_column, weight_column, first_item_column, second_item_column, watermark_column,
		   fit_options, hn.nspname, hc.relname
	FROM pg_catalog.pg_class sc
	JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
	LEFT JOIN pg_catalog.pg_class hc ON hc.oid = holdout
	LEFT JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace
	WHERE sc.oid = source;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_register_reward_refit(text, regclass, name, name, name, name, name, name, name, jsonb, regclass) IS
'register a reward refit job: rows of source (feature arrays of both sides, outcome 1/0/0.5 or boolean, optional weight and item columns) up to a watermark column; reward_fit options; optional hold-out relation with the same feature and outcome columns';

-- step 1: settle the watermark and, when it moved (or force), refit on
-- every row at or below it; returns the stored version or NULL
-- step 1: settle the watermark and, when it moved (or force), refit on
-- every row at or below it; returns the stored version or NULL
CREATE FUNCTION @extschema@.prefcal_reward_refit_fit(job text, force boolean DEFAULT false)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'iso_8601'
SET TimeZone = 'UTC'
SET extra_float_digits = 3
AS $$
DECLARE
	j @extschema@.reward_job_store;
	src regclass;
	wm_type text;
	new_wm text;
	q text;
	o jsonb;
	m @extschema@.reward_model;
	n bigint;
	v integer;
BEGIN
	-- the row lock serialises runs even when two overlap
	SELECT * INTO j FROM @extschema@.reward_job_store s WHERE s.name = job FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'reward refit job "%" is not registered', job
			USING ERRCODE = 'undefined_object',
				  HINT = 'Register it with prefcal_register_reward_refit().';
	END IF;
	src := pg_catalog.format('%I.%I', j.source_schema, j.source_table)::regclass;
	new_wm := @extschema@.prefcal_settled_watermark(src, j.watermark_column, j.watermark);
	IF new_wm IS NULL OR (new_wm IS NOT DISTINCT FROM j.watermark AND NOT force
						  AND EXISTS (SELECT 1 FROM @extschema@.reward_model_store ms WHERE ms.name = job)) THEN
		RETURN NULL;
	END IF;
	SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO wm_type
	FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = src AND a.attname = j.watermark_column AND a.attnum > 0 AND NOT a.attisdropped;

	q := pg_catalog.format(
		'SELECT %1$I AS first_features, %2$I AS second_features, %3$s AS outcome%4$s%5$s FROM %6$s WHERE %7$I <= %8$L::%9$s',
		j.first_features_column, j.second_features_column,
		@extschema@.prefcal_column_expr(src, j.outcome_column, 'value'),
		CASE WHEN j.weight_column IS NULL THEN ''
			 ELSE ', ' || @extschema@.prefcal_column_expr(src, j.weight_column, 'value') || ' AS weight' END,
		CASE WHEN j.first_item_column IS NULL THEN ''
			 ELSE pg_catalog.format(', %s AS first_item, %s AS second_item',
					@extschema@.prefcal_column_expr(src, j.first_item_column, 'item'),
					@extschema@.prefcal_column_expr(src, j.second_item_column, 'item')) END,
		src, j.watermark_column, new_wm, wm_type);
	o := j.fit_options;
	m := @extschema@.reward_fit(q,
			position_effect => coalesce((o->>'position_effect')::boolean, false),
			prior => coalesce((o->>'prior')::float8, 0),
			objective => coalesce(o->>'objective', 'log_loss'),
			brier_weight => coalesce((o->>'brier_weight')::float8, 1),
			augment => coalesce(o->>'augment', 'none'),
			spurious => (SELECT pg_catalog.array_agg(x::pg_catalog.int4)
						 FROM pg_catalog.jsonb_array_elements_text(o->'spurious') x),
			max_iter => coalesce((o->>'max_iter')::integer, 100),
			gradient_tol => coalesce((o->>'gradient_tol')::float8, 1e-9),
			standardize => coalesce((o->>'standardize')::boolean, false));
	n := ((@extschema@.reward_info(m))->>'n')::bigint;
	SELECT coalesce(pg_catalog.max(ms.version), 0) + 1 INTO v
	FROM @extschema@.reward_model_store ms WHERE ms.name = job;
	INSERT INTO @extschema@.reward_model_store (name, version, model, fitted_at, rows_fitted, watermark, options)
	VALUES (job, v, m, pg_catalog.clock_timestamp(), n, new_wm, o);
	UPDATE @extschema@.reward_job_store s
	SET watermark = new_wm, rows_fitted = n, updated_at = pg_catalog.clock_timestamp()
	WHERE s.name = job;
	RETURN v;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_reward_refit_fit(text, boolean) IS
'reward refit step 1: settle the watermark; when it moved (or force, or no model yet), refit on every source row at or below it and store the next version';

-- step 2: calibration of a stored version on the hold-out relation
-- step 2: calibration of a stored version on the hold-out relation
CREATE FUNCTION @extschema@.prefcal_reward_refit_measure(job text, model_version integer)
RETURNS @extschema@.calibration_state
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j @extschema@.reward_job_store;
	h regclass;
	m @extschema@.reward_model;
	st @extschema@.calibration_state;
BEGIN
	SELECT * INTO j FROM @extschema@.reward_job_store s WHERE s.name = job;
	IF NOT FOUND OR j.holdout_table IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT ms.model INTO m FROM @extschema@.reward_model_store ms
	WHERE ms.name = job AND ms.version = model_version;
	IF m IS NULL THEN
		RETURN NULL;
	END IF;
	h := pg_catalog.format('%I.%I', j.holdout_schema, j.holdout_table)::regclass;
	EXECUTE pg_catalog.format(
		'SELECT @extschema@.calibration_state_agg(@extschema@.reward_predict_shown($1, %1$I, %2$I), %3$s, 15) FROM %4$s',
		j.first_features_column, j.second_features_column,
		@extschema@.prefcal_column_expr(h, j.outcome_column, 'value'), h)
	INTO st USING m;
	IF st IS NOT NULL THEN
		INSERT INTO @extschema@.reward_calibration_history
			(name, version, measured_at, n, brier, ece, mce, log_loss, state)
		VALUES (job, model_version, pg_catalog.clock_timestamp(),
				@extschema@.calibration_n(st), @extschema@.calibration_brier(st),
				@extschema@.calibration_ece(st), @extschema@.calibration_mce(st),
				@extschema@.calibration_log_loss(st), st);
	END IF;
	RETURN st;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_reward_refit_measure(text, integer) IS
'reward refit step 2: calibration of a stored reward model version on the job''s hold-out relation, appended to reward_calibration_history';

-- The whole reward refit as one CALL, for pg_cron (search_path pinned with
-- set_config in every transaction, as prefcal_refit does).
-- The whole reward refit as one CALL, for pg_cron (search_path pinned with
-- set_config in every transaction, as prefcal_refit does).
CREATE PROCEDURE @extschema@.prefcal_reward_refit(job text, force boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
	lock_key bigint;
	v integer;
BEGIN
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	-- a transaction of its own, READ COMMITTED, so that the fit sees the
	-- writers the settled watermark waits for
	COMMIT;
	SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	lock_key := pg_catalog.hashtextextended('prefcal_reward_refit:' || job, 0);
	IF NOT pg_catalog.pg_try_advisory_lock(lock_key) THEN
		RAISE NOTICE 'reward refit job "%" is already running; skipped', job;
		RETURN;
	END IF;
	v := @extschema@.prefcal_reward_refit_fit(job, force);
	COMMIT;
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	IF v IS NOT NULL THEN
		PERFORM @extschema@.prefcal_reward_refit_measure(job, v);
		COMMIT;
		PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	END IF;
	PERFORM pg_catalog.pg_advisory_unlock(lock_key);
	RAISE NOTICE 'reward refit job "%": model version %', job, coalesce(v::text, 'unchanged');
END
$$;

COMMENT ON PROCEDURE @extschema@.prefcal_reward_refit(text, boolean) IS
'run a registered reward refit job: settle the watermark, refit on every row at or below it, store the version, measure hold-out calibration; commits between steps; skips if already running';

CREATE FUNCTION @extschema@.prefcal_latest_reward_model(job text)
RETURNS @extschema@.reward_model
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ms.model FROM @extschema@.reward_model_store ms
	WHERE ms.name = job ORDER BY ms.version DESC LIMIT 1
$$;

COMMENT ON FUNCTION @extschema@.prefcal_latest_reward_model(text) IS
'the newest stored model version of a reward refit job';

-- the calibration bootstrap (src/sql/12_calibration_bootstrap.sql)
-- 12_calibration_bootstrap.sql: bootstrap intervals for calibration measures
-- in one scan (doc/uncertainty.md).  New in 0.2.0: prefcal--0.1.0--0.2.0.sql
-- creates the same objects (test/t/096_upgrade.t checks that the two agree).

CREATE TYPE @extschema@.calibration_bootstrap_state;

CREATE FUNCTION @extschema@.calibration_bootstrap_state_in(cstring)
RETURNS @extschema@.calibration_bootstrap_state
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.calibration_bootstrap_state_out(@extschema@.calibration_bootstrap_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.calibration_bootstrap_state_recv(internal)
RETURNS @extschema@.calibration_bootstrap_state
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.calibration_bootstrap_state_send(@extschema@.calibration_bootstrap_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.calibration_bootstrap_state (
	INPUT = @extschema@.calibration_bootstrap_state_in,
	OUTPUT = @extschema@.calibration_bootstrap_state_out,
	RECEIVE = @extschema@.calibration_bootstrap_state_recv,
	SEND = @extschema@.calibration_bootstrap_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.calibration_bootstrap_state IS
'mergeable Poisson-bootstrap calibration summary: the calibration state of the rows plus, per bin and replicate, the replicate-weighted sums';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_in(cstring) IS
'text input of calibration_bootstrap_state (validated)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_out(@extschema@.calibration_bootstrap_state) IS
'text output of calibration_bootstrap_state (JSON, exact, shortest round-trip floats)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_recv(internal) IS
'binary input of calibration_bootstrap_state (validated)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_send(@extschema@.calibration_bootstrap_state) IS
'binary output of calibration_bootstrap_state';

CREATE FUNCTION @extschema@.calibration_bootstrap_state_combine(@extschema@.calibration_bootstrap_state, @extschema@.calibration_bootstrap_state)
RETURNS @extschema@.calibration_bootstrap_state
AS 'MODULE_PATHNAME', 'calibration_bootstrap_state_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_combine(@extschema@.calibration_bootstrap_state, @extschema@.calibration_bootstrap_state) IS
'combine function of calibration_bootstrap_state_agg and transition of calibration_bootstrap_state_merge (aggregate support)';

CREATE FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer, bigint)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer, bigint)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer, bigint, float8)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_bool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer, bigint, float8)
RETURNS @extschema@.calibration_bootstrap_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_trans_soft'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text) IS 'transition of calibration_bootstrap_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text) IS 'transition of calibration_bootstrap_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer) IS 'transition of calibration_bootstrap_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer) IS 'transition of calibration_bootstrap_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer, bigint) IS 'transition of calibration_bootstrap_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer, bigint) IS 'transition of calibration_bootstrap_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, boolean, integer, text, integer, bigint, float8) IS 'transition of calibration_bootstrap_state_agg (aggregate support)';
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_state_agg_trans(@extschema@.calibration_bootstrap_state, float8, float8, integer, text, integer, bigint, float8) IS 'transition of calibration_bootstrap_state_agg (aggregate support)';

CREATE AGGREGATE @extschema@.calibration_bootstrap_state_agg(p float8, y boolean, nbins integer, cluster text) (
	SFUNC = @extschema@.calibration_bootstrap_state_agg_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap_state_agg(p float8, y float8, nbins integer, cluster text) (
	SFUNC = @extschema@.calibration_bootstrap_state_agg_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap_state_agg(p float8, y boolean, nbins integer, cluster text, replicates integer) (
	SFUNC = @extschema@.calibration_bootstrap_state_agg_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap_state_agg(p float8, y float8, nbins integer, cluster text, replicates integer) (
	SFUNC = @extschema@.calibration_bootstrap_state_agg_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap_state_agg(p float8, y boolean, nbins integer, cluster text, replicates integer, seed bigint) (
	SFUNC = @extschema@.calibration_bootstrap_state_agg_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap_state_agg(p float8, y float8, nbins integer, cluster text, replicates integer, seed bigint) (
	SFUNC = @extschema@.calibration_bootstrap_state_agg_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap_state_agg(p float8, y boolean, nbins integer, cluster text, replicates integer, seed bigint, weight float8) (
	SFUNC = @extschema@.calibration_bootstrap_state_agg_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.calibration_bootstrap_state_agg(p float8, y float8, nbins integer, cluster text, replicates integer, seed bigint, weight float8) (
	SFUNC = @extschema@.calibration_bootstrap_state_agg_trans, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_agg(float8, boolean, integer, text) IS
'calibration state of (p, y) with nbins bins plus 200 Poisson-bootstrap replicates resampling the clusters named by cluster (seed 0)';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_agg(float8, float8, integer, text) IS
'calibration state of (p, soft target y) with nbins bins plus 200 cluster-bootstrap replicates (seed 0)';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_agg(float8, boolean, integer, text, integer) IS
'calibration state of (p, y) with nbins bins plus the given number of cluster-bootstrap replicates (seed 0)';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_agg(float8, float8, integer, text, integer) IS
'calibration state of (p, soft target y) with nbins bins plus the given number of cluster-bootstrap replicates (seed 0)';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_agg(float8, boolean, integer, text, integer, bigint) IS
'calibration state of (p, y) with nbins bins plus cluster-bootstrap replicates drawn with the given seed';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_agg(float8, float8, integer, text, integer, bigint) IS
'calibration state of (p, soft target y) with nbins bins plus cluster-bootstrap replicates drawn with the given seed';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_agg(float8, boolean, integer, text, integer, bigint, float8) IS
'weighted calibration state of (p, y) with nbins bins plus cluster-bootstrap replicates drawn with the given seed';
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_agg(float8, float8, integer, text, integer, bigint, float8) IS
'weighted calibration state of (p, soft target y) with nbins bins plus cluster-bootstrap replicates drawn with the given seed';

CREATE AGGREGATE @extschema@.calibration_bootstrap_state_merge(@extschema@.calibration_bootstrap_state) (
	SFUNC = @extschema@.calibration_bootstrap_state_combine, STYPE = @extschema@.calibration_bootstrap_state,
	COMBINEFUNC = @extschema@.calibration_bootstrap_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.calibration_bootstrap_state_merge(@extschema@.calibration_bootstrap_state) IS
'merge bootstrap states of disjoint rows made with the same nbins, replicates and seed';

-- the readers; smooth_ece's last bits follow prefcal.simd, hence STABLE
-- the readers; smooth_ece's last bits follow prefcal.simd, hence STABLE
CREATE FUNCTION @extschema@.calibration_bootstrap_estimate(s @extschema@.calibration_bootstrap_state)
RETURNS @extschema@.calibration_state AS 'MODULE_PATHNAME', 'calibration_bootstrap_estimate'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_estimate(@extschema@.calibration_bootstrap_state) IS
'the calibration state of all the rows (what calibration_state_agg gives for them)';

CREATE FUNCTION @extschema@.calibration_bootstrap_ci(s @extschema@.calibration_bootstrap_state, metric text,
	level float8 DEFAULT 0.95,
	OUT estimate float8, OUT lower float8, OUT upper float8, OUT se float8)
RETURNS record AS 'MODULE_PATHNAME', 'calibration_ci'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_ci(@extschema@.calibration_bootstrap_state, text, float8) IS
'estimate, percentile bootstrap interval at the level and bootstrap standard error of a metric (ece, mce, brier, log_loss, smooth_ece, reliability, resolution)';

CREATE FUNCTION @extschema@.calibration_bootstrap_ci_diff(a @extschema@.calibration_bootstrap_state,
	b @extschema@.calibration_bootstrap_state, metric text, level float8 DEFAULT 0.95,
	OUT estimate float8, OUT lower float8, OUT upper float8, OUT se float8)
RETURNS record AS 'MODULE_PATHNAME', 'calibration_ci_diff'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_ci_diff(@extschema@.calibration_bootstrap_state, @extschema@.calibration_bootstrap_state, text, float8) IS
'paired bootstrap interval of metric(a) - metric(b) for states of the same rows made with the same nbins, replicates, seed and cluster keys';

CREATE FUNCTION @extschema@.calibration_bootstrap_replicates(s @extschema@.calibration_bootstrap_state, metric text,
	OUT replicate integer, OUT value float8)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'calibration_replicates'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 200;
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_replicates(@extschema@.calibration_bootstrap_state, text) IS
'the metric of every bootstrap replicate (replicate 1-based; NULL for a replicate of total weight 0)';

CREATE FUNCTION @extschema@.bootstrap_weight(cluster text, replicate integer, seed bigint DEFAULT 0)
RETURNS integer AS 'MODULE_PATHNAME', 'bootstrap_weight'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bootstrap_weight(text, integer, bigint) IS
'the Poisson(1) weight of every row of a cluster key in a bootstrap replicate (1-based) under a seed, as calibration_bootstrap_state_agg draws it';

CREATE FUNCTION @extschema@.calibration_bootstrap_svg(s @extschema@.calibration_bootstrap_state,
	title text DEFAULT NULL, level float8 DEFAULT 0.95)
RETURNS text AS 'MODULE_PATHNAME', 'calibration_bootstrap_svg'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_bootstrap_svg(@extschema@.calibration_bootstrap_state, text, float8) IS
'reliability diagram of the estimate with per-bin percentile bands of mean y over the bootstrap replicates and the ECE interval in the caption, as an SVG document';

-- ===================================================================
-- 32_simulate_study.sql: the feature simulator of the study (doc/study.md,
-- "The simulator")
--   simulate_preference_study, simulate_preference_responses,
--   simulate_preference_annotators
-- ===================================================================

CREATE FUNCTION @extschema@.simulate_preference_study(
	seed bigint,
	params jsonb DEFAULT '{}',
	OUT judgment_id bigint,
	OUT split text,
	OUT domain text,
	OUT prompt_id int,
	OUT pair_id bigint,
	OUT response_a int,
	OUT response_b int,
	OUT annotator_id int,
	OUT condition text,
	OUT framing int,
	OUT repeat int,
	OUT a_first boolean,
	OUT first_item int,
	OUT second_item int,
	OUT first_features float8[],
	OUT second_features float8[],
	OUT chose_first float8,
	OUT chose_a boolean,
	OUT true_p_first float8,
	OUT true_p_a float8,
	OUT annotator_p_first float8,
	OUT judgment_p_first float8,
	OUT latent_type text,
	OUT feature_p_first float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pc_simulate_preference_study'
LANGUAGE C STABLE PARALLEL SAFE
ROWS 14400;

COMMENT ON FUNCTION @extschema@.simulate_preference_study(bigint, jsonb) IS
'seeded judgments of response pairs with features (quality and a spurious style feature), latent annotator types and the population truth; parameters as a jsonb object';

CREATE FUNCTION @extschema@.simulate_preference_responses(
	seed bigint,
	params jsonb DEFAULT '{}',
	OUT response_id int,
	OUT prompt_id int,
	OUT domain text,
	OUT split text,
	OUT response int,
	OUT features float8[],
	OUT hidden_quality float8,
	OUT style float8,
	OUT true_reward float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pc_simulate_preference_responses'
LANGUAGE C STABLE PARALLEL SAFE
ROWS 800;

COMMENT ON FUNCTION @extschema@.simulate_preference_responses(bigint, jsonb) IS
'the responses of simulate_preference_study for the same seed and parameters: features, hidden quality, style, true reward';

CREATE FUNCTION @extschema@.simulate_preference_annotators(
	seed bigint,
	params jsonb DEFAULT '{}',
	OUT annotator_id int,
	OUT personal boolean,
	OUT annotator_type text,
	OUT quality_weights float8[],
	OUT hidden_weight float8,
	OUT style_effect float8[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pc_simulate_preference_annotators'
LANGUAGE C STABLE PARALLEL SAFE
ROWS 100;

COMMENT ON FUNCTION @extschema@.simulate_preference_annotators(bigint, jsonb) IS
'the annotators of simulate_preference_study for the same seed and parameters: personal weights and own latent type';

CREATE FUNCTION @extschema@.pav_corp_bands(s @extschema@.pav_state, replicates integer DEFAULT 100,
	level float8 DEFAULT 0.9, seed bigint DEFAULT 0,
	OUT p float8, OUT fit float8, OUT lower float8, OUT upper float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pav_corp_bands'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;

COMMENT ON FUNCTION @extschema@.pav_corp_bands(@extschema@.pav_state, integer, float8, bigint) IS
'consistency band of the CORP diagram: at up to 1000 distinct predictions, the PAV fit and the pointwise quantiles of PAV fits to outcomes resampled under calibration (y ~ Bernoulli(p), weights read as row counts)';

CREATE FUNCTION @extschema@.pav_corp(s @extschema@.pav_state, metric text)
RETURNS @extschema@.corp_decomposition_result
AS 'MODULE_PATHNAME', 'pav_corp_terms'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.pav_corp(@extschema@.pav_state, text) IS
'CORP decomposition of the mean Brier score (metric ''brier'') or log loss (''log_loss''), both with the PAV fit: score = mcb - dsc + unc';

CREATE FUNCTION @extschema@.reward_predict_se(m @extschema@.reward_model, first_features float8[], second_features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'reward_predict_se'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.reward_predict_se(@extschema@.reward_model, float8[], float8[]) IS
'delta-method standard error of reward_predict from the coefficients'' covariance (inverse Hessian or cluster-robust); NULL when the model stores none';

-- the Bradley-Terry bootstrap (src/sql/22_bt_bootstrap.sql)
-- 22_bt_bootstrap.sql: bootstrap intervals for Bradley-Terry scores
-- (doc/uncertainty.md).  New in 0.2.0: prefcal--0.1.0--0.2.0.sql creates
-- the same objects (test/t/096_upgrade.t checks that the two agree).

CREATE TYPE @extschema@.bt_bootstrap_state;

CREATE FUNCTION @extschema@.bt_bootstrap_state_in(cstring)
RETURNS @extschema@.bt_bootstrap_state
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_bootstrap_state_out(@extschema@.bt_bootstrap_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_bootstrap_state_recv(internal)
RETURNS @extschema@.bt_bootstrap_state
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_bootstrap_state_send(@extschema@.bt_bootstrap_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.bt_bootstrap_state (
	INPUT = @extschema@.bt_bootstrap_state_in,
	OUTPUT = @extschema@.bt_bootstrap_state_out,
	RECEIVE = @extschema@.bt_bootstrap_state_recv,
	SEND = @extschema@.bt_bootstrap_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.bt_bootstrap_state IS
'mergeable Poisson-bootstrap Bradley-Terry summary: per ordered pair, the weighted counts of the rows and of every replicate';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_in(cstring) IS
'text input of bt_bootstrap_state (validated)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_out(@extschema@.bt_bootstrap_state) IS
'text output of bt_bootstrap_state (JSON, exact, shortest round-trip floats)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_recv(internal) IS
'binary input of bt_bootstrap_state (validated)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_send(@extschema@.bt_bootstrap_state) IS
'binary output of bt_bootstrap_state';

CREATE FUNCTION @extschema@.bt_bootstrap_state_combine(@extschema@.bt_bootstrap_state, @extschema@.bt_bootstrap_state)
RETURNS @extschema@.bt_bootstrap_state
AS 'MODULE_PATHNAME', 'bt_bootstrap_state_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_bootstrap_state_combine(@extschema@.bt_bootstrap_state, @extschema@.bt_bootstrap_state) IS
'combine function of bt_bootstrap and transition of bt_bootstrap_merge (aggregate support)';

CREATE FUNCTION @extschema@.bt_bootstrap_final(@extschema@.bt_bootstrap_state)
RETURNS @extschema@.bt_bootstrap_state
AS 'MODULE_PATHNAME', 'bt_bootstrap_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_bootstrap_final(@extschema@.bt_bootstrap_state) IS
'final function of bt_bootstrap and bt_bootstrap_merge: the stored form, items and pairs in canonical order (aggregate support)';

CREATE FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text)
RETURNS @extschema@.bt_bootstrap_state AS 'MODULE_PATHNAME', 'bt_bootstrap_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text, integer)
RETURNS @extschema@.bt_bootstrap_state AS 'MODULE_PATHNAME', 'bt_bootstrap_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text, integer, bigint)
RETURNS @extschema@.bt_bootstrap_state AS 'MODULE_PATHNAME', 'bt_bootstrap_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text) IS 'transition of bt_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text, integer) IS 'transition of bt_bootstrap (aggregate support)';
COMMENT ON FUNCTION @extschema@.bt_bootstrap_trans(@extschema@.bt_bootstrap_state, text, text, float8, float8, text, integer, bigint) IS 'transition of bt_bootstrap (aggregate support)';

CREATE AGGREGATE @extschema@.bt_bootstrap(first_item text, second_item text, outcome float8, weight float8, cluster text) (
	SFUNC = @extschema@.bt_bootstrap_trans, STYPE = @extschema@.bt_bootstrap_state,
	FINALFUNC = @extschema@.bt_bootstrap_final,
	COMBINEFUNC = @extschema@.bt_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.bt_bootstrap(first_item text, second_item text, outcome float8, weight float8, cluster text, replicates integer) (
	SFUNC = @extschema@.bt_bootstrap_trans, STYPE = @extschema@.bt_bootstrap_state,
	FINALFUNC = @extschema@.bt_bootstrap_final,
	COMBINEFUNC = @extschema@.bt_bootstrap_state_combine, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.bt_bootstrap(first_item text, second_item text, outcome float8, weight float8, cluster text, replicates integer, seed bigint) (
	SFUNC = @extschema@.bt_bootstrap_trans, STYPE = @extschema@.bt_bootstrap_state,
	FINALFUNC = @extschema@.bt_bootstrap_final,
	COMBINEFUNC = @extschema@.bt_bootstrap_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bt_bootstrap(text, text, float8, float8, text) IS
'Bradley-Terry pair counts plus 200 Poisson-bootstrap replicates resampling the clusters named by cluster (seed 0)';
COMMENT ON AGGREGATE @extschema@.bt_bootstrap(text, text, float8, float8, text, integer) IS
'Bradley-Terry pair counts plus the given number of cluster-bootstrap replicates (seed 0)';
COMMENT ON AGGREGATE @extschema@.bt_bootstrap(text, text, float8, float8, text, integer, bigint) IS
'Bradley-Terry pair counts plus cluster-bootstrap replicates drawn with the given seed (the weights of calibration_bootstrap_state_agg)';

CREATE AGGREGATE @extschema@.bt_bootstrap_merge(@extschema@.bt_bootstrap_state) (
	SFUNC = @extschema@.bt_bootstrap_state_combine, STYPE = @extschema@.bt_bootstrap_state,
	FINALFUNC = @extschema@.bt_bootstrap_final,
	COMBINEFUNC = @extschema@.bt_bootstrap_state_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bt_bootstrap_merge(@extschema@.bt_bootstrap_state) IS
'merge Bradley-Terry bootstrap states of disjoint rows made with the same replicates and seed';

-- the readers fit every replicate with bt_fit's solver (whose last bits
-- follow prefcal.simd), hence STABLE; bt_fit's options, same defaults
-- the readers fit every replicate with bt_fit's solver (whose last bits
-- follow prefcal.simd), hence STABLE; bt_fit's options, same defaults
CREATE FUNCTION @extschema@.bt_replicates(
	s @extschema@.bt_bootstrap_state,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9)
RETURNS TABLE (replicate integer, item text, score float8)
AS 'MODULE_PATHNAME', 'bt_replicates'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_replicates(@extschema@.bt_bootstrap_state, text, float8, text, boolean, text, text, float8, int, float8) IS
'every item''s score in the fit of all the rows (replicate 0) and of each bootstrap replicate (NULL where the replicate''s fit failed)';

CREATE FUNCTION @extschema@.bt_ci(
	s @extschema@.bt_bootstrap_state,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9,
	level float8 DEFAULT 0.95)
RETURNS TABLE (item text, estimate float8, lower float8, upper float8, se float8)
AS 'MODULE_PATHNAME', 'bt_ci'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_ci(@extschema@.bt_bootstrap_state, text, float8, text, boolean, text, text, float8, int, float8, float8) IS
'per item: the Bradley-Terry score of all the rows, the percentile bootstrap interval at the level and the bootstrap standard error, over the replicates whose fit did not fail';

CREATE FUNCTION @extschema@.bt_ci_predict(
	s @extschema@.bt_bootstrap_state,
	first_item text,
	second_item text,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9,
	level float8 DEFAULT 0.95,
	OUT estimate float8, OUT lower float8, OUT upper float8, OUT se float8)
RETURNS record
AS 'MODULE_PATHNAME', 'bt_ci_predict'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_ci_predict(@extschema@.bt_bootstrap_state, text, text, text, float8, text, boolean, text, text, float8, int, float8, float8) IS
'P(first_item beats second_item) as bt_predict gives it, with its percentile bootstrap interval and standard error';

CREATE FUNCTION @extschema@.bt_ci_summary(
	s @extschema@.bt_bootstrap_state,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9,
	level float8 DEFAULT 0.95)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'bt_ci_summary'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bt_ci_summary(@extschema@.bt_bootstrap_state, text, float8, text, boolean, text, text, float8, int, float8, float8) IS
'the bootstrap''s replicates, the share whose fit failed or did not converge, and the intervals of the position effect and the tie parameter';
