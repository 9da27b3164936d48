# test/t/098_reward_io.t: fitted reward models and reward pass states
# survive pg_dump and restore and COPY in binary format with identical
# text, in every variant of their stored form (standard errors or not,
# item effects, scales, spurious features, Hessian or not, position
# effect), and truncated binary values are refused, not misread.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use PrefcalTest;

my $src = pc_newdb('pc_reward_io');
my $dst = 'pc_reward_io_dst';

my ($out, $err, $rc) = pc_psql($src, q{
CREATE TABLE cmp AS
SELECT g, ARRAY[sin(g), cos(3 * g), sin(7 * g)]::float8[] AS a,
       ARRAY[cos(g), sin(5 * g), cos(2 * g)]::float8[] AS b,
       CASE WHEN g % 7 = 0 THEN 0.5 ELSE ((sin(11 * g) + sin(g) - cos(g)) > 0)::int END::float8 AS y,
       'item' || (g % 4) AS ia, 'item' || ((g + 1 + g / 4) % 4) AS ib
FROM generate_series(1, 400) g;
CREATE TABLE stored (id int, m reward_model, s reward_pass_state);
INSERT INTO stored (id, m) VALUES
 (1, reward_fit('SELECT a AS first_features, b AS second_features, y AS outcome FROM cmp')),
 (2, reward_fit('SELECT a AS first_features, b AS second_features, y AS outcome, ia AS first_item, ib AS second_item FROM cmp WHERE ia <> ib', position_effect => true, prior => 0.1)),
 (3, reward_fit('SELECT a AS first_features, b AS second_features, y AS outcome FROM cmp', augment => 'counterfactual', spurious => '{2}', standardize => true, prior => 0.5)),
 (4, reward_fit('SELECT a AS first_features, b AS second_features, y AS outcome FROM cmp', objective => 'hinge+brier', prior => 1)),
 (5, reward_fit('SELECT ia AS first_item, ib AS second_item, y AS outcome FROM cmp WHERE ia <> ib')),
 (6, NULL);
INSERT INTO stored (id, s)
SELECT 10, reward_pass('{0.1,0.2,0.3}', a, b, y, 1) FROM cmp UNION ALL
SELECT 11, reward_pass('{0.1,0.2,0.3,-0.4}', a, b, y, g, 'logloss+brier', 2, true) FROM cmp UNION ALL
SELECT 12, reward_pass('{0,0,0}', a::real[], b::real[], y, 1, 'hinge', 0, true) FROM cmp;
});
is($rc, 0, 'models and pass states of every variant are made') or diag($err);

my $dir = tempdir(CLEANUP => 1);
chmod 0777, $dir;
system("pg_dump -Fc -d $src -f $dir/dump") == 0 or BAIL_OUT('pg_dump failed');
system('psql', '-X', '-q', '-d', 'postgres', '-c', "DROP DATABASE IF EXISTS $dst") == 0 or die;
system('psql', '-X', '-q', '-d', 'postgres', '-c', "CREATE DATABASE $dst") == 0 or die;
is(system("pg_restore -d $dst --exit-on-error $dir/dump"), 0, 'pg_restore succeeds');

for my $c (qw(m s))
{
	my $q = "SELECT pg_catalog.string_agg(COALESCE($c\::text, 'NULL'), ' | ' ORDER BY id) FROM stored";
	my $before = pc_psql($src, $q);
	is(pc_psql($dst, $q), $before, "$c: text after dump and restore is identical");

	my $file = "$dir/$c.bin";
	system("psql -X -q -d $src -c \"\\copy (SELECT id, $c FROM stored ORDER BY id) TO '$file' WITH (FORMAT binary)\"") == 0
	  or BAIL_OUT("COPY TO binary failed");
	pc_psql($src, "CREATE TABLE back_$c (id int, v " . ($c eq 'm' ? 'reward_model' : 'reward_pass_state') . ')');
	($out, $err, $rc) = pc_psql($src, "\\copy back_$c FROM '$file' WITH (FORMAT binary)");
	is($rc, 0, "$c: COPY FROM binary accepts what send produced") or diag($err);
	is(pc_psql($src, "SELECT pg_catalog.string_agg(COALESCE(v::text, 'NULL'), ' | ' ORDER BY id) FROM back_$c"),
		$before, "$c: binary round trip keeps the text identical");
	my $type = $c eq 'm' ? 'reward_model' : 'reward_pass_state';
	is(pc_psql($src, "SELECT pg_catalog.string_agg(COALESCE(v::text::$type\::text, 'NULL'), ' | ' ORDER BY id) FROM back_$c"),
		$before, "$c: text round trip keeps the text identical");
}

# truncated binary values: refused, never misread
my $bin = "$dir/trunc.bin";
my $okcount = 0;
my $tries = 0;
pc_psql($src, 'CREATE TABLE cut (v reward_model)');
for my $id (2, 3, 4)
{
	system("psql -X -q -d $src -c \"\\copy (SELECT m FROM stored WHERE id = $id) TO '$bin' WITH (FORMAT binary)\"") == 0
	  or BAIL_OUT('COPY TO binary failed');
	open my $fh, '<:raw', $bin or die;
	my $data = do { local $/; <$fh> };
	close $fh;
	# header 19 bytes, then the tuple: int2 field count, int4 length, value;
	# then the int2 -1 trailer
	my $len = unpack('N', substr($data, 21, 4));
	for my $cut (4, 40, int($len / 3), int($len / 2), $len - 1)
	{
		my $t = substr($data, 0, 21) . pack('N', $cut) . substr($data, 25, $cut) . pack('n', 0xFFFF);
		open my $wf, '>:raw', "$dir/cut.bin" or die;
		print $wf $t;
		close $wf;
		my ($o, $e, $r) = pc_psql($src, "\\copy cut FROM '$dir/cut.bin' WITH (FORMAT binary)");
		$tries++;
		$okcount++ if $r == 0;
		unlike($e, qr/server closed|XX0/, "model $id cut to $cut of $len bytes: no crash, no internal error");
	}
}
is($okcount, 0, "$tries truncated binary models are all refused");

pc_dropdb($dst);
pc_dropdb($src);
done_testing();
