# test/t/060_pg_cron.t: a refit job run by the real pg_cron.
#
# The test cluster preloads pg_cron with cron.database_name = prefcal_cron.
# We register a refit job on a judgments table, schedule
# CALL prefcal_refit(...) every minute (pg_cron 1.4 has no second-level
# schedules), wait for one run, and check the stored state, model and
# calibration history.  Then more rows arrive and the same CALL (run
# directly, to stay well under 90 s) folds only them: the stored counts equal
# a full rescan.  An overlapping run is skipped by the advisory lock.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use PrefcalTest;

# pc_psql's chomp runs under "local $/" and so leaves the newline: trim here
sub q1
{
	my $v = pc_psql(@_);
	$v =~ s/\s+\z//;
	return $v;
}

my $db = 'prefcal_cron';
pc_newdb($db);
pc_psql($db, 'CREATE EXTENSION pg_cron');

# five items with increasing strength; deterministic outcomes
my $setup = <<'SQL';
CREATE TABLE judgments (id bigserial PRIMARY KEY, first_item text NOT NULL,
                        second_item text NOT NULL, outcome float8 NOT NULL);
CREATE TABLE held (first_item text, second_item text, outcome float8);
CREATE FUNCTION add_judgments(n int, seed int) RETURNS void LANGUAGE sql AS $f$
  INSERT INTO judgments (first_item, second_item, outcome)
  SELECT 'i' || a, 'i' || b,
         CASE WHEN (hashint4(g + seed) & 1023) / 1024.0 < 1 / (1 + exp(-(a - b) * 0.5 - 0.3)) THEN 1 ELSE 0 END
  FROM generate_series(1, n) g,
       LATERAL (SELECT g % 5 AS a, (g % 5 + 1 + (g / 5) % 4) % 5 AS b) ab
$f$;
SELECT add_judgments(500, 0);
INSERT INTO held SELECT first_item, second_item, outcome FROM judgments WHERE id % 5 = 0;
SELECT prefcal_register_refit('pairs', 'judgments', 'first_item', 'second_item', 'outcome', 'id',
       fit_options => '{"position_effect": true}', holdout => 'held');
SQL
my ($out, $err, $rc) = pc_psql($db, $setup);
is($rc, 0, 'judgments and refit job registered') or diag($err);

# schedule the CALL; jobs connect through the Unix socket (peer
# authentication as the server's OS user) rather than TCP
($out, $err, $rc) = pc_psql($db, <<'SQL');
SELECT cron.schedule('prefcal-refit-pairs', '* * * * *', $$CALL public.prefcal_refit('pairs')$$);
UPDATE cron.job SET nodename = split_part(current_setting('unix_socket_directories'), ',', 1)
WHERE jobname = 'prefcal-refit-pairs';
SELECT count(*) FROM cron.job WHERE jobname = 'prefcal-refit-pairs';
SQL
is($rc, 0, 'job scheduled') or diag($err);
like($out, qr/1$/, 'one job in cron.job');

# wait for a finished run: at most 75 s (the next minute boundary)
my $t0 = time;
my $status = '';
while (time - $t0 < 75)
{
	$status = q1($db, q{SELECT status FROM cron.job_run_details d JOIN cron.job j USING (jobid)
	                         WHERE j.jobname = 'prefcal-refit-pairs' AND status IN ('succeeded', 'failed')
	                         ORDER BY runid LIMIT 1});
	last if $status ne '';
	sleep 1;
}
is($status, 'succeeded', sprintf('pg_cron ran the CALL (after %.0f s)', time - $t0))
  or diag(q1($db, q{SELECT status, return_message FROM cron.job_run_details}));
pc_psql($db, q{SELECT cron.unschedule('prefcal-refit-pairs')});

is(q1($db, q{SELECT watermark || ' ' || rows_folded FROM bt_state_store WHERE name = 'pairs'}),
	'500 500', 'state: all 500 rows folded, watermark at the last id');
is(q1($db, q{SELECT version || ' ' || rows_folded || ' ' || (options->>'position_effect') FROM bt_model_store WHERE name = 'pairs'}),
	'1 500 true', 'model version 1 stored with its options');
is(q1($db, q{SELECT (bt_info(model)->>'converged') FROM bt_model_store WHERE name = 'pairs'}),
	'true', 'the stored model converged');
is(q1($db, q{SELECT version || ' ' || n || ' ' || (ece BETWEEN 0 AND 1) || ' ' || (brier BETWEEN 0 AND 1)
                          FROM calibration_history WHERE name = 'pairs'}),
	'1 100 true true', 'calibration history row for version 1 on the 100 hold-out rows');
# the history row is the calibration of the stored model on the hold-out rows
is(q1($db, q{SELECT abs(h.brier - (SELECT brier_score(bt_predict_shown(m.model, first_item, second_item), outcome) FROM held)) < 1e-12
                          FROM calibration_history h JOIN bt_model_store m USING (name, version)}),
	't', 'history Brier equals brier_score of the stored model on the hold-out');

# more rows: the next run folds only them
pc_psql($db, 'SELECT add_judgments(120, 7)');
($out, $err, $rc) = pc_psql($db, q{CALL prefcal_refit('pairs')});
is($rc, 0, 'second run') or diag($err);
like($err, qr/120 new rows folded, watermark 620, model version 2/, 'second run folded the 120 new rows');
is(q1($db, q{SELECT (SELECT counts::text FROM bt_state_store WHERE name = 'pairs')
                                = (SELECT bt_state_agg(first_item, second_item, outcome, 1.0)::text FROM judgments)}),
	't', 'incremental counts equal a full rescan');
is(q1($db, q{SELECT string_agg(version || ':' || rows_folded, ',' ORDER BY version) FROM bt_model_store}),
	'1:500,2:620', 'two model versions');
is(q1($db, q{SELECT count(*) FROM calibration_history}), '2', 'two history rows');

# nothing new: no new version unless forced
($out, $err, $rc) = pc_psql($db, q{CALL prefcal_refit('pairs')});
like($err, qr/0 new rows folded, watermark 620, model version unchanged/, 'no new rows, no refit');
($out, $err, $rc) = pc_psql($db, q{CALL prefcal_refit('pairs', force => true)});
like($err, qr/model version 3/, 'force refits');

# an overlapping run is skipped: another session holds the job's lock
my $pid = fork();
if ($pid == 0)
{
	exec('psql', '-X', '-q', '-d', $db, '-c',
		q{SELECT pg_advisory_lock(hashtextextended('prefcal_refit:pairs', 0)), pg_sleep(4)});
	exit 1;
}
sleep 1.5;
($out, $err, $rc) = pc_psql($db, q{CALL prefcal_refit('pairs', force => true)});
like($err, qr/already running; skipped/, 'overlapping run skipped');
waitpid($pid, 0);
is(q1($db, q{SELECT max(version) FROM bt_model_store}), '3', 'the skipped run stored nothing');

# pg_dump keeps the rows of the configuration tables
my $dump = `pg_dump -a -d $db 2>&1`;
like($dump, qr/COPY public\.bt_state_store/, 'pg_dump dumps bt_state_store rows');
like($dump, qr/COPY public\.bt_model_store/, 'pg_dump dumps bt_model_store rows');
like($dump, qr/COPY public\.calibration_history/, 'pg_dump dumps calibration_history rows');

# bad registrations
($out, $err, $rc) = pc_psql($db, q{SELECT prefcal_register_refit('x', 'judgments', 'first_item', 'nope', 'outcome', 'id')});
like($err, qr/column "nope" of relation/, 'unknown column refused');
($out, $err, $rc) = pc_psql($db, q{SELECT prefcal_register_refit('x', 'judgments', 'first_item', 'second_item', 'outcome', 'id', fit_options => '{"bogus": 1}')});
like($err, qr/unknown fit option "bogus"/, 'unknown fit option refused');
($out, $err, $rc) = pc_psql($db, q{CALL prefcal_refit('nope')});
like($err, qr/refit job "nope" is not registered/, 'unknown job refused');

pc_dropdb($db);
done_testing();
