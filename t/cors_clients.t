#!/usr/bin/perl

# CORS with real clients: aws s3api put-bucket-cors / get-bucket-cors /
# delete-bucket-cors (aws-cli 1.x from pip), boto3's put/get/delete
# calls, and a preflight and a GET answered from the rules they stored.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients qw(write_file);
use SOS::Test;

my ($t, $c) = SOS::Clients->start;

my $aws = $c->aws_v1;

$c->ok_run('aws s3api create-bucket',
    [ @$aws, 's3api', 'create-bucket', '--bucket', 'cors-cli' ]);

write_file($c->work . '/cors.json', <<'JSON');
{"CORSRules": [{"AllowedOrigins": ["https://site.example"],
                "AllowedMethods": ["GET", "HEAD"],
                "AllowedHeaders": ["x-amz-*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 120}]}
JSON

$c->ok_run('aws s3api put-bucket-cors',
    [ @$aws, 's3api', 'put-bucket-cors', '--bucket', 'cors-cli',
      '--cors-configuration', 'file://cors.json' ]);

my $r = $c->ok_run('aws s3api get-bucket-cors',
    [ @$aws, 's3api', 'get-bucket-cors', '--bucket', 'cors-cli' ]);
my $got = eval { SOS::Clients::json($r->{out}) } || {};
is_deeply($got->{CORSRules}, [ { AllowedOrigins => ['https://site.example'],
    AllowedMethods => [ 'GET', 'HEAD' ], AllowedHeaders => ['x-amz-*'],
    ExposeHeaders => ['ETag'], MaxAgeSeconds => 120 } ],
    '... the rules as put') or diag($r->{out});

my ($s, $h) = SOS::Test->parse($t->http(OPTIONS => '/cors-cli/k', headers => {
    Origin => 'https://site.example',
    'Access-Control-Request-Method' => 'GET',
    'Access-Control-Request-Headers' => 'x-amz-user-agent' }));
is($s, 200, 'a preflight allowed by them');
is($h->{'access-control-allow-headers'}, 'x-amz-user-agent',
    '... the header requested');
is($h->{'access-control-max-age'}, 120, '... their max age');

$c->ok_run('aws s3api delete-bucket-cors',
    [ @$aws, 's3api', 'delete-bucket-cors', '--bucket', 'cors-cli' ]);
$r = $c->fail_run('aws s3api get-bucket-cors after the delete',
    [ @$aws, 's3api', 'get-bucket-cors', '--bucket', 'cors-cli' ]);
like($r->{err}, qr/NoSuchCORSConfiguration/, '... NoSuchCORSConfiguration');

$r = $c->ok_run('boto3: CORS calls',
    [ $c->python, "$FindBin::Bin/clients/boto3_cors.py", $c->endpoint ]);
like($r->{out}, qr/^rules \[\('app', \['https:\/\/app\.example\.com'\], \['GET', 'PUT'\], \['\*'\], \['ETag'\], 600\), \(None, \['\*'\], \['GET'\], None, None, None\)\]$/m,
    'boto3: put_bucket_cors, get_bucket_cors');
like($r->{out}, qr/^invalid InvalidRequest Found unsupported HTTP method in CORS config\. Unsupported method is PATCH$/m,
    'boto3: an unsupported method');
like($r->{out}, qr/^deleted NoSuchCORSConfiguration$/m,
    'boto3: delete_bucket_cors');

$t->stop_ok;

done_testing();
