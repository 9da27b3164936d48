#!/bin/bash
# test/demo/run-demo.sh: what `make demo` runs.
#
# 1. installs missing Debian packages (test/deps.sh);
# 2. builds prefcal (optimised, no assertions);
# 3. installs it into a temporary DESTDIR (never into the system), made
#    visible to a throwaway cluster through Debian's extension_destdir;
# 4. in that cluster (pg_virtualenv), test/demo/in-cluster.sh runs the
#    replicated study (doc/study/sim/*.sql) over PREFCAL_DEMO_REPLICATES
#    simulated databases (default 10), the sweep (test/demo/sweep.sh), the
#    real-data study (test/demo/real-data.sh) and the analyst path
#    (doc/study/*.sql) on the bundled labeling database (test/data/labeling/);
# 5. writes report.md, reliability diagrams (SVG, one per remedy) and
#    analyst/report.md to the output folder: $PREFCAL_DEMO_OUT, default
#    ./prefcal-demo-output/.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)

export PG_MAJOR=${PG_MAJOR:-15}
echo "[demo] checking packages (test/deps.sh)"
./test/deps.sh

PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
export PG_CONFIG

echo "[demo] building prefcal (optimised)"
make -s clean PG_CONFIG="$PG_CONFIG" >/dev/null
make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null

PREFCAL_DESTDIR=$(mktemp -d -t prefcal-demo.XXXXXX)
trap 'rm -rf "$PREFCAL_DESTDIR"' EXIT
chmod 755 "$PREFCAL_DESTDIR"
make -s install PG_CONFIG="$PG_CONFIG" DESTDIR="$PREFCAL_DESTDIR" >/dev/null
# the cluster's server user must be able to read the checkout
chmod -R a+rX . 2>/dev/null || true

out=${PREFCAL_DEMO_OUT:-./prefcal-demo-output}
mkdir -p "$out"
PREFCAL_DEMO_OUT=$(cd "$out" && pwd)
export PREFCAL_DEMO_OUT

echo "[demo] starting a throwaway cluster (pg_virtualenv)"
# retry on a port clash with another cluster starting at the same moment
for attempt in 1 2 3; do
	log=$(mktemp -t prefcal-demo-log.XXXXXX)
	set +e
	pg_virtualenv -t -v "$PG_MAJOR" \
		-o "extension_destdir=$PREFCAL_DESTDIR" \
		-o "max_parallel_workers_per_gather=2" \
		./test/demo/in-cluster.sh 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ] && grep -q "Port conflict" "$log" && [ "$attempt" -lt 3 ]; then
		rm -f "$log"
		echo "[demo] port clash, retrying"
		sleep 3
		continue
	fi
	rm -f "$log"
	break
done
[ "$rc" -eq 0 ] || { echo "[demo] FAILED" >&2; exit "$rc"; }
echo "[demo] done in $(( $(date +%s) - start )) s; output in $PREFCAL_DEMO_OUT"
