#!/usr/bin/perl

# A full index disk without a reserve: the index on a small tmpfs
# (mounting one needs root), the replicas elsewhere, sos_index_reserve 0.
# The PUT whose index write fails and every write after it answer 503
# SlowDown with Retry-After while the volume is full, reads go on, the
# fencing is logged once at crit.  Once space is freed the store reopens
# its index by itself, without a restart: writes work again, every
# acknowledged object is whole, and a listing of the store opened
# offline afterwards holds exactly what was acknowledged.

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

my ($t, @rep) = SOS::FullIndex::start('2m', '0');
my $data = $t->data;
my $filler = "$data/filler";

# the offline lister: built against the library the server uses

my $lister = SOS::FullIndex::lister($t);

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code {
    my ($body) = @_;
    return $body =~ m{<Code>([^<]*)</Code>} ? $1 : '';
}

my ($status, $h, $body);

($status) = req(PUT => '/bkt');
is($status, 200, 'create bucket');

my %acked;

for my $k (qw(a b)) {
    ($status) = req(PUT => "/bkt/$k", body => "body of $k");
    is($status, 200, "PUT $k");
    $acked{$k} = "body of $k";
}

# the index's file system is full from here on

SOS::FullIndex::fill($filler);

# long keys fill what is left of the log's last page

my $failed;
($failed, $status, $h, $body)
    = SOS::FullIndex::put_until_fails($t, 200, \%acked);

ok(defined $failed, 'a PUT fails once the index disk is full');
is($status, 503, 'the failed PUT: 503');
is(code($body), 'SlowDown', 'the failed PUT: SlowDown');
is($h->{'retry-after'}, '1', 'the failed PUT: Retry-After');

# no room for a reopen: every write is refused

($status, $h, $body) = req(PUT => '/bkt/later', body => 'later');
is($status, 503, 'a later PUT: 503');
is(code($body), 'SlowDown', 'a later PUT: SlowDown');
is($h->{'retry-after'}, '1', 'a later PUT: Retry-After');

($status, $h, $body) = req(DELETE => '/bkt/a');
is(code($body), 'SlowDown', 'DELETE is refused too');

my $dx = '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="'
    . 'http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key>'
    . '</Object></Delete>';
($status, $h, $body) = req(POST => '/bkt?delete', body => $dx,
    headers => { 'Content-MD5' => md5_base64($dx) . '==' });
like("$status $body", qr{^200 .*<Error><Key>a</Key><Code>SlowDown</Code>}s,
     'DeleteObjects: the key is refused with SlowDown');
($status, $h, $body) = req(PUT => '/bkt2');
is(code($body), 'SlowDown', 'CreateBucket is refused too');

($status, $h, $body) = req(GET => '/bkt/a');
is($status, 200, 'GET goes on');
is($body, 'body of a', 'GET: the body');

my @crit = grep { /\[crit\].*SOS_EFENCED/ }
           split /\n/, $t->read_file('error.log');
is(scalar @crit, 1, 'the fencing is logged once at crit');
like($crit[0] // '', qr/No space left on device/, 'with its cause');

# room again: no restart, the next write reopens the index

unlink $filler or die "$filler: $!";
sleep(1.2);

($status) = req(PUT => '/bkt/later', body => 'later');
is($status, 200, 'a PUT once space is freed: 200, without a restart');
$acked{later} = 'later';

my ($reopened) = $t->read_file('error.log')
    =~ /\[notice\].*sos: (index reopened in \d+ ms[^\n]*)/;
ok($reopened, 'the reopen is logged at notice') and diag($reopened);

my @lost = grep {
    my ($s, undef, $b) = req(GET => "/bkt/$_");
    $s != 200 || $b ne $acked{$_};
} sort keys %acked;
ok(!@lost, 'after the reopen every acknowledged object is whole ('
   . (scalar keys %acked) . ')') or diag(scalar @lost . ' lost');

($status) = req(GET => "/bkt/$failed");
ok($status == 404 || $status == 200, 'the failed PUT: absent or there');

($status) = req(DELETE => '/bkt/b');
is($status, 204, 'DELETE works after the reopen');
delete $acked{b};

$t->stop_ok;

# offline: the store holds what was acknowledged, the failed PUT at most

SOS::FullIndex::offline_ok($lister, $data, \@rep, \%acked, $failed,
                           'nothing else is listed');

$t->run;
($status) = req(PUT => '/bkt/after', body => 'after');
is($status, 200, 'writes work after a restart too');
$t->stop_ok;

done_testing();
