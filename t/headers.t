#!/usr/bin/perl

# Values that become response headers: refused with a control character
# on the way in (PutObject, CopyObject REPLACE, CreateMultipartUpload,
# POST Object fields, response-* arguments), response-* refused on
# anonymous requests as S3 does, and a stored value with a control
# character (from a store written before these checks) never sent.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use Test::More;

use SOS::Auth qw(presign);
use SOS::Test;

my $t = SOS::Test->new->run;

sub status_of { (SOS::Test->parse($_[0]))[0] }
sub headers_of { (SOS::Test->parse($_[0]))[1] }
sub body_of { (SOS::Test->parse($_[0]))[2] }
sub head_of { my ($h) = split /\r\n\r\n/, $_[0] // '', 2; $h // '' }

is(status_of($t->s3(PUT => '/hdr')), 200, 'bucket');
is(status_of($t->s3(PUT => '/hdr/plain', body => 'x')), 200, 'an object');

# PutObject: a control character in any header that is stored

for my $case (
    [ 'Content-Type', "text/plain\x01" ],
    [ 'Cache-Control', "no-cache\x02" ],
    [ 'Content-Disposition', "attachment\x7f" ],
    [ 'Content-Language', "en\x1f" ],
    [ 'Expires', "\x08Thu, 01 Dec 1994 16:00:00 GMT" ],
    [ 'Content-Encoding', "gzip\x1b" ],
    [ 'x-amz-meta-color', "bl\x01ue" ],
) {
    my ($name, $value) = @$case;
    (my $shown = $name) =~ s/^x-amz-meta-.*/x-amz-meta-/;
    my $r = $t->s3(PUT => '/hdr/bad', body => 'x',
        headers => { $name => $value });
    is(status_of($r), 400, "PUT with a control character in $name: 400");
    like(body_of($r), qr{<Code>InvalidArgument</Code>.*\Q$shown\E}s,
        'InvalidArgument naming the header');
}
is(status_of($t->s3(HEAD => '/hdr/bad')), 404, 'nothing stored');

my $r = $t->s3(PUT => '/hdr/utf8', body => 'x', headers => {
    'x-amz-meta-name' => "caf\xc3\xa9 \xe6\x97\xa5\tend",
    'Content-Disposition' => "attachment; filename=\"r\xc3\xa9sum\xc3\xa9.pdf\"" });
is(status_of($r), 200, 'UTF-8 and tab in values are kept');
$r = $t->s3(HEAD => '/hdr/utf8');
is(headers_of($r)->{'x-amz-meta-name'}, "caf\xc3\xa9 \xe6\x97\xa5\tend",
    'UTF-8 meta value returned as given');

# CopyObject with REPLACE, CreateMultipartUpload

$r = $t->s3(PUT => '/hdr/copy', headers => {
    'x-amz-copy-source' => '/hdr/plain',
    'x-amz-metadata-directive' => 'REPLACE',
    'Content-Type' => "text/html\x01" });
is(status_of($r), 400, 'CopyObject REPLACE with a bad Content-Type: 400');
like(body_of($r), qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');

$r = $t->s3(POST => '/hdr/mp?uploads',
    headers => { 'x-amz-meta-a' => "1\x012" });
is(status_of($r), 400, 'CreateMultipartUpload with a bad meta value: 400');
like(body_of($r), qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');

# response-*: signed only, one header line

is(status_of($t->s3(PUT => '/hdr/public', body => 'pub',
    headers => { 'x-amz-acl' => 'public-read' })), 200, 'a public object');
is(status_of($t->http(GET => '/hdr/public')), 200, 'anonymous GET works');

for my $arg (qw(response-content-type response-content-disposition
    response-cache-control response-expires response-content-language
    response-content-encoding))
{
    $r = $t->http(GET => "/hdr/public?$arg=text%2Fhtml");
    is(status_of($r), 400, "anonymous $arg: 400");
    like(body_of($r), qr{<Code>InvalidRequest</Code><Message>Request specific response headers cannot be used for anonymous GET requests\.</Message>},
        'InvalidRequest, as S3 says it');
}
unlike(head_of($t->http(GET => '/hdr/public?response-content-type=text%2Fhtml')),
    qr{text/html}, 'the override is not applied');

$r = $t->s3(GET => '/hdr/public',
    query => 'response-content-type=text%2Fhtml&response-content-disposition=inline');
is(status_of($r), 200, 'signed GET with response-*: 200');
like(headers_of($r)->{'content-type'}, qr{^text/html}, 'Content-Type replaced');
is(headers_of($r)->{'content-disposition'}, 'inline',
    'Content-Disposition set');

$r = $t->http(GET => presign($t, 'GET', '/hdr/public',
    query => { 'response-content-type' => 'image%2Fpng' }));
is(status_of($r), 200, 'presigned GET with response-*: 200');
like(headers_of($r)->{'content-type'}, qr{^image/png}, 'Content-Type replaced');

for my $v ('text%2Fhtml%0D%0ASet-Cookie%3A%20a%3Db', 'a%0Ab', 'a%00b',
    'a%01b', 'a%7Fb')
{
    $r = $t->s3(GET => '/hdr/public', query => "response-content-type=$v");
    is(status_of($r), 400, "signed response-content-type=$v: 400");
    like(body_of($r), qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');
    unlike(head_of($r), qr{^Set-Cookie}mi, 'no injected header');
}
$r = $t->s3(GET => '/hdr/public',
    query => 'response-content-disposition=attachment%3B%20filename%3D%22a%09b%22');
is(status_of($r), 200, 'a tab in a response-* value is allowed');

# a value stored before the checks: not sent

my $top = SOS::Test::top();
my $dir = tempdir('sos-hdr-XXXXXXXX', TMPDIR => 1, CLEANUP => 1);
my $bin = "$dir/store_put";
my $lib = SOS::Test::build_dir() . '/lib';
my @san = SOS::Test::sanitized()
    ? ('-fsanitize=address,undefined', '-fno-sanitize-recover=all') : ();
my $out = `cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror @san -I$top/libsosstore/include -o $bin $top/t/store_put.c $lib/libsosstore.a -lleveldb -lisal -lz -lcrypto -lpthread 2>&1`;
is($?, 0, 'store_put helper compiles') or diag($out);

$t->stop;
$out = `$bin '@{[ $t->data ]}' hdr legacy 'text/html\\r\\nSet-Cookie: a=b' 'note' 'x\\ry' 2>&1`;
is($?, 0, 'a legacy object with CR/LF in its attributes') or diag($out);
$t->run;

$r = $t->s3(GET => '/hdr/legacy');
is(status_of($r), 200, 'the legacy object is served');
is(body_of($r), 'legacy', 'its body');
unlike(head_of($r), qr{^Set-Cookie}mi, 'no injected header');
unlike(head_of($r), qr{text/html}, 'the bad Content-Type is not sent');
ok(!exists headers_of($r)->{'x-amz-meta-note'}, 'nor the bad meta value');
like($t->read_file('error.log'),
    qr{\[warn\].*stored header "Content-Type" of "legacy"},
    'and it is logged');

$t->stop_ok;

done_testing();
