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

-- @upgrade reward_refit {
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

-- the layout of calibration_history (60_operations.sql): one measure step
-- (prefcal_measure_holdout) appends to either
CREATE TABLE @extschema@.reward_calibration_history (
	LIKE @extschema@.calibration_history INCLUDING DEFAULTS INCLUDING INDEXES,
	FOREIGN KEY (name) REFERENCES @extschema@.reward_job_store (name) ON DELETE CASCADE,
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
	PERFORM @extschema@.prefcal_check_fit_options(fit_options,
		ARRAY['position_effect', 'prior', 'objective', 'brier_weight', 'augment', 'spurious',
			  'max_iter', 'tol', 'standardize'], 'reward_fit');
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
	wm_type := @extschema@.prefcal_column_type(src, j.watermark_column, 'watermark column');

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
			tol => coalesce((o->>'tol')::float8, 1e-9),
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

-- step 2: calibration of a stored version on the hold-out relation (NULL
-- without a hold-out relation or without that version)
CREATE FUNCTION @extschema@.prefcal_reward_refit_measure(job text, model_version integer)
RETURNS @extschema@.calibration_state
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT @extschema@.prefcal_measure_holdout('@extschema@.reward_calibration_history', j.name, ms.version,
		ms.model, pg_catalog.format('%I.%I', j.holdout_schema, j.holdout_table)::pg_catalog.regclass,
		pg_catalog.format('@extschema@.reward_predict_shown($1, %I, %I)',
			j.first_features_column, j.second_features_column),
		j.outcome_column)
	FROM @extschema@.reward_job_store j
	JOIN @extschema@.reward_model_store ms ON ms.name = j.name
	WHERE j.name = job AND ms.version = model_version AND j.holdout_table IS NOT NULL
$$;

COMMENT ON FUNCTION @extschema@.prefcal_reward_refit_measure(text, integer) IS
'reward refit step 2: calibration of a stored reward model version on the job''s hold-out relation, appended to reward_calibration_history';

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
-- @upgrade }
