#!/bin/bash
# test/bench/bt_solve.sh: the Bradley-Terry solver timed on its own
# (test/bench/bt_solve_bench.c), outside the server, on the pairs of the
# 10M-row benchmark table; with a second source tree, that tree's solver
# side by side with this one's, run for run.
#
#   test/bench/bt_solve.sh [OTHER_SRC_DIR] [ROUNDS]
#
# The pairs come from bt_bench(a, b, o) in "${BENCH_DB:-prefcal_bench}"
# (`BT_BENCH_BIG_ITEMS=0 BT_BENCH_KEEP=1 test/bench/bt.sh` leaves it; PG*
# name the cluster), aggregated with GROUP BY into PAIRS (default a file
# in the temporary directory, kept between calls; BT_SOLVE_PAIRS names
# another, for example one written from a 100k-item table, then
# BT_SOLVE_PRIOR gives the prior).  Each round runs each solver once (3
# fits, median); printed: every round's medians and, with two solvers,
# their ratio, then the median ratio.  The machine's speed drifts, so the
# ratio of runs made one after the other is the figure to quote.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OTHER=${1:-}
ROUNDS=${2:-8}
: "${BENCH_DB:=prefcal_bench}"
PAIRS=${BT_SOLVE_PAIRS:-${TMPDIR:-/tmp}/prefcal_bt_pairs.csv}
PRIOR=${BT_SOLVE_PRIOR:-0}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

make -s -C "$here/../kernels" OUT="$OUT" "$OUT/bt_solve_bench" >/dev/null
mv "$OUT/bt_solve_bench" "$OUT/this"
if [ -n "$OTHER" ]; then
	make -s -C "$here/../kernels" OUT="$OUT" SOLVER_SRC="$(cd "$OTHER" && pwd)" "$OUT/bt_solve_bench" >/dev/null
	mv "$OUT/bt_solve_bench" "$OUT/other"
fi
if [ ! -s "$PAIRS" ]; then
	psql -X -q -v ON_ERROR_STOP=1 -d "$BENCH_DB" -c "\\copy (SELECT a, b, sum(o), sum(1 - o), 0 FROM bt_bench GROUP BY a, b ORDER BY a, b) TO '$PAIRS' CSV"
fi
echo "== Bradley-Terry solver alone: $(wc -l <"$PAIRS") pairs, prior $PRIOR, median ms of 3 fits per round =="
for ((r = 1; r <= ROUNDS; r++)); do
	a=$("$OUT/this" "$PAIRS" 3 "$PRIOR")
	if [ -n "$OTHER" ]; then
		b=$("$OUT/other" "$PAIRS" 3 "$PRIOR")
		echo "$a" "$b" | awk '{ printf "round %d  this %8.1f ms (%s iterations, %s cg)  other %8.1f ms (%s iterations, %s cg)  this/other %.3f\n", '"$r"', $2, $6, $8, $14, $18, $20, $2 / $14 }'
	else
		echo "$a" | awk '{ printf "round %d  %8.1f ms (%s iterations, %s cg, loglik %s, %s)\n", '"$r"', $2, $6, $8, $10, $12 }'
	fi
done | tee "$OUT/rounds"
if [ -n "$OTHER" ]; then
	awk '{ print $NF }' "$OUT/rounds" | sort -n | awk '{ v[NR] = $1 } END { h = int((NR + 1) / 2); printf "median this/other %.3f over %d rounds\n", (NR % 2 ? v[h] : (v[h] + v[h + 1]) / 2), NR }'
else
	awk '{ print $3 }' "$OUT/rounds" | sort -n | awk '{ v[NR] = $1 } END { h = int((NR + 1) / 2); printf "median %.1f ms over %d rounds\n", (NR % 2 ? v[h] : (v[h] + v[h + 1]) / 2), NR }'
fi
