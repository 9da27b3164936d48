#!/bin/bash
# test/demo/sweep.sh DB OUT: the study's sweep mode (doc/study/sweep/*.sql)
# in database DB of the cluster PG* names, written to folder OUT:
# sweep.md (the table), sweep.csv (every number) and sweep.svg (the plot).
# PREFCAL_SWEEP_SEEDS (default 3) seeds per grid point; PREFCAL_SWEEP_AXES
# a comma-separated subset of the axes (default all).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:?database}
out=${2:?output folder}
seeds=${PREFCAL_SWEEP_SEEDS:-3}
axes=${PREFCAL_SWEEP_AXES:-}
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

psql_db -v sweep_seeds="$seeds" -v sweep_axes="$axes" -f doc/study/sweep/00_setup.sql 2>&1 |
	grep -v '^NOTICE:' || true
psql_db -At -f doc/study/sweep/01_run.sql
psql_db -f doc/study/sweep/02_output.sql
psql_db -At -c "SELECT simsweep.markdown()" > "$out/sweep.md"
psql_db -c "COPY (SELECT axis, value, is_default, remedy, seeds, train_judgments, ece_truth,
	ece_truth_min, ece_truth_max, ece_feature, confidence_ratio, ece_labels, note
	FROM simsweep.summary ORDER BY axis_ord, value, remedy_ord) TO STDOUT WITH (FORMAT csv, HEADER)" > "$out/sweep.csv"
psql_db -At -c "SELECT simsweep.svg()" > "$out/sweep.svg"
echo "        $out/sweep.md"
echo "        $out/sweep.csv"
echo "        $out/sweep.svg"
