#!/bin/bash
# test/demo/real-data.sh: the demo's real-data section.  Runs in the
# cluster that PG* names, with prefcal installable there; run from anywhere
# (it works from the repository root).
#
#   test/demo/real-data.sh OUTDIR [DATABASE]
#
# Creates DATABASE (default prefcal_realdata; dropped first if it exists)
# with prefcal, loads the bundled real data set (test/data/soundquality/),
# runs the analyst path's checks and consistency classes
# (doc/study/01_split.sql, 02_consistency.sql on
# test/demo/real-data/00_input.sql) and test/demo/real-data/analysis.sql,
# and writes OUTDIR/real-data.md (a markdown section: the checks, held-out
# listener calibration with intervals, consistency classes, agreement, and
# what the data cannot tell) and OUTDIR/real-data-reliability.svg.
# Progress lines go to standard output.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: test/demo/real-data.sh OUTDIR [DATABASE]}
db=${2:-prefcal_realdata}
mkdir -p "$out"
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
say() { echo "[real data] $(date +%T) $*"; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql_db -c "CREATE EXTENSION prefcal"
say "loading test/data/soundquality/ (SoundQuality, psychotools)"
psql_db -f test/data/load-soundquality.sql 2>/dev/null
say "the analyst path's checks and consistency classes"
psql_db -f test/demo/real-data/00_input.sql 2>/dev/null
psql_db -f doc/study/01_split.sql >/dev/null
psql_db -f doc/study/02_consistency.sql >/dev/null
psql_db -At -c "SELECT format('        %s: %s', name, detail) FROM study.checks WHERE status <> 'ok' ORDER BY ord"
say "held-out listener calibration with bootstrap intervals, classes, agreement"
psql_db -f test/demo/real-data/analysis.sql 2>/dev/null
psql_db -At -c "SELECT calibration_svg(pooled, 'Pooled Bradley-Terry model, held-out listeners')
	FROM realdata.boot WHERE slice_kind = 'overall'" > "$out/real-data-reliability.svg"
psql_db -At -f test/demo/real-data/report.sql > "$out/real-data.md"
psql_db -At -c "SELECT format('        held-out listeners: ECE %s [%s, %s] (pooled model)', round(estimate::numeric, 4),
	round(lower::numeric, 4), round(upper::numeric, 4)) FROM realdata.calibration WHERE slice_kind = 'overall' AND metric = 'ece'"
say "wrote $out/real-data.md and $out/real-data-reliability.svg"
