#!/usr/bin/env python3
# A POST policy from boto3's generate_presigned_post, printed as JSON:
#   presign.py ENDPOINT ACCESS SECRET BUCKET KEY FIELDS_JSON CONDITIONS_JSON
#              EXPIRES [v2]
import json
import sys

import boto3
from botocore.config import Config

endpoint, access, secret, bucket, key, fields, conds, expires = sys.argv[1:9]
sig = 's3' if len(sys.argv) > 9 and sys.argv[9] == 'v2' else 's3v4'

s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=access,
                  aws_secret_access_key=secret, region_name='us-east-1',
                  config=Config(signature_version=sig,
                                s3={'addressing_style': 'path'}))

post = s3.generate_presigned_post(bucket, key, Fields=json.loads(fields),
                                  Conditions=json.loads(conds),
                                  ExpiresIn=int(expires))
print(json.dumps(post))
