#!/usr/bin/perl

# s3cmd, with signature V4 (its default) and with --signature-v2: mb, put,
# get, ls, la, info, sync both ways, del, rb; downloads compared with the
# uploads.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients qw(file_sha same_tree random_file);

my ($t, $c) = SOS::Clients->start;

my $w = $c->work;

my %files = (
    'small.txt' => 1000,
    'empty' => 0,
    'three.bin' => 3 * 1024 * 1024 + 1,
    "odd name+\x{e9}.txt" => 5000,
);

my %src;
for my $name (keys %files) {
    my $key = $name;
    utf8::encode($key);
    $src{$key} = random_file("$w/up/$key", $files{$name}, $key);
}

my @tree = SOS::Clients::make_tree("$w/tree", 30, 100, 5000, 70_000,
    300_000);

for my $sig ('v4', 'v2') {
    my @s3cmd = @{ $c->s3cmd(v2 => $sig eq 'v2') };
    my $b = "s3cmd-$sig";

    $c->ok_run("$sig: mb", [ @s3cmd, 'mb', "s3://$b" ])->{rc} == 0
        or next;

    my $r = $c->ok_run("$sig: ls buckets", [ @s3cmd, 'ls' ]);
    like($r->{out}, qr{^\S+ \S+\s+s3://\Q$b\E$}m, "$sig: bucket listed");

    for my $key (sort keys %src) {
        $c->ok_run("$sig: put $key",
            [ @s3cmd, 'put', $src{$key}, "s3://$b/dir/$key" ]);
        $c->ok_run("$sig: get $key", [ @s3cmd, 'get', '--force',
            "s3://$b/dir/$key", "$w/get-$sig/$key" ]);
        is(file_sha("$w/get-$sig/$key"), file_sha($src{$key}),
            "$sig: $key: bytes equal");
    }

    $r = $c->ok_run("$sig: info", [ @s3cmd, 'info',
        "s3://$b/dir/small.txt" ]);
    like($r->{out}, qr/File size:\s+1000\b/, "$sig: info shows the size");
    like($r->{out}, qr/MD5 sum:\s+[0-9a-f]{32}/, "$sig: info shows the MD5");

    $r = $c->ok_run("$sig: ls prefix", [ @s3cmd, 'ls', "s3://$b/dir/" ]);
    like($r->{out}, qr{^\S+ \S+\s+3145729\s+s3://\Q$b\E/dir/three\.bin$}m,
        "$sig: ls shows size and name");
    is(scalar(() = $r->{out} =~ m{s3://}g), scalar(keys %src),
        "$sig: ls lists every object");

    $r = $c->ok_run("$sig: ls bucket root", [ @s3cmd, 'ls', "s3://$b" ]);
    like($r->{out}, qr{^\s+DIR\s+s3://\Q$b\E/dir/$}m, "$sig: ls shows DIR");

    $r = $c->ok_run("$sig: la", [ @s3cmd, 'la', '--recursive' ]);
    like($r->{out}, qr{s3://\Q$b\E/dir/small\.txt$}m, "$sig: la lists it");

    # signurl makes a SigV2 query-string URL whatever the signature setting
    $r = $c->ok_run("$sig: signurl", [ @s3cmd, 'signurl',
        "s3://$b/dir/three.bin", '+300' ]);
    (my $url = $r->{out}) =~ s/\s+$//;
    like($url, qr/[?&]Signature=/, "$sig: signurl gives a V2 URL");
    is($c->curl(GET => $url, out => "$w/signurl-$sig"), '200',
        "$sig: signed URL answers 200");
    is(file_sha("$w/signurl-$sig"), file_sha($src{'three.bin'}),
        "$sig: signed URL bytes equal");

    $c->ok_run("$sig: sync up", [ @s3cmd, 'sync', "$w/tree/",
        "s3://$b/tree/" ]);
    $r = $c->ok_run("$sig: sync up again",
        [ @s3cmd, 'sync', "$w/tree/", "s3://$b/tree/" ]);
    unlike($r->{out}, qr/upload:/, "$sig: second sync uploads nothing");
    $r = $c->ok_run("$sig: ls --recursive",
        [ @s3cmd, 'ls', '--recursive', "s3://$b/tree/" ]);
    is(scalar(() = $r->{out} =~ m{s3://}g), scalar(@tree),
        "$sig: recursive ls lists the tree");

    $c->ok_run("$sig: sync down", [ @s3cmd, 'sync', "s3://$b/tree/",
        "$w/tree-$sig/" ]);
    is(join("\n", same_tree("$w/tree", "$w/tree-$sig")), '',
        "$sig: synced tree equals the source");

    $c->ok_run("$sig: del", [ @s3cmd, 'del', "s3://$b/dir/small.txt" ]);
    $r = $c->fail_run("$sig: get of the deleted object fails",
        [ @s3cmd, 'get', '--force', "s3://$b/dir/small.txt",
          "$w/deleted-$sig" ]);
    # s3cmd's HEAD answered 404 (a 403 is "S3 error: 403 (Forbidden)")
    like($r->{err}, qr/Source object '\S+' does not exist/,
        "$sig: deleted object: not found");

    $r = $c->fail_run("$sig: rb of a non-empty bucket fails",
        [ @s3cmd, 'rb', "s3://$b" ]);
    like($r->{err} . $r->{out}, qr/BucketNotEmpty/, "$sig: BucketNotEmpty");

    $c->ok_run("$sig: del --recursive", [ @s3cmd, 'del', '--recursive',
        '--force', "s3://$b/" ]);
    $r = $c->ok_run("$sig: ls after del", [ @s3cmd, 'ls', '--recursive',
        "s3://$b" ]);
    is($r->{out}, '', "$sig: bucket empty");
    $c->ok_run("$sig: rb", [ @s3cmd, 'rb', "s3://$b" ]);
    $r = $c->ok_run("$sig: ls after rb", [ @s3cmd, 'ls' ]);
    unlike($r->{out}, qr{s3://\Q$b\E$}m, "$sig: bucket gone");
    $r = $c->fail_run("$sig: ls of the removed bucket fails",
        [ @s3cmd, 'ls', "s3://$b" ]);
    like($r->{err} . $r->{out}, qr/NoSuchBucket/,
        "$sig: removed bucket: NoSuchBucket");
}

# multipart: 12 MiB in 5 MiB chunks (signature V4)

{
    my @s3cmd = @{ $c->s3cmd };
    my $b = 's3cmd-mp';
    my $big = random_file("$w/mp/big12.bin", 12 * 1024 * 1024 + 3, 'mp');

    $c->ok_run('mp: mb', [ @s3cmd, 'mb', "s3://$b" ]);
    $c->ok_run('mp: put --multipart-chunk-size-mb=5', [ @s3cmd, 'put',
        '--multipart-chunk-size-mb=5', $big, "s3://$b/big12.bin" ],
        timeout => 120);
    my $r = $c->ok_run('mp: info', [ @s3cmd, 'info', "s3://$b/big12.bin" ]);
    like($t->read_file('access.log'),
        qr{"PUT /s3cmd-mp/big12\.bin\?partNumber=3&uploadId=\w+ HTTP/1\.1" 200},
        'mp: sent in 3 parts');
    like($r->{out}, qr/File size:\s+12582915/, 'mp: info shows the size');
    $c->ok_run('mp: get', [ @s3cmd, 'get', '--force', "s3://$b/big12.bin",
        "$w/mp/back.bin" ], timeout => 120);
    is(file_sha("$w/mp/back.bin"), file_sha($big),
        'mp: downloaded bytes equal the upload');
    $c->ok_run('mp: multipart list (none left)', [ @s3cmd, 'multipart',
        "s3://$b" ]);
    $c->ok_run('mp: del', [ @s3cmd, 'del', "s3://$b/big12.bin" ]);
    $c->ok_run('mp: rb', [ @s3cmd, 'rb', "s3://$b" ]);
}

$c->note_payload_modes;

$t->stop_ok;

done_testing();
