#!/usr/bin/perl

# The website endpoint and CORS under a hostile client: requests as a
# browser never sends them (a Host that differs from the request line's
# host or carries more than a port, IP literals, keys with slashes where
# a URL's authority goes), ACLs that grant to authenticated users only
# (objects, the bucket, its error and index documents), keys at the
# length limit, settings across DeleteBucket and PutBucketAcl, and the
# CORS headers of website answers for hostile origins.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5;
use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $DECL = qq{<?xml version="1.0" encoding="UTF-8"?>\r\n};

my $t = SOS::Test->new(http => "sos_domain s3.localhost;\n");
my $wport = SOS::Test::free_port();

$t->{http} .= <<"EOF2";
    server {
        listen 127.0.0.1:$wport;
        server_name *.website.localhost;
        sos_website_domain website.localhost;
        sos_website on;
    }
EOF2

$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub web {
    my ($method, $path, %opts) = @_;
    my $host = delete $opts{host} // 'site.website.localhost';
    return SOS::Test->parse($t->http($method, $path, port => $wport,
        %opts, headers => { Host => $host, %{ $opts{headers} || {} } }));
}

sub page_code { ($_[0] =~ m{<li>Code: ([^<]*)</li>})[0] || '' }

sub website_xml { $DECL . qq{<WebsiteConfiguration xmlns="$XMLNS">}
    . join('', @_) . '</WebsiteConfiguration>' }

sub put_object {
    my ($bucket, $key, $body, %h) = @_;
    my ($st, undef, $b) = req(PUT => "/$bucket/$key", body => $body,
        headers => { 'Content-Type' => 'text/html', %h });
    is($st, 200, "put $bucket/$key") or diag("put $key: $st $b");
}

my $INDEX = '<IndexDocument><Suffix>index.html</Suffix></IndexDocument>';

my ($st, $h, $b) = req(PUT => '/site',
    headers => { 'x-amz-acl' => 'public-read' });
is($st, 200, 'a public-read bucket');

($st, $h, $b) = req(PUT => '/site?website', body => website_xml($INDEX,
    '<RoutingRules><RoutingRule><Condition><KeyPrefixEquals>old/'
    . '</KeyPrefixEquals></Condition><Redirect><ReplaceKeyPrefixWith>new/'
    . '</ReplaceKeyPrefixWith></Redirect></RoutingRule></RoutingRules>'));
is($st, 200, 'PutBucketWebsite') or diag($b);

put_object('site', 'index.html', 'home', 'x-amz-acl' => 'public-read');

# a request line's absolute URI names the server; a Host header that
# names another is not where a redirect goes (a cache in front would keep
# that redirect for everyone)

($st, $h, $b) = web(GET => '/old/x');
is($st, 301, 'a rule: 301');
is($h->{location}, 'http://site.website.localhost/new/x',
    '... to the request\'s host');

($st, $h, $b) = web(GET => '/old/x', host => "Site.Website.Localhost:$wport");
is($h->{location}, "http://Site.Website.Localhost:$wport/new/x",
    '... as the Host header writes it, with its port');

my $raw = $t->raw("GET http://site.website.localhost/old/x HTTP/1.1\r\n"
    . "Host: evil.example\r\nConnection: close\r\n\r\n", port => $wport);
($st, $h, $b) = SOS::Test->parse($raw);
is($st, 301, 'an absolute URI and another Host: 301');
is($h->{location}, 'http://site.website.localhost/new/x',
    '... to the host the request line names, not the Host header\'s');

$raw = $t->raw("GET http://site.website.localhost/old/x HTTP/1.1\r\n"
    . "Host: site.website.localhost.evil.example\r\n"
    . "Connection: close\r\n\r\n", port => $wport);
($st, $h, $b) = SOS::Test->parse($raw);
is($h->{location}, 'http://site.website.localhost/new/x',
    '... nor a Host that only begins with it');

# "dir" -> "dir/" is a relative Location: a key that begins with a slash
# must not turn it into a protocol-relative URL to another host

put_object('site', '/evil.example/index.html', 'x',
    'x-amz-acl' => 'public-read');
($st, $h, $b) = web(GET => '//evil.example');
is($st, 302, 'a key beginning with a slash, its index exists: 302');
is($h->{location}, '/%2Fevil.example/', '... to a path on this host');
($st, $h, $b) = web(GET => $h->{location});
is($b, 'x', '... which serves that index document');

# a key near the length limit is served even when the index suffix would
# not fit after it (the suffix is only added to "" and "dir/")

my $long = 'k' x 1020;
put_object('site', $long, 'long', 'x-amz-acl' => 'public-read');
($st, $h, $b) = web(GET => "/$long");
is($st, 200, 'a key of 1020 bytes: 200');
is($b, 'long', '... the object');

# a Host whose port part carries more than a port: not in a Location

for my $host ("site.website.localhost:80\@evil.example",
              'site.website.localhost:.evil.example')
{
    ($st, $h, $b) = web(GET => '/old/x', host => $host);
    is($h->{location} // '', 'http://site.website.localhost/new/x',
        "Host $host: the server's name in the Location");
}

for my $host ('127.0.0.1', '[::1]', 'site%2ewebsite.localhost',
              'site.website.localhost..')
{
    ($st, $h, $b) = web(GET => '/index.html', host => $host);
    ok($st == 400 || $st == 404, "Host $host: no bucket ($st)");
    unlike($b, qr/home/, "Host $host: nothing served");
}

# only what everyone may read: a grant to authenticated users is not one

put_object('site', 'auth.html', 'authenticated only',
    'x-amz-acl' => 'authenticated-read');
($st, $h, $b) = web(GET => '/auth.html');
is($st, 403, 'an authenticated-read object: 403');
unlike($b, qr/authenticated only/, '... not served');

($st) = req(PUT => '/authb',
    headers => { 'x-amz-acl' => 'authenticated-read' });
is($st, 200, 'an authenticated-read bucket');
($st, $h, $b) = req(PUT => '/authb?website', body => website_xml($INDEX,
    '<ErrorDocument><Key>err.html</Key></ErrorDocument>'));
is($st, 200, '... a website with an error document');
put_object('authb', 'err.html', 'private error page');
put_object('authb', 'dir/index.html', 'private index');

($st, $h, $b) = web(GET => '/none', host => 'authb.website.localhost');
is($st, 403, 'a missing key where only the signed-in may list: 403');
unlike($b, qr/private error page/, '... the private error document not sent');
my $doc = qr{<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>\n}
    . qr{<li>Key: err.html</li>};
like($b, qr{$doc}, '... the page says it could not be read');
unlike($b, qr/none/, '... nor is the key named');

($st, $h, $b) = web(GET => '/dir/', host => 'authb.website.localhost');
is($st, 403, 'a private index document: 403');
($st, $h, $b) = web(GET => '/dir', host => 'authb.website.localhost');
is($st, 403, 'dir whose index is private: 403, no redirect');
ok(!exists $h->{location}, '... no Location');

# settings go with their bucket: gone when it is deleted and made again,
# kept when its ACL changes

($st) = req(PUT => '/gone');
($st, $h, $b) = req(PUT => '/gone?website', body => website_xml($INDEX));
is($st, 200, 'a website');
($st) = req(PUT => '/gone?acl', headers => { 'x-amz-acl' => 'public-read' });
is($st, 200, 'PutBucketAcl');
($st) = req(GET => '/gone?website');
is($st, 200, '... the website is kept');
($st) = req(DELETE => '/gone');
is($st, 204, 'DeleteBucket');
($st) = req(PUT => '/gone');
is($st, 200, 'CreateBucket again');
($st, $h, $b) = req(GET => '/gone?website');
is($st, 404, '... no website configuration');

# CORS on the website endpoint: a rule for any origin is "*", without
# credentials; an origin with a control character is never echoed

my $cors = qq{<CORSConfiguration xmlns="$XMLNS"><CORSRule>}
    . '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'
    . '</CORSRule></CORSConfiguration>';
($st) = req(PUT => '/site?cors', body => $cors, headers => {
    'Content-MD5' => Digest::MD5::md5_base64($cors) . '==' });
is($st, 200, 'CORS: any origin');

for my $o ('null', 'http://evil.example') {
    ($st, $h, $b) = web(GET => '/index.html', headers => { Origin => $o });
    is($h->{'access-control-allow-origin'}, '*', "Origin $o: *");
    ok(!exists $h->{'access-control-allow-credentials'},
        "Origin $o: no credentials");
}

($st, $h, $b) = web(GET => '/index.html',
    headers => { Origin => "http://a.example\x01" });
ok(!exists $h->{'access-control-allow-origin'},
    'an Origin with a control character: no CORS headers');

# documents built to cost: entities, deep nesting; refused, nothing set

my $bomb = qq{<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">}
    . join('', map { my $p = $_ - 1;
                     qq{<!ENTITY a$_ "} . "&a$p;" x 10 . '">' } 1 .. 9)
    . ']>';
$bomb =~ s/&a0;/&a;/g;

($st, $h, $b) = req(PUT => '/gone?website', body => $bomb
    . qq{<WebsiteConfiguration xmlns="$XMLNS"><IndexDocument><Suffix>&a9;}
    . '</Suffix></IndexDocument></WebsiteConfiguration>');
is($st, 400, 'PutBucketWebsite with entities: 400');
my $doc2 = $bomb . qq{<CORSConfiguration xmlns="$XMLNS"><CORSRule>}
    . '<AllowedOrigin>&a9;</AllowedOrigin><AllowedMethod>GET'
    . '</AllowedMethod></CORSRule></CORSConfiguration>';
($st, $h, $b) = req(PUT => '/gone?cors', body => $doc2, headers => {
    'Content-MD5' => Digest::MD5::md5_base64($doc2) . '==' });
is($st, 400, 'PutBucketCors with entities: 400');

($st, $h, $b) = req(PUT => '/gone?website', body => website_xml(
    '<RoutingRules>' . '<RoutingRule>' x 5000 . '</RoutingRule>' x 5000
    . '</RoutingRules>'));
is($st, 400, 'PutBucketWebsite nested 5000 deep: 400');
($st) = req(GET => '/gone?website');
is($st, 404, '... nothing set');
($st) = req(GET => '/gone?cors');
is($st, 404, '... no CORS rules either');

$t->stop_ok;

done_testing();
