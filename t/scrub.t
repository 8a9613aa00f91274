#!/usr/bin/perl

# Scrub and repair on a running server: a byte flipped in replica 0, 1 or
# 2, or a replica file removed, found and rewritten by "sosctl scrub"
# (through the admin API) and by the background scrub alone; the status
# call; and, as root, a replica mounted read-only: writes still succeed
# on the quorum, the degraded write is logged at warn, and the copies are
# written once the replica is writable again.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Find;
use JSON::PP;
use Test::More;

use SOS::Admin;
use SOS::Test;

# the first server scrubs only when asked

my $t = SOS::Test->new(server => $SOS::Admin::LOCATION,
                     http => 'sos_scrub_rate 0;')->run;
my $data = $t->data;

sub sosctl_online { SOS::Admin::sosctl_online($t, {}, @_) }

sub status_of { (SOS::Test->parse($_[0]))[0] }
sub body_of { (SOS::Test->parse($_[0]))[2] }

# the data files under replica r's objects/, by file id
sub files {
    my ($r) = @_;
    my %f;
    find(sub { $f{$_} = $File::Find::name if -f && /^[0-9a-f]{32}$/ },
        "$data/r$r/objects");
    return \%f;
}

sub path_of { "$data/r$_[0]/objects/" . substr($_[1], 0, 2) . '/'
    . substr($_[1], 2, 2) . "/$_[1]" }

# PUT body as b/key; the id of its new file
sub put {
    my ($key, $body) = @_;
    my %before = %{ files(0) };
    like($t->s3(PUT => "/bkt/$key", body => $body), qr{^HTTP/1\.1 200 },
        "put $key");
    my @new = grep { !$before{$_} } keys %{ files(0) };
    return $new[0];
}

sub flip {
    my ($path, $at) = @_;
    open my $fh, '+<', $path or die "$path: $!\n";
    binmode $fh;
    seek $fh, $at, 0;
    read $fh, my $c, 1;
    seek $fh, $at, 0;
    print $fh chr(ord($c) ^ 0x20);
    close $fh;
}

sub content { SOS::Test::_slurp($_[0]) }

# until cond() holds, for at most secs seconds
sub wait_for {
    my ($secs, $cond) = @_;
    my $deadline = time() + $secs;
    while (time() < $deadline) {
        return 1 if $cond->();
        select(undef, undef, undef, 0.2);
    }
    return $cond->();
}

like($t->s3(PUT => '/bkt'), qr{^HTTP/1\.1 200 }, 'create bucket');

my (@id, @body);
for my $i (0 .. 2) {
    $body[$i] = join('', map { chr(($_ * 7 + $i) % 251) } 0 .. 100_000);
    $id[$i] = put("k$i", $body[$i]);
    ok($id[$i], "file of k$i");
}

# a byte flipped in replica i of object k_i

for my $i (0 .. 2) {
    flip(path_of($i, $id[$i]), 1000 * $i + 3);
}
isnt(content(path_of(1, $id[1])), $body[1], 'replica 1 of k1 flipped');

my ($rc, $out, $err) = sosctl_online('scrub');
is($rc, 0, 'sosctl scrub') or diag($err);
like($out, qr/^bad or missing:\s+3$/m, 'three bad replicas reported');
like($out, qr/^repaired:\s+3$/m, 'three repaired');
like($out, qr/^\s.*bad\s+replica 1\s+file $id[1]\s+bkt\/k1$/m,
    'the finding names replica, file and key');

for my $i (0 .. 2) {
    for my $r (0 .. 2) {
        is(content(path_of($r, $id[$i])), $body[$i],
            "k$i replica $r holds the object's bytes");
    }
}

my $log = $t->read_file('error.log');
like($log, qr/\[error\].*replica 1 of file $id[1] \("bkt\/k1"\) is bad/,
    'bad copy logged at error');
like($log, qr/\[notice\].*replica 1 of file $id[1] \("bkt\/k1"\) repaired/,
    'repair logged at notice');

# a replica file removed; a scrub of the bucket only

unlink(path_of(2, $id[0])) or die;
($rc, $out, $err) = sosctl_online('scrub', '--bucket', 'bkt');
is($rc, 0, 'sosctl scrub --bucket') or diag($err);
like($out, qr/^repaired:\s+1$/m, 'missing replica repaired');
like($out, qr/missing\s+replica 2\s+file $id[0]/, 'reported missing');
is(content(path_of(2, $id[0])), $body[0], 'replica 2 of k0 is back');

($rc, $out, $err) = sosctl_online('scrub', '--bucket', 'nonesuch');
is($rc, 1, 'scrub of a missing bucket fails');
like($err, qr/NoSuchEntity/, 'and says so');

# status, JSON and sosctl

my $r = $t->s3(GET => '/sos-admin/status');
is(status_of($r), 200, 'GET status');
my $st = eval { decode_json(body_of($r)) };
ok($st, 'status is JSON') or diag(body_of($r));
is(scalar @{ $st->{replicas} }, 3, 'three replicas');
is($st->{replicas}[1]{path}, "$data/r1", 'replica path');
ok($st->{replicas}[0]{writable}, 'replica writable');
ok($st->{replicas}[0]{free_bytes} > 0, 'free space');
is($st->{write_quorum}, 2, 'write quorum');
is($st->{degraded_extents}, 0, 'no degraded extent');
is($st->{queued}, 0, 'empty repair queue');
is($st->{scrub}{rate}, 0, 'scrub rate');
is($st->{scrub}{repaired}, 4, 'repairs since start');
ok(exists $st->{scrub}{cursor} && exists $st->{scrub}{passes}
    && exists $st->{scrub}{last_pass_end} && exists $st->{scrub}{bytes},
    'scrub progress fields');
ok(grep({ $_->{what} eq 'repaired' && $_->{file} eq $id[0] }
    @{ $st->{findings} }), 'last findings');

is(status_of($t->s3(POST => '/sos-admin/status')), 405, 'POST status: 405');
is(status_of($t->s3(GET => '/sos-admin/scrub')), 405, 'GET scrub: 405');

($rc, $out, $err) = sosctl_online('status');
is($rc, 0, 'sosctl status online') or diag($err);
like($out, qr/^replicas:\s+3$/m, 'status: 3 replicas');
like($out, qr/^degraded:\s+no$/m, 'status: not degraded');
like($out, qr/^scrub rate:\s+0 B\/s \(off\)$/m, 'status: rate');
like($out, qr/^\s+0\s+\Q$data\E\/r0\s+writable\s/m, 'status: replica space');

$t->stop_ok;

# offline, nginx stopped

($rc, $out, $err) = $t->sosctl('scrub');
is($rc, 0, 'sosctl --data scrub') or diag($err);
like($out, qr/^extents checked:\s+3$/m, 'offline: three extents');
like($out, qr/^bad or missing:\s+0$/m, 'offline: nothing bad');

($rc, $out, $err) = $t->sosctl('status');
is($rc, 0, 'sosctl --data status') or diag($err);
like($out, qr/^scrub passes:\s+\d+$/m, 'offline status: scrub');

# the background scrub, with nobody asking

$t->{http} = 'sos_scrub_rate 1m;';
$t->run;

flip(path_of(2, $id[1]), 5);
ok(wait_for(30, sub { content(path_of(2, $id[1])) eq $body[1] }),
    'background scrub repaired replica 2 of k1');
like($t->read_file('error.log'),
    qr/\[notice\].*replica 2 of file $id[1] .* repaired/,
    'background repair logged');

# a replica read-only under a running server (root: a bind mount)

SKIP: {
    skip 'a read-only bind mount needs root', 7 if $> != 0;

    my $ro = "$data/r1";
    my $mounted = system('mount', '--bind', $ro, $ro) == 0;
    skip "mount --bind failed: $?", 7 unless $mounted;

    my $guard = bless { path => $ro }, 'Unmount';

    if (system('mount', '-o', 'remount,bind,ro', $ro) != 0) {
        skip "mount -o remount,bind,ro failed: $?", 7;
    }

    my $deg = put('degraded', 'd' x 50_000);
    ok($deg, 'PUT succeeds on two replicas');
    ok(!-e path_of(1, $deg), 'nothing on the read-only replica');
    ok(wait_for(10, sub { $t->read_file('error.log')
            =~ /\[warn\].*degraded write: file $deg is missing on replica 1/
        }), 'degraded write logged at warn');

    is(system('mount', '-o', 'remount,bind,rw', $ro), 0, 'writable again');

    ok(wait_for(30, sub { -e path_of(1, $deg)
            && content(path_of(1, $deg)) eq 'd' x 50_000 }),
        'the copy is written once the replica is writable');

    undef $guard;
    isnt(system("mountpoint -q $ro"), 0, 'unmounted');

    like($t->s3(GET => '/bkt/degraded'), qr{^HTTP/1\.1 200 .*\r\n\r\n(d+)\z}s,
        'object reads back');
}

$t->stop_ok;

done_testing();

package Unmount;

# unmounted in every exit path: out of scope, skip, die or exit
sub DESTROY {
    system('umount', $_[0]{path}) == 0
        or system('umount', '-l', $_[0]{path});
}
