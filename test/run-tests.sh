#!/bin/bash
# test/run-tests.sh: what `make test` runs.
#
# 1. installs missing Debian packages (test/deps.sh --tests);
# 2. builds prefcal with -Wall -Wextra -DUSE_ASSERT_CHECKING;
# 3. installs it into a temporary DESTDIR (never into the system's
#    PostgreSQL), made visible to a throwaway cluster through Debian's
#    extension_destdir setting;
# 4. starts that cluster with pg_virtualenv and runs, inside it,
#    test/in-cluster.sh: pg_regress twice (prefcal.simd = auto, then
#    scalar) and the TAP tests in test/t/.
set -euo pipefail
cd "$(dirname "$0")/.."

export PG_MAJOR=${PG_MAJOR:-15}
./test/deps.sh --tests

PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
export PG_CONFIG

echo "== build (assertions on) =="
make -s clean PG_CONFIG="$PG_CONFIG" >/dev/null
make -s PG_CONFIG="$PG_CONFIG" PREFCAL_CFLAGS="-DUSE_ASSERT_CHECKING -Werror"

PREFCAL_DESTDIR=$(mktemp -d -t prefcal-install.XXXXXX)
trap 'rm -rf "$PREFCAL_DESTDIR"' EXIT
chmod 755 "$PREFCAL_DESTDIR"
make -s install PG_CONFIG="$PG_CONFIG" DESTDIR="$PREFCAL_DESTDIR" >/dev/null
export PREFCAL_DESTDIR
# the postgres user must be able to read the checkout (data fixtures)
chmod -R a+rX . 2>/dev/null || true

echo "== throwaway cluster (pg_virtualenv) =="
pg_virtualenv -t -v "$PG_MAJOR" \
	-o "extension_destdir=$PREFCAL_DESTDIR" \
	-o "shared_preload_libraries=pg_cron" \
	-o "cron.database_name=prefcal_cron" \
	-o "max_worker_processes=16" \
	-o "max_parallel_workers=8" \
	./test/in-cluster.sh "$@"
