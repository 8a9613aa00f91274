#!/usr/bin/perl

# Object Lock with the current boto3 (the python3 on PATH):
# t/clients/boto3_object_lock.py (create_bucket with
# ObjectLockEnabledForBucket, the lock configuration, ObjectLock* on
# put_object, copy_object and create_multipart_upload read back by
# head_object, retention and legal hold per version,
# BypassGovernanceRetention, and the refusals, an anonymous writer's
# and a retain-until in 9999 among them).
# The raw-HTTP cases, with the AWS references, are in t/object_lock.t.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients;

my ($t, $c) = SOS::Clients->start;

my $log_mark = length $t->read_file('error.log');
my $r = $c->run([ $c->python, "$FindBin::Bin/clients/boto3_object_lock.py",
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

ok($r->{rc} == 0 && $n == 29, "boto3 script ran to the end ($n checks)")
    or $c->show_failure($r, $log_mark);

$t->stop_ok;

done_testing();
