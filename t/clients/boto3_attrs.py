#!/usr/bin/env python3
"""GetObjectAttributes and FULL_OBJECT multipart checksums with boto3, for
t/client_boto3_attrs.t: get_object_attributes of a simple and a multipart
object (parts paged with MaxParts / PartNumberMarker), and an upload
created with ChecksumAlgorithm CRC32 and ChecksumType FULL_OBJECT whose
whole-object CRC32 head_object (ChecksumMode ENABLED) shows; each part's
own checksum in ObjectParts (CRC32, and SHA256 COMPOSITE); CRC64NVME
uploads FULL_OBJECT by default, COMPOSITE refused.

    boto3_attrs.py ENDPOINT

Credentials as for boto3_suite.py.  Prints one "ok - ..." or
"not ok - ... # detail" line a check.
"""

import base64
import hashlib
import sys
import zlib

import boto3
from botocore.config import Config

MIB = 1024 * 1024

ep = sys.argv[1]
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(retries={'max_attempts': 1},
                                s3={'addressing_style': 'path'}))


def check(cond, name, detail=''):
    if cond:
        print('ok - %s' % name)
    else:
        print('not ok - %s # %s' % (name, detail))


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, 'big')).decode()


ALL = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']

s3.create_bucket(Bucket='attrs-boto3')

# a simple object

body = b'a simple object for GetObjectAttributes'
s3.put_object(Bucket='attrs-boto3', Key='simple', Body=body,
              ChecksumAlgorithm='CRC32')
r = s3.get_object_attributes(Bucket='attrs-boto3', Key='simple',
                             ObjectAttributes=ALL)
check(r.get('ETag') == hashlib.md5(body).hexdigest(),
      'simple: ETag without quotes', r.get('ETag'))
check(r.get('ObjectSize') == len(body), 'simple: ObjectSize',
      r.get('ObjectSize'))
check(r.get('StorageClass') == 'STANDARD', 'simple: StorageClass',
      r.get('StorageClass'))
check(r.get('Checksum', {}).get('ChecksumCRC32') == crc32_b64(body),
      'simple: Checksum CRC32', r.get('Checksum'))
check('ObjectParts' not in r, 'simple: no ObjectParts', r.get('ObjectParts'))
check(r.get('LastModified') is not None, 'simple: LastModified')

# a multipart object of three parts, CRC32 FULL_OBJECT

parts = [b'a' * (5 * MIB), b'b' * (5 * MIB), b'c' * 1234]
whole = b''.join(parts)

up = s3.create_multipart_upload(Bucket='attrs-boto3', Key='mp',
                                ChecksumAlgorithm='CRC32',
                                ChecksumType='FULL_OBJECT')
check(up.get('ChecksumType') == 'FULL_OBJECT',
      'create_multipart_upload: ChecksumType FULL_OBJECT',
      up.get('ChecksumType'))
done = []
for n, data in enumerate(parts, 1):
    p = s3.upload_part(Bucket='attrs-boto3', Key='mp', PartNumber=n,
                       UploadId=up['UploadId'], Body=data,
                       ChecksumAlgorithm='CRC32')
    done.append({'PartNumber': n, 'ETag': p['ETag'],
                 'ChecksumCRC32': p['ChecksumCRC32']})
c = s3.complete_multipart_upload(
    Bucket='attrs-boto3', Key='mp', UploadId=up['UploadId'],
    MultipartUpload={'Parts': done}, ChecksumCRC32=crc32_b64(whole),
    ChecksumType='FULL_OBJECT')
check(c.get('ChecksumCRC32') == crc32_b64(whole),
      'complete: the whole object\'s CRC32', c.get('ChecksumCRC32'))
check(c.get('ChecksumType') == 'FULL_OBJECT', 'complete: FULL_OBJECT',
      c.get('ChecksumType'))

h = s3.head_object(Bucket='attrs-boto3', Key='mp', ChecksumMode='ENABLED')
check(h.get('ChecksumCRC32') == crc32_b64(whole),
      'head_object ChecksumMode ENABLED: the full-object CRC32',
      h.get('ChecksumCRC32'))

r = s3.get_object_attributes(Bucket='attrs-boto3', Key='mp',
                             ObjectAttributes=ALL)
op = r.get('ObjectParts', {})
check(r.get('ETag', '').endswith('-3'), 'multipart: ETag ends in -3',
      r.get('ETag'))
check(r.get('ObjectSize') == len(whole), 'multipart: ObjectSize',
      r.get('ObjectSize'))
check(r.get('Checksum', {}).get('ChecksumCRC32') == crc32_b64(whole),
      'multipart: Checksum CRC32', r.get('Checksum'))
check(op.get('TotalPartsCount') == 3, 'multipart: TotalPartsCount', op)
check([(p['PartNumber'], p['Size']) for p in op.get('Parts', [])]
      == [(1, 5 * MIB), (2, 5 * MIB), (3, 1234)],
      'multipart: the parts and their sizes', op.get('Parts'))
check([p.get('ChecksumCRC32') for p in op.get('Parts', [])]
      == [crc32_b64(d) for d in parts],
      'multipart: each part\'s own ChecksumCRC32', op.get('Parts'))

# COMPOSITE SHA256: each part keeps its SHA256

sha = [b'x' * (5 * MIB), b'y' * 77]
up = s3.create_multipart_upload(Bucket='attrs-boto3', Key='sha',
                                ChecksumAlgorithm='SHA256')
done = []
for n, data in enumerate(sha, 1):
    p = s3.upload_part(Bucket='attrs-boto3', Key='sha', PartNumber=n,
                       UploadId=up['UploadId'], Body=data,
                       ChecksumAlgorithm='SHA256')
    done.append({'PartNumber': n, 'ETag': p['ETag'],
                 'ChecksumSHA256': p['ChecksumSHA256']})
s3.complete_multipart_upload(Bucket='attrs-boto3', Key='sha',
                             UploadId=up['UploadId'],
                             MultipartUpload={'Parts': done})
r = s3.get_object_attributes(Bucket='attrs-boto3', Key='sha',
                             ObjectAttributes=['Checksum', 'ObjectParts'])
check(r.get('Checksum', {}).get('ChecksumType') == 'COMPOSITE'
      and r['Checksum'].get('ChecksumSHA256', '').endswith('-2'),
      'SHA256: a COMPOSITE checksum', r.get('Checksum'))
check([p.get('ChecksumSHA256') for p in
       r.get('ObjectParts', {}).get('Parts', [])]
      == [base64.b64encode(hashlib.sha256(d).digest()).decode() for d in sha],
      'SHA256: each part\'s own ChecksumSHA256', r.get('ObjectParts'))

r = s3.get_object_attributes(Bucket='attrs-boto3', Key='mp', MaxParts=2,
                             ObjectAttributes=['ObjectParts'])
op = r.get('ObjectParts', {})
check([p['PartNumber'] for p in op.get('Parts', [])] == [1, 2]
      and op.get('IsTruncated') is True, 'page 1: parts 1, 2, truncated', op)
r = s3.get_object_attributes(Bucket='attrs-boto3', Key='mp', MaxParts=2,
                             PartNumberMarker=op.get('NextPartNumberMarker'),
                             ObjectAttributes=['ObjectParts'])
op = r.get('ObjectParts', {})
check([p['PartNumber'] for p in op.get('Parts', [])] == [3]
      and op.get('IsTruncated') is False, 'page 2: part 3, the end', op)

# CRC64NVME: FULL_OBJECT by default, COMPOSITE refused

up = s3.create_multipart_upload(Bucket='attrs-boto3', Key='nvme',
                                ChecksumAlgorithm='CRC64NVME')
check(up.get('ChecksumType') == 'FULL_OBJECT',
      'CRC64NVME: ChecksumType FULL_OBJECT by default',
      up.get('ChecksumType'))
try:
    s3.create_multipart_upload(Bucket='attrs-boto3', Key='nvme',
                               ChecksumAlgorithm='CRC64NVME',
                               ChecksumType='COMPOSITE')
    check(False, 'CRC64NVME COMPOSITE is refused')
except s3.exceptions.ClientError as e:
    check(e.response['Error']['Code'] == 'InvalidRequest',
          'CRC64NVME COMPOSITE: InvalidRequest', e.response['Error'])

try:
    s3.get_object_attributes(Bucket='attrs-boto3', Key='missing',
                             ObjectAttributes=['ETag'])
    check(False, 'a missing key is an error')
except s3.exceptions.NoSuchKey:
    check(True, 'a missing key: NoSuchKey')
