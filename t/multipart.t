#!/usr/bin/perl

# Multipart uploads over raw HTTP: CreateMultipartUpload, UploadPart,
# UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
# ListMultipartUploads and their S3 errors; GET/HEAD ?partNumber and ranges
# across part boundaries; composite checksums; space reclaimed on abort,
# overwrite and delete; stale uploads removed by the expiry sweep.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Compress::Zlib qw(crc32);
use Digest::MD5 qw(md5 md5_hex md5_base64);
use File::Find;
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;

my $MiB = 1024 * 1024;

my $t = SOS::Test->new;

# a second organization: copies parts out of the first one's objects

my ($rc, $out, $err) = $t->sosctl('org', 'create', 'other');
die "org create: $err" if $rc;
($rc, $out, $err) = $t->sosctl('key', 'create', 'other');
die "key create: $err" if $rc;
my ($other_id) = $out =~ /^aws_access_key_id = (\S+)/m;
my ($other_secret) = $out =~ /^aws_secret_access_key = (\S+)/m;

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

# data files of the first replica (the index is not counted)

sub data_files {
    my $n = 0;
    find(sub { $n++ if -f $_ }, $t->data . '/r0/objects');
    return $n;
}

# data_files once the files of earlier answers are unlinked: the same
# count over 200 ms, within 5 s
sub files_settled {
    my ($n, $same) = (data_files(), 0);
    for (1 .. 100) {
        select(undef, undef, undef, 0.05);
        my $m = data_files();
        $same = $m == $n ? $same + 1 : 0;
        $n = $m;
        last if $same == 4;
    }
    return $n;
}

# data_files once it is $want, or after 5 s: replaced and removed files
# are unlinked just after the answer
sub files_soon {
    my ($want) = @_;
    my $n;
    for (1 .. 50) {
        $n = data_files();
        last if $n == $want;
        select(undef, undef, undef, 0.1);
    }
    return $n;
}

sub create {
    my ($key, %opts) = @_;
    my ($st, $h, $b) = req(POST => "/mpu/$key?uploads", %opts);
    return ($st, tag($b, 'UploadId'), $h, $b);
}

sub part {
    my ($key, $id, $n, $data, %opts) = @_;
    return req(PUT => "/mpu/$key?partNumber=$n&uploadId=$id", body => $data,
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
    return req(POST => "/mpu/$key?uploadId=$id", body => $xml, %opts);
}

sub multipart_etag {
    my (@parts) = @_;
    return md5_hex(join '', map { md5($_) } @parts) . '-' . scalar @parts;
}

my ($st, $h, $b);

($st) = req(PUT => '/mpu');
is($st, 200, 'bucket');

my $p1 = join '', map { chr(($_ * 7) % 251) } 0 .. 255;
$p1 = substr($p1 x (5 * $MiB / 256 + 1), 0, 5 * $MiB);
my $p2 = reverse $p1;
my $p3 = 'last part ' x 100;

# ---- CreateMultipartUpload ----

my ($id, $ch);
($st, $id, $ch, $b) = create('big', headers => {
    'Content-Type' => 'text/x-mp', 'x-amz-meta-colour' => 'blue' });
is($st, 200, 'create');
like($id, qr/^[0-9a-f]{32}$/, 'upload id');
like($b, qr{<InitiateMultipartUploadResult xmlns="http://s3\.amazonaws\.com/doc/2006-03-01/"><Bucket>mpu</Bucket><Key>big</Key><UploadId>$id</UploadId>},
     'InitiateMultipartUploadResult');

($st, undef, undef, $b) = create('k', headers => {
    'x-amz-checksum-algorithm' => 'MD4' });
is($st, 400, 'unknown checksum algorithm');
is(code($b), 'InvalidRequest', 'is InvalidRequest');

($st, $h, $b) = req(POST => '/nobucket/k?uploads');
is(code($b), 'NoSuchBucket', 'create in a missing bucket');

# ---- UploadPart ----

my $files0 = files_settled();

($st, $h) = part('big', $id, 1, $p1);
is($st, 200, 'part 1');
is($h->{etag}, '"' . md5_hex($p1) . '"', 'part 1 ETag is its MD5');

($st, $h) = part('big', $id, 2, 'x' x 1000);
is($st, 200, 'part 2, first version');

($st, $h) = part('big', $id, 2, $p2,
                 headers => { 'Content-MD5' => md5_base64($p2) . '==' });
is($st, 200, 'part 2 replaced, with Content-MD5');
is($h->{etag}, '"' . md5_hex($p2) . '"', 'part 2 ETag');

($st, $h, $b) = part('big', $id, 3, $p3,
                     headers => { 'Content-MD5' => md5_base64('x') . '==' });
is($st, 400, 'part with a wrong Content-MD5');
is(code($b), 'BadDigest', 'is BadDigest');

($st, $h, $b) = part('big', $id, 3, $p3,
    headers => { 'x-amz-checksum-crc32' => encode_base64(pack('N', 1), '') });
is($st, 400, 'part with a wrong x-amz-checksum-crc32');
like(code($b), qr/^(BadDigest|InvalidRequest)$/, 'refused');

($st, $h) = part('big', $id, 3, $p3, unsigned => 1);
is($st, 200, 'part 3 (small, last)');

for my $n (0, 10001, 'x', -1) {
    ($st, $h, $b) = part('big', $id, $n, 'abc');
    is($st, 400, "part number $n");
    is(code($b), 'InvalidArgument', "part number $n: InvalidArgument");
}

($st, $h, $b) = part('big', 'f' x 32, 1, 'abc');
is($st, 404, 'part of an unknown upload');
is(code($b), 'NoSuchUpload', 'is NoSuchUpload');

($st, $h, $b) = part('big', 'nothex', 1, 'abc');
is(code($b), 'NoSuchUpload', 'malformed upload id: NoSuchUpload');

($st, $h, $b) = part('other', $id, 1, 'abc');
is(code($b), 'NoSuchUpload', 'upload id of another key: NoSuchUpload');

is(files_soon($files0 + 3 * 1), $files0 + 3 * 1, 'one file per live part '
   . '(replaced one removed, refused ones left nothing)')
    or diag(data_files() - $files0);

# a client that disappears mid-part leaves no part

{
    my $s = $t->connect;
    print $s $t->s3_request(PUT => "/mpu/big?partNumber=4&uploadId=$id",
        body => 'z' x 100000, unsigned => 1,
        headers => { 'Content-Length' => 100000 });
    print $s 'z' x 50000;
    sleep 0.3;
    close $s;
    sleep 0.3;
}

# ---- ListParts ----

($st, $h, $b) = req(GET => "/mpu/big?uploadId=$id");
is($st, 200, 'list parts');
is_deeply(tags($b, 'PartNumber'), [1, 2, 3],
          'parts 1..3 (no trace of the abandoned part 4)');
is_deeply(tags($b, 'Size'), [5 * $MiB, 5 * $MiB, length $p3], 'sizes');
is_deeply(tags($b, 'ETag'),
          [ map { '&quot;' . md5_hex($_) . '&quot;' } $p1, $p2, $p3 ],
          'ETags (part 2 is the replacement)');
is(tag($b, 'IsTruncated'), 'false', 'not truncated');
like($b, qr{<Initiator><ID>[^<]+</ID>}, 'Initiator');
like($b, qr{<Owner><ID>[^<]+</ID>}, 'Owner');
like($b, qr{<StorageClass>STANDARD</StorageClass>}, 'StorageClass');

($st, $h, $b) = req(GET => "/mpu/big?uploadId=$id&max-parts=2");
is_deeply(tags($b, 'PartNumber'), [1, 2], 'max-parts=2');
is(tag($b, 'IsTruncated'), 'true', 'truncated');
is(tag($b, 'NextPartNumberMarker'), 2, 'NextPartNumberMarker');
is(tag($b, 'MaxParts'), 2, 'MaxParts');

($st, $h, $b) = req(GET => "/mpu/big?uploadId=$id&part-number-marker=2");
is_deeply(tags($b, 'PartNumber'), [3], 'part-number-marker=2');
is(tag($b, 'PartNumberMarker'), 2, 'PartNumberMarker echoed');

($st, $h, $b) = req(GET => "/mpu/big?uploadId=$id&max-parts=x");
is(code($b), 'InvalidArgument', 'max-parts=x');

($st, $h, $b) = req(GET => '/mpu/big?uploadId=' . ('0' x 32));
is($st, 404, 'parts of an unknown upload');
is(code($b), 'NoSuchUpload', 'is NoSuchUpload');

# ---- ListMultipartUploads ----

my %ids;
for my $k ('a/1', 'a/2', 'b/1', 'c', 'c') {
    my ($s2, $i) = create($k);
    push @{ $ids{$k} }, $i;
}

($st, $h, $b) = req(GET => '/mpu?uploads');
is($st, 200, 'list uploads');
is_deeply(tags($b, 'Key'), ['a/1', 'a/2', 'b/1', 'big', 'c', 'c'],
          'every upload, by key');
is(tag($b, 'IsTruncated'), 'false', 'not truncated');
like($b, qr{<Upload><Key>big</Key><UploadId>$id</UploadId><Initiator>},
     'Upload element');
like($b, qr{<Initiated>\d{4}-\d\d-\d\dT[\d:.]+Z</Initiated>}, 'Initiated');

($st, $h, $b) = req(GET => '/mpu?uploads&delimiter=%2F');
is_deeply(tags($b, 'Key'), ['big', 'c', 'c'], 'delimiter: keys');
is_deeply(tags($b, 'Prefix'), ['', 'a/', 'b/'],
          'delimiter: Prefix, then CommonPrefixes');

($st, $h, $b) = req(GET => '/mpu?uploads&prefix=a%2F');
is_deeply(tags($b, 'Key'), ['a/1', 'a/2'], 'prefix=a%2F');

($st, $h, $b) = req(GET => '/mpu?uploads&max-uploads=2');
is_deeply(tags($b, 'Key'), ['a/1', 'a/2'], 'max-uploads=2');
is(tag($b, 'IsTruncated'), 'true', 'truncated');
is(tag($b, 'NextKeyMarker'), 'a/2', 'NextKeyMarker');
is(tag($b, 'NextUploadIdMarker'), $ids{'a/2'}[0], 'NextUploadIdMarker');

# page through with both markers

my @seen;
my ($km, $um) = ('', '');
for my $i (1 .. 10) {
    ($st, $h, $b) = req(GET => "/mpu?uploads&max-uploads=2"
                        . ($km ne '' ? '&key-marker=' . SOS::Test::uri_escape($km)
                                       . "&upload-id-marker=$um" : ''));
    push @seen, @{ tags($b, 'UploadId') };
    last if tag($b, 'IsTruncated') eq 'false';
    ($km, $um) = (tag($b, 'NextKeyMarker'), tag($b, 'NextUploadIdMarker'));
}
is(scalar @seen, 6, 'paging with markers sees every upload once');
my %uniq = map { $_ => 1 } @seen;
is(scalar keys %uniq, 6, 'no upload twice');

($st, $h, $b) = req(GET => '/mpu?uploads&delimiter=%2F&max-uploads=1');
is_deeply(tags($b, 'Prefix'), ['', 'a/'], 'a common prefix fills a page');
is(tag($b, 'NextKeyMarker'), 'a/', 'NextKeyMarker is the prefix');
($st, $h, $b) = req(GET => '/mpu?uploads&delimiter=%2F&max-uploads=1'
                    . '&key-marker=a%2F');
is_deeply(tags($b, 'Prefix'), ['', 'b/'], 'the next page skips that prefix');

($st, $h, $b) = req(GET => '/mpu?uploads&key-marker=c&upload-id-marker='
                    . (sort @{ $ids{c} })[0]);
is_deeply(tags($b, 'UploadId'), [ (sort @{ $ids{c} })[1] ],
          'upload-id-marker within a key');

($st, $h, $b) = req(GET => '/mpu?uploads&max-uploads=abc');
is(code($b), 'InvalidArgument', 'max-uploads=abc');

# ---- AbortMultipartUpload ----

my $before = files_settled();
part('a/1', $ids{'a/1'}[0], 1, 'abort me ' x 1000);
is(data_files(), $before + 1, 'a part file');

($st, $h, $b) = req(DELETE => "/mpu/a/1?uploadId=$ids{'a/1'}[0]");
is($st, 204, 'abort');
is(files_soon($before), $before, 'its file is gone soon after');

($st, $h, $b) = req(DELETE => "/mpu/a/1?uploadId=$ids{'a/1'}[0]");
is($st, 404, 'abort again');
is(code($b), 'NoSuchUpload', 'is NoSuchUpload');

($st, $h, $b) = req(GET => "/mpu/a/1?uploadId=$ids{'a/1'}[0]");
is(code($b), 'NoSuchUpload', 'an aborted upload has no parts');

for my $k ('a/2', 'b/1', 'c', 'c') {
    req(DELETE => "/mpu/$k?uploadId=" . shift @{ $ids{$k} });
}

# ---- CompleteMultipartUpload: errors ----

my ($e1, $e2, $e3) = map { md5_hex($_) } $p1, $p2, $p3;

($st, $h, $b) = complete('big', $id, '<CompleteMultipartUpload>');
is($st, 400, 'truncated XML');
is(code($b), 'MalformedXML', 'is MalformedXML');

($st, $h, $b) = complete('big', $id,
                         '<CompleteMultipartUpload></CompleteMultipartUpload>');
is(code($b), 'MalformedXML', 'no parts: MalformedXML');

($st, $h, $b) = complete('big', $id, '<CompleteMultipartUpload><Part>'
    . '<ETag>"x"</ETag></Part></CompleteMultipartUpload>');
is(code($b), 'MalformedXML', 'part without a number: MalformedXML');

($st, $h, $b) = complete('big', $id, complete_xml(2, $e2, 1, $e1));
is($st, 400, 'parts out of order');
is(code($b), 'InvalidPartOrder', 'is InvalidPartOrder');

($st, $h, $b) = complete('big', $id, complete_xml(1, $e1, 1, $e1));
is(code($b), 'InvalidPartOrder', 'a part twice: InvalidPartOrder');

($st, $h, $b) = complete('big', $id, complete_xml(1, $e1, 2, $e1));
is($st, 400, 'wrong ETag');
is(code($b), 'InvalidPart', 'is InvalidPart');
like($b, qr{<UploadId>$id</UploadId><PartNumber>2</PartNumber><ETag>&quot;$e1&quot;</ETag>},
     'InvalidPart names the upload, the part and the ETag given');

($st, $h, $b) = complete('big', $id, complete_xml(1, $e1, 7, $e1));
is(code($b), 'InvalidPart', 'a part never uploaded: InvalidPart');
like($b, qr{<PartNumber>7</PartNumber>}, 'which one');

($st, $h, $b) = complete('big', '1' x 32, complete_xml(1, $e1));
is($st, 404, 'complete an unknown upload');
is(code($b), 'NoSuchUpload', 'is NoSuchUpload');

{
    my ($s2, $small) = create('small');
    my $a = 'a' x 1000;
    part('small', $small, 1, $a);
    part('small', $small, 2, 'b');
    ($st, $h, $b) = complete('small', $small,
                             complete_xml(1, md5_hex($a), 2, md5_hex('b')));
    is($st, 400, 'a small part before the last');
    is(code($b), 'EntityTooSmall', 'is EntityTooSmall');
    like($b, qr{<ProposedSize>1000</ProposedSize><MinSizeAllowed>5242880</MinSizeAllowed><PartNumber>1</PartNumber><ETag>&quot;@{[ md5_hex($a) ]}&quot;</ETag>},
         'EntityTooSmall: ProposedSize, MinSizeAllowed, PartNumber, ETag');

    ($st, $h, $b) = complete('small', $small, complete_xml(2, md5_hex('b')));
    is($st, 200, 'one small part alone is fine (it is the last)');
    ($st, $h, $b) = req(GET => '/mpu/small');
    is($b, 'b', 'the object is that part; part 1 was dropped');
}

# ---- CompleteMultipartUpload ----

$before = files_settled();

($st, $h, $b) = complete('big', $id, complete_xml(1, $e1, 2, $e2, 3, $e3));
is($st, 200, 'complete');
my $etag = multipart_etag($p1, $p2, $p3);
like($b, qr{<CompleteMultipartUploadResult xmlns="http://s3\.amazonaws\.com/doc/2006-03-01/"><Location>http://127\.0\.0\.1:\d+/mpu/big</Location><Bucket>mpu</Bucket><Key>big</Key><ETag>&quot;$etag&quot;</ETag></CompleteMultipartUploadResult>},
     'CompleteMultipartUploadResult, ETag md5 of md5s -3');
is(data_files(), $before, 'no data copied');

($st, $h, $b) = req(GET => "/mpu/big?uploadId=$id");
is(code($b), 'NoSuchUpload', 'the upload is gone');

($st, $h, $b) = req(GET => '/mpu/big');
is($st, 200, 'GET the object');
ok($b eq $p1 . $p2 . $p3, 'the bytes, in part order');
is($h->{etag}, "\"$etag\"", 'ETag with -3');
is($h->{'content-type'}, 'text/x-mp', 'Content-Type from the create');
is($h->{'x-amz-meta-colour'}, 'blue', 'metadata from the create');
ok(!exists $h->{'x-amz-mp-parts-count'}, 'no parts count without partNumber');

($st, $h, $b) = req(HEAD => '/mpu/big');
is($h->{'content-length'}, 10 * $MiB + length $p3, 'HEAD: length');

# ranges across part boundaries

my $whole = $p1 . $p2 . $p3;
for my $r ([5 * $MiB - 10, 5 * $MiB + 9], [5 * $MiB - 1, 10 * $MiB + 5],
           [0, 10 * $MiB + 999], [10 * $MiB - 3, 10 * $MiB + 2])
{
    my ($a, $z) = @$r;
    ($st, $h, $b) = req(GET => '/mpu/big',
                        headers => { Range => "bytes=$a-$z" });
    is($st, 206, "range $a-$z");
    ok($b eq substr($whole, $a, $z - $a + 1), "range $a-$z: bytes");
}

($st, $h, $b) = req(GET => '/mpu/big', headers => { Range => 'bytes=-5' });
is($b, substr($p3, -5), 'suffix range in the last part');

# GET/HEAD ?partNumber

($st, $h, $b) = req(GET => '/mpu/big?partNumber=2');
is($st, 206, 'GET partNumber=2');
ok($b eq $p2, 'the bytes of part 2');
is($h->{'content-range'}, sprintf('bytes %d-%d/%d', 5 * $MiB,
   10 * $MiB - 1, length $whole), 'Content-Range');
is($h->{'x-amz-mp-parts-count'}, 3, 'x-amz-mp-parts-count');
is($h->{etag}, "\"$etag\"", 'ETag of the object');

($st, $h, $b) = req(HEAD => '/mpu/big?partNumber=3');
is($st, 206, 'HEAD partNumber=3');
is($h->{'content-length'}, length $p3, 'its length');
is($h->{'x-amz-mp-parts-count'}, 3, 'parts count');

# 400, not 416: S3 answers InvalidPartNumber with 400 (AWS, GetObject:
# PartNumber; see t/conformance_mp.t)
($st, $h, $b) = req(GET => '/mpu/big?partNumber=4');
is($st, 400, 'partNumber past the last');
is(code($b), 'InvalidPartNumber', 'is InvalidPartNumber');

($st, $h, $b) = req(GET => '/mpu/big?partNumber=0');
is(code($b), 'InvalidArgument', 'partNumber=0');

($st, $h, $b) = req(GET => '/mpu/big?partNumber=1',
                    headers => { Range => 'bytes=0-1' });
is(code($b), 'InvalidRequest', 'partNumber with Range');

req(PUT => '/mpu/simple', body => 'simple object');
($st, $h, $b) = req(GET => '/mpu/simple?partNumber=1');
is($st, 206, 'simple object, partNumber=1');
is($b, 'simple object', 'the whole object');
is($h->{'content-range'}, 'bytes 0-12/13', 'Content-Range');
ok(!exists $h->{'x-amz-mp-parts-count'}, 'no parts count');
($st, $h, $b) = req(GET => '/mpu/simple?partNumber=2');
is(code($b), 'InvalidPartNumber', 'simple object, partNumber=2');

# an empty part is no range of bytes: refused, without a Range header to
# quote (the worker once read the missing header)

req(PUT => '/mpu/empty', body => '');
($st, $h, $b) = req(GET => '/mpu/empty?partNumber=1');
is($st, 416, 'empty object, partNumber=1');
is(code($b), 'InvalidRange', 'is InvalidRange');
unlike($b, qr/RangeRequested/, 'no range to quote');
($st) = req(GET => '/mpu/empty');
is($st, 200, 'the worker still answers');

# ---- conditional complete ----

{
    my ($s2, $c) = create('big');
    part('big', $c, 1, 'new');
    ($st, $h, $b) = complete('big', $c, complete_xml(1, md5_hex('new')),
                             headers => { 'If-None-Match' => '*' });
    is($st, 412, 'If-None-Match: * on an existing key');
    is(code($b), 'PreconditionFailed', 'is PreconditionFailed');

    ($st, $h, $b) = complete('big', $c, complete_xml(1, md5_hex('new')),
                             headers => { 'If-Match' => '"nope"' });
    is($st, 412, 'If-Match with another ETag');

    ($st, $h, $b) = complete('nokey', $c, complete_xml(1, md5_hex('new')));
    is(code($b), 'NoSuchUpload', 'upload id with another key');

    $before = files_settled();
    ($st, $h, $b) = complete('big', $c, complete_xml(1, md5_hex('new')),
                             headers => { 'If-Match' => "\"$etag\"" });
    is($st, 200, 'If-Match with the current ETag');
    is(files_soon($before - 3), $before - 3, 'the replaced object\'s three '
       . 'part files are removed');
    ($st, $h, $b) = req(GET => '/mpu/big');
    is($b, 'new', 'overwritten');
}

# space reclaimed when a multipart object is overwritten or deleted

{
    my ($s2, $c) = create('gone');
    part('gone', $c, 1, $p1);
    part('gone', $c, 2, $p3);
    complete('gone', $c, complete_xml(1, $e1, 2, $e3));
    $before = files_settled();

    req(PUT => '/mpu/gone', body => 'plain');
    is(files_soon($before - 1), $before - 1,
       'overwrite: two part files out, one in');

    ($s2, $c) = create('gone');
    part('gone', $c, 1, $p1);
    part('gone', $c, 2, $p3);
    complete('gone', $c, complete_xml(1, $e1, 2, $e3));
    $before = files_settled();
    ($st) = req(DELETE => '/mpu/gone');
    is($st, 204, 'delete a multipart object');
    is(files_soon($before - 2), $before - 2,
       'delete: its part files are gone');
}

# ---- UploadPartCopy ----

{
    my ($s2, $c) = create('copied');
    my $src = 'source bytes ' x 1000;
    req(PUT => '/mpu/src', body => $src);
    my $src_etag = md5_hex($src);

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=1&uploadId=$c",
        headers => { 'x-amz-copy-source' => '/mpu/src',
                     'x-amz-copy-source-range' => 'bytes=13-25' });
    is($st, 200, 'UploadPartCopy with a range');
    my $want = substr($src, 13, 13);
    like($b, qr{<CopyPartResult xmlns="[^"]+"><LastModified>[^<]+</LastModified><ETag>&quot;@{[ md5_hex($want) ]}&quot;</ETag></CopyPartResult>},
         'CopyPartResult');

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=2&uploadId=$c",
        headers => { 'x-amz-copy-source' => 'mpu/src',
                     'x-amz-copy-source-if-match' => "\"$src_etag\"" });
    is($st, 200, 'UploadPartCopy of the whole object, if-match');

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=3&uploadId=$c",
        headers => { 'x-amz-copy-source' => 'mpu/src',
                     'x-amz-copy-source-if-match' => '"other"' });
    is($st, 412, 'copy-source-if-match fails');
    is(code($b), 'PreconditionFailed', 'is PreconditionFailed');

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=3&uploadId=$c",
        headers => { 'x-amz-copy-source' => 'mpu/src',
                     'x-amz-copy-source-if-none-match' => "\"$src_etag\"" });
    is($st, 412, 'copy-source-if-none-match fails');

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=3&uploadId=$c",
        headers => { 'x-amz-copy-source' => 'mpu/src',
                     'x-amz-copy-source-if-unmodified-since'
                         => 'Sat, 01 Jan 2000 00:00:00 GMT' });
    is($st, 412, 'copy-source-if-unmodified-since fails');

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=3&uploadId=$c",
        headers => { 'x-amz-copy-source' => 'mpu/src',
                     'x-amz-copy-source-range' => 'bytes=0-999999' });
    # 400 InvalidArgument, not 416, as S3 and RGW (see t/conformance_mp.t)
    is($st, 400, 'range past the source');
    is(code($b), 'InvalidArgument', 'is InvalidArgument');

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=3&uploadId=$c",
        headers => { 'x-amz-copy-source' => 'mpu/src',
                     'x-amz-copy-source-range' => 'bytes=5-' });
    is(code($b), 'InvalidArgument', 'open range: InvalidArgument');

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=3&uploadId=$c",
        headers => { 'x-amz-copy-source' => 'mpu/nothing' });
    is(code($b), 'NoSuchKey', 'missing source: NoSuchKey');

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=3&uploadId="
                        . ('2' x 32),
        headers => { 'x-amz-copy-source' => 'mpu/src' });
    is(code($b), 'NoSuchUpload', 'copy into an unknown upload');

    # a multipart object as the source, a range across its parts

    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=3&uploadId=$c",
        headers => { 'x-amz-copy-source' => 'mpu/gone' });
    ($s2) = req(PUT => '/mpu/mpsrc', body => '');
    my ($s3, $c2) = create('mpsrc');
    part('mpsrc', $c2, 1, $p1);
    part('mpsrc', $c2, 2, $p3);
    complete('mpsrc', $c2, complete_xml(1, $e1, 2, $e3));
    my $from = 5 * $MiB - 100;
    my $to = 5 * $MiB + 99;
    ($st, $h, $b) = req(PUT => "/mpu/copied?partNumber=3&uploadId=$c",
        headers => { 'x-amz-copy-source' => 'mpu/mpsrc',
                     'x-amz-copy-source-range' => "bytes=$from-$to" });
    is($st, 200, 'UploadPartCopy across the parts of a multipart source');

    ($st, $h, $b) = complete('copied', $c, '<CompleteMultipartUpload>'
        . "<Part><PartNumber>3</PartNumber><ETag>$1</ETag></Part>"
        . '</CompleteMultipartUpload>')
        if $b =~ m{<ETag>&quot;([0-9a-f]+)&quot;</ETag>};
    is($st, 200, 'complete with the copied part');
    ($st, $h, $b) = req(GET => '/mpu/copied');
    ok($b eq substr($p1 . $p3, $from, $to - $from + 1),
       'the copied bytes');
}

# ---- UploadPartCopy across organizations: READ on the source ----

{
    my @o = (access => $other_id, secret => $other_secret);
    req(PUT => '/mpu-other', @o);
    req(PUT => '/mpu/readable', body => 'readable bytes',
        headers => { 'x-amz-acl' => 'public-read' });
    req(PUT => '/mpu/private', body => 'private bytes');

    my ($s2, $h2, $b2) = req(POST => '/mpu-other/k?uploads', @o);
    my $c = tag($b2, 'UploadId');

    ($st, $h, $b) = req(PUT => "/mpu-other/k?partNumber=1&uploadId=$c", @o,
        headers => { 'x-amz-copy-source' => '/mpu/readable' });
    is($st, 200, 'UploadPartCopy from a public-read object of another '
       . 'organization');
    ($st, $h, $b) = req(PUT => "/mpu-other/k?partNumber=2&uploadId=$c", @o,
        headers => { 'x-amz-copy-source' => '/mpu/private' });
    is($st, 403, 'from a private object: 403');
    is(code($b), 'AccessDenied', 'is AccessDenied');
    ($st, $h, $b) = req(PUT => "/mpu-other/k?partNumber=2&uploadId=$c", @o,
        headers => { 'x-amz-copy-source' => '/mpu/missing' });
    is(code($b), 'AccessDenied',
       'a missing source in a bucket it may not list: AccessDenied');
    ($st, $h, $b) = req(PUT => "/mpu/k?partNumber=1&uploadId=$c", @o,
        headers => { 'x-amz-copy-source' => '/mpu/readable' });
    is($st, 403, 'into an upload in a bucket it may not write: 403');
    req(DELETE => "/mpu-other/k?uploadId=$c", @o);
}

# ---- composite checksums ----

{
    ($st, my $c, $h, $b) = create('ck', headers => {
        'x-amz-checksum-algorithm' => 'CRC32' });
    is($st, 200, 'create with x-amz-checksum-algorithm: CRC32');
    is($h->{'x-amz-checksum-algorithm'}, 'CRC32', 'algorithm echoed');

    my @raw;
    for my $p ([1, $p1], [2, $p3]) {
        my $crc = pack('N', crc32($p->[1]));
        push @raw, $crc;
        ($st, $h) = part('ck', $c, $p->[0], $p->[1], headers => {
            'x-amz-checksum-crc32' => encode_base64($crc, '') });
        is($st, 200, "part $p->[0] with its CRC32");
        is($h->{'x-amz-checksum-crc32'}, encode_base64($crc, ''),
           'part checksum echoed');
    }

    ($st, $h, $b) = req(GET => "/mpu/ck?uploadId=$c");
    is_deeply(tags($b, 'ChecksumCRC32'), [ map { encode_base64($_, '') }
              @raw ], 'ListParts: ChecksumCRC32 of each part');
    is(tag($b, 'ChecksumAlgorithm'), 'CRC32', 'ListParts: ChecksumAlgorithm');

    ($st, $h, $b) = complete('ck', $c, '<CompleteMultipartUpload>'
        . "<Part><PartNumber>1</PartNumber><ETag>$e1</ETag>"
        . '<ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>'
        . "<Part><PartNumber>2</PartNumber><ETag>$e3</ETag></Part>"
        . '</CompleteMultipartUpload>');
    is(code($b), 'InvalidPart', 'a part checksum that does not match');

    my $want = encode_base64(pack('N', crc32(join '', @raw)), '') . '-2';
    ($st, $h, $b) = complete('ck', $c, complete_xml(1, $e1, 2, $e3));
    is($st, 200, 'complete');
    is(tag($b, 'ChecksumCRC32'), $want,
       'composite: CRC32 of the part CRC32s, base64, -2');
    is(tag($b, 'ChecksumType'), 'COMPOSITE', 'ChecksumType');
}

# ---- the ACL given at create is the object's ----

{
    my ($s2, $c) = create('public', headers => { 'x-amz-acl' => 'public-read' });
    is($s2, 200, 'create with x-amz-acl: public-read');
    part('public', $c, 1, 'for everyone');
    ($st) = complete('public', $c, complete_xml(1, md5_hex('for everyone')));
    is($st, 200, 'complete');
    ($st, $h, $b) = SOS::Test->parse($t->http(GET => '/mpu/public'));
    is($st, 200, 'anonymous GET of the completed object');
    is($b, 'for everyone', 'its bytes');
    ($st, $h, $b) = SOS::Test->parse($t->http(GET => '/mpu/big'));
    is($st, 403, 'an object completed without an ACL stays private');

    ($st, $h, $b) = req(POST => '/mpu/bad?uploads',
                        headers => { 'x-amz-acl' => 'no-such-acl' });
    is($st, 400, 'an unknown canned ACL is refused at create');
}

# ---- a bucket with an upload in progress is not empty ----

{
    req(PUT => '/mpb');
    ($st, $h, $b) = req(POST => '/mpb/x?uploads');
    my $c = tag($b, 'UploadId');
    ($st, $h, $b) = req(DELETE => '/mpb');
    is($st, 409, 'a bucket with an upload in progress');
    is(code($b), 'BucketNotEmpty', 'is BucketNotEmpty');
    req(DELETE => "/mpb/x?uploadId=$c");
    ($st) = req(DELETE => '/mpb');
    is($st, 204, 'deleted once the upload is aborted');
}

# ---- routing ----

($st, $h, $b) = req(PUT => '/mpu/x?uploads');
is($st, 405, 'PUT ?uploads: 405');
($st, $h, $b) = req(POST => '/mpu?uploads');
is($st, 405, 'POST bucket?uploads: 405');

$t->stop_ok;

# ---- housekeeping: stale uploads are removed ----

my $t2 = SOS::Test->new(http => 'sos_upload_expiry 2s;')->run;
$t = $t2;

req(PUT => '/mpu');
my ($s4, $stale) = create('stale');
part('stale', $stale, 1, 'stale bytes');
my $files = files_settled();
ok($files >= 1, 'a part file of the stale upload');

my $gone = 0;
for (1 .. 50) {
    sleep 0.2;
    ($st, $h, $b) = req(GET => "/mpu/stale?uploadId=$stale");
    if (code($b) eq 'NoSuchUpload') {
        $gone = 1;
        last;
    }
}
ok($gone, 'an upload older than sos_upload_expiry is removed');
is(files_soon($files - 1), $files - 1, 'its part file too');
like($t2->read_file('error.log'), qr/removed 1 upload\(s\) older than 2 s/,
     'the sweep is logged');

$t2->stop_ok;

done_testing();
