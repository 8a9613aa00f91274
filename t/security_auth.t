#!/usr/bin/perl

# Authentication and request-parsing hardening: a bad x-amz-copy-source
# ends the request (CopyObject, UploadPartCopy), an empty
# x-amz-content-sha256 is refused, every x-amz-* header must be signed
# (header and query auth, SigV4 and SigV2), and SigV4 must sign host.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(sha256_hex);
use POSIX ();
use Test::More;

use SOS::Test;
use SOS::Auth qw(presign sigv2);

my $t = SOS::Test->new(http => 'sos_domain s3.localhost;')->run;
my $port = $t->port;

sub code {
    my ($r) = @_;
    my ($status, $h, $body) = SOS::Test->parse($r);
    my ($code) = $body =~ m{<Code>([^<]*)</Code>};
    return "$status " . ($code || '');
}

# the worker: a crash would show as a new one, forked by the master

sub worker_pid {
    my $master = $t->master_pid or return 0;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // '';
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        return $pid if $ppid == $master;
    }
    return 0;
}

is(code($t->s3(PUT => '/pub',
        headers => { 'x-amz-acl' => 'public-read-write' })),
    '200 ', 'public-read-write bucket');
is(code($t->s3(PUT => '/pub/src', body => 'data')), '200 ', 'source object');

my $worker = worker_pid();
ok($worker, 'worker pid');

# ------------------------------------------------ bad x-amz-copy-source

for my $src ('ENABLED', '/pub', 'pub/', '/', '') {
    my $r = $t->http(PUT => '/pub/dst',
        headers => { 'x-amz-copy-source' => $src });
    is(code($r), '400 InvalidArgument',
        "anonymous CopyObject, copy source '$src'");
}

my $r = $t->s3(PUT => '/pub/dst',
    headers => { 'x-amz-copy-source' => 'ENABLED' });
is(code($r), '400 InvalidArgument', 'signed CopyObject, bad copy source');

$r = $t->http(PUT => '/pub/dst',
    headers => { 'x-amz-copy-source' => '/pub/' . ('k' x 1100) });
is(code($r), '400 KeyTooLongError', 'anonymous CopyObject, key too long');

$r = $t->s3(POST => '/pub/mp?uploads');
my ($upload) = $r =~ m{<UploadId>([^<]+)</UploadId>};
ok($upload, 'CreateMultipartUpload');

for my $src ('ENABLED', '/pub/' . ('k' x 1100)) {
    $r = $t->s3(PUT => "/pub/mp?partNumber=1&uploadId=$upload",
        headers => { 'x-amz-copy-source' => $src });
    like(code($r), qr/^400 (InvalidArgument|KeyTooLongError)$/,
        'UploadPartCopy, bad copy source ' . substr($src, 0, 10));
}

$r = $t->http(PUT => "/pub/mp?partNumber=1&uploadId=$upload",
    headers => { 'x-amz-copy-source' => 'ENABLED' });
like(code($r), qr/^40[03] /, 'anonymous UploadPartCopy, bad copy source');

# the refused request is over once answered: the next one on the same
# connection is answered too (a copy job still running for the refused
# request used to hold the connection, then close it)

sub pipelined {
    my ($first) = @_;
    my $second = $t->s3_request(GET => '/pub/src');
    $second =~ s/\r\n\r\n$/\r\nConnection: close\r\n\r\n/;
    my $r = $t->raw($first . $second) // '';
    my @status = $r =~ m{^HTTP/1\.1 (\d{3}) }mg;
    return "@status";
}

is(pipelined("PUT /pub/dst HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
        . "x-amz-copy-source: ENABLED\r\nContent-Length: 0\r\n\r\n"),
    '400 200', 'anonymous CopyObject: 400, then the next request');
is(pipelined($t->s3_request(PUT => '/pub/dst',
        headers => { 'x-amz-copy-source' => '/pub/' . ('k' x 1100) })),
    '400 200', 'CopyObject, key too long: 400, then the next request');
is(pipelined($t->s3_request(PUT => "/pub/mp?partNumber=1&uploadId=$upload",
        headers => { 'x-amz-copy-source' => 'ENABLED' })),
    '400 200', 'UploadPartCopy: 400, then the next request');
is(pipelined($t->s3_request(PUT => "/pub/mp?partNumber=1&uploadId=$upload",
        headers => { 'x-amz-copy-source' => '/pub/' . ('k' x 1100) })),
    '400 200', 'UploadPartCopy, key too long: 400, then the next request');

ok($t->read_file('error.log') !~ /sos: SOS_EINVAL: key of/,
    'no copy job ran for a refused request');

is(code($t->s3(GET => '/pub/src')), '200 ', 'the worker still answers');
is(worker_pid(), $worker, '... and it is the same worker');
is(code($t->s3(PUT => '/pub/dst',
        headers => { 'x-amz-copy-source' => '/pub/src' })),
    '200 ', 'a good CopyObject still works');

# ------------------------------------------ empty x-amz-content-sha256

$r = $t->http(GET => '/pub/src', headers => { 'x-amz-content-sha256' => '' });
is(code($r), '400 InvalidArgument', 'anonymous, empty x-amz-content-sha256');
like($r, qr{<ArgumentName>x-amz-content-sha256</ArgumentName>},
    '... names the header');
is(code($t->s3(GET => '/pub/src', payload => ' ')),
    '400 InvalidArgument', 'SigV4, blank x-amz-content-sha256');

# ------------------------------------- every x-amz-* header must be signed

is(code($t->s3(PUT => '/private')), '200 ', 'private bucket');
is(code($t->s3(PUT => '/private/secret', body => 'secret')), '200 ',
    'private object');

# the holder of a presigned PUT turns it into a public copy of a secret

$r = $t->http(PUT => presign($t, 'PUT', '/pub/leak'), headers => {
    'x-amz-copy-source' => '/private/secret',
    'x-amz-acl' => 'public-read' });
is(code($r), '403 AccessDenied', 'presigned PUT, unsigned x-amz-* headers');
like($r, qr{<Message>There were headers present in the request which were (?#
    )not signed</Message>}, '... S3 message');
like($r, qr{<HeadersNotSigned>x-amz-acl,x-amz-copy-source</HeadersNotSigned>},
    '... names them');
is(code($t->s3(GET => '/pub/leak')), '404 NoSuchKey', '... nothing written');

$r = $t->http(GET => presign($t, 'GET', '/private/secret'),
    headers => { 'x-amz-meta-a' => 'b' });
is(code($r), '403 AccessDenied', 'presigned GET, unsigned x-amz-meta-*');

# signed, the same headers are taken; x-amz-content-sha256 is the payload
# hash of a presigned request: bound to the signature, signed or not

$r = $t->http(PUT => presign($t, 'PUT', '/pub/acl',
        headers => { 'x-amz-acl' => 'public-read' }),
    headers => { 'x-amz-acl' => 'public-read' }, body => 'acl');
is(code($r), '200 ', 'presigned PUT, x-amz-acl signed');
like($t->http(GET => '/pub/acl'), qr{^HTTP/1\.1 200 .*\r\n\r\nacl$}s,
    '... and applied');
$r = $t->http(PUT => presign($t, 'PUT', '/pub/acl',
        headers => { 'x-amz-acl' => 'public-read' }),
    headers => { 'x-amz-acl' => 'public-read-write' }, body => 'acl');
is(code($r), '403 SignatureDoesNotMatch', '... with another value');
is(code($t->http(PUT => presign($t, 'PUT', '/pub/sha'), body => 'sha',
        headers => { 'x-amz-content-sha256' => 'UNSIGNED-PAYLOAD' })),
    '200 ', 'presigned PUT, x-amz-content-sha256 UNSIGNED-PAYLOAD unsigned');
is(code($t->http(PUT => presign($t, 'PUT', '/pub/sha'), body => 'sha',
        headers => { 'x-amz-content-sha256' => sha256_hex('sha') })),
    '403 SignatureDoesNotMatch', '... another payload hash is not taken');

# header form: x-amz-content-sha256 included

my ($u, $h) = $t->s3_sign(GET => '/pub/src');
(my $a = $h->{Authorization}) =~ s/;x-amz-content-sha256//;
$r = $t->http(GET => $u, headers => { %$h, Authorization => $a });
is(code($r), '403 AccessDenied',
    'SigV4 header, x-amz-content-sha256 unsigned');
like($r, qr{<HeadersNotSigned>x-amz-content-sha256</HeadersNotSigned>},
    '... names it');

# SigV2 signs every x-amz-* header of the request: an added one breaks it

my $date = POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime());
my $sig = sigv2($t->secret_key, "PUT\n\n\n$date\n/pub/v2");
$r = $t->http(PUT => '/pub/v2', body => 'v2', headers => {
    Date => $date, Authorization => 'AWS ' . $t->access_key . ":$sig",
    'x-amz-copy-source' => '/private/secret' });
is(code($r), '403 SignatureDoesNotMatch', 'SigV2 header, added x-amz-*');

my $expires = time() + 300;
$sig = sigv2($t->secret_key, "PUT\n\n\n$expires\n/pub/v2");
my $v2 = '/pub/v2?AWSAccessKeyId=' . $t->access_key . "&Expires=$expires"
    . '&Signature=' . SOS::Test::uri_escape($sig);
is(code($t->http(PUT => $v2, body => 'v2')), '200 ', 'SigV2 query: PUT');
$r = $t->http(PUT => $v2, body => 'v2', headers => {
    'x-amz-copy-source' => '/private/secret', 'x-amz-acl' => 'public-read' });
is(code($r), '403 SignatureDoesNotMatch', 'SigV2 query, added x-amz-*');

# ------------------------------------------------- host must be signed

is(code($t->s3(PUT => '/other')), '200 ', 'a second bucket of the signer');

sub v4_without_host {
    my ($host) = @_;
    my $amz = SOS::Auth::amz_date(time());
    my %h = ('x-amz-date' => $amz, 'x-amz-content-sha256' => sha256_hex(''));
    my $auth = SOS::Test::sigv4_authorization(method => 'GET', path => '/',
        query => 'list-type=2', headers => \%h, date => $amz,
        payload => $h{'x-amz-content-sha256'}, access => $t->access_key,
        secret => $t->secret_key, region => 'us-east-1');
    return $t->http(GET => '/?list-type=2', headers => { %h,
        Authorization => $auth, Host => "$host.s3.localhost:$port" });
}

$r = v4_without_host('pub');
is(code($r), '403 AccessDenied', 'SigV4 header without host');
like($r, qr{<HeadersNotSigned>host</HeadersNotSigned>}, '... names host');
is(code(v4_without_host('other')), '403 AccessDenied',
    '... not replayed against another virtual-hosted bucket');

$r = $t->http(GET => presign($t, 'GET', '/', no_host => 1,
        query => { 'list-type' => 2 }, headers => { 'x-amz-meta-a' => 'b' }),
    headers => { Host => "pub.s3.localhost:$port", 'x-amz-meta-a' => 'b' });
is(code($r), '403 AccessDenied', 'presigned without host');
like($r, qr{<HeadersNotSigned>host</HeadersNotSigned>}, '... names host');

$r = $t->http(GET => presign($t, 'GET', '/', query => { 'list-type' => 2 },
        host => "pub.s3.localhost:$port"),
    headers => { Host => "pub.s3.localhost:$port" });
is(code($r), '200 ', 'presigned, virtual-hosted, host signed');

$t->stop_ok;

done_testing;
