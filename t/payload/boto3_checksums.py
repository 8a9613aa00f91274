#!/usr/bin/env python3
"""put_object with each checksum algorithm boto3 offers here (CRC32C and
CRC64NVME only with the CRT), then get_object, for t/payload.t; bucket
"bkt", credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY:

    boto3_checksums.py ENDPOINT

Prints "ALGORITHM ok" (or "differs") per upload, then "default ok".
"""

import importlib
import sys

import boto3

s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1')
body = bytes((i * 7 + (i >> 8)) & 0xff for i in range(150001))
algs = ['CRC32', 'SHA1', 'SHA256']
try:
    importlib.import_module('awscrt')
    algs += ['CRC32C', 'CRC64NVME']
except ImportError:
    pass                      # botocore needs the CRT for these two
for alg in algs:
    s3.put_object(Bucket='bkt', Key='boto-' + alg, Body=body,
                  ChecksumAlgorithm=alg)
    got = s3.get_object(Bucket='bkt', Key='boto-' + alg)['Body'].read()
    print(alg, 'ok' if got == body else 'differs')
s3.put_object(Bucket='bkt', Key='boto-default', Body=body)
got = s3.get_object(Bucket='bkt', Key='boto-default')['Body'].read()
print('default', 'ok' if got == body else 'differs')
