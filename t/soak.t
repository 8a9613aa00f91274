#!/usr/bin/perl

# A one-minute soak (SOS_SOAK_SECONDS to change it): 8 clients mix signed
# PUTs, GETs, ranged GETs, listings, copies and DELETEs on their own keys
# and on shared ones.
# Every answer must be one the request can get; afterwards the worker's
# memory and open files are back near where they were, no tmp file is
# left, and every object a client last wrote is there with its bytes.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_hex);
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;
use SOS::Fault;

my $seconds = $ENV{SOS_SOAK_SECONDS} || 60;
my $clients = 8;

my $t = SOS::Test->new(fsync => 'on')->run;

my ($st) = SOS::Test->parse($t->s3(PUT => '/soak'));
is($st, 200, 'bucket');

my $master = $t->master_pid;
my ($worker) = map { /^(\d+)/ ? $1 : () } `pgrep -P $master`;
die "no worker pid (pgrep: run make deps)\n" unless $worker;

# the fewest of 10 looks: background work (a spare file made, a
# directory synced) holds an fd for a moment
sub fds { SOS::Fault::fd_count_settled($worker) }

# warm up: the thread pool, the index and the caches are in place
for my $i (1 .. 20) {
    $t->s3(PUT => "/soak/warm$i", body => 'w' x 1000);
    $t->s3(GET => "/soak/warm$i");
}

my $rss0 = $t->worker_rss;
my $fds0 = fds();
die "no worker RSS in /proc\n" unless defined $rss0;

# one client: reports "errors requests", then the md5 of the last bytes
# it wrote to each of its keys ("-" once deleted)

sub client {
    my ($n, $out) = @_;

    srand($n * 7919 + $$);
    my (%last, $errors, $requests);
    my $end = time() + $seconds;

    my $send = sub {
        $requests++;
        return SOS::Test->parse($t->s3(@_));
    };

    while (time() < $end) {
        my $key = "c$n/k" . int(rand(20));
        my $shared = 'shared' . int(rand(4));
        my $op = int(rand(8));
        my ($status, $h, $b);

        if ($op <= 1) {
            my $body = chr(65 + int(rand(26))) x (1 + int(rand(200000)));
            ($status) = $send->(PUT => "/soak/$key", body => $body);
            $errors++, warn "PUT $key: $status\n" unless $status == 200;
            $last{$key} = md5_hex($body) if $status == 200;
        } elsif ($op == 2) {
            ($status) = $send->(PUT => "/soak/$shared",
                body => "$n" x (1 + int(rand(5000))));
            $errors++, warn "PUT $shared: $status\n" unless $status == 200;
        } elsif ($op == 3) {
            ($status, $h, $b) = $send->(GET => "/soak/$key");
            if ($status == 200) {
                $errors++, warn "GET $key: wrong bytes\n"
                    if defined $last{$key} && md5_hex($b) ne $last{$key};
            } elsif ($status != 404 || defined $last{$key}) {
                $errors++, warn "GET $key: $status\n";
            }
        } elsif ($op == 4) {
            ($status) = $send->(GET => "/soak/$shared",
                headers => { Range => 'bytes=0-99' });
            $errors++, warn "GET range $shared: $status\n"
                unless $status == 206 || $status == 404;
        } elsif ($op == 5) {
            ($status) = $send->(GET => "/soak?list-type=2&prefix=c$n%2F");
            $errors++, warn "list: $status\n" unless $status == 200;
        } elsif ($op == 6) {
            ($status) = $send->(PUT => "/soak/$key.copy",
                headers => { 'x-amz-copy-source' => "/soak/$shared" });
            $errors++, warn "copy: $status\n"
                unless $status == 200 || $status == 404;
        } else {
            ($status) = $send->(DELETE => "/soak/$key");
            $errors++, warn "DELETE $key: $status\n" unless $status == 204;
            $last{$key} = undef;
        }
    }

    print $out join(' ', $errors // 0, $requests // 0), "\n";
    print $out "$_ ", ($last{$_} // '-'), "\n" for sort keys %last;
    close $out;
}

my @kids;
for my $n (1 .. $clients) {
    pipe(my $r, my $w) or die "pipe: $!\n";
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        close $r;
        client($n, $w);
        POSIX::_exit(0);        # not exit: $t's destructor would stop nginx
    }
    close $w;
    push @kids, [ $pid, $r ];
}

my ($errors, $requests, %want) = (0, 0);
for my $k (@kids) {
    my ($pid, $r) = @$k;
    my $first = <$r>;
    my ($e, $n) = split ' ', ($first // "1 0");
    $errors += $e;
    $requests += $n;
    while (<$r>) {
        my ($key, $md5) = split;
        $want{$key} = $md5;
    }
    waitpid($pid, 0);
    $errors++ if $?;
}

is($errors, 0, "no unexpected answer in $requests requests "
    . "($clients clients, $seconds s)");
ok($requests > $clients * $seconds, 'the clients kept going');

# every key's last state, as its client saw it

my $bad = 0;
for my $key (sort keys %want) {
    my ($s, $h, $b) = SOS::Test->parse($t->s3(GET => "/soak/$key"));
    if ($want{$key} eq '-') {
        $bad++, diag("$key: $s, deleted") unless $s == 404;
    } else {
        $bad++, diag("$key: $s") unless $s == 200 && md5_hex($b) eq $want{$key};
    }
}
is($bad, 0, scalar(keys %want) . ' keys hold what their client last wrote');

# resources back near the start

sleep(1);
my $rss1 = $t->worker_rss;
my $fds1 = fds();

SKIP: {
    skip 'sanitizer build: RSS not meaningful', 1 if SOS::Test::sanitized();
    ok($rss1 - $rss0 < 16 * 1024,
       "worker RSS grew by less than 16 MiB ($rss0 -> $rss1 KiB)");
}
ok($fds1 <= $fds0 + 2, "worker fds back to where they were "
    . "($fds0 -> $fds1)");

my $tmp = 0;
for my $r (0 .. 2) {
    my @f = glob($t->data . "/r$r/tmp/*");
    $tmp += @f;
}
is($tmp, 0, 'no tmp file left');

$t->stop_ok;

done_testing();
