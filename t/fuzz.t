#!/usr/bin/perl

# The libFuzzer targets (fuzz/, built by make fuzz into build-fuzz/): each
# runs for a bounded time from its seed corpus and its crash regressions,
# and must end with no sanitizer report and no crash.  20 seconds each
# (SOS_FUZZ_SECONDS); 5 under the sanitizer build, whose suite runs them
# again.  A missing clang, libFuzzer or target fails: nothing is skipped.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use Test::More;

use SOS::Test;

my $top = SOS::Test::top();
my $build = $ENV{SOS_FUZZ_BUILD} || "$top/build-fuzz";
my $secs = $ENV{SOS_FUZZ_SECONDS} || (SOS::Test::sanitized() ? 5 : 20);

my @targets = sort map { m{/fuzz_(\w+)\.c$} ? $1 : () }
    glob "$top/fuzz/fuzz_*.c";
@targets = grep { $_ ne 'nginx' } @targets;

ok(@targets >= 9, scalar(@targets) . ' fuzz targets') or diag("@targets");

my $clang = `clang -print-runtime-dir 2>/dev/null`;
chomp $clang;
ok($? == 0 && -f "$clang/libclang_rt.fuzzer_no_main-x86_64.a",
    'clang and libFuzzer installed (make deps)');

# the targets see neither the suite's sanitizer settings nor its preload
delete @ENV{qw(LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS)};

my $dir = tempdir('sos-fuzz-t-XXXXXXXX', TMPDIR => 1, CLEANUP => 1);

for my $name (@targets) {
    my $bin = -f "$build/fuzz_$name.so" ? "$build/fuzz_$name.so"
        : "$build/fuzz_$name";

    unless (-f $bin) {
        fail("$name: built ($bin; make fuzz)");
        next;
    }

    my $out = "$dir/$name.log";
    my $pid = fork() // die "fork: $!";

    if ($pid == 0) {
        setpgrp(0, 0);
        open STDOUT, '>', $out or die "$out: $!";
        open STDERR, '>&', \*STDOUT or die "dup: $!";
        exec("$top/fuzz/run", $name, "-max_total_time=$secs",
            '-print_final_stats=1', "-artifact_prefix=$dir/$name-")
            or die "exec: $!";
    }

    # bounded: libFuzzer stops itself; the alarm is for a hang at startup
    my $rc = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm($secs + 120);
        waitpid($pid, 0);
        alarm(0);
        $?;
    };

    if (!defined $rc) {
        kill 'KILL', -$pid;
        waitpid($pid, 0);
        $rc = -1;
    }

    my $log = SOS::Test::_slurp($out);
    my ($runs) = $log =~ /^Done (\d+) runs/m;
    my @bad = grep { /ERROR: |runtime error|SUMMARY: |deadly signal/ }
        split /\n/, $log;

    ok($rc == 0 && defined $runs && !@bad,
        "$name: ${secs}s clean, " . ($runs // '?') . ' runs')
        or diag("exit $rc\n" . join("\n", (@bad ? @bad : ()),
            (split /\n/, $log)[-30 .. -1]));
}

done_testing();
