#!/usr/bin/perl

# POST Object (browser form uploads): forms from boto3's
# generate_presigned_post (SigV4 and SigV2), every policy condition kept
# and violated, expiration, signatures, success_action_status/redirect,
# streamed files larger than the write buffer, malformed forms.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_hex);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;

my $t = SOS::Test->new;
my ($rc, $out, $err) = $t->sosctl('org', 'create', 'other');
($rc, $out, $err) = $t->sosctl('key', 'create', 'other');
my ($oak) = $out =~ /^aws_access_key_id = (\S+)$/m;
my ($osk) = $out =~ /^aws_secret_access_key = (\S+)$/m;
$t->run;

my $endpoint = 'http://127.0.0.1:' . $t->port;

is(status_of($t->s3(PUT => '/forms')), 200, 'bucket');
is(status_of($t->s3(PUT => '/forms2')), 200, 'second bucket');
is(status_of($t->s3(PUT => '/theirs', access => $oak, secret => $osk)),
    200, 'a bucket of another organization');

sub status_of { (SOS::Test->parse($_[0]))[0] }
sub headers_of { (SOS::Test->parse($_[0]))[1] }
# the body, XML character references decoded (messages quote conditions)
sub body_of {
    my $b = (SOS::Test->parse($_[0]))[2];
    $b =~ s/&quot;/"/g;
    $b =~ s/&apos;/'/g;
    $b =~ s/&lt;/</g;
    $b =~ s/&gt;/>/g;
    $b =~ s/&amp;/&/g;
    return $b;
}

# boto3's presigned post: { url, fields }

sub presign {
    my (%o) = @_;
    my @cmd = ('python3', "$FindBin::Bin/post/presign.py", $endpoint,
        $o{access} || $t->access_key, $o{secret} || $t->secret_key,
        $o{bucket} || 'forms', $o{key} || 'k',
        encode_json($o{fields} || {}), encode_json($o{conditions} || []),
        defined $o{expires} ? $o{expires} : 300, $o{v2} ? 'v2' : ());
    open my $fh, '-|', @cmd or die "presign: $!\n";
    local $/;
    my $json = <$fh>;
    close $fh;
    die "presign failed\n" if $?;
    return decode_json($json);
}

# a multipart/form-data body: fields in order, then the file

sub form {
    my ($fields, $file, %o) = @_;
    my $b = 'sosboundary' . int(rand(1e9));
    my $body = '';
    for (my $i = 0; $i < @$fields; $i += 2) {
        $body .= "--$b\r\nContent-Disposition: form-data; "
            . "name=\"$fields->[$i]\"\r\n\r\n$fields->[$i + 1]\r\n";
    }
    if (defined $file) {
        my $fn = defined $o{filename} ? $o{filename} : 'hello.txt';
        $body .= "--$b\r\nContent-Disposition: form-data; name=\"file\"; "
            . "filename=\"$fn\"\r\nContent-Type: text/plain\r\n\r\n"
            . $file . "\r\n";
    }
    $body .= $o{after} if defined $o{after};
    $body .= "--$b--\r\n" unless $o{truncate};
    return ($body, "multipart/form-data; boundary=$b");
}

sub post {
    my ($bucket, $fields, $file, %o) = @_;
    my ($body, $type) = form($fields, $file, %o);
    return $t->http(POST => "/$bucket", body => $body,
        headers => { 'Content-Type' => $type }, timeout => 30);
}

sub fields_of {
    my ($p, %extra) = @_;
    my %f = (%{ $p->{fields} }, %extra);
    return [ map { ($_ => $f{$_}) } sort keys %f ];
}

sub get_body { body_of($t->s3(GET => $_[0])) }

# the basics

my $p = presign(key => 'basic');
my $r = post('forms', fields_of($p), 'hello, form');
is(status_of($r), 204, 'boto3 SigV4 presigned post: 204');
like(headers_of($r)->{etag}, qr/^"[0-9a-f]{32}"$/, 'ETag');
is(headers_of($r)->{etag}, '"' . md5_hex('hello, form') . '"', 'its MD5');
like(headers_of($r)->{location}, qr{/forms/basic$}, 'Location');
is(get_body('/forms/basic'), 'hello, form', 'object stored');
like(headers_of($t->s3(HEAD => '/forms/basic'))->{'content-type'},
    qr{^binary/octet-stream}, 'default content type');

# ${filename}

$p = presign(key => 'up/${filename}');
$r = post('forms', fields_of($p), 'named', filename => 'photo 1.jpg');
is(status_of($r), 204, '${filename} form');
is(get_body('/forms/up/photo%201.jpg'), 'named',
    'key takes the file name');

# success_action_status

$p = presign(key => 's201', fields => { success_action_status => '201' },
    conditions => [ { success_action_status => '201' } ]);
$r = post('forms', fields_of($p), 'x');
is(status_of($r), 201, 'success_action_status 201');
like(body_of($r), qr{<PostResponse><Location>http://[^<]+/forms/s201</Location><Bucket>forms</Bucket><Key>s201</Key><ETag>"[0-9a-f]{32}"</ETag></PostResponse>},
    'PostResponse XML');
# the body starts with the one declaration then LF: S3's PostResponse; a
# second declaration or a blank line first is refused by XML parsers
# (issue 15, "Presigned and SigV2", POST Object)
like(body_of($r), qr{\A<\?xml version="1\.0" encoding="UTF-8"\?>\n<PostResponse>},
    'PostResponse: the declaration, LF, the document');

$p = presign(key => 's200', fields => { success_action_status => '200' },
    conditions => [ { success_action_status => '200' } ]);
$r = post('forms', fields_of($p), 'x');
is(status_of($r), 200, 'success_action_status 200');
is(body_of($r), '', 'no body');

$p = presign(key => 's999', fields => { success_action_status => '999' },
    conditions => [ { success_action_status => '999' } ]);
is(status_of(post('forms', fields_of($p), 'x')), 204,
    'other success_action_status: 204');

# success_action_redirect

$p = presign(key => 'r/a b',
    fields => { success_action_redirect => 'http://example.com/done?x=1' },
    conditions => [ [ 'starts-with', '$success_action_redirect',
        'http://example.com/' ] ]);
$r = post('forms', fields_of($p), 'redirected');
is(status_of($r), 303, 'success_action_redirect: 303');
like(headers_of($r)->{location},
    qr{^http://example\.com/done\?x=1&bucket=forms&key=r(?:%2F|/)a%20b&etag=%22[0-9a-f]{32}%22$},
    'Location with bucket, key and etag');
is(get_body('/forms/r/a%20b'), 'redirected', 'redirected upload stored');

$p = presign(key => 'r2',
    fields => { success_action_redirect => 'http://evil.example/' },
    conditions => [ [ 'starts-with', '$success_action_redirect',
        'http://example.com/' ] ]);
$r = post('forms', fields_of($p), 'x');
is(status_of($r), 403, 'redirect not matching starts-with: 403');
like(body_of($r), qr{Policy Condition failed: \["starts-with", "\$success_action_redirect", "http://example.com/"\]},
    'names the failed condition');

# content-length-range

$p = presign(key => 'len', conditions => [ [ 'content-length-range', 2, 10 ] ]);
is(status_of(post('forms', fields_of($p), '0123456789')), 204,
    'content-length-range: at the maximum');
$r = post('forms', fields_of($p), '0123456789A');
is(status_of($r), 400, 'one byte over: 400');
like(body_of($r), qr{<Code>EntityTooLarge</Code>}, 'EntityTooLarge');
$r = post('forms', fields_of($p), '1');
like(body_of($r), qr{<Code>EntityTooSmall</Code>}, 'under: EntityTooSmall')
    or diag($r);

# eq: object form and array form, on the fields

$p = presign(key => 'acl', fields => { acl => 'private' },
    conditions => [ { acl => 'private' } ]);
is(status_of(post('forms', fields_of($p), 'x')), 204, '{"acl": ...} kept');
$r = post('forms', fields_of($p, acl => 'public-read'), 'x');
is(status_of($r), 403, '{"acl": ...} violated: 403');
like(body_of($r), qr{<Code>AccessDenied</Code>}, 'AccessDenied');
like(body_of($r), qr{<Message>Invalid according to Policy: Policy Condition failed: \["eq", "\$acl", "private"\]</Message>},
    'S3 message naming the condition');

$p = presign(key => 'ct', fields => { 'Content-Type' => 'text/plain' },
    conditions => [ [ 'eq', '$Content-Type', 'text/plain' ] ]);
is(status_of(post('forms', fields_of($p), 'x')), 204, 'eq Content-Type');
like(headers_of($t->s3(HEAD => '/forms/ct'))->{'content-type'},
    qr{^text/plain}, 'Content-Type from the form');
$r = post('forms', fields_of($p, 'Content-Type' => 'text/html'), 'x');
like(body_of($r), qr{\["eq", "\$content-type", "text/plain"\]},
    'eq Content-Type violated');

# starts-with

$p = presign(key => 'img', fields => { 'Content-Type' => 'image/png' },
    conditions => [ [ 'starts-with', '$Content-Type', 'image/' ] ]);
is(status_of(post('forms', fields_of($p), 'x')), 204, 'starts-with kept');
$r = post('forms', fields_of($p, 'Content-Type' => 'text/plain'), 'x');
is(status_of($r), 403, 'starts-with violated');
like(body_of($r), qr{\["starts-with", "\$content-type", "image/"\]},
    'names it');

# x-amz-meta-*

$p = presign(key => 'meta', fields => { 'x-amz-meta-color' => 'blue' },
    conditions => [ { 'x-amz-meta-color' => 'blue' } ]);
is(status_of(post('forms', fields_of($p), 'x')), 204, 'x-amz-meta-* kept');
is(headers_of($t->s3(HEAD => '/forms/meta'))->{'x-amz-meta-color'}, 'blue',
    'metadata stored');
$r = post('forms', fields_of($p, 'x-amz-meta-color' => 'red'), 'x');
like(body_of($r), qr{\["eq", "\$x-amz-meta-color", "blue"\]},
    'x-amz-meta-* violated');

# key and bucket

$p = presign(key => 'fixed');
$r = post('forms', fields_of($p, key => 'other'), 'x');
is(status_of($r), 403, 'key changed: 403');
like(body_of($r), qr{\["eq", "\$key", "fixed"\]}, 'names the key condition');
$p = presign(key => 'pre/${filename}');
$r = post('forms', fields_of($p, key => 'elsewhere/${filename}'), 'x');
like(body_of($r), qr{\["starts-with", "\$key", "pre/"\]},
    'key starts-with violated');

$p = presign(key => 'b');
$r = post('forms2', fields_of($p), 'x');
is(status_of($r), 403, 'another bucket: 403');
like(body_of($r), qr{\["eq", "\$bucket", "forms"\]},
    'names the bucket condition');

# fields not covered by a condition

$p = presign(key => 'extra');
$r = post('forms', fields_of($p, 'x-amz-meta-sneaky' => 'y'), 'x');
is(status_of($r), 403, 'a field no condition names: 403');
like(body_of($r), qr{Invalid according to Policy: Extra input fields: x-amz-meta-sneaky},
    'names the field');
is(status_of(post('forms', fields_of($p, 'x-ignore-me' => 'y'), 'x')), 204,
    'x-ignore-* fields need no condition');

# fields after the file are ignored

$p = presign(key => 'after');
$r = post('forms', fields_of($p), 'data', after =>
    "--zz\r\n");
ok(status_of($r) == 204 || status_of($r) == 400, 'junk after the file');

# expiration

$p = presign(key => 'old', expires => -60);
$r = post('forms', fields_of($p), 'x');
is(status_of($r), 403, 'expired policy: 403');
like(body_of($r), qr{Invalid according to Policy: Policy expired\.},
    'Policy expired');

# signatures

$p = presign(key => 'v2', v2 => 1);
ok(exists $p->{fields}{AWSAccessKeyId}, 'boto3 SigV2 form');
is(status_of(post('forms', fields_of($p), 'sigv2')), 204,
    'SigV2 policy: 204');
is(get_body('/forms/v2'), 'sigv2', 'SigV2 upload stored');
$r = post('forms', fields_of($p, signature => 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='),
    'x');
like(body_of($r), qr{<Code>SignatureDoesNotMatch</Code>},
    'SigV2 wrong signature');

$p = presign(key => 'sig');
$r = post('forms', fields_of($p, 'x-amz-signature' => '0' x 64), 'x');
is(status_of($r), 403, 'SigV4 wrong signature: 403');
like(body_of($r), qr{<Code>SignatureDoesNotMatch</Code>},
    'SignatureDoesNotMatch');

$p = presign(key => 'sig', secret => 'wrongwrongwrongwrongwrongwrongwrongwrong');
like(body_of(post('forms', fields_of($p), 'x')),
    qr{<Code>SignatureDoesNotMatch</Code>}, 'signed with a wrong secret');

$p = presign(key => 'sig', access => 'AKNOSUCHKEY000000000');
like(body_of(post('forms', fields_of($p), 'x')),
    qr{<Code>InvalidAccessKeyId</Code>}, 'unknown access key');

$p = presign(key => 'sig');
my $tampered = encode_base64_policy(
    decode_base64_policy($p->{fields}{policy}) =~ s/"sig"/"sug"/r);
like(body_of(post('forms', fields_of($p, policy => $tampered), 'x')),
    qr{<Code>SignatureDoesNotMatch</Code>}, 'tampered policy');

sub decode_base64_policy { require MIME::Base64; MIME::Base64::decode_base64($_[0]) }
sub encode_base64_policy { require MIME::Base64; MIME::Base64::encode_base64($_[0], '') }

# the bucket of another organization

$p = presign(key => 'x', bucket => 'theirs');
$r = post('theirs', fields_of($p), 'x');
is(status_of($r), 403, 'a form for a bucket of another org: 403');
like(body_of($r), qr{<Code>AccessDenied</Code>}, 'AccessDenied');

$p = presign(key => 'x', bucket => 'nobucket');
like(body_of(post('nobucket', fields_of($p), 'x')),
    qr{<Code>NoSuchBucket</Code>}, 'missing bucket: NoSuchBucket');

# hand-written policies (SigV2): the JSON parser, strict and bounded

use Digest::SHA qw(hmac_sha1);
use MIME::Base64 qw(encode_base64);

sub v2_form {
    my ($json, $key, @more) = @_;
    my $policy = encode_base64($json, '');
    my $sig = encode_base64(hmac_sha1($policy, $t->secret_key), '');
    return [ key => $key, AWSAccessKeyId => $t->access_key,
        policy => $policy, signature => $sig, @more ];
}

my $far = '"expiration": "2099-01-01T00:00:00.000Z"';

$r = post('forms', v2_form(qq({$far, "conditions": [{"bucket": "forms"},
    ["starts-with", "\$key", "\\u00e9t\\u00e9/\\ud83d\\ude00"]]}),
    "\xc3\xa9t\xc3\xa9/\xf0\x9f\x98\x80/x"), 'u');
is(status_of($r), 204, '\\u escapes and a surrogate pair decode to UTF-8')
    or diag($r);

is(status_of(post('forms', v2_form(qq({ $far ,"conditions":[ {"bucket":"forms"} ,
    ["content-length-range", "0", "5"], ["eq","\$key","n"] ] } ), 'n'), 'x')),
    204, 'whitespace anywhere, numbers as strings');

for my $bad (
    [ qq({$far, "conditions": [{"bucket": "forms"},]}), 'trailing comma' ],
    [ qq({$far, "conditions": [{"bucket": "forms}]}), 'unterminated string' ],
    [ qq({$far, "conditions": [{"bucket": "fo\x01rms"}]}),
        'raw control character' ],
    [ qq({$far, "conditions": [[[[[[[[[[["x"]]]]]]]]]]]}), 'nested too deep' ],
    [ qq({$far, "conditions": [{"bucket": "\\udc00"}]}), 'lone low surrogate' ],
    [ qq({$far, "conditions": [{"bucket": "\\q"}]}), 'unknown escape' ],
    [ qq({$far, "conditions": []} x), 'garbage after the document' ],
    [ qq({$far, "conditions": [tru]}), 'bad literal' ],
    [ qq({$far, "conditions": [1.]}), 'bad number' ],
    [ qq({"conditions": []}), 'no expiration' ],
    [ qq({"expiration": "2099-13-01T00:00:00Z", "conditions": []}),
        'bad expiration' ],
    [ qq({$far}), 'no conditions' ],
    [ qq({$far, "conditions": [["ends-with", "\$key", "x"]]}),
        'unknown operator' ],
    [ qq({$far, "conditions": [["eq", "key", "x"]]}), 'field without $' ],
    [ qq({$far, "conditions": [["content-length-range", 5, 1]]}),
        'min above max' ],
    [ qq([$far]), 'not an object' ],
) {
    $r = post('forms', v2_form($bad->[0], 'bad'), 'x');
    is(status_of($r), 400, "policy: $bad->[1]: 400");
    like(body_of($r), qr{<Code>InvalidPolicyDocument</Code>},
        "policy: $bad->[1]: InvalidPolicyDocument");
}

$r = post('forms', v2_form(qq({"expiration": "2001-01-01T00:00:00Z",
    "conditions": []}), 'old'), 'x');
like(body_of($r), qr{Policy expired}, 'hand-written expired policy');

# a name given twice is refused: which of the two would the policy mean?

for my $dup (
    [ qq({$far, "expiration": "2001-01-01T00:00:00Z", "conditions": []}),
        'expiration twice' ],
    [ qq({$far, "conditions": [{"bucket": "forms", "bucket": "forms"}]}),
        'a condition naming a field twice' ],
) {
    $r = post('forms', v2_form($dup->[0], 'dup'), 'x');
    like(body_of($r), qr{<Code>InvalidPolicyDocument</Code>.*Invalid JSON}s,
        "policy: $dup->[1]: InvalidPolicyDocument");
}

# hand-written SigV4 forms: the credential is checked as the Authorization
# header's is (its date is x-amz-date's, its region the server's)

use Digest::SHA qw(hmac_sha256 hmac_sha256_hex);
use POSIX qw(strftime);

sub v4_form {
    my ($key, %o) = @_;
    my $date = strftime('%Y%m%dT%H%M%SZ', gmtime);
    my $day = $o{day} // substr($date, 0, 8);
    my $region = $o{region} // 'us-east-1';
    my $cred = $t->access_key . "/$day/$region/s3/aws4_request";
    my $policy = encode_base64(qq({$far, "conditions": [{"bucket": "forms"},
        ["starts-with", "\$key", ""], {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"x-amz-credential": "$cred"}, {"x-amz-date": "$date"}]}), '');
    my $k = hmac_sha256($day, 'AWS4' . $t->secret_key);
    $k = hmac_sha256($_, $k) for $region, 's3', 'aws4_request';
    my $sig = hmac_sha256_hex($policy, $k);
    return [ key => $key, 'x-amz-algorithm' => 'AWS4-HMAC-SHA256',
        'x-amz-credential' => $cred, 'x-amz-date' => $date,
        policy => $policy, 'x-amz-signature' => $o{upper} ? uc $sig : $sig ];
}

is(status_of(post('forms', v4_form('v4'), 'x')), 204, 'SigV4 form');
is(status_of(post('forms', v4_form('v4', upper => 1), 'x')), 204,
    'its signature in upper-case hex');
$r = post('forms', v4_form('v4', region => 'eu-west-1'), 'x');
is(status_of($r), 400, 'signed for another region: 400');
like(body_of($r), qr{<Code>AuthorizationQueryParametersError</Code>.*
    the\ region\ 'eu-west-1'\ is\ wrong;\ expecting\ 'us-east-1'}sx,
    'the region is wrong');
$r = post('forms', v4_form('v4', day => '20130524'), 'x');
like(body_of($r), qr{<Code>AuthorizationQueryParametersError</Code>.*
    Invalid\ credential\ date\ "20130524"}sx,
    'a credential date that is not x-amz-date\'s');

# the acl field: applied as a canned ACL

$p = presign(key => 'public', fields => { acl => 'public-read' },
    conditions => [ { acl => 'public-read' } ]);
is(status_of(post('forms', fields_of($p), 'for everyone')), 204,
    'acl public-read form');
is(body_of($t->http(GET => '/forms/public')), 'for everyone',
    'the object is public: anonymous GET');
is(status_of($t->http(GET => '/forms/basic')), 403,
    'an object posted without acl stays private');
$p = presign(key => 'badacl', fields => { acl => 'wide-open' },
    conditions => [ { acl => 'wide-open' } ]);
$r = post('forms', fields_of($p), 'x');
is(status_of($r), 400, 'an acl that is not a canned ACL: 400');
like(body_of($r), qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');

# anonymous forms (no policy): only into a bucket everyone may write

is(status_of($t->s3(PUT => '/dropbox',
    headers => { 'x-amz-acl' => 'public-read-write' })), 200,
    'a public-read-write bucket');
$r = post('dropbox', [ key => 'anon/${filename}',
    'Content-Type' => 'text/plain' ], 'anonymous', filename => 'a.txt');
is(status_of($r), 204, 'anonymous form into a public-write bucket: 204');
like(get_body('/dropbox?list-type=2'),
    qr{<Key>anon/a\.txt</Key>.*<Size>9</Size>}s, 'stored: listed, 9 bytes');

# malformed and incomplete forms

$r = post('forms', [ key => 'anon' ], 'x');
is(status_of($r), 403, 'no policy (anonymous form): 403');
like(body_of($r), qr{<Code>AccessDenied</Code>}, 'AccessDenied');

$p = presign(key => 'nokey');
my @f = grep { 1 } @{ fields_of($p) };
my %h = @f;
delete $h{key};
$r = post('forms', [ %h ], 'x');
is(status_of($r), 400, 'no key field: 400');
like(body_of($r), qr{must contain a field named 'key'}, 'says so');

$p = presign(key => 'nofile');
$r = post('forms', fields_of($p), undef);
is(status_of($r), 400, 'no file: 400');
like(body_of($r), qr{<Code>IncorrectNumberOfFilesInPostRequest</Code>},
    'IncorrectNumberOfFilesInPostRequest');

$p = presign(key => 'trunc');
$r = post('forms', fields_of($p), 'partial', truncate => 1);
my ($tb, $tt) = form(fields_of($p), 'partial');
$tb =~ s/\r\n--sosboundary\d+--\r\n$//;
$r = $t->http(POST => '/forms', body => $tb,
    headers => { 'Content-Type' => $tt });
is(status_of($r), 400, 'file part without its end: 400');
like(body_of($r), qr{<Code>MalformedPOSTRequest</Code>},
    'MalformedPOSTRequest');
is(status_of($t->s3(HEAD => '/forms/trunc')), 404, 'nothing stored');

$r = $t->http(POST => '/forms', body => 'x',
    headers => { 'Content-Type' => 'multipart/form-data' });
like(body_of($r), qr{<Code>MalformedPOSTRequest</Code>}, 'no boundary');

# a file larger than the write buffer, full of near-delimiters

my ($bbody, $btype) = form([], '');
my ($bnd) = $btype =~ /boundary=(\S+)/;
my $big = '';
my $i = 0;
while (length $big < 3 * 1024 * 1024 + 7) {
    $big .= pack('N', $i++) . "\r\n--" . substr($bnd, 0, $i % length $bnd)
        . "\r\r\n-" . ('z' x ($i % 97));
}
$p = presign(key => 'big');
my ($body, $type);
{
    my @fl = @{ fields_of($p) };
    $body = '';
    for (my $j = 0; $j < @fl; $j += 2) {
        $body .= "--$bnd\r\nContent-Disposition: form-data; "
            . "name=\"$fl[$j]\"\r\n\r\n$fl[$j + 1]\r\n";
    }
    $body .= "--$bnd\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"big.bin\"\r\n\r\n$big\r\n--$bnd--\r\n";
}
$r = $t->http(POST => '/forms', body => $body, timeout => 60,
    headers => { 'Content-Type' => "multipart/form-data; boundary=$bnd" });
is(status_of($r), 204, '3 MB file with near-delimiters');
my $got = get_body('/forms/big');
is(length $got, length $big, 'same length');
ok($got eq $big, 'same bytes');

# curl -F, a real client's multipart encoding

$p = presign(key => 'curl/${filename}', fields => { 'Content-Type' => 'text/plain' },
    conditions => [ [ 'starts-with', '$Content-Type', 'text/' ] ]);
my $file = $t->dir . '/curl upload.txt';
open my $fh, '>', $file or die;
print $fh "from curl\n" x 1000;
close $fh;
my @curl = ('curl', '-s', '-o', '/dev/null', '-w', '%{http_code}');
push @curl, '--form-string', "$_=$p->{fields}{$_}" for sort keys %{ $p->{fields} };
push @curl, '-F', "file=\@$file", "$endpoint/forms";
open my $cfh, '-|', @curl or die;
my $code = <$cfh>;
close $cfh;
is($code, '204', 'curl -F upload: 204');
is(get_body('/forms/curl/curl%20upload.txt'), "from curl\n" x 1000,
    'curl upload stored');

# what precedes the file is bounded: 20 KiB of fields and part headers
# (S3's MaxPostPreDataLengthExceeded), 256 parts; memory stays flat

$r = post('dropbox', [ key => 'pre', 'x-ignore-big' => 'v' x (21 * 1024) ],
    'x');
is(status_of($r), 400, 'fields over 20 KiB before the file: 400');
like(body_of($r), qr{<Code>MaxPostPreDataLengthExceeded</Code>},
    'MaxPostPreDataLengthExceeded');
is(status_of(post('dropbox', [ key => 'pre', 'x-ignore-big' => 'v' x 19000 ],
    'x')), 204, 'fields under 20 KiB: 204');

$r = post('dropbox', [ key => 'many', map { ("x$_" => '1') } 1 .. 300 ],
    'x');
is(status_of($r), 400, '300 fields before the file: 400');
like(body_of($r), qr{<Code>MalformedPOSTRequest</Code>},
    'MalformedPOSTRequest');

{
    # a part whose headers go on and on (the file never comes)
    my $cd = 'Content-Disposition: form-data; name="' . ('n' x 1000)
        . '"; filename="' . ('f' x 900) . "\"\r\n";
    my $bb = 'hugeboundary';
    my $huge = "--$bb\r\n" . ($cd x 8000) . "\r\nx\r\n--$bb--\r\n";
    my $hwm0 = $t->worker_rss('VmHWM');
    local $SIG{PIPE} = 'IGNORE';
    $r = $t->http(POST => '/dropbox', body => $huge, timeout => 60,
        headers => { 'Content-Type' => "multipart/form-data; boundary=$bb" });
    my $hwm = $t->worker_rss('VmHWM');
    is(status_of($r), 400, length($huge) . ' bytes of part headers: 400');
    like(body_of($r), qr{<Code>MaxPostPreDataLengthExceeded</Code>},
        'MaxPostPreDataLengthExceeded');
    ok(defined $hwm0 && defined $hwm && $hwm - $hwm0 < 4096,
        'the worker peak RSS grew by less than 4 MiB')
        or diag('VmHWM ' . ($hwm0 // '?') . ' -> ' . ($hwm // '?') . ' KiB');
    note('worker VmHWM ' . ($hwm0 // '?') . ' -> ' . ($hwm // '?') . ' KiB');
}

# no body is read for a bucket that does not exist

{
    my $req = "POST /nosuchbucket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        . "Content-Type: multipart/form-data; boundary=x\r\n"
        . "Content-Length: 100000000\r\nConnection: close\r\n\r\n";
    # the answer comes before any body byte is sent (then nginx lingers)
    $r = '';
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm(5);
        my $s = $t->connect;
        print $s $req;
        while ($r !~ m{\r\n\r\n.*</Error>}s) {
            sysread($s, $r, 4096, length $r) or last;
        }
        close $s;
        alarm(0);
    };
    alarm(0);
    is(status_of($r), 404, 'a form to a missing bucket: 404 at once');
    like(body_of($r), qr{<Code>NoSuchBucket</Code>}, 'NoSuchBucket');
}

# fields that become response headers: no control characters

for my $case (
    [ 'Content-Type', "text/html\r\nSet-Cookie: a=b" ],
    [ 'Cache-Control', "no-cache\x01" ],
    [ 'Content-Disposition', "inline\nX-Injected: 1" ],
    [ 'x-amz-meta-note', "a\rb" ],
    [ "x-amz-meta-bad name", 'v' ],
    [ 'success_action_redirect', "http://example.com/\r\nSet-Cookie: a=b" ],
) {
    $r = post('dropbox', [ key => 'hdr', $case->[0] => $case->[1] ], 'x');
    is(status_of($r), 400, "form field $case->[0] with a control "
        . 'character or a bad name: 400');
    like(body_of($r), qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');
    unlike($r // '', qr{^(?:Set-Cookie|X-Injected):}mi, 'no injected header');
}
is(status_of($t->s3(HEAD => '/dropbox/hdr')), 404, 'nothing stored');
$r = post('dropbox', [ key => 'hdr', acl => 'public-read',
    'x-amz-meta-note' => "caf\xc3\xa9\tok" ], 'x');
is(status_of($r), 204, 'UTF-8 and tab in a meta field: 204');
is(headers_of($t->http(HEAD => '/dropbox/hdr'))->{'x-amz-meta-note'},
    "caf\xc3\xa9\tok", 'stored as given');

# a client that goes away in the middle of the file leaves nothing behind:
# the upload's tmp files are removed, nothing is committed

{
    my $tmp_files = sub {
        my @f;
        for my $r (0 .. 2) {
            opendir(my $d, $t->data . "/r$r/tmp") or next;
            push @f, grep { !/^\.\.?$/ } readdir $d;
        }
        return @f;
    };

    my ($gbody, $gtype) = form(fields_of(presign(key => 'gone')),
        'g' x (4 << 20));
    my $s = $t->connect;
    print $s "POST /forms HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        . "Content-Type: $gtype\r\nContent-Length: " . length($gbody)
        . "\r\n\r\n" . substr($gbody, 0, length($gbody) - (3 << 20));

    # more than the write buffer is sent: the upload has begun
    my @left;
    my $deadline = time() + 10;
    do {
        sleep(0.05);
        @left = $tmp_files->();
    } while (!@left && time() < $deadline);
    ok(@left, 'mid-file: the upload has tmp files');

    close $s;

    $deadline = time() + 10;
    do {
        sleep(0.05);
        @left = $tmp_files->();
    } while (@left && time() < $deadline);
    ok(!@left, 'disconnect mid-file: tmp files removed') or diag("@left");
    is(status_of($t->s3(HEAD => '/forms/gone')), 404,
        'disconnect mid-file: nothing committed');
}

$t->stop_ok;

done_testing;
