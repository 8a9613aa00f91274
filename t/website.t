#!/usr/bin/perl

# Static websites: Put/Get/DeleteBucketWebsite (documents good and bad,
# with S3's error codes; the owner only), and the website endpoint
# ("sos_website on;"): the bucket from the Host, anonymous GET and HEAD,
# public objects only, index documents, "dir" -> "dir/", the error
# document with the error's status, HTML error pages, redirects (an
# object's, RedirectAllRequestsTo, routing rules by prefix and by error),
# Range and conditions as GetObject, custom domains, hostile hosts and
# keys.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5;
use Test::More;

use SOS::Admin;
use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
# S3 sends the declaration then LF, never CR LF (issue 15, "Responses")
my $DECL = qq{<?xml version="1.0" encoding="UTF-8"?>\n};

my $t = SOS::Test->new(http => "sos_domain s3.localhost;\n");
my $wport = SOS::Test::free_port();

# the website endpoint on its own port: a server with "sos_website on;"
# (what no location takes) and a location of the S3 server with it

$t->{http} .= <<"EOF";
    server {
        listen 127.0.0.1:$wport;
        server_name *.website.localhost site.example.com;
        sos_website_domain website.localhost;
        sos_website on;
    }
EOF
$t->{server} = "location /w/ { sos_website on; }\n" . $SOS::Admin::LOCATION;

my %bob = $t->org_with_key('bob');

$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

# a request to the website endpoint, as a browser sends it

sub web {
    my ($method, $path, %opts) = @_;
    my $host = delete $opts{host} // 'site.website.localhost';
    return SOS::Test->parse($t->http($method, $path, port => $wport,
        %opts, headers => { Host => $host, %{ $opts{headers} || {} } }));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] || '' }
sub message { ($_[0] =~ m{<Message>([^<]*)</Message>})[0] || '' }
sub page_code { ($_[0] =~ m{<li>Code: ([^<]*)</li>})[0] || '' }

sub website_xml { $DECL . qq{<WebsiteConfiguration xmlns="$XMLNS">}
    . join('', @_) . '</WebsiteConfiguration>' }

sub put_website {
    my ($bucket, $xml, %opts) = @_;
    return req(PUT => "/$bucket?website", body => $xml, %opts);
}

sub put_object {
    my ($key, $body, %h) = @_;
    my ($st) = req(PUT => "/site/$key", body => $body,
        headers => { 'Content-Type' => 'text/html', %h });
    is($st, 200, "put $key") or diag("put $key: $st");
}

my $INDEX = '<IndexDocument><Suffix>index.html</Suffix></IndexDocument>';
my $ERROR = '<ErrorDocument><Key>err.html</Key></ErrorDocument>';

# --- configuration ----------------------------------------------------

my ($st, $h, $b) = req(PUT => '/site',
    headers => { 'x-amz-acl' => 'public-read' });
is($st, 200, 'create public-read bucket');

($st, $h, $b) = req(GET => '/site?website');
is($st, 404, 'no configuration: 404');
is(code($b), 'NoSuchWebsiteConfiguration', 'NoSuchWebsiteConfiguration');
like($b, qr{<BucketName>site</BucketName>}, '... names the bucket');

my $rules = '<RoutingRules>'
    . '<RoutingRule><Condition><KeyPrefixEquals>docs/old/</KeyPrefixEquals>'
    . '</Condition><Redirect><ReplaceKeyPrefixWith>docs/new/'
    . '</ReplaceKeyPrefixWith></Redirect></RoutingRule>'
    . '<RoutingRule><Condition><KeyPrefixEquals>moved</KeyPrefixEquals>'
    . '</Condition><Redirect><HostName>example.org</HostName>'
    . '<HttpRedirectCode>307</HttpRedirectCode><Protocol>https</Protocol>'
    . '<ReplaceKeyWith>new home.html</ReplaceKeyWith></Redirect>'
    . '</RoutingRule>'
    . '<RoutingRule><Condition><HttpErrorCodeReturnedEquals>404'
    . '</HttpErrorCodeReturnedEquals><KeyPrefixEquals>lost/'
    . '</KeyPrefixEquals></Condition><Redirect><HostName>found.example'
    . '</HostName><ReplaceKeyPrefixWith>f/</ReplaceKeyPrefixWith>'
    . '</Redirect></RoutingRule>'
    . '</RoutingRules>';

my $full = website_xml($INDEX, $ERROR, $rules);

($st, $h, $b) = put_website('site', $full);
is($st, 200, 'PutBucketWebsite') or diag($b);

($st, $h, $b) = req(GET => '/site?website');
is($st, 200, 'GetBucketWebsite');
like($h->{'content-type'}, qr{^application/xml}, 'XML');
is($b, $full, 'GetBucketWebsite: the document, in S3 order');

# anyone but the owner is refused, as S3 (no bucket policy here)

for my $m (qw(GET PUT DELETE)) {
    ($st, $h, $b) = req($m => '/site?website', %bob,
        $m eq 'PUT' ? (body => $full) : ());
    is($st, 403, "$m ?website by another organization: 403");
    is(code($b), 'AccessDenied', "$m ?website: AccessDenied");
}

($st, $h, $b) = SOS::Test->parse($t->http(GET => '/site?website'));
is($st, 403, 'anonymous GetBucketWebsite: 403');

($st, $h, $b) = req(GET => '/none?website');
is(code($b), 'NoSuchBucket', 'GetBucketWebsite of no bucket: NoSuchBucket');

# documents S3 refuses, with its codes and messages; nothing is stored

my $rule = sub {
    my ($cond, $redir) = @_;
    return '<RoutingRules><RoutingRule>'
        . (defined $cond ? "<Condition>$cond</Condition>" : '')
        . (defined $redir ? "<Redirect>$redir</Redirect>" : '')
        . '</RoutingRule></RoutingRules>';
};

my @bad = (
    [ 'not XML', 'website', 'MalformedXML' ],
    [ 'wrong root', "$DECL<Website>$INDEX</Website>", 'MalformedXML' ],
    [ 'unknown element', website_xml($INDEX, '<Other/>'), 'MalformedXML' ],
    [ 'IndexDocument twice', website_xml($INDEX, $INDEX), 'MalformedXML' ],
    [ 'no IndexDocument', website_xml($ERROR), 'InvalidArgument',
      'A value for IndexDocument Suffix must be provided if '
      . 'RedirectAllRequestsTo is empty' ],
    [ 'empty document', website_xml(), 'InvalidArgument',
      'A value for IndexDocument Suffix must be provided if '
      . 'RedirectAllRequestsTo is empty' ],
    [ 'empty Suffix',
      website_xml('<IndexDocument><Suffix></Suffix></IndexDocument>'),
      'InvalidArgument', 'The IndexDocument Suffix is not well formed' ],
    [ 'Suffix with a slash',
      website_xml('<IndexDocument><Suffix>a/i.html</Suffix></IndexDocument>'),
      'InvalidArgument', 'The IndexDocument Suffix is not well formed' ],
    [ 'Suffix with a line feed',
      website_xml('<IndexDocument><Suffix>a&#10;b</Suffix></IndexDocument>'),
      'InvalidArgument', 'The IndexDocument Suffix is not well formed' ],
    [ 'ErrorDocument without Key',
      website_xml($INDEX, '<ErrorDocument></ErrorDocument>'),
      'MalformedXML' ],
    [ 'RedirectAllRequestsTo with an index',
      website_xml('<RedirectAllRequestsTo><HostName>example.com</HostName>'
          . '</RedirectAllRequestsTo>', $INDEX),
      'InvalidArgument', 'RedirectAllRequestsTo cannot be provided in '
      . 'conjunction with other Routing Rules.' ],
    [ 'RedirectAllRequestsTo without HostName',
      website_xml('<RedirectAllRequestsTo><Protocol>https</Protocol>'
          . '</RedirectAllRequestsTo>'), 'MalformedXML' ],
    [ 'RedirectAllRequestsTo to ftp',
      website_xml('<RedirectAllRequestsTo><HostName>example.com</HostName>'
          . '<Protocol>ftp</Protocol></RedirectAllRequestsTo>'),
      'InvalidRequest', 'Invalid protocol, protocol can be http or https. '
      . 'If not defined the protocol will be selected automatically.' ],
    [ 'RedirectAllRequestsTo a host with CR LF',
      website_xml('<RedirectAllRequestsTo><HostName>a.com&#13;&#10;X: y'
          . '</HostName></RedirectAllRequestsTo>'), 'InvalidArgument' ],
    [ 'RedirectAllRequestsTo a host with a slash',
      website_xml('<RedirectAllRequestsTo><HostName>a.com/x</HostName>'
          . '</RedirectAllRequestsTo>'), 'InvalidArgument' ],
    [ 'empty RoutingRules', website_xml($INDEX, '<RoutingRules/>'),
      'MalformedXML' ],
    [ '51 routing rules', website_xml($INDEX, '<RoutingRules>'
          . ('<RoutingRule><Redirect><HostName>a.com</HostName></Redirect>'
             . '</RoutingRule>') x 51 . '</RoutingRules>'),
      'InvalidRequest', '51 routing rules provided, the number of routing '
      . 'rules in a website configuration is limited to 50.' ],
    [ 'a rule without Redirect',
      website_xml($INDEX, $rule->('<KeyPrefixEquals>a</KeyPrefixEquals>')),
      'MalformedXML' ],
    [ 'an empty Condition', website_xml($INDEX,
          $rule->('', '<HostName>a.com</HostName>')),
      'InvalidRequest', 'Condition cannot be empty. To redirect all '
      . 'requests without a condition, the condition element shouldn&apos;t '
      . 'be present.' ],
    [ 'redirect code 300', website_xml($INDEX,
          $rule->(undef, '<HttpRedirectCode>300</HttpRedirectCode>')),
      'InvalidRequest', 'The provided HTTP redirect code (300) is not '
      . 'valid. Valid codes are 3XX except 300.' ],
    [ 'redirect code 200', website_xml($INDEX,
          $rule->(undef, '<HttpRedirectCode>200</HttpRedirectCode>')),
      'InvalidRequest', 'The provided HTTP redirect code (200) is not '
      . 'valid. Valid codes are 3XX except 300.' ],
    [ 'error code 302', website_xml($INDEX, $rule->(
          '<HttpErrorCodeReturnedEquals>302</HttpErrorCodeReturnedEquals>',
          '<HostName>a.com</HostName>')),
      'InvalidRequest', 'The provided HTTP error code (302) is not valid. '
      . 'Valid codes are 4XX or 5XX.' ],
    [ 'ReplaceKeyWith and ReplaceKeyPrefixWith', website_xml($INDEX,
          $rule->(undef, '<ReplaceKeyWith>a</ReplaceKeyWith>'
              . '<ReplaceKeyPrefixWith>b</ReplaceKeyPrefixWith>')),
      'InvalidRequest', 'You can only define ReplaceKeyPrefix or '
      . 'ReplaceKey but not both.' ],
    [ 'a blank HostName', website_xml($INDEX,
          $rule->(undef, '<HostName></HostName>')),
      'InvalidRequest', 'The HostName cannot be blank. To redirect within '
      . 'the same domain, the element should not be present.' ],
    [ 'a rule to ftp', website_xml($INDEX,
          $rule->(undef, '<Protocol>ftp</Protocol>')), 'InvalidRequest' ],
    [ 'ReplaceKeyWith with a line feed', website_xml($INDEX,
          $rule->(undef, '<ReplaceKeyWith>a&#10;Set-Cookie: x</ReplaceKeyWith>')),
      'InvalidArgument' ],
    [ 'ReplaceKeyPrefixWith with a tab', website_xml($INDEX,
          $rule->(undef, "<ReplaceKeyPrefixWith>a\tb</ReplaceKeyPrefixWith>")),
      'InvalidArgument' ],
    [ 'a HostName with a space', website_xml($INDEX,
          $rule->(undef, '<HostName>a b</HostName>')), 'InvalidArgument' ],
);

for my $c (@bad) {
    my ($name, $xml, $code, $msg) = @$c;
    ($st, $h, $b) = put_website('site', $xml);
    is($st, 400, "$name: 400");
    is(code($b), $code, "$name: $code");
    is(message($b), $msg, "$name: S3's message") if defined $msg;
}

($st, $h, $b) = req(GET => '/site?website');
is($b, $full, 'refused documents changed nothing');

($st, $h, $b) = req(PUT => '/site?website', body => 'x' x (300 * 1024));
is(code($b), 'MalformedXML', 'a document too large: MalformedXML');

# --- the endpoint -----------------------------------------------------

put_object('index.html', 'home', 'x-amz-acl' => 'public-read');
put_object('docs/index.html', 'docs home', 'x-amz-acl' => 'public-read');
put_object('err.html', '<p>custom error</p>', 'x-amz-acl' => 'public-read');
put_object('private.html', 'secret');
put_object('priv/index.html', 'secret index');
put_object('big.txt', '0123456789', 'x-amz-acl' => 'public-read',
    'Content-Type' => 'text/plain');
put_object('a%20b%2Bc.html', 'spaced', 'x-amz-acl' => 'public-read');

($st, $h, $b) = web(GET => '/');
is($st, 200, '/: 200');
is($b, 'home', '/: the index document');
is($h->{'content-type'}, 'text/html', '... with its Content-Type');
ok($h->{etag} && $h->{'last-modified'}, '... ETag and Last-Modified');

($st, $h, $b) = web(GET => '/docs/');
is($b, 'docs home', 'dir/: its index document');

($st, $h, $b) = web(GET => '/docs');
is($st, 302, 'dir: 302');
is($h->{location}, '/docs/', 'dir: to dir/');

($st, $h, $b) = web(GET => '/index.html');
is($b, 'home', 'a key');

($st, $h, $b) = web(GET => '/a%20b+c.html');
is($b, 'spaced', 'a key %XX decoded, + kept');

($st, $h, $b) = web(HEAD => '/big.txt');
is($st, 200, 'HEAD: 200');
is($h->{'content-length'}, 10, 'HEAD: Content-Length');
is($b, '', 'HEAD: no body');

# Range and conditions, as GetObject answers them

my $etag = $h->{etag};
my $lm = $h->{'last-modified'};

($st, $h, $b) = web(GET => '/big.txt', headers => { Range => 'bytes=2-4' });
is($st, 206, 'Range: 206');
is($b, '234', 'Range: the bytes');
is($h->{'content-range'}, 'bytes 2-4/10', 'Range: Content-Range');

($st, $h, $b) = web(GET => '/big.txt', headers => { Range => 'bytes=20-' });
is($st, 416, 'Range past the end: 416');
is(page_code($b), 'InvalidRange', '416: an HTML page, InvalidRange');

($st, $h, $b) = web(GET => '/big.txt',
    headers => { 'If-None-Match' => $etag });
is($st, 304, 'If-None-Match: 304');
is($h->{etag}, $etag, '304: the ETag');
is($b, '', '304: no body');

($st, $h, $b) = web(GET => '/big.txt',
    headers => { 'If-Modified-Since' => $lm });
is($st, 304, 'If-Modified-Since: 304');

($st, $h, $b) = web(GET => '/big.txt', headers => { 'If-Match' => '"x"' });
is($st, 412, 'If-Match: 412');
is(page_code($b), 'PreconditionFailed', '412: PreconditionFailed page');
is($h->{'x-amz-error-code'}, 'PreconditionFailed', '412: x-amz-error-code');
like($h->{'content-type'}, qr{^text/html}, '412: HTML');

($st, $h, $b) = web(GET => '/big.txt', headers => {
    'If-Match' => $etag, Range => 'bytes=-3' });
is($st, 206, 'If-Match and a suffix range: 206');
is($b, '789', '... the last bytes');

# errors: the error document with the error's status

($st, $h, $b) = web(GET => '/nothing.html');
is($st, 404, 'missing key in a listable bucket: 404');
is($b, '<p>custom error</p>', '404: the error document');
is($h->{'x-amz-error-code'}, 'NoSuchKey', '404: x-amz-error-code');

($st, $h, $b) = web(GET => '/private.html');
is($st, 403, 'private object: 403');
is($b, '<p>custom error</p>', '403: the error document');
is($h->{'x-amz-error-code'}, 'AccessDenied', '403: AccessDenied');

($st, $h, $b) = web(GET => '/priv/');
is($st, 403, 'private index document: 403');

($st, $h, $b) = web(GET => '/priv');
is($st, 404, 'dir whose index is private: no redirect');

($st, $h, $b) = web(HEAD => '/nothing.html');
is($st, 404, 'HEAD of a missing key: 404');
is($b, '', 'HEAD: no body');

# routing rules: by key prefix before the lookup, by error after

($st, $h, $b) = web(GET => '/docs/old/a%20b.html');
is($st, 301, 'KeyPrefixEquals: 301');
is($h->{location}, 'http://site.website.localhost/docs/new/a%20b.html',
    'ReplaceKeyPrefixWith, the request\'s host and protocol');

($st, $h, $b) = web(GET => '/moved/x', host => "site.website.localhost:$wport");
is($st, 307, 'HttpRedirectCode');
is($h->{location}, 'https://example.org/new%20home.html',
    'ReplaceKeyWith, HostName, Protocol');

($st, $h, $b) = web(GET => '/docs/old/a%0D%0ASet-Cookie:%20x=1');
is($st, 301, 'a key with CR LF: redirected');
is($h->{location},
    'http://site.website.localhost/docs/new/a%0D%0ASet-Cookie%3A%20x%3D1',
    '... its Location percent-encoded');
ok(!exists $h->{'set-cookie'}, '... no header injected');

($st, $h, $b) = web(GET => '/lost/page.html');
is($st, 301, 'HttpErrorCodeReturnedEquals 404: 301');
is($h->{location}, 'http://found.example/f/page.html',
    'the error rule: prefix replaced');

put_object('lost/here.html', 'here', 'x-amz-acl' => 'public-read');
($st, $h, $b) = web(GET => '/lost/here.html');
is($b, 'here', 'no error: the error rule does not apply');

# an object's x-amz-website-redirect-location: 301, public objects only

my $R = 'x-amz-website-redirect-location';

put_object('old.html', 'old', 'x-amz-acl' => 'public-read', $R => '/docs/');
($st, $h, $b) = web(GET => '/old.html');
is($st, 301, 'website redirect: 301');
is($h->{location}, '/docs/', 'website redirect: its Location');
is($b, '', 'website redirect: no body');

($st, $h, $b) = web(HEAD => '/old.html');
is($st, 301, 'website redirect, HEAD: 301');

put_object('far.html', 'far', 'x-amz-acl' => 'public-read',
    $R => 'https://example.com/a%20b?c=d');
($st, $h, $b) = web(GET => '/far.html');
is($h->{location}, 'https://example.com/a%20b?c=d',
    'website redirect to another site');

put_object('hidden.html', 'hidden', $R => '/docs/');
($st, $h, $b) = web(GET => '/hidden.html');
is($st, 403, 'a private object\'s redirect: 403');
ok(!exists $h->{location}, '... its target not told');

put_object('docs/', 'a folder object', 'x-amz-acl' => 'public-read',
    $R => '/elsewhere/');
($st, $h, $b) = web(GET => '/docs/');
is($b, 'docs home', 'dir/ is its index document, not the "dir/" object');

# methods, hosts, keys

for my $m (qw(PUT POST DELETE)) {
    ($st, $h, $b) = web($m => '/index.html', body => 'x');
    is($st, 405, "$m: 405");
    is(page_code($b), 'MethodNotAllowed', "$m: MethodNotAllowed page");
}

($st, $h, $b) = web(GET => '/index.html', headers => {
    Authorization => 'AWS4-HMAC-SHA256 Credential=AKIAX/20250101/us-east-1/'
        . 's3/aws4_request, SignedHeaders=host, Signature=00' });
is($st, 200, 'an Authorization header is ignored');

($st, $h, $b) = web(GET => '/private.html?X-Amz-Signature=00&'
    . 'X-Amz-Credential=x&X-Amz-Algorithm=AWS4-HMAC-SHA256');
is($st, 403, 'a presigned query is ignored: anonymous');

($st, $h, $b) = web(GET => '/', host => 'SITE.Website.Localhost');
is($b, 'home', 'upper-case Host');

($st, $h, $b) = web(GET => '/', host => 'site.example.com');
is($st, 404, 'custom domain, no such bucket: 404');
is(page_code($b), 'NoSuchBucket', 'custom domain: NoSuchBucket');
like($b, qr{<li>BucketName: site.example.com</li>}, '... names it');

# a custom domain: the bucket named as the host

($st) = req(PUT => '/site.example.com',
    headers => { 'x-amz-acl' => 'public-read' });
is($st, 200, 'a bucket named as a domain');
($st) = req(PUT => '/site.example.com/index.html', body => 'custom',
    headers => { 'x-amz-acl' => 'public-read' });
($st) = put_website('site.example.com', website_xml($INDEX));
is($st, 200, '... a website');
($st, $h, $b) = web(GET => '/', host => 'site.example.com');
is($b, 'custom', 'custom domain: its bucket\'s index');
($st, $h, $b) = web(GET => '/', host => "Site.Example.Com.:$wport");
is($b, 'custom', 'custom domain: any case, final dot, port');

($st, $h, $b) = web(GET => '/', host => 'nobucket.website.localhost');
is(page_code($b), 'NoSuchBucket', 'no bucket: NoSuchBucket page');
like($h->{'content-type'}, qr{^text/html}, 'no bucket: HTML');

($st, $h, $b) = web(GET => '/', host => 'Bad_Name.website.localhost');
is($st, 404, 'an invalid bucket name: 404');
is(page_code($b), 'NoSuchBucket', 'an invalid bucket name: NoSuchBucket');

($st, $h, $b) = web(GET => '/', host => ('a' x 300) . '.website.localhost');
is($st, 404, 'a very long host: 404');

($st, $h, $b) = web(GET => '/', host => '<b>.website.localhost');
is($st, 404, 'a host with markup: 404');
like($b, qr{<li>BucketName: &lt;b&gt;</li>}, '... escaped in the page');

my $raw = $t->raw("GET / HTTP/1.1\r\nHost: site.website.localhost\rX-I: 1"
    . "\r\nConnection: close\r\n\r\n", port => $wport);
like($raw, qr{^HTTP/1\.1 400 }, 'a Host with a bare CR: 400');
unlike($raw, qr{^X-I:}mi, '... nothing injected');

($st, $h, $b) = web(GET => '/', host => 'site%0d%0aX-I:%201.website.localhost');
ok($st == 404 || $st == 400, 'a Host with %0d%0a: refused');
ok(!exists $h->{'x-i'}, '... nothing injected');

($st, $h, $b) = web(GET => '/', host => 'a/b.website.localhost');
is($st, 400, 'a host nginx refuses: 400');

($st, $h, $b) = web(GET => '/%00');
is($st, 400, 'a key with NUL: 400');

($st, $h, $b) = web(GET => '/a%01b');
is($st, 400, 'a key with a control character: 400');
is(page_code($b), 'InvalidURI', '... InvalidURI page');

($st, $h, $b) = web(GET => '/' . ('k' x 1025));
is($st, 400, 'a key of 1025 bytes: 400');
is(page_code($b), 'KeyTooLongError', '... KeyTooLongError page');

($st, $h, $b) = web(GET => '/' . ('k' x 1019) . '/');
is($st, 404, 'dir/ whose index key would be too long: 404');

($st, $h, $b) = web(GET => '/../index.html');
is($st, 400, 'a path above the root: 400');

($st, $h, $b) = web(GET => '/docs/..%2Findex.html');
is($st, 404, '"..": a key like any other');

# a bucket without website configuration; the page S3 sends

($st, $h, $b) = req(PUT => '/plain');
($st, $h, $b) = web(GET => '/', host => 'plain.website.localhost');
is($st, 404, 'no website configuration: 404');
is(page_code($b), 'NoSuchWebsiteConfiguration',
    'NoSuchWebsiteConfiguration page');
my $page = '^<html>\n<head><title>404 Not Found</title></head>\n<body>\n'
    . '<h1>404 Not Found</h1>\n<ul>\n<li>Code: NoSuchWebsiteConfiguration'
    . '</li>\n<li>Message: The specified bucket does not have a website '
    . 'configuration</li>\n<li>BucketName: plain</li>\n<li>RequestId: '
    . '[0-9a-f]+</li>\n<li>HostId: [0-9a-f]+</li>\n</ul>\n<hr/>\n'
    . '</body>\n</html>\n$';
like($b, qr{$page}, 'the page, as S3 writes it');
is($h->{'content-type'}, 'text/html; charset=utf-8', 'text/html');

# a private bucket: a missing key is 403, its existence is not told

($st, $h, $b) = put_website('plain', website_xml($INDEX));
is($st, 200, 'index only');
($st, $h, $b) = web(GET => '/none', host => 'plain.website.localhost');
is($st, 403, 'missing key, bucket not listable: 403');
is(page_code($b), 'AccessDenied', '... AccessDenied');
unlike($b, qr{BucketName|<li>Key}, '... naming neither bucket nor key');

# the error document is missing: S3's page says so too

($st, $h, $b) = req(DELETE => '/site/err.html');
($st, $h, $b) = web(GET => '/nothing.html');
is($st, 404, 'no error document: 404');
like($b, qr{<li>Key: nothing.html</li>}, 'the page names the key');
$page = '<h3>An Error Occurred While Attempting to Retrieve a Custom '
    . 'Error Document</h3>\n<ul>\n<li>Code: NoSuchKey</li>\n'
    . '<li>Message: The specified key does not exist.</li>\n'
    . '<li>Key: err.html</li>\n</ul>';
like($b, qr{$page}, '... and the error document\'s');

# the endpoint in a location of the S3 server

($st, $h, $b) = SOS::Test->parse($t->http(GET => '/w/',
    headers => { Host => 'site' }));
is($st, 404, 'a location with sos_website: the key is "w/"');
is(page_code($b), 'NoSuchKey', '... an HTML page');

# RedirectAllRequestsTo

($st, $h, $b) = put_website('site', website_xml(
    '<RedirectAllRequestsTo><HostName>example.net:8443</HostName>'
    . '<Protocol>https</Protocol></RedirectAllRequestsTo>'));
is($st, 200, 'RedirectAllRequestsTo');
($st, $h, $b) = req(GET => '/site?website');
is($b, website_xml('<RedirectAllRequestsTo><HostName>example.net:8443'
    . '</HostName><Protocol>https</Protocol></RedirectAllRequestsTo>'),
    'GetBucketWebsite: RedirectAllRequestsTo');
($st, $h, $b) = web(GET => '/a/b%20c?x=1');
is($st, 301, 'RedirectAllRequestsTo: 301');
is($h->{location}, 'https://example.net:8443/a/b%20c?x=1',
    'RedirectAllRequestsTo: protocol, host, key and query');

# DeleteBucketWebsite

($st, $h, $b) = req(DELETE => '/site?website');
is($st, 204, 'DeleteBucketWebsite: 204');
($st, $h, $b) = req(GET => '/site?website');
is(code($b), 'NoSuchWebsiteConfiguration', 'deleted');
($st, $h, $b) = req(DELETE => '/site?website');
is($st, 204, 'DeleteBucketWebsite again: 204');
($st, $h, $b) = web(GET => '/');
is(page_code($b), 'NoSuchWebsiteConfiguration', 'the endpoint: deleted');

# the bucket's CORS rules apply on the website endpoint too: to pages,
# to error pages, and only for an origin they allow

{
    my $cors = qq{<CORSConfiguration xmlns="$XMLNS"><CORSRule>}
        . '<AllowedOrigin>http://app.example</AllowedOrigin>'
        . '<AllowedMethod>GET</AllowedMethod>'
        . '<ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>';
    ($st) = req(PUT => '/site?cors', body => $cors, headers => {
        'Content-MD5' => Digest::MD5::md5_base64($cors) . '==' });
    is($st, 200, 'CORS rules for the site bucket');
    ($st) = put_website('site', website_xml($INDEX));
    put_object('index.html', '<p>cors</p>', 'x-amz-acl' => 'public-read');

    my $o = { Origin => 'http://app.example' };
    ($st, $h, $b) = web(GET => '/', headers => $o);
    is($st, 200, 'CORS: the index page');
    is($h->{'access-control-allow-origin'}, 'http://app.example',
        'CORS: the page allows the origin');
    is($h->{'access-control-expose-headers'}, 'ETag',
        'CORS: and exposes what the rule says');
    ($st, $h, $b) = web(GET => '/missing.html', headers => $o);
    ok($st >= 400 && $h->{'access-control-allow-origin'},
        "CORS: an error page ($st) allows the origin too");
    ($st, $h, $b) = web(GET => '/',
        headers => { Origin => 'http://evil.example' });
    ok(!exists $h->{'access-control-allow-origin'},
        'CORS: nothing for an origin no rule allows');
    ($st, $h, $b) = web(GET => '/');
    ok(!exists $h->{'access-control-allow-origin'},
        'CORS: nothing without Origin');
}

# Cache-Control on the website endpoint: a public page, as an anonymous
# GetObject, carries the object's own value, else the bucket's default

{
    my ($rc, $out, $err) = SOS::Admin::sosctl_online($t, {}, 'bucket',
        'cache-control', 'site', 'max-age=30');
    is($rc, 0, 'a default Cache-Control for the site bucket') or diag($err);
    ($st, $h, $b) = web(GET => '/');
    is($h->{'cache-control'}, 'max-age=30',
        'Cache-Control: the bucket\'s default on a page');
    put_object('own.html', 'own', 'x-amz-acl' => 'public-read',
        'Cache-Control' => 'max-age=5');
    ($st, $h, $b) = web(GET => '/own.html');
    is($h->{'cache-control'}, 'max-age=5',
        'Cache-Control: the object\'s own');
}

$t->stop_ok;

# a website domain with a port, or a leading dot, is refused

for my $d ('a.example:80', '.example.com') {
    my $bad = SOS::Test->new(keys => 0,
        http => "sos_website_domain $d;\n");
    ok($bad->start_refused, "sos_website_domain $d: refused");
    like($bad->read_file('error.log'),
        qr/\[emerg\].*invalid "sos_website_domain"/, '... and why');
}

done_testing();
