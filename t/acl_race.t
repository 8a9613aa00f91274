#!/usr/bin/perl

# PutObjectAcl and PutBucketAcl racing writes: an ACL lands on the object
# or bucket whose ACL the authorization step checked, never on one written
# or created after the check.  Mallory sets ACLs in a loop from two
# processes, with grants by e-mail that make the job look organizations up
# between the check and the write; meanwhile, round after round, dev's
# private object replaces mallory's under a key of a bucket both may
# write, or dev creates the bucket name mallory just deleted.  A stale
# change is answered 409 OperationAborted.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;

my $ALL = 'http://acs.amazonaws.com/groups/global/AllUsers';
my $SECONDS = 2;
my $ROUNDS = 200;

my $t = SOS::Test->new;

my ($rc, $out, $err) = $t->sosctl('org', 'create', 'mallory', '--email',
                                  'mallory@example.com');
die "sosctl org create: $err" if $rc;
my ($mallory_id) = $out =~ /^id:\s+(\S+)/m or die "no id: $out";
($rc, $out, $err) = $t->sosctl('key', 'create', 'mallory');
die "sosctl key create: $err" if $rc;
my %mallory = (access => ($out =~ /^aws_access_key_id = (\S+)/m)[0],
               secret => ($out =~ /^aws_secret_access_key = (\S+)/m)[0]);

$t->run;

my $dir = $t->dir;

sub status { (SOS::Test->parse($_[0] // ''))[0] // 0 }

# 98 e-mail lookups between the check and the write

my $lookups = join '', map { qq{, emailAddress="mallory\@example.com"} }
                       1 .. 98;

# Mallory's request in a loop from two processes while round() returns
# false, for $SECONDS at most: the number of rounds, whether one leaked,
# and how mallory's requests were answered.

sub race {
    my ($name, $attack, $round) = @_;

    my @kids;

    for my $n (1 .. 2) {
        my $pid = fork() // die "fork: $!";

        if ($pid == 0) {
            my %seen;
            my $end = time() + $SECONDS;

            while (time() < $end && !-e "$dir/$name.done") {
                my ($st, $h, $b) = SOS::Test->parse($attack->());
                my $code = ($b // '') =~ m{<Code>([^<]*)</Code>} ? $1 : '';
                $seen{($st // 0) . ($code ? " $code" : '')}++;
            }

            open my $fh, '>', "$dir/$name.$n" or POSIX::_exit(1);
            print $fh "$_\t$seen{$_}\n" for sort keys %seen;
            close $fh;
            POSIX::_exit(0);
        }

        push @kids, $pid;
    }

    my ($rounds, $leaked) = (0, 0);
    my $end = time() + $SECONDS;

    while (time() < $end && $rounds < $ROUNDS && !$leaked) {
        $rounds++;
        $leaked = $round->();
    }

    open my $fh, '>', "$dir/$name.done" or die "$name.done: $!";
    close $fh;
    waitpid($_, 0) for @kids;

    my %seen;
    for my $n (1 .. 2) {
        # an attacker that died or sent nothing reports nothing
        ok(length $t->read_file("$name.$n"), "$name: attacker $n answered")
            or next;
        for (split /\n/, $t->read_file("$name.$n")) {
            my ($answer, $count) = split /\t/;
            $seen{$answer} += $count;
        }
    }

    return ($rounds, $leaked, \%seen);
}

sub answers_ok {
    my ($what, $seen) = @_;

    my %expected = map { $_ => 1 } '200', '403 AccessDenied',
                                   '404 NoSuchBucket', '409 OperationAborted';

    ok(!grep({ !$expected{$_} } keys %$seen),
       "$what: 200, 403, 404 NoSuchBucket or 409 OperationAborted")
        or diag(explain $seen);
    note("$what: " . join ', ', map { "$_: $seen->{$_}" } sort keys %$seen);
}

# PutObjectAcl: public-read on mallory's object, dev's secret written

is(status($t->s3(PUT => '/race',
                 headers => { 'x-amz-acl' => 'public-read-write' })),
   200, 'a bucket both may write');
$t->s3(PUT => '/race/x', body => 'mallory', %mallory);

my ($rounds, $leaked, $seen) = race('object', sub {
    $t->s3(PUT => '/race/x?acl',
           headers => { 'x-amz-grant-read' => qq{uri="$ALL"$lookups} },
           %mallory);
}, sub {
    $t->s3(PUT => '/race/x', body => 'mallory', %mallory);
    $t->s3(PUT => '/race/x', body => 'SECRET',
           headers => { 'x-amz-acl' => 'private' });

    # a PutObjectAcl that checked mallory's object ends meanwhile
    sleep(0.01);

    return ($t->http(GET => '/race/x') // '') =~ /\r\n\r\nSECRET\z/ ? 1 : 0;
});

is($leaked, 0, "dev's private object never readable by all "
               . "($rounds rounds)");
answers_ok('PutObjectAcl', $seen);

# PutBucketAcl: FULL_CONTROL for mallory on mallory's bucket, deleted and
# created again by dev

$t->s3(PUT => '/race-bucket', %mallory);

($rounds, $leaked, $seen) = race('bucket', sub {
    $t->s3(PUT => '/race-bucket?acl',
           headers => { 'x-amz-grant-full-control' =>
                        qq{id="$mallory_id"$lookups} },
           %mallory);
}, sub {
    $t->s3(DELETE => '/race-bucket', %mallory);
    $t->s3(PUT => '/race-bucket');

    # a PutBucketAcl that checked mallory's bucket ends meanwhile
    sleep(0.01);

    my $acl = $t->s3(GET => '/race-bucket?acl') // '';
    $t->s3(DELETE => '/race-bucket');
    $t->s3(PUT => '/race-bucket', %mallory);

    return $acl =~ /\Q$mallory_id\E/ ? 1 : 0;
});

is($leaked, 0, "dev's new bucket never grants mallory ($rounds rounds)");
answers_ok('PutBucketAcl', $seen);

$t->stop_ok;

done_testing();
