#!/usr/bin/perl

# The web console in headless Chromium (Debian's chromium, driven through
# the DevTools protocol: t/lib/SOS/Chromium.pm), against a server with
# "location /sos-console/ { sos_console; }" as make run has it.
#
# A wrong secret is refused with S3's error shown; then, signed in: a
# bucket created (keyboard only: Enter in the dialog), a small file and
# one over the multipart threshold uploaded through the file picker (the
# second's ETag ends in -2: two parts), a file dropped on the drop zone, a
# file in a folder; a multipart upload begun "before a reload" resumed by
# picking the same file again (ListParts: only the missing part sent);
# the bucket list's object count; browsing into the folder (breadcrumbs),
# paging with a small page size, a download through a presigned URL, and
# a delete of several objects and a whole folder (Escape cancels the
# confirmation first).  What the browser did is checked through S3 too.
#
# Screenshots in t/artifacts/ (ignored by git): console-desktop-*.png at
# 1280x800 and console-phone-*.png at 390x844.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_hex);
use File::Copy qw(copy);
use File::Path qw(make_path);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Chromium;
use SOS::Clients qw(slurp);
use SOS::Test;

BAIL_OUT('chromium is missing: run make deps') unless SOS::Chromium::path();

my $artifacts = "$FindBin::Bin/artifacts";
make_path($artifacts);

my $t = SOS::Test->new(server => <<'EOF');
location /sos-console/ {
            sos_console;
        }

        location /sos-admin/ {
            sos_admin;
        }
EOF
$t->run;

my $port = $t->port;
my $url = "http://127.0.0.1:$port/sos-console/";
my $bucket = 'photos';
my $MiB = 1024 * 1024;

# the files to upload: small, over the 8 MiB threshold, and one resumed

my %file;
for (['small.txt', 'hello from the console' . "\n"],
    ['big.bin', 9 * $MiB + 123],
    ['resume.bin', 8 * $MiB + 4567])
{
    my ($name, $what) = @$_;
    my $data = ref(\$what) eq 'SCALAR' && $what =~ /^\d+$/
        ? pattern($what, $name) : $what;
    my $path = $t->dir . "/$name";
    open(my $fh, '>', $path) or die "$path: $!\n";
    binmode $fh;
    print $fh $data;
    close $fh;
    # whole seconds: the page sees the time in milliseconds
    utime(1764000000, 1764000000, $path) or die "utime $path: $!\n";
    $file{$name} = { path => $path, data => $data };
}

my $b = browser('desktop', '1280,800');

# ---- sign in: a wrong secret first ----

ok(wait_for($b, 'document.body.dataset.state === "signed-out"'),
    'the sign-in page');
shot($b, 'console-desktop-signin.png');

sign_in($b, $t->access_key, 'wrong' . $t->secret_key);
ok(wait_for($b, 'document.getElementById("signin-error").textContent'),
    'wrong secret: a message');
my $msg = js($b, 'document.getElementById("signin-error").textContent');
like($msg, qr/secret key is wrong.*SignatureDoesNotMatch/,
    'wrong secret: the S3 error code, said plainly');
is(js($b, 'document.body.dataset.state'), 'signed-out', '... not signed in');
is(js($b, 'sessionStorage.length'), 0, '... nothing kept');
shot($b, 'console-desktop-signin-error.png');

sign_in($b, 'AKNOSUCHKEY000000000', $t->secret_key);
ok(wait_for($b, 'document.getElementById("signin-error").textContent'
    . '.includes("InvalidAccessKeyId")'), 'unknown key: InvalidAccessKeyId');

sign_in($b, $t->access_key, $t->secret_key);
ok(wait_for($b, 'document.body.dataset.state === "signed-in"'), 'signed in');
ok(wait_for($b, '!!document.getElementById("create-bucket")'),
    'the bucket list');
is(js($b, 'document.cookie'), '', 'no cookie');
like(js($b, 'sessionStorage.getItem("sos-console-session")') // '',
    qr/"secretKey"/, 'the keys in sessionStorage');

# the admin API, signed in the page as sosctl signs it (the dev key is an
# admin key)
is(js($b, 'SOS.admin.request("GET", "orgs").then(r => r.organizations'
    . '.map(o => o.name).join())'), 'dev', 'SOS.admin: GET orgs');
like(js($b, 'SOS.admin.request("GET", "orgs/nosuch").catch(e => e.code)'),
    qr/^NoSuchEntity$/, 'SOS.admin: its errors as S3Error codes');

# ---- create a bucket: keyboard only ----

js($b, 'document.getElementById("create-bucket").focus()');
key($b, 'Enter');
ok(wait_for($b, 'document.getElementById("dialog").open'
    . ' && document.activeElement.id === "dialog-input"'),
    'Enter on the button: the dialog, its field focused');
$b->call('Input.insertText', { text => $bucket });
key($b, 'Enter');
ok(wait_for($b, "location.hash === '#/browse/$bucket/'"
    . ' && !!document.getElementById("upload-files")'),
    'Enter in the dialog: bucket created, browsing it');
my ($status) = SOS::Test->parse($t->s3(HEAD => "/$bucket"));
is($status, 200, 'the bucket exists (HeadBucket)');

# ---- uploads through the file picker ----

pick($b, '#upload-files', $file{'small.txt'}{path});
ok(wait_for($b, 'upload_done("small.txt")', 30), 'small.txt uploaded');
is(js($b, 'document.querySelector(\'.upload[data-key="small.txt"]'
    . ' progress\').value'), 100, 'its progress bar at 100');

pick($b, '#upload-files', $file{'big.bin'}{path});
ok(wait_for($b, 'upload_done("big.bin")', 60), 'big.bin uploaded');
my $etag = js($b, 'document.querySelector(\'.upload[data-key="big.bin"]\')'
    . '.dataset.etag');
like($etag, qr/^"[0-9a-f]{32}-2"$/, "big.bin: multipart, 2 parts ($etag)");
shot($b, 'console-desktop-uploads.png');

for my $name ('small.txt', 'big.bin') {
    my ($s, $h, $body) = SOS::Test->parse($t->s3(GET => "/$bucket/$name",
        timeout => 30));
    is($s, 200, "GET $name");
    ok($body eq $file{$name}{data}, "$name: the bytes sent")
        or diag(length($body) . ' bytes, expected '
            . length($file{$name}{data}));
}

# ---- drag and drop, and a file in a folder ----

js($b, 'const dt = new DataTransfer();'
    . 'dt.items.add(new File(["dropped\n"], "dropped.txt",'
    . ' { type: "text/plain" }));'
    . 'document.getElementById("dropzone").dispatchEvent(new DragEvent('
    . '"drop", { dataTransfer: dt, bubbles: true, cancelable: true }))');
ok(wait_for($b, 'upload_done("dropped.txt")', 30), 'a dropped file uploaded');

js($b, 'SOS.upload.files("' . $bucket . '", "", [{ file: new File('
    . '["in a folder\n"], "readme.txt"), path: "docs/readme.txt" }],'
    . ' document.getElementById("uploads"))');
ok(wait_for($b, 'upload_done("docs/readme.txt")', 30),
    'a folder\'s file uploaded under its path');

# ---- resume: part 1 sent before a reload, part 2 after ----

my $resume = $file{'resume.bin'};
my ($s, $h, $body) = SOS::Test->parse($t->s3(POST => "/$bucket/resume.bin",
    query => 'uploads'));
my ($upload_id) = $body =~ m{<UploadId>([^<]+)</UploadId>};
ok($upload_id, 'an upload begun');
($s) = SOS::Test->parse($t->s3(PUT => "/$bucket/resume.bin",
    query => "partNumber=1&uploadId=$upload_id",
    body => substr($resume->{data}, 0, 8 * $MiB), timeout => 30));
is($s, 200, 'its part 1 sent');
my $mtime = 1764000000 * 1000;
js($b, 'localStorage.setItem("sos-console-upload:" + JSON.stringify(['
    . "\"$bucket\", \"resume.bin\", \"resume.bin\", "
    . length($resume->{data}) . ", $mtime]), JSON.stringify({ uploadId: \""
    . "$upload_id\", partSize: " . 8 * $MiB . " }))");

$b->call('Page.reload', {});
ok(wait_for($b, 'document.body.dataset.state === "signed-in"'
    . ' && !!document.getElementById("upload-files")'),
    'reloaded: still signed in (sessionStorage), still in the bucket');
like(js($b, 'document.getElementById("resumable").textContent') // '',
    qr/1 unfinished upload here \(resume\.bin\)/,
    'the unfinished upload is announced');
install_helpers($b);

pick($b, '#upload-files', $resume->{path});
ok(wait_for($b, 'upload_done("resume.bin")', 60), 'resume.bin uploaded');
is(js($b, 'document.querySelector(\'.upload[data-key="resume.bin"]\')'
    . '.dataset.resumed'), '1', 'resumed: part 1 was on the server');
like(js($b, 'document.querySelector(\'.upload[data-key="resume.bin"]\')'
    . '.dataset.etag'), qr/-2"$/, 'resume.bin: 2 parts');
($s, $h, $body) = SOS::Test->parse($t->s3(GET => "/$bucket/resume.bin",
    timeout => 30));
ok($body eq $resume->{data}, 'resume.bin: the bytes of the file');
is(js($b, 'Object.keys(localStorage).filter(k => '
    . 'k.startsWith("sos-console-upload:")).length'), 0,
    'the resume record is gone once complete');

# signing out forgets unfinished uploads: the next person at this browser
# does not see them
js($b, 'localStorage.setItem("sos-console-upload:[\\"x\\"]", "{}")');
js($b, 'document.getElementById("signout").click()');
is(js($b, 'Object.keys(localStorage).filter(k => '
    . 'k.startsWith("sos-console-upload:")).length'), 0,
    'sign out: no resume record left');
sign_in($b, $t->access_key, $t->secret_key);
ok(wait_for($b, 'document.body.dataset.state === "signed-in"'),
    'signed in again');
my $uploads = (SOS::Test->parse($t->s3(GET => "/$bucket",
    query => 'uploads')))[2];
unlike($uploads, qr/<Upload>/, 'no upload left in progress');

# ---- the bucket list: count and size ----

js($b, 'SOS.go("buckets")');
ok(wait_for($b, "(document.querySelector('tr[data-bucket=\"$bucket\"] td.num')"
    . ' || {}).dataset?.count === "5"'), 'the bucket list: 5 objects');
like(js($b, "document.querySelectorAll('tr[data-bucket=\"$bucket\"] td.num')"
    . '[1].textContent'), qr/^17 MiB$/, '... and their size');
is(js($b, "document.querySelector('tr[data-bucket=\"$bucket\"] td.num')"
    . '.dataset.exact'), 'yes',
    '... the server\'s own counters, for an admin key (GET usage)');
shot($b, 'console-desktop-buckets.png');

# ---- browse: folders, breadcrumbs, paging ----

js($b, "location.hash = '#/browse/$bucket/'");
ok(wait_for($b, 'rows().includes("docs/")'), 'the folder docs/ listed');
shot($b, 'console-desktop-browse.png');
js($b, 'document.querySelector(\'tr[data-key="docs/"] a\').click()');
ok(wait_for($b, 'rows().join() === "docs/readme.txt"'),
    'into docs/: its file');
is(js($b, 'Array.from(document.querySelectorAll(".crumbs > *")).map('
    . 'e => e.textContent).join("")'), "Buckets/$bucket/docs",
    'the breadcrumbs');
js($b, "document.querySelector('.crumbs a[href=\"#/browse/$bucket/\"]')"
    . '.click()');
ok(wait_for($b, 'rows().length === 5'), 'back to the bucket by the crumbs');

js($b, 'SOS.pageSize = 2; document.getElementById("refresh").click()');
ok(wait_for($b, 'rows().length === 2 && !document.getElementById('
    . '"page-next").disabled'), 'page size 2: a next page');
my $page1 = js($b, 'rows().join()');
js($b, 'document.getElementById("page-next").click()');
ok(wait_for($b, 'document.getElementById("page-info").textContent'
    . ' === "Page 2"'), 'page 2');
my $page2 = js($b, 'rows().join()');
js($b, 'document.getElementById("page-next").click()');
ok(wait_for($b, 'document.getElementById("page-info").textContent'
    . ' === "Page 3" && document.getElementById("page-next").disabled'),
    'page 3, the last');
my $page3 = js($b, 'rows().join()');
is(join(',', $page1, $page2, $page3),
    'docs/,big.bin,dropped.txt,resume.bin,small.txt',
    'the pages: the folder, then the objects in order, none twice');
js($b, 'document.getElementById("page-prev").click()');
ok(wait_for($b, 'rows().join() === "dropped.txt,resume.bin"'),
    'previous page');
js($b, 'SOS.pageSize = 0; SOS.go(SOS.route())');
ok(wait_for($b, 'rows().length === 5'), 'one page again');

# ---- download: a presigned GET ----

js($b, 'window.__dl = null; HTMLAnchorElement.prototype.click = function ()'
    . ' { window.__dl = this.href; }; document.querySelector('
    . '\'tr[data-key="small.txt"] button.download\').click()');
ok(wait_for($b, 'window.__dl'), 'Download: a link');
my $dl = js($b, 'window.__dl');
like($dl, qr{^http://127\.0\.0\.1:$port/$bucket/small\.txt\?.*X-Amz-Signature=},
    'a presigned URL of the object');
is(js($b, 'fetch(window.__dl, { credentials: "omit" }).then(r => r.text())'),
    $file{'small.txt'}{data}, 'the browser downloads it');
(my $path = $dl) =~ s{^http://[^/]+}{};
($s, $h, $body) = SOS::Test->parse($t->http(GET => $path));
is($body, $file{'small.txt'}{data}, '... and so does anyone with the link');
like($h->{'content-disposition'} // '',
    qr/^attachment; filename\*=UTF-8''small\.txt/,
    '... as an attachment');

# ---- delete several, and a folder; Escape cancels first ----

$b->call('Page.reload', {});
ok(wait_for($b, 'document.body.dataset.state === "signed-in"'
    . ' && document.querySelectorAll("#objects tbody tr[data-key]").length'
    . ' === 5'), 'reloaded');
install_helpers($b);

for my $k ('docs/', 'small.txt', 'big.bin') {
    js($b, "document.querySelector('tr[data-key=\"$k\"] input').click()");
}
is(js($b, 'document.getElementById("selection").textContent'),
    '3 selected', '3 selected');
js($b, 'document.getElementById("delete-selected").click()');
ok(wait_for($b, 'document.getElementById("dialog").open'),
    'a confirmation');
like(js($b, 'document.querySelector("#dialog p").textContent'),
    qr/Folders are deleted with everything in them/, 'it warns of folders');
shot($b, 'console-desktop-confirm.png');
key($b, 'Escape');
ok(wait_for($b, '!document.getElementById("dialog").open'), 'Escape: closed');
sleep(0.5);
is(scalar(my @k = keys_in($bucket)), 5, '... and nothing deleted');

js($b, 'document.getElementById("delete-selected").click()');
ok(wait_for($b, 'document.getElementById("dialog").open'), 'again');
js($b, 'document.querySelector("#dialog button[type=submit]").click()');
ok(wait_for($b, 'rows().join() === "dropped.txt,resume.bin"'),
    'deleted: the list shows the rest');
is(join(',', keys_in($bucket)), 'dropped.txt,resume.bin',
    'S3 has only the rest');

# ---- the phone ----

my $p = browser('phone', '390,844');
ok(wait_for($p, 'document.body.dataset.state === "signed-out"'),
    'phone: the sign-in page');
is(js($p, 'document.documentElement.scrollWidth <= 390'), JSON::PP::true,
    'phone: the sign-in page fits the width');
shot($p, 'console-phone-signin.png');
sign_in($p, $t->access_key, $t->secret_key);
ok(wait_for($p, '!!document.querySelector("#buckets td.num[data-count]")'),
    'phone: the bucket list');
is(js($p, 'document.documentElement.scrollWidth <= 390'), JSON::PP::true,
    'phone: the bucket list fits the width');
shot($p, 'console-phone-buckets.png');
js($p, "location.hash = '#/browse/$bucket/'");
ok(wait_for($p, 'rows().length === 2'), 'phone: browsing');
is(js($p, 'document.documentElement.scrollWidth <= 390'), JSON::PP::true,
    'phone: the object list fits the width');
shot($p, 'console-phone-browse.png');

# an object's route: the details view when registered, a plain page if not

js($p, 'document.querySelector(\'tr[data-key="dropped.txt"] a\').click()');
ok(wait_for($p, "location.hash === '#/object/$bucket/dropped.txt'"
    . ' && !!document.querySelector("main .view-object")'),
    'an object links to its details route, which shows a page');

# ---- delete the bucket: empty it first ----

js($b, 'SOS.deleteKeys("' . $bucket . '", ["dropped.txt", "resume.bin"])');
js($b, 'SOS.go("buckets")');
ok(wait_for($b,
    "!!document.querySelector('tr[data-bucket=\"$bucket\"] button')"),
    'the bucket list again');
js($b, "document.querySelector('tr[data-bucket=\"$bucket\"] button').click()");
ok(wait_for($b, 'document.getElementById("dialog").open'), 'confirm delete');
js($b, 'document.querySelector("#dialog button[type=submit]").click()');
ok(wait_for($b, "!document.querySelector('tr[data-bucket=\"$bucket\"]')"
    . ' && !!document.getElementById("create-bucket")'), 'the bucket is gone');
($status) = SOS::Test->parse($t->s3(HEAD => "/$bucket"));
is($status, 404, 'HeadBucket: 404');

# the page's console: no error but the refused sign-ins' network lines

for my $c ($b, $p) {
    my @e = grep { !($_->{source} eq 'network' && $_->{text} =~ /\b40[34]\b/) }
        $c->errors;
    is(scalar @e, 0, 'no error in the page\'s console')
        or diag(join("\n", map { "$_->{source}: $_->{text}" } @e));
    $c->quit;
}

$t->stop_ok;

done_testing;

# ---- helpers ----

# deterministic bytes, different for each file
sub pattern {
    my ($len, $seed) = @_;
    my $block = '';
    my $h = md5_hex($seed);
    $block .= ($h = md5_hex($h)) while length $block < 65536;
    my $data = $block x int($len / length $block);
    return $data . substr($block, 0, $len - length $data);
}

sub browser {
    my ($name, $size) = @_;
    my $c = SOS::Chromium->new(dir => $t->dir . "/chromium-$name",
        window => $size, timeout => 60);
    my ($w, $h) = split /,/, $size;
    ok($c->load('about:blank'), "$name: a tab");
    # headless windows are 500 pixels wide at least: a phone's viewport
    # is emulated
    $c->call('Emulation.setDeviceMetricsOverride', { width => $w + 0,
        height => $h + 0, deviceScaleFactor => 1,
        mobile => $w < 500 ? JSON::PP::true : JSON::PP::false });
    $c->{loaded} = 0;
    $c->call('Page.navigate', { url => $url });
    ok(wait_for($c, 'document.readyState === "complete" && '
        . 'document.body.dataset.state !== "loading"', 30),
        "$name: $url loaded")
        or diag(slurp($c->dir . '/chromium.log'));
    install_helpers($c);
    return $c;
}

# functions of the test in the page
sub install_helpers {
    my ($c) = @_;
    js($c, 'window.upload_done = k => { const r = document.querySelector('
        . '\'.upload[data-key="\' + k + \'"]\'); if (r && r.dataset.state'
        . ' === "failed") throw new Error(k + ": " + r.textContent);'
        . ' return !!r && r.dataset.state === "done"; };'
        . 'window.rows = () => Array.from(document.querySelectorAll('
        . '"#objects tbody tr[data-key]")).map(r => r.dataset.key); 1');
}

sub js {
    my ($c, $expr) = @_;
    my $r = eval { $c->js($expr) };
    diag($@) if $@;
    return $r;
}

# until the expression is true, $timeout seconds at most
sub wait_for {
    my ($c, $expr, $timeout) = @_;
    my $deadline = time() + ($timeout || 20);
    while (time() < $deadline) {
        # an exception (the page between two documents) is "not yet"
        my $v = eval { $c->js($expr) };
        return 1 if $v;
        sleep(0.1);
    }
    diag("timed out: $expr");
    return 0;
}

sub sign_in {
    my ($c, $key, $secret) = @_;
    my $j = JSON::PP->new->allow_nonref;
    js($c, 'document.getElementById("signin-error").textContent = "";'
        . 'document.getElementById("signin-key").value = ' . $j->encode($key)
        . '; document.getElementById("signin-secret").value = '
        . $j->encode($secret) . ';'
        . 'document.querySelector("#signin button[type=submit]").click()');
}

sub key {
    my ($c, $name) = @_;
    my %code = (Enter => 13, Escape => 27);
    for my $type ('keyDown', 'keyUp') {
        $c->call('Input.dispatchKeyEvent', { type => $type, key => $name,
            code => $name, windowsVirtualKeyCode => $code{$name},
            $name eq 'Enter' && $type eq 'keyDown' ? (text => "\r") : () });
    }
}

# a file chosen in a file input, as the picker does
sub pick {
    my ($c, $selector, $path) = @_;
    my $doc = $c->call('DOM.getDocument', {});
    my $node = $c->call('DOM.querySelector', { nodeId => $doc->{root}{nodeId},
        selector => $selector });
    $c->call('DOM.setFileInputFiles', { nodeId => $node->{nodeId},
        files => [ $path ] });
}

sub keys_in {
    my ($bkt) = @_;
    my $xml = (SOS::Test->parse($t->s3(GET => "/$bkt",
        query => 'list-type=2')))[2];
    return $xml =~ m{<Key>([^<]+)</Key>}g;
}

sub shot {
    my ($c, $name) = @_;
    # the page as it stays: without the messages that fade out
    js($c, 'document.getElementById("toasts").replaceChildren(); 1');
    sleep(0.3);
    my $n = eval { $c->screenshot("$artifacts/$name") };
    ok($n, "screenshot $name") or diag($@);
}
