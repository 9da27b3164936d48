#!/bin/bash
# test/bench/ab.sh: two revisions of prefcal on the calibration and
# Bradley-Terry benchmarks' main queries, in one run.
#
#   test/bench/ab.sh REV_A REV_B
#
# 1. builds each revision (anything `git rev-parse` takes) optimised,
#    without assertions, from a `git archive` copy, into a `make install
#    DESTDIR=...` tree of its own;
# 2. starts a throwaway cluster (pg_virtualenv; shared_buffers=1GB,
#    jit=off, huge_pages=try) and re-runs itself inside it;
# 3. there: one table of calibration rows (p, y) and one of pairwise
#    comparisons (a, b, o), made once and copied (CREATE DATABASE ...
#    TEMPLATE) into one database per build, whose extension_destdir names
#    that build's tree; CREATE EXTENSION then reads that build's install
#    script, so each database has the SQL names of its own revision (the
#    state aggregates were renamed in between: calibration_agg and
#    bt_counts became calibration_state_agg and bt_state_agg; the script
#    uses whichever the database has);
# 4. one session per build (both open for the whole run, driven through
#    dblink from a third), AB_PASSES passes; a pass times every query
#    once in each build, the two builds back to back (A then B or B then
#    A, alternately), the queries grouped by table with the group's avg()
#    among them, their order rotated pass by pass.  A time is EXPLAIN
#    (ANALYZE, TIMING OFF)'s Execution Time.  The queries: core's avg()
#    and sum() scans of the same rows beside prefcal's, serial plans, and
#    avg(p) and ece_agg(p, y) with 2 workers;
# 5. prints, per query, the median time of each build over the passes;
#    B/A, the median of the back-to-back pairs' ratios; and each build's
#    ratio to its group's avg() (the median over passes of the ratio
#    within the pass), each with its range.  The core rows' B/A (the same
#    server code in both) show how much the two sessions differ by noise
#    alone.
#
# Environment: AB_ROWS (calibration rows, default 10000000), AB_BT_ROWS
# (comparisons, default AB_ROWS), AB_BT_ITEMS (items, default 10000),
# AB_PASSES (default 10).  A quick run (a few minutes):
#   AB_ROWS=1000000 AB_BT_ITEMS=2000 AB_PASSES=5 test/bench/ab.sh 7156ebb main
# PGPORT, when set, is the throwaway cluster's port.
#
# With --in-cluster (what step 2 runs), PG* name a cluster whose server
# reads extension_destdir (Debian's PostgreSQL) and AB_DESTDIR_A,
# AB_DESTDIR_B name the two install trees (the same tree twice compares a
# build with itself); AB_NAME_A, AB_NAME_B label them.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
# shellcheck source=test/bench/lib.sh
. test/bench/lib.sh

: "${AB_ROWS:=10000000}"
: "${AB_BT_ROWS:=$AB_ROWS}"
: "${AB_BT_ITEMS:=10000}"
: "${AB_PASSES:=10}"
export AB_ROWS AB_BT_ROWS AB_BT_ITEMS AB_PASSES

if [ "${1:-}" != "--in-cluster" ]; then
	if [ $# -ne 2 ]; then
		echo "usage: $0 REV_A REV_B" >&2
		exit 2
	fi
	export PG_MAJOR=${PG_MAJOR:-15}
	PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
	export PG_CONFIG
	WORK=$(mktemp -d -t prefcal-ab.XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
	chmod 755 "$WORK"
	for side in A B; do
		if [ $side = A ]; then rev=$1; else rev=$2; fi
		commit=$(git rev-parse --verify "$rev^{commit}")
		name="$(git rev-parse --short "$commit") ($rev)"
		[ "$rev" = "$(git rev-parse --short "$commit")" ] && name=$rev
		echo "== build $side: $name, optimised, no assertions =="
		mkdir -p "$WORK/src$side" "$WORK/dest$side"
		git archive "$commit" | tar -x -C "$WORK/src$side"
		# no LLVM bitcode: the cluster runs with jit = off
		make -s -C "$WORK/src$side" PG_CONFIG="$PG_CONFIG" with_llvm=no >/dev/null
		make -s -C "$WORK/src$side" install PG_CONFIG="$PG_CONFIG" with_llvm=no DESTDIR="$WORK/dest$side" >/dev/null
		export "AB_DESTDIR_$side=$WORK/dest$side" "AB_NAME_$side=$name"
	done
	chmod -R a+rX "$WORK"

	echo "== throwaway cluster (pg_virtualenv) =="
	pg_virtualenv -t -v "$PG_MAJOR" \
		-o "shared_buffers=1GB" \
		-o "work_mem=64MB" \
		-o "jit=off" \
		-o "huge_pages=try" \
		-o "max_worker_processes=16" \
		-o "max_parallel_workers=8" \
		-o "autovacuum=off" \
		-o "synchronous_commit=off" \
		"$ROOT/test/bench/ab.sh" --in-cluster
	exit $?
fi

# ---------------------------------------------------------------- inside
: "${AB_DESTDIR_A:?}" "${AB_DESTDIR_B:?}"
: "${AB_NAME_A:=$AB_DESTDIR_A}" "${AB_NAME_B:=$AB_DESTDIR_B}"
P() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
DBS="ab_data ab_a ab_b ab_driver"
for db in $DBS; do
	P -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db"
done

echo "== data: $AB_ROWS calibration rows, $AB_BT_ROWS comparisons among $AB_BT_ITEMS items =="
P -d postgres -c "CREATE DATABASE ab_data"
# the generators of test/bench/calibration.sh and test/bench/bt.sh (lib.sh)
P -d ab_data >/dev/null <<SQL
SELECT setseed(0.22);
CREATE TABLE bench_calibration AS
$(bench_calibration_rows "$AB_ROWS");
ALTER TABLE bench_calibration SET (parallel_workers = 2);
CREATE TABLE bt_bench AS
$(bench_bt_pairs "$AB_BT_ROWS" "$AB_BT_ITEMS");
VACUUM (FREEZE, ANALYZE) bench_calibration;
VACUUM (FREEZE, ANALYZE) bt_bench;
CREATE FUNCTION ab_ms(q text) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE
	j json;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || q INTO j;
	RETURN (j -> 0 ->> 'Execution Time')::float8;
END \$\$;
CHECKPOINT;
SQL
for side in A B; do
	db=ab_${side,,}
	dest=AB_DESTDIR_$side
	P -d postgres -c "CREATE DATABASE $db TEMPLATE ab_data" \
		-c "ALTER DATABASE $db SET extension_destdir = '${!dest}'"
	P -d "$db" -c "CREATE EXTENSION prefcal"
done
P -d postgres -c "DROP DATABASE ab_data"

# the name a database gives the first of these signatures it has
have() {
	local db=$1 sig
	shift
	for sig in "$@"; do
		if [ "$(P -d "$db" -tAc "SELECT to_regprocedure('$sig') IS NOT NULL")" = t ]; then
			echo "${sig%%(*}"
			return
		fi
	done
	echo "$db has none of: $*" >&2
	exit 1
}
cal_a=$(have ab_a 'calibration_state_agg(float8,boolean)' 'calibration_agg(float8,boolean)')
cal_b=$(have ab_b 'calibration_state_agg(float8,boolean)' 'calibration_agg(float8,boolean)')
bt_a=$(have ab_a 'bt_state_agg(bigint,bigint,float8,float8)' 'bt_counts(bigint,bigint,float8,float8)')
bt_b=$(have ab_b 'bt_state_agg(bigint,bigint,float8,float8)' 'bt_counts(bigint,bigint,float8,float8)')

# label|group|mode|query; a group's first query (core's avg()) is its
# denominator; CAL and BT stand for the database's state aggregates
QUERIES=(
	"avg(p)|1 cal|serial|SELECT avg(p) FROM bench_calibration"
	"sum(p)|1 cal|serial|SELECT sum(p) FROM bench_calibration"
	"brier_score(p, y)|1 cal|serial|SELECT brier_score(p, y) FROM bench_calibration"
	"ece_agg(p, y)|1 cal|serial|SELECT ece_agg(p, y) FROM bench_calibration"
	"CAL(p, y)|1 cal|serial|SELECT CAL(p, y) IS NOT NULL FROM bench_calibration"
	"avg(p), 2 workers|2 par|parallel|SELECT avg(p) FROM bench_calibration"
	"ece_agg(p, y), 2 workers|2 par|parallel|SELECT ece_agg(p, y) FROM bench_calibration"
	"avg(o)|3 bt|serial|SELECT avg(o) FROM bt_bench"
	"sum(o)|3 bt|serial|SELECT sum(o) FROM bt_bench"
	"BT(a, b, o, 1.0)|3 bt|serial|SELECT BT(a, b, o, 1.0) IS NOT NULL FROM bt_bench"
	"bt_fit(BT(a, b, o, 1.0))|3 bt|serial|SELECT bt_fit(BT(a, b, o, 1.0)) IS NOT NULL FROM bt_bench"
)

P -d postgres -c "CREATE DATABASE ab_driver"
{
	echo "CREATE EXTENSION dblink;"
	echo "CREATE TABLE q (id int, label text, grp text, workers int, qa text, qb text);"
	k=0
	for spec in "${QUERIES[@]}"; do
		IFS='|' read -r label grp mode q <<<"$spec"
		qa=${q//CAL/$cal_a}
		qa=${qa//BT/$bt_a}
		qb=${q//CAL/$cal_b}
		qb=${qb//BT/$bt_b}
		if [ "$mode" = serial ]; then w=0; else w=2; fi
		echo "INSERT INTO q VALUES ($k, \$l\$$label\$l\$, '$grp', $w, \$q\$$qa\$q\$, \$q\$$qb\$q\$);"
		k=$((k + 1))
	done
	cat <<'SQL'
CREATE TABLE t (side text, pass int, id int, ms float8);
CREATE FUNCTION ms(conn text, workers int, q text) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	PERFORM dblink_exec(conn, format('SET max_parallel_workers_per_gather = %s', workers));
	RETURN (SELECT m FROM dblink(conn, format('SELECT ab_ms(%L)', q)) AS r(m float8));
END $$;
SQL
} | P -d ab_driver

# warm the OS cache (the tables are larger than a quarter of
# shared_buffers, so a scan reads them through a small ring of buffers)
for db in ab_a ab_b; do
	P -d "$db" -tAc "SELECT count(*) FROM bench_calibration" -c "SELECT count(*) FROM bt_bench" >/dev/null
done

load0=$(load)
echo "== $AB_PASSES passes =="
{
	cat <<'SQL'
SELECT format('host=%s port=%s dbname=', split_part(current_setting('unix_socket_directories'), ',', 1),
	current_setting('port')) AS conn \gset
SELECT dblink_connect('a', :'conn' || 'ab_a') AS ca, dblink_connect('b', :'conn' || 'ab_b') AS cb \gset
DO $$
DECLARE
	c text;
BEGIN
	FOREACH c IN ARRAY ARRAY['a', 'b'] LOOP
		PERFORM dblink_exec(c, 'SET parallel_setup_cost = 0');
		PERFORM dblink_exec(c, 'SET parallel_tuple_cost = 0');
		-- load the library before the first timing
		PERFORM * FROM dblink(c, 'SELECT brier_score(0.5, true) IS NOT NULL') AS r(x bool);
	END LOOP;
END $$;
CREATE FUNCTION pg_temp.pass(pass int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	r record;
	k int := 0;
BEGIN
	FOR r IN SELECT * FROM q ORDER BY grp, (id + pass) % (SELECT count(*) FROM q) LOOP
		IF (k + pass) % 2 = 0 THEN
			INSERT INTO t VALUES ('A', pass, r.id, ms('a', r.workers, r.qa));
			INSERT INTO t VALUES ('B', pass, r.id, ms('b', r.workers, r.qb));
		ELSE
			INSERT INTO t VALUES ('B', pass, r.id, ms('b', r.workers, r.qb));
			INSERT INTO t VALUES ('A', pass, r.id, ms('a', r.workers, r.qa));
		END IF;
		k := k + 1;
	END LOOP;
	RETURN pass;
END $$;
SQL
	for ((p = 1; p <= AB_PASSES; p++)); do
		echo "SELECT pg_temp.pass($p) AS done, array_to_string((string_to_array(pg_read_file('/proc/loadavg'), ' '))[1:3], ' ') AS load \\gset"
		echo "\\echo pass :done done, load :load"
	done
} | P -d ab_driver
P -d ab_driver -tA -F $'\t' -c "SELECT t.side, t.pass, q.label, t.ms FROM t JOIN q USING (id)" >"$OUT"

echo
echo "==== prefcal A/B: A = $AB_NAME_A, B = $AB_NAME_B ===="
echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs;" \
	"PostgreSQL $(P -d ab_a -tAc 'SHOW server_version')"
echo "$AB_ROWS calibration rows; $AB_BT_ROWS comparisons among $AB_BT_ITEMS items;" \
	"$AB_PASSES passes; load average $load0 at the start, $(load) at the end"
echo "CAL: A $cal_a, B $cal_b; BT: A $bt_a, B $bt_b"
echo "ms: median over passes of EXPLAIN ANALYZE's Execution Time; B/A: median of the back-to-back"
echo "pairs' ratios; x avg: median over passes of the time over its group's avg() [range]"
printf '%s\n' "${QUERIES[@]}" | perl -e '
	my (@order, %group, %t);
	while (<STDIN>) {
		chomp;
		my ($label, $g) = split /\|/;
		push @order, $label;
		$group{$label} = $g;
	}
	open my $f, "<", $ARGV[0] or die;
	while (<$f>) {
		chomp;
		my ($side, $pass, $label, $ms) = split /\t/;
		$t{$side}{$label}{$pass} = $ms;
	}
	my %base;
	for my $l (@order) { $base{$group{$l}} //= $l; }
	sub med { my @v = sort { $a <=> $b } @_; my $n = @v; $n % 2 ? $v[$n / 2] : ($v[$n / 2 - 1] + $v[$n / 2]) / 2 }
	# ratio x / y pass by pass: its median and the text "0.95x [0.90-1.01]"
	sub ratio {
		my ($x, $y) = @_;
		my @r = map { $x->{$_} / $y->{$_} } keys %$x;
		my @s = sort { $a <=> $b } @r;
		return (med(@r), sprintf "%.2fx [%.2f-%.2f]", med(@r), $s[0], $s[-1]);
	}
	printf "%-26s %8s %8s  %-18s %-18s %-18s %s\n", "query", "A ms", "B ms", "B/A", "A x avg", "B x avg", "B/A of x avg";
	for my $l (@order) {
		my ($ta, $tb) = ($t{A}{$l}, $t{B}{$l});
		my (undef, $ba) = ratio($tb, $ta);
		my @c = ("1", "1", "");
		my $d = $base{$group{$l}};
		if ($l ne $d) {
			my ($ra, $sa) = ratio($ta, $t{A}{$d});
			my ($rb, $sb) = ratio($tb, $t{B}{$d});
			@c = ($sa, $sb, sprintf "%.3f", $rb / $ra);
		}
		printf "%-26s %8.1f %8.1f  %-18s %-18s %-18s %s\n", $l, med(values %$ta), med(values %$tb), $ba, @c;
	}' "$OUT"

for db in ab_driver ab_a ab_b; do
	P -d postgres -c "DROP DATABASE $db"
done
