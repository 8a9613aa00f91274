#!/usr/bin/perl

# CORS: Put/Get/DeleteBucketCors (valid and invalid documents, S3's codes
# and messages, the 100-rule limit), the preflight (OPTIONS, each answer
# S3 gives), and the Access-Control-* headers on actual responses: GET,
# PUT, HEAD, DELETE, presigned V4 and V2, POST Object, and errors, those
# answered before the bucket is read included; hostile inputs.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64);
use MIME::Base64 qw(encode_base64);
use Digest::SHA qw(hmac_sha1);
use Test::More;

use SOS::Test;
use SOS::Auth qw(presign sigv2);

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $VARY = 'Origin, Access-Control-Request-Headers, '
    . 'Access-Control-Request-Method';
my $NOT_ALLOWED = "CORSResponse: This CORS request is not allowed. This is "
    . "usually because the evalution of Origin, request method / "
    . "Access-Control-Request-Method or Access-Control-Request-Headers are "
    . "not whitelisted by the resource's CORS spec.";

my $t = SOS::Test->new(http => "sos_domain s3.localhost;\n")->run;
my $port = $t->port;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub anon {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->http($method, $uri, %opts));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] || '' }
sub message {
    my ($m) = $_[0] =~ m{<Message>([^<]*)</Message>};
    return '' unless defined $m;
    $m =~ s/&quot;/"/g;
    $m =~ s/&apos;/'/g;
    return $m;
}

sub md5 { my $m = md5_base64($_[0]); "$m==" }

sub put_cors {
    my ($bucket, $xml, %opts) = @_;
    my $extra = delete $opts{headers} || {};
    return req(PUT => "/$bucket?cors", body => $xml,
        headers => { 'Content-MD5' => md5($xml), %$extra }, %opts);
}

sub cors_doc {
    return qq{<CORSConfiguration xmlns="$XMLNS">}
        . join('', map { "<CORSRule>$_</CORSRule>" } @_)
        . '</CORSConfiguration>';
}

# the Access-Control-* and Vary headers of a response, as one string

sub acx {
    my ($h) = @_;
    return join ' | ', map { "$_: $h->{$_}" }
        sort grep { /^(access-control-|vary$)/ } keys %$h;
}

my ($s, $h, $b);

# ------------------------------------------------------------------ setup

($s) = req(PUT => '/web');
is($s, 200, 'bucket web');
($s) = req(PUT => '/plain');
is($s, 200, 'bucket plain (no CORS)');
($s) = req(PUT => '/web/pub', body => 'public bytes',
    headers => { 'x-amz-acl' => 'public-read' });
is($s, 200, 'public object');
($s) = req(PUT => '/web/priv', body => 'private bytes');
is($s, 200, 'private object');
($s) = req(PUT => '/plain/pub', body => 'plain bytes',
    headers => { 'x-amz-acl' => 'public-read' });
is($s, 200, 'public object in plain');

# ------------------------------------------------------- the configuration

($s, $h, $b) = req(GET => '/web?cors');
is("$s " . code($b), '404 NoSuchCORSConfiguration', 'GetBucketCors: none');
ok(index($b, '<Message>The CORS configuration does not exist</Message>'
    . '<BucketName>web</BucketName>') > 0, '... S3 message and BucketName');

($s) = req(DELETE => '/web?cors');
is($s, 204, 'DeleteBucketCors without one: 204');

my $doc = cors_doc(
    '<ID>first</ID><AllowedOrigin>https://app.example.com</AllowedOrigin>'
    . '<AllowedOrigin>http://*.example.org</AllowedOrigin>'
    . '<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>'
    . '<AllowedMethod>HEAD</AllowedMethod>'
    . '<AllowedHeader>x-amz-*</AllowedHeader>'
    . '<AllowedHeader>Content-Type</AllowedHeader>'
    . '<ExposeHeader>ETag</ExposeHeader>'
    . '<ExposeHeader>x-amz-request-id</ExposeHeader>'
    . '<MaxAgeSeconds>3000</MaxAgeSeconds>',
    '<AllowedMethod>DELETE</AllowedMethod>'
    . '<AllowedOrigin>https://app.example.com</AllowedOrigin>'
    . '<MaxAgeSeconds>10</MaxAgeSeconds>',
    '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'
    . '<AllowedMethod>POST</AllowedMethod>');

($s, $h, $b) = req(PUT => '/web?cors', body => $doc);
is("$s " . code($b), '400 InvalidRequest',
    'PutBucketCors without Content-MD5');
is(message($b), 'Missing required header for this request: Content-MD5',
    '... S3 message');

($s, $h, $b) = put_cors('web', $doc);
is($s, 200, 'PutBucketCors') or diag($b);

($s, $h, $b) = req(GET => '/web?cors');
is($s, 200, 'GetBucketCors');
# the declaration then LF, as S3 (issue 15, "Responses")
is($b, qq{<?xml version="1.0" encoding="UTF-8"?>\n}
    . qq{<CORSConfiguration xmlns="$XMLNS">}
    . '<CORSRule><ID>first</ID><AllowedHeader>x-amz-*</AllowedHeader>'
    . '<AllowedHeader>Content-Type</AllowedHeader>'
    . '<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>'
    . '<AllowedMethod>HEAD</AllowedMethod>'
    . '<AllowedOrigin>https://app.example.com</AllowedOrigin>'
    . '<AllowedOrigin>http://*.example.org</AllowedOrigin>'
    . '<ExposeHeader>ETag</ExposeHeader>'
    . '<ExposeHeader>x-amz-request-id</ExposeHeader>'
    . '<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>'
    . '<CORSRule><AllowedMethod>DELETE</AllowedMethod>'
    . '<AllowedOrigin>https://app.example.com</AllowedOrigin>'
    . '<MaxAgeSeconds>10</MaxAgeSeconds></CORSRule>'
    . '<CORSRule><AllowedMethod>GET</AllowedMethod>'
    . '<AllowedMethod>POST</AllowedMethod>'
    . '<AllowedOrigin>*</AllowedOrigin></CORSRule>'
    . '</CORSConfiguration>', '... the rules, in S3 order');

($s, $h, $b) = anon(GET => '/web?cors');
is("$s " . code($b), '403 AccessDenied', 'GetBucketCors anonymous: 403');
($s, $h, $b) = anon(PUT => '/web?cors', body => $doc,
    headers => { 'Content-MD5' => md5($doc) });
is("$s " . code($b), '403 AccessDenied', 'PutBucketCors anonymous: 403');
($s, $h, $b) = req(GET => '/none?cors');
is("$s " . code($b), '404 NoSuchBucket', 'GetBucketCors: no bucket');

# a checksum header protects the document as Content-MD5 does

($s, $h, $b) = req(PUT => '/plain?cors', body => cors_doc(
    '<AllowedOrigin>x</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'),
    headers => { 'x-amz-checksum-sha256' => encode_base64(
        Digest::SHA::sha256(cors_doc('<AllowedOrigin>x</AllowedOrigin>'
            . '<AllowedMethod>GET</AllowedMethod>')), '') });
is($s, 200, 'PutBucketCors with x-amz-checksum-sha256') or diag($b);
($s, $h, $b) = req(PUT => '/plain?cors', body => cors_doc(
    '<AllowedOrigin>x</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'),
    headers => { 'Content-MD5' => md5('other') });
is("$s " . code($b), '400 BadDigest', 'PutBucketCors: Content-MD5 wrong');
($s) = req(DELETE => '/plain?cors');
is($s, 204, 'DeleteBucketCors');
($s, $h, $b) = req(GET => '/plain?cors');
is("$s " . code($b), '404 NoSuchCORSConfiguration', '... gone');

# ----------------------------------------------------- invalid documents

my $ok = '<AllowedOrigin>o</AllowedOrigin><AllowedMethod>GET</AllowedMethod>';

for my $case (
    [ 'no rule', cors_doc(), 'MalformedXML' ],
    [ 'no origin', cors_doc('<AllowedMethod>GET</AllowedMethod>'),
      'MalformedXML' ],
    [ 'no method', cors_doc('<AllowedOrigin>o</AllowedOrigin>'),
      'MalformedXML' ],
    [ 'empty rule', cors_doc(''), 'MalformedXML' ],
    [ 'unknown element', cors_doc("$ok<Other>x</Other>"), 'MalformedXML' ],
    [ 'wrong root', '<CORSConfig><CORSRule>' . $ok
      . '</CORSRule></CORSConfig>', 'MalformedXML' ],
    [ 'not XML', 'not xml', 'MalformedXML' ],
    [ 'two IDs', cors_doc("<ID>a</ID><ID>b</ID>$ok"), 'MalformedXML' ],
    [ 'MaxAgeSeconds not a number',
      cors_doc("$ok<MaxAgeSeconds>ten</MaxAgeSeconds>"), 'MalformedXML' ],
    [ 'MaxAgeSeconds negative',
      cors_doc("$ok<MaxAgeSeconds>-1</MaxAgeSeconds>"), 'MalformedXML' ],
    [ 'MaxAgeSeconds past int',
      cors_doc("$ok<MaxAgeSeconds>2147483648</MaxAgeSeconds>"),
      'MalformedXML' ],
    [ 'a control character (XML refuses it)',
      cors_doc("<AllowedOrigin>a&#1;b</AllowedOrigin>"
          . '<AllowedMethod>GET</AllowedMethod>'), 'MalformedXML' ],
    [ 'DOCTYPE', qq{<!DOCTYPE x [<!ENTITY a "b">]>} . cors_doc($ok),
      'MalformedXML' ],
    [ 'a document over 64 KiB', cors_doc(
      '<AllowedOrigin>' . ('o' x 65536) . '</AllowedOrigin>'
      . '<AllowedMethod>GET</AllowedMethod>'), 'MalformedXML' ],
    [ 'unsupported method', cors_doc('<AllowedOrigin>o</AllowedOrigin>'
      . '<AllowedMethod>MYMETHOD</AllowedMethod>'), 'InvalidRequest',
      'Found unsupported HTTP method in CORS config. Unsupported method is '
      . 'MYMETHOD' ],
    [ 'OPTIONS', cors_doc('<AllowedOrigin>o</AllowedOrigin>'
      . '<AllowedMethod>OPTIONS</AllowedMethod>'), 'InvalidRequest',
      'Found unsupported HTTP method in CORS config. Unsupported method is '
      . 'OPTIONS' ],
    [ 'lower-case method', cors_doc('<AllowedOrigin>o</AllowedOrigin>'
      . '<AllowedMethod>get</AllowedMethod>'), 'InvalidRequest',
      'Found unsupported HTTP method in CORS config. Unsupported method is '
      . 'get' ],
    [ 'two wildcards in an origin', cors_doc(
      '<AllowedOrigin>*example*.com</AllowedOrigin>'
      . '<AllowedMethod>GET</AllowedMethod>'), 'InvalidRequest',
      'AllowedOrigin "*example*.com" can not have more than one wildcard.' ],
    [ 'two wildcards in a header', cors_doc(
      "$ok<AllowedHeader>x-*-*</AllowedHeader>"), 'InvalidRequest',
      'AllowedHeader "x-*-*" can not have more than one wildcard.' ],
    [ 'DEL in an origin', cors_doc("<AllowedOrigin>a\x7fb</AllowedOrigin>"
      . '<AllowedMethod>GET</AllowedMethod>'), 'InvalidRequest' ],
    [ 'ID of 256 characters', cors_doc('<ID>' . ('i' x 256) . "</ID>$ok"),
      'InvalidArgument' ],
    [ '101 rules', cors_doc(($ok) x 101), 'InvalidRequest',
      'The CORS configuration can not have more than 100 rules.' ],
) {
    my ($name, $xml, $code, $msg) = @$case;
    ($s, $h, $b) = put_cors('plain', $xml);
    is("$s " . code($b), "400 $code", "invalid: $name");
    is(message($b), $msg, "... $msg") if defined $msg;
}

($s, $h, $b) = req(GET => '/plain?cors');
is("$s " . code($b), '404 NoSuchCORSConfiguration',
    '... none of them stored');

($s, $h, $b) = put_cors('plain', cors_doc(($ok) x 100));
is($s, 200, '100 rules: accepted') or diag($b);
($s, $h, $b) = req(GET => '/plain?cors');
is(scalar(() = $b =~ /<CORSRule>/g), 100, '... 100 come back');

# unicode: an ID of 255 characters (510 bytes), an origin kept as sent

my $id = "\xc3\xa9" x 255;
($s, $h, $b) = put_cors('plain', cors_doc("<ID>$id</ID>"
    . "<AllowedOrigin>https://\xc3\xa9t\xc3\xa9.example</AllowedOrigin>"
    . '<AllowedMethod>GET</AllowedMethod>'));
is($s, 200, 'unicode ID of 255 characters and origin') or diag($b);
($s, $h, $b) = req(GET => '/plain?cors');
ok(index($b, "<ID>$id</ID><AllowedMethod>GET</AllowedMethod>"
    . "<AllowedOrigin>https://\xc3\xa9t\xc3\xa9.example</AllowedOrigin>") > 0,
    '... given back');
($s, $h) = anon(GET => '/plain/pub',
    headers => { Origin => "https://\xc3\xa9t\xc3\xa9.example" });
is($h->{'access-control-allow-origin'}, "https://\xc3\xa9t\xc3\xa9.example",
    '... and matched');
($s) = req(DELETE => '/plain?cors');
is($s, 204, 'plain has no CORS again');

# whitespace around values (a pretty-printed document) is not kept

($s, $h, $b) = put_cors('plain', cors_doc("\n  <AllowedOrigin>\n    "
    . "https://pretty.example\n  </AllowedOrigin>\n  <AllowedMethod> GET "
    . "</AllowedMethod>\n"));
is($s, 200, 'pretty-printed document') or diag($b);
($s, $h, $b) = req(GET => '/plain?cors');
like($b, qr{<AllowedOrigin>https://pretty\.example</AllowedOrigin>},
    '... values trimmed');
req(DELETE => '/plain?cors');

# -------------------------------------------------------------- preflight

sub options {
    my ($uri, %h) = @_;
    return anon(OPTIONS => $uri, headers => \%h);
}

($s, $h, $b) = options('/web/pub');
is("$s " . code($b), '400 BadRequest', 'preflight without Origin: 400');
is(message($b), 'Insufficient information. Origin request header needed.',
    '... S3 message');

($s, $h, $b) = options('/nobucket/k', Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'GET');
is("$s " . code($b), '403 AccessForbidden', 'preflight, no bucket: 403');
is(message($b), 'CORSResponse: Bucket not found', '... S3 message');
like($b, qr{<Method>GET</Method><ResourceType>BUCKET</ResourceType>},
    '... Method and ResourceType');

($s, $h, $b) = options('/plain/pub', Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'PUT');
is("$s " . code($b), '403 AccessForbidden', 'preflight, no CORS: 403');
is(message($b), 'CORSResponse: CORS is not enabled for this bucket.',
    '... S3 message');
like($b, qr{<Method>PUT</Method><ResourceType>BUCKET</ResourceType>},
    '... Method and ResourceType');
($s, $h, $b) = options('/plain/pub', Origin => 'https://app.example.com');
like($b, qr{<Method>OPTIONS</Method>}, '... Method OPTIONS when none asked');

($s, $h, $b) = options('/web/pub', Origin => 'https://app.example.com');
is("$s " . code($b), '400 BadRequest',
    'preflight without Access-Control-Request-Method: 400');
is(message($b), 'Invalid Access-Control-Request-Method: null',
    '... message');
($s, $h, $b) = options('/web/pub', Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'PATCH');
is("$s " . code($b), '400 BadRequest', 'preflight, method PATCH: 400');
is(message($b), 'Invalid Access-Control-Request-Method: PATCH',
    '... message');

($s, $h, $b) = options('/web/pub', Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'PUT');
is($s, 200, 'preflight allowed: 200');
is(acx($h), join(' | ',
    'access-control-allow-credentials: true',
    'access-control-allow-methods: GET, PUT, HEAD',
    'access-control-allow-origin: https://app.example.com',
    'access-control-expose-headers: ETag, x-amz-request-id',
    'access-control-max-age: 3000',
    "vary: $VARY"), '... the headers of the first rule');
is($h->{'content-length'}, 0, '... no body');
ok($h->{'x-amz-request-id'}, '... x-amz-request-id');
ok(!defined $h->{'content-type'}, '... no Content-Type');

($s, $h) = options('/web/pub', Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'DELETE');
is($s, 200, 'preflight DELETE: the second rule');
is(acx($h), join(' | ',
    'access-control-allow-credentials: true',
    'access-control-allow-methods: DELETE',
    'access-control-allow-origin: https://app.example.com',
    'access-control-max-age: 10', "vary: $VARY"), '... its headers');

($s, $h) = options('/web/pub', Origin => 'http://a.b.example.org',
    'Access-Control-Request-Method' => 'GET');
is($h->{'access-control-allow-origin'}, 'http://a.b.example.org',
    'wildcard origin http://*.example.org: echoed');
($s, $h) = options('/web/pub', Origin => 'http://.example.org',
    'Access-Control-Request-Method' => 'GET');
is($h->{'access-control-allow-origin'}, 'http://.example.org',
    '... * matches an empty run');
($s, $h, $b) = options('/web/pub', Origin => 'https://a.example.org',
    'Access-Control-Request-Method' => 'PUT');
is("$s " . code($b), '403 AccessForbidden',
    '... another scheme: no rule (PUT is not in the * rule)');
is(message($b), $NOT_ALLOWED, '... S3 message');
like($b, qr{<Method>PUT</Method><ResourceType>OBJECT</ResourceType>},
    '... Method and ResourceType OBJECT');
ok(!defined $h->{'access-control-allow-origin'}, '... no CORS header');

($s, $h, $b) = options('/web/pub', Origin => 'http://a.example.net',
    'Access-Control-Request-Method' => 'PUT');
is($s, 403, '... another domain: no rule');
($s, $h, $b) = options('/web/pub', Origin => 'http://example.org',
    'Access-Control-Request-Method' => 'PUT');
is($s, 403, '... the pattern is anchored at both ends');

($s, $h) = options('/web/pub', Origin => 'https://elsewhere.example',
    'Access-Control-Request-Method' => 'GET');
is($s, 200, 'the * rule: any origin');
is(acx($h), join(' | ',
    'access-control-allow-methods: GET, POST',
    'access-control-allow-origin: *', "vary: $VARY"),
    '... "*", no credentials, no max age');

($s, $h, $b) = options('/web', Origin => 'https://elsewhere.example',
    'Access-Control-Request-Method' => 'PUT');
is("$s " . code($b), '403 AccessForbidden', 'preflight on the bucket: 403');
like($b, qr{<ResourceType>BUCKET</ResourceType>}, '... ResourceType BUCKET');

# requested headers

($s, $h) = options('/web/pub', Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'PUT',
    'Access-Control-Request-Headers' => 'X-Amz-Meta-Color,content-type');
is($s, 200, 'requested headers matching x-amz-* and Content-Type');
is($h->{'access-control-allow-headers'}, 'x-amz-meta-color, content-type',
    '... answered lower case, as requested');
($s, $h, $b) = options('/web/pub', Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'PUT',
    'Access-Control-Request-Headers' => 'x-amz-date, authorization');
is("$s " . code($b), '403 AccessForbidden', 'a header not allowed: 403');
($s, $h, $b) = options('/web/pub', Origin => 'https://elsewhere.example',
    'Access-Control-Request-Method' => 'GET',
    'Access-Control-Request-Headers' => 'x-amz-date');
is("$s " . code($b), '403 AccessForbidden',
    'a rule without AllowedHeader allows none');

# whatever the query and the style

($s, $h) = options('/web/pub?uploads', Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'PUT');
is($s, 200, 'preflight of ?uploads');
my $pre = presign($t, 'GET', '/web/pub');
($s, $h) = options($pre, Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'GET');
is($s, 200, 'preflight of a presigned URL: no signature check');
($s, $h) = options('/pub', Host => "web.s3.localhost:$port",
    Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'GET');
is($s, 200, 'preflight, virtual-hosted style');
is($h->{'access-control-allow-origin'}, 'https://app.example.com',
    '... echoed');
($s, $h, $b) = anon(OPTIONS => '/web/pub', headers => {
    Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'GET',
    Authorization => 'AWS4-HMAC-SHA256 Credential=nobody' });
is($s, 200, 'preflight with a bogus Authorization: not checked');

# ------------------------------------------------------ actual responses

my %app = (Origin => 'https://app.example.com');
my $app_get = join(' | ',
    'access-control-allow-credentials: true',
    'access-control-allow-methods: GET, PUT, HEAD',
    'access-control-allow-origin: https://app.example.com',
    'access-control-expose-headers: ETag, x-amz-request-id',
    'access-control-max-age: 3000', "vary: $VARY");

($s, $h, $b) = anon(GET => '/web/pub', headers => \%app);
is("$s $b", '200 public bytes', 'anonymous GET with Origin');
is(acx($h), $app_get, '... the CORS headers');

($s, $h) = anon(GET => '/web/pub');
is(acx($h), '', 'GET without Origin: none');
($s, $h) = anon(GET => '/web/pub',
    headers => { Origin => 'https://nobody.example.net' });
is(acx($h), 'access-control-allow-methods: GET, POST | '
    . "access-control-allow-origin: * | vary: $VARY",
    'another origin: the * rule');
($s, $h) = anon(GET => '/plain/pub', headers => \%app);
is("$s " . acx($h), '200 ', 'a bucket without CORS: none');

($s, $h) = anon(HEAD => '/web/pub', headers => \%app);
is("$s " . acx($h), "200 $app_get", 'HEAD');

($s, $h, $b) = req(PUT => '/web/new', body => 'x', headers => \%app);
is("$s " . acx($h), "200 $app_get", 'signed PUT');

($s, $h) = req(DELETE => '/web/new', headers => \%app);
is($s, 204, 'signed DELETE');
is($h->{'access-control-allow-methods'}, 'DELETE',
    '... matched by the DELETE rule');

($s, $h) = anon(GET => '/web/pub', headers => { %app,
    'Access-Control-Request-Method' => 'DELETE' });
is($h->{'access-control-allow-methods'}, 'DELETE',
    'Access-Control-Request-Method decides an actual request too');
($s, $h) = anon(GET => '/web/pub', headers => { %app,
    'Access-Control-Request-Headers' => 'authorization' });
is("$s " . acx($h), '200 ',
    '... and headers it lists that no rule allows: none');

($s, $h) = anon(POST => '/web/pub', headers => {
    Origin => 'https://nobody.example.net' });
is($s, 405, 'POST on a key: 405');
is($h->{'access-control-allow-origin'}, '*',
    '... with the headers (answered before the bucket was read)');

# errors

($s, $h, $b) = req(GET => '/web/missing', headers => \%app);
is("$s " . code($b), '404 NoSuchKey', 'NoSuchKey');
is(acx($h), $app_get, '... with the headers');

($s, $h, $b) = anon(GET => '/web/priv', headers => \%app);
is("$s " . code($b), '403 AccessDenied', 'anonymous GET of a private key');
is(acx($h), $app_get, '... with the headers');

($s, $h, $b) = req(GET => '/web/pub', headers => { %app,
    'If-Match' => '"nope"' });
is("$s " . code($b), '412 PreconditionFailed', 'If-Match failed');
is(acx($h), $app_get, '... with the headers');

($s, $h, $b) = req(GET => '/web/pub', headers => \%app, secret => 'wrong');
is("$s " . code($b), '403 SignatureDoesNotMatch', 'a bad signature');
is(acx($h), $app_get, '... with the headers');

($s, $h, $b) = req(GET => '/web/pub', headers => \%app, secret => 'wrong');
# (?tagging is served now, issue 16: ?policy is one not served)
($s, $h, $b) = req(GET => '/web?policy', headers => \%app);
is("$s " . code($b), '501 NotImplemented', 'a sub-resource not served');
is($h->{'access-control-allow-origin'}, 'https://app.example.com',
    '... with the headers');

($s, $h, $b) = req(PUT => '/web/k', body => 'x', headers => { %app,
    'x-amz-server-side-encryption-customer-algorithm' => 'AES256' });
is($s, 501, 'a header refused with 501');
is($h->{'access-control-allow-origin'}, 'https://app.example.com',
    '... with the headers');

($s, $h, $b) = put_cors('web', 'bad', headers => \%app);
is("$s " . code($b), '400 MalformedXML', 'a document refused');
is($h->{'access-control-allow-origin'}, 'https://app.example.com',
    '... with the headers');

($s, $h, $b) = anon(GET => '/nobucket/k', headers => \%app);
is("$s " . code($b), '404 NoSuchBucket', 'no bucket');
is(acx($h), '', '... no header');

($s, $h, $b) = req(GET => '/plain/none', headers => \%app);
is("$s " . acx($h), '404 ', 'an error in a bucket without CORS: none');

# presigned, V4 and V2

($s, $h, $b) = anon(GET => presign($t, 'GET', '/web/pub'), headers => \%app);
is("$s $b", '200 public bytes', 'presigned V4 GET');
is(acx($h), $app_get, '... with the headers');

($s, $h, $b) = anon(PUT => presign($t, 'PUT', '/web/up4'), body => 'v4',
    headers => \%app);
is($s, 200, 'presigned V4 PUT');
is(acx($h), $app_get, '... with the headers');

($s, $h, $b) = anon(GET => presign($t, 'GET', '/web/priv',
    time => time() - 7200, expires => 60), headers => \%app);
is("$s " . code($b), '403 AccessDenied', 'an expired presigned V4 URL');
is(acx($h), $app_get, '... with the headers');

sub v2_url {
    my ($method, $path, $expires) = @_;
    my $sig = sigv2($t->secret_key, "$method\n\n\n$expires\n$path");
    return "$path?AWSAccessKeyId=" . $t->access_key . "&Expires=$expires"
        . '&Signature=' . SOS::Test::uri_escape($sig);
}

($s, $h, $b) = anon(GET => v2_url('GET', '/web/priv', time() + 60),
    headers => \%app);
is("$s $b", '200 private bytes', 'presigned V2 GET');
is(acx($h), $app_get, '... with the headers');

($s, $h, $b) = anon(PUT => v2_url('PUT', '/web/up2', time() + 60),
    body => 'v2', headers => \%app);
is($s, 200, 'presigned V2 PUT');
is(acx($h), $app_get, '... with the headers');

# POST Object, the browser's form upload (the * rule allows POST)

{
    my $policy = encode_base64(
        '{"expiration":"2099-01-01T00:00:00Z","conditions":[{"bucket":"web"},'
        . '["starts-with","$key",""]]}', '');
    my $sig = encode_base64(hmac_sha1($policy, $t->secret_key), '');
    my $bd = 'xBOUNDARYx';
    my $form = '';
    for my $f ([key => 'form'], [AWSAccessKeyId => $t->access_key],
        [policy => $policy], [signature => $sig])
    {
        $form .= "--$bd\r\nContent-Disposition: form-data; "
            . "name=\"$f->[0]\"\r\n\r\n$f->[1]\r\n";
    }
    $form .= "--$bd\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"f\"\r\n\r\nform bytes\r\n--$bd--\r\n";

    ($s, $h, $b) = anon(POST => '/web', body => $form, headers => {
        'Content-Type' => "multipart/form-data; boundary=$bd",
        Origin => 'https://form.example' });
    is($s, 204, 'POST Object') or diag($b);
    is(acx($h), 'access-control-allow-methods: GET, POST | '
        . "access-control-allow-origin: * | vary: $VARY",
        '... with the headers');
}

# --------------------------------------------------------------- hostile

my $r = $t->raw("GET /web/pub HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
    . "Origin: https://app.example.com\rX: y\r\nConnection: close\r\n\r\n");
like($r, qr{^HTTP/1\.1 400 }, 'CR in Origin: nginx refuses the request');
unlike($r, qr{access-control}i, '... no CORS header');

($s, $h, $b) = anon(GET => '/web/pub',
    headers => { Origin => "https://app.example.com\x01" });
is("$s " . acx($h), '200 ', 'a control character in Origin: never echoed');
($s, $h, $b) = options('/web/pub', Origin => "https://app.example.com\x01",
    'Access-Control-Request-Method' => 'GET');
is("$s " . code($b), '403 AccessForbidden', '... a preflight refused');

($s, $h, $b) = anon(GET => '/web/pub',
    headers => { Origin => 'https://' . ('a' x (100 * 1024)) });
ok($s == 400 || $s == 494, "a 100-KiB Origin: nginx refuses it ($s)");
($s, $h) = anon(GET => '/web/pub',
    headers => { Origin => 'https://' . ('a' x 7000) });
is($h->{'access-control-allow-origin'}, '*',
    'a 7000-byte Origin: only the * rule, not echoed');

($s, $h) = options('/web/pub', Origin => 'https://app.example.com',
    'Access-Control-Request-Method' => 'GET',
    'Access-Control-Request-Headers' => join(',', ('x-amz-a') x 500));
is($s, 200, '500 requested headers, all allowed');
is(length $h->{'access-control-allow-headers'}, 500 * 9 - 2,
    '... each answered once as requested');

($s, $h) = anon(GET => '/web/pub',
    headers => { Origin => "https://\xe2\x98\x83.example" });
is($h->{'access-control-allow-origin'}, '*', 'a UTF-8 Origin: the * rule');

# a rule document of 64 KiB: large origins are kept and matched

my $big = 'https://' . ('b' x 60000) . '.example';
($s, $h, $b) = put_cors('plain', cors_doc("<AllowedOrigin>$big</AllowedOrigin>"
    . '<AllowedMethod>GET</AllowedMethod>'));
is($s, 200, 'a 60 KB origin in a rule') or diag($b);
($s, $h, $b) = req(GET => '/plain?cors');
like($b, qr{<AllowedOrigin>\Q$big\E</AllowedOrigin>}, '... given back');
req(DELETE => '/plain?cors');

# DeleteBucketCors ends it

($s) = req(DELETE => '/web?cors');
is($s, 204, 'DeleteBucketCors');
($s, $h) = anon(GET => '/web/pub', headers => \%app);
is("$s " . acx($h), '200 ', '... no header any more');
($s, $h, $b) = options('/web/pub', %app,
    'Access-Control-Request-Method' => 'GET');
is(message($b), 'CORSResponse: CORS is not enabled for this bucket.',
    '... preflight refused');

$t->stop_ok;

done_testing();
