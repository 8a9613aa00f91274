#!/usr/bin/env python3
"""The boto3 CORS calls of t/cors_clients.t: put_bucket_cors (boto3 adds
the checksum S3 requires), get_bucket_cors, an invalid method refused,
delete_bucket_cors.

    boto3_cors.py ENDPOINT

Credentials as for boto3_suite.py.  Prints "rules", "invalid", "deleted"
lines that the test matches.
"""

import sys

import boto3
from botocore.config import Config

ep = sys.argv[1]
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(s3={'addressing_style': 'path'}))
s3.create_bucket(Bucket='cors-boto3')
s3.put_bucket_cors(Bucket='cors-boto3', CORSConfiguration={'CORSRules': [
    {'ID': 'app', 'AllowedOrigins': ['https://app.example.com'],
     'AllowedMethods': ['GET', 'PUT'], 'AllowedHeaders': ['*'],
     'ExposeHeaders': ['ETag'], 'MaxAgeSeconds': 600},
    {'AllowedOrigins': ['*'], 'AllowedMethods': ['GET']}]})
r = s3.get_bucket_cors(Bucket='cors-boto3')
print('rules', [(x.get('ID'), x['AllowedOrigins'], x['AllowedMethods'],
                 x.get('AllowedHeaders'), x.get('ExposeHeaders'),
                 x.get('MaxAgeSeconds')) for x in r['CORSRules']])
try:
    s3.put_bucket_cors(Bucket='cors-boto3', CORSConfiguration={
        'CORSRules': [{'AllowedOrigins': ['*'],
                       'AllowedMethods': ['PATCH']}]})
except Exception as e:
    print('invalid', e.response['Error']['Code'],
          e.response['Error']['Message'])
s3.delete_bucket_cors(Bucket='cors-boto3')
try:
    s3.get_bucket_cors(Bucket='cors-boto3')
except Exception as e:
    print('deleted', e.response['Error']['Code'])
