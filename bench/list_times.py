#!/usr/bin/env python3
"""Latency of one ListObjectsV2 page (max-keys 1000, after a given key)
of each bucket, over one keep-alive connection, through URLs presigned
by boto3 so the client spends nothing but the requests; the buckets are
asked in turn, REQUESTS times each, so that a change of the machine's
load weighs on all alike.  Prints the p50 and p99 in milliseconds of each
bucket, one line each.  Credentials from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY.

    list_times.py ENDPOINT REQUESTS BUCKET START-AFTER [BUCKET START-AFTER]..
"""

import http.client
import re
import sys
import time
import urllib.parse

import boto3
from botocore.config import Config


def main():
    endpoint, n = sys.argv[1], int(sys.argv[2])
    pages = list(zip(sys.argv[3::2], sys.argv[4::2]))
    s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                      config=Config(s3={'addressing_style': 'path'},
                                    signature_version='s3v4'))
    paths = []
    for bucket, after in pages:
        u = urllib.parse.urlsplit(s3.generate_presigned_url(
            'list_objects_v2', ExpiresIn=3600,
            Params={'Bucket': bucket, 'MaxKeys': 1000,
                    'StartAfter': after}))
        paths.append(u.path + '?' + u.query)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    ms = [[] for p in paths]
    for i in range(n + 1):
        for j, path in enumerate(paths):
            t0 = time.monotonic()
            conn.request('GET', path)
            r = conn.getresponse()
            body = r.read()
            t = (time.monotonic() - t0) * 1000
            m = re.search(rb'<KeyCount>(\d+)</KeyCount>', body)
            if r.status != 200 or not m or int(m.group(1)) != 1000:
                sys.exit('list_times.py: HTTP %d, %r'
                         % (r.status, body[:300]))
            if i > 0:           # the first round warms the block cache
                ms[j].append(t)
    for t in ms:
        t.sort()
        print('%.2f %.2f' % (t[len(t) // 2], t[min(len(t) - 1,
                                                   int(len(t) * 0.99))]))

main()
