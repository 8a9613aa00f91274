#!/usr/bin/perl

# SIGKILL under load, then an audit.  16 writer processes overwrite,
# delete, upload in parts and copy their own keys while the worker is
# killed at random moments (every third round the master too, and nginx
# is started again), sos_fsync on.  Each writer logs every request before
# sending it and its answer after.  At the end nginx is restarted and:
#
#   - every key reads back as its last acknowledged version (200 with that
#     MD5, or 404 after a DELETE), or as one of the requests in flight at a
#     kill after it (no answer: either outcome may stand), never anything
#     else (a refused request changed nothing);
#   - offline, every replica file the index names has its extent's size
#     and MD5, no file in objects/ is unnamed, no G record is left, tmp/
#     is empty.
#
# 20 rounds by default; SOS_TORTURE=N runs N (make torture: 100).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_hex);
use File::Path qw(make_path);
use IO::Handle;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h _exit);
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;
use SOS::Fault;

plan(skip_all => 'index lister not built: ' . SOS::Fault::idxdump_path()
    . ' (run make)') unless -x SOS::Fault::idxdump_path();

my $ROUNDS = $ENV{SOS_TORTURE} || 20;
my $WRITERS = 16;
my $KEYS = 3;                   # keys per writer

my $t = SOS::Test->new(fsync => 'on');
my $dir = $t->dir;
my @reps = map { "$dir/rep$_" } 0 .. 2;
make_path(@reps);
$t->{http} = join '', map { "sos_replica $_;\n    " } @reps;
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts, quiet => 1));
}

my ($status) = req(PUT => '/crash');
is($status, 200, 'create bucket');

# each writer copies from a source of its own, never changed
my %src;
for my $w (0 .. $WRITERS - 1) {
    my $data = "source of writer $w\n" x (100 + $w);
    ($status) = req(PUT => "/crash/w$w-src", body => $data);
    is($status, 200, "source of writer $w");
    $src{$w} = md5_hex($data);
}

my $stop = "$dir/stop";
my $started = time();
my $deadline = $started + 60 + 6 * $ROUNDS;

# ---- the writers ----

sub writer {
    my ($w) = @_;

    srand($$ ^ time());
    # a request sent to a worker just killed must not kill the writer
    $SIG{PIPE} = 'IGNORE';
    open my $log, '>>', "$dir/w$w.log" or _exit(2);
    $log->autoflush(1);
    open STDERR, '>>', "$dir/w$w.err" or _exit(2);
    Test::More->builder->failure_output(\*STDERR);

    my $seq = 0;

    while (!-e $stop && time() < $deadline) {
        my $key = "w$w-k" . int(rand($KEYS));
        my $dice = rand();
        $seq++;

        if ($dice < 0.45) {
            my $data = body($w, $seq);
            print $log "B $seq PUT $key ", md5_hex($data), "\n";
            ($status) = req(PUT => "/crash/$key", body => $data);

        } elsif ($dice < 0.6) {
            print $log "B $seq DELETE $key -\n";
            ($status) = req(DELETE => "/crash/$key");

        } elsif ($dice < 0.75) {
            print $log "B $seq COPY $key $src{$w}\n";
            ($status) = req(PUT => "/crash/$key",
                headers => { 'x-amz-copy-source' => "/crash/w$w-src" });

        } else {
            $status = multipart($w, $key, $seq, $log);
        }

        print $log "E $seq $status\n";

        # no answer or a refusal: nginx is down or restarting
        sleep(0.05) if $status !~ /^20[04]$/;
    }

    _exit(0);
}

# 0..256 KiB, different each time
sub body {
    my ($w, $seq) = @_;
    my $s = "w$w s$seq r" . rand() . "\n";
    my $len = int(rand(256 * 1024));
    return substr($s x ($len / length($s) + 1), 0, $len);
}

# Create, one part, complete: the complete is the logged operation.
sub multipart {
    my ($w, $key, $seq, $log) = @_;

    my ($st, $h, $b) = req(POST => "/crash/$key", query => 'uploads');
    my ($id) = $b =~ m{<UploadId>([^<]+)</UploadId>};
    return 'C' . $st unless $id;

    my $data = body($w, $seq);
    ($st) = req(PUT => "/crash/$key", query => "partNumber=1&uploadId=$id",
        body => $data);
    return 'U' . $st if $st != 200;

    print $log "B $seq COMPLETE $key ", md5_hex($data), "\n";
    my $xml = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
        . '<ETag>"' . md5_hex($data) . '"</ETag></Part>'
        . '</CompleteMultipartUpload>';
    ($st) = req(POST => "/crash/$key", query => "uploadId=$id", body => $xml);
    return $st;
}

my %writers;
for my $w (0 .. $WRITERS - 1) {
    my $pid = fork() // die "fork: $!\n";
    writer($w) if $pid == 0;
    $writers{$pid} = $w;
}

# ---- the kills ----

my ($worker_kills, $master_kills) = (0, 0);

for my $round (1 .. $ROUNDS) {
    sleep(0.3 + rand(1.5));

    my $worker = SOS::Fault::worker_pid($t);
    my $master = $t->master_pid;

    if ($round % 3 == 0) {
        kill 'KILL', $master;
        kill 'KILL', $worker if $worker;
        waitpid($master, 0);
        delete $t->{pid};
        $master_kills++;
        $worker_kills++ if $worker;

        # the port is free once the worker is gone (its parent, init,
        # reaps it) and the kernel let go of its connections
        gone($worker) or diag("worker $worker still there");
        port_free() or diag('port ' . $t->port . ' still bound');
        ok($t->start, "round $round: nginx started again after SIGKILL")
            or last;

    } elsif ($worker) {
        kill 'KILL', $worker;
        $worker_kills++;
    }
}

sub gone {
    my ($pid) = @_;
    for (1 .. 100) {
        open my $fh, '<', "/proc/$pid/stat" or return 1;
        my $stat = <$fh> // '';
        return 1 if $stat =~ /^\d+ \(.*\) Z /;
        sleep(0.05);
    }
    return 0;
}

sub port_free {
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
            LocalPort => $t->port, Proto => 'tcp', ReuseAddr => 1,
            Listen => 1);
        return 1 if $s;
        sleep(0.05);
    }
    return 0;
}

# the writers go on a moment against the last worker, then stop
sleep(1);
open my $fh, '>', $stop or die "$stop: $!\n";
close $fh;

my $bad_exit = 0;
my $wait_until = time() + 30;
while (%writers && time() < $wait_until) {
    my $pid = waitpid(-1, WNOHANG);
    if ($pid > 0) {
        if ($? != 0) {
            $bad_exit++;
            diag("writer $writers{$pid} (pid $pid): wait status $?");
        }
        delete $writers{$pid};
        next;
    }
    sleep(0.1);
}
kill 'KILL', keys %writers;
is(scalar(keys %writers), 0, 'every writer finished');
is($bad_exit, 0, 'every writer exited 0');

# ---- what the writers saw ----

# key => list of [op, md5 or 'gone', outcome: ack, fail, unknown]
my (%ops, %tally);
my ($acks, $unknown, $failed) = (0, 0, 0);
my $idle = 0;

for my $w (0 .. $WRITERS - 1) {
    my (%begin, $mine);
    open my $lh, '<', "$dir/w$w.log" or die "w$w.log: $!\n";

    while (my $line = <$lh>) {
        chomp $line;
        if ($line =~ /^B (\d+) (\S+) (\S+) (\S+)$/) {
            $begin{$1} = [ $2, $3, $4 eq '-' ? 'gone' : $4 ];
            next;
        }
        my ($seq, $st) = $line =~ /^E (\d+) (\S+)$/ or next;
        my $b = delete $begin{$seq} or next;   # no logged operation
        my ($op, $key, $result) = @$b;

        my $outcome = $st =~ /^(200|204)$/ ? 'ack'
                    : $st eq '0' ? 'unknown' : 'fail';
        push @{ $ops{$key} }, [ $op, $result, $outcome ];
        $tally{"$op $outcome"}++;
        $mine++ if $outcome eq 'ack';
    }

    # a request begun but never answered: the writer was stopped in it
    $idle++ unless $mine && $mine >= 5;
}

$acks += $tally{$_} for grep { / ack$/ } keys %tally;
$unknown += $tally{$_} for grep { / unknown$/ } keys %tally;
$failed += $tally{$_} for grep { / fail$/ } keys %tally;

is($idle, 0, "every writer had 5 or more writes acknowledged");
diag("$ROUNDS rounds, $worker_kills worker kills ($master_kills with the "
    . "master), $acks acknowledged, $unknown unanswered, $failed refused: "
    . join(', ', map { "$_ $tally{$_}" } sort keys %tally));

# ---- audit through S3, after a restart ----

$t->stop;
$t->run;

my ($lost, $checked) = (0, 0);

for my $w (0 .. $WRITERS - 1) {
    for my $k (0 .. $KEYS - 1) {
        my $key = "w$w-k$k";
        my %allowed = (gone => 1);

        for my $o (@{ $ops{$key} || [] }) {
            my ($op, $result, $outcome) = @$o;
            %allowed = () if $outcome eq 'ack';
            $allowed{$result} = 1 unless $outcome eq 'fail';
        }

        my ($st, $h, $body) = req(GET => "/crash/$key");
        my $got = $st == 404 ? 'gone' : $st == 200 ? md5_hex($body)
                                                  : "status $st";
        $checked++;
        next if $allowed{$got};

        $lost++;
        diag("$key: GET gives $got, acknowledged or in flight: "
            . join(' ', sort keys %allowed));
    }

    my ($st, $h, $body) = req(GET => "/crash/w$w-src");
    $lost++ unless $st == 200 && md5_hex($body) eq $src{$w};
}

is($lost, 0, "$checked keys: each holds its last acknowledged version or "
    . 'one in flight after it');

$t->stop_ok(expect => qr/exited on signal 9/);

# ---- offline audit ----

my $a = SOS::Fault::audit($t, \@reps, strict => 1);
is_deeply($a->{problems}, [], 'replica files match their extents, no '
    . 'orphan, no G record, no tmp file')
    or diag(join "\n", @{ $a->{problems} });
my $files = keys %{ $a->{extents} };
ok($files > $WRITERS, "$files live files audited ($a->{parts} parts)");

diag(sprintf('%.1f s', time() - $started));

done_testing();
