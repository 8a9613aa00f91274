#!/usr/bin/env python3
"""The boto3 calls of t/conformance_list.t: ListBuckets paging and
filters, ListObjectsV2 with an empty continuation token, CreateBucket
again (BucketAlreadyOwnedByYou) and with a LocationConstraint, the order
of a canned ACL's grants, ExpectedBucketOwner.

    boto3_list.py ENDPOINT EU_ENDPOINT EU_ACCESS_KEY EU_SECRET_KEY

ENDPOINT answers for us-east-1 (credentials as for boto3_suite.py),
EU_ENDPOINT for eu-west-3 (sos_region) with the key given.  Prints one "ok NAME" or "not ok NAME:
WHAT" line for each check; exits 1 when one failed.
"""

import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ep, eu_ep, eu_access, eu_secret = sys.argv[1:5]
conf = Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1})
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=conf)
eu = boto3.client('s3', endpoint_url=eu_ep, region_name='eu-west-3',
                  aws_access_key_id=eu_access,
                  aws_secret_access_key=eu_secret, config=conf)
failed = False


def check(name, ok, what=None):
    global failed
    if ok:
        print('ok', name)
    else:
        failed = True
        print('not ok %s: %r' % (name, what))


def error_of(f, **kw):
    try:
        f(**kw)
    except ClientError as e:
        return (e.response['ResponseMetadata']['HTTPStatusCode'],
                e.response['Error']['Code'])
    return (200, None)


for b in ('bl-a', 'bl-b', 'bl-c', 'other'):
    s3.create_bucket(Bucket=b)

# ListBuckets: MaxBuckets, ContinuationToken, Prefix, BucketRegion

r = s3.list_buckets(MaxBuckets=2, Prefix='bl-')
check('list_buckets MaxBuckets Prefix',
      [b['Name'] for b in r['Buckets']] == ['bl-a', 'bl-b'], r['Buckets'])
check('list_buckets ContinuationToken', r.get('ContinuationToken'), r)
check('list_buckets Prefix echoed', r.get('Prefix') == 'bl-', r)
r = s3.list_buckets(MaxBuckets=2, Prefix='bl-',
                    ContinuationToken=r['ContinuationToken'])
check('list_buckets next page',
      [b['Name'] for b in r['Buckets']] == ['bl-c']
      and 'ContinuationToken' not in r, r)
names = [b['Name'] for b in s3.get_paginator('list_buckets').paginate(
    PaginationConfig={'PageSize': 1}).build_full_result()['Buckets']]
check('list_buckets paginator', names == ['bl-a', 'bl-b', 'bl-c', 'other'],
      names)
r = s3.list_buckets(BucketRegion='us-east-1')
check('list_buckets BucketRegion', len(r['Buckets']) == 4, r['Buckets'])
r = s3.list_buckets(BucketRegion='eu-west-3')
check('list_buckets another BucketRegion', r['Buckets'] == [], r['Buckets'])

# ListObjectsV2: an empty ContinuationToken is a first page

s3.put_object(Bucket='bl-a', Key='k1', Body=b'1')
s3.put_object(Bucket='bl-a', Key='k2', Body=b'2')
r = s3.list_objects_v2(Bucket='bl-a', ContinuationToken='')
check('list_objects_v2 ContinuationToken=""',
      [o['Key'] for o in r['Contents']] == ['k1', 'k2']
      and r.get('ContinuationToken') == '', r)

# CreateBucket again: 409, as RGW

check('create_bucket again', error_of(s3.create_bucket, Bucket='bl-a')
      == (409, 'BucketAlreadyOwnedByYou'))

# CreateBucket with the region's LocationConstraint

eu.create_bucket(Bucket='eu-one', CreateBucketConfiguration={
    'LocationConstraint': 'eu-west-3'})
loc = eu.get_bucket_location(Bucket='eu-one')['LocationConstraint']
check('create_bucket LocationConstraint', loc == 'eu-west-3', loc)
check('create_bucket another LocationConstraint',
      error_of(eu.create_bucket, Bucket='eu-two', CreateBucketConfiguration={
          'LocationConstraint': 'ap-south-1'})
      == (400, 'IllegalLocationConstraintException'))

# a canned ACL's grants in RGW's order: the group before the owner

s3.put_bucket_acl(Bucket='bl-b', ACL='public-read-write')
g = [(x['Grantee']['Type'], x['Permission'])
     for x in s3.get_bucket_acl(Bucket='bl-b')['Grants']]
check('get_bucket_acl order', g == [('Group', 'READ'), ('Group', 'WRITE'),
                                    ('CanonicalUser', 'FULL_CONTROL')], g)

# ExpectedBucketOwner

owner = s3.list_buckets()['Owner']['ID']
check('ExpectedBucketOwner right',
      error_of(s3.get_object, Bucket='bl-a', Key='k1',
               ExpectedBucketOwner=owner) == (200, None))
check('ExpectedBucketOwner wrong',
      error_of(s3.list_objects_v2, Bucket='bl-a',
               ExpectedBucketOwner='0' * 32) == (403, 'AccessDenied'))
check('ExpectedBucketOwner wrong, get_bucket_tagging',
      error_of(s3.get_bucket_tagging, Bucket='bl-a',
               ExpectedBucketOwner='0' * 32) == (403, 'AccessDenied'))

sys.exit(1 if failed else 0)
