#!/usr/bin/perl

# Tagging with the current boto3 (the python3 on PATH):
# t/clients/boto3_tagging.py.  The raw-HTTP cases, with the AWS
# references, are in t/tagging.t and t/tagging_versions.t.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients;

my ($t, $c) = SOS::Clients->start;

my $log_mark = length $t->read_file('error.log');
my $r = $c->run([ $c->python, "$FindBin::Bin/clients/boto3_tagging.py",
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

ok($r->{rc} == 0 && $n == 26, "boto3 script ran to the end ($n checks)")
    or $c->show_failure($r, $log_mark);

$t->stop_ok;

done_testing();
