package SOS::Edge;

# The CDN edge of conf/cdn-edge.conf in tests: a stock nginx, the file's
# "edit" lines pointed at a temp dir, a free loopback port and the test's
# SOS origin.
#
#   my $edge = SOS::Edge->new(port => SOS::Test::free_port());
#   my $t = SOS::Test->new(http => "sos_cdn_purge " . $edge->url . ";");
#   $t->run;
#   $edge->origin($t->port)->run;
#   $t->http(GET => '/b/k', port => $edge->port);

use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;

sub new {
    my ($class, %opts) = @_;

    my $self = bless { %opts }, $class;

    $self->{dir} = tempdir('sos-edge-XXXXXXXX', TMPDIR => 1,
        CLEANUP => !$ENV{SOS_TEST_LEAVE});
    $self->{port} ||= SOS::Test::free_port();

    return $self;
}

sub dir { $_[0]{dir} }
sub port { $_[0]{port} }
sub url { 'http://127.0.0.1:' . $_[0]{port} }

sub origin {
    my ($self, $port) = @_;
    $self->{origin} = $port;
    return $self;
}

# conf/cdn-edge.conf with its "edit" lines made this test's
sub conf {
    my ($self) = @_;

    my $dir = $self->{dir};
    my $conf = SOS::Test::_slurp(SOS::Test::top() . '/conf/cdn-edge.conf');
    my $user = $> == 0 ? "user root root;\n" : '';

    my @edits = (
        [ qr{^worker_processes auto;}m,
          "${user}daemon off;\nworker_processes 1;" ],
        [ qr{^pid \S+;}m, "pid $dir/nginx.pid;" ],
        [ qr{^error_log \S+;}m, "error_log $dir/error.log info;" ],
        [ qr{access_log \S+ sos_edge;}, "access_log $dir/access.log sos_edge;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;" ],
        [ qr{server 127\.0\.0\.1:8080;}, "server 127.0.0.1:$self->{origin};" ],
        [ qr{proxy_cache_path \S+}, "proxy_cache_path $dir/cache" ],
        [ qr{listen 8081;}, "listen 127.0.0.1:$self->{port};" ],
    );

    for my $e (@edits) {
        $conf =~ s/$e->[0]/$e->[1]/ or die "cdn-edge.conf: no $e->[0]\n";
    }

    return $conf;
}

sub start {
    my ($self) = @_;

    open my $fh, '>', "$self->{dir}/nginx.conf" or die "nginx.conf: $!\n";
    print $fh $self->conf;
    close $fh;

    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        open STDOUT, '>>', "$self->{dir}/stderr.log" or die;
        open STDERR, '>>', "$self->{dir}/stderr.log" or die;
        exec(SOS::Test::nginx_path(), '-p', "$self->{dir}/", '-c',
            'nginx.conf', '-e', 'error.log');
        die "exec: $!\n";
    }

    $self->{pid} = $pid;

    my $deadline = time() + 10;

    while (time() < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $self->{pid};
            return 0;
        }
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$self->{port}");
        if ($s) {
            close $s;
            return 1;
        }
        sleep(0.05);
    }

    $self->stop;
    return 0;
}

sub run {
    my ($self) = @_;
    unless ($self->start) {
        diag(SOS::Test::_slurp("$self->{dir}/error.log"));
        diag(SOS::Test::_slurp("$self->{dir}/stderr.log"));
        BAIL_OUT('the edge nginx did not start');
    }
    return $self;
}

sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return $self;

    for my $sig (qw(QUIT TERM KILL)) {
        kill $sig, $pid;
        my $deadline = time() + 5;
        while (time() < $deadline) {
            return $self if waitpid($pid, WNOHANG) == $pid;
            sleep(0.05);
        }
    }

    return $self;
}

sub read_file {
    my ($self, $name) = @_;
    return SOS::Test::_slurp("$self->{dir}/$name");
}

sub DESTROY {
    my ($self) = @_;
    local $?;
    $self->stop if $self->{pid};
}

1;
