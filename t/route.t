#!/usr/bin/perl

# Routing: path-style and virtual-hosted-style requests, keys exactly as
# the client encoded them (spaces, '+', %2F, '//', '../', UTF-8, 1,024
# bytes), S3 sub-resources that are not served (501) and methods a
# resource does not take (405).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Test;

my $t = SOS::Test->new(http => 'sos_domain s3.localhost;
    sos_domain Example.TEST.;')->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code {
    my ($body) = @_;
    return $body =~ m{<Code>([^<]*)</Code>} ? $1 : '';
}

# the keys of a bucket, as ListObjectsV2 gives them

sub keys_of {
    my ($bucket) = @_;
    my ($s, $h, $b) = req(GET => "/$bucket?list-type=2");
    my @k = $b =~ m{<Key>([^<]*)</Key>}g;
    for (@k) {
        s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/'/g; s/&amp;/&/g;
    }
    return @k;
}

my ($status, $h, $body);

# path style

($status) = req(PUT => '/route');
is($status, 200, 'path style: create bucket');

($status, $h) = req(PUT => '/route/k1', body => 'one');
is($status, 200, 'path style: put');

($status, $h, $body) = req(GET => '/route/k1');
is($body, 'one', 'path style: get');

# virtual-hosted style: bucket.<sos_domain>, port stripped, any case

($status, $h, $body) = req(GET => '/k1', host => 'route.s3.localhost');
is($status, 200, 'virtual host: get');
is($body, 'one', 'virtual host: the same object');

($status, $h, $body) = req(GET => '/k1', host => 'ROUTE.S3.LocalHost');
is($body, 'one', 'virtual host: case-insensitive');

($status, $h, $body) = req(GET => '/k1', host => 'route.example.test');
is($body, 'one', 'virtual host: a second domain, configured with a dot');

($status, $h) = req(PUT => '/k2', host => 'route.s3.localhost',
    body => 'two');
is($status, 200, 'virtual host: put');

($status, $h, $body) = req(GET => '/route/k2');
is($body, 'two', 'virtual host put, path-style get');

($status, $h, $body) = req(GET => '/', host => 'route.s3.localhost',
    query => 'list-type=2');
is($status, 200, 'virtual host: bucket listing');
like($body, qr{<Name>route</Name>.*<Key>k1</Key>.*<Key>k2</Key>}s,
    'virtual host: lists the bucket');

($status, $h, $body) = req(GET => '/', host => 's3.localhost');
is($status, 200, 'the domain itself: path style');
like($body, qr{<ListAllMyBucketsResult}, 'GET / on the domain: ListBuckets');

($status, $h, $body) = req(GET => '/route/k1', host => 's3.localhost');
is($body, 'one', 'the domain itself: path-style object');

($status, $h, $body) = req(GET => '/k1', host => 'nosuch.s3.localhost');
is($status, 404, 'virtual host: missing bucket');
is(code($body), 'NoSuchBucket', 'virtual host: NoSuchBucket');

($status, $h, $body) = req(GET => '/k1', host => 'route.other.test');
is($status, 404, 'another domain is path style');
is(code($body), 'NoSuchBucket', 'bucket "k1" in path style');

# keys exactly as sent: '+' is a plus, %XX is decoded, nothing normalised

my @odd = (
    [ 'a b',         '/route/a%20b' ],
    [ 'a+b',         '/route/a+b' ],
    [ 'c+d',         '/route/c%2Bd' ],
    [ 'e/f',         '/route/e%2Ff' ],
    [ 'g//h',        '/route/g//h' ],
    [ '//lead',      '/route///lead' ],
    [ 'x/../y',      '/route/x/../y' ],
    [ './dot',       '/route/./dot' ],
    [ 'trail/',      '/route/trail/' ],
    [ "caf\xc3\xa9 \xe2\x9c\x93", '/route/caf%C3%A9%20%E2%9C%93' ],
    [ '100%',        '/route/100%25' ],
    [ 'q?uery',      '/route/q%3Fuery' ],
    [ '<&>"\'',      '/route/%3C%26%3E%22%27' ],
);

for my $o (@odd) {
    my ($key, $uri) = @$o;

    ($status) = req(PUT => $uri, body => "body of $key");
    is($status, 200, "odd key \"$key\": put");

    # the canonical encoding reaches the same key
    my $canon = '/route/' . SOS::Test::uri_escape($key, 1);
    ($status, $h, $body) = req(GET => $canon);
    is($body, "body of $key", "odd key \"$key\": get as $canon");
}

my %have = map { $_ => 1 } keys_of('route');
my @missing = grep { !$have{$_->[0]} } @odd;
ok(!@missing, 'the listing holds every odd key as sent')
    or diag(join ', ', map { $_->[0] } @missing);
ok(!$have{'a b+'} && !$have{'y'} && !$have{'g/h'} && !$have{'lead'}
    && !$have{'dot'}, 'no key was normalised');

($status, $h, $body) = req(GET => '/route/a%2Bb');
is($body, 'body of a+b', '%2B and a raw "+" are the same key');

($status, $h, $body) = req(GET => '/route/e/f');
is($body, 'body of e/f', '%2F and "/" are the same key');

# key length: 1,024 bytes, UTF-8 counted in bytes

my $k1024 = 'k' x 1024;
($status) = req(PUT => "/route/$k1024", body => 'long');
is($status, 200, '1,024-byte key');
($status, $h, $body) = req(GET => "/route/$k1024");
is($body, 'long', '1,024-byte key: get');

($status, $h, $body) = req(PUT => '/route/' . ('k' x 1025), body => 'x');
is($status, 400, '1,025-byte key: 400');
is(code($body), 'KeyTooLongError', '1,025-byte key: KeyTooLongError');
like($body, qr{<Size>1025</Size><MaxSizeAllowed>1024</MaxSizeAllowed>},
    'KeyTooLongError: size and limit');

my $e = '%C3%A9' x 512;
($status, $h, $body) = req(GET => "/route/a$e");
is(code($body), 'KeyTooLongError', '1,025 bytes of UTF-8: KeyTooLongError');
($status, $h, $body) = req(GET => "/route/$e");
is(code($body), 'NoSuchKey', '1,024 bytes of UTF-8: a valid key');

# sub-resources that are not served: 501, never a plain object request
# (attributes is served now: GetObjectAttributes, t/conformance_attrs.t;
# tagging too: t/tagging.t; lifecycle too: t/lifecycle.t; object-lock on
# a bucket, retention and legal-hold on an object: t/object_lock.t, which
# are 501 at the other level)

for my $q (qw(policy encryption
    retention legal-hold restore select torrent
    replication notification logging))
{
    ($status, $h, $body) = req(GET => "/route?$q");
    is($status, 501, "bucket ?$q: 501");
    is(code($body), 'NotImplemented', "bucket ?$q: NotImplemented");
}

for my $r ([ GET => '/route/k1?object-lock' ],
    [ PUT => '/route/k1?object-lock' ], [ PUT => '/route/k1?restore' ],
    [ POST => '/route' ])
{
    ($status, $h, $body) = req(@$r);
    is($status, 501, "$r->[0] $r->[1]: 501");
    is(code($body), 'NotImplemented', "$r->[0] $r->[1]: NotImplemented");
}

# multipart sub-resources select their operations (t/multipart.t)

($status, $h, $body) = req(GET => '/route?uploads');
like($body, qr/<ListMultipartUploadsResult /, 'bucket ?uploads: a listing');
($status, $h, $body) = req(POST => '/route/k1?uploads');
like($body, qr/<InitiateMultipartUploadResult /, 'POST ?uploads: create');
($status, $h, $body) = req(PUT => '/route/k1?partNumber=1&uploadId=abc');
is(code($body), 'NoSuchUpload', 'PUT ?partNumber&uploadId: UploadPart');

($status, $h, $body) = req(GET => '/route/k1?restore', host => 's3.localhost');
is($status, 501, 'not served, path style on the domain');

# the object behind k1 is intact: ?object-lock and ?restore did not
# overwrite it
($status, $h, $body) = req(GET => '/route/k1');
is($body, 'one', 'a PUT to an unserved sub-resource wrote nothing');

# ordinary query arguments do not change the operation

($status, $h, $body) = req(GET => '/route/k1?x-id=GetObject');
is($body, 'one', 'x-id is an argument, not a sub-resource');

# methods a resource does not take: 405 MethodNotAllowed

for my $r ([ PATCH => '/route/k1', 'OBJECT' ], [ OPTIONS => '/',
    'SERVICE' ], [ POST => '/route/k1', 'OBJECT' ], [ DELETE => '/',
    'SERVICE' ], [ PUT => '/', 'SERVICE' ], [ GET => '/route?delete',
    'BUCKET' ], [ POST => '/route?location', 'BUCKET' ])
{
    my ($m, $u, $type) = @$r;
    ($status, $h, $body) = req($m, $u);
    is($status, 405, "$m $u: 405");
    is(code($body), 'MethodNotAllowed', "$m $u: MethodNotAllowed");
    like($body, qr{<Method>$m</Method><ResourceType>$type</ResourceType>},
        "$m $u: method and resource type");
}

($status, $h, $body) = req(HEAD => '/route/k1', headers => {});
is($status, 200, 'HEAD object');

$t->stop_ok;

done_testing();
