package SOS::Admin;

# The admin API in tests: the location that serves it to loopback, and
# sosctl run against it as a user runs it (no --data).
#
#   my $t = SOS::Test->new(server => $SOS::Admin::LOCATION)->run;
#   my ($rc, $out, $err) = SOS::Admin::sosctl_online($t, {}, 'org', 'list');

use strict;
use warnings;

use SOS::Test;

our $LOCATION = <<'EOF_CONF';
        location /sos-admin/ {
            sos_admin;
            allow 127.0.0.1;
            deny all;
        }
EOF_CONF

# sosctl on $t's server with its keys, in an environment of its own
# changed by %$env (an undef value removes the variable; SOS_ENDPOINT
# names another server); returns (exit status, stdout, stderr).

sub sosctl_online {
    my ($t, $env, @args) = @_;

    my $dir = $t->dir;
    my $pid = fork() // die "fork: $!\n";

    if ($pid == 0) {
        delete @ENV{qw(AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE SOS_DATA
                       AWS_REGION AWS_DEFAULT_REGION SOS_ADMIN_PATH)};
        $ENV{HOME} = $dir;
        $ENV{SOS_ENDPOINT} = 'http://127.0.0.1:' . $t->port;
        $ENV{AWS_ACCESS_KEY_ID} = $t->access_key;
        $ENV{AWS_SECRET_ACCESS_KEY} = $t->secret_key;
        %ENV = (%ENV, %$env);
        delete $ENV{$_} for grep { !defined $ENV{$_} } keys %ENV;
        open STDOUT, '>', "$dir/online.out" or die;
        open STDERR, '>', "$dir/online.err" or die;
        exec(SOS::Test::sosctl_path(), @args);
        die "exec: $!\n";
    }

    waitpid($pid, 0);
    my $rc = $? >> 8;

    return ($rc, SOS::Test::_slurp("$dir/online.out"),
        SOS::Test::_slurp("$dir/online.err"));
}

1;
