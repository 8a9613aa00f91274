#!/usr/bin/perl

# The durable write protocol, as the kernel sees it (strace of the worker,
# with sos_fsync on): for PutObject and UploadPart, on every replica, the
# tmp file is written, then fdatasync'ed, and beside that renamed into
# objects/, then the directory it went into is fsync'ed; only after all of
# that (every fdatasync and directory fsync returned) is the index log
# synced; and the answer comes after the sync.  CompleteMultipartUpload
# writes no data file: its index write is synced before it answers.  A
# writer that skips an fsync, or commits before one returned, fails
# here.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;

my $strace = '/usr/bin/strace';
die "no strace: run make deps\n" unless -x $strace;

my $t = SOS::Test->new(fsync => 'on')->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

my ($st) = req(PUT => '/dur');
die "CreateBucket: $st\n" unless $st == 200;

my $master = $t->master_pid;
my ($worker) = map { /^(\d+)/ ? $1 : () } `pgrep -P $master`;
die "no worker pid (pgrep: run make deps)\n" unless $worker;

# one file per thread (-ff): no interleaved lines; -ttt -T give each call
# its start and its duration, so calls of different threads can be ordered

my $prefix = $t->dir . '/trace';

sub trace_start {
    unlink glob("$prefix.*");
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        open STDERR, '>', '/dev/null';
        exec($strace, '-ff', '-qq', '-ttt', '-T', '-y', '-s', '0',
            '-o', $prefix, '-e', 'trace=openat,write,pwrite64,fdatasync,'
            . 'fsync,rename,renameat,renameat2', '-p', $worker);
        exit 1;
    }

    # attached once a request's calls show up
    my $deadline = time() + 10;
    while (time() < $deadline) {
        req(HEAD => '/dur');
        req(PUT => '/dur/ping', body => 'ping');
        if (grep { -s } glob("$prefix.*")) {
            sleep(0.2);
            return $pid;
        }
        sleep(0.05);
    }

    kill 'TERM', $pid;
    waitpid($pid, 0);
    return undef;
}

sub trace_stop {
    my ($pid) = @_;
    kill 'INT', $pid;
    waitpid($pid, 0);

    # [start, end, call, text]
    my @calls;
    for my $file (glob("$prefix.*")) {
        open my $fh, '<', $file or die "$file: $!\n";
        while (<$fh>) {
            next unless /^(\d+\.\d+) (\w+)\((.*)\) += (-?\d+)[^<]*<([\d.]+)>$/;
            push @calls, [ $1, $1 + $5, $2, $3, $4 ];
        }
    }
    return sort { $a->[0] <=> $b->[0] } @calls;
}

# the calls of one write of $n bytes: per replica, its tmp file's id,
# the end of its last write, its fdatasync, its rename and its directory
# fsync; then the index's synced write

sub check_write {
    my ($what, $all, $t0, $t_answer) = @_;

    my $calls = [ grep { $_->[0] >= $t0 } @$all ];

    my %tmp;        # "r0/tmp/<id>" => { ... }
    for my $c (@$calls) {
        my ($start, $end, $call, $args, $ret) = @$c;

        if ($call =~ /^p?write/ && $args =~ m{^\d+</[^>]*/(r\d+)/tmp/(\w+)>}) {
            my $f = $tmp{"$1/$2"} //= {};
            $f->{written} = $end;
        } elsif ($call eq 'fdatasync'
                 && $args =~ m{^\d+</[^>]*/(r\d+)/(?:tmp|objects/[0-9a-f]{2}/[0-9a-f]{2})/(\w+)>})
        {
            # the rename runs beside it: the fd may show either name
            my $f = $tmp{"$1/$2"} //= {};
            $f->{synced} = $end;
            $f->{sync_start} = $start;
        } elsif ($call =~ /^rename/
                 && $args =~ m{"[^"]*/(r\d+)/tmp/(\w+)", .*"([^"]*/objects/[0-9a-f]{2}/[0-9a-f]{2})/\w+"})
        {
            my $f = $tmp{"$1/$2"} //= {};
            $f->{rename_start} = $start;
            $f->{renamed} = $end;
            $f->{dir} = $3;
        }
    }

    my @files = grep { defined $tmp{$_}{renamed} } sort keys %tmp;
    is(scalar @files, 3, "$what: a file renamed into objects/ on 3 replicas")
        or diag(explain \%tmp);

    my $last_dir_sync = 0;
    for my $k (@files) {
        my $f = $tmp{$k};
        my ($dir_sync) = map { $_->[1] }
            grep { $_->[2] eq 'fsync' && $_->[0] >= $f->{renamed}
                   && $_->[3] =~ m{^\d+<\Q$f->{dir}\E>} } @$calls;

        ok(defined $f->{written} && defined $f->{synced}
           && $f->{sync_start} >= $f->{written},
           "$what: $k fdatasync'ed after its last write");
        ok(defined $dir_sync, "$what: $k its directory fsync'ed after the "
            . 'rename');
        $last_dir_sync = $dir_sync
            if defined $dir_sync && $dir_sync > $last_dir_sync;
        $last_dir_sync = $f->{synced}
            if defined $f->{synced} && $f->{synced} > $last_dir_sync;
    }

    my @index = grep { $_->[2] =~ /^f(?:data)?sync$/
                       && $_->[3] =~ m{^\d+</[^>]*/index/\d+\.log>}
                       && $_->[0] >= $last_dir_sync } @$calls;
    ok(@index, "$what: the index log synced after every fdatasync and "
       . 'directory fsync returned');
    ok(@index && $index[0][1] <= $t_answer,
       "$what: before the answer");
}

# PutObject

my $pid = trace_start();

# a kernel or container may forbid ptrace even to root: say so, as a skip
plan(skip_all => 'strace cannot attach to the worker (ptrace not '
    . 'permitted)') unless $pid;

my $t0 = time();
($st) = req(PUT => '/dur/put', body => 'p' x 200000);
my $t_answer = time();
is($st, 200, 'PutObject');
check_write('PutObject', [ trace_stop($pid) ], $t0, $t_answer);

# UploadPart, then CompleteMultipartUpload

my ($s2, $h2, $b2) = req(POST => '/dur/mp?uploads');
my ($upload) = $b2 =~ m{<UploadId>([^<]+)</UploadId>};
ok($upload, 'CreateMultipartUpload');

$pid = trace_start();
my $h;
$t0 = time();
($st, $h) = req(PUT => "/dur/mp?partNumber=1&uploadId=$upload",
    body => 'u' x 100000);
$t_answer = time();
is($st, 200, 'UploadPart');
check_write('UploadPart', [ trace_stop($pid) ], $t0, $t_answer);
my $etag = $h->{etag};

$pid = trace_start();
$t0 = time();
($st, undef, my $b3) = req(POST => "/dur/mp?uploadId=$upload",
    body => '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
          . "<ETag>$etag</ETag></Part></CompleteMultipartUpload>");
$t_answer = time();
is($st, 200, "CompleteMultipartUpload") or diag($b3);
my @calls = trace_stop($pid);
my @synced = grep { $_->[0] >= $t0 && $_->[2] =~ /^f(?:data)?sync$/
                    && $_->[3] =~ m{/index/\d+\.log>} } @calls;
ok(@synced && $synced[-1][1] <= $t_answer,
   'CompleteMultipartUpload: the index log synced before the answer');

$t->stop_ok;

done_testing();
