#!/usr/bin/perl

# The console, the metrics and the admin tools against a hostile client:
# names and keys chosen to break out of where they are shown.
#
# - sosctl's tables print what a tenant named (object keys in "du"): the
#   control characters S3 lets into a key (CR, LF, tab, and C1 controls
#   such as U+009B, a terminal's CSI) must not reach the admin's terminal
#   as they are, where a CR or a LF forges the lines of the table (--json
#   keeps the exact string).
# - bash completion of bucket names: a name from the server (a hostile
#   endpoint, t/hostile/sosctl-evil) is never run as shell code.
# - the admin API's new routes (usage, a bucket's info and usage,
#   metrics) answer an admin key only: not a tenant's key, not anonymous
#   requests, not a presigned URL of the admin key.  And not a request
#   in virtual-hosted style: "DELETE /sos-admin/orgs/tenant" to
#   mine.s3.localhost names the object "sos-admin/orgs/tenant" of bucket
#   mine (an admin's "aws s3 rm --recursive s3://mine" sends it for a key
#   a tenant planted), and must not delete the organization.
# - the metrics: a scrape refused 503 SlowDown because the thread pool's
#   queue was full (a client flooding the store can make it so) must not
#   leave the store figures frozen: the next scrape after the cache's 5
#   seconds gathers them again (a new bucket shows).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Admin;
use SOS::Auth qw(presign);
use SOS::Test;

my $t = SOS::Test->new(server => $SOS::Admin::LOCATION,
    http => 'sos_domain s3.localhost;');
my %user = $t->org_with_key('tenant');      # not an admin
$t->run;

sub online { SOS::Admin::sosctl_online($t, {}, @_) }
sub status_of { (SOS::Test->parse($_[0]))[0] }

# ---- sosctl: terminal escapes in keys ----

is(status_of($t->s3(PUT => '/hostile')), 200, 'bucket hostile');

# U+009B (C1 CSI) clearing the screen, then a forged TOTAL line
my $group = "t\x{9b}2J\r\nTOTAL 0 0 B\t/";
my $key = $group . 'x';
utf8::encode($key);

is(status_of($t->s3(PUT => '/hostile/' . SOS::Test::uri_escape($key, 1),
    body => 'abc')), 200, 'a key with CR, LF, tab and a C1 control');

# ---- the admin API's usage and metrics routes: admin keys only ----

is(status_of($t->s3(PUT => '/mine', access => $user{access},
    secret => $user{secret})), 200, "the tenant's bucket mine");

for my $path ('usage', 'buckets/mine/info', 'buckets/mine/usage',
    'buckets/mine/usage?prefix=a&delimiter=%2F', 'buckets/hostile/info',
    'metrics')
{
    my $uri = "/sos-admin/$path";

    is(status_of($t->s3(GET => $uri, access => $user{access},
        secret => $user{secret})), 403, "GET $path: a tenant's key, 403");
    is(status_of($t->http(GET => $uri)), 403, "GET $path: anonymous, 403");

    my ($p, $q) = split /\?/, $uri;
    my %query = map { split /=/, $_, 2 } split /&/, $q // '';
    is(status_of($t->http(GET => presign($t, 'GET', $p, query => \%query))),
        403, "GET $path: presigned with the admin key, 403");
    is(status_of($t->s3(GET => $uri)), 200, "GET $path: the admin key, 200");
}

# virtual-hosted style: an object's key, not the admin API

for my $req (['DELETE', "/sos-admin/keys/$user{access}"],
    ['DELETE', '/sos-admin/orgs/tenant'], ['POST', '/sos-admin/orgs/tenant/keys'],
    ['GET', '/sos-admin/orgs'])
{
    my ($method, $uri) = @$req;
    my $r = $t->s3($method => $uri, host => 'mine.s3.localhost');
    isnt(status_of($r), 200, "$method $uri to mine.s3.localhost: not the "
        . 'admin API');
    unlike($r // '', qr/"organizations"|"access_key_id"/,
        "$method $uri to mine.s3.localhost: no admin answer");
}

is(status_of($t->s3(GET => '/sos-admin/orgs/tenant')), 200,
    'the organization tenant is still there');
is(status_of($t->s3(GET => '/mine', access => $user{access},
    secret => $user{secret})), 200, "and its key still works");

sub du_ok {
    my ($name, $f) = @_;

    my ($rc, $out, $err) = $f->('du', 'hostile', '--depth', '1');
    is($rc, 0, "$name du: exit 0") or diag($err);
    unlike($out, qr/[\x00-\x09\x0b-\x1f\x7f]/, "$name du: no control "
        . 'character in the table');
    unlike($out, qr/\xc2[\x80-\x9f]/, "$name du: no C1 control either");
    like($out, qr/^t\?2J\?\?TOTAL 0 0 B\?\/ +1 /m,
        "$name du: the controls shown as '?', on the group's line");
    is(scalar(() = $out =~ /^TOTAL/mg), 1, "$name du: one TOTAL line");

    ($rc, $out, $err) = $f->('--json', 'du', 'hostile', '--depth', '1');
    my $doc = eval { decode_json($out) } || {};
    is($doc->{groups}[0]{prefix}, $group, "$name du --json: the exact key");
}

du_ok('online', \&online);

# no console in this server: object pages are served as S3 serves them
is(status_of($t->s3(PUT => '/hostile/p.html', body => '<p>x</p>',
    headers => { 'Content-Type' => 'text/html' })), 200, 'an HTML object');
my ($pst, $ph) = SOS::Test->parse($t->s3(GET => '/hostile/p.html'));
ok(!exists $ph->{'content-security-policy'},
    'no console configured: no sandbox');

$t->stop_ok;

du_ok('offline', sub { $t->sosctl(@_) });

# ---- bash completion: bucket names that are shell code ----

SKIP: {
    skip 'no bash', 4 unless -x '/bin/bash';

    my $pwned = $t->dir . '/pwned';
    my $script = '. "$0"; COMP_WORDS=("$@"); '
        . 'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _sosctl; '
        . 'echo "${COMPREPLY[*]}"';
    local $ENV{SOS_PWNED} = $pwned;

    for my $words (['du', ''], ['bucket', 'show', ''],
        ['scrub', '--bucket', ''])
    {
        open my $fh, '-|', 'bash', '-c', $script,
            SOS::Test::top() . '/tools/sosctl/sosctl.bash-completion',
            "$FindBin::Bin/hostile/sosctl-evil", @$words
            or die "bash: $!\n";
        my $reply = do { local $/; <$fh> };
        close $fh;
        chomp $reply;
        is($reply, 'good-bucket', "completion of @$words: the good name only");
    }

    ok(!-e $pwned && !-e "$pwned.2", 'completion: no name ran as a command');
}

# ---- metrics: a scrape refused for a full queue ----

# one pool thread and one job waiting at most: a third job is refused
{
    no warnings 'redefine';
    my $conf = \&SOS::Test::conf;
    *SOS::Test::conf = sub {
        my $c = $conf->(@_);
        $c =~ s/thread_pool sos threads=4;/thread_pool sos threads=1 max_queue=1;/
            or die "no thread_pool line in the test configuration\n";
        return $c;
    };
}

my $m = SOS::Test->new(server => <<'EOF_CONF' . $SOS::Admin::LOCATION)->run;
        location /sos-metrics {
            sos_metrics;
        }
EOF_CONF

sub scrape { SOS::Test->parse($m->http(GET => '/sos-metrics')) }

is(status_of($m->s3(PUT => '/big')), 200, 'bucket big');
is(status_of($m->s3(PUT => '/big/blob', body => 'x' x (48 << 20),
    timeout => 120)), 200, 'a 48 MiB object: scrubs that take a while');

my ($st, undef, $text) = scrape();
is($st, 200, 'the first scrape: the store figures');
my $first = time();

# the cache of the figures runs out; then two scrubs hold the thread and
# the queue, and a scrape has no room for its job

sleep(5.5 - (time() - $first)) if time() - $first < 5.5;

my @busy;
for (1 .. 2) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $m->port)
        or die "connect: $!\n";
    print $s $m->s3_request(POST => '/sos-admin/scrub', headers => {
        'Content-Length' => 0, Connection => 'close' });
    push @busy, $s;
    sleep(0.1);
}

my ($busy) = scrape();

for my $s (@busy) {
    local $/;
    local $SIG{ALRM} = sub { die "scrub: timeout\n" };
    alarm(120);
    my $reply = <$s>;
    alarm(0);
    like($reply // '', qr{^HTTP/1\.1 200 }, 'a scrub ran');
}

is($busy, 503, 'the scrape while the queue was full: 503 SlowDown');

is(status_of($m->s3(PUT => '/fresh')), 200, 'bucket fresh, made afterwards');
sleep(5.5 - (time() - $first)) if time() - $first < 5.5;

($st, undef, $text) = scrape();
is($st, 200, 'a later scrape: 200');
like($text // '', qr/^sos_bucket_objects\{bucket="fresh"\} 0$/m,
    'a later scrape: the figures gathered again (the new bucket)');

$m->stop_ok;

done_testing();
