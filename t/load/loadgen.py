#!/usr/bin/env python3
"""S3 load generator for t/reload.t: what a client sees across reloads.

N threads, each with one keep-alive HTTP/1.1 connection, send a mix of
PUT, GET and HEAD of small objects (SigV4, signed payload) to one bucket
until --seconds pass or --stop-file appears.  Every request is recorded:
status, latency, and for a failure its cause.

A request that gets no byte of response on a reused keep-alive
connection (the server closed it while idle, before reading it) is
retried once on a fresh connection, as the AWS SDKs do: it counts as
"retried", not failed, unless the retry fails too.  Anything else that is
not the expected answer is a failure: an error status (503 SlowDown
included), a connection closed on a fresh connection or after response
bytes, a timeout, a wrong body.

Then every acknowledged PUT is read back (one connection) and compared.
The report is one JSON object on stdout (or --report).

    loadgen.py --port P --access-key K --secret-key S --bucket B \
        [--conns 8] [--seconds 30] [--stop-file F] [--report F]
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import random
import socket
import sys
import threading
import time

REGION = 'us-east-1'


def sign(method, path, body, host, access_key, secret_key):
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime('%Y%m%dT%H%M%SZ')
    day = amz_date[:8]
    payload = hashlib.sha256(body).hexdigest()
    headers = {'host': host, 'x-amz-content-sha256': payload,
               'x-amz-date': amz_date}
    names = sorted(headers)
    canonical = '\n'.join([method, path, '',
                           ''.join('%s:%s\n' % (n, headers[n])
                                   for n in names),
                           ';'.join(names), payload])
    scope = '%s/%s/s3/aws4_request' % (day, REGION)
    to_sign = '\n'.join(['AWS4-HMAC-SHA256', amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ('AWS4' + secret_key).encode()
    for part in (day, REGION, 's3', 'aws4_request'):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers['Authorization'] = (
        'AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s'
        % (access_key, scope, ';'.join(names), sig))
    del headers['host']
    return headers


class Client:
    """One keep-alive connection and the requests sent on it."""

    def __init__(self, args):
        self.args = args
        self.host = '127.0.0.1:%d' % args.port
        self.conn = None

    def connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection('127.0.0.1', self.args.port,
                                               timeout=self.args.timeout)

    def once(self, method, path, body):
        """(status, body, connection was fresh, response bytes seen)"""
        if self.conn is None:
            self.connect()
        fresh = self.conn.sock is None
        headers = sign(method, path, body, self.host, self.args.access_key,
                       self.args.secret_key)
        seen = False
        try:
            self.conn.request(method, path, body=body if body else None,
                              headers=headers)
            resp = self.conn.getresponse()
            seen = True
            data = resp.read()
            if resp.will_close:
                self.conn.close()
            return resp.status, data, resp.getheader('Retry-After'), fresh
        except (http.client.HTTPException, OSError) as e:
            self.conn.close()
            e.fresh = fresh
            e.seen = seen or isinstance(e, socket.timeout)
            raise

    def request(self, method, path, body=b''):
        """(status, body, retry-after, retried); raises on a failure"""
        try:
            st, data, ra = self.once(method, path, body)[:3]
            return st, data, ra, False
        except (http.client.HTTPException, OSError) as e:
            if e.fresh or e.seen:
                raise
        try:
            st, data, ra = self.once(method, path, body)[:3]
        except (http.client.HTTPException, OSError) as e:
            e.retried = True
            raise
        return st, data, ra, True


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.ok = 0
        self.retried = 0
        self.failures = []
        self.latencies = []
        self.acked = {}
        self.counts = {}

    def record(self, op, latency, failure=None, retried=False):
        with self.lock:
            self.requests += 1
            self.counts[op] = self.counts.get(op, 0) + 1
            self.latencies.append(latency)
            if retried:
                self.retried += 1
            if failure is None:
                self.ok += 1
            else:
                self.failures.append({'op': op, 'cause': failure,
                                      'latency_ms': round(latency * 1000, 1),
                                      'at': round(time.time(), 3)})


def worker(n, args, stats, stop):
    rnd = random.Random(n)
    client = Client(args)
    mine = []
    seq = 0
    while not stop():
        r = rnd.random()
        if r < 0.4 or not mine:
            op = 'PUT'
            seq += 1
            key = 'c%d-%d' % (n, seq)
            body = os.urandom(rnd.randint(1, 4096))
        else:
            op = 'GET' if r < 0.8 else 'HEAD'
            key, body = rnd.choice(mine)
        path = '/%s/%s' % (args.bucket, key)
        t0 = time.monotonic()
        failure = None
        retried = False
        try:
            st, data, ra, retried = client.request(
                op, path, body if op == 'PUT' else b'')
            if st != 200:
                code = data.decode('latin-1')
                code = code.split('<Code>')[1].split('<')[0] \
                    if '<Code>' in code else ''
                failure = 'status %d %s retry-after=%s' % (st, code, ra)
            elif op == 'GET' and data != body:
                failure = 'GET returned different bytes'
            elif op == 'PUT':
                mine.append((key, body))
                with stats.lock:
                    stats.acked[key] = hashlib.md5(body).hexdigest()
        except (http.client.HTTPException, OSError) as e:
            failure = '%s: %s (%s connection, %s)' % (
                type(e).__name__, e,
                'fresh' if getattr(e, 'fresh', True) else 'reused',
                'after response bytes' if getattr(e, 'seen', False)
                else 'no response')
            retried = getattr(e, 'retried', False)
            if retried:
                failure = 'retry failed: ' + failure
        stats.record(op, time.monotonic() - t0, failure, retried)


def verify(args, stats):
    client = Client(args)
    lost = []
    for key, md5 in sorted(stats.acked.items()):
        path = '/%s/%s' % (args.bucket, key)
        try:
            st, data, _, _ = client.request('GET', path)
        except (http.client.HTTPException, OSError) as e:
            lost.append('%s: %s' % (key, e))
            continue
        if st != 200 or hashlib.md5(data).hexdigest() != md5:
            lost.append('%s: status %d' % (key, st))
    return lost


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--access-key', required=True)
    p.add_argument('--secret-key', required=True)
    p.add_argument('--bucket', required=True)
    p.add_argument('--conns', type=int, default=8)
    p.add_argument('--seconds', type=float, default=30)
    p.add_argument('--timeout', type=float, default=20)
    p.add_argument('--stop-file')
    p.add_argument('--report')
    args = p.parse_args()

    stats = Stats()
    deadline = time.monotonic() + args.seconds

    def stop():
        return (time.monotonic() > deadline
                or (args.stop_file and os.path.exists(args.stop_file)))

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n, args, stats, stop))
               for n in range(args.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    lost = verify(args, stats)
    lat = sorted(stats.latencies) or [0]
    report = {
        'seconds': round(elapsed, 2),
        'requests': stats.requests,
        'ok': stats.ok,
        'failed': len(stats.failures),
        'retried': stats.retried,
        'by_op': stats.counts,
        'acked_puts': len(stats.acked),
        'lost': lost,
        'latency_ms': {
            'p50': round(lat[len(lat) // 2] * 1000, 1),
            'p99': round(lat[int(len(lat) * 0.99)] * 1000, 1),
            'max': round(lat[-1] * 1000, 1),
        },
        'failures': stats.failures[:50],
    }
    out = json.dumps(report, indent=1, sort_keys=True)
    if args.report:
        with open(args.report + '.tmp', 'w') as f:
            f.write(out + '\n')
        os.rename(args.report + '.tmp', args.report)
    else:
        print(out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
