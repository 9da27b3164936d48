# test/t/003_meta.t: META.json against the PGXN Meta Spec 1.0.0 (the
# meta-spec url it names), and the version called the same and by its
# status in every file that states it.  No validator for the spec is
# packaged in Debian, so the spec's rules are checked here: the required
# keys (name, version, abstract, maintainer, license, provides, meta-spec)
# and the types and values the spec gives each key the file uses; no key
# outside the spec except custom x_ keys.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use FindBin;

my $root = "$FindBin::Bin/../..";
sub slurp { my ($f) = @_; open(my $fh, '<', "$root/$f") or die "$f: $!"; local $/; return <$fh>; }

my $meta = eval { JSON::PP->new->decode(slurp('META.json')) };
ok($meta, 'META.json is valid JSON') or diag($@);
is(ref $meta, 'HASH', 'META.json is an object');

my $semver = qr/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
my $term = qr/^[^\/\\\s[:cntrl:]]{2,}$/;
my %licenses = map { $_ => 1 } qw(agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2
  bsd freebsd gfdl_1_2 gfdl_1_3 gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0
  mozilla_1_1 openssl perl_5 postgresql qpl_1_0 ssleay sun zlib open_source restricted
  unrestricted unknown);
my %known = map { $_ => 1 } qw(name version abstract maintainer license provides meta-spec
  description generated_by tags no_index prereqs release_status resources);
sub nonempty_string { my ($v) = @_; return defined $v && !ref $v && length $v >= 1; }

for my $k (qw(name version abstract maintainer license provides meta-spec))
{
	ok(exists $meta->{$k}, "required key $k");
}
is_deeply([grep { !$known{$_} && !/^[xX]_./ } sort keys %$meta], [], 'no key outside the spec');
like($meta->{name}, $term, 'name is a Term (2+ characters, no slash, backslash, space or control)');
like($meta->{version}, $semver, 'version is a SemVer');
ok(nonempty_string($meta->{abstract}), 'abstract is a non-empty string');
ok(nonempty_string($meta->{description}), 'description is a non-empty string') if exists $meta->{description};
ok(nonempty_string($meta->{generated_by}), 'generated_by is a non-empty string') if exists $meta->{generated_by};
my $m = $meta->{maintainer};
ok(nonempty_string($m) || (ref $m eq 'ARRAY' && @$m && !grep { !nonempty_string($_) } @$m),
	'maintainer is a string or a non-empty array of strings');
my $l = $meta->{license};
ok((!ref $l && $licenses{$l}) || (ref $l eq 'ARRAY' && @$l && !grep { !$licenses{$_} } @$l)
	  || (ref $l eq 'HASH' && %$l && !grep { ref || !/^[a-z][a-z0-9+.-]*:/i } values %$l),
	'license is a known license, a list of them, or names mapped to URIs');
is(ref $meta->{'meta-spec'}, 'HASH', 'meta-spec is an object');
is($meta->{'meta-spec'}{version}, '1.0.0', 'meta-spec version 1.0.0');
is_deeply([grep { $_ ne 'version' && $_ ne 'url' && !/^[xX]_./ } keys %{ $meta->{'meta-spec'} }], [],
	'meta-spec has only version and url');

is(ref $meta->{provides}, 'HASH', 'provides is an object');
ok(keys %{ $meta->{provides} } >= 1, 'provides names at least one extension');
for my $ext (sort keys %{ $meta->{provides} })
{
	my $e = $meta->{provides}{$ext};
	like($ext, $term, "provides: $ext is a Term");
	ok(defined $e->{file} && defined $e->{version}, "provides.$ext has file and version");
	like($e->{version}, $semver, "provides.$ext.version is a SemVer");
	is_deeply([grep { !/^(file|version|abstract|docfile)$/ && !/^[xX]_./ } sort keys %$e], [],
		"provides.$ext has only the spec's keys");
	for my $p (grep { defined } $e->{file}, $e->{docfile})
	{
		ok($p !~ m{^/} && $p !~ m{(^|/)\.\.(/|$)}, "provides.$ext: $p is a relative unix path");
	}
	# the install script is built from src/sql/ (the Makefile's DATA_built)
	ok(-e "$root/$e->{file}" || $e->{file} eq "$ext--$e->{version}.sql", "provides.$ext.file exists or is the built install script");
	ok(-e "$root/$e->{docfile}", "provides.$ext.docfile exists") if defined $e->{docfile};
}
if (exists $meta->{tags})
{
	my $t = $meta->{tags};
	ok(ref $t eq 'ARRAY' && @$t && !grep { ref($_) || length($_) < 2 || length($_) > 255 || m{[/\\[:cntrl:]]} } @$t,
		'tags: a non-empty array of tags (2 to 255 characters, no slash, backslash or control)');
}
if (exists $meta->{release_status})
{
	like($meta->{release_status}, qr/^(stable|testing|unstable)$/, 'release_status is stable, testing or unstable');
}
if (exists $meta->{prereqs})
{
	my $ok = ref $meta->{prereqs} eq 'HASH' && %{ $meta->{prereqs} };
	for my $phase (keys %{ $meta->{prereqs} || {} })
	{
		next if $phase =~ /^[xX]_/;
		$ok &&= $phase =~ /^(configure|build|test|runtime|develop)$/;
		for my $rel (keys %{ $meta->{prereqs}{$phase} })
		{
			next if $rel =~ /^[xX]_/;
			$ok &&= $rel =~ /^(requires|recommends|suggests|conflicts)$/;
			for my $v (values %{ $meta->{prereqs}{$phase}{$rel} })
			{
				$ok &&= ($v eq '0' || $v =~ /^\s*((==|!=|>=|<=|>|<)\s*)?\d+\.\d+\.\d+\S*(\s*,\s*((==|!=|>=|<=|>|<)\s*)?\d+\.\d+\.\d+\S*)*\s*$/);
			}
		}
	}
	ok($ok, 'prereqs: phases of relations of version ranges');
}

# the version, called the same everywhere, and by its status
my $v = $meta->{version};
my ($control) = slurp('prefcal.control') =~ /^default_version = '([^']*)'/m;
is($control, $v, 'prefcal.control default_version is META.json version');
is($meta->{provides}{prefcal}{version}, $v, 'provides.prefcal.version is the version');
my ($header) = slurp('src/prefcal.h') =~ /#define PREFCAL_VERSION "([^"]*)"/;
is($header, $v, 'PREFCAL_VERSION (what prefcal_version() returns) is the version');
my ($deb_version, $deb_dist) = slurp('debian/changelog') =~ /^prefcal \(([^)]*)\) (\S+);/;
(my $deb_upstream = $deb_version) =~ s/-[^-]*$//;
is($deb_upstream, $v, 'debian/changelog names the version');
my ($top) = slurp('CHANGELOG.md') =~ /^## (.*)$/m;
if (($meta->{release_status} // 'stable') eq 'stable')
{
	like($top, qr/^\Q$v\E \(\d{4}-\d\d-\d\d\)$/, 'CHANGELOG: a released version has its date');
	isnt($deb_dist, 'UNRELEASED', 'debian/changelog: a released version is not UNRELEASED');
}
else
{
	is($top, "$v (unreleased)", 'CHANGELOG: an unstable version is "unreleased"');
	is($deb_dist, 'UNRELEASED', 'debian/changelog: an unstable version is UNRELEASED');
}
done_testing();
