#!/usr/bin/perl

# Writes t/website/site/logo.png, the image of the test site (see
# t/website_browser.t): 48 x 48 pixels, 8-bit RGB, an orange square on a
# dark blue field.  The test reads two pixels back through a canvas, so
# the colours here and there must agree.
#
#   perl t/website/logo.pl > t/website/site/logo.png

use strict;
use warnings;

use Compress::Zlib qw(compress crc32);

my ($w, $h) = (48, 48);
my @field = (0x1e, 0x3a, 0x5f);
my @square = (0xf2, 0x8c, 0x28);

my $raw = '';
for my $y (0 .. $h - 1) {
    $raw .= "\0";                       # filter type None
    for my $x (0 .. $w - 1) {
        my $in = $x >= 12 && $x < 36 && $y >= 12 && $y < 36;
        $raw .= pack('C3', $in ? @square : @field);
    }
}

sub chunk {
    my ($type, $data) = @_;
    return pack('N', length $data) . $type . $data
        . pack('N', crc32($type . $data));
}

binmode STDOUT;
print "\x89PNG\r\n\x1a\n",
    chunk('IHDR', pack('NNCCCCC', $w, $h, 8, 2, 0, 0, 0)),
    chunk('IDAT', compress($raw, 9)),
    chunk('IEND', '');
