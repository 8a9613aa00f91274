#!/usr/bin/perl

# A full index volume with a reserve (sos_index_reserve 2m on an 8 MiB
# tmpfs; mounting one needs root), the replicas elsewhere.  The PUT whose
# index write fails answers 503 SlowDown; the reserve's room lets the
# store reopen its index at once, so DeleteObject and DeleteObjects work
# (and unlink their files just after) while PUTs answer 507 InsufficientStorage;
# reads go on.  Once space is freed PUTs work again without a restart and
# the reserve is made again.  A restart on the full volume serves GET,
# HEAD and listings, refuses PUT with 507 and still deletes.  Offline, the
# store holds exactly what was acknowledged and not deleted.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64);
use Test::More;
use Time::HiRes qw(sleep);

use SOS::FullIndex;
use SOS::Test;

plan(skip_all => 'mounting a tmpfs for the index needs root') if $> != 0;

my ($t, @rep) = SOS::FullIndex::start('8m', '2m');
my $data = $t->data;
my $filler = "$data/filler";
my $reserve = "$data/index/sos-reserve";

my $lister = SOS::FullIndex::lister($t);

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code {
    my ($body) = @_;
    return $body =~ m{<Code>([^<]*)</Code>} ? $1 : '';
}

# data files of all replicas
sub files {
    my $n = 0;
    for my $r (@rep) {
        $n += () = glob("$r/objects/*/*/*");
    }
    return $n;
}

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

sub delete_objects {
    my (@keys) = @_;
    my $x = qq{<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="$XMLNS">}
        . join('', map { "<Object><Key>$_</Key></Object>" } @keys)
        . '</Delete>';
    return req(POST => '/bkt?delete', body => $x,
               headers => { 'Content-MD5' => md5_base64($x) . '==' });
}

is(-s $reserve, 2 * 1024 * 1024, 'the reserve is made at start');

my ($status, $h, $body);

($status) = req(PUT => '/bkt');
is($status, 200, 'create bucket');

my %acked;

for my $k (qw(a b c d e)) {
    ($status) = req(PUT => "/bkt/$k", body => "body of $k");
    is($status, 200, "PUT $k");
    $acked{$k} = "body of $k";
}

SOS::FullIndex::fill($filler);

my $failed;
($failed, $status, $h, $body)
    = SOS::FullIndex::put_until_fails($t, 400, \%acked);

ok(defined $failed, 'a PUT fails once the index volume is full');
is("$status " . code($body), '503 SlowDown', 'the failed PUT: 503 SlowDown');
ok(!-e $reserve, 'the reserve is released');

# the reserve's room: the index reopens, deletes work, data writes wait

($status) = req(DELETE => '/bkt/a');
is($status, 204, 'DELETE on the full volume');
delete $acked{a};

($status, $h, $body) = delete_objects('b', 'c');
is($status, 200, 'DeleteObjects on the full volume');
like($body, qr{<Deleted><Key>b</Key></Deleted><Deleted><Key>c</Key></Deleted>},
     'DeleteObjects: both deleted');
delete @acked{qw(b c)};

($status, $h, $body) = req(PUT => '/bkt/later', body => 'later');
is("$status " . code($body), '507 InsufficientStorage',
   'a PUT while the reserve is in use: 507 InsufficientStorage');

($status, $h, $body) = req(GET => '/bkt/d');
is("$status $body", '200 body of d', 'GET goes on');
($status) = req(HEAD => '/bkt/e');
is($status, 200, 'HEAD goes on');
($status, $h, $body) = req(GET => '/bkt', query => 'list-type=2');
ok($status == 200 && $body =~ m{<Key>d</Key>} && $body !~ m{<Key>a</Key>},
   'listing goes on, without the deleted');

# unlinked just after the answers: within 5 s
my $n = () = $body =~ m{<Key>}g;
my $files;
for (1 .. 50) {
    $files = files();
    last if $files == 3 * $n;
    sleep 0.1;
}
is($files, 3 * $n, "the deleted objects' files are unlinked: three per "
   . "listed object ($n)");

my $log = $t->read_file('error.log');
like($log, qr/\[notice\].*sos: index reopened in \d+ ms/,
     'the reopen is logged at notice');

# room again: a PUT works, the reserve is back

unlink $filler or die "$filler: $!";
sleep(1.2);

($status) = req(PUT => '/bkt/later', body => 'later');
is($status, 200, 'a PUT once space is freed: 200, without a restart');
$acked{later} = 'later';
is(-s $reserve, 2 * 1024 * 1024, 'the reserve is made again');

my @lost = grep {
    my ($s, undef, $b) = req(GET => "/bkt/$_");
    $s != 200 || $b ne $acked{$_};
} sort keys %acked;
ok(!@lost, 'every acknowledged object is whole ('
   . (scalar keys %acked) . ')') or diag(scalar @lost . ' lost');

$t->stop_ok;

# a restart on the full volume

SOS::FullIndex::fill($filler);
$t->run;

($status, $h, $body) = req(GET => '/bkt/d');
is("$status $body", '200 body of d', 'restarted full: GET');
($status) = req(HEAD => '/bkt/later');
is($status, 200, 'restarted full: HEAD');
($status, $h, $body) = req(GET => '/bkt', query => 'list-type=2');
ok($status == 200 && $body =~ m{<Key>later</Key>}, 'restarted full: LIST');
($status, $h, $body) = req(PUT => '/bkt/more', body => 'more');
is("$status " . code($body), '507 InsufficientStorage',
   'restarted full: PUT 507 InsufficientStorage');
($status) = req(DELETE => '/bkt/d');
is($status, 204, 'restarted full: DELETE');
delete $acked{d};

like($t->read_file('error.log'),
     qr/\[warn\].*reserve was released to open the index/,
     'restarted full: the open says it used the reserve');

$t->stop_ok;
unlink $filler or die "$filler: $!";

# offline: what was acknowledged and not deleted, the failed PUT at most

SOS::FullIndex::offline_ok($lister, $data, \@rep, \%acked, $failed,
                           'nothing deleted or refused is listed');

done_testing();
