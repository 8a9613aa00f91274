#!/usr/bin/perl

# Object keys: a key must be one a later request can name and an XML
# listing can carry exactly.  Refused: NUL, the C0 controls XML 1.0 cannot
# carry, invalid UTF-8 (path: 400 InvalidURI; POST form key and
# x-amz-copy-source: 400 InvalidArgument).  Allowed: tab, LF, CR; listings
# write CR as a character reference (boto3 round trip, with and without
# encoding-type=url).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Test;

my $t = SOS::Test->new->run;

sub status_of { (SOS::Test->parse($_[0]))[0] }
sub body_of { (SOS::Test->parse($_[0]))[2] }

is(status_of($t->s3(PUT => '/keys')), 200, 'bucket');

# the path

for my $k ('a%01b', 'a%08', '%0Bx', 'x%0C', 'a%1Fb', 'a%FFb', '%C3',
    '%C0%AF', '%ED%A0%80', '%EF%BF%BE', '%F4%90%80%80')
{
    my $r = $t->s3(PUT => "/keys/$k", body => 'x');
    is(status_of($r), 400, "PUT key $k: 400");
    like(body_of($r), qr{<Code>InvalidURI</Code>}, 'InvalidURI');
}
for my $op ([ GET => '' ], [ HEAD => '' ], [ POST => '?uploads' ]) {
    is(status_of($t->s3($op->[0] => "/keys/a%01b$op->[1]")), 400,
        "$op->[0]$op->[1] of a key with 0x01: 400");
}
is(status_of($t->s3(DELETE => '/keys/a%01b')), 204,
    'DeleteObject takes any key (an older store may hold it)');

for my $k ('tab%09x', 'lf%0Ax', 'cr%0Dx', 'caf%C3%A9', '%F0%9F%98%80',
    '%7F')
{
    is(status_of($t->s3(PUT => "/keys/$k", body => $k)), 200,
        "PUT key $k: 200");
    is(body_of($t->s3(GET => "/keys/$k")), $k, 'read back');
}

my $list = body_of($t->s3(GET => '/keys?list-type=2'));
like($list, qr{<Key>cr&#xD;x</Key>}, 'CR listed as &#xD;');
like($list, qr{<Key>lf\nx</Key>}, 'LF listed as is (parsers keep it)');
like($list, qr{<Key>tab\tx</Key>}, 'tab listed as is');
$list = body_of($t->s3(GET => '/keys?list-type=2&encoding-type=url'));
like($list, qr{<Key>cr%0Dx</Key>}, 'encoding-type=url: %0D');

# what a request echoes into XML is well-formed whatever it sent: a byte
# that starts no valid UTF-8 sequence becomes U+FFFD, valid UTF-8 stays

$list = body_of($t->s3(GET => '/keys?list-type=2&prefix=a%C0%80%FFz'));
like($list, qr{<Prefix>a&#xFFFD;&#xFFFD;&#xFFFD;z</Prefix>},
    'invalid UTF-8 in an echoed prefix: U+FFFD for each byte');
unlike($list, qr{[\x{80}-\x{ff}]}, 'no byte of it in the XML');
$list = body_of($t->s3(GET => '/keys?list-type=2&prefix=caf%C3%A9'));
like($list, qr{<Prefix>caf\x{c3}\x{a9}</Prefix>}, 'valid UTF-8 kept');

# x-amz-copy-source

my $r = $t->s3(PUT => '/keys/copy',
    headers => { 'x-amz-copy-source' => '/keys/a%01b' });
is(status_of($r), 400, 'x-amz-copy-source with 0x01: 400');
like(body_of($r), qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');
is(status_of($t->s3(PUT => '/keys/copy',
    headers => { 'x-amz-copy-source' => '/keys/caf%C3%A9' })), 200,
    'x-amz-copy-source with UTF-8: 200');

# the POST form key, as an anonymous form (a public-read-write bucket)

is(status_of($t->s3(PUT => '/drop',
    headers => { 'x-amz-acl' => 'public-read-write' })), 200,
    'a public-read-write bucket');

sub post {
    my ($key, %o) = @_;
    my $b = 'keysboundary';
    my $fn = $o{filename} // 'f.txt';
    my $body = "--$b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n"
        . "$key\r\n--$b\r\nContent-Disposition: form-data; name=\"file\"; "
        . "filename=\"$fn\"\r\n\r\nform\r\n--$b--\r\n";
    return $t->http(POST => '/drop', body => $body,
        headers => { 'Content-Type' => "multipart/form-data; boundary=$b" });
}

for my $case ([ "nul\x00key", 'NUL' ], [ "a\x01b", '0x01' ],
    [ "bad\xffutf8", 'invalid UTF-8' ])
{
    $r = post($case->[0]);
    is(status_of($r), 400, "form key with $case->[1]: 400");
    like(body_of($r), qr{<Code>InvalidArgument</Code>}, 'InvalidArgument');
}
$r = post('up/${filename}', filename => "x\x02y");
is(status_of($r), 400, '${filename} with 0x02: 400');
is(status_of(post("tab\tkey")), 204, 'form key with a tab: 204');

my $drop = body_of($t->s3(GET => '/drop?list-type=2&encoding-type=url'));
unlike($drop, qr{<Key>(?:nul|a%01|bad|up/)}, 'none of the refused is stored');
is(status_of($t->s3(DELETE => '/drop/tab%09key')), 204, 'delete the one');
is(status_of($t->s3(DELETE => '/drop')), 204,
    'the bucket can be deleted: nothing undeletable in it');

# boto3: keys with tab, LF, CR round-trip byte for byte

is(status_of($t->s3(PUT => '/boto')), 200, 'bucket for boto3');
my @cmd = ('python3', "$FindBin::Bin/keys/boto3_keys.py",
    'http://127.0.0.1:' . $t->port, $t->access_key, $t->secret_key, 'boto');
my $out = '';
eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm(120);
    open my $fh, '-|', @cmd or die "boto3_keys: $!\n";
    local $/;
    $out = <$fh> // '';
    close $fh;
    alarm(0);
};
alarm(0);
is($@, '', 'boto3 script ran');
my $n = 0;
for (split /\n/, $out) {
    if (/^(not )?ok - (.*?)(?: # (.*))?$/) {
        $n++;
        ok(!$1, "boto3: $2") or diag($3 // '');
    } else {
        diag($_);
    }
}
ok($n >= 10, "boto3 script reported ($n checks)");

$t->stop_ok;

done_testing();
