# test/memcheck/common.sh: sourced by run-valgrind.sh and run-asan.sh.
#
# These runners need control over how the postmaster is started (under
# valgrind, or with the sanitizer runtime preloaded), which pg_virtualenv
# does not give, so they make their own throwaway cluster: initdb into a
# temporary directory, a Unix socket there, no TCP, extension_destdir
# pointing at a temporary install of prefcal (Debian's server).  As root,
# the server runs as user postgres.
#
#   mc_build CFLAGS LDFLAGS     build prefcal in a scratch copy, install into
#                               $MC_DESTDIR
#   mc_start WRAPPER...         initdb and start the postmaster, prefixed by
#                               WRAPPER (e.g. valgrind ...); PG* set for clients
#   mc_stop                     stop it, remove the data directory
#   mc_regress OUTDIR [PGOPTIONS]
#                               run the pg_regress suite (sql/*.sql) against it

MC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PG_MAJOR=${PG_MAJOR:-15}
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
MC_BINDIR=$($PG_CONFIG --bindir)
MC_WORK=$(mktemp -d -t prefcal-memcheck.XXXXXX)
chmod 755 "$MC_WORK"
MC_DESTDIR=$MC_WORK/install
MC_DATA=$MC_WORK/data
MC_SOCK=$MC_WORK/sock
mkdir -p "$MC_DESTDIR" "$MC_SOCK" "$MC_WORK/logs"
chmod 777 "$MC_SOCK" "$MC_WORK/logs"

mc_as_postgres()
{
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

mc_build()
{
	local build=$MC_WORK/build
	mkdir -p "$build"
	# with the frozen scripts of earlier versions and the upgrade scripts
	# (096_upgrade.t, 093_limits.t install them); clean drops a copied
	# build of the current version's script, which is made afresh
	(cd "$MC_ROOT" && cp -r Makefile prefcal.control src prefcal--*.sql "$build"/)
	echo "== build prefcal (CFLAGS: $1; LDFLAGS: $2) =="
	make -s -C "$build" PG_CONFIG="$PG_CONFIG" clean >/dev/null || return 1
	make -s -C "$build" PG_CONFIG="$PG_CONFIG" PREFCAL_CFLAGS="$1" SHLIB_LINK="-lm $2" >/dev/null || return 1
	make -s -C "$build" install PG_CONFIG="$PG_CONFIG" DESTDIR="$MC_DESTDIR" >/dev/null || return 1
	chmod -R a+rX "$MC_WORK"
}

mc_start()
{
	local port=$((55000 + RANDOM % 1000))
	mkdir -p "$MC_DATA"
	[ "$(id -u)" = 0 ] && chown postgres "$MC_DATA" "$MC_SOCK"
	mc_as_postgres "$MC_BINDIR/initdb" -D "$MC_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null || return 1
	cat >>"$MC_DATA/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$MC_SOCK'
port = $port
extension_destdir = '$MC_DESTDIR'
max_worker_processes = 8
max_parallel_workers = 4
log_line_prefix = '%m [%p] %e '
shared_buffers = 32MB
autovacuum = off
EOF
	export PGHOST=$MC_SOCK PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	unset PGPASSWORD PGSERVICE
	mc_as_postgres "$@" "$MC_BINDIR/postgres" -D "$MC_DATA" >"$MC_WORK/logs/server.log" 2>&1 &
	MC_PID=$!
	for _ in $(seq 1 240); do
		"$MC_BINDIR/pg_isready" -q && return 0
		sleep 0.5
	done
	echo "memcheck: the server did not start; its log:" >&2
	tail -30 "$MC_WORK/logs/server.log" >&2
	return 1
}

mc_stop()
{
	if [ -n "${MC_PID:-}" ]; then
		mc_as_postgres "$MC_BINDIR/pg_ctl" -D "$MC_DATA" stop -m fast -t 300 >/dev/null 2>&1 || true
		wait "$MC_PID" 2>/dev/null
		MC_PID=
	fi
}

mc_cleanup()
{
	mc_stop
	rm -rf "$MC_WORK"
}

mc_regress()
{
	local outdir=$1
	mkdir -p "$outdir"
	(cd "$MC_ROOT" && PGOPTIONS="${2:-}" make -s installcheck PG_CONFIG="$PG_CONFIG" REGRESS_OUTDIR="$outdir" \
		EXTRA_REGRESS_OPTS="--host=$MC_SOCK --port=$PGPORT --user=postgres")
}
