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

$t->stop_ok;

done_testing();
