#!/usr/bin/perl

# The permission matrix: every operation x every bucket ACL x every object
# ACL x every principal, against expectations derived here from the S3
# documentation, not from the implementation:
#
# "Access control list (ACL) overview", Amazon S3 User Guide:
#  - Permissions: READ on a bucket allows listing its objects; on an
#    object, reading its data and metadata.  WRITE on a bucket allows
#    creating objects in it (and overwriting and deleting them); WRITE on
#    an object does not apply.  READ_ACP / WRITE_ACP allow reading /
#    writing the ACL of the bucket or object.  FULL_CONTROL is all four.
#  - Grantees: a canonical user (granted by id, or by e-mail address,
#    which S3 resolves to the canonical user), the AllUsers group ("anyone
#    in the world ... signed (authenticated) or unsigned (anonymous)") and
#    the AuthenticatedUsers group ("all AWS accounts ... any
#    authenticated request").
#  - Canned ACLs: private (owner FULL_CONTROL), public-read (+ AllUsers
#    READ), public-read-write (+ AllUsers READ, WRITE), authenticated-read
#    (+ AuthenticatedUsers READ), bucket-owner-read (object owner
#    FULL_CONTROL, bucket owner READ), bucket-owner-full-control (both
#    FULL_CONTROL).
#  - "the bucket owner can delete any object in the bucket"; the object
#    owner is the account that uploaded it; a bucket owner has no access to
#    another account's object beyond what its ACL grants.
# Operation pages (API Reference): ListObjects, HeadBucket need READ on the
# bucket; PutObject, DeleteObject need WRITE on the bucket; GetObject,
# HeadObject need READ on the object; CopyObject needs READ on the source
# and WRITE on the destination bucket; Get/PutBucketAcl need READ_ACP /
# WRITE_ACP on the bucket, Get/PutObjectAcl on the object.  A presigned URL
# carries the permissions of its signer ("Sharing objects with presigned
# URLs").  A denied request is 403 AccessDenied.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Auth qw(presign);
use SOS::Test;

my $t = SOS::Test->new;

sub org_id {
    my ($name) = @_;
    my ($rc, $out) = $t->sosctl('org', 'show', $name);
    return ($out =~ /^id:\s+(\S+)/m)[0];
}

sub new_org {
    my ($name, $email) = @_;
    my ($rc, $out, $err) = $t->sosctl('org', 'create', $name,
        $email ? ('--email', $email) : ());
    die "sosctl org create: $err" if $rc;
    ($rc, $out, $err) = $t->sosctl('key', 'create', $name);
    die "sosctl key create: $err" if $rc;
    return { access => ($out =~ /^aws_access_key_id = (\S+)/m)[0],
             secret => ($out =~ /^aws_secret_access_key = (\S+)/m)[0],
             id => org_id($name) };
}

my %owner = (access => $t->access_key, secret => $t->secret_key,
    id => org_id('dev'));
my $other = new_org('other');
my $carol = new_org('carol');                      # granted by id
my $dave = new_org('dave', 'dave@example.com');    # granted by e-mail
my $erin = new_org('erin');                        # any authenticated user

$t->run;

# principals: name => [ credentials or undef (anonymous), presigned, class ]
# class: who the principal is for the expectation table

my @principals = (
    [ owner => \%owner, 0, 'owner' ],
    [ other => $other, 0, 'auth' ],
    [ by_id => $carol, 0, 'grantee' ],
    [ by_email => $dave, 0, 'grantee' ],
    [ authenticated => $erin, 0, 'auth' ],
    [ anonymous => undef, 0, 'anon' ],
    [ presigned_owner => \%owner, 1, 'owner' ],
    [ presigned_other => $other, 1, 'auth' ],
);

# ACLs under test: the canned ones, and grants to carol (id) and dave
# (e-mail) with x-amz-grant-* headers (the owner keeps FULL_CONTROL)

my %gr = (
    id => qq{id="$carol->{id}"},
    both => qq{id="$carol->{id}", emailAddress="dave\@example.com"},
    owner => qq{id="$owner{id}"},
);

my %acls = (
    'private' => { 'x-amz-acl' => 'private' },
    'public-read' => { 'x-amz-acl' => 'public-read' },
    'public-read-write' => { 'x-amz-acl' => 'public-read-write' },
    'authenticated-read' => { 'x-amz-acl' => 'authenticated-read' },
    'bucket-owner-read' => { 'x-amz-acl' => 'bucket-owner-read' },
    'bucket-owner-full-control' =>
        { 'x-amz-acl' => 'bucket-owner-full-control' },
    'grant-read-write' => {
        'x-amz-grant-full-control' => $gr{owner},
        'x-amz-grant-read' => $gr{both},
        'x-amz-grant-write' => $gr{both} },
    'grant-full-control' => {
        'x-amz-grant-full-control' => "$gr{owner}, $gr{both}" },
);

# what each class of principal holds under each ACL, from the canned ACL
# table and the grants above (owner: FULL_CONTROL in all of them; the
# bucket-owner-* ACLs give the owner nothing more when it is also the
# bucket owner, as here)

my %held = (
    'private' => {},
    'public-read' => { anon => 'R', auth => 'R', grantee => 'R' },
    'public-read-write' => { anon => 'RW', auth => 'RW', grantee => 'RW' },
    'authenticated-read' => { auth => 'R', grantee => 'R' },
    'bucket-owner-read' => {},
    'bucket-owner-full-control' => {},
    'grant-read-write' => { grantee => 'RW' },
    'grant-full-control' => { grantee => 'RWrw' },
);

# R READ, W WRITE, r READ_ACP, w WRITE_ACP
sub holds {
    my ($acl, $class, $perm) = @_;
    return 1 if $class eq 'owner';
    my $h = $held{$acl}{$class} || '';
    return index($h, $perm) >= 0;
}

sub send_as {
    my ($p, $method, $uri, %opts) = @_;
    my ($name, $cred, $presigned) = @$p;

    if (!$cred) {
        return SOS::Test->parse($t->http($method, $uri, %opts));
    }

    if ($presigned) {
        my ($path, $q) = split /\?/, $uri, 2;
        my %q = map { my ($k, $v) = split /=/, $_, 2; ($k => $v // '') }
            split /&/, $q // '';
        # the URL signs the x-amz-* headers sent with it, as S3 requires
        my $h = $opts{headers} || {};
        my %amz = map { lc($_) => $h->{$_} } grep { /^x-amz-/i } keys %$h;
        my $u = presign($t, $method, $path, access => $cred->{access},
            secret => $cred->{secret}, query => \%q, headers => \%amz);
        return SOS::Test->parse($t->http($method, $u, %opts));
    }

    return SOS::Test->parse($t->s3($method, $uri, %opts,
        access => $cred->{access}, secret => $cred->{secret}));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] || '' }

sub upload_id { ($_[0] =~ m{<UploadId>([^<]+)</UploadId>})[0] // 'none' }

# the raw response, for the UploadId of CreateMultipartUpload
sub send_raw {
    my ($p, $method, $uri, %opts) = @_;
    my ($name, $cred, $presigned) = @$p;
    return $t->http($method, $uri, %opts) unless $cred;
    if ($presigned) {
        my ($path, $q) = split /\?/, $uri, 2;
        return $t->http($method, presign($t, $method, $path,
            access => $cred->{access}, secret => $cred->{secret},
            query => { $q => '' }), %opts);
    }
    return $t->s3($method, $uri, %opts, access => $cred->{access},
        secret => $cred->{secret});
}

my ($pass, $fail) = (0, 0);

sub check {
    my ($what, $allowed, $st, $body, $ok_status) = @_;
    my $want = $allowed ? $ok_status : 403;
    # a HEAD response has no body to name the error
    if ($st == $want
        && ($allowed || !defined $body || code($body) eq 'AccessDenied'))
    {
        $pass++;
        return;
    }
    $fail++;
    fail("$what: " . ($allowed ? 'allowed' : 'denied')
        . " expected $want, got $st " . code($body));
}

my @names = sort keys %acls;
my $n = 0;

for my $bacl (@names) {
    my $bucket = sprintf 'mx%02d', $n++;

    my ($st) = SOS::Test->parse($t->s3(PUT => "/$bucket",
        headers => $acls{$bacl}));
    is($st, 200, "bucket $bucket: $bacl");

    my $m = 0;
    for my $oacl (@names) {
        my $key = sprintf 'o%02d', $m++;
        ($st) = SOS::Test->parse($t->s3(PUT => "/$bucket/$key",
            body => "$bacl/$oacl", headers => $acls{$oacl}));
        die "put $bucket/$key ($oacl): $st\n" unless $st == 200;
    }

    for my $p (@principals) {
        my ($pn, undef, undef, $class) = @$p;
        my $w = "bucket $bacl, $pn";
        my ($s, $h, $b);

        # bucket operations

        ($s, $h, $b) = send_as($p, GET => "/$bucket");
        check("$w: ListObjects", holds($bacl, $class, 'R'), $s, $b, 200);

        ($s, $h, $b) = send_as($p, GET => "/$bucket?list-type=2");
        check("$w: ListObjectsV2", holds($bacl, $class, 'R'), $s, $b, 200);

        ($s) = send_as($p, HEAD => "/$bucket");
        check("$w: HeadBucket", holds($bacl, $class, 'R'), $s, undef, 200);

        ($s, $h, $b) = send_as($p, PUT => "/$bucket/new-$pn", body => 'n');
        check("$w: PutObject", holds($bacl, $class, 'W'), $s, $b, 200);

        ($s, $h, $b) = send_as($p, DELETE => "/$bucket/none-$pn");
        check("$w: DeleteObject", holds($bacl, $class, 'W'), $s, $b, 204);

        ($s, $h, $b) = send_as($p, GET => "/$bucket?acl");
        check("$w: GetBucketAcl", holds($bacl, $class, 'r'), $s, $b, 200);

        ($s, $h, $b) = send_as($p, PUT => "/$bucket?acl",
            headers => $acls{$bacl});
        check("$w: PutBucketAcl", holds($bacl, $class, 'w'), $s, $b, 200);

        # multipart (CreateMultipartUpload, UploadPart, Complete and Abort
        # are writes into the bucket; ListMultipartUploads needs READ):
        # an upload the owner started, then one of the principal's own

        my $id = upload_id($t->s3(POST => "/$bucket/mpu-$pn?uploads"));
        ($s, $h, $b) = send_as($p, PUT =>
            "/$bucket/mpu-$pn?partNumber=1&uploadId=$id", body => 'p');
        check("$w: UploadPart", holds($bacl, $class, 'W'), $s, $b, 200);

        ($s, $h, $b) = send_as($p, GET => "/$bucket?uploads");
        check("$w: ListMultipartUploads", holds($bacl, $class, 'R'), $s, $b,
            200);

        ($s, $h, $b) = send_as($p, DELETE =>
            "/$bucket/mpu-$pn?uploadId=$id");
        check("$w: AbortMultipartUpload", holds($bacl, $class, 'W'), $s, $b,
            204);

        my $r;
        ($s, $h, $b) = SOS::Test->parse($r = send_raw($p, POST =>
            "/$bucket/mine-$pn?uploads"));
        check("$w: CreateMultipartUpload", holds($bacl, $class, 'W'), $s,
            $b, 200);

        if ($s == 200) {
            my $mine = upload_id($r);
            ($s, $h, $b) = send_as($p, PUT =>
                "/$bucket/mine-$pn?partNumber=1&uploadId=$mine",
                body => 'part');
            my $etag = $h->{etag} // '';
            ($s, $h, $b) = send_as($p, POST =>
                "/$bucket/mine-$pn?uploadId=$mine", body =>
                '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
                . "<ETag>$etag</ETag></Part></CompleteMultipartUpload>");
            check("$w: CompleteMultipartUpload", 1, $s, $b, 200);
        }

        # object operations (objects owned by the bucket owner)

        my $m2 = 0;
        for my $oacl (@names) {
            my $key = sprintf 'o%02d', $m2++;
            my $ow = "$w, object $oacl";

            ($s, $h, $b) = send_as($p, GET => "/$bucket/$key");
            check("$ow: GetObject", holds($oacl, $class, 'R'), $s, $b, 200);

            ($s) = send_as($p, HEAD => "/$bucket/$key");
            check("$ow: HeadObject", holds($oacl, $class, 'R'), $s, undef,
                200);

            ($s, $h, $b) = send_as($p, GET => "/$bucket/$key?acl");
            check("$ow: GetObjectAcl", holds($oacl, $class, 'r'), $s, $b,
                200);

            ($s, $h, $b) = send_as($p, PUT => "/$bucket/$key?acl",
                headers => $acls{$oacl});
            check("$ow: PutObjectAcl", holds($oacl, $class, 'w'), $s, $b,
                200);

            ($s, $h, $b) = send_as($p, PUT => "/$bucket/copy-$pn",
                headers => { 'x-amz-copy-source' => "/$bucket/$key" });
            check("$ow: CopyObject",
                holds($oacl, $class, 'R') && holds($bacl, $class, 'W'),
                $s, $b, 200);
        }
    }
}

is($fail, 0, "permission matrix: $pass requests as expected");

# Objects another organization uploads into the owner's public-read-write
# bucket: owned by the uploader; the bucket owner reads them only through
# bucket-owner-read / -full-control, reads their ACL only with
# FULL_CONTROL, and deletes any of them.

my $pub = 'mx' . sprintf('%02d', (grep { $names[$_] eq 'public-read-write' }
    0 .. $#names)[0]);
my $op = $principals[1];
my $ow = $principals[0];

for my $c (['private', 0, 0], ['bucket-owner-read', 1, 0],
    ['bucket-owner-full-control', 1, 1])
{
    my ($acl, $read, $acp) = @$c;
    my ($s, $h, $b) = send_as($op, PUT => "/$pub/by-other-$acl",
        body => 'x', headers => { 'x-amz-acl' => $acl });
    is($s, 200, "other uploads with $acl");
    ($s) = send_as($ow, GET => "/$pub/by-other-$acl");
    is($s, $read ? 200 : 403, "bucket owner GET of $acl object");
    ($s) = send_as($ow, GET => "/$pub/by-other-$acl?acl");
    is($s, $acp ? 200 : 403, "bucket owner GetObjectAcl of $acl object");
    ($s) = send_as($op, GET => "/$pub/by-other-$acl?acl");
    is($s, 200, "object owner GetObjectAcl of its $acl object");
    ($s) = send_as($ow, DELETE => "/$pub/by-other-$acl");
    is($s, 204, "bucket owner deletes the $acl object");
}

# owner-only bucket operations, whatever the ACL (S3: bucket owner only)

for my $p (@principals[1 .. 5]) {
    my ($s, $h, $b) = send_as($p, GET => "/$pub?location");
    is($s, 403, "GetBucketLocation by $p->[0]: 403");
    ($s) = send_as($p, DELETE => "/$pub");
    is($s, 403, "DeleteBucket by $p->[0]: 403");
    ($s) = send_as($p, GET => "/$pub?versioning");
    is($s, 403, "GetBucketVersioning by $p->[0]: 403");
}

$t->stop_ok;

done_testing();
