-- operations: refit jobs without pg_cron (test/t/060_pg_cron.t runs them
-- under pg_cron): registration checks, incremental folds equal a rescan,
-- versions, history, boolean outcomes and integer items, weights, errors.
CREATE TABLE ops_judgments (id bigserial PRIMARY KEY, first_item text NOT NULL,
                            second_item text NOT NULL, outcome float8 NOT NULL,
                            w float8 NOT NULL DEFAULT 1);
CREATE FUNCTION ops_add(n int, seed int) RETURNS void LANGUAGE sql AS $f$
  INSERT INTO ops_judgments (first_item, second_item, outcome, w)
  SELECT 'i' || a, 'i' || b,
         CASE WHEN (hashint4(g + seed) & 1023) / 1024.0 < 1 / (1 + exp(-(a - b) * 0.4 - 0.2)) THEN 1 ELSE 0 END,
         1 + (g % 3)
  FROM generate_series(1, n) g,
       LATERAL (SELECT g % 4 AS a, (g % 4 + 1 + (g / 4) % 3) % 4 AS b) ab
$f$;
SELECT ops_add(300, 0);
CREATE VIEW ops_holdout AS SELECT first_item, second_item, outcome FROM ops_judgments WHERE id % 3 = 0;

-- registration
SELECT prefcal_register_refit('ops', 'ops_judgments', 'first_item', 'second_item', 'outcome', 'id',
       weight_column => 'w', fit_options => '{"position_effect": true}', holdout => 'ops_holdout');
SELECT name, source_schema, source_table, watermark, counts IS NULL AS no_counts, rows_folded, fit_options,
       holdout_table FROM bt_state_store;

-- first run: everything folded, version 1, one history row
CALL prefcal_refit('ops');
SELECT watermark, rows_folded FROM bt_state_store WHERE name = 'ops';
SELECT (SELECT counts::text FROM bt_state_store) =
       (SELECT bt_state_agg(first_item, second_item, outcome, w)::text FROM ops_judgments) AS counts_eq_rescan;
SELECT version, rows_folded, watermark, options FROM bt_model_store ORDER BY version;
SELECT version, n, abs(brier - (SELECT brier_score(bt_predict_shown(prefcal_latest_model('ops'), first_item, second_item), outcome)
                                 FROM ops_holdout)) < 1e-12 AS brier_ok,
       abs(ece - (SELECT ece_agg(bt_predict_shown(prefcal_latest_model('ops'), first_item, second_item), outcome, 15)
                   FROM ops_holdout)) < 1e-12 AS ece_ok
FROM calibration_history ORDER BY version;
SELECT prefcal_latest_model('ops')::text = (SELECT bt_fit(counts, position_effect => true)::text FROM bt_state_store) AS latest_is_fit;

-- nothing new: no new version; force: a new version
CALL prefcal_refit('ops');
CALL prefcal_refit('ops', force => true);
SELECT string_agg(version || ':' || rows_folded, ',' ORDER BY version) FROM bt_model_store;

-- new rows, in two batches: folded incrementally, equal to a rescan
SELECT ops_add(50, 1);
CALL prefcal_refit('ops');
SELECT ops_add(25, 2);
CALL prefcal_refit('ops');
SELECT watermark, rows_folded FROM bt_state_store WHERE name = 'ops';
SELECT (SELECT counts::text FROM bt_state_store) =
       (SELECT bt_state_agg(first_item, second_item, outcome, w)::text FROM ops_judgments) AS counts_eq_rescan;
SELECT count(*) AS history_rows FROM calibration_history;

-- boolean outcomes, bigint items, a timestamp watermark, no hold-out
CREATE TABLE ops_bool (ts timestamptz NOT NULL, a bigint, b bigint, a_won boolean);
INSERT INTO ops_bool SELECT '2026-01-01 00:00+00'::timestamptz + g * interval '1 minute', g % 3, (g + 1) % 3, g % 5 < 3
FROM generate_series(1, 60) g;
SELECT prefcal_register_refit('ops_bool', 'ops_bool', 'a', 'b', 'a_won', 'ts');
CALL prefcal_refit('ops_bool');
SELECT watermark, rows_folded FROM bt_state_store WHERE name = 'ops_bool';
SELECT (SELECT counts::text FROM bt_state_store WHERE name = 'ops_bool') =
       (SELECT bt_state_agg(a, b, a_won::int::float8, 1.0)::text FROM ops_bool) AS counts_eq_rescan;
SELECT count(*) AS history_rows FROM calibration_history WHERE name = 'ops_bool';
-- the watermark's text does not depend on the session's settings
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Asia/Tokyo';
INSERT INTO ops_bool VALUES ('2026-01-01 00:59:30+00', 0, 1, true), ('2026-01-01 02:00+00', 0, 1, true);
CALL prefcal_refit('ops_bool');
RESET DateStyle;
RESET TimeZone;
-- the row at 00:59:30, below the watermark when it arrived, is never folded
-- (doc/pg_cron.md, "late commits"); the one at 02:00 is
SELECT watermark, rows_folded FROM bt_state_store WHERE name = 'ops_bool';

-- configuration tables are dumped by pg_dump
SELECT c.relname FROM pg_extension e CROSS JOIN unnest(e.extconfig) AS cfg(relid)
JOIN pg_class c ON c.oid = cfg.relid WHERE e.extname = 'prefcal' ORDER BY 1;

-- errors
\set VERBOSITY terse
SELECT prefcal_register_refit('ops', 'ops_judgments', 'first_item', 'second_item', 'outcome', 'id');
\echo :LAST_ERROR_SQLSTATE
SELECT prefcal_register_refit('x', 'ops_judgments', 'first_item', 'nope', 'outcome', 'id');
\echo :LAST_ERROR_SQLSTATE
SELECT prefcal_register_refit('x', 'ops_judgments', 'first_item', 'second_item', 'outcome', 'id', fit_options => '{"bogus": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT prefcal_register_refit('x', 'ops_judgments', 'first_item', 'second_item', 'outcome', 'id', fit_options => '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT prefcal_register_refit('x', 'ops_judgments', 'first_item', 'second_item', 'outcome', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT prefcal_register_refit('x', 'no_such_table', 'first_item', 'second_item', 'outcome', 'id');
\echo :LAST_ERROR_SQLSTATE
CALL prefcal_refit('nope');
\echo :LAST_ERROR_SQLSTATE
-- bad stored options surface from bt_fit at the fit step
UPDATE bt_state_store SET fit_options = '{"ties": "sometimes"}' WHERE name = 'ops';
\set VERBOSITY sqlstate
CALL prefcal_refit('ops', force => true);
\set VERBOSITY default
-- the lock was taken by this session and the failed CALL kept it: release
SELECT pg_advisory_unlock_all();

-- deleting a job deletes its models and history
DELETE FROM bt_state_store WHERE name = 'ops';
SELECT count(*) AS models_left FROM bt_model_store WHERE name = 'ops';
SELECT count(*) AS history_left FROM calibration_history WHERE name = 'ops';
DELETE FROM bt_state_store;
DROP TABLE ops_bool;
DROP VIEW ops_holdout;
DROP TABLE ops_judgments;
DROP FUNCTION ops_add(int, int);

-- the relations a refit waits on (doc/pg_cron.md, "Concurrent writers"):
-- a view's base tables, recursively, and every inheritance child and
-- partition
CREATE TABLE ops_part (id bigserial, first_item text, second_item text, outcome float8)
  PARTITION BY RANGE (id);
CREATE TABLE ops_part_1 PARTITION OF ops_part FOR VALUES FROM (1) TO (1000);
CREATE TABLE ops_part_2 PARTITION OF ops_part FOR VALUES FROM (1000) TO (MAXVALUE);
CREATE TABLE ops_parent (id bigint, first_item text, second_item text, outcome float8);
CREATE TABLE ops_child () INHERITS (ops_parent);
CREATE VIEW ops_v1 AS SELECT * FROM ops_part WHERE outcome IN (0, 1);
CREATE TABLE ops_bare (id bigint);
CREATE VIEW ops_v2 AS
  SELECT id, first_item, second_item, outcome FROM ops_v1
  UNION ALL
  SELECT id, first_item, second_item, outcome FROM ops_parent
  WHERE id IN (SELECT id FROM ops_bare);
SELECT r::text AS relation FROM unnest(prefcal_source_relations('ops_v2')) r ORDER BY 1;
SELECT prefcal_source_relations('ops_bare');
-- with no writer open the wait returns at once: 0 still running
SELECT prefcal_await_writers(prefcal_source_relations('ops_v2'), '1s');
-- a settled watermark: from none, the last key; from the last key, itself
INSERT INTO ops_part (first_item, second_item, outcome) VALUES ('a', 'b', 1), ('b', 'a', 0);
SELECT prefcal_settled_watermark('ops_v2', 'id', NULL) AS from_nothing,
       prefcal_settled_watermark('ops_v2', 'id', '2') AS nothing_new;
-- errors: negative or month timeouts (22023), an unknown column (42703),
-- a REPEATABLE READ transaction (25000)
SELECT prefcal_await_writers('{ops_bare}', '-1 s');
\echo :LAST_ERROR_SQLSTATE
SELECT prefcal_await_writers('{ops_bare}', '1 mon');
\echo :LAST_ERROR_SQLSTATE
SELECT prefcal_settled_watermark('ops_v2', 'nope', NULL);
\echo :LAST_ERROR_SQLSTATE
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT prefcal_settled_watermark('ops_v2', 'id', NULL);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- the procedure commits: inside a transaction block it fails at once
BEGIN;
CALL prefcal_refit('nope');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
DROP VIEW ops_v2;
DROP VIEW ops_v1;
DROP TABLE ops_part, ops_parent, ops_child, ops_bare;
