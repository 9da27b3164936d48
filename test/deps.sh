#!/bin/sh
# test/deps.sh: make sure the Debian packages prefcal's build, tests and demo
# need are present.  As root, installs what is missing with apt-get; otherwise
# prints the exact command to run and fails.
#
#   test/deps.sh            packages for building, testing and the demo
#   PG_MAJOR=15 (default)   the PostgreSQL major version to use
set -eu

PG_MAJOR=${PG_MAJOR:-15}
need="gcc make perl postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR \
postgresql-common postgresql-$PG_MAJOR-cron"

missing=""
for p in $need; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
	echo "prefcal: installing missing packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "prefcal: these Debian packages are missing:$missing" >&2
	echo "prefcal: install them with:" >&2
	echo "    sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
