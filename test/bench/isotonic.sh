#!/bin/bash
# test/bench/isotonic.sh: isotonic_scaling against one calibration_state_agg scan
# of the same table, and against exporting the rows and fitting
# scikit-learn's IsotonicRegression, in one run.
#
# Usage: PG* environment pointing at a cluster where prefcal is installed
# (test/bench/run.sh sets one up), then
#
#   BENCH_ROWS=10000000 BENCH_DISTINCT=100000 BENCH_REPS=5 test/bench/isotonic.sh
#
#   BENCH_ROWS      rows in the table (default 10000000)
#   BENCH_DISTINCT  distinct predictions (default 100000): p = k / BENCH_DISTINCT
#   BENCH_REPS      repetitions of each in-database query (default 5); the
#                   median is reported
#   BENCH_KEEP      set to keep the table afterwards (it is reused when it
#                   already has BENCH_ROWS rows)
#   BENCH_NO_SKLEARN  set to skip the scikit-learn comparison
#
# Method.  The in-database queries run serially (no parallel workers) as
# EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON), reading "Execution Time",
# interleaved in a rotated order in one session, as calibration.sh does;
# count(y) is the floor (the same scan and columns, a transition that only
# counts).  The scikit-learn pipeline is what an analyst runs instead: COPY
# the (p, y) rows out through psycopg2 into numpy arrays, fit
# IsotonicRegression(out_of_bounds='clip'), timed end to end (export and
# fit also shown apart), best of two runs.  It needs python3 with numpy,
# scikit-learn and psycopg2 (Debian: python3-sklearn python3-psycopg2) and
# is skipped, with a note, where they are missing.  The script also checks
# that the two fits agree (largest difference of their predictions at 1001
# points).
set -euo pipefail

ROWS=${BENCH_ROWS:-10000000}
DISTINCT=${BENCH_DISTINCT:-100000}
REPS=${BENCH_REPS:-5}
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}

echo "== isotonic benchmark: $ROWS rows, $DISTINCT distinct p, $REPS repetitions, median ms =="

# shellcheck source=test/bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_table bench_isotonic "$ROWS" "SELECT p, random() < p ^ 1.3 AS y
FROM (SELECT floor(random() * $DISTINCT) / $DISTINCT AS p FROM generate_series(1, $ROWS)) s" \
	'VACUUM (ANALYZE) bench_isotonic;'

medians=$("${PSQL[@]}" -At -F ' ' -v reps="$REPS" <<'SQL'
SET max_parallel_workers_per_gather = 0;
SELECT count(*) AS warm FROM bench_isotonic \gset
SELECT set_config('bench.reps', :'reps', false) \gset

CREATE TEMP TABLE bench_q (id int, name text, q text);
INSERT INTO bench_q VALUES
 (1, 'calibration_state_agg', 'SELECT calibration_state_agg(p, y) FROM bench_isotonic'),
 (2, 'isotonic_scaling', 'SELECT isotonic_scaling(p, y) FROM bench_isotonic'),
 (3, 'corp_decomposition', 'SELECT corp_decomposition(p, y) FROM bench_isotonic'),
 (4, 'count', 'SELECT count(y) FROM bench_isotonic');
CREATE TEMP TABLE bench_t (id int, rep int, ms float8);

CREATE FUNCTION pg_temp.bench_ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	j json;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || q INTO j;
	RETURN (j -> 0 ->> 'Execution Time')::float8;
END $$;

DO $$
DECLARE
	nq int := (SELECT count(*) FROM bench_q);
	r record;
BEGIN
	-- one untimed round to warm up
	FOR r IN SELECT * FROM bench_q LOOP
		PERFORM pg_temp.bench_ms(r.q);
	END LOOP;
	FOR rep IN 1 .. current_setting('bench.reps')::int LOOP
		FOR r IN SELECT * FROM bench_q ORDER BY (id + rep) % nq LOOP
			INSERT INTO bench_t VALUES (r.id, rep, pg_temp.bench_ms(r.q));
		END LOOP;
	END LOOP;
END $$;
SELECT q.name, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1)
FROM bench_t JOIN bench_q q USING (id) GROUP BY q.id, q.name ORDER BY q.id;
SQL
)

# the fitted map, to compare with scikit-learn's
knots=$("${PSQL[@]}" -At -c "SELECT isotonic_scaling(p, y) FROM bench_isotonic")

BENCH_MEDIANS="$medians" BENCH_KNOTS="$knots" "$PYTHON" - <<'PY'
import os
import sys
import time

med = {}
for line in os.environ["BENCH_MEDIANS"].splitlines():
    name, ms = line.split()
    med[name] = float(ms)
print("%-34s %12s %10s" % ("query (serial)", "median ms", "x count(y)"))
for name in ("calibration_state_agg", "isotonic_scaling", "corp_decomposition", "count"):
    print("%-34s %12.1f %10.2f" % (name + "(p, y)" if name != "count" else "count(y)",
                                     med[name], med[name] / med["count"]))
iso, cal, cnt = med["isotonic_scaling"], med["calibration_state_agg"], med["count"]
print()
print("isotonic_scaling / calibration_state_agg: %.2f (target <= 3)" % (iso / cal))
print("floor: (isotonic_scaling - count(y)) / (calibration_state_agg - count(y)) = %.2f"
      " (the ratio of the transitions' own costs over the scan)"
      % ((iso - cnt) / max(cal - cnt, 1e-9)))

if os.environ.get("BENCH_NO_SKLEARN"):
    print("\nscikit-learn comparison skipped (BENCH_NO_SKLEARN)")
    sys.exit(0)
try:
    import numpy as np
    import psycopg2
    from sklearn.isotonic import IsotonicRegression
except ImportError as e:
    print("\nscikit-learn comparison skipped: %s (install python3-sklearn python3-psycopg2)" % e)
    sys.exit(0)

best = None
for _ in range(2):
    t0 = time.perf_counter()
    conn = psycopg2.connect("")
    cur = conn.cursor()
    import io
    buf = io.StringIO()
    cur.copy_expert("COPY (SELECT p, y::int FROM bench_isotonic) TO STDOUT", buf)
    buf.seek(0)
    data = np.loadtxt(buf, dtype=np.float64, delimiter="\t", ndmin=2)
    conn.close()
    t1 = time.perf_counter()
    ir = IsotonicRegression(out_of_bounds="clip").fit(data[:, 0], data[:, 1])
    t2 = time.perf_counter()
    run = ((t2 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000)
    if best is None or run[0] < best[0]:
        best = run
    del data, buf
print()
print("export + scikit-learn fit: %.1f ms (export %.1f ms, fit %.1f ms), best of 2" % best)
print("isotonic_scaling speed-up over export + scikit-learn: %.1fx (target >= 10)" % (best[0] / iso))
print("isotonic_scaling speed-up over the scikit-learn fit alone: %.1fx" % (best[2] / iso))
print("floor: (export + scikit-learn) / count(y) = %.1fx, the most any aggregate over this scan could gain"
      % (best[0] / cnt))

# the two fits agree
import json
knots = json.loads(os.environ["BENCH_KNOTS"])["knots"]
xs = np.array([k[0] for k in knots], dtype=np.float64)
ys = np.array([k[1] for k in knots], dtype=np.float64)
q = np.linspace(0, 1, 1001)
print("largest |prefcal - scikit-learn| over 1001 points: %.3g" %
      np.max(np.abs(np.interp(np.clip(q, xs[0], xs[-1]), xs, ys) - ir.predict(q))))
PY

if [ -z "${BENCH_KEEP:-}" ]; then
	"${PSQL[@]}" -c "DROP TABLE bench_isotonic"
fi
