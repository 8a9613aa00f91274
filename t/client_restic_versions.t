#!/usr/bin/perl

# restic against a versioned bucket with Object Lock (issue 16), with the
# bucket owner's ordinary key (not --admin), as docs/object-lock.md
# advises for backup software.  The bucket is made first, with Object
# Lock and a default GOVERNANCE retention of 1 day; restic init uses it
# (it creates no bucket), two backups, forget --prune (its deletes become
# delete markers), check --read-data and a restore.  Then "ransomware"
# with the same key deletes every current object: restic fails, and no
# version can be deleted by its id (403: locked).  Recovery as
# docs/versioning.md describes: the owner removes the delete markers by
# their ids (markers are not locked), restic unlock removes the stale
# locks that came back, and the repository checks again, with the first
# snapshot, which prune had forgotten, restored whole.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64);
use Test::More;

use SOS::Clients qw(same_tree random_file json);
use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $B = 'restic-locked';

my $t = SOS::Test->new(http => "sos_domain s3.localhost;\n");

# the owner's ordinary key, the one the backup software holds
my %key;
{
    my ($rc, $out, $err) = $t->sosctl('key', 'create', 'dev');
    die "sosctl key create: $err" if $rc;
    ($key{access}) = $out =~ /^aws_access_key_id = (\S+)/m;
    ($key{secret}) = $out =~ /^aws_secret_access_key = (\S+)/m;
}

$t->run;
my $c = SOS::Clients->new($t);

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %key, %opts));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] || '' }

sub md5h { return 'Content-MD5' => md5_base64($_[0]) . '==' }

# every version and delete marker of the bucket: ([ kind, key, id,
# latest ], ...), kind 'v' or 'm'
sub versions {
    my ($st, $h, $body) = req(GET => "/$B?versions&max-keys=1000");
    is($st, 200, 'ListObjectVersions') or diag($body);
    ok($body !~ m{<IsTruncated>true</IsTruncated>}, '... one page');
    my @v;
    while ($body =~ m{<(Version|DeleteMarker)>(.*?)</\1>}gs) {
        my ($kind, $e) = ($1 eq 'Version' ? 'v' : 'm', $2);
        my ($k) = $e =~ m{<Key>([^<]*)</Key>};
        my ($id) = $e =~ m{<VersionId>([^<]*)</VersionId>};
        my ($l) = $e =~ m{<IsLatest>([^<]*)</IsLatest>};
        push @v, [ $kind, $k, $id, $l eq 'true' ];
    }
    return @v;
}

my $w = $c->work;
my ($restic, $env) = $c->restic($B);
my @restic = @$restic;
my %o = (env => { %$env, AWS_ACCESS_KEY_ID => $key{access},
    AWS_SECRET_ACCESS_KEY => $key{secret} }, timeout => 120);

# ------------------------------------------------------------ the bucket

my ($st, $h, $body) = req(PUT => "/$B",
    headers => { 'x-amz-bucket-object-lock-enabled' => 'true' });
is($st, 200, 'bucket with Object Lock, by the ordinary key') or diag($body);

my $conf = qq{<ObjectLockConfiguration xmlns="$XMLNS"><ObjectLockEnabled>}
    . 'Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE'
    . '</Mode><Days>1</Days></DefaultRetention></Rule>'
    . '</ObjectLockConfiguration>';
($st, $h, $body) = req(PUT => "/$B?object-lock", body => $conf,
    headers => { md5h($conf) });
is($st, 200, 'default retention: GOVERNANCE, 1 day') or diag($body);

($st, $h, $body) = req(GET => "/$B?versioning");
like($body, qr{<Status>Enabled</Status>}, 'versioning is on');

# ------------------------------------------------------------ the backups

# 50 files from 1 KiB to 400 KiB, a few MiB
my @tree = SOS::Clients::make_tree("$w/src", 50, 1024, 8000, 30_000,
    100_000, 400_000);

my $mark = length $t->read_file('access.log');
$c->ok_run('init into the existing bucket', [ @restic, 'init' ], %o)->{rc}
    == 0 or $c->stop_here('restic init failed');
my $log = substr($t->read_file('access.log'), $mark);
is(scalar(() = $log =~ m{"PUT /$B HTTP}g), 0, 'restic made no bucket');

$c->ok_run('backup', [ @restic, 'backup', '--host', 'sos-test', "$w/src" ],
    %o);
my $r = $c->ok_run('snapshots', [ @restic, 'snapshots', '--json' ], %o);
my $first = json($r->{out});
$first = ref $first eq 'ARRAY' && @$first == 1 ? $first->[0]{id} : '';
ok($first, 'the first snapshot');

# keep the first tree to compare its restore at the end
$c->ok_run('copy of the first tree', [ 'cp', '-a', "$w/src", "$w/first" ]);

unlink @tree[0 .. 9];
random_file($tree[10], 50_000, 'changed');
random_file("$w/src/added/new.bin", 300_000, 'added');

$c->ok_run('second backup', [ @restic, 'backup', '--host', 'sos-test',
    "$w/src" ], %o);

my @before = versions();
$c->ok_run('forget --keep-last 1 --prune', [ @restic, 'forget',
    '--keep-last', '1', '--prune' ], %o);
my @after = versions();
my $markers = grep { $_->[0] eq 'm' } @after;
ok($markers > grep({ $_->[0] eq 'm' } @before),
    "prune's deletes are delete markers ($markers in all)");
ok(!grep({ my $a = $_; $a->[0] eq 'v' && !grep { $_->[0] eq 'v'
        && $_->[2] eq $a->[2] } @after } @before),
    'every version before prune is still there');

$c->ok_run('check --read-data', [ @restic, 'check', '--read-data' ], %o);
$c->ok_run('restore', [ @restic, 'restore', 'latest', '--target',
    "$w/restore" ], %o);
is(join("\n", same_tree("$w/src", "$w/restore$w/src")), '',
    'restored tree equals the source');

# ------------------------------------------------------------ ransomware

my @current = grep { $_->[0] eq 'v' && $_->[3] } versions();
ok(@current >= 5 && grep({ $_->[1] eq 'config' } @current),
    scalar(@current) . ' current objects, the config among them');

my $del = '<Delete>' . join('', map { "<Object><Key>$_->[1]</Key></Object>" }
    @current) . '</Delete>';
($st, $h, $body) = req(POST => "/$B?delete", body => $del,
    headers => { md5h($del) });
my @deleted = $body =~ m{<Deleted>}g;
is("$st " . scalar(@deleted), "200 " . scalar(@current),
    'DeleteObjects of every current object, with restic\'s key');
is(scalar(grep { $_->[0] eq 'v' && $_->[3] } versions()), 0,
    'no current object left');

$c->fail_run('restic snapshots fails', [ @restic, 'snapshots' ], %o);

my @refused;
for my $v (grep { $_->[0] eq 'v' } versions()) {
    ($st, $h, $body) = req(DELETE => "/$B/$v->[1]?versionId=$v->[2]");
    push @refused, "$st " . code($body);
}
is(join(',', grep { $_ ne '403 AccessDenied' } @refused), '',
    scalar(@refused) . ' versions, each delete by id 403 AccessDenied');

# ------------------------------------------------------------ recovery

# docs/versioning.md: "To restore the key, delete the marker by its id";
# the bucket owner may delete by id, and a marker is not locked.
my @m = grep { $_->[0] eq 'm' } versions();
my @gone = grep { $_ ne '204' } map {
    ($st) = req(DELETE => "/$B/$_->[1]?versionId=$_->[2]");
    $st;
} @m;
is(join(',', @gone), '', scalar(@m) . ' delete markers removed');
is(scalar(grep { $_->[0] eq 'm' } versions()), 0, 'no marker left');

# the lock files restic had deleted are back with their markers gone,
# prune's exclusive one among them: restic 0.14 refuses to run ("already
# locked exclusively") until unlock removes these stale locks (which it
# may: a lock object is only its default retention's version, and unlock's
# deletes are markers again)
$c->ok_run('unlock', [ @restic, 'unlock' ], %o);
$c->ok_run('check --read-data after recovery', [ @restic, 'check',
    '--read-data' ], %o);
$r = $c->ok_run('snapshots after recovery', [ @restic, 'snapshots',
    '--json' ], %o);
my $snaps = json($r->{out});
ok(ref $snaps eq 'ARRAY' && grep({ $_->{id} eq $first } @$snaps),
    'the first snapshot, forgotten by prune, is back');
$c->ok_run('restore of the first snapshot', [ @restic, 'restore', $first,
    '--target', "$w/restore1" ], %o);
is(join("\n", same_tree("$w/first", "$w/restore1$w/src")), '',
    'restored first tree equals the first tree');

$t->stop_ok;

done_testing();
