#!/usr/bin/perl

# A website published with the aws cli, as docs/website.md shows it:
# s3 mb, s3 sync --acl public-read, s3 website; s3api get-bucket-website,
# put-bucket-website with routing rules, delete-bucket-website; the site
# read from the website endpoint.  aws-cli 1.x (pip) and Debian's v2.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients qw(write_file json);
use SOS::Test;

my $t = SOS::Test->new(http => "sos_domain s3.localhost;\n");
my $wport = SOS::Test::free_port();

$t->{http} .= <<"EOF";
    server {
        listen 127.0.0.1:$wport;
        server_name *.website.localhost;
        sos_website_domain website.localhost;
        location / {
            sos_website on;
        }
    }
EOF

$t->run;

my $c = SOS::Clients->new($t);

sub web {
    my ($bucket, $path) = @_;
    return SOS::Test->parse($t->http(GET => $path, port => $wport,
        headers => { Host => "$bucket.website.localhost:$wport" }));
}

for my $v ([ 'v1', $c->aws_v1 ], [ 'v2', $c->aws_v2 ]) {
    my ($name, $aws) = @$v;
    my @aws = @$aws;
    my $b = "site-$name";
    my $site = $c->work . "/$name";

    write_file("$site/index.html", "<h1>home $name</h1>\n");
    write_file("$site/about/index.html", "<p>about</p>\n");
    write_file("$site/err.html", "<p>not here</p>\n");
    write_file("$site/style.css", "h1 { color: red }\n");

    $c->ok_run("$name: s3 mb", [ @aws, 's3', 'mb', "s3://$b" ])->{rc} == 0
        or next;
    $c->ok_run("$name: s3 sync --acl public-read", [ @aws, 's3', 'sync',
        '--no-progress', '--acl', 'public-read', $site, "s3://$b" ]);
    $c->ok_run("$name: s3 website", [ @aws, 's3', 'website', "s3://$b",
        '--index-document', 'index.html', '--error-document', 'err.html' ]);

    my $r = $c->ok_run("$name: s3api get-bucket-website",
        [ @aws, 's3api', 'get-bucket-website', '--bucket', $b ]);
    my $j = eval { json($r->{out}) } || {};
    is($j->{IndexDocument}{Suffix}, 'index.html', "$name: IndexDocument");
    is($j->{ErrorDocument}{Key}, 'err.html', "$name: ErrorDocument");

    my ($st, $h, $body) = web($b, '/');
    is($st, 200, "$name: the site's /");
    is($body, "<h1>home $name</h1>\n", "$name: index.html");
    is($h->{'content-type'}, 'text/html', "$name: guessed Content-Type");

    ($st, $h, $body) = web($b, '/style.css');
    is($h->{'content-type'}, 'text/css', "$name: style.css, text/css");

    ($st, $h, $body) = web($b, '/about');
    is($st, 302, "$name: /about redirects");
    is($h->{location}, '/about/', "$name: to /about/");

    ($st, $h, $body) = web($b, '/missing');
    is($st, 403, "$name: missing page, bucket not listable: 403");
    is($body, "<p>not here</p>\n", "$name: the error document");

    # routing rules through s3api

    my $conf = '{"IndexDocument":{"Suffix":"index.html"},'
        . '"RoutingRules":[{"Condition":{"KeyPrefixEquals":"old/"},'
        . '"Redirect":{"ReplaceKeyPrefixWith":"about/",'
        . '"HttpRedirectCode":"302"}}]}';
    $c->ok_run("$name: s3api put-bucket-website", [ @aws, 's3api',
        'put-bucket-website', '--bucket', $b,
        '--website-configuration', $conf ]);

    $r = $c->ok_run("$name: get-bucket-website, rules",
        [ @aws, 's3api', 'get-bucket-website', '--bucket', $b ]);
    $j = eval { json($r->{out}) } || {};
    is($j->{RoutingRules}[0]{Redirect}{ReplaceKeyPrefixWith}, 'about/',
        "$name: the rule read back");
    ok(!$j->{ErrorDocument}, "$name: replaced whole");

    ($st, $h, $body) = web($b, '/old/x.html');
    is($st, 302, "$name: the rule's code");
    is($h->{location}, "http://$b.website.localhost:$wport/about/x.html",
        "$name: the rule's Location");

    $r = $c->fail_run("$name: an invalid configuration is refused",
        [ @aws, 's3api', 'put-bucket-website', '--bucket', $b,
          '--website-configuration', '{"ErrorDocument":{"Key":"e.html"}}' ]);
    like($r->{err}, qr/InvalidArgument/, "$name: InvalidArgument");

    $c->ok_run("$name: s3api delete-bucket-website",
        [ @aws, 's3api', 'delete-bucket-website', '--bucket', $b ]);
    $r = $c->fail_run("$name: get-bucket-website once deleted",
        [ @aws, 's3api', 'get-bucket-website', '--bucket', $b ]);
    like($r->{err}, qr/NoSuchWebsiteConfiguration/,
        "$name: NoSuchWebsiteConfiguration");
}

$t->stop_ok;

done_testing();
