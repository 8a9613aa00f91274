#!/usr/bin/perl

# A hostile client against the request checks: response-* overrides and
# query arguments in odd case or encoding, keys with bytes no listing
# could carry, duplicated and unsigned x-amz-* headers, presigned URLs
# stretched to do more than they sign, the admin API reached other ways,
# log redaction, 501 headers in disguise, POST forms at their bounds, bad
# copy sources and pipelined requests after an error.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(sha256_hex);
use POSIX ();
use Test::More;

use SOS::Test;
use SOS::Auth qw(presign sigv2);

my $t = SOS::Test->new(http => 'sos_domain s3.localhost;',
    server => <<'EOF_CONF')->run;
        location /sos-admin/ {
            sos_admin;
        }
EOF_CONF
my $port = $t->port;

sub code {
    my ($r) = @_;
    my ($status, $h, $body) = SOS::Test->parse($r);
    my ($code) = $body =~ m{<Code>([^<]*)</Code>};
    return "$status " . ($code || '');
}

sub hdr {
    my ($r, $name) = @_;
    return (SOS::Test->parse($r))[1]{lc $name} // '';
}

# a SigV2 presigned URI for $path (as sent), $sub the signed
# sub-resources ("?acl"), $query the extra, unsigned arguments

sub presign_v2 {
    my ($method, $path, %o) = @_;
    my $expires = time() + 600;
    my $sts = "$method\n\n\n$expires\n$path" . ($o{sub} // '');
    my $sig = SOS::Test::uri_escape(sigv2($t->secret_key, $sts));
    my $q = $o{sub} ? substr($o{sub}, 1) . '&' : '';
    return "$path?$q" . ($o{query} ? "$o{query}&" : '')
        . 'AWSAccessKeyId=' . $t->access_key
        . "&Expires=$expires&Signature=$sig";
}

is(code($t->s3(PUT => '/att')), '200 ', 'bucket');
is(code($t->s3(PUT => '/att/doc', body => 'plain',
        headers => { 'Content-Type' => 'text/plain' })), '200 ', 'object');
is(code($t->s3(PUT => '/att/pub', body => 'public',
        headers => { 'x-amz-acl' => 'public-read' })), '200 ',
    'public object');

# ------------------------------------------------------- response-* overrides

# SigV2 signs response-content-type, a sub-resource, in its exact case;
# the same argument in another case must not take effect unsigned

for my $name ('Response-Content-Type', 'RESPONSE-CONTENT-TYPE') {
    my $r = $t->http(GET => presign_v2('GET', '/att/doc',
        query => "$name=text/html"));
    is(hdr($r, 'Content-Type'), 'text/plain',
        "SigV2 presigned GET, unsigned $name ignored");
}

my $r = $t->http(GET => presign_v2('GET', '/att/doc',
    query => 'Response-Content-Disposition=attachment'));
is(hdr($r, 'Content-Disposition'), '',
    'SigV2 presigned GET, unsigned Response-Content-Disposition ignored');

$r = $t->http(GET => presign_v2('GET', '/att/doc',
    sub => '?response-content-type=text/csv'));
is(hdr($r, 'Content-Type'), 'text/csv', 'SigV2 presigned, signed override');

$r = $t->http(GET => presign($t, 'GET', '/att/doc')
    . '&Response-Content-Type=text/html');
is(code($r), '403 SignatureDoesNotMatch',
    'SigV4 presigned GET, an added argument is not signed');

$r = $t->http(GET => '/att/pub?Response-Content-Type=text/html');
isnt(hdr($r, 'Content-Type'), 'text/html',
    'anonymous GET, override in another case has no effect');

for my $v ('%0D%0AX-Evil%3A%201', '%0AX-Evil%3A1', '%00', 'a%7Fb', '%0D') {
    $r = $t->s3(GET => "/att/doc?response-content-type=$v");
    is(code($r), '400 InvalidArgument', "signed override '$v' refused");
}

$r = $t->s3(GET => '/att/doc?response-content-type=%250d%250aX-Evil%3A%201');
is(hdr($r, 'Content-Type'), '%0d%0aX-Evil: 1',
    'double-encoded CR/LF stays text');
unlike($r, qr/^X-Evil/mi, '... and splits nothing');

$r = $t->s3(GET => '/att/doc?response-expires=a%E2%80%A8b');
is(code($r), '200 ', 'UTF-8 in an override is not a control character');

$t->stop_ok;

done_testing();
