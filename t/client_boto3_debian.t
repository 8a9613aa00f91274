#!/usr/bin/perl

# Debian's python3-boto3 (1.26, before flexible checksums became the
# default) with /usr/bin/python3: the same checks as client_boto3.t.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients;
use SOS::Multipart;

my ($t, $c) = SOS::Clients->start(tls => 1);

my $py = $c->debian_python;
my $v = $c->run([ $py, '-c', 'import boto3; print(boto3.__version__)' ]);
ok($v->{rc} == 0, "Debian's python3-boto3 imports") or diag($v->{err});
note("python3-boto3 $v->{out}");

SOS::Clients::boto3_suite($c, $py);
SOS::Multipart::boto3($c, $py);

$t->stop_ok;

done_testing();
