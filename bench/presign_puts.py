#!/usr/bin/env python3
"""Presigned PUT paths for the PUT load (bench/put.lua): one a line,
path and query, each for its own key, signed with SigV4 (UNSIGNED-PAYLOAD,
as every presigned URL) by AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.

    presign_puts.py HOST:PORT BUCKET PREFIX COUNT > paths
"""

import datetime
import hashlib
import hmac
import os
import sys
import urllib.parse

REGION = 'us-east-1'


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def main():
    host, bucket, prefix, count = sys.argv[1:5]
    access = os.environ['AWS_ACCESS_KEY_ID']
    secret = os.environ['AWS_SECRET_ACCESS_KEY']
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime('%Y%m%dT%H%M%SZ')
    day = stamp[:8]
    scope = '%s/%s/s3/aws4_request' % (day, REGION)
    key = hmac256(('AWS4' + secret).encode(), day)
    for part in (REGION, 's3', 'aws4_request'):
        key = hmac256(key, part)
    query = urllib.parse.urlencode(sorted({
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': '%s/%s' % (access, scope),
        'X-Amz-Date': stamp,
        'X-Amz-Expires': '3600',
        'X-Amz-SignedHeaders': 'host',
    }.items()), quote_via=urllib.parse.quote, safe='')
    out = []
    for i in range(int(count)):
        path = '/%s/%s%07d' % (bucket, prefix, i)
        creq = '\n'.join(['PUT', path, query, 'host:' + host, '', 'host',
                          'UNSIGNED-PAYLOAD'])
        sts = '\n'.join(['AWS4-HMAC-SHA256', stamp, scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        out.append('%s?%s&X-Amz-Signature=%s\n' % (path, query, sig))
    sys.stdout.write(''.join(out))


main()
