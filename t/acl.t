#!/usr/bin/perl

# ACLs: canned ACLs on CreateBucket, PutObject and via ?acl; x-amz-grant-*
# headers; AccessControlPolicy documents, good and bad; the exact
# GetBucketAcl / GetObjectAcl XML; public-read objects fetched as plain
# URLs (path and virtual-hosted style); sos_allow_public_write.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
my $ALL = 'http://acs.amazonaws.com/groups/global/AllUsers';
my $AUTH = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

my $t = SOS::Test->new(main => '', http => "sos_domain s3.localhost;\n");

my %dev = (id => org_id($t, 'dev'), name => 'dev');
my %bob = other_org($t, 'bob', 'bob@example.com');

$t->run;

sub other_org {
    my ($t, $name, $email) = @_;
    return ($t->org_with_key($name, $email ? ('--email', $email) : ()),
            id => org_id($t, $name), name => $name);
}

sub org_id {
    my ($t, $name) = @_;
    my ($rc, $out) = $t->sosctl('org', 'show', $name);
    my ($id) = $out =~ /^id:\s+(\S+)/m;
    return $id;
}

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub anon {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->http($method, $uri, %opts));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] || '' }

sub as { my %o = @_; (access => $o{access}, secret => $o{secret}) }

sub acl_xml {
    my ($owner, @grants) = @_;
    # the declaration then LF, as S3 (issue 15, "Responses")
    my $x = qq{<?xml version="1.0" encoding="UTF-8"?>\n}
        . qq{<AccessControlPolicy xmlns="$XMLNS">}
        . "<Owner><ID>$owner->{id}</ID>"
        . "<DisplayName>$owner->{name}</DisplayName></Owner>"
        . "<AccessControlList>";
    for my $g (@grants) {
        my ($who, $perm) = @$g;
        if (ref $who) {
            $x .= qq{<Grant><Grantee $XSI xsi:type="CanonicalUser">}
                . "<ID>$who->{id}</ID><DisplayName>$who->{name}"
                . "</DisplayName></Grantee>";
        } else {
            $x .= qq{<Grant><Grantee $XSI xsi:type="Group">}
                . "<URI>$who</URI></Grantee>";
        }
        $x .= "<Permission>$perm</Permission></Grant>";
    }
    return $x . "</AccessControlList></AccessControlPolicy>";
}

# --- canned ACL on CreateBucket; GetBucketAcl, exact -------------------

my ($st, $h, $b) = req(PUT => '/pub',
    headers => { 'x-amz-acl' => 'public-read' });
is($st, 200, 'create public-read bucket');

($st, $h, $b) = req(GET => '/pub?acl');
is($st, 200, 'GetBucketAcl');
# canned ACLs: the group's grant before the owner's FULL_CONTROL, in
# RGW's order (rgw_acl.cc add_grant; issue 15)
is($b, acl_xml(\%dev, [$ALL, 'READ'], [\%dev, 'FULL_CONTROL']),
    'GetBucketAcl XML exactly as RGW');
like($h->{'content-type'}, qr{^application/xml}, 'xml content type');

($st, $h, $b) = req(PUT => '/priv');
is($st, 200, 'create private bucket');
($st, $h, $b) = req(GET => '/priv?acl');
is($b, acl_xml(\%dev, [\%dev, 'FULL_CONTROL']), 'default ACL: private');

($st, $h, $b) = req(PUT => '/bad', headers => { 'x-amz-acl' => 'nope' });
is($st, 400, 'unknown canned ACL: 400');
is(code($b), 'InvalidArgument', 'unknown canned ACL: InvalidArgument');

($st, $h, $b) = req(PUT => '/bad', headers => { 'x-amz-acl' => 'private',
    'x-amz-grant-read' => "id=\"$bob{id}\"" });
is($st, 400, 'canned + grant headers: 400');
is(code($b), 'InvalidRequest', 'canned + grant headers: InvalidRequest');

($st) = req(HEAD => '/bad');
is($st, 404, 'no bucket created by refused requests');

# --- anonymous listing of a public-read bucket ---------------------------

($st, $h, $b) = anon(GET => '/pub');
is($st, 200, 'anonymous list of public-read bucket');
($st, $h, $b) = anon(GET => '/priv');
is($st, 403, 'anonymous list of private bucket: 403');
is(code($b), 'AccessDenied', 'AccessDenied');

# --- objects: canned ACL on PUT, plain URLs ------------------------------

($st) = req(PUT => '/priv/page.html', body => '<p>hello</p>',
    headers => { 'x-amz-acl' => 'public-read',
                 'Content-Type' => 'text/html' });
is($st, 200, 'put public-read object');
($st) = req(PUT => '/priv/secret.txt', body => 'secret');
is($st, 200, 'put private object');

($st, $h, $b) = anon(GET => '/priv/page.html');
is($st, 200, 'plain GET of public-read object, path style');
is($b, '<p>hello</p>', 'body');
is($h->{'content-type'}, 'text/html', 'content type');

($st, $h, $b) = anon(GET => '/page.html',
    headers => { Host => 'priv.s3.localhost:' . $t->port });
is($st, 200, 'plain GET of public-read object, virtual-hosted style');
is($b, '<p>hello</p>', 'vhost body');

($st, $h, $b) = anon(HEAD => '/priv/page.html');
is($st, 200, 'plain HEAD of public-read object');
is($h->{'content-length'}, 12, 'HEAD length');

($st, $h, $b) = anon(GET => '/priv/secret.txt');
is($st, 403, 'plain GET of private object: 403');
is(code($b), 'AccessDenied', 'private object: AccessDenied');

($st, $h, $b) = anon(GET => '/priv/missing');
is($st, 403, 'anonymous GET of a missing key, no public list: 403 (S3)');
($st, $h, $b) = anon(GET => '/pub/missing');
is($st, 404, 'anonymous GET of a missing key, public list: 404');
is(code($b), 'NoSuchKey', 'NoSuchKey');
($st, $h, $b) = anon(GET => '/nobucket/x');
is($st, 404, 'anonymous GET in a missing bucket: 404');
is(code($b), 'NoSuchBucket', 'NoSuchBucket');

($st, $h, $b) = req(GET => '/priv/page.html?acl');
# canned ACLs: the group's grant before the owner's FULL_CONTROL, in
# RGW's order (rgw_acl.cc add_grant; issue 15)
is($b, acl_xml(\%dev, [$ALL, 'READ'], [\%dev, 'FULL_CONTROL']),
    'GetObjectAcl XML exactly as RGW');

req(PUT => '/bobs', as(%bob));
($st, $h, $b) = req(PUT => '/bobs/copy', as(%bob),
    headers => { 'x-amz-copy-source' => '/pub/missing' });
is(code($b), 'NoSuchKey', 'CopyObject from a missing key, listable: 404');
($st, $h, $b) = req(PUT => '/bobs/copy', as(%bob),
    headers => { 'x-amz-copy-source' => '/priv/missing' });
is($st, 403, 'CopyObject from a missing key without list on its bucket: 403');
($st, $h, $b) = req(PUT => '/priv/copy',
    headers => { 'x-amz-copy-source' => '/priv/missing' });
is(code($b), 'NoSuchKey', 'with list: NoSuchKey');

# --- ?acl with canned header ----------------------------------------------

($st) = req(PUT => '/priv/secret.txt?acl',
    headers => { 'x-amz-acl' => 'authenticated-read' });
is($st, 200, 'PutObjectAcl canned');
($st, $h, $b) = req(GET => '/priv/secret.txt?acl');
# canned ACLs: the group's grant before the owner's FULL_CONTROL, in
# RGW's order (rgw_acl.cc add_grant; issue 15)
is($b, acl_xml(\%dev, [$AUTH, 'READ'], [\%dev, 'FULL_CONTROL']),
    'authenticated-read');
($st) = anon(GET => '/priv/secret.txt');
is($st, 403, 'authenticated-read: anonymous denied');
($st, $h, $b) = req(GET => '/priv/secret.txt', as(%bob));
is($st, 200, 'authenticated-read: other organization reads');
is($b, 'secret', 'its body');

($st) = req(PUT => '/priv/secret.txt?acl',
    headers => { 'x-amz-acl' => 'private' });
is($st, 200, 'back to private');
($st) = req(GET => '/priv/secret.txt', as(%bob));
is($st, 403, 'private: other organization denied');

# --- grant headers ---------------------------------------------------------

($st, $h, $b) = req(PUT => '/priv/secret.txt?acl', headers => {
    'x-amz-grant-read' => qq{emailAddress="bob\@example.com"},
    'x-amz-grant-full-control' => qq{id="$dev{id}"} });
is($st, 200, 'grant headers by e-mail and id');
($st, $h, $b) = req(GET => '/priv/secret.txt?acl');
is($b, acl_xml(\%dev, [\%bob, 'READ'], [\%dev, 'FULL_CONTROL']),
    'e-mail resolved to the canonical user');
($st) = req(GET => '/priv/secret.txt', as(%bob));
is($st, 200, 'grantee reads');
($st) = req(GET => '/priv/secret.txt?acl', as(%bob));
is($st, 403, 'READ does not give READ_ACP');

($st, $h, $b) = req(PUT => '/priv/secret.txt?acl', headers => {
    'x-amz-grant-read' => qq{uri="$ALL", id="$bob{id}"} });
is($st, 200, 'grant header with a list');
($st, $h, $b) = req(GET => '/priv/secret.txt?acl');
is($b, acl_xml(\%dev, [$ALL, 'READ'], [\%bob, 'READ']), 'both grants');

($st, $h, $b) = req(PUT => '/priv/secret.txt?acl', headers => {
    'x-amz-grant-read' => qq{emailAddress="nobody\@example.com"} });
is($st, 400, 'unknown e-mail: 400');
is(code($b), 'UnresolvableGrantByEmailAddress', 'unknown e-mail code');

($st, $h, $b) = req(PUT => '/priv/secret.txt?acl', headers => {
    'x-amz-grant-read' => 'id="' . ('0' x 64) . '"' });
is($st, 400, 'unknown id: 400');
is(code($b), 'InvalidArgument', 'unknown id: InvalidArgument');

($st, $h, $b) = req(PUT => '/priv/secret.txt?acl', headers => {
    'x-amz-grant-read' => 'uri="http://example.com/group"' });
is(code($b), 'InvalidArgument', 'unknown group: InvalidArgument');

($st, $h, $b) = req(PUT => '/priv/x', body => 'x', headers => {
    'x-amz-grant-read' => 'id="' . ('0' x 64) . '"' });
is(code($b), 'InvalidArgument', 'PutObject with unknown grantee refused');
($st) = req(HEAD => '/priv/x');
is($st, 404, 'and nothing stored');

# --- AccessControlPolicy documents -----------------------------------------

my $doc = acl_xml(\%dev, [\%dev, 'FULL_CONTROL'], [\%bob, 'WRITE'],
    [\%bob, 'READ_ACP']);
($st, $h, $b) = req(PUT => '/priv?acl', body => $doc);
is($st, 200, 'PutBucketAcl with a document');
($st, $h, $b) = req(GET => '/priv?acl');
is($b, $doc, 'the same document back');
($st) = req(GET => '/priv?acl', as(%bob));
is($st, 200, 'READ_ACP grantee reads the bucket ACL');
($st) = req(PUT => '/priv/from-bob', body => 'b', as(%bob));
is($st, 200, 'WRITE grantee writes into the bucket');
($st, $h, $b) = req(GET => '/priv/from-bob?acl', as(%bob));
is($b, acl_xml(\%bob, [\%bob, 'FULL_CONTROL']),
    'the object belongs to the writer');
($st) = req(GET => '/priv/from-bob');
is($st, 403, 'bucket owner cannot read it without a grant (S3)');
($st) = req(DELETE => '/priv/from-bob');
is($st, 204, 'but may delete it');

my $email_doc = qq{<AccessControlPolicy xmlns="$XMLNS"><Owner><ID>$dev{id}}
    . qq{</ID></Owner><AccessControlList><Grant><Grantee $XSI }
    . qq{xsi:type="AmazonCustomerByEmail"><EmailAddress>bob\@example.com}
    . qq{</EmailAddress></Grantee><Permission>READ</Permission></Grant>}
    . qq{</AccessControlList></AccessControlPolicy>};
($st, $h, $b) = req(PUT => '/priv/secret.txt?acl', body => $email_doc);
is($st, 200, 'document with an e-mail grantee');
($st, $h, $b) = req(GET => '/priv/secret.txt?acl');
is($b, acl_xml(\%dev, [\%bob, 'READ']), 'resolved, owner has no grant');
($st) = req(GET => '/priv/secret.txt');
is($st, 403, 'the owner without a grant cannot read (S3)');
($st) = req(GET => '/priv/secret.txt?acl');
is($st, 200, 'but keeps READ_ACP');

my %bad = (
    'not XML' => ['<AccessControlPolicy', 'MalformedACLError'],
    'wrong root' => ["<Foo xmlns=\"$XMLNS\"/>", 'MalformedACLError'],
    'no owner' => [qq{<AccessControlPolicy><AccessControlList>}
        . qq{</AccessControlList></AccessControlPolicy>},
        'MalformedACLError'],
    'bad permission' => [acl_xml(\%dev, [\%bob, 'EVERYTHING']),
        'MalformedACLError'],
    'grantee without id' => [qq{<AccessControlPolicy><Owner><ID>$dev{id}}
        . qq{</ID></Owner><AccessControlList><Grant><Grantee $XSI }
        . qq{xsi:type="CanonicalUser"></Grantee><Permission>READ}
        . qq{</Permission></Grant></AccessControlList>}
        . qq{</AccessControlPolicy>}, 'MalformedACLError'],
    'unknown id' => [acl_xml(\%dev,
        [{ id => 'f' x 64, name => 'x' }, 'READ']), 'InvalidArgument'],
    'unknown e-mail' => [$email_doc =~ s/bob\@/nobody\@/r,
        'UnresolvableGrantByEmailAddress'],
    'empty body' => ['', 'MalformedACLError'],
);
for my $name (sort keys %bad) {
    ($st, $h, $b) = req(PUT => '/priv/secret.txt?acl',
        body => $bad{$name}[0]);
    is($st, 400, "bad document ($name): 400");
    is(code($b), $bad{$name}[1], "bad document ($name): $bad{$name}[1]");
}

($st, $h, $b) = req(PUT => '/priv/secret.txt?acl',
    body => acl_xml(\%bob, [\%bob, 'FULL_CONTROL']));
is($st, 403, 'document naming another owner: 403');
is(code($b), 'AccessDenied', 'AccessDenied');

($st, $h, $b) = req(PUT => '/priv/secret.txt?acl',
    body => acl_xml(\%dev, [\%dev, 'FULL_CONTROL']), as(%bob));
is($st, 403, 'PutObjectAcl without WRITE_ACP: 403');

# --- bucket ACL ops --------------------------------------------------------

($st) = req(GET => '/pub?acl', as(%bob));
is($st, 403, 'GetBucketAcl by another organization: 403');
($st) = anon(GET => '/pub?acl');
is($st, 403, 'GetBucketAcl anonymous: 403');
($st, $h, $b) = req(GET => '/none?acl');
is(code($b), 'NoSuchBucket', 'GetBucketAcl of a missing bucket');
($st, $h, $b) = req(GET => '/pub/none?acl');
is(code($b), 'NoSuchKey', 'GetObjectAcl of a missing key');

# --- public-read-write and the directive ----------------------------------

($st) = req(PUT => '/open', headers => { 'x-amz-acl' => 'public-read-write' });
is($st, 200, 'public-read-write bucket');
($st) = anon(PUT => '/open/anon.txt', body => 'anon');
is($st, 200, 'anonymous PUT into a public-read-write bucket');
($st) = anon(DELETE => '/open/anon.txt');
is($st, 204, 'anonymous DELETE there');
($st) = anon(PUT => '/pub/anon.txt', body => 'anon');
is($st, 403, 'anonymous PUT into a public-read bucket: 403');

$t->stop;
like($t->read_file('error.log'),
    qr/\[warn\].*public write access granted to AllUsers on bucket "open"/,
    'public write logged as a warning');

my $t2 = SOS::Test->new(http => "sos_allow_public_write off;\n");
$t = $t2;
$t->run;

($st, $h, $b) = req(PUT => '/open', headers => {
    'x-amz-acl' => 'public-read-write' });
is($st, 403, 'sos_allow_public_write off: public-read-write refused');
like($b, qr/sos_allow_public_write/, 'with a clear message');
($st) = req(HEAD => '/open');
is($st, 404, 'no bucket created');

($st) = req(PUT => '/bbb');
($st, $h, $b) = req(PUT => '/bbb?acl', headers => {
    'x-amz-grant-write' => qq{uri="$AUTH"} });
is($st, 403, 'WRITE to AuthenticatedUsers refused');
($st) = req(PUT => '/bbb?acl', headers => { 'x-amz-acl' => 'public-read' });
is($st, 200, 'public-read still allowed');
($st) = req(PUT => '/bbb/o', body => 'o',
    headers => { 'x-amz-acl' => 'public-read-write' });
is($st, 200, 'public-read-write on an object means no write (allowed)');

$t->stop_ok;

done_testing();
