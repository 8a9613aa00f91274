#!/usr/bin/env python3
"""DeleteObjects of 1,000 keys with boto3, ROUNDS rounds, each on 1,000
objects of 4 KiB just uploaded (16 at a time, not timed), and the same
request naming 1,000 missing keys (the same parsing, index reads and
answer without a write: the floor under the figure).  Prints the median
seconds of both, then the lowest and highest of the first.

    delete_objects.py ENDPOINT ROUNDS
"""

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

endpoint, rounds = sys.argv[1], int(sys.argv[2])
n = 1000

s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                  config=Config(s3={'addressing_style': 'path'},
                                retries={'max_attempts': 1},
                                max_pool_connections=20))
s3.create_bucket(Bucket='bench')
body = b'x' * 4096


def put(key):
    s3.put_object(Bucket='bench', Key=key, Body=body)


def delete(keys):
    t0 = time.time()
    r = s3.delete_objects(Bucket='bench', Delete={
        'Objects': [{'Key': k} for k in keys], 'Quiet': False})
    t = time.time() - t0
    if r.get('Errors') or len(r.get('Deleted', [])) != len(keys):
        sys.exit('delete_objects.py: DeleteObjects answered %d Deleted, '
                 'errors %r' % (len(r.get('Deleted', [])),
                                r.get('Errors', [])[:3]))
    return t


existing, missing = [], []
with ThreadPoolExecutor(16) as pool:
    for r in range(rounds):
        keys = ['r%d/k%04d' % (r, i) for i in range(n)]
        list(pool.map(put, keys))
        missing.append(delete(['none/k%04d' % i for i in range(n)]))
        existing.append(delete(keys))
        left = s3.list_objects_v2(Bucket='bench').get('KeyCount')
        if left != 0:
            sys.exit('delete_objects.py: %d objects left after round %d'
                     % (left, r))


print('%.4f %.4f %.4f %.4f' % (statistics.median(existing),
                               statistics.median(missing),
                               min(existing), max(existing)))
