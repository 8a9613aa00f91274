#!/usr/bin/perl

# scripts/run (make run): the secret is printed on the first start only;
# the data dir, the logs and the key file are the user's alone; the dev
# config's access log hides the signatures of presigned URLs.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Auth qw(presign);
use SOS::Test;

my $t = SOS::Test->new(keys => 0);
my $data = $t->dir . '/var';
my $port = $t->port;
my $out = $t->dir . '/run.out';

sub mode_of { sprintf '%04o', (stat $_[0])[2] & 07777 }

sub status_of { (SOS::Test->parse($_[0]))[0] }

# scripts/run in the background; true once nginx accepts connections

sub start {
    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        my %env = SOS::Test::_san_env();
        @ENV{keys %env} = values %env;
        $ENV{SOS_DATA} = $data;
        $ENV{SOS_PORT} = $port;
        $ENV{SOS_BUILD} = SOS::Test::build_dir();
        umask 022;
        open STDOUT, '>', $out or die;
        open STDERR, '>&', \*STDOUT or die;
        exec(SOS::Test::top() . '/scripts/run');
        die "exec: $!\n";
    }

    my $deadline = time() + (SOS::Test::sanitized() ? 30 : 10);

    while (time() < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            diag(SOS::Test::_slurp($out));
            return undef;
        }
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
        if ($s) {
            close $s;
            return $pid;
        }
        sleep(0.05);
    }

    kill 'KILL', $pid;
    waitpid($pid, 0);
    return undef;
}

sub stop {
    my ($pid) = @_;

    kill 'QUIT', $pid;
    my $deadline = time() + 10;
    while (time() < $deadline) {
        return 1 if waitpid($pid, WNOHANG) == $pid;
        sleep(0.05);
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
    return 0;
}

my $pid = start() or BAIL_OUT('scripts/run did not start nginx');

my $creds = SOS::Test::_slurp("$data/credentials");
($t->{access_key}) = $creds =~ /^aws_access_key_id = (\S+)/m;
($t->{secret_key}) = $creds =~ /^aws_secret_access_key = (\S+)/m;
ok($t->secret_key, 'the credentials file holds the dev key');

my $first = SOS::Test::_slurp($out);
like($first, qr/secret key:\s+\Q${\ $t->secret_key }\E/,
    'the first start prints the secret');

is(status_of($t->s3(PUT => '/run')), 200, 'create bucket');
is(status_of($t->s3(PUT => '/run/k', body => 'x')), 200, 'put object');
my $url = presign($t, 'GET', '/run/k');
my ($sig) = $url =~ /X-Amz-Signature=(\w+)/;
is(status_of($t->http(GET => $url)), 200, 'presigned GET');

# the website endpoint, same address and port (docs/website.md)
like($first, qr{http://BUCKET\.website\.localhost:$port/},
    'the banner shows the website URL');
like($t->http(GET => '/', headers => { Host => "run.website.localhost:$port" }),
    qr{^HTTP/1\.1 404 .*<li>Code: NoSuchWebsiteConfiguration</li>}s,
    'run.website.localhost: the website endpoint');

# the web console (docs/console.md)
like($first, qr{console.*http://127\.0\.0\.1:$port/sos-console/},
    'the banner shows the console URL');
like($t->http(GET => '/sos-console/'),
    qr{^HTTP/1\.1 200 .*Content-Type: text/html.*<title>SOS console</title>}s,
    'the console is served there');

# the metrics (docs/metrics.md), from this machine
like($first, qr{metrics.*http://127\.0\.0\.1:$port/sos-metrics},
    'the banner shows the metrics URL');
like($t->http(GET => '/sos-metrics'),
    qr{^HTTP/1\.1 200 .*\n# TYPE sos_requests_total counter\n}s,
    'the metrics are served there');

ok(stop($pid), 'nginx stops on QUIT');

ok(-s "$data/logs/access.log", 'the access log is there, not empty');
my $log = SOS::Test::_slurp("$data/logs/access.log");
like($log, qr{"GET /run/k\?\S+&X-Amz-Signature=REDACTED HTTP/1\.1" 200 },
    'the dev config logs the presigned GET, signature REDACTED');
unlike($log, qr/\Q$sig\E/, 'and not the signature');

is(mode_of($data), '0700', 'data dir 0700');
is(mode_of("$data/logs"), '0700', 'logs dir 0700');
is(mode_of("$data/logs/access.log"), '0600', 'access log 0600');
is(mode_of("$data/credentials"), '0600', 'credentials 0600');
is(mode_of("$data/secret.key"), '0600', 'key file 0600');

# as an older version left them

chmod 0755, $data, "$data/logs";
chmod 0644, "$data/logs/access.log";

$pid = start() or BAIL_OUT('scripts/run did not start nginx again');
my $second = SOS::Test::_slurp($out);
ok(stop($pid), 'nginx stops on QUIT');

isnt($second, '', 'the later start printed its banner');
unlike($second, qr/\Q${\ $t->secret_key }\E/,
    'a later start does not print the secret');
like($second, qr/access key id:\s+\Q${\ $t->access_key }\E\s+\(secret: in \S*credentials\)/,
    'it says where the credentials are');

is(mode_of($data), '0700', 'data dir closed again');
is(mode_of("$data/logs"), '0700', 'logs dir closed again');
is(mode_of("$data/logs/access.log"), '0600', 'access log closed again');

done_testing();
