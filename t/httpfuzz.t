#!/usr/bin/perl

# HTTP-level fuzzing (t/lib/SOS/HttpFuzz.pm): mutated valid signed
# requests of every kind against nginx, for a bounded time.  Fails on any
# 5xx but 501 and 503, a worker that exits (its pid changes), and any
# alert or sanitizer report in the logs.  The sanitizer build (make asan)
# is the one this is for: 60 s there, 10 s otherwise.
#
#   SOS_FUZZ_SEED      the seed (printed; random by default) to replay
#   SOS_HTTPFUZZ_SECONDS  how long (default 60 under ASan, else 10)
#   SOS_HTTPFUZZ_COUNT    stop after this many requests (replay)

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Socket qw(SHUT_WR);
use Test::More;
use Time::HiRes qw(time);

use SOS::HttpFuzz;
use SOS::Test;

my $t = SOS::Test->new->run;

my $seed = $ENV{SOS_FUZZ_SEED} // int(rand(2**31));
my $secs = $ENV{SOS_HTTPFUZZ_SECONDS}
    || (SOS::Test::sanitized() ? 60 : 10);
my $count = $ENV{SOS_HTTPFUZZ_COUNT};

diag("seed $seed (replay: SOS_FUZZ_SEED=$seed)");

sub status_of { (SOS::Test->parse($_[0]))[0] }

# the world the requests expect: a bucket, an object, an upload

is(status_of($t->s3(PUT => '/fzz')), 200, 'bucket');
is(status_of($t->s3(PUT => '/fzz/obj', body => '0123456789' x 10)), 200,
    'object');

my $r = $t->s3(POST => '/fzz/big?uploads');
my ($upload_id) = $r =~ m{<UploadId>([^<]+)</UploadId>};
ok($upload_id, 'multipart upload');

$r = $t->s3(GET => '/fzz?acl');
my ($owner) = $r =~ m{<Owner><ID>([^<]+)</ID>};
ok($owner, 'owner id');

my $worker = worker_pid($t);
ok($worker, "worker $worker");

my $f = SOS::HttpFuzz->new(t => $t, seed => $seed, bucket => 'fzz',
    upload_id => $upload_id, owner => $owner // '');

my (%status, @fail);
my $n = 0;
my $deadline = time() + $secs;

while (time() < $deadline && (!defined $count || $n < $count)) {

    # the world restored now and then: ACLs and deletes take it away
    reset_world($t) if $n % 50 == 0;

    my ($raw, $what) = $f->next_request;
    $n++;

    my $reply = send_raw($t, $raw);
    my ($code) = defined $reply
        ? $reply =~ m{^HTTP/1\.[01] (?!100 )(\d{3})}m : ();
    $code //= 'none';
    $status{$code}++;

    if ($code =~ /^5/ && $code !~ /^50[135]$/) {
        push @fail, "request $n ($what): $code\n" . printable($raw)
            . "\n-> " . printable(substr($reply, 0, 600));
        last if @fail >= 5;
    }

    if ($n % 200 == 0 && worker_pid($t) != $worker) {
        push @fail, "the worker changed by request $n ($what)";
        last;
    }
}

diag("$n requests in ${secs}s: "
    . join(' ', map { "$_:$status{$_}" } sort keys %status));

ok(!@fail, "no 5xx but 501, 503 and 505") or diag(join("\n\n", @fail)
    . "\nreplay: SOS_FUZZ_SEED=$seed SOS_HTTPFUZZ_COUNT=$n");

is(worker_pid($t), $worker, 'the worker never exited');
ok(($status{200} // 0) + ($status{204} // 0) > 0,
    'some mutated requests still succeed');

$t->stop_ok;

done_testing();

sub reset_world {
    my ($t) = @_;
    $t->s3(PUT => '/fzz?acl', headers => { 'x-amz-acl' => 'private' });
    $t->s3(PUT => '/fzz/obj', body => '0123456789' x 10);
}

# the request as is; the reply (undef on a timeout), read up to the end of
# the first final response: nginx may linger on an unread body

sub send_raw {
    my ($t, $raw) = @_;
    my $reply;

    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        local $SIG{PIPE} = 'IGNORE';
        alarm(15);
        my $s = $t->connect;
        print $s $raw;
        shutdown($s, SHUT_WR);
        $reply = '';
        while (sysread($s, my $buf, 65536)) {
            $reply .= $buf;
            last if complete($reply, $raw);
        }
        close $s;
        alarm(0);
    };
    alarm(0);

    return $reply;
}

sub complete {
    my ($reply, $raw) = @_;
    $reply =~ s{^HTTP/1\.[01] 100 [^\r]*\r\n\r\n}{};
    my $end = index($reply, "\r\n\r\n");
    return 0 if $end < 0;
    my $head = substr($reply, 0, $end);
    return 1 if $raw =~ /^HEAD / || $head =~ m{^HTTP/1\.[01] (204|304) };
    my ($len) = $head =~ /^Content-Length: (\d+)\r?$/mi;
    return defined $len && length($reply) >= $end + 4 + $len;
}

sub printable {
    my ($s) = @_;
    $s = substr($s, 0, 1500);
    $s =~ s/([^\x20-\x7e\n])/sprintf('\\x%02x', ord $1)/ge;
    return $s;
}

sub worker_pid {
    my ($t) = @_;
    my $master = $t->master_pid or return 0;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // next;
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        return $pid if $ppid == $master;
    }
    return 0;
}
