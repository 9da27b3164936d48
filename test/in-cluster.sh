#!/bin/bash
# test/in-cluster.sh: run every test against the cluster that PG* names.
# Called by test/run-tests.sh inside pg_virtualenv; can also be pointed at
# any scratch cluster where prefcal is installed (PGHOST, PGPORT, PGUSER).
set -uo pipefail
cd "$(dirname "$0")/.."
: "${PG_CONFIG:=pg_config}"
status=0
# For a quick loop: PREFCAL_REGRESS="name ..." runs only those pg_regress
# tests, PREFCAL_TAP="test/t/x.t ..." only those TAP tests, PREFCAL_QUICK=1
# skips the second (scalar) pg_regress pass.
regress=()
[ -n "${PREFCAL_REGRESS:-}" ] && regress=(REGRESS="$PREFCAL_REGRESS")
tap=${PREFCAL_TAP:-test/t/*.t}

echo "== pg_regress (prefcal.simd = auto) =="
if ! make -s installcheck PG_CONFIG="$PG_CONFIG" "${regress[@]}"; then
	status=1
	cat regression.diffs 2>/dev/null | head -200
fi

if [ -z "${PREFCAL_QUICK:-}" ]; then
	echo "== pg_regress (prefcal.simd = scalar) =="
	mkdir -p results-scalar
	if ! PGOPTIONS="-c prefcal.simd=scalar" make -s installcheck PG_CONFIG="$PG_CONFIG" \
			REGRESS_OUTDIR=results-scalar "${regress[@]}"; then
		status=1
		cat results-scalar/regression.diffs 2>/dev/null | head -200
	fi
fi

echo "== TAP tests (test/t) =="
# shellcheck disable=SC2086
if ls $tap >/dev/null 2>&1; then
	prove --timer -I test/lib $tap || status=1
fi

exit $status
