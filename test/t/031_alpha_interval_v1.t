# test/t/031_alpha_interval_v1.t: version-1 krippendorff_alpha_interval_state
# values (per unit: count, mean, sum of squared deviations), written before
# the state became version 2 (count, reference value, mean minus reference,
# root-mean-square deviation), are still read: from binary COPY (recv) and
# as raw values stored on disk by an older build (the in-memory layout of
# version 1, made here byte by byte and turned into the type with a binary
# cast).  The text form of version 1 is tested in sql/agreement.sql.
#
# The state: u1 = {1, 1.5, 2} (3, 1.5, 0.5) and u2 = {2, 4} (2, 3, 2);
# interval alpha = 1 - (4/5) * (3 * 0.5 / 2 + 2 * 2 / 1) / 5.2 = 7/26.
use strict;
use warnings;
use Test::More;
use PrefcalTest;
use File::Temp ();

my $db = pc_newdb('pc_alpha_interval_v1');
my @units = (['u1', 3, 1.5, 0.5], ['u2', 2, 3, 2]);

# binary COPY of one column: PGCOPY header, one tuple, trailer; the state
# in its version-1 binary form (int16 version, int16 kind = 4, int32 n,
# per entry: int32 key length, key, three float8, all big-endian)
sub copy_file
{
	my ($version) = @_;
	my $state = pack('s> s> l>', $version, 4, scalar @units);
	for my $u (@units)
	{
		my ($key, @p) = @$u;
		$state .= pack('l>', length $key) . $key . pack('d>d>d>', @p);
	}
	return "PGCOPY\n\377\r\n\0" . pack('l> l>', 0, 0)
	  . pack('s> l>', 1, length $state) . $state . pack('s>', -1);
}

my $tmp = File::Temp->new(SUFFIX => '.bin');
binmode $tmp;
print $tmp copy_file(1);
close $tmp;
my $file = $tmp->filename;
my ($out, $err) = pc_psql($db, <<"SQL");
CREATE TABLE b (s krippendorff_alpha_interval_state);
\\copy b FROM '$file' (FORMAT binary)
SELECT s::text, abs(krippendorff_alpha_interval_final(s) - 7/26.0) < 1e-15 FROM b;
SQL
is($out, '{"version": 2, "entries": [["u1", 3, 1.5, 0, 0.4082482904638631], ["u2", 2, 3, 0, 1]]}|t',
	'version-1 binary value read, converted and alpha = 7/26') or diag($err);

my $bad = File::Temp->new(SUFFIX => '.bin');
binmode $bad;
print $bad copy_file(3);
close $bad;
my $rc;
($out, $err, $rc) = pc_psql($db, <<"SQL");
\\set VERBOSITY verbose
CREATE TABLE c (s krippendorff_alpha_interval_state);
\\copy c FROM '${\ $bad->filename}' (FORMAT binary)
SQL
isnt($rc, 0, 'unknown binary version: psql fails');
like($err, qr/22P03.*unsupported binary krippendorff_alpha_interval_state format/s,
	'unknown binary version refused (22P03)');

# the raw version-1 datum, native byte order, MAXALIGN 8: header (after the
# 4-byte varlena length) int16 version, int16 kind, int32 nparts, npayload,
# nentries, nslots, uint32 used, cap; 8 empty index slots; the entries
# (uint32 hash, int32 key length, float8 payload[3], key padded to 8).
# The index is not read: an old value is rebuilt entry by entry.  The bytes
# reach the type through a bytea-like type of the same alignment (bytea's
# own I/O functions) and a binary cast.
my $area = '';
for my $u (@units)
{
	my ($key, @p) = @$u;
	my $padded = $key . ("\0" x ((8 - length($key) % 8) % 8));
	$area .= pack('L l d d d', 0, length $key, @p) . $padded;
}
my $raw = pack('s s l l l l L L', 1, 4, 1, 3, scalar @units, 8, length $area, length $area)
  . ("\0" x 32) . $area;
my $hex = unpack('H*', $raw);
($out, $err) = pc_psql($db, <<"SQL");
CREATE TYPE rawstate;
CREATE FUNCTION rawstate_in(cstring) RETURNS rawstate AS 'byteain' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION rawstate_out(rawstate) RETURNS cstring AS 'byteaout' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE rawstate (INPUT = rawstate_in, OUTPUT = rawstate_out,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended);
CREATE CAST (rawstate AS krippendorff_alpha_interval_state) WITHOUT FUNCTION;
CREATE TABLE r AS SELECT '\\x$hex'::rawstate::krippendorff_alpha_interval_state s;
SELECT s::text, abs(krippendorff_alpha_interval_final(s) - 7/26.0) < 1e-15 FROM r;
SQL
is($out, '{"version": 2, "entries": [["u1", 3, 1.5, 0, 0.4082482904638631], ["u2", 2, 3, 0, 1]]}|t',
	'stored version-1 value read, converted and alpha = 7/26') or diag($err);

pc_dropdb($db);
done_testing();
