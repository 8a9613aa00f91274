package SOS::Volume;

# Small ext4 file systems on loop devices for the full-disk tests (root
# only): an image made with truncate and mkfs.ext4, mounted with -o loop
# on a directory; or a small tmpfs.  Every volume is unmounted and its image removed when
# the test exits, however it exits (END block; INT, TERM and HUP exit
# through it).  Stop nginx before (an END block of the test, which runs
# before this one).
#
#   my $vol = SOS::Volume::ext4_mount("$dir/vol", 32, reserved => 0)
#       or plan(skip_all => $SOS::Volume::error);
#   my ($avail, $free) = SOS::Volume::space($vol);   # bytes
#   SOS::Volume::fill("$vol/filler");                # until ENOSPC
#   SOS::Volume::tmpfs_mount($t->data, '2m')          # a small tmpfs
#       or plan(skip_all => $SOS::Volume::error);

use strict;
use warnings;

use File::Path qw(make_path);

our $error = '';

# [ mount point, image, mounted ]
my @volumes;

# A $mib MiB ext4 file system mounted on $dir (created if need be), with
# reserved => percent of blocks reserved for root (mkfs's -m; default 0).
# Returns $dir, or undef with the reason in $error.

sub ext4_mount {
    my ($dir, $mib, %opts) = @_;

    my $img = "$dir.img";
    my $reserved = $opts{reserved} // 0;

    _guard();
    make_path($dir);
    push @volumes, [ $dir, $img, 0 ];

    if (system('truncate', '-s', "${mib}M", $img) != 0) {
        $error = "truncate $img failed: $?";
        return undef;
    }

    my $out = `mkfs.ext4 -q -F -m $reserved '$img' 2>&1`;
    if ($? != 0) {
        $error = "mkfs.ext4 failed: $out";
        return undef;
    }

    $out = `mount -o loop '$img' '$dir' 2>&1`;
    if ($? != 0) {
        chomp $out;
        $error = "mount -o loop failed: $out";
        return undef;
    }

    $volumes[-1][2] = 1;
    chmod 0700, $dir;
    return $dir;
}

# A tmpfs of $size (mount's size=, e.g. '2m') mounted on $dir, mode
# 0700.  Returns $dir, or undef with the reason in $error.

sub tmpfs_mount {
    my ($dir, $size) = @_;

    _guard();
    make_path($dir);
    push @volumes, [ $dir, undef, 0 ];

    if (system('mount', '-t', 'tmpfs', '-o', "size=$size,mode=0700",
               'tmpfs', $dir) != 0)
    {
        $error = "mount -t tmpfs failed: $?";
        return undef;
    }

    $volumes[-1][2] = 1;
    return $dir;
}

# Bytes available to non-root writers and bytes free (root's reserved
# blocks included) on the file system of $path.

sub space {
    my ($path) = @_;
    my $out = `stat -f -c '%a %f %S' '$path'`;
    my ($avail, $free, $bs) = split ' ', $out;
    return ($avail * $bs, $free * $bs);
}

# Append to $path until the file system is full; returns the bytes
# written.  With $max, stop there.  ext4 refuses a write while it holds
# blocks for the worst case of delayed allocation, and gives some back
# at writeback: sync and write again, in smaller pieces, until nothing
# more fits.

sub fill {
    my ($path, $max) = @_;

    open my $fh, '>>', $path or die "$path: $!\n";
    my $n = 0;

    for my $size (65536, 65536, 4096, 4096, 512, 512) {
        my $chunk = 'f' x $size;
        while (!defined $max || $n < $max) {
            my $w = syswrite($fh, $chunk,
                             defined $max ? $max - $n : $size);
            last unless $w;
            $n += $w;
        }
        system('sync', '-f', $path);
        last if defined $max;
    }

    close $fh;
    return $n;
}

sub release {
    while (my $v = pop @volumes) {
        my ($dir, $img, $mounted) = @$v;

        if ($mounted && system('umount', $dir) != 0) {
            system('umount', '-l', $dir);
        }
        unlink $img if defined $img;
    }
}

my $guarded;

sub _guard {
    return if $guarded++;
    for my $sig (qw(INT TERM HUP)) {
        $SIG{$sig} = sub { exit 1 } unless $SIG{$sig};
    }
}

END {
    local $?;
    release();
}

1;
