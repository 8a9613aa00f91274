#!/usr/bin/perl

# A hostile client against Object Lock and lifecycle (issue 16): the
# owner's ordinary key (ransomware), an organization granted WRITE and
# one granted FULL_CONTROL try to destroy locked versions through
# lifecycle, retention dates in odd formats, default retention periods
# out of range, the bucket's ACL and versioning.  What must hold: every
# locked version reads back byte for byte (MD5) at the end.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64 md5_hex);
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);
use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

my $t = SOS::Test->new(http => "sos_lifecycle_day 2s;\n"
    . "sos_lifecycle_interval 1s;\n");
my %mallory = $t->org_with_key('mallory');
my %eve = $t->org_with_key('eve');

my %writer;
{
    my ($rc, $out, $err) = $t->sosctl('key', 'create', 'dev');
    die "sosctl key create: $err" if $rc;
    ($writer{access}) = $out =~ /^aws_access_key_id = (\S+)/m;
    ($writer{secret}) = $out =~ /^aws_secret_access_key = (\S+)/m;
}

my %id;
for my $org (qw(dev mallory eve)) {
    my ($rc, $out, $err) = $t->sosctl('org', 'show', $org);
    die "sosctl org show: $err" if $rc;
    ($id{$org}) = $out =~ /\b([0-9a-f]{64})\b/;
}

$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] || '' }

# unsigned: anonymous
sub anon {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->http($method, $uri, %opts));
}

sub answer {
    my ($method, $uri, %opts) = @_;
    my $unsigned = delete $opts{anonymous};
    my ($st, $h, $body) = $unsigned ? anon($method, $uri, %opts)
        : req($method, $uri, %opts);
    return "$st " . code($body);
}

sub md5h { return 'Content-MD5' => md5_base64($_[0]) . '==' }

sub iso { return strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) }

sub put_doc {
    my ($uri, $xml, %opts) = @_;
    my %h = (md5h($xml), %{ delete $opts{headers} || {} });
    return answer(PUT => $uri, body => $xml, headers => \%h, %opts);
}

sub retention_doc {
    my ($mode, $date) = @_;
    return qq{<Retention xmlns="$XMLNS"><Mode>$mode</Mode>}
        . "<RetainUntilDate>$date</RetainUntilDate></Retention>";
}

sub lock_conf {
    my ($rule) = @_;
    return qq{<ObjectLockConfiguration xmlns="$XMLNS"><ObjectLockEnabled>}
        . 'Enabled</ObjectLockEnabled>'
        . (defined $rule ? "<Rule><DefaultRetention>$rule"
            . '</DefaultRetention></Rule>' : '')
        . '</ObjectLockConfiguration>';
}

sub lc_doc {
    return qq{<LifecycleConfiguration xmlns="$XMLNS">}
        . join('', map { "<Rule>$_</Rule>" } @_)
        . '</LifecycleConfiguration>';
}

sub wait_for {
    my ($secs, $cond) = @_;
    my $deadline = time() + $secs;
    while (time() < $deadline) {
        return 1 if $cond->();
        sleep 0.2;
    }
    return $cond->();
}

my $bypass = { 'x-amz-bypass-governance-retention' => 'true' };
my ($st, $h, $body);

# ------------------------------------------------------------ the bucket

is(answer(PUT => '/vault', headers => {
        'x-amz-bucket-object-lock-enabled' => 'true',
        'x-amz-grant-full-control' => qq{id="$id{dev}", id="$id{eve}"},
        'x-amz-grant-write' => qq{id="$id{mallory}"} }),
    '200 ', 'bucket vault: Object Lock, WRITE to mallory, FULL_CONTROL '
    . 'to eve');
is(put_doc('/vault?object-lock',
        lock_conf('<Mode>COMPLIANCE</Mode><Days>1</Days>')),
    '200 ', 'default retention COMPLIANCE 1 day');

my @versions;                                # [key, version id, MD5]

sub backup {
    my ($key, %headers) = @_;
    my $data = join '', map { chr(int(rand(256))) } 1 .. 2048;
    ($st, $h, $body) = req(PUT => "/vault/$key", body => $data,
        headers => { md5h($data), %headers });
    is($st, 200, "backup $key") or diag($body);
    push @versions, [ $key, $h->{'x-amz-version-id'}, md5_hex($data) ];
    return $h->{'x-amz-version-id'};
}

backup('db/full.bak') for 1 .. 2;
my $gov = backup('db/gov.bak', 'x-amz-object-lock-mode' => 'GOVERNANCE',
    'x-amz-object-lock-retain-until-date' => iso(time() + 86400));
my $held = backup('db/held.bak', 'x-amz-object-lock-legal-hold' => 'ON');

# ------------------------------------------- grantees: owner-only settings

# AWS: PutBucketLifecycleConfiguration needs s3:PutLifecycleConfiguration,
# "By default, only the bucket owner"; FULL_CONTROL in an ACL does not
# give it (ACLs grant no bucket-configuration permissions), nor
# PutObjectLockConfiguration.
my $expire_all = lc_doc('<ID>all</ID><Status>Enabled</Status>'
    . '<Filter><Prefix></Prefix></Filter>'
    . '<Expiration><Days>1</Days></Expiration>'
    . '<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>'
    . '</NoncurrentVersionExpiration>');

for my $who ([ 'mallory (WRITE)', \%mallory ],
    [ 'eve (FULL_CONTROL)', \%eve ])
{
    my ($name, $key) = @$who;
    is(put_doc('/vault?lifecycle', $expire_all, %$key), '403 AccessDenied',
        "$name: PutBucketLifecycleConfiguration refused");
    is(answer(DELETE => '/vault?lifecycle', %$key), '403 AccessDenied',
        "$name: DeleteBucketLifecycle refused");
    is(put_doc('/vault?object-lock', lock_conf(), %$key), '403 AccessDenied',
        "$name: PutObjectLockConfiguration refused");
    is(put_doc("/vault/db/held.bak?legal-hold&versionId=$held",
            qq{<LegalHold xmlns="$XMLNS"><Status>OFF</Status></LegalHold>},
            %$key),
        '403 AccessDenied', "$name: legal hold OFF refused");
    is(answer(DELETE => "/vault/db/gov.bak?versionId=$gov",
            headers => $bypass, %$key),
        '403 AccessDenied', "$name: GOVERNANCE delete with bypass refused");
    is(put_doc("/vault/db/gov.bak?retention&versionId=$gov",
            qq{<Retention xmlns="$XMLNS"/>}, headers => $bypass, %$key),
        '403 AccessDenied', "$name: GOVERNANCE removal with bypass refused");
}

# eve holds WRITE_ACP on the bucket: she may rewrite its ACL, but the
# owner keeps every right (S3: the bucket owner always has READ_ACP and
# WRITE_ACP; SOS gives the owner its own objects whatever the ACL)
is(put_doc('/vault?acl', qq{<AccessControlPolicy xmlns="$XMLNS"><Owner>}
        . "<ID>$id{dev}</ID></Owner><AccessControlList><Grant>"
        . '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        . qq{xsi:type="CanonicalUser"><ID>$id{eve}</ID></Grantee>}
        . '<Permission>FULL_CONTROL</Permission></Grant>'
        . '</AccessControlList></AccessControlPolicy>', %eve),
    '200 ', 'eve (FULL_CONTROL) rewrites the bucket ACL to herself only');
($st, $h, $body) = req(GET => '/vault?acl');
like($body, qr{<Owner><ID>$id{dev}</ID>}, '... the owner stays the owner');
is(answer(DELETE => '/vault', %eve), '403 AccessDenied',
    'eve cannot delete the bucket');
is(answer(GET => "/vault/db/full.bak?versionId=$versions[0][1]"), '200 ',
    '... the owner still reads its locked versions');
is(answer(PUT => '/vault?acl', headers => {
        'x-amz-grant-full-control' => qq{id="$id{dev}", id="$id{eve}"},
        'x-amz-grant-write' => qq{id="$id{mallory}"} }),
    '200 ', '... and restores the bucket ACL (WRITE_ACP is always the '
    . 'owner\'s)');

# ------------------------------------ the writer key: lifecycle, 1 day

# the owner's ordinary key may set the lifecycle (docs/lifecycle.md: the
# bucket's owner), and a rule expiring everything after 1 day (2 s here)
# must not remove a locked version: the sweep refuses what a lock keeps
# (AWS: "Object Lock ... protects versions from lifecycle expiration")
is(put_doc('/vault?lifecycle', $expire_all, %writer), '200 ',
    'the writer key sets a rule expiring everything in 1 day');

# a past Date on Expiration: S3 takes it (expires at once)
is(put_doc('/vault?lifecycle', lc_doc('<ID>past</ID><Status>Enabled</Status>'
        . '<Filter><Prefix></Prefix></Filter>'
        . '<Expiration><Date>2001-01-01T00:00:00Z</Date></Expiration>'
        . '<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>'
        . '</NoncurrentVersionExpiration>'), %writer),
    '200 ', '... and one with a Date in the past');

sub refused_count {
    my $log = $t->read_file('error.log');
    my $n = 0;
    $n += $1 while $log =~ /sos: lifecycle: .*?, (\d+) refused/g;
    return $n;
}

ok(wait_for(60, sub { refused_count() >= 4 }),
    'the sweep ran and refused the locked versions')
    or diag(substr($t->read_file('error.log'), -2000));

for my $v (@versions) {
    my ($k, $vid, $md5) = @$v;
    ($st, $h, $body) = req(GET => "/vault/$k?versionId=$vid");
    is("$st " . md5_hex($body), "200 $md5",
        "after the sweep: $k $vid reads back");
}

# ------------------------------------------------ retain-until dates

# a fresh version per attempt, GOVERNANCE so the accepted ones do not
# stay in COMPLIANCE
my $n = 0;

sub date_try {
    my ($date) = @_;
    my $vid = backup('dates/k' . $n++);
    return put_doc("/vault/dates/k" . ($n - 1) . "?retention&versionId=$vid",
        retention_doc('COMPLIANCE', $date), %writer);
}

# refused: not ISO 8601 UTC, or not a date (AWS: InvalidArgument /
# MalformedXML; any 400 is a refusal)
for my $date ('10000-01-01T00:00:00Z', '-2030-01-01T00:00:00Z',
    '2030-13-01T00:00:00Z', '2030-01-01T24:00:00Z', '2030-01-01',
    "2030-01-01T00:00:00Z\r\nX-Evil: 1", '2030-01-01T00:00:00', '')
{
    (my $show = $date) =~ s/([\x00-\x1f])/sprintf('\\x%02x', ord $1)/ge;
    like(date_try($date), qr/^400 /, "retain-until '$show' refused");
}

# accepted: fractional seconds (the SDKs send .000Z)
is(date_try('2031-01-01T00:00:00.123456789Z'), '200 ',
    'fractional seconds taken');

# a day that does not exist is refused, not rolled over into March
# (AWS: InvalidArgument for an invalid date)
for my $date ('2031-02-31T00:00:00Z', '2031-02-29T00:00:00Z',
    '2100-02-29T00:00:00Z', '2031-04-31T00:00:00Z', '2031-11-31T00:00:00Z')
{
    like(date_try($date), qr/^400 /, "retain-until $date refused");
}
for my $date ('2032-02-29T00:00:00Z', '2031-01-31T00:00:00Z',
    '2031-12-31T23:59:59Z')
{
    is(date_try($date), '200 ', "retain-until $date taken");
}

# far future: docs/object-lock.md says a writer can lengthen a lock "up
# to 100 years" (AWS documents no bound on an explicit date, only 100
# years on a default retention; SOS promises one); a COMPLIANCE date in
# 9999 is a lock nobody can ever lift
my $far = backup('dates/far');
my $far_answer = put_doc("/vault/dates/far?retention&versionId=$far",
    retention_doc('COMPLIANCE', '9999-12-31T23:59:59Z'), %writer);
is($far_answer, '400 InvalidArgument',
    'retain-until more than 100 years ahead refused');
($st, $h, $body) = req(PUT => "/vault/dates/far?retention&versionId=$far",
    body => retention_doc('COMPLIANCE', '9999-12-31T23:59:59Z'),
    headers => { md5h(retention_doc('COMPLIANCE', '9999-12-31T23:59:59Z')) },
    %writer);
like($body, qr{<Message>[^<]*36500 days}, '... saying why');
is(put_doc("/vault/dates/far?retention&versionId=$far",
        retention_doc('COMPLIANCE', iso(time() + 36500 * 86400 + 3600)),
        %writer),
    '400 InvalidArgument', '... by an hour too');
is(put_doc("/vault/dates/far?retention&versionId=$far",
        retention_doc('COMPLIANCE', iso(time() + 36499 * 86400)), %writer),
    '200 ', 'retain-until 36,499 days ahead taken');
($st, $h) = req(HEAD => "/vault/dates/far?versionId=$far");
like($h->{'x-amz-object-lock-retain-until-date'} // '',
    qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/,
    'HeadObject answers the date in S3 format, whatever it is');

# the same through the PutObject headers
($st, $h, $body) = req(PUT => '/vault/dates/hdr', body => 'x',
    headers => { md5h('x'), 'x-amz-object-lock-mode' => 'COMPLIANCE',
        'x-amz-object-lock-retain-until-date' => '9999-12-31T23:59:59Z' });
is("$st " . code($body), '400 InvalidArgument',
    'PutObject with a lock to year 9999 refused');

# ------------------------------------------ default retention periods

# docs/object-lock.md: a positive integer, at most 100 years (36,500 days)
for my $rule ('<Mode>COMPLIANCE</Mode><Days>0</Days>',
    '<Mode>COMPLIANCE</Mode><Days>-1</Days>',
    '<Mode>COMPLIANCE</Mode><Days>36501</Days>',
    '<Mode>COMPLIANCE</Mode><Days>4294967297</Days>',
    '<Mode>COMPLIANCE</Mode><Days>18446744073709551617</Days>',
    '<Mode>COMPLIANCE</Mode><Years>101</Years>',
    '<Mode>COMPLIANCE</Mode><Years>4294967297</Years>',
    '<Mode>COMPLIANCE</Mode><Days>1.5</Days>',
    '<Mode>compliance</Mode><Days>1</Days>',
    '<Mode>COMPLIANCE</Mode><Days>1</Days><Years>1</Years>')
{
    like(put_doc('/vault?object-lock', lock_conf($rule)), qr/^400 /,
        "default retention '$rule' refused");
}
($st, $h, $body) = req(GET => '/vault?object-lock');
like($body, qr{<Mode>COMPLIANCE</Mode><Days>1</Days>},
    '... the default retention is still COMPLIANCE 1 day');

# XML tricks: an entity, a DOCTYPE
like(put_doc('/vault?object-lock', '<?xml version="1.0"?><!DOCTYPE x ['
        . '<!ENTITY d "36501">]>' . lock_conf('<Mode>COMPLIANCE</Mode>'
        . '<Days>&d;</Days>')), qr/^400 /, 'a DOCTYPE with an entity refused');

# ------------------------------------------ versioning, overwrites

is(answer(PUT => '/vault?versioning', body => '<VersioningConfiguration>'
        . '<Status>Suspended</Status></VersioningConfiguration>'),
    '409 InvalidBucketState',
    'even the owner\'s admin key cannot suspend versioning');

# CopyObject onto a locked key only adds a version
is(answer(PUT => '/vault/m/src', body => 'ransom', headers => {
        md5h('ransom') }, %mallory), '200 ', 'mallory writes an object');
($st) = req(PUT => '/vault/db/full.bak', headers => {
        'x-amz-copy-source' => '/vault/m/src' }, %mallory);
is($st, 200, 'mallory copies over db/full.bak: a new version');

# ------------------------------- metadata rewrites keep a version's lock

# tagging and ACL of a locked version rewrite its record: the retention
# and hold must survive (S3: tags and ACLs do not touch Object Lock)
my $tv = $versions[0][1];
my $tags = '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>'
    . '</TagSet></Tagging>';
is(put_doc("/vault/db/full.bak?tagging&versionId=$tv", $tags, %writer),
    '200 ', 'the writer key tags a locked version');
is(answer(PUT => "/vault/db/full.bak?acl&versionId=$tv",
        headers => { 'x-amz-acl' => 'private' }, %writer),
    '200 ', '... and sets its ACL');
is(put_doc("/vault/db/held.bak?tagging&versionId=$held", $tags, %writer),
    '200 ', '... and tags the held one');
($st, $h, $body) = req(GET => "/vault/db/full.bak?retention&versionId=$tv");
like($body, qr{<Mode>COMPLIANCE</Mode>}, '... its retention stays');
($st, $h, $body) = req(GET => "/vault/db/held.bak?legal-hold&versionId=$held");
like($body, qr{<Status>ON</Status>}, '... the legal hold stays');
is(answer(DELETE => "/vault/db/full.bak?versionId=$tv", headers => $bypass),
    '403 AccessDenied', '... even the admin key cannot delete it');
is(answer(DELETE => "/vault/db/held.bak?versionId=$held",
        headers => $bypass),
    '403 AccessDenied', '... nor the held one');

# a retention document with an element twice is refused, not read as
# the first or the last (the check and the change must see one value)
my $soon = iso(time() + 120);
for my $doc (qq{<Retention xmlns="$XMLNS"><Mode>COMPLIANCE</Mode>}
    . '<RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate>'
    . "<RetainUntilDate>$soon</RetainUntilDate></Retention>",
    qq{<Retention xmlns="$XMLNS"><Mode>COMPLIANCE</Mode>}
    . '<Mode>GOVERNANCE</Mode>'
    . '<RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate></Retention>')
{
    like(put_doc("/vault/db/full.bak?retention&versionId=$tv", $doc,
            headers => $bypass, %writer),
        qr/^400 /, 'a Retention with a repeated element refused');
}
($st, $h, $body) = req(GET => "/vault/db/full.bak?retention&versionId=$tv");
unlike($body, qr{2099|GOVERNANCE}, '... the retention unchanged');

# ---------------------------------- anonymous on a public-read-write bucket

is(answer(PUT => '/open', headers => {
        'x-amz-bucket-object-lock-enabled' => 'true',
        'x-amz-acl' => 'public-read-write' }),
    '200 ', 'bucket open: Object Lock, public-read-write');
($st, $h) = req(PUT => '/open/g', body => 'g', headers => { md5h('g'),
        'x-amz-object-lock-mode' => 'GOVERNANCE',
        'x-amz-object-lock-retain-until-date' => iso(time() + 86400) });
my $og = $h->{'x-amz-version-id'};
is(answer(DELETE => "/open/g?versionId=$og", headers => $bypass,
        anonymous => 1),
    '403 AccessDenied', 'anonymous: GOVERNANCE delete with bypass refused');
my $del = "<Delete><Object><Key>g</Key><VersionId>$og</VersionId>"
    . '</Object></Delete>';
($st, $h, $body) = anon(POST => '/open?delete', body => $del,
    headers => { md5h($del), %$bypass });
unlike($body, qr{<Deleted>}, 'anonymous: DeleteObjects with bypass deletes '
    . 'nothing');
like(put_doc("/open/g?retention&versionId=$og", qq{<Retention xmlns="$XMLNS"/>},
        headers => $bypass, anonymous => 1),
    qr/^403 /, 'anonymous: GOVERNANCE removal refused');
like(put_doc('/open?lifecycle', $expire_all, anonymous => 1), qr/^403 /,
    'anonymous: PutBucketLifecycleConfiguration refused');
is(answer(GET => "/open/g?versionId=$og"), '200 ', '... the version stays');

# an anonymous writer holding the owner's data for ever: AWS grants
# PutObjectRetention and PutObjectLegalHold by policy only, an ACL's
# WRITE does not give them ("Mapping of ACL permissions and access
# policy permissions": WRITE on a bucket is s3:PutObject and
# s3:DeleteObject); a COMPLIANCE lock to year 9999 on the owner's
# version could never be lifted, not even by the owner's admin key
($st, $h) = req(PUT => '/open/owners', body => 'o', headers => { md5h('o') });
my $ov = $h->{'x-amz-version-id'};
my $anon_lock = put_doc("/open/owners?retention&versionId=$ov",
    retention_doc('COMPLIANCE', '9999-12-31T23:59:59Z'), anonymous => 1);
my $anon_hold = put_doc("/open/owners?legal-hold&versionId=$ov",
    qq{<LegalHold xmlns="$XMLNS"><Status>ON</Status></LegalHold>},
    anonymous => 1);
like($anon_lock, qr/^403 /, 'anonymous cannot lock the owner\'s '
    . 'version in COMPLIANCE');
like($anon_hold, qr/^403 /, 'anonymous cannot put a legal hold on it');

# nor another organization, nor through the x-amz-object-lock-* headers
# of a write (S3: they need s3:PutObjectRetention / s3:PutObjectLegalHold
# too); reading a version's lock is s3:GetObjectRetention and
# s3:GetObjectLegalHold, policy only as well
is(answer(PUT => '/open?acl', headers => {
            'x-amz-grant-write' => "id=$id{mallory}",
            'x-amz-grant-read' => "id=$id{mallory}",
            'x-amz-grant-full-control' => "id=$id{dev}" }),
    '200 ', 'open: mallory granted READ and WRITE');
($st, $h) = req(PUT => '/open/shared', body => 's', headers => { md5h('s'),
        'x-amz-grant-read' => "id=$id{mallory}" });
my $sv = $h->{'x-amz-version-id'};
like(put_doc("/open/shared?retention&versionId=$sv",
        retention_doc('COMPLIANCE', iso(time() + 86400)), %mallory),
    qr/^403 /, 'a writer of another organization cannot lock it');
like(put_doc("/open/shared?legal-hold&versionId=$sv",
        qq{<LegalHold xmlns="$XMLNS"><Status>ON</Status></LegalHold>},
        %mallory),
    qr/^403 /, '... nor put a legal hold on it');
is(answer(GET => "/open/shared?retention&versionId=$sv", %mallory),
    '403 AccessDenied', '... nor read its retention');
is(answer(GET => "/open/shared?legal-hold&versionId=$sv", %mallory),
    '403 AccessDenied', '... nor its legal hold');
is(answer(GET => "/open/shared?versionId=$sv", %mallory), '200 ',
    '... which it may read');
is(answer(PUT => '/open/m', body => 'm', headers => { md5h('m'),
            'x-amz-object-lock-legal-hold' => 'ON' }, %mallory),
    '403 AccessDenied', 'mallory: PutObject with a legal hold refused');
is(answer(PUT => '/open/m', body => 'm', headers => { md5h('m'),
            'x-amz-object-lock-mode' => 'COMPLIANCE',
            'x-amz-object-lock-retain-until-date' => iso(time() + 86400) },
        %mallory),
    '403 AccessDenied', 'mallory: PutObject with a retention refused');
is(answer(PUT => '/open/m', body => 'm', headers => { md5h('m') },
        %mallory),
    '200 ', 'mallory: PutObject without Object Lock taken');
is(answer(PUT => '/open/m2', headers => { 'x-amz-copy-source' => '/open/m',
            'x-amz-object-lock-legal-hold' => 'ON' }, %mallory),
    '403 AccessDenied', 'mallory: CopyObject with a legal hold refused');
is(answer(POST => '/open/m?uploads', headers => {
            'x-amz-object-lock-legal-hold' => 'ON' }, %mallory),
    '403 AccessDenied', 'mallory: CreateMultipartUpload with a legal hold '
    . 'refused');
is(answer(PUT => '/vault/own', body => 'o', headers => { md5h('o'),
            'x-amz-object-lock-legal-hold' => 'ON' }, %writer),
    '200 ', 'the owner\'s ordinary key: PutObject with a legal hold taken');
is(answer(GET => "/open/owners?retention&versionId=$ov", %writer),
    '404 NoSuchObjectLockConfiguration', 'the owner\'s ordinary key reads '
    . 'the retention');

# GOVERNANCE made COMPLIANCE without bypass is refused, even with a
# later date (s3-tests test_object_lock_changing_mode_from_governance_
# without_bypass: AccessDenied); docs/object-lock.md says a writer may
is(put_doc("/vault/db/gov.bak?retention&versionId=$gov",
        retention_doc('COMPLIANCE', iso(time() + 2 * 86400)), %writer),
    '403 AccessDenied', 'GOVERNANCE to COMPLIANCE without bypass: 403');

# a delete marker takes no retention nor hold (S3: 405 MethodNotAllowed;
# a refusal of any kind holds)
($st, $h) = req(DELETE => '/vault/db/marked');
my $dm = $h->{'x-amz-version-id'} // '';
like(put_doc("/vault/db/marked?retention&versionId=$dm",
        retention_doc('COMPLIANCE', iso(time() + 3600)), %writer),
    qr/^4\d\d /, 'no retention on a delete marker');

# ------------------------------------------- hostile lifecycle documents

is(answer(PUT => '/lcyc'), '200 ', 'bucket lcyc');

sub lc_rule {
    my ($id, $filter) = @_;
    return "<ID>$id</ID><Status>Enabled</Status><Filter>$filter</Filter>"
        . '<Expiration><Days>1</Days></Expiration>';
}

# S3: at most 1,000 rules
my $t0 = time();
is(put_doc('/lcyc?lifecycle',
        lc_doc(map { lc_rule("r$_", "<Prefix>p$_/</Prefix>") } 1 .. 1000)),
    '200 ', '1,000 rules taken');
cmp_ok(time() - $t0, '<', 30, '... in under 30 s (a loaded machine)');
like(put_doc('/lcyc?lifecycle', lc_doc(map { lc_rule("r$_", '<Prefix/>') }
            1 .. 1001)),
    qr/^400 /, '1,001 rules refused');

# And inside And, deeply: S3 has one level (MalformedXML)
my $deep = ('<And>' x 200) . '<Prefix>a</Prefix>' . ('</And>' x 200);
like(put_doc('/lcyc?lifecycle', lc_doc(lc_rule('deep', $deep))), qr/^400 /,
    'And nested 200 deep refused');

# a prefix longer than any key (S3 keys: 1,024 bytes)
like(put_doc('/lcyc?lifecycle', lc_doc(lc_rule('long',
            '<Prefix>' . ('p' x 200000) . '</Prefix>'))),
    qr/^4\d\d /, 'a 200,000-byte prefix refused');

# tags with bytes XML forbids, and with entities
like(put_doc('/lcyc?lifecycle', lc_doc(lc_rule('ctl',
            "<Tag><Key>k</Key><Value>\x01</Value></Tag>"))),
    qr/^400 /, 'a tag value with a control byte refused');
like(put_doc('/lcyc?lifecycle', '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a '
        . '"aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        . lc_doc(lc_rule('ent', '<Prefix>&b;</Prefix>'))),
    qr/^400 /, 'entities (billion laughs) refused');

# huge Days
for my $days ('2147483648', '99999999999999999999', '-1', '0') {
    like(put_doc('/lcyc?lifecycle', lc_doc('<ID>d</ID><Status>Enabled</Status>'
            . "<Filter><Prefix/></Filter><Expiration><Days>$days</Days>"
            . '</Expiration>')),
        qr/^400 /, "Expiration Days $days refused");
}

# the server still answers, and the 1,000 rules are there
($st, $h, $body) = req(GET => '/lcyc?lifecycle');
my @rules = $body =~ m{<Rule>}g;
is(scalar @rules, 1000, 'GetBucketLifecycleConfiguration: the 1,000 rules');

# the default retention is counted from the write, in seconds
($st, $h) = req(PUT => '/vault/when', body => 'w', headers => { md5h('w') });
my $wv = $h->{'x-amz-version-id'};
($st, $h, $body) = req(GET => "/vault/when?retention&versionId=$wv");
my ($until) = $body =~ m{<RetainUntilDate>([^<]*)</RetainUntilDate>};
$until //= '';
my $expect = time() + 86400;
ok($until ge iso($expect - 60) && $until le iso($expect + 60)
        =~ s/Z$/.999Z/r,
    "the default retention of 1 day ends in a day ($until)");

# ----------------------------- a sweep over a big bucket: the worker answers

# the sweep runs in pool threads, a page at a time (ngx_sos_lifecycle.c):
# requests keep being answered while it removes 1,000 objects
is(answer(PUT => '/many'), '200 ', 'bucket many');
my $all = 1;
for my $i (1 .. 1000) {
    ($st) = req(PUT => "/many/o$i", body => 'x', headers => { md5h('x') });
    $all = 0 if $st != 200;
}
ok($all, '1,000 objects written');
is(put_doc('/many?lifecycle', lc_doc('<ID>all</ID><Status>Enabled</Status>'
        . '<Filter><Prefix></Prefix></Filter>'
        . '<Expiration><Days>1</Days></Expiration>')),
    '200 ', 'a rule expiring them after 1 day (2 s)');
my ($slowest, $left, $polls) = (0, 1000, 0);
my $until_t = time() + 60;
while ($left > 0 && time() < $until_t) {
    my $t1 = time();
    ($st) = req(HEAD => '/vault/db/full.bak');
    my $took = time() - $t1;
    $slowest = $took if $took > $slowest;
    $polls++;
    ($st, $h, $body) = req(GET => '/many?max-keys=1000');
    $left = () = $body =~ m{<Key>}g;
    sleep 0.05;
}
is($left, 0, "the sweep removed the 1,000 objects ($polls polls)");
# a sweep on the event loop would hold HEADs for the whole sweep; a
# loaded machine's scheduling is well under 5 s (speed is bench/'s)
cmp_ok($slowest, '<', 5, sprintf('... a HEAD meanwhile took at most %.3f s',
    $slowest));

# ------------------------------------------------------------ all intact

for my $v (@versions) {
    my ($k, $vid, $md5) = @$v;
    next if $k =~ m{^dates/};
    ($st, $h, $body) = req(GET => "/vault/$k?versionId=$vid");
    is("$st " . md5_hex($body), "200 $md5", "at the end: $k $vid intact");
}

$t->stop_ok;

done_testing();
