# test/t/068_real_data.t: the bundled real data set (test/data/soundquality/,
# psychotools' SoundQuality) and the demo's real-data section
# (test/demo/real-data.sh), against independent references:
#   - the loaded judgments reproduce psychotools' own per-pair counts, and
#     bt_fit on them reproduces psychotools::btmodel's log-worths and
#     log-likelihood (test/data/soundquality/reference.csv, made by R);
#   - real-data.sh runs and writes its section; the analyst path's checks
#     say what this table lacks (held-out pairs, display order, truth);
#   - the held-out ECE, Brier and log loss equal a plain-SQL recomputation
#     from the predictions; the paired difference is the difference of the
#     estimates;
#   - Krippendorff's alpha within and between listeners equals numpy's
#     (test/data/soundquality/reference_alpha.csv);
#   - the lines doc/study.md quotes from a run ("Real data") are what the
#     script writes.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use PrefcalTest;

sub q1
{
	my $v = pc_psql(@_);
	$v =~ s/\s+\z//;
	return $v;
}

sub read_csv
{
	my ($f) = @_;
	open(my $fh, '<', $f) or die "$f: $!";
	my $header = <$fh>;
	my @rows;
	while (my $l = <$fh>)
	{
		chomp $l;
		push @rows, [ split /,/, $l ];
	}
	close $fh;
	return @rows;
}

my $db = 'prefcal_real_data';
pc_newdb($db);
my ($out, $err, $rc) = pc_psql($db, "\\i test/data/load-soundquality.sql");
is($rc, 0, 'real data loaded') or diag($err);
is(q1($db, q{SELECT count(*) || ' ' || count(DISTINCT listener) || ' ' || count(DISTINCT (item_a, item_b))
              FROM soundquality.judgments}), '21924 40 28', '21924 judgments by 40 listeners on 28 pairs');

# per-pair counts against psychotools' summary
my @ref = read_csv('test/data/soundquality/reference.csv');
my %wins = map { $_->[1] => $_->[2] } grep { $_->[0] eq 'wins_a' } @ref;
my %n = map { $_->[1] => $_->[2] } grep { $_->[0] eq 'n' } @ref;
my %got = map { my ($k, $w, $c) = split /\|/; $k => "$w/$c" } split /\n/, q1($db,
	q{SELECT item_a || ':' || item_b, count(*) FILTER (WHERE chose_a), count(*) FROM soundquality.judgments GROUP BY 1});
is(scalar(keys %wins), 28, 'reference has 28 pairs');
is(join(',', map { "$_=" . ($got{$_} // 'missing') } sort keys %wins),
	join(',', map { "$_=$wins{$_}/$n{$_}" } sort keys %wins), 'per-pair counts equal psychotools\' summary');

# Bradley-Terry against psychotools::btmodel
my %score = map { $_->[1] => $_->[2] } grep { $_->[0] eq 'score' } @ref;
my ($loglik) = map { $_->[2] } grep { $_->[0] eq 'loglik' } @ref;
my $values = join(', ', map { "('$_', $score{$_})" } sort keys %score);
is(q1($db, qq{
	WITH m AS (SELECT bt_fit(bt_state_agg(item_a, item_b, chose_a::int::float8, 1.0)) AS m FROM soundquality.judgments),
	     s AS (SELECT (bt_scores(m)).* FROM m)
	SELECT count(*) || ' ' || (max(abs(s.score - r.score)) < 1e-6)
	FROM s JOIN (VALUES $values) r(item, score) USING (item)}), '8 true', 'scores equal btmodel\'s log-worths (1e-6)');
is(q1($db, qq{SELECT abs((bt_info(bt_fit(bt_state_agg(item_a, item_b, chose_a::int::float8, 1.0)))->>'loglik')::float8 - ($loglik)) < 1e-5
              FROM soundquality.judgments}), 't', 'log-likelihood equals btmodel\'s');

# the demo's real-data section, in a database of its own
my $rdb = 'prefcal_real_data_demo';
my $dir = tempdir(CLEANUP => 1);
my $log = `test/demo/real-data.sh $dir $rdb 2>&1`;
is($?, 0, 'test/demo/real-data.sh runs') or diag($log);
like($log, qr/\[real data\] .* wrote /, 'progress lines');
ok(-s "$dir/real-data.md", 'real-data.md written');
like(do { local $/; open(my $fh, '<', "$dir/real-data-reliability.svg") or die; <$fh> }, qr/^<svg/, 'reliability diagram written');
my $md = do { local $/; open(my $fh, '<', "$dir/real-data.md") or die; <$fh> };
like($md, qr/\A## Real data: .*### Label calibration on held-out listeners.*### Consistency classes.*### Agreement.*### What this data cannot tell\n\n- \*\*The gap against the truth\*\*/s,
	'the section has its parts and says what cannot be measured');

# the lines doc/study.md quotes from a run are what the script writes
my $doc = do { local $/; open(my $fh, '<', 'doc/study.md') or die; <$fh> };
my ($excerpt) = $doc =~ /<!-- real-data excerpt: begin -->\n```text\n(.*?)```\n<!-- real-data excerpt: end -->/s;
ok(defined $excerpt && length $excerpt, 'doc/study.md has the real-data excerpt');
my @missing = grep { index($md, "$_\n") < 0 } split /\n/, ($excerpt // '');
is(join("\n", @missing), '', 'every line of the excerpt is in the generated section');

is(q1($rdb, q{SELECT string_agg(name || '=' || status, ',' ORDER BY ord) FROM study.checks
               WHERE name IN ('split:test', 'order_recorded', 'both_orders', 'truth', 'repeats')}),
	'split:test=unavailable,repeats=ok,order_recorded=unavailable,both_orders=unavailable,truth=unavailable',
	'the checks: too few pairs to hold out, no display order, no truth; repeats present');
like($md, qr/\| truth \| unavailable \| no true preference probability \(true_p is NULL in all 21924 judgments\)/,
	'the section shows the checks');

# held-out metrics against a plain recomputation (15 equal-width bins, right-closed)
is(q1($rdb, q{
	WITH b AS (
		SELECT greatest(1, ceil(p_pooled * 15))::int AS bin, count(*) AS n,
		       avg(chose_a::int) AS ybar, avg(p_pooled) AS pbar
		FROM realdata.pred GROUP BY 1),
	r AS (SELECT sum(n * abs(ybar - pbar)) / sum(n) AS ece FROM b),
	o AS (SELECT avg((p_pooled - chose_a::int) ^ 2) AS brier,
	             avg(-(chose_a::int * ln(p_pooled) + (1 - chose_a::int) * ln(1 - p_pooled))) AS log_loss,
	             count(*) AS n
	      FROM realdata.pred)
	SELECT bool_and(CASE c.metric WHEN 'ece' THEN abs(c.estimate - r.ece)
	                              WHEN 'brier' THEN abs(c.estimate - o.brier)
	                              ELSE abs(c.estimate - o.log_loss) END < 1e-12 AND c.n = o.n)
	       AND count(*) = 3
	FROM realdata.calibration c, r, o WHERE c.slice_kind = 'overall'}),
	't', 'held-out ECE, Brier and log loss equal a plain recomputation');
is(q1($rdb, q{SELECT count(*) FROM realdata.pred WHERE p_pooled IS NULL OR p_material IS NULL}), '0', 'every held-out judgment predicted');
is(q1($rdb, q{SELECT count(DISTINCT listener) FROM realdata.pred}) + q1($rdb, q{SELECT count(DISTINCT listener) FROM realdata.rows WHERE split = 'train'}),
	40, 'listeners split into train and held-out');
is(q1($rdb, q{SELECT count(*) FROM realdata.pred p JOIN realdata.rows r USING (judgment_id) WHERE r.split <> 'test'}), '0',
	'no training listener is scored');
is(q1($rdb, q{SELECT bool_and(abs(diff_estimate - (material_estimate - estimate)) < 1e-12) FROM realdata.calibration}), 't',
	'the paired difference is the difference of the estimates');

# agreement against numpy
my %alpha = map { $_->[0] => [ $_->[1], $_->[2] ] } read_csv('test/data/soundquality/reference_alpha.csv');
is(q1($rdb, qq{SELECT units || ' ' || (abs(alpha - $alpha{within}[1]) < 1e-9) FROM realdata.agreement WHERE what LIKE 'within%'}),
	"$alpha{within}[0] true", 'alpha within listeners equals numpy\'s');
is(q1($rdb, qq{SELECT units || ' ' || (abs(alpha - $alpha{between}[1]) < 1e-9) FROM realdata.agreement WHERE what LIKE 'between%'}),
	"$alpha{between}[0] true", 'alpha between listeners equals numpy\'s');

pc_psql('postgres', "DROP DATABASE IF EXISTS $rdb");
pc_dropdb($db);
done_testing();
