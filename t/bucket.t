#!/usr/bin/perl

# Bucket operations: ListBuckets, CreateBucket (naming rules, location
# constraints, already owned / already exists), HeadBucket, DeleteBucket,
# GetBucketLocation, Get/PutBucketVersioning; with the exact status codes,
# error codes and XML S3 sends.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

my $t = SOS::Test->new;

# a second organization, to own what the dev key may not touch
my @other = $t->org_with_key('other');

$t->run;

sub req {
    my ($t, $method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub error_is {
    my ($got, $status, $code, $name) = @_;
    my ($st, $h, $body) = @$got;
    subtest $name => sub {
        is($st, $status, "status $status");
        like($body, qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Error>}s,
            'S3 error document');
        like($body, qr{<Code>\Q$code\E</Code>}, "code $code");
        like($body, qr{<RequestId>[^<]+</RequestId>}, 'request id');
        is($h->{'x-amz-request-id'},
            ($body =~ m{<RequestId>([^<]+)</RequestId>})[0],
            'same request id in header and body');
    };
}

sub r { return [ req(@_) ] }

# ListBuckets, nothing yet

my ($st, $h, $body) = req($t, GET => '/');
is($st, 200, 'ListBuckets 200');
like($h->{'content-type'}, qr{^application/xml}, 'ListBuckets XML');
like($body, qr{<ListAllMyBucketsResult xmlns="\Q$XMLNS\E"><Owner><ID>[0-9a-f]{64}</ID><DisplayName>dev</DisplayName></Owner><Buckets></Buckets></ListAllMyBucketsResult>},
    'ListBuckets: owner with display name, no buckets');
my ($dev_id) = $body =~ m{<ID>([0-9a-f]{64})</ID>};

# CreateBucket

($st, $h, $body) = req($t, PUT => '/bkt');
is($st, 200, 'CreateBucket 200');
is($h->{location}, '/bkt', 'CreateBucket Location');
is($h->{'content-length'}, 0, 'CreateBucket empty body');
ok($h->{'x-amz-request-id'}, 'CreateBucket x-amz-request-id');

# re-creating one's own bucket is 409 BucketAlreadyOwnedByYou, as RGW
# (rgw_op.cc RGWCreateBucket: -ERR_BUCKET_EXISTS) and S3 outside
# us-east-1 (issue 15); S3's us-east-1 200 is sos_bucket_recreate_ok on:
# t/conformance_list.t
error_is(r($t, PUT => '/bkt'), 409, 'BucketAlreadyOwnedByYou',
    'CreateBucket again by its owner: 409');

my $e = r($t, PUT => '/bkt', @other);
error_is($e, 409, 'BucketAlreadyExists', 'bucket of another organization');
like($e->[2], qr{<BucketName>bkt</BucketName>}, 'BucketAlreadyExists names the bucket');

# naming rules

my @invalid = (
    'ab', 'a' x 64, 'Bkt', 'bKt', 'bkt_1', '-bkt', 'bkt-', '.bkt', 'bkt.',
    'b..kt', '192.168.5.4', '10.0.0.1', 'xn--bkt', 'sthree-bkt',
    'amzn-s3-demo-bkt', 'bkt-s3alias', 'bkt--ol-s3', 'bkt.mrap',
    'bkt--x-s3', 'bkt--table-s3', 'b%20kt', 'b%2Bkt', 'b%C3%A9kt', 'b%40kt',
    'a.-b', 'a-.b', 'bk-.t', 'bk.-t', 'sthree-configurator-b',
);

for my $name (@invalid) {
    error_is(r($t, PUT => "/$name"), 400, 'InvalidBucketName',
        "invalid bucket name '$name'");
}

my @valid = ('abc', 'a' x 63, '1bk', 'a.b-c', 'a--b', 'a-b.c-d', '192.168.5',
    '1.2.3.4a', 'xn-a', 'a--ol-s', 's3alias');

for my $name (@valid) {
    ($st) = req($t, PUT => "/$name");
    is($st, 200, "valid bucket name '$name'");
}

# the rules are CreateBucket's: another request on a name that could not
# be created is simply a bucket that does not exist (one made under older
# rules stays reachable)
error_is(r($t, GET => '/a-.b'), 404, 'NoSuchBucket',
    'invalid name on GET: NoSuchBucket, not InvalidBucketName');

# location constraints: the endpoint's region is us-east-1

my $cfg = sub {
    my ($inner) = @_;
    return qq{<CreateBucketConfiguration xmlns="$XMLNS">$inner}
        . '</CreateBucketConfiguration>';
};

$e = r($t, PUT => '/lc1', body => $cfg->(
    '<LocationConstraint>us-east-1</LocationConstraint>'));
error_is($e, 400, 'InvalidLocationConstraint',
    'us-east-1 is said by saying nothing');
like($e->[2], qr{<Message>The specified location-constraint is not valid\.</Message>},
    'InvalidLocationConstraint message');
like($e->[2], qr{<LocationConstraint>us-east-1</LocationConstraint>},
    'InvalidLocationConstraint names the constraint');

$e = r($t, PUT => '/lc1', body => $cfg->(
    '<LocationConstraint>eu-west-1</LocationConstraint>'));
error_is($e, 400, 'IllegalLocationConstraintException',
    'another region than the endpoint\'s');
like($e->[2], qr{<Message>The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to\.</Message>},
    'IllegalLocationConstraintException message');

($st) = req($t, HEAD => '/lc1');
is($st, 404, 'refused constraints created nothing');

($st) = req($t, PUT => '/lc2', body => $cfg->('<LocationConstraint/>'));
is($st, 200, 'empty LocationConstraint: us-east-1');

($st) = req($t, PUT => '/lc3', body => $cfg->(''));
is($st, 200, 'CreateBucketConfiguration without LocationConstraint');

($st) = req($t, PUT => '/lc4',
    body => '<CreateBucketConfiguration><LocationConstraint>'
        . '</LocationConstraint></CreateBucketConfiguration>');
is($st, 200, 'no namespace is fine too');

error_is(r($t, PUT => '/lc5', body => '<CreateBucketConfiguration>'),
    400, 'MalformedXML', 'truncated XML');
error_is(r($t, PUT => '/lc5', body => 'not xml at all'),
    400, 'MalformedXML', 'not XML');
error_is(r($t, PUT => '/lc5', body => '<Configuration><LocationConstraint>'
        . '</LocationConstraint></Configuration>'),
    400, 'MalformedXML', 'wrong root element');
error_is(r($t, PUT => '/lc5', body => $cfg->('<Color>blue</Color>')),
    400, 'MalformedXML', 'unknown element');
error_is(r($t, PUT => '/lc5', body => '<?xml version="1.0"?><!DOCTYPE x ['
        . '<!ENTITY a "aaaa">]><CreateBucketConfiguration>'
        . '<LocationConstraint>&a;</LocationConstraint>'
        . '</CreateBucketConfiguration>'),
    400, 'MalformedXML', 'no DTD');

($st) = req($t, HEAD => '/lc5');
is($st, 404, 'malformed bodies created nothing');

# HeadBucket

($st, $h, $body) = req($t, HEAD => '/bkt');
is($st, 200, 'HeadBucket 200');
is($h->{'x-amz-bucket-region'}, 'us-east-1', 'HeadBucket region');
is($body, '', 'HeadBucket no body');

($st, $h, $body) = req($t, HEAD => '/nosuchbucket');
is($st, 404, 'HeadBucket missing: 404');
is($body, '', 'HeadBucket 404 has no body');

($st, $h, $body) = req($t, HEAD => '/bkt', @other);
is($st, 403, 'HeadBucket of another organization: 403');
is($body, '', 'HeadBucket 403 has no body');

# GetBucketLocation

($st, $h, $body) = req($t, GET => '/bkt?location');
is($st, 200, 'GetBucketLocation 200');
like($body, qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<LocationConstraint xmlns="\Q$XMLNS\E"/>$}s,
    'GetBucketLocation: empty for us-east-1');

error_is(r($t, GET => '/nosuchbucket?location'), 404, 'NoSuchBucket',
    'GetBucketLocation of a missing bucket');
error_is(r($t, GET => '/bkt?location', @other), 403, 'AccessDenied',
    'GetBucketLocation of another organization\'s bucket');

# versioning: never enabled

($st, $h, $body) = req($t, GET => '/bkt?versioning');
is($st, 200, 'GetBucketVersioning 200');
like($body, qr{<VersioningConfiguration xmlns="\Q$XMLNS\E"/>$},
    'GetBucketVersioning: no Status');
unlike($body, qr{Status}, 'no Status element');

error_is(r($t, GET => '/nosuchbucket?versioning'), 404, 'NoSuchBucket',
    'GetBucketVersioning of a missing bucket');

my $vc = sub {
    return qq{<VersioningConfiguration xmlns="$XMLNS">$_[0]}
        . '</VersioningConfiguration>';
};

# enabling and suspending are served (t/versioning.t); MFA delete is not
error_is(r($t, PUT => '/bkt?versioning',
        body => $vc->('<Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>')),
    501, 'NotImplemented', 'MFA delete with a Status: 501');
error_is(r($t, PUT => '/bkt?versioning',
        body => $vc->('<MfaDelete>Enabled</MfaDelete>')),
    501, 'NotImplemented', 'MFA delete: 501');
error_is(r($t, PUT => '/bkt?versioning', body => $vc->('<Status>On</Status>')),
    400, 'MalformedXML', 'bad Status');
error_is(r($t, PUT => '/bkt?versioning', body => $vc->('<Foo>1</Foo>')),
    400, 'MalformedXML', 'unknown element');
error_is(r($t, PUT => '/bkt?versioning', body => ''),
    400, 'MalformedXML', 'empty body');
error_is(r($t, PUT => '/bkt?versioning', body => '<VersioningConfiguration>'),
    400, 'MalformedXML', 'unclosed root');

($st) = req($t, PUT => '/bkt?versioning', body => $vc->(''));
is($st, 200, 'empty VersioningConfiguration changes nothing');

error_is(r($t, PUT => '/nosuchbucket?versioning',
        body => $vc->('<Status>Enabled</Status>')),
    404, 'NoSuchBucket', 'PutBucketVersioning of a missing bucket');
error_is(r($t, PUT => '/bkt?versioning', @other,
        body => $vc->('<Status>Enabled</Status>')),
    403, 'AccessDenied', 'PutBucketVersioning of another\'s bucket');

($st, $h, $body) = req($t, GET => '/bkt?versioning');
is($st, 200, 'GetBucketVersioning after the refusals: 200');
like($body, qr{<VersioningConfiguration xmlns="\Q$XMLNS\E"/>$},
    'versioning still never enabled');

# ListBuckets: the caller's buckets only, in name order

($st, $h, $body) = req($t, PUT => '/theirs', @other);
is($st, 200, 'other organization creates a bucket');

($st, $h, $body) = req($t, GET => '/');
is($st, 200, 'ListBuckets 200');
my @names = $body =~ m{<Bucket><Name>([^<]+)</Name>}g;
is_deeply(\@names, [ sort(qw(bkt lc2 lc3 lc4), @valid) ],
    'ListBuckets: the caller\'s buckets in order');
like($body, qr{<Bucket><Name>bkt</Name><CreationDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket>},
    'ListBuckets: CreationDate with milliseconds, BucketRegion');

($st, $h, $body) = req($t, GET => '/', @other);
is($st, 200, 'ListBuckets by the other organization: 200');
@names = $body =~ m{<Bucket><Name>([^<]+)</Name>}g;
is_deeply(\@names, [ 'theirs' ], 'other organization sees its own');
like($body, qr{<DisplayName>other</DisplayName>}, 'its display name');
unlike($body, qr{\Q$dev_id\E}, 'not the dev organization');

# DeleteBucket

error_is(r($t, DELETE => '/nosuchbucket'), 404, 'NoSuchBucket',
    'DeleteBucket of a missing bucket');
error_is(r($t, DELETE => '/bkt', @other), 403, 'AccessDenied',
    'DeleteBucket of another organization\'s bucket');

($st) = req($t, PUT => '/bkt/some/key', body => 'data');
is($st, 200, 'PutObject into bkt');

$e = r($t, DELETE => '/bkt');
error_is($e, 409, 'BucketNotEmpty', 'DeleteBucket with an object');
like($e->[2], qr{<BucketName>bkt</BucketName>}, 'BucketNotEmpty names it');

($st) = req($t, DELETE => '/bkt/some/key');
is($st, 204, 'DeleteObject');

($st, $h, $body) = req($t, DELETE => '/bkt');
is($st, 204, 'DeleteBucket 204');
is($body, '', 'DeleteBucket no body');

($st) = req($t, HEAD => '/bkt');
is($st, 404, 'deleted bucket is gone');

error_is(r($t, DELETE => '/bkt'), 404, 'NoSuchBucket', 'DeleteBucket twice');

# the name is free again, for anyone
($st) = req($t, PUT => '/bkt', @other);
is($st, 200, 'another organization takes the freed name');

$t->stop_ok;

# an endpoint in another region

my $eu = SOS::Test->new(http => 'sos_region eu-west-1;');
$eu->run;

($st, $h, $body) = req($eu, PUT => '/eub', region => 'eu-west-1');
is($st, 400, 'eu-west-1: no constraint is us-east-1, refused');
like($body, qr{<Code>IllegalLocationConstraintException</Code><Message>The unspecified location constraint is incompatible for the region specific endpoint this request was sent to\.</Message>},
    'eu-west-1: unspecified constraint message');

($st) = req($eu, PUT => '/eub', region => 'eu-west-1', body => $cfg->(
    '<LocationConstraint>us-east-2</LocationConstraint>'));
is($st, 400, 'eu-west-1: us-east-2 refused');

($st, $h) = req($eu, PUT => '/eub', region => 'eu-west-1', body => $cfg->(
    '<LocationConstraint>eu-west-1</LocationConstraint>'));
is($st, 200, 'eu-west-1: create with its own region');

$e = r($eu, PUT => '/eub', region => 'eu-west-1', body => $cfg->(
    '<LocationConstraint>eu-west-1</LocationConstraint>'));
error_is($e, 409, 'BucketAlreadyOwnedByYou',
    'eu-west-1: re-creating one\'s own bucket is a 409');

($st, $h, $body) = req($eu, GET => '/eub?location', region => 'eu-west-1');
like($body, qr{<LocationConstraint xmlns="\Q$XMLNS\E">eu-west-1</LocationConstraint>},
    'eu-west-1: GetBucketLocation');

($st, $h) = req($eu, HEAD => '/eub', region => 'eu-west-1');
is($h->{'x-amz-bucket-region'}, 'eu-west-1', 'eu-west-1: HeadBucket region');

($st, $h, $body) = req($eu, GET => '/', region => 'eu-west-1');
like($body, qr{<Name>eub</Name><CreationDate>[^<]+</CreationDate><BucketRegion>eu-west-1</BucketRegion>},
    'eu-west-1: ListBuckets BucketRegion');

$eu->stop_ok;

# names that the server's own locations take: in path style nginx routes
# "/sos-admin/..." to the admin API, so no bucket may be called that

my $adm = SOS::Test->new(http => "sos_domain s3.localhost;\n",
    server => <<'EOF_CONF');
        location /sos-admin/ {
            sos_admin;
        }

        location /ops {
            sos_admin;
        }
EOF_CONF
$adm->run;

my $vh = sub { (host => "$_[0].s3.localhost") };

$e = r($adm, PUT => '/sos-admin');
error_is($e, 400, 'InvalidBucketName', 'name of the admin location refused');
like($e->[2], qr{<Message>The bucket name is reserved by the location /sos-admin/\.</Message>},
    'the message names the location');
like($e->[2], qr{<BucketName>sos-admin</BucketName>}, 'and the bucket');

error_is(r($adm, PUT => '/', $vh->('sos-admin')), 400, 'InvalidBucketName',
    'refused in virtual-hosted style too');

($st) = req($adm, PUT => '/sos-admin2');
is($st, 200, '"/sos-admin/" reserves only "sos-admin"');

# "/ops" has no slash: every path "/ops..." is the admin API's
error_is(r($adm, PUT => '/', $vh->('ops')), 400, 'InvalidBucketName',
    'prefix location: its name refused');
error_is(r($adm, PUT => '/', $vh->('opsbkt')), 400, 'InvalidBucketName',
    'prefix location: names it begins refused');
($st) = req($adm, PUT => '/', $vh->('op-s'));
is($st, 200, 'prefix location: other names free');

($st, $h, $body) = req($adm, GET => '/');
is($st, 200, 'ListBuckets 200');
like($body, qr{<Bucket><Name>op-s</Name>}, 'ListBuckets lists op-s');
unlike($body, qr{<Name>(sos-admin|ops|opsbkt)</Name>},
    'no reserved bucket was made');

$adm->stop_ok;

done_testing();
