# test/fuzz/PcCatalog.pm: catalog-driven helpers for the robustness TAP
# tests (test/t/09x_*.t) and the bad-input matrix (test/fuzz/bad-input.pl).
#
# Everything here is derived from the catalog (the objects pg_depend records
# as members of extension prefcal, through the queries of
# test/fuzz/catalog.sql, which the fuzzer's catalog.py reads too), so a
# function added later is covered without editing the tests.  Talks to the
# server with psql.
#
#   pc_ext_functions(db)      list of hashes, one per function/aggregate/
#                             procedure: oid, kind (f a p w), sig
#                             (regprocedure text), qname, name, args (type
#                             names), argoids, ndefaults, lang, retset, ret,
#                             strict, config (proconfig text), secdef
#   pc_ext_types(db)          list of hashes: oid, name, input, output,
#                             receive, send
#   pc_batch(db, \@stmts, [prelude], [psql args])
#                             run statements one by one (errors do not stop
#                             the batch); returns a list of [sqlstate,
#                             output] ('crash' if the connection was lost);
#                             with $PcCatalog::rollback_each set, each in a
#                             transaction of its own that is rolled back
#   pc_sane_table_sql()       SQL creating table pc_sane (plausible rows)
#   pc_samples(db, \@funcs, \@types)
#                             a valid value (text) of every type of the
#                             extension that some aggregate or function
#                             makes from pc_sane; hash type name -> text
#   pc_sane_literal(type name, \%samples)
#   pc_sane_call(func, \%samples, [mapping 0|1], [\%override argno->expr])
#                             a plausible call of a function or aggregate
#                             (aggregates read pc_sane), as SQL text
package PcCatalog;

use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempfile);

our $rollback_each = 0;
our @EXPORT = qw(pc_ext_functions pc_ext_types pc_batch pc_sane_table_sql
  pc_samples pc_sane_literal pc_sane_call pc_query_rows pc_val);

# the output of one statement, blanks around it removed (dies on error)
sub pc_val
{
	my ($db, $sql, @args) = @_;
	my ($fh, $file) = tempfile(UNLINK => 1);
	print $fh $sql;
	close $fh;
	my $out = `psql -X -A -t -q -v ON_ERROR_STOP=1 -d $db @args -f $file`;
	die "statement failed: $sql" if $? != 0;
	$out =~ s/^\s+|\s+$//g;
	return $out;
}

# rows of a query, as arrays of fields (tab separated, NULL as \N)
sub pc_query_rows
{
	my ($db, $sql) = @_;
	my ($fh, $file) = tempfile(UNLINK => 1);
	print $fh $sql;
	close $fh;
	my $out = `psql -X -A -t -q -F '\t' -P null='\\N' -v ON_ERROR_STOP=1 -d $db -f $file`;
	die "query failed: $sql" if $? != 0;
	return map { [split /\t/, $_, -1] } grep { length } split /\n/, $out;
}

# the named queries of test/fuzz/catalog.sql (shared with catalog.py), for
# extension prefcal
sub _catalog_sql
{
	my ($name) = @_;
	my $file = __FILE__;
	$file =~ s{[^/]*$}{catalog.sql};
	open(my $fh, '<', $file) or die "$file: $!";
	local $/;
	my $text = <$fh>;
	close $fh;
	my (undef, %q) = split /^-- query: (\w+)\n/m, $text;
	die "no query $name in $file" unless defined $q{$name};
	(my $sql = $q{$name}) =~ s/:ext\b/'prefcal'/g;
	return $sql;
}

sub _list { my ($s) = @_; return $s eq '' ? () : split /\|/, $s; }

sub pc_ext_functions
{
	my ($db) = @_;
	my @f;
	for my $r (pc_query_rows($db, _catalog_sql('functions')))
	{
		push @f, {
			oid => $r->[0], kind => $r->[1], name => $r->[3], qname => $r->[4],
			sig => $r->[5], argoids => [_list($r->[6])], args => [_list($r->[7])],
			ndefaults => $r->[8], retset => $r->[10] eq 't', ret => $r->[12],
			strict => $r->[13] eq 't', lang => $r->[14], config => $r->[15],
			secdef => $r->[16] eq 't', volatile => $r->[17], parallel => $r->[18] };
	}
	return @f;
}

sub pc_ext_types
{
	my ($db) = @_;
	return map { { oid => $_->[0], name => $_->[1], typtype => $_->[2], input => $_->[3],
			output => $_->[4], receive => $_->[5], send => $_->[6] } }
	  pc_query_rows($db, _catalog_sql('types'));
}

# Statements run in one psql session; after each, psql's SQLSTATE variable
# (00000 on success) is echoed behind a marker.  A missing marker means the
# connection was lost: that statement crashed the backend.
sub pc_batch
{
	my ($db, $stmts, $prelude, @args) = @_;
	my @res;
	my $from = 0;
	while ($from <= $#$stmts)
	{
		my @part = _batch($db, [@$stmts[$from .. $#$stmts]], $prelude, @args);
		my $k = 0;
		$k++ while $k <= $#part && $part[$k][0] ne 'crash';
		push @res, @part[0 .. ($k <= $#part ? $k : $#part)];
		last if $k > $#part;
		# statement $from + $k lost the connection: wait for the server to
		# come back from crash recovery, go on with the next one
		$from += $k + 1;
		for (1 .. 120)
		{
			last if system("psql -X -q -d $db -c 'SELECT 1' >/dev/null 2>&1") == 0;
			select(undef, undef, undef, 0.5);
		}
	}
	return @res;
}

sub _batch
{
	my ($db, $stmts, $prelude, @args) = @_;
	my ($fh, $file) = tempfile(UNLINK => 1);
	print $fh "\\set ON_ERROR_STOP 0\n\\set VERBOSITY terse\n";
	print $fh "$prelude\n" if $prelude;
	for my $i (0 .. $#$stmts)
	{
		my $term = $stmts->[$i] =~ /^\\/ ? "" : ";";
		print $fh "BEGIN;\n" if $PcCatalog::rollback_each;
		print $fh "\\echo '\@\@begin $i'\n$stmts->[$i]$term\n\\echo '\@\@end $i' :SQLSTATE\n";
		print $fh "ROLLBACK;\n" if $PcCatalog::rollback_each;
	}
	close $fh;
	my ($efh, $efile) = tempfile(UNLINK => 1);
	close $efh;
	my $out = `psql -X -A -t -q -d $db @args -f $file 2>$efile`;
	my @res;
	my %end;
	my %body;
	my $cur;
	for my $l (split /\n/, $out)
	{
		if ($l =~ /^\@\@begin (\d+)$/) { $cur = $1; $body{$cur} = ''; next; }
		if ($l =~ /^\@\@end (\d+) (\S+)$/) { $end{$1} = $2; undef $cur; next; }
		$body{$cur} .= ($body{$cur} eq '' ? '' : "\n") . $l if defined $cur;
	}
	for my $i (0 .. $#$stmts)
	{
		push @res, [exists $end{$i} ? $end{$i} : 'crash', $body{$i} // ''];
	}
	return @res;
}

sub pc_sane_table_sql
{
	# 48 rows: items a..d compared in both orders with mixed outcomes (every
	# item wins and loses, the graph is connected), probabilities strictly
	# inside (0, 1), three-class probability vectors, repeated judgments of
	# annotators under four conditions.
	return q{
CREATE TABLE pc_sane AS
SELECT i AS id, i % 3 AS k,
       (ARRAY['a','b','c','d'])[1 + i % 4] AS a,
       (ARRAY['b','c','d','a'])[1 + (i / 4) % 4] AS b,
       (1 + i % 4)::bigint AS ai, (1 + (i / 4) % 4)::bigint AS bi,
       (ARRAY[1, 0, 0.5, 1, 0, 1])[1 + i % 6]::float8 AS outcome,
       1::float8 AS w,
       ((i * 37) % 97 + 1)::float8 / 99 AS p,
       ((i * 37) % 97 + 1) % 3 <> 0 AS y,
       ((i * 53) % 89)::float8 / 88 AS yf,
       ARRAY[0.2, 0.3, 0.5]::float8[] AS probs,
       i % 3 AS label,
       'ann' || (i % 3) AS annotator,
       (ARRAY['AB','BA','AB','BA'])[1 + i % 4] AS cond,
       (i / 2) % 2 AS choice
  FROM pg_catalog.generate_series(0, 47) i;
UPDATE pc_sane SET b = CASE WHEN a = 'c' THEN 'd' ELSE 'c' END WHERE a = b;
};
}

# columns of pc_sane for each argument type, in order of use, under three
# mappings (calibration-like, pairwise-comparison-like, annotation-like)
my %column = (
	'double precision' => [['p', 'yf', 'w'], ['outcome', 'w', 'p'], ['outcome', 'w', 'p']],
	'real' => [['p', 'yf'], ['outcome', 'w'], ['outcome', 'w']],
	'numeric' => [['p::numeric', 'yf::numeric'], ['outcome::numeric', 'w::numeric'], ['outcome::numeric', 'w::numeric']],
	'boolean' => [['y'], ['y'], ['y']],
	'text' => [['a', 'b', 'annotator', 'cond'], ['a', 'b', 'annotator', 'cond'], ['annotator', 'cond', 'a', 'b']],
	'bigint' => [['ai', 'bi'], ['ai', 'bi'], ['ai', 'bi']],
	'integer' => [['label', 'choice'], ['choice', 'label'], ['choice', 'label']],
	'double precision[]' => [['probs'], ['probs'], ['probs']],
);

my %literal = (
	'double precision' => "0.7::pg_catalog.float8", 'real' => "0.7::pg_catalog.float4",
	'numeric' => "0.7::pg_catalog.numeric", 'integer' => "1::pg_catalog.int4",
	'smallint' => "1::pg_catalog.int2", 'bigint' => "1::pg_catalog.int8",
	'boolean' => "true", 'text' => "'a'::pg_catalog.text",
	'double precision[]' => "'{0.2,0.3,0.5}'::pg_catalog.float8[]",
	'integer[]' => "'{1,2}'::pg_catalog.int4[]", 'bigint[]' => "'{1,2}'::pg_catalog.int8[]",
	'text[]' => "'{a,b}'::pg_catalog.text[]", 'boolean[]' => "'{true,false}'::pg_catalog.bool[]",
	'jsonb' => "'{}'::pg_catalog.jsonb",
	'anyelement' => "0.7::pg_catalog.float8", 'anyarray' => "'{0.2,0.3,0.5}'::pg_catalog.float8[]",
	'"any"' => "0.7::pg_catalog.float8", 'anycompatible' => "0.7::pg_catalog.float8",
);

sub quote_lit
{
	my ($s) = @_;
	$s =~ s/'/''/g;
	return "'$s'";
}

sub pc_sane_literal
{
	my ($type, $samples) = @_;
	return quote_lit($samples->{$type}) . "::$type" if $samples && defined $samples->{$type};
	return $literal{$type} if exists $literal{$type};
	return "NULL::$type";
}

sub pc_sane_call
{
	my ($f, $samples, $mapping, $override) = @_;
	$mapping //= 0;
	$override //= {};
	my $n = @{ $f->{args} } - $f->{ndefaults};
	for my $k (keys %$override)
	{
		$n = $k + 1 if $k >= $n;
	}
	my @a;
	if ($f->{kind} eq 'a')
	{
		my %used;
		for my $i (0 .. $n - 1)
		{
			my $t = $f->{args}[$i];
			if (exists $override->{$i}) { push @a, $override->{$i}; next; }
			my $cols = $column{$t} ? $column{$t}[$mapping] : undef;
			if ($cols && ($used{$t} // 0) < @$cols)
			{
				push @a, $cols->[$used{$t}++];
			}
			else
			{
				push @a, pc_sane_literal($t, $samples);
			}
		}
		return sprintf('SELECT %s(%s) FROM pc_sane', $f->{qname}, join(', ', @a));
	}
	for my $i (0 .. $n - 1)
	{
		push @a, exists $override->{$i} ? $override->{$i} : pc_sane_literal($f->{args}[$i], $samples);
	}
	return sprintf('%s %s(%s)', $f->{kind} eq 'p' ? 'CALL' : 'SELECT', $f->{qname}, join(', ', @a));
}

sub pc_samples
{
	my ($db, $funcs, $types) = @_;
	my %samples;
	my %ours = map { $_->{name} => 1 } @$types;
	my %support = map { ($_->{input}, 1, $_->{output}, 1, $_->{receive}, 1, $_->{send}, 1) } @$types;
	for my $pass (1 .. 3)
	{
		my @want;
		for my $f (@$funcs)
		{
			next unless $ours{ $f->{ret} } && !defined $samples{ $f->{ret} };
			next if $support{ $f->{name} } || $f->{retset};
			next if grep { $ours{$_} && !defined $samples{$_} } @{ $f->{args} }[0 .. $#{ $f->{args} } - $f->{ndefaults}];
			push @want, [$f, $_] for (0, 1, 2);
		}
		last unless @want;
		my @r = pc_batch($db, [map { pc_sane_call($_->[0], \%samples, $_->[1]) } @want]);
		for my $i (0 .. $#want)
		{
			my $t = $want[$i][0]{ret};
			$samples{$t} //= $r[$i][1] if $r[$i][0] eq '00000' && $r[$i][1] ne '';
		}
	}
	# types no plausible call of the loop above makes (every form of their
	# aggregates takes a constant integer parameter that pc_sane's integer
	# columns do not hold)
	my %extra = (
		'calibration_bootstrap_state' =>
		  'SELECT calibration_bootstrap(p, y, 10, annotator, 20, 1) FROM pc_sane',
		'bt_bootstrap_state' =>
		  'SELECT bt_bootstrap(a, b, outcome, w, annotator, 20, 1) FROM pc_sane WHERE a <> b',
	);
	for my $t (sort keys %extra)
	{
		next if defined $samples{$t} || !$ours{$t};
		my @r = pc_batch($db, [$extra{$t}]);
		$samples{$t} = $r[0][1] if $r[0][0] eq '00000' && $r[0][1] ne '';
	}
	return \%samples;
}

1;
