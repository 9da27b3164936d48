#!/bin/bash
# test/memcheck/build-asan-server.sh: build PostgreSQL itself with
# AddressSanitizer and UndefinedBehaviorSanitizer, from Debian's source
# package, into a cache directory, for test/memcheck/run-asan.sh.
#
#   test/memcheck/build-asan-server.sh            build unless already built
#   test/memcheck/build-asan-server.sh --rebuild  build even if present
#
# Prints the installation prefix on stdout (progress goes to stderr).
#
#   PREFCAL_ASAN_PG   where to install (default:
#                     ${XDG_CACHE_HOME:-$HOME/.cache}/prefcal/pg$PG_MAJOR-asan)
#   PG_MAJOR          the major version (default 15)
#
# Why: Debian's postgres binary cannot have the ASan runtime preloaded (it
# hangs before main(); see run-asan.sh), and an uninstrumented server lets
# ASan see prefcal's heap only at malloc granularity.  A server built with
# the sanitizers has the runtime linked in from the start.
#
# Source: the postgresql-$PG_MAJOR source package of the Debian release the
# machine runs, fetched with apt-get through a temporary sources list and
# state directory (the system's apt configuration is not touched).  apt
# checks the files against the hashes of the signed Sources index, and
# dpkg-source against those of the .dsc.  The installed server's version is
# tried first; if the archive no longer serves that source, the newest
# other $PG_MAJOR.x source it serves is built instead (a minor release:
# same catalog and ABI), and the build says so.  Of Debian's patches only
# extension_destdir is applied (see below).  Everything is installed under
# the prefix, nothing elsewhere (checked before it is moved into place).
#
# Configuration: --enable-cassert --enable-debug, libxml (the calibration
# test checks calibration_svg with xml_is_well_formed_document), no ICU,
# readline, zlib, LLVM, SSL; CFLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
# -O1 -g.  One change to PostgreSQL: in its memory-context code
# (src/backend/utils/mmgr), the Valgrind client requests that mark palloc
# chunks accessible or not (memdebug.h) are mapped to ASan's manual
# poisoning, so that ASan sees each palloc'd chunk's exact bounds (bytes
# past the requested size, chunk headers, freed chunks and the unused part
# of each block are poisoned).  Without this ASan would only see whole
# malloc'd blocks of 8 kB and more, and an overrun of a palloc'd chunk into
# its neighbour would go unseen.  This is the same bookkeeping PostgreSQL
# does for its USE_VALGRIND builds, which its buildfarm runs.
#
# Takes 20-40 minutes on 2 cores (run with nice; make -j2 at most,
# PREFCAL_ASAN_JOBS to change).
set -euo pipefail
# progress to stderr, the prefix alone to stdout
exec 3>&1 1>&2

PG_MAJOR=${PG_MAJOR:-15}
prefix=${PREFCAL_ASAN_PG:-${XDG_CACHE_HOME:-$HOME/.cache}/prefcal/pg$PG_MAJOR-asan}
jobs=${PREFCAL_ASAN_JOBS:-2}
rebuild=0
[ "${1:-}" = "--rebuild" ] && rebuild=1

san_cflags="-fsanitize=address,undefined -fno-omit-frame-pointer -O1 -g"
san_ldflags="-fsanitize=address,undefined"
configure_opts="--enable-cassert --enable-debug --with-libxml --without-icu --without-readline --without-zlib --without-llvm --without-openssl"
recipe_rev=3	# bump when the build recipe below changes

# the version wanted: that of Debian's installed server
wanted=$(dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR" 2>/dev/null || true)
if [ -z "$wanted" ]; then
	echo "build-asan-server: postgresql-$PG_MAJOR is not installed (test/deps.sh installs it)" >&2
	exit 2
fi
recipe="wanted=$wanted recipe=$recipe_rev cflags=$san_cflags configure=$configure_opts"
stamp=$prefix/prefcal-asan-build.txt
if [ $rebuild = 0 ] && [ -x "$prefix/bin/postgres" ] && [ -f "$stamp" ] &&
	[ "$(head -1 "$stamp")" = "$recipe" ]; then
	echo "build-asan-server: reusing $(sed -n 2p "$stamp") in $prefix"
	echo "$prefix" >&3
	exit 0
fi

# build tools (the release tarball carries the generated parser files, so
# neither bison nor flex is needed)
need="gcc make perl patch dpkg-dev xz-utils bzip2 pkg-config libxml2-dev"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "build-asan-server: installing missing packages:$missing"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
	else
		echo "build-asan-server: missing packages; install them with:" >&2
		echo "    sudo apt-get install -y --no-install-recommends$missing" >&2
		exit 2
	fi
fi

work=$(mktemp -d -t prefcal-pgbuild.XXXXXX)
trap 'rm -rf "$work"' EXIT

# a private apt setup with deb-src lines for the sources the system uses
. /etc/os-release
codename=${VERSION_CODENAME:?}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
cat >"$work/apt/sources.list" <<EOF
deb-src [signed-by=$keyring] http://deb.debian.org/debian $codename main
deb-src [signed-by=$keyring] http://deb.debian.org/debian $codename-updates main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security $codename-security main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
	-o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
	-o "APT::Sandbox::User=root")
echo "== fetching the source index =="
apt-get "${apt_opts[@]}" -qq update
versions=$(apt-cache "${apt_opts[@]}" showsrc "postgresql-$PG_MAJOR" | sed -n 's/^Version: //p' | sort -u)
[ -n "$versions" ] || { echo "build-asan-server: no postgresql-$PG_MAJOR source in the archive" >&2; exit 2; }
# the installed version first, then the others, newest first
candidates=$( (echo "$versions" | grep -Fx "$wanted" || true
	echo "$versions" | grep -Fxv "$wanted" | sort -rV) )
got=""
for v in $candidates; do
	echo "== downloading postgresql-$PG_MAJOR $v =="
	if (cd "$work/src" && apt-get "${apt_opts[@]}" -qq source --download-only "postgresql-$PG_MAJOR=$v"); then
		got=$v
		break
	fi
	rm -f "$work/src"/*
done
[ -n "$got" ] || { echo "build-asan-server: could not download any postgresql-$PG_MAJOR source" >&2; exit 2; }
if [ "$got" != "$wanted" ]; then
	echo "build-asan-server: NOTE: the archive does not serve the source of the installed $wanted;"
	echo "build-asan-server: building $got instead (same major version, same catalog and ABI)"
fi
# Debian's patches are not all applied: 50-per-version-dirs hard-codes
# pkglibdir as /usr/lib/postgresql/N/lib, which would make this build
# install into the system's server.  Only extension_destdir (used by the
# runner, as by pg_virtualenv) is applied.
(cd "$work/src" && dpkg-source --skip-patches -x ./*.dsc pg >/dev/null)
src=$work/src/pg
for p in extension_destdir; do
	patch -s -d "$src" -p1 <"$src/debian/patches/$p" || { echo "build-asan-server: cannot apply $p" >&2; exit 2; }
done

# ASan poisoning for palloc chunks (see the header comment)
cat >"$work/memdebug-asan.h" <<'EOF'
#elif defined(PG_ASAN_POISON_CHUNKS) && defined(__SANITIZE_ADDRESS__)
/* added by prefcal's build-asan-server.sh: palloc chunk bounds for ASan */
#include <sanitizer/asan_interface.h>
#define VALGRIND_CHECK_MEM_IS_DEFINED(addr, size)			do {} while (0)
#define VALGRIND_CREATE_MEMPOOL(context, redzones, zeroed)	do {} while (0)
#define VALGRIND_DESTROY_MEMPOOL(context)					do {} while (0)
#define VALGRIND_MAKE_MEM_DEFINED(addr, size)				ASAN_UNPOISON_MEMORY_REGION(addr, size)
#define VALGRIND_MAKE_MEM_NOACCESS(addr, size)				ASAN_POISON_MEMORY_REGION(addr, size)
#define VALGRIND_MAKE_MEM_UNDEFINED(addr, size)				ASAN_UNPOISON_MEMORY_REGION(addr, size)
#define VALGRIND_MEMPOOL_ALLOC(context, addr, size)			ASAN_UNPOISON_MEMORY_REGION(addr, size)
#define VALGRIND_MEMPOOL_FREE(context, addr)				do {} while (0)
#define VALGRIND_MEMPOOL_CHANGE(context, optr, nptr, size)	ASAN_UNPOISON_MEMORY_REGION(nptr, size)
EOF
memdebug=$src/src/include/utils/memdebug.h
grep -q '^#include <valgrind/memcheck.h>$' "$memdebug" || { echo "build-asan-server: memdebug.h has changed; update the patch" >&2; exit 2; }
sed -i "/^#include <valgrind\/memcheck.h>\$/r $work/memdebug-asan.h" "$memdebug"
for f in aset generation slab mcxt; do
	sed -i '0,/^#include "postgres.h"$/s//#include "postgres.h"\n#define PG_ASAN_POISON_CHUNKS 1/' \
		"$src/src/backend/utils/mmgr/$f.c"
	grep -q PG_ASAN_POISON_CHUNKS "$src/src/backend/utils/mmgr/$f.c" || { echo "build-asan-server: cannot patch $f.c" >&2; exit 2; }
done

echo "== configure (prefix $prefix) =="
rm -rf "$prefix"
mkdir -p "$prefix"
cd "$src"
nice -n 19 ./configure --prefix="$prefix" $configure_opts \
	CFLAGS="$san_cflags" LDFLAGS="$san_ldflags" >"$work/configure.log" 2>&1 ||
	{ tail -40 "$work/configure.log" >&2; exit 1; }
echo "== make -j$jobs (nice) =="
# ASan reports during the build (e.g. from tools run at build time) must not
# stop it
export ASAN_OPTIONS=detect_leaks=0
nice -n 19 make -s -j"$jobs" >"$work/make.log" 2>&1 || { tail -60 "$work/make.log" >&2; exit 1; }
# install into a staging directory first and check that nothing would land
# outside $prefix, then move it into place
nice -n 19 make -s install DESTDIR="$work/stage" >"$work/install.log" 2>&1 || { tail -40 "$work/install.log" >&2; exit 1; }
stray=$(cd "$work/stage" && find . ! -type d | sed 's/^\.//' | { grep -v "^$prefix/" || true; } | head -5)
if [ -n "$stray" ]; then
	echo "build-asan-server: the install would write outside $prefix, e.g.:" >&2
	echo "$stray" >&2
	exit 1
fi
rmdir "$prefix"
mv "$work/stage$prefix" "$prefix"
printf '%s\n%s\n' "$recipe" "PostgreSQL source postgresql-$PG_MAJOR $got (Debian), with ASan + UBSan" >"$stamp"
echo "build-asan-server: built postgresql-$PG_MAJOR $got into $prefix"
echo "$prefix" >&3
