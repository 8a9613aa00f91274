#!/usr/bin/perl

# Data at rest: after requests the data, index and replica directories
# are 0700 and their files 0600, too open modes found at start are fixed
# and logged, the index holds no secret in plaintext, and the key file
# that seals the secrets is checked (sos_key_file).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Find;
use Test::More;

use SOS::Test;

sub mode_of { (stat $_[0])[2] & 07777 }

sub status_of { (SOS::Test->parse($_[0]))[0] }

my $t = SOS::Test->new;
my $data = $t->data;

# a data dir left open (as by an older version, or by hand)

chmod 0755, $data, "$data/index", "$data/r1" or die "chmod: $!";
$t->run;

is(status_of($t->s3(PUT => '/private')), 200, 'create bucket');
is(status_of($t->s3(PUT => '/private/k', body => 'no one else reads this')),
    200, 'put object');

# the worker has opened the store once it answers

like($t->read_file('error.log'),
    qr/\[warn\].*sos: directory "\Q$data\E" had mode 0755, open to other users: changed to 0700/,
    'the open data dir is fixed, with a warn line naming it');
like($t->read_file('error.log'), qr/\[warn\].*"\Q$data\E\/index" had mode 0755/,
    'and the index dir');
like($t->read_file('error.log'), qr/\[warn\].*"\Q$data\E\/r1" had mode 0755/,
    'and the replica dir');

is(sprintf('%04o', mode_of($data)), '0700', 'data dir 0700');
is(sprintf('%04o', mode_of("$data/index")), '0700', 'index dir 0700');
is(sprintf('%04o', mode_of("$data/secret.key")), '0600', 'key file 0600');
is(-s "$data/secret.key", 32, 'key file: 32 bytes');

my (@files, @dirs);
find(sub {
    return if $_ eq '.';
    push @{ -d $_ ? \@dirs : \@files }, $File::Find::name;
}, map { "$data/r$_" } 0 .. 2);

is(scalar(grep { m{/objects/../../} } @files), 3,
    'the object is in three replica files');
my @open = grep { mode_of($_) & 077 } @files;
ok(!@open, 'every replica file is 0600') or diag("@open");
@open = grep { mode_of($_) != 0700 } @dirs, map { "$data/r$_" } 0 .. 2;
ok(!@open, 'every replica directory is 0700') or diag("@open");

# the index: secrets sealed

my $secret = $t->secret_key;
my @leak;
find(sub {
    return unless -f $_;
    open my $fh, '<:raw', $_ or return;
    local $/;
    my $bytes = <$fh>;
    push @leak, $File::Find::name if index($bytes, $secret) >= 0;
}, "$data/index");
ok(!@leak, 'no file of the index holds the secret key') or diag("@leak");

$t->stop_ok;

# the wrong key file: no secret opens, the store stays closed

my $other = $t->dir . '/other.key';
open my $fh, '>:raw', $other or die "$other: $!";
print $fh 'k' x 32;
close $fh;
chmod 0600, $other;

my $t2 = SOS::Test->new(data => $data, keys => 0,
    http => "sos_key_file $other;")->run;
my $r = $t2->s3(GET => '/private/k', access => $t->access_key,
    secret => $secret);
is(status_of($r), 503, 'wrong key file: 503');
like($t2->read_file('error.log'),
    qr/\[crit\].*key file "\Q$other\E" opens none of the 1 sealed secrets.*wrong key file/,
    'the error log says which key file is wrong');
$t2->stop_ok;

chmod 0644, "$data/secret.key";
my $t3 = SOS::Test->new(data => $data, keys => 0)->run;
is(status_of($t3->http(GET => '/private/k')), 503,
    'a key file readable by others: 503');
like($t3->read_file('error.log'),
    qr/\[crit\].*key file "\Q$data\E\/secret\.key" has mode 0644.*chmod 600/,
    'the error log says why');
$t3->stop_ok;
chmod 0600, "$data/secret.key";

# sos_key_file: a key file of its own, created at the first start

my $t4 = SOS::Test->new(keys => 0);
my $kf = $t4->dir . '/keys/sos.key';
mkdir $t4->dir . '/keys', 0700;
$t4->{http} = "sos_key_file $kf;";
$t4->run;
$t4->http(GET => '/');
is(sprintf('%04o', mode_of($kf)), '0600', 'sos_key_file created 0600');
ok(!-e $t4->data . '/secret.key', 'and not the default one');
like($t4->read_file('error.log'),
    qr/\[notice\].*sos: created the key file "\Q$kf\E".*back it up/,
    'its creation is logged');
$t4->stop_ok;

# back to the right key: everything as before

my $t5 = SOS::Test->new(data => $data, keys => 0)->run;
$r = $t5->s3(GET => '/private/k', access => $t->access_key,
    secret => $secret);
is(status_of($r), 200, 'the right key file: the key works again');
$t5->stop_ok;

done_testing();
