#!/usr/bin/perl

# The authorization step (ngx_sos_authz.c), attacked: every operation's row
# as anonymous, another organization, a grantee of READ and one of WRITE
# on the bucket (ACL), and the owner; the 404 that only who may list a
# bucket gets (keys, uploads, copy sources); uploads pinned to their bucket
# and key; the object the step checks being the one the operation uses
# (encodings, virtual hosts, versionId, copy sources); the router's choice
# among sub-resources; refusals that write nothing and end the request;
# x-amz-expected-bucket-owner telling nothing; clients that go away while
# a job holds what the step looked up.  S3's rules: "Access control list
# (ACL) overview" and the operation pages (see t/acl_matrix.t).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64);
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep);

use SOS::Auth qw(sigv2);
use SOS::Test;

my $t = SOS::Test->new(http => 'sos_domain s3.localhost;');

sub org_id {
    my ($name) = @_;
    my ($rc, $out) = $t->sosctl('org', 'show', $name);
    return ($out =~ /^id:\s+(\S+)/m)[0];
}

sub new_org {
    my ($name) = @_;
    my ($rc, $out, $err) = $t->sosctl('org', 'create', $name);
    die "sosctl org create: $err" if $rc;
    ($rc, $out, $err) = $t->sosctl('key', 'create', $name);
    die "sosctl key create: $err" if $rc;
    return { access => ($out =~ /^aws_access_key_id = (\S+)/m)[0],
             secret => ($out =~ /^aws_secret_access_key = (\S+)/m)[0],
             id => org_id($name) };
}

my %who = (
    owner => { access => $t->access_key, secret => $t->secret_key,
               id => org_id('dev') },
    other => new_org('other'),
    reader => new_org('reader'),
    writer => new_org('writer'),
    anon => undef,
);

$t->run;
my $port = $t->port;

# a request as one of %who: (status, headers, body)

sub as {
    my ($p, $method, $uri, %o) = @_;
    my $c = $who{$p};
    return SOS::Test->parse($c
        ? $t->s3($method, $uri, %o, access => $c->{access},
                 secret => $c->{secret})
        : $t->http($method, $uri, %o));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] // '' }

# "status Code", what a client tells one answer from another by
sub answer {
    my ($st, $h, $b) = as(@_);
    return "$st " . code($b);
}

sub upload_id {
    my ($bucket, $key, $p) = @_;
    my (undef, undef, $b) = as($p // 'owner', POST => "/$bucket/$key?uploads");
    return ($b =~ m{<UploadId>([^<]+)</UploadId>})[0] // 'none';
}

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

my $worker = worker_pid();

# azp: the owner's, private; READ granted to reader, WRITE to writer
# azd: public-read-write, where copies land
# azo: other's, private

my %grants = (
    'x-amz-grant-full-control' => qq{id="$who{owner}{id}"},
    'x-amz-grant-read' => qq{id="$who{reader}{id}"},
    'x-amz-grant-write' => qq{id="$who{writer}{id}"},
);

is(answer(owner => PUT => '/azp', headers => \%grants), '200 ', 'azp');
is(answer(owner => PUT => '/azd',
        headers => { 'x-amz-acl' => 'public-read-write' }), '200 ', 'azd');
is(answer(other => PUT => '/azo'), '200 ', 'azo, of another organization');

is(answer(owner => PUT => '/azp/k', body => 'secret-k'), '200 ',
    'a private object');
is(answer(owner => PUT => '/azp/open', body => 'open',
        headers => { 'x-amz-acl' => 'public-read' }), '200 ',
    'a public-read object');
is(answer(owner => PUT => '/azp/' . SOS::Test::uri_escape('k?versionId=x'),
        body => 'question', headers => { 'x-amz-acl' => 'public-read' }),
    '200 ', 'an object whose key has a "?"');

my $up = upload_id('azp', 'up');
my $dup = upload_id('azd', 'dup');
my $oup = upload_id('azo', 'up', 'other');
my $unknown = 'f' x length $up;

like($up . $dup . $oup, qr/^[0-9a-f]{96}$/, 'three uploads');

my $complete_xml = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
    . '<ETag>"' . ('0' x 32) . '"</ETag></Part></CompleteMultipartUpload>';
# MFA delete is refused (501) after the step: the owner's answer, and the
# bucket stays unversioned for the tests below (versioning is served now:
# t/versioning.t)
my $versioning_xml = '<VersioningConfiguration xmlns="http://s3.amazonaws.'
    . 'com/doc/2006-03-01/"><Status>Enabled</Status>'
    . '<MfaDelete>Enabled</MfaDelete></VersioningConfiguration>';
my $delete_xml = '<Delete><Object><Key>nothing-here</Key></Object></Delete>';

# ------------------------------------------------------- every row, by who

# [ row, method, uri, options, { who => answer } ]: the owner and who the
# row's permission names get through the step (their answer is the
# operation's), the others 403

my @rows = (
    [ 'ListObjectVersions', GET => '/azp?versions', {},
      { owner => '200 ', reader => '200 ' } ],
    [ 'ListMultipartUploads', GET => '/azp?uploads', {},
      { owner => '200 ', reader => '200 ' } ],
    [ 'GetBucketLocation', GET => '/azp?location', {},
      { owner => '200 ' } ],
    [ 'GetBucketVersioning', GET => '/azp?versioning', {},
      { owner => '200 ' } ],
    [ 'PutBucketVersioning', PUT => '/azp?versioning',
      { body => $versioning_xml }, { owner => '501 NotImplemented' } ],
    [ 'DeleteBucket', DELETE => '/azp', {},
      { owner => '409 BucketNotEmpty' } ],
    [ 'DeleteObjects', POST => '/azp?delete',
      { body => $delete_xml,
        headers => { 'Content-MD5' => md5_base64($delete_xml) . '==' } },
      { owner => '200 ', writer => '200 ' } ],
    [ 'ListParts', GET => "/azp/up?uploadId=$up", {},
      { owner => '200 ', writer => '200 ' } ],
    [ 'CompleteMultipartUpload', POST => "/azp/up?uploadId=$up",
      { body => $complete_xml },
      { owner => '400 InvalidPart', writer => '400 InvalidPart' } ],
    [ 'GetObject ?partNumber', GET => '/azp/k?partNumber=1', {},
      { owner => '206 ' } ],
    [ 'HeadObject ?partNumber', HEAD => '/azp/k?partNumber=1', {},
      { owner => '206 ' } ],
    [ 'GetObject ?versionId=null', GET => '/azp/k?versionId=null', {},
      { owner => '200 ' } ],
    [ 'GetObject ?partNumber, public-read', GET => '/azp/open?partNumber=1',
      {}, { map { ($_ => '206 ') } keys %who } ],
    [ 'UploadPartCopy, private source',
      PUT => "/azd/dup?partNumber=1&uploadId=$dup",
      { headers => { 'x-amz-copy-source' => '/azp/k' } },
      { owner => '200 ' } ],
    # anonymous callers never reach UploadPartCopy, as before
    [ 'UploadPartCopy, public-read source',
      PUT => "/azd/dup?partNumber=2&uploadId=$dup",
      { headers => { 'x-amz-copy-source' => '/azp/open' } },
      { owner => '200 ', other => '200 ', reader => '200 ',
        writer => '200 ' } ],
    [ 'CopyObject, private source', PUT => '/azd/copied',
      { headers => { 'x-amz-copy-source' => '/azp/k' } },
      { owner => '200 ' } ],
);

for my $row (@rows) {
    my ($name, $method, $uri, $o, $pass) = @$row;
    for my $p (sort keys %who) {
        my $want = $pass->{$p} // '403 AccessDenied';
        $want =~ s/ \w+$/ / if $method eq 'HEAD';
        is(answer($p, $method, $uri, %$o), $want, "$name as $p");
    }
}

is(answer(anon => GET => '/azp/k?versionId=3HL4kqtJlcpXroDTDmJ'),
    '404 NoSuchVersion', 'a versionId other than null: none, whoever asks');

# --------------------------------------------------- 404 only to listers

# who cannot list azp (no READ on it) learns nothing from an answer: an
# object that exists and one that does not are both 403; reader may list:
# 403 for the private object, 404 for the missing one

my @probes = (
    [ GetObject => GET => '/azp/%s' ],
    [ HeadObject => HEAD => '/azp/%s' ],
    [ 'GetObject ?partNumber' => GET => '/azp/%s?partNumber=1' ],
    [ 'HeadObject ?partNumber' => HEAD => '/azp/%s?partNumber=1' ],
    [ 'GetObject If-Match' => GET => '/azp/%s',
      headers => { 'If-Match' => '"nope"' } ],
    [ 'GetObject If-None-Match' => GET => '/azp/%s',
      headers => { 'If-None-Match' => '*' } ],
    [ 'GetObject Range' => GET => '/azp/%s',
      headers => { Range => 'bytes=100-200' } ],
    [ GetObjectAcl => GET => '/azp/%s?acl' ],
    [ PutObjectAcl => PUT => '/azp/%s?acl',
      headers => { 'x-amz-acl' => 'public-read' } ],
    [ 'CopyObject source' => PUT => '/azd/c-%s',
      headers => { 'x-amz-copy-source' => '/azp/%s' } ],
    [ 'CopyObject source, conditions' => PUT => '/azd/c-%s',
      headers => { 'x-amz-copy-source' => '/azp/%s',
                   'x-amz-copy-source-if-none-match' => '*',
                   'x-amz-copy-source-if-match' => '"nope"' } ],
    [ 'UploadPartCopy source' => PUT => "/azd/dup?partNumber=3&uploadId=$dup",
      headers => { 'x-amz-copy-source' => '/azp/%s' } ],
);

for my $pr (@probes) {
    my ($name, $method, $uri, %o) = @$pr;

    for my $p (qw(anon other writer reader)) {
        my @a;
        for my $key ('k', "missing-$p") {
            my %oo = %o;
            $oo{headers} = { map { my $v = $o{headers}{$_};
                $v =~ s/%s/$key/; ($_ => $v) } keys %{ $o{headers} } }
                if $o{headers};
            (my $u = $uri) =~ s/%s/$key/;
            push @a, answer($p, $method, $u, %oo);
        }

        my $denied = $method eq 'HEAD' ? '403 ' : '403 AccessDenied';

        if ($p eq 'reader') {
            is("@a", $denied . ' '
                    . ($method eq 'HEAD' ? '404 ' : '404 NoSuchKey'),
                "$name as reader: 403, missing 404");
            next;
        }

        is("@a", "$denied $denied", "$name as $p: existing and missing "
            . 'alike');
    }
}

is(answer(owner => GET => '/azp/missing-anon'), '404 NoSuchKey',
    'no probe made the missing key');

# an upload, and a well-formed id of none: alike to who may not write

my @upload_probes = (
    [ ListParts => GET => '/azp/up?uploadId=%s' ],
    [ AbortMultipartUpload => DELETE => '/azp/up?uploadId=%s' ],
    [ CompleteMultipartUpload => POST => '/azp/up?uploadId=%s',
      body => $complete_xml ],
    [ UploadPart => PUT => '/azp/up?partNumber=1&uploadId=%s',
      body => 'part' ],
    [ UploadPartCopy => PUT => '/azp/up?partNumber=1&uploadId=%s',
      headers => { 'x-amz-copy-source' => '/azp/open' } ],
);

for my $pr (@upload_probes) {
    my ($name, $method, $uri, %o) = @$pr;
    for my $p (qw(anon other reader)) {
        my @a = map { (my $u = $uri) =~ s/%s/$_/; answer($p, $method, $u, %o) }
            $up, $unknown;
        is("@a", '403 AccessDenied 403 AccessDenied',
            "$name as $p: an upload and none alike");
    }
}

is(answer(writer => GET => "/azp/up?uploadId=$unknown"), '404 NoSuchUpload',
    'ListParts as writer: NoSuchUpload');

# ------------------------------------- uploads belong to a bucket and key

# the id of azp's upload, used on azd (writer may write both), on another
# key of azp, and by other on its own bucket: no such upload, whatever
# the operation, and nothing reaches azp's upload

my @pinned = (
    [ writer => '/azd/up' ],
    [ writer => '/azp/up2' ],
    [ other => '/azo/up' ],
);

for my $pn (@pinned) {
    my ($p, $path) = @$pn;
    is(answer($p, GET => "$path?uploadId=$up"), '404 NoSuchUpload',
        "ListParts as $p on $path with azp's upload");
    is(answer($p, PUT => "$path?partNumber=1&uploadId=$up", body => 'x'),
        '404 NoSuchUpload', "UploadPart as $p on $path");
    is(answer($p, PUT => "$path?partNumber=1&uploadId=$up",
            headers => { 'x-amz-copy-source' => '/azp/open' }),
        '404 NoSuchUpload', "UploadPartCopy as $p on $path");
    is(answer($p, POST => "$path?uploadId=$up", body => $complete_xml),
        '404 NoSuchUpload', "CompleteMultipartUpload as $p on $path");
    is(answer($p, DELETE => "$path?uploadId=$up"), '404 NoSuchUpload',
        "AbortMultipartUpload as $p on $path");
}

is(answer(owner => GET => "/azp/up?uploadId=$oup"), '404 NoSuchUpload',
    "the owner with other's upload id on its own bucket");
is(answer(owner => GET => "/azo/up?uploadId=$oup"), '403 AccessDenied',
    "... and on other's bucket");

my ($parts_st, undef, $parts) = as(owner => GET => "/azp/up?uploadId=$up");
is($parts_st, 200, "ListParts of azp's upload: 200");
like($parts, qr{<ListPartsResult}, "azp's upload is still there");
unlike($parts, qr{<Part>}, '... without a part');

# ------------------------------- the object checked is the object used

# copy sources: decoded once, split at the first "/", the query cut at the
# first "?" as sent; "../" is a key, not a path

sub copied {
    my ($p, $src, $dst) = @_;
    my $a = answer($p, PUT => "/azd/$dst", headers => {
        'x-amz-copy-source' => $src, 'x-amz-acl' => 'public-read' });
    my (undef, undef, $b) = as(owner => GET => "/azd/$dst");
    return "$a " . ($b =~ /^</ ? code($b) : $b);
}

is(copied(anon => '/azp/open', 'x1'), '200  open', 'public-read source');
is(copied(anon => '/azp/k', 'x2'), '403 AccessDenied NoSuchKey',
    'private source: refused, nothing written');
is(copied(anon => '/azp/open/../k', 'x3'), '403 AccessDenied NoSuchKey',
    'open/../k is a key of its own');
is(copied(anon => '/azp%2Fk', 'x4'), '403 AccessDenied NoSuchKey',
    '%2F between bucket and key: still azp/k');
is(copied(anon => '%2Fazp%2Fopen', 'x5'), '200  open',
    'all of it %-encoded');
is(copied(anon => '/azp/k%3FversionId=x', 'x6'), '200  question',
    '%3F: part of the key');
is(copied(anon => '/azp/k?versionId=null', 'x7'),
    '403 AccessDenied NoSuchKey', '?versionId=null: azp/k itself');
is(copied(owner => '/azp/k?versionId=null', 'x8'), '200  secret-k',
    '... copied for the owner');
is(copied(owner => '/azp/k?versionId=x', 'x9'), '404 NoSuchVersion NoSuchKey',
    'another version: none, nothing written');
is(copied(anon => '/azp/open&versionId=null', 'x10'),
    '403 AccessDenied NoSuchKey', '"&" is part of the key');
is(copied(owner => '/AZP/k', 'x11'), '404 NoSuchBucket NoSuchKey',
    'bucket names are not folded');

# requests: the bucket from Host or from the path, %XX decoded once

sub get_as {
    my ($p, $uri, %o) = @_;
    my ($st, $h, $b) = as($p, GET => $uri, %o);
    return "$st " . ($b =~ /^</ ? code($b) : $b);
}

my $vh = "azp.s3.localhost:$port";

is(get_as(anon => '/open', headers => { Host => $vh }), '200 open',
    'virtual host: public-read object');
is(get_as(anon => '/k', headers => { Host => $vh }), '403 AccessDenied',
    'virtual host: private object');
is(get_as(owner => '/k', host => $vh), '200 secret-k',
    'virtual host: the owner');
is(get_as(anon => '/azp/k', headers => { Host => "azd.s3.localhost:$port" }),
    '404 NoSuchKey', 'virtual host azd, path /azp/k: the key azp/k of azd');
is(get_as(anon => "http://azp.s3.localhost:$port/k",
        headers => { Host => "azd.s3.localhost:$port" }),
    '400 InvalidRequest', 'a request target naming another host');
is(get_as(anon => '/%61zp/k'), '403 AccessDenied', '%61zp is azp');
is(get_as(owner => '/%61zp/%6B'), '200 secret-k', '... for the owner too');
is(get_as(anon => '/azp/k%3FversionId=x'), '200 question',
    '%3F in a path: part of the key');

# --------------------------------------------------------------- routing

# the sub-resource that comes first selects the row, of the request's
# level; unknown ones at that level are ignored

my @routes = (
    [ GET => "/azp/k?acl&uploadId=$up", qr/<AccessControlPolicy/,
      'acl before uploadId: GetObjectAcl' ],
    [ GET => "/azp/up?uploads&uploadId=$up", qr/<ListPartsResult/,
      'uploadId before uploads: ListParts' ],
    [ POST => "/azp/up?uploads&uploadId=$up", qr/<Code>MalformedXML/,
      'uploadId before uploads: CompleteMultipartUpload, not Create',
      body => '<bad' ],
    [ GET => '/azp?acl&uploads', qr/<AccessControlPolicy/,
      'bucket: acl before uploads' ],
    [ GET => '/azp?versions&uploads', qr/<ListMultipartUploadsResult/,
      'bucket: uploads before versions' ],
    [ GET => '/azp?versioning&location', qr/<LocationConstraint/,
      'bucket: location before versioning' ],
    [ GET => "/azp?uploadId=$up", qr/<ListBucketResult/,
      'bucket: uploadId is not one of its sub-resources' ],
    # (?tagging is served now, issue 16: ?policy is one not served)
    [ GET => '/azp?policy&acl', qr/<Code>NotImplemented/,
      'a sub-resource not served wins' ],
    [ GET => '/azp/k?ACL', qr/^secret-k$/,
      'sub-resources are case-sensitive' ],
    [ GET => '/azp/k?versioning&location&delete', qr/^secret-k$/,
      'bucket sub-resources on an object: GetObject' ],
    [ GET => '/azp?list-type=1&list-type=2', qr/<KeyCount>/,
      'list-type=2 anywhere: ListObjectsV2' ],
    [ GET => '/azp?list-type=2&list-type=1', qr/<KeyCount>/,
      '... first or last' ],
    [ GET => '/azp?list-type=3', qr/<ListBucketResult(?!.*<KeyCount>)/s,
      'list-type=3: ListObjects' ],
    [ PUT => "/azp/k?uploadId=$up",
      qr/<Code>InvalidArgument.*partNumber/s,
      'uploadId without partNumber, with a copy source: not CopyObject',
      headers => { 'x-amz-copy-source' => '/azp/open' } ],
    [ PUT => '/azp/k?acl', qr/^$/,
      'acl with a copy source: PutObjectAcl, no copy',
      headers => { 'x-amz-copy-source' => '/azp/open',
                   'x-amz-acl' => 'private' } ],
    [ GET => '/azp/k', qr/^secret-k$/, '... azp/k unchanged' ],
);

for my $rt (@routes) {
    my ($method, $uri, $re, $name, %o) = @$rt;
    my ($st, $h, $b) = as(owner => $method, $uri, %o);
    like($b, $re, "$name ($st)");
}

for my $m (qw(PATCH OPTIONS PROPFIND)) {
    for my $u ('/', '/azp', '/azp/k') {
        # OPTIONS on a bucket or a key is a CORS preflight (t/cors.t)
        next if $m eq 'OPTIONS' && $u ne '/';
        my ($st, $h, $b) = as(owner => $m, $u);
        is("$st " . code($b), '405 MethodNotAllowed', "$m $u: 405");
    }
}

is(answer(owner => HEAD => "/azp/up?uploadId=$up"), '405 ',
    'HEAD with uploadId: 405');
is(answer(owner => GET => '/azp/k?uploads'), '405 MethodNotAllowed',
    'GET an object with uploads: 405');

my $form_type = { 'Content-Type' => 'multipart/form-data; boundary=b' };
my $form_body = "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n"
    . "f\r\n--b--\r\n";

is(answer(owner => POST => '/azp/k', headers => $form_type,
        body => $form_body), '405 MethodNotAllowed',
    'a form POSTed to an object: 405');
is(answer(owner => POST => '/azp?uploads', headers => $form_type,
        body => $form_body), '405 MethodNotAllowed',
    'a form POSTed with uploads: 405');
is(answer(owner => POST => '/azp?delete', headers => $form_type,
        body => $form_body), '400 InvalidRequest',
    'a form POSTed with delete: DeleteObjects, no Content-MD5');
is(answer(anon => POST => '/azp', body => 'x'), '403 AccessDenied',
    'a POST to a bucket, not a form, anonymous: 403');
is(answer(owner => POST => '/azp', body => 'x'), '501 NotImplemented',
    '... signed: 501');

# ----------------------------------- refusals write nothing, end cleanly

# a refused request with a body: answered, the body dropped, and the next
# request on the connection answered (nothing of the body taken for it)

sub pipelined {
    my ($first) = @_;
    my $next = "GET /azp/open HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
        . "Connection: close\r\n\r\n";
    my $r = $t->raw($first . $next) // '';
    return join ' ', $r =~ m{^HTTP/1\.1 (\d{3})}mg;
}

my $inner = "PUT /azd/smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 1"
    . "\r\n\r\nx";

is(pipelined("PUT /azp/new HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
        . 'Content-Length: ' . length($inner) . "\r\n\r\n$inner"),
    '403 200', 'anonymous PutObject refused, then the next request');
is(pipelined("PUT /azp/up?partNumber=1&uploadId=$up HTTP/1.1\r\n"
        . "Host: 127.0.0.1:$port\r\nTransfer-Encoding: chunked\r\n\r\n"
        . sprintf("%x\r\n%s\r\n0\r\n\r\n", length $inner, $inner)),
    '403 200', 'anonymous UploadPart refused, chunked body');
is(answer(owner => GET => '/azp/new'), '404 NoSuchKey', 'nothing written');
is(answer(owner => GET => '/azd/smuggled'), '404 NoSuchKey',
    'nothing of the body run as a request');

my $r = $t->raw("PUT /azp/new HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
    . "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n") // '';
like($r, qr{^HTTP/1\.1 403 }, 'refused before 100 Continue: 403');
unlike($r, qr{100 Continue}, '... and never told to send the body');

is(answer(other => PUT => "/azp/up?partNumber=1&uploadId=$up",
        body => 'theirs'), '403 AccessDenied', "other's UploadPart refused");
($parts_st, undef, $parts) = as(owner => GET => "/azp/up?uploadId=$up");
is($parts_st, 200, '... ListParts: 200');
like($parts, qr{<ListPartsResult}, '... the upload is still there');
unlike($parts, qr{<Part>}, '... no part written');

# POST Object: the signer of the form, once its policy is verified, is who
# the step checks; a bucket that is not there is answered before the body

sub form_post {
    my ($bucket, $key, $signer) = @_;
    my @f = (key => $key);
    if ($signer) {
        my $policy = encode_base64(encode_json({
            expiration => POSIX::strftime('%Y-%m-%dT%H:%M:%SZ',
                gmtime(time() + 600)),
            conditions => [ { bucket => $bucket }, { key => $key } ] }), '');
        push @f, AWSAccessKeyId => $who{$signer}{access}, policy => $policy,
            signature => sigv2($who{$signer}{secret}, $policy);
    }
    my $body = '';
    for (my $i = 0; $i < @f; $i += 2) {
        $body .= "--b\r\nContent-Disposition: form-data; name=\"$f[$i]\""
            . "\r\n\r\n$f[$i + 1]\r\n";
    }
    $body .= "--b\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"f\"\r\n\r\nform of " . ($signer // 'anon')
        . "\r\n--b--\r\n";
    my ($st, $h, $b) = SOS::Test->parse($t->http(POST => "/$bucket",
        body => $body, headers => $form_type));
    return "$st " . code($b);
}

is(form_post('azp', 'f-anon'), '403 AccessDenied',
    'anonymous form, private bucket');
is(form_post('azp', 'f-other', 'other'), '403 AccessDenied',
    "other's form, private bucket");
is(form_post('azp', 'f-reader', 'reader'), '403 AccessDenied',
    "reader's form: READ is not WRITE");
is(form_post('azp', 'f-writer', 'writer'), '204 ',
    "writer's form: WRITE granted to its signer");
is(form_post('azd', 'f-anon', undef), '204 ',
    'anonymous form, public-read-write bucket');
is(form_post('nosuchbucket', 'f', 'owner'), '404 NoSuchBucket',
    'a form for a bucket that is not there');

for my $k (qw(f-anon f-other f-reader)) {
    is(answer(owner => HEAD => "/azp/$k"), '404 ', "azp/$k: not written");
}
is(answer(writer => GET => '/azp/f-writer'), '200 ',
    "azp/f-writer: the writer's");

# --------------------------------------- the expected owner tells nothing

# a caller the bucket refuses anyway gets the same answer for the right
# owner and a wrong one: HeadBucket names the region in both

sub head_bucket {
    my ($p, $owner) = @_;
    my ($st, $h) = as($p, HEAD => '/azp',
        headers => { 'x-amz-expected-bucket-owner' => $owner });
    return "$st " . ($h->{'x-amz-bucket-region'} // 'no region');
}

for my $p (qw(anon other)) {
    is(head_bucket($p, $who{owner}{id}), '403 us-east-1',
        "HeadBucket as $p, the right owner: 403 with the region");
    is(head_bucket($p, '0' x length $who{owner}{id}), '403 us-east-1',
        "HeadBucket as $p, a wrong owner: the same");
}

is(head_bucket(reader => $who{owner}{id}), '200 us-east-1',
    'HeadBucket as reader, the right owner: 200');
is(head_bucket(reader => $who{other}{id}), '403 us-east-1',
    '... a wrong owner: 403 with the region');

my ($st, $h) = as(anon => HEAD => '/azp');
is("$st " . ($h->{'x-amz-bucket-region'} // 'no region'), '403 us-east-1',
    'a refused HeadBucket names the region');

# ------------------------------- clients that leave while a job runs

is(answer(owner => PUT => '/azd/big', body => 'b' x (4 * 1024 * 1024),
        headers => { 'x-amz-acl' => 'public-read' }), '200 ', 'a big object');

my $tmp = upload_id('azd', 'tmp');

sub leave {
    my ($req, $wait, $read) = @_;
    my $s = $t->connect;
    print $s $req;
    if ($read) {
        my $buf;
        sysread($s, $buf, $read);
    }
    sleep($wait) if $wait;
    close $s;
}

for my $i (1 .. 10) {
    my $w = ($i % 4) * 0.003;
    leave($t->s3_request(GET => '/azd/big'), $w);
    leave($t->s3_request(GET => '/azd/big'), 0, 64);
    leave($t->s3_request(HEAD => '/azd/big'), $w);
    leave($t->s3_request(GET => '/azd/big?partNumber=1'), $w);
    leave($t->s3_request(GET => '/azd/big',
        headers => { Range => 'bytes=10-100000' }), 0, 16);
    leave($t->s3_request(PUT => "/azd/cp$i",
        headers => { 'x-amz-copy-source' => '/azd/big' }), $w);
    leave($t->s3_request(PUT => "/azd/tmp?partNumber=$i&uploadId=$tmp",
        headers => { 'x-amz-copy-source' => '/azd/big' }), $w);
    leave($t->s3_request(GET => "/azd/tmp?uploadId=$tmp"), $w);
    leave($t->s3_request(GET => '/azp/k?acl',
        headers => { 'x-amz-expected-bucket-owner' => '0' x 64 }), $w);
    leave("GET /azp/k HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", $w);
    leave("PUT /azp/new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        . "Content-Length: 100000\r\n\r\n" . ('y' x 5000), $w);
    leave("POST /azp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        . "Content-Type: multipart/form-data; boundary=b\r\n"
        . "Content-Length: 100000\r\n\r\n--b\r\nContent-Disposition: "
        . "form-data; name=\"key\"\r\n\r\nk\r\n--b\r\nContent-Disposition: "
        . "form-data; name=\"file\"; filename=\"f\"\r\n\r\n"
        . ('z' x 3000), $w);
}

sleep(0.5);

is(get_as(anon => '/azd/big', headers => { Range => 'bytes=0-3' }),
    '206 bbbb', 'the worker still answers');
is(worker_pid(), $worker, '... and it is the same worker');
is(answer(owner => HEAD => '/azp/new'), '404 ', 'no refused upload written');

# ------------------------------------------- copy-source-range overflow

# 2^64 would wrap to 0: the part would be bytes 0-1 of the source
is(answer(owner => PUT => "/azd/dup?partNumber=4&uploadId=$dup",
        headers => { 'x-amz-copy-source' => '/azd/big',
            'x-amz-copy-source-range' =>
                'bytes=18446744073709551616-18446744073709551617' }),
    '400 InvalidArgument', 'a copy-source-range beyond 64 bits: 400');

$t->stop_ok;

done_testing();
