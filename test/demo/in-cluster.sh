#!/bin/bash
# test/demo/in-cluster.sh: the demo's steps inside the throwaway cluster
# that PG* names (called by test/demo/run-demo.sh).  PREFCAL_DEMO_OUT is the
# output folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${PREFCAL_DEMO_OUT:?}
db=prefcal_demo
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

step() { echo; echo "[demo] $(date +%T) $*"; }

psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
psql_db -c "CREATE EXTENSION prefcal"
step "1/8 loading the bundled labeling database (test/data/labeling/)"
psql_db -f test/data/load-labeling.sql
psql_db -At -c "SELECT format('        %s judgments by %s annotators on %s pairs of %s items in %s domains',
	count(*), count(DISTINCT annotator), count(DISTINCT (item_a, item_b)),
	(SELECT count(*) FROM labeling.items), (SELECT count(DISTINCT domain) FROM labeling.items))
	FROM labeling.judgments"

n=2
for f in doc/study/00_input.sql doc/study/01_split.sql doc/study/02_consistency.sql \
		doc/study/03_fit.sql doc/study/04_evaluate.sql doc/study/05_report.sql; do
	case $f in
	*00_*) what="mapping the labeling tables (study.judgments)" ;;
	*01_*) what="splitting by item pair: train / validation / test" ;;
	*02_*) what="classifying (annotator, pair) groups with classify_preference_consistency" ;;
	*03_*) what="fitting one Bradley-Terry model per remedy and domain; temperature on validation" ;;
	*04_*) what="measuring held-out calibration (orientations, targets, slices)" ;;
	*05_*) what="verdicts and tables" ;;
	esac
	step "$n/8 $what ($f)"
	psql_db -f "$f"
	n=$((n + 1))
done

step "8/8 writing reliability diagrams and the report to $out"
remedies=$(psql_db -At -c "SELECT remedy FROM study.remedies ORDER BY ord")
for r in $remedies; do
	file="$out/reliability-${r//+/-}.svg"
	psql_db -At -c "SELECT calibration_svg(cal,
		format('%s: P(item_a beats item_b), test', remedy))
		FROM study.metrics WHERE remedy = '$r' AND orientation = 'pair'
		AND target = 'observed' AND slice_kind = 'overall'" > "$file"
	echo "        $file"
done
psql_db -At -f doc/study/06_markdown.sql > "$out/report.md"
echo "        $out/report.md"

step "sweep: one simulator parameter at a time (test/demo/sweep.sh, doc/study/sweep/)"
./test/demo/sweep.sh "$db" "$out"
