package SOS::Auth;

# Signing helpers for the authentication and payload tests: a SigV4
# presigner (any date, expiry and extra parameters), SigV2 signatures, and
# an aws-chunked body builder with chunk and trailer signatures.  The
# harness's own SigV4 header signer is SOS::Test::s3_sign.

use strict;
use warnings;

use Digest::SHA qw(sha256_hex hmac_sha256 hmac_sha256_hex hmac_sha1_base64);
use Exporter qw(import);

use SOS::Test;

our @EXPORT_OK = qw(amz_date signing_key presign sigv2 aws_chunked
    seed_signature);

sub amz_date {
    my ($time) = @_;
    my @t = gmtime($time);
    return sprintf('%04d%02d%02dT%02d%02d%02dZ',
        $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
}

sub signing_key {
    my ($secret, $day, $region) = @_;
    my $k = hmac_sha256($day, "AWS4$secret");
    $k = hmac_sha256($region || 'us-east-1', $k);
    $k = hmac_sha256('s3', $k);
    return hmac_sha256('aws4_request', $k);
}

# A presigned URI (path and query) for $t's nginx.  $path is as sent.
#   time, expires, host, region, access, secret, query => { k => v }
#   (extra parameters, values already encoded), service, algorithm,
#   headers => { name => value } (lower-case names, signed with host; the
#   request must send them), no_host => 1 (leave host out of the signature)

sub presign {
    my ($t, $method, $path, %o) = @_;

    my $time = defined $o{time} ? $o{time} : time();
    my $date = amz_date($time);
    my $day = substr($date, 0, 8);
    my $region = $o{region} || 'us-east-1';
    my $scope = "$day/$region/" . ($o{service} || 's3') . '/aws4_request';
    my $access = $o{access} || $t->access_key;
    my $secret = $o{secret} || $t->secret_key;
    my $host = $o{host} || '127.0.0.1:' . $t->port;

    my %h = (($o{no_host} ? () : (host => $host)), %{ $o{headers} || {} });
    my $signed = join ';', sort keys %h;

    my %q = (
        'X-Amz-Algorithm' => $o{algorithm} || 'AWS4-HMAC-SHA256',
        'X-Amz-Credential' => SOS::Test::uri_escape("$access/$scope"),
        'X-Amz-Date' => $date,
        'X-Amz-Expires' => defined $o{expires} ? $o{expires} : 3600,
        'X-Amz-SignedHeaders' => SOS::Test::uri_escape($signed),
        %{ $o{query} || {} },
    );

    my $cq = join '&', map { "$_=$q{$_}" } sort keys %q;
    my $creq = join "\n", $method, $path, $cq,
        (map { "$_:$h{$_}" } sort keys %h), '', $signed, 'UNSIGNED-PAYLOAD';
    my $sts = join "\n", 'AWS4-HMAC-SHA256', $date, $scope, sha256_hex($creq);
    my $sig = hmac_sha256_hex($sts, signing_key($secret, $day, $region));

    return "$path?$cq&X-Amz-Signature=$sig";
}

# SigV2: base64 HMAC-SHA1 of the string to sign, padded

sub sigv2 {
    my ($secret, $sts) = @_;
    my $s = hmac_sha1_base64($sts, $secret);
    $s .= '=' while length($s) % 4;
    return $s;
}

# The Signature= of a SigV4 Authorization header

sub seed_signature {
    my ($authorization) = @_;
    my ($sig) = $authorization =~ /Signature=([0-9a-f]{64})/;
    return $sig;
}

# An aws-chunked body.
#   data, chunk (size, default 65536), signed => { key, seed, date, scope }
#   (signed chunks when given), trailer => [ name, value ] (trailing
#   header), bad_chunk => n (corrupt the signature of chunk n),
#   bad_trailer_sig => 1, final_crlf => 0 (omit the last empty line)

sub aws_chunked {
    my (%o) = @_;

    my $data = $o{data};
    my $size = $o{chunk} || 65536;
    my $s = $o{signed};
    my $prev = $s ? $s->{seed} : undef;
    my $empty = sha256_hex('');
    my @chunks;

    for (my $off = 0; $off < length $data; $off += $size) {
        push @chunks, substr($data, $off, $size);
    }
    push @chunks, '';

    my $out = '';
    my $n = 0;

    for my $c (@chunks) {
        $n++;
        $out .= sprintf('%x', length $c);

        if ($s) {
            my $sts = join "\n", 'AWS4-HMAC-SHA256-PAYLOAD', $s->{date},
                $s->{scope}, $prev, $empty, sha256_hex($c);
            my $sig = hmac_sha256_hex($sts, $s->{key});
            $prev = $sig;
            $sig =~ tr/0-9a-f/1-9a-f0/ if $o{bad_chunk} && $o{bad_chunk} == $n;
            $out .= ";chunk-signature=$sig";
        }

        $out .= "\r\n";
        $out .= "$c\r\n" if length $c;
    }

    if (my $tr = $o{trailer}) {
        my $line = "$tr->[0]:$tr->[1]";
        $out .= "$line\r\n";

        if ($s) {
            my $sts = join "\n", 'AWS4-HMAC-SHA256-TRAILER', $s->{date},
                $s->{scope}, $prev, sha256_hex("$line\n");
            my $sig = hmac_sha256_hex($sts, $s->{key});
            $sig =~ tr/0-9a-f/1-9a-f0/ if $o{bad_trailer_sig};
            $out .= "x-amz-trailer-signature:$sig\r\n";
        }
    }

    $out .= "\r\n" unless defined $o{final_crlf} && !$o{final_crlf};

    return $out;
}

1;
