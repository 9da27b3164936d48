#!/bin/sh
# test/fuzz/audit-install-script.sh: audit prefcal's install script (the
# fragments src/sql/*.sql the Makefile concatenates, or the files given)
# against search_path capture.  Rules in test/fuzz/audit-install-script.pl
# and doc/robustness.md.  Exit status 1 on any violation.  Also run by the
# TAP test test/t/090_install_audit.t.
exec perl "$(dirname "$0")/audit-install-script.pl" "$@"
