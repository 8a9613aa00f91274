#!/usr/bin/env python3
"""Latency of one ListObjectsV2 page (max-keys 1000, after a key in the
middle of the bucket) over one keep-alive connection, through a URL
presigned by boto3 so the client spends nothing but the request; prints
the p50 and p99 in milliseconds.  Credentials from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY.

    list_times.py ENDPOINT BUCKET START-AFTER REQUESTS
"""

import http.client
import re
import sys
import time
import urllib.parse

import boto3
from botocore.config import Config


def main():
    endpoint, bucket, after, n = sys.argv[1], sys.argv[2], sys.argv[3], \
        int(sys.argv[4])
    s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                      config=Config(s3={'addressing_style': 'path'},
                                    signature_version='s3v4'))
    url = s3.generate_presigned_url('list_objects_v2', ExpiresIn=3600,
                                    Params={'Bucket': bucket,
                                            'MaxKeys': 1000,
                                            'StartAfter': after})
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    path = u.path + '?' + u.query
    ms = []
    for i in range(n + 1):
        t0 = time.monotonic()
        conn.request('GET', path)
        r = conn.getresponse()
        body = r.read()
        t = (time.monotonic() - t0) * 1000
        m = re.search(rb'<KeyCount>(\d+)</KeyCount>', body)
        if r.status != 200 or not m or int(m.group(1)) != 1000:
            sys.exit('list_times.py: HTTP %d, %r' % (r.status, body[:300]))
        if i > 0:           # the first warms the block cache
            ms.append(t)
    ms.sort()
    print('%.2f %.2f' % (ms[len(ms) // 2], ms[min(len(ms) - 1,
                                                  int(len(ms) * 0.99))]))


main()
