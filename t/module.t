#!/usr/bin/perl

# The module: it loads, answers anonymous requests to a private bucket with
# a well-formed S3 XML AccessDenied and S3 sub-resources it does not serve
# with NotImplemented, refuses more than one worker, reopens its data dir,
# and answers 503 SlowDown, after a bounded wait, while another process
# owns the store.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;

my $t = SOS::Test->new->run;

# a private bucket: anonymous requests (the AllUsers group) are denied
$t->s3(PUT => '/bucket');

# An S3 error document: Code, Message, Resource, RequestId, in this order.

# The declaration then LF, and LF after the document (issue 15,
# "Responses": never CR LF).
my $error_re = qr{\A<\?xml\ version="1\.0"\ encoding="UTF-8"\?>\n
    <Error><Code>(\w+)</Code><Message>([^<&]*)</Message>
    <Resource>((?:[^<&]|&(?:lt|gt|amp|quot|apos|\#xFFFD);)*)</Resource>
    <RequestId>([0-9a-f]*)</RequestId></Error>\n\z}x;

# (an anonymous ListBuckets is an empty list, as RGW: t/conformance_list.t)
my @requests = (
    [ GET => '/bucket' ],
    [ GET => '/bucket/key' ],
    [ GET => '/bucket/dir/a%20b.txt?acl' ],
    [ GET => '/bucket?list-type=2&prefix=a' ],
    [ PUT => '/bucket' ],
    [ PUT => '/bucket/key', body => 'x' x 5000 ],
    [ POST => '/bucket?delete', body => '<Delete/>' ],
    [ DELETE => '/bucket/key' ],
    [ GET => '/bucket/%3Ca%26b%3E' ],
);

my @ids;

for my $req (@requests) {
    my ($method, $uri, %opts) = @$req;
    my $name = "$method $uri";

    my ($status, $h, $body) = SOS::Test->parse($t->http($method, $uri,
        %opts));

    is($status, 403, "$name: 403");
    is($h->{'content-type'}, 'application/xml', "$name: content type");
    like($h->{'x-amz-request-id'} // '', qr/^[0-9a-f]{32}$/,
        "$name: x-amz-request-id");

    my @f = $body =~ $error_re;
    ok(@f, "$name: well-formed S3 error") or diag($body);
    is($f[0], 'AccessDenied', "$name: code") if @f;
    is($f[3], $h->{'x-amz-request-id'}, "$name: RequestId is the header")
        if @f;
    is($h->{'content-length'}, length $body, "$name: content length");

    push @ids, $h->{'x-amz-request-id'} // 'none';
}

my ($status, $h, $body) = SOS::Test->parse($t->http(GET => '/b/%3Ca%26b%3E'));
like($body, qr{<Resource>/b/&lt;a&amp;b&gt;</Resource>}, 'resource escaped');

($status, $h, $body) = SOS::Test->parse($t->http(HEAD => '/bucket/key'));
is($status, 403, 'HEAD: 403');
like($h->{'x-amz-request-id'} // '', qr/^[0-9a-f]{32}$/, 'HEAD: request id');
is($body, '', 'HEAD: no body');
push @ids, $h->{'x-amz-request-id'} // 'none';

# (?tagging and ?retention are served now, issue 16: ?restore is one not
# served)
($status, $h, $body) = SOS::Test->parse($t->s3(GET => '/bucket/key?restore'));
is($status, 501, 'a signed request for a sub-resource not served: 501');
like($body, qr{<Code>NotImplemented</Code>}, 'NotImplemented');

# keep-alive survives a discarded request body

my $two = $t->raw(
    "PUT /bucket/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    . "GET /bucket/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
my @statuses = ($two // '') =~ m{^HTTP/1\.1 (\d+)}mg;
is("@statuses", '403 403', 'keep-alive after a discarded body');

# the same id in the access log

my $log = $t->read_file('access.log');
my @missing = grep { index($log, " $_") < 0 } @ids;
ok(!@missing, 'every RequestId is in the access log') or diag("@missing");

# sosctl cannot take the store while nginx owns it

my ($rc, $out, $err) = $t->sosctl('org', 'list');
is($rc, 1, 'sosctl refused while nginx runs');
like($err, qr/in use by another process/, 'sosctl says why');

# another nginx on the same data dir: its requests wait for the store
# (sos_handoff_wait), then get SlowDown

my $t2 = SOS::Test->new(data => $t->data, keys => 0,
    http => 'sos_handoff_wait 500ms;')->run;

my $asked = time();
($status, $h, $body) = SOS::Test->parse($t2->http(GET => '/bucket/key'));
is($status, 503, 'second owner: 503');
my $waited = time() - $asked;
ok($waited >= 0.45 && $waited < 3, 'second owner: after sos_handoff_wait')
    or diag("answered after $waited s");
is($h->{'retry-after'}, '1', 'second owner: Retry-After');
my @f = $body =~ $error_re;
is($f[0], 'SlowDown', 'second owner: SlowDown');
is($f[3], $h->{'x-amz-request-id'}, 'second owner: RequestId');

($status, $h, $body) = SOS::Test->parse($t2->http(HEAD => '/bucket/key'));
is($status, 503, 'second owner: HEAD 503');
is($body, '', 'second owner: HEAD no body');

$t->stop_ok;

# once the first one is gone, the second takes the store

my $deadline = time() + 10;
do {
    ($status) = SOS::Test->parse($t2->http(GET => '/bucket/key'));
    sleep(0.05) if $status != 403;
} while ($status != 403 && time() < $deadline);
is($status, 403, 'second owner opens the store once it is free');
like($t2->read_file('error.log'), qr/owned by another process/,
    'the wait is logged');

# reload: old and new workers overlap; every request gets an S3 answer

kill 'HUP', $t2->master_pid;

my (%seen, $bad);
$deadline = time() + 1.5;
while (time() < $deadline) {
    my ($s) = SOS::Test->parse($t2->http(GET => '/bucket/key',
        timeout => 5));
    $seen{$s}++;
    $bad++ unless $s == 403 || $s == 503;
}
ok(!$bad, 'reload: only 403 and 503 answers')
    or diag(join ' ', map { "$_ x$seen{$_}" } sort keys %seen);

$deadline = time() + 10;
do {
    ($status) = SOS::Test->parse($t2->http(GET => '/bucket/key'));
    sleep(0.05) if $status != 403;
} while ($status != 403 && time() < $deadline);
is($status, 403, 'reload: the new worker owns the store');

$t2->stop_ok;

# a second start on the same data dir

my $t3 = SOS::Test->new(data => $t->data, keys => 0)->run;
($status) = SOS::Test->parse($t3->http(GET => '/bucket/key'));
is($status, 403, 'restart on the same data dir');
$t3->stop_ok;

# worker_processes 2 is refused, with the reason

my $t4 = SOS::Test->new(workers => 2, keys => 0);
ok($t4->start_refused, 'worker_processes 2 refused');
like($t4->read_file('error.log'),
    qr/\[emerg\].*worker_processes 1.*LevelDB/, 'emerg says why');

done_testing();
