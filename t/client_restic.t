#!/usr/bin/perl

# restic with an s3: repository: init (which creates the bucket), backup
# of a generated tree of a few hundred files, a second backup after
# changes, check --read-data, restore, and the restored bytes compared
# with the source.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients qw(same_tree random_file json);

my ($t, $c) = SOS::Clients->start;

my $w = $c->work;
my ($restic, $env) = $c->restic('restic-test');
my @restic = @$restic;
my %o = (env => $env, timeout => 120);

# 300 files from 1 KiB to 3 MiB, about 60 MiB
my @tree = SOS::Clients::make_tree("$w/src", 300, 1024, 8000, 30_000,
    100_000, 400_000, 3 * 1024 * 1024 + 5);

my $v = $c->run([ @restic, 'version' ], %o);
note($v->{out});

$c->ok_run('init', [ @restic, 'init' ], %o)->{rc} == 0
    or $c->stop_here('restic init failed');

$c->ok_run('backup', [ @restic, 'backup', '--host', 'sos-test', "$w/src" ],
    %o);

# change the tree and back it up again
unlink @tree[0 .. 9];
random_file($tree[10], 50_000, 'changed');
random_file("$w/src/added/new.bin", 1_000_000, 'added');

$c->ok_run('second backup', [ @restic, 'backup', '--host', 'sos-test',
    "$w/src" ], %o);

my $r = $c->ok_run('snapshots', [ @restic, 'snapshots', '--json' ], %o);
my $snaps = json($r->{out});
is(ref $snaps eq 'ARRAY' ? scalar @$snaps : -1, 2, 'two snapshots');

$c->note_payload_modes;
my $modes = $c->payload_modes;
ok($modes->{'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'},
    'restic sent signed aws-chunked uploads');

$c->ok_run('check', [ @restic, 'check' ], %o);
$c->ok_run('check --read-data', [ @restic, 'check', '--read-data' ], %o);

$c->ok_run('restore', [ @restic, 'restore', 'latest', '--target',
    "$w/restore" ], %o);
is(join("\n", same_tree("$w/src", "$w/restore$w/src")), '',
    'restored tree equals the source');

$c->ok_run('forget --prune', [ @restic, 'forget', '--keep-last', '1',
    '--prune' ], %o);
$c->ok_run('check after prune', [ @restic, 'check' ], %o);

# Large packs.  restic 0.14 (minio-go) sends each pack with one PUT of
# known size, even a 32 MiB one (its part size is far above the largest
# pack, 128 MiB), so it never uses multipart: this repository, with
# --pack-size 32, checks ~100 MiB of random data in packs above the
# 16 MiB default, and notes which kind of upload restic used.

{
    my ($restic2, $env2) = $c->restic('restic-mp');
    my %o2 = (env => $env2, timeout => 120);
    my @r2 = (@$restic2, '--pack-size', '32');

    SOS::Clients::make_tree("$w/big", 25, 4 * 1024 * 1024 + 7);

    $c->ok_run('mp: init', [ @r2, 'init' ], %o2);
    my $mark = length $t->read_file('access.log');
    $c->ok_run('mp: backup of 100 MiB with 32 MiB packs', [ @r2, 'backup',
        '--host', 'sos-test', "$w/big" ], %o2);
    my $log = substr($t->read_file('access.log'), $mark);
    my $parts = () = $log =~ m{"PUT /restic-mp/data/\S+\?partNumber=}g;
    my $puts = () = $log =~ m{"PUT /restic-mp/data/[0-9a-f/]+ HTTP/1\.1" 200}g;
    ok($puts + $parts > 0, 'mp: packs stored');
    note("restic stored its packs with $puts single PUTs and $parts parts");

    my $large = grep { -s $_ > 16 * 1024 * 1024 }
        glob($t->data . '/r0/objects/*/*/*');
    ok($large >= 2, "mp: $large packs above 16 MiB stored");
    $c->ok_run('mp: check --read-data', [ @r2, 'check', '--read-data' ],
        %o2);
    $c->ok_run('mp: restore', [ @r2, 'restore', 'latest', '--target',
        "$w/big-restore" ], %o2);
    is(join("\n", same_tree("$w/big", "$w/big-restore$w/big")), '',
        'mp: restored tree equals the source');
}

$t->stop_ok;

done_testing();
