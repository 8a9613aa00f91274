#!/usr/bin/perl

# S3 conformance of responses, listings and buckets (issue 15, "Responses"
# and "Listing and buckets"): each case cites the AWS reference page or
# the Ceph RGW source it follows.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

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

done_testing;
