#!/bin/bash
# test/demo/sweep.sh DB OUT: the study's sweep mode (doc/study/sweep/*.sql)
# in database DB of the cluster PG* names, written to folder OUT:
# sweep.md (the table), sweep.csv (every number) and sweep.svg (the plot).
# PREFCAL_SWEEP_SEEDS (default 3) seeds per grid point; PREFCAL_SWEEP_AXES
# a comma-separated subset of the axes (default all); PREFCAL_SWEEP_JOBS
# (default 2) sessions that share the points.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:?database}
out=${2:?output folder}
seeds=${PREFCAL_SWEEP_SEEDS:-3}
axes=${PREFCAL_SWEEP_AXES:-}
jobs=${PREFCAL_SWEEP_JOBS:-2}
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

psql_db -v sweep_seeds="$seeds" -v sweep_axes="$axes" \
	-c 'SET client_min_messages = warning' -f doc/study/sweep/00_setup.sql
pids=()
for ((job = 0; job < jobs; job++)); do
	psql_db -At -v sweep_jobs="$jobs" -v sweep_job="$job" -f doc/study/sweep/01_run.sql &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid"
done
psql_db -c 'SET client_min_messages = warning' -f doc/study/sweep/02_output.sql
psql_db -At -c "SELECT simsweep.markdown()" > "$out/sweep.md"
psql_db -c "COPY (SELECT axis, value, is_default, remedy, seeds, train_judgments, ece_truth,
	ece_truth_min, ece_truth_max, ece_feature, confidence_ratio, ece_labels, note
	FROM simsweep.summary ORDER BY axis_ord, value, remedy_ord) TO STDOUT WITH (FORMAT csv, HEADER)" > "$out/sweep.csv"
psql_db -At -c "SELECT simsweep.svg()" > "$out/sweep.svg"
echo "        $out/sweep.md"
echo "        $out/sweep.csv"
echo "        $out/sweep.svg"
