#!/usr/bin/perl

# A full data volume: the three replicas on one small tmpfs (mounting one
# needs root), the index elsewhere.  PUTs fill it; the one that does not
# fit is answered 507 InsufficientStorage (an XML error, never a closed
# connection or a 500), leaves no tmp file, and every acknowledged object
# stays readable; so do all of a burst of 200 PUTs from 4 clients; DELETE
# still works and frees the room for new writes at once.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Find;
use File::Path qw(make_path);
use POSIX ();
use Test::More;

use SOS::Test;

plan(skip_all => 'mounting a tmpfs for the replicas needs root') if $> != 0;

my $t = SOS::Test->new;
my $vol = $t->dir . '/vol';
make_path($vol);

system('mount', '-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', $vol)
    == 0 or plan(skip_all => "mount -t tmpfs failed: $?");

END { system('umount', '-l', $vol) if defined $vol && $> == 0 }

make_path(map { "$vol/r$_" } 0 .. 2);
$t->{http} = join '', map { "sos_replica $vol/r$_;\n    " } 0 .. 2;
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code {
    my ($body) = @_;
    return $body =~ m{<Code>([^<]*)</Code>} ? $1 : '';
}

my ($status, $h, $body) = req(PUT => '/full');
is($status, 200, 'create bucket');

# 256 KiB objects, three copies each: about 8 fit in 6 MiB

my (%acked, @answers);
my $full;

for my $i (1 .. 40) {
    my $data = chr(64 + $i % 26) x (256 * 1024);
    ($status, $h, $body) = req(PUT => "/full/o$i", body => $data);
    push @answers, $status;

    if ($status == 200) {
        $acked{"o$i"} = $data;
        next;
    }

    $full = [ $status, code($body), $i ];
    last;
}

ok($full, 'the volume filled up') or diag("answers: @answers");
is($full->[0], 507, 'the PUT that does not fit: 507');
is($full->[1], 'InsufficientStorage', '... InsufficientStorage');
ok(keys %acked >= 2, scalar(keys %acked) . ' PUTs acknowledged first');

my @tmp = map { glob("$vol/r$_/tmp/*") } 0 .. 2;
is(scalar @tmp, 0, 'the refused PUT left no tmp file');

# a burst on the full volume from 4 clients at once: every PUT gets a
# whole 507 answer, never a closed connection, whether it fails at its
# start, mid-body or at the commit (bodies of 1 byte to 1 MiB)

$SIG{PIPE} = 'IGNORE';

my @sizes = (1, 4096, 65537, 256 * 1024, 1024 * 1024 + 1);
my @kids;

for my $c (0 .. 3) {
    pipe(my $rd, my $wr) or die "pipe: $!";
    my $pid = fork() // die "fork: $!";

    if ($pid == 0) {
        close $rd;
        for my $i (1 .. 50) {
            my $size = $sizes[($c + $i) % @sizes];
            my $r = $t->s3(PUT => "/full/burst$c-$i", body => 'b' x $size,
                           timeout => 20);
            my ($s, undef, $b) = SOS::Test->parse($r);
            my $answer = defined $r ? "$s " . code($b) : 'no answer';
            $answer .= ' (no XML)' if defined $r && $b !~ m{</Error>\s*$};
            print $wr "$answer\n";
        }
        close $wr;
        POSIX::_exit(0);
    }

    close $wr;
    push @kids, [ $pid, $rd ];
}

my %answers;
for my $k (@kids) {
    my $rd = $k->[1];
    $answers{$_}++ for map { chomp; $_ } <$rd>;
    waitpid($k->[0], 0);
}

is_deeply(\%answers, { '507 InsufficientStorage' => 200 },
          '200 PUTs on the full volume: 200 answers 507 InsufficientStorage')
    or diag(explain(\%answers));

@tmp = map { glob("$vol/r$_/tmp/*") } 0 .. 2;
is(scalar @tmp, 0, 'the burst left no tmp file');

my $bad = 0;
for my $k (sort keys %acked) {
    ($status, $h, $body) = req(GET => "/full/$k");
    $bad++ unless $status == 200 && $body eq $acked{$k};
}
is($bad, 0, 'every acknowledged object reads back whole');

# a restart on the full volume: reads are served, PUT is refused

$t->stop_ok;
$t->run;

$bad = 0;
for my $k (sort keys %acked) {
    ($status, $h, $body) = req(GET => "/full/$k");
    $bad++ unless $status == 200 && $body eq $acked{$k};
}
is($bad, 0, 'restarted full: every acknowledged object reads back whole');

($status, $h, $body) = req(PUT => '/full/more', body => 'm' x 65536);
is("$status " . code($body), '507 InsufficientStorage',
   'restarted full: PUT 507 InsufficientStorage');

# deleting frees the room, before the answer: a full volume (a write
# met ENOSPC just now) makes deletes unlink their files themselves
# rather than leave them to the garbage queue

sub data_files {
    my $n = 0;
    find(sub { $n++ if -f && /^[0-9a-f]{32}$/ }, glob("$vol/r*/objects"));
    return $n;
}

my @keys = sort keys %acked;
for my $k (@keys[0 .. 2]) {
    my $files = data_files();
    ($status) = req(DELETE => "/full/$k");
    is($status, 204, "DELETE $k on a full volume");
    is(data_files(), $files - 3, "DELETE $k: its 3 files gone at the answer");
}

($status) = req(PUT => '/full/after', body => 'z' x (256 * 1024));
is($status, 200, 'a PUT fits again once objects were deleted');

($status, $h, $body) = req(GET => "/full/$keys[-1]");
ok($status == 200 && $body eq $acked{$keys[-1]}, 'the rest still reads');

$t->stop_ok;

done_testing();
