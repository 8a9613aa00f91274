#!/usr/bin/perl

# S3 conformance of responses, listings and buckets (issue 15, "Responses"
# and "Listing and buckets"): each case cites the AWS reference page or
# the Ceph RGW source it follows.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use SOS::Clients;
use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $DECL = '<?xml version="1.0" encoding="UTF-8"?>';

my $t = SOS::Test->new;
$t->run;

sub req { return SOS::Test->parse($t->s3(@_)) }

# --- Responses -------------------------------------------------------------

# AWS sends the declaration then LF (ListBuckets, ListObjectsV2 examples
# in the API reference); CR LF makes older Java SDKs (which escape CR
# before parsing) refuse the document: "Reference is not allowed in
# prolog".

my ($st, $h, $b) = req(PUT => '/cnf');
is($st, 200, 'CreateBucket');
($st, $h, $b) = req(PUT => '/cnf/k', body => 'v');
is($st, 200, 'PutObject');

for my $c ([ 'ListBuckets', GET => '/' ],
           [ 'ListObjects', GET => '/cnf' ],
           [ 'ListObjectsV2', GET => '/cnf?list-type=2' ],
           [ 'GetBucketAcl', GET => '/cnf?acl' ],
           [ 'GetBucketLocation', GET => '/cnf?location' ],
           [ 'an error (NoSuchKey)', GET => '/cnf/none' ],
           [ 'an error (NoSuchBucket)', GET => '/none' ]) {
    my ($name, @r) = @$c;
    ($st, $h, $b) = req(@r);
    like($b, qr{\A\Q$DECL\E\n<}, "$name: the declaration then LF");
    unlike($b, qr{\r}, "$name: no CR anywhere");
}

# --- ListObjectsV2 -----------------------------------------------------------

# AWS ListObjectsV2: ContinuationToken "is included in the response if it
# was sent with the request"; an empty one starts at the beginning (AWS
# SDKs' paginators send it empty on the first page)
($st, $h, $b) = req(PUT => '/cnf/a', body => 'a');
($st, $h, $b) = req(GET => '/cnf?list-type=2&continuation-token=');
is($st, 200, 'ListObjectsV2, empty continuation-token: 200');
like($b, qr{<ContinuationToken></ContinuationToken>|<ContinuationToken/>},
    '... echoes the empty ContinuationToken');
like($b, qr{<Key>a</Key>.*<Key>k</Key>}s, '... the first page');
($st, $h, $b) = req(GET => '/cnf?list-type=2&continuation-token='
    . '&start-after=a');
like($b, qr{<Contents><Key>k</Key>}, '... start-after still applies');
unlike($b, qr{<Key>a</Key>}, '... and skips what precedes it');

# allow-unordered=true is an RGW extension (rgw_rest_s3.cc
# RGWListBucket_ObjStore_S3::get_common_params); RGWListBucket::execute
# refuses it with a delimiter (-EINVAL: 400 InvalidArgument, s3-tests
# test_bucket_list_unordered / test_bucket_listv2_unordered)
for my $v ('', '&list-type=2') {
    ($st, $h, $b) = req(GET => "/cnf?allow-unordered=true$v");
    is($st, 200, "allow-unordered=true$v: 200");
    like($b, qr{<Key>a</Key>.*<Key>k</Key>}s, '... every key');
    ($st, $h, $b) = req(GET => "/cnf?allow-unordered=true&delimiter=%2F$v");
    is($st, 400, "allow-unordered with a delimiter$v: 400");
    like($b, qr{<Code>InvalidArgument</Code>}, '... InvalidArgument');
}
($st, $h, $b) = req(GET => '/cnf?allow-unordered=false&delimiter=%2F');
is($st, 200, 'allow-unordered=false with a delimiter: 200');

# ListObjects (v1) without encoding-type: Prefix, Delimiter, Marker and
# keys as sent, byte for byte; a control character as a character
# reference, as S3 writes it (&#x1;), which XML 1.0 parsers refuse: hence
# the SDKs' encoding-type=url (AWS ListObjects: EncodingType)
is((req(PUT => '/cnf/sp%20a%2Bb%25', body => 'k'))[0], 200, 'key "sp a+b%"');
($st, $h, $b) = req(GET => '/cnf?prefix=p%01q%09&delimiter=%02&marker=m%1Fn');
is($st, 200, 'ListObjects with control characters: 200');
like($b, qr{<Prefix>p&#x1;q\t</Prefix>}, '... Prefix: &#x1;, tab as is');
like($b, qr{<Delimiter>&#x2;</Delimiter>}, '... Delimiter: &#x2;');
like($b, qr{<Marker>m&#x1F;n</Marker>}, '... Marker: &#x1F;');
unlike($b, qr{<EncodingType>}, '... no EncodingType');
($st, $h, $b) = req(GET => '/cnf?prefix=sp');
like($b, qr{<Key>sp a\+b%</Key>}, 'ListObjects: the key unencoded');
($st, $h, $b) = req(GET => '/cnf?prefix=sp&encoding-type=url');
like($b, qr{<Key>sp%20a%2Bb%25</Key>}, 'encoding-type=url: encoded');
like($b, qr{<EncodingType>url</EncodingType>}, '... EncodingType url');

# --- ListBuckets -------------------------------------------------------------

# AWS ListBuckets: max-buckets (1-10000), continuation-token, prefix,
# bucket-region; ContinuationToken when more buckets follow, Prefix
# echoed
for my $n (qw(pga pgb pgc qqa)) {
    is((req(PUT => "/$n"))[0], 200, "CreateBucket $n");
}
sub names { my ($x) = @_; [ $x =~ m{<Bucket><Name>([^<]+)</Name>}g ] }

($st, $h, $b) = req(GET => '/?max-buckets=2');
is($st, 200, 'max-buckets=2: 200');
is_deeply(names($b), [ qw(cnf pga) ], '... the first two');
my ($tok) = $b =~ m{<ContinuationToken>([^<]+)</ContinuationToken>};
ok($tok, '... a ContinuationToken');
($st, $h, $b) = req(GET => '/?max-buckets=2&continuation-token='
    . SOS::Test::uri_escape($tok));
is_deeply(names($b), [ qw(pgb pgc) ], '... the next two');
($tok) = $b =~ m{<ContinuationToken>([^<]+)</ContinuationToken>};
($st, $h, $b) = req(GET => '/?max-buckets=2&continuation-token='
    . SOS::Test::uri_escape($tok));
is_deeply(names($b), [ qw(qqa) ], '... the last one');
unlike($b, qr{<ContinuationToken>}, '... no token after the last page');

($st, $h, $b) = req(GET => '/?prefix=pg');
is_deeply(names($b), [ qw(pga pgb pgc) ], 'prefix=pg');
like($b, qr{<Prefix>pg</Prefix>}, '... Prefix echoed');
($st, $h, $b) = req(GET => '/?prefix=pg&max-buckets=1');
is_deeply(names($b), [ qw(pga) ], 'prefix with max-buckets');
($st, $h, $b) = req(GET => '/?bucket-region=us-east-1');
is(scalar @{ names($b) }, 5, 'bucket-region of the buckets: all');
($st, $h, $b) = req(GET => '/?bucket-region=eu-west-9');
is_deeply(names($b), [], 'another bucket-region: none');

for my $bad ('max-buckets=0', 'max-buckets=10001', 'max-buckets=x',
             'continuation-token=%21%21') {
    ($st, $h, $b) = req(GET => "/?$bad");
    is($st, 400, "$bad: 400");
    like($b, qr{<Code>InvalidArgument</Code>}, '... InvalidArgument');
}

# RGW answers an anonymous ListBuckets with an empty list (s3-tests
# test_list_buckets_anonymous); AWS would refuse it
($st, $h, $b) = SOS::Test->parse($t->http(GET => '/'));
is($st, 200, 'anonymous ListBuckets: 200');
is_deeply(names($b), [], '... an empty list');
like($b, qr{<Buckets></Buckets>}, '... Buckets empty');

# --- ACL grant order -----------------------------------------------------------

# RGW lists a canned ACL's group grants before the owner's FULL_CONTROL:
# RGWAccessControlList_S3::create_canned adds the owner first, but
# add_grant (rgw_acl.cc) keeps grants in a multimap keyed by the user id,
# empty for a group, and to_xml walks it in key order
sub grants {
    my ($x) = @_;
    return [ map { m{<(?:ID|URI)>([^<]+)</(?:ID|URI)>.*<Permission>(\w+)<}s
                   ? "$1 $2" : () } $x =~ m{<Grant>(.*?)</Grant>}gs ];
}
my $ALL = 'http://acs.amazonaws.com/groups/global/AllUsers';
my $LOG = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
($st, $h, $b) = req(GET => '/');
my ($me) = $b =~ m{<Owner><ID>([^<]+)</ID>};
is((req(PUT => '/aclo', headers => { 'x-amz-acl' => 'public-read-write' }))[0],
    200, 'CreateBucket public-read-write');
($st, $h, $b) = req(GET => '/aclo?acl');
is_deeply(grants($b), [ "$ALL READ", "$ALL WRITE", "$me FULL_CONTROL" ],
    'public-read-write: AllUsers READ, WRITE, then the owner');
is((req(PUT => '/aclo/k', body => 'x',
    headers => { 'x-amz-acl' => 'log-delivery-write' }))[0], 200,
    'PutObject log-delivery-write');
($st, $h, $b) = req(GET => '/aclo/k?acl');
is_deeply(grants($b), [ "$LOG WRITE", "$LOG READ_ACP", "$me FULL_CONTROL" ],
    'log-delivery-write: LogDelivery, then the owner');
is((req(PUT => '/aclo/k?acl', headers => { 'x-amz-acl' => 'private' }))[0],
    200, 'PutObjectAcl private');
($st, $h, $b) = req(GET => '/aclo/k?acl');
is_deeply(grants($b), [ "$me FULL_CONTROL" ], 'private: the owner only');

# --- x-amz-expected-bucket-owner -------------------------------------------

# AWS lists ExpectedBucketOwner for every bucket and object operation but
# CreateBucket and ListBuckets: a bucket of another account is 403
# AccessDenied, whatever the operation (even one SOS does not serve)
my ($oth) = ('0' x 32);
is((req(PUT => '/own/k', body => 'x'))[0], 404, 'no bucket own yet');
is((req(PUT => '/own'))[0], 200, 'CreateBucket own');
is((req(PUT => '/own/k', body => 'x'))[0], 200, 'PutObject own/k');
my $up = (req(POST => '/own/mp?uploads'))[2] =~ m{<UploadId>([^<]+)<} ? $1 : '';
ok($up, 'an upload');
my @ops = (
    [ GET => '/own' ], [ GET => '/own?list-type=2' ], [ HEAD => '/own' ],
    [ GET => '/own?acl' ], [ PUT => '/own?acl', body => '' ],
    [ GET => '/own?location' ], [ GET => '/own?versioning' ],
    [ GET => '/own?versions' ], [ GET => '/own?uploads' ],
    [ GET => '/own?cors' ], [ GET => '/own?website' ],
    [ DELETE => '/own?cors' ], [ DELETE => '/own?website' ],
    [ GET => '/own?tagging' ], [ GET => '/own?policy' ],
    [ GET => '/own/k' ], [ HEAD => '/own/k' ], [ GET => '/own/k?acl' ],
    [ PUT => '/own/k2', body => 'y' ], [ DELETE => '/own/k' ],
    [ PUT => '/own/k3', headers => { 'x-amz-copy-source' => '/own/k' } ],
    [ POST => '/own/k4?uploads' ], [ GET => "/own/mp?uploadId=$up" ],
    [ PUT => "/own/mp?partNumber=1&uploadId=$up", body => 'p' ],
    [ DELETE => "/own/mp?uploadId=$up" ],
    [ POST => '/own?delete', body => '<Delete><Object><Key>k</Key>'
        . '</Object></Delete>' ],
    [ GET => '/own/k?tagging' ], [ DELETE => '/own' ]);
for my $op (@ops) {
    my ($m, $u, %o) = @$op;
    my %hd = (%{ $o{headers} || {} }, 'x-amz-expected-bucket-owner' => $oth);
    ($st, $h, $b) = req($m, $u, %o, headers => \%hd);
    is($st, 403, "$m $u, another owner expected: 403");
}
is((req(GET => '/own/k', headers => {
    'x-amz-expected-bucket-owner' => $me }))[0], 200,
    'the right owner: GetObject 200');
is((req(GET => '/own', headers => {
    'x-amz-expected-bucket-owner' => $me }))[0], 200,
    'the right owner: ListObjects 200');

# --- CreateBucket --------------------------------------------------------------

# AWS "General purpose bucket naming rules": 3-63 characters, lowercase
# letters, digits, '.', '-'; a letter or digit at each end; no "..",
# no ".-" or "-."; not an IP address; no xn-- / sthree- prefix; no
# -s3alias / --ol-s3 / .mrap / --x-s3 suffix
for my $bad (qw(ab a.-b a-.b a..b 192.168.5.4 xn--abc sthree-x -abc abc-
                Abc ab_c bkt-s3alias bkt--ol-s3 bkt.mrap bkt--x-s3)) {
    ($st, $h, $b) = req(PUT => "/$bad");
    is($st, 400, "CreateBucket $bad: 400");
    like($b, qr{<Code>InvalidBucketName</Code>}, '... InvalidBucketName');
}
for my $good (qw(a-b.c 192.168.5 x1--y abc-s3alia)) {
    is((req(PUT => "/$good"))[0], 200, "CreateBucket $good: 200");
}

# RGW (rgw_op.cc RGWCreateBucket::execute: -ERR_BUCKET_EXISTS when the
# owner is the caller) and S3 outside us-east-1: 409
# BucketAlreadyOwnedByYou
($st, $h, $b) = req(PUT => '/cnf');
is($st, 409, 'CreateBucket of one\'s own bucket: 409');
like($b, qr{<Code>BucketAlreadyOwnedByYou</Code>}, '... BucketAlreadyOwnedByYou');

# sos_region takes other names CreateBucket accepts; GetBucketLocation
# answers the region (AWS CreateBucket: LocationConstraint; RGW accepts
# its zonegroup's api_name)
my $eu = SOS::Test->new(http => 'sos_region eu-west-3 local-eu;');
$eu->run;
sub eu { return SOS::Test->parse($eu->s3(@_, region => 'eu-west-3')) }
sub lc_body {
    return qq{<CreateBucketConfiguration xmlns="$XMLNS"><LocationConstraint>}
        . $_[0] . '</LocationConstraint></CreateBucketConfiguration>';
}
($st, $h, $b) = eu(PUT => '/eu1', body => lc_body('eu-west-3'));
is($st, 200, 'LocationConstraint equal to sos_region: 200');
($st, $h, $b) = eu(GET => '/eu1?location');
like($b, qr{<LocationConstraint xmlns="\Q$XMLNS\E">eu-west-3</LocationConstraint>},
    '... GetBucketLocation answers it');
($st, $h, $b) = eu(PUT => '/eu2', body => lc_body('local-eu'));
is($st, 200, 'LocationConstraint of another sos_region name: 200');
($st, $h, $b) = eu(GET => '/eu2?location');
like($b, qr{>eu-west-3</LocationConstraint>}, '... located in the region');
($st, $h, $b) = eu(PUT => '/eu3', body => lc_body('ap-south-1'));
is($st, 400, 'another LocationConstraint: 400');
like($b, qr{<Code>IllegalLocationConstraintException</Code>},
    '... IllegalLocationConstraintException');
($st, $h, $b) = eu(PUT => '/eu1', body => lc_body('eu-west-3'));
is($st, 409, 'outside us-east-1, again: 409');
$eu->stop;

# S3's us-east-1 legacy answer, 200, with sos_bucket_recreate_ok on
my $legacy = SOS::Test->new(http => 'sos_bucket_recreate_ok on;');
$legacy->run;
is((SOS::Test->parse($legacy->s3(PUT => '/old')))[0], 200, 'CreateBucket');
is((SOS::Test->parse($legacy->s3(PUT => '/old')))[0], 200,
    'sos_bucket_recreate_ok on: again, 200');
$legacy->stop;

# --- boto3 -------------------------------------------------------------------

# the same through the SDK (t/clients/boto3_list.py): list_buckets with
# MaxBuckets / ContinuationToken / Prefix / BucketRegion, list_objects_v2
# with ContinuationToken='', create_bucket again and with a
# LocationConstraint, get_bucket_acl's order, ExpectedBucketOwner
{
    my $bt = SOS::Test->new;
    $bt->run;
    my $et = SOS::Test->new(http => 'sos_region eu-west-3;');
    $et->run;
    my $c = SOS::Clients->new($bt);
    my $r = $c->ok_run('boto3: listing and bucket calls',
        [ $c->python, "$FindBin::Bin/clients/boto3_list.py", $c->endpoint,
          'http://127.0.0.1:' . $et->port, $et->access_key,
          $et->secret_key ]);
    for my $line (split /\n/, $r->{out}) {
        like($line, qr/^ok /, "boto3: $line");
    }
    $et->stop;
    $bt->stop;
}

done_testing;
