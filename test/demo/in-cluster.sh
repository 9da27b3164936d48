#!/bin/bash
# test/demo/in-cluster.sh: the demo's steps inside the throwaway cluster
# that PG* names (called by test/demo/run-demo.sh).  PREFCAL_DEMO_OUT is the
# output folder.
#
#   PREFCAL_DEMO_REPLICATES  simulated databases (seeds 1..S), default 10
#   PREFCAL_DEMO_JOBS        sessions running replicates at once, default 2
#   PREFCAL_DEMO_PARAMS      simulate_preference_study parameters (jsonb),
#                            default '{}'
#   PREFCAL_DEMO_BOOT        bootstrap replicates per state, default 200
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${PREFCAL_DEMO_OUT:?}
S=${PREFCAL_DEMO_REPLICATES:-10}
jobs=${PREFCAL_DEMO_JOBS:-2}
params=${PREFCAL_DEMO_PARAMS:-'{}'}
boot=${PREFCAL_DEMO_BOOT:-200}
db=prefcal_demo
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

step() { echo; echo "[demo] $(date +%T) $*"; }

rm -f "$out/sweep.md" "$out/real-data.md"
case $S in ''|*[!0-9]*) echo "PREFCAL_DEMO_REPLICATES must be a number >= 2" >&2; exit 2 ;; esac
[ "$S" -ge 2 ] || { echo "PREFCAL_DEMO_REPLICATES must be >= 2 (intervals across replicates)" >&2; exit 2; }

psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
psql_db -c "CREATE EXTENSION prefcal"

step "1/6 the replicated study: schema simstudy (doc/study/sim/00_setup.sql, 01_replicate.sql)"
psql_db -v sim_params="$params" -v boot_replicates="$boot" -f doc/study/sim/00_setup.sql
psql_db -f doc/study/sim/01_replicate.sql

step "2/6 $S simulated databases, $jobs at a time: simulate, fit $(psql_db -At -c "SELECT count(*) FROM simstudy.remedies") remedies, bootstrap"
worker() {
	local seed
	for ((seed = $1; seed <= S; seed += jobs)); do
		psql_db -c "SELECT simstudy.run_replicate($seed)" >/dev/null
		psql_db -At -c "SELECT format('        seed %s: %s judgments, %s test pairs, %s s (%s of %s done)',
			seed, judgments, test_pairs, round(seconds::numeric, 1),
			(SELECT count(*) FROM simstudy.replicates), $S)
			FROM simstudy.replicates WHERE seed = $seed"
	done
}
pids=()
for ((j = 1; j <= jobs; j++)); do
	worker "$j" &
	pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ "$fail" -eq 0 ] || { echo "[demo] a replicate failed" >&2; exit 1; }

step "3/6 summary across replicates, verdicts, the generated answer (doc/study/sim/02_summary.sql)"
psql_db -f doc/study/sim/02_summary.sql
psql_db -At -c "SELECT paragraph FROM simstudy.answer" | fold -s -w 100 | sed 's/^/        /'

step "4/6 writing the report and the reliability diagrams to $out"
remedies=$(psql_db -At -c "SELECT remedy FROM simstudy.remedies WHERE remedy IN (SELECT remedy FROM simstudy.states) ORDER BY ord")
for r in $remedies; do
	file="$out/reliability-${r//+/-}.svg"
	psql_db -At -c "SELECT calibration_svg(calibration_bootstrap_state_merge(st),
		format('%s: P(first preferred) against true_p_first, test, %s databases pooled', '$r', count(*)))
		FROM simstudy.states WHERE remedy = '$r' AND target = 'truth'" > "$file"
done
echo "        $out/reliability-*.svg ($(echo "$remedies" | wc -w) diagrams)"
psql_db -At -f doc/study/sim/03_markdown.sql > "$out/report.md"
echo "        $out/report.md"

step "5/6 the sweep and the real-data study"
echo "        sweep: one simulator parameter at a time (test/demo/sweep.sh, doc/study/sweep/)"
./test/demo/sweep.sh "$db" "$out"
./test/demo/real-data.sh "$out"
if [ -f "$out/sweep.md" ]; then
	{ echo; echo "## The sweep"; echo
	  echo "One simulator parameter at a time ([sweep.svg](sweep.svg), every number in [sweep.csv](sweep.csv); \`doc/study.md\`, *The sweep*)."
	  echo; cat "$out/sweep.md"; } >> "$out/report.md"
fi
if [ -f "$out/real-data.md" ]; then
	{ echo; cat "$out/real-data.md"; } >> "$out/report.md"
fi

step "6/6 the analyst path on the bundled labeling database (doc/study/*.sql)"
mkdir -p "$out/analyst"
psql_db -f test/data/load-labeling.sql
for f in doc/study/0[0-5]_*.sql; do
	psql_db -f "$f" >/dev/null
done
psql_db -At -f doc/study/06_markdown.sql > "$out/analyst/report.md"
echo "        $out/analyst/report.md"
cat >> "$out/report.md" <<MD

## The analyst path on the bundled labeling database

The same questions asked of a table without a simulator behind it
(\`doc/study/*.sql\` on \`test/data/labeling/\`): [analyst/report.md](analyst/report.md).
MD
