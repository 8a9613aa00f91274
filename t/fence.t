#!/usr/bin/perl

# A full index disk: the index on a small tmpfs (mounting one needs root)
# and the replicas elsewhere.  The PUT whose index write fails and every
# write after it answer 503 SlowDown with Retry-After, reads go on, the
# fencing is logged once at crit; after a restart with room again every
# acknowledged object is there and writes work.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Path qw(make_path);
use Test::More;

use SOS::Test;

plan(skip_all => 'mounting a tmpfs for the index needs root') if $> != 0;

my $t = SOS::Test->new(keys => 0);
my $data = $t->data;
my $filler = "$data/filler";

system('mount', '-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', $data)
    == 0 or plan(skip_all => "mount -t tmpfs failed: $?");

END { system('umount', '-l', $data) if defined $data && $> == 0 }

$t->create_dev_keys;

my $dir = $t->dir;
make_path(map { "$dir/rep$_" } 0 .. 2);
$t->{http} = join '', map { "sos_replica $dir/rep$_;\n    " } 0 .. 2;
$t->run;

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

open my $fh, '>', $filler or die "$filler: $!";
my $chunk = 'f' x 65536;
while (syswrite($fh, $chunk)) { }
close $fh;

# long keys fill what is left of the log's last page

my $long = 'x' x 900;
my $failed;

for my $i (1 .. 200) {
    my $k = sprintf('%04d%s', $i, $long);
    ($status, $h, $body) = req(PUT => "/bkt/$k", body => "body of $i");
    if ($status != 200) {
        $failed = $k;
        last;
    }
    $acked{$k} = "body of $i";
}

ok(defined $failed, 'a PUT fails once the index disk is full');
is($status, 503, 'the failed PUT: 503');
is(code($body), 'SlowDown', 'the failed PUT: SlowDown');
is($h->{'retry-after'}, '1', 'the failed PUT: Retry-After');

($status, $h, $body) = req(PUT => '/bkt/later', body => 'later');
is($status, 503, 'a later PUT: 503');
is(code($body), 'SlowDown', 'a later PUT: SlowDown');
is($h->{'retry-after'}, '1', 'a later PUT: Retry-After');

($status, $h, $body) = req(DELETE => '/bkt/a');
is(code($body), 'SlowDown', 'DELETE is refused too');
($status, $h, $body) = req(PUT => '/bkt2');
is(code($body), 'SlowDown', 'CreateBucket is refused too');

($status, $h, $body) = req(GET => '/bkt/a');
is($status, 200, 'GET goes on');
is($body, 'body of a', 'GET: the body');

my @crit = grep { /\[crit\].*SOS_EFENCED/ }
           split /\n/, $t->read_file('error.log');
is(scalar @crit, 1, 'the fencing is logged once at crit');
like($crit[0] // '', qr/No space left on device/, 'with its cause');

# room again, and a restart

$t->stop_ok;
unlink $filler or die "$filler: $!";
$t->run;

my @lost = grep {
    my ($s, undef, $b) = req(GET => "/bkt/$_");
    $s != 200 || $b ne $acked{$_};
} sort keys %acked;
ok(!@lost, 'after restart every acknowledged object is whole ('
   . (scalar keys %acked) . ')') or diag(scalar @lost . ' lost');

($status) = req(GET => "/bkt/$failed");
ok($status == 404 || $status == 200, 'the failed PUT: absent or there');

($status) = req(PUT => '/bkt/later', body => 'later');
is($status, 200, 'writes work after restart');

$t->stop_ok;

done_testing();
