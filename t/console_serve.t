#!/usr/bin/perl

# The web console's files as the module serves them ("sos_console;"):
# every file under console/ at its path with its Content-Type and ETag
# (304 for If-None-Match), the security headers (a Content-Security-
# Policy without inline scripts, nosniff, no framing) on every answer,
# 404 for a path the console does not have, HEAD without a body, 405 for
# other methods, and the location's name refused as a bucket name.  A
# "sos_console" outside a prefix location is refused at startup.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Cwd qw(abs_path);
use Digest::SHA qw(sha256_hex);
use File::Find;
use Test::More;

use SOS::Clients qw(slurp);
use SOS::Test;

my $console = abs_path("$FindBin::Bin/../console");

my $t = SOS::Test->new(server => <<'EOF');
location /sos-console/ {
            sos_console;
        }

        location /ui {
            sos_console;
        }
EOF
$t->run;

my %type = (html => qr{^text/html; charset=utf-8$},
    css => qr{^text/css; charset=utf-8$},
    js => qr{^text/javascript; charset=utf-8$},
    svg => qr{^image/svg\+xml$});

my @files;
find({ no_chdir => 1, wanted => sub {
    push @files, substr($_, length($console) + 1) if -f $_ && !m{/\.};
} }, $console);
@files = sort @files;

ok(scalar(grep { $_ eq 'index.html' } @files), 'console/index.html exists');
ok(scalar(grep { $_ eq 'js/sigv4.js' } @files), 'console/js/sigv4.js exists');

sub security_ok {
    my ($h, $what) = @_;

    my $csp = $h->{'content-security-policy'} // '';
    like($csp, qr/(^|; )default-src 'none'(;|$)/,
        "$what: CSP default-src none");
    like($csp, qr/(^|; )script-src 'self'(;|$)/,
        "$what: CSP scripts from self only");
    unlike($csp, qr/unsafe-inline|unsafe-eval/,
        "$what: no inline scripts or eval");
    like($csp, qr/frame-ancestors 'none'/, "$what: CSP frame-ancestors none");
    is($h->{'x-content-type-options'}, 'nosniff', "$what: nosniff");
    is($h->{'x-frame-options'}, 'DENY', "$what: X-Frame-Options DENY");
    is($h->{'referrer-policy'}, 'no-referrer', "$what: no referrer");
}

for my $f (@files) {
    my ($status, $h, $body) = SOS::Test->parse(
        $t->http(GET => "/sos-console/$f"));
    my ($ext) = $f =~ /\.(\w+)$/;

    is($status, 200, "GET $f: 200");
    like($h->{'content-type'} // '', $type{$ext} // qr/^$/, "$f: Content-Type");
    is($body, slurp("$console/$f"), "$f: the file's bytes");
    is($h->{etag}, '"' . substr(sha256_hex($body), 0, 20) . '"',
        "$f: ETag is the content's hash");
    is($h->{'cache-control'}, 'no-cache', "$f: revalidated (no-cache)");
    security_ok($h, $f);

    ($status, $h, $body) = SOS::Test->parse($t->http(GET => "/sos-console/$f",
        headers => { 'If-None-Match' => $h->{etag} }));
    is($status, 304, "$f: 304 for its ETag");
}

# the location itself is index.html; HEAD has the headers only

my ($status, $h, $body) = SOS::Test->parse($t->http(GET => '/sos-console/'));
is($status, 200, 'GET /sos-console/: 200');
is($body, slurp("$console/index.html"), '/sos-console/ is index.html');
unlike($body, qr/<script(?![^>]*\bsrc=)[^>]*>/i,
    'index.html has no inline script (the CSP would block it)');
unlike($body, qr/\son[a-z]+\s*=/i, 'index.html has no inline handlers');
unlike($body, qr/<style|\sstyle\s*=/i, 'index.html has no inline styles');

my $len = length $body;
($status, $h, $body) = SOS::Test->parse($t->http(HEAD => '/sos-console/'));
is($status, 200, 'HEAD: 200');
is($h->{'content-length'}, $len, 'HEAD: the length of GET');
is($body, '', 'HEAD: no body');
security_ok($h, 'HEAD');

# what the console does not have

for my $path ('/sos-console/nope.html', '/sos-console/js/', '/sos-console/js',
    '/sos-console/index.html/', '/sos-console/INDEX.HTML',
    '/sos-console/.index.html')
{
    ($status, $h, $body) = SOS::Test->parse($t->http(GET => $path));
    is($status, 404, "GET $path: 404");
    security_ok($h, "404 $path");
    like($h->{'content-type'} // '', qr{^text/plain}, "$path: plain text");
}

# a query string changes nothing

($status, $h, $body) = SOS::Test->parse(
    $t->http(GET => '/sos-console/index.html?x=1'));
is($status, 200, 'a query string: still the file');

# another location: "location /ui" serves "/ui/..." only

($status) = SOS::Test->parse($t->http(GET => '/ui/js/app.js'));
is($status, 200, 'location /ui: /ui/js/app.js');
($status) = SOS::Test->parse($t->http(GET => '/uijs/app.js'));
is($status, 404, 'location /ui: /uijs/app.js is not the console');

# GET and HEAD only

for my $m (qw(POST PUT DELETE OPTIONS)) {
    ($status, $h) = SOS::Test->parse($t->http($m => '/sos-console/',
        body => $m =~ /^P/ ? 'x' : ''));
    is($status, 405, "$m: 405");
    is($h->{allow}, 'GET, HEAD', "$m: Allow: GET, HEAD");
}

# the locations' names are not bucket names

($status, $h, $body) = SOS::Test->parse($t->s3(PUT => '/sos-console'));
is($status, 400, 'CreateBucket sos-console: 400');
like($body, qr{<Code>InvalidBucketName</Code>
    .*reserved\ by\ the\ location\ /sos-console/}sx,
    'InvalidBucketName: reserved by the location');
# "location /ui" takes every path that begins with "/ui": a bucket
# "uiabc" could not be reached path style, so the name is reserved too;
# such a request never gets to S3

($status, $h) = SOS::Test->parse($t->s3(PUT => '/uiabc'));
is($status, 405, 'PUT /uiabc: the console answers (405), not S3');
($status) = SOS::Test->parse($t->s3(PUT => '/sos-consoles'));
is($status, 200, 'CreateBucket sos-consoles: not the location, created');

# objects a browser runs script from, served on the console's origin
# (path style), run sandboxed: their scripts cannot read the console's key

is((SOS::Test->parse($t->s3(PUT => '/pages',
    headers => { 'x-amz-acl' => 'public-read' })))[0], 200, 'bucket pages');
my $SANDBOX = qr/^sandbox allow-scripts allow-forms allow-popups /;
for my $c (['a.html', 'text/html; charset=utf-8', 1],
    ['b.svg', 'image/svg+xml', 1], ['c.xml', 'application/xml', 1],
    ['d.xhtml', 'application/xhtml+xml', 1], ['e.png', 'image/png', 0],
    ['f.txt', 'text/plain', 0], ['g.js', 'text/javascript', 0])
{
    my ($key, $type, $sandboxed) = @$c;
    SOS::Test->parse($t->s3(PUT => "/pages/$key", body => '<p>x</p>',
        headers => { 'Content-Type' => $type,
                     'x-amz-acl' => 'public-read' }));
    my ($st, $h) = SOS::Test->parse($t->http(GET => "/pages/$key"));
    is($st, 200, "GET $key ($type)");
    if ($sandboxed) {
        like($h->{'content-security-policy'} // '', $SANDBOX,
            "$type: sandboxed");
    } else {
        ok(!exists $h->{'content-security-policy'}, "$type: as is");
    }
}
my ($rst, $rh) = SOS::Test->parse($t->s3(GET => '/pages/f.txt',
    query => 'response-content-type=text%2Fhtml'));
is($rst, 200, 'a signed GET with response-content-type');
like($rh->{'content-security-policy'} // '', $SANDBOX,
    'a type given by response-content-type counts too');
($rst, $rh) = SOS::Test->parse($t->s3(GET => '/pages/a.html'));
like($rh->{'content-security-policy'} // '', $SANDBOX, 'signed GET too');

$t->stop_ok;

# only in a prefix location

for my $loc ('location ~ ^/c/ { sos_console; }',
    'location = /c/ { sos_console; }',
    'location /c/ { sos_console; sos_console; }')
{
    my $bad = SOS::Test->new(keys => 0, server => $loc);
    ok($bad->start_refused, "$loc: refused");
    like($bad->read_file('error.log'),
        qr/"sos_console" directive (needs a prefix location|is duplicate)/,
        "$loc: the error log says why");
}

done_testing;
