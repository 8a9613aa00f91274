#!/usr/bin/perl

# Public files through a CDN edge (docs/cdn.md): the Cache-Control policy
# of the origin, x-sos-cdn-url, sosctl bucket cdn / cache-control (online
# and offline), and two nginx on loopback - the SOS origin and the stock
# nginx of conf/cdn-edge.conf - for MISS then HIT, purges on overwrite,
# ACL change and delete, revalidation when purging is off, presigned
# requests never cached, an edge that is down, and a full purge queue.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64);
use JSON::PP qw(decode_json);
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Admin;
use SOS::Auth qw(presign);
use SOS::Edge;
use SOS::Test;

my $edge = SOS::Edge->new;
my $eport = $edge->port;

my $t = SOS::Test->new(server => $SOS::Admin::LOCATION, http => <<"EOF");
    sos_domain s3.localhost;
    sos_cdn_url https://cdn.example.com/;
    sos_cdn_purge http://127.0.0.1:$eport/;
    sos_cache_control "public, max-age=60";
EOF
$t->run;
$edge->origin($t->port)->run;

sub s3 { SOS::Test->parse($t->s3(@_)) }
sub anon { SOS::Test->parse($t->http(@_)) }
sub via_edge { SOS::Test->parse($t->http(@_, port => $eport)) }
sub sosctl { SOS::Admin::sosctl_online($t, {}, @_) }

# an object PUT by the owner: (key, body, headers)
sub put {
    my ($uri, $body, %h) = @_;
    my ($status) = s3(PUT => $uri, body => $body, headers => \%h);
    return $status;
}

# poll the edge until $test accepts an answer, for at most $limit s:
# the seconds it took, or undef
sub edge_until {
    my ($uri, $limit, $test) = @_;
    my $start = time();
    while (time() - $start < $limit) {
        my @r = via_edge(GET => $uri);
        return time() - $start if $test->(@r);
        sleep(0.02);
    }
    return undef;
}

my $public = { 'x-amz-acl' => 'public-read' };

is((s3(PUT => '/cdn'))[0], 200, 'bucket cdn');
is((s3(PUT => '/nocdn'))[0], 200, 'bucket nocdn');

###########################################################################
# sosctl bucket, online

my ($rc, $out, $err) = sosctl('bucket', 'cdn', 'cdn');
is($rc, 0, 'bucket cdn: show') or diag($err);
like($out, qr/^cdn:\s+off$/m, 'CDN off by default');

($rc, $out, $err) = sosctl('bucket', 'cdn', 'cdn', 'on');
is($rc, 0, 'bucket cdn on') or diag($err);
like($out, qr/^cdn:\s+on$/m, 'CDN on');
like($out, qr{^cdn-url:\s+https://cdn\.example\.com/cdn/<key>$}m,
    'the published URL of its objects');

($rc, $out) = sosctl('bucket', 'cdn', 'cdn');
like($out, qr/^cdn:\s+on$/m, 'CDN on, as stored');
like($out, qr/^cache-control:\s+\(none/m, 'no default of its own');

($rc, undef, $err) = sosctl('bucket', 'cdn', 'cdn', 'maybe');
is($rc, 2, 'bucket cdn maybe: usage error');

($rc, undef, $err) = sosctl('bucket', 'cdn', 'nosuch', 'on');
is($rc, 1, 'bucket cdn of a missing bucket: failure');
like($err, qr/does not exist/, '... said');

($rc, undef, $err) = sosctl('bucket', 'cache-control', 'cdn', "a\nb");
is($rc, 2, 'a Cache-Control of two lines: usage error');

###########################################################################
# Cache-Control and x-sos-cdn-url on the origin

is(put('/cdn/plain', 'plain', %$public), 200, 'a public object');
is(put('/cdn/own', 'own', %$public,
       'Cache-Control' => 'public, max-age=2, s-maxage=9'), 200,
    'a public object with its own Cache-Control');
is(put('/cdn/priv', 'secret'), 200, 'a private object');
is(put('/cdn/a%20b', 'spaced', %$public), 200, 'a key with a space');
is(put('/nocdn/plain', 'plain', %$public), 200,
    'a public object of a bucket without CDN');

my ($status, $h, $body) = anon(GET => '/cdn/plain');
is($status, 200, 'anonymous GET of a public object');
is($h->{'cache-control'}, 'public, max-age=60',
    'no Cache-Control of its own: sos_cache_control');
is($h->{'x-sos-cdn-url'}, 'https://cdn.example.com/cdn/plain',
    'x-sos-cdn-url');

($rc, $out, $err) = sosctl('bucket', 'cache-control', 'cdn',
    'public, max-age=5');
is($rc, 0, 'bucket cache-control') or diag($err);
like($out, qr/^cache-control:\s+public, max-age=5$/m, '... shown');

($status, $h) = anon(GET => '/cdn/plain');
is($h->{'cache-control'}, 'public, max-age=5',
    'the bucket default wins over sos_cache_control');
($status, $h) = anon(HEAD => '/cdn/plain');
is($h->{'cache-control'}, 'public, max-age=5', 'HEAD: the same');

($status, $h) = anon(GET => '/nocdn/plain');
is($h->{'cache-control'}, 'public, max-age=60',
    'another bucket: sos_cache_control');
ok(!exists $h->{'x-sos-cdn-url'}, 'CDN off: no x-sos-cdn-url');

($status, $h) = anon(GET => '/cdn/own');
is($h->{'cache-control'}, 'public, max-age=2, s-maxage=9',
    'the object\'s own Cache-Control, as stored');

($status, $h) = anon(GET => '/cdn/a%20b');
is($h->{'x-sos-cdn-url'}, 'https://cdn.example.com/cdn/a%20b',
    'x-sos-cdn-url: the key encoded');

($status, $h) = s3(GET => '/cdn/own');
is($status, 200, 'signed GET of a public object');
is($h->{'cache-control'}, 'private, max-age=2',
    'signed: private, without public and s-maxage');
is($h->{'x-sos-cdn-url'}, 'https://cdn.example.com/cdn/own',
    'signed: the published URL of a public object');

($status, $h) = s3(GET => '/cdn/plain');
is($h->{'cache-control'}, 'private', 'signed, no value of its own: private');

# a value that lets no shared cache keep a signed answer goes out as
# stored (SDKs read back what they wrote); presigned, it is made private

is(put('/cdn/mine', 'mine', 'Cache-Control' => 'max-age=30'), 200,
    'a private object with a Cache-Control of its own');
($status, $h) = s3(HEAD => '/cdn/mine');
is($h->{'cache-control'}, 'max-age=30', 'signed HEAD: as stored');
($status, $h) = anon(GET => presign($t, GET => '/cdn/mine'));
is($status, 200, 'presigned GET');
is($h->{'cache-control'}, 'private, max-age=30', 'presigned: made private');

($status, $h) = s3(GET => '/cdn/own',
    query => 'response-cache-control=public%2C%20max-age%3D7');
is($h->{'cache-control'}, 'private, max-age=7',
    'response-cache-control wins, made private');

($status, $h) = s3(GET => '/cdn/priv');
is($status, 200, 'signed GET of a private object');
is($h->{'cache-control'}, 'private', 'private object: private');
ok(!exists $h->{'x-sos-cdn-url'}, 'private object: no x-sos-cdn-url');

($status) = anon(GET => '/cdn/priv');
is($status, 403, 'anonymous GET of a private object: 403');

# conditional requests and ranges, as an edge revalidates

($status, $h) = anon(GET => '/cdn/plain');
my $etag = $h->{etag};
my $lm = $h->{'last-modified'};

($status, $h, $body) = anon(GET => '/cdn/plain',
    headers => { 'If-None-Match' => $etag });
is($status, 304, 'If-None-Match: 304');
is($h->{etag}, $etag, '304: ETag');
is($h->{'cache-control'}, 'public, max-age=5', '304: Cache-Control');
is($body, '', '304: no body');

($status) = anon(GET => '/cdn/plain',
    headers => { 'If-Modified-Since' => $lm });
is($status, 304, 'If-Modified-Since: 304');

($status) = anon(HEAD => '/cdn/plain',
    headers => { 'If-None-Match' => $etag });
is($status, 304, 'HEAD, If-None-Match: 304');

($status, $h) = s3(GET => '/cdn/own', headers => { 'If-None-Match' => '*' });
is($status, 304, 'signed, If-None-Match: 304');
is($h->{'cache-control'}, 'private, max-age=2', 'signed 304: private');

($status, $h, $body) = anon(GET => '/cdn/plain',
    headers => { Range => 'bytes=1-3' });
is($status, 206, 'Range: 206');
is($body, 'lai', 'Range: the bytes');
is($h->{'content-range'}, 'bytes 1-3/5', 'Content-Range');

###########################################################################
# the edge

# (an object of a bucket with CDN on is fetched again at each purge: see
# nocdn for a first request)

($status, $h, $body) = via_edge(GET => '/nocdn/plain');
is($status, 200, 'edge: a public object');
is($body, 'plain', 'edge: its body');
is($h->{'x-cache-status'}, 'MISS', 'edge: first a MISS');

($status, $h, $body) = via_edge(GET => '/nocdn/plain');
is($h->{'x-cache-status'}, 'HIT', 'edge: then a HIT');
is($body, 'plain', 'edge: the same body');

($status, $h) = via_edge(HEAD => '/nocdn/plain');
is($h->{'x-cache-status'}, 'HIT', 'edge: HEAD from the same entry');

# the same key however the path is encoded

is(put('/cdn/x~y', 'tilde', %$public), 200, 'a key with a tilde');
via_edge(GET => '/cdn/x%7Ey');
($status, $h) = via_edge(GET => '/cdn/x~y');
is($h->{'x-cache-status'}, 'HIT', 'edge: one entry for two encodings');

# an overwrite: purged at once

via_edge(GET => '/cdn/a%20b');
is(put('/cdn/a%20b', 'spaced 2', %$public), 200, 'overwrite');
my $took = edge_until('/cdn/a%20b', 1, sub { $_[2] eq 'spaced 2' });
ok(defined $took, 'edge: the new version within a second (purged)')
    and note(sprintf 'purged after %.3f s', $took);

is(put('/cdn/plain', 'plain 2', %$public), 200, 'overwrite again');
$took = edge_until('/cdn/plain', 1, sub { $_[2] eq 'plain 2' });
ok(defined $took, 'edge: within a second again');
($status, $h) = via_edge(GET => '/cdn/plain');
is($h->{'x-cache-status'}, 'HIT', 'edge: cached again');

# CopyObject and CompleteMultipartUpload purge too

is((s3(PUT => '/cdn/plain',
       headers => { 'x-amz-copy-source' => '/cdn/own', %$public }))[0], 200,
    'CopyObject over it');
$took = edge_until('/cdn/plain', 1, sub { $_[2] eq 'own' });
ok(defined $took, 'edge: the copy within a second');

($status, $h, $body) = s3(POST => '/cdn/plain?uploads', headers => $public);
my ($upload) = $body =~ m{<UploadId>([^<]+)</UploadId>};
($status, $h) = s3(PUT => "/cdn/plain?partNumber=1&uploadId=$upload",
    body => 'parts');
my $part_etag = $h->{etag};
via_edge(GET => '/cdn/plain');
($status, $h, $body) = via_edge(GET => '/cdn/plain');
is($body, 'own', 'an uploaded part changes nothing');
my $complete = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
    . "<ETag>$part_etag</ETag></Part></CompleteMultipartUpload>";
($status) = s3(POST => "/cdn/plain?uploadId=$upload", body => $complete);
is($status, 200, 'CompleteMultipartUpload');
$took = edge_until('/cdn/plain', 1, sub { $_[2] eq 'parts' });
ok(defined $took, 'edge: the completed upload within a second');

# POST Object (a browser's upload form, its policy from boto3)

open my $ph, '-|', 'python3', "$FindBin::Bin/post/presign.py",
    'http://127.0.0.1:' . $t->port, $t->access_key, $t->secret_key, 'cdn',
    'plain', '{"acl":"public-read"}', '[{"acl":"public-read"}]', 300
    or die "presign.py: $!\n";
my $policy = decode_json(do { local $/; <$ph> });
close $ph;
my $boundary = 'cdnboundary';
my $form = join '', map {
    "--$boundary\r\nContent-Disposition: form-data; name=\"$_\"\r\n\r\n"
        . "$policy->{fields}{$_}\r\n"
} sort keys %{ $policy->{fields} };
$form .= "--$boundary\r\nContent-Disposition: form-data; name=\"file\"; "
    . "filename=\"f\"\r\nContent-Type: text/plain\r\n\r\nposted\r\n"
    . "--$boundary--\r\n";
($status) = anon(POST => '/cdn', body => $form,
    headers => { 'Content-Type' => "multipart/form-data; boundary=$boundary" });
is($status, 204, 'POST Object over it');
$took = edge_until('/cdn/plain', 1, sub { $_[2] eq 'posted' });
ok(defined $took, 'edge: the posted object within a second');

# the ACL made private: gone from the edge

via_edge(GET => '/cdn/own');
($status, $h) = via_edge(GET => '/cdn/own');
is($h->{'x-cache-status'}, 'HIT', 'edge: a public object cached');
($status) = s3(PUT => '/cdn/own?acl', headers => { 'x-amz-acl' => 'private' });
is($status, 200, 'PutObjectAcl private');
$took = edge_until('/cdn/own', 1, sub { $_[0] == 403 });
ok(defined $took, 'edge: 403 within a second of the ACL change');

# deleted: gone

via_edge(GET => '/cdn/x~y');
($status) = s3(DELETE => '/cdn/x~y');
is($status, 204, 'DeleteObject');
$took = edge_until('/cdn/x~y', 1, sub { $_[0] != 200 });
ok(defined $took, 'edge: gone within a second of the delete');

is(put('/cdn/d1', 'd1', %$public), 200, 'd1');
via_edge(GET => '/cdn/d1');
my $del = '<Delete><Object><Key>d1</Key></Object></Delete>';
($status) = s3(POST => '/cdn?delete', body => $del,
    headers => { 'Content-MD5' => md5_base64($del) . '==' });
is($status, 200, 'DeleteObjects');
$took = edge_until('/cdn/d1', 1, sub { $_[0] != 200 });
ok(defined $took, 'edge: gone within a second of DeleteObjects');

# purging off: visible once the copy expires, revalidated cheaply

my $short = { %$public, 'Cache-Control' => 'public, max-age=1' };
is(put('/nocdn/short', 'v1', %$short), 200, 'max-age=1, CDN off');
via_edge(GET => '/nocdn/short');
($status, $h, $body) = via_edge(GET => '/nocdn/short');
is($h->{'x-cache-status'}, 'HIT', 'edge: cached');
is(put('/nocdn/short', 'v2', %$short), 200, 'overwrite, no purge');
($status, $h, $body) = via_edge(GET => '/nocdn/short');
is($body, 'v1', 'edge: the old copy until it expires');
# nginx counts whole seconds: expired 1 to 2 s after
sleep(2.1);
($status, $h, $body) = via_edge(GET => '/nocdn/short');
is($body, 'v2', 'edge: the new version once expired');
is($h->{'x-cache-status'}, 'EXPIRED', 'edge: fetched again');
sleep(2.1);
($status, $h, $body) = via_edge(GET => '/nocdn/short');
is($h->{'x-cache-status'}, 'REVALIDATED', 'edge: unchanged, revalidated');
is($body, 'v2', 'edge: revalidated body');
# the origin logs a request once it is done, maybe after the edge answered
my $revalidated = qr{"GET /nocdn/short HTTP/1\.\d" 304 };
my $until = time() + 3;
sleep(0.05) while time() < $until
    && $t->read_file('access.log') !~ $revalidated;
like($t->read_file('access.log'), $revalidated,
    'origin: the revalidation was a 304');

# signed and presigned requests through the edge are never cached

is(put('/cdn/secret', 'secret', 'Cache-Control' => 'public, max-age=600'),
    200, 'a private object with a public Cache-Control');
my $url = presign($t, GET => '/cdn/secret', host => "127.0.0.1:$eport");
for my $n (1, 2) {
    ($status, $h, $body) = via_edge(GET => $url);
    is($status, 200, "edge: presigned GET $n");
    is($body, 'secret', "edge: presigned GET $n: the body");
    is($h->{'x-cache-status'}, 'BYPASS', "edge: presigned GET $n: BYPASS");
    is($h->{'cache-control'}, 'private, max-age=600',
        "edge: presigned GET $n: private");
}
($status, $h) = SOS::Test->parse($t->s3(GET => '/cdn/secret', port => $eport));
is($status, 200, 'edge: signed GET');
is($h->{'x-cache-status'}, 'BYPASS', 'edge: signed GET: BYPASS');
($status, $h, $body) = via_edge(GET => '/cdn/secret');
is($status, 403, 'edge: anonymous GET after them: 403');
isnt($body, 'secret', 'edge: not the bytes');

# a public object fetched presigned is not stored for anyone either
is(put('/nocdn/pub2', 'pub2', %$public), 200, 'pub2');
$url = presign($t, GET => '/nocdn/pub2', host => "127.0.0.1:$eport");
via_edge(GET => $url);
($status, $h) = via_edge(GET => '/nocdn/pub2');
is($h->{'x-cache-status'}, 'MISS', 'edge: a presigned answer is not stored');

# a virtual-hosted Host cannot put another bucket's object in the cache
# under this path: the edge asks the origin path-style (a bucket without
# CDN, so that no purge fills the cache first)

is((s3(PUT => '/evil', headers => { 'x-amz-acl' => 'public-read' }))[0],
    200, 'another bucket');
is(put('/evil/nocdn/victim', 'EVIL', %$public), 200,
    'its object named like the victim\'s path');
is(put('/nocdn/victim', 'VICTIM', %$public), 200, 'the victim object');
($status, $h, $body) = via_edge(GET => '/nocdn/victim',
    headers => { Host => 'evil.s3.localhost' });
is($body, 'VICTIM', 'edge: a virtual-hosted Host is read path-style');
($status, $h, $body) = via_edge(GET => '/nocdn/victim');
is($body, 'VICTIM', 'edge: the cache holds the victim\'s bytes');
is($h->{'x-cache-status'}, 'HIT', 'edge: from the cache');

# a request with an Origin is never answered from the cache: the purge
# refreshes only the copy fetched without one

is(put('/cdn/corsobj', 'cors v1', %$public), 200, 'an object read by CORS');
my $o = { Origin => 'http://app.example' };
via_edge(GET => '/cdn/corsobj', headers => $o);
($status, $h) = via_edge(GET => '/cdn/corsobj', headers => $o);
is($h->{'x-cache-status'}, 'BYPASS', 'edge: with Origin: BYPASS');
($status) = s3(PUT => '/cdn/corsobj?acl',
    headers => { 'x-amz-acl' => 'private' });
($status, $h, $body) = via_edge(GET => '/cdn/corsobj', headers => $o);
is($status, 403, 'edge: with Origin, private at once');

###########################################################################
# the edge down: retried, then logged; the origin answers as before

$edge->stop;
my $t0 = time();
is(put('/cdn/plain', 'plain 3', %$public), 200, 'edge down: PUT answers');
ok(time() - $t0 < 1, 'edge down: at once');
($status, undef, $body) = anon(GET => '/cdn/plain');
is($body, 'plain 3', 'edge down: GET answers');

# tried at once, then after 250, 500 and 1000 ms
my $given_up = qr{\[error\].*CDN\ purge\ of\ "/cdn/plain"\ at
                  \ "http://127\.0\.0\.1:$eport"\ failed\ after\ 4\ tries}x;
my $deadline = time() + 8;
sleep(0.1) while time() < $deadline
    && $t->read_file('error.log') !~ $given_up;
my $log = $t->read_file('error.log');
like($log, qr{\[warn\].*CDN purge of "/cdn/plain" failed .*try 1 of 4},
    'edge down: a failed try logged');
like($log, qr{try 3 of 4}, 'edge down: tried again');
like($log, $given_up, 'edge down: given up after 4 tries, logged at error');

$t->stop_ok;

###########################################################################
# a full purge queue; sosctl bucket offline

my $dead = SOS::Test::free_port();
my $t2 = SOS::Test->new(server => $SOS::Admin::LOCATION, http => <<"EOF");
    sos_cdn_purge http://127.0.0.1:$dead;
    sos_cdn_purge_queue 1;
EOF
$t2->run;

sub s3_2 { SOS::Test->parse($t2->s3(@_)) }

is((s3_2(PUT => '/queue'))[0], 200, 'bucket queue');
($rc, $out, $err) = SOS::Admin::sosctl_online($t2, {}, 'bucket', 'cdn', 'queue',
    'on');
is($rc, 0, 'CDN on') or diag($err);
like($out, qr/^cdn:\s+on$/m, 'CDN on, shown');
unlike($out, qr/^cdn-url:/m, 'no sos_cdn_url: no URL');

for my $k (qw(k1 k2 k3)) {
    s3_2(PUT => "/queue/$k", body => $k, headers => $public);
}
$del = '<Delete>' . join('', map { "<Object><Key>$_</Key></Object>" }
    qw(k1 k2 k3)) . '</Delete>';
($status) = s3_2(POST => '/queue?delete', body => $del,
    headers => { 'Content-MD5' => md5_base64($del) . '==' });
is($status, 200, 'DeleteObjects of 3 keys');
like($t2->read_file('error.log'),
    qr/CDN purge queue full \(1\): "\/queue\/k\d" is not purged/,
    'queue overflow logged');

$t2->stop_ok(name => 'no alerts with a full queue');

# offline: the store, nginx stopped

($rc, $out, $err) = $t2->sosctl('bucket', 'cdn', 'queue');
is($rc, 0, 'offline: bucket cdn') or diag($err);
like($out, qr/^cdn:\s+on$/m, 'offline: on, as set online');

($rc, $out) = $t2->sosctl('bucket', 'cdn', 'queue', 'off');
like($out, qr/^cdn:\s+off$/m, 'offline: off');
($rc, $out) = $t2->sosctl('bucket', 'cdn', 'queue');
like($out, qr/^cdn:\s+off$/m, 'offline: off, as stored');

($rc, $out, $err) = $t2->sosctl('bucket', 'cache-control', 'queue',
    'max-age=9');
is($rc, 0, 'offline: bucket cache-control') or diag($err);
like($out, qr/^cache-control:\s+max-age=9$/m, 'offline: shown');

($rc, undef, $err) = $t2->sosctl('bucket', 'cdn', 'nosuch');
is($rc, 1, 'offline: a missing bucket');

$t2->run;
s3_2(PUT => '/queue/k4', body => 'k4', headers => $public);
($status, $h) = SOS::Test->parse($t2->http(GET => '/queue/k4'));
is($h->{'cache-control'}, 'max-age=9', 'the default set offline applies');

($rc, $out, $err) = SOS::Admin::sosctl_online($t2, {}, 'bucket',
    'cache-control', 'queue', '--clear');
like($out, qr/^cache-control:\s+\(none/m, 'online: cleared');
($status, $h) = SOS::Test->parse($t2->http(GET => '/queue/k4'));
ok(!exists $h->{'cache-control'}, 'no default anywhere: no Cache-Control');

$t2->stop_ok;

done_testing;
