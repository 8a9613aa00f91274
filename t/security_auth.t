#!/usr/bin/perl

# Authentication and request-parsing hardening: a bad x-amz-copy-source
# ends the request (CopyObject, UploadPartCopy), an empty
# x-amz-content-sha256 is refused.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Test;

my $t = SOS::Test->new(http => 'sos_domain s3.localhost;')->run;
my $port = $t->port;

sub code {
    my ($r) = @_;
    my ($status, $h, $body) = SOS::Test->parse($r);
    my ($code) = $body =~ m{<Code>([^<]*)</Code>};
    return "$status " . ($code || '');
}

# the worker: a crash would show as a new one, forked by the master

sub worker_pid {
    my $master = $t->master_pid or return 0;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // '';
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        return $pid if $ppid == $master;
    }
    return 0;
}

is(code($t->s3(PUT => '/pub',
        headers => { 'x-amz-acl' => 'public-read-write' })),
    '200 ', 'public-read-write bucket');
is(code($t->s3(PUT => '/pub/src', body => 'data')), '200 ', 'source object');

my $worker = worker_pid();
ok($worker, 'worker pid');

# ------------------------------------------------ bad x-amz-copy-source

for my $src ('ENABLED', '/pub', 'pub/', '/', '') {
    my $r = $t->http(PUT => '/pub/dst',
        headers => { 'x-amz-copy-source' => $src });
    is(code($r), '400 InvalidArgument',
        "anonymous CopyObject, copy source '$src'");
}

my $r = $t->s3(PUT => '/pub/dst',
    headers => { 'x-amz-copy-source' => 'ENABLED' });
is(code($r), '400 InvalidArgument', 'signed CopyObject, bad copy source');

$r = $t->http(PUT => '/pub/dst',
    headers => { 'x-amz-copy-source' => '/pub/' . ('k' x 1100) });
is(code($r), '400 KeyTooLongError', 'anonymous CopyObject, key too long');

$r = $t->s3(POST => '/pub/mp?uploads');
my ($upload) = $r =~ m{<UploadId>([^<]+)</UploadId>};
ok($upload, 'CreateMultipartUpload');

for my $src ('ENABLED', '/pub/' . ('k' x 1100)) {
    $r = $t->s3(PUT => "/pub/mp?partNumber=1&uploadId=$upload",
        headers => { 'x-amz-copy-source' => $src });
    like(code($r), qr/^400 (InvalidArgument|KeyTooLongError)$/,
        'UploadPartCopy, bad copy source ' . substr($src, 0, 10));
}

$r = $t->http(PUT => "/pub/mp?partNumber=1&uploadId=$upload",
    headers => { 'x-amz-copy-source' => 'ENABLED' });
like(code($r), qr/^40[03] /, 'anonymous UploadPartCopy, bad copy source');

# the refused request is over once answered: the next one on the same
# connection is answered too (a copy job still running for the refused
# request used to hold the connection, then close it)

sub pipelined {
    my ($first) = @_;
    my $second = $t->s3_request(GET => '/pub/src');
    $second =~ s/\r\n\r\n$/\r\nConnection: close\r\n\r\n/;
    my $r = $t->raw($first . $second) // '';
    my @status = $r =~ m{^HTTP/1\.1 (\d{3}) }mg;
    return "@status";
}

is(pipelined("PUT /pub/dst HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
        . "x-amz-copy-source: ENABLED\r\nContent-Length: 0\r\n\r\n"),
    '400 200', 'anonymous CopyObject: 400, then the next request');
is(pipelined($t->s3_request(PUT => '/pub/dst',
        headers => { 'x-amz-copy-source' => '/pub/' . ('k' x 1100) })),
    '400 200', 'CopyObject, key too long: 400, then the next request');
is(pipelined($t->s3_request(PUT => "/pub/mp?partNumber=1&uploadId=$upload",
        headers => { 'x-amz-copy-source' => 'ENABLED' })),
    '400 200', 'UploadPartCopy: 400, then the next request');
is(pipelined($t->s3_request(PUT => "/pub/mp?partNumber=1&uploadId=$upload",
        headers => { 'x-amz-copy-source' => '/pub/' . ('k' x 1100) })),
    '400 200', 'UploadPartCopy, key too long: 400, then the next request');

ok($t->read_file('error.log') !~ /sos: SOS_EINVAL: key of/,
    'no copy job ran for a refused request');

is(code($t->s3(GET => '/pub/src')), '200 ', 'the worker still answers');
is(worker_pid(), $worker, '... and it is the same worker');
is(code($t->s3(PUT => '/pub/dst',
        headers => { 'x-amz-copy-source' => '/pub/src' })),
    '200 ', 'a good CopyObject still works');

# ------------------------------------------ empty x-amz-content-sha256

$r = $t->http(GET => '/pub/src', headers => { 'x-amz-content-sha256' => '' });
is(code($r), '400 InvalidArgument', 'anonymous, empty x-amz-content-sha256');
like($r, qr{<ArgumentName>x-amz-content-sha256</ArgumentName>},
    '... names the header');
is(code($t->s3(GET => '/pub/src', payload => ' ')),
    '400 InvalidArgument', 'SigV4, blank x-amz-content-sha256');

$t->stop_ok;

done_testing;
