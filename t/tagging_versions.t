#!/usr/bin/perl

# Tagging per version: Get/Put/DeleteObjectTagging with ?versionId (an id,
# "null", none: the current version), x-amz-version-id on their answers,
# x-amz-tagging-count on GET and HEAD ?versionId, tags that stay with a
# version when it becomes noncurrent and current again, delete markers,
# and who may read and change the tags of a version.
#
# Sources: AWS S3 API reference, GetObjectTagging, PutObjectTagging and
# DeleteObjectTagging ("versionId: The versionId of the object", the
# x-amz-version-id response header); S3 user guide "Working with delete
# markers" (a marker has no data and no ACL; "the only operation you can
# use on a delete marker is" DELETE: 405 MethodNotAllowed to the others,
# as GetObject documents for a marker named by its id); Ceph RGW
# rgw_op.cc RGWPutObjTags / RGWGetObjTags (the tags are an attribute of
# the version's own head object, so they move with it).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64);
use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $VID = qr/^[0-9a-f]{32}$/;

my $t = SOS::Test->new;
my %bob = $t->org_with_key('bob');
my ($rc, $out) = $t->sosctl('org', 'show', 'bob');
my ($bob_id) = $out =~ /^id:\s+(\S+)/m;
($rc, $out) = $t->sosctl('org', 'show', 'dev');
my ($dev_id) = $out =~ /^id:\s+(\S+)/m;
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub bob {
    my ($method, $uri, %opts) = @_;
    return req($method, $uri, %opts, access => $bob{access},
        secret => $bob{secret});
}

sub anon {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->http($method, $uri, %opts));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] || '' }

sub doc {
    my @kv = @_;
    my $x = qq{<Tagging xmlns="$XMLNS"><TagSet>};
    for (my $i = 0; $i < @kv; $i += 2) {
        $x .= "<Tag><Key>$kv[$i]</Key><Value>$kv[$i + 1]</Value></Tag>";
    }
    return $x . '</TagSet></Tagging>';
}

sub put_tags {
    my ($uri, @kv) = @_;
    my $x = doc(@kv);
    return req(PUT => $uri, body => $x,
        headers => { 'Content-MD5' => md5_base64($x) . '==' });
}

# "k=v,k=v" of a GET ?tagging answer
sub tags_of {
    my ($body) = @_;
    my @t;
    while ($body =~ m{<Tag><Key>([^<]*)</Key><Value>([^<]*)</Value></Tag>}g) {
        push @t, "$1=$2";
    }
    return join ',', @t;
}

# "status version-id tags" of GetObjectTagging
sub tags {
    my ($s, $h, $b) = req(GET => $_[0]);
    return "$s " . ($h->{'x-amz-version-id'} // '-') . ' ' . tags_of($b);
}

# "status x-amz-tagging-count" of a GET or HEAD
sub count {
    my ($s, $h) = req(@_);
    return "$s " . ($h->{'x-amz-tagging-count'} // '-');
}

sub put {
    my ($uri, $body, %h) = @_;
    my ($s, $h) = req(PUT => $uri, body => $body, headers => \%h);
    is($s, 200, "PUT $uri");
    return $h->{'x-amz-version-id'};
}

my ($s, $h, $b);

# ------------------------------------------ a bucket never versioned

is((req(PUT => '/tgv'))[0], 200, 'bucket');
put('/tgv/k', 'zero', 'x-amz-tagging' => 'gen=0');

is(tags('/tgv/k?tagging'), '200 - gen=0',
    'never versioned: GetObjectTagging, no x-amz-version-id');
is(tags('/tgv/k?tagging&versionId=null'), '200 - gen=0',
    '... the same object as versionId=null');
($s, $h) = put_tags('/tgv/k?tagging&versionId=null', 'gen', '0');
is("$s " . ($h->{'x-amz-version-id'} // '-'), '200 -',
    'PutObjectTagging of versionId=null: 200, no x-amz-version-id');

# ------------------------------------------------- versions, by id

($s) = req(PUT => '/tgv?versioning', body => qq{<VersioningConfiguration }
    . qq{xmlns="$XMLNS"><Status>Enabled</Status></VersioningConfiguration>});
is($s, 200, 'versioning Enabled');

my $v1 = put('/tgv/k', 'one', 'x-amz-tagging' => 'gen=1');
my $v2 = put('/tgv/k', 'two');
like($v1, $VID, 'a version id');

is(tags("/tgv/k?tagging&versionId=$v1"), "200 $v1 gen=1",
    'GetObjectTagging of a noncurrent version: its tags, its id');
is(tags('/tgv/k?tagging&versionId=null'), '200 null gen=0',
    '... of the null version: x-amz-version-id null');
is(tags('/tgv/k?tagging'), "200 $v2 ",
    '... of the current one: none, its id');

($s, $h) = put_tags("/tgv/k?tagging&versionId=$v1", 'gen', '1b');
is("$s " . ($h->{'x-amz-version-id'} // '-'), "200 $v1",
    'PutObjectTagging of a noncurrent version: 200, x-amz-version-id');
is(tags("/tgv/k?tagging&versionId=$v1"), "200 $v1 gen=1b", '... changed');
is(tags('/tgv/k?tagging'), "200 $v2 ", '... the current one is not');
is(tags('/tgv/k?tagging&versionId=null'), '200 null gen=0',
    '... nor the null one');

($s, $h) = put_tags('/tgv/k?tagging', 'gen', '2');
is("$s " . ($h->{'x-amz-version-id'} // '-'), "200 $v2",
    'PutObjectTagging of the current version names it');
is(tags("/tgv/k?tagging&versionId=$v2"), "200 $v2 gen=2",
    '... read by its id');

# x-amz-tagging-count of the version named
is(count(GET => "/tgv/k?versionId=$v1"), '200 1',
    'GET ?versionId: x-amz-tagging-count of that version');
is(count(HEAD => '/tgv/k?versionId=null'), '200 1',
    'HEAD ?versionId=null: x-amz-tagging-count');

($s, $h) = req(DELETE => '/tgv/k?tagging&versionId=null');
is("$s " . ($h->{'x-amz-version-id'} // '-'), '204 null',
    'DeleteObjectTagging of the null version: 204, x-amz-version-id null');
is(tags('/tgv/k?tagging&versionId=null'), '200 null ', '... none left');
is(count(HEAD => '/tgv/k?versionId=null'), '200 -',
    '... HEAD: no x-amz-tagging-count');
is(tags("/tgv/k?tagging&versionId=$v1"), "200 $v1 gen=1b",
    '... the other versions keep theirs');

# -------------------------------- noncurrent and current again

my $v3 = put('/tgv/k', 'three');
is(tags("/tgv/k?tagging&versionId=$v2"), "200 $v2 gen=2",
    'a version made noncurrent keeps its tags');
is(count(HEAD => '/tgv/k'), '200 -', '... the new one has none');

($s) = req(DELETE => "/tgv/k?versionId=$v3");
is($s, 204, 'the current version removed');
is(tags('/tgv/k?tagging'), "200 $v2 gen=2",
    '... the one made current again has its tags');
is(count(GET => '/tgv/k'), '200 1', '... and GET counts them');

# --------------------------------------------------- delete markers

($s, $h) = req(DELETE => '/tgv/k');
my $m = $h->{'x-amz-delete-marker'} ? $h->{'x-amz-version-id'} : '';
like($m, $VID, 'a delete marker');

for my $r ([ GET => "/tgv/k?tagging&versionId=$m" ],
    [ DELETE => "/tgv/k?tagging&versionId=$m" ])
{
    ($s, $h, $b) = req(@$r);
    is("$s " . code($b), '405 MethodNotAllowed',
        "$r->[0] ?tagging of the marker by id: 405 MethodNotAllowed");
    is("$h->{'x-amz-delete-marker'} $h->{'x-amz-version-id'}", "true $m",
        '... x-amz-delete-marker, its id');
}
($s, $h, $b) = put_tags("/tgv/k?tagging&versionId=$m", 'a', 'b');
is("$s " . code($b), '405 MethodNotAllowed',
    'PUT ?tagging of the marker by id: 405 MethodNotAllowed');

# the key's latest is a marker: as GetObject, 404 NoSuchKey
($s, $h, $b) = req(GET => '/tgv/k?tagging');
is("$s " . code($b), '404 NoSuchKey',
    'GetObjectTagging of a key whose latest is a marker: 404 NoSuchKey');
is(tags("/tgv/k?tagging&versionId=$v2"), "200 $v2 gen=2",
    'the versions behind the marker keep their tags');

# ids that name nothing
($s, $h, $b) = req(GET => '/tgv/k?tagging&versionId=' . ('0' x 32));
is("$s " . code($b), '404 NoSuchVersion', 'an id never made: NoSuchVersion');
($s, $h, $b) = put_tags("/tgv/k?tagging&versionId=$v3", 'a', 'b');
is("$s " . code($b), '404 NoSuchVersion',
    'PutObjectTagging of a version removed: NoSuchVersion');
($s, $h, $b) = req(DELETE => '/tgv/k?tagging&versionId=');
is("$s " . code($b), '400 InvalidArgument', 'an empty versionId: 400');

# ---------------------------------------------------- authorization

# bob may not list the bucket: a version or marker is 403 to him
for my $r ([ GET => "/tgv/k?tagging&versionId=$v1" ],
    [ DELETE => "/tgv/k?tagging&versionId=$v1" ],
    [ GET => "/tgv/k?tagging&versionId=$m" ])
{
    ($s, $h, $b) = bob(@$r);
    is("$s " . code($b), '403 AccessDenied', "bob: $r->[0] $r->[1]: 403");
    is($h->{'x-amz-delete-marker'}, undef, '... nothing of a marker');
}

# the ACL of the version named decides, not the current one's (grant
# headers replace the whole ACL: the owner keeps READ by a grant)
($s) = req(PUT => "/tgv/k?acl&versionId=$v1",
    headers => { 'x-amz-grant-read' => qq{id="$bob_id", id="$dev_id"} });
is($s, 200, 'READ to bob on one version');
($s, $h, $b) = bob(GET => "/tgv/k?tagging&versionId=$v1");
is("$s " . tags_of($b), '200 gen=1b', 'bob reads that version\'s tags');
($s) = bob(GET => "/tgv/k?tagging&versionId=$v2");
is($s, 403, '... not another version\'s');
my $x = doc('by', 'bob');
($s) = bob(PUT => "/tgv/k?tagging&versionId=$v1", body => $x,
    headers => { 'Content-MD5' => md5_base64($x) . '==' });
is($s, 403, '... nor may he change them (READ only)');

($s) = req(PUT => "/tgv/k?acl&versionId=$v2",
    headers => { 'x-amz-grant-write-acp' => qq{id="$bob_id"},
                 'x-amz-grant-read' => qq{id="$dev_id"} });
is($s, 200, 'WRITE_ACP to bob on another version');
($s, $h) = bob(DELETE => "/tgv/k?tagging&versionId=$v2");
is("$s " . ($h->{'x-amz-version-id'} // '-'), "204 $v2",
    'bob removes that version\'s tags');
is(tags("/tgv/k?tagging&versionId=$v2"), "200 $v2 ", '... gone');
is(tags("/tgv/k?tagging&versionId=$v1"), "200 $v1 gen=1b",
    '... the others untouched');

($s, $h, $b) = anon(GET => "/tgv/k?tagging&versionId=$v1");
is($s, 403, 'anonymous: 403');

ok(!$t->bad_log_lines, 'no alerts or crashes in the error log');

done_testing();
