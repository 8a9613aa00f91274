#!/usr/bin/perl

# S3 conformance of authentication edge cases (issue 15): presigned URL
# expiry limits, SigV2 in the header and the query for bucket operations,
# the Date SigV2 needs, malformed Authorization headers, POST Object's
# policy conditions and checksum fields, checksum header errors, user
# metadata and Content-Encoding as sent; then the same through boto3
# (t/clients/boto3_conformance_auth.py).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Compress::Zlib qw(crc32);
use Digest::SHA qw(hmac_sha1 sha256 sha256_hex);
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Test::More;

use SOS::Auth qw(presign sigv2);
use SOS::Clients;
use SOS::Test;

my ($t, $c) = SOS::Clients->start;

sub code {
    my ($r) = @_;
    my ($status, $h, $body) = SOS::Test->parse($r);
    my ($code) = $body =~ m{<Code>([^<]*)</Code>};
    return "$status " . ($code || '');
}

sub http_date {
    return POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime($_[0]));
}

is(code($t->s3(PUT => '/auth')), '200 ', 'CreateBucket');
is(code($t->s3(PUT => '/auth/k', body => 'data')), '200 ', 'PutObject');

# ------------------------------------------------------- presigned SigV4

# https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
# "X-Amz-Expires ... Minimum value of 1. Maximum value of 604800": 0 has
# expired when it is made; above a week S3 answers 403
# AuthorizationQueryParametersError.

my $r = $t->http(GET => presign($t, 'GET', '/auth/k', expires => 0));
is(code($r), '403 AccessDenied', 'X-Amz-Expires=0 has already expired');
like($r, qr{Request has expired}, '... S3 message');

$r = $t->http(GET => presign($t, 'GET', '/auth/k', expires => 604801));
is(code($r), '403 AuthorizationQueryParametersError',
    'X-Amz-Expires above a week: 403');
like($r, qr{X-Amz-Expires must be less than a week}, '... S3 message');
is(code($t->http(GET => presign($t, 'GET', '/auth/k', expires => 604800))),
    '200 ', 'X-Amz-Expires of exactly a week');

# A presigned PUT past its expiry is refused as any expired URL (403),
# before its body is looked at.
$r = $t->http(PUT => presign($t, 'PUT', '/auth/late', time => time() - 7200),
    body => 'late');
is(code($r), '403 AccessDenied', 'presigned PUT past its expiry: 403');
like($r, qr{Request has expired}, '... S3 message');
is(code($t->s3(HEAD => '/auth/late')), '404 ', '... nothing stored');
my $late = presign($t, 'PUT', '/auth/late', time => time() - 7200);
is(code($t->http(PUT => $late, body => 'x' x 300_000)), '403 AccessDenied',
    'presigned PUT past its expiry, a large body: 403');
is(code($t->http(PUT => $late, body => 'late', headers => {
    'Expect' => '100-continue' })), '403 AccessDenied',
    'presigned PUT past its expiry, Expect: 100-continue: 403');
is(code($t->http(PUT => $late, headers => { 'Content-Length' => 0 })),
    '403 AccessDenied', 'presigned PUT past its expiry, empty: 403');
is(code($t->http(PUT => presign($t, 'PUT', '/auth/late', expires => 0,
    headers => { 'content-type' => 'text/plain' }), body => 'late',
    headers => { 'Content-Type' => 'text/plain' })), '403 AccessDenied',
    'presigned PUT with X-Amz-Expires=0: 403');

# https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html:
# Origin is required; RGW answers 400 without it.
is(code($t->http(OPTIONS => '/auth/k', headers => {
    'Access-Control-Request-Method' => 'GET' })), '400 BadRequest',
    'OPTIONS without Origin: 400');

# ---------------------------------------------------------------- SigV2

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
# StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n
# CanonicalizedAmzHeaders CanonicalizedResource.

sub v2 {
    my ($method, $path, $resource, %o) = @_;
    my $date = exists $o{date} ? $o{date} : http_date(time());
    my $type = $o{type} || '';
    my $amz = $o{amz} || {};
    my $sts = "$method\n\n$type\n" . ($date // '') . "\n"
        . join('', map { lc($_) . ":$amz->{$_}\n" } sort keys %$amz)
        . $resource;
    my $sig = sigv2($t->secret_key, $sts);
    my %h = (Authorization => 'AWS ' . $t->access_key . ":$sig",
        ($type ? ('Content-Type' => $type) : ()), %$amz,
        %{ $o{headers} || {} });
    $h{Date} = $date if defined $date;
    return $t->http($method, $path, body => $o{body}, headers => \%h);
}

sub v2_query {
    my ($path, $resource) = @_;
    my $expires = time() + 300;
    my $sig = sigv2($t->secret_key, "GET\n\n\n$expires\n$resource");
    return $t->http(GET => $path . ($path =~ /\?/ ? '&' : '?')
        . 'AWSAccessKeyId=' . $t->access_key . "&Expires=$expires"
        . '&Signature=' . SOS::Test::uri_escape($sig));
}

# SDKs (botocore's HmacV1QueryAuth) sign a bucket's resource with its
# trailing slash, /bucket/, the form S3 uses for virtual-hosted requests,
# and send the path-style URL /bucket: both verify.
$r = v2_query('/auth?prefix=k&encoding-type=url', '/auth/');
is(code($r), '200 ', 'SigV2 presigned ListObjects signed as /bucket/');
like($r, qr{<Key>k</Key>}, '... lists');
is(code(v2_query('/auth?list-type=2&prefix=k', '/auth/')), '200 ',
    'SigV2 presigned ListObjectsV2 signed as /bucket/');
is(code(v2_query('/auth?list-type=2', '/auth')), '200 ',
    'SigV2 presigned ListObjectsV2 signed as /bucket');
is(code(v2_query('/auth?acl', '/auth/?acl')), '200 ',
    'SigV2 presigned GetBucketAcl signed as /bucket/?acl');
is(code(v2_query('/auth/k', '/auth/k/')), '403 SignatureDoesNotMatch',
    '... an object is not its key with a slash');

{
    my $expires = time() - 60;
    my $sig = sigv2($t->secret_key, "PUT\n\n\n$expires\n/auth/late");
    is(code($t->http(PUT => '/auth/late?AWSAccessKeyId=' . $t->access_key
        . "&Expires=$expires&Signature=" . SOS::Test::uri_escape($sig),
        body => 'late')), '403 AccessDenied',
        'SigV2 presigned PUT past its expiry: 403');
}

# The User-Agent is not signed in SigV2: empty or missing, it verifies
is(code(v2('GET', '/auth/k', '/auth/k', headers => { 'User-Agent' => '' })),
    '200 ', 'SigV2 with an empty User-Agent');
is(code(v2('GET', '/auth', '/auth')), '200 ',
    'SigV2 without a User-Agent');

# CreateBucket with a CreateBucketConfiguration body and ACL headers; in
# us-east-1 S3 refuses that region as a LocationConstraint
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html),
# so that body gets past the signature to InvalidLocationConstraint.
my $xmlns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
is(code(v2('PUT', '/auth-v2', '/auth-v2',
    body => "<CreateBucketConfiguration $xmlns></CreateBucketConfiguration>",
    type => 'application/xml', amz => { 'x-amz-acl' => 'public-read' })),
    '200 ', 'SigV2 CreateBucket with a configuration body and x-amz-acl');
is(code(v2('PUT', '/auth-v2b', '/auth-v2b', body => '',
    amz => { 'x-amz-grant-read' => 'uri="http://acs.amazonaws.com/groups/'
    . 'global/AllUsers"' })), '200 ', 'SigV2 CreateBucket with x-amz-grant');
is(code(v2('PUT', '/auth-v2c', '/auth-v2c', body => "<CreateBucketConfiguration"
    . " $xmlns><LocationConstraint>us-east-1</LocationConstraint>"
    . '</CreateBucketConfiguration>', type => 'text/xml',
    amz => { 'x-amz-acl' => 'private' })), '400 InvalidLocationConstraint',
    'SigV2 CreateBucket with a LocationConstraint: verified');

# "A valid time stamp (using either the HTTP Date header or an x-amz-date
# alternative) is mandatory for authenticated requests": 403 AccessDenied
$r = v2('GET', '/auth/k', '/auth/k', date => undef);
is(code($r), '403 AccessDenied', 'SigV2 without a Date');
like($r, qr{AWS authentication requires a valid Date or x-amz-date header},
    '... S3 message');
is(code(v2('GET', '/auth/k', '/auth/k',
    date => 'Wed, 31 Dec 1969 23:59:59 GMT')), '403 AccessDenied',
    'SigV2 with a Date before the epoch');
is(code(v2('GET', '/auth/k', '/auth/k',
    date => 'Thu, 01 Jan 1970 00:00:00 GMT')), '403 RequestTimeTooSkewed',
    'SigV2 with the epoch: skewed');

# An Authorization header that is not "AWS AKID:signature": 400
# InvalidArgument (RGW: rgw_auth_s3.cc parse_v2_auth_header)
for my $a ('AWS ' . $t->access_key, 'AWS :sig', 'AWS ' . $t->access_key
    . ':', 'AWS', 'AWS  ', 'AWSX ' . $t->access_key . ':sig',
    'aws ' . $t->access_key . ':sig')
{
    is(code($t->http(GET => '/auth/k', headers => { Date => http_date(time()),
        Authorization => $a })), '400 InvalidArgument',
        "Authorization \"$a\": InvalidArgument");
}

# ------------------------------------------------------------ checksums

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
# and the ErrorResponses list: a checksum that does not match the data
# is 400 BadDigest ("The CRC32 you specified did not match the calculated
# checksum."); a value that is not a base64 checksum of the algorithm's
# size is 400 InvalidRequest ("Value for x-amz-checksum-crc32 header is
# invalid.").
$r = $t->s3(PUT => '/auth/ck', body => 'body',
    headers => { 'x-amz-checksum-crc32' => 'AAAAAA==' });
is(code($r), '400 BadDigest', 'checksum header not matching the body');
like($r, qr{The CRC32 you specified did not match the calculated checksum\.},
    '... S3 message');
for my $bad ([ 'AAAAAAAA', 'wrong length' ], [ '!!!!!!==', 'not base64' ],
    [ '', 'empty' ])
{
    $r = $t->s3(PUT => '/auth/ck', body => 'body',
        headers => { 'x-amz-checksum-crc32' => $bad->[0] });
    is(code($r), '400 InvalidRequest', "checksum header $bad->[1]");
    like($r, qr{Value for x-amz-checksum-crc32 header is invalid\.},
        '... S3 message');
}
is(code($t->s3(HEAD => '/auth/ck')), '404 ', '... nothing stored');

# UploadPart verifies its checksum header the same way
my ($upload) = $t->s3(POST => '/auth/mp?uploads')
    =~ m{<UploadId>([^<]+)</UploadId>};
$r = $t->s3(PUT => "/auth/mp?partNumber=1&uploadId=$upload", body => 'part',
    headers => { 'x-amz-checksum-crc32' => 'AAAAAA==' });
is(code($r), '400 BadDigest', 'UploadPart checksum header not matching');
is(code($t->s3(PUT => "/auth/mp?partNumber=1&uploadId=$upload",
    body => 'part', headers => { 'x-amz-checksum-crc32' => 'AAAA' })),
    '400 InvalidRequest', 'UploadPart checksum header malformed');

# ------------------------------------------------------------- metadata

# User metadata is kept byte for byte: raw UTF-8 (which S3 keeps, see
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
# "User-defined object metadata") and RFC 2047 encoded words as SDKs send
# non-ASCII values.
my %meta = ('x-amz-meta-utf8' => "caf\xc3\xa9 \xe2\x82\xac",
    'x-amz-meta-b' => '=?UTF-8?B?w6l0w6k=?=',
    'x-amz-meta-q' => '=?utf-8?q?caf=C3=A9_na=C3=AFve?=',
    'x-amz-meta-spaces' => 'a  b');
is(code($t->s3(PUT => '/auth/meta', body => 'm', headers => \%meta)), '200 ',
    'PutObject with non-ASCII and encoded metadata');
for my $verb (qw(HEAD GET)) {
    my (undef, $h) = SOS::Test->parse($t->s3($verb => '/auth/meta'));
    is($h->{$_}, $meta{$_}, "$verb: $_ as sent") for sort keys %meta;
}

# Content-Encoding: aws-chunked frames the request and is not stored
# (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html);
# what remains is kept as sent, separators included.
for my $ce ([ 'aws-chunked, deflate, gzip', 'deflate, gzip' ],
    [ 'deflate,aws-chunked,gzip', 'deflate,gzip' ],
    [ 'gzip, aws-chunked', 'gzip' ], [ 'aws-chunked', undef ])
{
    is(code($t->s3(PUT => '/auth/ce', body => 'c',
        headers => { 'Content-Encoding' => $ce->[0] })), '200 ',
        "PutObject with Content-Encoding $ce->[0]");
    my (undef, $h) = SOS::Test->parse($t->s3(HEAD => '/auth/ce'));
    is($h->{'content-encoding'}, $ce->[1], '... stored as '
        . ($ce->[1] // 'none'));
}

# ---------------------------------------------------------- POST Object

# A form signed with SigV2 (the policy's HMAC-SHA1), fields in order then
# the file.
sub post_form {
    my ($policy, $fields, $file) = @_;
    my $p64 = encode_base64($policy, '');
    my @f = (AWSAccessKeyId => $t->access_key, policy => $p64,
        signature => encode_base64(hmac_sha1($p64, $t->secret_key), ''),
        @$fields);
    my $b = 'sosauthboundary';
    my $body = '';
    for (my $i = 0; $i < @f; $i += 2) {
        $body .= "--$b\r\nContent-Disposition: form-data; "
            . "name=\"$f[$i]\"\r\n\r\n$f[$i + 1]\r\n";
    }
    $body .= "--$b\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"f\"\r\nContent-Type: text/plain\r\n\r\n$file\r\n"
        . "--$b--\r\n";
    return $t->http(POST => '/auth', body => $body,
        headers => { 'Content-Type' => "multipart/form-data; boundary=$b" });
}

my $far = '"expiration": "2099-01-01T00:00:00.000Z"';

# s3-tests test_post_object_empty_conditions; RGW rgw_policy_s3.cc
# refuses a policy without conditions: 400 InvalidPolicyDocument
$r = post_form(qq({$far, "conditions": []}), [ key => 'form' ], 'x');
is(code($r), '400 InvalidPolicyDocument',
    'POST Object: empty conditions: 400 InvalidPolicyDocument');
like($r, qr{Policy missing conditions}, '... message');
is(code(post_form(qq({$far, "conditions": [{"bucket": "auth"},
    ["starts-with", "\$key", ""]]}), [ key => 'form' ], 'x')), '204 ',
    'POST Object: the same form with conditions: 204');

# https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
# (x-amz-checksum-* form fields): the file part is verified against the
# field's checksum (BadDigest when it differs, as PutObject's header) and
# the checksum is stored.  Like every field, the policy names it.
my $file = 'form file data';
my $crc = encode_base64(pack('N', crc32($file)), '');
my $sha = encode_base64(sha256($file), '');
my $ck_policy = qq({$far, "conditions": [{"bucket": "auth"},
    ["starts-with", "\$key", ""], ["starts-with", "\$x-amz-checksum-crc32",
    ""], ["starts-with", "\$x-amz-checksum-sha256", ""],
    ["starts-with", "\$x-amz-checksum-algorithm", ""],
    ["starts-with", "\$x-amz-checksum-type", ""]]});

$r = post_form($ck_policy, [ key => 'ck-form',
    'x-amz-checksum-crc32' => $crc ], $file);
is(code($r), '204 ', 'POST Object with x-amz-checksum-crc32: stored');
like($r, qr{\r\nx-amz-checksum-crc32: \Q$crc\E\r\n}i, '... echoed');
$r = $t->s3(HEAD => '/auth/ck-form',
    headers => { 'x-amz-checksum-mode' => 'ENABLED' });
like($r, qr{\r\nx-amz-checksum-crc32: \Q$crc\E\r\n}i,
    '... HEAD with x-amz-checksum-mode returns it');
like($t->s3(GET => '/auth/ck-form'), qr{\r\n\r\n\Q$file\E$}, '... the file');

is(code(post_form($ck_policy, [ key => 'ck-sha',
    'x-amz-checksum-algorithm' => 'SHA256',
    'x-amz-checksum-type' => 'FULL_OBJECT',
    'x-amz-checksum-sha256' => $sha ], $file)), '204 ',
    'POST Object with x-amz-checksum-sha256: stored');

$r = post_form($ck_policy, [ key => 'ck-bad',
    'x-amz-checksum-crc32' => 'AAAAAA==' ], $file);
is(code($r), '400 BadDigest', 'POST Object, checksum field not matching');
like($r, qr{The CRC32 you specified did not match the calculated checksum\.},
    '... S3 message');
is(code($t->s3(HEAD => '/auth/ck-bad')), '404 ', '... nothing stored');

$r = post_form($ck_policy, [ key => 'ck-bad',
    'x-amz-checksum-crc32' => 'AAAA' ], $file);
is(code($r), '400 InvalidRequest', 'POST Object, checksum field malformed');
like($r, qr{Value for x-amz-checksum-crc32 header is invalid\.},
    '... S3 message');

is(code(post_form($ck_policy, [ key => 'ck-bad',
    'x-amz-checksum-crc32' => $crc, 'x-amz-checksum-sha256' => $sha ],
    $file)), '400 InvalidRequest', 'POST Object, two checksum fields');
is(code($t->s3(HEAD => '/auth/ck-bad')), '404 ', '... nothing stored');

# ---------------------------------------------------------------- boto3

$r = $c->ok_run('boto3: auth conformance',
    [ $c->python, "$FindBin::Bin/clients/boto3_conformance_auth.py",
      $c->endpoint ]);
like($r->{out}, qr/^presigned-v2 list_objects 200 a\/one$/m,
    'boto3: SigV2 presigned list_objects');
like($r->{out}, qr/^presigned-v2 list_objects_v2 200 a\/one$/m,
    'boto3: SigV2 presigned list_objects_v2');
like($r->{out}, qr/^presigned-v2 get_object 200 1$/m,
    'boto3: SigV2 presigned get_object');
like($r->{out}, qr/^mismatch 400 BadDigest$/m,
    'boto3: a checksum that does not match the body: BadDigest');
like($r->{out}, qr/^meta $_ same$/m, "boto3: metadata $_ round trip")
    for qw(plain mime-b mime-q);
like($r->{out}, qr/^v2-ua $_ ok$/m, "boto3: SigV2 PutObject, User-Agent $_")
    for qw(empty none);
like($r->{out}, qr/^v2-create $_ ok$/m, "boto3: SigV2 CreateBucket $_")
    for qw(auth-boto3-v2a auth-boto3-v2g);

$t->stop_ok;

done_testing();
