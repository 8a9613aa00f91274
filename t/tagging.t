#!/usr/bin/perl

# Tagging: Get/Put/DeleteObjectTagging and Get/Put/DeleteBucketTagging,
# x-amz-tagging on PutObject, CopyObject (x-amz-tagging-directive),
# CreateMultipartUpload (the tags land at Complete) and the POST form's
# tagging document, x-amz-tagging-count on GET and HEAD; S3's limits and
# errors; who may read and change tags; hostile values.
#
# Sources: AWS S3 API reference, PutObjectTagging ("InvalidTag",
# "MalformedXML"; 10 tags per object), PutBucketTagging (50 per bucket,
# 204), GetBucketTagging (NoSuchTagSet), the tag restrictions (key 1..128,
# value 0..256 Unicode characters; letters, digits, spaces, + - = . _ : /
# @; no "aws:" prefix); "Object tags cannot be greater than 10" is S3's
# BadRequest (boto/boto3#1213); a key twice in x-amz-tagging is S3's
# InvalidArgument with the message below (open-io/swift3#92, from
# aws-cli); ceph s3-tests test_put_max_tags, test_put_excess_key_tags,
# test_put_excess_val_tags, test_put_max_kvsize_tags, test_put_obj_with_tags.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64);
use JSON::PP;
use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $DUP_HEADER = "The header 'x-amz-tagging' shall be encoded as UTF-8 then "
    . "URLEncoded URL query parameters without tag name duplicates.";

my $t = SOS::Test->new;
my %bob = $t->org_with_key('bob');
my ($rc, $out) = $t->sosctl('org', 'show', 'bob');
my ($bob_id) = $out =~ /^id:\s+(\S+)/m;
($rc, $out) = $t->sosctl('org', 'show', 'dev');
my ($dev_id) = $out =~ /^id:\s+(\S+)/m;
$t->run;
my $endpoint = 'http://127.0.0.1:' . $t->port;

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
sub message {
    my ($m) = $_[0] =~ m{<Message>([^<]*)</Message>};
    return '' unless defined $m;
    $m =~ s/&apos;/'/g;
    $m =~ s/&quot;/"/g;
    return $m;
}

sub md5 { md5_base64($_[0]) . '==' }

sub esc {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    return $s;
}

# a Tagging document of (key, value) pairs, as given (no escaping)
sub doc_raw {
    my @kv = @_;
    my $x = qq{<Tagging xmlns="$XMLNS"><TagSet>};
    for (my $i = 0; $i < @kv; $i += 2) {
        $x .= "<Tag><Key>$kv[$i]</Key><Value>$kv[$i + 1]</Value></Tag>";
    }
    return $x . '</TagSet></Tagging>';
}

sub doc { doc_raw(map { esc($_) } @_) }

sub put_tags {
    my ($uri, $xml, %opts) = @_;
    return req(PUT => "$uri?tagging", body => $xml,
        headers => { 'Content-MD5' => md5($xml) }, %opts);
}

# the tags of a GET ?tagging answer, as "k=v,k=v"
sub tags_of {
    my ($body) = @_;
    my @t;
    while ($body =~ m{<Tag><Key>([^<]*)</Key><Value>([^<]*)</Value></Tag>}g) {
        push @t, "$1=$2";
    }
    return join ',', @t;
}

sub tags { my ($s, $h, $b) = req(GET => "$_[0]?tagging"); tags_of($b) }

sub refused {
    my ($what, $want_code, $want_msg, @r) = @_;
    my ($s, $h, $b) = @r;
    is("$s " . code($b), "400 $want_code", "$what: 400 $want_code");
    is(message($b), $want_msg, "... $want_msg") if defined $want_msg;
}

my ($s, $h, $b);

# ------------------------------------------------------------------ setup

is((req(PUT => '/tgs'))[0], 200, 'bucket');
is((req(PUT => '/tgs/obj', body => 'data'))[0], 200, 'an object');

# ------------------------------------------------- GetObjectTagging, Put

($s, $h, $b) = req(GET => '/tgs/obj?tagging');
is($s, 200, 'GetObjectTagging of an object without tags: 200');
like($b, qr{<Tagging xmlns="\Q$XMLNS\E"><TagSet></TagSet></Tagging>},
    '... an empty TagSet');
($s, $h) = req(HEAD => '/tgs/obj');
ok(!exists $h->{'x-amz-tagging-count'}, 'no x-amz-tagging-count without tags');

my $two = doc('project', 'sos', 'env', 'test run');
($s, $h, $b) = req(PUT => '/tgs/obj?tagging', body => $two);
is("$s " . code($b), '400 InvalidRequest',
    'PutObjectTagging without Content-MD5: 400 (S3 requires a checksum)');

($s, $h, $b) = put_tags('/tgs/obj', $two);
is($s, 200, 'PutObjectTagging: 200');
is($b, '', '... no body');
is(tags('/tgs/obj'), 'project=sos,env=test run', 'tags read back, in order');

($s, $h, $b) = req(GET => '/tgs/obj');
is($h->{'x-amz-tagging-count'}, 2, 'GET: x-amz-tagging-count');
is($b, 'data', '... the data unchanged');
($s, $h) = req(HEAD => '/tgs/obj');
is($h->{'x-amz-tagging-count'}, 2, 'HEAD: x-amz-tagging-count');

($s, $h, $b) = put_tags('/tgs/obj', doc('only', 'one'));
is(tags('/tgs/obj'), 'only=one', 'a second put replaces the set');

# the checksum may be a flexible one
my $crc_doc = doc('c', 'rc');
($s, $h, $b) = req(PUT => '/tgs/obj?tagging', body => $crc_doc,
    headers => { 'x-amz-checksum-sha256' => do {
        require Digest::SHA;
        my $d = Digest::SHA::sha256_base64($crc_doc);
        $d . '=' } });
is($s, 200, 'PutObjectTagging with x-amz-checksum-sha256: 200');
is(tags('/tgs/obj'), 'c=rc', '... set');

# kept by an ACL change, gone with an overwrite
($s) = req(PUT => '/tgs/obj?acl', headers => { 'x-amz-acl' => 'private' });
is($s, 200, 'PutObjectAcl');
is(tags('/tgs/obj'), 'c=rc', 'tags kept by an ACL change');

($s, $h, $b) = req(DELETE => '/tgs/obj?tagging');
is($s, 204, 'DeleteObjectTagging: 204');
is(tags('/tgs/obj'), '', 'no tags left');
($s, $h) = req(HEAD => '/tgs/obj');
ok(!exists $h->{'x-amz-tagging-count'}, 'no count after the delete');
is((req(GET => '/tgs/obj'))[2], 'data', 'the object is intact');

put_tags('/tgs/obj', doc('a', 'b'));
req(PUT => '/tgs/obj', body => 'new data');
is(tags('/tgs/obj'), '', 'an overwrite without x-amz-tagging has no tags');

# an empty TagSet: no tags
put_tags('/tgs/obj', doc('a', 'b'));
($s) = put_tags('/tgs/obj', doc());
is($s, 200, 'an empty TagSet: 200');
is(tags('/tgs/obj'), '', '... no tags');

($s, $h, $b) = put_tags('/tgs/none', doc('a', 'b'));
is("$s " . code($b), '404 NoSuchKey', 'PutObjectTagging, no such key');
($s, $h, $b) = req(GET => '/tgs/none?tagging');
is("$s " . code($b), '404 NoSuchKey', 'GetObjectTagging, no such key');
($s, $h, $b) = req(DELETE => '/tgs/none?tagging');
is("$s " . code($b), '404 NoSuchKey', 'DeleteObjectTagging, no such key');
($s, $h, $b) = req(GET => '/nobucket/k?tagging');
is("$s " . code($b), '404 NoSuchBucket', 'GetObjectTagging, no bucket');

# ---------------------------------------------------------------- limits

my @ten = map { ("key$_", "value$_") } 1 .. 10;
($s) = put_tags('/tgs/obj', doc(@ten));
is($s, 200, '10 tags: 200 (test_put_max_tags)');
($s, $h) = req(HEAD => '/tgs/obj');
is($h->{'x-amz-tagging-count'}, 10, '... count 10');

refused('11 tags', 'BadRequest', 'Object tags cannot be greater than 10',
    put_tags('/tgs/obj', doc(@ten, 'key11', 'v')));
is((split /,/, tags('/tgs/obj')) + 0, 10, '... the 10 are kept');

($s) = put_tags('/tgs/obj', doc('k' x 128, 'v' x 256));
is($s, 200, 'key of 128, value of 256: 200 (test_put_max_kvsize_tags)');
refused('key of 129', 'InvalidTag',
    'The TagKey you have provided is too long, max 128',
    put_tags('/tgs/obj', doc('k' x 129, 'v')));
refused('value of 257', 'InvalidTag',
    'The TagValue you have provided is too long, max 256',
    put_tags('/tgs/obj', doc('k', 'v' x 257)));

# characters, not bytes: "é" is two bytes of UTF-8
($s) = put_tags('/tgs/obj', doc("\xc3\xa9" x 128, "\xe2\x82\xac" x 256));
is($s, 200, '128 two-byte characters, 256 three-byte ones: 200');
is(tags('/tgs/obj'), ("\xc3\xa9" x 128) . '=' . ("\xe2\x82\xac" x 256),
    '... read back as sent');
refused('129 two-byte characters', 'InvalidTag', undef,
    put_tags('/tgs/obj', doc("\xc3\xa9" x 129, 'v')));

($s) = put_tags('/tgs/obj', doc('a-z A-Z 0-9 +-=._:/@', '+-=._:/@ x'));
is($s, 200, 'the allowed punctuation and spaces: 200');
is(tags('/tgs/obj'), 'a-z A-Z 0-9 +-=._:/@=+-=._:/@ x', '... kept');
($s) = put_tags('/tgs/obj', doc('empty', ''));
is($s, 200, 'an empty value: 200');
is(tags('/tgs/obj'), 'empty=', '... kept');

refused('an empty key', 'InvalidTag', 'The TagKey you have provided is invalid',
    put_tags('/tgs/obj', doc('', 'v')));
for my $c ('!', '#', '*', '?', '"', "'", ',', ';', '<', '%', '\\', '~') {
    refused("key with '$c'", 'InvalidTag',
        'The TagKey you have provided is invalid',
        put_tags('/tgs/obj', doc("a${c}b", 'v')));
}
refused("value with '&'", 'InvalidTag',
    'The TagValue you have provided is invalid',
    put_tags('/tgs/obj', doc('k', 'a&b')));
refused('duplicate keys', 'InvalidTag',
    'Cannot provide multiple Tags with the same key',
    put_tags('/tgs/obj', doc('same', '1', 'same', '2')));
($s) = put_tags('/tgs/obj', doc('Same', '1', 'same', '2'));
is($s, 200, 'keys differing in case are two keys');
refused('aws: prefix', 'InvalidTag',
    'Your TagKey cannot be prefixed with aws:',
    put_tags('/tgs/obj', doc('aws:createdBy', 'me')));
refused('AWS: prefix', 'InvalidTag', undef,
    put_tags('/tgs/obj', doc('AwS:x', 'me')));
($s) = put_tags('/tgs/obj', doc('awsome', 'aws:value'));
is($s, 200, 'aws without the colon, and aws: in a value: 200');

# control characters and NUL, as references and raw
refused('CR in a value', 'InvalidTag', undef,
    put_tags('/tgs/obj', doc_raw('k', 'a&#13;b')));
refused('LF in a key', 'InvalidTag', undef,
    put_tags('/tgs/obj', doc_raw('a&#10;b', 'v')));
refused('raw LF in a value', 'InvalidTag', undef,
    put_tags('/tgs/obj', doc("k", "a\nb")));
refused('TAB in a value', 'InvalidTag', undef,
    put_tags('/tgs/obj', doc("k", "a\tb")));
refused('C1 control (U+0085)', 'InvalidTag', undef,
    put_tags('/tgs/obj', doc("k", "a\xc2\x85b")));
refused('NUL (not XML)', 'MalformedXML', undef,
    put_tags('/tgs/obj', doc_raw('k', 'a&#0;b')));
refused('invalid UTF-8', 'MalformedXML', undef,
    put_tags('/tgs/obj', doc('k', "a\xffb")));

# an oversized value, and a document past 256 KiB
refused('a 100 KiB value', 'InvalidTag',
    'The TagValue you have provided is too long, max 256',
    put_tags('/tgs/obj', doc('k', 'v' x 102400)));
refused('a 300 KiB document', 'MalformedXML', undef,
    put_tags('/tgs/obj', doc('k', 'v' x 307200)));

# the schema
for my $bad (
    [ 'no TagSet', qq{<Tagging xmlns="$XMLNS"></Tagging>} ],
    [ 'two TagSets', qq{<Tagging><TagSet></TagSet><TagSet></TagSet></Tagging>} ],
    [ 'a Tag without Value', '<Tagging><TagSet><Tag><Key>k</Key></Tag>'
        . '</TagSet></Tagging>' ],
    [ 'a Tag without Key', '<Tagging><TagSet><Tag><Value>v</Value></Tag>'
        . '</TagSet></Tagging>' ],
    [ 'two Keys', '<Tagging><TagSet><Tag><Key>k</Key><Key>l</Key>'
        . '<Value>v</Value></Tag></TagSet></Tagging>' ],
    [ 'an unknown element', '<Tagging><TagSet><Tag><Key>k</Key>'
        . '<Value>v</Value><Color>red</Color></Tag></TagSet></Tagging>' ],
    [ 'another root', '<TagSet><Tag><Key>k</Key><Value>v</Value></Tag>'
        . '</TagSet>' ],
    [ 'not XML', 'key=value' ],
    [ 'an empty body', '' ])
{
    refused($bad->[0], 'MalformedXML', undef,
        put_tags('/tgs/obj', $bad->[1]));
}

# -------------------------------------------------- x-amz-tagging on PUT

($s, $h, $b) = req(PUT => '/tgs/hdr', body => 'x',
    headers => { 'x-amz-tagging' => 'a=1&b=two%20words&c&d=x+y&e=%C3%A9' });
is($s, 200, 'PutObject with x-amz-tagging: 200 (test_put_obj_with_tags)');
is(tags('/tgs/hdr'), 'a=1,b=two words,c=,d=x y,e=' . "\xc3\xa9",
    '... the tags, URL-decoded ("+" a space, "c" an empty value)');
($s, $h) = req(GET => '/tgs/hdr');
is($h->{'x-amz-tagging-count'}, 5, '... GET: count 5');

($s) = req(PUT => '/tgs/hdr0', body => 'x',
    headers => { 'x-amz-tagging' => '' });
is($s, 200, 'an empty x-amz-tagging: no tags');
is(tags('/tgs/hdr0'), '', '... none');

my $eleven = join '&', map { "k$_=v" } 1 .. 11;
refused('x-amz-tagging with 11 tags', 'BadRequest',
    'Object tags cannot be greater than 10',
    req(PUT => '/tgs/hdr1', body => 'x',
        headers => { 'x-amz-tagging' => $eleven }));
refused('x-amz-tagging, a key twice', 'InvalidArgument', $DUP_HEADER,
    req(PUT => '/tgs/hdr1', body => 'x',
        headers => { 'x-amz-tagging' => 'a=1&a=2' }));
refused('x-amz-tagging, a key of 129', 'InvalidTag', undef,
    req(PUT => '/tgs/hdr1', body => 'x',
        headers => { 'x-amz-tagging' => ('k' x 129) . '=v' }));
refused('x-amz-tagging, a value of 257', 'InvalidTag', undef,
    req(PUT => '/tgs/hdr1', body => 'x',
        headers => { 'x-amz-tagging' => 'k=' . ('v' x 257) }));
for my $v ('k=a%0Db', 'k=a%0Ab', 'k=a%00b', 'a%0D%0Ab=v', 'k=a%09b',
    'k=a!b', 'aws:k=v', '=v', 'k=a%zzb')
{
    refused("x-amz-tagging '$v'", 'InvalidTag', undef,
        req(PUT => '/tgs/hdr1', body => 'x',
            headers => { 'x-amz-tagging' => $v }));
}
is((req(GET => '/tgs/hdr1'))[0], 404, 'no object was written by a refusal');

# ------------------------------------------------------------ CopyObject

req(PUT => '/tgs/src', body => 'source',
    headers => { 'x-amz-tagging' => 'from=source&n=2' });

($s) = req(PUT => '/tgs/cp1', headers => { 'x-amz-copy-source' => '/tgs/src' });
is($s, 200, 'CopyObject');
is(tags('/tgs/cp1'), 'from=source,n=2', '... copies the tags by default');

($s) = req(PUT => '/tgs/cp2', headers => { 'x-amz-copy-source' => '/tgs/src',
    'x-amz-tagging-directive' => 'COPY', 'x-amz-tagging' => 'ignored=1' });
is($s, 200, 'CopyObject, directive COPY');
is(tags('/tgs/cp2'), 'from=source,n=2', '... the source\'s tags');

($s) = req(PUT => '/tgs/cp3', headers => { 'x-amz-copy-source' => '/tgs/src',
    'x-amz-tagging-directive' => 'REPLACE', 'x-amz-tagging' => 'new=1' });
is($s, 200, 'CopyObject, directive REPLACE');
is(tags('/tgs/cp3'), 'new=1', '... the request\'s tags');
($s, $h) = req(HEAD => '/tgs/cp3');
is($h->{'x-amz-tagging-count'}, 1, '... count 1');

($s) = req(PUT => '/tgs/cp4', headers => { 'x-amz-copy-source' => '/tgs/src',
    'x-amz-tagging-directive' => 'REPLACE' });
is($s, 200, 'CopyObject, REPLACE without x-amz-tagging');
is(tags('/tgs/cp4'), '', '... no tags');

($s) = req(PUT => '/tgs/cp5', headers => { 'x-amz-copy-source' => '/tgs/src',
    'x-amz-metadata-directive' => 'REPLACE', 'x-amz-meta-m' => '1' });
is($s, 200, 'CopyObject, metadata REPLACE');
is(tags('/tgs/cp5'), 'from=source,n=2', '... tags still copied');

($s) = req(PUT => '/tgs/cp6', headers => { 'x-amz-copy-source' => '/tgs/src',
    'x-amz-metadata-directive' => 'REPLACE',
    'x-amz-tagging-directive' => 'REPLACE', 'x-amz-tagging' => 'both=1' });
is($s, 200, 'CopyObject, both REPLACE');
is(tags('/tgs/cp6'), 'both=1', '... the request\'s tags');

refused('CopyObject, directive MERGE', 'InvalidArgument',
    'Unknown tagging directive.',
    req(PUT => '/tgs/cp7', headers => { 'x-amz-copy-source' => '/tgs/src',
        'x-amz-tagging-directive' => 'MERGE' }));
refused('CopyObject, REPLACE with 11 tags', 'BadRequest', undef,
    req(PUT => '/tgs/cp7', headers => { 'x-amz-copy-source' => '/tgs/src',
        'x-amz-tagging-directive' => 'REPLACE',
        'x-amz-tagging' => $eleven }));
is(tags('/tgs/src'), 'from=source,n=2', 'the source keeps its tags');

# ------------------------------------------------- CreateMultipartUpload

($s, $h, $b) = req(POST => '/tgs/mp?uploads',
    headers => { 'x-amz-tagging' => 'stage=upload&n=1' });
is($s, 200, 'CreateMultipartUpload with x-amz-tagging');
my ($up) = $b =~ m{<UploadId>([^<]+)</UploadId>};
($s, $h) = req(PUT => "/tgs/mp?partNumber=1&uploadId=$up", body => 'part1');
my $etag = $h->{etag};
is((req(GET => '/tgs/mp?tagging'))[0], 404, 'no object before Complete');
my $complete = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
    . "<ETag>$etag</ETag></Part></CompleteMultipartUpload>";
($s, $h, $b) = req(POST => "/tgs/mp?uploadId=$up", body => $complete);
is($s, 200, 'CompleteMultipartUpload');
is(tags('/tgs/mp'), 'stage=upload,n=1', 'the tags land on the object');
($s, $h) = req(HEAD => '/tgs/mp');
is($h->{'x-amz-tagging-count'}, 2, '... count 2');

refused('CreateMultipartUpload, a key twice', 'InvalidArgument', $DUP_HEADER,
    req(POST => '/tgs/mp2?uploads',
        headers => { 'x-amz-tagging' => 'a&a' }));
refused('CreateMultipartUpload, 11 tags', 'BadRequest', undef,
    req(POST => '/tgs/mp2?uploads',
        headers => { 'x-amz-tagging' => $eleven }));

# ------------------------------------------------------------ POST Object

sub presign {
    my (%o) = @_;
    my @cmd = ('python3', "$FindBin::Bin/post/presign.py", $endpoint,
        $t->access_key, $t->secret_key, 'tgs', $o{key},
        encode_json($o{fields} || {}),
        encode_json([ map { { $_ => $o{fields}{$_} } }
            sort keys %{ $o{fields} || {} } ]), 300);
    open my $fh, '-|', @cmd or die "presign: $!\n";
    local $/;
    my $json = <$fh>;
    close $fh;
    die "presign failed\n" if $?;
    return decode_json($json);
}

sub post_form {
    my ($p) = @_;
    my $bd = 'tgboundary' . int(rand(1e9));
    my $body = '';
    for my $n (sort keys %{ $p->{fields} }) {
        $body .= "--$bd\r\nContent-Disposition: form-data; name=\"$n\"\r\n\r\n"
            . "$p->{fields}{$n}\r\n";
    }
    $body .= "--$bd\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\nform\r\n"
        . "--$bd--\r\n";
    return SOS::Test->parse($t->http(POST => '/tgs', body => $body,
        headers => { 'Content-Type' => "multipart/form-data; boundary=$bd" },
        timeout => 30));
}

SKIP: {
    skip 'python3 with boto3 needed for the presigned POST', 8
        if system('python3 -c "import boto3" 2>/dev/null') != 0;

    ($s, $h, $b) = post_form(presign(key => 'form1',
        fields => { tagging => doc('via', 'form', 'n', '1') }));
    is($s, 204, 'POST Object with a tagging field: 204');
    is(tags('/tgs/form1'), 'via=form,n=1', '... the tags');
    ($s, $h) = req(HEAD => '/tgs/form1');
    is($h->{'x-amz-tagging-count'}, 2, '... count 2');

    ($s, $h, $b) = post_form(presign(key => 'form2',
        fields => { tagging => 'via=form' }));
    is("$s " . code($b), '400 MalformedXML',
        'a tagging field in the header form: MalformedXML (S3 takes XML)');
    ($s, $h, $b) = post_form(presign(key => 'form2',
        fields => { tagging => doc('aws:x', 'y') }));
    is("$s " . code($b), '400 InvalidTag', 'an aws: key: InvalidTag');
    ($s, $h, $b) = post_form(presign(key => 'form2',
        fields => { tagging => doc(@ten, 'k11', 'v') }));
    is("$s " . code($b), '400 BadRequest', '11 tags: BadRequest');
    ($s, $h, $b) = post_form(presign(key => 'form2',
        fields => { tagging => doc('k', "a\rb") }));
    is("$s " . code($b), '400 InvalidTag', 'CR: InvalidTag');
    is((req(GET => '/tgs/form2'))[0], 404, 'no object by a refusal');
}

# ----------------------------------------------------------- the bucket

($s, $h, $b) = req(GET => '/tgs?tagging');
is("$s " . code($b), '404 NoSuchTagSet', 'GetBucketTagging without tags');
like($b, qr{<BucketName>tgs</BucketName>}, '... names the bucket');

($s, $h, $b) = req(PUT => '/tgs?tagging', body => doc('team', 'ops'));
is("$s " . code($b), '400 InvalidRequest',
    'PutBucketTagging without Content-MD5');

($s, $h, $b) = put_tags('/tgs', doc('team', 'ops', 'cost', 'center 1'));
is($s, 204, 'PutBucketTagging: 204');
($s, $h, $b) = req(GET => '/tgs?tagging');
is($s, 200, 'GetBucketTagging: 200');
is(tags_of($b), 'team=ops,cost=center 1', '... the tags');

my @fifty = map { ("key$_", "v$_") } 1 .. 50;
($s) = put_tags('/tgs', doc(@fifty));
is($s, 204, '50 tags on a bucket: 204');
is((split /,/, tags('/tgs')) + 0, 50, '... 50 read back');
refused('51 tags on a bucket', 'BadRequest',
    'Bucket tag count cannot be greater than 50',
    put_tags('/tgs', doc(@fifty, 'key51', 'v')));
refused('a bucket tag of 129', 'InvalidTag', undef,
    put_tags('/tgs', doc('k' x 129, 'v')));
refused('bucket tags, a key twice', 'InvalidTag', undef,
    put_tags('/tgs', doc('k', '1', 'k', '2')));
refused('bucket tags, not XML', 'MalformedXML', undef,
    put_tags('/tgs', 'x'));

($s) = req(DELETE => '/tgs?tagging');
is($s, 204, 'DeleteBucketTagging: 204');
is((req(GET => '/tgs?tagging'))[0], 404, '... none left');
($s) = req(DELETE => '/tgs?tagging');
is($s, 204, 'DeleteBucketTagging without tags: 204');
($s, $h, $b) = req(GET => '/nobucket?tagging');
is("$s " . code($b), '404 NoSuchBucket', 'GetBucketTagging, no bucket');

# -------------------------------------------------------- authorization

put_tags('/tgs/obj', doc('owner', 'dev'));
put_tags('/tgs', doc('team', 'ops'));

for my $r ([ GET => '/tgs/obj?tagging' ], [ DELETE => '/tgs/obj?tagging' ],
    [ GET => '/tgs?tagging' ], [ DELETE => '/tgs?tagging' ])
{
    ($s, $h, $b) = bob(@$r);
    is("$s " . code($b), '403 AccessDenied',
        "$r->[0] $r->[1] by another organization: 403");
}
for my $u ('/tgs/obj', '/tgs') {
    my $x = doc('by', 'bob');
    ($s, $h, $b) = bob(PUT => "$u?tagging", body => $x,
        headers => { 'Content-MD5' => md5($x) });
    is("$s " . code($b), '403 AccessDenied',
        "PUT $u?tagging by another organization: 403");
}
($s, $h, $b) = anon(GET => '/tgs/obj?tagging');
is($s, 403, 'anonymous GetObjectTagging of a private object: 403');
is(tags('/tgs/obj'), 'owner=dev', 'the object\'s tags unchanged');
is(tags('/tgs'), 'team=ops', 'the bucket\'s tags unchanged');

# READ on the object lets one read its tags, not change them
req(PUT => '/tgs/shared', body => 'x',
    headers => { 'x-amz-grant-read' => qq{id="$bob_id"},
                 'x-amz-tagging' => 'shared=read' });
($s, $h, $b) = bob(GET => '/tgs/shared?tagging');
is($s, 200, 'READ granted: GetObjectTagging 200');
is(tags_of($b), 'shared=read', '... the tags');
my $x = doc('by', 'bob');
($s, $h, $b) = bob(PUT => '/tgs/shared?tagging', body => $x,
    headers => { 'Content-MD5' => md5($x) });
is($s, 403, 'READ granted: PutObjectTagging 403');
($s) = bob(DELETE => '/tgs/shared?tagging');
is($s, 403, 'READ granted: DeleteObjectTagging 403');

# WRITE_ACP (what PutObjectAcl needs) lets one change them
req(PUT => '/tgs/acp', body => 'x',
    headers => { 'x-amz-grant-write-acp' => qq{id="$bob_id"},
                 'x-amz-grant-read' => qq{id="$dev_id"} });
($s) = bob(PUT => '/tgs/acp?tagging', body => $x,
    headers => { 'Content-MD5' => md5($x) });
is($s, 200, 'WRITE_ACP granted: PutObjectTagging 200');
is(tags('/tgs/acp'), 'by=bob', '... set');
($s) = bob(GET => '/tgs/acp?tagging');
is($s, 403, 'WRITE_ACP alone: GetObjectTagging 403 (needs READ)');
($s) = bob(DELETE => '/tgs/acp?tagging');
is($s, 204, 'WRITE_ACP granted: DeleteObjectTagging 204');

# the bucket: its owner only, whatever the bucket's ACL grants
req(PUT => '/tgs?acl', headers => { 'x-amz-grant-full-control' =>
    qq{id="$bob_id"} });
($s) = bob(GET => '/tgs?tagging');
is($s, 403, 'FULL_CONTROL on the bucket: GetBucketTagging still 403');
req(PUT => '/tgs?acl', headers => { 'x-amz-acl' => 'private' });

# a public-read object: anyone reads its tags
req(PUT => '/tgs/pub', body => 'x', headers => { 'x-amz-acl' => 'public-read',
    'x-amz-tagging' => 'public=yes' });
($s, $h, $b) = anon(GET => '/tgs/pub?tagging');
is($s, 200, 'public-read: anonymous GetObjectTagging 200');
is(tags_of($b), 'public=yes', '... the tags');
($s, $h, $b) = anon(PUT => '/tgs/pub?tagging', body => $x,
    headers => { 'Content-MD5' => md5($x) });
is($s, 403, 'public-read: anonymous PutObjectTagging 403');

ok(!$t->bad_log_lines, 'no alerts or crashes in the error log');

done_testing();
