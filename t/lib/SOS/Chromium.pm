package SOS::Chromium;

# Headless Chromium (Debian's chromium) driven through the DevTools
# protocol over a pipe (--remote-debugging-pipe: the browser reads
# commands on its fd 3 and writes replies and events on its fd 4, each a
# JSON text ended by a NUL byte), so that a test reads the console of a
# page, evaluates expressions in it and takes a screenshot without a
# WebSocket client.  Every call is bounded in time; the browser runs in
# its own process group with a fresh profile under the test's temp dir,
# and quit() (or the end of the object) ends the whole group.
#
#   my $b = SOS::Chromium->new(dir => "$dir/run1");
#   $b->load($url, ready => 'document.body.dataset.state', timeout => 30);
#   my $v = $b->js('document.title');
#   my @errors = $b->errors;            # console errors, exceptions
#   $b->screenshot("$dir/page.png");
#   $b->quit;
#
# Chromium's own stderr goes to chromium.log in that dir.

use strict;
use warnings;

use File::Path qw(make_path);
use IO::Handle;
use IO::Select;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use POSIX qw(:sys_wait_h setsid);
use Time::HiRes qw(sleep time);

sub path {
    return (grep { -x } qw(/usr/bin/chromium /usr/bin/chromium-browser))[0];
}

sub new {
    my ($class, %opts) = @_;

    my $chromium = path() or die "chromium is missing: run make deps\n";
    my $dir = $opts{dir} or die "SOS::Chromium->new: dir missing\n";
    make_path("$dir/profile");

    my $size = $opts{window} || '1024,768';

    # names under localhost are the loopback in Chromium itself; no proxy
    # from the environment, nothing fetched but what the test asks for
    my @cmd = ($chromium, '--headless', '--no-sandbox', '--disable-gpu',
        '--disable-dev-shm-usage', '--disable-extensions',
        '--disable-background-networking', '--disable-component-update',
        '--disable-default-apps', '--disable-sync', '--no-first-run',
        '--no-default-browser-check', '--no-proxy-server',
        '--hide-scrollbars', '--mute-audio', "--window-size=$size",
        "--user-data-dir=$dir/profile", '--remote-debugging-pipe',
        'about:blank');

    pipe(my $cmd_r, my $cmd_w) or die "pipe: $!\n";
    pipe(my $ev_r, my $ev_w) or die "pipe: $!\n";

    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        setsid();
        open STDIN, '<', '/dev/null' or POSIX::_exit(127);
        open STDOUT, '>', "$dir/chromium.log" or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
        # through copies above 4, so that dup2 never meets its own fd:
        # the descriptors it makes stay open across exec
        my $in = POSIX::dup(fileno $cmd_r) // POSIX::_exit(127);
        my $out = POSIX::dup(fileno $ev_w) // POSIX::_exit(127);
        POSIX::dup2($in, 3) // POSIX::_exit(127);
        POSIX::dup2($out, 4) // POSIX::_exit(127);
        exec { $cmd[0] } @cmd or print STDERR "exec $cmd[0]: $!\n";
        POSIX::_exit(127);
    }

    close $cmd_r;
    close $ev_w;
    $cmd_w->autoflush(1);

    my $self = bless {
        pid => $pid,
        dir => $dir,
        to => $cmd_w,
        from => $ev_r,
        sel => IO::Select->new($ev_r),
        buf => '',
        id => 0,
        console => [],
        json => JSON::PP->new->utf8->canonical,
        timeout => $opts{timeout} || 30,
    }, $class;

    return $self;
}

sub dir { $_[0]{dir} }

# Send a command (to the page's session once load() has attached) and
# wait for its reply; dies with the protocol's error or on timeout.

sub call {
    my ($self, $method, $params, %opts) = @_;

    my $id = ++$self->{id};
    my $msg = { id => $id, method => $method, params => $params || {} };
    my $session = exists $opts{session} ? $opts{session} : $self->{session};
    $msg->{sessionId} = $session if defined $session;

    local $SIG{PIPE} = 'IGNORE';
    print { $self->{to} } $self->{json}->encode($msg) . "\0"
        or die "chromium: write $method: $!\n";

    my $deadline = time() + ($opts{timeout} || $self->{timeout});

    while (1) {
        my $m = $self->_next($deadline)
            // die "chromium: no reply to $method in time\n";
        next unless defined $m->{id} && $m->{id} == $id;
        die "chromium: $method: $m->{error}{message}\n" if $m->{error};
        return $m->{result};
    }
}

# The next message from the browser, events recorded on the way; undef
# when the deadline passes.

sub _next {
    my ($self, $deadline) = @_;

    while (1) {
        if ($self->{buf} =~ s/^([^\0]*)\0//) {
            my $m = $self->{json}->decode($1);
            $self->_event($m) if defined $m->{method};
            return $m;
        }

        my $left = $deadline - time();
        return undef if $left <= 0;
        next unless $self->{sel}->can_read($left);

        my $n = sysread($self->{from}, $self->{buf}, 65536,
            length $self->{buf});
        die "chromium: the browser went away (see "
            . "$self->{dir}/chromium.log)\n" unless $n;
    }
}

# What the page said: console calls, uncaught exceptions and the
# browser's own log entries (failed loads, blocked CORS requests).

sub _event {
    my ($self, $m) = @_;

    my $p = $m->{params} || {};
    my $e;

    if ($m->{method} eq 'Runtime.consoleAPICalled') {
        $e = { level => $p->{type}, source => 'console-api',
            text => join(' ', map {
                defined $_->{value} ? $_->{value}
                    : ($_->{description} // $_->{type})
            } @{ $p->{args} || [] }) };
    } elsif ($m->{method} eq 'Runtime.exceptionThrown') {
        my $d = $p->{exceptionDetails} || {};
        $e = { level => 'error', source => 'exception',
            text => ($d->{exception} && $d->{exception}{description})
                // $d->{text} // 'exception' };
    } elsif ($m->{method} eq 'Log.entryAdded') {
        my $l = $p->{entry} || {};
        $e = { level => $l->{level}, source => $l->{source},
            text => $l->{text} . ($l->{url} ? " ($l->{url})" : '') };
    } elsif ($m->{method} eq 'Page.loadEventFired') {
        $self->{loaded} = 1;
    }

    push @{ $self->{console} }, $e if $e;
}

# Open a URL in a new tab and wait for its load event, then, with ready
# => 'expression', until the expression is true in the page.  Returns
# true when both happened within the timeout.

sub load {
    my ($self, $url, %opts) = @_;

    my $timeout = $opts{timeout} || $self->{timeout};
    my $deadline = time() + $timeout;

    my $target = $self->call('Target.createTarget', { url => 'about:blank' },
        session => undef)->{targetId};
    $self->{session} = $self->call('Target.attachToTarget',
        { targetId => $target, flatten => JSON::PP::true },
        session => undef)->{sessionId};

    $self->call($_) for qw(Runtime.enable Log.enable Page.enable);

    $self->{loaded} = 0;
    my $nav = $self->call('Page.navigate', { url => $url });
    die "chromium: $url: $nav->{errorText}\n" if $nav->{errorText};

    while (!$self->{loaded}) {
        $self->_next($deadline) // return 0;
    }

    return 1 unless $opts{ready};

    while (time() < $deadline) {
        return 1 if $self->js($opts{ready});
        # let events in while waiting
        $self->_next(time() + 0.1);
    }

    return 0;
}

# The value of an expression in the page (promises awaited); dies when
# it throws.

sub js {
    my ($self, $expr) = @_;

    my $r = $self->call('Runtime.evaluate', { expression => $expr,
        returnByValue => JSON::PP::true, awaitPromise => JSON::PP::true });
    if (my $d = $r->{exceptionDetails}) {
        die "chromium: $expr: "
            . (($d->{exception} && $d->{exception}{description})
                // $d->{text}) . "\n";
    }

    return $r->{result}{value};
}

# Everything the page logged, and the errors among it.

sub console { @{ $_[0]{console} } }

sub errors { grep { $_->{level} eq 'error' } @{ $_[0]{console} } }

# A PNG of the page as shown (the window's size); returns its length.

sub screenshot {
    my ($self, $path) = @_;

    my $r = $self->call('Page.captureScreenshot', { format => 'png' });
    my $png = decode_base64($r->{data});

    open(my $fh, '>', $path) or die "$path: $!\n";
    binmode $fh;
    print $fh $png;
    close $fh or die "$path: $!\n";

    return length $png;
}

# Ask the browser to quit, then end its process group: whatever is left
# of it once the browser has exited, or 5 seconds later, is killed.  The
# browser is reaped only after that, so that its group id cannot have
# gone to another process.

sub quit {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return;

    eval { $self->call('Browser.close', {}, session => undef, timeout => 5) };
    close $self->{to};

    my $deadline = time() + 5;
    while (time() < $deadline) {
        open(my $fh, '<', "/proc/$pid/stat") or last;
        my $stat = <$fh> // '';
        last if $stat =~ /^\d+ \(.*\) Z/s;
        sleep(0.05);
    }
    kill 'KILL', -$pid;
    waitpid($pid, 0);
    close $self->{from};
}

sub DESTROY {
    my ($self) = @_;
    local ($@, $!, $?);
    $self->quit;
}

1;
