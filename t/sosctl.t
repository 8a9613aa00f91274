#!/usr/bin/perl

# sosctl on a stopped data directory: organizations and keys.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Test;

my $t = SOS::Test->new(keys => 0, nginx => 0);

my ($rc, $out, $err) = $t->sosctl();
is($rc, 2, 'no command: usage error');
like($err, qr/^usage: sosctl/m, 'usage printed');

($rc, $out, $err) = $t->sosctl('frobnicate');
is($rc, 2, 'unknown command: usage error');
like($err, qr/unknown command "frobnicate"/, 'unknown command named');

($rc, $out, $err) = $t->sosctl('org', 'create');
is($rc, 2, 'org create without a name: usage error');

($rc, $out, $err) = $t->sosctl('org', 'create', "Soci\xe9t\xe9");
is($rc, 2, 'org create with a Latin-1 name: usage error');
like($err, qr/UTF-8/, 'the error says why');

($rc, $out) = $t->sosctl('--help');
is($rc, 0, '--help');
like($out, qr/key create ORG/, '--help lists commands');

# organizations

($rc, $out, $err) = $t->sosctl('org', 'create', 'acme', '--email',
    'ops@acme.example');
is($rc, 0, 'org create') or diag($err);
my ($id) = $out =~ /^id:\s+([0-9a-f]{64})$/m;
ok($id, 'org create prints the id');
like($out, qr/^name:\s+acme$/m, 'org create prints the name');
like($out, qr/^email:\s+ops\@acme\.example$/m, 'and the e-mail');

($rc, $out, $err) = $t->sosctl('org', 'create', 'acme');
is($rc, 1, 'duplicate name refused');
like($err, qr/acme|exist/i, 'duplicate: message');

($rc, $out) = $t->sosctl('org', 'create', 'globex');
is($rc, 0, 'second org');

($rc, $out) = $t->sosctl('org', 'list');
is($rc, 0, 'org list');
like($out, qr/^\Q$id\E\s+acme\s/m, 'list shows acme');
like($out, qr/\sglobex\s/m, 'list shows globex');

($rc, $out) = $t->sosctl('org', 'show', 'acme');
is($rc, 0, 'org show by name');
like($out, qr/^id:\s+\Q$id\E$/m, 'show by name: id');

($rc, $out) = $t->sosctl('org', 'show', $id);
is($rc, 0, 'org show by id');
like($out, qr/^name:\s+acme$/m, 'show by id: name');

($rc, $out, $err) = $t->sosctl('org', 'show', 'initech');
is($rc, 1, 'show unknown org fails');
like($err, qr/no organization "initech"/, 'show unknown: message');

# keys

($rc, $out, $err) = $t->sosctl('key', 'create', 'acme');
is($rc, 0, 'key create') or diag($err);
my $block = qr/\A\[acme\]\naws_access_key_id = [A-Z0-9]{20}\n/;
$block = qr/${block}aws_secret_access_key = [A-Za-z0-9+\/]{40}\n\z/;
like($out, $block,
    'key create prints a credentials block');
my ($key1) = $out =~ /aws_access_key_id = (\S+)/;

($rc, $out) = $t->sosctl('key', 'create', $id, '--admin');
is($rc, 0, 'admin key create by org id');
my ($key2) = $out =~ /aws_access_key_id = (\S+)/;

($rc, $out, $err) = $t->sosctl('key', 'create', 'initech');
is($rc, 1, 'key for unknown org fails');

($rc, $out) = $t->sosctl('key', 'list', 'acme');
is($rc, 0, 'key list');
like($out, qr/^\Q$key1\E\s+no\s/m, 'list: plain key');
like($out, qr/^\Q$key2\E\s+yes\s/m, 'list: admin key');
unlike($out, qr/[A-Za-z0-9+\/]{40}/, 'list shows no secret');

($rc, $out) = $t->sosctl('key', 'revoke', $key1);
is($rc, 0, 'key revoke');

($rc, $out) = $t->sosctl('key', 'list', 'acme');
unlike($out, qr/\Q$key1\E/, 'revoked key gone');

($rc, $out, $err) = $t->sosctl('key', 'revoke', $key1);
is($rc, 1, 'revoke twice fails');
like($err, qr/no key/, 'revoke twice: message');

# status

($rc, $out, $err) = $t->sosctl('status');
is($rc, 0, 'status') or diag($err);
like($out, qr/^replicas:\s+3$/m, 'status: 3 replicas');
like($out, qr/^write quorum:\s+2$/m, 'status: quorum 2');
like($out, qr/^degraded:\s+no$/m, 'status: not degraded');

# delete

($rc, $out) = $t->sosctl('org', 'delete', 'acme');
is($rc, 0, 'org delete');

($rc, $out) = $t->sosctl('org', 'show', 'acme');
is($rc, 1, 'deleted org is gone');

($rc, $out) = $t->sosctl('org', 'list');
unlike($out, qr/\sacme\s/, 'deleted org not listed');

# explicit replicas, and SOS_DATA

my $dir = $t->dir;
my $sosctl = SOS::Test::sosctl_path();
$out = `$sosctl --data $dir/d2 --replica $dir/a --replica $dir/b status 2>&1`;
is($? >> 8, 0, 'status with two replicas');
like($out, qr/^replicas:\s+2$/m, 'two replicas');
ok(-d "$dir/a" && -d "$dir/b", 'replica dirs created');

{
    local $ENV{SOS_DATA} = "$dir/d3";
    $out = `$sosctl org create viaenv 2>&1`;
    is($? >> 8, 0, 'SOS_DATA is the default data dir') or diag($out);
    ok(-d "$dir/d3/index", 'index created under SOS_DATA');
}

# the key file that seals the secrets: --key-file, as sos_key_file

($rc, $out, $err) = $t->sosctl('key', 'create', 'globex');
is($rc, 0, 'a key sealed with the default key file');

open my $kf, '>:raw', "$dir/other.key" or die;
print $kf 'o' x 32;
close $kf;
chmod 0600, "$dir/other.key";

($rc, $out, $err) = $t->sosctl('--key-file', "$dir/other.key", 'org',
    'list');
is($rc, 1, '--key-file of another key file: refused');
like($err, qr/key file "\Q$dir\E\/other\.key" opens none of the \d+ sealed secrets.*wrong key file/,
    'says which key file is wrong');

($rc, $out, $err) = $t->sosctl("--key-file=$dir/none.key", 'org', 'list');
is($rc, 1, 'a missing key file while secrets are sealed: refused');
like($err, qr/"\Q$dir\E\/none\.key" is missing/, 'says so');
ok(!-e "$dir/none.key", 'and creates no new key');

($rc, $out, $err) = $t->sosctl('--key-file', $t->data . '/secret.key',
    'key', 'list', 'globex');
is($rc, 0, '--key-file of the right key file') or diag($err);

$out = `$sosctl --data $dir/d4 --key-file $dir/d4.key org create k 2>&1`;
is($? >> 8, 0, 'a fresh data dir with --key-file') or diag($out);
like($out, qr/^sosctl: notice: created the key file "\Q$dir\E\/d4\.key".*back it up/m,
    'says it created the key file');
is(sprintf('%04o', (stat "$dir/d4.key")[2] & 07777), '0600', 'mode 0600');
ok(!-e "$dir/d4/secret.key", 'no default key file beside it');

done_testing();
