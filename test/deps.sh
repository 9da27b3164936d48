#!/bin/sh
# test/deps.sh: make sure the Debian packages prefcal's build, tests and demo
# need are present.  As root, installs what is missing with apt-get; otherwise
# prints the exact command to run and fails.
#
#   test/deps.sh            packages for building, testing and the demo
#   test/deps.sh --tests    also the packages only the tests use, where a
#                           missing one skips a test rather than failing:
#                           on x86-64, an aarch64 cross compiler and QEMU,
#                           so that test/t/006_kernels_aarch64.t runs the
#                           NEON kernels (installed as root; otherwise
#                           named, and the test says it skipped)
#   PG_MAJOR=15 (default)   the PostgreSQL major version to use
set -eu

PG_MAJOR=${PG_MAJOR:-15}
need="gcc make perl postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR \
postgresql-common postgresql-$PG_MAJOR-cron"
optional=""
if [ "${1:-}" = --tests ] && [ "$(dpkg --print-architecture)" = amd64 ]; then
	optional="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"
fi

missing_of() {
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			printf ' %s' "$p"
		fi
	done
}
# shellcheck disable=SC2086
missing=$(missing_of $need)
# shellcheck disable=SC2086
missing_opt=$(missing_of $optional)
[ -z "$missing$missing_opt" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "prefcal: installing missing packages:$missing$missing_opt"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing $missing_opt
elif [ -n "$missing" ]; then
	echo "prefcal: these Debian packages are missing:$missing" >&2
	echo "prefcal: install them with:" >&2
	echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing$missing_opt" >&2
	exit 1
else
	echo "prefcal: the NEON kernel test will be skipped; to run it, install:" >&2
	echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing_opt" >&2
fi
