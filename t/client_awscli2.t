#!/usr/bin/perl

# Debian's awscli v2 (/usr/bin/aws): s3 mb/cp/ls/sync/rm/rb/presign and
# s3api calls, over http and, for uploads and sync, over https.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients;
use SOS::Multipart;

my ($t, $c) = SOS::Clients->start(tls => 1);

my $v = $c->run([ @{ $c->aws_v2 }, '--version' ]);
like($v->{out} . $v->{err}, qr{^aws-cli/2\.}, 'aws-cli 2.x')
    or diag($v->{out} . $v->{err});
note($v->{out} . $v->{err});

SOS::Clients::awscli_suite($c, $c->aws_v2, $c->aws_v2(tls => 1));
SOS::Multipart::awscli($c, $c->aws_v2, 'v2');

$t->stop_ok;

done_testing();
