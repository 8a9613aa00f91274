#!/usr/bin/env python3
"""The boto3 calls of t/conformance_cond.t: put_object with IfMatch and
IfNoneMatch, delete_object with IfMatch, IfMatchSize and
IfMatchLastModifiedTime, delete_objects with ETag, Size and
LastModifiedTime per object.

    boto3_cond.py ENDPOINT ACCESS_KEY SECRET_KEY

Prints one "ok - ..." or "not ok - ... # why" line per check.
"""

import datetime
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ep, key_id, secret = sys.argv[1:4]
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  aws_access_key_id=key_id, aws_secret_access_key=secret,
                  config=Config(s3={'addressing_style': 'path'},
                                retries={'max_attempts': 1}))
B = 'cond-boto3'


def check(ok, name, why=''):
    print(('ok - ' if ok else 'not ok - ') + name
          + ('' if ok else ' # ' + str(why)))


def fails(name, status, code, call, **kw):
    try:
        call(Bucket=B, **kw)
    except ClientError as e:
        got = (e.response['ResponseMetadata']['HTTPStatusCode'],
               e.response['Error']['Code'])
        check(got == (status, code), name, got)
        return
    check(False, name, 'no error')


def present(key):
    try:
        s3.head_object(Bucket=B, Key=key)
        return True
    except ClientError:
        return False


s3.create_bucket(Bucket=B)

# put_object
etag = s3.put_object(Bucket=B, Key='p', Body=b'one')['ETag']
fails('put_object IfNoneMatch="*" on an existing key', 412,
      'PreconditionFailed', s3.put_object, Key='p', Body=b'x',
      IfNoneMatch='*')
fails('put_object IfNoneMatch=<current ETag>', 412, 'PreconditionFailed',
      s3.put_object, Key='p', Body=b'x', IfNoneMatch=etag)
fails('put_object IfMatch=<another ETag>', 412, 'PreconditionFailed',
      s3.put_object, Key='p', Body=b'x',
      IfMatch='"0123456789abcdef0123456789abcdef"')
fails('put_object IfMatch on a missing key', 404, 'NoSuchKey',
      s3.put_object, Key='p-missing', Body=b'x', IfMatch=etag)
r = s3.put_object(Bucket=B, Key='p', Body=b'two', IfMatch=etag)
check(r['ResponseMetadata']['HTTPStatusCode'] == 200,
      'put_object IfMatch=<current ETag>')
r = s3.put_object(Bucket=B, Key='p', Body=b'three', IfNoneMatch=etag)
check(r['ResponseMetadata']['HTTPStatusCode'] == 200,
      'put_object IfNoneMatch=<an older ETag>')
check(s3.get_object(Bucket=B, Key='p')['Body'].read() == b'three',
      'put_object: the last write is read back')

# delete_object
head = s3.head_object(Bucket=B, Key='p')
fails('delete_object IfMatch=<another ETag>', 412, 'PreconditionFailed',
      s3.delete_object, Key='p',
      IfMatch='"0123456789abcdef0123456789abcdef"')
fails('delete_object IfMatchSize=<another size>', 412, 'PreconditionFailed',
      s3.delete_object, Key='p', IfMatchSize=head['ContentLength'] + 1)
fails('delete_object IfMatchLastModifiedTime=<another time>', 412,
      'PreconditionFailed', s3.delete_object, Key='p',
      IfMatchLastModifiedTime=head['LastModified']
      - datetime.timedelta(seconds=5))
check(present('p'), 'delete_object refused: the object stays')
r = s3.delete_object(Bucket=B, Key='p', IfMatch=head['ETag'],
                     IfMatchSize=head['ContentLength'],
                     IfMatchLastModifiedTime=head['LastModified'])
check(r['ResponseMetadata']['HTTPStatusCode'] == 204,
      'delete_object with the conditions met: 204')
check(not present('p'), 'delete_object: deleted')
fails('delete_object IfMatch on a missing key', 404, 'NoSuchKey',
      s3.delete_object, Key='p', IfMatch='*')

# delete_objects
tags = {k: s3.put_object(Bucket=B, Key=k, Body=k.encode())['ETag']
        for k in ('m1', 'm2', 'm3', 'm4')}
h3 = s3.head_object(Bucket=B, Key='m3')
r = s3.delete_objects(Bucket=B, Delete={'Objects': [
    {'Key': 'm1', 'ETag': tags['m1']},
    {'Key': 'm2', 'ETag': tags['m1']},
    {'Key': 'm3', 'Size': h3['ContentLength'],
     'LastModifiedTime': h3['LastModified']},
    {'Key': 'm4', 'Size': 100}]})
deleted = sorted(d['Key'] for d in r.get('Deleted', []))
errors = sorted((e['Key'], e['Code']) for e in r.get('Errors', []))
check(deleted == ['m1', 'm3'], 'delete_objects: the keys that met theirs',
      deleted)
check(errors == [('m2', 'PreconditionFailed'), ('m4', 'PreconditionFailed')],
      'delete_objects: PreconditionFailed for the others', errors)
check(present('m2') and present('m4') and not present('m1'),
      'delete_objects: only those deleted')
