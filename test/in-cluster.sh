#!/bin/bash
# test/in-cluster.sh: run every test against the cluster that PG* names.
# Called by test/run-tests.sh inside pg_virtualenv; can also be pointed at
# any scratch cluster where prefcal is installed (PGHOST, PGPORT, PGUSER).
set -uo pipefail
cd "$(dirname "$0")/.."
: "${PG_CONFIG:=pg_config}"
status=0
# For a quick loop: PREFCAL_REGRESS="name ..." runs only those pg_regress
# tests, PREFCAL_ISOLATION="spec ..." only those isolation specs (specs/;
# "none" for none), PREFCAL_TAP="test/t/x.t ..." only those TAP tests,
# PREFCAL_QUICK=1 skips the second (scalar) pg_regress pass.
regress=()
[ -n "${PREFCAL_REGRESS:-}" ] && regress=(REGRESS="$PREFCAL_REGRESS")
isolation=()
if [ "${PREFCAL_ISOLATION:-}" = none ]; then
	isolation=(ISOLATION=)
elif [ -n "${PREFCAL_ISOLATION:-}" ]; then
	isolation=(ISOLATION="$PREFCAL_ISOLATION")
fi
tap=${PREFCAL_TAP:-test/t/*.t}

# installcheck runs the pg_regress tests, then the isolation specs
# (pg_isolation_regress: refits against concurrent writers)
echo "== pg_regress (prefcal.simd = auto) and isolation specs =="
if ! make -s installcheck PG_CONFIG="$PG_CONFIG" "${regress[@]}" "${isolation[@]}"; then
	status=1
	cat regression.diffs 2>/dev/null | head -200
	cat output_iso/regression.diffs 2>/dev/null | head -200
fi

if [ -z "${PREFCAL_QUICK:-}" ]; then
	echo "== pg_regress (prefcal.simd = scalar) =="
	mkdir -p results-scalar
	if ! PGOPTIONS="-c prefcal.simd=scalar" make -s installcheck PG_CONFIG="$PG_CONFIG" \
			REGRESS_OUTDIR=results-scalar "${regress[@]}" ISOLATION=; then
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
