# test/t/061_recal_binary.t: binary send/recv of recal_state and
# recal_model (temperature, Platt and isotonic) round-trip exactly
# (COPY ... WITH (FORMAT binary) out and back in), and recv refuses
# damaged input.
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

my $db = 'prefcal_recal_binary';
pc_newdb($db);
my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;

my ($out, $err, $rc) = pc_psql($db, <<"SQL");
CREATE TABLE src AS
SELECT recal_state_agg(p, y, w) AS st, temperature_scaling(p, y, w) AS r
FROM (SELECT (g % 97 + 0.5) / 98.0 AS p, (g * 37 % 100) < (g % 97) AS y, 1 + (g % 3) AS w
      FROM generate_series(1, 3000) g) d;
INSERT INTO src SELECT recal_score_state_agg(s, s > 0.3 + 0.1 * (g % 7)), platt_scaling(s, s > 0.3 + 0.1 * (g % 7))
FROM (SELECT g, sin(g) AS s FROM generate_series(1, 500) g) d;
-- an isotonic recalibrator (variable length, its own binary layout)
INSERT INTO src SELECT recal_state_agg(p, y), isotonic_scaling(p, y)
FROM (SELECT (g % 89) / 88.0 AS p, (g * 31 % 100) < (g % 89) AS y FROM generate_series(1, 2000) g) d;
CREATE TABLE dst (LIKE src);
\\copy src TO '$dir/src.bin' WITH (FORMAT binary)
\\copy dst FROM '$dir/src.bin' WITH (FORMAT binary)
SQL
is($rc, 0, 'binary copy out and in') or diag($err);
is(q1($db, q{SELECT count(*) FROM src s JOIN dst d ON s.st::text = d.st::text AND s.r::text = d.r::text}),
	'3', 'every row identical after the binary round trip');

# damaged binary input: a recal_state with a bad version byte
open my $fh, '<:raw', "$dir/src.bin" or die;
local $/;
my $bin = <$fh>;
close $fh;
# the first field of the first tuple: header (19 bytes), field count (2),
# field length (4), then the value whose first byte is the version
my $off = 19 + 2 + 4;
is(ord(substr($bin, $off, 1)), 1, 'version byte found where expected');
substr($bin, $off, 1) = chr(9);
open $fh, '>:raw', "$dir/bad.bin" or die;
print $fh $bin;
close $fh;
($out, $err, $rc) = pc_psql($db, "\\copy dst FROM '$dir/bad.bin' WITH (FORMAT binary)");
like($err, qr/unsupported recal_state version 9/, 'bad version refused by recv');

pc_dropdb($db);
done_testing();
