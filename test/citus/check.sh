#!/bin/bash
# test/citus/check.sh: run every aggregate prefcal installs on a real Citus
# cluster and compare with the same table kept local on the coordinator.
#
# By hand, not part of make test (Citus is not packaged for Debian 12).
# Connection to the coordinator: CITUS_HOST, CITUS_PORT, CITUS_USER,
# CITUS_DB, each defaulting to the matching PG* variable.  Options:
#   CITUS_ROWS    rows of the generated table (default 20000)
#   CITUS_SHARDS  shards of the distributed copy (default 8)
#   CITUS_KEEP    set to keep the schema prefcal_citus_check afterwards
# prefcal must be installed (files) on every node; the script runs CREATE
# EXTENSION prefcal on the coordinator if it is missing, which Citus
# propagates to the workers.  It exits 0 with a message when no
# coordinator with Citus is reachable, 1 when any aggregate differs or
# fails, else 0.  doc/citus.md says what is compared.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

[ -n "${CITUS_HOST:-}" ] && export PGHOST=$CITUS_HOST
[ -n "${CITUS_PORT:-}" ] && export PGPORT=$CITUS_PORT
[ -n "${CITUS_USER:-}" ] && export PGUSER=$CITUS_USER
[ -n "${CITUS_DB:-}" ] && export PGDATABASE=$CITUS_DB
where="host ${PGHOST:-(default)} port ${PGPORT:-(default)} database ${PGDATABASE:-(default)}"

if ! db=$(psql -X -At -c 'SELECT current_database()' 2>/dev/null); then
	echo "test/citus/check.sh: skipped: no server reachable at $where"
	exit 0
fi
export PGDATABASE=$db
citus=$(psql -X -At -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'" 2>/dev/null)
if [ -z "$citus" ]; then
	echo "test/citus/check.sh: skipped: the server at $where has no citus extension"
	exit 0
fi
exec perl -I "$here/../lib" "$here/check.pl"
