#!/usr/bin/env python3
"""A SigV4 presigned URL from boto3's generate_presigned_url for
t/auth.t, bucket "bkt", credentials from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY:

    boto3_presign_url.py GET|PUT|HEAD KEY ENDPOINT
"""

import sys

import boto3
from botocore.config import Config

method, key, endpoint = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                  config=Config(signature_version='s3v4',
                                s3={'addressing_style': 'path'}))
op = {'GET': 'get_object', 'PUT': 'put_object', 'HEAD': 'head_object'}[method]
print(s3.generate_presigned_url(op, Params={'Bucket': 'bkt', 'Key': key},
                                ExpiresIn=600))
