#!/usr/bin/perl
# test/fuzz/audit-install-script.pl: static audit of prefcal's install
# script against search_path capture (CVE-2018-1058, CVE-2022-2625 and
# their kin).  Reads the SQL given as arguments (default: the fragments
# src/sql/*.sql in name order, i.e. what the Makefile concatenates into
# prefcal--X.Y.Z.sql) and prints one line per violation; exits 1 if any.
#
# Rules (see doc/robustness.md for why each matters):
#  R1  no CREATE OR REPLACE, no IF NOT EXISTS (a pre-existing object of the
#      same name, planted by another role, would be kept or taken over);
#      except that an update script prefcal--A--B.sql may CREATE OR REPLACE
#      a function or aggregate that prefcal--A.sql creates, under its
#      name there or one an earlier ALTER ... RENAME TO in the script gave it (what
#      PostgreSQL's guidance on extension scripts allows: the object is a
#      member already, and since the fix for CVE-2022-2625 the server
#      refuses to replace one that is not);
#  R2  every object created as @extschema@.name;
#  R3  every LANGUAGE sql / plpgsql function or procedure, and every
#      SECURITY DEFINER one, has SET search_path = pg_catalog, ..., pg_temp
#      (pg_catalog first, pg_temp last); a procedure (which cannot carry SET
#      when it COMMITs) may instead begin its body with
#      PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', ...);
#  R4  inside SQL and PL/pgSQL bodies every function call and every relation
#      is schema-qualified (@extschema@.x or pg_catalog.x);
#  R5  aggregate support functions (SFUNC, FINALFUNC, COMBINEFUNC,
#      SERIALFUNC, DESERIALFUNC, MSFUNC, MINVFUNC, MFINALFUNC), operator
#      functions and cast functions are schema-qualified;
#  R6  no implicit casts (CREATE CAST ... AS IMPLICIT changes how calls
#      that have nothing to do with prefcal resolve).
# A line may opt out of R4 with the comment  -- audit: ok (reason)  after a
# reason a reviewer can judge.
use strict;
use warnings;
use File::Basename qw(dirname);

my @files = @ARGV;
if (!@files)
{
	my $root = dirname(__FILE__) . '/../..';
	@files = sort glob("$root/src/sql/*.sql");
}

# words that may precede "(" in SQL or PL/pgSQL without being a function call
my %keyword = map { $_ => 1 } qw(
  in exists any all some array row values cast coalesce nullif greatest least
  extract over filter within as on using and or not when then else select from
  where join returns table setof into lateral distinct grouping partition by
  order overlay position substring trim if return query execute perform
  foreach loop raise case with union except intersect variadic is elsif while
  numeric decimal varchar char character bit timestamp time interval float
  limit offset having window rows range groups between like ilike similar
  collate do begin end atomic xmlelement xmlforest json_object json_array
  default check unique primary references key);

my ($violations, $statements) = (0, 0);

sub violation
{
	my ($file, $line, $rule, $msg) = @_;
	$violations++;
	printf "%s:%d: %s %s\n", $file, $line, $rule, $msg;
}

# Split a script into statements; returns list of [text, first line,
# text with bodies blanked, [bodies with their line numbers]].  Comments are
# blanked (kept as spaces so offsets and line numbers hold), except that the
# "audit: ok" markers are remembered per line.
sub statements
{
	my ($file) = @_;
	open my $fh, '<', $file or die "$file: $!";
	local $/;
	my $src = <$fh>;
	close $fh;
	my (@out, %ok);
	my $i = 0;
	my $n = length $src;
	my $cur = '';
	my $line = 1;
	my $start_line = 1;
	my @bodies;
	my $outer = '';
	while ($i < $n)
	{
		my $rest = substr($src, $i);
		if ($rest =~ /^--[^\n]*/)
		{
			my $c = $&;
			$ok{$line} = 1 if $c =~ /audit:\s*ok/;
			$cur .= ' ' x length $c;
			$outer .= ' ' x length $c;
			$i += length $c;
			next;
		}
		if ($rest =~ /^\/\*.*?\*\//s)
		{
			my $c = $&;
			(my $blank = $c) =~ s/[^\n]/ /g;
			$line += ($c =~ tr/\n//);
			$cur .= $blank;
			$outer .= $blank;
			$i += length $c;
			next;
		}
		if ($rest =~ /^(\$[A-Za-z_0-9]*\$)(.*?)\1/s)
		{
			my ($all, $body) = ($&, $2);
			push @bodies, [$body, $line];
			$line += ($all =~ tr/\n//);
			$cur .= $all;
			(my $blank = $all) =~ s/[^\n]/ /g;
			$outer .= "'" . substr($blank, 2) . "'";
			$i += length $all;
			next;
		}
		if ($rest =~ /^'(?:[^']|'')*'/s)
		{
			my $c = $&;
			$line += ($c =~ tr/\n//);
			$cur .= $c;
			$outer .= $c;
			$i += length $c;
			next;
		}
		my $ch = substr($src, $i, 1);
		$i++;
		if ($ch eq ';')
		{
			push @out, [$cur, $start_line, $outer, [@bodies]] if $cur =~ /\S/;
			($cur, $outer, @bodies) = ('', '');
			$start_line = $line;
			next;
		}
		$line++ if $ch eq "\n";
		$start_line = $line if $cur !~ /\S/ && $ch =~ /\s/;
		$cur .= $ch;
		$outer .= $ch;
	}
	push @out, [$cur, $start_line, $outer, [@bodies]] if $cur =~ /\S/;
	return (\@out, \%ok);
}

# Blank string literals and comments inside a function body.
sub strip_body
{
	my ($b) = @_;
	$b =~ s{--[^\n]*}{' ' x length $&}ge;
	$b =~ s{/\*.*?\*/}{(my $x = $&) =~ s/[^\n]/ /g; $x}gse;
	$b =~ s{'(?:[^']|'')*'}{(my $x = $&) =~ s/[^\n]/ /g; "'" . substr($x, 2) . "'"}gse;
	return $b;
}

sub check_body
{
	my ($file, $body, $line0, $ok) = @_;
	my $b = strip_body($body);
	# names introduced by WITH (CTEs) and aliases are not relations to qualify
	my %cte;
	while ($b =~ /(?:\bwith\s+(?:recursive\s+)?|,\s*)([A-Za-z_]\w*)\s*(?:\([^)]*\)\s*)?as\s*(?:not\s+)?(?:materialized\s*)?\(/gi)
	{
		$cte{lc $1} = 1;
	}
	my @lines = split /\n/, $b, -1;
	for my $k (0 .. $#lines)
	{
		my $l = $lines[$k];
		my $ln = $line0 + $k;
		next if $ok->{$ln};
		# unqualified function calls: name( not preceded by "." or a quote
		while ($l =~ /(?<![.\w"\$])([A-Za-z_]\w*)\s*\(/g)
		{
			my $name = $1;
			my $before = substr($l, 0, $-[1]);
			next if $keyword{lc $name};
			next if $before =~ /(?:\bas|\))\s*$/i;      # alias(col, ...)
			next if $cte{lc $name};
			violation($file, $ln, 'R4', "unqualified function call $name(...) in a function body");
		}
		# unqualified relations
		while ($l =~ /\b(from|join|insert\s+into|update|delete\s+from)\s+([A-Za-z_]\w*)\b(?!\s*[.(])/gi)
		{
			my ($kw, $name) = ($1, $2);
			next if $keyword{lc $name} || $cte{lc $name};
			next if lc $kw eq 'from' && substr($l, 0, $-[1]) =~ /\b(extract|substring|trim|overlay)\s*\([^)]*$/i;
			violation($file, $ln, 'R4', "unqualified relation $name after " . uc($kw) . " in a function body");
		}
	}
}

# kind and name of every object an install script creates ("aggregate
# @extschema@.bt_state"): the members an update script from it may replace
sub created_objects
{
	my ($file) = @_;
	my %made;
	my ($stmts) = statements($file);
	for my $s (@$stmts)
	{
		(my $flat = $s->[2]) =~ s/\s+/ /g;
		$flat =~ s/^ //;
		$made{lc("$1 $2")} = 1
		  if $flat =~ /^create\s+(function|procedure|aggregate)\s+(\S+?)\s*\(/i;
	}
	return \%made;
}

for my $file (@files)
{
	my ($stmts, $ok) = statements($file);
	my $members = {};
	if ($file =~ m{^(.*/)?(prefcal--[^-/]+)--[^/]+\.sql$})
	{
		my $from = ($1 // '') . "$2.sql";
		die "$file: the install script it updates, $from, is missing\n" unless -f $from;
		$members = created_objects($from);
	}
	for my $s (@$stmts)
	{
		my ($text, $line, $outer, $bodies) = @$s;
		$statements++;
		(my $flat = $outer) =~ s/\s+/ /g;
		$flat =~ s/^ //;
		# a member renamed earlier in the update script stays a member
		$members->{ lc("$1 \@extschema\@.$3") } = 1
		  if $flat =~ /^alter\s+(function|procedure|aggregate)\s+(\S+?)\s*\(.*\)\s+rename\s+to\s+(\w+)\s*;?$/i
		  && $members->{ lc("$1 $2") };
		if ($flat =~ /\bcreate\s+or\s+replace\b/i &&
			!($flat =~ /^create\s+or\s+replace\s+(function|procedure|aggregate)\s+(\S+?)\s*\(/i &&
			  $members->{lc("$1 $2")}))
		{
			violation($file, $line, 'R1', 'CREATE OR REPLACE');
		}
		if ($flat =~ /\bif\s+not\s+exists\b/i)
		{
			violation($file, $line, 'R1', 'IF NOT EXISTS');
		}
		if ($flat =~ /^create\s+(?:or\s+replace\s+)?(?:trusted\s+)?(function|procedure|aggregate|type|operator\s+class|operator\s+family|operator|table|view|materialized\s+view|sequence|domain|text\s+search\s+\w+|collation|conversion|statistics)\s+(?:if\s+not\s+exists\s+)?(\S+?)\s*(?:\(|\s|$)/i)
		{
			my ($kind, $name) = (lc $1, $2);
			if ($name !~ /^\@extschema\@\./)
			{
				violation($file, $line, 'R2', "$kind $name is not created as \@extschema\@.name");
			}
		}
		if ($flat =~ /^create\s+(?:or\s+replace\s+)?(function|procedure)\s+(\S+?)\s*\(/i)
		{
			my ($kind, $name) = ($1, $2);
			my ($lang) = $flat =~ /\blanguage\s+'?(\w+)'?/i;
			$lang = lc($lang // 'sql');
			my $secdef = $flat =~ /\bsecurity\s+definer\b/i;
			my $needs_path = ($lang eq 'sql' || $lang eq 'plpgsql' || $secdef);
			if ($needs_path)
			{
				# a procedure that COMMITs cannot carry a SET clause; it may pin
				# the path with set_config as its first statement instead
				my $pinned = 0;
				if (lc $kind eq 'procedure' && @$bodies && $bodies->[0][0] =~
					/^\s*(?:declare\b.*?)?\bbegin\s+perform\s+pg_catalog\.set_config\s*\(\s*'search_path'\s*,\s*'\s*pg_catalog\s*(?:,[^']*)?,\s*pg_temp\s*'/is)
				{
					$pinned = 1;
				}
				if ($pinned)
				{
				}
				elsif ($flat !~ /\bset\s+search_path\s*(?:=|to)\s*([^;]*?)(?=\s+(?:as|language|immutable|stable|volatile|strict|called|returns|parallel|security|cost|rows|set|window|leakproof|not|begin|return)\b|\s*$)/i)
				{
					violation($file, $line, 'R3', "$lang function $name has no SET search_path");
				}
				else
				{
					my @path = map { s/^\s+|\s+$//gr =~ s/^["']|["']$//gr } split /,/, $1;
					if (lc($path[0] // '') ne 'pg_catalog' || lc($path[-1] // '') ne 'pg_temp')
					{
						violation($file, $line, 'R3',
							"function $name: SET search_path must start with pg_catalog and end with pg_temp (got @path)");
					}
				}
			}
			if ($lang eq 'sql' || $lang eq 'plpgsql')
			{
				check_body($file, $_->[0], $_->[1], $ok) for @$bodies;
				# SQL-standard bodies (BEGIN ATOMIC ... END / RETURN expr)
				if (!@$bodies && $text =~ /\b(begin\s+atomic\b.*|\breturn\b.*)$/is)
				{
					my $b = $1;
					my $pre = substr($text, 0, $-[1]);
					check_body($file, $b, $line + ($pre =~ tr/\n//), $ok);
				}
			}
		}
		if ($flat =~ /^create\s+aggregate\s/i)
		{
			while ($flat =~ /\b(sfunc|finalfunc|combinefunc|serialfunc|deserialfunc|msfunc|minvfunc|mfinalfunc)\s*=\s*([^,\s)]+)/gi)
			{
				violation($file, $line, 'R5', "aggregate support function " . uc($1) . " = $2 is not schema-qualified")
				  if $2 !~ /\./;
			}
		}
		if ($flat =~ /^create\s+operator\s+(?!class|family)/i)
		{
			while ($flat =~ /\b(function|procedure)\s*=\s*([^,\s)]+)/gi)
			{
				violation($file, $line, 'R5', "operator " . uc($1) . " = $2 is not schema-qualified") if $2 !~ /\./;
			}
		}
		if ($flat =~ /^create\s+cast\b/i)
		{
			violation($file, $line, 'R6', 'implicit cast (AS IMPLICIT)') if $flat =~ /\bas\s+implicit\b/i;
			if ($flat =~ /\bwith\s+function\s+([^\s(]+)/i && $1 !~ /\./)
			{
				violation($file, $line, 'R5', "cast function $1 is not schema-qualified");
			}
		}
	}
}

printf "audit: %d statements in %d file(s), %d violation(s)\n", $statements, scalar @files, $violations;
exit($violations ? 1 : 0);
