#!/usr/bin/perl

# Ransomware that holds a key able to write the backup bucket (issue 16):
# the owner's ordinary key, and another organization granted WRITE.
# Backups sit in a bucket with Object Lock: a default COMPLIANCE
# retention, one GOVERNANCE version, and a legal hold in a second
# bucket.  Every way to destroy them is tried: delete every version
# (with and without x-amz-bypass-governance-retention), overwrite,
# delete markers, shorten the COMPLIANCE retention or turn it into
# GOVERNANCE, remove the GOVERNANCE one, take the legal hold off,
# DeleteObjects of every version, suspend versioning, change the default
# retention, delete the bucket.  Each attempt fails or only adds a
# version; at the end every version reads back byte for byte (MD5).
# Only the owner's admin key may bypass GOVERNANCE (docs/object-lock.md).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64 md5_hex);
use POSIX qw(strftime);
use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $VID = qr/[0-9a-f]{32}/;

my $t = SOS::Test->new;
my %other = $t->org_with_key('mallory');

my %writer;
{
    my ($rc, $out, $err) = $t->sosctl('key', 'create', 'dev');
    die "sosctl key create: $err" if $rc;
    ($writer{access}) = $out =~ /^aws_access_key_id = (\S+)/m;
    ($writer{secret}) = $out =~ /^aws_secret_access_key = (\S+)/m;
}

my %id;
for my $org (qw(dev mallory)) {
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

sub answer {
    my ($st, $h, $body) = req(@_);
    return "$st " . code($body);
}

sub md5h { return 'Content-MD5' => md5_base64($_[0]) . '==' }

sub iso { return strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) }

sub put_doc {
    my ($uri, $xml, %opts) = @_;
    my %h = (md5h($xml), %{ delete $opts{headers} || {} });
    return answer(PUT => $uri, body => $xml, headers => \%h, %opts);
}

sub retention {
    my ($mode, $until) = @_;
    return qq{<Retention xmlns="$XMLNS"><Mode>$mode</Mode>}
        . '<RetainUntilDate>' . iso($until) . '</RetainUntilDate></Retention>';
}

my $bypass = { 'x-amz-bypass-governance-retention' => 'true' };

# ------------------------------------------------------------ the backups

for my $b (qw(backups holds)) {
    is(answer(PUT => "/$b", headers => {
            'x-amz-bucket-object-lock-enabled' => 'true',
            'x-amz-grant-full-control' => qq{id="$id{dev}"},
            'x-amz-grant-write' => qq{id="$id{mallory}"} }),
        '200 ', "bucket $b, Object Lock, WRITE granted to mallory");
}

my $conf = qq{<ObjectLockConfiguration xmlns="$XMLNS"><ObjectLockEnabled>}
    . 'Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE'
    . '</Mode><Days>1</Days></DefaultRetention></Rule>'
    . '</ObjectLockConfiguration>';
is(put_doc('/backups?object-lock', $conf), '200 ',
    'default retention: COMPLIANCE, 1 day');

# every version written: [bucket, key, version id, MD5]
my @versions;

sub backup {
    my ($bucket, $key, %headers) = @_;
    my $data = join '', map { chr(int(rand(256))) } 1 .. 4096 + int(rand(4096));
    my ($st, $h, $body) = req(PUT => "/$bucket/$key", body => $data,
        headers => { md5h($data), %headers });
    is($st, 200, "backup $bucket/$key") or diag($body);
    like($h->{'x-amz-version-id'} // '', qr/^$VID$/, '... a version');
    push @versions, [ $bucket, $key, $h->{'x-amz-version-id'}, md5_hex($data) ];
    return $h->{'x-amz-version-id'};
}

backup('backups', 'full.bak') for 1 .. 2;
backup('backups', 'incr.bak');
my $gov = backup('backups', 'gov.bak',
    'x-amz-object-lock-mode' => 'GOVERNANCE',
    'x-amz-object-lock-retain-until-date' => iso(time() + 86400));
my $held = backup('holds', 'held.bak', 'x-amz-object-lock-legal-hold' => 'ON');

my ($st, $h, $body) = req(GET => "/backups/full.bak?retention&versionId=$versions[0][2]");
like($body, qr{<Mode>COMPLIANCE</Mode>}, 'the backups have COMPLIANCE');

# ---------------------------------------------------------------- attacks

for my $who ([ 'the owner\'s writer key', %writer ],
    [ 'mallory, granted WRITE', %other ])
{
    my ($name, %key) = @$who;
    my (@ok, @refused);

    for my $v (@versions) {
        my ($b, $k, $vid) = @$v;
        my @tries;

        # delete the version, with and without bypass
        push @tries, map { [ "DELETE $k" => sub {
                answer(DELETE => "/$b/$k?versionId=$vid", headers => $_[0],
                    %key) }, $_ ] } {}, $bypass;

        # weaken its retention: shorten it, make COMPLIANCE GOVERNANCE,
        # remove it
        my @weaker = $vid eq $gov
            ? (retention('GOVERNANCE', time() + 60),
                qq{<Retention xmlns="$XMLNS"/>})
            : $b eq 'backups'
            ? (retention('COMPLIANCE', time() + 60),
                retention('GOVERNANCE', time() + 3 * 86400),
                qq{<Retention xmlns="$XMLNS"/>})
            : ();

        for my $doc (@weaker) {
            push @tries, map { [ "retention of $k" => sub {
                    put_doc("/$b/$k?retention&versionId=$vid", $doc,
                        headers => $_[0], %key) }, $_ ] } {}, $bypass;
        }

        # take a legal hold off
        push @tries, [ "legal hold of $k" => sub {
                put_doc("/$b/$k?legal-hold&versionId=$vid",
                    qq{<LegalHold xmlns="$XMLNS"><Status>OFF</Status>}
                    . '</LegalHold>', %key) }, {} ];

        for my $try (@tries) {
            my ($what, $call, $hd) = @$try;
            my $a = $call->($hd);
            push @{ $a eq '403 AccessDenied' ? \@refused : \@ok },
                "$what $vid" . (%$hd ? ' (bypass)' : '') . ": $a";
        }
    }

    is(join("\n", @ok), '', "$name: no destructive call succeeded");
    is(scalar @refused, 3 * @versions + 2 * 3 * 3 + 2 * 2,
        "$name: " . scalar(@refused) . ' attempts, each 403 AccessDenied');

    # DeleteObjects of every version, with bypass
    for my $b (qw(backups holds)) {
        my $del = '<Delete>' . join('', map {
                "<Object><Key>$_->[1]</Key><VersionId>$_->[2]</VersionId></Object>"
            } grep { $_->[0] eq $b } @versions) . '</Delete>';
        ($st, $h, $body) = req(POST => "/$b?delete", body => $del,
            headers => { md5h($del), %$bypass }, %key);
        my @errors = $body =~ m{<Code>AccessDenied</Code>}g;
        is("$st " . scalar(@errors) . ' ' . ($body =~ /<Deleted>/ ? 'some' : 'none'),
            "200 " . scalar(grep { $_->[0] eq $b } @versions) . ' none',
            "$name: DeleteObjects of every version in $b: AccessDenied each");
    }

    # overwrite, and delete markers: only new versions, nothing replaced
    ($st, $h) = req(PUT => '/backups/full.bak', body => 'encrypted!',
        headers => { md5h('encrypted!') }, %key);
    is($st, 200, "$name: an overwrite is a new version (S3)");
    ($st, $h) = req(DELETE => '/backups/incr.bak', %key);
    is("$st " . ($h->{'x-amz-delete-marker'} // ''), '204 true',
        "$name: a DELETE without version id is a delete marker");

    # the bucket: versioning, its default retention, the bucket itself
    is(answer(PUT => '/backups?versioning', body => '<VersioningConfiguration>'
            . '<Status>Suspended</Status></VersioningConfiguration>', %key),
        $name =~ /mallory/ ? '403 AccessDenied' : '409 InvalidBucketState',
        "$name: versioning cannot be suspended");
    is(answer(DELETE => '/backups', %key),
        $name =~ /mallory/ ? '403 AccessDenied' : '409 BucketNotEmpty',
        "$name: the bucket cannot be deleted");
    is(answer(DELETE => '/holds', %key),
        $name =~ /mallory/ ? '403 AccessDenied' : '409 BucketNotEmpty',
        "$name: nor the other");
}

# the owner's ordinary key may drop the default retention: the versions
# already written keep theirs (S3: "applies to new objects")
is(put_doc('/backups?object-lock', qq{<ObjectLockConfiguration xmlns="$XMLNS">}
        . '<ObjectLockEnabled>Enabled</ObjectLockEnabled>'
        . '</ObjectLockConfiguration>', %writer),
    '200 ', 'the writer key removes the default retention');
is(answer(DELETE => "/backups/full.bak?versionId=$versions[0][2]",
        headers => $bypass, %writer),
    '403 AccessDenied', '... the backups stay locked');

# ---------------------------------------------------------- all intact

for my $v (@versions) {
    my ($b, $k, $vid, $md5) = @$v;
    ($st, $h, $body) = req(GET => "/$b/$k?versionId=$vid");
    is("$st " . md5_hex($body), "200 $md5", "$b/$k $vid reads back (MD5)");
}

($st, $h, $body) = req(GET => '/backups?versions');
my @listed = $body =~ m{<Version>}g;
is(scalar @listed, 4 + 2, 'ListObjectVersions: the 4 backups and the 2 '
    . 'overwrites');

# the owner's admin key, and only it, lifts GOVERNANCE and the hold
is(answer(DELETE => "/backups/gov.bak?versionId=$gov", headers => $bypass),
    '204 ', 'the owner\'s admin key deletes the GOVERNANCE version');
is(put_doc("/holds/held.bak?legal-hold&versionId=$held",
        qq{<LegalHold xmlns="$XMLNS"><Status>OFF</Status></LegalHold>}),
    '200 ', '... and takes the legal hold off');
is(answer(DELETE => "/backups/full.bak?versionId=$versions[0][2]",
        headers => $bypass),
    '403 AccessDenied', '... but not COMPLIANCE');

$t->stop_ok;

done_testing();
