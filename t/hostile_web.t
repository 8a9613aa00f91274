#!/usr/bin/perl

# The website endpoint and CORS under a hostile client: requests as a
# browser never sends them (a Host that differs from the request line's
# host, keys with slashes where a URL's authority goes), ACLs that grant
# to authenticated users only, and keys at the length limit.

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

$t->stop_ok;

done_testing();
