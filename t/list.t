#!/usr/bin/perl

# ListObjects v1, ListObjectsV2 and ListObjectVersions against a naive
# oracle (prefix, delimiter, markers, tokens, max-keys, encoding-type=url,
# paging), and DeleteObjects (quiet and verbose, Content-MD5 or a flexible
# checksum or neither, malformed XML, more than 1000 keys, 1000 keys
# answered exactly, their files unlinked soon after the answer).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Compress::Zlib qw(crc32);
use Digest::MD5 qw(md5 md5_base64 md5_hex);
use File::Find;
use MIME::Base64 qw(encode_base64);
use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

my $t = SOS::Test->new;

my ($rc, $out, $err) = $t->sosctl('org', 'create', 'other');
die "sosctl: $err" if $rc;
($rc, $out, $err) = $t->sosctl('key', 'create', 'other');
die "sosctl: $err" if $rc;
my @other = (
    access => ($out =~ /^aws_access_key_id = (\S+)/m)[0],
    secret => ($out =~ /^aws_secret_access_key = (\S+)/m)[0],
);

$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

# percent-encoding as SigV4 wants it: all but unreserved (and '/' in paths)
sub enc {
    my ($s, $path) = @_;
    my $keep = $path ? 'A-Za-z0-9\-._~/' : 'A-Za-z0-9\-._~';
    $s =~ s/([^$keep])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub query {
    my (%q) = @_;
    return join '&', map { enc($_) . '=' . enc($q{$_}) } sort keys %q;
}

sub unxml {
    my ($s) = @_;
    $s =~ s/&lt;/</g;
    $s =~ s/&gt;/>/g;
    $s =~ s/&quot;/"/g;
    $s =~ s/&apos;/'/g;
    $s =~ s/&amp;/&/g;
    return $s;
}

sub unurl {
    my ($s) = @_;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

sub elem {
    my ($body, $name) = @_;
    return undef unless $body =~ m{<$name>(.*?)</$name>}s;
    return unxml($1);
}

# keys (Contents or Version) and common prefixes of a page, decoded
sub page {
    my ($body, $url) = @_;
    my $dec = $url ? sub { unurl(unxml($_[0])) } : \&unxml;
    my @keys = map { $dec->($_) }
        $body =~ m{<(?:Contents|Version)><Key>(.*?)</Key>}gs;
    my @prefixes = map { $dec->($_) }
        $body =~ m{<CommonPrefixes><Prefix>(.*?)</Prefix></CommonPrefixes>}gs;
    return (\@keys, \@prefixes);
}

# what S3 lists, in a few lines of Perl
sub oracle {
    my ($keys, %o) = @_;
    my ($prefix, $delim, $marker) = map { defined $_ ? $_ : '' }
        @o{qw(prefix delimiter marker)};
    my (@keys, @prefixes, %seen, @order);
    for my $k (sort @$keys) {
        next unless $k gt $marker;
        next unless substr($k, 0, length $prefix) eq $prefix;
        if (length $delim) {
            my $i = index($k, $delim, length $prefix);
            if ($i >= 0) {
                my $cp = substr($k, 0, $i + length $delim);
                next if substr($marker, 0, length $cp) eq $cp;
                push @order, [ 'p', $cp ] unless $seen{$cp}++;
                next;
            }
        }
        push @order, [ 'k', $k ];
    }
    return \@order;
}

sub split_order {
    my ($order) = @_;
    return ([ map { $_->[1] } grep { $_->[0] eq 'k' } @$order ],
            [ map { $_->[1] } grep { $_->[0] eq 'p' } @$order ]);
}

my @keys = (
    'a/1', 'a/2', 'a/b/3', 'a/b/4', 'a/c', 'b', 'c/x', 'c/y/z', 'd',
    'e+f', 'sp ace', "uni\xc3\xa9/k", '100%.csv', 'q&<>"\'', 'z/+/q',
    'z//x', 'dir/', 'dir/sub/', 'x' x 200,
);

my %etag;

($rc) = req(PUT => '/lst');
is($rc, 200, 'create bucket');

for my $k (@keys) {
    my ($st, $h) = req(PUT => '/lst/' . enc($k, 1), body => "body of $k");
    is($st, 200, "put '$k'") or last;
    $etag{$k} = md5_hex("body of $k");
}

# every object is listed with its details

my ($st, $h, $body) = req(GET => '/lst');
is($st, 200, 'ListObjects 200');
like($h->{'content-type'}, qr{^application/xml}, 'XML');
like($body, qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<ListBucketResult xmlns="\Q$XMLNS\E"><Name>lst</Name><Prefix></Prefix><Marker></Marker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents>}s,
    'ListObjects head');
unlike($body, qr{<NextMarker>|<Delimiter>|<EncodingType>}, 'nothing else');
is_deeply([ page($body) ], [ [ sort @keys ], [] ], 'all keys, in order');
like($body, qr{<Contents><Key>b</Key><LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z</LastModified><ETag>&quot;$etag{b}&quot;</ETag><Size>9</Size><Owner><ID>[0-9a-f]{64}</ID><DisplayName>dev</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>},
    'v1 Contents: LastModified ms, quoted ETag, Size, Owner, StorageClass');
like($body, qr{<Key>q&amp;&lt;&gt;&quot;&apos;</Key>}, 'key XML-escaped');

($st, $h, $body) = req(GET => '/lst?list-type=2');
is($st, 200, 'ListObjectsV2 200');
like($body, qr{<ListBucketResult xmlns="\Q$XMLNS\E"><Name>lst</Name><Prefix></Prefix><KeyCount>${\ scalar @keys}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>},
    'ListObjectsV2 head, KeyCount');
unlike($body, qr{<Owner>}, 'v2: no Owner without fetch-owner');
unlike($body, qr{ContinuationToken|StartAfter}, 'v2: no token, no start-after');

($st, $h, $body) = req(GET => '/lst?fetch-owner=true&list-type=2');
like($body, qr{<Size>9</Size><Owner><ID>[0-9a-f]{64}</ID><DisplayName>dev</DisplayName></Owner>},
    'v2 fetch-owner=true: Owner');

($st, $h, $body) = req(GET => '/lst?versions');
is($st, 200, 'ListObjectVersions 200');
like($body, qr{<ListVersionsResult xmlns="\Q$XMLNS\E"><Name>lst</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Version>}, 'versions head');
like($body, qr{<Version><Key>b</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>[^<]+</LastModified><ETag>&quot;$etag{b}&quot;</ETag><Size>9</Size><Owner><ID>[0-9a-f]{64}</ID><DisplayName>dev</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Version>},
    'each object is its one version, null, latest');
is_deeply([ page($body) ], [ [ sort @keys ], [] ], 'versions: all keys');

# against the oracle, for each kind, with prefixes and delimiters

my @cases = (
    {}, { prefix => 'a/' }, { delimiter => '/' },
    { prefix => 'a/', delimiter => '/' }, { prefix => 'a', delimiter => '/' },
    { prefix => 'nothing' }, { delimiter => 'b' }, { delimiter => '//' },
    { prefix => 'z/', delimiter => '/' }, { marker => 'c' },
    { marker => 'a/b/3', delimiter => '/' }, { marker => 'a/', delimiter => '/' },
    { marker => 'a', delimiter => '/' }, { marker => 'zzz' },
    { prefix => "uni\xc3\xa9", delimiter => '/' },
    { delimiter => '/', prefix => 'dir/' },
);

for my $c (@cases) {
    my $name = join ', ', map { "$_=$c->{$_}" } sort keys %$c;
    my ($keys, $prefixes) = split_order(oracle(\@keys, %$c));

    my %q = %$c;
    ($st, $h, $body) = req(GET => '/lst?' . query(%q));
    is($st, 200, "v1 $name: 200");
    is_deeply([ page($body) ], [ $keys, $prefixes ], "v1 $name");

    %q = (%$c, 'list-type' => 2);
    $q{'start-after'} = delete $q{marker} if exists $q{marker};
    ($st, $h, $body) = req(GET => '/lst?' . query(%q));
    is($st, 200, "v2 $name: 200");
    is_deeply([ page($body) ], [ $keys, $prefixes ], "v2 $name");
    is(elem($body, 'KeyCount'), @$keys + @$prefixes, "v2 KeyCount $name");

    %q = (%$c, versions => '');
    $q{'key-marker'} = delete $q{marker} if exists $q{marker};
    ($st, $h, $body) = req(GET => '/lst?' . query(%q));
    is($st, 200, "versions $name: 200");
    is_deeply([ page($body) ], [ $keys, $prefixes ], "versions $name");
}

# paging: every key and prefix exactly once, in order

for my $max (1 .. 3) {
    for my $c ({}, { delimiter => '/' }, { prefix => 'a/', delimiter => '/' },
        { delimiter => 'b' })
    {
        my $name = join ', ', "max-keys=$max",
            map { "$_=$c->{$_}" } sort keys %$c;
        my $want = [ map { $_->[1] } @{ oracle(\@keys, %$c) } ];

        for my $kind (qw(v1 v2 versions)) {
            my (@got, $marker, $ok);
            $ok = 1;

            for my $i (1 .. 100) {
                my %q = (%$c, 'max-keys' => $max);
                if ($kind eq 'v1') {
                    $q{marker} = $marker if defined $marker;
                } elsif ($kind eq 'v2') {
                    $q{'list-type'} = 2;
                    $q{'continuation-token'} = $marker if defined $marker;
                } else {
                    $q{versions} = '';
                    $q{'key-marker'} = $marker if defined $marker;
                }

                ($st, $h, $body) = req(GET => '/lst?' . query(%q));
                my ($k, $p) = page($body);
                my @items = sort(@$k, @$p);
                push @got, @items;

                if (@items > $max) {
                    $ok = 0;
                    diag("$kind $name: page of " . @items);
                }

                last if elem($body, 'IsTruncated') eq 'false';

                if ($kind eq 'v1') {
                    $marker = elem($body, 'NextMarker');
                    if (length($c->{delimiter} // '')) {
                        ok(defined $marker,
                            "$kind $name: NextMarker with a delimiter")
                            or last;
                    } else {
                        ok(!defined $marker,
                            "$kind $name: no NextMarker without delimiter");
                        $marker = $k->[-1];
                    }
                } elsif ($kind eq 'v2') {
                    $marker = elem($body, 'NextContinuationToken');
                    ok(defined $marker && length $marker,
                        "$kind $name: NextContinuationToken") or last;
                } else {
                    $marker = elem($body, 'NextKeyMarker');
                    ok(defined $marker, "$kind $name: NextKeyMarker") or last;
                    my $last_is_key = @$k && (!@$p || $k->[-1] gt $p->[-1]);
                    is(elem($body, 'NextVersionIdMarker'),
                        $last_is_key ? 'null' : undef,
                        "$kind $name: NextVersionIdMarker");
                }
            }

            ok($ok, "$kind $name: pages within max-keys");
            is_deeply(\@got, $want, "$kind $name: each once, in order");
        }
    }
}

# max-keys

($st, $h, $body) = req(GET => '/lst?max-keys=0');
is($st, 200, 'max-keys=0');
like($body, qr{<MaxKeys>0</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>},
    'max-keys=0: empty, not truncated');

($st, $h, $body) = req(GET => '/lst?list-type=2&max-keys=0');
like($body, qr{<KeyCount>0</KeyCount><MaxKeys>0</MaxKeys>}, 'v2 max-keys=0');

($st, $h, $body) = req(GET => '/lst?max-keys=1');
is_deeply([ page($body) ], [ [ (sort @keys)[0] ], [] ], 'max-keys=1');
like($body, qr{<IsTruncated>true</IsTruncated>}, 'max-keys=1 truncated');
unlike($body, qr{<NextMarker>}, 'v1 without delimiter: no NextMarker');

($st, $h, $body) = req(GET => '/lst?delimiter=%2F&max-keys=1');
is(elem($body, 'NextMarker'), oracle(\@keys, delimiter => '/')->[0][1],
    'v1 with delimiter: NextMarker is the last item');

($st, $h, $body) = req(GET => '/lst?max-keys=5000');
is(elem($body, 'MaxKeys'), 1000, 'max-keys above 1000 is 1000');

for my $bad ('abc', '-1', '', '1x', '99999999999') {
    ($st, $h, $body) = req(GET => '/lst?max-keys=' . enc($bad));
    is($st, 400, "max-keys=$bad: 400");
    like($body, qr{<Code>InvalidArgument</Code>.*<ArgumentName>max-keys</ArgumentName>}s,
        "max-keys=$bad: InvalidArgument");
}

# v2 tokens and start-after

($st, $h, $body) = req(GET => '/lst?list-type=2&max-keys=2&start-after=b');
is_deeply([ page($body) ], [ [ (grep { $_ gt 'b' } sort @keys)[0 .. 1] ], [] ],
    'start-after');
like($body, qr{<StartAfter>b</StartAfter>}, 'StartAfter echoed');
my $token = elem($body, 'NextContinuationToken');
ok($token, 'NextContinuationToken');

($st, $h, $body) = req(GET => '/lst?' . query('list-type' => 2,
    'max-keys' => 2, 'continuation-token' => $token, 'start-after' => 'b'));
is_deeply([ page($body) ], [ [ (grep { $_ gt 'b' } sort @keys)[2 .. 3] ], [] ],
    'continuation-token wins over start-after');
like($body, qr{<ContinuationToken>\Q$token\E</ContinuationToken>},
    'ContinuationToken echoed');

# an empty token is a first page (issue 15; AWS ListObjectsV2): see
# t/conformance_list.t
for my $bad ('!!!') {
    ($st, $h, $body) = req(GET => '/lst?list-type=2&continuation-token='
        . enc($bad));
    is($st, 400, "continuation-token '$bad': 400");
    like($body, qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');
}

# encoding-type=url

($st, $h, $body) = req(GET => '/lst?encoding-type=url&prefix=' . enc('sp ')
    . '&delimiter=' . enc(' '));
like($body, qr{<Prefix>sp%20</Prefix>}, 'url: Prefix');
like($body, qr{<Delimiter>%20</Delimiter>}, 'url: Delimiter');
like($body, qr{<EncodingType>url</EncodingType>}, 'url: EncodingType');

($st, $h, $body) = req(GET => '/lst?encoding-type=url');
my @raw = $body =~ m{<Key>(.*?)</Key>}g;
ok((grep { $_ eq 'sp%20ace' } @raw), 'url: space is %20');
ok((grep { $_ eq 'e%2Bf' } @raw), 'url: + is %2B');
ok((grep { $_ eq '100%25.csv' } @raw), 'url: % is %25');
ok((grep { $_ eq 'uni%C3%A9/k' } @raw), 'url: UTF-8 bytes, / kept');
ok((grep { $_ eq 'q%26%3C%3E%22%27' } @raw), 'url: XML specials encoded');
is_deeply([ page($body, 1) ], [ [ sort @keys ], [] ], 'url: decodes back');

($st, $h, $body) = req(GET => '/lst?' . query('encoding-type' => 'url',
    delimiter => '/', marker => "uni\xc3\xa9", 'max-keys' => 1));
like($body, qr{<Marker>uni%C3%A9</Marker>}, 'url: Marker');
like($body, qr{<CommonPrefixes><Prefix>uni%C3%A9/</Prefix></CommonPrefixes>},
    'url: CommonPrefixes');
like($body, qr{<NextMarker>uni%C3%A9/</NextMarker>}, 'url: NextMarker');

($st, $h, $body) = req(GET => '/lst?' . query('encoding-type' => 'url',
    'list-type' => 2, 'start-after' => 'sp ace'));
like($body, qr{<StartAfter>sp%20ace</StartAfter>}, 'url: StartAfter');

($st, $h, $body) = req(GET => '/lst?' . query('encoding-type' => 'url',
    versions => '', 'key-marker' => 'sp ace', 'max-keys' => 1));
like($body, qr{<KeyMarker>sp%20ace</KeyMarker>}, 'url: KeyMarker');
like($body, qr{<NextKeyMarker>uni%C3%A9/k</NextKeyMarker>}, 'url: NextKeyMarker')
    or diag($body);

($st, $h, $body) = req(GET => '/lst?encoding-type=base64');
is($st, 400, 'encoding-type=base64: 400');
like($body, qr{<Code>InvalidArgument</Code>.*<ArgumentName>encoding-type</ArgumentName>}s,
    'InvalidArgument encoding-type');

# versions markers

($st, $h, $body) = req(GET => '/lst?' . query(versions => '',
    'key-marker' => 'b', 'version-id-marker' => 'null', 'max-keys' => 1));
is_deeply([ page($body) ], [ [ (grep { $_ gt 'b' } sort @keys)[0] ], [] ],
    'key-marker with version-id-marker null: the next key');
like($body, qr{<VersionIdMarker>null</VersionIdMarker>}, 'VersionIdMarker');

($st, $h, $body) = req(GET => '/lst?versions&version-id-marker=null');
is($st, 400, 'version-id-marker without key-marker: 400');
like($body, qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');

($st, $h, $body) = req(GET => '/lst?' . query(versions => '',
    'key-marker' => 'b', 'version-id-marker' => 'abc'));
is($st, 400, 'unknown version-id-marker: 400');

# errors

for my $q ('', '?list-type=2', '?versions') {
    ($st, $h, $body) = req(GET => "/nosuch$q");
    is($st, 404, "list$q missing bucket: 404");
    like($body, qr{<Code>NoSuchBucket</Code>.*<BucketName>nosuch</BucketName>}s,
        'NoSuchBucket');

    ($st, $h, $body) = req(GET => "/lst$q", @other);
    is($st, 403, "list$q of another's bucket: 403");
    like($body, qr{<Code>AccessDenied</Code>}, 'AccessDenied');
}

($st, $h, $body) = req(GET => '/lst?prefix=' . ('p' x 1025));
is($st, 400, 'prefix longer than a key: 400');

# a full page of 1000 keys of 1024 bytes

($st) = req(PUT => '/big');
my @big = map { sprintf('%04d', $_) . ('k' x 1020) } 1 .. 1001;
for my $k (@big) {
    ($st) = req(PUT => "/big/$k", body => '');
    last if $st != 200;
}
is($st, 200, '1001 objects with 1024-byte keys');

($st, $h, $body) = req(GET => '/big');
is($st, 200, 'page of 1000 long keys');
is(scalar(() = $body =~ /<Contents>/g), 1000, '1000 Contents');
like($body, qr{<IsTruncated>true</IsTruncated>}, 'truncated');
is($h->{'content-length'}, length $body, 'Content-Length of a chained body');

($st, $h, $body) = req(GET => '/big?list-type=2');
$token = elem($body, 'NextContinuationToken');
($st, $h, $body) = req(GET => '/big?list-type=2&continuation-token='
    . enc($token));
is_deeply([ page($body) ], [ [ $big[1000] ], [] ],
    'token of a 1024-byte key: the last one');

# DeleteObjects

sub delete_body {
    my ($quiet, @objs) = @_;
    my $x = qq{<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="$XMLNS">};
    $x .= "<Quiet>$quiet</Quiet>" if defined $quiet;
    for my $o (@objs) {
        my ($k, $v) = ref $o ? @$o : ($o);
        $k =~ s/&/&amp;/g;
        $k =~ s/</&lt;/g;
        $x .= "<Object><Key>$k</Key>"
            . (defined $v ? "<VersionId>$v</VersionId>" : '') . '</Object>';
    }
    return $x . '</Delete>';
}

sub md5_header { return ('Content-MD5' => md5_base64($_[0]) . '==') }

sub crc32_header {
    return ('x-amz-checksum-crc32' =>
        encode_base64(pack('N', crc32($_[0])), ''));
}

# HEAD's status for a key: 200 present, 404 absent; anything else (403,
# 500) fails the assertion that compares it
sub key_status {
    my ($b, $k) = @_;
    my ($st) = req(HEAD => "/$b/" . enc($k, 1));
    return $st;
}

my $dx = delete_body(undef, 'a/1', ['a/2', 'null'], 'missing-key', 'q&<>"\'');
($st, $h, $body) = req(POST => '/lst?delete', body => $dx,
    headers => { md5_header($dx) });
is($st, 200, 'DeleteObjects with Content-MD5');
like($body, qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<DeleteResult xmlns="\Q$XMLNS\E"><Deleted><Key>a/1</Key></Deleted><Deleted><Key>a/2</Key><VersionId>null</VersionId></Deleted><Deleted><Key>missing-key</Key></Deleted><Deleted><Key>q&amp;&lt;&gt;&quot;&apos;</Key></Deleted></DeleteResult>}s,
    'verbose: every key Deleted, VersionId echoed, missing key too');
is(key_status('lst', 'a/1'), 404, 'a/1 deleted');
is(key_status('lst', 'a/2'), 404, 'a/2 deleted');

$dx = delete_body('true', 'a/b/3', ['a/b/4', 'abc']);
($st, $h, $body) = req(POST => '/lst?delete', body => $dx,
    headers => { crc32_header($dx) });
is($st, 200, 'DeleteObjects with x-amz-checksum-crc32');
like($body, qr{<DeleteResult xmlns="\Q$XMLNS\E"><Error><Key>a/b/4</Key><VersionId>abc</VersionId><Code>NoSuchVersion</Code><Message>[^<]+</Message></Error></DeleteResult>},
    'quiet: only errors; an unknown version is an error');
is(key_status('lst', 'a/b/3'), 404, 'quiet delete happened');
is(key_status('lst', 'a/b/4'), 200, 'unknown version: nothing deleted');

$dx = delete_body('false', 'a/b/4');
($st, $h, $body) = req(POST => '/lst?delete', body => $dx);
is($st, 400, 'DeleteObjects without Content-MD5 or checksum: 400');
like($body, qr{<Code>InvalidRequest</Code><Message>Missing required header for this request: Content-MD5</Message>},
    'InvalidRequest, S3\'s message');
is(key_status('lst', 'a/b/4'), 200, 'nothing deleted');

($st, $h, $body) = req(POST => '/lst?delete', body => $dx,
    headers => { 'Content-MD5' => md5_base64('other') . '==' });
is($st, 400, 'wrong Content-MD5: 400');
like($body, qr{<Code>BadDigest</Code>}, 'BadDigest');
is(key_status('lst', 'a/b/4'), 200, 'nothing deleted');

($st, $h, $body) = req(POST => '/lst?delete', body => $dx,
    headers => { crc32_header('other') });
is($st, 400, 'wrong x-amz-checksum-crc32: 400');
is(key_status('lst', 'a/b/4'), 200, 'nothing deleted');

for my $bad (
    [ 'truncated', '<Delete><Object><Key>a/b/4</Key></Object>' ],
    [ 'not XML', 'delete a/b/4 please' ],
    [ 'wrong root', '<Remove><Object><Key>a/b/4</Key></Object></Remove>' ],
    [ 'no objects', '<Delete><Quiet>true</Quiet></Delete>' ],
    [ 'object without key', '<Delete><Object></Object></Delete>' ],
    [ 'empty key', '<Delete><Object><Key></Key></Object></Delete>' ],
    [ 'unknown element', '<Delete><Object><Key>a/b/4</Key><Color>red'
        . '</Color></Object></Delete>' ],
    [ 'bad Quiet', '<Delete><Quiet>maybe</Quiet><Object><Key>a/b/4</Key>'
        . '</Object></Delete>' ],
    [ 'two keys in an object', '<Delete><Object><Key>a/b/4</Key><Key>b</Key>'
        . '</Object></Delete>' ],
    [ 'empty body', '' ],
) {
    ($st, $h, $body) = req(POST => '/lst?delete', body => $bad->[1],
        headers => { md5_header($bad->[1]) });
    is($st, 400, "DeleteObjects $bad->[0]: 400");
    like($body, qr{<Code>MalformedXML</Code>}, "$bad->[0]: MalformedXML");
}
is(key_status('lst', 'a/b/4'), 200, 'nothing deleted: a/b/4');
is(key_status('lst', 'b'), 200, 'nothing deleted: b');

$dx = delete_body('true', map { "k$_" } 1 .. 1001);
($st, $h, $body) = req(POST => '/lst?delete', body => $dx,
    headers => { md5_header($dx) });
is($st, 400, '1001 objects: 400');
like($body, qr{<Code>MalformedXML</Code>}, '1001 objects: MalformedXML');

# 1000 keys, one commit: objects, a version "null", an unknown version,
# a missing key, a key named twice, a key too long; the answer exactly
my $too_long = 'l' x 1025;
my @objs = (@big[0 .. 993], [ $big[994], 'null' ], [ $big[995], 'v1' ],
            'missing-key', $big[0], $too_long, $big[996]);
is(scalar @objs, 1000, '1000 keys in the request');
my $want = qq{<DeleteResult xmlns="$XMLNS">};
for my $o (@objs) {
    my ($k, $v) = ref $o ? @$o : ($o);
    if ($k eq $too_long) {
        $want .= "<Error><Key>$k</Key><Code>KeyTooLongError</Code>"
            . '<Message>Your key is too long.</Message></Error>';
    } elsif (defined $v && $v ne 'null') {
        $want .= "<Error><Key>$k</Key><VersionId>$v</VersionId>"
            . '<Code>NoSuchVersion</Code><Message>The specified version '
            . 'does not exist.</Message></Error>';
    } else {
        $want .= "<Deleted><Key>$k</Key>"
            . (defined $v ? "<VersionId>$v</VersionId>" : '') . '</Deleted>';
    }
}
$want .= '</DeleteResult>';

# the data files of every replica
sub data_files {
    my $n = 0;
    find(sub { $n++ if -f && /^[0-9a-f]{32}$/ }, glob($t->data . '/r*/objects'));
    return $n;
}

# earlier deletes' files may still be on their way out: count once the
# count holds still (three looks 100 ms apart, at most 5 s)
my $files_before = data_files();
for (my ($same, $i) = (0, 0); $same < 3 && $i < 50; $i++) {
    select(undef, undef, undef, 0.1);
    my $n = data_files();
    $same = $n == $files_before ? $same + 1 : 0;
    $files_before = $n;
}

$dx = delete_body('false', @objs);
($st, $h, $body) = req(POST => '/big?delete', body => $dx,
    headers => { md5_header($dx) });
is($st, 200, '1000 objects of 1024-byte keys');
$body =~ s/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*//;
is($body, $want, '1000 keys: the answer, key by key, exactly');

# the answer comes after the commit; the files go after it, off the
# request's path, within a bounded wait (10 s)
my $files_after;
for (1 .. 100) {
    $files_after = data_files();
    last if $files_after <= $files_before - 996 * 3;
    select(undef, undef, undef, 0.1);
}
is($files_after, $files_before - 996 * 3,
    'the files of the 996 deleted objects are unlinked soon after');

($st, $h, $body) = req(GET => '/big');
is($st, 200, 'list after the delete: 200');
is_deeply([ page($body) ], [ [ @big[995, 997 .. 1000] ], [] ],
    'all 996 are gone, the unknown version\'s object and the others stay');

$dx = delete_body('true', 'b');
($st, $h, $body) = req(POST => '/nosuch?delete', body => $dx,
    headers => { md5_header($dx) });
is($st, 404, 'DeleteObjects in a missing bucket: 404');
like($body, qr{<Code>NoSuchBucket</Code>}, 'NoSuchBucket');

($st, $h, $body) = req(POST => '/lst?delete', body => $dx,
    headers => { md5_header($dx) }, @other);
is($st, 403, 'DeleteObjects in another\'s bucket: 403');
is(key_status('lst', 'b'), 200, 'nothing deleted');

$t->stop_ok;

done_testing();
