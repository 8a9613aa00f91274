#!/usr/bin/perl

# The SigV4 signing keys the worker derives once per key, day and region
# and caches with its key table (ngx_sos_keys.c):
# - more keys and days than the cache holds (256) evict one another, and
#   a key's request never verifies with another key's signing key;
# - a key revoked through the admin API is refused at once, for a day
#   whose signing key is cached, in both SigV4 forms, and a key created
#   after it signs;
# - the revoked key's signing key (and its secret) are wiped from the
#   worker's memory, not left in a cache entry.

use strict;
use warnings;
no warnings 'portable';          # 64-bit addresses in /proc/PID/maps

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;

use SOS::Auth qw(amz_date presign signing_key);
use SOS::Test;

my $t = SOS::Test->new(server => <<'EOF_CONF')->run;
        location /sos-admin/ {
            sos_admin;
            allow 127.0.0.1;
            deny all;
        }
EOF_CONF

sub status_of { (SOS::Test->parse($_[0]))[0] }
sub code_of { ($_[0] =~ m{<Code>([^<]+)</Code>})[0] // '' }

my $NKEYS = 40;                  # 40 keys x 8 days: 320 signing keys
my $NDAYS = 8;

my $r = $t->s3(POST => '/sos-admin/orgs?name=sigcache');
is(status_of($r), 201, 'an organization') or diag($r);

sub new_key {
    my $res = $t->s3(POST => '/sos-admin/orgs/sigcache/keys');
    my $k = eval { decode_json((SOS::Test->parse($res))[2])->{key} } || {};
    return [ $k->{access_key_id}, $k->{secret_access_key} ];
}

my @keys = map { new_key() } 1 .. $NKEYS;
is(scalar(grep { defined $_->[0] && defined $_->[1] } @keys), $NKEYS,
    "$NKEYS keys");

is(status_of($t->s3(PUT => '/sigcache', access => $keys[0][0],
    secret => $keys[0][1])), 200, 'a bucket of the organization');
is(status_of($t->s3(PUT => '/sigcache/obj', body => 'cached',
    access => $keys[0][0], secret => $keys[0][1])), 200, 'an object');

# a presigned GET of key $k signed on day $d (0: today .. 7 days ago),
# valid now: X-Amz-Date is that day, the expiry a week

my $now = time();

sub url {
    my ($k, $d, $secret) = @_;
    return presign($t, 'GET', '/sigcache/obj',
        time => $now - $d * 86400 + 60, expires => 604800,
        access => $k->[0], secret => $secret // $k->[1]);
}

for my $pass (1, 2) {
    my ($ok, $cross) = (0, 0);

    for my $i (0 .. $NKEYS - 1) {
        for my $d (0 .. $NDAYS - 1) {
            $r = $t->http(GET => url($keys[$i], $d));
            $ok++ if status_of($r) == 200 && $r =~ /cached$/;

            # key i's id, the next key's secret: its signing key is cached
            # for this day (or will be), never used for key i

            $r = $t->http(GET => url($keys[$i], $d,
                $keys[($i + 1) % $NKEYS][1]));
            $cross++ if status_of($r) == 403
                && code_of($r) eq 'SignatureDoesNotMatch';
        }
    }

    is($ok, $NKEYS * $NDAYS, "pass $pass: every key on every day signs");
    is($cross, $NKEYS * $NDAYS,
        "pass $pass: no key verifies with another's signing key");
}

# revocation with the signing key cached

my $victim = $keys[7];
my $today = url($victim, 0);
my $before = url($victim, 3);

is(status_of($t->http(GET => $today)), 200, 'the key signs today');
is(status_of($t->s3(GET => '/sigcache/obj', access => $victim->[0],
    secret => $victim->[1])), 200, 'and in the Authorization header');

# the worker's memory holds the derived key while the key lives

my $day = substr(amz_date($now + 60), 0, 8);
my $derived = signing_key($victim->[1], $day);

SKIP: {
    skip 'the worker\'s memory cannot be read (not root)', 1 if $> != 0;
    ok(worker_holds($derived), 'its signing key is in the worker\'s memory');
}

is(status_of($t->s3(DELETE => "/sos-admin/keys/$victim->[0]")), 200,
    'revoke the key');

$r = $t->http(GET => $today);
is(status_of($r), 403, 'revoked: the cached day is refused (presigned)');
is(code_of($r), 'InvalidAccessKeyId', 'InvalidAccessKeyId');
$r = $t->http(GET => $before);
is(code_of($r), 'InvalidAccessKeyId', 'an older cached day too');
$r = $t->s3(GET => '/sigcache/obj', access => $victim->[0],
    secret => $victim->[1]);
is(code_of($r), 'InvalidAccessKeyId', 'and in the Authorization header');

# checked before any other table is loaded: a new table may be allocated
# where the old one was, and zeroed

SKIP: {
    skip 'the worker\'s memory cannot be read (not root)', 2 if $> != 0;
    ok(!worker_holds($derived),
        'the revoked key\'s signing key is wiped from the worker');
    SKIP: {
        # ASan keeps freed blocks in quarantine, unreused: the copy of the
        # secret in the freed buffers of the admin call that created the
        # key (nginx pools are not wiped) stays readable there
        skip 'sanitizer build: freed memory is kept in quarantine', 1
            if SOS::Test::sanitized();
        ok(!worker_holds($victim->[1]), 'and its secret');
    }
}

my $fresh = new_key();
is(status_of($t->http(GET => url($fresh, 0))), 200,
    'a key created after it signs');
is(code_of($t->http(GET => $today)), 'InvalidAccessKeyId',
    'the revoked key is still refused');
is(status_of($t->http(GET => url($keys[8], 3))), 200,
    'the other keys still sign');

$t->stop_ok;

done_testing();


# Whether the worker's writable memory holds the bytes $needle: every
# readable and writable mapping, read through /proc/PID/mem.

sub worker_holds {
    my ($needle) = @_;

    my $pid = worker_pid() or return undef;

    open my $maps, '<', "/proc/$pid/maps" or return undef;
    open my $mem, '<:raw', "/proc/$pid/mem" or return undef;

    my $found = 0;

    while (my $line = <$maps>) {
        my ($from, $to, $perm) = $line =~ /^([0-9a-f]+)-([0-9a-f]+) (\S+)/
            or next;
        next unless $perm =~ /^rw/;

        my $len = hex($to) - hex($from);
        next if $len > 256 << 20;

        my $buf;
        sysseek($mem, hex($from), 0) or next;
        next unless defined sysread($mem, $buf, $len);

        if (index($buf, $needle) >= 0) {
            $found = 1;
            last;
        }
    }

    return $found;
}

sub worker_pid {
    my $master = $t->master_pid;

    for my $stat (glob '/proc/[0-9]*/stat') {
        my $line = SOS::Test::_slurp($stat);
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        return $pid if $ppid == $master;
    }

    return undef;
}
