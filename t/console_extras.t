#!/usr/bin/perl

# The web console's extras in headless Chromium (t/lib/SOS/Chromium.pm):
# an object's page (details, preview of an image, a video and a text,
# public and private, a grant to another organization, a presigned link
# and its QR code), organizations and keys for an admin key (create an
# organization and a key, revoke the key, and the console refuses it at
# sign-in), and the metrics view.  What the browser does is checked from
# outside too: anonymous reads of the public URL, the presigned link in
# a fresh browser and over plain HTTP, the other organization's read,
# the new and the revoked key, the QR code decoded by zbarimg (Debian's
# zbar-tools).
#
# Screenshots at desktop (1280x800) and phone (390x844) widths go to
# t/artifacts/ (ignored by git): console_extras-*.png.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Copy qw(copy);
use File::Path qw(make_path);
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Admin;
use SOS::Chromium;
use SOS::Clients qw(slurp);
use SOS::Test;

BAIL_OUT('chromium is missing: run make deps') unless SOS::Chromium::path();

my $src = "$FindBin::Bin/console";
my $artifacts = "$FindBin::Bin/artifacts";
make_path($artifacts);

my $t = SOS::Test->new(server => $SOS::Admin::LOCATION . <<'EOF');
        location /sos-console/ {
            sos_console;
        }
EOF

my %partner = $t->org_with_key('partner');
my (undef, $show) = $t->sosctl('org', 'show', 'partner');
my ($partner_id) = $show =~ /\b([0-9a-f]{64})\b/;
ok($partner_id, 'the other organization has a canonical id');

$t->run;

my $port = $t->port;
my $origin = "http://127.0.0.1:$port";
my $png = slurp("$src/checks.png");
my $notes = slurp("$src/notes.txt");

ok_status(200, $t->s3(PUT => '/photos'), 'create bucket photos');
ok_status(200, $t->s3(PUT => '/photos/img/checks.png', body => $png,
    headers => { 'Content-Type' => 'image/png',
                 'x-amz-meta-camera' => 'none' }), 'put the image');
ok_status(200, $t->s3(PUT => '/photos/notes/notes.txt', body => $notes,
    headers => { 'Content-Type' => 'text/plain' }), 'put the text');
ok_status(200, $t->s3(PUT => '/photos/notes/long.txt',
    body => join('', map { sprintf("line %05d of a long text file\n", $_) }
        1 .. 3200), headers => { 'Content-Type' => 'text/plain' }),
    'put a text over 64 KiB');
ok_status(403, $t->http(GET => '/photos/img/checks.png'),
    'the image is private at first');

# ---- sign in, at desktop width ----

my $b = browser('desktop', '1280,800');
sign_in($b, $t->access_key, $t->secret_key);
is(js($b, 'document.body.dataset.state'), 'signed-in', 'signed in');

# ---- an image's page: details, preview ----

route($b, 'object/photos/img/checks.png');
ok(wait_for($b, 'document.querySelector("#object-page[data-ready]")'),
    'the object page is ready') or show_console($b);
my $text = js($b, 'document.getElementById("object-page").innerText');
like($text, qr{image/png}, 'details: the Content-Type');
like($text, qr{143 B}, 'details: the size');
like($text, qr{camera\s+none}, 'details: the user metadata');
ok(wait_for($b, 'var i = document.querySelector(".preview img");'
    . ' i && i.complete && i.naturalWidth'), 'the image preview loaded');
is(js($b, 'document.querySelector(".preview img").naturalWidth'), 64,
    'the image preview decoded: 64 pixels wide');

# ---- a video: made in the page (MediaRecorder on a canvas), uploaded
# through the console's client, previewed in a <video> ----

is(js($b, <<'EOF_JS'), 'ok', 'a WebM recorded in the page and uploaded');
(async () => {
    const c = document.createElement('canvas');
    c.width = 160; c.height = 120;
    const g = c.getContext('2d');
    const rec = new MediaRecorder(c.captureStream(25),
                                  { mimeType: 'video/webm' });
    const parts = [];
    rec.ondataavailable = e => parts.push(e.data);
    const done = new Promise(r => rec.onstop = r);
    rec.start();
    for (let i = 0; i < 20; i++) {
        g.fillStyle = i % 2 ? '#1f6feb' : '#f28c28';
        g.fillRect(0, 0, 160, 120);
        await new Promise(r => setTimeout(r, 40));
    }
    rec.stop();
    await done;
    await SOS.s3.request('PUT', 'photos', 'clips/clip.webm', {
        body: await new Blob(parts).arrayBuffer(),
        headers: { 'content-type': 'video/webm' } });
    return 'ok';
})()
EOF_JS
route($b, 'object/photos/clips/clip.webm');
ok(wait_for($b, 'var v = document.querySelector(".preview video");'
    . ' v && v.readyState >= 1 && v.videoWidth'),
    'the video preview loaded its metadata') or show_console($b);
is(js($b, 'document.querySelector(".preview video").videoWidth'), 160,
    'the video is 160 pixels wide');
route($b, 'object/photos/img/checks.png');
ok(wait_for($b, 'document.querySelector("#object-page[data-ready]")'),
    'back to the image');

# ---- public and private ----

is(js($b, 'document.getElementById("object-state").textContent'),
    'Private', 'the page says private');
is(js($b, 'document.getElementById("public-url").value'),
    "$origin/photos/img/checks.png", 'the public URL');
eval {
    $b->call('Browser.grantPermissions', { origin => $origin,
        permissions => [qw(clipboardReadWrite clipboardSanitizedWrite)] },
        session => undef);
};
click($b, '#copy-public-url');
ok(wait_for($b, 'Array.from(document.querySelectorAll(".toast"))'
    . '.some(t => /Copied/.test(t.textContent))'), 'Copy URL: copied')
    or show_console($b);
is(js($b, 'navigator.clipboard.readText()'),
    "$origin/photos/img/checks.png", 'the clipboard holds the public URL');

click($b, '#object-public');
ok(wait_for($b, 'var s = document.getElementById("object-state");'
    . ' s && s.textContent === "Public"'), 'the page says public')
    or show_console($b);
my ($status, $h, $body) = SOS::Test->parse($t->http(
    GET => '/photos/img/checks.png'));
is($status, 200, 'made public: anonymous GET of the public URL 200');
ok($body eq $png, 'made public: the bytes');

shot($b, 'object-desktop');

click($b, '#object-public');
ok(wait_for($b, 'var s = document.getElementById("object-state");'
    . ' s && s.textContent === "Private"'), 'the page says private again');
ok_status(403, $t->http(GET => '/photos/img/checks.png'),
    'made private: anonymous GET 403');

# the bucket: its listing public, after a confirmation, then private

ok_status(403, $t->http(GET => '/photos'), 'the listing is private');
click($b, '#bucket-public');
ok(wait_for($b, 'document.getElementById("dialog").open'),
    'making the bucket public asks first');
click($b, '#dialog button[type=submit]');
ok(wait_for($b, 'var e = document.getElementById("bucket-public");'
    . ' e && e.textContent === "Make bucket private"'),
    'the page says the listing is public') or show_console($b);
($status, $h, $body) = SOS::Test->parse($t->http(GET => '/photos'));
is($status, 200, 'anonymous ListObjects 200');
like($body, qr{<Key>img/checks\.png</Key>}, 'it lists the image');
click($b, '#bucket-public');
ok(wait_for($b, 'var e = document.getElementById("bucket-public");'
    . ' e && e.textContent === "Make bucket listing public"'),
    'the page says the bucket is private');
ok_status(403, $t->http(GET => '/photos'), 'the listing is private again');

# ---- a text file: preview, a grant, a presigned link ----

route($b, 'object/photos/notes/notes.txt');
ok(wait_for($b, 'document.querySelector("#object-page[data-ready]")'),
    'the text object page is ready');
is(js($b, 'document.querySelector(".text-preview").textContent'), $notes,
    'the text preview shows the file');

# over 64 KiB: the first 64 KiB only (a Range request)

route($b, 'object/photos/notes/long.txt');
ok(wait_for($b, 'document.querySelector("#object-page[data-ready]")'),
    'the long text object page is ready');
is(js($b, 'document.querySelector(".text-preview").textContent.length'),
    65536, 'the preview holds the first 64 KiB');
like(js($b, 'document.querySelector(".preview").innerText'),
    qr/first 64 KiB of 97 KiB/, 'and says so');

# a key with a space, '+', '&' and UTF-8: its page, preview and link

my $odd = "notes/r\x{e9}sum\x{e9} & co+1 \x{263a}.txt";
my $odd_uri = '/photos/' . SOS::Test::uri_escape($odd, 1);
ok_status(200, $t->s3(PUT => $odd_uri, body => "odd\n",
    headers => { 'Content-Type' => 'text/plain' }), 'put an odd key');
$b->js('SOS.go("object/photos/" + ' . JSON::PP->new->ascii->encode([$odd])
    . '[0]); 1');
ok(wait_for($b, 'document.querySelector("#object-page[data-ready]")'),
    'the odd key\'s page is ready') or show_console($b);
is(js($b, 'document.querySelector(".text-preview").textContent'), "odd\n",
    'the odd key\'s preview');
js($b, 'document.getElementById("presign").click(); 1');
ok(wait_for($b, 'var u = document.getElementById("presign-url");'
    . ' u && u.value'), 'the odd key\'s presigned link');
my ($odd_path) = js($b, 'document.getElementById("presign-url").value')
    =~ m{^\Q$origin\E(/.*)$};
($status, $h, $body) = SOS::Test->parse($t->http(GET => $odd_path));
is("$status $body", "200 odd\n", 'the odd key\'s link works');

route($b, 'object/photos/notes/notes.txt');
ok(wait_for($b, 'document.querySelector("#object-page[data-ready]")'),
    'back to notes.txt');

ok_status(403, $t->s3(GET => '/photos/notes/notes.txt', %partner),
    'the other organization cannot read it yet');
js($b, 'document.getElementById("grant-org").value = "' . $partner_id . '";'
    . ' document.getElementById("grant-permission").value = "READ";'
    . ' document.getElementById("grant-form").requestSubmit(); 1');
ok(wait_for($b, 'Array.from(document.querySelectorAll("#grants tbody tr"))'
    . '.some(r => r.textContent.includes("' . substr($partner_id, 0, 12)
    . '") && r.textContent.includes("READ"))'), 'the grant is listed')
    or show_console($b);
ok_status(200, $t->s3(GET => '/photos/notes/notes.txt', %partner),
    'granted READ: the other organization reads it');

js($b, 'document.getElementById("presign-expiry").value = "900";'
    . ' document.getElementById("presign").click(); 1');
ok(wait_for($b, 'var u = document.getElementById("presign-url");'
    . ' u && u.value'), 'a presigned link');
my $url = js($b, 'document.getElementById("presign-url").value');
like($url, qr{^\Q$origin\E/photos/notes/notes\.txt\?.*X-Amz-Expires=900},
    'the link: this object, 15 minutes');
is(js($b, 'var c = document.getElementById("presign-qr");'
    . ' c.getBoundingClientRect().width > 100'
    . ' && c.getBoundingClientRect().height > 100'), JSON::PP::true,
    'the QR code is drawn at a readable size');
is(js($b, 'var c = document.getElementById("presign-qr");'
    . ' var d = c.getContext("2d").getImageData(0, 0, c.width, c.height)'
    . '.data; var dark = 0; for (var i = 0; i < d.length; i += 4)'
    . ' { if (d[i] < 128) dark++; } dark > 100 && dark < c.width * c.height'),
    JSON::PP::true, 'the QR code has dark and light modules');


# the QR code read back by a decoder (zbarimg, Debian's zbar-tools)

{
    die "zbarimg is missing: run make deps (zbar-tools)\n"
        unless -x '/usr/bin/zbarimg';
    my $data = js($b, 'document.getElementById("presign-qr")'
        . '.toDataURL("image/png")') // '';
    $data =~ s{^data:image/png;base64,}{};
    my $qr = $t->dir . '/qr.png';
    open(my $fh, '>:raw', $qr) or die "$qr: $!\n";
    print $fh decode_base64($data);
    close $fh;
    # (its stderr: complaints about a missing D-Bus)
    my $decoded = qx{/usr/bin/zbarimg --quiet --raw '$qr' 2>/dev/null};
    chomp $decoded;
    is($decoded, $url, 'the QR code decodes to the presigned link');
}

shot($b, 'presign-desktop');

my ($path) = $url =~ m{^\Q$origin\E(/.*)$};
($status, $h, $body) = SOS::Test->parse($t->http(GET => $path));
is($status, 200, 'the presigned link over plain HTTP: 200');
is($body, $notes, 'the presigned link: the bytes');

my $fresh = SOS::Chromium->new(dir => $t->dir . '/chromium-fresh',
    timeout => 30);
ok(eval { $fresh->load($url, ready => 'document.body', timeout => 30) },
    'the presigned link in a fresh browser') or diag($@);
is(eval { $fresh->js('document.body.innerText') } // '', $notes,
    'the fresh browser shows the bytes');
$fresh->quit;

# ---- organizations and keys ----

route($b, 'orgs');
ok(wait_for($b, 'document.querySelector(".view-orgs[data-ready]")'),
    'the organizations page') or show_console($b);
like(js($b, 'document.getElementById("orgs").innerText'), qr/partner/,
    'it lists the organizations');
js($b, 'document.getElementById("org-name").value = "acme";'
    . ' document.getElementById("org-email").value = "ops@acme.example";'
    . ' document.getElementById("org-create").requestSubmit(); 1');
ok(wait_for($b, 'location.hash === "#/orgs/acme"'
    . ' && document.querySelector(".view-orgs[data-ready]")'),
    'created: the organization\'s page') or show_console($b);
my ($rc, $out) = SOS::Admin::sosctl_online($t, {}, 'org', 'show', 'acme');
like($out, qr/ops\@acme\.example/, 'sosctl sees the new organization');

js($b, 'document.getElementById("key-create").requestSubmit(); 1');
ok(wait_for($b, 'document.getElementById("new-key-block")'),
    'a new key is shown once') or show_console($b);
my $block = js($b, 'document.getElementById("new-key-block").textContent');
my ($akid) = $block =~ /^aws_access_key_id = (\S+)/m;
my ($secret) = $block =~ /^aws_secret_access_key = (\S+)/m;
ok($akid && $secret, 'with its id and secret');
ok_status(200, $t->s3(GET => '/', access => $akid, secret => $secret),
    'the new key signs requests');
ok(wait_for($b, 'document.querySelector(\'#keys tr[data-key="'
    . $akid . '"]\')'), 'the key is listed');

shot($b, 'org-desktop');

click($b, "#keys tr[data-key=\"$akid\"] button");
ok(wait_for($b, 'document.getElementById("dialog").open'),
    'revoking asks first');
click($b, '#dialog button[type=submit]');
ok(wait_for($b, '!document.querySelector(\'#keys tr[data-key="'
    . $akid . '"]\') && document.querySelector(".view-orgs[data-ready]")'),
    'revoked: no longer listed') or show_console($b);
like($t->s3(GET => '/', access => $akid, secret => $secret),
    qr{^HTTP/1\.1 403 .*InvalidAccessKeyId}s, 'the revoked key is refused');

# ---- metrics ----

my ($mstatus) = SOS::Test->parse($t->s3(GET => '/sos-admin/metrics'));
route($b, 'metrics');
ok(wait_for($b, 'document.querySelector(".view-metrics[data-ready]")'),
    'the metrics page') or show_console($b);
if ($mstatus == 200) {
    ok(js($b, 'document.querySelectorAll("#chart-requests svg rect")'
        . '.length > 0'), 'metrics: requests per operation charted');
    ok(js($b, 'document.querySelectorAll("#chart-buckets svg rect")'
        . '.length > 0'), 'metrics: usage per bucket charted');
    ok(wait_for($b, 'document.querySelector("#chart-rate polyline")'
        . ' && document.querySelector("#chart-bytes polyline")', 25),
        'metrics: the rates between two readings charted');
} else {
    is($mstatus, 404, 'no metrics on this admin API');
    like(js($b, 'document.getElementById("metrics-off").innerText'),
        qr/not enabled/, 'the page says metrics are not enabled');
}
shot($b, 'metrics-desktop');
if ($mstatus == 200) {
    js($b, 'document.getElementById("chart-buckets").scrollIntoView(); 1');
    shot($b, 'metrics-desktop-2');
}

# ---- phone width ----

phone($b);
route($b, 'object/photos/img/checks.png');
ok(wait_for($b, 'document.querySelector("#object-page[data-ready]")'
    . ' && document.querySelector(".preview img").complete'),
    'phone: the object page');
is(js($b, 'document.documentElement.scrollWidth <= 390'), JSON::PP::true,
    'phone: nothing wider than the screen');
js($b, 'document.getElementById("presign").click(); 1');
wait_for($b, 'document.getElementById("presign-qr")');
shot($b, 'object-phone');
js($b, 'document.getElementById("presign-qr").scrollIntoView(); 1');
shot($b, 'presign-phone');
route($b, 'orgs');
wait_for($b, 'document.querySelector(".view-orgs[data-ready]")');
is(js($b, 'document.documentElement.scrollWidth <= 390'), JSON::PP::true,
    'phone: organizations fit');
shot($b, 'orgs-phone');
route($b, 'metrics');
wait_for($b, 'document.querySelector(".view-metrics[data-ready]")');
shot($b, 'metrics-phone');

is(scalar(grep { $_->{source} eq 'exception' } $b->console), 0,
    'no uncaught exception in the page') or show_console($b);

# ---- the revoked key at sign-in ----

js($b, 'SOS.signOut(); 1');
sign_in($b, $akid, $secret);
ok(wait_for($b, 'document.getElementById("signin-error").textContent'),
    'the console refuses the revoked key');
is(js($b, 'document.body.dataset.state'), 'signed-out', 'still signed out');
like(js($b, 'document.getElementById("signin-error").textContent'),
    qr/revoked.*InvalidAccessKeyId/, 'and says why');
shot($b, 'revoked-phone');

# ---- a key that is not an admin key: no admin pages ----

sign_in($b, $partner{access}, $partner{secret});
is(js($b, 'document.body.dataset.state'), 'signed-in',
    'signed in with the other organization\'s key');
ok(wait_for($b, 'document.body.dataset.admin === "no"'),
    'the console knows it is no admin key');
is(js($b, 'Array.from(document.querySelectorAll("#nav a"))'
    . '.filter(a => !a.hidden).map(a => a.textContent).join(",")'),
    'Buckets', 'the top bar shows no admin entry');
route($b, 'orgs');
ok(wait_for($b, '/For admin keys/.test(document.getElementById("main")'
    . '.innerText)'), 'the organizations page says it is for admin keys');

$b->quit;
$t->stop_ok;

done_testing;

# ---- helpers ----

sub ok_status {
    my ($want, $r, $name) = @_;
    my ($st) = SOS::Test->parse($r);
    is($st, $want, $name);
}

sub browser {
    my ($name, $size) = @_;
    my $ch = SOS::Chromium->new(dir => $t->dir . "/chromium-$name",
        window => $size, timeout => 30);
    ok(eval { $ch->load("$origin/sos-console/",
        ready => 'document.body.dataset.state === "signed-out"',
        timeout => 30) }, "$name: the console loaded")
        or diag($@ || 'timeout', "\n", slurp($ch->dir . '/chromium.log'));
    return $ch;
}

sub sign_in {
    my ($ch, $key, $sec) = @_;
    $ch->js('document.getElementById("signin-key").value = '
        . encode_json([$key]) . '[0];'
        . ' document.getElementById("signin-secret").value = '
        . encode_json([$sec]) . '[0];'
        . ' document.getElementById("signin-error").textContent = "";'
        . ' document.getElementById("signin").requestSubmit(); 1');
    wait_for($ch, 'document.body.dataset.state === "signed-in"'
        . ' || document.getElementById("signin-error").textContent');
}

sub route {
    my ($ch, $route) = @_;
    $ch->js('SOS.go(' . encode_json([$route]) . '[0]); 1');
}

sub click {
    my ($ch, $sel) = @_;
    $ch->js('document.querySelector(' . encode_json([$sel]) . '[0])'
        . '.click(); 1');
}

# an expression's value in the page; undef (and the reason) if it throws

sub js {
    my ($ch, $expr) = @_;
    my $r = eval { $ch->js($expr) };
    diag($@) if $@;
    return $r;
}

# until the expression is true, 20 seconds at most

sub wait_for {
    my ($ch, $expr, $timeout) = @_;
    my $deadline = time() + ($timeout || 20);
    while (time() < $deadline) {
        my $v = eval { $ch->js($expr) };
        return $v if $v;
        sleep(0.1);
    }
    return 0;
}

sub phone {
    my ($ch) = @_;
    $ch->call('Emulation.setDeviceMetricsOverride', { width => 390,
        height => 844, deviceScaleFactor => 1, mobile => JSON::PP::true });
}

sub shot {
    my ($ch, $name) = @_;
    # the messages of earlier steps would hide the page
    js($ch, 'document.querySelectorAll(".toast").forEach(e => e.remove()); 1');
    sleep(0.3);
    my $file = $t->dir . "/console_extras-$name.png";
    ok($ch->screenshot($file) > 1000, "screenshot $name");
    copy($file, "$artifacts/console_extras-$name.png");
}

sub show_console {
    my ($ch) = @_;
    diag("$_->{level} $_->{source}: $_->{text}") for $ch->console;
}
