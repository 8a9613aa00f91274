#!/usr/bin/perl

# Failing file calls in the worker (t/fault/faultshim.c preloaded): for
# PutObject, UploadPart, CompleteMultipartUpload, CopyObject and
# DeleteObject, each fault (write EIO or ENOSPC, from the first write or
# mid-file, fdatasync EIO, rename EIO, the directory fsync EIO, unlink EIO)
# on one replica and on all three.  One replica failing leaves the quorum:
# the request succeeds.  All failing: the request gets an S3 error (507
# InsufficientStorage for ENOSPC, 503 for the rest) and the key keeps its
# old version; a failed unlink is no error, its G record removes the files
# at the next open.  Then: no fd leaks over 50 failing PUTs; a failed
# write or sync of the index's log fences writes (503 SlowDown) until a
# restart; and, nginx restarted without faults, every acknowledged
# version reads back whole, every replica file matches its extent, no
# orphan and no tmp file.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_hex);
use File::Path qw(make_path);
use Test::More;

use SOS::Test;
use SOS::Fault;

plan(skip_all => 'fault library not built: ' . SOS::Fault::shim_path()
    . ' (run make)') unless -f SOS::Fault::shim_path();

my $t = SOS::Test->new;
my $dir = $t->dir;
my @reps = map { "$dir/rep$_" } 0 .. 2;
make_path(@reps);
$t->{http} = join '', map { "sos_replica $_;\n    " } @reps;

my $rules = "$dir/fault.rules";
my $flog = "$dir/fault.log";
SOS::Fault::preload(SOS_FAULT_FILE => $rules, SOS_FAULT_LOG => $flog);
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code {
    my ($body) = @_;
    return $body =~ m{<Code>([^<]*)</Code>} ? $1 : '';
}

sub injected {
    my @l = split /\n/, $t->read_file('fault.log');
    return scalar @l;
}

# failures injected into the calls of file paths a request makes itself:
# not those under tmp/ and spare/, which background work also makes (the
# repair of an earlier case's degraded write, the refill of spare files)
sub injected_own {
    my @l = grep { !m{/(?:tmp|spare)/} } split /\n/,
        $t->read_file('fault.log');
    return scalar @l;
}

my ($status, $h, $body);

($status) = req(PUT => '/flt');
is($status, 200, 'create bucket');

# every key's acknowledged version: MD5 of its body
my %acked;

my $serial = 0;

# bodies differ from each other; 1.5 MiB where a fault comes mid-file
# (a copy writes 1 MiB at a time)
my $body_size;

sub body {
    my $s = ++$serial . ' ';
    return substr($s x ($body_size / length($s) + 1), 0, $body_size);
}

sub put {
    my ($key, $data) = @_;
    my ($st) = req(PUT => "/flt/$key", body => $data);
    is($st, 200, "PUT $key") or return;
    $acked{$key} = md5_hex($data);
}

sub upload {
    my ($key) = @_;
    my (undef, undef, $b) = req(POST => "/flt/$key", query => 'uploads');
    my ($id) = $b =~ m{<UploadId>([^<]+)</UploadId>};
    ok($id, "CreateMultipartUpload $key") or diag($b);
    return $id;
}

sub complete {
    my ($key, $id, $etag) = @_;
    my $xml = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
        . "<ETag>\"$etag\"</ETag></Part></CompleteMultipartUpload>";
    return req(POST => "/flt/$key", query => "uploadId=$id", body => $xml);
}

# The operations: each sets the key up without faults (its old version
# acknowledged), then runs $do with the faults on and returns (status,
# body, MD5 of the key's content if the request succeeded).

my %ops = (
    PutObject => sub {
        my ($key, $fault) = @_;
        put($key, body());
        my $data = body();
        $fault->();
        my ($st, undef, $b) = req(PUT => "/flt/$key", body => $data);
        return ($st, $b, md5_hex($data));
    },

    UploadPart => sub {
        my ($key, $fault) = @_;
        my $id = upload($key);
        my $old = body();
        ($status, $h) = req(PUT => "/flt/$key",
            query => "partNumber=1&uploadId=$id", body => $old);
        is($status, 200, "UploadPart 1 of $key");
        my $data = body();
        $fault->();
        my ($st, undef, $b) = req(PUT => "/flt/$key",
            query => "partNumber=1&uploadId=$id", body => $data);
        SOS::Fault::rules($rules, '');

        # the part that stands is the new one if acknowledged, else the old
        my $part = $st == 200 ? $data : $old;
        my ($cs, undef, $cb) = complete($key, $id, md5_hex($part));
        is($cs, 200, "complete $key after the UploadPart") or diag($cb);
        $acked{$key} = md5_hex($part) if $cs == 200;
        return ($st, $b, undef);
    },

    CompleteMultipartUpload => sub {
        my ($key, $fault) = @_;
        put($key, body());
        my $id = upload($key);
        my $data = body();
        ($status) = req(PUT => "/flt/$key",
            query => "partNumber=1&uploadId=$id", body => $data);
        is($status, 200, "UploadPart 1 of $key");
        $fault->();
        my ($st, undef, $b) = complete($key, $id, md5_hex($data));
        return ($st, $b, md5_hex($data));
    },

    CopyObject => sub {
        my ($key, $fault) = @_;
        put($key, body());
        my $data = body();
        put("$key.src", $data);
        $fault->();
        my ($st, undef, $b) = req(PUT => "/flt/$key",
            headers => { 'x-amz-copy-source' => "/flt/$key.src" });
        return ($st, $b, md5_hex($data));
    },

    DeleteObject => sub {
        my ($key, $fault) = @_;
        put($key, body());
        $fault->();
        my ($st, undef, $b) = req(DELETE => "/flt/$key");
        return ($st, $b, 'deleted');
    },
);

# name => [ rule with REP for the path, status when every replica fails
# (undef: this operation writes no file, the fault cannot touch it) ]

my @faults = (
    [ write_eio => 'write:EIO:path=REP', 503, 'ServiceUnavailable' ],
    [ write_enospc => 'write:ENOSPC:path=REP', 507, 'InsufficientStorage' ],
    [ write_eio_midfile => 'write:EIO:path=REP:after=AFTER', 503,
      'ServiceUnavailable' ],
    [ fdatasync_eio => 'fdatasync:EIO:path=REP', 503, 'ServiceUnavailable' ],
    [ rename_eio => 'rename:EIO:path=REP', 503, 'ServiceUnavailable' ],
    [ dir_fsync_eio => 'fsync:EIO:path=REPobjects/', 503,
      'ServiceUnavailable' ],
    [ unlink_eio => 'unlink:EIO:path=REPobjects/', 0, '' ],
);

# which faults touch which operation: data faults hit the writers only;
# unlink hits every operation here (each replaces or removes a version)
my %writes = map { $_ => 1 } qw(PutObject UploadPart CopyObject);

my $case = 0;
my $unlink_faults = 0;

for my $op (sort keys %ops) {
    for my $f (@faults) {
        my ($fname, $rule, $all_status, $all_code) = @$f;

        for my $where ('one', 'all') {
            my $key = "$op-$fname-$where";
            my $rep = $where eq 'one' ? '/rep1/' : '/rep';
            (my $r = $rule) =~ s/REP/$rep/;
            $r =~ s{path=/repobjects/}{path=objects/};
            # the second write of rep1, or of every replica
            $r =~ s/AFTER/$where eq 'one' ? 1 : 3/e;
            $body_size = $fname =~ /midfile/ ? 1536 * 1024 : 64 * 1024;

            my ($before, $before_own);
            my $fault = sub {
                $before = injected();
                $before_own = injected_own();
                SOS::Fault::rules($rules, $r);
            };

            my ($st, $b, $md5) = $ops{$op}->($key, $fault);
            # files of a replaced or deleted version are unlinked after
            # the answer: wait for that (at most 5 s) before lifting it
            if ($fname eq 'unlink_eio') {
                for (1 .. 50) {
                    last if injected() > $before;
                    select(undef, undef, undef, 0.1);
                }
            }
            SOS::Fault::rules($rules, '');
            my $n = injected() - $before;
            $case++;

            my $touches = $fname eq 'unlink_eio' || $writes{$op};
            my $fails = $touches && $where eq 'all' && $all_status;
            my $ok_status = $op eq 'DeleteObject' ? 204 : 200;

            if ($touches) {
                ok($n > 0, "$key: $n call(s) failed");
            } else {
                is(injected_own() - $before_own, 0,
                   "$key: no call of $op was hit");
            }

            if ($fails) {
                is($st, $all_status, "$key: $all_status")
                    or diag($b);
                is(code($b), $all_code, "$key: $all_code");
            } else {
                is($st, $ok_status, "$key: $ok_status") or diag($b);
            }

            # what the client saw succeed is what must stand
            if ($op eq 'DeleteObject') {
                delete $acked{$key} if $st == 204;
            } elsif (defined $md5 && $st == 200) {
                $acked{$key} = $md5;
            }
            $unlink_faults += $n if $fname eq 'unlink_eio';

            # what GET returns now is the acknowledged version, whole
            ($status, $h, $body) = req(GET => "/flt/$key");
            if (exists $acked{$key}) {
                ok($status == 200 && md5_hex($body) eq $acked{$key},
                    "$key: GET gives the acknowledged version")
                    or diag("status $status");
            } else {
                is($status, 404, "$key: gone");
            }
        }
    }
}

ok($unlink_faults > 0, "$unlink_faults unlinks failed");

# no fd leaks: 50 PUTs failing on every replica (each opened 3 files)

$body_size = 64 * 1024;

my $worker = SOS::Fault::worker_pid($t);
ok($worker, 'worker pid');
put('fd-probe', 'x');
my $fds = SOS::Fault::fd_count_settled($worker);
SOS::Fault::rules($rules, 'write:EIO:path=/rep');

my $refused = 0;
for my $i (1 .. 50) {
    ($status) = req(PUT => "/flt/fd-$i", body => body());
    $refused++ if $status == 503;
}
SOS::Fault::rules($rules, '');

is($refused, 50, '50 PUTs failing on every replica: 503');
($status) = req(GET => '/flt/fd-1');
is($status, 404, 'a failed PUT made no object');
my $fds_after = SOS::Fault::fd_count_settled($worker);
ok($fds_after <= $fds, "worker fds: $fds before, $fds_after after");

$t->stop_ok(name => 'no alerts or sanitizer errors under faults');

# offline: the failed unlinks left their G records and their files

my $a = SOS::Fault::audit($t, \@reps);
is_deeply($a->{problems}, [], 'audit before the restart')
    or diag(join "\n", @{ $a->{problems} });
my $pending = grep { my $id = $_; grep { -f SOS::Fault::path_of($_, $id) }
    @reps } keys %{ $a->{garbage} };
ok($pending > 0, "$pending files of failed unlinks wait with a G record");

# a failed write of the index's own log (LevelDB's write or its sync)
# fences writes until the store is reopened; reads go on.  The refused
# PUT may be replayed by the next open: then it is whole.

# the store opens in the worker after nginx listens: a fault set before
# would hit the open's own index writes
sub ready {
    for (1 .. 100) {
        ($status) = req(GET => '/flt/fd-probe');
        return 1 if $status == 200;
        select(undef, undef, undef, 0.05);
    }
    return 0;
}

my %maybe;
$t->run;
ok(ready(), 'the store is open');

for my $rule ('write:EIO:path=/index/', 'fdatasync:EIO:path=/index/') {
    my $key = 'index-' . (split /:/, $rule)[0];
    my $data = body();
    my $before = injected();
    SOS::Fault::rules($rules, $rule);
    ($status, $h, $body) = req(PUT => "/flt/$key", body => $data);
    SOS::Fault::rules($rules, '');
    ok(injected() > $before, "$key: the index write failed");
    is("$status " . code($body), '503 SlowDown', "$key: 503 SlowDown");
    $maybe{$key} = md5_hex($data);

    # the store reopens its index by itself (at most once a second): until
    # then writes are refused; after it they work, without a restart
    my $after = '';
    for my $try (1 .. 30) {
        ($status, $h, $body) = req(PUT => "/flt/$key-after", body => 'x');
        $after .= ' ' . ($status == 200 ? 200 : "$status " . code($body));
        last if $status == 200;
        select(undef, undef, undef, 0.1);
    }
    like($after, qr/^( 503 SlowDown)* 200$/,
        "$key: later PUTs refused until the index reopened, then "
        . "accepted without a restart:$after");
    $acked{"$key-after"} = md5_hex('x') if $status == 200;

    ($status, $h, $body) = req(GET => '/flt/fd-probe');
    ok($status == 200 && $body eq 'x', "$key: reads go on");

    $t->stop_ok(name => "$key: no alerts");
    $t->run;
    ok(ready(), "$key: the store opens again");
}

$t->stop;

# restarted without faults: the open removes them

SOS::Fault::preload();
$t->run;

my $bad = 0;
for my $key (sort keys %acked) {
    ($status, $h, $body) = req(GET => "/flt/$key");
    next if $status == 200 && md5_hex($body) eq $acked{$key};
    $bad++;
    diag("$key: $status");
}
is($bad, 0, scalar(keys %acked) . ' acknowledged objects read back whole '
    . "after $case cases");

for my $key (sort keys %maybe) {
    ($status, $h, $body) = req(GET => "/flt/$key");
    ok($status == 404 || $status == 200 && md5_hex($body) eq $maybe{$key},
        "$key: the refused PUT is absent or whole ($status)");
    $acked{$key} = $maybe{$key} if $status == 200;
}

$t->stop_ok;

$a = SOS::Fault::audit($t, \@reps, strict => 1);
is_deeply($a->{problems}, [], 'after the restart: files match extents, '
    . 'no orphan, no G record, no tmp file')
    or diag(join "\n", @{ $a->{problems} });

# a write that lost replica 1 says so in the index: its extent lists 0
# and 2, and 1 too only once a scrub pass recorded the repaired copy
my @short = grep { /^(PutObject|UploadPart|CopyObject)-(?!unlink).*-one$/ }
    keys %acked;
my @wrong = grep { my $k = $_; grep { $_->{name} eq "flt/$k"
    && $_->{mask} != 5 && $_->{mask} != 7 } values %{ $a->{extents} } }
    @short;
is_deeply(\@wrong, [], scalar(@short) . ' writes that failed on replica 1 '
    . 'list replicas 0 and 2 (and 1 once repaired)');

my %names = map { (split m{/}, $_, 2)[1] => 1 } keys %{ $a->{objects} };
is_deeply([ sort keys %names ], [ sort keys %acked ],
    'the index holds exactly the acknowledged objects');

done_testing();
