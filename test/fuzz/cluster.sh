# test/fuzz/cluster.sh: sourced by the run-*.sh scripts under test/fuzz and
# test/memcheck.  Builds prefcal in a scratch copy of the source tree (so the
# checkout's own objects are never touched), installs it into a temporary
# DESTDIR and re-runs the calling script inside a throwaway cluster
# (pg_virtualenv, Debian's extension_destdir), exactly as test/run-tests.sh
# does.  Set PREFCAL_USE_ENV=1 to skip all that and use the cluster the PG*
# variables name (prefcal must then be installable there).
#
# The caller sets, before sourcing:
#   PC_CFLAGS         extra CFLAGS for the build (default: assertions on)
#   PC_SHLIB_LINK     extra link flags (optional)
#   PC_SERVER_OPTS    array of extra "-o name=value" for the server (optional)
# After sourcing, inside the cluster: PC_SERVER_LOG (the server's log file
# or empty), PC_ROOT (the checkout).

PC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PG_MAJOR=${PG_MAJOR:-15}
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}

pc_build_install()
{
	local build
	build=$(mktemp -d -t prefcal-build.XXXXXX)
	PC_DESTDIR=$(mktemp -d -t prefcal-install.XXXXXX)
	chmod 755 "$PC_DESTDIR"
	(cd "$PC_ROOT" && cp -r Makefile prefcal.control src "$build"/ &&
		for f in prefcal--*--*.sql; do [ -e "$f" ] && cp "$f" "$build"/; done; true)
	echo "== build prefcal in $build (CFLAGS: ${PC_CFLAGS-} ${PC_SHLIB_LINK-}) =="
	make -s -C "$build" PG_CONFIG="$PG_CONFIG" \
		PREFCAL_CFLAGS="${PC_CFLAGS-}" SHLIB_LINK="-lm ${PC_SHLIB_LINK-}" >/dev/null || exit 2
	make -s -C "$build" install PG_CONFIG="$PG_CONFIG" DESTDIR="$PC_DESTDIR" >/dev/null || exit 2
	rm -rf "$build"
}

if [ -z "${PREFCAL_USE_ENV:-}" ] && [ -z "${PC_INSIDE:-}" ]; then
	: "${PC_CFLAGS=-DUSE_ASSERT_CHECKING -g -O1}"
	pc_build_install
	trap 'rm -rf "$PC_DESTDIR"' EXIT
	chmod -R a+rX "$PC_ROOT" 2>/dev/null || true
	export PC_INSIDE=1 PC_DESTDIR
	# a random free port: pg_virtualenv's own choice clashes when several
	# clusters start at once on one machine
	port=""
	for _ in $(seq 1 50); do
		p=$((54000 + RANDOM % 1000))
		[ -e "/var/run/postgresql/.s.PGSQL.$p.lock" ] || [ -e "/tmp/.s.PGSQL.$p.lock" ] || { port=$p; break; }
	done
	echo "== throwaway cluster (pg_virtualenv, port ${port:-auto}) =="
	# shellcheck disable=SC2068
	pg_virtualenv -t -v "$PG_MAJOR" ${port:+-c "-p $port"} \
		-o "extension_destdir=$PC_DESTDIR" \
		-o "max_worker_processes=16" -o "max_parallel_workers=8" \
		${PC_SERVER_OPTS[@]+"${PC_SERVER_OPTS[@]}"} \
		"$0" "$@"
	exit $?
fi

PC_SERVER_LOG=${PC_SERVER_LOG:-}
if [ -z "$PC_SERVER_LOG" ] && [ -n "${PC_INSIDE:-}" ]; then
	PC_SERVER_LOG=$(pg_lsclusters -h 2>/dev/null | awk -v p="${PGPORT:-5432}" '$3 == p { print $7; exit }')
fi
export PC_SERVER_LOG

# pc_fresh_db NAME: (re)create database NAME with prefcal and the hostile
# tables of test/fuzz/hostile-tables.sql
pc_fresh_db()
{
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" &&
	psql -X -q -d postgres -c "CREATE DATABASE $1" &&
	psql -X -q -d "$1" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION prefcal" &&
	psql -X -q -d "$1" -v ON_ERROR_STOP=1 -f "$PC_ROOT/test/fuzz/hostile-tables.sql" >/dev/null
}
