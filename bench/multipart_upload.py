#!/usr/bin/env python3
"""Multipart upload of DIR/src with boto3 in PARTS parts, all at once, to
a new bucket, beside the same bytes written part by part to 3 files each
with fdatasync (the ceiling), in the same run; prints both in MB/s.

    multipart_upload.py DIR ENDPOINT PARTS
"""

import os
import sys
import time

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

d, endpoint, parts = sys.argv[1], sys.argv[2], int(sys.argv[3])
src = os.path.join(d, 'src')
size = os.path.getsize(src)
part = -(-size // parts)

# the ceiling: each part written to 3 files with fdatasync

t0 = time.time()
with open(src, 'rb') as f:
    i = 0
    while True:
        chunk = f.read(part)
        if not chunk:
            break
        for r in range(3):
            p = os.path.join(d, 'direct', '%d.%d' % (i, r))
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            view = memoryview(chunk)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fdatasync(fd)
            os.close(fd)
        i += 1
direct = time.time() - t0
for name in os.listdir(os.path.join(d, 'direct')):
    os.unlink(os.path.join(d, 'direct', name))

s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                  config=Config(s3={'addressing_style': 'path'},
                                retries={'max_attempts': 1},
                                max_pool_connections=parts + 4))
s3.create_bucket(Bucket='bench')
cfg = TransferConfig(multipart_threshold=part, multipart_chunksize=part,
                     max_concurrency=parts)
t0 = time.time()
s3.upload_file(src, 'bench', 'big', Config=cfg)
upload = time.time() - t0

h = s3.head_object(Bucket='bench', Key='big')
assert h['ContentLength'] == size, h
assert h['ETag'].endswith('-%d"' % ((size + part - 1) // part)), h['ETag']

print('%.1f %.1f' % (size / 1e6 / direct, size / 1e6 / upload))
