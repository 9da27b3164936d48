#!/bin/bash
# test/in-cluster.sh: run every test against the cluster that PG* names.
# Called by test/run-tests.sh inside pg_virtualenv; can also be pointed at
# any scratch cluster where prefcal is installed (PGHOST, PGPORT, PGUSER).
set -uo pipefail
cd "$(dirname "$0")/.."
: "${PG_CONFIG:=pg_config}"
status=0

echo "== pg_regress (prefcal.simd = auto) =="
if ! make -s installcheck PG_CONFIG="$PG_CONFIG"; then
	status=1
	cat regression.diffs 2>/dev/null | head -200
fi

echo "== pg_regress (prefcal.simd = scalar) =="
mkdir -p results-scalar
if ! PGOPTIONS="-c prefcal.simd=scalar" make -s installcheck PG_CONFIG="$PG_CONFIG" \
		REGRESS_OUTDIR=results-scalar; then
	status=1
	cat results-scalar/regression.diffs 2>/dev/null | head -200
fi

echo "== TAP tests (test/t) =="
if ls test/t/*.t >/dev/null 2>&1; then
	prove --timer test/t/*.t || status=1
fi

exit $status
