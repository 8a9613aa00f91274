package SOS::Clients;

# Helpers for the real-client tests (t/client_*.t): every client runs with
# its configuration and credentials in the test's temp dir, HOME pointed
# there too, and no AWS_* variable from the caller's environment, so the
# user's own ~/.aws, ~/.s3cfg or rclone.conf are never read.
#
#   my $t = SOS::Test->new->run;
#   my $c = SOS::Clients->new($t);
#   my $r = $c->run([ @{ $c->aws_v1 }, 's3', 'ls' ]);
#   $c->ok_run('aws s3 ls', [ ... ]);
#
# A client that is not installed fails its test: `make deps` installs them.

use strict;
use warnings;

use Digest::MD5;
use Digest::SHA;
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Find;
use File::Path qw(make_path);
use JSON::PP;
use POSIX qw(:sys_wait_h setsid);
use Test::More;
use Time::HiRes qw(sleep time);

use SOS::Test;

our @EXPORT_OK = qw(file_sha same_tree random_file write_file slurp json
    make_tree);

# Variables no client may inherit: credentials, profiles, endpoints and
# CA settings of whoever runs the tests.
my $SCRUB = qr/^(AWS_|BOTO_|RCLONE_|RESTIC_|S3CMD|PYTHON(PATH|HOME|STARTUP)$
    |PYENV_VERSION$)/x;

# Start SOS with the harness (virtual hosts under sos_domain s3.localhost,
# a payload.log of how uploads were sent) and, with tls => 1, a second
# server on
# another port with TLS (a self-signed certificate for 127.0.0.1 made in
# the temp dir): current SDKs send aws-chunked bodies with checksum
# trailers only over https.  tls_server => '...' adds directives (such as
# a location) to that server.
#
#   my ($t, $c) = SOS::Clients->start(tls => 1);

sub start {
    my ($class, %opts) = @_;

    my ($tls_port, $http) = (undef, <<'EOF');
log_format sos_payload '$request_method $http_x_amz_content_sha256';
    access_log payload.log sos_payload;
    sos_domain s3.localhost;
EOF

    if ($opts{tls}) {
        $tls_port = SOS::Test::free_port();
        $http .= <<"EOF";
    server {
        listen 127.0.0.1:$tls_port ssl;
        server_name localhost;
        client_max_body_size 0;
        ssl_certificate tls.crt;
        ssl_certificate_key tls.key;

        location / {
            sos;
        }
${\ ($opts{tls_server} // '') }
    }
EOF
    }

    my $t = SOS::Test->new(http => $http);

    if ($opts{tls}) {
        my $d = $t->dir;
        # openssl req prints a line of dashes on stderr
        open my $saved, '>&', \*STDERR or die "dup: $!\n";
        open STDERR, '>', "$d/openssl.err" or die "openssl.err: $!\n";
        my $rc = system('openssl', 'req', '-x509', '-newkey', 'ec',
            '-pkeyopt', 'ec_paramgen_curve:prime256v1',
            '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
            '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
            '-keyout', "$d/tls.key", '-out', "$d/tls.crt");
        open STDERR, '>&', $saved or die "dup: $!\n";
        die "openssl req failed:\n" . slurp("$d/openssl.err") if $rc;
    }

    $t->run;

    return ($t, $class->new($t, tls_port => $tls_port));
}

sub new {
    my ($class, $t, %opts) = @_;

    my $dir = $t->dir;
    my $self = bless {
        t => $t,
        dir => $dir,
        home => "$dir/home",
        endpoint => 'http://127.0.0.1:' . $t->port,
        region => 'us-east-1',
        %opts,
    }, $class;

    if ($self->{tls_port}) {
        $self->{tls_endpoint} = "https://127.0.0.1:$self->{tls_port}";
        $self->{ca} = "$dir/tls.crt";
    }

    make_path($self->{home}, "$dir/work", "$dir/aws");

    write_file("$dir/aws/credentials", <<"EOF", 0600);
[default]
aws_access_key_id = ${\ $t->access_key }
aws_secret_access_key = ${\ $t->secret_key }
EOF
    write_file("$dir/aws/config", <<"EOF");
[default]
region = $self->{region}
output = json
EOF

    return $self;
}

sub t { $_[0]{t} }
sub dir { $_[0]{dir} }
sub work { "$_[0]{dir}/work" }
sub endpoint { $_[0]{endpoint} }
sub tls_endpoint { $_[0]{tls_endpoint} }
sub ca { $_[0]{ca} }
sub port { $_[0]{t}->port }

# The environment every client starts from.

sub base_env {
    my ($self) = @_;

    my %env = map { $_ => $ENV{$_} } grep { !/$SCRUB/ } keys %ENV;

    return (
        %env,
        HOME => $self->{home},
        LC_ALL => 'C.UTF-8',
        TMPDIR => "$self->{dir}/tmp",
        AWS_SHARED_CREDENTIALS_FILE => "$self->{dir}/aws/credentials",
        AWS_CONFIG_FILE => "$self->{dir}/aws/config",
        AWS_EC2_METADATA_DISABLED => 'true',
        AWS_PAGER => '',
    );
}

# Run a command with a timeout; returns { rc, out, err, timeout }.
# rc is the exit status, or -1 when killed by the timeout or a signal.
#
#   $c->run([ 'cmd', @args ], env => { K => 'v' }, delete_env => [ ... ],
#           timeout => 60, stdin => 'text', cwd => $dir)

sub run {
    my ($self, $cmd, %opts) = @_;

    my %env = ($self->base_env, %{ $opts{env} || {} });
    delete @env{ @{ $opts{delete_env} || [] } };

    my $n = ++$self->{runs};
    my $out = "$self->{dir}/run$n.out";
    my $err = "$self->{dir}/run$n.err";
    my $in = "$self->{dir}/run$n.in";
    write_file($in, defined $opts{stdin} ? $opts{stdin} : '');

    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        # own process group, so a timeout can end the client's children too
        setsid();
        %ENV = %env;
        chdir($opts{cwd} || $self->work) or die "chdir: $!\n";
        open STDIN, '<', $in or die;
        open STDOUT, '>', $out or die;
        open STDERR, '>', $err or die;
        exec { $cmd->[0] } @$cmd
            or print STDERR "exec $cmd->[0]: $!\n";
        POSIX::_exit(127);
    }

    my $deadline = time() + ($opts{timeout} || 60);
    my ($status, $timeout);

    while (1) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $status = $?;
            last;
        }
        if (time() > $deadline) {
            $timeout = 1;
            kill 'KILL', -$pid;
            waitpid($pid, 0);
            $status = $?;
            last;
        }
        sleep(0.02);
    }

    my $r = {
        rc => ($status & 127) ? -1 : $status >> 8,
        out => slurp($out),
        err => slurp($err),
        timeout => $timeout,
        cmd => join(' ', @$cmd),
    };
    unlink $in, $out, $err;

    return $r;
}

# Run and pass when the exit status is 0; on failure show the command's
# output and what nginx logged meanwhile.  Returns the result.

sub ok_run {
    my ($self, $name, $cmd, %opts) = @_;

    my $log_mark = length $self->{t}->read_file('error.log');
    my $r = $self->run($cmd, %opts);

    ok($r->{rc} == 0, $name) or $self->show_failure($r, $log_mark);

    return $r;
}

# The same, expecting failure (a non-zero exit status).

sub fail_run {
    my ($self, $name, $cmd, %opts) = @_;

    my $r = $self->run($cmd, %opts);
    ok($r->{rc} != 0 && !$r->{timeout}, $name) or $self->show_failure($r);

    return $r;
}

sub show_failure {
    my ($self, $r, $log_mark) = @_;

    diag("command: $r->{cmd}");
    diag("exit status: $r->{rc}" . ($r->{timeout} ? ' (timeout)' : ''));
    diag('stdout: ' . _tail($r->{out}, 2000)) if length $r->{out};
    diag('stderr: ' . _tail($r->{err}, 4000)) if length $r->{err};

    if (defined $log_mark) {
        my $log = substr($self->{t}->read_file('error.log'), $log_mark);
        my @l = grep { !/\[(info|notice)\]/ } split /\n/, $log;
        diag("error.log:\n" . _tail(join("\n", @l), 3000)) if @l;
    }
}

sub _tail {
    my ($s, $n) = @_;
    return length $s > $n ? '...' . substr($s, -$n) : $s;
}

# Clients.  Each returns the command prefix as an array ref, or fails the
# test (and ends it) when the client is missing.

sub need {
    my ($self, $what, $ok) = @_;
    return 1 if $ok;
    fail("$what is installed (make deps installs it)");
    $self->{t}->stop;
    done_testing();
    exit(1);
}

# End the test here: a first step failed and the rest would only repeat it.

sub stop_here {
    my ($self, $why) = @_;
    diag("stopping: $why");
    $self->{t}->stop;
    done_testing();
    exit(1);
}

# The python3 found on PATH (resolved through pyenv shims once, before
# HOME changes) and Debian's own.

sub python {
    my ($self) = @_;

    unless ($self->{python}) {
        my $p = `python3 -c 'import sys; print(sys.executable)' 2>/dev/null`;
        chomp $p;
        $self->need('python3', $p && -x $p);
        $self->{python} = $p;
    }

    return $self->{python};
}

sub debian_python {
    my ($self) = @_;
    $self->need('/usr/bin/python3', -x '/usr/bin/python3');
    return '/usr/bin/python3';
}

# aws-cli 1.x installed with pip beside the current boto3 (python3 -m
# awscli), and Debian's awscli v2 (/usr/bin/aws).

# With tls => 1 the command talks to the TLS server.

sub aws_v1 {
    my ($self, %opts) = @_;
    my $py = $self->python;
    $self->need('aws-cli 1.x (pip) for ' . $py,
        system($py, '-c', 'import awscli') == 0);
    return [ $py, '-m', 'awscli', $self->_aws_endpoint(%opts) ];
}

sub aws_v2 {
    my ($self, %opts) = @_;
    $self->need('awscli v2 (/usr/bin/aws)', -x '/usr/bin/aws');
    return [ '/usr/bin/aws', $self->_aws_endpoint(%opts) ];
}

sub _aws_endpoint {
    my ($self, %opts) = @_;
    return ('--endpoint-url', $self->{endpoint}) unless $opts{tls};
    return ('--endpoint-url', $self->{tls_endpoint}, '--ca-bundle',
        $self->{ca});
}

sub tool {
    my ($self, $name) = @_;
    for my $d ((split /:/, $ENV{PATH} || ''), '/usr/bin') {
        return "$d/$name" if length $d && -x "$d/$name";
    }
    $self->need($name, 0);
}

# s3cmd with a config file in the temp dir (path-style: host_bucket
# without %(bucket)s); signature v2 when asked.

sub s3cmd {
    my ($self, %opts) = @_;

    my $v2 = $opts{v2} ? 'True' : 'False';
    my $cfg = "$self->{dir}/s3cfg" . ($opts{v2} ? '-v2' : '');
    my $hp = '127.0.0.1:' . $self->port;

    write_file($cfg, <<"EOF", 0600);
[default]
access_key = ${\ $self->{t}->access_key }
secret_key = ${\ $self->{t}->secret_key }
host_base = $hp
host_bucket = $hp
use_https = False
signature_v2 = $v2
bucket_location = $self->{region}
check_ssl_certificate = False
guess_mime_type = True
progress_meter = False
EOF

    return [ $self->tool('s3cmd'), '-c', $cfg, '--no-progress' ];
}

# rclone with remote "sos:" (provider Other, path style by default).

sub rclone {
    my ($self) = @_;

    my $cfg = "$self->{dir}/rclone.conf";

    write_file($cfg, <<"EOF", 0600);
[sos]
type = s3
provider = Other
access_key_id = ${\ $self->{t}->access_key }
secret_access_key = ${\ $self->{t}->secret_key }
endpoint = $self->{endpoint}
region = $self->{region}
EOF

    return [ $self->tool('rclone'), '--config', $cfg,
        '--low-level-retries', '1', '--retries', '1' ];
}

# restic: the command and the environment naming the repository.

sub restic {
    my ($self, $bucket) = @_;

    my @cmd = ($self->tool('restic'),
        '--cache-dir', "$self->{dir}/restic-cache");

    my %env = (
        RESTIC_REPOSITORY => "s3:$self->{endpoint}/$bucket",
        RESTIC_PASSWORD => 'sos-test-password',
        AWS_ACCESS_KEY_ID => $self->{t}->access_key,
        AWS_SECRET_ACCESS_KEY => $self->{t}->secret_key,
        AWS_DEFAULT_REGION => $self->{region},
    );

    return (\@cmd, \%env);
}

# How the uploads were sent: { x-amz-content-sha256 value => count } of
# the PUT and POST requests so far (payload.log, written by start()).

sub payload_modes {
    my ($self) = @_;

    my %n;
    for (split /\n/, $self->{t}->read_file('payload.log')) {
        my ($method, $mode) = split / /, $_, 2;
        next unless $method =~ /^(PUT|POST)$/;
        $mode = 'hex SHA-256' if $mode =~ /^[0-9a-f]{64}$/;
        $n{$mode}++;
    }

    return \%n;
}

sub note_payload_modes {
    my ($self) = @_;
    my $m = $self->payload_modes;
    note('uploads by x-amz-content-sha256: '
        . join(', ', map { "$_: $m->{$_}" } sort keys %$m));
}

# Files.

sub write_file {
    my ($path, $data, $mode) = @_;
    make_path(dirname($path));
    open my $fh, '>', $path or die "$path: $!\n";
    binmode $fh;
    print $fh $data;
    close $fh or die "$path: $!\n";
    chmod $mode, $path if defined $mode;
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    binmode $fh;
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

# Deterministic pseudo-random bytes, no repeated block (restic and rclone
# would deduplicate or compress repetitions away).

sub random_bytes {
    my ($size, $seed) = @_;

    my $x = Digest::SHA::sha512(defined $seed ? $seed : 'sos');
    my @p;
    for (1 .. int(($size + 63) / 64)) {
        $x = Digest::SHA::sha512($x);
        push @p, $x;
    }

    return substr(join('', @p), 0, $size);
}

sub random_file {
    my ($path, $size, $seed) = @_;
    write_file($path, random_bytes($size, defined $seed ? $seed : $path));
    return $path;
}

# A tree of $n files under $root: sizes cycling through @sizes, spread
# over a few directories, names with spaces and unicode.

sub make_tree {
    my ($root, $n, @sizes) = @_;

    @sizes = (1024, 4096, 10000, 65536, 200_000) unless @sizes;

    my @files;
    for my $i (0 .. $n - 1) {
        my $d = sprintf('d%d/sub%d', $i % 5, $i % 3);
        my $name = $i % 7 == 0 ? "f $i \x{e9}t\x{e9}.bin" : "f$i.dat";
        utf8::encode($name);
        my $path = "$root/$d/$name";
        random_file($path, $sizes[$i % @sizes], "tree$i");
        push @files, $path;
    }

    return @files;
}

sub file_sha {
    my ($path) = @_;
    return undef unless -f $path;
    return Digest::SHA->new(256)->addfile($path, 'b')->hexdigest;
}

# Same relative file names with the same bytes; returns the differences.

sub same_tree {
    my ($a, $b) = @_;

    my %fa = _tree($a);
    my %fb = _tree($b);
    my @diff;

    for my $f (sort keys %fa) {
        if (!exists $fb{$f}) {
            push @diff, "missing: $f";
        } elsif ($fa{$f} ne $fb{$f}) {
            push @diff, "differs: $f";
        }
    }
    push @diff, map { "extra: $_" } grep { !exists $fa{$_} } sort keys %fb;

    return @diff;
}

sub _tree {
    my ($root) = @_;
    my %f;
    return %f unless -d $root;
    find({ no_chdir => 1, wanted => sub {
        return unless -f $_;
        (my $rel = $_) =~ s{^\Q$root\E/}{};
        $f{$rel} = file_sha($_);
    } }, $root);
    return %f;
}

sub json {
    my ($s) = @_;
    my $v = eval { JSON::PP->new->decode($s) };
    diag("not JSON: $s") unless $v;
    return $v || {};
}

# Fetch a URL with curl; returns (status, body) with the body in $file
# when one is given.

sub curl {
    my ($self, $method, $url, %opts) = @_;

    my @cmd = ($self->tool('curl'), '-sS', '-g', '-X', $method,
        '-o', $opts{out} || '/dev/null', '-w', '%{http_code}',
        '--max-time', '60');
    push @cmd, '-T', $opts{upload} if $opts{upload};
    push @cmd, '-H', $_ for @{ $opts{headers} || [] };
    push @cmd, $url;

    my $r = $self->run(\@cmd);
    diag($r->{err}) if $r->{rc};

    return $r->{out};
}

# The aws cli test, the same for the pip aws-cli 1.x and Debian's v2:
# high-level s3 commands, s3api calls and a presigned URL, every download
# compared with what was uploaded.  $aws: the command prefix; $tls_aws:
# the same over TLS (optional), where current clients send aws-chunked
# bodies with checksum trailers; $trailer: check that they did.

sub awscli_suite {
    my ($c, $aws, $tls_aws, $trailer) = @_;

    my $w = $c->work;
    my $b = 'aws-cli-test';
    my @aws = @$aws;
    my @np = ('--no-progress');

    $c->ok_run('s3 mb', [ @aws, 's3', 'mb', "s3://$b" ])->{rc} == 0
        or return;
    # S3's legacy us-east-1 behaviour: 200 for one's own bucket
    $c->ok_run('s3 mb of an existing own bucket succeeds (us-east-1)',
        [ @aws, 's3', 'mb', "s3://$b" ]);

    my $r = $c->ok_run('s3 ls (buckets)', [ @aws, 's3', 'ls' ]);
    like($r->{out}, qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \Q$b\E$/m,
        's3 ls shows the bucket with its date');

    # cp up and down: empty, small, a few MiB (below the 8 MiB multipart
    # threshold), odd names

    my %files = (
        'empty' => 0,
        'small.txt' => 1000,
        'three.bin' => 3 * 1024 * 1024 + 17,
        'seven.bin' => 7 * 1024 * 1024 + 12345,
        "a+b c \x{e9}\x{20ac}.txt" => 4096,
    );

    for my $name (sort keys %files) {
        my $key = $name;
        utf8::encode($key);
        my $src = random_file("$w/up/$key", $files{$name}, $key);
        $c->ok_run("s3 cp up $key ($files{$name} bytes)",
            [ @aws, 's3', 'cp', @np, $src, "s3://$b/dir/$key" ]);
        my $dst = "$w/down/$key";
        $c->ok_run("s3 cp down $key",
            [ @aws, 's3', 'cp', @np, "s3://$b/dir/$key", $dst ]);
        is(file_sha($dst), file_sha($src), "$key: downloaded bytes equal");
    }

    $r = $c->ok_run('s3 ls bucket root', [ @aws, 's3', 'ls', "s3://$b/" ]);
    like($r->{out}, qr/^\s+PRE dir\/$/m, 'root listing shows PRE dir/');

    $r = $c->ok_run('s3 ls prefix', [ @aws, 's3', 'ls', "s3://$b/dir/" ]);
    like($r->{out}, qr/^\S+ \S+\s+3145745 three\.bin$/m,
        'prefix listing shows size and name');
    is(scalar(() = $r->{out} =~ /^\S+ \S+\s+\d+ /mg), scalar(keys %files),
        'prefix listing has every object');

    # sync up, again (nothing to do), down, with --delete

    my @tree = make_tree("$w/tree", 40, 100, 5000, 70_000, 300_000);

    $c->ok_run('s3 sync up', [ @aws, 's3', 'sync', @np, "$w/tree",
        "s3://$b/tree" ]);
    $r = $c->ok_run('s3 sync up again',
        [ @aws, 's3', 'sync', @np, "$w/tree", "s3://$b/tree" ]);
    unlike($r->{out}, qr/upload:/, 'second sync uploads nothing');

    $r = $c->ok_run('s3 ls --recursive',
        [ @aws, 's3', 'ls', '--recursive', "s3://$b/" ]);
    is(scalar(() = $r->{out} =~ /^\S+ \S+\s+\d+ tree\//mg), scalar(@tree),
        'recursive listing shows every synced file');

    $c->ok_run('s3 sync down', [ @aws, 's3', 'sync', @np, "s3://$b/tree",
        "$w/tree-down" ]);
    is(join("\n", same_tree("$w/tree", "$w/tree-down")), '',
        'synced down tree equals the source');

    unlink $tree[0], $tree[1];
    $r = $c->ok_run('s3 sync --delete',
        [ @aws, 's3', 'sync', @np, '--delete', "$w/tree", "s3://$b/tree" ]);
    is(scalar(() = $r->{out} =~ /^delete: /mg), 2, 'sync deleted 2 objects');
    $c->ok_run('s3 sync --delete down', [ @aws, 's3', 'sync', @np, '--delete',
        "s3://$b/tree", "$w/tree-down" ]);
    is(join("\n", same_tree("$w/tree", "$w/tree-down")), '',
        'trees equal after sync --delete both ways');

    # s3api

    my $small = "$w/up/small.txt";

    $c->ok_run('s3api put-object with metadata and content type',
        [ @aws, 's3api', 'put-object', '--bucket', $b, '--key', 'api/obj',
          '--body', $small, '--content-type', 'text/x-sos',
          '--metadata', 'color=blue,Mixed-Case=Yes' ]);

    $r = $c->ok_run('s3api head-object', [ @aws, 's3api', 'head-object',
        '--bucket', $b, '--key', 'api/obj' ]);
    my $h = json($r->{out});
    is($h->{ContentLength}, 1000, 'head: ContentLength');
    is($h->{ContentType}, 'text/x-sos', 'head: ContentType');
    is($h->{ETag}, '"' . Digest::MD5::md5_hex(slurp($small)) . '"',
        'head: ETag is the MD5');
    is_deeply($h->{Metadata}, { color => 'blue', 'mixed-case' => 'Yes' },
        'head: user metadata');

    $r = $c->ok_run('s3api get-object', [ @aws, 's3api', 'get-object',
        '--bucket', $b, '--key', 'api/obj', "$w/api-obj" ]);
    is(file_sha("$w/api-obj"), file_sha($small), 'get-object bytes equal');

    $r = $c->ok_run('s3api get-object --range', [ @aws, 's3api',
        'get-object', '--bucket', $b, '--key', 'api/obj',
        '--range', 'bytes=100-199', "$w/api-range" ]);
    is(slurp("$w/api-range"), substr(slurp($small), 100, 100),
        'ranged get-object bytes');
    like(json($r->{out})->{ContentRange} || '', qr{^bytes 100-199/1000$},
        'ranged get-object ContentRange');

    $c->fail_run('s3api head-object of a missing key fails',
        [ @aws, 's3api', 'head-object', '--bucket', $b, '--key', 'nope' ]);
    $r = $c->fail_run('s3api get-object of a missing key fails',
        [ @aws, 's3api', 'get-object', '--bucket', $b, '--key', 'nope',
          "$w/nope" ]);
    like($r->{err}, qr/NoSuchKey/, 'missing key: NoSuchKey');

    $c->ok_run('s3api copy-object', [ @aws, 's3api', 'copy-object',
        '--bucket', $b, '--key', 'api/copy', '--copy-source', "$b/api/obj" ]);
    $r = $c->ok_run('head of the copy', [ @aws, 's3api', 'head-object',
        '--bucket', $b, '--key', 'api/copy' ]);
    $h = json($r->{out});
    is($h->{ContentType}, 'text/x-sos', 'copy keeps ContentType');
    is_deeply($h->{Metadata}, { color => 'blue', 'mixed-case' => 'Yes' },
        'copy keeps metadata');

    $c->ok_run('s3api copy-object onto itself with REPLACE',
        [ @aws, 's3api', 'copy-object', '--bucket', $b, '--key', 'api/copy',
          '--copy-source', "$b/api/copy", '--metadata-directive', 'REPLACE',
          '--metadata', 'color=red', '--content-type', 'application/json' ]);
    $r = $c->ok_run('head after REPLACE', [ @aws, 's3api', 'head-object',
        '--bucket', $b, '--key', 'api/copy' ]);
    $h = json($r->{out});
    is($h->{ContentType}, 'application/json', 'REPLACE sets ContentType');
    is_deeply($h->{Metadata}, { color => 'red' }, 'REPLACE sets metadata');
    $c->ok_run('get the copy', [ @aws, 's3api', 'get-object',
        '--bucket', $b, '--key', 'api/copy', "$w/api-copy" ]);
    is(file_sha("$w/api-copy"), file_sha($small), 'copy bytes equal');

    $r = $c->ok_run('s3api list-objects-v2 in pages of 7',
        [ @aws, 's3api', 'list-objects-v2', '--bucket', $b,
          '--prefix', 'tree/', '--page-size', '7' ]);
    my @keys = map { $_->{Key} } @{ json($r->{out})->{Contents} || [] };
    is(scalar @keys, @tree - 2, 'paged list-objects-v2: every key');
    is_deeply(\@keys, [ sort @keys ], 'paged list-objects-v2: in order');

    $r = $c->ok_run('s3api list-objects-v2 with delimiter',
        [ @aws, 's3api', 'list-objects-v2', '--bucket', $b,
          '--delimiter', '/', '--page-size', '1' ]);
    is_deeply([ map { $_->{Prefix} }
        @{ json($r->{out})->{CommonPrefixes} || [] } ],
        [ 'api/', 'dir/', 'tree/' ], 'common prefixes, one per page');

    $r = $c->ok_run('s3api list-objects (v1) with delimiter',
        [ @aws, 's3api', 'list-objects', '--bucket', $b,
          '--prefix', 'tree/', '--delimiter', '/', '--page-size', '2' ]);
    is_deeply([ map { $_->{Prefix} }
        @{ json($r->{out})->{CommonPrefixes} || [] } ],
        [ map { "tree/d$_/" } 0 .. 4 ], 'v1 common prefixes');

    $r = $c->ok_run('s3api delete-objects', [ @aws, 's3api',
        'delete-objects', '--bucket', $b, '--delete',
        '{"Objects":[{"Key":"api/obj"},{"Key":"api/copy"},'
        . '{"Key":"api/never"}]}' ]);
    is_deeply([ sort map { $_->{Key} }
        @{ json($r->{out})->{Deleted} || [] } ],
        [ 'api/copy', 'api/never', 'api/obj' ], 'delete-objects: Deleted');
    $c->fail_run('deleted object is gone', [ @aws, 's3api', 'head-object',
        '--bucket', $b, '--key', 'api/obj' ]);

    $r = $c->ok_run('s3api get-bucket-location', [ @aws, 's3api',
        'get-bucket-location', '--bucket', $b ]);
    ok(!defined json($r->{out})->{LocationConstraint}
        || json($r->{out})->{LocationConstraint} eq '',
        'us-east-1 location is null') or diag($r->{out});

    $r = $c->ok_run('s3api get-bucket-versioning', [ @aws, 's3api',
        'get-bucket-versioning', '--bucket', $b ]);
    ok(!exists json($r->{out} || '{}')->{Status}, 'versioning has no status')
        or diag($r->{out});

    # presigned GET fetched with curl

    $r = $c->ok_run('s3 presign', [ @aws, 's3', 'presign',
        "s3://$b/dir/small.txt", '--expires-in', '300' ]);
    (my $url = $r->{out}) =~ s/\s+$//;
    is($c->curl(GET => $url, out => "$w/presigned"), '200',
        'presigned URL answers 200');
    is(file_sha("$w/presigned"), file_sha("$w/up/small.txt"),
        'presigned GET bytes equal');
    (my $bad = $url) =~ s/small\.txt/three.bin/;
    is($c->curl(GET => $bad), '403', 'presigned URL for another key: 403');

    # over TLS: current clients send aws-chunked with a checksum trailer

    if ($tls_aws) {
        for my $name ('small.txt', 'seven.bin') {
            my $src = "$w/up/$name";
            $r = $c->ok_run("TLS: s3 cp up $name", [ @$tls_aws, '--debug',
                's3', 'cp', @np, $src, "s3://$b/tls/$name" ]);
            like($r->{err}, qr/STREAMING-UNSIGNED-PAYLOAD-TRAILER/,
                "TLS: $name sent aws-chunked with a trailer") if $trailer;
            $c->ok_run("TLS: s3 cp down $name",
                [ @$tls_aws, 's3', 'cp', @np, "s3://$b/tls/$name",
                  "$w/tls/$name" ]);
            is(file_sha("$w/tls/$name"), file_sha($src),
                "TLS: $name bytes equal");
        }
        $r = $c->ok_run('TLS: head-object has no aws-chunked encoding',
            [ @$tls_aws, 's3api', 'head-object', '--bucket', $b,
              '--key', 'tls/small.txt' ]);
        unlike(json($r->{out})->{ContentEncoding} || '', qr/aws-chunked/,
            'TLS: stored Content-Encoding is not aws-chunked');
        $c->ok_run('TLS: s3 sync up', [ @$tls_aws, 's3', 'sync', @np, "$w/tree",
            "s3://$b/tls-tree" ]);
        $c->ok_run('TLS: s3 sync down', [ @$tls_aws, 's3', 'sync',
            "s3://$b/tls-tree", "$w/tls-tree" ]);
        is(join("\n", same_tree("$w/tree", "$w/tls-tree")), '',
            'TLS: synced tree equals the source');
    }

    # rm --recursive, rb

    $c->ok_run('s3 rm --recursive prefix',
        [ @aws, 's3', 'rm', '--recursive', "s3://$b/tree" ]);
    # s3 ls exits 1 when it lists nothing
    $r = $c->run([ @aws, 's3', 'ls', '--recursive', "s3://$b/tree/" ]);
    is($r->{out}, '', 'nothing left under tree/');

    $r = $c->fail_run('s3 rb of a non-empty bucket fails',
        [ @aws, 's3', 'rb', "s3://$b" ]);
    like($r->{err}, qr/BucketNotEmpty/, 'BucketNotEmpty');

    $c->ok_run('s3 rm --recursive bucket',
        [ @aws, 's3', 'rm', '--recursive', "s3://$b" ]);
    $c->ok_run('s3 rb', [ @aws, 's3', 'rb', "s3://$b" ]);
    $r = $c->ok_run('s3 ls after rb', [ @aws, 's3', 'ls' ]);
    unlike($r->{out}, qr/\Q$b\E/, 'bucket gone');

    $c->note_payload_modes;
}

# The boto3 test, run by t/client_boto3.t with the python3 on PATH and by
# t/client_boto3_debian.t with Debian's: a Python script prints one
# "ok - name" or "not ok - name # detail" line per check.

sub boto3_suite {
    my ($c, $python) = @_;

    my $script = "$c->{dir}/boto3_client.py";
    write_file($script, boto3_script());

    my @args = ($c->endpoint, $c->work);
    push @args, $c->tls_endpoint, $c->ca if $c->tls_endpoint;

    my $log_mark = length $c->t->read_file('error.log');
    my $r = $c->run([ $python, $script, @args ], timeout => 120);

    my $n = 0;
    for (split /\n/, $r->{out}) {
        if (/^(not )?ok - (.*?)(?: # (.*))?$/) {
            $n++;
            ok(!$1, $2) or diag($3 // '');
        } else {
            note($_);
        }
    }

    ok($r->{rc} == 0 && $n > 50, "boto3 script ran to the end ($n checks)")
        or $c->show_failure($r, $log_mark);

    $c->note_payload_modes;
}

sub boto3_script {
    return <<'PYEOF';
import hashlib
import http.client
import os
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, work = sys.argv[1], sys.argv[2]
tls_endpoint = sys.argv[3] if len(sys.argv) > 3 else None
ca = sys.argv[4] if len(sys.argv) > 4 else None

print('boto3 %s botocore %s python %s' % (boto3.__version__,
      botocore.__version__, sys.version.split()[0]))

BUCKET = 'boto3-test'
CFG = Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'})


def client(url=endpoint, verify=None, **kw):
    return boto3.client('s3', endpoint_url=url, region_name='us-east-1',
                        verify=verify, config=CFG.merge(Config(**kw)))


s3 = client()


def check(cond, name, detail=''):
    detail = str(detail).replace('\n', ' ')[:3000]
    print(('ok - %s' % name) if cond else ('not ok - %s # %s' % (name, detail)))
    sys.stdout.flush()
    return cond


def eq(got, want, name):
    return check(got == want, name, 'got %r, want %r' % (got, want))


def error_of(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        return (e.response['ResponseMetadata']['HTTPStatusCode'],
                e.response['Error'].get('Code'))
    return (200, None)


def data(n, seed):
    out = bytearray()
    x = hashlib.sha512(seed.encode()).digest()
    while len(out) < n:
        x = hashlib.sha512(x).digest()
        out += x
    return bytes(out[:n])


def md5(b):
    return '"%s"' % hashlib.md5(b).hexdigest()


def read(obj):
    return obj['Body'].read()


tests = []


def test(fn):
    tests.append(fn)
    return fn


@test
def buckets():
    s3.create_bucket(Bucket=BUCKET)
    s3.head_bucket(Bucket=BUCKET)
    names = [b['Name'] for b in s3.list_buckets()['Buckets']]
    check(BUCKET in names, 'list_buckets shows the bucket', names)
    # S3's legacy us-east-1 behaviour: 200 for one's own bucket
    eq(error_of(s3.create_bucket, Bucket=BUCKET), (200, None),
       'create again in us-east-1: 200')
    eq(error_of(s3.head_bucket, Bucket='boto3-none'), (404, '404'),
       'head_bucket of a missing bucket: 404')
    loc = s3.get_bucket_location(Bucket=BUCKET)
    check(loc.get('LocationConstraint') in (None, ''), 'location: us-east-1',
          loc.get('LocationConstraint'))
    ver = s3.get_bucket_versioning(Bucket=BUCKET)
    check('Status' not in ver, 'versioning: no status', ver)


@test
def put_get():
    for n in (0, 1, 1000, 65536 + 3, 5 * 1024 * 1024 + 7):
        key = 'obj/size-%d' % n
        body = data(n, key)
        r = s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        eq(r['ETag'], md5(body), 'put %d bytes: ETag' % n)
        g = s3.get_object(Bucket=BUCKET, Key=key)
        b = read(g)
        eq(len(b), n, 'get %d bytes: length' % n)
        check(b == body, 'get %d bytes: bytes equal' % n)
        eq(g['ContentLength'], n, 'get %d bytes: ContentLength' % n)
        eq(g['ETag'], md5(body), 'get %d bytes: ETag' % n)
        check(g.get('ContentEncoding') in (None, ''),
              'get %d bytes: no Content-Encoding' % n, g.get('ContentEncoding'))


@test
def metadata():
    body = b'{"a": 1}\n'
    s3.put_object(Bucket=BUCKET, Key='meta/obj', Body=body,
                  ContentType='application/json',
                  CacheControl='max-age=60',
                  ContentDisposition='attachment; filename="x.json"',
                  ContentLanguage='fr',
                  Metadata={'color': 'blue', 'Mixed-Case': 'Yes',
                            'spaces': 'a b  c'})
    h = s3.head_object(Bucket=BUCKET, Key='meta/obj')
    eq(h['ContentType'], 'application/json', 'head: ContentType')
    eq(h['ContentLength'], len(body), 'head: ContentLength')
    eq(h['ETag'], md5(body), 'head: ETag')
    eq(h.get('CacheControl'), 'max-age=60', 'head: CacheControl')
    eq(h.get('ContentDisposition'), 'attachment; filename="x.json"',
       'head: ContentDisposition')
    eq(h.get('ContentLanguage'), 'fr', 'head: ContentLanguage')
    eq(h['Metadata'], {'color': 'blue', 'mixed-case': 'Yes',
                       'spaces': 'a b  c'}, 'head: user metadata')
    check(h.get('LastModified') is not None, 'head: LastModified')
    eq(h['ResponseMetadata']['HTTPHeaders'].get('accept-ranges'), 'bytes',
       'head: Accept-Ranges bytes')
    g = s3.get_object(Bucket=BUCKET, Key='meta/obj')
    eq(g['Metadata'].get('color'), 'blue', 'get: user metadata')
    eq(read(g), body, 'get: bytes')
    g = s3.get_object(Bucket=BUCKET, Key='meta/obj',
                      ResponseContentType='text/plain',
                      ResponseContentDisposition='inline')
    eq(g['ContentType'], 'text/plain', 'response-content-type override')
    eq(g.get('ContentDisposition'), 'inline',
       'response-content-disposition override')
    # PUTs meant to be refused go through their own connections
    bad = client()
    eq(error_of(bad.put_object, Bucket=BUCKET, Key='meta/big', Body=b'x',
                Metadata={'big': 'v' * 2100}),
       (400, 'MetadataTooLarge'), 'metadata over 2 KiB: MetadataTooLarge')
    # boto3 sends every PutObject with "Expect: 100-continue": after a
    # refusal it sends no body and reuses the connection
    try:
        bad.put_object(Bucket=BUCKET, Key='meta/after', Body=b'after')
        eq(read(s3.get_object(Bucket=BUCKET, Key='meta/after')), b'after',
           'a PUT after a refused PUT on the same connection')
    except Exception as e:
        check(False, 'a PUT after a refused PUT on the same connection', e)


@test
def ranges():
    body = data(100000, 'range')
    s3.put_object(Bucket=BUCKET, Key='range/obj', Body=body)
    for rng, first, last in (('bytes=0-9', 0, 9),
                             ('bytes=99990-', 99990, 99999),
                             ('bytes=-25', 99975, 99999),
                             ('bytes=500-99999999', 500, 99999),
                             ('bytes=12345-67890', 12345, 67890)):
        want = body[first:last + 1]
        g = s3.get_object(Bucket=BUCKET, Key='range/obj', Range=rng)
        eq(g['ResponseMetadata']['HTTPStatusCode'], 206, rng + ': 206')
        check(read(g) == want, rng + ': bytes')
        eq(g['ContentLength'], len(want), rng + ': ContentLength')
        eq(g.get('ContentRange'), 'bytes %d-%d/100000' % (first, last),
           rng + ': ContentRange')
    eq(error_of(s3.get_object, Bucket=BUCKET, Key='range/obj',
                Range='bytes=100000-'), (416, 'InvalidRange'),
       'range past the end: 416 InvalidRange')


@test
def conditionals():
    h = s3.head_object(Bucket=BUCKET, Key='range/obj')
    etag = h['ETag']
    g = s3.get_object(Bucket=BUCKET, Key='range/obj', IfMatch=etag)
    eq(g['ResponseMetadata']['HTTPStatusCode'], 200, 'If-Match: 200')
    eq(error_of(s3.get_object, Bucket=BUCKET, Key='range/obj',
                IfMatch='"0123"'), (412, 'PreconditionFailed'),
       'If-Match other: 412')
    eq(error_of(s3.get_object, Bucket=BUCKET, Key='range/obj',
                IfNoneMatch=etag)[0], 304, 'If-None-Match same: 304')
    # conditional writes exist in botocore since 1.35
    members = s3.meta.service_model.operation_model(
        'PutObject').input_shape.members
    if 'IfNoneMatch' in members:
        eq(error_of(client().put_object, Bucket=BUCKET, Key='range/obj',
                    Body=b'x', IfNoneMatch='*'), (412, 'PreconditionFailed'),
           'put If-None-Match * on an existing key: 412')
        r = s3.put_object(Bucket=BUCKET, Key='cond/new', Body=b'x',
                          IfNoneMatch='*')
        eq(r['ETag'], md5(b'x'), 'put If-None-Match * on a new key')


@test
def missing():
    eq(error_of(s3.get_object, Bucket=BUCKET, Key='none'),
       (404, 'NoSuchKey'), 'get missing key: NoSuchKey')
    eq(error_of(s3.head_object, Bucket=BUCKET, Key='none'), (404, '404'),
       'head missing key: 404')
    eq(error_of(s3.get_object, Bucket='boto3-none', Key='x'),
       (404, 'NoSuchBucket'), 'get in a missing bucket: NoSuchBucket')
    r = s3.delete_object(Bucket=BUCKET, Key='none')
    eq(r['ResponseMetadata']['HTTPStatusCode'], 204,
       'delete missing key: 204')


@test
def odd_keys():
    keys = ['odd/a b+c', 'odd/100%', 'odd/%2F', 'odd//x', 'odd/../y',
            'odd/\u00fc\u20ac\U0001f600', 'odd/q?x=1&y', 'odd/' + 'k' * 1020]
    for i, key in enumerate(keys):
        body = data(100 + i, key)
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        check(read(s3.get_object(Bucket=BUCKET, Key=key)) == body,
              'odd key %r: bytes' % key[:40])
    listed = [o['Key'] for o in
              s3.list_objects_v2(Bucket=BUCKET, Prefix='odd/')['Contents']]
    eq(listed, sorted(keys, key=lambda k: k.encode()), 'odd keys listed')
    listed = [o['Key'] for o in
              s3.list_objects(Bucket=BUCKET, Prefix='odd/')['Contents']]
    eq(listed, sorted(keys, key=lambda k: k.encode()), 'odd keys listed (v1)')
    eq(error_of(client().put_object, Bucket=BUCKET, Key='k' * 1025, Body=b'x'),
       (400, 'KeyTooLongError'), '1025-byte key: KeyTooLongError')


@test
def listing():
    keys = ['list/k%02d' % i for i in range(25)]
    keys += ['list/dir%d/x%d' % (i, j) for i in range(6) for j in range(3)]
    for k in keys:
        s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
    want = sorted(keys)

    pages = list(s3.get_paginator('list_objects_v2').paginate(
        Bucket=BUCKET, Prefix='list/', PaginationConfig={'PageSize': 7}))
    got = [o['Key'] for p in pages for o in p.get('Contents', [])]
    eq(got, want, 'list_objects_v2 in pages of 7: every key once, in order')
    eq(len(pages), (len(want) + 6) // 7, 'list_objects_v2 page count')
    eq([p['KeyCount'] for p in pages][:1], [7], 'KeyCount of a full page')
    check(all(p['IsTruncated'] for p in pages[:-1])
          and not pages[-1]['IsTruncated'], 'IsTruncated on all but last')

    pages = list(s3.get_paginator('list_objects').paginate(
        Bucket=BUCKET, Prefix='list/', PaginationConfig={'PageSize': 7}))
    got = [o['Key'] for p in pages for o in p.get('Contents', [])]
    eq(got, want, 'list_objects (v1) in pages of 7')

    for name in ('list_objects_v2', 'list_objects'):
        pages = list(s3.get_paginator(name).paginate(
            Bucket=BUCKET, Prefix='list/', Delimiter='/',
            PaginationConfig={'PageSize': 2}))
        got = [o['Key'] for p in pages for o in p.get('Contents', [])]
        pre = [c['Prefix'] for p in pages for c in p.get('CommonPrefixes', [])]
        eq(pre, ['list/dir%d/' % i for i in range(6)],
           name + ' delimiter, pages of 2: every prefix once')
        eq(got, ['list/k%02d' % i for i in range(25)],
           name + ' delimiter, pages of 2: keys')

    r = s3.list_objects_v2(Bucket=BUCKET, Prefix='list/', StartAfter='list/k20',
                           FetchOwner=True)
    eq([o['Key'] for o in r['Contents']], [k for k in want if k > 'list/k20'],
       'StartAfter')
    check('Owner' in r['Contents'][0], 'FetchOwner gives an Owner',
          r['Contents'][0])
    o = r['Contents'][0]
    eq(o['Size'], len(o['Key']), 'listed Size')
    eq(o['ETag'], md5(o['Key'].encode()), 'listed ETag')

    r = s3.list_objects_v2(Bucket=BUCKET, Prefix='list/k0', EncodingType='url')
    eq(len(r['Contents']), 10, 'encoding-type=url listing')


@test
def copy():
    body = data(300000, 'copy')
    s3.put_object(Bucket=BUCKET, Key='copy/src', Body=body,
                  ContentType='image/png', Metadata={'a': '1'})
    r = s3.copy_object(Bucket=BUCKET, Key='copy/dst',
                       CopySource={'Bucket': BUCKET, 'Key': 'copy/src'})
    eq(r['CopyObjectResult']['ETag'], md5(body), 'copy: ETag')
    g = s3.get_object(Bucket=BUCKET, Key='copy/dst')
    check(read(g) == body, 'copy: bytes')
    eq(g['ContentType'], 'image/png', 'copy: ContentType kept')
    eq(g['Metadata'], {'a': '1'}, 'copy: metadata kept')
    s3.copy_object(Bucket=BUCKET, Key='copy/dst',
                   CopySource={'Bucket': BUCKET, 'Key': 'copy/dst'},
                   MetadataDirective='REPLACE', ContentType='text/plain',
                   Metadata={'b': '2'})
    h = s3.head_object(Bucket=BUCKET, Key='copy/dst')
    eq((h['ContentType'], h['Metadata']), ('text/plain', {'b': '2'}),
       'copy onto itself with REPLACE')
    eq(error_of(s3.copy_object, Bucket=BUCKET, Key='copy/dst',
                CopySource={'Bucket': BUCKET, 'Key': 'copy/dst'}),
       (400, 'InvalidRequest'), 'copy onto itself without REPLACE: 400')
    eq(error_of(s3.copy_object, Bucket=BUCKET, Key='copy/x',
                CopySource={'Bucket': BUCKET, 'Key': 'copy/none'}),
       (404, 'NoSuchKey'), 'copy of a missing key: NoSuchKey')
    eq(error_of(s3.copy_object, Bucket=BUCKET, Key='copy/x',
                CopySource={'Bucket': BUCKET, 'Key': 'copy/src'},
                CopySourceIfMatch='"abc"'), (412, 'PreconditionFailed'),
       'copy-source-if-match other: 412')
    s3.copy_object(Bucket=BUCKET, Key='copy/x',
                   CopySource={'Bucket': BUCKET, 'Key': 'copy/src'},
                   CopySourceIfMatch=md5(body))
    check(read(s3.get_object(Bucket=BUCKET, Key='copy/x')) == body,
          'copy-source-if-match same: copied')


@test
def deletes():
    for i in range(10):
        s3.put_object(Bucket=BUCKET, Key='del/%d' % i, Body=b'x')
    r = s3.delete_object(Bucket=BUCKET, Key='del/0')
    eq(r['ResponseMetadata']['HTTPStatusCode'], 204, 'delete_object: 204')
    eq(error_of(s3.head_object, Bucket=BUCKET, Key='del/0'), (404, '404'),
       'deleted object is gone')
    r = s3.delete_objects(Bucket=BUCKET, Delete={'Objects': [
        {'Key': 'del/%d' % i} for i in range(1, 6)] + [{'Key': 'del/none'}]})
    eq(sorted(d['Key'] for d in r.get('Deleted', [])),
       ['del/%d' % i for i in range(1, 6)] + ['del/none'],
       'delete_objects: Deleted')
    eq(r.get('Errors', []), [], 'delete_objects: no Errors')
    r = s3.delete_objects(Bucket=BUCKET, Delete={'Quiet': True, 'Objects': [
        {'Key': 'del/%d' % i} for i in range(6, 10)]})
    eq(r.get('Deleted', []), [], 'quiet delete_objects: nothing reported')
    eq(s3.list_objects_v2(Bucket=BUCKET, Prefix='del/')['KeyCount'], 0,
       'all deleted')


def fetch(url, method='GET', body=None):
    # urllib would add a Content-Type to a PUT, which a SigV2 URL signs
    if method == 'PUT':
        u = urllib.parse.urlsplit(url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        c.putrequest('PUT', u.path + '?' + u.query, skip_accept_encoding=True)
        c.putheader('Content-Length', str(len(body)))
        c.endheaders()
        c.send(body)
        r = c.getresponse()
        return r.status, r.read()
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@test
def presigned():
    body = data(200000, 'presign')
    s3.put_object(Bucket=BUCKET, Key='pre/get me', Body=body)
    for name, c in (('default', s3),
                    ('s3v4', client(signature_version='s3v4'))):
        url = c.generate_presigned_url(
            'get_object', Params={'Bucket': BUCKET, 'Key': 'pre/get me'},
            ExpiresIn=300)
        form = 'v4' if 'X-Amz-Signature' in url else 'v2'
        st, b = fetch(url)
        eq(st, 200, 'presigned GET (%s, %s): 200' % (name, form))
        check(b == body, 'presigned GET (%s, %s): bytes' % (name, form))
        st, _ = fetch(url.replace('get%20me', 'get%20you'))
        eq(st, 403, 'presigned GET (%s, %s) of another key: 403'
           % (name, form))

        key = 'pre/put-%s' % name
        url = c.generate_presigned_url(
            'put_object', Params={'Bucket': BUCKET, 'Key': key},
            ExpiresIn=300)
        up = data(70000, key)
        st, b = fetch(url, 'PUT', up)
        eq(st, 200, 'presigned PUT (%s, %s): 200' % (name, form))
        check(read(s3.get_object(Bucket=BUCKET, Key=key)) == up,
              'presigned PUT (%s, %s): stored bytes' % (name, form))

    url = s3.generate_presigned_url(
        'head_object', Params={'Bucket': BUCKET, 'Key': 'pre/get me'},
        ExpiresIn=300)
    st, _ = fetch(url, 'HEAD')
    eq(st, 200, 'presigned HEAD: 200')


@test
def virtual_host():
    # bucket.s3.localhost without DNS: this process resolves it
    import socket
    orig = socket.getaddrinfo

    def gai(host, *a, **kw):
        if isinstance(host, str) and host.endswith('s3.localhost'):
            host = '127.0.0.1'
        return orig(host, *a, **kw)

    socket.getaddrinfo = gai
    try:
        port = urllib.parse.urlsplit(endpoint).port
        v = boto3.client('s3', endpoint_url='http://s3.localhost:%d' % port,
                         region_name='us-east-1',
                         config=Config(retries={'max_attempts': 1},
                                       s3={'addressing_style': 'virtual'}))
        hosts = []
        v.meta.events.register('before-send.s3', lambda request, **kw:
                               hosts.append(urllib.parse.urlsplit(
                                   request.url).hostname))
        body = data(5000, 'vhost')
        v.put_object(Bucket=BUCKET, Key='vhost/a b', Body=body)
        eq(read(s3.get_object(Bucket=BUCKET, Key='vhost/a b')), body,
           'virtual-hosted PUT, path-style GET')
        eq(read(v.get_object(Bucket=BUCKET, Key='vhost/a b')), body,
           'virtual-hosted GET')
        eq([o['Key'] for o in v.list_objects_v2(
            Bucket=BUCKET, Prefix='vhost/')['Contents']], ['vhost/a b'],
           'virtual-hosted ListObjectsV2')
        url = v.generate_presigned_url(
            'get_object', Params={'Bucket': BUCKET, 'Key': 'vhost/a b'},
            ExpiresIn=300)
        st, b = fetch(url)
        eq((st, b == body), (200, True), 'virtual-hosted presigned GET')
        v.delete_object(Bucket=BUCKET, Key='vhost/a b')
        eq(set(hosts), {BUCKET + '.s3.localhost'},
           'requests went to bucket.s3.localhost')
    finally:
        socket.getaddrinfo = orig


@test
def transfer():
    path = os.path.join(work, 'boto3-up.bin')
    body = data(3 * 1024 * 1024 + 5, 'transfer')
    with open(path, 'wb') as f:
        f.write(body)
    s3.upload_file(path, BUCKET, 'transfer/file')
    down = os.path.join(work, 'boto3-down.bin')
    s3.download_file(BUCKET, 'transfer/file', down)
    with open(down, 'rb') as f:
        check(f.read() == body, 'upload_file / download_file: bytes')


@test
def tls():
    if not tls_endpoint:
        return
    c = client(tls_endpoint, verify=ca)
    sent = []

    def seen(request, **kw):
        sent.append(request.headers.get('x-amz-content-sha256', b''))

    c.meta.events.register('before-send.s3.PutObject', seen)
    for n in (0, 10, 1024 * 1024 + 3, 6 * 1024 * 1024):
        key = 'tls/obj-%d' % n
        body = data(n, key)
        r = c.put_object(Bucket=BUCKET, Key=key, Body=body)
        eq(r['ETag'], md5(body), 'TLS put %d bytes: ETag' % n)
        g = c.get_object(Bucket=BUCKET, Key=key)
        check(read(g) == body, 'TLS get %d bytes: bytes' % n)
        check(g.get('ContentEncoding') in (None, ''),
              'TLS get %d bytes: no aws-chunked Content-Encoding' % n,
              g.get('ContentEncoding'))
    # botocore 1.36 and later: aws-chunked with a CRC32 trailer over https
    if tuple(int(x) for x in botocore.__version__.split('.')[:2]) >= (1, 36):
        eq(set(x if isinstance(x, str) else x.decode() for x in sent),
           {'STREAMING-UNSIGNED-PAYLOAD-TRAILER'},
           'TLS: the puts were sent aws-chunked with a trailer')
    path = os.path.join(work, 'boto3-tls.bin')
    body = data(2 * 1024 * 1024, 'tls-file')
    with open(path, 'wb') as f:
        f.write(body)
    c.upload_file(path, BUCKET, 'tls/file')
    check(read(c.get_object(Bucket=BUCKET, Key='tls/file')) == body,
          'TLS upload_file: bytes')
    members = c.meta.service_model.operation_model(
        'PutObject').input_shape.members
    if 'ChecksumAlgorithm' in members:
        for algo in ('CRC32', 'CRC32C', 'SHA1', 'SHA256'):
            key = 'tls/sum-' + algo
            try:
                r = c.put_object(Bucket=BUCKET, Key=key, Body=b'sum' * 1000,
                                 ChecksumAlgorithm=algo)
            except botocore.exceptions.MissingDependencyException:
                continue
            check(r.get('Checksum' + algo), 'TLS put with %s: checksum '
                  'returned' % algo, r)
            check(read(c.get_object(Bucket=BUCKET, Key=key)) ==
                  b'sum' * 1000, 'TLS put with %s: bytes' % algo)


@test
def cleanup():
    res = boto3.resource('s3', endpoint_url=endpoint, region_name='us-east-1',
                         config=CFG)
    b = res.Bucket(BUCKET)
    eq(error_of(s3.delete_bucket, Bucket=BUCKET), (409, 'BucketNotEmpty'),
       'delete non-empty bucket: BucketNotEmpty')
    b.object_versions.delete()
    eq(s3.list_objects_v2(Bucket=BUCKET)['KeyCount'], 0,
       'bucket.object_versions.delete() empties the bucket')
    s3.put_object(Bucket=BUCKET, Key='again', Body=b'x')
    b.objects.all().delete()
    eq(s3.list_objects_v2(Bucket=BUCKET)['KeyCount'], 0,
       'bucket.objects.all().delete() empties the bucket')
    s3.delete_bucket(Bucket=BUCKET)
    names = [x['Name'] for x in s3.list_buckets()['Buckets']]
    check(BUCKET not in names, 'bucket deleted', names)


failed = 0
for fn in tests:
    try:
        fn()
        check(True, fn.__name__ + ': no exception')
    except Exception:
        failed += 1
        check(False, fn.__name__ + ': no exception', traceback.format_exc())
    if fn.__name__ == 'buckets' and failed:
        break
PYEOF
}

1;
