#!/bin/bash
# test/bench/run.sh: prefcal's performance suite (`make bench`).
#
# 1. builds an optimised copy of prefcal (no assertions) in a scratch
#    directory and installs it into a temporary DESTDIR (never into the
#    system's PostgreSQL);
# 2. starts a throwaway cluster with pg_virtualenv, with settings for
#    benchmarking (shared_buffers large enough to cache the tables, jit off,
#    parallel workers available) and re-runs itself inside it;
# 3. there: the kernel micro-benchmark (every SIMD level against scalar:
#    the probability kernels at K = 4 .. 256, the Bradley-Terry pair pass,
#    the smooth ECE's node sums, dot4 at n = 16 .. 1000, each tabulated),
#    end-to-end multi-class brier_score with prefcal.simd = 'scalar'
#    against 'auto', per-row aggregates against avg(p) and the
#    plain-SQL formulation, serial against 2 parallel workers, memory per
#    state, export + numpy, the batching prototype, then each family's
#    script (test/bench/calibration.sh, test/bench/bt.sh) when present;
# 4. prints one table of medians and ratios, with the machine described.
#
# Environment: BENCH_ROWS (rows of the per-row table, default 1000000; the
# K-class tables hold 8 * BENCH_ROWS / K rows, at most BENCH_ROWS, so from
# K = 8 on every K has the same number of probabilities), BENCH_REPS (timed rounds per comparison,
# default 5), BENCH_KERNEL_RUNS (runs of the kernel benchmark, default 15).
# Timings are medians of interleaved rounds: the variants of one comparison
# alternate, so a change of load hits them alike.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

: "${BENCH_ROWS:=1000000}"
: "${BENCH_REPS:=5}"
: "${BENCH_KERNEL_RUNS:=15}"
export BENCH_ROWS BENCH_REPS BENCH_KERNEL_RUNS

if [ "${1:-}" != "--in-cluster" ]; then
	export PG_MAJOR=${PG_MAJOR:-15}
	PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
	export PG_CONFIG
	BUILD=$(mktemp -d -t prefcal-bench-build.XXXXXX)
	BENCH_DESTDIR=$(mktemp -d -t prefcal-bench-install.XXXXXX)
	trap 'rm -rf "$BUILD" "$BENCH_DESTDIR"' EXIT
	chmod 755 "$BENCH_DESTDIR"

	echo "== build (optimised, no assertions) =="
	cp -r Makefile prefcal.control src "$BUILD"/
	cp prefcal--*--*.sql "$BUILD"/ 2>/dev/null || true
	# objects left by an assert-enabled `make test` must not be reused
	make -s -C "$BUILD" clean PG_CONFIG="$PG_CONFIG" >/dev/null
	make -s -C "$BUILD" PG_CONFIG="$PG_CONFIG" PREFCAL_CFLAGS="-Werror" >/dev/null
	make -s -C "$BUILD" install PG_CONFIG="$PG_CONFIG" DESTDIR="$BENCH_DESTDIR" >/dev/null
	chmod -R a+rX "$ROOT" 2>/dev/null || true

	echo "== throwaway cluster (pg_virtualenv) =="
	pg_virtualenv -t -v "$PG_MAJOR" \
		-o "extension_destdir=$BENCH_DESTDIR" \
		-o "shared_buffers=1GB" \
		-o "work_mem=64MB" \
		-o "jit=off" \
		-o "huge_pages=try" \
		-o "max_worker_processes=16" \
		-o "max_parallel_workers=8" \
		-o "max_parallel_workers_per_gather=2" \
		-o "autovacuum=off" \
		-o "synchronous_commit=off" \
		"$ROOT/test/bench/run.sh" --in-cluster
	exit $?
fi

# ---------------------------------------------------------------- inside
export BENCH_DB=prefcal_bench
RESULTS=$(mktemp)
export BENCH_RESULTS=$RESULTS
WORK=$(mktemp -d -t prefcal-bench.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK" "$RESULTS"' EXIT
# shellcheck source=test/bench/lib.sh
. "$ROOT/test/bench/lib.sh"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" 2>/dev/null
psql -X -q -d postgres -c "CREATE DATABASE $BENCH_DB"
bench_psql -c "CREATE EXTENSION prefcal"

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
best=$(bench_psql -A -t -c "SET prefcal.simd = 'auto'; SELECT prefcal_simd_level()")
levels=$(bench_psql -A -t -c "SELECT array_to_string(prefcal_simd_levels(), ', ')")
pgver=$(bench_psql -A -t -c "SHOW server_version")
{
	echo "machine: ${cpu:-unknown CPU}, $(nproc) CPUs, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "SIMD levels supported: $levels; auto = $best"
	echo "PostgreSQL $pgver; BENCH_ROWS=$BENCH_ROWS BENCH_REPS=$BENCH_REPS BENCH_KERNEL_RUNS=$BENCH_KERNEL_RUNS"
	echo
} >>"$RESULTS"

KS="4 16 64 128 256"
# rows of the K-class table: 8 * BENCH_ROWS probabilities, at most BENCH_ROWS rows
krows()
{
	local n=$((BENCH_ROWS * 8 / $1))
	[ "$n" -gt "$BENCH_ROWS" ] && n=$BENCH_ROWS
	[ "$n" -lt 1000 ] && n=1000
	echo "$n"
}

# ---------------------------------------------------------------- data
echo "== data =="
bench_psql <<SQL
SELECT setseed(0.42);
CREATE TABLE bench_rows AS
SELECT p, (random() < p) AS y, least(1.0, greatest(0.0, p + (random() - 0.5) * 0.2)) AS yf
FROM (SELECT random() AS p FROM generate_series(1, $BENCH_ROWS)) s;
SQL
for K in $KS; do
	n=$(krows "$K")
	bench_psql <<SQL
CREATE TABLE bench_k$K AS
SELECT a.probs, (floor(random() * $K))::int AS label
FROM generate_series(1, $n) AS i,
     LATERAL (SELECT array_agg(v / t) AS probs
              FROM (SELECT v, sum(v) OVER () AS t
                    FROM (SELECT random() + 0 * i AS v
                          FROM generate_series(1, $K)) s1) s2) a;
SQL
done
bench_psql -c "VACUUM ANALYZE"
# warm the cache
for t in bench_rows $(for K in $KS; do echo bench_k$K; done); do
	bench_psql -c "SELECT count(*) FROM $t" >/dev/null
done

serial="SET max_parallel_workers_per_gather = 0"

# ---------------------------------------------------------------- kernels
echo "== kernel micro-benchmark =="
make -s -C "$ROOT/test/kernels" bench OUT="$WORK" PG_CONFIG="${PG_CONFIG:-pg_config}" >/dev/null
"$WORK/bench_kernels" "$BENCH_KERNEL_RUNS" >"$WORK/kernels.out"
{
	echo "-- kernels: ns per call (median of $BENCH_KERNEL_RUNS interleaved runs), speedup = scalar / level"
	awk '$1 == "KERNEL" && $4 != "scalar" {
			printf "%-58s %12s  %s\n", "kernel " $2 " K=" $3 " " $4 " speedup", sprintf("%.2fx", $6),
				sprintf("(%s ns vs scalar %s ns)", $5, sc[$2 " " $3]) }
		 $1 == "KERNEL" && $4 == "scalar" { sc[$2 " " $3] = $5 }
		 $1 == "ADDCALL" {
			printf "%-58s %12s  %s\n", "kernel add K=" $2 ": the call alone (a no-op add)", $3 " ns",
				"(speedups net of it: (scalar - call) / (level - call) below)"
			printf "%-58s %12s  %s\n", "kernel add K=" $2 ": most any add could reach", sprintf("%.2fx", sc["add " $2] / $3),
				"(scalar / the call alone: an add that took no time)"
			call[$2] = $3 }
		 $1 == "ADDALIGN" && $4 == "scalar" { as[$2 " " $3] = $5 }
		 $1 == "ADDALIGN" && $4 != "scalar" {
			printf "%-58s %12s  %s\n", "kernel add K=" $2 " buffers " $3 " B past 64 B, " $4 " speedup", sprintf("%.2fx", $6),
				sprintf("(%s ns vs scalar %s ns)", $5, as[$2 " " $3]) }
		 $1 == "KERNEL" && $2 == "add" && $4 != "scalar" { na++; ak[na] = $3; al[na] = $4; ans[na] = $5 }
		 END {
			for (i = 1; i <= na; i++)
				if (ak[i] >= 16 && (ak[i] in call) && ans[i] > call[ak[i]])
					printf "%-58s %12s\n", "kernel add K=" ak[i] " " al[i] " speedup net of the call",
						sprintf("%.2fx", (sc["add " ak[i]] - call[ak[i]]) / (ans[i] - call[ak[i]]))
		 }
		 $1 == "SMOOTH" && $3 == "scalar" { ss = $4 }
		 $1 == "SMOOTH" && $3 != "scalar" {
			printf "%-58s %12s  %s\n", "kernel smooth_node n=" $2 " " $3 " speedup", sprintf("%.2fx", $5),
				sprintf("(%s ns/image vs scalar %s ns/image)", $4, ss) }
		 $1 == "PAIRS" && $3 == "scalar" { ps = $4 }
		 $1 == "PAIRS" && $3 != "scalar" {
			printf "%-58s %12s  %s\n", "kernel pairs_binary m=" $2 " " $3 " speedup", sprintf("%.2fx", $5),
				sprintf("(%s ns/pair vs scalar %s ns/pair)", $4, ps) }' "$WORK/kernels.out"
	echo
} >>"$RESULTS"
{
	echo "-- dot4 (the blocked Cholesky's four dot products): ns per call, x and four y of n doubles in cache (median of $BENCH_KERNEL_RUNS interleaved runs), speedup = scalar / level"
	awk '$1 == "DOT" && $3 == "scalar" { ds[$2] = $4 }
		 $1 == "DOT" && $3 != "scalar" {
			printf "%-58s %12s  %s\n", "kernel dot4 n=" $2 " " $3 " speedup", sprintf("%.2fx", $5),
				sprintf("(%s ns vs scalar %s ns)", $4, ds[$2]) }' "$WORK/kernels.out"
	echo
} >>"$RESULTS"

# one query, serial, with prefcal.simd = 'scalar' against 'auto' (rounds
# interleaved): a row "label  speedup  (scalar ms, auto ms, what)"
simd_row()
{
	local ts ta

	bench_time "$BENCH_REPS" \
		"scalar|$serial; SET prefcal.simd = 'scalar'|$2" \
		"auto|$serial; SET prefcal.simd = 'auto'|$2" >"$WORK/t"
	ts=$(awk '$1 == "scalar" {print $2}' "$WORK/t")
	ta=$(awk '$1 == "auto" {print $2}' "$WORK/t")
	bench_row "$1" "$(awk -v a="$ts" -v b="$ta" 'BEGIN {printf "%.2fx", a / b}')" \
		"(scalar $ts ms, auto $ta ms, $3)"
}

# ---------------------------------------------------------------- K-class end to end
if bench_have 'brier_score(float8[],int4)'; then
	echo "== multi-class brier_score: scalar vs auto =="
	echo "-- brier_score(probs, label), serial, time scalar / time auto (median of $BENCH_REPS interleaved rounds)" >>"$RESULTS"
	for K in $KS; do
		simd_row "brier_score(probs,label) K=$K SIMD speedup" \
			"SELECT brier_score(probs, label) FROM bench_k$K" "$(krows "$K") rows"
	done
	echo >>"$RESULTS"
else
	bench_row "brier_score(probs,label)" "absent" "(not in this build)"
fi

# ---------------------------------------------------------------- smooth ECE end to end
if bench_have 'smooth_ece_agg(float8,bool)'; then
	echo "== smooth_ece_agg: scalar vs auto =="
	echo "-- smooth_ece_agg(p, y), serial (its final function integrates the 10000 bins' kernel sums), time scalar / time auto (median of $BENCH_REPS interleaved rounds)" >>"$RESULTS"
	simd_row "smooth_ece_agg(p, y) SIMD speedup" \
		"SELECT smooth_ece_agg(p, y) FROM bench_rows" "$BENCH_ROWS rows"
	echo >>"$RESULTS"
fi

# ---------------------------------------------------------------- per-row aggregates vs avg(p)
echo "== per-row aggregates against avg(p) =="
echo "-- per-row aggregates, serial: time / time avg(p) over the same rows" >>"$RESULTS"
specs=("avg|$serial|SELECT avg(p) FROM bench_rows"
	"plain_brier|$serial|SELECT avg((p - y::int)^2) FROM bench_rows"
	"plain_ece|$serial|SELECT sum(abs(sy - sp)) / sum(n) FROM (SELECT count(*) AS n, sum(p) AS sp, sum(y::int) AS sy FROM bench_rows GROUP BY greatest(ceil(p * 15) - 1, 0)) b")
bench_have 'brier_score(float8,bool)' && specs+=("brier|$serial|SELECT brier_score(p, y) FROM bench_rows")
bench_have 'ece_agg(float8,bool)' && specs+=("ece|$serial|SELECT ece_agg(p, y) FROM bench_rows")
bench_have 'calibration_state_agg(float8,bool)' && specs+=("calibration_state_agg|$serial|SELECT calibration_state_agg(p, y) FROM bench_rows")
bench_time "$BENCH_REPS" "${specs[@]}" >"$WORK/t"
tavg=$(awk '$1 == "avg" {print $2}' "$WORK/t")
bench_row "avg(p) (the executor's floor)" "1.00x" "($tavg ms, $BENCH_ROWS rows, $(awk -v a="$tavg" -v n="$BENCH_ROWS" 'BEGIN {printf "%.1f", a * 1e6 / n}') ns/row)"
while read -r label ms _; do
	[ "$label" = avg ] && continue
	case $label in
		brier) name="brier_score(p, y)" ;;
		ece) name="ece_agg(p, y)" ;;
		calibration_state_agg) name="calibration_state_agg(p, y)" ;;
		plain_brier) name="plain SQL avg((p - y::int)^2)" ;;
		plain_ece) name="plain SQL ECE (GROUP BY bin)" ;;
		*) name=$label ;;
	esac
	bench_row "$name / avg(p)" "$(awk -v a="$ms" -v b="$tavg" 'BEGIN {printf "%.2fx", a / b}')" "($ms ms)"
done <"$WORK/t"
if grep -q '^brier ' "$WORK/t"; then
	tb=$(awk '$1 == "brier" {print $2}' "$WORK/t")
	tp=$(awk '$1 == "plain_brier" {print $2}' "$WORK/t")
	bench_row "plain SQL Brier / brier_score(p, y)" "$(awk -v a="$tp" -v b="$tb" 'BEGIN {printf "%.2fx", a / b}')" ""
fi
echo >>"$RESULTS"

# ---------------------------------------------------------------- serial vs parallel
echo "== serial against 2 parallel workers =="
echo "-- 2 parallel workers: time serial / time parallel" >>"$RESULTS"
par="SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = on; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET prefcal.simd = 'auto'"
pqueries=("avg(p)|SELECT avg(p) FROM bench_rows")
bench_have 'brier_score(float8,bool)' && pqueries+=("brier_score(p, y)|SELECT brier_score(p, y) FROM bench_rows")
bench_have 'ece_agg(float8,bool)' && pqueries+=("ece_agg(p, y)|SELECT ece_agg(p, y) FROM bench_rows")
bench_have 'brier_score(float8[],int4)' && pqueries+=("brier_score(probs, label) K=128|SELECT brier_score(probs, label) FROM bench_k128")
for pq in "${pqueries[@]}"; do
	name=${pq%%|*}
	q=${pq#*|}
	workers=$(bench_psql -A -t -c "$par" -c "EXPLAIN $q" | sed -n 's/.*Workers Planned: \([0-9]*\).*/\1/p')
	# "parallel": 2 workers and the leader (3 processes on a 2-core
	# machine); "workers": the same plan with the leader only gathering
	# (parallel_leader_participation = off), one process per core
	bench_time "$BENCH_REPS" "serial|$serial; SET prefcal.simd = 'auto'|$q" "parallel|$par|$q" \
		"workers|$par; SET parallel_leader_participation = off|$q" >"$WORK/t"
	ts=$(awk '$1 == "serial" {print $2}' "$WORK/t")
	tp=$(awk '$1 == "parallel" {print $2}' "$WORK/t")
	tw=$(awk '$1 == "workers" {print $2}' "$WORK/t")
	bench_row "$name parallel speedup" "$(awk -v a="$ts" -v b="$tp" 'BEGIN {printf "%.2fx", a / b}')" \
		"(serial $ts ms, parallel $tp ms, workers planned: ${workers:-0})"
	bench_row "$name 2 workers, leader only gathering" "$(awk -v a="$ts" -v b="$tw" 'BEGIN {printf "%.2fx", a / b}')" \
		"(serial $ts ms, parallel $tw ms, parallel_leader_participation = off)"
done
echo >>"$RESULTS"

# ---------------------------------------------------------------- memory per state
if bench_have 'calibration_state_agg(float8,bool,int4)'; then
	echo "-- memory per state: pg_column_size of the aggregate state (bytes)" >>"$RESULTS"
	for nb in 1 15 100 1000; do
		sz=$(bench_psql -A -t -c "SELECT pg_column_size(calibration_state_agg(p, y, $nb)) FROM bench_rows")
		bench_row "calibration_state, nbins=$nb" "$sz" "bytes"
	done
	if bench_have 'calibration_state_agg(float8[],int4,int4)'; then
		sz=$(bench_psql -A -t -c "SELECT pg_column_size(calibration_state_agg(probs, label, 15)) FROM bench_k128")
		bench_row "calibration_state from K=128 rows, nbins=15" "$sz" "bytes"
	fi
	echo >>"$RESULTS"
fi

# ---------------------------------------------------------------- export + numpy
PY=${BENCH_PYTHON:-/usr/bin/python3}
if [ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null && bench_have 'brier_score(float8,bool)'; then
	echo "== export + numpy =="
	echo "-- export + numpy: \\copy to CSV then numpy, against brier_score(p, y) in the database" >>"$RESULTS"
	tdb=$(bench_time "$BENCH_REPS" "brier|$serial; SET prefcal.simd = 'auto'|SELECT brier_score(p, y) FROM bench_rows" | awk '{print $2}')
	t0=$(date +%s%N)
	psql -X -q -d "$BENCH_DB" -c "\\copy (SELECT p, y::int FROM bench_rows) TO '$WORK/rows.csv' WITH (FORMAT csv)"
	t1=$(date +%s%N)
	npout=$("$PY" - "$WORK/rows.csv" <<'PY'
import sys, time
t0 = time.perf_counter()
import numpy as np
t1 = time.perf_counter()
try:
    import pandas as pd
    a = pd.read_csv(sys.argv[1], header=None).to_numpy(dtype=float)
    how = "pandas.read_csv"
except ImportError:
    a = np.loadtxt(sys.argv[1], delimiter=",")
    how = "numpy.loadtxt"
t2 = time.perf_counter()
b = float(np.mean((a[:, 0] - a[:, 1]) ** 2))
t3 = time.perf_counter()
print("%.3f %.3f %.3f %.17g %s" % ((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, b, how))
PY
)
	t2=$(date +%s%N)
	read -r imp load comp npval how <<<"$npout"
	exp_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e6}')
	tot_ms=$(awk -v a="$t0" -v b="$t2" 'BEGIN {printf "%.1f", (b - a) / 1e6}')
	dbval=$(bench_psql -A -t -c "SELECT brier_score(p, y) FROM bench_rows")
	bench_row "export + numpy / brier_score(p, y)" "$(awk -v a="$tot_ms" -v b="$tdb" 'BEGIN {printf "%.1fx", a / b}')" \
		"(total $tot_ms ms: \\copy $exp_ms, import $imp, $how $load, numpy $comp; in-db $tdb ms)"
	bench_row "numpy compute alone / brier_score(p, y)" "$(awk -v a="$comp" -v b="$tdb" 'BEGIN {printf "%.2fx", a / b}')" ""
	bench_row "numpy and brier_score agree" \
		"$(awk -v a="$npval" -v b="$dbval" 'BEGIN {d = a - b; if (d < 0) d = -d; print (d <= 1e-12 ? "yes" : "NO")}')" "($npval vs $dbval)"
	echo >>"$RESULTS"
else
	bench_row "export + numpy" "skipped" "(no numpy for $PY, or no brier_score)"
fi

# ---------------------------------------------------------------- batching prototype
{
	echo "-- batching scalar rows inside the state (C prototype, ns per row, median)"
	inpl=$(awk '$1 == "BATCH" && $2 == "inplace" {print $3}' "$WORK/kernels.out")
	btch=$(awk '$1 == "BATCH" && $2 == "batched64" {print $3}' "$WORK/kernels.out")
	printf '%-58s %12s  %s\n' "brier transition in place (per row)" "$inpl ns" ""
	printf '%-58s %12s  %s\n' "brier transition, 64-row buffer + vector flush" "$btch ns" ""
	printf '%-58s %12s  %s\n' "most batching could save / avg(p) per-row cost" \
		"$(awk -v a="$inpl" -v b="$btch" -v t="$tavg" -v n="$BENCH_ROWS" 'BEGIN {printf "%.1f%%", 100 * (a - b) / (t * 1e6 / n)}')" ""
	echo
} >>"$RESULTS"

# ---------------------------------------------------------------- family scripts
for fam in calibration bt; do
	s="$ROOT/test/bench/$fam.sh"
	if [ -x "$s" ]; then
		echo "== $fam.sh =="
		{
			echo "-- $fam family (test/bench/$fam.sh)"
			# bt.sh: the suite's row count (BT_BENCH_ROWS=10000000 for the
			# issue's size), 3 rounds unless told otherwise; below 1M rows
			# one item per 100 rows, since with 10000 items some would never
			# lose and the fit without a prior has no estimate
			btrows=${BT_BENCH_ROWS:-$BENCH_ROWS}
			btitems=${BT_BENCH_ITEMS:-$((btrows >= 1000000 ? 10000 : btrows / 100))}
			PGDATABASE=$BENCH_DB BT_BENCH_ROWS=$btrows BT_BENCH_ITEMS=$btitems \
				BT_BENCH_REPS=${BT_BENCH_REPS:-3} "$s" 2>&1 || echo "($fam.sh failed with status $?)"
			echo
		} >>"$RESULTS"
	fi
done

echo
echo "================ prefcal performance ================"
cat "$RESULTS"
