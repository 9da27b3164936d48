#!/bin/bash
# test/bench/bt_ab.sh: two builds of prefcal side by side on the
# Bradley-Terry benchmark's queries.
#
#   test/bench/bt_ab.sh DESTDIR_A DESTDIR_B [ROUNDS]
#
# DESTDIR_A and DESTDIR_B are `make install DESTDIR=...` trees of the two
# builds (optimised, without assertions: `make clean; make; make install
# DESTDIR=...`).  PG* must name a cluster whose server reads
# extension_destdir (Debian's PostgreSQL) and whose database
# "${BENCH_DB:-prefcal_bench}" holds bt_bench(a bigint, b bigint, o float8)
# with prefcal created (`BT_BENCH_BIG_ITEMS=0 BT_BENCH_KEEP=1
# test/bench/bt.sh` leaves the 10M-row, 10k-item table there).  Each round runs one session per build, A then B; a session
# loads its build through extension_destdir and times, with lib.sh's
# bench_time (a warm-up pass, then 3 interleaved rounds, medians), one
# avg() scan, the bt_state state alone and the total
# bt_fit(bt_state_agg(...)), serial plans.  Printed per session: the medians
# and the total's ratio to the avg() scan of the same session; then, per
# build, the median over its sessions.  Only the builds' libraries differ,
# so the two builds must share the install script's version.
set -euo pipefail
if [ $# -lt 2 ]; then
	echo "usage: $0 DESTDIR_A DESTDIR_B [ROUNDS]" >&2
	exit 2
fi
A=$1
B=$2
ROUNDS=${3:-4}
: "${BENCH_DB:=prefcal_bench}"
export BENCH_DB
# shellcheck source=test/bench/lib.sh
. "$(dirname "$0")/lib.sh"

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
S='SET max_parallel_workers_per_gather = 0'
for ((r = 1; r <= ROUNDS; r++)); do
	for d in "$A" "$B"; do
		PGOPTIONS="${PGOPTIONS:-} -c extension_destdir=$d" bench_time 3 \
			"avg|$S|SELECT avg(o) FROM bt_bench" \
			"counts|$S|SELECT bt_state_agg(a, b, o, 1.0) IS NOT NULL FROM bt_bench" \
			"total|$S|SELECT bt_fit(bt_state_agg(a, b, o, 1.0)) IS NOT NULL FROM bt_bench" |
			awk -v d="$d" -v r="$r" '{ m[$1] = $2 } END {
				printf "round %d  %-40s avg %8.1f  counts %8.1f  total %8.1f ms  total/avg %.2fx\n",
					r, d, m["avg"], m["counts"], m["total"], m["total"] / m["avg"] }' | tee -a "$OUT"
	done
done
echo "median over sessions:"
med() { sort -n | awk '{ v[NR] = $1 } END { h = int((NR + 1) / 2); print (NR % 2 ? v[h] : (v[h] + v[h + 1]) / 2) }'; }
for d in "$A" "$B"; do
	t=$(awk -v d="$d" '$3 == d { print $9 }' "$OUT" | med)
	q=$(awk -v d="$d" '$3 == d { sub(/x$/, "", $12); print $12 }' "$OUT" | med)
	n=$(awk -v d="$d" '$3 == d' "$OUT" | wc -l)
	printf '  %-40s total %8.1f ms  total/avg %.2fx  (%d sessions)\n' "$d" "$t" "$q" "$n"
done
