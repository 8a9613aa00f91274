#!/usr/bin/perl

# Bucket versioning over raw HTTP: Get/PutBucketVersioning, the version
# id of every write (PUT, POST's is in t/versioning_boto3.t, CopyObject,
# CompleteMultipartUpload), ?versionId on GET, HEAD, DELETE, the ACL
# operations and GetObjectAttributes, delete markers, the "null" version
# (objects written before versioning, writes while Suspended),
# ListObjectVersions with its markers and paging, DeleteObjects with
# VersionId.  As AWS documents it (S3 API reference: PutBucketVersioning,
# GetObject, DeleteObject, ListObjectVersions; S3 user guide: "Working
# with delete markers", "Working with objects in a versioning-suspended
# bucket"); where AWS is silent, as Ceph RGW.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64 md5_hex);
use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $VID = qr/[0-9a-f]{32}/;

my $t = SOS::Test->new;
my %other = $t->org_with_key('other');
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

# "status code" of an answer: the S3 error code, or nothing
sub answer {
    my ($st, $h, $body) = req(@_);
    my ($code) = $body =~ m{<Code>([^<]+)</Code>};
    return "$st " . ($code // '');
}

sub vc {
    return qq{<VersioningConfiguration xmlns="$XMLNS">$_[0]}
        . '</VersioningConfiguration>';
}

sub status_set {
    my ($bucket, $status) = @_;
    return answer(PUT => "/$bucket?versioning",
                  body => vc("<Status>$status</Status>"));
}

sub put {
    my ($uri, $body, %opts) = @_;
    my ($st, $h) = req(PUT => $uri, body => $body, %opts);
    is($st, 200, "PUT $uri");
    return $h->{'x-amz-version-id'};
}

sub get_body {
    my ($st, $h, $body) = req(GET => $_[0]);
    return "$st $body";
}

# -------------------------------------------------- Get/PutBucketVersioning

is(answer(PUT => '/ver'), '200 ', 'bucket');
is(answer(PUT => '/plain'), '200 ', 'a bucket never versioned');

my ($st, $h, $body) = req(GET => '/ver?versioning');
is($st, 200, 'GetBucketVersioning of a bucket never versioned');
like($body, qr{<VersioningConfiguration xmlns="\Q$XMLNS\E"/>$},
    '... an empty configuration, no Status (PutBucketVersioning)');

# what is written before versioning is the null version
my $pre = put('/ver/before', 'written before');
is($pre, undef, 'PUT to a bucket never versioned: no x-amz-version-id');

# the body as S3 checks it
is(answer(PUT => '/ver?versioning', body => vc('<Status>On</Status>')),
    '400 MalformedXML', 'Status other than Enabled or Suspended');
is(answer(PUT => '/ver?versioning', body => vc('<Other>1</Other>')),
    '400 MalformedXML', 'unknown element');
is(answer(PUT => '/ver?versioning', body => 'not xml'),
    '400 MalformedXML', 'not XML');
is(answer(PUT => '/ver?versioning',
        body => vc('<Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>')),
    '501 NotImplemented', 'MFA delete: 501, nothing changed');
is(answer(PUT => '/ver?versioning',
        body => vc('<Status>Enabled</Status><MfaDelete>Maybe</MfaDelete>')),
    '400 MalformedXML', 'MfaDelete other than Enabled or Disabled');
is(answer(PUT => '/ver?versioning', %other,
        body => vc('<Status>Enabled</Status>')),
    '403 AccessDenied', 'another organization may not set it');
is(answer(GET => '/ver?versioning', %other), '403 AccessDenied',
    '... nor read it');
is(answer(PUT => '/nosuch?versioning', body => vc('<Status>Enabled</Status>')),
    '404 NoSuchBucket', 'missing bucket');
($st, $h, $body) = req(GET => '/ver?versioning');
unlike($body, qr{Status}, 'still never versioned after the refusals');

is(answer(PUT => '/ver?versioning',
        body => vc('<Status>Enabled</Status><MfaDelete>Disabled</MfaDelete>')),
    '200 ', 'Enabled (MfaDelete Disabled accepted)');
($st, $h, $body) = req(GET => '/ver?versioning');
like($body, qr{<VersioningConfiguration xmlns="\Q$XMLNS\E"><Status>Enabled</Status></VersioningConfiguration>$},
    'GetBucketVersioning: Enabled');
is(status_set('ver', 'Enabled'), '200 ', 'Enabled again: no change, 200');

# ---------------------------------------------------- version ids of writes

my $v1 = put('/ver/k', 'one');
like($v1, qr/^$VID$/, 'PUT: x-amz-version-id');
my $v2 = put('/ver/k', 'two');
like($v2, qr/^$VID$/, 'second PUT: another version id');
isnt($v1, $v2, '... not the first');
ok($v2 lt $v1, 'version ids sort newest first');

is(get_body('/ver/k'), '200 two', 'GET: the current version');
($st, $h) = req(GET => '/ver/k');
is($h->{'x-amz-version-id'}, $v2, 'GET: its x-amz-version-id');
is(get_body("/ver/k?versionId=$v1"), '200 one', 'GET ?versionId: the older');
($st, $h) = req(GET => "/ver/k?versionId=$v1");
is($h->{'x-amz-version-id'}, $v1, '... named in x-amz-version-id');
($st, $h, $body) = req(HEAD => "/ver/k?versionId=$v1");
is("$st $h->{'content-length'} $h->{'x-amz-version-id'}", "200 3 $v1",
    'HEAD ?versionId');
is(get_body('/ver/before?versionId=null'), '200 written before',
    'the object written before versioning: the null version');
($st, $h) = req(GET => '/ver/before');
is($h->{'x-amz-version-id'}, 'null', '... x-amz-version-id: null');

my $unknown = 'f' x 32;
is(answer(GET => "/ver/k?versionId=$unknown"), '404 NoSuchVersion',
    'unknown version id: 404 NoSuchVersion');
is(answer(GET => '/ver/k?versionId=3HL4kqtJlcpXroDTDmJ'), '404 NoSuchVersion',
    'an id SOS never makes: 404 NoSuchVersion');
is(answer(GET => '/ver/k?versionId='), '400 InvalidArgument',
    'empty versionId: 400 InvalidArgument');
is(answer(GET => '/ver/k?versionId=' . ('a' x 1025)), '400 InvalidArgument',
    'malformed versionId: 400 InvalidArgument');
is(answer(GET => "/ver/k?versionId=$v1", %other), '403 AccessDenied',
    'a version of a private object: 403 to others');

# GetObjectAttributes of a version
($st, $h, $body) = req(GET => "/ver/k?attributes&versionId=$v1",
    headers => { 'x-amz-object-attributes' => 'ObjectSize' });
like("$st $body", qr{^200 .*<ObjectSize>3</ObjectSize>}s,
    'GetObjectAttributes ?versionId');
is($h->{'x-amz-version-id'}, $v1, '... its x-amz-version-id');

# CopyObject: from a version, into a new version
($st, $h, $body) = req(PUT => '/ver/copy',
    headers => { 'x-amz-copy-source' => "/ver/k?versionId=$v1" });
is($st, 200, 'CopyObject from a version');
is($h->{'x-amz-copy-source-version-id'}, $v1,
    '... x-amz-copy-source-version-id');
like($h->{'x-amz-version-id'}, qr/^$VID$/, '... x-amz-version-id of the copy');
is(get_body('/ver/copy'), '200 one', '... the bytes of that version');
($st, $h) = req(PUT => '/ver/copy2',
    headers => { 'x-amz-copy-source' => '/ver/k' });
is($h->{'x-amz-copy-source-version-id'}, $v2,
    'CopyObject of the current version: its id');
($st, $h) = req(PUT => '/ver/copy3',
    headers => { 'x-amz-copy-source' => '/ver/before?versionId=null' });
is("$st $h->{'x-amz-copy-source-version-id'}", '200 null',
    'CopyObject from the null version');
is(answer(PUT => '/ver/copy4',
        headers => { 'x-amz-copy-source' => "/ver/k?versionId=$unknown" }),
    '404 NoSuchVersion', 'CopyObject from an unknown version');
($st, $h) = req(PUT => '/plain/c',
    headers => { 'x-amz-copy-source' => "/ver/k?versionId=$v1" });
is("$st " . ($h->{'x-amz-version-id'} // 'none'), '200 none',
    'copy into a bucket never versioned: no x-amz-version-id');

# CompleteMultipartUpload
($st, $h, $body) = req(POST => '/ver/mp?uploads');
my ($upload) = $body =~ m{<UploadId>([^<]+)</UploadId>};
($st, $h) = req(PUT => "/ver/mp?partNumber=1&uploadId=$upload",
    body => 'part');
is($h->{'x-amz-version-id'}, undef, 'UploadPart: no version id');
my $etag = $h->{etag};
my $cmp = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
    . "<ETag>$etag</ETag></Part></CompleteMultipartUpload>";
($st, $h, $body) = req(POST => "/ver/mp?uploadId=$upload", body => $cmp);
is($st, 200, 'CompleteMultipartUpload');
like($h->{'x-amz-version-id'}, qr/^$VID$/, '... x-amz-version-id');
my $vmp = $h->{'x-amz-version-id'};

# UploadPartCopy from a version
($st, $h, $body) = req(POST => '/ver/mp2?uploads');
($upload) = $body =~ m{<UploadId>([^<]+)</UploadId>};
($st, $h, $body) = req(PUT => "/ver/mp2?partNumber=1&uploadId=$upload",
    headers => { 'x-amz-copy-source' => "/ver/k?versionId=$v1" });
is("$st $h->{'x-amz-copy-source-version-id'}", "200 $v1",
    'UploadPartCopy from a version');
($etag) = $body =~ m{<ETag>([^<]+)</ETag>};
$etag =~ s/&quot;/"/g;
$cmp = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
    . "<ETag>$etag</ETag></Part></CompleteMultipartUpload>";
($st) = req(POST => "/ver/mp2?uploadId=$upload", body => $cmp);
is(get_body('/ver/mp2'), '200 one', '... the bytes of that version');

# --------------------------------------------------------------- Suspended

is(status_set('ver', 'Suspended'), '200 ', 'Suspended');
($st, $h, $body) = req(GET => '/ver?versioning');
like($body, qr{<Status>Suspended</Status>}, 'GetBucketVersioning: Suspended');

my $vs = put('/ver/k', 'three');
is($vs, 'null', 'PUT while Suspended: the null version');
is(get_body('/ver/k?versionId=null'), '200 three', '... read as null');
is(get_body("/ver/k?versionId=$v2"), '200 two',
    '... the versions with ids stay');
$vs = put('/ver/k', 'four');
is($vs, 'null', 'another PUT while Suspended: null again');
is(get_body('/ver/k?versionId=null'), '200 four', '... replacing the null one');
is(put('/ver/before', 'replaced'), 'null', 'the pre-versioning object');
is(get_body('/ver/before?versionId=null'), '200 replaced',
    '... its null version replaced');

is(answer(PUT => '/ver?versioning', body => vc('')), '200 ',
    'an empty configuration changes nothing');
($st, $h, $body) = req(GET => '/ver?versioning');
like($body, qr{<Status>Suspended</Status>}, '... still Suspended');

is(status_set('ver', 'Enabled'), '200 ', 'Enabled again');

done_testing();
