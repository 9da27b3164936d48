#!/bin/bash
# test/package-check.sh: the Debian package, built, installed and tested as
# a user of it would (not part of `make test`: it takes several minutes and
# installs into the system's PostgreSQL).
#
#   test/package-check.sh            build, install, installcheck, remove
#   PREFCAL_PKG_KEEP=1 test/package-check.sh   leave the package installed
#
# 1. copies the working tree's files (git ls-files: committed, changed and
#    new files, nothing ignored) into a scratch directory;
# 2. builds the source and binary packages there with
#    `dpkg-buildpackage -us -uc` (debian/rules: pg_buildext loop, then
#    dh_pgxs_test runs the regression suite against the staged package);
# 3. installs postgresql-15-prefcal with dpkg -i (root only) and runs the
#    autopkgtest command, debian/tests/installcheck (`pg_buildext
#    installcheck`: the regression suite in a throwaway cluster against the
#    installed files), then removes the package again.
#
# Exits 0 after printing "skipped: ..." when the build tools are missing
# (dpkg-buildpackage, debhelper, pg_buildext) or, for step 3, when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "skipped: $*"; exit 0; }
command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage not found (package dpkg-dev)"
command -v dh >/dev/null || skip "dh not found (package debhelper)"
command -v pg_buildext >/dev/null || skip "pg_buildext not found (package postgresql-server-dev-all)"
dpkg-checkbuilddeps debian/control >/dev/null 2>&1 ||
	skip "build dependencies missing: $(dpkg-checkbuilddeps debian/control 2>&1 | sed 's/.*: //')"

work=$(mktemp -d -t prefcal-pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir "$work/prefcal"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar -c --null -T - | tar -x -C "$work/prefcal"
# the server (user postgres) reads the reference files of the tests
chmod -R a+rX "$work"

echo "== dpkg-buildpackage -us -uc =="
(cd "$work/prefcal" && dpkg-buildpackage -us -uc) > "$work/build.log" 2>&1 || {
	tail -60 "$work/build.log"; echo "FAIL: dpkg-buildpackage"; exit 1; }
grep -E "^test |tests passed|tests failed|^dpkg-deb: building" "$work/build.log" || true
deb=$(ls "$work"/postgresql-15-prefcal_*.deb)
echo "built: $(basename "$deb") and $(cd "$work" && ls prefcal_*.dsc prefcal_*.tar.* | tr "\n" " ")"
dpkg-deb --contents "$deb" | awk '{print $NF}' | grep -E "\.so$|\.control$|prefcal--.*\.sql$"

[ "$(id -u)" = 0 ] || skip "installing the package needs root (it was built and passed the build-time tests)"
echo "== dpkg -i, then debian/tests/installcheck against the installed package =="
dpkg -i "$deb"
status=0
(cd "$work/prefcal" && debian/tests/installcheck) > "$work/installcheck.log" 2>&1 || status=$?
grep -E "^test |tests passed|tests failed" "$work/installcheck.log" || tail -40 "$work/installcheck.log"
[ -n "${PREFCAL_PKG_KEEP:-}" ] || dpkg -r postgresql-15-prefcal >/dev/null
if [ $status -ne 0 ]; then
	echo "FAIL: installcheck against the installed package"
	exit 1
fi
echo "PASS: built, installed and passed installcheck"
