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
use FindBin;
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
# a location) to that server; http => '...' adds directives to the http
# block.
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

    $http .= $opts{http} // '';

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
    # one's own bucket again: 409 BucketAlreadyOwnedByYou, as RGW and S3
    # outside us-east-1 (issue 15; sos_bucket_recreate_ok on for 200)
    my $again = $c->fail_run('s3 mb of an existing own bucket fails',
        [ @aws, 's3', 'mb', "s3://$b" ]);
    like($again->{err}, qr/BucketAlreadyOwnedByYou/,
        '... BucketAlreadyOwnedByYou');

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

    $r = $c->fail_run('s3api head-object of a missing key fails',
        [ @aws, 's3api', 'head-object', '--bucket', $b, '--key', 'nope' ]);
    like($r->{err}, qr/\(404\)/, 'missing key: HEAD answers 404');
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
    $r = $c->fail_run('deleted object is gone', [ @aws, 's3api',
        'head-object', '--bucket', $b, '--key', 'api/obj' ]);
    like($r->{err}, qr/\(404\)/, 'deleted object: HEAD answers 404');

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
    # s3 ls exits 1 when it lists nothing, 254 or 255 when the request fails
    $r = $c->run([ @aws, 's3', 'ls', '--recursive', "s3://$b/tree/" ]);
    ok($r->{rc} == 1 && $r->{out} eq '' && $r->{err} eq '',
        'nothing left under tree/') or $c->show_failure($r);
    $r = $c->ok_run('s3api list-objects-v2 of the removed prefix',
        [ @aws, 's3api', 'list-objects-v2', '--no-paginate', '--bucket', $b,
          '--prefix', 'tree/' ]);
    is(json($r->{out} || '{}')->{KeyCount}, 0, 'tree/ lists 0 keys')
        or diag($r->{out});

    $r = $c->fail_run('s3 rb of a non-empty bucket fails',
        [ @aws, 's3', 'rb', "s3://$b" ]);
    like($r->{err}, qr/BucketNotEmpty/, 'BucketNotEmpty');

    $c->ok_run('s3 rm --recursive bucket',
        [ @aws, 's3', 'rm', '--recursive', "s3://$b" ]);
    $c->ok_run('s3 rb', [ @aws, 's3', 'rb', "s3://$b" ]);
    $r = $c->ok_run('s3 ls after rb', [ @aws, 's3', 'ls' ]);
    unlike($r->{out}, qr/\Q$b\E/, 'bucket gone');
    $r = $c->fail_run('head-bucket of the removed bucket fails',
        [ @aws, 's3api', 'head-bucket', '--bucket', $b ]);
    like($r->{err}, qr/\(404\)/, 'removed bucket: HEAD answers 404');

    $c->note_payload_modes;
}

# The boto3 test, run by t/client_boto3.t with the python3 on PATH and by
# t/client_boto3_debian.t with Debian's: t/clients/boto3_suite.py prints
# one "ok - name" or "not ok - name # detail" line per check.

sub boto3_suite {
    my ($c, $python) = @_;

    my $script = "$FindBin::Bin/clients/boto3_suite.py";
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

1;
