#!/usr/bin/perl

# The console, the metrics and the admin tools against a hostile client:
# names and keys chosen to break out of where they are shown.
#
# - sosctl's tables print what a tenant named (object keys in "du"): the
#   control characters S3 lets into a key (CR, LF, tab, and C1 controls
#   such as U+009B, a terminal's CSI) must not reach the admin's terminal
#   as they are, where a CR or a LF forges the lines of the table (--json
#   keeps the exact string).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;

use SOS::Admin;
use SOS::Test;

my $t = SOS::Test->new(server => $SOS::Admin::LOCATION)->run;

sub online { SOS::Admin::sosctl_online($t, {}, @_) }
sub status_of { (SOS::Test->parse($_[0]))[0] }

# ---- sosctl: terminal escapes in keys ----

is(status_of($t->s3(PUT => '/hostile')), 200, 'bucket hostile');

# U+009B (C1 CSI) clearing the screen, then a forged TOTAL line
my $group = "t\x{9b}2J\r\nTOTAL 0 0 B\t/";
my $key = $group . 'x';
utf8::encode($key);

is(status_of($t->s3(PUT => '/hostile/' . SOS::Test::uri_escape($key, 1),
    body => 'abc')), 200, 'a key with CR, LF, tab and a C1 control');

sub du_ok {
    my ($name, $f) = @_;

    my ($rc, $out, $err) = $f->('du', 'hostile', '--depth', '1');
    is($rc, 0, "$name du: exit 0") or diag($err);
    unlike($out, qr/[\x00-\x09\x0b-\x1f\x7f]/, "$name du: no control "
        . 'character in the table');
    unlike($out, qr/\xc2[\x80-\x9f]/, "$name du: no C1 control either");
    like($out, qr/^t\?2J\?\?TOTAL 0 0 B\?\/ +1 /m,
        "$name du: the controls shown as '?', on the group's line");
    is(scalar(() = $out =~ /^TOTAL/mg), 1, "$name du: one TOTAL line");

    ($rc, $out, $err) = $f->('--json', 'du', 'hostile', '--depth', '1');
    my $doc = eval { decode_json($out) } || {};
    is($doc->{groups}[0]{prefix}, $group, "$name du --json: the exact key");
}

du_ok('online', \&online);

$t->stop_ok;

du_ok('offline', sub { $t->sosctl(@_) });

done_testing();
