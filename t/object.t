#!/usr/bin/perl

# Object operations over raw HTTP: PutObject (streamed, chunked transfer
# encoding, Expect: 100-continue, conditional writes, size limit, client
# disconnects, bounded memory), GetObject / HeadObject (ranges,
# conditionals, response-* overrides, metadata), DeleteObject, CopyObject.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex);
use IO::Select;
use POSIX qw(strftime);
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;

my $t = SOS::Test->new;

# a second organization, with its own key: not the owner of "obj"

my ($rc, $out, $err) = $t->sosctl('org', 'create', 'other');
die "org create: $err" if $rc;
($rc, $out, $err) = $t->sosctl('key', 'create', 'other');
die "key create: $err" if $rc;
my ($other_id) = $out =~ /^aws_access_key_id = (\S+)/m;
my ($other_secret) = $out =~ /^aws_secret_access_key = (\S+)/m;

$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code {
    my ($body) = @_;
    return $body =~ m{<Code>([^<]*)</Code>} ? $1 : '';
}

sub http_date { strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime($_[0])) }

# read from a socket until $re matches or $timeout passes

sub read_until {
    my ($s, $re, $timeout) = @_;
    my $buf = '';
    my $sel = IO::Select->new($s);
    my $deadline = time() + $timeout;
    while ($buf !~ $re) {
        my $left = $deadline - time();
        last if $left <= 0 || !$sel->can_read($left);
        my $n = sysread($s, $buf, 65536, length $buf);
        last unless $n;
    }
    return $buf;
}

sub tmp_files {
    my @f;
    for my $r (0 .. 2) {
        opendir(my $d, $t->data . "/r$r/tmp") or next;
        push @f, grep { !/^\.\.?$/ } readdir $d;
    }
    return @f;
}

my ($status, $h, $body);

($status) = req(PUT => '/obj');
is($status, 200, 'create bucket');

# PutObject, GetObject, HeadObject

my $data = join '', map { chr($_ & 0xff) } 0 .. 999;

($status, $h, $body) = req(PUT => '/obj/k', body => $data);
is($status, 200, 'put');
is($h->{etag}, '"' . md5_hex($data) . '"', 'put: ETag is the MD5');
is($body, '', 'put: empty body');
like($h->{'x-amz-request-id'}, qr/^[0-9a-f]{32}$/, 'put: request id');

($status, $h, $body) = req(GET => '/obj/k');
is($status, 200, 'get');
ok($body eq $data, 'get: the bytes put');
is($h->{'content-length'}, 1000, 'get: Content-Length');
is($h->{etag}, '"' . md5_hex($data) . '"', 'get: ETag');
is($h->{'content-type'}, 'binary/octet-stream', 'get: default type');
is($h->{'accept-ranges'}, 'bytes', 'get: Accept-Ranges');
like($h->{'last-modified'}, qr/^\w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT$/,
    'get: Last-Modified');
like($h->{'x-amz-request-id'}, qr/^[0-9a-f]{32}$/, 'get: request id');
ok(!exists $h->{'x-amz-checksum-crc32'}, 'get: no checksum unless asked');
my $mtime = HTTP::Date_parse($h->{'last-modified'});

($status, $h, $body) = req(HEAD => '/obj/k');
is($status, 200, 'head');
is($body, '', 'head: no body');
is($h->{'content-length'}, 1000, 'head: Content-Length of the object');
is($h->{etag}, '"' . md5_hex($data) . '"', 'head: ETag');

($status, $h, $body) = req(GET => '/obj/none');
is($status, 404, 'missing key');
is(code($body), 'NoSuchKey', 'NoSuchKey');

($status, $h, $body) = req(HEAD => '/obj/none');
is($status, 404, 'head missing key');
is($body, '', 'head error: no body');

($status, $h, $body) = req(GET => '/nobucket/k');
is(code($body), 'NoSuchBucket', 'missing bucket: NoSuchBucket');

($status, $h, $body) = req(PUT => '/nobucket/k', body => 'x');
is(code($body), 'NoSuchBucket', 'put to a missing bucket: NoSuchBucket');

# overwrite

($status, $h) = req(PUT => '/obj/k2', body => 'first');
($status, $h) = req(PUT => '/obj/k2', body => 'second');
($status, $h, $body) = req(GET => '/obj/k2');
is($body, 'second', 'overwrite');

# empty object

($status, $h) = req(PUT => '/obj/empty', body => '');
is($status, 200, 'put empty');
is($h->{etag}, '"d41d8cd98f00b204e9800998ecf8427e"', 'empty: ETag');
($status, $h, $body) = req(GET => '/obj/empty');
is($status, 200, 'get empty');
is($h->{'content-length'}, 0, 'empty: Content-Length 0');
is($body, '', 'empty: no bytes');
($status, $h, $body) = req(GET => '/obj/empty',
    headers => { Range => 'bytes=0-0' });
is($status, 416, 'empty: any range is unsatisfiable');

# ranges

for my $r ([ 'bytes=0-0', 0, 0 ], [ 'bytes=2-4', 2, 4 ],
    [ 'bytes=995-', 995, 999 ], [ 'bytes=-3', 997, 999 ],
    [ 'bytes=-5000', 0, 999 ], [ 'bytes=990-5000', 990, 999 ],
    [ 'bytes=0-999', 0, 999 ])
{
    my ($range, $a, $b) = @$r;
    ($status, $h, $body) = req(GET => '/obj/k',
        headers => { Range => $range });
    is($status, 206, "$range: 206");
    is($h->{'content-range'}, "bytes $a-$b/1000", "$range: Content-Range");
    is($h->{'content-length'}, $b - $a + 1, "$range: Content-Length");
    ok($body eq substr($data, $a, $b - $a + 1), "$range: the bytes");
}

for my $range ('bytes=1000-', 'bytes=5000-6000', 'bytes=-0') {
    ($status, $h, $body) = req(GET => '/obj/k',
        headers => { Range => $range });
    is($status, 416, "$range: 416");
    is(code($body), 'InvalidRange', "$range: InvalidRange");
    like($body, qr{<RangeRequested>\Q$range\E</RangeRequested>
        <ActualObjectSize>1000</ActualObjectSize>}x,
        "$range: requested range and size");
}

# as S3: several ranges, or a header that does not parse, get it all

for my $range ('bytes=0-1,5-6', 'bytes=abc', 'bytes=5-2', 'items=0-1') {
    ($status, $h, $body) = req(GET => '/obj/k',
        headers => { Range => $range });
    is($status, 200, "$range: the whole object");
    ok(!exists $h->{'content-range'}, "$range: no Content-Range");
    is(length $body, 1000, "$range: 1000 bytes");
}

# the stored checksum is the whole object's: never sent with a range

($status, $h) = req(PUT => '/obj/ck', body => 'checksummed',
    headers => { 'x-amz-checksum-crc32' => 'xjIjIw==' });
is($status, 200, 'put with a CRC32');
($status, $h, $body) = req(GET => '/obj/ck',
    headers => { 'x-amz-checksum-mode' => 'ENABLED' });
is($status, 200, 'checksum mode: 200');
is($h->{'x-amz-checksum-crc32'}, 'xjIjIw==', 'checksum mode: CRC32 sent');
($status, $h, $body) = req(GET => '/obj/ck',
    headers => { 'x-amz-checksum-mode' => 'ENABLED', Range => 'bytes=0-3' });
is($status, 206, 'checksum mode with a range: 206');
ok(!exists $h->{'x-amz-checksum-crc32'}, 'checksum mode with a range: none');

($status, $h, $body) = req(HEAD => '/obj/k',
    headers => { Range => 'bytes=10-19' });
is($status, 206, 'head range: 206');
is($h->{'content-range'}, 'bytes 10-19/1000', 'head range: Content-Range');
is($h->{'content-length'}, 10, 'head range: Content-Length');
is($body, '', 'head range: no body');

# conditionals, in S3's order of precedence

my $etag = '"' . md5_hex($data) . '"';
my $past = http_date($mtime - 3600);
my $future = http_date($mtime + 3600);
my $same = http_date($mtime);

for my $c (
    [ { 'If-Match' => $etag }, 200 ],
    [ { 'If-Match' => md5_hex($data) }, 200, 'unquoted' ],
    [ { 'If-Match' => "\"x\", $etag" }, 200, 'list' ],
    [ { 'If-Match' => '*' }, 200 ],
    [ { 'If-Match' => '"x"' }, 412 ],
    [ { 'If-None-Match' => $etag }, 304 ],
    [ { 'If-None-Match' => '*' }, 304 ],
    [ { 'If-None-Match' => '"x"' }, 200 ],
    [ { 'If-Modified-Since' => $past }, 200 ],
    [ { 'If-Modified-Since' => $same }, 304 ],
    [ { 'If-Modified-Since' => $future }, 304 ],
    [ { 'If-Modified-Since' => 'garbage' }, 200 ],
    [ { 'If-Unmodified-Since' => $past }, 412 ],
    [ { 'If-Unmodified-Since' => $same }, 200 ],
    [ { 'If-Unmodified-Since' => $future }, 200 ],
    # If-Match true wins over a failing If-Unmodified-Since
    [ { 'If-Match' => $etag, 'If-Unmodified-Since' => $past }, 200 ],
    [ { 'If-Match' => '"x"', 'If-Unmodified-Since' => $future }, 412 ],
    # If-None-Match decides; If-Modified-Since is then ignored
    [ { 'If-None-Match' => '"x"', 'If-Modified-Since' => $future }, 200 ],
    [ { 'If-None-Match' => $etag, 'If-Modified-Since' => $past }, 304 ],
    # 412 comes before 304
    [ { 'If-Match' => '"x"', 'If-None-Match' => $etag }, 412 ],
    [ { 'If-Unmodified-Since' => $past, 'If-Modified-Since' => $future },
        412 ],
    [ { 'If-Match' => $etag, 'If-None-Match' => $etag }, 304 ],
)
{
    my ($hdrs, $want, $note) = @$c;
    my $name = join(', ', map { "$_: $hdrs->{$_}" } sort keys %$hdrs)
        . ($note ? " ($note)" : '');

    ($status, $h, $body) = req(GET => '/obj/k', headers => $hdrs);
    is($status, $want, "GET $name: $want");

    if ($want == 304) {
        is($body, '', "GET $name: no body");
        is($h->{etag}, $etag, "GET $name: ETag");
        ok($h->{'last-modified'}, "GET $name: Last-Modified");
    } elsif ($want == 412) {
        is(code($body), 'PreconditionFailed', "GET $name: PreconditionFailed");
    }

    ($status) = req(HEAD => '/obj/k', headers => $hdrs);
    is($status, $want, "HEAD $name: $want");
}

($status, $h, $body) = req(GET => '/obj/k',
    headers => { 'If-Match' => '"x"', Range => 'bytes=0-1' });
is($status, 412, 'conditionals before the range');

# metadata round trip

($status, $h) = req(PUT => '/obj/meta', body => 'meta',
    headers => {
        'Content-Type' => 'text/plain; charset=utf-8',
        'Content-Encoding' => 'gzip',
        'Cache-Control' => 'max-age=60',
        'Content-Disposition' => 'attachment; filename="a b.txt"',
        'Content-Language' => 'fr',
        'Expires' => 'Thu, 01 Dec 2094 16:00:00 GMT',
        'x-amz-meta-Color' => 'Blue',
        'X-AMZ-META-empty-ish' => 'a b  c',
        'x-amz-acl' => 'private',
    });
is($status, 200, 'put with metadata');

($status, $h, $body) = req(GET => '/obj/meta');
is($h->{'content-type'}, 'text/plain; charset=utf-8', 'Content-Type');
is($h->{'content-encoding'}, 'gzip', 'Content-Encoding');
# a signed GET: the object's own value as stored, as S3 (docs/cdn.md)
is($h->{'cache-control'}, 'max-age=60', 'Cache-Control');
is($h->{'content-disposition'}, 'attachment; filename="a b.txt"',
    'Content-Disposition');
is($h->{'content-language'}, 'fr', 'Content-Language');
is($h->{expires}, 'Thu, 01 Dec 2094 16:00:00 GMT', 'Expires');
is($h->{'x-amz-meta-color'}, 'Blue', 'x-amz-meta-*: name lowercased');
is($h->{'x-amz-meta-empty-ish'}, 'a b  c', 'x-amz-meta-*: value kept');
is($body, 'meta', 'the body');

($status, $h) = req(HEAD => '/obj/meta');
is($h->{'x-amz-meta-color'}, 'Blue', 'HEAD: x-amz-meta-*');
is($h->{'content-type'}, 'text/plain; charset=utf-8', 'HEAD: Content-Type');

# aws-chunked describes the request, never the object

($status) = req(PUT => '/obj/enc1', body => 'x',
    headers => { 'Content-Encoding' => 'aws-chunked' });
is($status, 200, 'put with Content-Encoding aws-chunked');
($status, $h, $body) = req(GET => '/obj/enc1');
is($status, 200, 'get of the aws-chunked object');
is($body, 'x', 'aws-chunked alone: the bytes put');
ok(!exists $h->{'content-encoding'}, 'aws-chunked alone: no encoding');

($status) = req(PUT => '/obj/enc2', body => 'x',
    headers => { 'Content-Encoding' => 'aws-chunked, gzip' });
is($status, 200, 'put with Content-Encoding aws-chunked, gzip');
($status, $h) = req(GET => '/obj/enc2');
is($h->{'content-encoding'}, 'gzip', 'aws-chunked, gzip: gzip stored');

# response-* overrides

($status, $h, $body) = req(GET => '/obj/meta', query =>
    'response-content-type=application%2Fjson'
    . '&response-content-language=de'
    . '&response-expires=Fri%2C%2001%20Jan%202100%2000%3A00%3A00%20GMT'
    . '&response-cache-control=no-cache'
    . '&response-content-disposition=inline'
    . '&response-content-encoding=identity');
is($status, 200, 'response-* overrides');
is($h->{'content-type'}, 'application/json', 'response-content-type');
is($h->{'content-language'}, 'de', 'response-content-language');
is($h->{expires}, 'Fri, 01 Jan 2100 00:00:00 GMT', 'response-expires');
is($h->{'cache-control'}, 'no-cache', 'response-cache-control');
is($h->{'content-disposition'}, 'inline', 'response-content-disposition');
is($h->{'content-encoding'}, 'identity', 'response-content-encoding');

($status, $h, $body) = req(GET => '/obj/k',
    query => 'response-content-type=text%2Fcsv');
is($h->{'content-type'}, 'text/csv', 'response-content-type on a default');

# MetadataTooLarge: names and values above 2 KiB

($status, $h, $body) = req(PUT => '/obj/big', body => 'x',
    headers => { 'x-amz-meta-a' => 'v' x 2000,
                 'x-amz-meta-b' => 'v' x 100 });
is($status, 400, 'metadata > 2 KiB: 400');
is(code($body), 'MetadataTooLarge', 'MetadataTooLarge');
($status) = req(HEAD => '/obj/big');
is($status, 404, 'MetadataTooLarge: nothing stored');

($status) = req(PUT => '/obj/big', body => 'x',
    headers => { 'x-amz-meta-a' => 'v' x (2048 - 1) });
is($status, 200, 'metadata of exactly 2 KiB');

# conditional writes

($status, $h, $body) = req(PUT => '/obj/k', body => 'no',
    headers => { 'If-None-Match' => '*' });
is($status, 412, 'If-None-Match: * on an existing key: 412');
is(code($body), 'PreconditionFailed', 'PreconditionFailed');
($status, $h, $body) = req(GET => '/obj/k');
ok($body eq $data, 'the object is unchanged');

($status) = req(PUT => '/obj/new', body => 'new',
    headers => { 'If-None-Match' => '*' });
is($status, 200, 'If-None-Match: * on a new key: 200');

($status) = req(PUT => '/obj/new', body => 'newer',
    headers => { 'If-Match' => '"0123456789abcdef0123456789abcdef"' });
is($status, 412, 'If-Match with another ETag: 412');

($status) = req(PUT => '/obj/new', body => 'newer',
    headers => { 'If-Match' => '"' . md5_hex('new') . '"' });
is($status, 200, 'If-Match with the current ETag: 200');
($status, $h, $body) = req(GET => '/obj/new');
is($body, 'newer', 'If-Match: written');

($status, $h, $body) = req(PUT => '/obj/nonew', body => 'x',
    headers => { 'If-Match' => '"' . md5_hex('x') . '"' });
is($status, 404, 'If-Match on a missing key: 404');
is(code($body), 'NoSuchKey', 'If-Match on a missing key: NoSuchKey');

# If-None-Match with an ETag was 501; issue 15 asks for it (the write
# proceeds unless the current ETag matches): t/conformance_cond.t
($status, $h, $body) = req(PUT => '/obj/new', body => 'newer',
    headers => { 'If-None-Match' => '"abc"' });
is($status, 200, 'If-None-Match with another ETag on PUT: 200');

# two writers race for one key with If-None-Match: *; exactly one wins

{
    my $len = 200000;
    my @s;
    for my $i (0 .. 1) {
        my $b = ($i ? 'b' : 'a') x $len;
        my $s = $t->connect;
        print $s $t->s3_request(PUT => '/obj/race', body => $b,
            headers => { 'If-None-Match' => '*', 'Content-Length' => $len,
                         Connection => 'close' });
        print $s substr($b, 0, $len / 2);
        push @s, [ $s, $b ];
    }

    # both uploads have begun before either body is complete
    sleep(0.2);

    print { $_->[0] } substr($_->[1], $len / 2) for @s;

    my @st = sort map {
        (read_until($_->[0], qr/\r\n\r\n/, 10) =~ m{^HTTP/1\.1 (\d+)})[0]
            // 0
    } @s;
    is("@st", '200 412', 'race: one 200, one 412');

    ($status, $h, $body) = req(GET => '/obj/race');
    ok($body eq 'a' x $len || $body eq 'b' x $len, 'race: one whole body');
}

# chunked transfer encoding

{
    my $content = join '', map { "line $_\n" } 1 .. 5000;
    my $framed = '';
    for (my $i = 0; $i < length $content; $i += 7000) {
        my $c = substr($content, $i, 7000);
        $framed .= sprintf("%x\r\n%s\r\n", length $c, $c);
    }
    $framed .= "0\r\n\r\n";

    ($status, $h, $body) = req(PUT => '/obj/chunked', body => $framed,
        payload => sha256_hex($content),
        headers => { 'Transfer-Encoding' => 'chunked' });
    is($status, 200, 'chunked transfer encoding: 200');
    is($h->{etag}, '"' . md5_hex($content) . '"', 'chunked: ETag');

    ($status, $h, $body) = req(GET => '/obj/chunked');
    ok($body eq $content, 'chunked: the decoded bytes');

    $t->raw($t->s3_request(PUT => '/obj/chunked2', body => "5\r\nab",
        send_body => 1, unsigned => 1,
        headers => { 'Transfer-Encoding' => 'chunked' }),
        timeout => 2, quiet => 1);
    ($status) = req(HEAD => '/obj/chunked2');
    is($status, 404, 'a truncated chunked body stores nothing');
}

# PUT without a length

{
    my $r = $t->raw($t->s3_request(PUT => '/obj/nolen', unsigned => 1,
        headers => { Connection => 'close' }));
    like($r, qr{^HTTP/1\.1 411 .*<Code>MissingContentLength</Code>}s,
        'no Content-Length, not chunked: 411 MissingContentLength');
}

# Expect: 100-continue only once authenticated and the bucket is found

{
    my $s = $t->connect;
    print $s $t->s3_request(PUT => '/obj/expect', body => 'hello',
        secret => 'x' x 40, headers => { Expect => '100-continue',
        'Content-Length' => 5, Connection => 'close' });
    my $r = read_until($s, qr{</Error>}, 5);
    like($r, qr{^HTTP/1\.1 403 }, 'bad signature with Expect: 403');
    unlike($r, qr{100 Continue}, 'bad signature: no 100 Continue');
    like($r, qr{<Code>SignatureDoesNotMatch</Code>}, 'SignatureDoesNotMatch');

    $s = $t->connect;
    print $s $t->s3_request(PUT => '/nobucket/expect', body => 'hello',
        headers => { Expect => '100-continue', 'Content-Length' => 5,
        Connection => 'close' });
    $r = read_until($s, qr{</Error>}, 5);
    like($r, qr{^HTTP/1\.1 404 .*NoSuchBucket}s,
        'missing bucket with Expect: 404');
    unlike($r, qr{100 Continue}, 'missing bucket: no 100 Continue');

    # refused: the body was never asked for, so the connection closes
    # rather than read the next request as that body
    $s = $t->connect;
    print $s $t->s3_request(PUT => '/obj/expect', body => 'hello',
        headers => { Expect => '100-continue', 'Content-Length' => 5,
        'x-amz-meta-a' => 'v' x 3000 });
    $r = read_until($s, qr{</Error>}, 5);
    like($r, qr{^HTTP/1\.1 400 .*MetadataTooLarge}s, 'refused with Expect');
    like($r, qr{\r\nConnection: close\r\n}, 'refused with Expect: closed');
    unlike($r, qr{100 Continue}, 'refused with Expect: no 100 Continue');

    $s = $t->connect;
    print $s $t->s3_request(PUT => '/obj/expect', body => 'hello',
        headers => { Expect => '100-continue', 'Content-Length' => 5,
        Connection => 'close' });
    $r = read_until($s, qr{100 Continue\r\n\r\n}, 5);
    like($r, qr{^HTTP/1\.1 100 Continue\r\n\r\n\z}, 'good request: 100');
    print $s 'hello';
    $r = read_until($s, qr{\r\n\r\n}, 5);
    like($r, qr{^HTTP/1\.1 200 }, 'good request: then 200');
    ($status, $h, $body) = req(GET => '/obj/expect');
    is($body, 'hello', 'Expect: stored');
}

# a client that goes away mid-body leaves nothing behind

{
    my $s = $t->connect;
    print $s $t->s3_request(PUT => '/obj/gone', unsigned => 1,
        headers => { 'Content-Length' => 4 << 20 });
    print $s 'z' x (1 << 20);
    sleep(0.2);
    close $s;

    my @left;
    my $deadline = time() + 10;
    do {
        sleep(0.05);
        @left = tmp_files();
    } while (@left && time() < $deadline);

    ok(!@left, 'disconnect: tmp files removed') or diag("@left");
    ($status) = req(HEAD => '/obj/gone');
    is($status, 404, 'disconnect: nothing committed');
}

# DeleteObject

($status, $h, $body) = req(DELETE => '/obj/k2');
is($status, 204, 'delete: 204');
is($body, '', 'delete: no body');
($status) = req(GET => '/obj/k2');
is($status, 404, 'deleted');
($status) = req(DELETE => '/obj/k2');
is($status, 204, 'delete again: 204');
($status, $h, $body) = req(DELETE => '/nobucket/k');
is($status, 404, 'delete in a missing bucket: 404');
is(code($body), 'NoSuchBucket', 'delete: NoSuchBucket');

# versionId: every object is its own "null" version

($status, $h, $body) = req(GET => '/obj/k', query => 'versionId=null');
is($status, 200, 'GET versionId=null');
ok($body eq $data, 'GET versionId=null: the object');
($status, $h, $body) = req(GET => '/obj/k',
    query => 'versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY');
is($status, 404, 'GET another versionId: 404');
is(code($body), 'NoSuchVersion', 'NoSuchVersion');
($status, $h, $body) = req(HEAD => '/obj/k', query => 'versionId=abc');
is($status, 404, 'HEAD another versionId: 404');
is($body, '', 'HEAD NoSuchVersion: no body');

($status) = req(PUT => '/obj/v', body => 'v');
($status) = req(DELETE => '/obj/v', query => 'versionId=abc');
is($status, 204, 'DELETE another versionId: 204');
($status) = req(HEAD => '/obj/v');
is($status, 200, 'DELETE another versionId: deletes nothing');
($status) = req(DELETE => '/obj/v', query => 'versionId=null');
is($status, 204, 'DELETE versionId=null: 204');
($status) = req(HEAD => '/obj/v');
is($status, 404, 'DELETE versionId=null: deleted');

# CopyObject

($status, $h, $body) = req(PUT => '/obj/copy1',
    headers => { 'x-amz-copy-source' => '/obj/meta' });
is($status, 200, 'copy');
like($body, qr{^<\?xml\ version="1\.0"\ encoding="UTF-8"\?>\r?\n
    <CopyObjectResult\ xmlns="http://s3\.amazonaws\.com/doc/2006-03-01/">
    <LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z</LastModified>
    <ETag>&quot;[0-9a-f]{32}&quot;</ETag></CopyObjectResult>}x,
    'copy: CopyObjectResult');
is($h->{'content-type'}, 'application/xml', 'copy: XML');
($status, $h, $body) = req(GET => '/obj/copy1');
is($body, 'meta', 'copy: bytes');
is($h->{'x-amz-meta-color'}, 'Blue', 'copy: metadata copied');
is($h->{'content-type'}, 'text/plain; charset=utf-8', 'copy: type copied');

($status, $h, $body) = req(PUT => '/obj/copy2',
    headers => { 'x-amz-copy-source' => 'obj/meta',
                 'x-amz-metadata-directive' => 'REPLACE',
                 'Content-Type' => 'text/html',
                 'x-amz-meta-shape' => 'round' });
is($status, 200, 'copy with REPLACE');
($status, $h, $body) = req(GET => '/obj/copy2');
is($status, 200, 'get of the REPLACE copy');
is($h->{'content-type'}, 'text/html', 'REPLACE: new type');
is($h->{'x-amz-meta-shape'}, 'round', 'REPLACE: new metadata');
ok(!exists $h->{'x-amz-meta-color'}, 'REPLACE: old metadata gone');

($status, $h, $body) = req(PUT => '/obj/meta',
    headers => { 'x-amz-copy-source' => '/obj/meta' });
is($status, 400, 'copy onto itself: 400');
is(code($body), 'InvalidRequest', 'copy onto itself: InvalidRequest');
like($body, qr{trying to copy an object to itself without changing},
    'copy onto itself: message');

($status, $h, $body) = req(PUT => '/obj/meta',
    headers => { 'x-amz-copy-source' => '/obj/meta',
                 'x-amz-metadata-directive' => 'REPLACE',
                 'x-amz-meta-color' => 'Red' });
is($status, 200, 'copy onto itself with REPLACE');
($status, $h, $body) = req(GET => '/obj/meta');
is($h->{'x-amz-meta-color'}, 'Red', 'self copy: metadata changed');
is($body, 'meta', 'self copy: bytes kept');

($status, $h, $body) = req(PUT => '/obj/copy1',
    headers => { 'x-amz-copy-source' => '/obj/k', 'If-None-Match' => '*' });
is($status, 412, 'copy onto an existing key with If-None-Match: *');
($status, $h, $body) = req(GET => '/obj/copy1');
is($body, 'meta', 'copy with If-None-Match: * left the key alone');

($status, $h, $body) = req(PUT => '/obj/copy1n',
    headers => { 'x-amz-copy-source' => '/obj/k', 'If-None-Match' => '*' });
is($status, 200, 'copy to a new key with If-None-Match: *');

($status, $h, $body) = req(PUT => '/obj/copy3',
    headers => { 'x-amz-copy-source' => '/obj/meta',
                 'x-amz-metadata-directive' => 'MOVE' });
is(code($body), 'InvalidArgument', 'unknown directive: InvalidArgument');

($status) = req(PUT => '/obj/sp%20a+b', body => 'spaced');
($status, $h, $body) = req(PUT => '/obj/copy4',
    headers => { 'x-amz-copy-source' => '/obj/sp%20a%2Bb?versionId=null' });
is($status, 200, 'copy: URL-encoded source with versionId=null');
($status, $h, $body) = req(GET => '/obj/copy4');
is($body, 'spaced', 'copy: the encoded source');

($status, $h, $body) = req(PUT => '/obj/copy5',
    headers => { 'x-amz-copy-source' => '/obj/none' });
is($status, 404, 'copy of a missing key: 404');
is(code($body), 'NoSuchKey', 'copy: NoSuchKey');

($status, $h, $body) = req(PUT => '/obj/copy5',
    headers => { 'x-amz-copy-source' => '/nobucket/k' });
is(code($body), 'NoSuchBucket', 'copy from a missing bucket: NoSuchBucket');

($status, $h, $body) = req(PUT => '/obj/copy5',
    headers => { 'x-amz-copy-source' => 'objonly' });
is(code($body), 'InvalidArgument', 'copy source without a key');

my $k_etag = '"' . md5_hex($data) . '"';

for my $c (
    [ { 'x-amz-copy-source-if-match' => $k_etag }, 200 ],
    [ { 'x-amz-copy-source-if-match' => '"x"' }, 412 ],
    [ { 'x-amz-copy-source-if-none-match' => $k_etag }, 412 ],
    [ { 'x-amz-copy-source-if-none-match' => '"x"' }, 200 ],
    [ { 'x-amz-copy-source-if-modified-since' => $future }, 412 ],
    [ { 'x-amz-copy-source-if-modified-since' => $past }, 200 ],
    [ { 'x-amz-copy-source-if-unmodified-since' => $past }, 412 ],
    [ { 'x-amz-copy-source-if-unmodified-since' => $future }, 200 ],
    [ { 'x-amz-copy-source-if-match' => $k_etag,
        'x-amz-copy-source-if-unmodified-since' => $past }, 200 ],
)
{
    my ($hdrs, $want) = @$c;
    my $name = join ', ', map { "$_: $hdrs->{$_}" } sort keys %$hdrs;

    ($status, $h, $body) = req(PUT => '/obj/copyc', headers => {
        'x-amz-copy-source' => '/obj/k', %$hdrs });
    is($status, $want, "copy $name: $want");
    is(code($body), 'PreconditionFailed', "copy $name: PreconditionFailed")
        if $want == 412;
}

# another organization: not the owner

($status, $h, $body) = req(GET => '/obj/k', access => $other_id,
    secret => $other_secret);
is($status, 403, 'other org: GET 403');
is(code($body), 'AccessDenied', 'other org: AccessDenied');

($status, $h, $body) = req(PUT => '/obj/k', body => 'x', access => $other_id,
    secret => $other_secret);
is(code($body), 'AccessDenied', 'other org: PUT AccessDenied');

($status, $h, $body) = req(DELETE => '/obj/k', access => $other_id,
    secret => $other_secret);
is(code($body), 'AccessDenied', 'other org: DELETE AccessDenied');

($status) = req(PUT => '/theirs', access => $other_id,
    secret => $other_secret);
is($status, 200, 'other org: own bucket');
($status, $h, $body) = req(PUT => '/theirs/c',
    headers => { 'x-amz-copy-source' => '/obj/k' }, access => $other_id,
    secret => $other_secret);
is(code($body), 'AccessDenied', 'other org: copy from a foreign bucket');

($status, $h, $body) = SOS::Test->parse($t->http(GET => '/obj/k'));
is($status, 403, 'anonymous: 403');
is(code($body), 'AccessDenied', 'anonymous: AccessDenied');

($status) = req(GET => '/obj/k');
is($status, 200, 'the object survived');

# 64 MiB streamed: the worker's memory stays bounded, the loop responsive

{
    my $mib = 1 << 20;
    my $n = 64;
    my $block = join '', map { chr(($_ * 7 + 3) & 0xff) } 0 .. $mib - 1;
    my $sha = Digest::SHA->new(256);
    my $md5 = Digest::MD5->new;
    for my $i (0 .. $n - 1) {
        my $b = chr($i) . substr($block, 1);
        $sha->add($b);
        $md5->add($b);
    }
    my $hex_md5 = $md5->hexdigest;

    my $rss0 = $t->worker_rss;

    my $s = $t->connect;
    print $s $t->s3_request(PUT => '/obj/large', payload => $sha->hexdigest,
        headers => { 'Content-Length' => $n * $mib, Connection => 'close' });

    my $peak = 0;

    for my $i (0 .. $n - 1) {
        print $s chr($i) . substr($block, 1);

        if ($i == $n / 2) {
            # mid-upload, another request is answered at once
            my ($st, $hh, $bb) = req(GET => '/obj/new');
            is($bb, 'newer', 'a GET during a large upload');
        }

        my $rss = $t->worker_rss // 0;
        $peak = $rss if $rss > $peak;
    }

    my $r = read_until($s, qr/\r\n\r\n/, 120);
    like($r, qr{^HTTP/1\.1 200 }, '64 MiB upload: 200');
    like($r, qr{ETag: "$hex_md5"}i, '64 MiB upload: ETag');

    SKIP: {
        die "no worker RSS in /proc\n" unless defined $rss0;
        skip 'sanitizer build: RSS not meaningful', 1 if SOS::Test::sanitized();
        # a quarter of the body: one buffered copy of it would show
        ok($peak - $rss0 < 16 * 1024, "worker RSS grows by less than 16 MiB "
            . "for a 64 MiB upload (peak $peak KiB, idle $rss0 KiB)");
    }

    # the same bytes come back
    my $g = $t->connect;
    print $g $t->s3_request(GET => '/obj/large',
        headers => { Connection => 'close' });
    my $resp = read_until($g, qr/\A(?!)/, 120);
    my ($head, $got) = split /\r\n\r\n/, $resp, 2;
    like($head, qr{^HTTP/1\.1 200 }, '64 MiB get: 200');
    is(length($got // ''), $n * $mib, '64 MiB get: length');
    is(md5_hex($got // ''), $hex_md5, '64 MiB get: the bytes');

    my ($st, $hh, $bb) = req(GET => '/obj/large',
        headers => { Range => 'bytes=' . (40 * $mib - 2) . '-'
                                       . (40 * $mib + 1) });
    is($bb, substr($block, $mib - 2, 2) . chr(40) . substr($block, 1, 1),
        '64 MiB: a range across 1 MiB blocks');
}

# The event loop never touches the store: under strace, the worker's main
# thread (tid == pid) makes no file system call on the data while objects
# are written, copied, read and deleted; the pool threads make them all.

SKIP: {
    my $strace = '/usr/bin/strace';
    die "no strace: run make deps\n" unless -x $strace;

    my $master = $t->master_pid;
    my ($worker) = map { /^(\d+)/ ? $1 : () } `pgrep -P $master`;
    die "no worker pid (pgrep: run make deps)\n" unless $worker;

    my $log = $t->dir . '/strace.out';
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        open STDERR, '>', '/dev/null';
        exec($strace, '-f', '-qq', '-o', $log, '-e', 'trace=openat,open,'
            . 'rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,'
            . 'fsync,fdatasync,pwrite64,pread64,ftruncate', '-p', $worker);
        exit 1;
    }

    # attached once the threads' calls show up
    my $deadline = time() + 10;
    while (time() < $deadline && !-s $log) {
        req(PUT => '/obj/ping', body => 'ping');
        sleep(0.05);
    }

    unless (-s $log) {
        kill 'TERM', $pid;
        waitpid($pid, 0);
        skip 'strace cannot attach (ptrace not permitted)', 3;
    }

    req(PUT => '/obj/traced', body => 'x' x 300000);
    req(PUT => '/obj/traced2',
        headers => { 'x-amz-copy-source' => '/obj/traced' });
    my ($st, $hh, $bb) = req(GET => '/obj/traced2');
    is(length $bb, 300000, 'traced: GET');
    req(DELETE => '/obj/traced');
    req(DELETE => '/obj/traced2');

    kill 'INT', $pid;
    waitpid($pid, 0);

    my @lines = split /\n/, $t->read_file('strace.out');
    my @loop = grep { /^$worker\s/ } @lines;
    my @threads = grep { !/^$worker\s/ && /rename|unlink/ } @lines;

    ok(!@loop, 'no file system call in the event loop')
        or diag(join "\n", @loop[0 .. ($#loop < 9 ? $#loop : 9)]);
    ok(@threads >= 2, 'the pool threads rename and unlink')
        or diag(scalar @lines . ' lines traced');
}

$t->stop_ok;

# sos_max_object_size: EntityTooLarge, up front or mid-stream

{
    my $t2 = SOS::Test->new(http => 'sos_max_object_size 1k;')->run;

    my ($s2, $h2, $b2) = SOS::Test->parse($t2->s3(PUT => '/small'));
    is($s2, 200, 'small limit: bucket');

    ($s2, $h2, $b2) = SOS::Test->parse($t2->s3(PUT => '/small/ok',
        body => 'x' x 1024));
    is($s2, 200, 'exactly the limit: 200');

    ($s2, $h2, $b2) = SOS::Test->parse($t2->s3(PUT => '/small/big',
        body => 'x' x 1025));
    is($s2, 400, 'over the limit: 400');
    is(code($b2), 'EntityTooLarge', 'over the limit: EntityTooLarge');

    my $framed = join('', map { sprintf("%x\r\n%s\r\n", 500, 'y' x 500) }
        1 .. 4) . "0\r\n\r\n";
    ($s2, $h2, $b2) = SOS::Test->parse($t2->s3(PUT => '/small/big',
        body => $framed, payload => sha256_hex('y' x 2000),
        headers => { 'Transfer-Encoding' => 'chunked' }));
    is($s2, 400, 'chunked over the limit: 400');
    is(code($b2), 'EntityTooLarge', 'chunked over the limit: EntityTooLarge');

    ($s2) = SOS::Test->parse($t2->s3(HEAD => '/small/big'));
    is($s2, 404, 'over the limit: nothing stored');

    $t2->stop_ok;
}

done_testing();


# RFC 1123 date to epoch seconds

package HTTP;

sub Date_parse {
    my ($s) = @_;
    my %mon = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5,
        Jul => 6, Aug => 7, Sep => 8, Oct => 9, Nov => 10, Dec => 11);
    my ($d, $m, $y, $hh, $mm, $ss) =
        $s =~ /^\w+, (\d+) (\w+) (\d+) (\d+):(\d+):(\d+) GMT$/ or return 0;
    require Time::Local;
    return Time::Local::timegm($ss, $mm, $hh, $d, $mon{$m}, $y);
}
