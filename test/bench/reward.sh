#!/bin/bash
# test/bench/reward.sh: reward model benchmark (doc/reward-models.md).
#
# Expects PG* to name a cluster where prefcal can be created (the database
# "${BENCH_DB:-prefcal_bench}" is created if missing).  In one run:
#   1. RW_BENCH_ROWS comparisons (default 100k; --full: 1M) with d = 64
#      float8 features per side; outcomes from known coefficients;
#   2. serial plans, RW_BENCH_REPS interleaved rounds (default 3) of: a scan
#      that reads both arrays, sum(first_features[1] + second_features[1]);
#      one gradient pass, reward_pass(w, ...); and the whole reward_fit
#      (in memory: prefcal.reward_memory is raised to hold the rows);
#      medians and their ratios;
#   3. the same rows exported (psql \copy to a file, parsed by numpy in
#      blocks) and fitted by scikit-learn LogisticRegression(lbfgs, no
#      penalty, no intercept, tol 1e-10) on the feature differences,
#      export + fit timed once; a fully converged reference: numpy Newton
#      steps from scikit-learn's solution while its largest gradient
#      component falls; the largest coefficient difference of each pair
#      relative to the largest coefficient, and each solution's largest
#      gradient component of the summed log loss (computed in numpy);
#   4. 2 parallel workers against serial for the pass and for avg(),
#      RW_BENCH_PAR_REPS interleaved rounds (default 5), and the load;
#   5. d = 1024 at RW_BENCH_BIG_ROWS rows (default 20k; --full: 200k),
#      one fit with prefcal.reward_standard_errors = on (L-BFGS, then the
#      Hessian at the optimum for the standard errors) and one with off,
#      their times, and the memory the rows and the Hessian take.
# Step 3 needs python3-numpy and python3-sklearn (BENCH_PYTHON names
# another interpreter); without them it says so.
# Targets (issue 23): pass <= 2x the scan; fit >= 10x faster than export +
# scikit-learn with the same coefficients to 1e-6.  Run alone:
#   D=$(mktemp -d); chmod 755 $D; make -s; make -s install DESTDIR=$D
#   pg_virtualenv -t -o extension_destdir=$D -o shared_buffers=1GB -o jit=off test/bench/reward.sh [--full]
set -euo pipefail
ROWS=${RW_BENCH_ROWS:-100000}
BIG_ROWS=${RW_BENCH_BIG_ROWS:-20000}
if [ "${1:-}" = --full ]; then
	ROWS=1000000
	BIG_ROWS=200000
fi
D=64
REPS=${RW_BENCH_REPS:-3}
PAR_REPS=${RW_BENCH_PAR_REPS:-5}
DB=${BENCH_DB:-prefcal_bench}
PY=${BENCH_PYTHON:-/usr/bin/python3}

psql -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
	psql -X -q -d postgres -c "CREATE DATABASE $DB"
P() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
export BENCH_DB=$DB
# shellcheck source=test/bench/lib.sh
. "$(dirname "$0")/lib.sh"
P -c "CREATE EXTENSION IF NOT EXISTS prefcal"

echo "== reward models: $ROWS comparisons, d = $D =="
P <<SQL
DROP TABLE IF EXISTS rw_bench;
SELECT setseed(0.5);
CREATE TABLE rw_bench AS
SELECT ARRAY(SELECT random() - 0.5 FROM generate_series(1, $D) WHERE g > 0) AS a,
       ARRAY(SELECT random() - 0.5 FROM generate_series(1, $D) WHERE g > 0) AS b
FROM generate_series(1, $ROWS) g;
ALTER TABLE rw_bench ADD y float8;
UPDATE rw_bench SET y = (random() < 1 / (1 + exp(-(2 * (a[1] - b[1]) - (a[2] - b[2]) + 0.5 * (a[3] - b[3])))))::int;
VACUUM ANALYZE rw_bench;
SQL
# the parameters as a constant (an expression here would be evaluated per row)
W="'{$(perl -e "print join ',', map { \$_ / 100 } 1 .. $D")}'::float8[]"
SERIAL="SET max_parallel_workers_per_gather = 0; SET prefcal.reward_memory = '4GB'"
mapfile -t T < <(bench_time "$REPS" \
	"scan|$SERIAL|SELECT sum(a[1] + b[1]) FROM rw_bench" \
	"pass|$SERIAL|SELECT reward_pass($W, a, b, y, 1) FROM rw_bench" \
	"fit|$SERIAL|SELECT reward_fit('SELECT a AS first_features, b AS second_features, y AS outcome FROM rw_bench')")
scan=$(echo "${T[0]}" | cut -d' ' -f2)
pass=$(echo "${T[1]}" | cut -d' ' -f2)
fit=$(echo "${T[2]}" | cut -d' ' -f2)
bench_row "scan sum(a[1] + b[1]) (ms, median)" "$scan" "${T[0]#* * }"
bench_row "reward_pass gradient pass (ms, median)" "$pass" "$(perl -e "printf '%.2fx the scan (target <= 2)', $pass / $scan")"
bench_row "reward_fit in memory (ms, median)" "$fit" "$(perl -e "printf '%.1f passes worth', $fit / $pass")"

P -A -t -c "SET prefcal.reward_memory = '4GB'; SELECT (SELECT pg_catalog.string_agg(coefficient::text, ' ' ORDER BY feature) FROM reward_coefficients(reward_fit('SELECT a AS first_features, b AS second_features, y AS outcome FROM rw_bench')))" > /tmp/rw_bench_coef.$$ || true
if "$PY" -c 'import numpy, sklearn' 2>/dev/null; then
	EXPORT=$(mktemp)
	t0=$(date +%s.%N)
	P -c "\\copy (SELECT a, b, y FROM rw_bench) TO '$EXPORT'"
	sk=$("$PY" - "$EXPORT" /tmp/rw_bench_coef.$$ "$t0" <<'PYEOF'
import sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
# rows "{a1,...}\t{b1,...}\ty": every number separated by a space
tr = str.maketrans("{},\t", "    ")
parts = []
with open(sys.argv[1]) as f:
    while True:
        lines = f.readlines(1 << 26)
        if not lines:
            break
        block = np.array("".join(lines).translate(tr).split(), dtype=float)
        parts.append(block.reshape(len(lines), -1))
X = np.vstack(parts)
d = (X.shape[1] - 1) // 2
Z = X[:, :d] - X[:, d:2 * d]
y = X[:, -1]
t1 = time.time()
lr = LogisticRegression(penalty=None, fit_intercept=False, solver="lbfgs", tol=1e-10, max_iter=10000)
lr.fit(Z, y)
t2 = time.time()
ours = np.array([float(x) for x in open(sys.argv[2]).read().split()])
sk = lr.coef_[0]
t0 = float(sys.argv[3])


def grad(w):
    # the gradient of the summed log loss at w
    return Z.T @ (1 / (1 + np.exp(-(Z @ w))) - y)


# the converged reference: Newton steps in numpy from scikit-learn's
# solution while the largest gradient component falls
w = sk.copy()
g = grad(w)
for it in range(20):
    p = 1 / (1 + np.exp(-(Z @ w)))
    w1 = w - np.linalg.solve(Z.T @ (Z * (p * (1 - p))[:, None]), g)
    g1 = grad(w1)
    if np.max(np.abs(g1)) >= np.max(np.abs(g)):
        break
    w, g = w1, g1


def rel(u, v):
    return np.max(np.abs(u - v)) / np.max(np.abs(v))


def gmax(u):
    return np.max(np.abs(grad(u)))


print(f"{(t2 - t0) * 1000:.1f} {(t1 - t0) * 1000:.1f} {(t2 - t1) * 1000:.1f} "
      f"{rel(ours, sk):.2e} {rel(ours, w):.2e} {rel(sk, w):.2e} "
      f"{gmax(ours):.2e} {gmax(sk):.2e} {gmax(w):.2e} {lr.n_iter_[0]} {len(y)}")
PYEOF
)
	rm -f "$EXPORT"
	read -r sk_total sk_export sk_fit d_sk d_conv d_sk_conv g_ours g_sk g_conv sk_iter n <<<"$sk"
	bench_row "psql copy export + sklearn lbfgs (ms, once)" "$sk_total" "export $sk_export, fit $sk_fit ($sk_iter iterations)"
	bench_row "reward_fit speed-up over export + sklearn" "$(perl -e "printf '%.1fx', $sk_total / $fit")" "target >= 10x"
	bench_row "max |coef difference| / max |coef|: reward_fit vs converged" "$d_conv" "target <= 1e-6; converged = numpy Newton steps from sklearn's"
	bench_row "max |coef difference| / max |coef|: reward_fit vs sklearn lbfgs" "$d_sk" "sklearn lbfgs vs converged: $d_sk_conv"
	bench_row "max |gradient| of the summed log loss" "reward_fit $g_ours" "sklearn lbfgs $g_sk, converged $g_conv ($n comparisons)"
else
	bench_row "export + sklearn" "skipped" "python3-numpy or python3-sklearn missing"
fi
rm -f /tmp/rw_bench_coef.$$

PAR="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0"
load1=$(cut -d' ' -f1 /proc/loadavg)
mapfile -t T < <(bench_time "$PAR_REPS" \
	"avg_serial|$SERIAL|SELECT avg(y) FROM rw_bench" \
	"avg_par|$PAR|SELECT avg(y) FROM rw_bench" \
	"pass_serial|$SERIAL|SELECT reward_pass($W, a, b, y, 1) FROM rw_bench" \
	"pass_par|$PAR|SELECT reward_pass($W, a, b, y, 1) FROM rw_bench")
as=$(echo "${T[0]}" | cut -d' ' -f2); ap=$(echo "${T[1]}" | cut -d' ' -f2)
ps=$(echo "${T[2]}" | cut -d' ' -f2); pp=$(echo "${T[3]}" | cut -d' ' -f2)
bench_row "avg(y): serial / 2 workers (speed-up)" "$(perl -e "printf '%.2fx', $as / $ap")" "$as ms / $ap ms"
bench_row "reward_pass: serial / 2 workers (speed-up)" "$(perl -e "printf '%.2fx', $ps / $pp")" "$ps ms / $pp ms"
bench_row "load average (1 min) before / after the parallel rounds" "$load1 / $(cut -d' ' -f1 /proc/loadavg)" "$(nproc) CPUs"

echo "== d = 1024, $BIG_ROWS comparisons =="
P <<SQL
DROP TABLE IF EXISTS rw_bench;
DROP TABLE IF EXISTS rw_bench_big;
SELECT setseed(0.25);
CREATE TABLE rw_bench_big AS
SELECT ARRAY(SELECT random() - 0.5 FROM generate_series(1, 1024) WHERE g > 0) AS a,
       ARRAY(SELECT random() - 0.5 FROM generate_series(1, 1024) WHERE g > 0) AS b
FROM generate_series(1, $BIG_ROWS) g;
ALTER TABLE rw_bench_big ADD y float8;
UPDATE rw_bench_big SET y = (random() < 1 / (1 + exp(-(2 * (a[1] - b[1]) - (a[2] - b[2])))))::int;
VACUUM ANALYZE rw_bench_big;
SQL
rowmb=$(perl -e "printf '%.0f', $BIG_ROWS * 8 * (1024 + 2) / 1048576")
# read the table once, so that both fits find it in the OS cache
P -A -t -c "SELECT count(a[1] + b[1]) FROM rw_bench_big" >/dev/null
BIGQ="SELECT reward_info(reward_fit('SELECT a AS first_features, b AS second_features, y AS outcome FROM rw_bench_big', prior => 1))"
start=$(date +%s.%N)
info=$(P -A -t -c "SET prefcal.reward_memory = '4GB'; SET prefcal.reward_standard_errors = on; $BIGQ")
end=$(date +%s.%N)
bench_row "d = 1024 fit with SEs, $BIG_ROWS rows (s)" "$(perl -e "printf '%.1f', $end - $start")" \
	"rows held in $rowmb MB, Hessian 8 MB"
bench_row "d = 1024 fit diagnostics" "" "$(echo "$info" | perl -MJSON::PP -e 'my $j = decode_json(<STDIN>); print "optimiser $j->{optimiser}, iterations $j->{iterations}, converged $j->{converged}, se_method $j->{se_method}"' 2>/dev/null || echo "$info")"
start=$(date +%s.%N)
info=$(P -A -t -c "SET prefcal.reward_memory = '4GB'; SET prefcal.reward_standard_errors = off; $BIGQ")
end=$(date +%s.%N)
bench_row "d = 1024 fit without SEs (s)" "$(perl -e "printf '%.1f', $end - $start")" \
	"$(echo "$info" | perl -MJSON::PP -e 'my $j = decode_json(<STDIN>); print "se_note: $j->{se_note}"' 2>/dev/null || echo "$info")"
P -c "DROP TABLE rw_bench_big"
