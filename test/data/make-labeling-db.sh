#!/bin/bash
# test/data/make-labeling-db.sh: regenerate the bundled labeling database
# (test/data/labeling/*.csv*) with prefcal's seeded simulator.  Builds and
# installs prefcal into a temporary DESTDIR, starts a throwaway cluster
# (pg_virtualenv) and runs test/data/make-labeling-db.sql in it.  The output
# depends only on the seed and the simulator's code.
set -euo pipefail
cd "$(dirname "$0")/../.."
PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
make -s PG_CONFIG="$PG_CONFIG"
D=$(mktemp -d -t prefcal-data.XXXXXX)
trap 'rm -rf "$D"' EXIT
chmod 755 "$D"
make -s install PG_CONFIG="$PG_CONFIG" DESTDIR="$D" >/dev/null
pg_virtualenv -t -v "$PG_MAJOR" -o "extension_destdir=$D" \
	sh -c 'psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION prefcal" -f test/data/make-labeling-db.sql'
ls -l test/data/labeling/
