#!/usr/bin/perl

# x-amz-website-redirect-location through the S3 API: stored by PutObject,
# CreateMultipartUpload (then CompleteMultipartUpload) and CopyObject,
# returned by GetObject and HeadObject, checked where it enters
# (InvalidRedirectLocation), and, as S3, not copied from a copy's source.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Test;

my $t = SOS::Test->new->run;

my $H = 'x-amz-website-redirect-location';

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code {
    my ($body) = @_;
    return $body =~ m{<Code>([^<]*)</Code>} ? $1 : '';
}

sub redirect_of {
    my ($key) = @_;
    my ($st, $hd) = req(HEAD => "/red/$key");
    return $st == 200 ? $hd->{$H} : "status $st";
}

is((req(PUT => '/red'))[0], 200, 'bucket');

# PutObject: each form S3 takes

for my $v ('/other.html', 'http://example.com/', 'https://example.com/a?b=c',
    '/' . ('x' x 2047))
{
    my ($st) = req(PUT => '/red/k', body => 'x', headers => { $H => $v });
    is($st, 200, 'PutObject with redirect ' . substr($v, 0, 30));
    is(redirect_of('k'), $v, 'HEAD returns it');
}

my ($st, $hd, $body) = req(GET => '/red/k');
is($hd->{$H}, '/' . ('x' x 2047), 'GET returns it');

($st, $hd) = req(PUT => '/red/plain', body => 'x');
ok(!exists((req(HEAD => '/red/plain'))[1]->{$H}), 'none when none was given');

# refused: no prefix S3 knows, too long, a control character

for my $case (['other.html', 'no leading /'], ['ftp://example.com/', 'ftp'],
    ['http://', 'a scheme alone'], ['HTTP://example.com/', 'upper case'],
    ['/' . ('x' x 2048), '2049 bytes'], ["/a\x01b", 'a control character'])
{
    ($st, $hd, $body) = req(PUT => '/red/bad', body => 'x',
        headers => { $H => $case->[0] });
    is($st, 400, "PutObject, $case->[1]: 400");
    is(code($body), 'InvalidRedirectLocation',
        "PutObject, $case->[1]: InvalidRedirectLocation");
}
is((req(HEAD => '/red/bad'))[0], 404, 'nothing stored by a refused write');

# CreateMultipartUpload keeps it for the object CompleteMultipartUpload makes

($st, $hd, $body) = req(POST => '/red/mp?uploads',
    headers => { $H => '/after-upload' });
is($st, 200, 'CreateMultipartUpload with a redirect');
my ($id) = $body =~ m{<UploadId>([^<]+)</UploadId>};
($st, $hd) = req(PUT => "/red/mp?partNumber=1&uploadId=$id", body => 'part');
my $etag = $hd->{etag};
($st) = req(POST => "/red/mp?uploadId=$id",
    body => '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
        . "<ETag>$etag</ETag></Part></CompleteMultipartUpload>");
is($st, 200, 'CompleteMultipartUpload');
is(redirect_of('mp'), '/after-upload', 'the completed object has it');

($st, $hd, $body) = req(POST => '/red/mp2?uploads',
    headers => { $H => 'nowhere' });
is(code($body), 'InvalidRedirectLocation',
    'CreateMultipartUpload checks it too');

# CopyObject: never copied from the source; the request's is stored

req(PUT => '/red/src', body => 'source', headers => { $H => '/from-source' });

($st) = req(PUT => '/red/copy1', headers => { 'x-amz-copy-source' => '/red/src' });
is($st, 200, 'CopyObject (COPY)');
ok(!defined redirect_of('copy1'), 'COPY does not copy the redirect');

($st) = req(PUT => '/red/copy2', headers => {
    'x-amz-copy-source' => '/red/src', $H => '/given' });
is(redirect_of('copy2'), '/given', 'COPY takes the request\'s redirect');

($st) = req(PUT => '/red/copy3', headers => {
    'x-amz-copy-source' => '/red/src',
    'x-amz-metadata-directive' => 'REPLACE', $H => 'https://example.org/' });
is(redirect_of('copy3'), 'https://example.org/', 'REPLACE takes it');

($st, $hd, $body) = req(PUT => '/red/copy4', headers => {
    'x-amz-copy-source' => '/red/src', $H => 'bad' });
is(code($body), 'InvalidRedirectLocation', 'CopyObject checks it');

# a copy onto itself that changes only the redirect is allowed, as S3

($st) = req(PUT => '/red/src', headers => {
    'x-amz-copy-source' => '/red/src', $H => '/changed' });
is($st, 200, 'self-copy changing the redirect');
is(redirect_of('src'), '/changed', 'the redirect changed');
is((req(GET => '/red/src'))[2], 'source', 'the bytes did not');

($st, $hd, $body) = req(PUT => '/red/src', headers => {
    'x-amz-copy-source' => '/red/src' });
is(code($body), 'InvalidRequest', 'self-copy changing nothing: refused');

$t->stop_ok;

done_testing();
