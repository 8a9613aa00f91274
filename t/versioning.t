#!/usr/bin/perl

# Bucket versioning over raw HTTP: Get/PutBucketVersioning, the version
# id of every write (PUT, POST Object, CopyObject, UploadPartCopy,
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
use JSON::PP;
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

# the ACL of one version
is(answer(PUT => "/ver/k?acl&versionId=$v1",
        headers => { 'x-amz-acl' => 'public-read' }),
    '200 ', 'PutObjectAcl ?versionId');
($st, $h, $body) = req(GET => "/ver/k?acl&versionId=$v1");
like($body, qr{AllUsers.*READ}s, 'GetObjectAcl ?versionId: that version');
($st, $h, $body) = req(GET => '/ver/k?acl');
unlike($body, qr{AllUsers}, '... the current version keeps its own');
is(answer(GET => "/ver/k?versionId=$v1", access => 'x', secret => 'x'),
    '403 InvalidAccessKeyId', 'a bad key stays refused');
($st, $h, $body) = SOS::Test->parse($t->http(GET => "/ver/k?versionId=$v1"));
is("$st $body", '200 one', 'anonymous GET of the public-read version');
is((SOS::Test->parse($t->http(GET => '/ver/k')))[0], 403,
    '... not of the private current one');

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

# POST Object: a browser form (its policy from boto3's
# generate_presigned_post, t/post/presign.py, as t/post.t)
{
    my @cmd = ('python3', "$FindBin::Bin/post/presign.py",
        'http://127.0.0.1:' . $t->port, $t->access_key, $t->secret_key,
        'ver', 'posted', '{}', '[]', 300);
    open my $fh, '-|', @cmd or die "presign: $!\n";
    my $json = do { local $/; <$fh> };
    close $fh;
    my $f = decode_json($json)->{fields};
    my $b = 'sosboundary';
    my $form = join('', map { "--$b\r\nContent-Disposition: form-data; "
        . "name=\"$_\"\r\n\r\n$f->{$_}\r\n" } sort keys %$f)
        . "--$b\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"f\"\r\n\r\nby form\r\n--$b--\r\n";
    ($st, $h) = SOS::Test->parse($t->http(POST => '/ver', body => $form,
        headers => { 'Content-Type' => "multipart/form-data; boundary=$b" }));
    like("$st $h->{'x-amz-version-id'}", qr/^204 $VID$/,
        'POST Object: x-amz-version-id');
    is(get_body("/ver/posted?versionId=$h->{'x-amz-version-id'}"),
        '200 by form', '... that version');
}

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

# ----------------------------------------------------------- delete markers

# DELETE of the key: a marker becomes the latest (DeleteObject: 204,
# x-amz-delete-marker and the marker's x-amz-version-id)
($st, $h) = req(DELETE => '/ver/k');
is($st, 204, 'DELETE of a versioned key: 204');
is($h->{'x-amz-delete-marker'}, 'true', '... x-amz-delete-marker: true');
my $m1 = $h->{'x-amz-version-id'};
like($m1, qr/^$VID$/, '... the marker\'s version id');

# GetObject: "If the current version of the object is a delete marker,
# Amazon S3 behaves as if the object was deleted and includes
# x-amz-delete-marker: true in the response"
($st, $h, $body) = req(GET => '/ver/k');
is("$st " . ($body =~ m{<Code>(\w+)</Code>})[0], '404 NoSuchKey',
    'GET of the key: 404 NoSuchKey');
is("$h->{'x-amz-delete-marker'} $h->{'x-amz-version-id'}", "true $m1",
    '... with x-amz-delete-marker and the marker\'s id');
($st, $h) = req(HEAD => '/ver/k');
is("$st $h->{'x-amz-delete-marker'}", '404 true',
    'HEAD of the key: 404 with x-amz-delete-marker');
is(answer(GET => '/ver/k', %other), '403 AccessDenied',
    'who may not list the bucket learns nothing of the marker');
($st, $h) = req(GET => '/ver/k', %other);
is($h->{'x-amz-delete-marker'}, undef, '... no x-amz-delete-marker');

# "If the specified version is a delete marker, the response returns a
# 405 Method Not Allowed error and the Last-Modified: timestamp"
($st, $h, $body) = req(GET => "/ver/k?versionId=$m1");
is("$st " . ($body =~ m{<Code>(\w+)</Code>})[0], '405 MethodNotAllowed',
    'GET of the marker by id: 405 MethodNotAllowed');
is("$h->{'x-amz-delete-marker'} $h->{'x-amz-version-id'} $h->{allow}",
    "true $m1 DELETE", '... x-amz-delete-marker, its id, Allow: DELETE');
ok($h->{'last-modified'}, '... Last-Modified');
($st, $h) = req(HEAD => "/ver/k?versionId=$m1");
is($st, 405, 'HEAD of the marker by id: 405');
is(answer(PUT => '/ver/c5',
        headers => { 'x-amz-copy-source' => "/ver/k?versionId=$m1" }),
    '400 InvalidRequest', 'CopyObject from a marker by id: 400');
is(answer(PUT => '/ver/c6', headers => { 'x-amz-copy-source' => '/ver/k' }),
    '404 NoSuchKey', 'CopyObject of a key whose latest is a marker: 404');

is(get_body("/ver/k?versionId=$v2"), '200 two',
    'the versions stay behind the marker');

# a second DELETE: another marker
($st, $h) = req(DELETE => '/ver/k');
my $m2 = $h->{'x-amz-version-id'};
ok($m2 && $m2 ne $m1, 'a second DELETE: a second marker');

# DELETE of a version by id removes it for good (DeleteObject: the
# version removed in x-amz-version-id; x-amz-delete-marker when it was one)
($st, $h) = req(DELETE => "/ver/k?versionId=$m2");
is("$st $h->{'x-amz-delete-marker'} $h->{'x-amz-version-id'}",
    "204 true $m2", 'DELETE of a marker by id: 204, it was a marker');
($st, $h) = req(DELETE => "/ver/k?versionId=$m1");
is($st, 204, 'the other marker removed');
is(get_body('/ver/k'), '200 two', 'the key is back: its newest version');
($st, $h) = req(DELETE => "/ver/k?versionId=$v1");
is("$st " . ($h->{'x-amz-delete-marker'} // 'none')
    . " $h->{'x-amz-version-id'}", "204 none $v1",
    'DELETE of a version by id: 204, no marker');
is(answer(GET => "/ver/k?versionId=$v1"), '404 NoSuchVersion',
    '... gone for good');
($st, $h) = req(DELETE => "/ver/k?versionId=$unknown");
is("$st $h->{'x-amz-version-id'}", "204 $unknown",
    'DELETE of a version that does not exist: 204, as S3');
is(answer(DELETE => '/ver/k?versionId=' . ('a' x 1025)),
    '400 InvalidArgument', 'DELETE of a malformed version id: 400');
is(get_body('/ver/k'), '200 two', 'the current version untouched');

# a DELETE of a key with no version at all still makes a marker
($st, $h) = req(DELETE => '/ver/never');
is("$st $h->{'x-amz-delete-marker'}", '204 true',
    'DELETE of a key never written: a marker all the same');

# conditional writes look at the current version only (S3: "Conditional
# requests"): a marker that is the latest is no object
($st, $h) = req(PUT => '/ver/never', body => 'n1',
    headers => { 'If-None-Match' => '*' });
is($st, 200, 'If-None-Match: * over a delete marker: written');
is(answer(PUT => '/ver/never', body => 'n2',
        headers => { 'If-None-Match' => '*' }),
    '412 PreconditionFailed', '... not again: there is a current version');
is(answer(PUT => '/ver/k', body => 'x',
        headers => { 'If-Match' => '"' . md5_hex('one') . '"' }),
    '412 PreconditionFailed', 'If-Match with the ETag of an older version');
($st, $h) = req(PUT => '/ver/never', body => 'n3',
    headers => { 'If-Match' => '"' . md5_hex('n1') . '"' });
like("$st $h->{'x-amz-version-id'}", qr/^200 $VID$/,
    'If-Match with the current ETag: a new version');

# in a bucket never versioned: as before, no version headers
put('/plain/p', 'x');
($st, $h) = req(DELETE => '/plain/p');
is("$st " . join(',', grep { /^x-amz-(version|delete)/ } sort keys %$h),
    '204 ', 'DELETE in a bucket never versioned: no version headers');

# DeleteObjects with VersionId: Deleted says DeleteMarker and
# DeleteMarkerVersionId (S3 API reference, DeletedObject)
my $v3 = put('/ver/d', 'd1');
my $v4 = put('/ver/d', 'd2');
my $del = '<Delete><Object><Key>d</Key><VersionId>' . $v3
    . '</VersionId></Object><Object><Key>d</Key></Object>'
    . "<Object><Key>d</Key><VersionId>$unknown</VersionId></Object>"
    . '<Object><Key>d</Key><VersionId>bad</VersionId></Object></Delete>';
($st, $h, $body) = req(POST => '/ver?delete', body => $del,
    headers => { 'Content-MD5' => md5_base64($del) . '==' });
is($st, 200, 'DeleteObjects with versions');
like($body, qr{<Deleted><Key>d</Key><VersionId>$v3</VersionId></Deleted>},
    '... a version removed');
my ($dm) = $body =~ m{<Deleted><Key>d</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>($VID)</DeleteMarkerVersionId></Deleted>};
ok($dm, '... a marker made, with its id');
like($body, qr{<Deleted><Key>d</Key><VersionId>$unknown</VersionId></Deleted>},
    '... a version that does not exist: deleted, as S3');
like($body, qr{<Error><Key>d</Key><VersionId>bad</VersionId><Code>NoSuchVersion</Code>},
    '... an id SOS never makes: NoSuchVersion');
is(answer(GET => '/ver/d'), '404 NoSuchKey', 'the marker is the latest');
$del = "<Delete><Object><Key>d</Key><VersionId>$dm</VersionId></Object>"
    . '</Delete>';
($st, $h, $body) = req(POST => '/ver?delete', body => $del,
    headers => { 'Content-MD5' => md5_base64($del) . '==' });
like($body, qr{<Deleted><Key>d</Key><VersionId>$dm</VersionId><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>$dm</DeleteMarkerVersionId></Deleted>},
    'DeleteObjects of a marker by id: DeleteMarker true');
is(get_body('/ver/d'), '200 d2', '... the key is back');

# ------------------------------------------------------ ListObjectVersions

is(answer(PUT => '/vlist'), '200 ', 'a bucket to list');
put('/vlist/n', 'null version');            # before versioning: null
is(status_set('vlist', 'Enabled'), '200 ', 'Enabled');
my @va = map { put('/vlist/a', "a$_") } 1 .. 3;
my $vb = put('/vlist/b', 'b');
($st, $h) = req(DELETE => '/vlist/b');
my $mb = $h->{'x-amz-version-id'};
my $vcx = put('/vlist/c/x', 'cx');
my $vcy = put('/vlist/c/y', 'cy');
put('/vlist/sp%20ace', 'encoded');

# entries of a page, in order: "V key id latest" or "D key id latest" (a DeleteMarker)
sub entries {
    my ($xml) = @_;
    my @e;
    while ($xml =~ m{<(Version|DeleteMarker)>(.*?)</\1>}gs) {
        my ($kind, $e) = ($1, $2);
        my ($k) = $e =~ m{<Key>([^<]*)</Key>};
        my ($v) = $e =~ m{<VersionId>([^<]*)</VersionId>};
        my ($l) = $e =~ m{<IsLatest>([^<]*)</IsLatest>};
        push @e, substr($kind, 0, 1) . " $k $v $l";
    }
    return @e;
}

($st, $h, $body) = req(GET => '/vlist?versions');
is($st, 200, 'ListObjectVersions');
like($body, qr{^<\?xml[^>]*>\s*<ListVersionsResult xmlns="\Q$XMLNS\E"><Name>vlist</Name>},
    '... ListVersionsResult');
my @all = entries($body);
is_deeply([ @all[0 .. 7] ], [
    "V a $va[2] true", "V a $va[1] false", "V a $va[0] false",
    "D b $mb true", "V b $vb false",
    "V c/x $vcx true", "V c/y $vcy true", 'V n null true' ],
    'every version and marker, by key, newest first, IsLatest');
is(scalar @all, 9, '... nine in all');
like($body, qr{<DeleteMarker><Key>b</Key><VersionId>$mb</VersionId><IsLatest>true</IsLatest><LastModified>[^<]+</LastModified>(<Owner>.*?</Owner>)?</DeleteMarker>},
    'a DeleteMarker: no ETag, Size or StorageClass');
like($body, qr{<Version><Key>n</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>[^<]+</LastModified><ETag>&quot;[0-9a-f]{32}&quot;</ETag><Size>12</Size><Owner>.*?</Owner><StorageClass>STANDARD</StorageClass></Version>},
    'a Version: ETag, Size, Owner, StorageClass');
like($body, qr{<IsTruncated>false</IsTruncated>}, 'not truncated');
unlike($body, qr{NextKeyMarker}, '... no NextKeyMarker');

# delimiter and prefix
($st, $h, $body) = req(GET => '/vlist?versions&delimiter=%2F&prefix=');
like($body, qr{<CommonPrefixes><Prefix>c/</Prefix></CommonPrefixes>},
    'delimiter: CommonPrefixes');
ok(!grep({ / c\// } entries($body)), '... no version under c/ listed');
($st, $h, $body) = req(GET => '/vlist?versions&prefix=c%2F');
is_deeply([ entries($body) ], [ "V c/x $vcx true", "V c/y $vcy true" ],
    'prefix');

# encoding-type=url
($st, $h, $body) = req(GET => '/vlist?versions&prefix=sp&encoding-type=url');
like($body, qr{<EncodingType>url</EncodingType>.*<Key>sp%20ace</Key>}s,
    'encoding-type=url: keys encoded');

# paging: max-keys=2 through all nine, markers passed back
my (@paged, %seen, $pages);
my ($km, $vm) = ('', '');
for my $i (1 .. 10) {
    my $q = '/vlist?versions&max-keys=2';
    $q .= '&key-marker=' . SOS::Test::uri_escape($km) if length $km;
    $q .= "&version-id-marker=$vm" if length $vm;
    ($st, $h, $body) = req(GET => $q);
    $pages++;
    push @paged, entries($body);
    last unless $body =~ m{<IsTruncated>true</IsTruncated>};
    ($km) = $body =~ m{<NextKeyMarker>([^<]*)</NextKeyMarker>};
    ($vm) = $body =~ m{<NextVersionIdMarker>([^<]*)</NextVersionIdMarker>};
    $vm //= '';
    like($body, qr{<MaxKeys>2</MaxKeys>}, "page $pages: MaxKeys") if $i == 1;
}
is($pages, 5, 'max-keys=2: five pages for nine entries');
is_deeply(\@paged, \@all, '... the same entries, each once, in order');

# a page that ends inside a key's versions goes on with that key
($st, $h, $body) = req(GET => '/vlist?versions&max-keys=2');
like($body, qr{<NextKeyMarker>a</NextKeyMarker><NextVersionIdMarker>$va[1]</NextVersionIdMarker>},
    'NextKeyMarker and NextVersionIdMarker inside a key');
($st, $h, $body) = req(GET => "/vlist?versions&key-marker=a&version-id-marker=$va[1]");
like($body, qr{<KeyMarker>a</KeyMarker><VersionIdMarker>$va[1]</VersionIdMarker>},
    '... echoed back');
is((entries($body))[0], "V a $va[0] false", '... the next is the oldest of a');
($st, $h, $body) = req(GET => '/vlist?versions&key-marker=a');
is((entries($body))[0], "D b $mb true", 'a key-marker alone: after every version of it');
($st, $h, $body) = req(GET => '/vlist?versions&key-marker=n&version-id-marker=null');
like((entries($body))[0] // '', qr/^V sp ace \S+ true$/,
    'version-id-marker=null: after the null version');

# paging with a delimiter: a prefix ends a page with no NextVersionIdMarker
($st, $h, $body) = req(GET => '/vlist?versions&delimiter=%2F&key-marker=b&max-keys=1');
like($body, qr{<NextKeyMarker>c/</NextKeyMarker>}, 'a page ending on a prefix');
unlike($body, qr{NextVersionIdMarker}, '... has no NextVersionIdMarker');

# validation, as S3: InvalidArgument
($st, $h, $body) = req(GET => "/vlist?versions&version-id-marker=$va[0]");
is("$st " . ($body =~ m{<Code>(\w+)</Code>})[0], '400 InvalidArgument',
    'version-id-marker without key-marker: 400 InvalidArgument');
like($body, qr{<ArgumentName>version-id-marker</ArgumentName>},
    '... naming the argument');
is(answer(GET => '/vlist?versions&key-marker=a&version-id-marker=bad'),
    '400 InvalidArgument', 'a version-id-marker that is no version id');
is(answer(GET => '/vlist?versions&max-keys=x'), '400 InvalidArgument',
    'max-keys not a number');
is(answer(GET => '/vlist?versions&encoding-type=xml'), '400 InvalidArgument',
    'encoding-type other than url');
is(answer(GET => '/vlist?versions', %other), '403 AccessDenied',
    'another organization may not list');
is(answer(GET => '/nosuch?versions'), '404 NoSuchBucket', 'missing bucket');

# a bucket never versioned: each object its null version, the latest
($st, $h, $body) = req(GET => '/plain?versions');
is_deeply([ entries($body) ], [ 'V c null true' ],
    'a bucket never versioned: null versions');

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

# Suspended, a DELETE makes the null version a marker ("Deleting objects
# from versioning-suspended buckets")
($st, $h) = req(DELETE => '/ver/k');
is("$st $h->{'x-amz-delete-marker'} $h->{'x-amz-version-id'}",
    '204 true null', 'DELETE while Suspended: a null marker');
is(answer(GET => '/ver/k?versionId=null'), '405 MethodNotAllowed',
    '... the null version is that marker');
is(get_body("/ver/k?versionId=$v2"), '200 two', '... versions with ids stay');
is(put('/ver/k', 'five'), 'null', 'a PUT replaces the null marker');
is(get_body('/ver/k'), '200 five', '... the key is back');

is(answer(PUT => '/ver?versioning', body => vc('')), '200 ',
    'an empty configuration changes nothing');
($st, $h, $body) = req(GET => '/ver?versioning');
like($body, qr{<Status>Suspended</Status>}, '... still Suspended');

is(status_set('ver', 'Enabled'), '200 ', 'Enabled again');

# a bucket with versions left is not empty (DeleteBucket)
is(answer(DELETE => '/ver'), '409 BucketNotEmpty',
    'DeleteBucket of a bucket with versions: 409');

done_testing();
