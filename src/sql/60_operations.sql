-- src/sql/60_operations.sql: stored states and models, scheduled refits
-- and calibration history (doc/pg_cron.md).
--
-- A refit job is registered once (prefcal_register_refit) and run by
-- CALL prefcal_refit(name), for example from pg_cron.  Each run folds only
-- the source rows above the stored watermark into the stored bt_state
-- (bt_state_merge), refits with the stored options, stores the model as a
-- new version and, if a hold-out relation is registered, appends its
-- calibration to calibration_history.  The three tables are extension
-- configuration tables: pg_dump keeps their rows.
--
-- Relations are stored by schema and name (not regclass: pg_upgrade refuses
-- reg* columns in user tables) and resolved at each run.

CREATE TABLE @extschema@.bt_state_store (
	name text PRIMARY KEY,
	source_schema name NOT NULL,
	source_table name NOT NULL,
	first_column name NOT NULL,
	second_column name NOT NULL,
	outcome_column name NOT NULL,
	weight_column name,
	watermark_column name NOT NULL,
	watermark text,
	counts @extschema@.bt_state,
	rows_folded bigint NOT NULL DEFAULT 0,
	fit_options jsonb NOT NULL DEFAULT '{}',
	holdout_schema name,
	holdout_table name,
	registered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at timestamptz,
	CHECK ((holdout_schema IS NULL) = (holdout_table IS NULL))
);

COMMENT ON TABLE @extschema@.bt_state_store IS
'refit jobs: the source relation and columns, the watermark of the last folded row and the pair counts folded so far';

CREATE TABLE @extschema@.bt_model_store (
	name text NOT NULL REFERENCES @extschema@.bt_state_store (name) ON DELETE CASCADE,
	version integer NOT NULL,
	model @extschema@.bt_model NOT NULL,
	fitted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	rows_folded bigint NOT NULL,
	watermark text,
	options jsonb NOT NULL,
	PRIMARY KEY (name, version)
);

COMMENT ON TABLE @extschema@.bt_model_store IS
'every model a refit job stored, by version (1, 2, ...), with the rows and watermark it was fitted on';

CREATE TABLE @extschema@.calibration_history (
	name text NOT NULL REFERENCES @extschema@.bt_state_store (name) ON DELETE CASCADE,
	version integer NOT NULL,
	measured_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	n float8,
	brier float8,
	ece float8,
	mce float8,
	log_loss float8,
	state @extschema@.calibration_state,
	PRIMARY KEY (name, version, measured_at),
	FOREIGN KEY (name, version) REFERENCES @extschema@.bt_model_store (name, version) ON DELETE CASCADE
);

COMMENT ON TABLE @extschema@.calibration_history IS
'calibration of each stored model version on the job''s hold-out relation: P(first-shown wins) against the outcome, 15 bins';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.bt_state_store', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bt_model_store', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calibration_history', '');

-- @upgrade prefcal_column_type {
-- the type of a column of a refit source, with its modifier (format_type);
-- what names the column in the error when it does not exist
CREATE FUNCTION @extschema@.prefcal_column_type(rel regclass, col name, what text DEFAULT 'column')
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	typ text;
BEGIN
	SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO typ
	FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
	IF typ IS NULL THEN
		RAISE EXCEPTION '% "%" of relation % does not exist', what, col, rel
			USING ERRCODE = 'undefined_column';
	END IF;
	RETURN typ;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_column_type(regclass, name, text) IS
'internal: the type (with modifier) of a column of a refit source';
-- @upgrade }

-- @upgrade prefcal_column_expr {
-- the SQL expression of one column, cast for the aggregates: items to text
-- or bigint, outcomes and weights to float8
CREATE FUNCTION @extschema@.prefcal_column_expr(rel regclass, col name, kind text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	typ regtype;
BEGIN
	typ := @extschema@.prefcal_column_type(rel, col)::pg_catalog.regtype;
	IF kind = 'item' THEN
		IF typ IN ('bigint'::regtype, 'integer'::regtype, 'smallint'::regtype) THEN
			RETURN pg_catalog.format('(%I)::pg_catalog.int8', col);
		END IF;
		RETURN pg_catalog.format('(%I)::pg_catalog.text', col);
	END IF;
	IF typ = 'boolean'::regtype THEN
		RETURN pg_catalog.format('(%I)::pg_catalog.int4::pg_catalog.float8', col);
	END IF;
	RETURN pg_catalog.format('(%I)::pg_catalog.float8', col);
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_column_expr(regclass, name, text) IS
'internal: quoted, cast expression for a column of a refit source';
-- @upgrade }

-- @upgrade prefcal_check_fit_options {
-- the fit options a refit job is registered with: a JSON object whose keys
-- are options of its fit function (fitter, whose options known lists)
CREATE FUNCTION @extschema@.prefcal_check_fit_options(fit_options jsonb, known text[], fitter text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	k text;
BEGIN
	IF pg_catalog.jsonb_typeof(fit_options) <> 'object' THEN
		RAISE EXCEPTION 'fit_options must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR k IN SELECT pg_catalog.jsonb_object_keys(fit_options) LOOP
		IF k <> ALL (known) THEN
			RAISE EXCEPTION 'unknown fit option "%"', k
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = pg_catalog.format('Known options: %s (those of %s).',
											   pg_catalog.array_to_string(known, ', '), fitter);
		END IF;
	END LOOP;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_check_fit_options(jsonb, text[], text) IS
'internal: refuse fit options that are not a JSON object of the fit function''s option names';
-- @upgrade }

-- @upgrade prefcal_measure_holdout {
-- the measure step of a refit job: the calibration (15 bins) of a stored
-- model on the hold-out relation, prediction an expression of a hold-out
-- row in which $1 is the model, appended to the job's history table
CREATE FUNCTION @extschema@.prefcal_measure_holdout(history regclass, job text, model_version integer,
													model anyelement, holdout regclass, prediction text,
													outcome_column name)
RETURNS @extschema@.calibration_state
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	st @extschema@.calibration_state;
BEGIN
	EXECUTE pg_catalog.format(
		'SELECT @extschema@.calibration_state_agg(%1$s, %2$s, 15) FROM %3$s',
		prediction, @extschema@.prefcal_column_expr(holdout, outcome_column, 'value'), holdout)
	INTO st USING model;
	IF st IS NOT NULL THEN
		EXECUTE pg_catalog.format(
			'INSERT INTO %s (name, version, measured_at, n, brier, ece, mce, log_loss, state) '
			'VALUES ($1, $2, pg_catalog.clock_timestamp(), @extschema@.calibration_n($3), '
			'@extschema@.calibration_brier($3), @extschema@.calibration_ece($3), '
			'@extschema@.calibration_mce($3), @extschema@.calibration_log_loss($3), $3)',
			history)
		USING job, model_version, st;
	END IF;
	RETURN st;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_measure_holdout(regclass, text, integer, anyelement, regclass, text, name) IS
'internal: calibration of a stored model on a refit job''s hold-out relation, appended to the job''s history table';
-- @upgrade }

-- @upgrade prefcal_register_refit {
CREATE FUNCTION @extschema@.prefcal_register_refit(
	job text,
	source regclass,
	first_column name,
	second_column name,
	outcome_column name,
	watermark_column name,
	weight_column name DEFAULT NULL,
	fit_options jsonb DEFAULT '{}',
	holdout regclass DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	col name;
	rel regclass;
BEGIN
	IF job IS NULL OR source IS NULL OR first_column IS NULL OR second_column IS NULL
	   OR outcome_column IS NULL OR watermark_column IS NULL OR fit_options IS NULL THEN
		RAISE EXCEPTION 'refit registration needs a name, a source, its item, outcome and watermark columns, and fit options'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM @extschema@.prefcal_check_fit_options(fit_options,
		ARRAY['ties', 'prior', 'reference', 'position_effect', 'augment', 'objective',
			  'brier_weight', 'max_iter', 'tol'], 'bt_fit');
	IF EXISTS (SELECT 1 FROM @extschema@.bt_state_store s WHERE s.name = job) THEN
		RAISE EXCEPTION 'refit job "%" is already registered', job
			USING ERRCODE = 'duplicate_object',
				  HINT = 'Delete its row from bt_state_store first (its models and history go with it).';
	END IF;
	-- every column must exist (raises 42703 otherwise)
	FOREACH col IN ARRAY ARRAY[first_column, second_column, outcome_column, watermark_column] LOOP
		PERFORM @extschema@.prefcal_column_expr(source, col, 'value');
	END LOOP;
	IF weight_column IS NOT NULL THEN
		PERFORM @extschema@.prefcal_column_expr(source, weight_column, 'value');
	END IF;
	IF holdout IS NOT NULL THEN
		FOREACH col IN ARRAY ARRAY[first_column, second_column, outcome_column] LOOP
			PERFORM @extschema@.prefcal_column_expr(holdout, col, 'value');
		END LOOP;
	END IF;

	INSERT INTO @extschema@.bt_state_store
		(name, source_schema, source_table, first_column, second_column, outcome_column,
		 weight_column, watermark_column, fit_options, holdout_schema, holdout_table)
	SELECT job, sn.nspname, sc.relname,
		   first_column, second_column, outcome_column,
		   weight_column, watermark_column, fit_options, hn.nspname, hc.relname
	FROM pg_catalog.pg_class sc
	JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
	LEFT JOIN pg_catalog.pg_class hc ON hc.oid = holdout
	LEFT JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace
	WHERE sc.oid = source;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_register_refit(text, regclass, name, name, name, name, name, jsonb, regclass) IS
'register a refit job: rows of source (first-shown item, second item, outcome 1/0/0.5 or boolean, optional weight) folded above a watermark column; bt_fit options; optional hold-out relation with the same columns';
-- @upgrade }

-- @upgrade prefcal_source_relations {
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
	wm_typename := @extschema@.prefcal_column_type(source, watermark_column, 'watermark column');
	wm_type := wm_typename::pg_catalog.regtype;

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
-- @upgrade }

-- @upgrade prefcal_refit_fold {
-- step 1 of a refit: fold the new rows into the stored counts
-- (the watermark is kept as text: the settings below make that text the
-- same whatever the session's DateStyle, TimeZone or extra_float_digits)
CREATE FUNCTION @extschema@.prefcal_refit_fold(job text, OUT new_rows bigint, OUT watermark text)
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
	wm_type := @extschema@.prefcal_column_type(src, j.watermark_column, 'watermark column');

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
-- @upgrade }

-- @upgrade prefcal_refit_fold_2 {
COMMENT ON FUNCTION @extschema@.prefcal_refit_fold(text) IS
'refit step 1: fold the source rows above the stored watermark into the stored bt_state; returns the rows folded and the new watermark';
-- @upgrade }

-- step 2: fit the stored counts with the stored options, store a version
CREATE FUNCTION @extschema@.prefcal_refit_fit(job text)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j @extschema@.bt_state_store;
	o jsonb;
	m @extschema@.bt_model;
	v integer;
BEGIN
	SELECT * INTO j FROM @extschema@.bt_state_store s WHERE s.name = job;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'refit job "%" is not registered', job
			USING ERRCODE = 'undefined_object';
	END IF;
	IF j.counts IS NULL THEN
		RETURN NULL;
	END IF;
	o := j.fit_options;
	m := @extschema@.bt_fit(j.counts,
			ties => coalesce(o->>'ties', 'half'),
			prior => coalesce((o->>'prior')::float8, 0),
			reference => o->>'reference',
			position_effect => coalesce((o->>'position_effect')::boolean, false),
			augment => coalesce(o->>'augment', 'none'),
			objective => coalesce(o->>'objective', 'logloss'),
			brier_weight => coalesce((o->>'brier_weight')::float8, 1),
			max_iter => coalesce((o->>'max_iter')::integer, 100),
			tol => coalesce((o->>'tol')::float8, 1e-9));
	SELECT coalesce(pg_catalog.max(ms.version), 0) + 1 INTO v
	FROM @extschema@.bt_model_store ms WHERE ms.name = job;
	INSERT INTO @extschema@.bt_model_store (name, version, model, fitted_at, rows_folded, watermark, options)
	VALUES (job, v, m, pg_catalog.clock_timestamp(), j.rows_folded, j.watermark, o);
	RETURN v;
END
$$;

COMMENT ON FUNCTION @extschema@.prefcal_refit_fit(text) IS
'refit step 2: fit the stored counts with the stored bt_fit options and store the model as the next version';

-- @upgrade prefcal_refit_measure {
-- step 3: calibration of a stored version on the hold-out relation
CREATE FUNCTION @extschema@.prefcal_refit_measure(job text, model_version integer)
RETURNS @extschema@.calibration_state
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j @extschema@.bt_state_store;
	h regclass;
	m @extschema@.bt_model;
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
	RETURN @extschema@.prefcal_measure_holdout('@extschema@.calibration_history', job, model_version, m, h,
		pg_catalog.format('@extschema@.bt_predict_shown($1, %s, %s)',
			@extschema@.prefcal_column_expr(h, j.first_column, 'item'),
			@extschema@.prefcal_column_expr(h, j.second_column, 'item')),
		j.outcome_column);
END
$$;
-- @upgrade }

COMMENT ON FUNCTION @extschema@.prefcal_refit_measure(text, integer) IS
'refit step 3: calibration of a stored model version on the job''s hold-out relation (P(first-shown wins) against the outcome), appended to calibration_history';

-- @upgrade prefcal_refit {
-- The whole refit as one CALL, for pg_cron.  Procedures that COMMIT cannot
-- carry a SET clause, so the search_path is pinned with set_config at the
-- start of every transaction instead, and each step is a function with its
-- own SET clause.
CREATE PROCEDURE @extschema@.prefcal_refit(job text, force boolean DEFAULT false)
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
-- @upgrade }

-- @upgrade prefcal_refit_2 {
COMMENT ON PROCEDURE @extschema@.prefcal_refit(text, boolean) IS
'run a registered refit job: fold new rows, refit, store the version, measure hold-out calibration; commits between steps; skips if the job is already running (advisory lock); force refits without new rows';
-- @upgrade }

CREATE FUNCTION @extschema@.prefcal_latest_model(job text)
RETURNS @extschema@.bt_model
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ms.model FROM @extschema@.bt_model_store ms
	WHERE ms.name = job ORDER BY ms.version DESC LIMIT 1
$$;

COMMENT ON FUNCTION @extschema@.prefcal_latest_model(text) IS
'the newest stored model version of a refit job';
