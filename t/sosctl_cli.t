#!/usr/bin/perl

# sosctl for people and scripts: every command online (the admin API) and
# offline (the data directory, nginx stopped) with the same JSON; bucket
# list, bucket show, du, status, presign; tables, --help of each command,
# exit codes, and the bash completion.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;

use SOS::Admin;
use SOS::Test;

my $t = SOS::Test->new(server => $SOS::Admin::LOCATION)->run;

sub online { SOS::Admin::sosctl_online($t, {}, @_) }
sub status_of { (SOS::Test->parse($_[0]))[0] }

# JSON of a command run with run (online or $t->sosctl): the document,
# or undef having said why

sub json_of {
    my ($run, @args) = @_;
    my ($rc, $out, $err) = $run->('--json', @args);
    is($rc, 0, "@args --json: exit 0") or diag($err);
    my $doc = eval { decode_json($out) };
    ok(ref $doc eq 'HASH', "@args --json: a JSON object") or diag($out);
    return $doc;
}

# the store: two buckets, keys in folders, an upload in progress

is(status_of($t->s3(PUT => '/photos')), 200, 'bucket photos');
is(status_of($t->s3(PUT => '/site', headers => { 'x-amz-acl' =>
    'public-read' })), 200, 'bucket site, public-read');

my %objects = ('photos/a.txt' => 10, 'photos/2024/x.jpg' => 100,
    'photos/2024/y.jpg' => 1000, 'photos/2025/z.jpg' => 50,
    'photos/top' => 7, 'site/index.html' => 20);

for my $path (sort keys %objects) {
    is(status_of($t->s3(PUT => "/$path", body => 'x' x $objects{$path})),
        200, "put $path");
}

my $r = $t->s3(POST => '/photos/2024/big.jpg?uploads');
is(status_of($r), 200, 'an upload in progress');

my $website = '<WebsiteConfiguration><IndexDocument><Suffix>index.html'
    . '</Suffix></IndexDocument></WebsiteConfiguration>';
is(status_of($t->s3(PUT => '/site?website', body => $website)), 200,
    'website of site');

my ($rc, $out, $err) = online('bucket', 'cdn', 'site', 'on');
is($rc, 0, 'cdn on') or diag($err);

# bucket list

my %on;
my $run_online = sub { online(@_) };

$on{list} = json_of($run_online, 'bucket', 'list');
my %b = map { $_->{name} => $_ } @{ $on{list}{buckets} };
is_deeply([sort keys %b], [qw(photos site)], 'bucket list: both buckets');
is($b{photos}{objects}, 5, 'photos: 5 objects');
is($b{photos}{bytes}, 1167, 'photos: bytes');
is($b{photos}{uploads}, 1, 'photos: one upload in progress');
is($b{photos}{owner_name}, 'dev', 'photos: owner name');
like($b{photos}{owner_id}, qr/^[0-9a-f]{64}$/, 'photos: owner id');
like($b{photos}{created}, qr/^\d{10}$/, 'photos: created');
is($b{site}{objects}, 1, 'site: 1 object');
is($on{list}{objects}, 6, 'total objects');
is($on{list}{bytes}, 1187, 'total bytes');
is($on{list}{uploads}, 1, 'total uploads');
is($on{list}{data_dir}, $t->data, 'the data directory');

($rc, $out) = online('bucket', 'list');
is($rc, 0, 'bucket list: table');
like($out, qr/^BUCKET\s+OWNER\s+OBJECTS\s+SIZE\s+UPLOADS\s+CREATED$/m,
    'bucket list: header');
like($out, qr/^photos\s+dev\s+5\s+1\.1 KiB\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d$/m,
    'bucket list: photos row, human size');
like($out, qr/^TOTAL\s+6\s+1\.2 KiB\s+1$/m, 'bucket list: total');

# bucket show

$on{show_site} = json_of($run_online, 'bucket', 'show', 'site');
is($on{show_site}{acl}{summary}, 'public-read', 'site: public-read');
ok($on{show_site}{acl}{public_read}, 'site: public_read');
ok(!$on{show_site}{acl}{public_write}, 'site: not public_write');
ok($on{show_site}{website}, 'site: website set');
ok(!$on{show_site}{cors}, 'site: no CORS');
ok($on{show_site}{cdn}, 'site: CDN on');
is($on{show_site}{cache_control}, undef, 'site: no cache-control');
$on{show_photos} = json_of($run_online, 'bucket', 'show', 'photos');
is($on{show_photos}{acl}{summary}, 'private', 'photos: private');
is($on{show_photos}{acl}{grants}, 1, 'photos: one grant');
is($on{show_photos}{uploads}, 1, 'photos: one upload');

($rc, $out) = online('bucket', 'show', 'site');
is($rc, 0, 'bucket show: table');
like($out, qr/^acl:\s+public-read \(2 grants\)$/m, 'bucket show: acl line');
like($out, qr/^website:\s+yes$/m, 'bucket show: website');
like($out, qr/^cdn:\s+on$/m, 'bucket show: cdn');
like($out, qr/^owner:\s+dev \([0-9a-f]{64}\)$/m, 'bucket show: owner');

($rc, $out, $err) = online('bucket', 'show', 'nosuch');
is($rc, 1, 'bucket show of a missing bucket: exit 1');
like($err, qr/NoSuchEntity|does not exist/, 'and says so');

# du

$on{du} = json_of($run_online, 'du', 'photos');
is($on{du}{objects}, 5, 'du photos: objects');
is($on{du}{bytes}, 1167, 'du photos: bytes');
is($on{du}{uploads}, 1, 'du photos: uploads');
is_deeply($on{du}{groups}, [], 'du without depth: no groups');

$on{du1} = json_of($run_online, 'du', 'photos', '--depth', '1');
is_deeply([map { $_->{prefix} } @{ $on{du1}{groups} }], ['2024/', '2025/'],
    'du --depth 1: the folders');
is($on{du1}{groups}[0]{bytes}, 1100, 'du: 2024/ bytes');
is($on{du1}{groups}[0]{objects}, 2, 'du: 2024/ objects');

$on{du2} = json_of($run_online, 'du', 'photos', '2024/');
is($on{du2}{objects}, 2, 'du with a prefix: objects');
is($on{du2}{uploads}, 1, 'du with a prefix: the upload under it');
is($on{du2}{prefix}, '2024/', 'du: the prefix');

($rc, $out) = online('du', 'photos', '--depth', '1');
is($rc, 0, 'du: table');
like($out, qr/^2024\/\s+2\s+1\.1 KiB$/m, 'du: folder row');
like($out, qr/^\(objects at this level\)\s+2\s+17 B$/m, 'du: the rest');
like($out, qr/^TOTAL\s+5\s+1\.1 KiB$/m, 'du: total');

($rc, $out, $err) = online('du', 'nosuch');
is($rc, 1, 'du of a missing bucket: exit 1');

# status

$on{status} = json_of($run_online, 'status');
is($on{status}{write_quorum}, 2, 'status: quorum');
is(scalar @{ $on{status}{replicas} }, 3, 'status: replicas');
ok($on{status}{replicas}[0]{free_bytes} > 0, 'status: free space');
is($on{status}{uploads}, 1, 'status: uploads in progress');
is(scalar @{ $on{status}{buckets} }, 2, 'status: per-bucket usage');
is($on{status}{degraded_extents}, 0, 'status: degraded');

($rc, $out) = online('status');
is($rc, 0, 'status: table');
like($out, qr/^store:\s+\Q${\ $t->data }\E$/m, 'status: the store');
like($out, qr/^uploads in progress:\s+1$/m, 'status: uploads line');
like($out, qr/^photos\s+dev\s+5\s/m, 'status: bucket row');

# org and key, --json

$on{orgs} = json_of($run_online, 'org', 'list');
is($on{orgs}{organizations}[0]{name}, 'dev', 'org list --json');
my $kc = json_of($run_online, 'key', 'create', 'dev');
like($kc->{key}{secret_access_key}, qr/^\S{40}$/, 'key create --json');
my $kl = json_of($run_online, 'key', 'list', 'dev');
is(scalar @{ $kl->{keys} }, 2, 'key list --json');
my $kr = json_of($run_online, 'key', 'revoke', $kc->{key}{access_key_id});
is($kr->{access_key_id}, $kc->{key}{access_key_id}, 'key revoke --json');
$on{org} = json_of($run_online, 'org', 'show', 'dev');
$on{cdn} = json_of($run_online, 'bucket', 'cdn', 'site');
is($on{cdn}{cdn}, JSON::PP::true, 'bucket cdn --json');

# presign: GET and PUT, the URLs work; --json

my $p = json_of($run_online, 'presign', 'PUT', 's3://photos/new.txt',
    '--expires', '600');
is($p->{method}, 'PUT', 'presign: method');
is($p->{expires}, 600, 'presign: expires');
ok($p->{expires_at} - time() <= 600, 'presign: expires_at');
my ($path) = $p->{url} =~ m{^http://127\.0\.0\.1:\d+(/\S+)$};
ok($path, 'presign: a URL') or diag($p->{url});
like($path, qr/X-Amz-Expires=600/, 'presign: V4, the expiry');
is(status_of($t->http(PUT => $path, body => 'hello')), 200,
    'presigned PUT uploads');

($rc, $out) = online('presign', 'GET', 's3://photos/new.txt');
is($rc, 0, 'presign GET');
($path) = $out =~ m{^http://127\.0\.0\.1:\d+(/\S+)$}m;
$r = $t->http(GET => $path);
like($r, qr/^HTTP\/1\.1 200 .*\r\n\r\nhello\z/s, 'presigned GET reads it');
is(status_of($t->s3(DELETE => '/photos/new.txt')), 204, 'cleanup');

($rc, undef, $err) = online('presign', 'POST', 's3://photos/x');
is($rc, 2, 'presign POST: usage error');
($rc) = online('presign', 'GET', 's3://photos/x', '--expires', '0');
is($rc, 2, 'presign --expires 0: usage error');

# usage errors: exit 2 and the command's help on stderr

for my $bad (['du'], ['du', 'photos', '--depth', '2'], ['bucket', 'show'],
    ['bucket', 'list', 'x'], ['status', 'x'], ['org'], ['frob'])
{
    ($rc, undef, $err) = online(@$bad);
    is($rc, 2, "@$bad: exit 2");
    like($err, qr/^usage: sosctl/m, "@$bad: usage on stderr");
}

# --help of every command and subcommand, and help COMMAND

for my $cmd (qw(org key status scrub bucket du presign)) {
    ($rc, $out) = online($cmd, '--help');
    is($rc, 0, "$cmd --help: exit 0");
    like($out, qr/^usage: sosctl .*\b\Q$cmd\E\b/m, "$cmd --help: its usage");
    ($rc, my $out2) = online('help', $cmd);
    is($out2, $out, "help $cmd: the same");
}

for my $sub (['org', 'create'], ['key', 'list'], ['bucket', 'show'],
    ['bucket', 'list'])
{
    ($rc, $out) = online(@$sub, '--help');
    is($rc, 0, "@$sub --help: exit 0");
    like($out, qr/^(?:usage:)?\s+sosctl \[--json\] \Q@$sub\E/m,
        "@$sub --help: the command's usage");
}

$t->stop_ok;

# offline: the same documents

sub offline { $t->sosctl(@_) }
my $run_offline = sub { offline(@_) };

my $list = json_of($run_offline, 'bucket', 'list');
is_deeply($list, $on{list}, 'offline bucket list: the same JSON');
is_deeply(json_of($run_offline, 'bucket', 'show', 'site'), $on{show_site},
    'offline bucket show site: the same JSON');
is_deeply(json_of($run_offline, 'bucket', 'show', 'photos'),
    $on{show_photos}, 'offline bucket show photos: the same JSON');
is_deeply(json_of($run_offline, 'du', 'photos'), $on{du},
    'offline du: the same JSON');
is_deeply(json_of($run_offline, 'du', 'photos', '--depth', '1'), $on{du1},
    'offline du --depth 1: the same JSON');
is_deeply(json_of($run_offline, 'du', 'photos', '2024/'), $on{du2},
    'offline du PREFIX: the same JSON');
is_deeply(json_of($run_offline, 'org', 'list'), $on{orgs},
    'offline org list: the same JSON');
is_deeply(json_of($run_offline, 'org', 'show', 'dev'), $on{org},
    'offline org show: the same JSON');

my $cdn = json_of($run_offline, 'bucket', 'cdn', 'site');
is_deeply([@$cdn{qw(bucket cdn cache_control)}],
    [@{ $on{cdn} }{qw(bucket cdn cache_control)}],
    'offline bucket cdn: the same settings');

my $st = json_of($run_offline, 'status');
is_deeply([sort keys %$st], [sort keys %{ $on{status} }],
    'offline status: the same fields');
is_deeply($st->{buckets}, $on{status}{buckets}, 'offline status: buckets');
is_deeply([map { $_->{path} } @{ $st->{replicas} }],
    [map { $_->{path} } @{ $on{status}{replicas} }],
    'offline status: replicas');
is($st->{scrub}{rate}, undef, 'offline status: no scrub rate');
is($st->{uploads}, 1, 'offline status: uploads');

($rc, $out) = offline('status');
is($rc, 0, 'offline status: table');
like($out, qr/^store:\s+\Q${\ $t->data }\E$/m, 'offline status: the store');
like($out, qr/^photos\s+dev\s+5\s/m, 'offline status: bucket row');

($rc, $out) = offline('du', 'photos', '--depth', '1');
like($out, qr/^2024\/\s+2\s+1\.1 KiB$/m, 'offline du: table');

($rc, undef, $err) = offline('bucket', 'show', 'nosuch');
is($rc, 1, 'offline bucket show of a missing bucket: exit 1');
($rc) = offline('du', 'photos', '--depth');
is($rc, 2, 'offline du --depth without a value: exit 2');

my $kc2 = json_of($run_offline, 'key', 'create', 'dev');
like($kc2->{key}{secret_access_key}, qr/^\S{40}$/,
    'offline key create --json');
my $kr2 = json_of($run_offline, 'key', 'revoke',
    $kc2->{key}{access_key_id});
is($kr2->{access_key_id}, $kc2->{key}{access_key_id},
    'offline key revoke --json');
my $sc = json_of($run_offline, 'scrub', '--bucket', 'photos');
is($sc->{extents}, 5, 'offline scrub --json');

# bash completion: sourced in bash, COMP_WORDS and COMP_CWORD set

my $completion = SOS::Test::top() . '/tools/sosctl/sosctl.bash-completion';

sub complete {
    my (@words) = @_;
    my $script = '. "$0"; COMP_WORDS=("$@"); '
        . 'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _sosctl; '
        . 'echo "${COMPREPLY[*]}"';
    local $ENV{SOS_DATA} = $t->data;
    local $ENV{SOS_ENDPOINT} = 'http://127.0.0.1:' . $t->port;
    local $ENV{PATH} = SOS::Test::build_dir() . ":$ENV{PATH}";
    open my $fh, '-|', 'bash', '-c', $script, $completion, @words
        or die "bash: $!\n";
    my $reply = do { local $/; <$fh> };
    close $fh;
    chomp $reply;
    return $reply;
}

SKIP: {
    skip 'no bash', 7 unless -x '/bin/bash';

    is(complete('sosctl', ''), 'org key status scrub bucket du presign help',
        'completion: the commands');
    is(complete('sosctl', 'bu'), 'bucket', 'completion: a prefix');
    is(complete('sosctl', '--data', '/x', 'bucket', ''),
        'list show cdn cache-control', 'completion: bucket subcommands');
    is(complete('sosctl', 'bucket', 'show', ''), 'photos site',
        'completion: bucket names (offline)');
    is(complete('sosctl', 'du', 'photos', '--d'), '--depth --delimiter',
        'completion: du options');
    is(complete('sosctl', 'presign', ''), 'GET PUT HEAD DELETE',
        'completion: presign methods');
    is(complete('sosctl', 'bucket', 'cdn', 'site', ''), 'on off',
        'completion: cdn states');
}

done_testing();
