#!/usr/bin/env python3
"""The boto3 calls of t/conformance_auth.t: SigV2 presigned bucket
operations (ListObjects, ListObjectsV2) fetched with urllib, a checksum
that does not match the body (BadDigest), user metadata with RFC
2047-encoded values read back byte for byte, SigV2 PutObject with an
empty or no User-Agent and SigV2 CreateBucket with ACL headers.

    boto3_conformance_auth.py ENDPOINT

Credentials as for boto3_suite.py.  Prints one line per check, which the
test matches.
"""

import sys
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

ep = sys.argv[1]
path = {'addressing_style': 'path'}
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(s3=path))
v2 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(signature_version='s3', s3=path))

s3.create_bucket(Bucket='auth-boto3')
s3.put_object(Bucket='auth-boto3', Key='a/one', Body=b'1')


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


for op in ('list_objects', 'list_objects_v2'):
    url = v2.generate_presigned_url(op, Params={'Bucket': 'auth-boto3',
                                                'Prefix': 'a/'})
    status, body = fetch(url)
    print('presigned-v2', op, status,
          'a/one' if '<Key>a/one</Key>' in body else body)

url = v2.generate_presigned_url('get_object', Params={'Bucket': 'auth-boto3',
                                                      'Key': 'a/one'})
print('presigned-v2 get_object', *fetch(url))

try:
    s3.put_object(Bucket='auth-boto3', Key='bad', Body=b'body',
                  ChecksumCRC32='AAAAAA==')
    print('mismatch stored')
except Exception as e:
    print('mismatch', e.response['ResponseMetadata']['HTTPStatusCode'],
          e.response['Error']['Code'])

# boto3 refuses non-ASCII values: SDKs send them RFC 2047-encoded
meta = {'plain': 'ascii', 'mime-b': '=?UTF-8?B?w6l0w6k=?=',
        'mime-q': '=?utf-8?q?caf=C3=A9_na=C3=AFve?='}
s3.put_object(Bucket='auth-boto3', Key='meta', Body=b'm', Metadata=meta)
got = s3.head_object(Bucket='auth-boto3', Key='meta')['Metadata']
for k in sorted(meta):
    print('meta', k, 'same' if got.get(k) == meta[k] else repr(got.get(k)))


# s3-tests' *_bad_ua_*_aws2: a SigV2 PutObject whose User-Agent is set
# empty or removed before it is signed


def user_agent(value):
    def hook(request, **kwargs):
        if value is None:
            del request.headers['User-Agent']
        else:
            request.headers['User-Agent'] = value
    return hook


for name, value in (('empty', ''), ('none', None)):
    c = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                     config=Config(signature_version='s3', s3=path))
    c.meta.events.register('before-sign.s3.PutObject', user_agent(value))
    try:
        c.put_object(Bucket='auth-boto3', Key='ua-' + name, Body=b'bar')
        print('v2-ua', name, 'ok')
    except Exception as e:
        print('v2-ua', name, e.response['Error']['Code'])

# CreateBucket signed with SigV2, with ACL headers (a canned ACL, then a
# grant: S3 refuses both at once)
for bucket, acl in (('auth-boto3-v2a', {'ACL': 'public-read'}),
                    ('auth-boto3-v2g', {'GrantRead': 'uri="http://acs.'
                                        'amazonaws.com/groups/global/'
                                        'AllUsers"'})):
    try:
        v2.create_bucket(Bucket=bucket, **acl)
        print('v2-create', bucket, 'ok')
    except Exception as e:
        print('v2-create', bucket, e.response['Error']['Code'])
