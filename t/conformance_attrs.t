#!/usr/bin/perl

# GetObjectAttributes (GET /bucket/key?attributes) over raw HTTP, for a
# simple and a multipart object: the attributes x-amz-object-attributes
# names and only those, the parts paged by x-amz-max-parts and
# x-amz-part-number-marker, Last-Modified, who may ask, and the errors.
#
# AWS: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html
# (response: GetObjectAttributesResponse with ETag - no quotes -, Checksum
# with ChecksumType, ObjectParts with PartsCount, PartNumberMarker,
# NextPartNumberMarker, MaxParts, IsTruncated and Part elements,
# StorageClass, ObjectSize; permissions: those of GetObject) and
# API_GetObjectAttributesParts.html (the paging elements).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Compress::Zlib qw(crc32);
use Digest::MD5 qw(md5 md5_hex);
use MIME::Base64 qw(encode_base64);
use Test::More;

use SOS::Test;

my $MiB = 1024 * 1024;

my $t = SOS::Test->new;
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, timeout => 30, %opts));
}

sub code {
    my ($body) = @_;
    return $body =~ m{<Code>([^<]*)</Code>} ? $1 : '';
}

sub tag {
    my ($body, $name) = @_;
    return $body =~ m{<$name>([^<]*)</$name>} ? $1 : undef;
}

sub tags {
    my ($body, $name) = @_;
    return [ $body =~ m{<$name>([^<]*)</$name>}g ];
}

sub attrs {
    my ($uri, $want, %h) = @_;
    return req(GET => "$uri?attributes", headers => {
        (defined $want ? ('x-amz-object-attributes' => $want) : ()), %h });
}

my ($st, $h, $b);

($st) = req(PUT => '/attrs');
is($st, 200, 'bucket');

# ---- a simple object with a CRC32 ----

my $data = 'attributes of a simple object';
my $crc = encode_base64(pack('N', crc32($data)), '');
($st) = req(PUT => '/attrs/simple', body => $data,
            headers => { 'x-amz-checksum-crc32' => $crc });
is($st, 200, 'PUT with x-amz-checksum-crc32');

($st, $h, $b) = attrs('/attrs/simple',
    'ETag,Checksum,ObjectParts,StorageClass,ObjectSize');
is($st, 200, 'GetObjectAttributes: 200');
like($b, qr{^<\?xml [^>]*\?>\s*<GetObjectAttributesResponse xmlns="http://s3\.amazonaws\.com/doc/2006-03-01/">},
     'GetObjectAttributesResponse');
is(tag($b, 'ETag'), md5_hex($data), 'ETag without quotes');
is(tag($b, 'ChecksumCRC32'), $crc, 'Checksum: ChecksumCRC32');
is(tag($b, 'ChecksumType'), 'FULL_OBJECT', 'ChecksumType of a PUT');
unlike($b, qr{<ObjectParts>}, 'no ObjectParts for a simple object');
is(tag($b, 'StorageClass'), 'STANDARD', 'StorageClass');
is(tag($b, 'ObjectSize'), length $data, 'ObjectSize');
ok($h->{'last-modified'}, 'Last-Modified header');

($st, $h, $b) = attrs('/attrs/simple', 'ObjectSize');
is($st, 200, 'one attribute');
is(tag($b, 'ObjectSize'), length $data, 'ObjectSize only ...');
ok(!defined tag($b, 'ETag') && !defined tag($b, 'StorageClass'),
   '... and nothing else');

($st, $h, $b) = attrs('/attrs/simple', 'ETag, StorageClass');
is($st, 200, 'blanks after the comma');
is(tag($b, 'StorageClass'), 'STANDARD', 'both named attributes');

# ---- errors ----

($st, $h, $b) = attrs('/attrs/simple', undef);
is($st, 400, 'no x-amz-object-attributes: 400');
is(code($b), 'InvalidArgument', '... InvalidArgument');

($st, $h, $b) = attrs('/attrs/simple', 'ETag,Colour');
is($st, 400, 'an unknown attribute: 400');
is(code($b), 'InvalidArgument', '... InvalidArgument');

($st, $h, $b) = attrs('/attrs/simple', 'ObjectParts',
                      'x-amz-max-parts' => 'many');
is(code($b), 'InvalidArgument', 'x-amz-max-parts not a number');

($st, $h, $b) = attrs('/attrs/missing', 'ETag');
is($st, 404, 'a missing key: 404');
is(code($b), 'NoSuchKey', '... NoSuchKey');

($st, $h, $b) = attrs('/nobucket/k', 'ETag');
is(code($b), 'NoSuchBucket', 'a missing bucket: NoSuchBucket');

($st, $h, $b) = SOS::Test->parse($t->http(GET => '/attrs/simple?attributes',
    headers => { 'x-amz-object-attributes' => 'ETag' }));
is($st, 403, 'anonymous on a private object: 403');

($st) = req(PUT => '/attrs/simple?attributes', body => 'x');
is($st, 405, 'PUT ?attributes: 405');

# ---- a multipart object: parts and paging ----

my @parts = ('a' x (5 * $MiB), 'b' x (5 * $MiB), 'c' x 1000);
($st, $h, $b) = req(POST => '/attrs/mp?uploads',
                    headers => { 'x-amz-checksum-algorithm' => 'CRC32' });
my $id = tag($b, 'UploadId');
ok($id, 'create a CRC32 upload');

my ($xml, @raw) = ('<CompleteMultipartUpload>');
for my $n (1 .. 3) {
    my $c = pack('N', crc32($parts[$n - 1]));
    push @raw, $c;
    ($st) = req(PUT => "/attrs/mp?partNumber=$n&uploadId=$id",
                body => $parts[$n - 1],
                headers => { 'x-amz-checksum-crc32' => encode_base64($c, '') });
    is($st, 200, "part $n");
    $xml .= "<Part><PartNumber>$n</PartNumber><ETag>\""
        . md5_hex($parts[$n - 1]) . '"</ETag></Part>';
}
($st) = req(POST => "/attrs/mp?uploadId=$id",
            body => $xml . '</CompleteMultipartUpload>');
is($st, 200, 'complete');

my $etag = md5_hex(join '', map { md5($_) } @parts) . '-3';
my $composite = encode_base64(pack('N', crc32(join '', @raw)), '') . '-3';

($st, $h, $b) = attrs('/attrs/mp',
    'ETag,Checksum,ObjectParts,StorageClass,ObjectSize');
is($st, 200, 'multipart: 200');
is(tag($b, 'ETag'), $etag, 'multipart ETag, "-3", no quotes');
is(tag($b, 'ChecksumCRC32'), $composite, 'the composite CRC32');
is(tag($b, 'ChecksumType'), 'COMPOSITE', 'ChecksumType COMPOSITE');
is(tag($b, 'PartsCount'), 3, 'PartsCount');
is(tag($b, 'PartNumberMarker'), 0, 'PartNumberMarker 0');
is(tag($b, 'MaxParts'), 1000, 'MaxParts 1000 by default');
is(tag($b, 'IsTruncated'), 'false', 'not truncated');
is_deeply(tags($b, 'PartNumber'), [1, 2, 3], 'the three parts');
is_deeply(tags($b, 'Size'), [5 * $MiB, 5 * $MiB, 1000], 'their sizes');
is(tag($b, 'ObjectSize'), 10 * $MiB + 1000, 'ObjectSize');

# Each Part carries the checksum its UploadPart sent (ObjectPart in
# API_ObjectPart.html: "ChecksumCRC32 ... The Base64 encoded value of the
# part's checksum"), kept in the object record at Complete
is_deeply(tags($b, 'ChecksumCRC32'),
          [ $composite, map { encode_base64($_, '') } @raw ],
          'each Part: its own ChecksumCRC32, after the object\'s');
like($b, qr{<Part><PartNumber>2</PartNumber><Size>\d+</Size><ChecksumCRC32>\Q${\ encode_base64($raw[1], '')}\E</ChecksumCRC32></Part>},
     'part 2\'s checksum inside its Part');

($st, $h, $b) = attrs('/attrs/mp', 'ObjectParts', 'x-amz-max-parts' => 2);
is($st, 200, 'max-parts 2');
is_deeply(tags($b, 'PartNumber'), [1, 2], 'first page: parts 1 and 2');
is(tag($b, 'IsTruncated'), 'true', 'first page truncated');
is(tag($b, 'NextPartNumberMarker'), 2, 'NextPartNumberMarker 2');
is(tag($b, 'MaxParts'), 2, 'MaxParts echoed');

($st, $h, $b) = attrs('/attrs/mp', 'ObjectParts', 'x-amz-max-parts' => 2,
                      'x-amz-part-number-marker' => 2);
is_deeply(tags($b, 'PartNumber'), [3], 'second page: part 3');
is_deeply(tags($b, 'ChecksumCRC32'), [ encode_base64($raw[2], '') ],
          'second page: part 3\'s checksum');
is(tag($b, 'PartNumberMarker'), 2, 'PartNumberMarker echoed');
is(tag($b, 'IsTruncated'), 'false', 'last page not truncated');
is(tag($b, 'NextPartNumberMarker'), 3, 'NextPartNumberMarker 3');

($st, $h, $b) = attrs('/attrs/mp', 'ObjectParts',
                      'x-amz-part-number-marker' => 3);
is_deeply(tags($b, 'PartNumber'), [], 'a marker at the end: no part');
is(tag($b, 'IsTruncated'), 'false', '... not truncated');

# ---- FULL_OBJECT and COMPOSITE multipart checksums ----
#
# AWS: https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
# ("Using part-level checksums for multipart uploads"): with
# x-amz-checksum-type FULL_OBJECT (CRC32, CRC32C, CRC64NVME only) the
# object's checksum is the CRC of the whole object, without "-N";
# COMPOSITE (the default) is the checksum of the part checksums, "-N".
# API_CompleteMultipartUpload.html: x-amz-checksum-<alg> on the request
# is the whole object's, checked before the object is created.

sub upload_crc32 {
    my ($key, $type, @data) = @_;
    my ($s, $hh, $bb) = req(POST => "/attrs/$key?uploads", headers => {
        'x-amz-checksum-algorithm' => 'CRC32',
        ($type ? ('x-amz-checksum-type' => $type) : ()) });
    my $uid = tag($bb, 'UploadId');
    my $x = '<CompleteMultipartUpload>';
    my $n = 0;
    for my $d (@data) {
        $n++;
        req(PUT => "/attrs/$key?partNumber=$n&uploadId=$uid", body => $d,
            headers => { 'x-amz-checksum-crc32' =>
                         encode_base64(pack('N', crc32($d)), '') });
        $x .= "<Part><PartNumber>$n</PartNumber><ETag>\"" . md5_hex($d)
            . '"</ETag></Part>';
    }
    return ($s, $hh, $uid, $x . '</CompleteMultipartUpload>');
}

my $whole = encode_base64(pack('N', crc32(join '', @parts)), '');

($st, $h, $id, $xml) = upload_crc32('full', 'FULL_OBJECT', @parts);
is($st, 200, 'create with x-amz-checksum-type: FULL_OBJECT');
is($h->{'x-amz-checksum-type'}, 'FULL_OBJECT', 'FULL_OBJECT echoed');

($st, $h, $b) = req(GET => "/attrs/full?uploadId=$id");
is(tag($b, 'ChecksumType'), 'FULL_OBJECT', 'ListParts: FULL_OBJECT');

($st, $h, $b) = req(POST => "/attrs/full?uploadId=$id", body => $xml,
    headers => { 'x-amz-checksum-crc32' =>
                 encode_base64(pack('N', crc32('not the object')), '') });
is($st, 400, 'complete with the wrong whole-object CRC32: 400');
is(code($b), 'BadDigest', '... BadDigest');

($st, $h, $b) = req(POST => "/attrs/full?uploadId=$id", body => $xml,
    headers => { 'x-amz-checksum-sha256' =>
                 encode_base64('x' x 32, '') });
is(code($b), 'InvalidRequest', 'another algorithm than the upload\'s');

($st, $h, $b) = req(POST => "/attrs/full?uploadId=$id", body => $xml,
                    headers => { 'x-amz-checksum-type' => 'COMPOSITE' });
is(code($b), 'InvalidRequest', 'complete naming another checksum type');

($st, $h, $b) = req(POST => "/attrs/full?uploadId=$id", body => $xml,
                    headers => { 'x-amz-checksum-crc32' => $whole,
                                 'x-amz-checksum-type' => 'FULL_OBJECT' });
is($st, 200, 'complete with the whole object\'s CRC32');
is(tag($b, 'ChecksumCRC32'), $whole,
   'the CRC32 of the whole object, combined from the parts\', no -N');
is(tag($b, 'ChecksumType'), 'FULL_OBJECT', 'ChecksumType FULL_OBJECT');
is($h->{'x-amz-checksum-crc32'}, $whole, 'x-amz-checksum-crc32 header');

($st, $h) = req(HEAD => '/attrs/full',
                headers => { 'x-amz-checksum-mode' => 'ENABLED' });
is($h->{'x-amz-checksum-crc32'}, $whole, 'HEAD: the full-object CRC32');
($st, $h, $b) = attrs('/attrs/full', 'Checksum');
is(tag($b, 'ChecksumCRC32'), $whole, 'GetObjectAttributes: the same');
is(tag($b, 'ChecksumType'), 'FULL_OBJECT', '... FULL_OBJECT');

# a part uploaded again with other bytes replaces the first, checksum too

($st, $h, $b) = req(POST => '/attrs/again?uploads', headers => {
    'x-amz-checksum-algorithm' => 'CRC32',
    'x-amz-checksum-type' => 'FULL_OBJECT' });
$id = tag($b, 'UploadId');
for my $d ('first bytes', 'second bytes') {
    ($st) = req(PUT => "/attrs/again?partNumber=1&uploadId=$id", body => $d,
                headers => { 'x-amz-checksum-crc32' =>
                             encode_base64(pack('N', crc32($d)), '') });
    is($st, 200, "part 1: $d");
}
my $second = encode_base64(pack('N', crc32('second bytes')), '');
($st, $h, $b) = req(POST => "/attrs/again?uploadId=$id",
    body => '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
        . '<ETag>"' . md5_hex('second bytes') . '"</ETag></Part>'
        . '</CompleteMultipartUpload>',
    headers => { 'x-amz-checksum-crc32' => $second });
is($st, 200, 'complete after the part was replaced');
is(tag($b, 'ChecksumCRC32'), $second, 'the CRC32 of the second bytes');
($st, $h, $b) = req(GET => '/attrs/again');
is($b, 'second bytes', 'the second bytes');

# COMPOSITE: the client's value is checked too, with or without "-N"

($st, $h, $id, $xml) = upload_crc32('comp', undef, @parts);
is($h->{'x-amz-checksum-type'}, 'COMPOSITE', 'COMPOSITE by default');
($st, $h, $b) = req(POST => "/attrs/comp?uploadId=$id", body => $xml,
                    headers => { 'x-amz-checksum-crc32' => $whole });
is(code($b), 'BadDigest', 'COMPOSITE: the full-object CRC is BadDigest');
($st, $h, $b) = req(POST => "/attrs/comp?uploadId=$id", body => $xml,
                    headers => { 'x-amz-checksum-crc32' => $composite });
is($st, 200, 'COMPOSITE: the composite value with -3 completes');
is(tag($b, 'ChecksumType'), 'COMPOSITE', '... ChecksumType COMPOSITE');

# CRC32C and CRC64NVME: the parts' CRCs combined as the whole object's,
# against a table CRC of the whole object computed here

sub crc_table {
    my ($poly) = @_;
    my @t;
    for my $i (0 .. 255) {
        my $c = $i;
        $c = ($c & 1) ? ($c >> 1) ^ $poly : $c >> 1 for 1 .. 8;
        $t[$i] = $c;
    }
    return \@t;
}

my %crc = (
    CRC32C => [ crc_table(0x82F63B78), 0xffffffff, 'N' ],
    CRC64NVME => [ crc_table((0x9A6C9329 << 32) | 0xAC4BC9B5), ~0,
                   'Q>' ],
);

sub crc_b64 {
    my ($alg, $data) = @_;
    my ($t, $mask, $pack) = @{ $crc{$alg} };
    my $c = $mask;
    $c = $t->[($c ^ $_) & 0xff] ^ ($c >> 8) for unpack('C*', $data);
    return encode_base64(pack($pack, $c ^ $mask), '');
}

for my $alg (qw(CRC32C CRC64NVME)) {
    my $hdr = 'x-amz-checksum-' . lc $alg;
    my @two = ('d' x (5 * $MiB), 'e' x 999);
    ($st, $h, $b) = req(POST => "/attrs/$alg?uploads", headers => {
        'x-amz-checksum-algorithm' => $alg,
        'x-amz-checksum-type' => 'FULL_OBJECT' });
    $id = tag($b, 'UploadId');
    $xml = '<CompleteMultipartUpload>';
    for my $n (1, 2) {
        ($st) = req(PUT => "/attrs/$alg?partNumber=$n&uploadId=$id",
                    body => $two[$n - 1],
                    headers => { $hdr => crc_b64($alg, $two[$n - 1]) });
        is($st, 200, "$alg: part $n with its CRC");
        $xml .= "<Part><PartNumber>$n</PartNumber><ETag>\""
            . md5_hex($two[$n - 1]) . '"</ETag></Part>';
    }
    my $want = crc_b64($alg, join '', @two);
    ($st, $h, $b) = req(POST => "/attrs/$alg?uploadId=$id",
                        body => $xml . '</CompleteMultipartUpload>',
                        headers => { $hdr => $want });
    is($st, 200, "$alg FULL_OBJECT: complete with the whole object's");
    is(tag($b, "Checksum$alg"), $want, "$alg: the whole object's CRC");

    # the parts keep their own CRCs: FULL_OBJECT is the object's type
    ($st, $h, $b) = attrs("/attrs/$alg", 'Checksum,ObjectParts');
    is(tag($b, 'ChecksumType'), 'FULL_OBJECT', "$alg: FULL_OBJECT");
    is_deeply(tags($b, "Checksum$alg"),
              [ $want, map { crc_b64($alg, $_) } @two ],
              "$alg: the object's CRC, then each Part's");
}

# an upload without a checksum algorithm: its Parts carry none
($st, $h, $b) = req(POST => '/attrs/plain?uploads');
$id = tag($b, 'UploadId');
($st, $h) = req(PUT => "/attrs/plain?partNumber=1&uploadId=$id",
                body => 'plain');
($st) = req(POST => "/attrs/plain?uploadId=$id",
            body => '<CompleteMultipartUpload><Part><PartNumber>1'
                . '</PartNumber><ETag>"' . md5_hex('plain')
                . '"</ETag></Part></CompleteMultipartUpload>');
is($st, 200, 'an upload without a checksum algorithm');
($st, $h, $b) = attrs('/attrs/plain', 'Checksum,ObjectParts');
is_deeply(tags($b, 'PartNumber'), [1], '... its part');
unlike($b, qr{<Checksum}, '... and no checksum anywhere');

# FULL_OBJECT is for the CRCs only; other types are refused

($st, $h, $b) = req(POST => '/attrs/sha?uploads', headers => {
    'x-amz-checksum-algorithm' => 'SHA256',
    'x-amz-checksum-type' => 'FULL_OBJECT' });
is($st, 400, 'SHA256 with FULL_OBJECT: 400');
is(code($b), 'InvalidRequest', '... InvalidRequest');
($st, $h, $b) = req(POST => '/attrs/sha?uploads', headers => {
    'x-amz-checksum-algorithm' => 'CRC32',
    'x-amz-checksum-type' => 'PARTIAL' });
is(code($b), 'InvalidRequest', 'an unknown checksum type: InvalidRequest');

$t->stop_ok;

done_testing;
