package SOS::FullIndex;

# The full index volume tests (t/fence.t, t/fullindex.t; root only): the
# index on a small tmpfs, the 3 replicas elsewhere, and the offline
# check of what the store holds afterwards, through t/store_list.c built
# against the library the server uses.
#
#   my ($t, @rep) = SOS::FullIndex::start('2m', '0');  # tmpfs, reserve
#   my $lister = SOS::FullIndex::lister($t);
#   SOS::FullIndex::fill("$data/filler");
#   my ($failed, $status, $h, $body)
#       = SOS::FullIndex::put_until_fails($t, 200, \%acked);
#   ...
#   SOS::FullIndex::offline_ok($lister, $t->data, \@rep, \%acked, $failed,
#                              'nothing else is listed');

use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use File::Path qw(make_path);
use Test::More;

use SOS::Test;
use SOS::Volume;

# A server whose data directory is a tmpfs of $size, with the replicas
# rep0..rep2 in its directory and sos_index_reserve $reserve; skips the
# test when the tmpfs cannot be mounted.  Returns the SOS::Test and the
# replicas' directories.

sub start {
    my ($size, $reserve) = @_;

    my $t = SOS::Test->new(keys => 0);

    SOS::Volume::tmpfs_mount($t->data, $size)
        or plan(skip_all => $SOS::Volume::error);

    $t->create_dev_keys;

    my $dir = $t->dir;
    my @rep = map { "$dir/rep$_" } 0 .. 2;
    make_path(@rep);
    $t->{http} = join('', map { "sos_replica $_;\n    " } @rep)
        . "sos_index_reserve $reserve;\n";
    $t->run;

    return ($t, @rep);
}

# The offline lister, built in the test's directory: one test.

sub lister {
    my ($t) = @_;

    my $lister = $t->dir . '/store_list';
    my $lib = SOS::Test::build_dir() . '/lib';
    my $top = SOS::Test::top();
    my @san = SOS::Test::sanitized()
        ? ('-fsanitize=address,undefined', '-fno-sanitize-recover=all')
        : ();
    my $out = `cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror @san -I$top/libsosstore/include -o $lister $top/t/store_list.c $lib/libsosstore.a -lleveldb -lisal -lz -lcrypto -lpthread 2>&1`;
    is($?, 0, 'store_list helper compiles') or diag($out);
    return $lister;
}

# Append to $path in 64 KiB writes until the tmpfs is full.

sub fill {
    my ($path) = @_;

    open my $fh, '>>', $path or die "$path: $!";
    my $chunk = 'f' x 65536;
    while (syswrite($fh, $chunk)) { }
    close $fh;
}

# PUTs to bkt of keys of 904 bytes (which fill what is left of the
# index log's last page), at most $max, until one fails; each one that
# works goes into %$acked with its body.  Returns the key that failed
# (undef: none did) and the last answer (status, headers, body).

sub put_until_fails {
    my ($t, $max, $acked) = @_;

    my $long = 'x' x 900;
    my ($status, $h, $body);

    for my $i (1 .. $max) {
        my $k = sprintf('%04d%s', $i, $long);
        ($status, $h, $body) = SOS::Test->parse(
            $t->s3(PUT => "/bkt/$k", body => "body of $i"));
        return ($k, $status, $h, $body) if $status != 200;
        $acked->{$k} = "body of $i";
    }
    return (undef, $status, $h, $body);
}

# With the server stopped: bucket bkt of the store in $data lists every
# key of %$acked with the MD5 of its body, and no other key but $failed
# (a PUT that failed may or may not be there).  Three tests; $extra
# names the last.

sub offline_ok {
    my ($lister, $data, $rep, $acked, $failed, $extra) = @_;

    my $out = `$lister '$data' bkt @$rep 2>&1`;
    is($?, 0, 'the store opens offline') or diag($out);

    my %listed = map { (split /\t/)[0, 1] } split /\n/, $out;
    my @missing = grep {
        ($listed{$_} // '') ne md5_hex($acked->{$_})
    } sort keys %$acked;
    my @extra = grep {
        !exists $acked->{$_} && $_ ne $failed
    } sort keys %listed;
    ok(!@missing,
       'offline: every acknowledged object is listed with its ETag')
        or diag("missing: @missing");
    ok(!@extra, "offline: $extra") or diag("extra: @extra");
}

1;
