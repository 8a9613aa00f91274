#!/usr/bin/perl

# Full ext4 volumes (loop images; mounting them needs root), unlike the
# tmpfs of t/fulldisk.t, t/fullindex.t and t/fence.t: ext4 allocates at
# writeback, keeps a journal and metadata blocks, and may reserve blocks
# for root.  Six cases, each on fresh images, with sos_fsync on
# (SOS_FULLEXT4_CASES="data fence" runs some of them; the whole file is
# ended after SOS_FULLEXT4_BOUND seconds, 180 by default):
#
#   data    the three replicas on one 48 MiB volume, no blocks reserved
#   data5   for root, and mkfs's default 5 %: writes are refused with 507
#           InsufficientStorage;
#   one     one replica on a 24 MiB volume, two elsewhere: writes go on,
#           degraded, on the quorum;
#   index   the index on a 16 MiB volume with sos_index_reserve 2m, with
#   index5  no blocks reserved for root and with mkfs's default 5 %: 503
#           SlowDown, then 507 while the reserve is in use;
#   fence   the index on an 8 MiB volume, sos_index_reserve 0: 503
#           SlowDown with Retry-After, DELETE too.
#
# Objects of 1 KiB to 4 MiB, by PUT and by one-part multipart upload, are
# written until the volume is full (a filler file takes most of it, a
# second one its last blocks: ext4 refuses a write while it holds blocks
# for delayed allocation, and gives some back at writeback).  Checked:
# every refusal is a documented one (docs/reliability.md: 507
# InsufficientStorage, 503 SlowDown with Retry-After; never a closed
# connection or a 500) and leaves no tmp file; every acknowledged object
# reads back whole on the full volume; DELETE works there, where the
# documentation says it does, and frees space; once the fillers are
# removed writes work again without a restart (the index reserve is made
# again); after a restart every acknowledged object not deleted is whole
# and nothing deleted is back.  Then the volume is filled again and
# nginx restarted on it: reads go on, writes are refused, deletes work
# (without an index reserve the store cannot open until there is room,
# then opens by itself).  Last, an offline audit of the stopped store:
# every replica file matches its extent, no orphans, nothing in tmp/.
#
# A restart while the index reserve is in use makes it again in the room
# it left, so deletes still work once the volume fills again; degraded
# writes acknowledged just before a stop are logged (and their repair
# tried) as the store closes.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5 md5_hex);
use File::Path qw(make_path);
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Fault;
use SOS::Test;
use SOS::Volume;

plan(skip_all => 'mounting ext4 loop images needs root') if $> != 0;

BAIL_OUT('index lister not built: ' . SOS::Fault::idxdump_path()
    . ' (run make)') unless -x SOS::Fault::idxdump_path();

my $MiB = 1024 * 1024;
my @SIZES = (1024, 4 * $MiB, 65537, $MiB + 1, 300 * 1024, 2 * $MiB + 3,
             4096);

# every case's volume is mounted before the first test: a host without
# loop devices skips the whole file

my %case = (
    data => { volume => 48, reserved => 0, on => 'replicas',
              filler => 12, refused => qr/^507 InsufficientStorage$/ },
    data5 => { volume => 48, reserved => 5, on => 'replicas',
               filler => 12, refused => qr/^507 InsufficientStorage$/ },
    one => { volume => 24, reserved => 0, on => 'replica0',
             filler => 4 },
    index => { volume => 16, reserved => 0, on => 'index', filler => 4,
               reserve => '2m', long => 1,
               refused => qr/^(503 SlowDown|507 InsufficientStorage)$/ },
    index5 => { volume => 16, reserved => 5, on => 'index', filler => 4,
                reserve => '2m', long => 1,
                refused => qr/^(503 SlowDown|507 InsufficientStorage)$/ },
    fence => { volume => 8, reserved => 0, on => 'index', filler => 2,
               reserve => '0', long => 1, fenced => 1,
               refused => qr/^503 SlowDown$/ },
);
my @CASES = split " ",
    $ENV{SOS_FULLEXT4_CASES} || "data data5 one index index5 fence";

my $t;                  # the nginx running now
my $watchdog;           # TERMs this test after 180 s

END {
    local $?;
    $t->stop if $t;
    if ($watchdog) {
        kill 'KILL', $watchdog;
        waitpid($watchdog, 0);
    }
}

for my $name (@CASES) {
    my $c = $case{$name};

    $c->{t} = SOS::Test->new(keys => 0);
    my $dir = $c->{t}->dir;

    my $vol = $c->{on} eq 'index' ? $c->{t}->data : "$dir/vol";
    SOS::Volume::ext4_mount($vol, $c->{volume}, reserved => $c->{reserved})
        or plan(skip_all => $SOS::Volume::error);
    $c->{vol} = $vol;

    $c->{t}->create_dev_keys;

    $c->{reps} = $c->{on} eq 'replicas' ? [ map { "$vol/r$_" } 0 .. 2 ]
        : $c->{on} eq 'replica0' ? [ "$vol/r0", "$dir/rep1", "$dir/rep2" ]
        : [ map { "$dir/rep$_" } 0 .. 2 ];
    make_path(@{ $c->{reps} });

    $c->{t}{http} = join('', map { "sos_replica $_;\n    " } @{ $c->{reps} })
        . (defined $c->{reserve} ? "sos_index_reserve $c->{reserve};\n" : '');
}

# a bound on the whole file (it takes about 30 s, the sanitizer build a
# little more):
# SOS::Volume's TERM handler exits through the END blocks, which stop
# nginx and unmount

my $parent = $$;
$watchdog = fork() // die "fork: $!\n";
if ($watchdog == 0) {
    sleep($ENV{SOS_FULLEXT4_BOUND} || 180);
    kill 'TERM', $parent;
    POSIX::_exit(0);
}

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, timeout => 20, %opts));
}

sub code {
    my ($body) = @_;
    return $body =~ m{<Code>([^<]*)</Code>} ? $1 : '';
}

sub tag {
    my ($body, $name) = @_;
    return $body =~ m{<$name>([^<]*)</$name>} ? $1 : undef;
}

# What a refusal looked like: "507 InsufficientStorage", "503 SlowDown",
# "0 " for a closed connection; " (no XML)" and " (no Retry-After)" mark
# a broken answer.

sub answer {
    my ($status, $h, $body) = @_;
    my $a = "$status " . code($body);
    $a .= ' (no XML)' if $status && $body !~ m{</Error>\s*$};
    $a .= ' (no Retry-After)'
        if $status == 503 && ($h->{'retry-after'} // '') ne '1';
    return $a;
}

sub content {
    my ($key, $size) = @_;
    my $seed = md5($key) . md5("$key.");
    return substr($seed x (int($size / 32) + 1), 0, $size);
}

# PUT, or a one-part multipart upload (parts but the last need 5 MiB);
# a refused upload is aborted, or left in $pending to abort later.
# Returns (status, headers, body).

sub write_object {
    my ($key, $data, $multipart, $pending) = @_;

    return req(PUT => "/bkt/$key", body => $data) unless $multipart;

    my ($st, $h, $b) = req(POST => "/bkt/$key?uploads");
    return ($st, $h, $b) if $st != 200;

    my $id = tag($b, 'UploadId');
    ($st, $h, $b) = req(PUT => "/bkt/$key?partNumber=1&uploadId=$id",
                        body => $data);

    if ($st == 200) {
        my $etag = $h->{etag} // '';
        my $x = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
            . "<ETag>$etag</ETag></Part></CompleteMultipartUpload>";
        my @r = req(POST => "/bkt/$key?uploadId=$id", body => $x);
        $r[0] = 0 if $r[0] == 200 && $r[2] =~ m{<Error>};
        push @$pending, [ $key, $id ] if $r[0] != 200;
        return @r;
    }

    my ($ast) = req(DELETE => "/bkt/$key?uploadId=$id");
    push @$pending, [ $key, $id ] if $ast != 204;
    return ($st, $h, $b);
}

sub check_objects {
    my ($acked, $deleted, $what) = @_;

    my @bad = grep {
        my ($s, undef, $b) = req(GET => "/bkt/$_");
        $s != 200 || md5_hex($b) ne $acked->{$_};
    } sort keys %$acked;
    ok(!@bad, "$what: every acknowledged object reads back whole ("
       . (scalar keys %$acked) . ')') or diag(scalar @bad . " bad: @bad");

    my @back = grep { (req(GET => "/bkt/$_"))[0] != 404 } sort keys %$deleted;
    ok(!@back, "$what: no deleted object is back ("
       . (scalar keys %$deleted) . ')') or diag("back: @back");
}

# Try to delete each key: 204 moves it to deleted; any other answer leaves
# its outcome unknown (refused: it may be listed or not).  Returns the
# keys not deleted, with their answers.

sub delete_keys {
    my ($s, @keys) = @_;
    my @bad;

    for my $k (@keys) {
        my ($st) = req(DELETE => "/bkt/$k");
        my $md5 = delete $s->{acked}{$k};

        if ($st == 204) {
            $s->{deleted}{$k} = $md5;
            delete $s->{refused}{$k};
        } else {
            $s->{refused}{$k} = 1;
            push @bad, [ $k, $st ];
        }
    }

    return @bad;
}

sub degraded_logged {
    my ($t) = @_;
    my $re = '\[warn\].*degraded write: file \S+ is missing on replica 0, '
        . 'queued for repair';
    return scalar(() = $t->read_file('error.log') =~ /$re/g);
}

sub short { join ' ', map { substr($_->[0], 0, 4) . ": $_->[1]" } @_ }

# Writes again once space is freed, without a restart (the store checks
# at most once a second): true when a PUT succeeded within 4 s.

sub writes_back {
    my ($write) = @_;
    my $deadline = time() + 4;
    while (time() < $deadline) {
        return 1 if $write->(1024) == 200;
        sleep(0.3);
    }
    return 0;
}

sub listing_ok {
    my ($s, $what) = @_;
    my ($st, $h, $b);
    my %listed;
    my $token = '';

    for (1 .. 20) {
        ($st, $h, $b) = req(GET => '/bkt', query => "list-type=2$token");
        last unless $st == 200;
        $listed{$_} = 1 for $b =~ m{<Key>([^<]*)</Key>}g;
        my $next = tag($b, 'NextContinuationToken') or last;
        $token = '&continuation-token=' . SOS::Test::uri_escape($next);
    }

    # a refused write may have been committed (a failed index write's
    # outcome is unknown): it may be listed, nothing else unacknowledged

    my @missing = grep { !$listed{$_} } sort keys %{ $s->{acked} };
    my @extra = grep { !$s->{acked}{$_} && !$s->{refused}{$_} }
                sort keys %listed;
    ok($st == 200 && !@missing && !@extra,
       "$what: the listing holds what was acknowledged")
        or diag("status $st, missing: @missing, extra: @extra");
}

for my $name (@CASES) {
    my $c = $case{$name};
    my $start = time();
    my $vol = $c->{vol};
    my @fillers = ("$vol/filler1", "$vol/filler2");
    my $s = { acked => {}, deleted => {}, refused => {}, refusals => 0 };
    my (@pending, @answers, @bad, $st, $h, $b);
    my $degraded = 0;

    note("---- $name: " . ($c->{on} eq 'index' ? 'the index' : $c->{on})
         . " on a $c->{volume} MiB ext4 volume (-m $c->{reserved})");

    # a port free now: the one picked when the case was set up may have
    # been taken meanwhile
    $t = $c->{t};
    $t->{port} = SOS::Test::free_port();
    $t->run;

    ($st) = req(PUT => '/bkt');
    is($st, 200, "$name: create bucket");

    my $i = 0;
    my $write = sub {
        my ($size) = @_;
        $i++;
        my $key = sprintf('%04d', $i) . ($c->{long} ? 'k' x 900 : '');
        my $data = content($key, $size);
        my @r = write_object($key, $data, $i % 3 == 0, \@pending);
        if ($r[0] == 200) {
            $s->{acked}{$key} = md5_hex($data);
        } else {
            $s->{refused}{$key} = 1;
            $s->{refusals}++;
            push @answers, answer(@r);
        }
        return $r[0];
    };

    # a few objects, then a filler file; the index cases fill their
    # volume at once: the index reserve's room must stay free once it is
    # released, and a few writes may fit in the index log's last block

    $write->($_) for @SIZES[0 .. 3];

    SOS::Volume::fill($fillers[0], $c->{filler} * $MiB);
    SOS::Volume::fill($fillers[1]) if $c->{on} eq 'index';

    # fill: until a write is refused, or (one replica) until the volume
    # is full and three more writes went to the other two

    my $after = 0;
    my $until = time() + 20;
    while ($i < 120 && !@answers && $after < 3 && time() < $until) {
        $write->($SIZES[$i % @SIZES]);
        next unless $c->{on} eq 'replica0';
        my ($avail) = SOS::Volume::space($vol);
        $after++ if $avail < 4 * $MiB;
    }

    # the data cases now fill the last blocks; then every size must be
    # refused (one replica: written on the other two)

    SOS::Volume::fill($fillers[1]) if $c->{on} ne 'index';
    $write->($_) for @SIZES, 1024;

    my $refusals = @answers;

    if ($c->{on} eq 'replica0') {
        is($refusals, 0, "$name: no write refused on the quorum")
            or diag("answers: @answers");
    } else {
        ok($refusals, "$name: writes are refused on the full volume "
           . "($refusals)");
        @bad = grep { !/$c->{refused}/ } @answers;
        ok(!@bad, "$name: every refusal is a documented answer")
            or diag("answers: @answers");
    }

    my @tmp = map { glob("$_/tmp/*") } @{ $c->{reps} };
    is(scalar @tmp, 0, "$name: no tmp file left by the refused writes")
        or diag("@tmp");

    check_objects($s->{acked}, {}, "$name full");

    # degraded writes are logged by the repair queue's timer, every second

    if ($c->{on} eq 'replica0') {
        for (1 .. 30) {
            last if ($degraded = degraded_logged($t));
            sleep(0.1);
        }
        ok($degraded, "$name: degraded writes are logged at warn "
           . "($degraded)");
    }

    # DELETE on the full volume: every third acknowledged object

    my @keys = sort keys %{ $s->{acked} };
    my @del = @keys[ grep { $_ % 3 == 0 } 0 .. $#keys ];
    my (undef, $free0) = SOS::Volume::space($vol);

    if ($c->{fenced}) {
        ($st, $h, $b) = req(DELETE => "/bkt/$del[0]");
        is(answer($st, $h, $b), '503 SlowDown',
           "$name: DELETE on the full volume: 503 SlowDown (no reserve)");
    } else {
        @bad = delete_keys($s, @del);
        ok(@del && !@bad, "$name: DELETE on the full volume: 204 ("
           . scalar(@del) . ')') or diag(short(@bad));
        @del = map { $_->[0] } @bad;

        # files are unlinked after the answer unless a data write met a
        # full volume in the last seconds (a replica of a degraded write may
        # not have): the space comes back within a bounded wait
        my $free1 = $free0;
        for (1 .. 50) {
            (undef, $free1) = SOS::Volume::space($vol);
            last if $free1 > $free0;
            select(undef, undef, undef, 0.1);
        }
        ok($free1 > $free0, "$name: the deletes freed space ($free0 to "
           . "$free1 bytes)") if $c->{on} ne 'index';
    }

    if ($c->{on} eq 'replicas') {
        is($write->(1024), 200, "$name: a 1 KiB PUT fits once objects "
           . 'were deleted');
    }

    # room again: no restart

    unlink @fillers;
    system('sync', '-f', $vol);

    ok(writes_back($write), "$name: writes work again once space is freed, "
       . 'without a restart');

    @bad = ();
    for my $size (@SIZES[0, 2, 3, 4]) {
        my $w = $write->($size);
        push @bad, "$size: $w" unless $w == 200;
    }
    ok(!@bad, "$name: writes of 1 KiB to 1 MiB work again") or diag("@bad");

    is(-s "$vol/index/sos-reserve", 2 * $MiB,
       "$name: the index reserve is made again") if $c->{reserve};

    @bad = delete_keys($s, @del);
    ok(!@bad, "$name: DELETE once space is freed (" . scalar(@del) . ')')
        or diag(short(@bad));

    for my $p (@pending) {
        ($st) = req(DELETE => "/bkt/$p->[0]?uploadId=$p->[1]");
        ok($st == 204 || $st == 404, "$name: stale upload aborted ($st)");
    }
    @pending = ();

    check_objects($s->{acked}, $s->{deleted}, "$name freed");

    # a restart

    $t->stop_ok(name => "$name: no alerts, emergs or sanitizer errors");
    $t->run;

    check_objects($s->{acked}, $s->{deleted}, "$name restarted");
    listing_ok($s, "$name restarted");

    is(-s "$vol/index/sos-reserve", 2 * $MiB,
       "$name restarted: the index reserve is there") if $c->{reserve};

    # full again, and a restart on the full volume: reads go on, writes
    # are refused as before; without an index reserve the store cannot
    # open (503 ServiceUnavailable) until there is room, then opens by
    # itself

    SOS::Volume::fill($fillers[1]);
    @answers = ();
    my $logged0 = degraded_logged($t);
    my $nw = 0;
    for (1 .. 20) {
        my $w = $write->(65536);
        $nw++ if $w == 200;
        last if $w != 200 && $c->{on} ne 'replica0';
    }

    if ($c->{on} ne 'replica0') {
        @bad = grep { !/$c->{refused}/ } @answers;
        ok(@answers && !@bad, "$name full again: a write is refused with "
           . 'a documented answer') or diag("answers: @answers");
    }

    $t->stop_ok(name => "$name: no alerts, emergs or sanitizer errors");
    $t->run;

    @keys = sort keys %{ $s->{acked} };

    if ($c->{fenced}) {
        ($st, $h, $b) = req(GET => "/bkt/$keys[0]");
        is(answer($st, $h, $b), '503 ServiceUnavailable',
           "$name restarted full: GET 503 ServiceUnavailable (no reserve)");
        ($st, $h, $b) = req(DELETE => "/bkt/$keys[0]");
        is(answer($st, $h, $b), '503 ServiceUnavailable',
           "$name restarted full: DELETE 503 ServiceUnavailable");

    } else {
        check_objects($s->{acked}, $s->{deleted}, "$name restarted full");

        my $n = @answers;
        $st = $write->(1024);

        if ($c->{on} eq 'replica0') {
            is($st, 200, "$name restarted full: a PUT goes on the quorum");
        } else {
            # the open makes the released reserve again in its own room:
            # what is left may take a small PUT, or not
            ok($st == 200 || $answers[-1] =~ /$c->{refused}/,
               "$name restarted full: a PUT is refused, or fits in the "
               . "room left beside the reserve ($st)");
        }

        # the index volume fills again (other files on it, or the PUTs
        # the store let into the reserve's room): deletes must still work
        # when the open could make the reserve again; without room for it
        # they may be refused, as documented (503 SlowDown), until there is

        my $reserve = -s "$vol/index/sos-reserve";
        SOS::Volume::fill($fillers[1]) if $c->{on} eq 'index';

        my $k = $keys[0];
        @bad = delete_keys($s, $k);
        if ($c->{on} ne 'index' || $reserve) {
            ok(!@bad, "$name restarted full: DELETE") or diag(short(@bad));
        } else {
            ok(!grep({ $_->[1] !~ /^503/ } @bad), "$name restarted full, "
               . 'no room for the reserve: DELETE works or is refused with '
               . '503') or diag(short(@bad));
        }
        @del = map { $_->[0] } @bad;
    }

    # room again: the store opens, or takes writes, by itself

    unlink @fillers;
    system('sync', '-f', $vol);

    ok(writes_back($write), "$name restarted full: writes work again once "
       . 'space is freed, without a restart');

    @bad = delete_keys($s, @del);
    ok(!@bad, "$name restarted full: DELETE once space is freed ("
       . scalar(@del) . ')') or diag(short(@bad));

    for my $p (@pending) {
        ($st) = req(DELETE => "/bkt/$p->[0]?uploadId=$p->[1]");
        ok($st == 204 || $st == 404, "$name: stale upload aborted ($st)");
    }

    check_objects($s->{acked}, $s->{deleted}, "$name freed again");
    listing_ok($s, "$name freed again");

    # the degraded writes made just before the restart: each is logged
    # (and queued for repair) by a timer that the restart did not wait for

    if ($c->{on} eq 'replica0') {
        my $logged = degraded_logged($t) - $logged0;
        ok($logged >= $nw, "$name: the $nw degraded writes before the "
           . "restart are logged ($logged)");
    }

    $t->stop_ok(name => "$name: no alerts, emergs or sanitizer errors");
    $t = undef;

    # offline audit of the stopped store (the restart removed garbage)

    my $a = SOS::Fault::audit($c->{t}, $c->{reps}, strict => 1);
    is_deeply($a->{problems}, [], "$name: audit: every replica file matches "
              . 'its extent, no orphans, nothing in tmp/');

    my $secs = time() - $start;
    diag(sprintf('%s: %d writes acknowledged (%d degraded), %d refused, '
                 . '%d deleted, %.1f s', $name, scalar(keys %{ $s->{acked} })
                 + scalar(keys %{ $s->{deleted} }), $degraded,
                 $s->{refusals}, scalar(keys %{ $s->{deleted} }), $secs));
}

done_testing();
