package SOS::Multipart;

# Multipart cases of the real-client tests (t/client_*.t): each client
# uploads a file above its multipart threshold and the bytes that come
# back are compared with the file; the s3api-level calls check ETags
# (MD5 of the part MD5s, "-N"), part listings and aborts.

use strict;
use warnings;

use Digest::MD5 qw(md5 md5_hex);
use FindBin;
use Test::More;

use SOS::Clients qw(file_sha random_file slurp write_file);

my $MiB = 1024 * 1024;

# The ETag S3 gives an object uploaded in parts of $part bytes.

sub multipart_etag {
    my ($path, $part) = @_;
    my $data = slurp($path);
    my @md5;
    for (my $o = 0; $o < length $data; $o += $part) {
        push @md5, md5(substr($data, $o, $part));
    }
    return md5_hex(join '', @md5) . '-' . scalar @md5;
}

# ---- aws cli (1.x and v2) ----

sub awscli {
    my ($c, $aws, $label) = @_;

    my $w = $c->work;
    my $b = 'awsmp-' . lc $label;
    my $big = random_file("$w/mp-12m.bin", 12 * $MiB + 5, "aws$label");

    $c->ok_run("$label: mb", [ @$aws, 's3', 'mb', "s3://$b" ]);

    # s3 cp: 8 MiB threshold and chunks, so 8 MiB + 4 MiB

    $c->ok_run("$label: s3 cp of 12 MiB (multipart)",
        [ @$aws, 's3', 'cp', $big, "s3://$b/big.bin" ], timeout => 120);
    my $r = $c->ok_run("$label: head-object", [ @$aws, 's3api',
        'head-object', '--bucket', $b, '--key', 'big.bin' ]);
    my $j = SOS::Clients::json($r->{out}) || {};
    is($j->{ETag}, '"' . multipart_etag($big, 8 * $MiB) . '"',
       "$label: ETag of the 2 parts");
    $c->ok_run("$label: s3 cp down", [ @$aws, 's3', 'cp', "s3://$b/big.bin",
        "$w/mp-back.bin" ], timeout => 120);
    is(file_sha("$w/mp-back.bin"), file_sha($big),
       "$label: downloaded bytes equal the upload");

    $r = $c->ok_run("$label: get-object --part-number 2", [ @$aws, 's3api',
        'get-object', '--bucket', $b, '--key', 'big.bin', '--part-number',
        '2', "$w/mp-part2.bin" ]);
    $j = SOS::Clients::json($r->{out}) || {};
    is($j->{PartsCount}, 2, "$label: PartsCount");
    ok(slurp("$w/mp-part2.bin") eq substr(slurp($big), 8 * $MiB),
       "$label: part 2 bytes");

    # s3api: create, upload-part, list-parts, complete

    my $p1 = random_file("$w/mp-p1.bin", 5 * $MiB, "p1$label");
    my $p2 = random_file("$w/mp-p2.bin", 1000, "p2$label");

    $r = $c->ok_run("$label: create-multipart-upload", [ @$aws, 's3api',
        'create-multipart-upload', '--bucket', $b, '--key', 'api.bin',
        '--content-type', 'application/x-test' ]);
    my $id = (SOS::Clients::json($r->{out}) || {})->{UploadId} // '';
    like($id, qr/^[0-9a-f]{32}$/, "$label: UploadId");

    my @etags;
    for my $n (1, 2) {
        $r = $c->ok_run("$label: upload-part $n", [ @$aws, 's3api',
            'upload-part', '--bucket', $b, '--key', 'api.bin', '--upload-id',
            $id, '--part-number', $n, '--body', $n == 1 ? $p1 : $p2 ],
            timeout => 60);
        push @etags, (SOS::Clients::json($r->{out}) || {})->{ETag};
    }
    is($etags[0], '"' . md5_hex(slurp($p1)) . '"', "$label: part ETag");

    $r = $c->ok_run("$label: list-parts", [ @$aws, 's3api', 'list-parts',
        '--bucket', $b, '--key', 'api.bin', '--upload-id', $id ]);
    $j = SOS::Clients::json($r->{out}) || {};
    is_deeply([ map { $_->{PartNumber} } @{ $j->{Parts} || [] } ], [1, 2],
              "$label: list-parts shows both parts");

    $r = $c->ok_run("$label: list-multipart-uploads", [ @$aws, 's3api',
        'list-multipart-uploads', '--bucket', $b ]);
    $j = SOS::Clients::json($r->{out}) || {};
    is_deeply([ map { $_->{UploadId} } @{ $j->{Uploads} || [] } ], [$id],
              "$label: the upload is listed");

    write_file("$w/mp-parts.json", '{"Parts": ['
        . join(',', map { sprintf('{"PartNumber": %d, "ETag": %s}', $_ + 1,
                                  _json_str($etags[$_])) } 0, 1) . ']}');
    $r = $c->ok_run("$label: complete-multipart-upload", [ @$aws, 's3api',
        'complete-multipart-upload', '--bucket', $b, '--key', 'api.bin',
        '--upload-id', $id, '--multipart-upload', "file://$w/mp-parts.json" ]);
    $j = SOS::Clients::json($r->{out}) || {};
    is($j->{ETag}, '"' . md5_hex(md5(slurp($p1)) . md5(slurp($p2))) . '-2"',
       "$label: completed ETag");

    $c->ok_run("$label: get-object", [ @$aws, 's3api', 'get-object',
        '--bucket', $b, '--key', 'api.bin', "$w/mp-api.bin" ]);
    ok(slurp("$w/mp-api.bin") eq slurp($p1) . slurp($p2),
       "$label: the object is the two parts");

    # abort

    $r = $c->ok_run("$label: create another", [ @$aws, 's3api',
        'create-multipart-upload', '--bucket', $b, '--key', 'aborted' ]);
    $id = (SOS::Clients::json($r->{out}) || {})->{UploadId} // '';
    $c->ok_run("$label: upload-part", [ @$aws, 's3api', 'upload-part',
        '--bucket', $b, '--key', 'aborted', '--upload-id', $id,
        '--part-number', 1, '--body', $p2 ]);
    $c->ok_run("$label: abort-multipart-upload", [ @$aws, 's3api',
        'abort-multipart-upload', '--bucket', $b, '--key', 'aborted',
        '--upload-id', $id ]);
    $r = $c->fail_run("$label: list-parts of an aborted upload", [ @$aws,
        's3api', 'list-parts', '--bucket', $b, '--key', 'aborted',
        '--upload-id', $id ]);
    like($r->{err}, qr/NoSuchUpload/, "$label: NoSuchUpload");

    $c->ok_run("$label: rb --force", [ @$aws, 's3', 'rb', '--force',
        "s3://$b" ], timeout => 60);
}

sub _json_str {
    my ($s) = @_;
    $s //= '';
    $s =~ s/(["\\])/\\$1/g;
    return "\"$s\"";
}

# ---- boto3 ----
#
# t/multipart/boto3_multipart.py prints one "ok - name" or
# "not ok - name # detail" line per check.

sub boto3 {
    my ($c, $python) = @_;

    my $script = "$FindBin::Bin/multipart/boto3_multipart.py";
    my $log_mark = length $c->t->read_file('error.log');
    my $r = $c->run([ $python, $script, $c->endpoint, $c->work ],
                    timeout => 180);

    my $n = 0;
    for (split /\n/, $r->{out}) {
        if (/^(not )?ok - (.*?)(?: # (.*))?$/) {
            $n++;
            ok(!$1, "multipart: $2") or diag($3 // '');
        } else {
            note($_);
        }
    }

    ok($r->{rc} == 0 && $n >= 20, "boto3 multipart script ran to the end "
       . "($n checks)") or $c->show_failure($r, $log_mark);
}

1;
