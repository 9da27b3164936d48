#!/bin/bash
# test/memcheck/run-asan.sh: the regression suite (both SIMD settings) and,
# if ASAN_FUZZ_SECONDS > 0 (default 30), a short run of the targeted fuzzer
# (test/fuzz/fuzz.py), against prefcal built with
# -fsanitize=address,undefined, loaded into Debian's (uninstrumented)
# server.
#
# How: the server binary is not instrumented, so the sanitizer runtimes must
# be in the process before prefcal.so is loaded: the postmaster starts with
# LD_PRELOAD of gcc's libasan.so.8 and libubsan.so.1 (backends are forked
# from it and inherit them).  ASan then checks every access prefcal makes
# (heap at malloc level: palloc'd chunks inside one malloc'd block are not
# separated by redzones, so an overrun inside a memory context can go
# unseen; stack and globals fully), UBSan checks prefcal's arithmetic,
# shifts, alignment and bounds.  detect_leaks=0: the server frees at exit
# by dropping memory contexts, not by free().
#
# Reports go to one file per process; errors are counted, and those with a
# frame in prefcal's sources are listed.  Exit status 1 if the suite fails
# or any sanitizer report names prefcal code (target: 0).  Takes about as
# long as the plain suite plus the fuzz seconds: cheap enough for CI.
set -uo pipefail
. "$(dirname "$0")/common.sh"
trap mc_cleanup EXIT

libasan=$(gcc -print-file-name=libasan.so)
libubsan=$(gcc -print-file-name=libubsan.so)
libasan=$(readlink -f "$libasan")
libubsan=$(readlink -f "$libubsan")
[ -e "$libasan" ] && [ -e "$libubsan" ] || { echo "run-asan: gcc's libasan/libubsan not found (apt-get install gcc)" >&2; exit 2; }

# Can the runtime be preloaded into this server?  With Debian 12's
# postgres binary it cannot: preloading libasan.so.8 (gcc 12) or clang 14's
# libclang_rt.asan makes the process hang before main() (glibc's
# _nl_state_lock is found with a negative reader count, set during the
# constructors of the ~40 libraries the server links; other programs,
# pg_controldata included, start fine with the same runtime).  Then ASan
# cannot be used at all (loading it later, as a dependency of prefcal.so,
# crashes the backend), and the run falls back to UBSan alone, whose
# runtime loads fine with prefcal.so.  The memory errors ASan would find
# are then left to test/memcheck/run-valgrind.sh.
mode=asan
if ! timeout 20 env LD_PRELOAD="$libasan" ASAN_OPTIONS=detect_leaks=0 "$MC_BINDIR/postgres" --version >/dev/null 2>&1; then
	echo "run-asan: this server cannot start with libasan preloaded (hangs before main); falling back to UBSan only"
	mode=ubsan
fi

if [ $mode = asan ]; then
	mc_build "-DUSE_ASSERT_CHECKING -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize=alignment" \
		"-fsanitize=address,undefined" || exit 2
	preload="$libasan $libubsan"
else
	mc_build "-DUSE_ASSERT_CHECKING -g -O1 -fno-omit-frame-pointer -fsanitize=undefined -fno-sanitize=alignment" \
		"-fsanitize=undefined" || exit 2
	preload=""
fi

report=$MC_WORK/logs/san
export ASAN_OPTIONS="detect_leaks=0:log_path=$report:abort_on_error=0:detect_odr_violation=0"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$report"
mc_start env ${preload:+LD_PRELOAD="$preload"} ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" || exit 2
unset ASAN_OPTIONS UBSAN_OPTIONS
echo "== server up ($mode) =="

status=0
echo "== pg_regress (prefcal.simd = auto) =="
mc_regress "$MC_WORK/regress-auto" || { status=1; head -100 "$MC_WORK/regress-auto/regression.diffs" 2>/dev/null; }
echo "== pg_regress (prefcal.simd = scalar) =="
mc_regress "$MC_WORK/regress-scalar" "-c prefcal.simd=scalar" || { status=1; head -100 "$MC_WORK/regress-scalar/regression.diffs" 2>/dev/null; }

fuzz=${ASAN_FUZZ_SECONDS:-30}
if [ "$fuzz" -gt 0 ] && [ -x /usr/bin/python3 ]; then
	echo "== targeted fuzzer for ${fuzz}s under ASan/UBSan =="
	psql -X -q -c "CREATE DATABASE prefcal_fuzz" &&
	psql -X -q -d prefcal_fuzz -c "CREATE EXTENSION prefcal" &&
	psql -X -q -d prefcal_fuzz -f "$MC_ROOT/test/fuzz/hostile-tables.sql" >/dev/null &&
	PGDATABASE=prefcal_fuzz /usr/bin/python3 "$MC_ROOT/test/fuzz/fuzz.py" --seconds "$fuzz" \
		--seed "${FUZZ_SEED:-1}" --server-log "$MC_WORK/logs/server.log" || status=1
fi
mc_stop

# the sanitizer reports: UBSan writes to the server's stderr (its log_path
# is not honoured in the forked backends), ASan to log_path files
srcs=$(cd "$MC_ROOT/src" && ls *.c | sed 's/\.c$//' | paste -sd'|')
cat "$MC_WORK/logs/server.log" "$report".* 2>/dev/null >"$MC_WORK/logs/all-reports.txt"
n_all=$(grep -cE '^==[0-9]+==ERROR: AddressSanitizer|runtime error:' "$MC_WORK/logs/all-reports.txt")
n_ours=$(grep -E '^==[0-9]+==ERROR: AddressSanitizer|runtime error:' -A12 "$MC_WORK/logs/all-reports.txt" |
	grep -cE "^(src/)?($srcs)\.c:[0-9]+:[0-9]+: runtime error|/src/($srcs)\.c:|prefcal\.so")
if [ "$n_all" -gt 0 ]; then
	echo "--- sanitizer reports (first 80 lines):"
	grep -E '^==[0-9]+==ERROR: AddressSanitizer|runtime error:' -A12 "$MC_WORK/logs/all-reports.txt" | head -80
fi
crashes=$(grep -cE 'terminated by signal|terminated by exception' "$MC_WORK/logs/server.log")
echo "asan ($mode): sanitizer reports: $n_all, naming prefcal code: $n_ours; server crashes: $crashes"
mkdir -p "$MC_ROOT/test/memcheck/out"
cp "$MC_WORK/logs/server.log" "$MC_ROOT/test/memcheck/out/asan-server.log"
cp "$MC_WORK/logs/all-reports.txt" "$MC_ROOT/test/memcheck/out/asan-reports.txt"
[ "$n_ours" -eq 0 ] && [ "$crashes" -eq 0 ] || status=1

# The kernels are plain C: their standalone test runs under full ASan +
# UBSan whatever the server allows.
echo "== kernel test under ASan + UBSan =="
make -s -C "$MC_ROOT/test/kernels" check-asan OUT="$MC_WORK" PG_CONFIG="${PG_CONFIG:-pg_config}" | tail -1 || status=1
exit $status
