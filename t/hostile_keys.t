#!/usr/bin/perl

# A key revoked while other key changes run: each change reloads the key
# table in its own pool thread and installs it when its answer is sent.
# A table read before the revoke but installed after it would bring the
# revoked key back.  Rounds of one revoke among concurrent key creations;
# after each, the revoked key must be refused.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes qw(time);

use SOS::Test;

my $ROUNDS = 40;
my $CREATORS = 6;

my $t = SOS::Test->new(server => <<'EOF_CONF')->run;
        location /sos-admin/ {
            sos_admin;
            allow 127.0.0.1;
            deny all;
        }
EOF_CONF

sub status_of { (SOS::Test->parse($_[0]))[0] }

is(status_of($t->s3(POST => '/sos-admin/orgs?name=revoke')), 201,
   'an organization');

sub new_key {
    my $r = $t->s3(POST => '/sos-admin/orgs/revoke/keys');
    my $k = eval { decode_json((SOS::Test->parse($r))[2])->{key} } || {};
    return [ $k->{access_key_id}, $k->{secret_access_key} ];
}

# a table long enough to take a while to read

new_key() for 1 .. 300;

my $k0 = new_key();
is(status_of($t->s3(PUT => '/revoked', access => $k0->[0],
    secret => $k0->[1])), 200, 'a bucket');

my ($back, $rounds) = (0, 0);
my $deadline = time() + 60;

for my $round (1 .. $ROUNDS) {
    last if time() > $deadline;
    $rounds++;

    my $k = new_key();
    my @sig = (access => $k->[0], secret => $k->[1]);
    status_of($t->s3(GET => '/revoked', @sig)) == 200
        or diag("round $round: the new key does not list");

    my @pids;
    for (1 .. $CREATORS) {
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            $t->s3(POST => '/sos-admin/orgs/revoke/keys');
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }

    my $st = status_of($t->s3(DELETE => "/sos-admin/keys/$k->[0]"));
    waitpid($_, 0) for @pids;

    $st == 200 or diag("round $round: revoke $st");

    my $after = status_of($t->s3(GET => '/revoked', @sig));
    if ($after != 403) {
        $back++;
        diag("round $round: the revoked key answered $after");
    }
}

is($back, 0, "$rounds rounds: a revoked key stays refused");

$t->stop_ok;

done_testing();
