#!/usr/bin/perl

# The Python helpers under t/ (t/clients/, t/multipart/, t/keys/, ...):
# each byte-compiles with the python3 on PATH and with Debian's, and
# pyflakes3 finds nothing in it, so that a syntax error or an undefined
# name fails here rather than in the middle of a client test.

use strict;
use warnings;

use File::Find;
use File::Temp qw(tempdir);
use FindBin;
use Test::More;

my @py;
find({ no_chdir => 1, wanted => sub { push @py, $_ if /\.py\z/ && -f } },
    $FindBin::Bin);
@py = sort @py;
ok(scalar @py, scalar(@py) . ' Python helpers under t/');

# Run a command, return its exit status and its stdout + stderr.

sub output {
    my (@cmd) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!\n";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT or die "stderr: $!\n";
        exec(@cmd) or die "exec $cmd[0]: $!\n";
    }
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    return ($?, $out);
}

# The interpreters the helpers run with (t/client_boto3.t and
# t/client_boto3_debian.t): once each, pyenv shims resolved.

my %seen;
my @pythons = grep { $_ && -x $_ && !$seen{$_}++ } map {
    my ($rc, $out) = output($_, '-c', 'import sys; print(sys.executable)');
    chomp $out;
    $rc == 0 ? $out : undef;
} 'python3', (-x '/usr/bin/python3' ? '/usr/bin/python3' : ());
ok(@pythons, 'python3: ' . join(', ', @pythons));

# .pyc files go to a temp dir, not to __pycache__ in the tree

local $ENV{PYTHONPYCACHEPREFIX} = tempdir(CLEANUP => 1);

for my $python (@pythons) {
    for my $f (@py) {
        (my $name = $f) =~ s{^\Q$FindBin::Bin\E/}{};
        my ($rc, $out) = output($python, '-m', 'py_compile', $f);
        is($rc, 0, "$python -m py_compile $name") or diag($out);
    }
}

my ($pyflakes) = grep { -x } map { "$_/pyflakes3" } split /:/, $ENV{PATH};
ok($pyflakes, 'pyflakes3 is installed') or diag('run make deps');

if ($pyflakes) {
    for my $f (@py) {
        (my $name = $f) =~ s{^\Q$FindBin::Bin\E/}{};
        my ($rc, $out) = output($pyflakes, $f);
        is($rc, 0, "pyflakes3 $name") or diag($out);
    }
}

done_testing();
