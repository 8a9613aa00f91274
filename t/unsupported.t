#!/usr/bin/perl

# Headers and POST form fields that ask for what SOS does not do (Object
# Lock, encryption at rest, storage classes, tags, website redirects,
# appends...): each is refused with 501 NotImplemented naming it on every
# operation where it counts, before any body is read, and leaves nothing
# behind; the values that ask for nothing missing still work, and values
# S3 does not know get S3's 400.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Select;
use JSON::PP;
use Test::More;

use SOS::Test;

my $t = SOS::Test->new->run;

sub req { return SOS::Test->parse($t->s3(@_)) }

is((req(PUT => '/bkt'))[0], 200, 'bucket');
is((req(PUT => '/bkt/src', body => 'source'))[0], 200, 'source object');
is((req(PUT => '/pub', headers => { 'x-amz-acl' => 'public-read-write' }))[0],
    200, 'a bucket anyone may POST to');

my (undef, undef, $b) = req(POST => '/bkt/mpu?uploads');
my ($upload) = $b =~ m{<UploadId>([^<]+)</UploadId>};
ok($upload, 'an upload for the part operations');
my (undef, $ph) = req(PUT => "/bkt/mpu?partNumber=1&uploadId=$upload",
    body => 'part');
my $complete = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
    . "<ETag>$ph->{etag}</ETag></Part></CompleteMultipartUpload>";

# each operation: method, URI, what else it needs
my %op = (
    CreateBucket => [ PUT => '/newbkt' ],
    PutObject => [ PUT => '/bkt/new', body => 'data' ],
    CopyObject => [ PUT => '/bkt/new',
        headers => { 'x-amz-copy-source' => '/bkt/src' } ],
    CreateMultipartUpload => [ POST => '/bkt/new?uploads' ],
    UploadPart => [ PUT => "/bkt/mpu?partNumber=2&uploadId=$upload",
        body => 'part' ],
    UploadPartCopy => [ PUT => "/bkt/mpu?partNumber=2&uploadId=$upload",
        headers => { 'x-amz-copy-source' => '/bkt/src' } ],
    CompleteMultipartUpload => [ POST => "/bkt/mpu?uploadId=$upload",
        body => $complete ],
    GetObject => [ GET => '/bkt/src' ],
    HeadObject => [ HEAD => '/bkt/src' ],
);

my @create = qw(PutObject CopyObject CreateMultipartUpload);
my @object = (@create, qw(GetObject HeadObject UploadPart UploadPartCopy
    CompleteMultipartUpload));

# header, value, the operations that refuse it
my @refused = (
    # x-amz-object-lock-* is served now (issue 16, t/object_lock.t)
    [ 'x-amz-server-side-encryption', 'AES256', @object ],
    [ 'x-amz-server-side-encryption', 'aws:kms', 'PutObject' ],
    [ 'x-amz-server-side-encryption-aws-kms-key-id', 'key-1', 'PutObject' ],
    [ 'x-amz-server-side-encryption-context', 'e30=', 'PutObject' ],
    [ 'x-amz-server-side-encryption-bucket-key-enabled', 'true',
        'PutObject' ],
    [ 'x-amz-server-side-encryption-customer-algorithm', 'AES256',
        @object ],
    [ 'x-amz-server-side-encryption-customer-key',
        'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', 'GetObject' ],
    [ 'x-amz-copy-source-server-side-encryption-customer-algorithm',
        'AES256', 'CopyObject', 'UploadPartCopy' ],
    [ 'x-amz-storage-class', 'GLACIER', @create ],
    [ 'x-amz-storage-class', 'REDUCED_REDUNDANCY', 'PutObject' ],
    [ 'x-amz-storage-class', 'DEEP_ARCHIVE', 'PutObject' ],
    # x-amz-tagging is served now (issue 16, t/tagging.t): no longer 501
    [ 'x-amz-object-ownership', 'BucketOwnerEnforced', 'CreateBucket' ],
    [ 'x-amz-object-ownership', 'BucketOwnerPreferred', 'CreateBucket' ],
    [ 'x-amz-write-offset-bytes', '0', 'PutObject' ],
    [ 'x-amz-mp-object-size', '4', 'CompleteMultipartUpload' ],
);

for my $row (@refused) {
    my ($name, $value, @ops) = @$row;

    for my $o (@ops) {
        my ($method, $uri, %opts) = @{ $op{$o} };
        my %h = (%{ $opts{headers} || {} }, $name => $value);
        my ($st, $hd, $body) = req($method, $uri, %opts, headers => \%h);

        subtest "$o with $name: $value" => sub {
            is($st, 501, 'status 501');
            return if $method eq 'HEAD';
            like($body, qr{<Code>NotImplemented</Code>}, 'NotImplemented');
            like($body, qr{<Message>A header you provided implies functionality that is not implemented: \Q$name\E\.</Message>},
                'the message names the header');
            like($body, qr{<Header>\Q$name\E</Header>}, '<Header>');
        };
    }
}

# nothing was made, nothing changed

is((req(HEAD => '/newbkt'))[0], 404, 'refused CreateBucket: no bucket');
is((req(HEAD => '/bkt/new'))[0], 404, 'refused writes: no object');
($b) = (req(GET => '/bkt?uploads'))[2];
my @uploads = $b =~ m{<Upload>}g;
is(scalar @uploads, 1, 'refused CreateMultipartUpload: no upload');
($b) = (req(GET => "/bkt/mpu?uploadId=$upload"))[2];
my @parts = $b =~ m{<Part>}g;
is(scalar @parts, 1, 'refused UploadPart: no part');

# a header name in any case

my ($st, $hd, $body) = req(PUT => '/bkt/new', body => 'data',
    headers => { 'X-Amz-Storage-Class' => 'GLACIER' });
is($st, 501, 'header name in mixed case: refused');
like($body, qr{<Header>x-amz-storage-class</Header>}, 'named lower case');

# values that ask for nothing SOS lacks

my @accepted = (
    [ 'CreateBucket', '/ok1', 'x-amz-bucket-object-lock-enabled', 'false' ],
    [ 'CreateBucket', '/ok2', 'x-amz-object-ownership', 'ObjectWriter' ],
    [ 'PutObject', undef, 'x-amz-storage-class', 'STANDARD' ],
    [ 'CopyObject', undef, 'x-amz-storage-class', 'STANDARD' ],
    [ 'CreateMultipartUpload', undef, 'x-amz-storage-class', 'STANDARD' ],
    [ 'CopyObject', undef, 'x-amz-tagging-directive', 'COPY' ],
    [ 'CopyObject', undef, 'x-amz-tagging-directive', 'REPLACE' ],
);

for my $row (@accepted) {
    my ($o, $uri, $name, $value) = @$row;
    my ($method, $u, %opts) = @{ $op{$o} };
    my %h = (%{ $opts{headers} || {} }, $name => $value);
    ($st) = req($method, $uri || $u, %opts, headers => \%h);
    is($st, 200, "$o with $name: $value: accepted");
}

# headers a request does not use are ignored, as S3 does
($st) = req(GET => '/bkt/src',
    headers => { 'x-amz-storage-class' => 'GLACIER' });
is($st, 200, 'x-amz-storage-class on GetObject: ignored');

# values S3 does not know: S3's 400

($st, $hd, $body) = req(PUT => '/bkt/bad', body => 'x',
    headers => { 'x-amz-storage-class' => 'COLD' });
is($st, 400, 'unknown storage class: 400');
like($body, qr{<Code>InvalidStorageClass</Code>}, 'InvalidStorageClass');

($st, $hd, $body) = req(PUT => '/bkt/bad',
    headers => { 'x-amz-copy-source' => '/bkt/src',
                 'x-amz-tagging-directive' => 'MERGE' });
is($st, 400, 'unknown tagging directive: 400');
like($body, qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');

($st, $hd, $body) = req(PUT => '/bad1',
    headers => { 'x-amz-object-ownership' => 'Nobody' });
is($st, 400, 'unknown object ownership: 400');
like($body, qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');

# refused before the body: no "100 Continue"

{
    my $s = $t->connect;
    print $s $t->s3_request(PUT => '/bkt/expect', body => 'hello',
        headers => { Expect => '100-continue', 'Content-Length' => 5,
        'x-amz-storage-class' => 'GLACIER' });
    my $r = read_until($s, qr{</Error>}, 5);
    like($r, qr{^HTTP/1\.1 501 .*<Code>NotImplemented</Code>}s,
        'refused with Expect: 501');
    unlike($r, qr{100 Continue}, 'refused with Expect: no 100 Continue');
    like($r, qr{\r\nConnection: close\r\n}, 'refused with Expect: closed');
}

# POST Object: the same as form fields

sub form {
    my (@fields) = @_;
    my $b = 'sosboundary' . int(rand(1e9));
    my $body = '';
    for (my $i = 0; $i < @fields; $i += 2) {
        $body .= "--$b\r\nContent-Disposition: form-data; "
            . "name=\"$fields[$i]\"\r\n\r\n$fields[$i + 1]\r\n";
    }
    $body .= "--$b\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\n"
        . "form data\r\n--$b--\r\n";
    return ($body, "multipart/form-data; boundary=$b");
}

sub post {
    my ($body, $type) = form(@_);
    return SOS::Test->parse($t->http(POST => '/pub', body => $body,
        headers => { 'Content-Type' => $type }));
}

my @fields = (
    # Object Lock fields are served now (issue 16, t/object_lock.t)
    [ 'x-amz-server-side-encryption', 'AES256' ],
    [ 'x-amz-storage-class', 'GLACIER' ],
    # the tagging field is served now (issue 16, t/tagging.t): no longer 501
    # x-amz-checksum-* fields are verified and stored (issue 15; see
    # t/conformance_auth.t): no longer 501
    [ 'Content-MD5', '1B2M2Y8AsgTpgAmY7PhCfg==' ],
);

for my $f (@fields) {
    my ($name, $value) = @$f;
    my $lc = lc $name;
    ($st, $hd, $body) = post(key => 'form', $name => $value);
    subtest "POST Object with field $name" => sub {
        is($st, 501, 'status 501');
        like($body, qr{<Code>NotImplemented</Code>}, 'NotImplemented');
        like($body, qr{<Message>A form field you provided implies functionality that is not implemented: \Q$lc\E\.</Message>},
            'the message names the field');
    };
}

($st) = post(key => 'form', 'x-amz-storage-class' => 'STANDARD');
is($st, 204, 'POST Object with storage class STANDARD: stored');
like((req(GET => '/pub'))[2], qr{<Key>form</Key>}, 'the form\'s object');

# a website redirect is stored, and checked as a header's is

($st) = post(key => 'moved', acl => 'public-read',
    'x-amz-website-redirect-location' => '/new');
is($st, 204, 'POST Object with a website redirect: stored');
($st, $hd) = req(HEAD => '/pub/moved');
is($hd->{'x-amz-website-redirect-location'}, '/new',
    'POST Object: the redirect is the object\'s');
($st, $hd, $body) = post(key => 'moved2',
    'x-amz-website-redirect-location' => 'elsewhere');
is($st, 400, 'POST Object, a redirect without / or http(s)://: 400');
like($body, qr{<Code>InvalidRedirectLocation</Code>},
    'InvalidRedirectLocation');

($st, $hd, $body) = post(key => 'form', 'x-amz-storage-class' => 'COLD');
is($st, 400, 'POST Object, unknown storage class: 400');
like($body, qr{<Code>InvalidStorageClass</Code>}, 'InvalidStorageClass');

# a form signed by boto3's generate_presigned_post, policy and all

SKIP: {
    die "boto3 not installed: run make deps\n"
        if system('python3 -c "import boto3" 2>/dev/null');

    my @cmd = ('python3', "$FindBin::Bin/post/presign.py",
        'http://127.0.0.1:' . $t->port, $t->access_key, $t->secret_key,
        'bkt', 'signed', encode_json({ 'x-amz-storage-class' => 'GLACIER' }),
        encode_json([ { 'x-amz-storage-class' => 'GLACIER' } ]), 300);
    open my $fh, '-|', @cmd or die "presign: $!\n";
    my $p = decode_json(do { local $/; <$fh> });
    close $fh;

    my ($fbody, $type) = form(map { ($_ => $p->{fields}{$_}) }
        sort keys %{ $p->{fields} });
    ($st, $hd, $body) = SOS::Test->parse($t->http(POST => '/bkt',
        body => $fbody, headers => { 'Content-Type' => $type }));
    is($st, 501, 'signed form with storage class GLACIER: 501');
    is((req(HEAD => '/bkt/signed'))[0], 404, 'signed form: no object');
}

$t->stop_ok;

done_testing();

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
