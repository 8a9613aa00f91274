#!/usr/bin/perl

# The harness's SigV4 signer against AWS's published S3 example
# ("Example: GET Object" in the Signature Version 4 documentation).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Test;

my $auth = SOS::Test::sigv4_authorization(
    method => 'GET',
    path => '/test.txt',
    query => '',
    headers => {
        Host => 'examplebucket.s3.amazonaws.com',
        Range => 'bytes=0-9',
        'x-amz-content-sha256' => 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4'
                                  . '649b934ca495991b7852b855',
        'x-amz-date' => '20130524T000000Z',
    },
    date => '20130524T000000Z',
    payload => 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    access => 'AKIAIOSFODNN7EXAMPLE',
    secret => 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    region => 'us-east-1');

is($auth, 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/'
    . 'us-east-1/s3/aws4_request,SignedHeaders=host;range;'
    . 'x-amz-content-sha256;x-amz-date,Signature='
    . 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    'AWS example: GET Object');

done_testing();
