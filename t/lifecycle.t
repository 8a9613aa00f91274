#!/usr/bin/perl

# Lifecycle: Put/Get/DeleteBucketLifecycleConfiguration (valid documents
# read back, every validation error with S3's code), and the background
# sweep with a fast clock (sos_lifecycle_day 2s): current versions
# expired (a delete, or a delete marker in a versioned bucket),
# noncurrent versions removed keeping NewerNoncurrentVersions, a lone
# expired delete marker removed, an old upload aborted, the Prefix, Tag
# and size filters and Disabled rules respected, the freed bytes
# reported in the error log, x-amz-expiration on GET/HEAD/PUT, and a
# sweep that goes on after a restart.
#
# Codes: AWS PutBucketLifecycleConfiguration and the lifecycle
# configuration elements reference; where AWS leaves it open, as Ceph's
# s3-tests test_lifecycle_* expect of RGW (InvalidArgument for a day
# count that is not positive, a long or repeated ID, a Date not at
# midnight; MalformedXML for a bad Status).  A Transition is refused
# 400 InvalidStorageClass, as RGW refuses a storage class it does not
# have.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::MD5 qw(md5_base64);
use Time::HiRes qw(sleep time);
use Test::More;

use SOS::Test;

my $XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

my $t = SOS::Test->new(http => "sos_lifecycle_day 2s;\n"
    . "sos_lifecycle_interval 1s;\n");
my %bob = $t->org_with_key('bob');
$t->run;

sub req {
    my ($method, $uri, %opts) = @_;
    return SOS::Test->parse($t->s3($method, $uri, %opts));
}

sub code { ($_[0] =~ m{<Code>([^<]*)</Code>})[0] || '' }
sub message {
    my ($m) = $_[0] =~ m{<Message>([^<]*)</Message>};
    return '' unless defined $m;
    $m =~ s/&quot;/"/g;
    $m =~ s/&apos;/'/g;
    return $m;
}

sub md5 { my $m = md5_base64($_[0]); "$m==" }

sub lc_doc {
    return qq{<LifecycleConfiguration xmlns="$XMLNS">}
        . join('', map { "<Rule>$_</Rule>" } @_)
        . '</LifecycleConfiguration>';
}

sub put_lc {
    my ($bucket, $xml, %opts) = @_;
    return req(PUT => "/$bucket?lifecycle", body => $xml,
        headers => { 'Content-MD5' => md5($xml) }, %opts);
}

# a rule refused: (status, code, message)
sub refused {
    my ($rule, $status, $code, $msg, $name) = @_;
    my ($s, $h, $b) = put_lc('conf', lc_doc(ref $rule ? @$rule : $rule));
    is(code($b), $code, "$name: $code");
    is($s, $status, "$name: $status");
    is(message($b), $msg, "$name: message") if defined $msg;
}

my ($s, $h, $b);

# ------------------------------------------------------------ configuration

($s) = req(PUT => '/conf');
is($s, 200, 'bucket');

($s, $h, $b) = req(GET => '/conf?lifecycle');
is($s, 404, 'no configuration: 404');
is(code($b), 'NoSuchLifecycleConfiguration', 'NoSuchLifecycleConfiguration');
like($b, qr{<BucketName>conf</BucketName>}, 'the bucket named');

my $rule = '<ID>one</ID><Filter><Prefix>logs/</Prefix></Filter>'
    . '<Status>Enabled</Status><Expiration><Days>30</Days></Expiration>';

($s, $h, $b) = req(PUT => '/conf?lifecycle', body => lc_doc($rule));
is($s, 400, 'no Content-MD5: 400');
is(code($b), 'InvalidRequest', 'no Content-MD5: InvalidRequest');

my $full = lc_doc($rule,
    '<ID>two</ID><Prefix>old/</Prefix><Status>Disabled</Status>'
    . '<NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays>'
    . '<NewerNoncurrentVersions>2</NewerNoncurrentVersions>'
    . '</NoncurrentVersionExpiration>'
    . '<AbortIncompleteMultipartUpload><DaysAfterInitiation>3'
    . '</DaysAfterInitiation></AbortIncompleteMultipartUpload>',
    '<ID>three</ID><Filter><And><Prefix>p/</Prefix>'
    . '<Tag><Key>k</Key><Value>v</Value></Tag>'
    . '<Tag><Key>k2</Key><Value></Value></Tag>'
    . '<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan>'
    . '<ObjectSizeLessThan>1000</ObjectSizeLessThan></And></Filter>'
    . '<Status>Enabled</Status>'
    . '<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration>',
    '<ID>four</ID><Filter></Filter><Status>Enabled</Status>'
    . '<Expiration><ExpiredObjectDeleteMarker>true'
    . '</ExpiredObjectDeleteMarker></Expiration>');

($s, $h, $b) = put_lc('conf', $full);
is($s, 200, 'PutBucketLifecycleConfiguration: 200');

($s, $h, $b) = req(GET => '/conf?lifecycle');
is($s, 200, 'GetBucketLifecycleConfiguration: 200');
like($b, qr{<Rule><ID>one</ID><Filter><Prefix>logs/</Prefix></Filter>
    <Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>}x,
    'a Filter with a Prefix, Expiration Days');
like($b, qr{<Rule><ID>two</ID><Prefix>old/</Prefix><Status>Disabled</Status>
    <NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays>
    <NewerNoncurrentVersions>2</NewerNoncurrentVersions>
    </NoncurrentVersionExpiration><AbortIncompleteMultipartUpload>
    <DaysAfterInitiation>3</DaysAfterInitiation>
    </AbortIncompleteMultipartUpload></Rule>}x,
    'the legacy Prefix, Disabled, noncurrent and upload actions');
like($b, qr{<Rule><ID>three</ID><Filter><And><Prefix>p/</Prefix>
    <Tag><Key>k</Key><Value>v</Value></Tag>
    <Tag><Key>k2</Key><Value></Value></Tag>
    <ObjectSizeGreaterThan>10</ObjectSizeGreaterThan>
    <ObjectSizeLessThan>1000</ObjectSizeLessThan></And></Filter>
    <Status>Enabled</Status><Expiration>
    <Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule>}x,
    'And with tags and sizes, a Date');
like($b, qr{<Rule><ID>four</ID><Filter></Filter><Status>Enabled</Status>
    <Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>
    </Expiration></Rule>}x, 'an empty Filter, ExpiredObjectDeleteMarker');

# every refusal leaves the configuration as it was

my $ok = '<Filter/><Status>Enabled</Status>';
my $exp1 = '<Expiration><Days>1</Days></Expiration>';

refused("<Status>Enabled</Status>$exp1", 400, 'MalformedXML', undef,
    'neither Filter nor Prefix');
refused("<Prefix/><Filter/><Status>Enabled</Status>$exp1", 400,
    'MalformedXML', undef, 'both Filter and Prefix');
refused("<Filter/><Status>On</Status>$exp1", 400, 'MalformedXML', undef,
    'Status On');
refused("<Filter/>$exp1", 400, 'MalformedXML', undef, 'no Status');
refused('<Filter><Prefix>a</Prefix><ObjectSizeLessThan>5'
    . "</ObjectSizeLessThan></Filter><Status>Enabled</Status>$exp1", 400,
    'MalformedXML', undef, 'two conditions without And');
refused("$ok<Expiration/>", 400, 'MalformedXML', undef,
    'an empty Expiration');
refused("$ok<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date>"
    . '</Expiration>', 400, 'MalformedXML', undef, 'Days and Date');
refused("$ok<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true"
    . '</ExpiredObjectDeleteMarker></Expiration>', 400, 'MalformedXML',
    undef, 'Days and ExpiredObjectDeleteMarker');
refused("$ok<Expiration><Days>0</Days></Expiration>", 400,
    'InvalidArgument', "'Days' for Expiration action must be a positive "
    . 'integer', 'Days 0');
refused("$ok<Expiration><Days>-3</Days></Expiration>", 400,
    'InvalidArgument', "'Days' for Expiration action must be a positive "
    . 'integer', 'Days -3');
refused("$ok<Expiration><Days>2147483648</Days></Expiration>", 400,
    'MalformedXML', undef, 'Days past an xsd:int');
refused("$ok<Expiration><Date>2030-01-01T10:00:00Z</Date></Expiration>",
    400, 'InvalidArgument', "'Date' must be at midnight GMT",
    'a Date not at midnight');
# a day the month does not have is no date (it would roll over into the
# next month); February 29th only in a leap year
for my $d (qw(2031-02-31 2031-02-29 2100-02-29 2031-04-31)) {
    refused("$ok<Expiration><Date>${d}T00:00:00Z</Date></Expiration>",
        400, 'InvalidArgument', "'Date' must be at midnight GMT",
        "no such day: $d");
}
($s, $h, $b) = put_lc('conf', lc_doc('<ID>leap</ID><Filter></Filter>'
    . '<Status>Enabled</Status>'
    . '<Expiration><Date>2032-02-29T00:00:00Z</Date></Expiration>'));
is($s, 200, 'February 29th of a leap year is a Date');
($s, $h, $b) = put_lc('conf', $full);
is($s, 200, '... and the full configuration back');
refused("$ok<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays>"
    . '</NoncurrentVersionExpiration>', 400, 'InvalidArgument',
    "'NoncurrentDays' for NoncurrentVersionExpiration action must be a "
    . 'positive integer', 'NoncurrentDays 0');
refused("$ok<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
    . '<NewerNoncurrentVersions>101</NewerNoncurrentVersions>'
    . '</NoncurrentVersionExpiration>', 400, 'InvalidArgument', undef,
    'NewerNoncurrentVersions 101');
refused("$ok<AbortIncompleteMultipartUpload><DaysAfterInitiation>0"
    . '</DaysAfterInitiation></AbortIncompleteMultipartUpload>', 400,
    'InvalidArgument', "'DaysAfterInitiation' for "
    . 'AbortIncompleteMultipartUpload action must be a positive integer',
    'DaysAfterInitiation 0');
refused('<Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter>'
    . '<Status>Enabled</Status><AbortIncompleteMultipartUpload>'
    . '<DaysAfterInitiation>1</DaysAfterInitiation>'
    . '</AbortIncompleteMultipartUpload>', 400, 'InvalidRequest', undef,
    'AbortIncompleteMultipartUpload with a tag');
refused('<Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter>'
    . '<Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true'
    . '</ExpiredObjectDeleteMarker></Expiration>', 400, 'InvalidRequest',
    undef, 'ExpiredObjectDeleteMarker with a tag');
refused($ok, 400, 'InvalidRequest',
    'At least one action needs to be specified in a rule', 'no action');
refused('<ID>' . ('x' x 256) . "</ID>$ok$exp1", 400, 'InvalidArgument',
    'ID length should not exceed allowed limit of 255', 'ID of 256');
refused(["<ID>same</ID>$ok$exp1", "<ID>same</ID>$ok$exp1"], 400,
    'InvalidArgument', 'Rule ID must be unique. Found same ID for more '
    . 'than one rule', 'the same ID twice');
refused('<Filter><And><Tag><Key>a</Key><Value>1</Value></Tag>'
    . '<Tag><Key>a</Key><Value>2</Value></Tag></And></Filter>'
    . "<Status>Enabled</Status>$exp1", 400, 'InvalidRequest',
    'Duplicate Tag Keys are not allowed.', 'a tag key twice');
refused('<Filter><Tag><Key>' . ('k' x 129) . '</Key><Value>v</Value></Tag>'
    . "</Filter><Status>Enabled</Status>$exp1", 400, 'InvalidTag',
    'The TagKey you have provided is too long, max 128', 'a tag key of 129');
refused('<Filter><Tag><Key>k</Key><Value>' . ('v' x 257) . '</Value></Tag>'
    . "</Filter><Status>Enabled</Status>$exp1", 400, 'InvalidTag',
    'The TagValue you have provided is too long, max 256',
    'a tag value of 257');
refused('<Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan>'
    . '<ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter>'
    . "<Status>Enabled</Status>$exp1", 400, 'InvalidArgument', undef,
    'ObjectSizeGreaterThan not below ObjectSizeLessThan');
refused("$ok<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass>"
    . '</Transition>', 400, 'InvalidStorageClass', undef, 'a Transition');
refused("$ok<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays>"
    . '<StorageClass>STANDARD_IA</StorageClass>'
    . '</NoncurrentVersionTransition>', 400, 'InvalidStorageClass', undef,
    'a NoncurrentVersionTransition');
refused("$ok$exp1<Foo/>", 400, 'MalformedXML', undef, 'an unknown element');
refused([ map { "<ID>r$_</ID>$ok$exp1" } 1 .. 1001 ], 400,
    'InvalidRequest', undef, '1,001 rules');

($s, $h, $b) = put_lc('conf', '<LifecycleConfiguration/>');
is(code($b), 'MalformedXML', 'no rule: MalformedXML');

($s, $h, $b) = req(GET => '/conf?lifecycle');
like($b, qr{<ID>four</ID>}, 'the refusals changed nothing');

($s) = put_lc('conf', lc_doc(map { "<ID>r$_</ID>$ok$exp1" } 1 .. 1000));
is($s, 200, '1,000 rules');

# the owner's only, even when the ACL lets others write

($s) = req(PUT => '/conf?acl', headers => { 'x-amz-acl' =>
    'public-read-write' });
is($s, 200, 'conf: public-read-write');
for my $m (qw(GET PUT DELETE)) {
    ($s, $h, $b) = $m eq 'PUT'
        ? put_lc('conf', lc_doc("$ok$exp1"), access => $bob{access},
            secret => $bob{secret})
        : req($m => '/conf?lifecycle', access => $bob{access},
            secret => $bob{secret});
    is("$s " . code($b), '403 AccessDenied', "$m by another: 403");
}
req(PUT => '/conf?acl', headers => { 'x-amz-acl' => 'private' });

($s, $h, $b) = req(DELETE => '/conf?lifecycle');
is($s, 204, 'DeleteBucketLifecycle: 204');
($s, $h, $b) = req(GET => '/conf?lifecycle');
is($s, 404, 'deleted: 404');

# ------------------------------------------------------------ x-amz-expiration

put_lc('conf', lc_doc('<ID>long "one"</ID><Filter><Prefix>e/</Prefix>'
    . '</Filter><Status>Enabled</Status><Expiration><Days>1000</Days>'
    . '</Expiration>', '<ID>off</ID><Filter/><Status>Disabled</Status>'
    . '<Expiration><Days>1</Days></Expiration>'));

($s, $h) = req(PUT => '/conf/e/x', body => 'data');
my $date = qr{\w\w\w, \d\d \w\w\w \d{4} \d\d:\d\d:\d\d GMT};
like($h->{'x-amz-expiration'} || '',
    qr{^expiry-date="$date", rule-id="long \\"one\\""$},
    'PUT: x-amz-expiration');
($s, $h) = req(GET => '/conf/e/x');
like($h->{'x-amz-expiration'} || '', qr{rule-id="long \\"one\\""},
    'GET: x-amz-expiration');
($s, $h) = req(HEAD => '/conf/e/x');
like($h->{'x-amz-expiration'} || '', qr{rule-id="long \\"one\\""},
    'HEAD: x-amz-expiration');
($s, $h) = req(PUT => '/conf/other', body => 'data');
ok(!exists $h->{'x-amz-expiration'}, 'no rule takes it (Disabled): none');

req(DELETE => '/conf/e/x');
req(DELETE => '/conf/other');
req(DELETE => '/conf?lifecycle');

# ------------------------------------------------------------ the sweep

# what the sweep logged: the sums of its step lines, and its pass lines

sub log_text { $t->read_file('error.log') }

sub freed {
    my ($text) = @_;
    my %sum = map { $_ => 0 } qw(objects versions markers uploads bytes
        refused);
    my $re = 'sos: lifecycle: (\d+) objects expired, (\d+) noncurrent '
        . 'versions and (\d+) delete markers removed, (\d+) uploads '
        . 'aborted, (\d+) bytes freed, (\d+) refused';
    while ($text =~ /$re/g)
    {
        $sum{objects} += $1;
        $sum{versions} += $2;
        $sum{markers} += $3;
        $sum{uploads} += $4;
        $sum{bytes} += $5;
        $sum{refused} += $6;
    }
    return \%sum;
}

# poll, at most $secs seconds
sub wait_for {
    my ($secs, $cond) = @_;
    my $deadline = time() + $secs;
    while (time() < $deadline) {
        return 1 if $cond->();
        sleep 0.2;
    }
    return $cond->();
}

sub exists_now { (req(HEAD => $_[0]))[0] == 200 }

sub versions_of {
    my ($bucket, $key) = @_;
    (my $prefix = $key) =~ s{/}{%2F}g;
    my (undef, undef, $b) = req(GET => "/$bucket?versions&prefix=$prefix");
    my @v;
    while ($b =~ m{<(Version|DeleteMarker)>(.*?)</\1>}sg) {
        my ($kind, $e) = ($1, $2);
        next unless $e =~ m{<Key>\Q$key\E</Key>};
        my ($size) = $e =~ m{<Size>(\d+)</Size>};
        push @v, $kind eq 'DeleteMarker' ? 'marker' : $size;
    }
    return join ',', @v;
}

my $before = freed(log_text());

# buckets without rules between the others: more than a step looks at

req(PUT => sprintf('/idle%02d', $_)) for 0 .. 69;

# an unversioned bucket: Prefix, And of a prefix and a size, a tag,
# Disabled, an old upload

req(PUT => '/plain');
req(PUT => "/plain/$_->[0]", body => 'x' x $_->[1], headers => $_->[2] || {})
    for [ 'logs/a', 10 ], [ 'keep/b', 20 ], [ 'big/x', 100 ],
    [ 'big/y', 10 ], [ 'tag/t1', 30, { 'x-amz-tagging' => 'del=yes' } ],
    [ 'tag/t2', 30, { 'x-amz-tagging' => 'del=no' } ], [ 'dis/d', 5 ],
    [ 'date/d', 9 ], [ 'later/l', 4 ];

my %upload;
for my $k (qw(up/u keep/u)) {
    ($s, $h, $b) = req(POST => "/plain/$k?uploads");
    ($upload{$k}) = $b =~ m{<UploadId>([^<]+)</UploadId>};
    ($s) = req(PUT => "/plain/$k?partNumber=1&uploadId=$upload{$k}",
        body => 'p' x 7);
    is($s, 200, "a part of $k");
}

($s) = put_lc('plain', lc_doc(
    '<ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter>'
    . "<Status>Enabled</Status>$exp1",
    '<ID>big</ID><Filter><And><Prefix>big/</Prefix>'
    . '<ObjectSizeGreaterThan>50</ObjectSizeGreaterThan></And></Filter>'
    . "<Status>Enabled</Status>$exp1",
    '<ID>tag</ID><Filter><Tag><Key>del</Key><Value>yes</Value></Tag>'
    . "</Filter><Status>Enabled</Status>$exp1",
    "<ID>dis</ID><Prefix>dis/</Prefix><Status>Disabled</Status>$exp1",
    '<ID>date</ID><Prefix>date/</Prefix><Status>Enabled</Status>'
    . '<Expiration><Date>2020-01-01T00:00:00Z</Date></Expiration>',
    '<ID>later</ID><Prefix>later/</Prefix><Status>Enabled</Status>'
    . '<Expiration><Date>2100-01-01</Date></Expiration>',
    '<ID>up</ID><Filter><Prefix>up/</Prefix></Filter>'
    . '<Status>Enabled</Status><AbortIncompleteMultipartUpload>'
    . '<DaysAfterInitiation>1</DaysAfterInitiation>'
    . '</AbortIncompleteMultipartUpload>'));
is($s, 200, 'plain: rules');

# a versioned bucket: noncurrent versions, keeping the newest one; a
# current version expired into a delete marker, its data removed once
# noncurrent, then the marker left alone

req(PUT => '/ver');
($s) = req(PUT => '/ver?versioning', body => qq{<VersioningConfiguration }
    . qq{xmlns="$XMLNS"><Status>Enabled</Status></VersioningConfiguration>});
is($s, 200, 'ver: versioning enabled');

req(PUT => '/ver/k', body => 'v' x $_) for 1000, 2000, 3000, 40;
req(PUT => '/ver/cur/x', body => 'c' x 50);
is(versions_of('ver', 'k'), '40,3000,2000,1000', 'k: four versions');

($s) = put_lc('ver', lc_doc(
    '<ID>nc</ID><Filter><Prefix>k</Prefix></Filter><Status>Enabled</Status>'
    . '<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>'
    . '<NewerNoncurrentVersions>1</NewerNoncurrentVersions>'
    . '</NoncurrentVersionExpiration>',
    "<ID>cur</ID><Filter><Prefix>cur/</Prefix></Filter>"
    . "<Status>Enabled</Status>$exp1"
    . '<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>'
    . '</NoncurrentVersionExpiration>',
    '<ID>marker</ID><Filter><Prefix>cur/</Prefix></Filter>'
    . '<Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true'
    . '</ExpiredObjectDeleteMarker></Expiration>'));
is($s, 200, 'ver: rules');

# a suspended bucket: the current version, the null one, expires into a
# null delete marker that replaces it (its data freed); the version with
# an id stays, noncurrent

req(PUT => '/susp');
req(PUT => '/susp?versioning', body => qq{<VersioningConfiguration }
    . qq{xmlns="$XMLNS"><Status>Enabled</Status></VersioningConfiguration>});
req(PUT => '/susp/s/a', body => 'a' x 11);
($s) = req(PUT => '/susp?versioning', body => qq{<VersioningConfiguration }
    . qq{xmlns="$XMLNS"><Status>Suspended</Status></VersioningConfiguration>});
is($s, 200, 'susp: versioning suspended');
req(PUT => '/susp/s/a', body => 'a' x 22);
is(versions_of('susp', 's/a'), '22,11', 's/a: the null version, then one');
($s) = put_lc('susp', lc_doc("<ID>s</ID><Prefix>s/</Prefix>"
    . "<Status>Enabled</Status>$exp1"));
is($s, 200, 'susp: rules');

# a day is 2 s: every action is due within 4 s of its start, the marker
# within 4 s of the expiry that made it

is(versions_of('ver', 'cur/x'), '50', 'cur/x: one version');
ok(wait_for(40, sub { versions_of('ver', 'cur/x') eq '' }),
    'cur/x: expired, its data removed, then its lone marker');
ok(wait_for(20, sub { versions_of('ver', 'k') eq '40,3000' }),
    'k: the current version and the newest noncurrent one kept');
ok(wait_for(20, sub { !exists_now('/plain/logs/a') }), 'logs/a expired');
ok(wait_for(10, sub { versions_of('susp', 's/a') eq 'marker,11' }),
    's/a: a null marker in the place of the null version');
ok(!exists_now('/plain/big/x'), 'big/x (100 bytes > 50) expired');
ok(exists_now('/plain/big/y'), 'big/y (10 bytes) kept');
ok(!exists_now('/plain/tag/t1'), 'tag/t1 (del=yes) expired');
ok(exists_now('/plain/tag/t2'), 'tag/t2 (del=no) kept');
ok(exists_now('/plain/dis/d'), 'dis/d (a Disabled rule) kept');
ok(exists_now('/plain/keep/b'), 'keep/b (no rule) kept');
ok(!exists_now('/plain/date/d'), 'date/d (a Date past) expired');
ok(exists_now('/plain/later/l'), 'later/l (a Date to come) kept');
($s, $h) = req(HEAD => '/plain/later/l');
is($h->{'x-amz-expiration'},
    'expiry-date="Fri, 01 Jan 2100 00:00:00 GMT", rule-id="later"',
    'x-amz-expiration of a Date rule');

($s, $h, $b) = req(GET => '/plain?uploads');
unlike($b, qr{\Q$upload{'up/u'}\E}, 'the upload under up/ aborted');
like($b, qr{\Q$upload{'keep/u'}\E}, 'the upload under keep/ kept');

my $after = freed(log_text());
my %got = map { $_ => $after->{$_} - $before->{$_} } keys %$after;

# plain: 10 + 100 + 30 + 9 bytes of objects and a 7-byte part; ver: 1000
# and 2000 of k, 50 of cur/x (a marker frees nothing); susp: 22

is($got{objects}, 6, 'logged: 6 current versions expired');
is($got{versions}, 3, 'logged: 3 noncurrent versions removed');
is($got{markers}, 1, 'logged: 1 delete marker removed');
is($got{uploads}, 1, 'logged: 1 upload aborted');
is($got{bytes}, 156 + 3050 + 22, 'logged: 3,228 bytes freed');
is($got{refused}, 0, 'logged: nothing refused');
like(log_text(), qr/sos: lifecycle pass \d+ done: /, 'a pass line');

# ------------------------------------------------------------ a restart

# 600 keys due at once take six steps (100 keys a step); the server is
# stopped after the first one and the sweep goes on where it stopped:
# the totals of the pass, kept in the store with its position, count the
# keys of both runs

req(PUT => '/many');
for my $i (1 .. 600) {
    req(PUT => sprintf('/many/m%04d', $i), body => 'm');
}
sleep 4.5;                       # more than a day since the last one
put_lc('many', lc_doc("<ID>m</ID><Filter/><Status>Enabled</Status>$exp1"));

my $base = freed(log_text())->{objects};
ok(wait_for(30, sub { freed(log_text())->{objects} > $base }),
    'the sweep of many started');
$t->stop;

my $pre = log_text();
my $first = freed($pre)->{objects} - $base;
diag("$first of 600 expired before the stop");

$t->run;

ok(wait_for(40, sub { freed(log_text())->{objects} - $base >= 600 }),
    'all 600 expired after the restart');
is(freed(log_text())->{objects} - $base, 600, 'each once');

SKIP: {
    skip 'the pass ended before the stop', 2 if $first >= 600;

    # the steps of the pass before the stop, and after it up to its end

    my ($tail) = $pre =~ /.*lifecycle pass \d+ done[^\n]*\n(.*)/s;
    my $done = qr/^(.*?)lifecycle pass \d+ done: (\d+) objects expired/s;
    wait_for(10, sub { substr(log_text(), length $pre) =~ $done });
    my ($steps, $total) = substr(log_text(), length $pre) =~ $done;

    ok(defined $total, 'the pass ended after the restart');
    is($total, freed($tail // '')->{objects} + freed($steps // '')->{objects},
        'the pass resumed: its totals count the steps of both runs');
}

($s, $h, $b) = req(GET => '/many');
unlike($b, qr{<Key>}, 'many is empty');

$t->stop_ok;

# a day of nothing is refused, with the reason

my $bad = SOS::Test->new(keys => 0, http => "sos_lifecycle_day 0;\n");
ok($bad->start_refused, 'sos_lifecycle_day 0 refused');
like($bad->read_file('error.log'),
    qr/\[emerg\].*"sos_lifecycle_day" and "sos_lifecycle_interval" must be/,
    'emerg says why');

done_testing();
