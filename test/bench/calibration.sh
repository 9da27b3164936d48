#!/bin/bash
# test/bench/calibration.sh: time the calibration aggregates against core's
# avg(p)/sum(p) (the executor's floor) and against plain SQL, on one cached
# table, serial and with 2 parallel workers.
#
# Usage: PG* environment pointing at a cluster where prefcal is installed
# (test/bench/run.sh sets one up), then
#
#   BENCH_ROWS=10000000 BENCH_REPS=7 test/bench/calibration.sh
#
#   BENCH_ROWS   rows in the table (default 10000000)
#   BENCH_REPS   repetitions of each query per mode (default 7); the median
#                is reported
#   BENCH_KEEP   set to keep the table afterwards (it is reused when it
#                already has BENCH_ROWS rows)
#
# Method.  Every query runs as EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)
# and we read its "Execution Time": this is the executor's time inside the
# server, without planning, client round trips or result transfer, and
# TIMING OFF avoids the per-row clock reads that EXPLAIN ANALYZE otherwise
# adds (only per-node row counters remain, the same for every query).  All
# queries run in one session, interleaved (each repetition runs every
# query once, in a rotated order) so that drifts in machine load hit every
# query alike.  The table is VACUUMed (all-visible, hint bits set) and
# read once before timing.  Ratios are medians over medians: "x avg" is
# the query's time over avg(p)'s time in the same mode; the parallel
# speed-up is the serial median over the parallel one.  count(y) is timed
# as the floor: the same scan and the same two columns with a transition
# that only counts, so plain SQL over count(y) bounds what any aggregate
# could gain over plain SQL in that mode.  Last, avg(p) over
# a 1000-row table, serial and parallel: the difference is what starting
# two workers (and waiting for them to exit) costs on this machine, paid
# once per parallel query; then that time split at the query's first row.
set -euo pipefail

ROWS=${BENCH_ROWS:-10000000}
REPS=${BENCH_REPS:-7}
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

echo "== calibration benchmark: $ROWS rows, $REPS repetitions, median ms =="

# shellcheck source=test/bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_table bench_calibration "$ROWS" "$(bench_calibration_rows "$ROWS")"
# The plain SQL ECE groups by an expression the planner has no statistics
# for: it would guess one group per row and, with 2 workers, sort all 10M
# rows to disk for a Gather Merge (several times slower than serial).
# Statistics on the expression give it the plan an analyst would want, a
# partial hash aggregate of 15 groups in each worker.
"${PSQL[@]}" <<'SQL'
ALTER TABLE bench_calibration SET (parallel_workers = 2);
CREATE STATISTICS IF NOT EXISTS bench_calibration_bin
	ON (greatest(ceil(p * 15)::int, 1)) FROM bench_calibration;
VACUUM (ANALYZE) bench_calibration;
SQL

"${PSQL[@]}" -v reps="$REPS" <<'SQL'
SET max_parallel_workers_per_gather = 0;
SELECT count(*) AS warm FROM bench_calibration \gset
SELECT sum(p) AS warm FROM bench_calibration \gset

CREATE TEMP TABLE bench_q (id int, name text, q text);
INSERT INTO bench_q VALUES
 (1, 'avg(p)', 'SELECT avg(p) FROM bench_calibration'),
 (2, 'sum(p)', 'SELECT sum(p) FROM bench_calibration'),
 (3, 'brier_score(p,y)', 'SELECT brier_score(p, y) FROM bench_calibration'),
 (4, 'ece_agg(p,y)', 'SELECT ece_agg(p, y) FROM bench_calibration'),
 (5, 'plain SQL Brier', 'SELECT avg((p - y::int) ^ 2) FROM bench_calibration'),
 (6, 'plain SQL ECE',
  'SELECT sum(n * abs(my - mp)) / sum(n) FROM (SELECT greatest(ceil(p * 15)::int, 1) AS b, count(*) AS n, '
  'avg(p) AS mp, avg(y::int) AS my FROM bench_calibration GROUP BY 1) s'),
 (7, 'log_loss(p,y)', 'SELECT log_loss(p, y) FROM bench_calibration'),
 (8, 'calibration_state_agg(p,y)', 'SELECT calibration_state_agg(p, y) FROM bench_calibration'),
 (9, 'count(y)', 'SELECT count(y) FROM bench_calibration');

CREATE TEMP TABLE bench_t (mode text, id int, rep int, ms float8);

CREATE FUNCTION pg_temp.bench_ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	j json;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || q INTO j;
	RETURN (j -> 0 ->> 'Execution Time')::float8;
END $$;

CREATE FUNCTION pg_temp.bench_run(reps int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	nq int := (SELECT count(*) FROM bench_q);
	r record;
	m text;
BEGIN
	FOR rep IN 1 .. reps LOOP
		FOREACH m IN ARRAY ARRAY['serial', 'parallel 2'] LOOP
			IF m = 'serial' THEN
				PERFORM set_config('max_parallel_workers_per_gather', '0', false);
			ELSE
				PERFORM set_config('max_parallel_workers_per_gather', '2', false);
				PERFORM set_config('parallel_setup_cost', '0', false);
				PERFORM set_config('parallel_tuple_cost', '0', false);
			END IF;
			-- rotate the order each repetition
			FOR r IN SELECT * FROM bench_q ORDER BY (id + rep) % nq LOOP
				INSERT INTO bench_t VALUES (m, r.id, rep, pg_temp.bench_ms(r.q));
			END LOOP;
		END LOOP;
	END LOOP;
END $$;

SELECT pg_temp.bench_run(:reps) \gset

WITH med AS (
	SELECT mode, id, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
	FROM bench_t GROUP BY mode, id)
SELECT m.mode, q.name AS query, round(m.ms::numeric, 1) AS median_ms,
       round((m.ms / a.ms)::numeric, 2) AS "x avg(p)",
       CASE q.id WHEN 3 THEN round((pb.ms / m.ms)::numeric, 2)
                 WHEN 4 THEN round((pe.ms / m.ms)::numeric, 2) END AS "speedup vs plain SQL"
FROM med m JOIN bench_q q USING (id)
JOIN med a ON a.mode = m.mode AND a.id = 1
JOIN med pb ON pb.mode = m.mode AND pb.id = 5
JOIN med pe ON pe.mode = m.mode AND pe.id = 6
ORDER BY m.mode DESC, q.id;

SELECT 'targets' AS check, m.mode,
       bool_and(CASE q.id WHEN 3 THEN m.ms <= a.ms * 1.0 WHEN 4 THEN m.ms <= a.ms * 1.1 END) AS "ratio targets met",
       bool_and(CASE q.id WHEN 3 THEN pb.ms >= 2 * m.ms WHEN 4 THEN pe.ms >= 2 * m.ms END) AS "2x plain SQL met"
FROM (SELECT mode, id, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bench_t GROUP BY 1, 2) m
JOIN bench_q q USING (id)
JOIN (SELECT mode, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bench_t WHERE id = 1 GROUP BY 1) a USING (mode)
JOIN (SELECT mode, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bench_t WHERE id = 5 GROUP BY 1) pb USING (mode)
JOIN (SELECT mode, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bench_t WHERE id = 6 GROUP BY 1) pe USING (mode)
WHERE q.id IN (3, 4)
GROUP BY m.mode ORDER BY m.mode DESC;

-- The floor under every aggregate of (p, y): count(y) reads the same two
-- columns per row and its transition (int8inc_any) does nothing but add
-- one.  Plain SQL over it is the most any transition function, however
-- cheap, could be faster than plain SQL in this mode on this machine.
WITH med AS (
	SELECT mode, id, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
	FROM bench_t GROUP BY mode, id)
SELECT f.mode, round((pb.ms / f.ms)::numeric, 2) AS "plain SQL Brier / count(y)",
       round((pe.ms / f.ms)::numeric, 2) AS "plain SQL ECE / count(y)",
       round((b.ms / f.ms)::numeric, 2) AS "brier_score / count(y)"
FROM med f
JOIN med pb ON pb.mode = f.mode AND pb.id = 5
JOIN med pe ON pe.mode = f.mode AND pe.id = 6
JOIN med b ON b.mode = f.mode AND b.id = 3
WHERE f.id = 9
ORDER BY f.mode DESC;

-- parallel speed-up per query (serial median over parallel median)
SELECT q.name AS query, round((s.ms / p.ms)::numeric, 2) AS "serial / parallel 2"
FROM (SELECT id, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bench_t WHERE mode = 'serial' GROUP BY 1) s
JOIN (SELECT id, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bench_t WHERE mode = 'parallel 2' GROUP BY 1) p USING (id)
JOIN bench_q q USING (id) ORDER BY id;

-- what a parallel plan costs before it reads a row: the same avg(p) over
-- 1000 rows, serial and with 2 workers (their start-up, on this machine)
CREATE UNLOGGED TABLE bench_calibration_tiny AS SELECT * FROM bench_calibration LIMIT 1000;
ALTER TABLE bench_calibration_tiny SET (parallel_workers = 2);
VACUUM (ANALYZE) bench_calibration_tiny;
TRUNCATE bench_t;
DO $$
DECLARE
	j json;
	first float8;
BEGIN
	PERFORM set_config('min_parallel_table_scan_size', '0', false);
	FOR rep IN 1 .. 15 LOOP
		PERFORM set_config('max_parallel_workers_per_gather', '0', false);
		INSERT INTO bench_t VALUES ('serial', 1, rep, pg_temp.bench_ms('SELECT avg(p) FROM bench_calibration_tiny'));
		PERFORM set_config('max_parallel_workers_per_gather', '2', false);
		-- with timing on (the plan is one scan of 1000 rows), to split the
		-- time at the top node's first row: that comes once the workers
		-- have sent their results; what follows, to the end of the query,
		-- is the leader waiting for the workers to exit (the Gather's
		-- shutdown, which EXPLAIN ANALYZE times as part of the nodes above)
		EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) SELECT avg(p) FROM bench_calibration_tiny' INTO j;
		first := (j -> 0 -> 'Plan' ->> 'Actual Startup Time')::float8;
		INSERT INTO bench_t VALUES ('parallel 2', 1, rep, (j -> 0 ->> 'Execution Time')::float8),
			('first row', 2, rep, first),
			('after the first row', 2, rep, (j -> 0 ->> 'Execution Time')::float8 - first);
	END LOOP;
END $$;
SELECT mode, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS "avg(p) over 1000 rows, median ms"
FROM bench_t WHERE id = 1 GROUP BY mode ORDER BY mode DESC;
SELECT mode AS "parallel avg(p) over 1000 rows", round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS "median ms"
FROM bench_t WHERE id = 2 GROUP BY mode ORDER BY mode DESC;
DROP TABLE bench_calibration_tiny;
SQL

if [ -z "${BENCH_KEEP:-}" ]; then
	"${PSQL[@]}" -c "DROP TABLE bench_calibration"
fi
