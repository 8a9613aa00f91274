#!/usr/bin/perl

# Request bodies: x-amz-content-sha256 (hex, UNSIGNED-PAYLOAD, aws-chunked
# with chunk signatures, the trailer forms), Content-Md5 and the flexible
# checksums; a body that fails any check stores nothing, and bytes out
# equal bytes in for every mode.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Compress::Zlib qw(crc32);
use Digest::MD5 qw(md5 md5_base64);
use Digest::SHA qw(sha1 sha256 sha256_hex);
use MIME::Base64 qw(encode_base64);
use Test::More;

use SOS::Test;
use SOS::Auth qw(amz_date signing_key aws_chunked seed_signature);

no warnings 'portable';                  # 64-bit CRC constants

my $t = SOS::Test->new->run;

sub code {
    my ($r) = @_;
    my ($status, $h, $body) = SOS::Test->parse($r);
    my ($code) = $body =~ m{<Code>([^<]*)</Code>};
    return "$status " . ($code || '');
}

sub body_of {
    my ($r) = @_;
    my ($status, $h, $body) = SOS::Test->parse($r);
    return $status == 200 ? $body : "status $status";
}

sub absent {
    my ($key, $name) = @_;
    is(code($t->s3(GET => "/bkt/$key")), '404 NoSuchKey',
        "$name: nothing stored");
}

# reflected CRCs, bitwise (small test bodies only)

sub crc_reflected {
    my ($data, $poly, $bits) = @_;
    my $mask = $bits == 64 ? ~0 : 0xffffffff;
    my $crc = $mask;
    for my $byte (unpack 'C*', $data) {
        $crc ^= $byte;
        $crc = ($crc & 1) ? (($crc >> 1) ^ $poly) : ($crc >> 1) for 1 .. 8;
    }
    return ($crc ^ $mask) & $mask;
}

my %digest = (
    crc32 => sub { pack 'N', crc32($_[0]) },
    crc32c => sub { pack 'N', crc_reflected($_[0], 0x82F63B78, 32) },
    crc64nvme => sub { pack 'Q>', crc_reflected($_[0], 0x9a6c9329ac4bc9b5,
        64) },
    sha1 => sub { sha1($_[0]) },
    sha256 => sub { sha256($_[0]) },
);

sub checksum {
    my ($alg, $data) = @_;
    return encode_base64($digest{$alg}->($data), '');
}

is(checksum('crc64nvme', '123456789'), encode_base64(pack('Q>',
    0xae8b14860a799888), ''), 'test oracle: CRC64NVME check value');

is(code($t->s3(PUT => '/bkt')), '200 ', 'bucket');

my $data = join '', map { chr(($_ * 7 + ($_ >> 8)) & 0xff) } 0 .. 150_000;
my $small = "small body\n" x 30;

# ------------------------------------------------------- x-amz-content-sha256

is(code($t->s3(PUT => '/bkt/sha', body => $data)), '200 ',
    'SHA256 payload hash');
is(body_of($t->s3(GET => '/bkt/sha')), $data, '... bytes out = bytes in');

my $r = $t->s3(PUT => '/bkt/sha-bad', body => $data,
    payload => sha256_hex('something else'));
is(code($r), '400 XAmzContentSHA256Mismatch', 'tampered payload hash');
like($r, qr{<ClientComputedContentSHA256>${\ sha256_hex('something else') }
    </ClientComputedContentSHA256><S3ComputedContentSHA256>${\
    sha256_hex($data) }</S3ComputedContentSHA256>}x, '... both hashes');
absent('sha-bad', 'tampered payload hash');

is(code($t->s3(PUT => '/bkt/unsigned', body => $data, unsigned => 1)),
    '200 ', 'UNSIGNED-PAYLOAD');
is(body_of($t->s3(GET => '/bkt/unsigned')), $data, '... bytes out = in');

$r = $t->s3(PUT => '/bkt/what', body => $small, payload => 'STREAMING-FOO');
is(code($r), '400 InvalidArgument', 'unknown x-amz-content-sha256');
absent('what', 'unknown x-amz-content-sha256');

$r = $t->s3(PUT => '/bkt/v4a', body => $small,
    payload => 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
    headers => { 'x-amz-decoded-content-length' => length $small });
is(code($r), '501 NotImplemented', 'SigV4a streaming');
absent('v4a', 'SigV4a streaming');

# ------------------------------------------------------------- aws-chunked

# a signed aws-chunked PUT: the headers are signed first, the chunks chain
# from the header's signature

sub chunked_put {
    my ($key, %o) = @_;

    my $mode = $o{mode} || 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
    my $time = time();
    my $date = amz_date($time);
    my $scope = substr($date, 0, 8) . '/us-east-1/s3/aws4_request';
    my $payload = defined $o{data} ? $o{data} : $data;

    my %h = ('Content-Encoding' => 'aws-chunked',
        'x-amz-decoded-content-length' => length $payload,
        %{ $o{headers} || {} });
    delete $h{'x-amz-decoded-content-length'} if $o{no_length};

    # the framed length is signed, so frame once to know it
    my %frame = (data => $payload, chunk => $o{chunk} || 65536,
        trailer => $o{trailer}, bad_chunk => $o{bad_chunk},
        bad_trailer_sig => $o{bad_trailer_sig});
    my $signed = $mode =~ /HMAC/;
    my $dummy = aws_chunked(%frame, $signed ? (signed => {
        key => 'x' x 32, seed => '0' x 64, date => $date,
        scope => $scope }) : ());
    my $len = length($dummy) + ($o{cut} ? -$o{cut} : 0);
    $h{'Content-Length'} = $len;

    my ($u, $sh) = $t->s3_sign(PUT => "/bkt/$key", payload => $mode,
        headers => \%h, time => $time);

    my $body = aws_chunked(%frame, $signed ? (signed => {
        key => signing_key($t->secret_key, substr($date, 0, 8)),
        seed => seed_signature($sh->{Authorization}), date => $date,
        scope => $scope }) : ());
    $body = substr($body, 0, $len);

    return $t->http(PUT => $u, headers => $sh, body => $body);
}

$r = chunked_put('chunked');
is(code($r), '200 ', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD, 3 chunks');
$r = $t->s3(GET => '/bkt/chunked');
is(body_of($r), $data, '... bytes out = bytes in');
unlike($r, qr{\r\nContent-Encoding: aws-chunked}i, '... aws-chunked not kept');

is(code(chunked_put('chunked-small', data => 'x', chunk => 8192)), '200 ',
    'one-byte aws-chunked body');
is(body_of($t->s3(GET => '/bkt/chunked-small')), 'x', '... bytes out');

is(code(chunked_put('chunked-empty', data => '')), '200 ',
    'empty aws-chunked body');
is(body_of($t->s3(GET => '/bkt/chunked-empty')), '', '... empty object');

$r = chunked_put('chunk-bad', bad_chunk => 2);
is(code($r), '403 SignatureDoesNotMatch', 'bad signature of chunk 2');
absent('chunk-bad', 'bad chunk signature');

is(code(chunked_put('chunk-final-bad', bad_chunk => 4)),
    '403 SignatureDoesNotMatch', 'bad signature of the final chunk');
absent('chunk-final-bad', 'bad final chunk signature');

is(code(chunked_put('truncated', cut => 70000)), '400 IncompleteBody',
    'aws-chunked body truncated');
absent('truncated', 'truncated body');

is(code(chunked_put('short', headers => {
    'x-amz-decoded-content-length' => length($data) + 10 })),
    '400 IncompleteBody', 'fewer bytes than x-amz-decoded-content-length');
absent('short', 'short body');

is(code(chunked_put('long', headers => {
    'x-amz-decoded-content-length' => length($data) - 10 })),
    '400 IncompleteBody', 'more bytes than x-amz-decoded-content-length');
absent('long', 'long body');

is(code(chunked_put('nolen', no_length => 1)), '411 MissingContentLength',
    'aws-chunked without x-amz-decoded-content-length');

{
    my ($u, $sh) = $t->s3_sign(PUT => '/bkt/garbage',
        payload => 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        headers => { 'x-amz-decoded-content-length' => 5 });
    is(code($t->http(PUT => $u, headers => $sh, body => "zz\r\nhello\r\n")),
        '400 IncompleteBody', 'chunk size that is not hex');
    absent('garbage', 'bad framing');
}

# ---------------------------------------------------------------- trailers

for my $alg (qw(crc32 crc32c crc64nvme sha1 sha256)) {
    my $name = "x-amz-checksum-$alg";
    my $sum = checksum($alg, $data);

    $r = chunked_put("tr-$alg", mode => 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        trailer => [ $name, $sum ], headers => { 'x-amz-trailer' => $name,
        'x-amz-sdk-checksum-algorithm' => uc $alg });
    is(code($r), '200 ', "unsigned trailer $name");
    like($r, qr{\r\n\Q$name\E: \Q$sum\E\r\n}i, "... $name echoed");
    is(body_of($t->s3(GET => "/bkt/tr-$alg")), $data, '... bytes out');

    my $bad = checksum($alg, 'other');
    $r = chunked_put("trbad-$alg", mode => 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        trailer => [ $name, $bad ], headers => { 'x-amz-trailer' => $name });
    is(code($r), '400 BadDigest', "bad trailer $name");
    like($r, qr{The \U$alg\E you specified did not match the calculated (?#
        )checksum\.}, '... S3 message');
    absent("trbad-$alg", "bad trailer $name");

    $r = $t->s3(PUT => "/bkt/hdr-$alg", body => $small,
        headers => { $name => checksum($alg, $small) });
    is(code($r), '200 ', "$name header");

    $r = $t->s3(PUT => "/bkt/hdrbad-$alg", body => $small,
        headers => { $name => $bad });
    is(code($r), '400 BadDigest', "$name header mismatch");
    absent("hdrbad-$alg", "$name header mismatch");
}

$r = chunked_put('tr-signed', mode => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    trailer => [ 'x-amz-checksum-crc32c', checksum('crc32c', $data) ],
    headers => { 'x-amz-trailer' => 'x-amz-checksum-crc32c' });
is(code($r), '200 ', 'signed chunks and trailer (crc32c)');
like($r, qr{\r\nx-amz-checksum-crc32c: \Q${\ checksum('crc32c', $data)}\E\r\n}i,
    '... checksum echoed');
is(body_of($t->s3(GET => '/bkt/tr-signed')), $data, '... bytes out = in');

$r = chunked_put('tr-sigbad',
    mode => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    trailer => [ 'x-amz-checksum-crc32c', checksum('crc32c', $data) ],
    headers => { 'x-amz-trailer' => 'x-amz-checksum-crc32c' },
    bad_trailer_sig => 1);
is(code($r), '403 SignatureDoesNotMatch', 'bad trailer signature');
absent('tr-sigbad', 'bad trailer signature');

$r = chunked_put('tr-sumbad',
    mode => 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    trailer => [ 'x-amz-checksum-crc32c', checksum('crc32c', 'x') ],
    headers => { 'x-amz-trailer' => 'x-amz-checksum-crc32c' });
is(code($r), '400 BadDigest', 'signed trailer, wrong checksum');
absent('tr-sumbad', 'signed trailer, wrong checksum');

$r = chunked_put('tr-missing', mode => 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    headers => { 'x-amz-trailer' => 'x-amz-checksum-crc32' });
is(code($r), '400 MalformedTrailerError', 'announced trailer not sent');
absent('tr-missing', 'announced trailer not sent');

$r = chunked_put('tr-odd', mode => 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    headers => { 'x-amz-trailer' => 'x-amz-checksum-md5' });
is(code($r), '400 InvalidRequest', 'x-amz-trailer with an unknown checksum');

# -------------------------------------------------------- checksum headers

$r = $t->s3(PUT => '/bkt/two', body => $small, headers => {
    'x-amz-checksum-crc32' => checksum('crc32', $small),
    'x-amz-checksum-sha1' => checksum('sha1', $small) });
is(code($r), '400 InvalidRequest', 'two checksum headers');
like($r, qr{Multiple checksum Types are not allowed}, '... S3 message');

$r = $t->s3(PUT => '/bkt/inv', body => $small,
    headers => { 'x-amz-checksum-crc32' => 'not base64!' });
is(code($r), '400 InvalidRequest', 'checksum header not base64');
like($r, qr{Value for x-amz-checksum-crc32 header is invalid}, '... message');

$r = $t->s3(PUT => '/bkt/sdk', body => $small,
    headers => { 'x-amz-sdk-checksum-algorithm' => 'CRC32' });
is(code($r), '400 InvalidRequest',
    'x-amz-sdk-checksum-algorithm without its checksum');

# ------------------------------------------------------------ Content-MD5

is(code($t->s3(PUT => '/bkt/md5', body => $data,
    headers => { 'Content-MD5' => md5_base64($data) . '==' })), '200 ',
    'Content-MD5');
$r = $t->s3(PUT => '/bkt/md5-bad', body => $data,
    headers => { 'Content-MD5' => md5_base64('other') . '==' });
is(code($r), '400 BadDigest', 'Content-MD5 mismatch');
like($r, qr{<CalculatedDigest>\Q${\ md5_base64($data) }\E==</Calc},
    '... gives the digest we computed');
absent('md5-bad', 'Content-MD5 mismatch');
is(code($t->s3(PUT => '/bkt/md5-inv', body => $data,
    headers => { 'Content-MD5' => 'abc' })), '400 InvalidDigest',
    'malformed Content-MD5');
is(code($t->s3(PUT => '/bkt/md5-short', body => $data,
    headers => { 'Content-MD5' => encode_base64('0123456789', '') })),
    '400 InvalidDigest', 'Content-MD5 of the wrong length');
absent('md5-inv', 'malformed Content-MD5');

is(code(chunked_put('md5-chunked', headers => {
    'Content-MD5' => md5_base64($data) . '==' })), '200 ',
    'Content-MD5 of the decoded aws-chunked body');

# ------------------------------------------------------------------ boto3

SKIP: {
    my $py = `python3 -c 'import boto3' 2>&1`;
    die "boto3 not installed: run make deps\n" if $?;

    local $ENV{AWS_ACCESS_KEY_ID} = $t->access_key;
    local $ENV{AWS_SECRET_ACCESS_KEY} = $t->secret_key;
    delete local $ENV{AWS_PROFILE};

    open my $fh, '-|', 'python3',
        "$FindBin::Bin/payload/boto3_checksums.py",
        'http://127.0.0.1:' . $t->port or die "python3: $!\n";
    my $out = do { local $/; <$fh> };
    close $fh;
    is($?, 0, 'boto3 put_object with each checksum algorithm') or diag($out);
    like($out, qr{^CRC32 ok\nSHA1 ok\nSHA256 ok\n(CRC32C ok\nCRC64NVME ok\n)?(?#
        )default ok\n$}, '... bytes out = bytes in');
}

$t->stop_ok;

done_testing();
