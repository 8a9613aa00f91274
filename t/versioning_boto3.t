#!/usr/bin/perl

# Bucket versioning with the current boto3 (the python3 on PATH):
# t/clients/boto3_versioning.py (version ids of every write, get_object
# VersionId, delete markers, delete_objects with versions, the
# list_object_versions paginator); then rclone's --s3-versions listing of
# what the script left.  The raw-HTTP cases, with the AWS references, are
# in t/versioning.t.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients;

my ($t, $c) = SOS::Clients->start;

my $log_mark = length $t->read_file('error.log');
my $r = $c->run([ $c->python, "$FindBin::Bin/clients/boto3_versioning.py",
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

# rclone lists the old versions as name-v<time of the version>: page/a has
# seven versions, page/b three behind its delete marker

my @rclone = @{ $c->rclone };

$r = $c->ok_run('rclone lsf --s3-versions', [ @rclone, 'lsf',
    '--s3-versions', '--s3-list-chunk', '4', 'sos:ver-boto3/page/' ]);
my @names = sort split /\n/, $r->{out};
is(scalar(grep { $_ eq 'a' } @names), 1, 'rclone: the current page/a');
is(scalar(grep { /^a-v\d{4}-\d\d-\d\d-\d{6}-\d{3}$/ } @names), 6,
    'rclone: its six older versions');
is(scalar(grep { /^b-v\d{4}-\d\d-\d\d-\d{6}-\d{3}$/ } @names), 3,
    'rclone: the three versions of page/b');
ok(!grep({ $_ eq 'b' } @names), 'rclone: page/b itself is deleted');

$r = $c->ok_run('rclone lsf, current versions only', [ @rclone, 'lsf',
    'sos:ver-boto3/page/' ]);
is($r->{out}, "a\n", 'rclone without --s3-versions: the current objects');

$t->stop_ok;

done_testing();
