package SOS::HttpFuzz;

# HTTP-level fuzzing of a running SOS (t/httpfuzz.t): valid signed
# requests of every kind (objects, copies, multipart, listings, ACLs,
# DeleteObjects, POST forms, presigned URLs, SigV2, aws-chunked bodies)
# are mutated (header values, query arguments, paths, bodies, lengths,
# chunk framing, raw bytes) and sent.  Most mutations are made before
# signing, so the request is signed again and reaches past authentication.
# Everything is drawn from one seeded generator: a seed and a count replay
# the same requests.
#
#   my $f = SOS::HttpFuzz->new(t => $t, seed => 42, bucket => 'fz',
#                              upload_id => $id);
#   my ($raw, $what) = $f->next_request;

use strict;
use warnings;

use Digest::MD5 qw(md5 md5_base64);
use Digest::SHA qw(sha256 hmac_sha256_hex);
use MIME::Base64 qw(encode_base64);
use POSIX qw(strftime);

use SOS::Auth qw(aws_chunked presign sigv2 signing_key seed_signature
    amz_date);
use SOS::Test;

# values that parsers trip on
my @NASTY = ('', ' ', '0', '-1', '1', '00000000000000000001',
    '18446744073709551616', '9223372036854775807', '-9223372036854775808',
    '*', '"', '""', '"x"', 'W/"x"', '%', '%0', '%zz', '%00', '%2F', '+',
    '&', '=', '?', '/', '//', '..', '../..', "\t", 'a' x 300, 'a' x 1025,
    'bytes=', 'bytes=0-', 'bytes=-0', 'bytes=5-1', 'bytes=0-0,1-1',
    'bytes=-99999999999999999999', 'bytes= 1 - 2 ', 'bytes=1-2-3',
    'null', 'true', 'url', 'REPLACE', 'COPY', 'aws-chunked',
    'UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    'x-amz-checksum-crc32', 'x-amz-checksum-sha256,x-amz-checksum-crc32',
    'AAAAAA==', '====', 'Fri, 24 May 2013 00:00:00 GMT',
    'Sun, 06 Nov 1994 08:49:37 GMT', '20130524T000000Z',
    'public-read', 'private', 'id="x", uri="y"',
    'emailAddress="a@b.c"', '100-continue', "\xc3\xa9\xff\xfe",
    '<', '&amp;', "\x7f");

my @HEADERS = qw(Range If-Match If-None-Match If-Modified-Since
    If-Unmodified-Since Content-MD5 Content-Type Content-Encoding Expect
    x-amz-checksum-crc32 x-amz-checksum-crc32c x-amz-checksum-sha1
    x-amz-checksum-sha256 x-amz-checksum-crc64nvme x-amz-sdk-checksum-algorithm
    x-amz-checksum-mode x-amz-trailer x-amz-decoded-content-length
    x-amz-content-sha256 x-amz-copy-source x-amz-copy-source-range
    x-amz-copy-source-if-match x-amz-copy-source-if-none-match
    x-amz-copy-source-if-modified-since x-amz-copy-source-if-unmodified-since
    x-amz-metadata-directive x-amz-acl x-amz-grant-read x-amz-grant-write
    x-amz-grant-full-control x-amz-grant-read-acp x-amz-grant-write-acp
    x-amz-meta-a x-amz-storage-class x-amz-date Cache-Control
    Content-Disposition Content-Language Expires x-amz-expected-bucket-owner);

my @ARGS = qw(max-keys prefix delimiter marker continuation-token
    start-after encoding-type fetch-owner list-type versionId partNumber
    uploadId max-parts part-number-marker max-uploads key-marker
    upload-id-marker version-id-marker response-content-type
    response-content-disposition response-cache-control response-expires
    acl uploads delete versioning location versions tagging X-Amz-Expires
    X-Amz-Date X-Amz-Credential X-Amz-Signature X-Amz-SignedHeaders
    X-Amz-Algorithm AWSAccessKeyId Signature Expires);

sub new {
    my ($class, %o) = @_;
    my $self = bless { %o }, $class;
    srand($o{seed});
    return $self;
}

sub pick { $_[0][int(rand(@{ $_[0] }))] }

sub nasty {
    my $r = rand();
    return pick(\@NASTY) if $r < 0.7;
    return join '', map { chr(32 + int(rand(95))) } 1 .. int(rand(40));
}

sub body_bytes {
    my ($n) = @_;
    return join '', map { chr(int(rand(256))) } 1 .. $n;
}

sub xml_escape {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    return $s;
}

# ---- the valid requests: (method, uri, %s3_sign options) ----

sub templates {
    my ($self) = @_;
    my $b = $self->{bucket};
    my $uid = $self->{upload_id};
    my $key = 'k' . int(rand(20));
    my $owner = $self->{owner};

    return (
        put => sub {
            my $body = body_bytes(int(rand(300)));
            ('PUT', "/$b/$key", body => $body, headers => {
                'Content-Type' => 'text/plain',
                'Content-MD5' => md5_base64($body) . '==',
                'x-amz-meta-color' => 'blue',
                'x-amz-checksum-sha256' => encode_base64(sha256($body), ''),
            });
        },
        put_unsigned => sub {
            ('PUT', "/$b/$key", body => 'unsigned', unsigned => 1,
             headers => { 'x-amz-acl' => 'public-read' });
        },
        get => sub {
            ('GET', "/$b/obj", headers => {
                Range => 'bytes=' . int(rand(20)) . '-' . int(rand(40)),
                'If-None-Match' => '"' . ('0' x 32) . '"',
                'If-Modified-Since' => 'Fri, 24 May 2013 00:00:00 GMT',
            }, query => 'response-content-type=text%2Fhtml');
        },
        head => sub { ('HEAD', "/$b/obj", headers => {
            'If-Match' => '*', 'x-amz-checksum-mode' => 'ENABLED' }) },
        delete => sub { ('DELETE', "/$b/$key") },
        copy => sub {
            ('PUT', "/$b/copy$key", headers => {
                'x-amz-copy-source' => "/$b/obj",
                'x-amz-metadata-directive' => 'REPLACE',
                'x-amz-copy-source-if-modified-since' =>
                    'Fri, 24 May 2013 00:00:00 GMT',
                'Content-Type' => 'image/png',
            });
        },
        mp_create => sub { ('POST', "/$b/mp$key", query => 'uploads',
            headers => { 'x-amz-meta-m' => 'v' }) },
        mp_part => sub {
            ('PUT', "/$b/big", body => body_bytes(int(rand(100))),
             query => 'partNumber=' . (1 + int(rand(3))) . "&uploadId=$uid");
        },
        mp_part_copy => sub {
            ('PUT', "/$b/big", query => "partNumber=4&uploadId=$uid",
             headers => { 'x-amz-copy-source' => "$b/obj",
                          'x-amz-copy-source-range' => 'bytes=0-3' });
        },
        mp_complete => sub {
            my $xml = '<CompleteMultipartUpload>'
                . join('', map { "<Part><PartNumber>$_</PartNumber>"
                    . '<ETag>"' . ('a' x 32) . '"</ETag></Part>' } 1 .. 2)
                . '</CompleteMultipartUpload>';
            ('POST', "/$b/big", query => "uploadId=$uid", body => $xml);
        },
        mp_list_parts => sub { ('GET', "/$b/big",
            query => "uploadId=$uid&max-parts=1&part-number-marker=1") },
        mp_list_uploads => sub { ('GET', "/$b",
            query => 'uploads&prefix=b&max-uploads=2&key-marker=a') },
        list_v2 => sub { ('GET', "/$b", query => 'list-type=2&prefix=k'
            . '&delimiter=%2F&max-keys=3&fetch-owner=true&encoding-type=url'
            . '&start-after=k1') },
        list_v1 => sub { ('GET', "/$b", query => 'marker=k&max-keys=2') },
        list_versions => sub { ('GET', "/$b",
            query => 'versions&key-marker=a&max-keys=2') },
        list_buckets => sub { ('GET', '/') },
        acl_put => sub {
            my $xml = '<AccessControlPolicy><Owner><ID>' . $owner
                . '</ID></Owner><AccessControlList><Grant><Grantee '
                . 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                . 'xsi:type="CanonicalUser"><ID>' . $owner . '</ID>'
                . '</Grantee><Permission>FULL_CONTROL</Permission></Grant>'
                . '<Grant><Grantee '
                . 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                . 'xsi:type="Group"><URI>http://acs.amazonaws.com/groups/'
                . 'global/AllUsers</URI></Grantee><Permission>READ'
                . '</Permission></Grant></AccessControlList>'
                . '</AccessControlPolicy>';
            ('PUT', rand() < 0.5 ? "/$b/obj" : "/$b", query => 'acl',
             body => $xml);
        },
        acl_get => sub { ('GET', "/$b/obj", query => 'acl') },
        acl_canned => sub { ('PUT', "/$b/obj", query => 'acl',
            headers => { 'x-amz-acl' => 'public-read' }) },
        delete_objects => sub {
            my $xml = '<Delete><Quiet>' . (rand() < 0.5 ? 'true' : 'false')
                . '</Quiet>' . join('', map {
                    '<Object><Key>' . xml_escape("k$_") . '</Key></Object>'
                } 1 .. int(rand(4))) . '</Delete>';
            ('POST', "/$b", query => 'delete', body => $xml,
             headers => { 'Content-MD5' => md5_base64($xml) . '==' });
        },
        versioning => sub { ('PUT', "/$b", query => 'versioning',
            body => '<VersioningConfiguration><Status>Suspended</Status>'
                . '</VersioningConfiguration>') },
        location => sub { ('GET', "/$b", query => 'location') },
        create_bucket => sub { ('PUT', '/fzb' . int(rand(3)),
            body => '<CreateBucketConfiguration><LocationConstraint>'
                . '</LocationConstraint></CreateBucketConfiguration>') },
    );
}

# ---- one request ----

sub next_request {
    my ($self) = @_;

    my $r = rand();

    return $self->chunked if $r < 0.12;
    return $self->form if $r < 0.20;
    return $self->presigned if $r < 0.25;
    return $self->v2_request if $r < 0.28;

    my %tpl = $self->templates;
    my $name = pick([ sort keys %tpl ]);
    my ($method, $uri, %o) = $tpl{$name}->();
    my @what = ($name);

    $o{headers} ||= {};

    # mutations before signing: the request is signed as mutated
    for (1 .. int(rand(3))) {
        my $m = rand();

        if ($m < 0.4) {
            my $h = rand() < 0.5 && %{ $o{headers} }
                ? pick([ sort keys %{ $o{headers} } ]) : pick(\@HEADERS);
            $o{headers}{$h} = nasty();
            push @what, "header $h";

        } elsif ($m < 0.7) {
            my $a = pick(\@ARGS);
            my $v = nasty();
            $v =~ s/([^A-Za-z0-9_.~%+=-])/sprintf('%%%02X', ord $1)/ge
                if rand() < 0.8;
            $o{query} = (defined $o{query} ? "$o{query}&" : '')
                . (rand() < 0.2 ? $a : "$a=$v");
            push @what, "arg $a";

        } elsif ($m < 0.85) {
            my $k = nasty();
            $k =~ s/([^A-Za-z0-9_.~\/%-])/sprintf('%%%02X', ord $1)/ge;
            $uri =~ s{^(/[^/]*)(/.*)?$}{$1/$k} if length $k;
            push @what, 'path';

        } else {
            my $body = defined $o{body} ? $o{body} : '';
            $o{body} = mutate_bytes($body);
            push @what, 'body';
        }
    }

    my ($u, $h) = $self->{t}->s3_sign($method, $uri, %o);
    my $raw = serialize($method, $u, $h, defined $o{body} ? $o{body} : '');

    # after signing: lengths and raw bytes (mostly refused early)
    if (rand() < 0.15) {
        $raw = mutate_length($raw);
        push @what, 'length';
    }
    if (rand() < 0.08) {
        $raw = mutate_bytes($raw);
        push @what, 'raw';
    }

    return ($raw, join(', ', @what));
}

sub serialize {
    my ($method, $uri, $h, $body) = @_;
    my %h = (%$h, Connection => 'close');
    $h{'Content-Length'} = length $body
        unless exists $h{'Content-Length'} || $method =~ /^(GET|HEAD)$/
            && !length $body;
    my $req = "$method $uri HTTP/1.1\r\n";
    $req .= "$_: $h{$_}\r\n" for sort keys %h;
    return "$req\r\n$body";
}

sub mutate_bytes {
    my ($s) = @_;
    for (1 .. 1 + int(rand(4))) {
        my $len = length $s;
        my $pos = int(rand($len + 1));
        my $m = rand();
        if ($m < 0.3 && $len) {
            substr($s, $pos < $len ? $pos : $len - 1, 1) = chr(int(rand(256)));
        } elsif ($m < 0.5) {
            substr($s, $pos, 0) = pick([ "\r\n", "\0", '%', ':', ';', '=',
                '<', '>', '&', '"', '-', '0', 'ffffffff', "\r\n\r\n" ]);
        } elsif ($m < 0.7 && $len) {
            substr($s, $pos, int(rand(16))) = '';
        } elsif ($m < 0.85 && $len) {
            my $piece = substr($s, $pos, int(rand(32)));
            substr($s, int(rand($len)), 0) = $piece;
        } else {
            $s = substr($s, 0, $pos);
        }
    }
    return $s;
}

# a Content-Length that does not match what is sent

sub mutate_length {
    my ($raw) = @_;
    my $d = pick([ -100, -1, 1, 7, 100000, 1e12 ]);
    $raw =~ s{^Content-Length: (\d+)\r$}{
        'Content-Length: ' . ($1 + $d < 0 ? 0 : $1 + $d) . "\r"
    }me;
    return $raw;
}

# aws-chunked: signed, signed with a trailer, or unsigned with a trailer;
# then the framing mutated (sizes, extensions, signatures, trailers)

sub chunked {
    my ($self) = @_;
    my $t = $self->{t};
    my $data = body_bytes(int(rand(200)));
    my $mode = pick([ 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        'STREAMING-UNSIGNED-PAYLOAD-TRAILER' ]);
    my $trailer = $mode =~ /TRAILER/
        ? [ 'x-amz-checksum-sha256', encode_base64(sha256($data), '') ]
        : undef;
    my %h = (
        'Content-Encoding' => 'aws-chunked',
        'x-amz-decoded-content-length' => length $data,
        $trailer ? ('x-amz-trailer' => $trailer->[0]) : (),
    );
    $h{ pick(\@HEADERS) } = nasty() if rand() < 0.3;

    my $time = time();
    my ($u, $hh) = $t->s3_sign('PUT', "/$self->{bucket}/chunked",
        payload => $mode, headers => \%h, time => $time);
    my $date = amz_date($time);
    my $body = aws_chunked(data => $data, chunk => 1 + int(rand(64)),
        trailer => $trailer,
        $mode =~ /^STREAMING-AWS4/ ? (signed => {
            key => signing_key($t->secret_key, substr($date, 0, 8)),
            seed => seed_signature($hh->{Authorization}), date => $date,
            scope => substr($date, 0, 8) . '/us-east-1/s3/aws4_request' })
        : ());

    my @what = ("chunked $mode");
    if (rand() < 0.7) {
        my $m = rand();
        if ($m < 0.3) {
            # a chunk size changed
            my @sizes = $body =~ /^([0-9a-f]+)[;\r]/mg;
            my $s = @sizes ? pick(\@sizes) : '0';
            $body =~ s/^\Q$s\E([;\r])/pick(['0', 'ffffffffffffffff', 'x',
                sprintf('%x', hex($s) + 1), '', '-1']) . $1/me;
            push @what, 'size';
        } elsif ($m < 0.45) {
            $body =~ s/chunk-signature=[0-9a-f]+/'chunk-signature='
                . pick(['', 'z' x 64, '0' x 63, '0' x 65])/e;
            push @what, 'signature';
        } elsif ($m < 0.6) {
            $body =~ s/\r\n\r\n$/\r\n/ if rand() < 0.5;
            $body .= pick([ "x-amz-checksum-crc32:AAAAAA==\r\n\r\n",
                "bad trailer\r\n\r\n", "x-amz-trailer-signature:\r\n\r\n",
                ':' x 3000 ]);
            push @what, 'trailer';
        } else {
            $body = mutate_bytes($body);
            push @what, 'bytes';
        }
    }

    my $raw = serialize('PUT', $u, $hh, $body);
    $raw = mutate_length($raw) if rand() < 0.1;

    return ($raw, join(', ', @what));
}

# POST Object: a SigV4 form whose policy allows it, fields mutated

sub form {
    my ($self) = @_;
    my $t = $self->{t};
    my $b = $self->{bucket};
    my $time = time();
    my $date = amz_date($time);
    my $day = substr($date, 0, 8);
    my $cred = $t->access_key . "/$day/us-east-1/s3/aws4_request";
    my $exp = strftime('%Y-%m-%dT%H:%M:%S.000Z', gmtime($time + 3600));

    my @cond = ("{\"bucket\":\"$b\"}", '["starts-with","$key","form/"]',
        '{"acl":"public-read"}', '["starts-with","$Content-Type",""]',
        '["content-length-range",0,4096]',
        "{\"x-amz-credential\":\"$cred\"}",
        '{"x-amz-algorithm":"AWS4-HMAC-SHA256"}',
        "{\"x-amz-date\":\"$date\"}");
    my @what = ('form');

    if (rand() < 0.4) {
        my $i = int(rand(@cond));
        $cond[$i] = pick([ '["eq","$key"]', '["starts-with"]', '{}', '[]',
            '["content-length-range",-1,"x"]', '{"a":1,"b":2}', '"x"',
            '[' x 20, '{"x-amz-meta-' . nasty() . '":""}',
            '["eq","$' . nasty() . '","v"]' ]);
        push @what, 'condition';
    }

    my $policy = "{\"expiration\":\"$exp\",\"conditions\":["
        . join(',', @cond) . ']}';
    $policy = mutate_bytes($policy) if rand() < 0.15;
    my $b64 = encode_base64($policy, '');
    my $sig = hmac_sha256_hex($b64, signing_key($t->secret_key, $day));

    my @f = (key => 'form/${filename}', acl => 'public-read',
        'Content-Type' => 'text/plain', 'X-Amz-Credential' => $cred,
        'X-Amz-Algorithm' => 'AWS4-HMAC-SHA256', 'X-Amz-Date' => $date,
        Policy => $b64, 'X-Amz-Signature' => $sig);

    if (rand() < 0.4) {
        my $i = 2 * int(rand(@f / 2));
        $f[$i + 1] = nasty();
        push @what, "field $f[$i]";
    }
    push @f, pick([ 'x-amz-meta-a', 'success_action_status', 'redirect',
        'success_action_redirect', 'tagging', 'file' ]) => nasty()
        if rand() < 0.3;

    my $bd = 'fz' . int(rand(1e6));
    my $body = '';
    while (my ($k, $v) = splice @f, 0, 2) {
        $body .= "--$bd\r\nContent-Disposition: form-data; name=\"$k\""
            . "\r\n\r\n$v\r\n";
    }
    $body .= "--$bd\r\nContent-Disposition: form-data; name=\"file\"; "
        . 'filename="' . (rand() < 0.8 ? 'a.txt' : nasty()) . "\"\r\n"
        . "Content-Type: text/plain\r\n\r\n" . body_bytes(int(rand(100)))
        . "\r\n--$bd--\r\n";

    if (rand() < 0.3) {
        $body = mutate_bytes($body);
        push @what, 'bytes';
    }

    my $raw = serialize('POST', "/$b", {
        Host => '127.0.0.1:' . $t->port,
        'Content-Type' => "multipart/form-data; boundary=$bd" }, $body);

    return ($raw, join(', ', @what));
}

sub presigned {
    my ($self) = @_;
    my $t = $self->{t};
    my %q;
    $q{ pick(\@ARGS) } = nasty() if rand() < 0.5;
    for (keys %q) {
        $q{$_} =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
    }
    my $method = pick([ 'GET', 'HEAD', 'DELETE' ]);
    my $uri = presign($t, $method, "/$self->{bucket}/obj",
        expires => pick([ 1, 3600, 604800, 604801 ]), query => \%q);
    my $raw = "$method $uri HTTP/1.1\r\nHost: 127.0.0.1:" . $t->port
        . "\r\nConnection: close\r\n\r\n";
    $raw = mutate_bytes($raw) if rand() < 0.3;
    return ($raw, 'presigned');
}

sub v2_request {
    my ($self) = @_;
    my $t = $self->{t};
    my $d = strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime());
    my $res = "/$self->{bucket}/obj" . (rand() < 0.3 ? '?acl' : '');
    my $sts = "GET\n\n\n$d\n$res";
    my $sig = sigv2($t->secret_key, $sts);
    my $raw = "GET $res HTTP/1.1\r\nHost: 127.0.0.1:" . $t->port
        . "\r\nDate: $d\r\nAuthorization: AWS " . $t->access_key . ":$sig"
        . "\r\nConnection: close\r\n\r\n";
    $raw = mutate_bytes($raw) if rand() < 0.4;
    return ($raw, 'sigv2');
}

1;
