#!/usr/bin/perl

# aws-cli 1.x from pip, beside the current boto3/botocore (the generation
# that sends flexible checksums, and aws-chunked bodies with a CRC trailer
# over https): s3 mb/cp/ls/sync/rm/rb/presign and s3api calls, over http
# and, for uploads and sync, over https.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients;
use SOS::Multipart;

my ($t, $c) = SOS::Clients->start(tls => 1);

my $v = $c->run([ @{ $c->aws_v1 }, '--version' ]);
like($v->{out} . $v->{err}, qr{^aws-cli/1\.}, 'aws-cli 1.x')
    or diag($v->{out} . $v->{err});
note($v->{out} . $v->{err});

SOS::Clients::awscli_suite($c, $c->aws_v1, $c->aws_v1(tls => 1), 1);
SOS::Multipart::awscli($c, $c->aws_v1, 'v1');

$t->stop_ok;

done_testing();
