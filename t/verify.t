#!/usr/bin/perl

# Verified reads: every byte a GET sends was checked against the extent's
# checksums first, in windows of 4 MiB.  A replica with a flipped byte is
# skipped for a good one (the bytes are right, the error log says so); no
# good replica is a 500 for a small object (before the header) and a
# truncated body for a large one (after it), with a crit line; ranges and
# ?partNumber read right; a slow client, a client gone, a send timeout are
# safe; a missing replica file is skipped; no replica file at all is a 500
# to HEAD and to GET alike.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5 md5_hex);
use File::Find;
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;

my $MiB = 1024 * 1024;
my $WINDOW = 4 * $MiB;
my $MSG = "The object's data could not be read intact from any replica.";

my $t = SOS::Test->new(http => 'send_timeout 2s;');
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, timeout => 60, %opts));
}

sub tag {
    my ($body, $name) = @_;
    my $v = $body =~ m{<$name>([^<]*)</$name>} ? $1 : '';
    $v =~ s/&apos;/'/g;
    return $v;
}

sub random_bytes {
    my ($n) = @_;
    open my $fh, '<:raw', '/dev/urandom' or die "urandom: $!";
    my $got = read($fh, my $buf, $n);
    die "urandom: short read" unless $got == $n;
    return $buf;
}

# the replica files holding $data (an object or a part), by replica
# number: its size and first bytes name it among random objects

sub files_of {
    my ($data) = @_;
    my %files;
    for my $i (0 .. 2) {
        my $dir = $t->data . "/r$i/objects";
        find(sub {
            return unless -f $_ && -s _ == length $data;
            open my $fh, '<:raw', $_ or return;
            read($fh, my $head, 4096);
            $files{$i} = $File::Find::name
                if $head eq substr($data, 0, 4096);
        }, $dir);
    }
    return \%files;
}

# the replica a reader tries first for a file: as sos_extent_open()

sub first_replica {
    my ($path) = @_;
    my ($id) = $path =~ m{/([0-9a-f]+)$} or die "file id of $path";
    return ord(substr($id, -1)) % 3;
}

sub flip {
    my ($path, $off) = @_;
    open my $fh, '+<:raw', $path or die "$path: $!";
    sysseek($fh, $off, 0) or die;
    sysread($fh, my $c, 1) == 1 or die;
    sysseek($fh, $off, 0) or die;
    syswrite($fh, chr(ord($c) ^ 0x20)) == 1 or die;
    close $fh;
}

# Make the byte at $off other than $orig (the object's byte there) whatever
# the file holds now: the background repair may have rewritten a replica
# flipped before, since the read that found it bad queued it.
sub spoil {
    my ($path, $off, $orig) = @_;
    open my $fh, '+<:raw', $path or die "$path: $!";
    sysseek($fh, $off, 0) or die;
    syswrite($fh, chr(ord($orig) ^ 0x20)) == 1 or die;
    close $fh;
}

sub log_has {
    my ($re) = @_;
    return $t->read_file('error.log') =~ $re;
}

my ($st, $h, $b);

($st) = req(PUT => '/vb1');
is($st, 200, 'bucket');

my $small = random_bytes(100 * 1024);
my $big = random_bytes(20 * $MiB);
my $slow = random_bytes(20 * $MiB);
my @parts = map { random_bytes(5 * $MiB) } 1 .. 3;
my $mp = join '', @parts;

for ([ small => $small ], [ big => $big ], [ slow => $slow ]) {
    ($st) = req(PUT => "/vb1/$_->[0]", body => $_->[1]);
    is($st, 200, "PUT $_->[0]");
}

# a multipart object of 3 parts of 5 MiB

($st, $h, $b) = req(POST => '/vb1/mp?uploads');
my $id = tag($b, 'UploadId');
my $xml = '<CompleteMultipartUpload>';
for my $n (1 .. 3) {
    ($st, $h) = req(PUT => "/vb1/mp?partNumber=$n&uploadId=$id",
                    body => $parts[$n - 1]);
    $xml .= "<Part><PartNumber>$n</PartNumber><ETag>$h->{etag}</ETag>"
        . '</Part>';
}
($st) = req(POST => "/vb1/mp?uploadId=$id",
            body => $xml . '</CompleteMultipartUpload>');
is($st, 200, 'multipart object of 3 parts');

# every file on its 3 replicas

my %files = (small => files_of($small), big => files_of($big),
             slow => files_of($slow));
$files{"part$_"} = files_of($parts[$_ - 1]) for 1 .. 3;
is(scalar keys %{ $files{$_} }, 3, "$_: 3 replica files") for sort keys %files;

# ---- all good ----

($st, $h, $b) = req(GET => '/vb1/big');
is($st, 200, 'GET big');
is(md5_hex($b), md5_hex($big), 'GET big: the bytes');

($st, $h, $b) = req(GET => '/vb1/mp');
is(md5_hex($b), md5_hex($mp), 'GET mp: the bytes');

# ---- one bad replica: the one read first ----

sub flip_first {
    my ($name, $off) = @_;
    my $f = $files{$name};
    my ($i) = grep { exists $f->{$_} }
        map { (first_replica($f->{0}) + $_) % 3 } 0 .. 2;
    flip($f->{$i}, $off);
}

flip_first(small => 1000);
flip_first(big => 13 * $MiB + 5);
flip_first(part2 => 3 * $MiB + 77);

($st, $h, $b) = req(GET => '/vb1/small');
is($st, 200, 'small, a bad replica: 200');
is(md5_hex($b), md5_hex($small), 'small, a bad replica: the right bytes');
ok(log_has(qr/\[error\].*sos: GET "vb1\/small" bytes 0-102399: 1 replica\(s\) of the data found bad/),
   'small: the bad replica logged');

($st, $h, $b) = req(GET => '/vb1/big');
is($st, 200, 'big, a bad replica: 200');
is(length $b, length $big, 'big: every byte');
is(md5_hex($b), md5_hex($big), 'big: the right bytes');

my ($a, $z) = (13 * $MiB - 100_003, 13 * $MiB + 300_007);
($st, $h, $b) = req(GET => '/vb1/big', headers => { Range => "bytes=$a-$z" });
is($st, 206, 'big, a range across the bad block: 206');
is(md5_hex($b), md5_hex(substr($big, $a, $z - $a + 1)),
   'range starting and ending mid-block: the right bytes');

($st, $h, $b) = req(GET => '/vb1/mp?partNumber=2');
is($st, 206, 'mp ?partNumber=2: 206');
is(md5_hex($b), md5_hex($parts[1]), '?partNumber=2: the right bytes');

($a, $z) = (5 * $MiB - 12_345, 8 * $MiB + 1_000);
($st, $h, $b) = req(GET => '/vb1/mp', headers => { Range => "bytes=$a-$z" });
is(md5_hex($b), md5_hex(substr($mp, $a, $z - $a + 1)),
   'mp, a range across parts 1 and 2: the right bytes');

($st, $h, $b) = req(GET => '/vb1/mp');
is(md5_hex($b), md5_hex($mp), 'mp, whole: the right bytes');

# ---- no good replica ----

for my $i (0 .. 2) {
    spoil($files{small}{$i}, 1000, substr($small, 1000, 1));
    spoil($files{big}{$i}, 13 * $MiB + 5, substr($big, 13 * $MiB + 5, 1));
}

($st, $h, $b) = req(GET => '/vb1/small');
is($st, 500, 'small, no good replica: 500');
is(tag($b, 'Code'), 'InternalError', 'InternalError');
is(tag($b, 'Message'), $MSG, 'the message says why');
unlike($b, qr/\Q${\ substr($small, 0, 64)}\E/, 'no byte of the object');
ok(log_has(qr/\[crit\].*sos: GET "vb1\/small" bytes 0-102399: no replica holds good data, answered 500: .*file [0-9a-f]+/),
   'crit line: bucket, key, the range, the file');

($st, $h, $b) = req(GET => '/vb1/big');
is($st, 200, 'big, no good replica in a late window: the header went');
is($h->{'content-length'}, 20 * $MiB, 'Content-Length of the whole');
is(length $b, 12 * $MiB, 'the body stops before the bad window');
is(md5_hex($b), md5_hex(substr($big, 0, 12 * $MiB)),
   'what came is right');
ok(log_has(qr/\[crit\].*sos: GET "vb1\/big" bytes 12582912-16777215: no replica holds good data, response cut short/),
   'crit line: the response cut short');

($st, $h, $b) = req(GET => '/vb1/big', headers => { Range => 'bytes=0-99' });
is(md5_hex($b), md5_hex(substr($big, 0, 100)), 'a good range of it: 206');

($st, $h) = req(HEAD => '/vb1/big');
is($st, 200, 'HEAD reads no data: 200');

# ---- a slow client, reading 1 MiB at a time ----

{
    my $s = $t->connect;
    print $s $t->s3_request(GET => '/vb1/slow',
        headers => { Connection => 'close' });

    my ($data, $n, $reads) = ('', 0, 0);
    my $deadline = time() + 60;
    while (time() < $deadline) {
        my $buf = '';
        while (length $buf < $MiB) {
            $n = sysread($s, $buf, $MiB - length $buf, length $buf);
            last unless $n;
        }
        $data .= $buf;
        last unless $n;
        $reads++;
        sleep(0.1);
    }
    close $s;

    my ($head, $body) = split /\r\n\r\n/, $data, 2;
    like($head, qr/^HTTP\/1\.1 200 /, 'slow client: 200');
    is(length $body, length $slow, 'slow client: every byte');
    ok($reads >= 20, "slow client: $reads reads with a pause");
    is(md5_hex($body), md5_hex($slow), 'slow client: every byte right');
}

# ---- a multipart object of 12 parts: the fds a GET holds stay few ----

# the worker's open files under the replicas' objects/

sub object_fds {
    my $master = $t->master_pid or return -1;
    my $n = 0;
    for my $stat (glob '/proc/[0-9]*/stat') {
        my ($pid, $ppid) = SOS::Test::_slurp($stat) =~ /^(\d+) \(.*\) \S+ (\d+)/
            or next;
        next unless $ppid == $master;
        for my $fd (glob "/proc/$pid/fd/*") {
            my $to = readlink($fd) // next;
            $n++ if index($to, $t->data . '/r') == 0 && $to =~ m{/objects/};
        }
    }
    return $n;
}

{
    my @many = map { random_bytes(5 * $MiB) } 1 .. 12;

    ($st, $h, $b) = req(POST => '/vb1/many?uploads');
    my $mid = tag($b, 'UploadId');
    my $x = '<CompleteMultipartUpload>';
    for my $n (1 .. 12) {
        ($st, $h) = req(PUT => "/vb1/many?partNumber=$n&uploadId=$mid",
                        body => $many[$n - 1]);
        $x .= "<Part><PartNumber>$n</PartNumber><ETag>$h->{etag}</ETag>"
            . '</Part>';
    }
    ($st) = req(POST => "/vb1/many?uploadId=$mid",
                body => $x . '</CompleteMultipartUpload>');
    is($st, 200, 'a multipart object of 12 parts');

    my $s = $t->connect;
    print $s $t->s3_request(GET => '/vb1/many',
        headers => { Connection => 'close' });

    my $data = '';
    my $deadline = time() + 60;
    # 40 MiB still to send: more than loopback's socket buffers hold, so
    # the response is still in the middle of the object
    while (length $data < 20 * $MiB && time() < $deadline) {
        sysread($s, $data, $MiB, length $data) or last;
    }
    sleep(0.3);
    my $fds = object_fds();
    ok($fds >= 1 && $fds <= 4,
       "at 20 MiB of 60, the worker holds $fds fds of object files");
    while (time() < $deadline) {
        sysread($s, $data, $MiB, length $data) or last;
    }
    close $s;

    my ($head, $body) = split /\r\n\r\n/, $data, 2;
    is(md5_hex($body), md5_hex(join '', @many), '12 parts: every byte right');
}

# ---- clients gone: after the header, mid-stream, not reading ----

for my $after (0, 5 * $MiB) {
    my $s = $t->connect;
    print $s $t->s3_request(GET => '/vb1/slow');
    my $got = 0;
    while ($got <= $after) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $got += $n;
    }
    close $s;
}

{
    # send_timeout 2s: a client that stops reading is dropped

    my $s = $t->connect;
    print $s $t->s3_request(GET => '/vb1/slow',
        headers => { Connection => 'close' });
    sysread($s, my $buf, 65536);
    sleep(3.5);
    my $got = length $buf;
    my $deadline = time() + 20;
    while (time() < $deadline) {
        my $n = sysread($s, $buf, 1 << 20);
        last unless $n;
        $got += $n;
    }
    close $s;
    ok($got < 20 * $MiB, 'a client that stops reading: cut at send_timeout');
    ok(log_has(qr/client timed out/), 'client timed out, logged');
}

($st, $h, $b) = req(GET => '/vb1/slow');
is(md5_hex($b), md5_hex($slow), 'the server goes on: GET right');

# ---- replica files gone ----

my $first = first_replica($files{slow}{0});
unlink $files{slow}{$first} or die;

($st, $h, $b) = req(GET => '/vb1/slow');
is($st, 200, 'first replica file gone: 200');
is(md5_hex($b), md5_hex($slow), 'from another replica: the right bytes');

# all three: the repair the read above queued may have put the first back
unlink $files{slow}{$_} for 0 .. 2;

($st, $h, $b) = req(HEAD => '/vb1/slow');
is($st, 500, 'every replica file gone: HEAD 500');
($st, $h, $b) = req(GET => '/vb1/slow');
is($st, 500, 'GET 500 too');
is(tag($b, 'Message'), $MSG, 'GET: the message');

($st, $h, $b) = req(GET => '/vb1/mp?partNumber=1');
is(md5_hex($b), md5_hex($parts[0]), 'other objects unaffected');

# a range needs only the parts it reads: part 3 gone from every replica
unlink values %{ $files{part3} } or die;
($st, $h, $b) = req(GET => '/vb1/mp',
    headers => { Range => 'bytes=' . (5 * $MiB + 10) . '-' . (6 * $MiB) });
is($st, 206, 'part 3 gone: a range in part 2: 206');
is(md5_hex($b), md5_hex(substr($parts[1], 10, $MiB - 9)),
   'a range in part 2: the right bytes');
($st, $h, $b) = req(GET => '/vb1/mp?partNumber=1');
is($st, 206, 'part 3 gone: ?partNumber=1: 206');
is(md5_hex($b), md5_hex($parts[0]), '?partNumber=1: the right bytes');

$t->stop_ok;

done_testing();
