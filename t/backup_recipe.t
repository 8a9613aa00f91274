#!/usr/bin/perl

# The recipe of docs/object-lock.md ("Recipe: an immutable 30-day backup
# target"), run as it is written: its aws commands are taken from the
# document and run by a shell with aws-cli 1.x (as t/client_awscli.t
# runs it), then the bucket is used as backup software uses it: `aws s3
# cp` with an ordinary key (step 4), and every version written is kept
# 30 days in COMPLIANCE mode, so a delete by version id is refused, to
# the admin key too, with or without x-amz-bypass-governance-retention
# (S3 user guide, "Object Lock": "In compliance mode, a protected object
# version can't be overwritten or deleted by any user").

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients qw(json random_file file_sha slurp);
use SOS::Test;

my $t = SOS::Test->new;

# step 4: an ordinary key of the owning organization, not --admin
my ($rc, $out, $err) = $t->sosctl('key', 'create', 'dev');
die "sosctl key create: $err" if $rc;
my ($access) = $out =~ /^aws_access_key_id = (\S+)/m;
my ($secret) = $out =~ /^aws_secret_access_key = (\S+)/m;

$t->run;

my $c = SOS::Clients->new($t);
my @aws = @{ $c->aws_v1 };
my $ordinary = { AWS_ACCESS_KEY_ID => $access,
    AWS_SECRET_ACCESS_KEY => $secret };

# the recipe's commands: the indented blocks of its section that start
# with "aws "

my $doc = slurp("$FindBin::Bin/../docs/object-lock.md");
my ($recipe) = $doc =~
    /^## Recipe: an immutable 30-day backup target\n(.*?)^## /ms;
ok(defined $recipe, 'the recipe is in docs/object-lock.md');

my @cmds;
for my $block (split /\n\n/, $recipe // '') {
    next unless $block =~ /^ {8}aws /;
    (my $cmd = $block) =~ s/^ {8}//mg;
    push @cmds, $cmd;
}
is(scalar @cmds, 3, 'three aws commands: bucket, Object Lock, lifecycle');
like($cmds[0] // '', qr/create-bucket .*--object-lock-enabled-for-bucket/s,
    '... create-bucket with Object Lock');
like($cmds[1] // '', qr/put-object-lock-configuration/,
    '... put-object-lock-configuration');
like($cmds[2] // '', qr/put-bucket-lifecycle-configuration/,
    '... put-bucket-lifecycle-configuration');

# "aws" in the document is aws-cli 1.x against the test server
my $aws_fn = 'aws() { ' . join(' ', map { "'$_'" } @aws) . ' "$@"; }';
for my $cmd (@cmds) {
    my ($what) = $cmd =~ /^aws s3api (\S+)/;
    $c->ok_run("the recipe: $what", [ '/bin/sh', '-c', "$aws_fn\n$cmd" ]);
}

# what SOS now holds

my $r = $c->ok_run('get-object-lock-configuration', [ @aws, 's3api',
    'get-object-lock-configuration', '--bucket', 'backups' ]);
is_deeply(json($r->{out})->{ObjectLockConfiguration},
    { ObjectLockEnabled => 'Enabled', Rule => { DefaultRetention =>
        { Mode => 'COMPLIANCE', Days => 30 } } },
    '... Enabled, 30 days COMPLIANCE');

$r = $c->ok_run('get-bucket-versioning', [ @aws, 's3api',
    'get-bucket-versioning', '--bucket', 'backups' ]);
is(json($r->{out})->{Status}, 'Enabled', '... versioning Enabled');

$r = $c->ok_run('get-bucket-lifecycle-configuration', [ @aws, 's3api',
    'get-bucket-lifecycle-configuration', '--bucket', 'backups' ]);
my $rule = (json($r->{out})->{Rules} || [])->[0] || {};
is($rule->{Status}, 'Enabled', '... the rule Enabled');
is($rule->{NoncurrentVersionExpiration}{NoncurrentDays}, 30,
    '... noncurrent versions expire after 30 days');
is($rule->{AbortIncompleteMultipartUpload}{DaysAfterInitiation}, 7,
    '... uploads aborted after 7 days');
ok($rule->{Expiration}{ExpiredObjectDeleteMarker},
    '... lone delete markers removed');

# backups written with aws s3 cp and the ordinary key: one small, one
# large enough for a multipart upload (8 MiB threshold)

my $w = $c->work;
my %size = ('db.dump' => 5000, 'disk.img' => 9 * 1024 * 1024 + 7);
my %sha;
for my $name (sort keys %size) {
    my $src = random_file("$w/$name", $size{$name}, $name);
    $sha{$name} = file_sha($src);
    $c->ok_run("s3 cp $name ($size{$name} bytes), ordinary key",
        [ @aws, 's3', 'cp', '--no-progress', $src, "s3://backups/$name" ],
        env => $ordinary);
}

my $until_min = time() + 30 * 86400 - 120;
my %vid;
for my $name (sort keys %size) {
    $r = $c->ok_run("head-object $name", [ @aws, 's3api', 'head-object',
        '--bucket', 'backups', '--key', $name ]);
    my $h = json($r->{out});
    is($h->{ObjectLockMode}, 'COMPLIANCE', "$name: COMPLIANCE by default");
    my ($y, $mo, $d) = ($h->{ObjectLockRetainUntilDate} // '')
        =~ /^(\d{4})-(\d\d)-(\d\d)T/;
    my @want = gmtime($until_min);
    ok(defined $y && sprintf('%04d%02d%02d', $y, $mo, $d)
        ge sprintf('%04d%02d%02d', $want[5] + 1900, $want[4] + 1, $want[3]),
        "$name: retained 30 days") or diag($h->{ObjectLockRetainUntilDate});
    $vid{$name} = $h->{VersionId};
    ok($vid{$name}, "$name: a version id");
}

# a new backup over the old one: the old version stays, noncurrent

my $src = random_file("$w/db.dump.2", 6000, 'second');
$c->ok_run('s3 cp db.dump again', [ @aws, 's3', 'cp', '--no-progress',
    $src, 's3://backups/db.dump' ], env => $ordinary);

# nobody deletes a version by id: the ordinary key, the admin key, the
# admin key bypassing governance (COMPLIANCE has none to bypass)

for my $name (sort keys %size) {
    for my $who ([ 'the ordinary key', [], $ordinary ],
        [ 'the admin key', [], {} ],
        [ 'the admin key bypassing governance',
            [ '--bypass-governance-retention' ], {} ])
    {
        $r = $c->fail_run("$name: delete-object by version id refused "
            . "($who->[0])", [ @aws, 's3api', 'delete-object', '--bucket',
            'backups', '--key', $name, '--version-id', $vid{$name},
            @{ $who->[1] } ], env => $who->[2]);
        like($r->{err}, qr/AccessDenied/, '... AccessDenied');
    }
}

# a delete without version id only adds a marker; the bytes stay

$c->ok_run('delete-object without version id (a marker)', [ @aws, 's3api',
    'delete-object', '--bucket', 'backups', '--key', 'disk.img' ],
    env => $ordinary);

for my $name (sort keys %size) {
    $c->ok_run("get-object $name by version id", [ @aws, 's3api',
        'get-object', '--bucket', 'backups', '--key', $name, '--version-id',
        $vid{$name}, "$w/$name.back" ]);
    is(file_sha("$w/$name.back"), $sha{$name}, "$name: the same bytes");
}

$t->stop_ok;

done_testing();
