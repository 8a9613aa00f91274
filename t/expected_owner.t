#!/usr/bin/perl

# x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner: a
# bucket owned by anyone but the organization named is 403 AccessDenied
# before anything is read or written; the right owner goes on as usual.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Select;
use Test::More;

use SOS::Test;

my $t = SOS::Test->new;
my ($rc, $out, $err) = $t->sosctl('org', 'create', 'other');
die "sosctl org create: $err" if $rc;
($rc, $out, $err) = $t->sosctl('key', 'create', 'other');
die "sosctl key create: $err" if $rc;
my %other = (access => ($out =~ /^aws_access_key_id = (\S+)/m)[0],
             secret => ($out =~ /^aws_secret_access_key = (\S+)/m)[0]);
$t->run;

sub req { return SOS::Test->parse($t->s3(@_)) }

sub owner_id {
    my (%who) = @_;
    my (undef, undef, $body) = req(GET => '/', %who);
    return ($body =~ m{<Owner><ID>([0-9a-f]+)</ID>})[0];
}

my $dev = owner_id();
my $oth = owner_id(%other);
ok($dev && $oth && $dev ne $oth, 'two organizations, two ids');

is((req(PUT => '/mine'))[0], 200, 'a bucket of dev');
is((req(PUT => '/mine/k', body => 'mine'))[0], 200, 'an object in it');
is((req(PUT => '/theirs', %other,
    headers => { 'x-amz-acl' => 'public-read-write' }))[0], 200,
    'a bucket of the other organization, writable by all');
is((req(PUT => '/theirs/k', body => 'theirs', %other,
    headers => { 'x-amz-acl' => 'public-read' }))[0], 200,
    'an object in it, readable by all');

my $x = 'x-amz-expected-bucket-owner';
my $xs = 'x-amz-source-expected-bucket-owner';

sub denied {
    my ($name, @r) = @_;
    my ($st, $h, $body) = req(@r);
    subtest $name => sub {
        is($st, 403, 'status 403');
        like($body, qr{<Code>AccessDenied</Code>}, 'AccessDenied')
            unless $r[0] eq 'HEAD';
    };
}

# the right owner: as without the header

my ($st, $h, $body) = req(GET => '/mine/k', headers => { $x => $dev });
is($body, 'mine', 'GetObject, own bucket, own id: the object');
is((req(PUT => '/mine/k2', body => 'v', headers => { $x => $dev }))[0], 200,
    'PutObject, own id: stored');
is((req(GET => '/mine', headers => { $x => $dev }))[0], 200,
    'ListObjects, own id');
is((req(HEAD => '/mine', headers => { $x => $dev }))[0], 200,
    'HeadBucket, own id');
($st, $h, $body) = req(GET => '/theirs/k', headers => { $x => $oth });
is($body, 'theirs', 'GetObject, their bucket, their id: the object');

# another owner

denied('GetObject, own bucket, their id', GET => '/mine/k',
    headers => { $x => $oth });
denied('HeadObject, own bucket, their id', HEAD => '/mine/k',
    headers => { $x => $oth });
denied('ListObjects, own bucket, their id', GET => '/mine',
    headers => { $x => $oth });
denied('DeleteObject, own bucket, their id', DELETE => '/mine/k',
    headers => { $x => $oth });
denied('DeleteBucket, own bucket, their id', DELETE => '/mine',
    headers => { $x => $oth });
denied('PutObject into their bucket, expecting ours', PUT => '/theirs/new',
    body => 'v', headers => { $x => $dev });
denied('GetObject from their bucket, expecting ours', GET => '/theirs/k',
    headers => { $x => $dev });
denied('a value that is no id', GET => '/mine/k',
    headers => { $x => '123456789012' });
denied('an id and more', GET => '/mine/k',
    headers => { $x => $dev . '0' });

is((req(GET => '/mine/k'))[2], 'mine', 'the refused delete left the object');
($st, $h, $body) = req(GET => '/theirs', %other);
unlike($body, qr{<Key>new</Key>}, 'the refused write made nothing');

# no such bucket: the operation says so
($st, $h, $body) = req(GET => '/nobucket/k', headers => { $x => $dev });
is($st, 404, 'no such bucket: 404');
like($body, qr{<Code>NoSuchBucket</Code>}, 'NoSuchBucket');

# copies: the source's owner

is((req(PUT => '/mine/c1',
    headers => { 'x-amz-copy-source' => '/theirs/k', $xs => $oth }))[0],
    200, 'CopyObject, source owner as expected');
denied('CopyObject, source of another owner', PUT => '/mine/c2',
    headers => { 'x-amz-copy-source' => '/theirs/k', $xs => $dev });
denied('CopyObject, destination of another owner', PUT => '/mine/c3',
    headers => { 'x-amz-copy-source' => '/theirs/k', $xs => $oth,
                 $x => $oth });
is((req(PUT => '/mine/c4',
    headers => { 'x-amz-copy-source' => '/theirs/k', $xs => $oth,
                 $x => $dev }))[0],
    200, 'CopyObject, both owners as expected');
is((req(HEAD => '/mine/c2'))[0], 404, 'the refused copy made nothing');

# refused before the body: no "100 Continue"

{
    my $s = $t->connect;
    print $s $t->s3_request(PUT => '/mine/expect', body => 'hello',
        headers => { Expect => '100-continue', 'Content-Length' => 5,
        $x => $oth });
    my $r = '';
    my $sel = IO::Select->new($s);
    my $deadline = time() + 5;
    while ($r !~ m{</Error>} && time() < $deadline
        && $sel->can_read($deadline - time()))
    {
        last unless sysread($s, $r, 65536, length $r);
    }
    like($r, qr{^HTTP/1\.1 403 .*<Code>AccessDenied</Code>}s,
        'refused with Expect: 403');
    unlike($r, qr{100 Continue}, 'refused with Expect: no 100 Continue');
}

$t->stop_ok;

done_testing();
