#!/usr/bin/perl

# A static website on SOS in a real browser.  The site under
# t/website/site (HTML, a style sheet, a PNG and a script) is published
# with `aws s3 sync --acl public-read` and `aws s3 website`; its script
# fetches t/website/data/data.json from another bucket through that
# bucket's S3 endpoint, which the browser allows only with a CORS rule
# for the site's origin.  Headless Chromium (Debian's chromium, driven
# through the DevTools protocol: t/lib/SOS/Chromium.pm) loads
# http://site.website.localhost:PORT/ and the test checks that the style
# sheet applied, the image decoded, the JSON text is in the page and the
# console holds no error; then that without a matching CORS rule the
# fetch fails and the browser says why.
#
# Screenshots: each page is saved in the test's temp dir and copied to
# t/artifacts/ (ignored by git): website_browser.png (the site),
# website_browser-no-cors.png (the failed fetch), website_browser-404.png
# (the error document).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Copy qw(copy);
use File::Path qw(make_path);
use JSON::PP;
use Test::More;

use SOS::Chromium;
use SOS::Clients qw(slurp);
use SOS::Test;

BAIL_OUT('chromium is missing: run make deps') unless SOS::Chromium::path();

my ($site, $data) = ('site', 'api-data');
my $src = "$FindBin::Bin/website";
my $artifacts = "$FindBin::Bin/artifacts";

# the website endpoint beside S3 on one address and port, as make run has
# it (conf/sos-dev.conf): the Host header selects it, S3 stays the default
# server

my $t = SOS::Test->new;
my $port = $t->port;

$t->{http} = <<"EOF";
server {
        listen 127.0.0.1:$port;
        server_name *.website.localhost;

        sos_website_domain website.localhost;

        location / {
            sos_website on;
        }
    }
EOF
$t->run;

my $origin = "http://$site.website.localhost:$port";
my $message = decode_json(slurp("$src/data/data.json"))->{message};

my $c = SOS::Clients->new($t);
my @aws = @{ $c->aws_v2 };

# publish

$c->ok_run("s3 mb s3://$_", [ @aws, 's3', 'mb', "s3://$_" ])
    for $site, $data;
$c->ok_run('s3 sync --acl public-read of the site', [ @aws, 's3', 'sync',
    '--acl', 'public-read', "$src/site", "s3://$site/" ]);
$c->ok_run('s3 sync --acl public-read of the data', [ @aws, 's3', 'sync',
    '--acl', 'public-read', "$src/data", "s3://$data/" ]);
$c->ok_run('s3 website', [ @aws, 's3', 'website', "s3://$site/",
    '--index-document', 'index.html', '--error-document', '404.html' ]);

# what the browser will be given, without the browser: the index document
# from the website endpoint, and the JSON to anyone from the S3 endpoint
# (so that only CORS can stop the script below)

my ($status, $h, $body) = SOS::Test->parse($t->http(GET => '/',
    headers => { Host => "$site.website.localhost:$port" }));
is($status, 200, 'website endpoint: / answers 200');
like($h->{'content-type'} // '', qr{^text/html}, 'as text/html');
is($body, slurp("$src/site/index.html"), 'the index document');

($status, $h, $body) = SOS::Test->parse($t->http(GET => "/$data/data.json",
    headers => { Host => "localhost:$port", Origin => $origin }));
is($status, 200, 'S3 endpoint: the JSON is public');
ok(!exists $h->{'access-control-allow-origin'},
    'no Access-Control-Allow-Origin before any CORS rule');

make_path($artifacts);

# without a CORS rule the browser refuses the script the answer

my $b = visit('no-cors', "$origin/");
is($b->{state}, 'failed', 'no CORS rule: the fetch failed');
unlike($b->{greeting}, qr/\Q$message\E/, 'no CORS rule: no JSON text');
ok(scalar(grep { $_->{text} =~ /blocked by CORS policy/ }
    $b->{chromium}->errors),
    'no CORS rule: the console says the CORS policy blocked it')
    or show_console($b);
screenshot($b, 'website_browser-no-cors.png');
$b->{chromium}->quit;

# a rule for the site's origin

cors_rules($origin);

$b = visit('site', "$origin/");
is($b->{state}, 'loaded', 'the script read the JSON');
is($b->{greeting}, $message, 'the JSON text is in the page');
is(js($b, 'document.title'), 'A site on SOS', 'the index document');

is(js($b, 'getComputedStyle(document.querySelector("header"))'
    . '.backgroundColor'), 'rgb(30, 58, 95)', 'style.css applied: header');
is(js($b, 'getComputedStyle(document.getElementById("greeting"))'
    . '.borderLeftColor'), 'rgb(242, 140, 40)', 'style.css applied: greeting');

is(js($b, 'document.getElementById("logo").complete'
    . ' && document.getElementById("logo").naturalWidth'), 48,
    'logo.png loaded, 48 pixels wide');
is(js($b, pixel_js(24, 24)), '242,140,40,255',
    'logo.png decoded: the square in its middle');
is(js($b, pixel_js(2, 2)), '30,58,95,255', 'logo.png decoded: the field');

my @errors = $b->{chromium}->errors;
is(scalar @errors, 0, 'no console error') or show_console($b);
screenshot($b, 'website_browser.png');
$b->{chromium}->quit;

# the error document, for a page the site does not have

$b = visit('404', "$origin/no-such-page.html", ready => 'document.title');
is(js($b, 'document.querySelector("h1").textContent'), 'Page not found',
    'a missing page shows 404.html');
is(js($b, 'getComputedStyle(document.querySelector("header"))'
    . '.backgroundColor'), 'rgb(30, 58, 95)', '404.html styled too');
screenshot($b, 'website_browser-404.png');
$b->{chromium}->quit;

# a rule for another origin only: refused again

cors_rules("http://other.website.localhost:$port");

$b = visit('other-origin', "$origin/");
is($b->{state}, 'failed', 'CORS rule for another origin: the fetch failed');
ok(scalar(grep { $_->{text} =~ /blocked by CORS policy/ }
    $b->{chromium}->errors),
    'CORS rule for another origin: blocked by the CORS policy')
    or show_console($b);
$b->{chromium}->quit;

$t->stop_ok;

done_testing;

# Load a URL in a new browser (a fresh profile, so nothing is cached from
# an earlier run) until the page's script has ended (<body data-state>),
# 30 seconds at most.

sub visit {
    my ($name, $url, %opts) = @_;

    my $ch = SOS::Chromium->new(dir => $t->dir . "/chromium-$name",
        timeout => 30);
    my $ready = eval {
        $ch->load($url, ready => $opts{ready}
            || 'document.body && document.body.dataset.state',
            timeout => 30);
    };
    ok($ready, "$name: $url loaded in chromium")
        or diag($@ || 'timeout', "\n",
            slurp($ch->dir . '/chromium.log'));

    my $v = { name => $name, chromium => $ch };
    $v->{state} = js($v, 'document.body.dataset.state') // '';
    $v->{greeting} = js($v, 'var g = document.getElementById("greeting");'
        . ' g ? g.textContent : ""') // '';

    return $v;
}

# An expression's value in the page; undef (and the reason shown) when
# the page is not there.

sub js {
    my ($v, $expr) = @_;
    my $r = eval { $v->{chromium}->js($expr) };
    diag($@) if $@;
    return $r;
}

# The RGBA of a pixel of the logo, read back through a canvas.

sub pixel_js {
    my ($x, $y) = @_;
    return 'var i = document.getElementById("logo");'
        . ' var c = document.createElement("canvas");'
        . ' c.width = i.naturalWidth; c.height = i.naturalHeight;'
        . ' var g = c.getContext("2d"); g.drawImage(i, 0, 0);'
        . " Array.from(g.getImageData($x, $y, 1, 1).data).join(',')";
}

sub cors_rules {
    my ($allowed) = @_;

    my $rules = encode_json({ CORSRules => [ {
        AllowedOrigins => [ $allowed ],
        AllowedMethods => [ 'GET', 'HEAD' ],
        AllowedHeaders => [ '*' ],
        MaxAgeSeconds => 60,
    } ] });

    $c->ok_run("put-bucket-cors on $data for $allowed", [ @aws, 's3api',
        'put-bucket-cors', '--bucket', $data,
        '--cors-configuration', $rules ]);
}

# Save the page as a PNG in the temp dir and copy it to t/artifacts/.

sub screenshot {
    my ($v, $file) = @_;

    my $path = $t->dir . "/$file";
    my $n = eval { $v->{chromium}->screenshot($path) } // 0;
    diag($@) if $@;
    ok($n > 1000 && substr(slurp($path), 0, 8) eq "\x89PNG\r\n\x1a\n",
        "screenshot $file ($n bytes)");
    copy($path, "$artifacts/$file") or diag("copy to $artifacts: $!")
        if $n;
    note("screenshot: $artifacts/$file");
}

sub show_console {
    my ($v) = @_;
    diag("console of $v->{name}:");
    diag("  $_->{level} [$_->{source}] $_->{text}")
        for $v->{chromium}->console;
}
