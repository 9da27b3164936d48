#!/bin/bash
# test/bench/bootstrap.sh: calibration_bootstrap against one calibration_state_agg
# scan, and against the same bootstrap written in plain SQL (a replicate
# join) and exported to numpy, all in one run.
#
# Usage: PG* environment pointing at a cluster where prefcal is installed
# (test/bench/run.sh sets one up), then
#
#   test/bench/bootstrap.sh
#
#   BENCH_ROWS        rows of the big table (default 10000000)
#   BENCH_SUB_ROWS    rows of the table the plain SQL and numpy versions
#                     run on (default 200000: the replicate join makes
#                     replicates x rows rows)
#   BENCH_REPLICATES  bootstrap replicates (default 100)
#   BENCH_REPS        timed repetitions of each query (default 5); medians
#   BENCH_PYTHON      the interpreter with numpy (default /usr/bin/python3)
#   BENCH_BT_ROWS     comparisons of the Bradley-Terry table (default
#                     1000000; 0 skips the Bradley-Terry part)
#   BENCH_BT_ITEMS    items compared (default 50)
#   BENCH_BT_ONLY=1   only the Bradley-Terry part
#
# The Bradley-Terry part: BENCH_BT_ROWS comparisons of random pairs of
# BENCH_BT_ITEMS items in clusters of 20 rows (a prompt); the scan of
# bt_bootstrap (B replicates) against bt_state, and the fits: bt_ci of the
# stored bootstrap state (the rows' fit and B replicates' fits) against one
# bt_fit of the stored bt_state state of the same rows, as a ratio to B + 1
# fits.
#
# Method.  Serial plans (max_parallel_workers_per_gather = 0), one session,
# queries interleaved round by round, each as EXPLAIN (ANALYZE, TIMING OFF)
# whose Execution Time is read.  Cluster keys are row-level (every row its
# own key, so no row reuses the previous row's weights: the worst case) and
# clusters of 100 consecutive rows (the weights are drawn once per
# cluster).  On the small table the three bootstraps compute the same thing:
# per replicate, the 15 bins' weighted sums of 1, p and y, hence every
# replicate's ECE (calibration_bootstrap keeps more sums than that).  numpy's
# time is the export (\copy to a file) plus the computation in a fresh
# interpreter, once with the documented generator (the keys hashed in
# Python, which dominates) and once with numpy's own Poisson generator
# (other replicates: the fastest numpy could be).
set -euo pipefail

ROWS=${BENCH_ROWS:-10000000}
SUB=${BENCH_SUB_ROWS:-200000}
B=${BENCH_REPLICATES:-100}
REPS=${BENCH_REPS:-5}
PY=${BENCH_PYTHON:-/usr/bin/python3}
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
HERE=$(cd "$(dirname "$0")" && pwd)

echo "== bootstrap benchmark: $ROWS rows (small table $SUB), $B replicates, $REPS repetitions, median ms =="

make_table()
{
	local name=$1 n=$2 have=-1
	if [ "$("${PSQL[@]}" -At -c "SELECT to_regclass('$name') IS NOT NULL")" = t ]; then
		have=$("${PSQL[@]}" -At -c "SELECT count(*) FROM $name")
	fi
	if [ "$have" != "$n" ]; then
		"${PSQL[@]}" <<SQL
DROP TABLE IF EXISTS $name;
CREATE UNLOGGED TABLE $name AS
SELECT p, random() < p ^ 1.3 AS y, i::text AS k, (i / 100)::text AS c
FROM (SELECT i, random() AS p FROM generate_series(1, $n) i) s;
VACUUM ANALYZE $name;
SQL
	fi
	"${PSQL[@]}" -c "SELECT count(*) FROM $name" >/dev/null
}
BT_ROWS=${BENCH_BT_ROWS:-1000000}
BT_ITEMS=${BENCH_BT_ITEMS:-50}
if [ "${BENCH_BT_ONLY:-0}" != 1 ]; then
make_table bench_boot "$ROWS"
make_table bench_boot_small "$SUB"
fi

# median Execution Time of each query, interleaved
time_queries()
{
	local script out
	script=$(mktemp)
	out=$(mktemp)
	{
		echo "SET max_parallel_workers_per_gather = 0;"
		echo "SET work_mem = '256MB';"
		for ((r = -1; r < REPS; r++)); do
			for spec in "$@"; do
				echo "\\echo @@ ${spec%%|*}"
				echo "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, SUMMARY ON) ${spec#*|};"
			done
		done
	} >"$script"
	"${PSQL[@]}" -f "$script" >"$out"
	perl -e '
		my (%t, @order, $cur, %seen);
		while (<>) {
			if (/^@@ (\S+)/) { $cur = $1; $seen{$cur}++; push @order, $cur if $seen{$cur} == 1; next; }
			if (defined $cur && /Execution Time: ([0-9.]+) ms/) {
				push @{$t{$cur}}, $1 if $seen{$cur} > 1;   # first round warms up
				undef $cur;
			}
		}
		for my $l (@order) {
			my @v = sort { $a <=> $b } @{$t{$l}};
			my $n = @v;
			my $m = $n % 2 ? $v[$n / 2] : ($v[$n / 2 - 1] + $v[$n / 2]) / 2;
			printf "%s %.1f\n", $l, $m;
		}' "$out"
	rm -f "$script" "$out"
}

bt_part()
{
	"${PSQL[@]}" <<SQL
DROP TABLE IF EXISTS bench_bt, bench_bt_counts, bench_bt_boot;
CREATE UNLOGGED TABLE bench_bt AS
SELECT 'item-' || a AS a, 'item-' || ((a + 1 + floor(random() * ($BT_ITEMS - 1))::int) % $BT_ITEMS) AS b,
       (random() < 0.55)::int::float8 AS o, 'prompt-' || (i / 20) AS c
FROM (SELECT i, floor(random() * $BT_ITEMS)::int AS a FROM generate_series(1, $BT_ROWS) i) s;
VACUUM ANALYZE bench_bt;
CREATE TABLE bench_bt_counts AS SELECT bt_state_agg(a, b, o, 1.0) AS s FROM bench_bt;
CREATE TABLE bench_bt_boot AS SELECT bt_bootstrap(a, b, o, 1.0, c, $B) AS s FROM bench_bt;
SQL
	echo "-- Bradley-Terry: $BT_ROWS comparisons, $BT_ITEMS items, clusters of 20 rows, $B replicates, serial"
	"${PSQL[@]}" -At -c "SELECT 'ordered pairs ' || jsonb_array_length(s::text::jsonb->'first') || ', state ' || pg_size_pretty(octet_length(s::text)::bigint) || ' as text' FROM bench_bt_boot"
	bt=$(time_queries \
		"bt_state|SELECT bt_state_agg(a, b, o, 1.0) FROM bench_bt" \
		"bt_bootstrap|SELECT bt_bootstrap(a, b, o, 1.0, c, $B) FROM bench_bt" \
		"bt_fit|SELECT bt_fit(s) FROM bench_bt_counts" \
		"bt_ci|SELECT * FROM bench_bt_boot, bt_ci(s)")
	echo "$bt"
	local cnt boot fit ci
	cnt=$(awk '$1 == "bt_state" {print $2}' <<<"$bt")
	boot=$(awk '$1 == "bt_bootstrap" {print $2}' <<<"$bt")
	fit=$(awk '$1 == "bt_fit" {print $2}' <<<"$bt")
	ci=$(awk '$1 == "bt_ci" {print $2}' <<<"$bt")
	printf '%-66s %s\n' "bt_bootstrap ($B replicates) / bt_state scan" \
		"$(awk -v a="$boot" -v b="$cnt" 'BEGIN {printf "%.2fx", a / b}')"
	printf '%-66s %s\n' "bt_ci (1 + $B fits) / one bt_fit of the stored bt_state" \
		"$(awk -v a="$ci" -v b="$fit" 'BEGIN {printf "%.1fx", a / b}')"
	printf '%-66s %s\n' "bt_ci / ($B + 1) bt_fit" \
		"$(awk -v a="$ci" -v b="$fit" -v n="$B" 'BEGIN {printf "%.2fx", a / (b * (n + 1))}')"
	"${PSQL[@]}" -c "DROP TABLE bench_bt, bench_bt_counts, bench_bt_boot"
}
if [ "${BENCH_BT_ONLY:-0}" = 1 ]; then
	bt_part
	exit 0
fi

echo "-- $ROWS rows, serial"
big=$(time_queries \
	"agg|SELECT calibration_state_agg(p, y, 15) FROM bench_boot" \
	"boot_row|SELECT calibration_bootstrap(p, y, 15, k, $B) FROM bench_boot" \
	"boot_cluster|SELECT calibration_bootstrap(p, y, 15, c, $B) FROM bench_boot")
echo "$big"

echo "-- $SUB rows, serial"
SQLBOOT="SELECT r, sum(abs(sy - sp)) / sum(sw) AS ece FROM (
  SELECT g.r, greatest(ceil(t.p * 15)::int, 1) AS bin,
         sum(w) AS sw, sum(w * t.p) AS sp, sum(w * t.y::int) AS sy
  FROM bench_boot_small t, generate_series(1, $B) g(r),
       LATERAL (SELECT bootstrap_weight(t.k, g.r)::float8 AS w) x
  GROUP BY 1, 2) q GROUP BY r"
small=$(time_queries \
	"boot_small|SELECT calibration_bootstrap(p, y, 15, k, $B) FROM bench_boot_small" \
	"plain_sql|$SQLBOOT")
echo "$small"

# numpy: export, then the same per-replicate bin sums, with the documented
# generator (keys hashed in Python: the same replicates) and with numpy's
# own Poisson generator (other replicates, numpy's fastest)
np_ms=n/a
np2_ms=n/a
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
if "$PY" -c 'import numpy' 2>/dev/null; then
	csv=$(mktemp)
	pyf=$(mktemp)
	cat >"$pyf" <<'PY'
import sys
import numpy as np
path, B, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = np.genfromtxt(path, delimiter=",", dtype=None, encoding="utf-8")
p = data["f0"].astype(float)
y = data["f1"].astype(float)
b = np.ceil(p * 15).astype(int).clip(1, 15) - 1
M = (1 << 64) - 1
if mode == "same":
    def mix(z):
        z ^= z >> 30; z = (z * 0xbf58476d1ce4e5b9) & M
        z ^= z >> 27; z = (z * 0x94d049bb133111eb) & M
        return z ^ (z >> 31)
    s = mix(0)
    keys = data["f2"].astype(str)
    kh = np.empty(len(keys), dtype=np.uint64)
    for i, key in enumerate(keys):
        h = 0xcbf29ce484222325
        for byte in key.encode():
            h = ((h ^ byte) * 0x100000001b3) & M
        kh[i] = mix(h ^ s)
    T = np.array([3313563428353948, 6627126856707896, 8283908570884870,
        8836169142277195, 8974234285125276, 9001847313694892, 9006449485123162,
        9007106938184343, 9007189119816991, 9007198251109507, 9007199164238759,
        9007199247250509, 9007199254168155, 9007199254700281, 9007199254738290,
        9007199254740824, 9007199254740983], dtype=np.uint64)
rng = np.random.default_rng(0)
ece = np.empty(B)
for r in range(B):
    if mode == "same":
        z = kh + np.uint64((r + 1) * 0x9e3779b97f4a7c15 & M)
        z ^= z >> np.uint64(30); z *= np.uint64(0xbf58476d1ce4e5b9)
        z ^= z >> np.uint64(27); z *= np.uint64(0x94d049bb133111eb)
        z ^= z >> np.uint64(31)
        w = np.searchsorted(T, z >> np.uint64(11), side="right").astype(float)
    else:
        w = rng.poisson(1.0, len(p)).astype(float)
    sw = np.bincount(b, w, 15); sp = np.bincount(b, w * p, 15); sy = np.bincount(b, w * y, 15)
    ece[r] = np.abs(sy - sp).sum() / sw.sum()
PY
	t_same=()
	t_own=()
	for ((r = 0; r < REPS; r++)); do
		for mode in same own; do
			t0=$(date +%s%N)
			"${PSQL[@]}" -c "\\copy (SELECT p, y::int, k FROM bench_boot_small) TO '$csv' WITH (FORMAT csv)"
			"$PY" "$pyf" "$csv" "$B" "$mode"
			t1=$(date +%s%N)
			if [ $mode = same ]; then t_same+=($(( (t1 - t0) / 1000000 ))); else t_own+=($(( (t1 - t0) / 1000000 ))); fi
		done
	done
	rm -f "$csv" "$pyf"
	np_ms=$(printf '%s\n' "${t_same[@]}" | median)
	np2_ms=$(printf '%s\n' "${t_own[@]}" | median)
fi
echo "numpy_small $np_ms"
echo "numpy_small_own_generator $np2_ms"

get() { awk -v k="$2" '$1 == k {print $2}' <<<"$1"; }
agg=$(get "$big" agg); br=$(get "$big" boot_row); bc=$(get "$big" boot_cluster)
bs=$(get "$small" boot_small); ps=$(get "$small" plain_sql)
echo
echo "-- ratios (medians)"
printf '%-66s %s\n' "calibration_bootstrap ($B replicates, row keys) / calibration_state_agg, $ROWS rows" \
	"$(awk -v a="$br" -v b="$agg" 'BEGIN {printf "%.2fx", a / b}')"
printf '%-66s %s\n' "calibration_bootstrap ($B replicates, clusters of 100) / calibration_state_agg" \
	"$(awk -v a="$bc" -v b="$agg" 'BEGIN {printf "%.2fx", a / b}')"
printf '%-66s %s\n' "plain SQL replicate join / calibration_bootstrap, $SUB rows" \
	"$(awk -v a="$ps" -v b="$bs" 'BEGIN {printf "%.1fx", a / b}')"
if [ "$np_ms" != n/a ]; then
	printf '%-66s %s\n' "numpy (export + bootstrap) / calibration_bootstrap, $SUB rows" \
		"$(awk -v a="$np_ms" -v b="$bs" 'BEGIN {printf "%.1fx", a / b}')"
	printf '%-66s %s\n' "numpy, its own Poisson generator / calibration_bootstrap" \
		"$(awk -v a="$np2_ms" -v b="$bs" 'BEGIN {printf "%.1fx", a / b}')"
else
	echo "numpy comparison skipped: $PY has no numpy"
fi
if [ "$BT_ROWS" -gt 0 ]; then
	echo
	bt_part
fi
