#!/usr/bin/perl

# $sos_request_redacted: the request line with the signatures of presigned
# URLs (SigV4 X-Amz-Signature, SigV2 Signature) replaced, so that an access
# log hands out no URL that could be replayed.  The harness's log format
# uses it, as conf/sos-dev.conf does.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Auth qw(presign sigv2);
use SOS::Test;

my $t = SOS::Test->new->run;

sub status_of { (SOS::Test->parse($_[0]))[0] }

is(status_of($t->s3(PUT => '/logs')), 200, 'create bucket');
is(status_of($t->s3(PUT => '/logs/k', body => 'x')), 200, 'put object');

my $url = presign($t, 'GET', '/logs/k');
my ($sig4) = $url =~ /X-Amz-Signature=([0-9a-f]{64})/;
is(status_of($t->http(GET => $url)), 200, 'presigned GET');

my $expires = time() + 60;
my $sig2 = SOS::Test::uri_escape(sigv2($t->secret_key,
    "GET\n\n\n$expires\n/logs/k"));
is(status_of($t->http(GET => '/logs/k?AWSAccessKeyId=' . $t->access_key
    . "&Expires=$expires&Signature=$sig2")), 200, 'SigV2 query GET');

# the names as a lenient reader would take them

$t->http(GET => '/logs/k?x-amz-signature=lowercasedsecret0001&a=1');
$t->http(GET => '/logs/k?X-Amz-%53ignature=encodedsecret0002');
$t->http(GET => '/logs/k?Signature=lastsecret0003');
$t->http(GET => '/logs/k?MySignature=notasecret&Signature2=x&=y&&');

# a key holding CR LF, named by the store's message in the error log: the
# store writes control bytes as '?', no line is forged

is(status_of($t->s3(PUT => '/logs/a%0D%0Aforged-line', body => 'x')), 200,
    'a key holding CR LF');
is(status_of($t->s3(PUT => '/logs/a%0D%0Aforged-line', body => 'x',
    headers => { 'If-None-Match' => '*' })), 412,
    'If-None-Match: * on it: refused, the store names the key');

# a request line nginx itself refuses is logged as far as it was read

like($t->raw("GET /logs/k?X-Amz-Signature=refusedsecret0004 HTTP/1.1 x\r\n"
    . "Host: localhost\r\n\r\n") // '', qr{^HTTP/1\.1 400 }, 'a bad request line: 400');

$t->stop_ok;

ok(-s $t->dir . '/access.log', 'the access log is there, not empty');
my $log = $t->read_file('access.log');

unlike($log, qr/\Q$sig4\E/, 'no SigV4 signature in the access log');
unlike($log, qr/\Q$sig2\E/, 'no SigV2 signature');
like($log, qr{"GET /logs/k\?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=\Q${\ $t->access_key }\E%2F\S+&X-Amz-Date=\d{8}T\d{6}Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED HTTP/1\.1" 200 },
    'SigV4: the rest of the URL kept, the signature REDACTED');
like($log, qr{"GET /logs/k\?AWSAccessKeyId=\Q${\ $t->access_key }\E&Expires=$expires&Signature=REDACTED HTTP/1\.1" 200 },
    'SigV2: Signature REDACTED');
like($log, qr{"GET /logs/k\?x-amz-signature=REDACTED&a=1 HTTP/1\.1"},
    'any case');
like($log, qr{"GET /logs/k\?X-Amz-%53ignature=REDACTED HTTP/1\.1"},
    '%XX-encoded name');
like($log, qr{"GET /logs/k\?Signature=REDACTED HTTP/1\.1"}, 'last parameter');
like($log, qr{"GET /logs/k\?MySignature=notasecret&Signature2=x&=y&& HTTP/1\.1"},
    'other names, empty ones, kept as they are');
like($log, qr{"GET /logs/k\?X-Amz-Signature=REDACTED[^"]*" 400 },
    'the refused request line too');
unlike($log, qr/secret000/, 'none of the values is left');
like($log, qr{"PUT /logs/k HTTP/1\.1" 200 }, 'a line without a query as is');

# the dev config logs with it, and never the plain $request

my $dev = SOS::Test::_slurp(SOS::Test::top() . '/conf/sos-dev.conf');
like($dev, qr/log_format[^;]*\$sos_request_redacted/,
    'conf/sos-dev.conf logs $sos_request_redacted');
unlike($dev, qr/log_format[^;]*\$request\b(?!_)/, 'and not $request');

ok(-s $t->dir . '/error.log', 'the error log is there, not empty');
my $errlog = $t->read_file('error.log');
like($errlog, qr/object "a\?\?forged-line" exists/,
    'error log: the key named, its CR LF as ?');
unlike($errlog, qr/^forged-line/m, 'error log: no forged line');

done_testing();
