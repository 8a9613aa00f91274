#!/usr/bin/env python3
"""The boto3 multipart conformance calls of t/conformance_mp.t: a
CompleteMultipartUpload retried after it succeeded, get_object and
head_object with a PartNumber past the part count, and
list_multipart_uploads' Owner and Initiator.

    boto3_mp.py ENDPOINT

Credentials as for boto3_suite.py.  Prints "complete", "retry",
"partnumber", "head_partnumber" and "owner" lines that the test matches.
"""

import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ep = sys.argv[1]
# no retries of its own: each call is made once, as the test says
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(s3={'addressing_style': 'path'},
                                retries={'max_attempts': 1}))
s3.create_bucket(Bucket='mp-boto3')

up = s3.create_multipart_upload(Bucket='mp-boto3', Key='k',
                                ChecksumAlgorithm='CRC32')
uid = up['UploadId']
parts = []
for n, body in ((1, b'a' * (5 * 1024 * 1024)), (2, b'tail')):
    r = s3.upload_part(Bucket='mp-boto3', Key='k', UploadId=uid,
                       PartNumber=n, Body=body, ChecksumAlgorithm='CRC32')
    parts.append({'PartNumber': n, 'ETag': r['ETag'],
                  'ChecksumCRC32': r['ChecksumCRC32']})

done = []
for name in ('complete', 'retry'):
    r = s3.complete_multipart_upload(Bucket='mp-boto3', Key='k',
                                     UploadId=uid,
                                     MultipartUpload={'Parts': parts})
    done.append((r['ETag'], r['Location'], r.get('ChecksumCRC32')))
    print(name, r['ETag'], r.get('ChecksumCRC32'))
print('same', done[0] == done[1])

for call in ('get_object', 'head_object'):
    try:
        getattr(s3, call)(Bucket='mp-boto3', Key='k', PartNumber=3)
        print(call, 'succeeded')
    except ClientError as e:
        print(call, e.response['ResponseMetadata']['HTTPStatusCode'],
              e.response['Error']['Code'])

up = s3.create_multipart_upload(Bucket='mp-boto3', Key='open')
r = s3.list_multipart_uploads(Bucket='mp-boto3')
u = r['Uploads'][0]
b = s3.list_buckets()['Owner']
print('owner', u['Owner'].get('ID') == b['ID'],
      u['Owner'].get('DisplayName'), u['Initiator'].get('DisplayName'),
      b['DisplayName'])
s3.abort_multipart_upload(Bucket='mp-boto3', Key='open',
                          UploadId=up['UploadId'])
