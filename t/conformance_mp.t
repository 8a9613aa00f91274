#!/usr/bin/perl

# S3 conformance of multipart uploads, over raw HTTP: a retried
# CompleteMultipartUpload, CompleteMultipartUpload's If-Match and
# If-None-Match, parts uploaded again, GET/HEAD ?partNumber past the part
# count, ListMultipartUploads' owner names, ranges at an object's end,
# UploadPartCopy's source range and malformed versionId values.  Each
# block cites the AWS reference page (or Ceph RGW where AWS leaves it
# open) it follows.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Compress::Zlib qw(crc32);
use Digest::MD5 qw(md5 md5_hex);
use MIME::Base64 qw(encode_base64);
use Test::More;

use SOS::Clients;
use SOS::Test;

my $MiB = 1024 * 1024;

my $t = SOS::Test->new->run;

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

sub create {
    my ($key, %opts) = @_;
    my ($st, $h, $b) = req(POST => "/cmp/$key?uploads", %opts);
    return tag($b, 'UploadId');
}

sub part {
    my ($key, $id, $n, $data, %opts) = @_;
    return req(PUT => "/cmp/$key?partNumber=$n&uploadId=$id", body => $data,
               %opts);
}

sub complete_xml {
    my (@parts) = @_;
    my $x = '<CompleteMultipartUpload>';
    while (my ($n, $etag) = splice @parts, 0, 2) {
        $x .= "<Part><PartNumber>$n</PartNumber><ETag>\"$etag\"</ETag>"
            . '</Part>';
    }
    return $x . '</CompleteMultipartUpload>';
}

sub complete {
    my ($key, $id, $xml, %opts) = @_;
    return req(POST => "/cmp/$key?uploadId=$id", body => $xml, %opts);
}

sub multipart_etag {
    my (@parts) = @_;
    return md5_hex(join '', map { md5($_) } @parts) . '-' . scalar @parts;
}

my ($st, $h, $b);

($st) = req(PUT => '/cmp');
is($st, 200, 'bucket');

my $p1 = substr(join('', map { chr(($_ * 7) % 251) } 0 .. 255)
                x (5 * $MiB / 256 + 1), 0, 5 * $MiB);
my $p2 = 'second part ' x 100;

# ---- CompleteMultipartUpload retried ----

# AWS, CompleteMultipartUpload: "if CompleteMultipartUpload fails,
# applications should be prepared to retry any failed requests"; a retry
# after a lost response must not fail.  Ceph RGW (rgw_op.cc,
# check_previously_completed) answers success when the object at the key
# is still the one those parts made, NoSuchUpload otherwise: SOS does the
# same while it keeps the completion (sos_upload_expiry).

{
    my $id = create('retry', headers => {
        'x-amz-checksum-algorithm' => 'CRC32' });
    my @crc = map { pack('N', crc32($_)) } $p1, $p2;
    part('retry', $id, 1, $p1,
         headers => { 'x-amz-checksum-crc32' => encode_base64($crc[0], '') });
    part('retry', $id, 2, $p2,
         headers => { 'x-amz-checksum-crc32' => encode_base64($crc[1], '') });
    my $xml = complete_xml(1, md5_hex($p1), 2, md5_hex($p2));

    my ($st1, $h1, $b1) = complete('retry', $id, $xml);
    is($st1, 200, 'retry: complete');
    my $etag = multipart_etag($p1, $p2);
    my $cks = encode_base64(pack('N', crc32(join '', @crc)), '') . '-2';
    is(tag($b1, 'ETag'), "&quot;$etag&quot;", 'retry: the ETag');
    is(tag($b1, 'ChecksumCRC32'), $cks, 'retry: the checksum');

    ($st, $h, $b) = complete('retry', $id, $xml);
    is($st, 200, 'complete again: 200');
    is($b, $b1, 'the same result: Location, Bucket, Key, ETag, checksum');
    is($h->{'x-amz-checksum-crc32'}, $h1->{'x-amz-checksum-crc32'},
       'the same checksum header');

    ($st, $h, $b) = complete('retry', $id, complete_xml(1, md5_hex($p1)));
    is($st, 404, 'complete again with other parts: 404');
    is(code($b), 'NoSuchUpload', 'is NoSuchUpload (as RGW)');

    ($st, $h, $b) = req(GET => "/cmp/retry?uploadId=$id");
    is(code($b), 'NoSuchUpload', 'ListParts of the completed upload: '
       . 'NoSuchUpload');
    ($st, $h, $b) = part('retry', $id, 3, 'x');
    is(code($b), 'NoSuchUpload', 'UploadPart to it: NoSuchUpload');
    ($st, $h, $b) = req(GET => '/cmp?uploads');
    unlike($b, qr/$id/, 'ListMultipartUploads does not list it');

    ($st) = req(PUT => '/cmp/retry', body => 'new');
    ($st, $h, $b) = complete('retry', $id, $xml);
    is($st, 404, 'complete again after an overwrite: 404');
    is(code($b), 'NoSuchUpload', 'is NoSuchUpload (as RGW)');
    ($st, $h, $b) = req(GET => '/cmp/retry');
    is($b, 'new', 'the overwrite stays');
}

# ---- CompleteMultipartUpload with If-Match / If-None-Match ----

# AWS, CompleteMultipartUpload: If-None-Match "*" uploads only if the key
# has no object (412 PreconditionFailed otherwise); If-Match uploads only
# if the current ETag matches (412 on a mismatch, 404 NoSuchKey when the
# key has no object).  Checked atomically with the commit.

{
    my $xml = complete_xml(1, md5_hex($p2));
    my $id = create('cond');
    part('cond', $id, 1, $p2);

    ($st, $h, $b) = complete('cond', $id, $xml,
                             headers => { 'If-Match' => '"abc"' });
    is($st, 404, 'If-Match on a missing key: 404');
    is(code($b), 'NoSuchKey', 'is NoSuchKey');

    ($st, $h, $b) = req(PUT => '/cmp/cond', body => 'old');
    my $old = $h->{etag};

    ($st, $h, $b) = complete('cond', $id, $xml,
                             headers => { 'If-None-Match' => '*' });
    is($st, 412, 'If-None-Match: * with the key taken: 412');
    is(code($b), 'PreconditionFailed', 'is PreconditionFailed');

    ($st, $h, $b) = complete('cond', $id, $xml,
                             headers => { 'If-Match' => '"0123"' });
    is($st, 412, 'If-Match with another ETag: 412');
    is(code($b), 'PreconditionFailed', 'is PreconditionFailed');

    ($st, $h, $b) = req(GET => '/cmp/cond');
    is($b, 'old', 'the object is unchanged');

    ($st, $h, $b) = complete('cond', $id, $xml,
                             headers => { 'If-Match' => $old });
    is($st, 200, 'If-Match with the current ETag: 200');
    ($st, $h, $b) = req(GET => '/cmp/cond');
    is($b, $p2, 'the upload is the object');

    my $id2 = create('cond2');
    part('cond2', $id2, 1, $p2);
    ($st, $h, $b) = complete('cond2', $id2, $xml,
                             headers => { 'If-None-Match' => '*' });
    is($st, 200, 'If-None-Match: * on a free key: 200');
}

# ---- a part uploaded again ----

# AWS, UploadPart: "If you upload a new part using the same part number
# that was used with a previous part, the previously uploaded part is
# overwritten."  Complete with an ascending list then succeeds.

{
    my $id = create('again');
    part('again', $id, 1, 'x' x 100);
    part('again', $id, 2, $p2);
    ($st, $h) = part('again', $id, 1, $p1);
    is($st, 200, 'part 1 again after part 2');
    ($st, $h, $b) = req(GET => "/cmp/again?uploadId=$id");
    is_deeply([ $b =~ m{<PartNumber>(\d+)</PartNumber>}g ], [ 1, 2 ],
              'ListParts: parts 1 and 2 once each');
    is(tag($b, 'Size'), 5 * $MiB, 'part 1 is the new one');
    ($st, $h, $b) = complete('again', $id,
                             complete_xml(1, md5_hex($p1), 2, md5_hex($p2)));
    is($st, 200, 'complete in ascending order: 200, not InvalidPartOrder');
    ($st, $h, $b) = req(GET => '/cmp/again');
    ok($b eq $p1 . $p2, 'the object is the new part 1 and part 2');

    # with checksums: the new part's checksum replaces the old one's
    my $c = create('againck', headers => {
        'x-amz-checksum-algorithm' => 'CRC32' });
    my %crc = map { $_ => encode_base64(pack('N', crc32($_)), '') }
              'x' x 100, $p1, $p2;
    part('againck', $c, 1, 'x' x 100,
         headers => { 'x-amz-checksum-crc32' => $crc{'x' x 100} });
    part('againck', $c, 2, $p2,
         headers => { 'x-amz-checksum-crc32' => $crc{$p2} });
    part('againck', $c, 1, $p1,
         headers => { 'x-amz-checksum-crc32' => $crc{$p1} });
    ($st, $h, $b) = complete('againck', $c, '<CompleteMultipartUpload>'
        . '<Part><PartNumber>1</PartNumber><ETag>"' . md5_hex($p1) . '"</ETag>'
        . "<ChecksumCRC32>$crc{$p1}</ChecksumCRC32></Part>"
        . '<Part><PartNumber>2</PartNumber><ETag>"' . md5_hex($p2) . '"</ETag>'
        . "<ChecksumCRC32>$crc{$p2}</ChecksumCRC32></Part>"
        . '</CompleteMultipartUpload>');
    is($st, 200, 'with checksums: complete after part 1 again');
    is(tag($b, 'ChecksumCRC32'),
       encode_base64(pack('N', crc32(join '', map { pack('N', crc32($_)) }
                                     $p1, $p2)), '') . '-2',
       'the composite checksum is of the new part 1');
}

# ---- GET/HEAD ?partNumber past the part count ----

# AWS, GetObject / HeadObject: PartNumber; S3 answers a part number past
# the object's parts 400 InvalidPartNumber ("The requested partnumber is
# not satisfiable"), and a simple object has the one part 1 (RGW does
# the same).

{
    ($st, $h, $b) = req(GET => '/cmp/again?partNumber=3');
    is($st, 400, 'GET partNumber past the count: 400');
    is(code($b), 'InvalidPartNumber', 'is InvalidPartNumber');
    ($st, $h) = req(HEAD => '/cmp/again?partNumber=3');
    is($st, 400, 'HEAD partNumber past the count: 400');
    ($st, $h, $b) = req(GET => '/cmp/again?partNumber=2');
    is($st, 206, 'GET the last part: 206');
    is($b, $p2, 'its bytes');

    req(PUT => '/cmp/simple', body => 'simple');
    ($st, $h, $b) = req(GET => '/cmp/simple?partNumber=1');
    is($st, 206, 'simple object, partNumber=1: 206');
    is($b, 'simple', 'the whole object');
    ($st, $h, $b) = req(GET => '/cmp/simple?partNumber=2');
    is($st, 400, 'simple object, partNumber=2: 400');
    is(code($b), 'InvalidPartNumber', 'is InvalidPartNumber');
    ($st) = req(HEAD => '/cmp/simple?partNumber=2');
    is($st, 400, 'HEAD simple object, partNumber=2: 400');
}

# ---- ListMultipartUploads and ListParts: owner names ----

# AWS, ListMultipartUploads: Initiator and Owner carry ID and DisplayName
# of the account; SOS's account is the organization, named as in
# ListBuckets' Owner.

{
    ($st, $h, $b) = req(GET => '/');
    my $oid = tag($b, 'ID');
    my $name = tag($b, 'DisplayName');
    isnt($name, $oid, 'the organization has a name of its own');

    my $id = create('names');
    ($st, $h, $b) = req(GET => '/cmp?uploads');
    like($b, qr{<Upload><Key>names</Key><UploadId>$id</UploadId><Initiator><ID>$oid</ID><DisplayName>\Q$name\E</DisplayName></Initiator><Owner><ID>$oid</ID><DisplayName>\Q$name\E</DisplayName></Owner>},
         'ListMultipartUploads: Initiator and Owner with the display name');

    ($st, $h, $b) = req(GET => "/cmp/names?uploadId=$id");
    like($b, qr{<Initiator><ID>$oid</ID><DisplayName>\Q$name\E</DisplayName></Initiator><Owner><ID>$oid</ID><DisplayName>\Q$name\E</DisplayName></Owner>},
         'ListParts: the same');
    req(DELETE => "/cmp/names?uploadId=$id");
}

# ---- ranges at an object's end ----

# RFC 9110 14.1.2 and AWS, GetObject: Range: a last position at or past
# the end is clamped to the end (206 with the whole object); bytes=N-
# from the last byte is that byte.  Simple and multipart objects, GET and
# HEAD.

{
    req(PUT => '/cmp/small', body => '0123456789');
    my %obj = (small => '0123456789', again => $p1 . $p2);

    for my $k (sort keys %obj) {
        my $size = length $obj{$k};
        my $last = $size - 1;
        for my $spec ([ "0-$last", 0, $last ], [ "0-$size", 0, $last ],
                      [ "$last-", $last, $last ])
        {
            my ($r, $a, $z) = @$spec;
            for my $m (qw(GET HEAD)) {
                ($st, $h, $b) = req($m => "/cmp/$k",
                                    headers => { Range => "bytes=$r" });
                is($st, 206, "$m $k bytes=$r: 206");
                is($h->{'content-range'}, "bytes $a-$z/$size",
                   "$m $k bytes=$r: Content-Range");
                is($h->{'content-length'}, $z - $a + 1,
                   "$m $k bytes=$r: Content-Length");
                ok($b eq substr($obj{$k}, $a, $z - $a + 1),
                   "$m $k bytes=$r: the bytes") if $m eq 'GET';
            }
        }

        ($st, $h, $b) = req(GET => "/cmp/$k",
                            headers => { Range => "bytes=$size-" });
        is($st, 416, "GET $k bytes=$size-: 416");
        is(code($b), 'InvalidRange', 'is InvalidRange');
    }
}

# ---- UploadPartCopy: a source range past the source's end ----

# AWS, UploadPartCopy: x-amz-copy-source-range must lie within the
# source; S3 and RGW (rgw_op.cc, RGWPutObj: "Range specified is not valid
# for source object of size") answer 400 InvalidArgument, not 416.

{
    my $id = create('pc');
    for my $r ('bytes=0-10', 'bytes=5-20') {
        ($st, $h, $b) = req(PUT => "/cmp/pc?partNumber=1&uploadId=$id",
            headers => { 'x-amz-copy-source' => 'cmp/small',
                         'x-amz-copy-source-range' => $r });
        is($st, 400, "UploadPartCopy $r of 10 bytes: 400");
        is(code($b), 'InvalidArgument', 'is InvalidArgument');
        like($b, qr{<Message>Range specified is not valid for source object of size: 10</Message>},
             'the message names the size');
    }
    ($st, $h, $b) = req(PUT => "/cmp/pc?partNumber=1&uploadId=$id",
        headers => { 'x-amz-copy-source' => 'cmp/small',
                     'x-amz-copy-source-range' => 'bytes=0-9' });
    is($st, 200, 'UploadPartCopy bytes=0-9 of 10 bytes: 200');
    req(DELETE => "/cmp/pc?uploadId=$id");
}

# ---- malformed versionId ----

# AWS ("Retaining multiple versions of objects with S3 Versioning"):
# version IDs are URL-ready strings of at most 1,024 bytes; S3 answers
# 400 InvalidArgument ("Invalid version id specified") to one no store
# could have given.  SOS has no versioning: "null" is every object's
# version, and another well-formed id names no version (404 on GET and
# HEAD, 204 deleting nothing: t/object.t).

{
    for my $v ('', '%20', 'a%00b', 'a%0Ab', 'x' x 1025) {
        my $show = length $v > 20 ? 'x' x 5 . '...(1025)' : "'$v'";
        for my $m (qw(GET HEAD DELETE)) {
            ($st, $h, $b) = req($m => "/cmp/small?versionId=$v");
            is($st, 400, "$m versionId=$show: 400");
            is(code($b), 'InvalidArgument', 'is InvalidArgument')
                if $m eq 'GET';
        }
    }
    ($st, $h, $b) = req(GET => '/cmp/small?versionId=null');
    is($st, 200, 'versionId=null: 200');
    ($st, $h, $b) = req(GET => '/cmp/small?versionId=' . 'x' x 1024);
    is($st, 404, 'a well-formed versionId of 1,024 bytes: 404');
    is(code($b), 'NoSuchVersion', 'is NoSuchVersion');
    ($st) = req(HEAD => '/cmp/small');
    is($st, 200, 'the object is still there');
}
# ---- checksum types of CreateMultipartUpload ----
#
# AWS: https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity-upload.html
# (full object and composite checksum types): CRC64NVME is full object
# only ("The CRC64NVME checksum is always a full object checksum",
# API_PutObject.html), so FULL_OBJECT is its default; SHA1 and SHA256 are
# composite only; CRC32 and CRC32C either.  The errors are InvalidRequest
# with S3's messages, as versity/versitygw's tests
# (tests/test_rest_multipart*.sh, "multipart checksum w/crc64nvme,
# composite" and "w/sha1, full object") check them against AWS.

($st, $h, $b) = req(POST => '/cmp/nvme?uploads',
                    headers => { 'x-amz-checksum-algorithm' => 'CRC64NVME' });
is($st, 200, 'CRC64NVME without x-amz-checksum-type');
is($h->{'x-amz-checksum-type'}, 'FULL_OBJECT', '... FULL_OBJECT by default');
my $id = tag($b, 'UploadId');

# CRC-64/NVME, reflected, table-driven
my @t64;
for my $i (0 .. 255) {
    my $c = $i;
    $c = ($c & 1) ? ($c >> 1) ^ ((0x9A6C9329 << 32) | 0xAC4BC9B5)
                   : $c >> 1 for 1 .. 8;
    $t64[$i] = $c;
}
sub crc64_b64 {
    my $c = ~0;
    $c = $t64[($c ^ $_) & 0xff] ^ ($c >> 8) for unpack('C*', $_[0]);
    return encode_base64(pack('Q>', $c ^ ~0), '');
}

my @nv = ('n' x (5 * $MiB), 'v' x 100);
for my $n (1, 2) {
    ($st) = part('nvme', $id, $n, $nv[$n - 1], headers => {
        'x-amz-checksum-crc64nvme' => crc64_b64($nv[$n - 1]) });
    is($st, 200, "CRC64NVME default: part $n");
}
($st, $h, $b) = complete('nvme', $id,
    complete_xml(1 => md5_hex($nv[0]), 2 => md5_hex($nv[1])));
is($st, 200, 'CRC64NVME default: complete');
is(tag($b, 'ChecksumType'), 'FULL_OBJECT', '... ChecksumType FULL_OBJECT');
is(tag($b, 'ChecksumCRC64NVME'), crc64_b64(join '', @nv),
   '... the whole object\'s CRC64NVME, no "-2"');

($st, $h, $b) = req(POST => '/cmp/nvme2?uploads', headers => {
    'x-amz-checksum-algorithm' => 'CRC64NVME',
    'x-amz-checksum-type' => 'FULL_OBJECT' });
is($h->{'x-amz-checksum-type'}, 'FULL_OBJECT', 'CRC64NVME FULL_OBJECT named');

($st, $h, $b) = req(POST => '/cmp/nvme3?uploads', headers => {
    'x-amz-checksum-algorithm' => 'CRC64NVME',
    'x-amz-checksum-type' => 'COMPOSITE' });
is($st, 400, 'CRC64NVME COMPOSITE: 400');
is(code($b), 'InvalidRequest', '... InvalidRequest');
is(tag($b, 'Message'), 'The COMPOSITE checksum type cannot be used with '
   . 'the crc64nvme checksum algorithm.', '... S3\'s message');

for my $alg (qw(SHA1 SHA256)) {
    ($st, $h, $b) = req(POST => '/cmp/sha?uploads', headers => {
        'x-amz-checksum-algorithm' => $alg,
        'x-amz-checksum-type' => 'FULL_OBJECT' });
    is($st, 400, "$alg FULL_OBJECT: 400");
    is(code($b), 'InvalidRequest', '... InvalidRequest');
    is(tag($b, 'Message'), 'The FULL_OBJECT checksum type cannot be used '
       . 'with the ' . lc($alg) . ' checksum algorithm.', '... S3\'s message');

    ($st, $h, $b) = req(POST => '/cmp/sha?uploads', headers => {
        'x-amz-checksum-algorithm' => $alg });
    is($st, 200, "$alg without a type: 200");
    is($h->{'x-amz-checksum-type'}, 'COMPOSITE', '... COMPOSITE');
}

($st, $h, $b) = req(POST => '/cmp/crc?uploads', headers => {
    'x-amz-checksum-algorithm' => 'CRC32',
    'x-amz-checksum-type' => 'COMPOSITE' });
is($h->{'x-amz-checksum-type'}, 'COMPOSITE', 'CRC32 COMPOSITE named: 200');

($st, $h, $b) = req(POST => '/cmp/notype?uploads', headers => {
    'x-amz-checksum-type' => 'COMPOSITE' });
is($st, 400, 'x-amz-checksum-type without an algorithm: 400');
is(tag($b, 'Message'), 'The x-amz-checksum-type header can only be used '
   . 'with the x-amz-checksum-algorithm header.', '... S3\'s message');

$t->stop_ok;

# ---- boto3 ----

# the same through boto3 (t/clients/boto3_mp.py): a retried Complete, a
# PartNumber past the count, ListMultipartUploads' owner name

my ($t2, $c) = SOS::Clients->start;

my $r = $c->ok_run('boto3: multipart conformance calls',
    [ $c->python, "$FindBin::Bin/clients/boto3_mp.py", $c->endpoint ],
    timeout => 120);
like($r->{out}, qr/^complete "[0-9a-f]{32}-2" \S+-2$/m,
     'boto3: complete_multipart_upload');
like($r->{out}, qr/^retry "[0-9a-f]{32}-2" \S+-2$/m,
     'boto3: complete_multipart_upload retried succeeds');
like($r->{out}, qr/^same True$/m,
     'boto3: the same ETag, Location and checksum');
like($r->{out}, qr/^get_object 400 InvalidPartNumber$/m,
     'boto3: get_object PartNumber past the count: 400 InvalidPartNumber');
like($r->{out}, qr/^head_object 400 400$/m,
     'boto3: head_object PartNumber past the count: 400 (no body)');
like($r->{out}, qr/^owner True (\S+) \1 \1$/m,
     'boto3: list_multipart_uploads Owner and Initiator DisplayName '
     . 'are the organization\'s');

$t2->stop_ok;

done_testing();
