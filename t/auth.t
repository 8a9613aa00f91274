#!/usr/bin/perl

# Authentication: SigV4 in the header and in the query (presigned URLs,
# from our presigner, sosctl presign and boto3), SigV2 in both forms, and
# each error S3 answers for a bad signature, key, clock, header or URL.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(sha256_hex);
use Test::More;

use SOS::Test;
use SOS::Auth qw(amz_date presign sigv2);

my $t = SOS::Test->new(http => 'sos_domain s3.localhost;')->run;
my $port = $t->port;

sub code {
    my ($r) = @_;
    my ($status, $h, $body) = SOS::Test->parse($r);
    my ($code) = $body =~ m{<Code>([^<]*)</Code>};
    return "$status " . ($code || '');
}

# ---------------------------------------------------------------- SigV4

is(code($t->s3(GET => '/')), '200 ', 'SigV4 header: ListBuckets');
is(code($t->s3(PUT => '/bkt')), '200 ', 'SigV4 header: CreateBucket');
is(code($t->s3(GET => '/')), '200 ', 'second request (cached signing key)');

my $r = $t->s3(GET => '/bkt?list-type=2&prefix=a%2Fb', secret => 'wrong');
is(code($r), '403 SignatureDoesNotMatch', 'wrong secret');
like($r, qr{<AWSAccessKeyId>\Q${\ $t->access_key }\E</AWSAccessKeyId>},
    'SignatureDoesNotMatch names the key');
like($r, qr{<StringToSign>AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}/us-east-1/s3/
    aws4_request\n[0-9a-f]{64}</StringToSign>}x, '... and the StringToSign');
like($r, qr{<CanonicalRequest>GET\n/bkt\nlist-type=2&amp;prefix=a%2Fb\n
    host:127\.0\.0\.1:$port\n}x, '... and the CanonicalRequest, escaped');
like($r, qr{<StringToSignBytes>41 57 53 34 2d }, '... with its bytes');
like($r, qr{<CanonicalRequestBytes>47 45 54 0a }, '... both');
like($r, qr{<SignatureProvided>[0-9a-f]{64}</SignatureProvided>},
    '... and the signature provided');

$r = $t->s3(GET => '/', access => 'AKIANOTAKEY000000000');
is(code($r), '403 InvalidAccessKeyId', 'unknown key');
like($r, qr{<AWSAccessKeyId>AKIANOTAKEY000000000</AWSAccessKeyId>},
    'InvalidAccessKeyId names the key');

$r = $t->s3(GET => '/', time => time() + 20 * 60);
is(code($r), '403 RequestTimeTooSkewed', 'clock 20 min ahead');
like($r, qr{<RequestTime>\d{8}T\d{6}Z</RequestTime><ServerTime>[-\d]{10}T},
    'RequestTimeTooSkewed gives both times');
is(code($t->s3(GET => '/', time => time() - 20 * 60)),
    '403 RequestTimeTooSkewed', 'clock 20 min behind');
is(code($t->s3(GET => '/', time => time() - 10 * 60)), '200 ',
    'clock 10 min behind is accepted');

$r = $t->s3(GET => '/', region => 'eu-west-1');
is(code($r), '400 AuthorizationHeaderMalformed', 'region mismatch');
like($r, qr{the region &apos;eu-west-1&apos; is wrong; expecting (?#
    )&apos;us-east-1&apos;.*<Region>us-east-1</Region>}s,
    'S3 names the expected region');

my ($u, $h) = $t->s3_sign(GET => '/');
(my $a = $h->{Authorization}) =~ s{/s3/}{/iam/};
is(code($t->http(GET => '/', headers => { %$h, Authorization => $a })),
    '400 AuthorizationHeaderMalformed', 'service other than s3');

($a = $h->{Authorization}) =~ s{,\s*Signature=\w+}{};
$r = $t->http(GET => '/', headers => { %$h, Authorization => $a });
is(code($r), '400 AuthorizationHeaderMalformed', 'no Signature component');
like($r, qr{requires three components}, '... S3 message');

($a = $h->{Authorization}) =~ s{Credential=\w+/\d+/}{Credential=X/};
is(code($t->http(GET => '/', headers => { %$h, Authorization => $a })),
    '400 AuthorizationHeaderMalformed', 'mal-formed Credential');

($a = $h->{Authorization}) =~ s{Signature=(\w)}{Signature=${\ ($1 eq 'a' ? 'b' : 'a')}};
is(code($t->http(GET => '/', headers => { %$h, Authorization => $a })),
    '403 SignatureDoesNotMatch', 'one signature digit changed');

is(code($t->http(GET => '/', headers => { %$h,
    'x-amz-date' => amz_date(time() - 5) })),
    '403 SignatureDoesNotMatch', 'x-amz-date changed after signing');

my %nodate = %$h;
delete $nodate{'x-amz-date'};
$r = $t->http(GET => '/', headers => \%nodate);
is(code($r), '403 AccessDenied', 'no x-amz-date nor Date');
like($r, qr{requires a valid Date or x-amz-date}, '... S3 message');

my %nosha = %$h;
delete $nosha{'x-amz-content-sha256'};
$r = $t->http(GET => '/', headers => \%nosha);
is(code($r), '400 InvalidRequest', 'no x-amz-content-sha256');
like($r, qr{Missing required header for this request: x-amz-content-sha256},
    '... S3 message');

$r = $t->http(GET => '/', headers => { %$h, 'x-amz-meta-foo' => 'bar' });
is(code($r), '403 AccessDenied', 'an x-amz-* header that was not signed');
like($r, qr{<HeadersNotSigned>x-amz-meta-foo</HeadersNotSigned>},
    '... is named');

$r = $t->http(GET => '/', headers => { Authorization => 'Bearer abc' });
is(code($r), '400 InvalidArgument', 'unsupported Authorization type');
like($r, qr{Unsupported Authorization Type}, '... S3 message');

$r = $t->http(GET => '/', headers => { Authorization =>
    'AWS4-ECDSA-P256-SHA256 Credential=X/20240101/s3/aws4_request, '
    . 'SignedHeaders=host, Signature=00' });
is(code($r), '501 NotImplemented', 'SigV4a header: 501');

$r = $t->http(GET => presign($t, 'GET', '/'),
    headers => { Authorization => $h->{Authorization},
                 'x-amz-date' => $h->{'x-amz-date'},
                 'x-amz-content-sha256' => $h->{'x-amz-content-sha256'} });
is(code($r), '400 InvalidArgument', 'header and query signatures at once');

$r = $t->s3(GET => '/', payload => 'SOMETHING-ELSE');
is(code($r), '400 InvalidArgument', 'unknown x-amz-content-sha256');
like($r, qr{<ArgumentName>x-amz-content-sha256</ArgumentName>},
    '... names the header');
is(code($t->s3(PUT => '/bkt/k', body => 'x',
    payload => 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD')),
    '501 NotImplemented', 'SigV4a streaming payload: 501, nothing stored');

# canonical URI: the path as received, decoded and encoded per segment

is(code($t->s3(PUT => '/bkt/a%20b%2Bc%2Fd/%C3%A9~!', body => 'odd')),
    '200 ', 'odd key, encoded the SDK way');
my $sts_ok = $t->s3(GET => '/bkt/a%20b%2Bc%2Fd/%C3%A9~!');
like($sts_ok, qr{^HTTP/1\.1 200 .*\r\n\r\nodd$}s, '... read back');

{
    # a client that leaves '!' and '+' raw signs what S3 canonicalises
    my ($su, $sh) = $t->s3_sign(GET => '/bkt/a%20b%2Bc%2Fd/%C3%A9~%21');
    $r = $t->http(GET => '/bkt/a%20b+c%2Fd/%C3%A9~!', headers => $sh);
    like($r, qr{^HTTP/1\.1 200 }, 'raw reserved characters canonicalised');
}

is(code($t->s3(GET => '/bkt/a%20b%2Bc%2Fd/%C3%A9~!',
    host => 'localhost')), '200 ', 'Host signed as received (a name)');

# ------------------------------------------------------ presigned SigV4

is(code($t->http(GET => presign($t, 'GET', '/bkt'))), '200 ',
    'presigned GET (ListObjects)');
is(code($t->http(HEAD => presign($t, 'HEAD', '/bkt'))), '200 ',
    'presigned HEAD');

$r = $t->http(PUT => presign($t, 'PUT', '/bkt/pre'), body => 'presigned');
is(code($r), '200 ', 'presigned PUT');
like($t->http(GET => presign($t, 'GET', '/bkt/pre')),
    qr{\r\n\r\npresigned$}, 'presigned GET of it');

my $uri = presign($t, 'GET', '/bkt/pre');
(my $tampered = $uri) =~ s{X-Amz-Expires=3600}{X-Amz-Expires=3601};
$r = $t->http(GET => $tampered);
is(code($r), '403 SignatureDoesNotMatch', 'tampered query');
like($r, qr{<CanonicalRequest>GET\n/bkt/pre\n}, '... shows what we signed');
unlike($r, qr{X-Amz-Signature=}, '... without the signature parameter');
($tampered = $uri) =~ s{^/bkt/pre}{/bkt/prf};
is(code($t->http(GET => $tampered)), '403 SignatureDoesNotMatch',
    'tampered path');
is(code($t->http(GET => "$uri&extra=1")), '403 SignatureDoesNotMatch',
    'added parameter');

$r = $t->http(GET => presign($t, 'GET', '/bkt/pre', time => time() - 7200));
is(code($r), '403 AccessDenied', 'expired presigned URL');
like($r, qr{<Message>Request\x20has\x20expired</Message><X-Amz-Expires>3600</X-Amz-
    Expires><Expires>[-\dT:]+Z</Expires><ServerTime>[-\dT:]+Z</ServerTime>}x,
    '... as S3 words it');

$r = $t->http(GET => presign($t, 'GET', '/bkt/pre', time => time() + 3600));
is(code($r), '403 AccessDenied', 'presigned URL from the future');
like($r, qr{Request is not yet valid}, '... not yet valid');

$r = $t->http(GET => presign($t, 'GET', '/bkt/pre', expires => 604801));
# S3 answers 403 (issue 15; see t/conformance_auth.t)
is(code($r), '403 AuthorizationQueryParametersError',
    'X-Amz-Expires above a week');
like($r, qr{X-Amz-Expires must be less than a week}, '... S3 message');
is(code($t->http(GET => presign($t, 'GET', '/bkt/pre', expires => 604800))),
    '200 ', 'X-Amz-Expires of exactly a week');
is(code($t->http(GET => presign($t, 'GET', '/bkt/pre', expires => 'abc'))),
    '400 AuthorizationQueryParametersError', 'X-Amz-Expires not a number');
is(code($t->http(GET => presign($t, 'GET', '/bkt/pre', expires => -1))),
    '400 AuthorizationQueryParametersError', 'negative X-Amz-Expires');

($tampered = $uri) =~ s{&X-Amz-Date=[^&]+}{};
$r = $t->http(GET => $tampered);
is(code($r), '400 AuthorizationQueryParametersError', 'no X-Amz-Date');
like($r, qr{requires the X-Amz-Algorithm, X-Amz-Credential}, '... message');

$r = $t->http(GET => presign($t, 'GET', '/bkt/pre', region => 'eu-west-1'));
is(code($r), '400 AuthorizationQueryParametersError', 'presigned: region');
like($r, qr{<Region>us-east-1</Region>}, '... names the expected region');

is(code($t->http(GET => presign($t, 'GET', '/bkt/pre',
    access => 'AKIANOTAKEY000000000'))), '403 InvalidAccessKeyId',
    'presigned: unknown key');
is(code($t->http(GET => presign($t, 'GET', '/bkt/pre', secret => 'x'))),
    '403 SignatureDoesNotMatch', 'presigned: wrong secret');
is(code($t->http(GET => presign($t, 'GET', '/bkt/pre',
    algorithm => 'AWS4-HMAC-SHA1'))), '400 AuthorizationQueryParametersError',
    'presigned: other algorithm');

# a presigned URL for another name and port of the same server

is(code($t->http(GET => presign($t, 'GET', '/bkt/pre',
        host => 'sos.example:8443'),
    headers => { Host => 'sos.example:8443' })), '200 ',
    'presigned: Host with another name and port');
is(code($t->http(GET => presign($t, 'GET', '/bkt/pre',
        host => 'sos.example:8443'),
    headers => { Host => 'sos.example' })), '403 SignatureDoesNotMatch',
    'presigned: the port is part of the signature');

# sosctl presign, offline

sub sosctl_presign {
    my (@args) = @_;
    local $ENV{AWS_ACCESS_KEY_ID} = $t->access_key;
    local $ENV{AWS_SECRET_ACCESS_KEY} = $t->secret_key;
    my $cmd = join ' ', map { "'$_'" } SOS::Test::sosctl_path(), 'presign',
        @args;
    my $url = `$cmd 2>&1`;
    chomp $url;
    return ($? >> 8, $url);
}

my ($rc, $url) = sosctl_presign('GET', 's3://bkt/pre', '--endpoint',
    "http://127.0.0.1:$port");
is($rc, 0, 'sosctl presign');
like($url, qr{^http://127\.0\.0\.1:$port/bkt/pre\?X-Amz-Algorithm=AWS4-HMAC-
    SHA256&X-Amz-Credential=.*&X-Amz-Expires=3600&.*X-Amz-Signature=[0-9a-f]
    {64}$}x, '... prints one URL');
(my $path = $url) =~ s{^http://[^/]+}{};
like($t->http(GET => $path), qr{^HTTP/1\.1 200 .*presigned$}s,
    '... that GETs the object');

($rc, $url) = sosctl_presign('PUT', 's3://bkt/by sosctl/ü', '--endpoint',
    "http://localhost:$port", '--expires', 60);
($path = $url) =~ s{^http://[^/]+}{};
like($url, qr{/bkt/by%20sosctl/%C3%BC\?.*X-Amz-Expires=60&}, 'sosctl presign PUT');
is(code($t->http(PUT => $path, body => 'via sosctl',
    headers => { Host => "localhost:$port" })), '200 ', '... uploads');
like($t->s3(GET => '/bkt/by%20sosctl/%C3%BC'), qr{\r\n\r\nvia sosctl$},
    '... the object');

($rc, $url) = sosctl_presign('GET', 's3://bkt/x', '--expires', 604801);
is($rc, 2, 'sosctl presign refuses --expires above a week');

{
    open my $fh, '>', $t->dir . '/credentials' or die;
    print $fh "[default]\naws_access_key_id = WRONG\naws_secret_access_key = x\n"
        . "[sos]\naws_access_key_id = ${\ $t->access_key }\n"
        . "aws_secret_access_key = ${\ $t->secret_key }\n";
    close $fh;

    local $ENV{AWS_SHARED_CREDENTIALS_FILE} = $t->dir . '/credentials';
    local $ENV{AWS_PROFILE} = 'sos';
    local $ENV{SOS_ENDPOINT} = "http://127.0.0.1:$port";
    delete local $ENV{AWS_ACCESS_KEY_ID};
    delete local $ENV{AWS_SECRET_ACCESS_KEY};
    my $cmd = SOS::Test::sosctl_path() . ' presign GET s3://bkt/pre';
    $url = `$cmd 2>&1`;
    chomp $url;
    ($path = $url) =~ s{^http://[^/]+}{};
    like($t->http(GET => $path), qr{^HTTP/1\.1 200 .*presigned$}s,
        'sosctl presign with a profile of the credentials file');
}

# boto3's generate_presigned_url

SKIP: {
    my $py = `python3 -c 'import boto3' 2>&1`;
    die "boto3 not installed: run make deps\n" if $?;

    my $boto = sub {
        my ($method, $key, $endpoint) = @_;
        local $ENV{AWS_ACCESS_KEY_ID} = $t->access_key;
        local $ENV{AWS_SECRET_ACCESS_KEY} = $t->secret_key;
        delete local $ENV{AWS_PROFILE};
        open my $fh, '-|', 'python3',
            "$FindBin::Bin/auth/boto3_presign_url.py", $method, $key,
            $endpoint or die;
        local $/;
        my $out = <$fh>;
        close $fh;
        $out =~ s/\s+$//;
        (my $p = $out) =~ s{^http://[^/]+}{};
        return $p;
    };

    my $p = $boto->('PUT', 'boto/k ey+1', "http://127.0.0.1:$port");
    like($p, qr{X-Amz-Signature=}, 'boto3 presigned PUT URL');
    is(code($t->http(PUT => $p, body => 'from boto3')), '200 ',
        '... uploads');
    $p = $boto->('GET', 'boto/k ey+1', "http://127.0.0.1:$port");
    like($t->http(GET => $p), qr{^HTTP/1\.1 200 .*from boto3$}s,
        'boto3 presigned GET');
    $p = $boto->('HEAD', 'boto/k ey+1', "http://127.0.0.1:$port");
    is(code($t->http(HEAD => $p)), '200 ', 'boto3 presigned HEAD');
    $p = $boto->('GET', 'boto/k ey+1', "http://localhost:$port");
    like($t->http(GET => $p, headers => { Host => "localhost:$port" }),
        qr{^HTTP/1\.1 200 .*from boto3$}s,
        'boto3 presigned GET through another host name with a port');
    is(code($t->http(GET => $p)), '403 SignatureDoesNotMatch',
        '... not valid for another Host');
}

# ---------------------------------------------------------------- SigV2

sub v2_header {
    my ($method, $path, $resource, %o) = @_;
    my $date = $o{date} || POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT',
        gmtime(time()));
    my $type = $o{type} || '';
    my $amz = $o{amz} || {};
    my $sts = "$method\n\n$type\n$date\n"
        . join('', map { lc($_) . ":$amz->{$_}\n" } sort keys %$amz)
        . $resource;
    my $sig = sigv2($o{secret} || $t->secret_key, $sts);
    return $t->http($method, $path, body => $o{body}, headers => {
        Date => $date, Authorization => 'AWS ' . $t->access_key . ":$sig",
        ($type ? ('Content-Type' => $type) : ()), %$amz,
        ($o{host} ? (Host => $o{host}) : ()) });
}

use POSIX ();

is(code(v2_header('GET', '/', '/')), '200 ', 'SigV2 header: ListBuckets');
is(code(v2_header('GET', '/bkt/pre', '/bkt/pre')), '200 ',
    'SigV2 header: GetObject');
is(code(v2_header('PUT', '/bkt/v2', '/bkt/v2', body => 'v2',
    type => 'text/plain', amz => { 'x-amz-meta-a' => 'b' })), '200 ',
    'SigV2 header: PutObject with Content-Type and x-amz-meta-*');
is(code(v2_header('GET', '/bkt?versioning', '/bkt?versioning')), '200 ',
    'SigV2: sub-resource signed');
is(code(v2_header('GET', '/bkt?list-type=2&prefix=v', '/bkt')), '200 ',
    'SigV2: other parameters not signed');
is(code(v2_header('GET', '/pre', '/bkt/pre',
    host => "bkt.s3.localhost:$port")), '200 ',
    'SigV2: virtual-hosted style signs /bucket/key');
$r = v2_header('GET', '/', '/', secret => 'wrong');
is(code($r), '403 SignatureDoesNotMatch', 'SigV2 header: wrong secret');
like($r, qr{<StringToSign>GET\n\n\n[^<]+GMT\n/</StringToSign>},
    '... shows the StringToSign');
is(code(v2_header('GET', '/', '/', date => POSIX::strftime(
    '%a, %d %b %Y %H:%M:%S GMT', gmtime(time() - 3600)))),
    '403 RequestTimeTooSkewed', 'SigV2 header: skewed Date');
is(code($t->http(GET => '/', headers => {
    Date => POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime()),
    Authorization => 'AWS ' . $t->access_key })),
    '400 InvalidArgument', 'SigV2 header without a signature');

sub v2_query {
    my ($method, $path, $resource, $expires, %o) = @_;
    my $sig = sigv2($o{secret} || $t->secret_key,
        "$method\n\n\n$expires\n$resource");
    return $t->http($method, "$path" . ($path =~ /\?/ ? '&' : '?')
        . 'AWSAccessKeyId=' . $t->access_key . "&Expires=$expires"
        . '&Signature=' . SOS::Test::uri_escape($sig));
}

like(v2_query('GET', '/bkt/pre', '/bkt/pre', time() + 60),
    qr{^HTTP/1\.1 200 .*presigned$}s, 'SigV2 query: GET');
$r = v2_query('GET', '/bkt/pre', '/bkt/pre', time() - 60);
is(code($r), '403 AccessDenied', 'SigV2 query: expired');
like($r, qr{Request has expired}, '... S3 message');
is(code(v2_query('GET', '/bkt/pre', '/bkt/pre', time() + 60,
    secret => 'x')), '403 SignatureDoesNotMatch', 'SigV2 query: tampered');
is(code(v2_query('GET', '/bkt/pre?response-content-type=text/x',
    '/bkt/pre?response-content-type=text/x', time() + 60)), '200 ',
    'SigV2 query: response-* override signed');

# ------------------------------------------------------------ anonymous

# an anonymous ListBuckets is an empty list, as RGW (issue 15); a private
# bucket stays closed to it
is(code($t->http(GET => '/bkt')), '403 AccessDenied', 'anonymous: denied');
like($t->http(GET => '/'), qr{^HTTP/1\.1 200 .*<Buckets></Buckets>}s,
    'anonymous ListBuckets: an empty list');

$t->stop_ok;

done_testing();
