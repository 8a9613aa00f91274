#!/usr/bin/perl

# Real clients setting and reading ACLs: aws cli `s3 cp --acl public-read`
# and `s3api put-object-acl --grant-read id=...` / get-object-acl, boto3
# put_object_acl / get_object_acl / put_bucket_acl, s3cmd `setacl
# --acl-public` and `--acl-grant`, rclone `--s3-acl public-read`; each
# result checked with a plain anonymous GET or as the grantee.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients qw(random_file);
use SOS::Test;

my $t = SOS::Test->new(http => "sos_domain s3.localhost;\n");

sub org_id {
    my ($name) = @_;
    my ($rc, $out) = $t->sosctl('org', 'show', $name);
    return ($out =~ /^id:\s+(\S+)/m)[0];
}

my ($rc, $out, $err) = $t->sosctl('org', 'create', 'friend', '--email',
    'friend@example.com');
die "sosctl org create: $err" if $rc;
($rc, $out, $err) = $t->sosctl('key', 'create', 'friend');
die "sosctl key create: $err" if $rc;
my %friend = (access => ($out =~ /^aws_access_key_id = (\S+)/m)[0],
    secret => ($out =~ /^aws_secret_access_key = (\S+)/m)[0],
    id => org_id('friend'));
my $dev_id = org_id('dev');

$t->run;

my $c = SOS::Clients->new($t);
my $w = $c->work;
my $file = random_file("$w/f.txt", 3000, 'f');

sub anon_get {
    my ($path) = @_;
    return SOS::Test->parse($t->http(GET => $path));
}

sub friend_get {
    my ($path) = @_;
    return SOS::Test->parse($t->s3(GET => $path, access => $friend{access},
        secret => $friend{secret}));
}

sub acl_of {
    my ($path) = @_;
    return (SOS::Test->parse($t->s3(GET => "$path?acl")))[2];
}

my $ALL = 'http://acs.amazonaws.com/groups/global/AllUsers';

# ------------------------------------------------------------------ aws cli

my @aws = @{ $c->aws_v2 };

$c->ok_run('aws: mb', [ @aws, 's3', 'mb', 's3://acl-aws' ]);
$c->ok_run('aws: cp --acl public-read',
    [ @aws, 's3', 'cp', '--acl', 'public-read', $file, 's3://acl-aws/pub' ]);
my ($st) = anon_get('/acl-aws/pub');
is($st, 200, 'aws: the object is public');

$c->ok_run('aws: cp private', [ @aws, 's3', 'cp', $file,
    's3://acl-aws/shared' ]);
($st) = friend_get('/acl-aws/shared');
is($st, 403, 'aws: private to the friend');
$c->ok_run('aws: s3api put-object-acl --grant-read id=',
    [ @aws, 's3api', 'put-object-acl', '--bucket', 'acl-aws', '--key',
      'shared', '--grant-read', "id=$friend{id}",
      '--grant-full-control', "id=$dev_id" ]);
($st) = friend_get('/acl-aws/shared');
is($st, 200, 'aws: the grantee reads');
my $r = $c->ok_run('aws: s3api get-object-acl',
    [ @aws, 's3api', 'get-object-acl', '--bucket', 'acl-aws', '--key',
      'shared' ]);
like($r->{out}, qr/"ID": "$friend{id}".*"Permission": "READ"/s,
    'aws: get-object-acl shows the grant');
like($r->{out}, qr/"DisplayName": "friend"/, 'aws: with the display name');

$r = $c->fail_run('aws: bad canned ACL refused',
    [ @aws, 's3api', 'put-object-acl', '--bucket', 'acl-aws', '--key',
      'shared', '--acl', 'world-writable' ]);
like($r->{err}, qr/InvalidArgument/, 'aws: InvalidArgument');

# ------------------------------------------------------------------ boto3

$r = $c->ok_run('boto3: ACL calls',
    [ $c->python, "$FindBin::Bin/clients/boto3_acl.py", $c->endpoint,
      $friend{id} ]);
like($r->{out}, qr/^bucket .*\Q$ALL\E', 'READ'/m,
    'boto3: create_bucket ACL public-read');
like($r->{out}, qr/^owner $dev_id dev$/m, 'boto3: owner with display name');
# the group before the owner, in RGW's order (issue 15)
like($r->{out}, qr/^object \[\('Group', 'READ'\), \('CanonicalUser', 'FULL_CONTROL'\)\]$/m,
    'boto3: put_object_acl canned');
like($r->{out}, qr/^policy \[\('$friend{id}', 'READ'\), \('$friend{id}', 'READ_ACP'\)\]$/m,
    'boto3: AccessControlPolicy with id and e-mail grantees');
like($r->{out}, qr/^error UnresolvableGrantByEmailAddress$/m,
    'boto3: unknown e-mail');
($st) = friend_get('/acl-boto3/k');
is($st, 200, 'boto3: the grantee reads');
($st) = anon_get('/acl-boto3/k');
is($st, 403, 'boto3: no longer public');

# ------------------------------------------------------------------ s3cmd

my @s3cmd = @{ $c->s3cmd };

$c->ok_run('s3cmd: mb', [ @s3cmd, 'mb', 's3://acl-s3cmd' ]);
$c->ok_run('s3cmd: put', [ @s3cmd, 'put', $file, 's3://acl-s3cmd/f' ]);
($st) = anon_get('/acl-s3cmd/f');
is($st, 403, 's3cmd: private at first');
$c->ok_run('s3cmd: setacl --acl-public',
    [ @s3cmd, 'setacl', '--acl-public', 's3://acl-s3cmd/f' ]);
($st) = anon_get('/acl-s3cmd/f');
is($st, 200, 's3cmd: public now');
$c->ok_run('s3cmd: setacl --acl-private',
    [ @s3cmd, 'setacl', '--acl-private', 's3://acl-s3cmd/f' ]);
($st) = anon_get('/acl-s3cmd/f');
is($st, 403, 's3cmd: private again');
$c->ok_run('s3cmd: setacl --acl-grant=read:ID',
    [ @s3cmd, 'setacl', "--acl-grant=read:$friend{id}",
      's3://acl-s3cmd/f' ]);
($st) = friend_get('/acl-s3cmd/f');
is($st, 200, 's3cmd: the grantee reads');
$c->ok_run('s3cmd: setacl --acl-grant=read:e-mail',
    [ @s3cmd, 'setacl', '--acl-grant=read:friend@example.com',
      's3://acl-s3cmd/f' ]);
$r = $c->ok_run('s3cmd: info', [ @s3cmd, 'info', 's3://acl-s3cmd/f' ]);
like($r->{out}, qr/ACL:\s+friend: READ/, 's3cmd: info shows the grant');

# ------------------------------------------------------------------ rclone

{
    local $ENV{AWS_CA_BUNDLE};
    delete $ENV{AWS_CA_BUNDLE};

    my @rclone = @{ $c->rclone };

    $c->ok_run('rclone: mkdir', [ @rclone, 'mkdir', 'sos:acl-rclone' ]);
    $c->ok_run('rclone: copyto --s3-acl public-read',
        [ @rclone, '--s3-acl', 'public-read', 'copyto', $file,
          'sos:acl-rclone/pub' ]);
    ($st) = anon_get('/acl-rclone/pub');
    is($st, 200, 'rclone: the object is public');
    like(acl_of('/acl-rclone/pub'), qr/\Q$ALL\E.*READ/,
        'rclone: AllUsers READ');
    $c->ok_run('rclone: copyto (default private)',
        [ @rclone, 'copyto', $file, 'sos:acl-rclone/priv' ]);
    ($st) = anon_get('/acl-rclone/priv');
    is($st, 403, 'rclone: private by default');
}

$t->stop_ok;

done_testing();
