#!/usr/bin/perl

# The C unit tests of SigV4 and the checksums (t/auth_unit.c): compiled
# here against the module's plain-C files, run, and their TAP relayed.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use Test::More;

use SOS::Test;

my $top = SOS::Test::top();
my $dir = tempdir('sos-unit-XXXXXXXX', TMPDIR => 1, CLEANUP => 1);
my $bin = "$dir/auth_unit";

my @san = SOS::Test::sanitized()
    ? ('-fsanitize=address,undefined', '-fno-sanitize-recover=all') : ();

my @cc = ('cc', '-std=c11', '-D_POSIX_C_SOURCE=200809L', '-O1', '-g',
    '-Wall', '-Wextra', '-Werror', @san, "-I$top/ngx_sos_module",
    '-o', $bin, "$top/t/auth_unit.c", "$top/ngx_sos_module/ngx_sos_sigv4.c",
    "$top/ngx_sos_module/ngx_sos_checksum.c", '-lcrypto', '-lpthread');

my $out = `@cc 2>&1`;
is($?, 0, 'unit tests compile') or diag($out);

my $tap = `$bin 2>&1`;
my $rc = $?;

for my $line (split /\n/, $tap) {
    if ($line =~ /^(not )?ok \d+ - (.*)$/) {
        ok(!$1, $2);
    } elsif ($line =~ /^#/) {
        diag($line);
    }
}

is($rc, 0, 'unit test binary exits 0');

done_testing();
