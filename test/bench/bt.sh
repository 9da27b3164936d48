#!/bin/bash
# test/bench/bt.sh: Bradley-Terry benchmark.
#
# Expects PG* to name a cluster where prefcal can be created (the database
# "${BENCH_DB:-prefcal_bench}" is created if missing).  In one run:
#   1. BT_BENCH_ROWS comparisons (default 10M) among BT_BENCH_ITEMS items
#      (10k), bigint ids, skewed pair frequencies (half the rows draw both
#      items from a Zipf(1)-like popularity, half uniformly, so every item
#      is compared often enough for the maximum likelihood estimate to
#      exist); outcomes from known true scores;
#   2. serial plans, BT_BENCH_REPS interleaved rounds (default 3) of: one
#      avg() scan of the table (the executor's floor), the bt_state state
#      alone, total bt_fit(bt_state_agg(...)), and the fit phase alone
#      bt_fit(state) on the state stored uncompressed; medians, ratios of
#      medians from the same run, and each round's ratio to the same
#      round's avg() with their median (on a machine whose speed changes
#      between rounds, the ratio within a round is the steadier figure);
#   3. the same deduplicated counts (GROUP BY in SQL) exported with \copy
#      and fitted by scipy L-BFGS-B on the Bradley-Terry negative
#      log-likelihood with analytic gradient (FastChat's method), timing
#      the optimisation only (median of BT_BENCH_REPS); the max |score
#      difference| to prefcal's fit;
#   4. scaling: the same at BT_BENCH_BIG_ITEMS items (100k; 0 skips it),
#      total and fit, with prior => 0.01 (at 100k items some may never
#      lose).
# With --se instead: standard errors on demand, bt_fit(state) of a stored
# state of BT_BENCH_SE_ROWS (300k) uniform random comparisons among 600
# and 3000 items, prefcal.bt_standard_errors = on against off, interleaved.
# Step 3 needs python3-numpy and python3-scipy (BENCH_PYTHON names
# another interpreter); without them it says so and is skipped.
# The tables are dropped at the end unless BT_BENCH_KEEP=1.
# Targets: total <= 3x the avg() scan; fit >= 10x faster than scipy.
# test/bench/run.sh calls this with BT_BENCH_ROWS defaulting to its
# BENCH_ROWS; run alone it takes the issue's size:
#   D=$(mktemp -d); chmod 755 $D; make -s clean; make -s; make -s install DESTDIR=$D
#   pg_virtualenv -t -o extension_destdir=$D -o shared_buffers=1GB -o jit=off test/bench/bt.sh
set -euo pipefail
ROWS=${BT_BENCH_ROWS:-10000000}
ITEMS=${BT_BENCH_ITEMS:-10000}
BIG_ITEMS=${BT_BENCH_BIG_ITEMS:-100000}
REPS=${BT_BENCH_REPS:-3}
DB=${BENCH_DB:-prefcal_bench}
PY=${BENCH_PYTHON:-/usr/bin/python3}
TMP=$(mktemp -d -t prefcal-btbench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"

psql -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
	psql -X -q -d postgres -c "CREATE DATABASE $DB"
P() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
export BENCH_DB=$DB
# shellcheck source=test/bench/lib.sh
. "$(dirname "$0")/lib.sh"
P -c "CREATE EXTENSION IF NOT EXISTS prefcal"

# interleaved rounds of labelled "label|query" pairs, serial plans, with
# lib.sh's bench_time; prints "label median_ms all_ms" lines
timings() {
	local specs=() q
	for q in "$@"; do
		specs+=("${q%%|*}|SET max_parallel_workers_per_gather = 0|${q#*|}")
	done
	bench_time "$REPS" "${specs[@]}"
}
med() { awk -v l="$1" '$1 == l {print $2}' "$TMP/t"; }
all() { awk -v l="$1" '$1 == l {print $3}' "$TMP/t"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# each round's time of label $1 over the same round's time of label $2
# (the two queries ran one after the other, so a change in the machine's
# speed between rounds cancels), then the median of those ratios
round_ratios() {
	awk -v a="$(all "$1")" -v b="$(all "$2")" 'BEGIN {
		n = split(a, x, ","); split(b, y, ",")
		for (k = 1; k <= n; k++) {
			if (!(y[k] > 0)) { printf "n/a [n/a]"; exit }
			r[k] = x[k] / y[k]; s = s (k > 1 ? "," : "") sprintf("%.2f", r[k]) }
		for (k = 2; k <= n; k++) for (m = k; m > 1 && r[m - 1] > r[m]; m--) { t = r[m]; r[m] = r[m - 1]; r[m - 1] = t }
		h = int((n + 1) / 2)
		printf "%.2fx [%s]", (n % 2 ? r[h] : (r[h] + r[h + 1]) / 2), s }'
}

make_table() {
	local items=$1
	P -c "DROP TABLE IF EXISTS bt_bench; DROP TABLE IF EXISTS bt_bench_state"
	P -c "CREATE TABLE bt_bench AS $(bench_bt_pairs "$ROWS" "$items")" -c "VACUUM ANALYZE bt_bench"
}

run_size() {
	local items=$1 opts=${2:-}
	echo "== Bradley-Terry benchmark: $ROWS rows, $items items, $REPS rounds, serial, median ms${opts:+, bt_fit(...$opts)} =="
	make_table "$items"
	# the state stored uncompressed: the fit phase reads it without pglz
	P -c "CREATE TABLE bt_bench_state (s bt_state)" \
		-c "ALTER TABLE bt_bench_state ALTER COLUMN s SET STORAGE external" \
		-c "INSERT INTO bt_bench_state SELECT bt_state_agg(a, b, o, 1.0) FROM bt_bench" \
		-c "VACUUM ANALYZE bt_bench_state"
	P -tA -c "SELECT 'rows ' || (SELECT count(*) FROM bt_bench) || ', items ' || (bt_info(m)->>'n_items') || ', distinct ordered pairs ' || (bt_info(m)->>'n_pairs') || ', Newton iterations ' || (bt_info(m)->>'iterations') || ', converged ' || (bt_info(m)->>'converged') FROM (SELECT bt_fit(s$opts) m FROM bt_bench_state) q"
	timings "avg|SELECT avg(o) FROM bt_bench" \
		"counts|SELECT bt_state_agg(a, b, o, 1.0) IS NOT NULL FROM bt_bench" \
		"total|SELECT bt_fit(bt_state_agg(a, b, o, 1.0)$opts) IS NOT NULL FROM bt_bench" \
		"fit|SELECT bt_fit(s$opts) IS NOT NULL FROM bt_bench_state" >"$TMP/t"
	printf '%-40s %10s  %s\n' "avg(o) scan" "$(med avg) ms" "[$(all avg)]"
	printf '%-40s %10s  %s\n' "bt_state_agg(...) state only" "$(med counts) ms" "[$(all counts)] $(ratio "$(med counts)" "$(med avg)")x avg"
	printf '%-40s %10s  %s\n' "bt_fit(bt_state_agg(...)) total" "$(med total) ms" "[$(all total)] $(ratio "$(med total)" "$(med avg)")x avg; target <= 3x"
	printf '%-40s %10s  %s\n' "fit phase bt_fit(stored state)" "$(med fit) ms" "[$(all fit)]"
	printf '%-40s %10s  %s\n' "  state / avg() round by round" "$(round_ratios counts avg | cut -d' ' -f1)" "$(round_ratios counts avg | cut -d' ' -f2)"
	printf '%-40s %10s  %s\n' "  total / avg() round by round" "$(round_ratios total avg | cut -d' ' -f1)" "$(round_ratios total avg | cut -d' ' -f2); target <= 3x"
}

# standard errors on demand: the fit of a stored state with and without
se_size() {
	local items=$1 rows=${BT_BENCH_SE_ROWS:-300000}
	P -c "DROP TABLE IF EXISTS bt_se_bench" -c "
	CREATE TABLE bt_se_bench AS
	SELECT bt_state_agg(a, b, (random() < 1 / (1 + exp((b - a) / ($items / 4.0))))::int::float8, 1.0) AS s
	FROM (SELECT floor(random() * $items)::bigint AS a, floor(random() * $items)::bigint AS b
		  FROM generate_series(1, $rows)) q WHERE a <> b"
	bench_time "$REPS" \
		"se_on|SET prefcal.bt_standard_errors = on|SELECT bt_fit(s) IS NOT NULL FROM bt_se_bench" \
		"se_off|SET prefcal.bt_standard_errors = off|SELECT bt_fit(s) IS NOT NULL FROM bt_se_bench" >"$TMP/t"
	printf '%-40s %10s  %s\n' "$items items, $rows rows: fit with SEs" "$(med se_on) ms" "[$(all se_on)]"
	printf '%-40s %10s  %s\n' "$items items, $rows rows: fit without" "$(med se_off) ms" "[$(all se_off)] SEs cost $(ratio "$(med se_on)" "$(med se_off)")x the fit without"
	P -c "DROP TABLE bt_se_bench"
}
if [ "${1:-}" = --se ]; then
	echo "== Bradley-Terry standard errors on demand: $REPS rounds, median ms =="
	se_size 600
	se_size 3000
	exit 0
fi

run_size "$ITEMS"
if ! [ -x "$PY" ] || ! "$PY" -c 'import numpy, scipy' 2>/dev/null; then
	printf '%-40s %10s  %s\n' "scipy L-BFGS-B fit" "skipped" "(needs python3-numpy and python3-scipy)"
else
	P -c "\\copy (SELECT item, score FROM bt_scores((SELECT bt_fit(s) FROM bt_bench_state))) TO '$TMP/ours.csv' CSV"
	P -c "\\copy (SELECT a, b, sum(o), sum(1 - o) FROM bt_bench GROUP BY a, b) TO '$TMP/counts.csv' CSV"
	$PY - "$TMP/counts.csv" "$TMP/ours.csv" "$(med fit)" "$REPS" <<'PYEOF'
# scipy L-BFGS-B on the Bradley-Terry negative log-likelihood with analytic
# gradient (FastChat's method), on the deduplicated counts
import sys, time
import numpy as np
from scipy.optimize import minimize
d = np.loadtxt(sys.argv[1], delimiter=",")
ours = {int(r[0]): r[1] for r in np.loadtxt(sys.argv[2], delimiter=",")}
ids = np.unique(d[:, :2].astype(np.int64))
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
times = []
for _ in range(int(sys.argv[4])):
    t0 = time.perf_counter()
    r = minimize(f, np.zeros(n), jac=True, method="L-BFGS-B", options={"maxiter": 10000})
    times.append(time.perf_counter() - t0)
t = float(np.median(times))
s = r.x - r.x.mean()
o = np.array([ours[v] for v in ids])
print(f"{'scipy L-BFGS-B fit (median)':40s} {t * 1000:10.1f} ms  [{','.join('%.0f' % (x * 1000) for x in times)}] {r.nit} iterations, {r.message}")
print(f"{'  fit speed-up (scipy / ours)':40s} {t * 1000 / float(sys.argv[3]):10.1f} x   target >= 10x")
print(f"{'  max |score difference|':40s} {np.abs(s - o).max():10.2e}")
PYEOF
fi

# at 100k items some items may never lose: a small prior keeps the
# estimate finite (BT_BENCH_BIG_ITEMS=0 skips this)
if [ "$BIG_ITEMS" -gt 0 ]; then
	run_size "$BIG_ITEMS" ", prior => 0.01"
fi
# BT_BENCH_KEEP=1 keeps the last table
if [ "${BT_BENCH_KEEP:-0}" != 1 ]; then
	P -c "DROP TABLE bt_bench; DROP TABLE bt_bench_state"
fi
