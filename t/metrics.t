#!/usr/bin/perl

# The Prometheus endpoint (sos_metrics) and the admin API's GET metrics:
# after known traffic the counters moved by exactly that much, the
# histograms hold together, the store figures (per bucket, uploads) come
# from a cache renewed after a few seconds, sos_metrics_buckets 0 drops
# the per-bucket series, a reload keeps the counters, another address is
# refused, and promtool accepts the text.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Admin;
use SOS::Test;

my $PROMTOOL = 'promtool';

my $LOCATIONS = <<'EOF_CONF' . $SOS::Admin::LOCATION;
        location /sos-metrics {
            sos_metrics;
            allow 127.0.0.1;
            deny all;
        }
EOF_CONF

my $t = SOS::Test->new(server => $LOCATIONS);
my %user = $t->org_with_key('metrics-user');   # not an admin
$t->run;

sub status_of { (SOS::Test->parse($_[0]))[0] }

# the text of a scrape (a test fails when it is not a 200)

sub scrape {
    my ($st, $h, $body) = SOS::Test->parse($t->http(GET => '/sos-metrics'));
    is($st, 200, 'scrape: 200') or diag($body);
    like($h->{'content-type'} // '', qr{^text/plain; version=0\.0\.4},
        'scrape: the Prometheus text format');
    return $body;
}

# series (name and labels as written) => value

sub series {
    my ($text) = @_;
    my %s;
    for (split /\n/, $text) {
        next if /^#/ || !/\S/;
        my ($k, $v) = /^(\S+(?:\{[^}]*\})?) (\S+)$/ or do {
            fail("a line of the text parses: $_");
            next;
        };
        $s{$k} = $v;
    }
    return \%s;
}

sub val { $_[0]{$_[1]} // 0 }

# the buckets of a histogram (by le, as written) with one set of labels

sub histogram {
    my ($s, $name, $labels) = @_;
    my $l = $labels ? "$labels," : '';
    my @b;
    for my $k (keys %$s) {
        next unless $k =~ /^\Q${name}_bucket{$l\Ele="([^"]+)"}$/;
        push @b, [$1 eq '+Inf' ? 9**9**9 : $1, $s->{$k}];
    }
    @b = sort { $a->[0] <=> $b->[0] } @b;
    my $tail = $labels ? "{$labels}" : '';
    return (\@b, $s->{"${name}_count$tail"}, $s->{"${name}_sum$tail"});
}

sub histogram_ok {
    my ($s, $name, $labels) = @_;
    my ($b, $count, $sum) = histogram($s, $name, $labels);
    my $what = $name . ($labels ? "{$labels}" : '');
    ok(@$b >= 2, "$what: buckets") or return;
    my $mono = 1;
    for my $i (1 .. $#$b) {
        $mono = 0 if $b->[$i][1] < $b->[$i - 1][1];
    }
    ok($mono, "$what: cumulative buckets never decrease");
    ok($b->[-1][0] == 9**9**9, "$what: the last bucket is +Inf");
    is($b->[-1][1], $count, "$what: +Inf equals _count");
    ok(defined $sum && $sum >= 0, "$what: a _sum");
    return $count;
}

sub promtool_ok {
    my ($text, $what) = @_;
    my $file = $t->dir . '/scrape.txt';
    open my $fh, '>', $file or die "$file: $!\n";
    print $fh $text;
    close $fh;
    my $out = `$PROMTOOL check metrics < $file 2>&1`;
    is($?, 0, "promtool check metrics: $what") or diag($out);
}

my $have = system("command -v $PROMTOOL >/dev/null 2>&1") == 0;
ok($have, 'promtool is installed') or diag('promtool is missing: '
    . 'install the Debian package "prometheus" (make deps)');

# before: the buckets exist so that the first cached figures name them

is(status_of($t->s3(PUT => '/metrics-a')), 200, 'create bucket metrics-a');
is(status_of($t->s3(PUT => '/metrics-b')), 200, 'create bucket metrics-b');

my $text0 = scrape();
my $t0 = time();
my $s0 = series($text0);
promtool_ok($text0, 'before the traffic');

is(val($s0, 'sos_bucket_objects{bucket="metrics-a"}'), 0,
    'metrics-a: no object yet');
ok(exists $s0->{'sos_bucket_objects{bucket="metrics-b"}'},
    'metrics-b has its series');
is(val($s0, 'sos_jobs_queued'), 0, 'no job queued at rest');

# the traffic: N PUTs, M GETs, a 404, a 403, an upload left in progress

my ($N, $M) = (3, 4);
my $body = 'm' x 1000;
my $sent = 0;

for my $i (1 .. $N) {
    is(status_of($t->s3(PUT => "/metrics-a/k$i", body => $body)), 200,
        "PUT $i");
    $sent += length $body;
}

my $got = 0;

for my $i (1 .. $M) {
    my ($st, undef, $b) = SOS::Test->parse($t->s3(GET => '/metrics-a/k1'));
    is($st, 200, "GET $i");
    $got += length $b;
}

is(status_of($t->s3(GET => '/metrics-a/missing')), 404, 'a 404');
is(status_of($t->s3(GET => '/metrics-a/k1', secret => 'wrong')), 403,
    'a 403');

my ($st, undef, $xml) = SOS::Test->parse(
    $t->s3(POST => '/metrics-b/up?uploads'));
is($st, 200, 'an upload created');

# the counters: exactly the traffic

my $t1 = time();
my $text1 = scrape();
my $s1 = series($text1);
promtool_ok($text1, 'after the traffic');

my %want = (
    'sos_requests_total{op="PutObject",class="2xx"}' => $N,
    'sos_requests_total{op="GetObject",class="2xx"}' => $M,
    'sos_requests_total{op="GetObject",class="4xx"}' => 2,
    'sos_requests_total{op="GetObject",class="5xx"}' => 0,
    'sos_requests_total{op="PutObject",class="4xx"}' => 0,
    'sos_requests_total{op="CreateMultipartUpload",class="2xx"}' => 1,
);

for my $k (sort keys %want) {
    is(val($s1, $k) - val($s0, $k), $want{$k}, "$k: +$want{$k}");
}

ok(val($s1, 'sos_received_bytes_total') - val($s0, 'sos_received_bytes_total')
    >= $sent, 'bytes received: at least the bodies put');
ok(val($s1, 'sos_sent_bytes_total') - val($s0, 'sos_sent_bytes_total')
    >= $got, 'bytes sent: at least the bodies got');

for my $op (qw(GetObject PutObject)) {
    my $n = histogram_ok($s1, 'sos_request_duration_seconds', "op=\"$op\"");
    my $req = 0;
    $req += val($s1, "sos_requests_total{op=\"$op\",class=\"$_\"}")
        for qw(2xx 3xx 4xx 5xx);
    is($n, $req, "$op: the histogram counts every request");
}

my $jobs = histogram_ok($s1, 'sos_job_wait_seconds');
ok($jobs - (histogram($s0, 'sos_job_wait_seconds'))[1] >= $N + $M + 1,
    'a job started for each PUT, GET and the upload');
ok(val($s1, 'sos_jobs_queued') >= 0 && val($s1, 'sos_jobs_running') >= 0,
    'job gauges not below zero');

my $fsyncs = histogram_ok($s1, 'sos_fsync_duration_seconds');
ok($fsyncs - (histogram($s0, 'sos_fsync_duration_seconds'))[1] >= 3 * $N,
    'the PUTs fsynced every replica');

# the store figures: cached, then renewed

SKIP: {
    skip 'the traffic took longer than the cache lasts', 2
        if $t1 - $t0 > 4.5;
    is(val($s1, 'sos_bucket_objects{bucket="metrics-a"}'), 0,
        'a scrape right after: the cached store figures');
    ok(val($s1, 'sos_store_age_seconds') > 0, 'their age shows');
}

sleep(5.2 - (time() - $t0)) if time() - $t0 < 5.2;

my $s2 = series(scrape());

is(val($s2, 'sos_bucket_objects{bucket="metrics-a"}'), $N,
    'after the cache expired: the objects of metrics-a');
is(val($s2, 'sos_bucket_bytes{bucket="metrics-a"}'), $N * length $body,
    'its bytes');
is(val($s2, 'sos_bucket_uploads_in_progress{bucket="metrics-b"}'), 1,
    'the upload in progress of metrics-b');
is(val($s2, 'sos_uploads_in_progress'), 1, 'uploads in progress: 1');
is(val($s2, 'sos_buckets'), 2, 'two buckets');
is(val($s2, 'sos_objects'), $N, 'objects of all buckets');
is(val($s2, 'sos_degraded_extents'), 0, 'no degraded extent');
is(val($s2, 'sos_replica_writable{replica="0"}'), 1, 'replica 0 writable');

# elsewhere: refused

my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port,
    LocalAddr => '127.0.0.2', Proto => 'tcp');
ok($sock, 'a connection from 127.0.0.2') or diag("connect: $!");
if ($sock) {
    print $sock "GET /sos-metrics HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n";
    local $/;
    my $r = <$sock>;
    is(status_of($r), 403, 'the metrics refused to another address');
}

# the admin API: the same text, for admin keys only

my ($ast, $ah, $atext) = SOS::Test->parse($t->s3(GET => '/sos-admin/metrics'));
is($ast, 200, 'admin GET metrics: 200');
like($atext, qr/^sos_requests_total\{op="GetObject",class="2xx"\} \d+$/m,
    'admin GET metrics: the counters');
promtool_ok($atext, 'the admin API');

is(status_of($t->s3(GET => '/sos-admin/metrics', access => $user{access},
    secret => $user{secret})), 403, 'admin GET metrics: not for other keys');
is(status_of($t->http(GET => '/sos-admin/metrics')), 403,
    'admin GET metrics: not anonymous');

# a reload with sos_metrics_buckets 0: the counters go on, no per-bucket
# series

my $before = series(scrape());
my $takeovers = () = $t->read_file('error.log') =~ /taken over/g;

$t->{http} = 'sos_metrics_buckets 0;';
$t->write_conf;
kill 'HUP', $t->master_pid;

my $deadline = time() + 15;
sleep(0.05) while time() < $deadline
    && (() = $t->read_file('error.log') =~ /taken over/g) <= $takeovers;
ok((() = $t->read_file('error.log') =~ /taken over/g) > $takeovers,
    'reloaded: the new worker took the store');

my $text3 = scrape();
my $s3 = series($text3);
promtool_ok($text3, 'after the reload');

for my $k (sort grep { /^sos_requests_total/ } keys %$before) {
    is(val($s3, $k), val($before, $k), "reload kept $k");
}

ok(val($s3, 'sos_fsync_duration_seconds_count')
    >= val($before, 'sos_fsync_duration_seconds_count'),
    'reload kept the fsync counts');
ok(!grep({ /^sos_bucket_/ } keys %$s3),
    'sos_metrics_buckets 0: no per-bucket series');
is(val($s3, 'sos_objects'), $N, 'the totals stay');

$t->stop_ok;

done_testing();
