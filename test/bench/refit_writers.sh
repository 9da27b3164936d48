#!/bin/bash
# test/bench/refit_writers.sh: scheduled refits against concurrent writers.
#
# WRITERS sessions insert judgments, each in a transaction that stays open
# up to OPEN_MS milliseconds (a random part before the INSERT, a random part
# after it, as an annotation tool that writes a judgment and its metadata),
# while CALL prefcal_refit(...) runs every EVERY_MS milliseconds for
# SECONDS seconds on three jobs over the same rows: the bigserial id as
# the watermark, a timestamptz filled by now(), and the id through a view.
# When the writers stop, each job runs once more.  Then, for each job, it
# prints the rows folded against the rows in the table and whether the
# stored counts equal bt_state over the whole table (pair by pair: the
# order of the pairs in the text form depends on the order of the merges).  ROUNDS repeats all
# that on the same table and jobs.
#
#   test/bench/refit_writers.sh [SECONDS [WRITERS [OPEN_MS [EVERY_MS [ROUNDS]]]]]
#   (defaults 30 6 20 50 1)
#
# Runs against the cluster the PG* environment names, in a database of its
# own (PREFCAL_BENCH_DB, default prefcal_refit_writers) that it creates and
# drops; needs pgbench (PostgreSQL's server package ships it).  Each round
# ends with lines "round R job <name> rows_in_table N rows_folded M
# counts_equal true|false"; test/t/063_refit_writers.t reads them.
set -euo pipefail

secs=${1:-30}
writers=${2:-6}
open_ms=${3:-20}
every_ms=${4:-50}
rounds=${5:-1}
db=${PREFCAL_BENCH_DB:-prefcal_refit_writers}
: "${PG_CONFIG:=pg_config}"
pgbench=${PGBENCH:-$("$PG_CONFIG" --bindir)/pgbench}

tmp=$(mktemp -d -t prefcal-refit-writers.XXXXXX)
trap 'rm -rf "$tmp"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION prefcal;
CREATE TABLE judgments (id bigserial PRIMARY KEY, first_item text NOT NULL,
                        second_item text NOT NULL, outcome float8 NOT NULL,
                        created_at timestamptz NOT NULL DEFAULT now());
SELECT prefcal_register_refit('by_id', 'judgments', 'first_item', 'second_item', 'outcome', 'id',
       fit_options => '{"prior": 0.1}');
SELECT prefcal_register_refit('by_time', 'judgments', 'first_item', 'second_item', 'outcome', 'created_at',
       fit_options => '{"prior": 0.1}');
CREATE VIEW judgments_v AS SELECT * FROM judgments WHERE outcome IN (0, 1);
SELECT prefcal_register_refit('by_view', 'judgments_v', 'first_item', 'second_item', 'outcome', 'id',
       fit_options => '{"prior": 0.1}');
SQL

half=$((open_ms / 2))
cat > "$tmp/writer.sql" <<EOF
\set a random(1, 20)
\set b 1 + (:a + random(0, 18)) % 20
\set o random(0, 1)
\set before random(0, $half)
\set after random(0, $((open_ms - half)))
BEGIN;
\sleep :before ms
INSERT INTO judgments (first_item, second_item, outcome) VALUES ('item' || :a, 'item' || :b, :o);
\sleep :after ms
COMMIT;
EOF
jobs="by_id by_time by_view"
for job in $jobs; do
	cat > "$tmp/refit_$job.sql" <<EOF
CALL prefcal_refit('$job');
\sleep $every_ms ms
EOF
done

transactions() { sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$1"; }

for round in $(seq 1 "$rounds"); do
	# the refits' NOTICEs go to the server log only
	export PGOPTIONS="-c client_min_messages=warning"
	pids=()
	"$pgbench" -n -c "$writers" -j 2 -T "$secs" -f "$tmp/writer.sql" "$db" >"$tmp/writers.out" 2>&1 &
	pids+=($!)
	for job in $jobs; do
		"$pgbench" -n -c 1 -T "$secs" -f "$tmp/refit_$job.sql" "$db" >"$tmp/$job.out" 2>&1 &
		pids+=($!)
	done
	status=0
	for p in "${pids[@]}"; do
		wait "$p" || status=1
	done
	if [ $status -ne 0 ]; then
		cat "$tmp"/*.out >&2
		exit 1
	fi
	unset PGOPTIONS

	# the writers have stopped: one last run of each job
	for job in $jobs; do
		psql -X -q -d "$db" -c "CALL prefcal_refit('$job')" 2>/dev/null
	done

	echo "round $round: $writers writers, transactions open 0-$open_ms ms, for $secs s:" \
		"$(transactions "$tmp/writers.out") transactions"
	for job in $jobs; do
		echo "  refits of $job: every $every_ms ms, $(transactions "$tmp/$job.out") runs," \
			"$(sed -n 's/^latency average = \(.*\)/\1/p' "$tmp/$job.out") per run with the pause"
	done
	psql -X -A -t -q -d "$db" <<SQL
SELECT 'round $round job ' || s.name || ' rows_in_table ' || t.n || ' rows_folded ' || s.rows_folded
       || ' counts_equal ' || ((SELECT jsonb_agg(p ORDER BY p->>0, p->>1) FROM jsonb_array_elements(s.counts::text::jsonb->'pairs') p) = (SELECT jsonb_agg(p ORDER BY p->>0, p->>1) FROM jsonb_array_elements(t.counts::text::jsonb->'pairs') p))::text
FROM bt_state_store s,
     (SELECT count(*) AS n, bt_state_agg(first_item, second_item, outcome, 1.0) AS counts FROM judgments) t
ORDER BY s.name;
SQL
done
