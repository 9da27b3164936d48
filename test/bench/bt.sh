#!/bin/bash
# test/bench/bt.sh: Bradley-Terry benchmark.
#
# Expects PG* to name a cluster where prefcal can be created (the database
# "${BENCH_DB:-prefcal_bench}" is created if missing).  In one run:
#   1. BENCH_ROWS comparisons (default 10M) among BENCH_ITEMS items (10k),
#      bigint ids, skewed pair frequencies (half the rows draw both items
#      from a Zipf(1)-like popularity, half uniformly, so every item is
#      compared often enough for the maximum likelihood estimate to exist);
#      outcomes from known true scores;
#   2. one avg() scan of the table (the executor's floor), warm;
#   3. total bt_fit(bt_counts(...)) over the table;
#   4. the state alone, stored, then the fit phase alone: bt_fit(state);
#   5. the same deduplicated counts (GROUP BY in SQL) exported with \copy
#      and fitted by scipy L-BFGS-B on the Bradley-Terry negative
#      log-likelihood with analytic gradient (FastChat's method), timing
#      the optimisation only; the max |score difference| to prefcal's fit;
#   6. scaling: the same at BENCH_BIG_ITEMS items (100k), total and fit.
# Targets: total <= 3x the avg() scan; fit >= 10x faster than scipy.
set -euo pipefail
ROWS=${BENCH_ROWS:-10000000}
ITEMS=${BENCH_ITEMS:-10000}
BIG_ITEMS=${BENCH_BIG_ITEMS:-100000}
DB=${BENCH_DB:-prefcal_bench}
PY=/usr/bin/python3
TMP=$(mktemp -d -t prefcal-btbench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"

psql -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
	psql -X -q -d postgres -c "CREATE DATABASE $DB"
P() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
P -c "CREATE EXTENSION IF NOT EXISTS prefcal"

# run SQL, print wall-clock seconds
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	P -tA -c "$1" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l | xargs printf '%.3f'
}

make_table() {
	local items=$1
	P -c "DROP TABLE IF EXISTS bt_bench; DROP TABLE IF EXISTS bt_bench_state"
	P -c "
	CREATE TABLE bt_bench AS
	WITH r AS (
		SELECT g, random() < 0.5 AS zipf FROM generate_series(1, $ROWS) g
	), p AS (
		SELECT CASE WHEN zipf THEN floor(exp(random() * ln($items)))::bigint
				ELSE floor(random() * $items)::bigint END AS a,
			CASE WHEN zipf THEN floor(exp(random() * ln($items)))::bigint
				ELSE floor(random() * $items)::bigint END AS b
		FROM r
	)
	SELECT a, b,
		(random() < 1 / (1 + exp(-(((a * 7919) % 1000) - ((b * 7919) % 1000)) / 250.0)))::int::float8 AS o
	FROM p WHERE a <> b;
	ANALYZE bt_bench;"
}

echo "== Bradley-Terry benchmark: $ROWS rows, $ITEMS items =="
make_table "$ITEMS"
P -tA -c "SELECT 'rows ' || count(*) || ', distinct ordered pairs ' || (SELECT count(*) FROM (SELECT DISTINCT a, b FROM bt_bench) d) FROM bt_bench"
timed "SELECT avg(o) FROM bt_bench" >/dev/null
t_avg=$(timed "SELECT avg(o) FROM bt_bench")
t_total=$(timed "SELECT bt_info(bt_fit(bt_counts(a, b, o, 1.0))) FROM bt_bench")
info=$(cat "$TMP/out")
t_state=$(timed "CREATE TABLE bt_bench_state AS SELECT bt_counts(a, b, o, 1.0) AS s FROM bt_bench")
t_fit=$(timed "SELECT bt_info(bt_fit(s)) FROM bt_bench_state")
P -c "\\copy (SELECT item, score FROM bt_scores((SELECT bt_fit(s) FROM bt_bench_state))) TO '$TMP/ours.csv' CSV"
P -c "\\copy (SELECT a, b, sum(o), sum(1 - o) FROM bt_bench GROUP BY a, b) TO '$TMP/counts.csv' CSV"
echo "avg() scan:                     ${t_avg} s"
echo "bt_fit(bt_counts(...)) total:   ${t_total} s  ($(echo "$t_total / $t_avg" | bc -l | xargs printf '%.2f')x avg; target <= 3x)"
echo "  state only (stored):          ${t_state} s"
echo "  fit phase bt_fit(state):      ${t_fit} s"
echo "  fit info: $info" | cut -c1-400
$PY - "$TMP/counts.csv" "$TMP/ours.csv" "$t_fit" <<'PYEOF'
# scipy L-BFGS-B on the Bradley-Terry negative log-likelihood with analytic
# gradient (FastChat's method), on the deduplicated counts
import sys, time
import numpy as np
from scipy.optimize import minimize
d = np.loadtxt(sys.argv[1], delimiter=",")
ours = {int(r[0]): r[1] for r in np.loadtxt(sys.argv[2], delimiter=",")}
ids = np.unique(d[:, :2].astype(np.int64))
idx = {v: k for k, v in enumerate(ids)}
i = np.searchsorted(ids, d[:, 0].astype(np.int64))
j = np.searchsorted(ids, d[:, 1].astype(np.int64))
w1, w2 = d[:, 2], d[:, 3]
n = len(ids)
def f(s):
    x = s[i] - s[j]
    ll = -(w1 * np.logaddexp(0, -x) + w2 * np.logaddexp(0, x)).sum()
    p = 1 / (1 + np.exp(-x))
    g = w1 - (w1 + w2) * p
    grad = -(np.bincount(i, g, n) - np.bincount(j, g, n))
    return -ll, grad
t0 = time.perf_counter()
r = minimize(f, np.zeros(n), jac=True, method="L-BFGS-B", options={"maxiter": 10000})
t = time.perf_counter() - t0
s = r.x - r.x.mean()
o = np.array([ours[v] for v in ids])
print(f"scipy L-BFGS-B fit:             {t:.3f} s  ({r.nit} iterations, {r.message})")
print(f"  fit speed-up (scipy / ours):  {t / float(sys.argv[3]):.1f}x; target >= 10x")
print(f"  max |score difference|:       {np.abs(s - o).max():.2e}")
PYEOF

echo "== scaling: $ROWS rows, $BIG_ITEMS items =="
make_table "$BIG_ITEMS"
timed "SELECT avg(o) FROM bt_bench" >/dev/null
t_avg=$(timed "SELECT avg(o) FROM bt_bench")
t_total=$(timed "SELECT bt_info(bt_fit(bt_counts(a, b, o, 1.0))) FROM bt_bench")
info=$(cat "$TMP/out")
t_state=$(timed "CREATE TABLE bt_bench_state AS SELECT bt_counts(a, b, o, 1.0) AS s FROM bt_bench")
t_fit=$(timed "SELECT bt_info(bt_fit(s)) FROM bt_bench_state")
echo "avg() scan:                     ${t_avg} s"
echo "bt_fit(bt_counts(...)) total:   ${t_total} s  ($(echo "$t_total / $t_avg" | bc -l | xargs printf '%.2f')x avg)"
echo "  fit phase bt_fit(state):      ${t_fit} s"
echo "  fit info: $info" | cut -c1-400
P -c "DROP TABLE bt_bench; DROP TABLE bt_bench_state"
