#!/usr/bin/perl

# Lifecycle with the current boto3 (the python3 on PATH):
# t/clients/boto3_lifecycle.py, against a server whose lifecycle day is
# 2 s.  The raw-HTTP cases, with the AWS and RGW references, are in
# t/lifecycle.t.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients;

my ($t, $c) = SOS::Clients->start(http => "sos_lifecycle_day 2s;\n"
    . "    sos_lifecycle_interval 1s;\n");

my $log_mark = length $t->read_file('error.log');
my $r = $c->run([ $c->python, "$FindBin::Bin/clients/boto3_lifecycle.py",
                  $c->endpoint ], timeout => 120);

my $n = 0;
for (split /\n/, $r->{out}) {
    if (/^(not )?ok - (.*?)(?: # (.*))?$/) {
        $n++;
        ok(!$1, $2) or diag($3 // '');
    } else {
        note($_);
    }
}

ok($r->{rc} == 0 && $n == 12, "boto3 script ran to the end ($n checks)")
    or $c->show_failure($r, $log_mark);

$t->stop_ok;

done_testing();
