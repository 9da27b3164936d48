#!/bin/bash
# test/fuzz/run-fuzz.sh: the targeted fuzzer (test/fuzz/fuzz.py) against a
# throwaway cluster with an assertion-enabled build of prefcal and the
# hostile tables of test/fuzz/hostile-tables.sql.
#
#   test/fuzz/run-fuzz.sh [fuzz.py options]     e.g. --seconds 300 --seed 7
#   FUZZ_SEED=7 FUZZ_SECONDS=300 test/fuzz/run-fuzz.sh
#   PREFCAL_USE_ENV=1 test/fuzz/run-fuzz.sh     use the cluster PG* names
#
# Prints statements run, errors by SQLSTATE class, crashes and internal
# (XX) errors with reproducers; exits non-zero on any crash, internal error
# or type round-trip mismatch.  Not part of `make test`.
set -uo pipefail
. "$(dirname "$0")/cluster.sh"

db=prefcal_fuzz
pc_fresh_db $db || exit 2
offset=0
[ -n "$PC_SERVER_LOG" ] && [ -r "$PC_SERVER_LOG" ] && offset=$(stat -c %s "$PC_SERVER_LOG")
mkdir -p "$PC_ROOT/test/fuzz/out"
PGDATABASE=$db /usr/bin/python3 "$PC_ROOT/test/fuzz/fuzz.py" \
	--findings "$PC_ROOT/test/fuzz/out/fuzz-findings.sql" \
	--seed "${FUZZ_SEED:-$RANDOM}" --seconds "${FUZZ_SECONDS:-120}" \
	${PC_SERVER_LOG:+--server-log "$PC_SERVER_LOG" --server-log-offset "$offset"} "$@"
