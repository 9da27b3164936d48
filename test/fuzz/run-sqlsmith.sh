#!/bin/bash
# test/fuzz/run-sqlsmith.sh: random SQL from sqlsmith (Debian package
# `sqlsmith`) against a throwaway cluster with an assertion-enabled build of
# prefcal and the hostile tables of test/fuzz/hostile-tables.sql.
#
#   test/fuzz/run-sqlsmith.sh                    2000 queries, seed 1
#   SMITH_QUERIES=20000 SMITH_SEED=7 SMITH_SECONDS=900 test/fuzz/run-sqlsmith.sh
#   SMITH_EXCLUDE='^calibration_svg$' ...       leave functions out
#   PREFCAL_USE_ENV=1 test/fuzz/run-sqlsmith.sh  use the cluster PG* names
#                                                (give PC_SERVER_LOG too)
#
# Making prefcal reachable: sqlsmith picks functions at random from what its
# unqualified catalog queries on pg_proc return, where prefcal's few dozen
# functions drown among ~3000 core ones.  Its connection therefore runs with
# search_path = smith, pg_catalog, public, and smith.pg_proc is a view of
# pg_catalog.pg_proc that keeps every function and aggregate of prefcal plus
# a deterministic 1-in-SMITH_CORE_SAMPLE sample (default 8) of core
# functions without polymorphic arguments.  The queries sqlsmith generates
# name functions with their schema, so the view changes only what it picks.
#
# Counts: queries run (sqlsmith's own count), queries that call a prefcal
# function, crashes (server log "terminated by signal"), internal errors
# (SQLSTATE class XX in the server log; log_line_prefix carries %e), split
# by where they were raised (LOCATION: prefcal's sources or core).  Exit
# status 1 on any crash or any internal error raised in prefcal code.  Not
# part of `make test`.
set -uo pipefail
PC_SERVER_OPTS=(-o "log_line_prefix=%m [%p] %e " -o "log_min_error_statement=error"
	-o "log_error_verbosity=verbose")
. "$(dirname "$0")/cluster.sh"

if [ -z "$PC_SERVER_LOG" ] || [ ! -r "$PC_SERVER_LOG" ]; then
	echo "run-sqlsmith: cannot find the server log (set PC_SERVER_LOG)" >&2
	exit 2
fi
command -v sqlsmith >/dev/null || { echo "run-sqlsmith: sqlsmith is not installed (apt-get install sqlsmith)" >&2; exit 2; }

db=prefcal_smith
total=${SMITH_QUERIES:-2000}
seed=${SMITH_SEED:-1}
seconds=${SMITH_SECONDS:-600}
sample=${SMITH_CORE_SAMPLE:-8}
# SMITH_EXCLUDE: a regex of prefcal function names to leave out (to look
# past a known crash)
exclude=${SMITH_EXCLUDE:-^\$}
chunk=500
pc_fresh_db $db || exit 2
# the role's password: the one the cluster uses for its superuser, or any
pw=${PGPASSWORD:-smith$RANDOM$RANDOM}
psql -X -q -d $db -v ON_ERROR_STOP=1 -v pw="$pw" <<EOF || exit 2
CREATE SCHEMA smith;
CREATE VIEW smith.pg_proc AS
SELECT p.* FROM pg_catalog.pg_proc p
 WHERE p.oid IN (SELECT d.objid FROM pg_catalog.pg_depend d
                   JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                  WHERE e.extname = 'prefcal' AND d.deptype = 'e'
                    AND d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass)
       AND p.proname !~ '$exclude'
    OR (p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace
        AND pg_catalog.hashint4(p.oid::int) % $sample = 0
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) a(t)
                          JOIN pg_catalog.pg_type ty ON ty.oid = a.t
                         WHERE ty.typtype = 'p'));
-- sqlsmith connects as an ordinary role that may only read: its random
-- UPDATEs and DELETEs cannot wear the hostile tables down, and it cannot
-- reach superuser-only functions (pg_read_file, pg_terminate_backend, ...)
DROP ROLE IF EXISTS prefcal_smith;
CREATE ROLE prefcal_smith LOGIN PASSWORD :'pw';
GRANT USAGE ON SCHEMA smith TO prefcal_smith;
GRANT SELECT ON ALL TABLES IN SCHEMA public, smith TO prefcal_smith;
EOF
# prefcal's function names, to recognise the queries and errors that reach it
names=$(psql -X -A -t -d $db -c "SELECT pg_catalog.string_agg(DISTINCT p.proname, '|')
	FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
	JOIN pg_catalog.pg_proc p ON p.oid = d.objid
	WHERE e.extname = 'prefcal' AND d.deptype = 'e'")
echo "== sqlsmith: $total queries (seed $seed, at most ${seconds}s) against $db; prefcal functions: ${names//|/, }"

offset=$(stat -c %s "$PC_SERVER_LOG")
out=$(mktemp -d -t prefcal-smith.XXXXXX)
trap 'rm -rf "$out"' EXIT
start=$(date +%s)
done_q=0
i=0
conn="dbname=$db user=prefcal_smith password=$pw options='-csearch_path=smith,pg_catalog,public -cstatement_timeout=5s'"
while [ "$done_q" -lt "$total" ]; do
	left=$((seconds - ($(date +%s) - start)))
	[ "$left" -le 0 ] && break
	n=$((total - done_q < chunk ? total - done_q : chunk))
	timeout "$left" sqlsmith --target="$conn" --seed=$((seed + i)) --max-queries=$n \
		--exclude-catalog --verbose --dump-all-queries >"$out/q$i.sql" 2>"$out/e$i.log"
	got=$(sed -n 's/^queries: \([0-9]*\).*/\1/p' "$out/e$i.log" | tail -1)
	# a run cut short (crash, timeout) did not print its count: count the
	# queries it dumped instead (they are separated by ";" lines)
	[ -z "$got" ] && got=$(grep -c '^;' "$out/q$i.sql")
	[ "$got" -eq 0 ] && got=1
	done_q=$((done_q + got))
	i=$((i + 1))
done
elapsed=$(($(date +%s) - start))

tail -c +"$((offset + 1))" "$PC_SERVER_LOG" >"$out/server.log"
reached=$(cat "$out"/q*.sql | NAMES="$names" perl -0777 -ne 'print scalar(grep { /\.(?:$ENV{NAMES})\(/ } split /^;\n/m)')
crashes=$(grep -cE 'terminated by signal|terminated by exception' "$out/server.log")
# internal errors: each "XX... ERROR:" entry with its DETAIL, LOCATION and
# STATEMENT lines.  Ours: raised in one of prefcal's source files (LOCATION,
# from log_error_verbosity = verbose).  Statements that call prefcal but
# fail inside core are listed apart.
srcs=$(cd "$PC_ROOT/src" && ls *.c | sed 's/\.c$//' | paste -sd'|')
NAMES="$names" SRCS="$srcs" OUT="$out" perl -ne '
	BEGIN { $n = $ENV{NAMES}; $s = $ENV{SRCS};
		open OURS, ">", "$ENV{OUT}/xx-prefcal.txt" or die;
		open CALLS, ">", "$ENV{OUT}/xx-calls.txt" or die; }
	sub flush {
		return unless defined $cur;
		print $cur, "----\n";
		if ($cur =~ /LOCATION:\s+\S+, (?:$s)\.c:\d+/) { print OURS $cur, "----\n"; }
		elsif ($cur =~ /\.(?:$n)\(/) { print CALLS $cur, "----\n"; }
		undef $cur;
	}
	if (/ XX[0-9A-Z]{3} ERROR:/) { flush(); $cur = $_; next; }
	if (defined $cur && (/^\t/ || / (DETAIL|HINT|CONTEXT|LOCATION|STATEMENT): /)) { $cur .= $_; next; }
	flush();
	END { flush(); }' "$out/server.log" >"$out/xx.txt"
xx_total=$(grep -c ' XX[0-9A-Z]\{3\} ERROR:' "$out/xx.txt")
xx_ours=$(grep -c ' XX[0-9A-Z]\{3\} ERROR:' "$out/xx-prefcal.txt")
xx_calls=$(grep -c ' XX[0-9A-Z]\{3\} ERROR:' "$out/xx-calls.txt")

echo "sqlsmith: $done_q queries in ${elapsed}s ($i runs), $reached of them call prefcal"
echo "sqlsmith: error messages (top 10, from sqlsmith):"
cat "$out"/e*.log | grep -E '^[0-9]+	ERROR' | awk -F'\t' '{c[$2]+=$1} END {for (m in c) print c[m] "\t" m}' |
	sort -rn | head -10 | sed 's/^/    /'
echo "sqlsmith: crashes $crashes, internal errors $xx_total (raised in prefcal code: $xx_ours; raised in core by a statement that also calls prefcal: $xx_calls)"
if [ "$xx_total" -gt 0 ]; then
	echo "--- internal errors:"
	head -c 6000 "$out/xx.txt"
fi
if [ "$crashes" -gt 0 ]; then
	echo "--- crashes (server log):"
	grep -B2 -A3 -E 'terminated by signal|terminated by exception' "$out/server.log" | head -60
fi
psql -X -q -d postgres -c "DROP DATABASE $db WITH (FORCE)" -c "DROP ROLE prefcal_smith"
mkdir -p "$PC_ROOT/test/fuzz/out"
cp "$out/server.log" "$PC_ROOT/test/fuzz/out/sqlsmith-server.log"
[ "$crashes" -eq 0 ] && [ "$xx_ours" -eq 0 ]
