#!/usr/bin/env python3
"""Lifecycle with boto3, for t/lifecycle_boto3.t: put/get/delete of a
bucket's lifecycle configuration (NoSuchLifecycleConfiguration without
one), the rules read back as written, S3's refusals (Days 0, a
Transition), the Expiration of head_object (x-amz-expiration), and the
sweep of a server whose day is 2 s: an expired object goes, another
stays.

    boto3_lifecycle.py ENDPOINT

Credentials as for boto3_suite.py.  Prints one "ok - ..." or
"not ok - ... # detail" line a check.
"""

import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ep = sys.argv[1]
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(retries={'max_attempts': 1},
                                s3={'addressing_style': 'path'}))

B = 'lifecycle-boto3'


def check(cond, name, detail=''):
    if cond:
        print('ok - %s' % name)
    else:
        print('not ok - %s # %s' % (name, detail))


def error_of(f, **kw):
    try:
        f(**kw)
    except ClientError as e:
        return (e.response['ResponseMetadata']['HTTPStatusCode'],
                e.response['Error']['Code'])
    return (200, '')


def exists(key):
    return error_of(s3.head_object, Bucket=B, Key=key)[0] == 200


s3.create_bucket(Bucket=B)

e = error_of(s3.get_bucket_lifecycle_configuration, Bucket=B)
check(e == (404, 'NoSuchLifecycleConfiguration'), 'none at first', e)

rules = [
    {'ID': 'tmp', 'Filter': {'Prefix': 'tmp/'}, 'Status': 'Enabled',
     'Expiration': {'Days': 1}},
    {'ID': 'and', 'Status': 'Disabled',
     'Filter': {'And': {'Prefix': 'p/',
                        'Tags': [{'Key': 'k', 'Value': 'v'}],
                        'ObjectSizeGreaterThan': 1,
                        'ObjectSizeLessThan': 100}},
     'NoncurrentVersionExpiration': {'NoncurrentDays': 3,
                                     'NewerNoncurrentVersions': 2},
     'Expiration': {'Days': 7}},
    {'ID': 'mpu', 'Filter': {'Prefix': ''}, 'Status': 'Enabled',
     'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 5}},
]

s3.put_bucket_lifecycle_configuration(
    Bucket=B, LifecycleConfiguration={'Rules': rules})

got = s3.get_bucket_lifecycle_configuration(Bucket=B)['Rules']
check(len(got) == 3, 'three rules read back', got)
check(got[0] == rules[0], 'a prefix and Expiration Days', got[0])
check(got[1]['Filter'] == rules[1]['Filter']
      and got[1]['NoncurrentVersionExpiration']
      == rules[1]['NoncurrentVersionExpiration']
      and got[1]['Status'] == 'Disabled',
      'And with a tag and sizes, noncurrent versions, Disabled', got[1])
check(got[2]['AbortIncompleteMultipartUpload'] == {'DaysAfterInitiation': 5},
      'AbortIncompleteMultipartUpload', got[2])

bad = dict(rules[0], Expiration={'Days': 0})
e = error_of(s3.put_bucket_lifecycle_configuration, Bucket=B,
             LifecycleConfiguration={'Rules': [bad]})
check(e == (400, 'InvalidArgument'), 'Days 0: InvalidArgument', e)

bad = dict(rules[0], Transitions=[{'Days': 1, 'StorageClass': 'GLACIER'}])
e = error_of(s3.put_bucket_lifecycle_configuration, Bucket=B,
             LifecycleConfiguration={'Rules': [bad]})
check(e == (400, 'InvalidStorageClass'), 'a Transition: InvalidStorageClass',
      e)

s3.put_object(Bucket=B, Key='tmp/x', Body=b'gone soon')
s3.put_object(Bucket=B, Key='keep/y', Body=b'stays')

h = s3.head_object(Bucket=B, Key='tmp/x')
check('rule-id="tmp"' in h.get('Expiration', ''), 'head_object: Expiration',
      h.get('Expiration'))
h = s3.head_object(Bucket=B, Key='keep/y')
check('Expiration' not in h, 'no rule, no Expiration', h.get('Expiration'))

# a day of 2 s: due within 4 s, swept every second; at most 30 s

deadline = time.time() + 30
while exists('tmp/x') and time.time() < deadline:
    time.sleep(0.5)

check(not exists('tmp/x'), 'tmp/x expired by the sweep')
check(exists('keep/y'), 'keep/y kept')

s3.delete_bucket_lifecycle(Bucket=B)
e = error_of(s3.get_bucket_lifecycle_configuration, Bucket=B)
check(e == (404, 'NoSuchLifecycleConfiguration'), 'deleted', e)

s3.delete_object(Bucket=B, Key='keep/y')
s3.delete_bucket(Bucket=B)
