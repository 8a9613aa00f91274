package SOS::Fault;

# Helpers of the fault tests (t/faults.t, t/crash_audit.t): nginx with the
# fault-injection library preloaded (t/fault/faultshim.c), the worker's
# pid and open fds, and an offline audit of a stopped store: every file
# the index names is on each replica its extent lists, with the extent's
# size and MD5; every file in a replica's objects/ is named by the index;
# tmp/ is empty.
#
#   SOS::Fault::preload(SOS_FAULT_FILE => "$dir/rules");   # next starts
#   SOS::Fault::preload();                                 # none
#   my $a = SOS::Fault::audit($t, \@replicas);
#   is_deeply($a->{problems}, [], 'audit');

use strict;
use warnings;

use Digest::MD5;
use File::Find;

use SOS::Test;

# environment given to nginx, on top of what SOS::Test gives it
my %nginx_env;

{
    no warnings 'redefine';
    my $orig = \&SOS::Test::_san_env;

    *SOS::Test::_san_env = sub {
        my %env = $orig->();
        return %env unless %nginx_env;

        my %add = %nginx_env;
        $add{LD_PRELOAD} = join ':',
            grep { defined && length } $env{LD_PRELOAD}, shim_path();
        return (%env, %add);
    };
}

sub shim_path { SOS::Test::build_dir() . '/t/faultshim.so' }

sub idxdump_path { SOS::Test::build_dir() . '/t/idxdump' }

# Preload the shim into the nginx started next, with these variables
# (SOS_FAULT, SOS_FAULT_FILE, SOS_FAULT_LOG); no arguments: no shim.

sub preload {
    my (%env) = @_;
    %nginx_env = %env;
}

# Write a rules file in one step (a new inode: the shim sees the change).

sub rules {
    my ($path, $text) = @_;

    open my $fh, '>', "$path.new" or die "$path.new: $!\n";
    print $fh $text, "\n";
    close $fh or die "$path.new: $!\n";
    rename "$path.new", $path or die "$path: $!\n";
}

sub worker_pid {
    my ($t) = @_;

    my $master = $t->master_pid or return undef;

    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh>;
        next unless defined $line;
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        return $pid if $ppid == $master;
    }

    return undef;
}

sub fd_count {
    my ($pid) = @_;
    opendir my $dh, "/proc/$pid/fd" or return undef;
    my @fds = grep { /^\d+$/ } readdir $dh;
    return scalar @fds;
}

# The fewest open fds of 10 looks 30 ms apart: background work (a spare
# file made, a directory synced) holds one for a moment, a leak for good.
sub fd_count_settled {
    my ($pid) = @_;
    my $min;
    for (1 .. 10) {
        my $n = fd_count($pid);
        $min = $n if defined $n && (!defined $min || $n < $min);
        select(undef, undef, undef, 0.03);
    }
    return $min;
}

sub file_md5 {
    my ($path) = @_;
    open my $fh, '<', $path or return undef;
    binmode $fh;
    return Digest::MD5->new->addfile($fh)->hexdigest;
}

# The index's file records (nginx stopped): { extents => { id => {...} },
# garbage => { id => 1 }, sums => { id => 1 }, objects => { name => [md5
# of each extent] }, parts => n }, or die.

sub index_records {
    my ($t) = @_;

    my $idx = $t->data . '/index';
    my $cmd = idxdump_path();
    my @lines = `$cmd $idx`;
    die "idxdump $idx failed: $?\n" if $?;

    my %r = (extents => {}, garbage => {}, sums => {}, objects => {},
             parts => 0);

    for (@lines) {
        chomp;
        my ($type, @f) = split /\t/;

        if ($type eq 'O' || $type eq 'P') {
            my ($name, $id, $size, $mask, $md5) = @f;
            $r{extents}{$id} = { name => $name, size => $size,
                                 mask => $mask, md5 => $md5 };
            push @{ $r{objects}{$name} }, $md5 if $type eq 'O';
            $r{parts}++ if $type eq 'P';

        } elsif ($type eq 'G') {
            $r{garbage}{ $f[0] } = 1;

        } elsif ($type eq 'X') {
            $r{sums}{ $f[0] } = 1;
        }
    }

    return \%r;
}

# Audit a stopped store against its replica directories.  A file named by
# a G record may still be on disk unless strict (after a restart, the
# open removes them).  Returns the records with problems => [ ... ].

sub audit {
    my ($t, $replicas, %opts) = @_;

    my $r = index_records($t);
    my @problems;

    for my $id (sort keys %{ $r->{extents} }) {
        my $e = $r->{extents}{$id};
        my $held = 0;

        for my $i (0 .. $#$replicas) {
            next unless $e->{mask} & (1 << $i);
            $held++;

            my $path = path_of($replicas->[$i], $id);
            my $size = -s $path;
            my $md5 = file_md5($path);

            if (!defined $md5) {
                push @problems, "$e->{name}: file $id missing on replica $i";
            } elsif ($size != $e->{size} || $md5 ne $e->{md5}) {
                push @problems, "$e->{name}: file $id on replica $i is "
                    . "$size bytes, MD5 $md5, not $e->{size}, $e->{md5}";
            }
        }

        push @problems, "$e->{name}: file $id on no replica" unless $held;
    }

    for my $i (0 .. $#$replicas) {
        my @files;
        find({ no_chdir => 1, wanted => sub { push @files, $_ if -f } },
             "$replicas->[$i]/objects") if -d "$replicas->[$i]/objects";

        for my $path (@files) {
            my ($id) = $path =~ m{/([^/]+)$};
            my $e = $r->{extents}{$id};
            next if $e && $e->{mask} & (1 << $i);

            # a copy the repair queue rewrote: the next scrub pass records
            # it in the mask, so it must be whole already
            next if $e && -s $path == $e->{size}
                && file_md5($path) eq $e->{md5};
            next if !$opts{strict} && $r->{garbage}{$id};
            push @problems, "orphan file on replica $i: $path";
        }

        my @tmp = glob("$replicas->[$i]/tmp/*");
        push @problems, "left in tmp/ of replica $i: @tmp"
            if @tmp && $opts{strict};
    }

    if ($opts{strict} && %{ $r->{garbage} }) {
        push @problems, 'G records left after a restart: '
            . join(' ', sort keys %{ $r->{garbage} });
    }

    $r->{problems} = \@problems;
    return $r;
}

sub path_of {
    my ($replica, $id) = @_;
    return "$replica/objects/" . substr($id, 0, 2) . '/' . substr($id, 2, 2)
        . "/$id";
}

1;
