package SOS::Test;

# Test harness for SOS, in the manner of nginx-tests' lib/Test/Nginx.pm:
# a fresh temp dir per test file, a free 127.0.0.1 port, an nginx.conf
# loading the module, a data dir with a dev organization and admin key,
# and the stock nginx binary run in the foreground.
#
#   my $t = SOS::Test->new->run;
#   like($t->http(GET => '/bkt/key'), qr/^HTTP\/1\.1 501 /, '501');
#   $t->stop_ok;
#
# Environment: SOS_BUILD (build dir, default "build"; "build-asan" runs the
# sanitizer build with libasan preloaded), SOS_NGINX (default
# /usr/sbin/nginx), SOS_TEST_LEAVE (keep the temp dir).

use strict;
use warnings;

use Cwd qw(abs_path);
use Digest::SHA qw(sha256_hex hmac_sha256 hmac_sha256_hex);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Socket qw(SOL_SOCKET SO_REUSEADDR);
use Test::More;
use Time::HiRes qw(sleep time);

our $VERSION = '0.1';

my $TOP = abs_path(dirname(__FILE__) . '/../../..');

sub top { $TOP }

sub build_dir {
    my $b = $ENV{SOS_BUILD} || 'build';
    return $b =~ m{^/} ? $b : "$TOP/$b";
}

sub sanitized { build_dir() =~ /asan/ }

sub module_path { build_dir() . '/nginx-src/objs/ngx_http_sos_module.so' }

sub sosctl_path { build_dir() . '/sosctl' }

sub nginx_path { $ENV{SOS_NGINX} || '/usr/sbin/nginx' }

# Environment for processes of the sanitizer build: the stock nginx is not
# instrumented, so libasan must come first in the initial library list.

sub _san_env {
    return () unless sanitized();
    chomp(my $asan = `gcc -print-file-name=libasan.so`);
    return (
        LD_PRELOAD => $asan,
        ASAN_OPTIONS => 'detect_leaks=0:abort_on_error=0:'
            . 'allow_user_segv_handler=1',
        UBSAN_OPTIONS => 'print_stacktrace=1:halt_on_error=1',
    );
}

sub new {
    my ($class, %opts) = @_;

    my $self = bless {
        workers => 1,
        keys => 1,
        http => '',
        main => '',
        fsync => 'on',          # the production default
        server => '',
        location => '',
        %opts,
    }, $class;

    $self->{dir} = tempdir('sos-test-XXXXXXXX', TMPDIR => 1,
        CLEANUP => !$ENV{SOS_TEST_LEAVE});
    $self->{data} ||= "$self->{dir}/data";
    $self->{port} ||= free_port();

    # an unbuilt tree fails loudly: make test builds first
    BAIL_OUT('sosctl not built: ' . sosctl_path() . ' (run make)')
        unless -x sosctl_path();
    BAIL_OUT('module not built: ' . module_path() . ' (run make)')
        unless -f module_path() || defined $opts{nginx} && !$opts{nginx};

    make_path("$self->{dir}/logs", "$self->{dir}/tmp");
    make_path($self->{data});

    $self->create_dev_keys() if $self->{keys};

    return $self;
}

sub dir { $_[0]{dir} }
sub data { $_[0]{data} }
sub port { $_[0]{port} }
sub access_key { $_[0]{access_key} }
sub secret_key { $_[0]{secret_key} }

sub free_port {
    for (1 .. 50) {
        my $port = 20000 + int(rand(30000));
        my $s = IO::Socket::INET->new(
            LocalAddr => '127.0.0.1', LocalPort => $port,
            Proto => 'tcp', ReuseAddr => 1, Listen => 1);
        next unless $s;
        close $s;
        return $port;
    }
    die "no free port\n";
}

# sosctl on this test's data dir: returns (exit status, stdout, stderr)

sub sosctl {
    my ($self, @args) = @_;

    my $out = "$self->{dir}/sosctl.out";
    my $err = "$self->{dir}/sosctl.err";

    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        my %env = _san_env();
        delete $env{LD_PRELOAD};
        @ENV{keys %env} = values %env;
        open STDOUT, '>', $out or die;
        open STDERR, '>', $err or die;
        exec(sosctl_path(), '--data', $self->{data}, @args);
        die "exec: $!\n";
    }

    waitpid($pid, 0);
    my $rc = $? >> 8;

    return ($rc, _slurp($out), _slurp($err));
}

# Another organization, made offline (before run), with an access key:
# (access => key id, secret => secret key).  @org_args follow the name
# on "sosctl org create" (e.g. --email).

sub org_with_key {
    my ($self, $name, @org_args) = @_;
    my ($rc, $out, $err) = $self->sosctl('org', 'create', $name, @org_args);
    die "sosctl org create: $err" if $rc;
    ($rc, $out, $err) = $self->sosctl('key', 'create', $name);
    die "sosctl key create: $err" if $rc;
    my ($a) = $out =~ /^aws_access_key_id = (\S+)/m;
    my ($s) = $out =~ /^aws_secret_access_key = (\S+)/m;
    return (access => $a, secret => $s);
}

sub create_dev_keys {
    my ($self) = @_;

    my ($rc, $out, $err) = $self->sosctl('org', 'create', 'dev');
    die "sosctl org create: $err" if $rc;

    ($rc, $out, $err) = $self->sosctl('key', 'create', 'dev', '--admin');
    die "sosctl key create: $err" if $rc;

    ($self->{access_key}) = $out =~ /^aws_access_key_id = (\S+)/m;
    ($self->{secret_key}) = $out =~ /^aws_secret_access_key = (\S+)/m;
}

sub conf {
    my ($self) = @_;

    my $module = module_path();
    my $user = $> == 0 ? "user root root;\n" : '';

    return <<"EOF";
load_module $module;

${user}worker_processes $self->{workers};
daemon off;
pid $self->{dir}/nginx.pid;
error_log $self->{dir}/error.log info;

thread_pool sos threads=4;

$self->{main}

events {
    worker_connections 256;
}

http {
    log_format sos '\$remote_addr "\$sos_request_redacted" \$status '
                   '\$request_id';
    access_log $self->{dir}/access.log sos;

    client_body_temp_path $self->{dir}/tmp/body;
    proxy_temp_path $self->{dir}/tmp/proxy;
    fastcgi_temp_path $self->{dir}/tmp/fastcgi;
    uwsgi_temp_path $self->{dir}/tmp/uwsgi;
    scgi_temp_path $self->{dir}/tmp/scgi;

    sendfile on;

    sos_data_dir $self->{data};
    sos_thread_pool sos;
    sos_fsync $self->{fsync};

    $self->{http}

    # the default server: the http snippet may add servers on this port
    server {
        listen 127.0.0.1:$self->{port} default_server;
        server_name localhost;
        client_max_body_size 0;

        $self->{server}

        location / {
            sos;
            $self->{location}
        }
    }
}
EOF
}

sub write_conf {
    my ($self) = @_;
    open my $fh, '>', "$self->{dir}/nginx.conf" or die "nginx.conf: $!\n";
    print $fh $self->conf;
    close $fh;
}

# Start nginx; true once it accepts connections, false if it exited.

# nginx in the foreground on this test's directory; its pid
sub _spawn {
    my ($self) = @_;

    $self->write_conf;

    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        my %env = _san_env();
        @ENV{keys %env} = values %env;
        open STDOUT, '>>', "$self->{dir}/stderr.log" or die;
        open STDERR, '>>', "$self->{dir}/stderr.log" or die;
        exec(nginx_path(), '-p', "$self->{dir}/", '-c', 'nginx.conf',
            '-e', 'error.log');
        die "exec: $!\n";
    }

    return $pid;
}

sub start {
    my ($self) = @_;

    my $pid = $self->_spawn;

    $self->{pid} = $pid;

    my $deadline = time() + (sanitized() ? 30 : 10);

    while (time() < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $self->{exit_status} = $?;
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

# For a configuration nginx must refuse: true once nginx has exited with
# an error.  A connection proves nothing here: nginx listens before the
# modules' init_module hooks may refuse the configuration.
sub start_refused {
    my ($self) = @_;

    my $pid = $self->_spawn;

    my $deadline = time() + (sanitized() ? 30 : 10);

    while (time() < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $self->{exit_status} = $?;
            return $? != 0;
        }
        sleep(0.05);
    }

    $self->{pid} = $pid;
    $self->stop;
    return 0;
}

sub run {
    my ($self) = @_;
    unless ($self->start) {
        diag($self->read_file('error.log'));
        BAIL_OUT('nginx did not start');
    }
    return $self;
}

sub running { defined $_[0]{pid} }

sub master_pid { $_[0]{pid} }

# Graceful stop (QUIT), then TERM, then KILL.

sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return $self;

    for my $sig (qw(QUIT TERM KILL)) {
        kill $sig, $pid;
        my $deadline = time() + ($sig eq 'KILL' ? 5 : 10);
        while (time() < $deadline) {
            if (waitpid($pid, WNOHANG) == $pid) {
                $self->{exit_status} = $?;
                $self->{stopped_by} = $sig;
                return $self;
            }
            sleep(0.05);
        }
    }

    return $self;
}

# Lines of error.log (and nginx's stderr) that must fail a test.

sub bad_log_lines {
    my ($self, %opts) = @_;

    my $log = $self->read_file('error.log') . $self->read_file('stderr.log');
    my @bad = grep {
        /\[(alert|emerg)\]/ || /Sanitizer|runtime error:|==\d+==ERROR/
    } split /\n/, $log;

    if (my $skip = $opts{expect}) {
        @bad = grep { !/$skip/ } @bad;
    }

    return @bad;
}

sub stop_ok {
    my ($self, %opts) = @_;

    $self->stop;

    my @bad = $self->bad_log_lines(%opts);
    ok(!@bad, $opts{name} || 'no alerts, emergs or sanitizer errors')
        or diag(join "\n", @bad);

    ok(!$self->{stopped_by} || $self->{stopped_by} eq 'QUIT',
        'nginx stopped gracefully')
        or diag("needed SIG$self->{stopped_by}");
}

sub read_file {
    my ($self, $name) = @_;
    return _slurp("$self->{dir}/$name");
}

sub _slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

# Raw HTTP/1.1 request with Connection: close; returns the response as one
# string (head and body), or undef on timeout.
#
#   $t->http(GET => '/b/k', headers => { Range => 'bytes=0-1' },
#            body => '...', port => $port)

sub http {
    my ($self, $method, $uri, %opts) = @_;

    my $port = $opts{port} || $self->{port};
    my $body = defined $opts{body} ? $opts{body} : '';
    my %h = (Host => "127.0.0.1:$port", Connection => 'close',
             %{ $opts{headers} || {} });

    if (length $body || $method =~ /^(PUT|POST)$/) {
        $h{'Content-Length'} = length $body
            unless exists $h{'Content-Length'}
                || exists $h{'Transfer-Encoding'};
    }

    my $req = "$method $uri HTTP/1.1\r\n";
    $req .= "$_: $h{$_}\r\n" for sort keys %h;
    $req .= "\r\n" . $body;

    return $self->raw($req, port => $port, timeout => $opts{timeout});
}

sub raw {
    my ($self, $req, %opts) = @_;

    my $port = $opts{port} || $self->{port};
    my $reply;

    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm($opts{timeout} || 10);

        my $s = IO::Socket::INET->new(
            PeerAddr => "127.0.0.1:$port", Proto => 'tcp')
            or die "connect: $!\n";
        $s->autoflush(1);
        print $s $req;

        local $/;
        $reply = <$s>;
        $reply = '' unless defined $reply;
        close $s;

        alarm(0);
    };
    alarm(0);

    if ($@) {
        diag("http: $@") unless $opts{quiet};
        return undef;
    }

    return $reply;
}

# A request signed with AWS Signature Version 4 (header form) with the dev
# key; returns the raw response (see parse).  $uri is as sent: path and
# query already percent-encoded (see uri_escape).  Options:
#
#   body     => 'data'            request body (Content-Length set for it)
#   headers  => { ... }           extra headers, signed
#   query    => 'a=1&b'           appended to $uri's query
#   payload  => 'UNSIGNED-PAYLOAD' x-amz-content-sha256 value to sign and
#                                 send (default: hex SHA-256 of body);
#   unsigned => 1                 same as payload => 'UNSIGNED-PAYLOAD'
#   host     => 'b.s3.localhost'  Host header (":port" added unless given)
#   access, secret, region        credentials (secret => 'wrong' to fail)
#   time     => epoch             signing time
#   port, timeout                 as for http()
#
#   $t->s3(PUT => '/bkt/key', body => 'data', headers => { ... },
#          secret => 'wrong', payload => 'UNSIGNED-PAYLOAD')

sub s3 {
    my ($self, $method, $uri, %opts) = @_;

    my ($u, $h) = $self->s3_sign($method, $uri, %opts);

    return $self->http($method, $u, %opts, headers => $h);
}

# The signed request without sending it: ($uri, \%headers).  For raw
# requests (pipelining, Expect, disconnects): see s3_request.

sub s3_sign {
    my ($self, $method, $uri, %opts) = @_;

    my $port = $opts{port} || $self->{port};
    my $body = defined $opts{body} ? $opts{body} : '';
    my @t = gmtime(defined $opts{time} ? $opts{time} : time());
    my $date = sprintf('%04d%02d%02dT%02d%02d%02dZ',
        $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);

    if (defined $opts{query}) {
        $uri .= ($uri =~ /\?/ ? '&' : '?') . $opts{query};
    }

    my $host = $opts{host} || '127.0.0.1';
    $host .= ":$port" unless $host =~ /:\d+$/;

    my $payload = $opts{payload}
        || ($opts{unsigned} ? 'UNSIGNED-PAYLOAD' : sha256_hex($body));

    my %h = (
        Host => $host,
        'x-amz-date' => $date,
        'x-amz-content-sha256' => $payload,
        %{ $opts{headers} || {} },
    );

    my ($path, $query) = split /\?/, $uri, 2;

    # canonical URI: each segment decoded, then encoded the AWS way
    my $cpath = join '/', map { uri_escape(uri_unescape($_)) }
        split m{/}, $path, -1;

    $h{Authorization} = sigv4_authorization(
        method => $method, path => $cpath, query => $query,
        headers => \%h, date => $date,
        payload => $h{'x-amz-content-sha256'},
        access => $opts{access} || $self->{access_key},
        secret => $opts{secret} || $self->{secret_key},
        region => $opts{region} || 'us-east-1');

    return ($uri, \%h);
}

# The text of a signed request (head only unless body is given; no
# Connection: close unless asked), for raw sockets.

sub s3_request {
    my ($self, $method, $uri, %opts) = @_;

    my ($u, $h) = $self->s3_sign($method, $uri, %opts);
    my $body = defined $opts{body} ? $opts{body} : '';

    my $req = "$method $u HTTP/1.1\r\n";
    $req .= "$_: $h->{$_}\r\n" for sort keys %$h;

    return $req . "\r\n" . ($opts{send_body} ? $body : '');
}

# A key as AWS SDKs put it in a path: every byte but the unreserved
# characters and '/' percent-encoded.

sub uri_escape {
    my ($s, $slash) = @_;
    my $keep = $slash ? 'A-Za-z0-9_.~/-' : 'A-Za-z0-9_.~-';
    utf8::encode($s) if utf8::is_utf8($s);
    $s =~ s/([^$keep])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub uri_unescape {
    my ($s) = @_;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

# A connected socket to the test's nginx.

sub connect {
    my ($self, %opts) = @_;

    my $s = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1:' . ($opts{port} || $self->{port}),
        Proto => 'tcp') or die "connect: $!\n";
    $s->autoflush(1);

    return $s;
}

# RSS of the worker process in KiB (from /proc), undef if unknown;
# worker_rss('VmHWM') for its peak.

sub worker_rss {
    my ($self, $field) = @_;

    $field ||= 'VmRSS';

    my $master = $self->{pid} or return undef;
    for my $stat (glob '/proc/[0-9]*/stat') {
        my $line = _slurp($stat);
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        next unless $ppid == $master;
        my ($rss) = _slurp("/proc/$pid/status") =~ /^$field:\s+(\d+)/m;
        return $rss;
    }

    return undef;
}

sub sigv4_authorization {
    my (%a) = @_;

    my $day = substr($a{date}, 0, 8);
    my $scope = "$day/$a{region}/s3/aws4_request";

    my @q = map { [ split /=/, $_, 2 ] } grep { length }
        split /&/, defined $a{query} ? $a{query} : '';
    $_->[1] //= '' for @q;
    my $cquery = join '&', map { "$_->[0]=$_->[1]" }
        sort { $a->[0] cmp $b->[0] || $a->[1] cmp $b->[1] } @q;

    my %ch;
    while (my ($k, $v) = each %{ $a{headers} }) {
        next if lc $k eq 'authorization';
        ($v = defined $v ? $v : '') =~ s/^\s+|\s+$//g;
        $v =~ s/\s+/ /g;
        $ch{lc $k} = $v;
    }
    my @names = sort keys %ch;
    my $signed = join ';', @names;

    my $creq = join "\n", $a{method}, $a{path}, $cquery,
        (map { "$_:$ch{$_}" } @names), '', $signed, $a{payload};

    my $sts = join "\n", 'AWS4-HMAC-SHA256', $a{date}, $scope,
        sha256_hex($creq);

    my $k = hmac_sha256($day, "AWS4$a{secret}");
    $k = hmac_sha256($a{region}, $k);
    $k = hmac_sha256('s3', $k);
    $k = hmac_sha256('aws4_request', $k);

    return "AWS4-HMAC-SHA256 Credential=$a{access}/$scope,"
        . "SignedHeaders=$signed,Signature=" . hmac_sha256_hex($sts, $k);
}

# Split a response into (status, {lower-case header => value}, body).

sub parse {
    my ($class, $r) = @_;

    return (0, {}, '') unless defined $r;

    my ($head, $body) = split /\r\n\r\n/, $r, 2;
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($status) = $status_line =~ m{^HTTP/1\.[01] (\d{3})};
    my %h;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $h{lc $k} = $v;
    }

    return ($status || 0, \%h, defined $body ? $body : '');
}

sub DESTROY {
    my ($self) = @_;
    local $?;
    $self->stop if $self->{pid};
}

1;
