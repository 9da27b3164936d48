# test/bench/lib.sh: helpers for the benchmark scripts (sourced by run.sh;
# the family scripts may source it too).  They expect the PG* environment
# of a cluster where prefcal is installed and BENCH_DB naming the database.
#
#   bench_have SIGNATURE          true when prefcal has that function or
#                                 aggregate, e.g. 'brier_score(float8[],int4)'
#   bench_time REPS SPEC...       time queries interleaved: each SPEC is
#                                 "label|setup sql|query"; runs every query
#                                 once to warm up, then REPS rounds of all of
#                                 them in turn; prints "label median_ms
#                                 all_ms" lines (median over the rounds,
#                                 then every round's time in round order,
#                                 comma-separated, to 0.01 ms)
#   bench_row LABEL VALUE NOTE    append a line to the result table
#                                 (the file BENCH_RESULTS names, or
#                                 standard output)
#   bench_table NAME ROWS SELECT [SQL]
#                                 make table NAME (unlogged) from the SELECT
#                                 unless it already holds ROWS rows; SQL runs
#                                 after making it.  Connects as the PG*
#                                 environment says (the family scripts'
#                                 convention), not to BENCH_DB
#   bench_calibration_rows ROWS   the SELECT of the calibration benchmarks'
#                                 rows (p float8, y boolean)
#   bench_bt_pairs ROWS ITEMS     the SELECT of the Bradley-Terry
#                                 benchmarks' comparisons (a, b bigint ids
#                                 among ITEMS, half Zipf-like; o float8)

: "${BENCH_DB:=prefcal_bench}"
: "${BENCH_RESULTS:=}"

bench_psql()
{
	psql -X -q -v ON_ERROR_STOP=1 -d "$BENCH_DB" "$@"
}

bench_have()
{
	local r
	r=$(bench_psql -A -t -c "SELECT to_regprocedure('$1') IS NOT NULL")
	[ "$r" = t ]
}

bench_time()
{
	local reps=$1
	shift
	local script out spec label setup query
	script=$(mktemp)
	out=$(mktemp)
	{
		echo '\timing off'
		echo '\o /dev/null'
		for spec in "$@"; do
			IFS='|' read -r label setup query <<<"$spec"
			echo "$setup;"
			echo "$query;"
		done
		echo '\timing on'
		for ((r = 0; r < reps; r++)); do
			for spec in "$@"; do
				IFS='|' read -r label setup query <<<"$spec"
				echo '\timing off'
				echo "$setup;"
				echo '\timing on'
				echo "\\echo @@ $label"
				echo "$query;"
			done
		done
	} >"$script"
	bench_psql -f "$script" >"$out"
	perl -e '
		my (%t, @order, $cur);
		while (<>) {
			if (/^@@ (\S+)/) { $cur = $1; push @order, $cur unless $t{$cur}; $t{$cur} ||= []; next; }
			if (defined $cur && /^Time: ([0-9.]+) ms/) { push @{$t{$cur}}, $1; undef $cur; }
		}
		for my $l (@order) {
			my @v = sort { $a <=> $b } @{$t{$l}};
			my $n = @v;
			my $m = $n % 2 ? $v[$n / 2] : ($v[$n / 2 - 1] + $v[$n / 2]) / 2;
			printf "%s %.3f %s\n", $l, $m, join(",", map { sprintf "%.2f", $_ } @{$t{$l}});
		}' "$out"
	rm -f "$script" "$out"
}

bench_row()
{
	# Standard output is written through the script's own descriptor:
	# reopening /dev/stdout would write at a second file position and, when
	# the output is redirected to a file, overwrite what the script printed.
	if [ -n "$BENCH_RESULTS" ]; then
		printf '%-58s %12s  %s\n' "$1" "$2" "${3:-}" >>"$BENCH_RESULTS"
	else
		printf '%-58s %12s  %s\n' "$1" "$2" "${3:-}"
	fi
}

bench_table()
{
	local name=$1 rows=$2 select=$3 after=${4:-}
	local psql=(psql -X -q -v ON_ERROR_STOP=1)
	local have=-1
	if [ "$("${psql[@]}" -At -c "SELECT to_regclass('$name') IS NOT NULL")" = t ]; then
		have=$("${psql[@]}" -At -c "SELECT count(*) FROM $name")
	fi
	[ "$have" = "$rows" ] && return 0
	"${psql[@]}" <<SQL
DROP TABLE IF EXISTS $name;
CREATE UNLOGGED TABLE $name AS
$select;
$after
SQL
}

bench_calibration_rows()
{
	echo "SELECT p, random() < p ^ 1.3 AS y
FROM (SELECT random() AS p FROM generate_series(1, $1)) s"
}

bench_bt_pairs()
{
	local rows=$1 items=$2
	echo "WITH r AS (
	SELECT g, random() < 0.5 AS zipf FROM generate_series(1, $rows) g
), p AS (
	SELECT CASE WHEN zipf THEN floor(exp(random() * ln($items)))::bigint
			ELSE floor(random() * $items)::bigint END AS a,
		CASE WHEN zipf THEN floor(exp(random() * ln($items)))::bigint
			ELSE floor(random() * $items)::bigint END AS b
	FROM r
)
SELECT a, b,
	(random() < 1 / (1 + exp(-(((a * 7919) % 1000) - ((b * 7919) % 1000)) / 250.0)))::int::float8 AS o
FROM p WHERE a <> b"
}
