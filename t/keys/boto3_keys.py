#!/usr/bin/python3
"""Keys with tab, LF and CR through boto3: put, then list with and without
encoding-type=url (ListObjects v1 and v2, ListObjectVersions,
ListMultipartUploads), head, copy, get and delete by the listed key.  The
key a listing returns must be the stored key, byte for byte.

    boto3_keys.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET

Prints TAP lines ("ok - ...", "not ok - ... # detail").
"""

import sys

import boto3
from botocore.config import Config
from botocore.handlers import set_list_objects_encoding_type_url

endpoint, access, secret, bucket = sys.argv[1:5]

s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=access,
                  aws_secret_access_key=secret, region_name='us-east-1',
                  config=Config(s3={'addressing_style': 'path'},
                                retries={'max_attempts': 1}))

# a second client that lists without encoding-type=url: botocore adds it
# (and decodes the keys) unless this handler is removed
raw = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=access,
                   aws_secret_access_key=secret, region_name='us-east-1',
                   config=Config(s3={'addressing_style': 'path'},
                                 retries={'max_attempts': 1}))
for op in ('ListObjects', 'ListObjectsV2', 'ListObjectVersions'):
    raw.meta.events.unregister('before-parameter-build.s3.' + op,
                               set_list_objects_encoding_type_url)

KEYS = ['tab\there', 'line\nfeed', 'carriage\rreturn', 'crlf\r\nend',
        'all\t\r\n \u00e9\u65e5 & <x> "q"']


def check(cond, name, detail=''):
    if cond:
        print('ok - ' + name)
    else:
        print('not ok - ' + name + (' # ' + repr(detail) if detail else ''))


def listed(client, **kw):
    out = []
    for page in client.get_paginator('list_objects_v2').paginate(
            Bucket=bucket, **kw):
        out += [o['Key'] for o in page.get('Contents', [])]
    return out


for k in KEYS:
    s3.put_object(Bucket=bucket, Key=k, Body=k.encode('utf-8'))

want = sorted(KEYS, key=lambda k: k.encode('utf-8'))

got = listed(s3)
check(got == want, 'ListObjectsV2 encoding-type=url: exact keys', got)
got = listed(raw)
check(got == want, 'ListObjectsV2 without encoding-type: exact keys', got)

r = s3.list_objects(Bucket=bucket)
got = [o['Key'] for o in r.get('Contents', [])]
check(got == want, 'ListObjects v1 encoding-type=url: exact keys', got)
r = raw.list_objects(Bucket=bucket)
got = [o['Key'] for o in r.get('Contents', [])]
check(got == want, 'ListObjects v1 without encoding-type: exact keys', got)

try:
    r = raw.list_object_versions(Bucket=bucket)
    got = [o['Key'] for o in r.get('Versions', [])]
    check(got == want, 'ListObjectVersions without encoding-type', got)
except s3.exceptions.ClientError as e:
    check(e.response['Error']['Code'] == 'NotImplemented',
          'ListObjectVersions: exact keys or not implemented', str(e))

for k in got:
    body = s3.get_object(Bucket=bucket, Key=k)['Body'].read()
    check(body == k.encode('utf-8'), 'GET by the listed key %r' % k, body)

up = s3.create_multipart_upload(Bucket=bucket, Key='mp\r\nkey\t')
r = s3.list_multipart_uploads(Bucket=bucket)
got = [u['Key'] for u in r.get('Uploads', [])]
check(got == ['mp\r\nkey\t'], 'ListMultipartUploads: exact key', got)
s3.abort_multipart_upload(Bucket=bucket, Key='mp\r\nkey\t',
                          UploadId=up['UploadId'])

s3.copy_object(Bucket=bucket, Key='copy\r\nof', CopySource={
    'Bucket': bucket, 'Key': 'crlf\r\nend'})
body = s3.get_object(Bucket=bucket, Key='copy\r\nof')['Body'].read()
check(body == b'crlf\r\nend', 'CopyObject from and to a key with CR/LF', body)

for k in listed(raw):
    s3.delete_object(Bucket=bucket, Key=k)
check(listed(s3) == [], 'every key deleted by its listed name')
s3.delete_bucket(Bucket=bucket)
check(True, 'the bucket deleted')
