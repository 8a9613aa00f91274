#!/usr/bin/perl

# Bucket versioning and tagging against a hostile client: another
# organization's reach into versions (?versionId on GET, HEAD, DELETE,
# the ACL, tagging and attributes operations, copy sources, listings),
# what a delete marker tells whom, version ids and list markers that SOS
# never makes (NUL, "/", case, length), tag values with control
# characters and code points that are not Unicode characters, hostile
# XML (entities, depth, repeated elements), and a seeded mix of writes,
# deletes, deletes by id, copies and state changes checked against a
# model: every version readable with its bytes, the listing newest first
# with one latest, the same entries however it is paged, and the bucket's
# counters equal to what is listed.
#
# Sources: AWS S3 user guide "Restoring previous versions", "Working with
# delete markers", "Categorizing your storage using tags"; S3 API
# reference ListObjectVersions, CopyObject, PutObjectTagging,
# DeleteObject, DeleteMarkerEntry; Ceph RGW RGWCopyObj (a copy onto
# itself is refused only when the source names no version instance).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64 md5_hex);
use JSON::PP;
use POSIX ();
use Test::More;

use SOS::Admin;
use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $VID = qr/[0-9a-f]{32}/;

my $t = SOS::Test->new(server => $SOS::Admin::LOCATION);
my %other = $t->org_with_key('other');
my ($rc, $out) = $t->sosctl('org', 'show', 'dev');
my ($dev_id) = $out =~ /^id:\s+(\S+)/m;
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub anon {
    my ($method, $uri) = @_;
    return SOS::Test->parse($t->http($method, $uri));
}

# "status code" of an answer: the S3 error code, or nothing
sub answer {
    my ($st, $h, $body) = req(@_);
    my ($code) = $body =~ m{<Code>([^<]+)</Code>};
    return "$st " . ($code // '');
}

sub versioning {
    my ($bucket, $status) = @_;
    return answer(PUT => "/$bucket?versioning",
                  body => qq{<VersioningConfiguration xmlns="$XMLNS">}
                      . "<Status>$status</Status></VersioningConfiguration>");
}

sub put {
    my ($uri, $body, %opts) = @_;
    my ($st, $h) = req(PUT => $uri, body => $body, %opts);
    is($st, 200, "PUT $uri");
    return $h->{'x-amz-version-id'};
}

sub xml_put {
    my ($uri, $doc, %opts) = @_;
    return answer(PUT => $uri, body => $doc,
                  headers => { 'Content-MD5' => md5_base64($doc) . '==' },
                  %opts);
}

sub tagging {
    my $tags = join '', map { "<Tag><Key>$_->[0]</Key><Value>$_->[1]</Value>"
                              . '</Tag>' } @_;
    return qq{<Tagging xmlns="$XMLNS"><TagSet>$tags</TagSet></Tagging>};
}

# the entries of a ListVersionsResult: "V key id latest etag size",
# "M key id latest owner" or "P prefix", in document order
sub entries {
    my ($body) = @_;
    my @e;

    while ($body =~ m{<(Version|DeleteMarker)>(.*?)</\1>
                      |<CommonPrefixes><Prefix>(.*?)</Prefix>}gx)
    {
        if (defined $3) {
            push @e, "P $3";
            next;
        }

        my ($type, $x) = ($1, $2);
        my %f = map { my ($v) = $x =~ m{<$_>(.*?)</$_>}; ($_ => $v // '-') }
            qw(Key VersionId IsLatest Size ID);
        my ($etag) = $x =~ m{<ETag>&quot;(.*?)&quot;</ETag>};

        push @e, $type eq 'Version'
            ? "V $f{Key} $f{VersionId} $f{IsLatest} $etag $f{Size}"
            : "M $f{Key} $f{VersionId} $f{IsLatest}";
    }

    return @e;
}

sub list_versions {
    my ($bucket, $query, %opts) = @_;
    my ($st, $h, $body) = req(GET => "/$bucket?versions$query", %opts);
    return ($st, entries($body));
}

# ---------------------------------------------- another organization's reach

is(answer(PUT => '/hvpriv'), '200 ', 'a private bucket');
is(versioning('hvpriv', 'Enabled'), '200 ', '... versioned');
my $p1 = put('/hvpriv/k', 'secret one');
my $p2 = put('/hvpriv/k', 'secret two');
like($p1, qr/^$VID$/, 'a version id');

is(answer(GET => "/hvpriv/k?versionId=$p1", %other), '403 AccessDenied',
    'GET ?versionId of another organization: 403');
my ($st, $h, $body) = req(HEAD => "/hvpriv/k?versionId=$p1", %other);
is($st, 403, '... HEAD ?versionId: 403');
is(answer(DELETE => "/hvpriv/k?versionId=$p1", %other), '403 AccessDenied',
    '... DELETE ?versionId: 403');
is(answer(GET => "/hvpriv/k?versionId=$p1"), "200 ",
    '... the version is still there');
is(answer(GET => '/hvpriv?versions', %other), '403 AccessDenied',
    '... ListObjectVersions: 403');
is((anon(GET => '/hvpriv?versions'))[0], 403,
    '... anonymous ListObjectVersions: 403');
is(answer(GET => "/hvpriv/k?tagging&versionId=$p1", %other),
    '403 AccessDenied', '... GetObjectTagging ?versionId: 403');
is(xml_put("/hvpriv/k?tagging&versionId=$p1", tagging(['a', 'b']), %other),
    '403 AccessDenied', '... PutObjectTagging ?versionId: 403');
is(answer(DELETE => "/hvpriv/k?tagging&versionId=$p1", %other),
    '403 AccessDenied', '... DeleteObjectTagging ?versionId: 403');
is(answer(GET => "/hvpriv/k?acl&versionId=$p1", %other), '403 AccessDenied',
    '... GetObjectAcl ?versionId: 403');
is(answer(PUT => "/hvpriv/k?acl&versionId=$p1", %other,
        headers => { 'x-amz-acl' => 'public-read' }),
    '403 AccessDenied', '... PutObjectAcl ?versionId: 403');
is(answer(GET => "/hvpriv/k?attributes&versionId=$p1", %other,
        headers => { 'x-amz-object-attributes' => 'ETag,ObjectParts' }),
    '403 AccessDenied', '... GetObjectAttributes ?versionId: 403');

# a copy into the caller's own bucket from a version it may not read
is(answer(PUT => '/hvother', %other), '200 ', "the other's bucket");
is(answer(PUT => '/hvother/stolen', %other,
        headers => { 'x-amz-copy-source' => "/hvpriv/k?versionId=$p1" }),
    '403 AccessDenied', '... CopyObject from a version of ours: 403');
is(answer(GET => '/hvother/stolen', %other), '404 NoSuchKey',
    '... nothing copied');

# DeleteObjects of our versions from the other organization
{
    my $doc = '<Delete><Object><Key>k</Key>'
        . "<VersionId>$p1</VersionId></Object></Delete>";
    is(answer(POST => '/hvpriv?delete', body => $doc, %other,
            headers => { 'Content-MD5' => md5_base64($doc) . '==' }),
        '403 AccessDenied', '... DeleteObjects with a VersionId: 403');
}

# one version made public: that version only, not its neighbours
is(answer(PUT => "/hvpriv/k?acl&versionId=$p1",
        headers => { 'x-amz-acl' => 'public-read' }),
    '200 ', 'one version made public-read');
($st, $h, $body) = anon(GET => "/hvpriv/k?versionId=$p1");
is("$st $body", '200 secret one', '... anonymous GET of it');
is((anon(GET => "/hvpriv/k?versionId=$p2"))[0], 403,
    '... not of the current version');
is((anon(GET => '/hvpriv/k'))[0], 403, '... nor of the key');

# what a delete marker tells whom ("Working with delete markers": the
# marker's headers go to who may list the bucket; a missing key is 403
# to anyone else)
($st, $h) = req(DELETE => '/hvpriv/k');
my $marker = $h->{'x-amz-version-id'};
like($marker, qr/^$VID$/, 'a delete marker');

for my $m (qw(GET HEAD)) {
    ($st, $h) = req($m => '/hvpriv/k', %other);
    is($st, 403, "$m of a key behind a marker, by another organization: 403");
    ok(!exists $h->{'x-amz-delete-marker'} && !exists $h->{'x-amz-version-id'},
        '... no marker headers');
    ($st, $h) = req($m => "/hvpriv/k?versionId=$marker", %other);
    is($st, 403, "... $m of the marker's id: 403");
    ok(!exists $h->{'x-amz-delete-marker'} && !exists $h->{'allow'},
        '... no marker headers');
    ($st, $h) = anon($m => '/hvpriv/k');
    ok($st == 403 && !exists $h->{'x-amz-delete-marker'},
        "... anonymous $m: 403, no marker headers");
}

($st, $h) = req(HEAD => '/hvpriv/k');
is("$st $h->{'x-amz-delete-marker'} $h->{'x-amz-version-id'}",
    "404 true $marker", 'the owner is told of the marker');
($st, $h) = req(HEAD => "/hvpriv/k?versionId=$marker");
is("$st $h->{'allow'}", '405 DELETE', '... and of its id: 405');

for my $sub ('tagging', 'acl') {
    ($st, $h) = req(GET => "/hvpriv/k?$sub", %other);
    ok($st == 403 && !exists $h->{'x-amz-delete-marker'},
        "?$sub of a key behind a marker by another organization: 403");
}

is(answer(PUT => '/hvother/m', %other,
        headers => { 'x-amz-copy-source' => "/hvpriv/k?versionId=$marker" }),
    '403 AccessDenied', 'a copy from our marker by another organization: 403');
is((anon(GET => "/hvpriv/k?versionId=$p1"))[0], 200,
    'the public version behind the marker stays readable');

# ------------------------------- a WRITE grantee deleting versions for good

# S3 user guide, "Access control list (ACL) overview", the mapping of ACL
# permissions to policy actions: WRITE on a bucket is s3:PutObject; "when
# the grantee is the bucket owner, granting WRITE permission in a bucket
# ACL allows the s3:DeleteObjectVersion action".  Any other grantee (here
# everyone, by public-read-write) may hide a key behind a delete marker,
# not destroy its versions: versioning is what recovers from them.  (RGW
# lets WRITE delete versions; AWS documents otherwise.)

is(answer(PUT => '/hvpublic',
        headers => { 'x-amz-acl' => 'public-read-write' }),
    '200 ', 'a public-read-write bucket');
is(versioning('hvpublic', 'Enabled'), '200 ', '... versioned');
my $w1 = put('/hvpublic/k', 'kept');
my $w2 = put('/hvpublic/k2', 'kept too');

($st, $h) = anon(DELETE => '/hvpublic/k');
is("$st " . ($h->{'x-amz-delete-marker'} // ''), '204 true',
    'anonymous DELETE of the key: a delete marker');

($st) = anon(DELETE => "/hvpublic/k?versionId=$w1");
is($st, 403, 'anonymous DELETE ?versionId: 403');
is(answer(GET => "/hvpublic/k?versionId=$w1"), '200 ',
    '... the version is still there');
is(answer(DELETE => "/hvpublic/k2?versionId=$w2", %other),
    '403 AccessDenied', "another organization's DELETE ?versionId: 403");
is(answer(GET => "/hvpublic/k2?versionId=$w2"), '200 ',
    '... the version is still there');

# DeleteObjects: each Object naming a VersionId is refused on its own
{
    my $doc = "<Delete><Object><Key>k2</Key><VersionId>$w2</VersionId>"
        . '</Object><Object><Key>k3</Key></Object></Delete>';
    ($st, $h, $body) = req(POST => '/hvpublic?delete', body => $doc, %other,
        headers => { 'Content-MD5' => md5_base64($doc) . '==' });
    is($st, 200, "another organization's DeleteObjects: 200");
    like($body, qr{<Error><Key>k2</Key><VersionId>$w2</VersionId>
                   <Code>AccessDenied</Code>}x,
        '... AccessDenied for the Object naming a VersionId');
    like($body, qr{<Deleted><Key>k3</Key><DeleteMarker>true},
        '... a marker for the one naming none');
    is(answer(GET => "/hvpublic/k2?versionId=$w2"), '200 ',
        '... the version is still there');
}

is(answer(DELETE => "/hvpublic/k2?versionId=$w2"), '204 ',
    "the owner's DELETE ?versionId: 204");
is(answer(GET => "/hvpublic/k2?versionId=$w2"), '404 NoSuchVersion',
    '... the version is gone');

# --------------------------------------------------- version ids SOS never made

is(answer(PUT => '/hvids'), '200 ', 'bucket');
is(versioning('hvids', 'Enabled'), '200 ', '... versioned');
my $i1 = put('/hvids/k', 'one');

for my $case (['abc%00', '400 InvalidArgument', 'a NUL'],
              ["$i1%00", '400 InvalidArgument', 'a real id and a NUL'],
              ['null%00', '400 InvalidArgument', '"null" and a NUL'],
              ['%0d%0aX-Injected:%201', '400 InvalidArgument', 'CR LF'],
              ['%2F', '404 NoSuchVersion', 'a slash'],
              ['..%2F..%2Fk', '404 NoSuchVersion', 'a path'],
              ['NULL', '404 NoSuchVersion', '"NULL"'],
              [uc $i1, '404 NoSuchVersion', 'a real id in capitals'],
              ['0' x 32, '404 NoSuchVersion', 'zeros'],
              [substr($i1, 0, 31), '404 NoSuchVersion', 'a real id cut'],
              ['a' x 1024, '404 NoSuchVersion', '1024 bytes'],
              ['a' x 1025, '400 InvalidArgument', '1025 bytes'])
{
    my ($id, $want, $name) = @$case;
    is(answer(GET => "/hvids/k?versionId=$id"), $want, "GET: $name");
    my $del = $want =~ /^400/ ? $want : '204 ';
    is(answer(DELETE => "/hvids/k?versionId=$id"), $del, "DELETE: $name");
}

($st, $h) = req(DELETE => "/hvids/k?versionId=%0d%0aX-Injected:%201");
ok(!exists $h->{'x-injected'}, 'no header made of a version id');
is(answer(GET => "/hvids/k?versionId=$i1"), '200 ',
    'the version survived every odd id');

for my $case (['zz', 'not hex'], [uc $i1, 'capitals'], ["$i1%00", 'a NUL'],
              ['null%00', '"null" and a NUL'])
{
    is(answer(GET => "/hvids?versions&key-marker=k&version-id-marker="
                     . $case->[0]),
        '400 InvalidArgument', "version-id-marker: $case->[1]");
}

# ------------------------------------------ ListObjectVersions: NUL markers

# No key holds a NUL (the store refuses one), so a prefix or key marker
# holding one matches no key: the prefix "a%00" lists nothing, the key
# marker "a%00" sorts after "a" and lists only what follows "a"
# (ListObjectVersions: keys "that begin with the prefix", versions
# "after the key marker"); the V records' internal keys, key \0 version
# id, must not match them (they listed the versions of "a", a noncurrent
# one marked latest).

is(answer(PUT => '/hvnul'), '200 ', 'bucket');
is(versioning('hvnul', 'Enabled'), '200 ', '... versioned');
put('/hvnul/a', "a$_") for 1 .. 3;
put('/hvnul/b', 'b');

{
    my @e;
    ($st, @e) = list_versions('hvnul', '&prefix=a%00');
    is_deeply([$st == 400 ? () : @e], [], 'prefix a%00: nothing listed');
    ($st, @e) = list_versions('hvnul', '&prefix=a%00&delimiter=zz');
    is_deeply([$st == 400 ? () : @e], [],
        'prefix a%00 and a delimiter: nothing listed');
    ($st, @e) = list_versions('hvnul', '&key-marker=a%00');
    is_deeply([$st == 400 ? () : grep { !/^. b / } @e], [],
        'key-marker a%00: no version of a (it sorts before the marker)');
}

my ($st_nul, @nul) = list_versions('hvnul', '&key-marker=a%00');
is(scalar(grep { /^V b .* true / } @nul), 1,
    'key-marker a%00: b listed, latest');

# ------------------------------------------------- restore by copying a version

# S3 user guide, "Restoring previous versions": "Copy a previous version
# of the object into the same bucket. The copied object becomes the
# current version"; RGW refuses a copy onto itself only when the source
# names no version.

is(answer(PUT => '/hvcopy'), '200 ', 'bucket');
is(versioning('hvcopy', 'Enabled'), '200 ', '... versioned');
my $c1 = put('/hvcopy/k', 'first');
put('/hvcopy/k', 'second');

is(answer(PUT => '/hvcopy/k',
        headers => { 'x-amz-copy-source' => '/hvcopy/k' }),
    '400 InvalidRequest', 'a copy onto itself naming no version: refused');

{
    ($st, $h, $body) = req(PUT => '/hvcopy/k',
        headers => { 'x-amz-copy-source' => "/hvcopy/k?versionId=$c1" });
    is($st, 200, 'a copy of a previous version onto its key: 200');
    like($h->{'x-amz-version-id'} // '', qr/^$VID$/, '... a new version');
    ($st, $h, $body) = req(GET => '/hvcopy/k');
    is("$st $body", '200 first', '... the previous version is current again');
}

is(answer(GET => "/hvcopy/k?versionId=$c1"), '200 ',
    'the version copied from is kept');

# ---------------------------------------------------- tags of one version

# PutObjectTagging, DeleteObjectTagging: "versionId: The versionId of the
# object that the tag-set will be added to" (S3 API reference).

is(answer(PUT => '/hvtag'), '200 ', 'bucket');
is(versioning('hvtag', 'Enabled'), '200 ', '... versioned');
my $t1 = put('/hvtag/k', 'one', headers => { 'x-amz-tagging' => 'v=1' });
put('/hvtag/k', 'two', headers => { 'x-amz-tagging' => 'v=2' });

($st, $h, $body) = req(GET => "/hvtag/k?tagging&versionId=$t1");
like($body, qr{<Key>v</Key><Value>1</Value>},
    'GetObjectTagging ?versionId: that version\'s tags');

{
    is(xml_put("/hvtag/k?tagging&versionId=$t1", tagging(['v', 'one'])),
        '200 ', 'PutObjectTagging ?versionId of a noncurrent version: 200');
    ($st, $h, $body) = req(GET => "/hvtag/k?tagging&versionId=$t1");
    like($body, qr{<Value>one</Value>}, '... its tags changed');
    is(answer(DELETE => "/hvtag/k?tagging&versionId=$t1"), '204 ',
        'DeleteObjectTagging ?versionId of a noncurrent version: 204');
}

($st, $h, $body) = req(GET => '/hvtag/k?tagging');
like($body, qr{<Key>v</Key><Value>2</Value>},
    'the current version\'s tags are untouched');

# ------------------------------------------------------- hostile tag values

# Tag keys and values are Unicode characters from a small set ("Tag
# restrictions", S3 user guide "Categorizing your storage using tags"):
# no control character, and UTF-8 of a surrogate (U+D800..U+DFFF) or of
# U+FFFE, U+FFFF names no character, nor can XML 1.0 carry it: S3 refuses
# such a tag rather than store bytes it answers back as U+FFFD.

for my $case (['a=b%0D%0A', 'CR LF in a value'], ['a=b%00', 'a NUL'],
              ['a%0A=b', 'LF in a key'], ['a=%C0%AF', 'an overlong "/"'],
              ['a=%E0%80%AF', 'a three-byte overlong "/"'],
              ['a=%FF', 'a byte that is no UTF-8'],
              ['a=%C2%85', 'a C1 control (NEL)'],
              ['a=%F4%90%80%80', 'above U+10FFFF'],
              ['aws%3Ax=1', 'an aws: key'])
{
    is(answer(PUT => '/hvtag/bad', body => 'x',
            headers => { 'x-amz-tagging' => $case->[0] }),
        '400 InvalidTag', "x-amz-tagging: $case->[1]");
}

for my $case (['a=%ED%A0%80', 'a surrogate (U+D800)'],
              ['a=%EF%BF%BF', 'U+FFFF'], ['a=%EF%BF%BE', 'U+FFFE'],
              ['%ED%BF%BF=b', 'a surrogate (U+DFFF) in a key'])
{
    is(answer(PUT => '/hvtag/bad', body => 'x',
            headers => { 'x-amz-tagging' => $case->[0] }),
        '400 InvalidTag', "x-amz-tagging: $case->[1]");
}

# the same in a tag document, as UTF-8 bytes, not references
for my $case (["\xEF\xBF\xBF", 'U+FFFF in the document'],
              ["\xEF\xBF\xBE", 'U+FFFE in the document'])
{
    like(xml_put('/hvtag/k?tagging', tagging(['a', $case->[0]])),
        qr/^400 (InvalidTag|MalformedXML)$/, "tag value: $case->[1]");
}

# characters near them are taken: U+FFFD, U+E000, U+10000
is(answer(PUT => '/hvtag/good', body => 'x',
        headers => { 'x-amz-tagging' => 'a=%EF%BF%BD%EE%80%80%F0%90%80%80' }),
    '200 ', 'x-amz-tagging: U+FFFD, U+E000, U+10000: 200');
($st, $h, $body) = req(GET => '/hvtag/good?tagging');
like($body, qr{<Value>\xEF\xBF\xBD\xEE\x80\x80\xF0\x90\x80\x80</Value>},
    '... answered as sent');

for my $case (['&#13;&#10;', 'CR LF as references'], ['&#0;', 'NUL'],
              ['&#xD800;', 'a surrogate reference'],
              ["\xC0\xAF", 'an overlong in the document'],
              ["\xED\xA0\x80", 'a surrogate in the document'],
              ['&#x85;', 'a C1 control'])
{
    like(xml_put('/hvtag/k?tagging', tagging(['a', $case->[0]])),
        qr/^400 (InvalidTag|MalformedXML)$/, "tag value: $case->[1]");
}

# -------------------------------------------------------------- hostile XML

my $laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    . join('', map { my $p = chr(ord('a') + $_ - 1); my $n = chr(ord($p) + 1);
                     "<!ENTITY $n \"" . ("&$p;" x 10) . '">' } 1 .. 6)
    . ']>';
is(xml_put('/hvtag/k?tagging',
        $laughs . tagging(['a', '&g;'])),
    '400 MalformedXML', 'tagging: nested entities (a billion laughs)');
is(xml_put('/hvtag/k?tagging',
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM '
        . '"file:///etc/passwd">]>' . tagging(['a', '&x;'])),
    '400 MalformedXML', 'tagging: an external entity');
is(answer(PUT => '/hvtag?versioning',
        body => '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x "Suspended">]>'
            . qq{<VersioningConfiguration xmlns="$XMLNS"><Status>&x;</Status>}
            . '</VersioningConfiguration>'),
    '400 MalformedXML', 'versioning: an internal entity');
is(xml_put('/hvtag/k?tagging', qq{<Tagging xmlns="$XMLNS">}
        . ('<TagSet>' x 20000) . ('</TagSet>' x 20000) . '</Tagging>'),
    '400 MalformedXML', 'tagging: 20000 nested elements');
is(answer(PUT => '/hvtag?versioning',
        body => qq{<VersioningConfiguration xmlns="$XMLNS">}
            . ('<Status>' x 6000) . ('</Status>' x 6000)
            . '</VersioningConfiguration>'),
    '400 MalformedXML', 'versioning: 6000 nested elements');
is(xml_put('/hvtag/k?tagging', tagging(map { ["k$_", 'v'] } 1 .. 5000)),
    '400 BadRequest', 'tagging: 5000 tags');

($st, $h, $body) = req(GET => '/hvtag?versioning');
like($body, qr{<Status>Enabled</Status>}, 'versioning unchanged by them');

# -------------------------------------------------- delete markers' owners

# ListObjectVersions: a DeleteMarker names its Owner (DeleteMarkerEntry:
# "The account that created the delete marker"); the store keeps one
# (sos_delete_key_t.owner) that DeleteObjects passes and DeleteObject
# does not yet.

is(answer(PUT => '/hvown'), '200 ', 'bucket');
is(versioning('hvown', 'Enabled'), '200 ', '... versioned');
put('/hvown/one', 'x');
put('/hvown/two', 'x');
is(answer(DELETE => '/hvown/one'), '204 ', 'DeleteObject: a marker');
{
    my $doc = '<Delete><Object><Key>two</Key></Object></Delete>';
    is(answer(POST => '/hvown?delete', body => $doc,
            headers => { 'Content-MD5' => md5_base64($doc) . '==' }),
        '200 ', 'DeleteObjects: a marker');
}
($st, $h, $body) = req(GET => '/hvown?versions');
my %marker_owner;
for my $m ($body =~ m{<DeleteMarker>(.*?)</DeleteMarker>}g) {
    my ($k) = $m =~ m{<Key>(.*?)</Key>};
    my ($o) = $m =~ m{<ID>(.*?)</ID>};
    $marker_owner{$k} = $o // '';
}

is($marker_owner{two}, $dev_id, "DeleteObjects' marker names its owner");

is($marker_owner{one}, $dev_id, "DeleteObject's marker names its owner");

# ------------------------------------- checksums of parts sent without one

# An upload made with x-amz-checksum-algorithm whose parts came without a
# checksum: GetObjectAttributes answers the object's checksum with a
# value (GetObjectAttributes "Checksum": the checksum "of the object"),
# or no Checksum at all, never an empty one; and SHA256, a COMPOSITE
# algorithm only, is never FULL_OBJECT (S3 user guide "Checking object
# integrity": full object checksums are CRC-based only).  SOS has no
# checksum of such an object and answers no Checksum (API reference,
# Checksum: each value is "only present if the checksum was uploaded
# with the object").

is(answer(PUT => '/hvsum'), '200 ', 'bucket');

for my $alg (qw(CRC32 CRC64NVME SHA256)) {
    ($st, $h, $body) = req(POST => "/hvsum/$alg?uploads",
        headers => { 'x-amz-checksum-algorithm' => $alg });
    my ($upload) = $body =~ m{<UploadId>(.*?)</UploadId>};
    ($st) = req(PUT => "/hvsum/$alg?partNumber=1&uploadId=$upload",
                body => 'part');
    is($st, 200, "$alg upload: a part without a checksum");
    ($st) = req(POST => "/hvsum/$alg?uploadId=$upload",
                body => '<CompleteMultipartUpload><Part><PartNumber>1'
                    . '</PartNumber><ETag>"' . md5_hex('part')
                    . '"</ETag></Part></CompleteMultipartUpload>');
    is($st, 200, '... completed');
    ($st, $h, $body) = req(GET => "/hvsum/$alg?attributes",
        headers => { 'x-amz-object-attributes' => 'Checksum,ObjectSize' });
    is($st, 200, '... GetObjectAttributes');
    unlike($body, qr{<Checksum$alg></Checksum$alg>|<Checksum$alg/>},
        "... no empty Checksum$alg");
    unlike($body, qr{<ChecksumType>FULL_OBJECT</ChecksumType>},
        '... not FULL_OBJECT for an upload made COMPOSITE')
        if $alg ne 'CRC64NVME';
    unlike($body, qr{<Checksum>}, '... no Checksum at all');
    like($body, qr{<ObjectSize>4</ObjectSize>}, '... the size still');
}

# ------------------------- a retried Complete in a Suspended bucket

# CompleteMultipartUpload retried after a lost answer gets the same
# answer while the object is the one the upload made (SOS's D records,
# docs/store.md; S3 answers a retried Complete with 200).  In a Suspended
# bucket the store moves the new null version's mtime past the last
# version time handed out (sos_version_stamp) after the D record is
# made: when a versioned write elsewhere came in between, a D record
# compared by mtime made the retry 404 NoSuchUpload.  Writers to a
# versioned bucket run beside the Completes to make that happen.

is(answer(PUT => '/hvhot'), '200 ', 'a busy versioned bucket');
is(versioning('hvhot', 'Enabled'), '200 ', '... versioned');
is(answer(PUT => '/hvsus'), '200 ', 'a Suspended bucket');
is(versioning('hvsus', 'Suspended'), '200 ', '... suspended');

my @writers;

for my $w (1 .. 3) {
    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        req(PUT => "/hvhot/w$w", body => 'x') for 1 .. 400;
        POSIX::_exit(0);
    }

    push @writers, $pid;
}

my ($retried, $lost, $completed) = (0, 0, 0);

for my $i (1 .. 60) {
    ($st, $h, $body) = req(POST => "/hvsus/m$i?uploads");
    my ($upload) = $body =~ m{<UploadId>(.*?)</UploadId>};
    req(PUT => "/hvsus/m$i?partNumber=1&uploadId=$upload", body => "p$i");
    my $doc = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
        . '<ETag>"' . md5_hex("p$i") . '"</ETag></Part>'
        . '</CompleteMultipartUpload>';
    ($st) = req(POST => "/hvsus/m$i?uploadId=$upload", body => $doc);
    next if $st != 200;
    $completed++;
    ($st, $h, $body) = req(GET => "/hvsus/m$i");
    $lost++ if "$st $body" ne "200 p$i";
    ($st) = req(POST => "/hvsus/m$i?uploadId=$upload", body => $doc);
    $retried++ if $st != 200;
}

kill 'TERM', @writers;
waitpid($_, 0) for @writers;

is($completed, 60, 'every first Complete: 200');
is($lost, 0, 'every completed upload is its object');

is($retried, 0, 'every retried Complete: 200, as the first');

# --------------------------------------- churn: a model, paging, counters

# A seeded mix of writes (Enabled: a new id; Suspended: the null version,
# replacing the old one), deletes (a marker, "null" when Suspended),
# deletes by id of any version or marker, copies from any version of
# another key and state changes, each recorded in a model with its order.
# Then: the listing is the model (each key's versions newest first, the
# first latest), every version reads back its bytes and every marker is
# 405, each way of paging lists the same entries, and the counters of
# `sosctl bucket show` and the walk of `sosctl du` equal the model's.

# the files of every replica (objects/xx/yy/id): the other buckets' now,
# then each version's file and no other: none lost, none left behind by
# a replaced null version or a delete by id
sub files_on_disk {
    return scalar grep { -f } map { glob($t->data . "/r$_/objects/*/*/*") }
        0 .. 2;
}

# The files on disk once the store has unlinked what it let go: a file a
# reader still held when its version went is unlinked when the reader
# closes, after the answer (docs/store.md, "Pins").  Looks every 200 ms
# until there are $want, for at most 10 s; a file that stays is counted.
sub files_settled {
    my ($want) = @_;
    my $n = files_on_disk();
    for (1 .. 50) {
        last if $n == $want;
        select(undef, undef, undef, 0.2);
        $n = files_on_disk();
    }
    return $n;
}

my $files = files_on_disk();
my $B = 'hvchurn';
is(answer(PUT => "/$B"), '200 ', 'bucket');

srand(16);
my @keys = qw(a a/b a/c ab b c/d/e);
my (%ver, $seq, $state);

for my $k (@keys[0 .. 2]) {
    put("/$B/$k", "pre-$k");
    $ver{$k}{null} = { m => 0, c => "pre-$k", s => ++$seq };
}

$state = 'Enabled';
is(versioning($B, $state), '200 ', 'versioned after three writes');

my $bad = 0;

for my $i (1 .. 160) {
    my $k = $keys[int rand @keys];
    my $r = rand;

    if ($r < 0.08) {
        $state = $state eq 'Enabled' ? 'Suspended' : 'Enabled';
        $bad++ if versioning($B, $state) ne '200 ';

    } elsif ($r < 0.5) {
        my $c = "c$i-" . ('x' x int rand 60);
        ($st, $h) = req(PUT => "/$B/$k", body => $c);
        my $id = $h->{'x-amz-version-id'} // '';
        $bad++ if $st != 200 || ($state eq 'Suspended') != ($id eq 'null');
        $ver{$k}{$id} = { m => 0, c => $c, s => ++$seq };

    } elsif ($r < 0.7) {
        ($st, $h) = req(DELETE => "/$B/$k");
        my $id = $h->{'x-amz-version-id'} // '';
        $bad++ if $st != 204 || ($h->{'x-amz-delete-marker'} // '') ne 'true';
        $ver{$k}{$id} = { m => 1, s => ++$seq };

    } elsif ($r < 0.9) {
        my @ids = sort keys %{ $ver{$k} || {} } or next;
        my $id = $ids[int rand @ids];
        ($st) = req(DELETE => "/$B/$k?versionId=$id");
        $bad++ if $st != 204;
        delete $ver{$k}{$id};

    } else {
        my $src = $keys[int rand @keys];
        next if $src eq $k;
        my @ids = sort grep { !$ver{$src}{$_}{m} } keys %{ $ver{$src} || {} }
            or next;
        my $id = $ids[int rand @ids];
        ($st, $h) = req(PUT => "/$B/$k",
            headers => { 'x-amz-copy-source' => "/$B/$src?versionId=$id" });
        my $nid = $h->{'x-amz-version-id'} // '';
        $bad++ if $st != 200;
        $ver{$k}{$nid} = { m => 0, c => $ver{$src}{$id}{c}, s => ++$seq };
    }
}

is($bad, 0, '160 operations answered as they should');

my @want;
my ($objects, $bytes) = (0, 0);

for my $k (sort @keys) {
    my $first = 'true';

    for my $id (sort { $ver{$k}{$b}{s} <=> $ver{$k}{$a}{s} }
                keys %{ $ver{$k} || {} })
    {
        my $v = $ver{$k}{$id};

        if ($v->{m}) {
            push @want, "M $k $id $first";
        } else {
            push @want, "V $k $id $first " . md5_hex($v->{c}) . ' '
                . length $v->{c};
            $objects++;
            $bytes += length $v->{c};
        }

        $first = 'false';
    }
}

my ($lst, @full) = list_versions($B, '');
is_deeply(\@full, \@want, 'the listing is the model')
    or diag explain [ \@full, \@want ];

for my $k (@keys) {
    for my $id (sort keys %{ $ver{$k} || {} }) {
        my $v = $ver{$k}{$id};
        ($st, $h, $body) = req(GET => "/$B/$k?versionId=$id");
        $bad++ if $v->{m} ? $st != 405 : "$st $body" ne "200 $v->{c}";
    }
}

is($bad, 0, 'every version reads back its bytes, every marker is 405');

# the key itself: its latest version, or 404 with the marker's id
sub key_reads_latest {
    my ($k) = @_;
    my ($id) = sort { $ver{$k}{$b}{s} <=> $ver{$k}{$a}{s} }
               keys %{ $ver{$k} || {} };
    my ($st, $h, $body) = req(GET => "/$B/$k");
    my $got = "$st " . ($h->{'x-amz-version-id'} // '-') . ' '
        . ($h->{'x-amz-delete-marker'} // '-');
    my $want = !defined $id ? '404 - -'
             : $ver{$k}{$id}{m} ? "404 $id true"
             : "200 $id -";
    return 1 if $got eq $want && ($st != 200 || $body eq $ver{$k}{$id}{c});
    note("GET $k: $got, not $want");
    return 0;
}

$bad += !key_reads_latest($_) for @keys;
is($bad, 0, 'every key reads as its latest version');

for my $delim ('', '&delimiter=%2F') {
    my ($st_all, @all) = list_versions($B, $delim);

    for my $max (1, 2, 3, 7) {
        my ($km, $vm, $pages, @got) = ('', '', 0);

        while ($pages++ < 300) {
            my $q = "$delim&max-keys=$max"
                . (length $km ? '&key-marker=' . SOS::Test::uri_escape($km)
                              : '')
                . (length $vm ? "&version-id-marker=$vm" : '');
            ($st, $h, $body) = req(GET => "/$B?versions$q");
            last if $st != 200;
            push @got, entries($body);
            last unless $body =~ m{<IsTruncated>true</IsTruncated>};
            ($km) = $body =~ m{<NextKeyMarker>(.*?)</NextKeyMarker>};
            ($vm) = $body
                =~ m{<NextVersionIdMarker>(.*?)</NextVersionIdMarker>};
            $km //= '';
            $vm //= '';
        }

        # a page lists its versions, then its common prefixes
        my @a = ((grep { !/^P/ } @all), (grep { /^P/ } @all));
        @got = ((grep { !/^P/ } @got), (grep { /^P/ } @got));

        is_deeply(\@got, \@a, "max-keys $max$delim: the same entries, "
                              . "$pages pages")
            or diag explain [ \@got, \@a ];
    }
}

($rc, $out) = SOS::Admin::sosctl_online($t, {}, '--json', 'bucket', 'show',
                                        $B);
my $j = eval { decode_json($out) } || {};
is(($j->{objects} // '?') . ' ' . ($j->{bytes} // '?'), "$objects $bytes",
    'the counters (bucket show) are the model\'s');
($rc, $out) = SOS::Admin::sosctl_online($t, {}, '--json', 'du', $B);
$j = eval { decode_json($out) } || {};
is(($j->{objects} // '?') . ' ' . ($j->{bytes} // '?'), "$objects $bytes",
    '... and the walk (du) finds as much');

is(files_settled($files + 3 * $objects) - $files, 3 * $objects,
    'a file per version on each replica');
($rc, $out) = SOS::Admin::sosctl_online($t, {}, '--json', 'scrub',
                                        '--bucket', $B);
$j = eval { decode_json($out) } || {};
is(join(' ', map { $j->{$_} // '?' } qw(extents bad unrepairable orphans)),
    "$objects 0 0 0", 'the scrub reads every version, finds nothing wrong');

# everything deleted by id, the latest first: each time the next one is
# the key's latest; then nothing is left and the counters are at zero
for my $k (@keys) {
    while (my ($id) = sort { $ver{$k}{$b}{s} <=> $ver{$k}{$a}{s} }
                     keys %{ $ver{$k} || {} })
    {
        ($st) = req(DELETE => "/$B/$k?versionId=$id");
        $bad++ if $st != 204;
        delete $ver{$k}{$id};
        $bad += !key_reads_latest($k);
    }
}

is($bad, 0, 'every version and marker deleted by its id, latest first; '
            . 'the next became the latest');
($lst, @full) = list_versions($B, '');
is_deeply(\@full, [], '... none listed');
($rc, $out) = SOS::Admin::sosctl_online($t, {}, '--json', 'bucket', 'show',
                                        $B);
$j = eval { decode_json($out) } || {};
is(($j->{objects} // '?') . ' ' . ($j->{bytes} // '?'), '0 0',
    '... the counters at zero, not below');
is(files_settled($files) - $files, 0, '... no file left on any replica');
is(answer(DELETE => "/$B"), '204 ', '... and the bucket can go');

$t->stop_ok;

done_testing;
