#!/usr/bin/perl

# rclone with an s3 remote of provider Other (path style, its default):
# mkdir, copy, check, lsf, sync, copy back, md5sum, purge; bytes compared.
# rclone runs without AWS_CA_BUNDLE (it fails with it set, even over http).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use Digest::MD5;
use SOS::Clients qw(file_sha same_tree random_file slurp);

my ($t, $c) = SOS::Clients->start;

my $w = $c->work;
my @rclone = @{ $c->rclone };
my $b = 'rclone-test';

my @tree = SOS::Clients::make_tree("$w/tree", 60, 100, 5000, 70_000,
    300_000, 2_000_000);
random_file("$w/tree/big.bin", 7 * 1024 * 1024 + 3, 'big');

my $v = $c->run([ @rclone, 'version' ]);
note($v->{out});

$c->ok_run('mkdir (bucket)', [ @rclone, 'mkdir', "sos:$b" ])->{rc} == 0
    or $c->stop_here('rclone mkdir failed');

my $r = $c->ok_run('lsd buckets', [ @rclone, 'lsd', 'sos:' ]);
like($r->{out}, qr/\s\Q$b\E$/m, 'lsd lists the bucket');

$c->ok_run('copy', [ @rclone, 'copy', "$w/tree", "sos:$b/copy" ],
    timeout => 120);
$c->ok_run('check', [ @rclone, 'check', "$w/tree", "sos:$b/copy" ]);

$r = $c->ok_run('lsf -R', [ @rclone, 'lsf', '-R', '--files-only',
    "sos:$b/copy" ]);
my @want = sort map { my $p = $_; $p =~ s{^\Q$w\E/tree/}{}; $p }
    (@tree, "$w/tree/big.bin");
is_deeply([ sort split /\n/, $r->{out} ], \@want, 'lsf lists every file');

# the same in small pages, with both listing versions
for my $lv (1, 2) {
    $r = $c->ok_run("lsf -R, ListObjects v$lv in pages of 7",
        [ @rclone, 'lsf', '-R', '--files-only', '--s3-list-chunk', '7',
          '--s3-list-version', $lv, "sos:$b/copy" ]);
    is_deeply([ sort split /\n/, $r->{out} ], \@want,
        "paged v$lv listing: every file once");
    $r = $c->ok_run("lsf, ListObjects v$lv in pages of 2, directories",
        [ @rclone, 'lsf', '--dirs-only', '--s3-list-chunk', '2',
          '--s3-list-version', $lv, "sos:$b/copy" ]);
    is($r->{out}, join('', map { "d$_/\n" } 0 .. 4),
        "paged v$lv listing: every common prefix once");
}

$r = $c->ok_run('lsf with size and hash', [ @rclone, 'lsf', '--format',
    'psh', '--hash', 'MD5', "sos:$b/copy" ]);
my $md5 = Digest::MD5->new->add(slurp("$w/tree/big.bin"))->hexdigest;
like($r->{out}, qr/^big\.bin;7340035;\Q$md5\E$/m,
    'lsf shows the size and the MD5 (ETag) of a file');

$c->ok_run('copy back', [ @rclone, 'copy', "sos:$b/copy", "$w/back" ],
    timeout => 120);
is(join("\n", same_tree("$w/tree", "$w/back")), '',
    'copied back tree equals the source');

# sync: a removed, an added and a changed file

unlink $tree[0];
random_file("$w/tree/new file.txt", 1234, 'new');
random_file($tree[1], -s $tree[1], 'changed');

$r = $c->ok_run('sync', [ @rclone, 'sync', "$w/tree", "sos:$b/copy" ]);
$c->ok_run('check after sync', [ @rclone, 'check', "$w/tree",
    "sos:$b/copy" ]);
$c->ok_run('sync down', [ @rclone, 'sync', "sos:$b/copy", "$w/back" ]);
is(join("\n", same_tree("$w/tree", "$w/back")), '',
    'trees equal after sync both ways');

# check must notice a difference

random_file($tree[2], -s $tree[2], 'local change');
$r = $c->fail_run('check reports a changed file', [ @rclone, 'check',
    "$w/tree", "sos:$b/copy" ]);
like($r->{err}, qr/\b1 differences found/, 'check: exactly one difference')
    or diag($r->{err});

# a file copied to another name, then its contents

$c->ok_run('copyto', [ @rclone, 'copyto', "sos:$b/copy/big.bin",
    "sos:$b/other/big copy.bin" ]);
$c->ok_run('cat', [ @rclone, 'cat', "sos:$b/other/big copy.bin" ]);
$r = $c->ok_run('md5sum', [ @rclone, 'md5sum', "sos:$b/other" ]);
like($r->{out}, qr/^\Q$md5\E  big copy\.bin$/m, 'md5sum of the copy');

$c->ok_run('delete a file', [ @rclone, 'deletefile',
    "sos:$b/other/big copy.bin" ]);
$r = $c->ok_run('lsf after delete', [ @rclone, 'lsf', "sos:$b/other" ]);
is($r->{out}, '', 'deleted');

$c->ok_run('purge', [ @rclone, 'purge', "sos:$b" ], timeout => 120);
$r = $c->ok_run('lsd after purge', [ @rclone, 'lsd', 'sos:' ]);
unlike($r->{out}, qr/\s\Q$b\E$/m, 'bucket gone');
# rclone exits 3 for "directory not found", 1 for other errors
$r = $c->fail_run('lsf of the purged bucket fails', [ @rclone, 'lsf',
    "sos:$b" ]);
is($r->{rc}, 3, 'purged bucket: directory not found') or diag($r->{err});

# multipart: a 12 MiB file above a 5 MiB cutoff, in 5 MiB chunks sent 4
# at a time

random_file("$w/mp/big12.bin", 12 * 1024 * 1024 + 11, 'rclone-mp');
my @mp = ('--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M',
    '--s3-upload-concurrency', '4');
$c->ok_run('mkdir for multipart', [ @rclone, 'mkdir', "sos:$b-mp" ]);
$c->ok_run('copy in 5M chunks', [ @rclone, @mp, 'copy', "$w/mp",
    "sos:$b-mp" ], timeout => 120);
like($t->read_file('access.log'), qr{"PUT /\Q$b\E-mp/big12\.bin\?partNumber=3&uploadId=}m,
    'rclone uploaded parts');
$c->ok_run('check after multipart copy', [ @rclone, 'check', "$w/mp",
    "sos:$b-mp" ]);
$c->ok_run('copy back', [ @rclone, 'copy', "sos:$b-mp", "$w/mp-back" ],
    timeout => 120);
is(file_sha("$w/mp-back/big12.bin"), file_sha("$w/mp/big12.bin"),
    'multipart object copied back byte for byte');
$c->ok_run('purge multipart bucket', [ @rclone, 'purge', "sos:$b-mp" ],
    timeout => 60);

$c->note_payload_modes;

$t->stop_ok;

done_testing();
