#!/bin/bash
# test/memcheck/run-asan.sh: prefcal's regression suite (both SIMD
# settings), a run of the targeted fuzzer and the TAP tests, with prefcal
# built with -fsanitize=address,undefined and loaded into a PostgreSQL
# server built the same way; then the standalone kernel test under ASan.
#
#   test/memcheck/run-asan.sh            ASan + UBSan in an instrumented server
#                                        (built into a cache the first time,
#                                        see build-asan-server.sh; 20-40 min)
#   test/memcheck/run-asan.sh --ubsan    the fast check: UBSan only, in
#                                        Debian's own server (no build)
#
#   ASAN_FUZZ_SECONDS   seconds of fuzzing (default 30; 0 to skip)
#   ASAN_TAP            0 to skip the TAP tests (default: run them, full mode)
#   FUZZ_SEED           the fuzzer's seed (default 1)
#   PREFCAL_ASAN_PG     where the instrumented server is (see build-asan-server.sh)
#
# Full mode: Debian's postgres binary cannot have the ASan runtime
# preloaded (with Debian 12's server the process hangs before main():
# glibc's _nl_state_lock is left with a negative reader count by the
# constructors of the ~40 libraries it links; loading the runtime later, as
# a dependency of prefcal.so, crashes the backend).  So the server is built
# from Debian's source package with the sanitizers (build-asan-server.sh),
# with its memory-context code telling ASan the exact bounds of every
# palloc'd chunk: ASan then sees an overrun of a palloc'd chunk, a use of a
# pfree'd one, stack and global overruns, in prefcal and in the server;
# UBSan checks arithmetic, shifts, bounds, invalid float-to-int casts.
# detect_leaks=0: the server frees by dropping memory contexts, not by
# free().  The server is a different minor release than Debian's if the
# archive no longer serves the installed one's source (the build says so).
#
# --ubsan mode: prefcal built with -fsanitize=undefined, loaded into
# Debian's server (UBSan's runtime loads fine with prefcal.so); no ASan.
# Takes the time of the suite plus the fuzz seconds.
#
# Reports go to one file per process (and UBSan's, in forked backends, to
# the server log); they are counted, and those with a frame in prefcal's
# sources are listed.  Exit status 1 if the suite or a TAP test fails, the
# server crashes, or any sanitizer report names prefcal code (target: 0).
# Reports that name only PostgreSQL's code are counted and shown, not
# failed on.
set -uo pipefail

mode=full
case "${1:-}" in
	--ubsan) mode=ubsan ;;
	"") ;;
	*) echo "usage: $0 [--ubsan]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
if [ $mode = full ]; then
	t0=$(date +%s)
	asan_pg=$("$here/build-asan-server.sh") || exit 2
	[ -x "$asan_pg/bin/pg_config" ] || { echo "run-asan: no server in '$asan_pg'" >&2; exit 2; }
	echo "run-asan: server ready after $(($(date +%s) - t0)) s"
	export PG_CONFIG=$asan_pg/bin/pg_config
	# the instrumented programs (pg_config included) free little at exit
	export ASAN_OPTIONS=detect_leaks=0
fi
. "$here/common.sh"
trap mc_cleanup EXIT

if [ $mode = full ] && [ "$(id -u)" = 0 ] &&
	! runuser -u postgres -- test -x "$asan_pg/bin/postgres"; then
	# the server runs as postgres, which cannot reach root's cache: use a
	# copy (the installation is relocatable)
	cp -a "$asan_pg" "$MC_WORK/pg"
	chmod -R a+rX "$MC_WORK/pg"
	export PG_CONFIG=$MC_WORK/pg/bin/pg_config
	MC_BINDIR=$MC_WORK/pg/bin
fi

report=$MC_WORK/logs/san
if [ $mode = full ]; then
	# pg_config --cflags already has the sanitizer flags the server was
	# built with
	mc_build "-DUSE_ASSERT_CHECKING -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined" \
		"-fsanitize=address,undefined" || exit 2
	# every instrumented program (initdb, the server, psql, pg_regress,
	# pg_dump) logs to its own file
	export ASAN_OPTIONS="detect_leaks=0:log_path=$report:abort_on_error=0:detect_odr_violation=0"
	export UBSAN_OPTIONS="print_stacktrace=1:log_path=$report"
	export PATH=$MC_BINDIR:$PATH
	mc_start env ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" || exit 2
else
	mc_build "-DUSE_ASSERT_CHECKING -g -O1 -fno-omit-frame-pointer -fsanitize=undefined -fno-sanitize=alignment" \
		"-fsanitize=undefined" || exit 2
	mc_start env UBSAN_OPTIONS="print_stacktrace=1:log_path=$report" || exit 2
fi
echo "== server up ($mode; $("$MC_BINDIR/postgres" --version)) =="

status=0
echo "== pg_regress (prefcal.simd = auto) =="
mc_regress "$MC_WORK/regress-auto" || { status=1; head -100 "$MC_WORK/regress-auto/regression.diffs" 2>/dev/null; }
echo "== pg_regress (prefcal.simd = scalar) =="
mc_regress "$MC_WORK/regress-scalar" "-c prefcal.simd=scalar" || { status=1; head -100 "$MC_WORK/regress-scalar/regression.diffs" 2>/dev/null; }

fuzz=${ASAN_FUZZ_SECONDS:-30}
if [ "$fuzz" -gt 0 ] && [ -x /usr/bin/python3 ]; then
	echo "== targeted fuzzer for ${fuzz}s =="
	psql -X -q -c "CREATE DATABASE prefcal_fuzz" &&
	psql -X -q -d prefcal_fuzz -c "CREATE EXTENSION prefcal" &&
	psql -X -q -d prefcal_fuzz -f "$MC_ROOT/test/fuzz/hostile-tables.sql" >/dev/null &&
	PGDATABASE=prefcal_fuzz /usr/bin/python3 "$MC_ROOT/test/fuzz/fuzz.py" --seconds "$fuzz" \
		--seed "${FUZZ_SEED:-1}" --server-log "$MC_WORK/logs/server.log" || status=1
fi

if [ $mode = full ] && [ "${ASAN_TAP:-1}" != 0 ]; then
	# The TAP tests, but 060_pg_cron.t: pg_cron is not built for this
	# server.  005_kernels.t builds the kernel test with the server's
	# CFLAGS, so it runs under ASan + UBSan too.
	echo "== TAP tests (test/t, without 060_pg_cron.t) =="
	tap=$(cd "$MC_ROOT" && ls test/t/*.t | grep -v '/060_pg_cron\.t$')
	# shellcheck disable=SC2086
	(cd "$MC_ROOT" && prove -I test/lib $tap) || status=1
fi
canary_mark=0
if [ $mode = full ]; then
	# The check is only worth something if ASan sees palloc overruns: a
	# module of its own (test/memcheck/asan_canary.c) makes two errors, and
	# both must be reported (they are then left out of the counts).
	echo "== canary: a one-byte overrun of a palloc'd chunk and a read after pfree =="
	canary_mark=$(wc -l <"$MC_WORK/logs/server.log")
	mkdir -p "$MC_WORK/canary"
	cp "$here/asan_canary.c" "$MC_WORK/canary/"
	printf 'MODULES = asan_canary\nPGXS := $(shell $(PG_CONFIG) --pgxs)\ninclude $(PGXS)\n' >"$MC_WORK/canary/Makefile"
	make -s -C "$MC_WORK/canary" PG_CONFIG="$PG_CONFIG" >/dev/null &&
		make -s -C "$MC_WORK/canary" install PG_CONFIG="$PG_CONFIG" DESTDIR="$MC_DESTDIR" >/dev/null &&
		chmod -R a+rX "$MC_DESTDIR" || status=1
	psql -X -q -c "CREATE DATABASE asan_canary" &&
		psql -X -q -d asan_canary -c "CREATE FUNCTION asan_canary(int, bool) RETURNS int LANGUAGE C STRICT AS '\$libdir/asan_canary'" || status=1
	for after_free in false true; do
		psql -X -q -d asan_canary -c "SELECT asan_canary(13, $after_free)" >/dev/null 2>&1
		for _ in $(seq 1 120); do
			psql -X -q -d asan_canary -c "SELECT 1" >/dev/null 2>&1 && break
			sleep 0.5
		done
	done
fi
mc_stop

srcs=$(cd "$MC_ROOT/src" && ls *.c | sed 's/\.c$//' | paste -sd'|')
cat "$MC_WORK/logs/server.log" "$report".* 2>/dev/null >"$MC_WORK/logs/all-reports.txt"
start='^==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:'
n_all=$(grep -cE "$start" "$MC_WORK/logs/all-reports.txt")
# A report is an ASan block (ERROR ... SUMMARY) or a UBSan line with the
# stack lines that follow it; it is prefcal's if it names one of prefcal's
# sources or prefcal.so.  Those are written to ours.txt.
n_ours=$(perl -ne '
	BEGIN { ($start, $srcs, $out) = splice(@ARGV, 0, 3); open O, ">", $out or die; $n = 0; }
	sub done { if (defined $blk) {
		if ($blk =~ /asan_canary\.c:\d+/) { $c++; }
		elsif ($blk =~ m{(?:^|[\s(]|/build/)src/(?:$srcs)\.c:\d+|prefcal\.so}o) { $n++; print O $blk, "\n"; }
		undef $blk; } }
	if (/$start/o) { done(); $blk = $_; $asan = /==ERROR/; next; }
	next unless defined $blk;
	if ($asan) { $blk .= $_; done() if /^SUMMARY/; }
	elsif (/^\s+#\d+ /) { $blk .= $_; }
	else { done(); }
	END { done(); print $n + 0, " ", $c + 0, "\n"; }' "$start" "$srcs" "$MC_WORK/logs/ours.txt" "$MC_WORK/logs/all-reports.txt")
read -r n_ours n_canary <<<"${n_ours:-0 0}"
n_all=$((n_all - n_canary))
if [ "$n_all" -gt 0 ]; then
	echo "--- sanitizer reports (first 120 lines):"
	grep -E "$start" -A20 "$MC_WORK/logs/all-reports.txt" | head -120
fi
if [ "$n_ours" -gt 0 ]; then
	echo "--- reports naming prefcal code:"
	head -200 "$MC_WORK/logs/ours.txt"
fi
log_head=$MC_WORK/logs/server.log
if [ "$canary_mark" -gt 0 ]; then
	head -n "$canary_mark" "$MC_WORK/logs/server.log" >"$MC_WORK/logs/server-before-canary.log"
	log_head=$MC_WORK/logs/server-before-canary.log
fi
crashes=$(grep -cE 'terminated by signal|terminated by exception|server process \(PID [0-9]+\) exited with exit code' "$log_head")
echo "asan ($mode): sanitizer reports: $n_all, naming prefcal code: $n_ours; server crashes: $crashes"
if [ $mode = full ]; then
	echo "asan: canary errors reported: $n_canary of 2"
	[ "$n_canary" -eq 2 ] || { echo "run-asan: ASan did not report the canary's errors: this run proves nothing" >&2; status=1; }
fi
mkdir -p "$MC_ROOT/test/memcheck/out"
cp "$MC_WORK/logs/server.log" "$MC_ROOT/test/memcheck/out/asan-server.log"
cp "$MC_WORK/logs/all-reports.txt" "$MC_ROOT/test/memcheck/out/asan-reports.txt"
cp "$MC_WORK/logs/ours.txt" "$MC_ROOT/test/memcheck/out/asan-reports-prefcal.txt"
[ "$n_ours" -eq 0 ] && [ "$crashes" -eq 0 ] || status=1

# The kernels are plain C: their standalone test runs under full ASan +
# UBSan with leak checking too.
echo "== kernel test under ASan + UBSan =="
make -s -C "$MC_ROOT/test/kernels" check-asan OUT="$MC_WORK" PG_CONFIG="${PG_CONFIG:-pg_config}" | tail -1 || status=1
exit $status
