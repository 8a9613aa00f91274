#!/usr/bin/env python3
"""Bucket versioning with boto3, for t/versioning_boto3.t:
put_bucket_versioning / get_bucket_versioning, the VersionId of
put_object, a presigned POST, copy_object and a multipart upload,
get_object / head_object with VersionId, delete markers (delete_object
without and with VersionId), delete_objects with versions, and the
list_object_versions paginator over more versions than one page holds.

    boto3_versioning.py ENDPOINT

Credentials as for boto3_suite.py.  Prints one "ok - ..." or
"not ok - ... # detail" line a check.
"""

import sys
import urllib.request
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ep = sys.argv[1]
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(retries={'max_attempts': 1},
                                s3={'addressing_style': 'path'}))
B = 'ver-boto3'


def check(cond, name, detail=''):
    if cond:
        print('ok - %s' % name)
    else:
        print('not ok - %s # %s' % (name, detail))


def error_of(call, **kw):
    """(HTTP status, S3 code, response headers) of a call that fails"""
    try:
        call(**kw)
    except ClientError as e:
        return (e.response['ResponseMetadata']['HTTPStatusCode'],
                e.response['Error'].get('Code'),
                e.response['ResponseMetadata'].get('HTTPHeaders', {}))
    return (200, None, {})


def post_form(key, body):
    """a browser form upload (POST Object); its response headers"""
    form = s3.generate_presigned_post(B, key, ExpiresIn=300)
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in form['fields'].items():
        parts.append('--%s\r\nContent-Disposition: form-data; name="%s"'
                     '\r\n\r\n%s\r\n' % (boundary, name, value))
    data = ''.join(parts).encode() + (
        '--%s\r\nContent-Disposition: form-data; name="file"; '
        'filename="f"\r\n\r\n' % boundary).encode() + body + (
        '\r\n--%s--\r\n' % boundary).encode()
    req = urllib.request.Request(
        form['url'], data=data, method='POST',
        headers={'Content-Type': 'multipart/form-data; boundary=' + boundary})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, dict(r.headers)


s3.create_bucket(Bucket=B)

r = s3.get_bucket_versioning(Bucket=B)
check('Status' not in r, 'never versioned: no Status', r.get('Status'))

s3.put_object(Bucket=B, Key='old', Body=b'before versioning')

s3.put_bucket_versioning(Bucket=B,
                         VersioningConfiguration={'Status': 'Enabled'})
r = s3.get_bucket_versioning(Bucket=B)
check(r.get('Status') == 'Enabled', 'get_bucket_versioning: Enabled',
      r.get('Status'))

st, code, _ = error_of(s3.put_bucket_versioning, Bucket=B,
                       VersioningConfiguration={'Status': 'Enabled',
                                                'MFADelete': 'Enabled'},
                       MFA='serial 123456')
check((st, code) == (501, 'NotImplemented'), 'MFA delete: 501',
      (st, code))

# the version id of every write

v1 = s3.put_object(Bucket=B, Key='k', Body=b'one').get('VersionId')
v2 = s3.put_object(Bucket=B, Key='k', Body=b'two').get('VersionId')
check(v1 and v2 and v1 != v2, 'put_object: two version ids', (v1, v2))

st, hdrs = post_form('posted', b'by form')
check(hdrs.get('x-amz-version-id', 'none') not in ('none', 'null'),
      'POST Object: x-amz-version-id', hdrs)

r = s3.copy_object(Bucket=B, Key='copied',
                   CopySource={'Bucket': B, 'Key': 'k', 'VersionId': v1})
check(r.get('CopySourceVersionId') == v1, 'copy_object: CopySourceVersionId',
      r.get('CopySourceVersionId'))
check(r.get('VersionId') not in (None, 'null'), 'copy_object: VersionId',
      r.get('VersionId'))

mp = s3.create_multipart_upload(Bucket=B, Key='mp')
part = s3.upload_part(Bucket=B, Key='mp', UploadId=mp['UploadId'],
                      PartNumber=1, Body=b'part')
r = s3.complete_multipart_upload(
    Bucket=B, Key='mp', UploadId=mp['UploadId'],
    MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
check(r.get('VersionId') not in (None, 'null'),
      'complete_multipart_upload: VersionId', r.get('VersionId'))

# reads of a version

r = s3.get_object(Bucket=B, Key='k', VersionId=v1)
check(r['Body'].read() == b'one' and r.get('VersionId') == v1,
      'get_object VersionId: the older version', r.get('VersionId'))
r = s3.head_object(Bucket=B, Key='k')
check(r.get('VersionId') == v2, 'head_object: the current version',
      r.get('VersionId'))
r = s3.get_object(Bucket=B, Key='old', VersionId='null')
check(r['Body'].read() == b'before versioning',
      'get_object VersionId=null: written before versioning')
st, code, _ = error_of(s3.get_object, Bucket=B, Key='k', VersionId='f' * 32)
check((st, code) == (404, 'NoSuchVersion'), 'unknown version: NoSuchVersion',
      (st, code))

# delete markers

r = s3.delete_object(Bucket=B, Key='k')
marker = r.get('VersionId')
check(r.get('DeleteMarker') is True and marker not in (None, 'null'),
      'delete_object: a delete marker', r)
st, code, h = error_of(s3.get_object, Bucket=B, Key='k')
check((st, code) == (404, 'NoSuchKey')
      and h.get('x-amz-delete-marker') == 'true',
      'get_object of the key: 404 with x-amz-delete-marker', (st, code, h))
st, code, h = error_of(s3.get_object, Bucket=B, Key='k', VersionId=marker)
check(st == 405 and h.get('x-amz-delete-marker') == 'true',
      'get_object of the marker: 405', (st, code, h))
r = s3.get_object(Bucket=B, Key='k', VersionId=v2)
check(r['Body'].read() == b'two', 'the versions stay behind the marker')
r = s3.delete_object(Bucket=B, Key='k', VersionId=marker)
check(r.get('DeleteMarker') is True and r.get('VersionId') == marker,
      'delete_object of the marker by id', r)
r = s3.get_object(Bucket=B, Key='k')
check(r['Body'].read() == b'two' and r.get('VersionId') == v2,
      'the marker removed: the key is back')

r = s3.delete_objects(Bucket=B, Delete={'Objects': [
    {'Key': 'k', 'VersionId': v1}, {'Key': 'copied'}]})
d = {(x['Key'], x.get('VersionId')): x for x in r.get('Deleted', [])}
check(('k', v1) in d and not d[('k', v1)].get('DeleteMarker'),
      'delete_objects: a version removed', r.get('Deleted'))
check(d.get(('copied', None), {}).get('DeleteMarker') is True
      and d[('copied', None)].get('DeleteMarkerVersionId'),
      'delete_objects: a marker made', r.get('Deleted'))
st, code, _ = error_of(s3.get_object, Bucket=B, Key='k', VersionId=v1)
check(st == 404, 'the version is gone', (st, code))

# the paginator, over more versions than a page holds

for i in range(7):
    s3.put_object(Bucket=B, Key='page/a', Body=b'%d' % i)
for i in range(3):
    s3.put_object(Bucket=B, Key='page/b', Body=b'%d' % i)
s3.delete_object(Bucket=B, Key='page/b')

versions, markers, pages = [], [], 0
for page in s3.get_paginator('list_object_versions').paginate(
        Bucket=B, Prefix='page/', PaginationConfig={'PageSize': 3}):
    pages += 1
    versions += page.get('Versions', [])
    markers += page.get('DeleteMarkers', [])
check(pages == 4, 'paginator: 11 entries in pages of 3', pages)
check(len(versions) == 10 and len(markers) == 1,
      'paginator: every version and the marker',
      (len(versions), len(markers)))
latest = [v for v in versions if v['IsLatest']]
check([v['Key'] for v in latest] == ['page/a'],
      'IsLatest: page/a only (a marker is the latest of page/b)', latest)
check(markers and markers[0]['IsLatest'] and markers[0]['Key'] == 'page/b',
      'the marker is the latest of page/b', markers)
ids = [v['VersionId'] for v in versions if v['Key'] == 'page/a']
check(len(set(ids)) == 7 and ids == sorted(ids),
      'each version once, newest first', ids)

r = s3.list_object_versions(Bucket=B, Prefix='old')
check([(v['Key'], v['VersionId']) for v in r.get('Versions', [])]
      == [('old', 'null')], 'the null version listed', r.get('Versions'))

# Suspended

s3.put_bucket_versioning(Bucket=B,
                         VersioningConfiguration={'Status': 'Suspended'})
r = s3.put_object(Bucket=B, Key='k', Body=b'suspended')
check(r.get('VersionId') == 'null', 'Suspended: put_object VersionId null',
      r.get('VersionId'))
r = s3.get_bucket_versioning(Bucket=B)
check(r.get('Status') == 'Suspended', 'get_bucket_versioning: Suspended',
      r.get('Status'))
