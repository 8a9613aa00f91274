#!/usr/bin/perl

# The admin API (sos_admin) and sosctl through it: organizations and keys
# on a running server, admin keys only, a revoked key refused at once,
# sosctl back on the data directory once nginx is stopped, and sosctl
# over https.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;

use SOS::Auth qw(presign sigv2);
use SOS::Clients;
use SOS::Admin;
use SOS::Test;

my $t = SOS::Test->new(server => $SOS::Admin::LOCATION)->run;

my $endpoint = 'http://127.0.0.1:' . $t->port;

# sosctl as a user runs it against $endpoint: no --data; (exit status,
# stdout, stderr)

sub sosctl_online {
    my ($env, @args) = @_;

    return SOS::Admin::sosctl_online($t,
        { SOS_ENDPOINT => $endpoint, %$env }, @args);
}

sub status_of { (SOS::Test->parse($_[0]))[0] }
sub body_of { (SOS::Test->parse($_[0]))[2] }

# organizations

my ($rc, $out, $err) = sosctl_online({}, 'org', 'create', 'acme',
    '--email', 'ops@acme.example');
is($rc, 0, 'online org create') or diag($err);
my ($acme_id) = $out =~ /^id:\s+([0-9a-f]{64})$/m;
ok($acme_id, 'org create prints the id');
like($out, qr/^name:\s+acme$/m, 'and the name');
like($out, qr/^email:\s+ops\@acme\.example$/m, 'and the e-mail');
like($out, qr/^created:\s+\d{4}-\d\d-\d\dT/m, 'and the creation time');

($rc, $out, $err) = sosctl_online({}, 'org', 'create', 'acme');
is($rc, 1, 'duplicate name refused');
like($err, qr/EntityAlreadyExists/, 'duplicate: EntityAlreadyExists');

($rc, $out, $err) = sosctl_online({}, 'org', 'create', 'we"ird \\ name/x+y',
    '--email', 'w&x@example.com');
is($rc, 0, 'a name with quotes, backslash, slash, plus') or diag($err);
like($out, qr/^name:\s+we"ird \\ name\/x\+y$/m, 'name round trip');
like($out, qr/^email:\s+w&x\@example\.com$/m, 'e-mail round trip');

($rc, $out) = sosctl_online({}, 'org', 'list');
is($rc, 0, 'org list');
like($out, qr/^\Q$acme_id\E\s+acme\s+ops\@acme\.example\s/m, 'lists acme');
like($out, qr/\swe"ird \\ name\/x\+y\s/m, 'lists the odd name');
like($out, qr/\sdev\s/m, 'lists dev');

($rc, $out) = sosctl_online({}, 'org', 'show', 'acme');
is($rc, 0, 'org show by name');
like($out, qr/^id:\s+\Q$acme_id\E$/m, 'show by name: id');

($rc, $out) = sosctl_online({}, 'org', 'show', $acme_id);
is($rc, 0, 'org show by id');
like($out, qr/^name:\s+acme$/m, 'show by id: name');

($rc, $out, $err) = sosctl_online({}, 'org', 'show', 'nobody');
is($rc, 1, 'org show of a missing org');
like($err, qr/NoSuchEntity/, 'missing org: NoSuchEntity');

# names come back in JSON (and XML): UTF-8 without control characters

is(status_of($t->s3(POST => '/sos-admin/orgs?name=Soci%E9t%E9')), 400,
    'a Latin-1 name is refused');
is(status_of($t->s3(POST => '/sos-admin/orgs?name=ok&email=a%E9%40b.c')), 400,
    'a Latin-1 e-mail is refused');
is(status_of($t->s3(POST => '/sos-admin/orgs?name=a%09b')), 400,
    'a TAB in a name is refused');
($rc, $out, $err) = sosctl_online({}, 'org', 'create',
    "Soci\xc3\xa9t\xc3\xa9");
is($rc, 0, 'a UTF-8 name is accepted') or diag($err);
($rc, $out, $err) = sosctl_online({}, 'org', 'list');
is($rc, 0, 'org list after the refused names') or diag($err);

# the JSON itself

my $r = $t->s3(GET => '/sos-admin/orgs');
is(status_of($r), 200, 'GET orgs signed in the header form');
like($r, qr/^Content-Type: application\/json/mi, 'JSON');
my $doc = eval { decode_json(body_of($r)) };
ok($doc, 'valid JSON') or diag(body_of($r));
my %names = map { $_->{name} => $_ } @{ $doc->{organizations} || [] };
ok($names{'we"ird \\ name/x+y'}, 'escaped name decodes');
is($names{acme}{id}, $acme_id, 'acme id');
like($names{acme}{created}, qr/^\d+$/, 'created is a number');

# keys

($rc, $out, $err) = sosctl_online({}, 'key', 'create', 'acme');
is($rc, 0, 'online key create') or diag($err);
my ($ak) = $out =~ /^aws_access_key_id = ([A-Z0-9]{20})$/m;
my ($sk) = $out =~ /^aws_secret_access_key = (\S{40})$/m;
like($out, qr/^\[acme\]$/m, 'a shared-credentials block for [acme]');
ok($ak && $sk, 'key id and secret');

is(status_of($t->s3(PUT => '/acme-bkt', access => $ak, secret => $sk)), 200,
    'the new key works at once: CreateBucket');
is(status_of($t->s3(PUT => '/acme-bkt/k', body => 'x', access => $ak,
    secret => $sk)), 200, 'PutObject with it');

($rc, $out) = sosctl_online({}, 'key', 'list', 'acme');
is($rc, 0, 'key list');
like($out, qr/^\Q$ak\E\s+no\s+\d{4}-/m, 'lists the key, not admin');
unlike($out, qr/\Q$sk\E/, 'no secret in the list');

$r = $t->s3(GET => "/sos-admin/orgs/$acme_id/keys");
unlike($r, qr/secret/i, 'no secret in the JSON list');

# non-admin keys, anonymous, bad signatures

($rc, $out, $err) = sosctl_online({ AWS_ACCESS_KEY_ID => $ak,
    AWS_SECRET_ACCESS_KEY => $sk }, 'org', 'list');
is($rc, 1, 'a non-admin key cannot use the admin API');
like($err, qr/AccessDenied/, 'non-admin: AccessDenied');

$r = $t->s3(GET => '/sos-admin/orgs', access => $ak, secret => $sk);
is(status_of($r), 403, 'non-admin raw: 403');
like($r, qr/<Code>AccessDenied<\/Code>/, 'non-admin raw: AccessDenied');

$r = $t->s3(POST => '/sos-admin/orgs?name=evil', access => $ak,
    secret => $sk);
is(status_of($r), 403, 'non-admin cannot create an org');

$r = $t->http(GET => '/sos-admin/orgs');
is(status_of($r), 403, 'anonymous: 403');
like($r, qr/<Code>AccessDenied<\/Code>/, 'anonymous: AccessDenied');

$r = $t->s3(GET => '/sos-admin/orgs', secret => 'wrong');
like($r, qr/<Code>SignatureDoesNotMatch<\/Code>/, 'wrong secret refused');

($rc, $out, $err) = sosctl_online({ AWS_SECRET_ACCESS_KEY => 'x' x 40 },
    'org', 'list');
is($rc, 1, 'sosctl with a wrong secret fails');
like($err, qr/SignatureDoesNotMatch/, 'and says why');

ok(-s $t->dir . '/access.log', 'the access log is there, not empty');
like($t->read_file('access.log'), qr{"POST /sos-admin/orgs/acme/keys },
    'sosctl requests are in the access log');
unlike($t->read_file('access.log'), qr{"\S+ /sos-admin/\S*Signature=},
    'sosctl signs in the header, never a presigned URL');

# header-signed only: a presigned admin URL that leaks (an access log, a
# proxy, shell history) must not mint keys until it expires

$r = $t->http(GET => presign($t, 'GET', '/sos-admin/orgs'));
is(status_of($r), 403, 'presigned admin URL: 403');
like($r, qr{<Code>AccessDenied</Code>}, 'presigned admin URL: AccessDenied');
like($r, qr{<Message>[^<]*Authorization header only}, 'and says why');

$r = $t->http(POST => presign($t, 'POST', '/sos-admin/orgs/acme/keys',
    query => { admin => 1 }));
is(status_of($r), 403, 'presigned admin key creation refused');
($rc, $out) = sosctl_online({}, 'key', 'list', 'acme');
unlike($out, qr/\syes\s/, 'and no admin key was made');

my $expires = time() + 60;
my $sig = sigv2($t->secret_key, "GET\n\n\n$expires\n/sos-admin/orgs");
$r = $t->http(GET => '/sos-admin/orgs?AWSAccessKeyId=' . $t->access_key
    . "&Expires=$expires&Signature=" . SOS::Test::uri_escape($sig));
is(status_of($r), 403, 'SigV2 query-signed admin URL: 403');
like($r, qr{<Code>AccessDenied</Code>.*Authorization header only}s,
    'SigV2 query: AccessDenied, same reason');

# routes

is(status_of($t->s3(PUT => '/sos-admin/orgs')), 405, 'PUT orgs: 405');
is(status_of($t->s3(GET => '/sos-admin/nothing')), 404, 'unknown: 404');
is(status_of($t->s3(POST => '/sos-admin/orgs')), 400,
    'create without a name: 400');
is(status_of($t->s3(POST => "/sos-admin/orgs/acme/keys?admin=maybe")), 400,
    'admin=maybe: 400');
is(status_of($t->s3(DELETE => '/sos-admin/keys/AKNOSUCHKEY0000000000')), 404,
    'revoke a missing key: 404');

($rc, $out, $err) = sosctl_online({}, 'key', 'revoke',
    'AKNOSUCHKEY0000000000');
is($rc, 1, 'sosctl revoke of a missing key fails');
like($err, qr/no key/, 'and names it');

# an admin key for acme can administer

($rc, $out, $err) = sosctl_online({}, 'key', 'create', 'acme', '--admin');
is($rc, 0, 'key create --admin') or diag($err);
my ($aak) = $out =~ /^aws_access_key_id = (\S+)$/m;
my ($ask) = $out =~ /^aws_secret_access_key = (\S+)$/m;
($rc, $out) = sosctl_online({ AWS_ACCESS_KEY_ID => $aak,
    AWS_SECRET_ACCESS_KEY => $ask }, 'org', 'list');
is($rc, 0, 'the new admin key may list organizations');
($rc, $out) = sosctl_online({}, 'key', 'list', 'acme');
like($out, qr/^\Q$aak\E\s+yes\s/m, 'listed as admin');

# revocation is immediate

($rc, $out, $err) = sosctl_online({}, 'key', 'revoke', $ak);
is($rc, 0, 'key revoke') or diag($err);
like($out, qr/^revoked \Q$ak\E$/m, 'revoke prints the key');

$r = $t->s3(GET => '/acme-bkt/k', access => $ak, secret => $sk);
is(status_of($r), 403, 'revoked key refused by the next S3 request');
like($r, qr/<Code>InvalidAccessKeyId<\/Code>/, 'InvalidAccessKeyId');

($rc, $out) = sosctl_online({}, 'key', 'list', 'acme');
unlike($out, qr/\Q$ak\E/, 'revoked key no longer listed');

# an organization that owns buckets is not deleted

($rc, $out, $err) = sosctl_online({}, 'org', 'delete', 'acme');
is($rc, 1, 'org delete refused while it owns a bucket');
like($err, qr/DeleteConflict/, 'DeleteConflict');
like($err, qr/409/, 'status 409');
is(status_of($t->s3(GET => '/acme-bkt/k', access => $aak, secret => $ask)),
    200, 'its keys still work');

is(status_of($t->s3(DELETE => '/acme-bkt/k', access => $aak,
    secret => $ask)), 204, 'empty the bucket');
is(status_of($t->s3(DELETE => '/acme-bkt', access => $aak,
    secret => $ask)), 204, 'delete the bucket');

($rc, $out, $err) = sosctl_online({}, 'org', 'delete', 'acme');
is($rc, 0, 'org delete once it owns nothing') or diag($err);
like($out, qr/^deleted organization acme \(\Q$acme_id\E\)$/m, 'named');

$r = $t->s3(GET => '/', access => $aak, secret => $ask);
like($r, qr/<Code>InvalidAccessKeyId<\/Code>/,
    'the keys of a deleted org are refused at once');

($rc, $out, $err) = sosctl_online({}, 'org', 'show', 'acme');
is($rc, 1, 'deleted org is gone');

# offline once nginx is stopped

$t->stop_ok;

($rc, $out, $err) = sosctl_online({ SOS_DATA => $t->data }, 'org', 'list');
is($rc, 0, 'server stopped: sosctl falls back to SOS_DATA') or diag($err);
like($out, qr/\swe"ird \\ name\/x\+y\s/m, 'offline list sees online work');

($rc, $out, $err) = sosctl_online({ SOS_DATA => $t->data }, 'org', 'create',
    'offline-org');
is($rc, 0, 'offline org create');

($rc, $out, $err) = sosctl_online({}, 'org', 'list');
is($rc, 1, 'server stopped and no data directory: failure');
like($err, qr/nothing answers at/, 'says so');

$t->start or BAIL_OUT('nginx did not restart');

($rc, $out, $err) = $t->sosctl('org', 'list');
is($rc, 1, '--data while the server runs: the store is busy');
like($err, qr/in use/, 'says the store is in use');

($rc, $out) = sosctl_online({ SOS_DATA => $t->data }, 'org', 'show',
    'offline-org');
is($rc, 0, 'online again: sees the offline org');

# a server without the admin location

my $t2 = SOS::Test->new->run;
$endpoint = 'http://127.0.0.1:' . $t2->port;
($rc, $out, $err) = sosctl_online({ AWS_ACCESS_KEY_ID => $t2->access_key,
    AWS_SECRET_ACCESS_KEY => $t2->secret_key }, 'org', 'list');
is($rc, 1, 'no admin location: failure');
like($err, qr/without the admin API/, 'says the admin API is missing');
$t2->stop_ok;

# https: the TLS server of SOS::Clients, its self-signed certificate
# trusted through AWS_CA_BUNDLE as for the aws cli

my ($t3, $c) = SOS::Clients->start(tls => 1, tls_server => <<'EOF_CONF');
        location /sos-admin/ {
            sos_admin;
        }
EOF_CONF

$endpoint = $c->tls_endpoint;
my %tls = (AWS_ACCESS_KEY_ID => $t3->access_key,
    AWS_SECRET_ACCESS_KEY => $t3->secret_key, AWS_CA_BUNDLE => $c->ca);

($rc, $out, $err) = sosctl_online(\%tls, 'org', 'create', 'tls-org');
is($rc, 0, 'https: org create') or diag($err);
like($out, qr/^name:\s+tls-org$/m, 'https: the new organization');

($rc, $out, $err) = sosctl_online(\%tls, 'key', 'create', 'tls-org');
is($rc, 0, 'https: key create') or diag($err);
like($out, qr/^aws_secret_access_key = \S{40}$/m, 'https: a secret');

($rc, $out) = sosctl_online(\%tls, 'org', 'list');
like($out, qr/\stls-org\s/m, 'https: org list');

($rc, $out, $err) = sosctl_online({ %tls, AWS_CA_BUNDLE => undef },
    'org', 'list');
is($rc, 1, 'https: a certificate nobody trusts is refused');
like($err, qr/certificate/, 'and sosctl says so');

$t3->stop_ok;

$t->stop_ok;

done_testing;
