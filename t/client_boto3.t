#!/usr/bin/perl

# The current boto3 (the python3 on PATH: boto3/botocore 1.3x-1.4x, which
# sends flexible checksums by default and, over https, aws-chunked bodies
# with a CRC trailer): put/get/list/copy/delete, ranges, metadata,
# presigned URLs, over http and https.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients;
use SOS::Multipart;

my ($t, $c) = SOS::Clients->start(tls => 1);

SOS::Clients::boto3_suite($c, $c->python);
SOS::Multipart::boto3($c, $c->python);

$t->stop_ok;

done_testing();
