#!/usr/bin/perl

# Object Lock over raw HTTP: CreateBucket with
# x-amz-bucket-object-lock-enabled, Get/PutObjectLockConfiguration,
# Get/PutObjectRetention and Get/PutObjectLegalHold per version, the
# x-amz-object-lock-* headers of PutObject, CopyObject and POST Object
# (and the default retention of CompleteMultipartUpload), the headers of
# GET and HEAD, x-amz-bypass-governance-retention on DeleteObject,
# DeleteObjects and PutObjectRetention, and every refusal.  As AWS
# documents it (S3 API reference: PutObjectLockConfiguration,
# PutObjectRetention, PutObjectLegalHold, PutObject; S3 user guide:
# "Locking objects with Object Lock"); where AWS is silent, as Ceph RGW
# and its s3-tests (test_object_lock_*).  Who may bypass is SOS's
# choice: an admin key of the bucket's owner (docs/object-lock.md).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64 md5_hex);
use Digest::SHA qw(hmac_sha1 sha256_base64);
use MIME::Base64 qw(encode_base64);
use POSIX qw(strftime);
use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $VID = qr/[0-9a-f]{32}/;

my $t = SOS::Test->new;
my %other = $t->org_with_key('other');

# a key of the owner's organization that is not an admin key: it may
# write the bucket, not bypass its locks
my %writer;
{
    my ($rc, $out, $err) = $t->sosctl('key', 'create', 'dev');
    die "sosctl key create: $err" if $rc;
    ($writer{access}) = $out =~ /^aws_access_key_id = (\S+)/m;
    ($writer{secret}) = $out =~ /^aws_secret_access_key = (\S+)/m;
}

$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] || '' }

# "status code" of an answer: the S3 error code, or nothing
sub answer {
    my ($st, $h, $body) = req(@_);
    return "$st " . code($body);
}

sub md5h { return 'Content-MD5' => md5_base64($_[0]) . '==' }

sub iso { return strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) }

# a document PUT with its Content-MD5 (as the SDKs send it)
sub put_doc {
    my ($uri, $xml, %opts) = @_;
    my %h = (md5h($xml), %{ delete $opts{headers} || {} });
    return answer(PUT => $uri, body => $xml, headers => \%h, %opts);
}

sub olc {
    return qq{<ObjectLockConfiguration xmlns="$XMLNS">$_[0]}
        . '</ObjectLockConfiguration>';
}

sub rule {
    my ($mode, $period) = @_;
    return olc('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>'
        . "<DefaultRetention><Mode>$mode</Mode>$period</DefaultRetention>"
        . '</Rule>');
}

sub retention {
    my ($mode, $until) = @_;
    return qq{<Retention xmlns="$XMLNS"><Mode>$mode</Mode>}
        . '<RetainUntilDate>' . (ref $until ? $$until : iso($until))
        . '</RetainUntilDate></Retention>';
}

sub hold { return qq{<LegalHold xmlns="$XMLNS"><Status>$_[0]</Status></LegalHold>} }

sub put {
    my ($uri, $body, %opts) = @_;
    my ($st, $h, $b) = req(PUT => $uri, body => $body, %opts);
    is($st, 200, "PUT $uri") or diag($b);
    return $h->{'x-amz-version-id'};
}

my $bypass = { 'x-amz-bypass-governance-retention' => 'true' };
my $far = time() + 3600;

# ------------------------------------------------------------- CreateBucket

is(answer(PUT => '/lockb',
        headers => { 'x-amz-bucket-object-lock-enabled' => 'true' }),
    '200 ', 'CreateBucket with x-amz-bucket-object-lock-enabled: true');
my ($st, $h, $body) = req(GET => '/lockb?versioning');
like($body, qr{<Status>Enabled</Status>},
    '... versioning is Enabled with it (S3: "enables versioning")');
($st, $h, $body) = req(GET => '/lockb?object-lock');
is($st, 200, 'GetObjectLockConfiguration');
like($body, qr{^<\?xml[^>]*>\s*<ObjectLockConfiguration xmlns="\Q$XMLNS\E"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>$},
    '... Enabled, no default retention');
is(answer(PUT => '/lkbad',
        headers => { 'x-amz-bucket-object-lock-enabled' => 'maybe' }),
    '400 InvalidArgument', 'x-amz-bucket-object-lock-enabled: maybe');
is((req(HEAD => '/lkbad'))[0], 404, '... no bucket made');

is(answer(PUT => '/plain'), '200 ', 'a bucket without Object Lock');
($st, $h, $body) = req(GET => '/plain?object-lock');
is("$st " . code($body), '404 ObjectLockConfigurationNotFoundError',
    'GetObjectLockConfiguration without: 404 (s3-tests '
    . 'test_object_lock_get_obj_lock_invalid_bucket)');
like($body, qr{<BucketName>plain</BucketName>}, '... names the bucket');

# ------------------------------------------------ PutObjectLockConfiguration

is(answer(PUT => '/lockb?object-lock', body => rule('GOVERNANCE',
        '<Days>1</Days>')),
    '400 InvalidRequest', 'without Content-MD5: 400 InvalidRequest (S3)');
is(put_doc('/lockb?object-lock', rule('GOVERNANCE', '<Days>1</Days>')),
    '200 ', 'GOVERNANCE, 1 day');
($st, $h, $body) = req(GET => '/lockb?object-lock');
like($body, qr{<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule>},
    '... read back');
is(put_doc('/lockb?object-lock', rule('COMPLIANCE', '<Years>1</Years>')),
    '200 ', 'COMPLIANCE, 1 year');
($st, $h, $body) = req(GET => '/lockb?object-lock');
like($body, qr{<Mode>COMPLIANCE</Mode><Years>1</Years>}, '... read back');

# the refusals of s3-tests test_object_lock_put_obj_lock_*
for my $c (
    [ rule('GOVERNANCE', '<Days>1</Days><Years>1</Years>'),
        '400 MalformedXML', 'Days and Years' ],
    [ rule('GOVERNANCE', '<Days>0</Days>'),
        '400 InvalidRetentionPeriod', 'Days 0' ],
    [ rule('GOVERNANCE', '<Years>-1</Years>'),
        '400 InvalidRetentionPeriod', 'Years -1' ],
    [ rule('GOVERNANCE', '<Days>36501</Days>'),
        '400 InvalidRetentionPeriod', 'more than 100 years of days' ],
    [ rule('GOVERNANCE', '<Days>one</Days>'),
        '400 MalformedXML', 'Days not a number' ],
    [ rule('abc', '<Years>1</Years>'), '400 MalformedXML', 'Mode abc' ],
    [ rule('governance', '<Years>1</Years>'),
        '400 MalformedXML', 'Mode in lower case' ],
    [ rule('GOVERNANCE', ''), '400 MalformedXML', 'no period' ],
    [ olc('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>'
        . '<DefaultRetention><Days>1</Days></DefaultRetention></Rule>'),
        '400 MalformedXML', 'no Mode' ],
    [ olc('<ObjectLockEnabled>Disabled</ObjectLockEnabled>'),
        '400 MalformedXML', 'ObjectLockEnabled Disabled' ],
    [ olc('<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days>'
        . '</DefaultRetention></Rule>'),
        '400 MalformedXML', 'no ObjectLockEnabled' ],
    [ olc('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule/>'),
        '400 MalformedXML', 'a Rule without DefaultRetention' ],
    [ olc('<ObjectLockEnabled>Enabled</ObjectLockEnabled><Other/>'),
        '400 MalformedXML', 'an unknown element' ],
    [ 'not xml', '400 MalformedXML', 'not XML' ])
{
    is(put_doc('/lockb?object-lock', $c->[0]), $c->[1], $c->[2]);
}
($st, $h, $body) = req(GET => '/lockb?object-lock');
like($body, qr{<Mode>COMPLIANCE</Mode><Years>1</Years>},
    'the refusals changed nothing');

is(put_doc('/lockb?object-lock', rule('GOVERNANCE', '<Days>1</Days>'),
        %other),
    '403 AccessDenied', 'another organization may not set it');
is(answer(GET => '/lockb?object-lock', %other), '403 AccessDenied',
    '... nor read it');
is(put_doc('/nosuch?object-lock', rule('GOVERNANCE', '<Days>1</Days>')),
    '404 NoSuchBucket', 'missing bucket');

# a bucket never versioned, or Suspended, cannot get it (S3: "Versioning
# must be 'Enabled'"; s3-tests test_object_lock_put_obj_lock_invalid_bucket)
is(put_doc('/plain?object-lock', rule('GOVERNANCE', '<Days>1</Days>')),
    '409 InvalidBucketState', 'a bucket never versioned: 409');
is(answer(PUT => '/susp'), '200 ', 'bucket');
is(answer(PUT => '/susp?versioning', body => '<VersioningConfiguration>'
        . '<Status>Suspended</Status></VersioningConfiguration>'),
    '200 ', '... versioning Suspended');
is(put_doc('/susp?object-lock', rule('GOVERNANCE', '<Days>1</Days>')),
    '409 InvalidBucketState', 'a Suspended bucket: 409');
is((req(GET => '/susp?object-lock'))[0], 404, '... still without');

# an Enabled one can (S3: "for new or existing buckets")
is(answer(PUT => '/later'), '200 ', 'bucket');
is(answer(PUT => '/later?versioning', body => '<VersioningConfiguration>'
        . '<Status>Enabled</Status></VersioningConfiguration>'),
    '200 ', '... versioning Enabled');
is(put_doc('/later?object-lock',
        olc('<ObjectLockEnabled>Enabled</ObjectLockEnabled>')),
    '200 ', 'Object Lock on a versioned bucket');
($st, $h, $body) = req(GET => '/later?object-lock');
like($body, qr{<ObjectLockEnabled>Enabled</ObjectLockEnabled></Object},
    '... Enabled');

# versioning cannot be suspended any more (s3-tests
# test_object_lock_suspend_versioning: 409 InvalidBucketState; the
# message is S3's, as MinIO and the AWS Terraform provider quote it)
($st, $h, $body) = req(PUT => '/lockb?versioning',
    body => '<VersioningConfiguration>'
        . '<Status>Suspended</Status></VersioningConfiguration>');
is("$st " . code($body), '409 InvalidBucketState',
    'Suspended on an Object Lock bucket: 409');
is(($body =~ m{<Message>([^<]*)</Message>})[0],
    'An Object Lock configuration is present on this bucket, so the '
    . 'versioning state cannot be changed.', "... with S3's message");
is(answer(PUT => '/later?versioning', body => '<VersioningConfiguration>'
        . '<Status>Suspended</Status></VersioningConfiguration>'),
    '409 InvalidBucketState', '... also when it was given later');
($st, $h, $body) = req(GET => '/lockb?versioning');
like($body, qr{<Status>Enabled</Status>}, '... still Enabled');

# no Rule: the default retention goes
is(put_doc('/lockb?object-lock',
        olc('<ObjectLockEnabled>Enabled</ObjectLockEnabled>')),
    '200 ', 'a configuration without Rule');
($st, $h, $body) = req(GET => '/lockb?object-lock');
unlike($body, qr{<Rule>}, '... removes the default retention');

# ---------------------------------------------------- the headers of writes

my %lock = ('x-amz-object-lock-mode' => 'GOVERNANCE',
    'x-amz-object-lock-retain-until-date' => iso($far));

is(answer(PUT => '/lockb/h', body => 'x', headers => { %lock }),
    '400 InvalidRequest', 'PutObject with Object Lock, no Content-MD5: 400');
my $vh = put('/lockb/h', 'locked', headers => { %lock, md5h('locked') });
like($vh, qr/^$VID$/, 'PutObject with Object Lock and Content-MD5');
($st, $h) = req(HEAD => '/lockb/h');
is($h->{'x-amz-object-lock-mode'}, 'GOVERNANCE', 'HEAD: the mode');
is($h->{'x-amz-object-lock-retain-until-date'},
    strftime('%Y-%m-%dT%H:%M:%S.000Z', gmtime($far)), 'HEAD: the date');
is($h->{'x-amz-object-lock-legal-hold'}, undef, 'HEAD: no legal hold');
($st, $h, $body) = req(GET => '/lockb/h');
is("$st $body $h->{'x-amz-object-lock-mode'}", '200 locked GOVERNANCE',
    'GET: the bytes and the mode');

my $vs = put('/lockb/sum', 'summed', headers => { %lock,
    'x-amz-checksum-sha256' => sha256_base64('summed') . '=' });
($st, $h) = req(HEAD => '/lockb/sum');
is($h->{'x-amz-object-lock-mode'}, 'GOVERNANCE',
    'a checksum instead of Content-MD5');

my $vlh = put('/lockb/held', 'held', headers => {
    'x-amz-object-lock-legal-hold' => 'ON', md5h('held') });
($st, $h) = req(HEAD => '/lockb/held');
is($h->{'x-amz-object-lock-legal-hold'}, 'ON', 'a legal hold: HEAD says ON');
is($h->{'x-amz-object-lock-mode'}, undef, '... and no retention');

for my $c (
    [ { 'x-amz-object-lock-mode' => 'GOVERNANCE' }, 'a mode without date' ],
    [ { 'x-amz-object-lock-retain-until-date' => iso($far) },
        'a date without mode' ],
    [ { 'x-amz-object-lock-mode' => 'abc',
        'x-amz-object-lock-retain-until-date' => iso($far) },
        'an unknown mode' ],
    [ { %lock, 'x-amz-object-lock-retain-until-date' => iso(time() - 60) },
        'a date in the past' ],
    [ { %lock, 'x-amz-object-lock-retain-until-date' => 'tomorrow' },
        'a date that is not ISO 8601' ],
    [ { 'x-amz-object-lock-legal-hold' => 'maybe' }, 'legal hold maybe' ])
{
    is(answer(PUT => '/lockb/bad', body => 'b',
            headers => { %{ $c->[0] }, md5h('b') }),
        '400 InvalidArgument', "PutObject: $c->[1]");
}
is((req(HEAD => '/lockb/bad'))[0], 404, '... nothing written');

($st, $h, $body) = req(PUT => '/plain/o', body => 'p',
    headers => { %lock, md5h('p') });
is("$st " . code($body), '400 InvalidRequest',
    'lock headers in a bucket without Object Lock');
like($body, qr{Bucket is missing Object Lock Configuration}, '... S3\'s message');
is((req(HEAD => '/plain/o'))[0], 404, '... nothing written');

# CopyObject
put('/lockb/src', 'source');
($st, $h, $body) = req(PUT => '/lockb/copy', headers => { %lock,
    'x-amz-copy-source' => '/lockb/src' });
is($st, 200, 'CopyObject with Object Lock');
my $vcopy = $h->{'x-amz-version-id'};
($st, $h) = req(HEAD => '/lockb/copy');
is($h->{'x-amz-object-lock-mode'}, 'GOVERNANCE', '... the copy is locked');
is(answer(PUT => '/plain/copy', headers => { %lock,
        'x-amz-copy-source' => '/lockb/src' }),
    '400 InvalidRequest', 'CopyObject with Object Lock into a bucket without');

# POST Object: the fields (an anonymous form into a public-read-write
# bucket, as t/unsupported.t)
is(answer(PUT => '/lkpub', headers => {
        'x-amz-bucket-object-lock-enabled' => 'true',
        'x-amz-acl' => 'public-read-write' }), '200 ', 'a public bucket');

# signed: a SigV2 policy of the owner's key naming every field
sub post {
    my (@fields) = @_;
    if ($fields[0] eq 'signed') {
        shift @fields;
        my $conds = '{"bucket": "lkpub"}';
        for (my $i = 0; $i < @fields; $i += 2) {
            $conds .= qq(, {"$fields[$i]": "$fields[$i + 1]"});
        }
        my $policy = encode_base64('{"expiration": "2099-01-01T00:00:00Z", '
            . qq("conditions": [$conds]}), '');
        push @fields, AWSAccessKeyId => $t->access_key, policy => $policy,
            signature => encode_base64(hmac_sha1($policy, $t->secret_key),
                '');
    }
    my $b = 'sosboundary' . int(rand(1e9));
    my $body = '';
    for (my $i = 0; $i < @fields; $i += 2) {
        $body .= "--$b\r\nContent-Disposition: form-data; "
            . "name=\"$fields[$i]\"\r\n\r\n$fields[$i + 1]\r\n";
    }
    $body .= "--$b\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\n"
        . "form data\r\n--$b--\r\n";
    my ($st, $h, $r) = SOS::Test->parse($t->http(POST => '/lkpub',
        body => $body, headers => { 'Content-Type' => "multipart/form-data; boundary=$b" }));
    return "$st " . code($r);
}

# the fields need the bucket owner's key, as the headers (S3: they need
# s3:PutObjectRetention / s3:PutObjectLegalHold, which no ACL grants)
is(post(key => 'anon', 'x-amz-object-lock-legal-hold' => 'ON'),
    '403 AccessDenied', 'anonymous POST Object with a legal hold refused');
is(post(key => 'anon'), '204 ', '... without one taken');
is(post(signed => key => 'form', acl => 'public-read',
        'x-amz-object-lock-mode' => 'COMPLIANCE',
        'x-amz-object-lock-retain-until-date' => iso(time() + 5),
        'x-amz-object-lock-legal-hold' => 'ON'), '204 ',
    'POST Object with Object Lock fields');
($st, $h) = req(HEAD => '/lkpub/form');
is(($h->{'x-amz-object-lock-mode'} // '') . ' '
    . ($h->{'x-amz-object-lock-legal-hold'} // ''), 'COMPLIANCE ON',
    '... the object is locked and held');
is(post(key => 'form2', 'x-amz-object-lock-mode' => 'COMPLIANCE'),
    '400 InvalidArgument', 'POST Object: a mode without date');
is(post(key => 'form3', 'x-amz-object-lock-legal-hold' => 'on'),
    '400 InvalidArgument', 'POST Object: legal hold "on"');

# the default retention: PutObject and CompleteMultipartUpload without
# headers get it (S3: "applied by default to every new object")
is(put_doc('/later?object-lock', rule('GOVERNANCE', '<Days>2</Days>')),
    '200 ', 'a default retention of 2 days');
my $before = time();
my $vdef = put('/later/d', 'default');
($st, $h, $body) = req(GET => '/later/d?retention');
my ($until) = $body =~ m{<RetainUntilDate>([^<]+)</RetainUntilDate>};
like($body, qr{<Mode>GOVERNANCE</Mode>}, 'PutObject: the default mode');
ok($until ge iso($before + 2 * 86400 - 5) =~ s/Z$//r
    && $until le iso(time() + 2 * 86400 + 5), "... until 2 days on ($until)");

($st, $h, $body) = req(POST => '/later/mp?uploads');
my ($upload) = $body =~ m{<UploadId>([^<]+)</UploadId>};
($st, $h) = req(PUT => "/later/mp?partNumber=1&uploadId=$upload",
    body => 'part');
my $cmp = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
    . "<ETag>$h->{etag}</ETag></Part></CompleteMultipartUpload>";
($st, $h, $body) = req(POST => "/later/mp?uploadId=$upload", body => $cmp);
is($st, 200, 'CompleteMultipartUpload');
my $vmp = $h->{'x-amz-version-id'};
($st, $h) = req(HEAD => '/later/mp');
is($h->{'x-amz-object-lock-mode'}, 'GOVERNANCE',
    '... the object has the default retention');
is(answer(DELETE => "/later/mp?versionId=$vmp"), '403 AccessDenied',
    '... and cannot be deleted');

# CreateMultipartUpload: the lock the object gets at completion
($st, $h, $body) = req(POST => '/later/mpl?uploads', headers => {
    'x-amz-object-lock-mode' => 'COMPLIANCE',
    'x-amz-object-lock-retain-until-date' => iso($far),
    'x-amz-object-lock-legal-hold' => 'ON' });
is($st, 200, 'CreateMultipartUpload with Object Lock');
($upload) = $body =~ m{<UploadId>([^<]+)</UploadId>};
($st, $h) = req(PUT => "/later/mpl?partNumber=1&uploadId=$upload",
    body => 'part');
$cmp = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
    . "<ETag>$h->{etag}</ETag></Part></CompleteMultipartUpload>";
($st, $h, $body) = req(POST => "/later/mpl?uploadId=$upload", body => $cmp);
is($st, 200, '... completed');
($st, $h) = req(HEAD => '/later/mpl');
is(join(' ', map { $_ // '' } @$h{qw(x-amz-object-lock-mode
        x-amz-object-lock-retain-until-date x-amz-object-lock-legal-hold)}),
    'COMPLIANCE ' . strftime('%Y-%m-%dT%H:%M:%S.000Z', gmtime($far)) . ' ON',
    '... the object has the upload\'s lock, not the default');
is(answer(POST => '/plain/mpl?uploads', headers => { %lock }),
    '400 InvalidRequest', 'CreateMultipartUpload with Object Lock in a bucket '
    . 'without');
is(answer(POST => '/later/mpl2?uploads',
        headers => { 'x-amz-object-lock-mode' => 'GOVERNANCE' }),
    '400 InvalidArgument', 'CreateMultipartUpload: a mode without date');
($st, $h, $body) = req(GET => '/later?uploads');
unlike($body, qr{<Key>mpl2?</Key>}, '... no upload left behind');

# ------------------------------------------------ Get/PutObjectRetention

put('/plain/k', 'plain');
is(answer(GET => '/plain/k?retention'), '400 InvalidRequest',
    'GetObjectRetention in a bucket without Object Lock: 400 (s3-tests)');
is(put_doc('/plain/k?retention', retention('GOVERNANCE', $far)),
    '400 InvalidRequest', 'PutObjectRetention there: 400');
is(answer(GET => '/plain/k?legal-hold'), '400 InvalidRequest',
    'GetObjectLegalHold there: 400');
is(put_doc('/plain/k?legal-hold', hold('ON')), '400 InvalidRequest',
    'PutObjectLegalHold there: 400');

my $v1 = put('/lockb/r', 'r one');
my $v2 = put('/lockb/r', 'r two');
is(answer(GET => '/lockb/r?retention'), '404 NoSuchObjectLockConfiguration',
    'GetObjectRetention of a version without: 404');
is(answer(PUT => '/lockb/r?retention', body => retention('GOVERNANCE', $far)),
    '400 InvalidRequest', 'PutObjectRetention without Content-MD5: 400');
is(put_doc("/lockb/r?retention&versionId=$v1",
        retention('GOVERNANCE', $far)), '200 ',
    'PutObjectRetention ?versionId');
($st, $h, $body) = req(GET => "/lockb/r?retention&versionId=$v1");
is($st, 200, 'GetObjectRetention ?versionId');
my $date = strftime('%Y-%m-%dT%H:%M:%S.000Z', gmtime($far));
like($body, qr{^<\?xml[^>]*>\s*<Retention xmlns="\Q$XMLNS\E"><Mode>GOVERNANCE</Mode><RetainUntilDate>\Q$date\E</RetainUntilDate></Retention>$},
    '... the mode and date');
is(answer(GET => '/lockb/r?retention'), '404 NoSuchObjectLockConfiguration',
    '... the current version has none');

# GOVERNANCE: extended by anyone who may write, weakened only by bypass
is(put_doc("/lockb/r?retention&versionId=$v1",
        retention('GOVERNANCE', $far + 60), %writer), '200 ',
    'extended by a writer key');
is(put_doc("/lockb/r?retention&versionId=$v1",
        retention('GOVERNANCE', $far + 30)), '403 AccessDenied',
    'shortened without bypass: 403 (s3-tests _shorten_period)');
is(put_doc("/lockb/r?retention&versionId=$v1",
        retention('GOVERNANCE', $far + 30), headers => $bypass, %writer),
    '403 AccessDenied', '... with bypass by a key not allowed to: 403');
is(put_doc("/lockb/r?retention&versionId=$v1",
        retention('GOVERNANCE', $far + 30), headers => $bypass), '200 ',
    '... with bypass by the owner\'s admin key: 200');
($st, $h, $body) = req(GET => "/lockb/r?retention&versionId=$v1");
$date = strftime('%Y-%m-%dT%H:%M:%S', gmtime($far + 30));
like($body, qr{<RetainUntilDate>\Q$date\E}, '... shortened');

# COMPLIANCE: only ever extended
is(put_doc("/lockb/r?retention&versionId=$v2",
        retention('COMPLIANCE', $far)), '200 ', 'COMPLIANCE on the current');
is(put_doc("/lockb/r?retention&versionId=$v2",
        retention('COMPLIANCE', $far - 60), headers => $bypass),
    '403 AccessDenied', 'COMPLIANCE shortened, even with bypass: 403');
is(put_doc("/lockb/r?retention&versionId=$v2",
        retention('GOVERNANCE', $far + 60), headers => $bypass),
    '403 AccessDenied', 'COMPLIANCE to GOVERNANCE: 403');
is(put_doc("/lockb/r?retention&versionId=$v2",
        qq{<Retention xmlns="$XMLNS"/>}, headers => $bypass),
    '403 AccessDenied', 'COMPLIANCE removed: 403');
is(put_doc("/lockb/r?retention&versionId=$v2",
        retention('COMPLIANCE', $far + 60)), '200 ', 'COMPLIANCE extended');
($st, $h, $body) = req(GET => '/lockb/r?retention');
like($body, qr{<Mode>COMPLIANCE</Mode>}, 'GetObjectRetention: the current');

for my $c (
    [ retention('governance', $far), '400 MalformedXML', 'mode lower case' ],
    [ qq{<Retention><Mode>GOVERNANCE</Mode></Retention>},
        '400 MalformedXML', 'a mode without date' ],
    [ retention('GOVERNANCE', \'2030-13-01T00:00:00Z'),
        '400 MalformedXML', 'not a date' ],
    [ retention('GOVERNANCE', time() - 60),
        '400 InvalidArgument', 'a date in the past' ],
    [ qq{<Retention><Other/></Retention>}, '400 MalformedXML',
        'unknown element' ])
{
    is(put_doc("/lockb/r?retention&versionId=$v1", $c->[0]), $c->[1],
        "PutObjectRetention: $c->[2]");
}
is(put_doc("/lockb/r?retention&versionId=$v1",
        retention('GOVERNANCE', $far + 3600), %other),
    '403 AccessDenied', 'another organization: 403');
is(answer(GET => "/lockb/r?retention&versionId=$v1", %other),
    '403 AccessDenied', '... nor read it');
is(put_doc('/lockb/r?retention&versionId=' . ('f' x 32),
        retention('GOVERNANCE', $far)), '404 NoSuchVersion',
    'an unknown version: 404');

# ------------------------------------------------ Get/PutObjectLegalHold

my $vl = put('/lockb/l', 'legal');
is(answer(PUT => '/lockb/l?legal-hold', body => hold('ON')),
    '400 InvalidRequest', 'PutObjectLegalHold without Content-MD5: 400');
is(put_doc('/lockb/l?legal-hold', hold('ON'), %writer), '200 ',
    'legal hold ON by a writer key');
($st, $h, $body) = req(GET => '/lockb/l?legal-hold');
like("$st $body", qr{^200 .*<LegalHold xmlns="\Q$XMLNS\E"><Status>ON</Status></LegalHold>$}s,
    'GetObjectLegalHold: ON');
is(put_doc('/lockb/l?legal-hold', hold('abc')), '400 MalformedXML',
    'Status abc: MalformedXML (s3-tests)');
is(put_doc('/lockb/l?legal-hold', qq{<LegalHold xmlns="$XMLNS"/>}),
    '400 MalformedXML', 'no Status: MalformedXML');
is(answer(DELETE => "/lockb/l?versionId=$vl", headers => $bypass),
    '403 AccessDenied', 'a held version is not deleted, even with bypass');
is(put_doc('/lockb/l?legal-hold', hold('OFF'), %writer), '403 AccessDenied',
    'legal hold OFF by a key not allowed to bypass: 403');
is(put_doc('/lockb/l?legal-hold', hold('OFF'), %other), '403 AccessDenied',
    '... by another organization: 403');
is(put_doc('/lockb/l?legal-hold', hold('OFF')), '200 ',
    'legal hold OFF by the owner\'s admin key');
($st, $h, $body) = req(GET => '/lockb/l?legal-hold');
like($body, qr{<Status>OFF</Status>}, 'GetObjectLegalHold: OFF');
is(answer(DELETE => "/lockb/l?versionId=$vl"), '204 ',
    'then the version is deleted (s3-tests _with_legal_hold_off)');

# ------------------------------------------------------------------ deletes

is(answer(DELETE => "/lockb/h?versionId=$vh"), '403 AccessDenied',
    'DeleteObject of a GOVERNANCE version: 403');
($st, $h, $body) = req(DELETE => "/lockb/h?versionId=$vh", headers => $bypass,
    %writer);
is("$st " . code($body), '403 AccessDenied',
    '... with bypass by a writer key: 403');
like($body, qr{object protected by object lock}, '... S3\'s message');
($st, $h) = req(DELETE => '/lockb/h');
is("$st $h->{'x-amz-delete-marker'}", '204 true',
    'a DELETE without version id adds a delete marker');
($st, $h, $body) = req(GET => "/lockb/h?versionId=$vh");
is("$st $body", '200 locked', '... the locked version reads back');
is(answer(DELETE => "/lockb/h?versionId=$vh", headers => $bypass), '204 ',
    'with bypass by the owner\'s admin key: deleted (s3-tests)');

my $da = put('/lockb/da', 'a', headers => { %lock, md5h('a') });
my $db = put('/lockb/db', 'b');
my $del = "<Delete><Object><Key>da</Key><VersionId>$da</VersionId></Object>"
    . "<Object><Key>db</Key><VersionId>$db</VersionId></Object></Delete>";
($st, $h, $body) = req(POST => '/lockb?delete', body => $del,
    headers => { md5h($del), %$bypass }, %writer);
is($st, 200, 'DeleteObjects, one locked version');
like($body, qr{<Deleted><Key>db</Key><VersionId>$db</VersionId></Deleted>},
    '... the other deleted');
like($body, qr{<Error><Key>da</Key><VersionId>$da</VersionId><Code>AccessDenied</Code>},
    '... the locked one AccessDenied (s3-tests _multi_delete_), bypass '
    . 'by a writer key ignored');
$del = "<Delete><Object><Key>da</Key><VersionId>$da</VersionId></Object>"
    . '</Delete>';
($st, $h, $body) = req(POST => '/lockb?delete', body => $del,
    headers => { md5h($del), %$bypass });
like($body, qr{<Deleted><Key>da</Key><VersionId>$da</VersionId></Deleted>},
    'DeleteObjects with bypass by the owner\'s admin key');

is(answer(DELETE => '/lockb'), '409 BucketNotEmpty',
    'DeleteBucket with locked versions: 409');

# a retention of a few seconds: refused until it has passed, then not
my $vshort = put('/lockb/short', 's', headers => {
    'x-amz-object-lock-mode' => 'COMPLIANCE',
    'x-amz-object-lock-retain-until-date' => iso(time() + 3), md5h('s') });
is(answer(DELETE => "/lockb/short?versionId=$vshort", headers => $bypass),
    '403 AccessDenied', 'COMPLIANCE for 3 seconds: refused now');
my $gone = '';
for (1 .. 20) {
    sleep 1;
    $gone = answer(DELETE => "/lockb/short?versionId=$vshort");
    last if $gone eq '204 ';
}
is($gone, '204 ', '... deleted once the date passed');

# ----------------------------------------- sub-resources at the other level

is(answer(GET => '/lockb/r?object-lock'), '501 NotImplemented',
    '?object-lock on an object: 501');
is(answer(PUT => '/lockb/r?object-lock', body => 'x'), '501 NotImplemented',
    '... a PUT is no PutObject');
is(answer(GET => '/lockb?retention'), '501 NotImplemented',
    '?retention on a bucket: 501');
is(answer(GET => '/lockb?legal-hold'), '501 NotImplemented',
    '?legal-hold on a bucket: 501');
($st, $h, $body) = req(GET => "/lockb/r?versionId=$v2");
is("$st $body", '200 r two', 'the object is intact');

$t->stop_ok;

done_testing();
