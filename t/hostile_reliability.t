#!/usr/bin/perl

# A hostile client against the reliability features: verified GETs
# (ranges at window and part edges, HEAD and GET alike, conditionals with
# a range, a body cut short on a keep-alive connection with a pipelined
# request behind it), the admin API's scrub and status (refused to normal
# keys and to anyone unsigned, odd bucket arguments), DeleteObjects racing
# GETs and PUTs of its keys, and a key revoked while its signing key is
# cached.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64 md5_hex);
use File::Find;
use IO::Select;
use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Fault;
use SOS::Test;

my $MiB = 1024 * 1024;
my $WINDOW = 4 * $MiB;

my $t = SOS::Test->new(server => <<'EOF_CONF', http => 'sos_scrub_rate 0;');
        location /sos-admin/ {
            sos_admin;
            allow 127.0.0.1;
            deny all;
        }
EOF_CONF
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, timeout => 60, %opts));
}

sub worker_pid { SOS::Fault::worker_pid($t) }
sub fd_count { SOS::Fault::fd_count($_[0]) }

sub code_of { ($_[0] =~ m{<Code>([^<]+)</Code>})[0] // '' }

sub random_bytes {
    my ($n) = @_;
    open my $fh, '<:raw', '/dev/urandom' or die "urandom: $!";
    my $got = read($fh, my $buf, $n);
    die "urandom: short read" unless $got == $n;
    return $buf;
}

my ($st, $h, $b);

($st) = req(PUT => '/hrb');
is($st, 200, 'bucket');

# ---- ranges at the edges ----

my $size = 2 * $WINDOW + 1;
my $obj = random_bytes($size);
($st, $h) = req(PUT => '/hrb/obj', body => $obj);
is($st, 200, 'PUT 8 MiB + 1');
my $etag = $h->{etag};

my @ranges = (
    [ '0-0', 0, 1 ],
    [ ($size - 1) . '-' . ($size - 1), $size - 1, 1 ],
    [ ($size - 1) . '-', $size - 1, 1 ],
    [ '-1', $size - 1, 1 ],
    [ '-' . ($size + 1000), 0, $size ],
    [ ($WINDOW - 1) . '-' . $WINDOW, $WINDOW - 1, 2 ],
    [ $WINDOW . '-' . (2 * $WINDOW - 1), $WINDOW, $WINDOW ],
    [ ($WINDOW - 1) . '-' . (2 * $WINDOW), $WINDOW - 1, $WINDOW + 2 ],
    [ '0-' . ($size + 5000), 0, $size ],
    [ (2 * $WINDOW) . '-', 2 * $WINDOW, 1 ],
);

for my $r (@ranges) {
    my ($spec, $from, $len) = @$r;
    ($st, $h, $b) = req(GET => '/hrb/obj',
                        headers => { Range => "bytes=$spec" });
    is($st, 206, "bytes=$spec: 206");
    is($h->{'content-range'},
       sprintf('bytes %d-%d/%d', $from, $from + $len - 1, $size),
       "bytes=$spec: Content-Range");
    ok(length $b == $len && $b eq substr($obj, $from, $len),
       "bytes=$spec: the bytes");

    my ($hst, $hh, $hb) = req(HEAD => '/hrb/obj',
                              headers => { Range => "bytes=$spec" });
    my @keys = grep { !/^(date|x-amz-request-id|x-amz-id-2)$/ } keys %$h;
    is_deeply({ map { $_ => $hh->{$_} } @keys },
              { map { $_ => $h->{$_} } @keys },
              "bytes=$spec: HEAD's headers are GET's");
    is($hst, $st, "bytes=$spec: HEAD's status");
    is($hb, '', "bytes=$spec: HEAD has no body");
}

for my $spec ($size . '-', ($size + 1) . '-' . ($size + 9), '-0') {
    ($st, $h, $b) = req(GET => '/hrb/obj',
                        headers => { Range => "bytes=$spec" });
    is($st, 416, "bytes=$spec: 416");
    is(code_of($b), 'InvalidRange', "bytes=$spec: InvalidRange");
}

# conditionals with a range

($st, $h, $b) = req(GET => '/hrb/obj', headers => { Range => 'bytes=0-9',
                    'If-None-Match' => $etag });
is($st, 304, 'If-None-Match matching, with a range: 304');
is($b, '', '304: no body');

($st) = req(GET => '/hrb/obj', headers => { Range => 'bytes=0-9',
            'If-Match' => '"0123"' });
is($st, 412, 'If-Match not matching, with a range: 412');

($st, $h, $b) = req(GET => '/hrb/obj', headers => { Range => 'bytes=0-9',
                    'If-Match' => $etag });
is($st, 206, 'If-Match matching, with a range: 206');
is($b, substr($obj, 0, 10), 'If-Match matching: the bytes');

($st) = req(GET => '/hrb/obj', headers => { Range => "bytes=$size-",
            'If-None-Match' => $etag });
is($st, 304, 'If-None-Match matching, an unsatisfiable range: 304');

# an empty object

($st) = req(PUT => '/hrb/empty', body => '');
is($st, 200, 'PUT an empty object');
($st, $h, $b) = req(GET => '/hrb/empty');
is($st, 200, 'GET empty: 200');
is($h->{'content-length'}, 0, 'GET empty: Content-Length 0');
($st, $h, $b) = req(GET => '/hrb/empty', headers => { Range => 'bytes=0-0' });
is($st, 416, 'GET empty bytes=0-0: 416');
($st, $h, $b) = req(GET => '/hrb/empty', headers => { Range => 'bytes=-5' });
is($st, 416, 'GET empty bytes=-5: 416');
($st, $h, $b) = req(GET => '/hrb/empty?partNumber=1');
ok($st == 200 || $st == 206 || $st == 416, "GET empty ?partNumber=1: $st");
is($b, '', 'GET empty ?partNumber=1: no bytes') if $st != 416;

# a multipart object: parts of 5 MiB, 5 MiB + 3, and 7 bytes

my @parts = (random_bytes(5 * $MiB), random_bytes(5 * $MiB + 3),
             random_bytes(7));
my $mp = join '', @parts;
($st, $h, $b) = req(POST => '/hrb/mp?uploads');
my ($id) = $b =~ m{<UploadId>([^<]+)</UploadId>};
my $xml = '<CompleteMultipartUpload>';
for my $n (1 .. 3) {
    ($st, $h) = req(PUT => "/hrb/mp?partNumber=$n&uploadId=$id",
                    body => $parts[$n - 1]);
    $xml .= "<Part><PartNumber>$n</PartNumber><ETag>$h->{etag}</ETag>"
        . '</Part>';
}
($st) = req(POST => "/hrb/mp?uploadId=$id",
            body => $xml . '</CompleteMultipartUpload>');
is($st, 200, 'multipart object of 3 parts');

my $e1 = length $parts[0];
my $e2 = $e1 + length $parts[1];
for my $r ([ $e1 - 1, $e1 ], [ $e1, $e1 ], [ $e2 - 1, $e2 + 6 ],
           [ $e1 - 3, $e2 + 2 ], [ $e2, length($mp) - 1 ])
{
    my ($a, $z) = @$r;
    ($st, $h, $b) = req(GET => '/hrb/mp',
                        headers => { Range => "bytes=$a-$z" });
    is($st, 206, "mp bytes=$a-$z: 206");
    ok($b eq substr($mp, $a, $z - $a + 1), "mp bytes=$a-$z: the bytes");
}

for my $n (1 .. 3) {
    ($st, $h, $b) = req(GET => "/hrb/mp?partNumber=$n");
    is($st, 206, "mp ?partNumber=$n: 206");
    ok($b eq $parts[$n - 1], "mp ?partNumber=$n: the bytes");
    my ($hst, $hh) = req(HEAD => "/hrb/mp?partNumber=$n");
    is($hh->{'content-length'}, $h->{'content-length'},
       "HEAD ?partNumber=$n: Content-Length");
    is($hh->{'content-range'}, $h->{'content-range'},
       "HEAD ?partNumber=$n: Content-Range");
}

($st) = req(GET => '/hrb/mp?partNumber=1',
            headers => { Range => 'bytes=0-0' });
is($st, 400, '?partNumber with a Range: 400');
# 400 InvalidPartNumber as S3 (was 416; see t/conformance_mp.t)
($st) = req(GET => '/hrb/mp?partNumber=4');
is($st, 400, '?partNumber past the last part: 400');

# ---- a body cut short, a pipelined request behind it ----

sub files_of {
    my ($data) = @_;
    my %files;
    for my $i (0 .. 2) {
        find(sub {
            return unless -f $_ && -s _ == length $data;
            open my $fh, '<:raw', $_ or return;
            read($fh, my $head, 4096);
            $files{$i} = $File::Find::name
                if $head eq substr($data, 0, 4096);
        }, $t->data . "/r$i/objects");
    }
    return \%files;
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

my $bad = random_bytes(12 * $MiB);
($st) = req(PUT => '/hrb/bad', body => $bad);
is($st, 200, 'PUT 12 MiB');
my $bf = files_of($bad);
is(scalar keys %$bf, 3, 'its 3 replica files');
flip($bf->{$_}, 9 * $MiB + 11) for keys %$bf;

{
    my $s = $t->connect;
    print $s $t->s3_request(GET => '/hrb/bad')
        . $t->s3_request(GET => '/hrb/empty');

    my $data = '';
    my $sel = IO::Select->new($s);
    my $deadline = time() + 20;
    while (time() < $deadline && $sel->can_read(5)) {
        my $n = sysread($s, $data, 1 << 20, length $data);
        last unless $n;
    }
    close $s;

    my ($head, $body) = split /\r\n\r\n/, $data, 2;
    like($head, qr/^HTTP\/1\.1 200 /, 'cut short: the header went');
    is(length $body, 8 * $MiB, 'cut short: the good windows only');
    ok($body eq substr($bad, 0, 8 * $MiB), 'cut short: what came is right');
    unlike($body, qr/HTTP\/1\.1 \d\d\d /,
           'no response to the pipelined request in the body');
}

# ---- admin: scrub and status need an admin key, signed ----

my $r = $t->s3(POST => '/sos-admin/orgs?name=hostile');
like($r, qr/^HTTP\/1\.1 201 /, 'an organization');
$r = $t->s3(POST => '/sos-admin/orgs/hostile/keys');
my $k = eval { decode_json((SOS::Test->parse($r))[2])->{key} } || {};
my @user = (access => $k->{access_key_id}, secret => $k->{secret_access_key});
ok(defined $k->{access_key_id}, 'a normal key');

for my $q ([ POST => '/sos-admin/scrub' ], [ GET => '/sos-admin/status' ],
           [ POST => '/sos-admin/scrub?bucket=hrb' ])
{
    ($st) = req(@$q, @user);
    is($st, 403, "$q->[0] $q->[1], a normal key: 403");
    ($st) = SOS::Test->parse($t->http(@$q));
    is($st, 403, "$q->[0] $q->[1], unsigned: 403");
}

for my $u ('/sos-admin/../sos-admin/status', '/sos-admin/%2e%2e/status',
           '/x/../sos-admin/status', '/sos-admin//status',
           '/sos-admin/./status', '/sos-admin%2fstatus')
{
    ($st) = SOS::Test->parse($t->http(GET => $u));
    ok($st == 403 || $st == 400 || $st == 404, "GET $u unsigned: $st");
    ($st) = req(GET => $u, @user);
    ok($st == 403 || $st == 400 || $st == 404, "GET $u, a normal key: $st");
}

for my $arg ('%00', 'hrb%00', 'hrb%0D%0AX-Evil%3A%201', '%0A', 'h%25r',
             'a' x 255, 'a' x 256, 'a' x 4000, '%FF%FE', 'hrb%2F..')
{
    ($st, $h, $b) = req(POST => "/sos-admin/scrub?bucket=$arg");
    ok($st == 400 || $st == 404,
       'scrub?bucket=' . substr($arg, 0, 20) . ": $st");
    ok(!exists $h->{'x-evil'}, 'no header from the argument');
}

($st, $h, $b) = req(POST => '/sos-admin/scrub?bucket=hrb');
is($st, 200, 'scrub of hrb');

# concurrent scrubs, and a scrub during DeleteObjects

sub delete_body {
    my ($quiet, @keys) = @_;
    my $x = '<Delete>';
    $x .= "<Quiet>$quiet</Quiet>" if defined $quiet;
    $x .= "<Object><Key>$_</Key></Object>" for @keys;
    return $x . '</Delete>';
}

sub delete_objects {
    my ($quiet, @keys) = @_;
    my $body = delete_body($quiet, @keys);
    return req(POST => '/hrb?delete', body => $body,
               headers => { 'Content-MD5' => md5_base64($body) . '==' });
}

for my $i (1 .. 50) {
    req(PUT => "/hrb/d$i", body => "d$i" x 1000);
}

{
    my @pids;
    for my $i (1 .. 4) {
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            my ($s) = req(POST => '/sos-admin/scrub');
            POSIX::_exit($s == 200 ? 0 : 1);
        }
        push @pids, $pid;
    }
    ($st) = delete_objects('true', map { "d$_" } 1 .. 50);
    is($st, 200, 'DeleteObjects of 50 during 4 scrubs');
    my $fail = 0;
    for (@pids) { waitpid($_, 0); $fail++ if $? }
    is($fail, 0, '4 concurrent scrubs: 200 each');
    ($st) = req(GET => '/hrb/d7');
    is($st, 404, 'a deleted key: 404');
}

# ---- DeleteObjects racing GETs of one of its keys ----

my $race = random_bytes(6 * $MiB);
my ($bad_gets, $gets, $whole, $gone) = (0, 0, 0, 0);

for my $round (1 .. 5) {
    ($st) = req(PUT => '/hrb/race', body => $race);
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        my @k = ('race', map { "missing$_" } 1 .. 999);
        my ($s) = delete_objects('true', @k);
        POSIX::_exit($s == 200 ? 0 : 1);
    }
    for (1 .. 4) {
        my ($gs, $gh, $gb) = req(GET => '/hrb/race');
        $gets++;
        if ($gs == 200 && defined $gb && $gb eq $race) {
            $whole++;
        } elsif ($gs == 404) {
            $gone++;
        } else {
            $bad_gets++;
            diag("round $round: GET $gs, " . length($gb // '') . ' bytes');
        }
    }
    waitpid($pid, 0);
    is($?, 0, "round $round: DeleteObjects of 1,000 keys: 200");
}
is($bad_gets, 0, "$gets GETs racing deletes: whole ($whole) or 404 ($gone)");

# a slow GET started before DeleteObjects and a new PUT of its key: the
# old object whole, its files unlinked only after it

{
    my $old = random_bytes(24 * $MiB);
    ($st) = req(PUT => '/hrb/slowdel', body => $old);
    is($st, 200, 'PUT 24 MiB');

    my $s = $t->connect;
    print $s $t->s3_request(GET => '/hrb/slowdel',
                            headers => { Connection => 'close' });
    my $data = '';
    sysread($s, $data, $MiB, length $data) or last
        while length $data < $MiB;

    ($st) = delete_objects('true', 'slowdel');
    is($st, 200, 'DeleteObjects during the GET');
    sleep(0.2);
    ($st) = req(PUT => '/hrb/slowdel', body => 'new');
    is($st, 200, 'a new PUT of the key during the GET');
    ($st, $h, $b) = req(GET => '/hrb/slowdel');
    is($b, 'new', 'a new GET: the new object');

    my $deadline = time() + 30;
    while (time() < $deadline) {
        sysread($s, $data, $MiB, length $data) or last;
    }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $data, 2;
    like($head, qr/^HTTP\/1\.1 200 /, 'the slow GET: 200');
    ok($body eq $old, 'the slow GET: the old object, whole ('
       . length($body) . ' bytes)');

    # as store.md says: the next commit that removes files unlinks them
    req(PUT => '/hrb/other', body => 'other');
    ($st) = delete_objects('true', 'other');
    my $left = 3;
    $deadline = time() + 5;
    while (time() < $deadline) {
        $left = scalar keys %{ files_of($old) };
        last unless $left;
        sleep(0.1);
    }
    is($left, 0, 'its files gone after it and the next delete');
}

# many slow readers: the worker's fds stay bounded, and all go

{
    my $many = random_bytes(12 * $MiB);
    ($st) = req(PUT => '/hrb/many', body => $many);
    is($st, 200, 'PUT 12 MiB');

    my $wpid = worker_pid();
    my $before = SOS::Fault::fd_count_settled($wpid);
    my $rss0 = $t->worker_rss;
    my @socks;
    for (1 .. 60) {
        my $s = $t->connect;
        print $s $t->s3_request(GET => '/hrb/many',
                                headers => { Connection => 'close' });
        push @socks, $s;
    }
    sleep(1);
    my $during = fd_count($wpid);
    ok($during <= $before + 60 * 3,
       "60 slow readers: $before fds before, $during during");
    my $rss = $t->worker_rss;
    ok($rss - $rss0 < (SOS::Test::sanitized() ? 256 : 64) * 1024,
       "60 slow readers: the worker's RSS $rss0 KiB before, $rss during");

    # half read one window, then all are dropped
    for my $s (@socks[0 .. 29]) {
        my $got = 0;
        while ($got < $WINDOW) {
            my $n = sysread($s, my $buf, $MiB) or last;
            $got += $n;
        }
    }
    close $_ for @socks;

    my $deadline = time() + 10;
    sleep(0.1) while fd_count($wpid) > $before && time() < $deadline;
    is(SOS::Fault::fd_count_settled($wpid), $before,
       'all gone: the fds as before');

    ($st, $h, $b) = req(GET => '/hrb/many');
    ok($st == 200 && $b eq $many, 'a GET after: the object whole');

    # three GETs pipelined on one connection, the first of 3 windows

    my $s = $t->connect;
    print $s $t->s3_request(GET => '/hrb/many')
        . $t->s3_request(GET => '/hrb/many',
                         headers => { Range => 'bytes=4194303-4194304' })
        . $t->s3_request(GET => '/hrb/empty',
                         headers => { Connection => 'close' });
    my $data = '';
    my $sel = IO::Select->new($s);
    $deadline = time() + 30;
    while (time() < $deadline && $sel->can_read(5)) {
        sysread($s, $data, 1 << 20, length $data) or last;
    }
    close $s;

    my @bodies;
    while ($data =~ s/^HTTP\/1\.1 (\d+) [^\r]*\r\n(.*?)\r\n\r\n//s) {
        my ($code, $head) = ($1, $2);
        my ($len) = $head =~ /^Content-Length: (\d+)/mi;
        push @bodies, [ $code, substr($data, 0, $len // 0, '') ];
    }
    is(scalar @bodies, 3, 'pipelined: 3 answers');
    ok(@bodies == 3 && $bodies[0][1] eq $many, 'pipelined: the whole');
    ok(@bodies == 3 && $bodies[1][0] == 206
       && $bodies[1][1] eq substr($many, $WINDOW - 1, 2),
       'pipelined: the range across windows');
    ok(@bodies == 3 && $bodies[2][0] == 200 && $bodies[2][1] eq '',
       'pipelined: the empty object');
    is($data, '', 'pipelined: nothing more');
}

# delete, put again, get, delete again, quickly

my ($wrong) = (0);
for my $i (1 .. 20) {
    my $v = "version $i " x ($i * 100);
    req(PUT => '/hrb/flip', body => $v);
    my ($s1) = delete_objects(undef, 'flip');
    my ($s2) = req(GET => '/hrb/flip');
    my ($s3) = req(PUT => '/hrb/flip', body => $v . 'again');
    my ($s4, undef, $b4) = req(GET => '/hrb/flip');
    my ($s5, undef, $b5) = delete_objects('true', 'flip');
    $wrong++ unless $s1 == 200 && $s2 == 404 && $s3 == 200 && $s4 == 200
        && $b4 eq $v . 'again' && $s5 == 200 && $b5 !~ /<Deleted>/;
}
is($wrong, 0, '20 rounds of put, delete, get, put, get, quiet delete');

# ---- a revoked key is refused at once ----

($st) = req(PUT => '/hrk', @user);
is($st, 200, 'the normal key makes a bucket');
($st) = req(GET => '/hrk', @user);
is($st, 200, 'the normal key lists it (its signing key cached)');
($st) = req(DELETE => "/sos-admin/keys/$k->{access_key_id}");
ok($st == 200 || $st == 204, "the key revoked: $st");
($st, $h, $b) = req(GET => '/hrk', @user);
is($st, 403, 'the revoked key: 403');
is(code_of($b), 'InvalidAccessKeyId', 'InvalidAccessKeyId');

# signed with another region than the server's, and a day's edge

($st) = req(GET => '/hrb/obj', region => 'eu-west-1',
            headers => { Range => 'bytes=0-0' });
ok($st == 206 || $st == 400 || $st == 403, "another region: $st");
($st, $h, $b) = req(GET => '/hrb/obj', time => time() - 14 * 60,
                    headers => { Range => 'bytes=0-0' });
is($st, 206, 'signed 14 minutes ago: 206');
($st, $h, $b) = req(GET => '/hrb/obj', time => time() + 14 * 60,
                    headers => { Range => 'bytes=0-0' });
is($st, 206, 'signed 14 minutes ahead: 206');
($st, $h, $b) = req(GET => '/hrb/obj', time => time() - 20 * 60,
                    headers => { Range => 'bytes=0-0' });
is($st, 403, 'signed 20 minutes ago: 403');

$t->stop_ok;

done_testing();
