#!/usr/bin/env python3
"""The boto3 suite of t/client_boto3.t (the python3 on PATH) and
t/client_boto3_debian.t (Debian's /usr/bin/python3 and python3-boto3):
buckets, put/get, metadata, ranges, conditionals, odd keys, listings,
copy, deletes, presigned URLs, virtual hosts, upload_file, and with a TLS
endpoint aws-chunked uploads and checksums.

    boto3_suite.py ENDPOINT WORK_DIR [TLS_ENDPOINT CA_FILE]

Credentials come from AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE,
which SOS::Clients->run sets.  Prints one "ok - name" or
"not ok - name # detail" line per check; other lines are notes.
"""

import hashlib
import http.client
import os
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, work = sys.argv[1], sys.argv[2]
tls_endpoint = sys.argv[3] if len(sys.argv) > 3 else None
ca = sys.argv[4] if len(sys.argv) > 4 else None

print('boto3 %s botocore %s python %s' % (boto3.__version__,
      botocore.__version__, sys.version.split()[0]))

BUCKET = 'boto3-test'
CFG = Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'})


def client(url=endpoint, verify=None, **kw):
    return boto3.client('s3', endpoint_url=url, region_name='us-east-1',
                        verify=verify, config=CFG.merge(Config(**kw)))


s3 = client()


def check(cond, name, detail=''):
    detail = str(detail).replace('\n', ' ')[:3000]
    print(('ok - %s' % name) if cond else ('not ok - %s # %s' % (name, detail)))
    sys.stdout.flush()
    return cond


def eq(got, want, name):
    return check(got == want, name, 'got %r, want %r' % (got, want))


def error_of(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        return (e.response['ResponseMetadata']['HTTPStatusCode'],
                e.response['Error'].get('Code'))
    return (200, None)


def data(n, seed):
    out = bytearray()
    x = hashlib.sha512(seed.encode()).digest()
    while len(out) < n:
        x = hashlib.sha512(x).digest()
        out += x
    return bytes(out[:n])


def md5(b):
    return '"%s"' % hashlib.md5(b).hexdigest()


def read(obj):
    return obj['Body'].read()


tests = []


def test(fn):
    tests.append(fn)
    return fn


@test
def buckets():
    s3.create_bucket(Bucket=BUCKET)
    s3.head_bucket(Bucket=BUCKET)
    names = [b['Name'] for b in s3.list_buckets()['Buckets']]
    check(BUCKET in names, 'list_buckets shows the bucket', names)
    # RGW (and S3 outside us-east-1) answer 409 for one's own bucket;
    # S3's legacy us-east-1 200 is sos_bucket_recreate_ok (issue 15)
    eq(error_of(s3.create_bucket, Bucket=BUCKET),
       (409, 'BucketAlreadyOwnedByYou'), 'create again: 409')
    eq(error_of(s3.head_bucket, Bucket='boto3-none'), (404, '404'),
       'head_bucket of a missing bucket: 404')
    loc = s3.get_bucket_location(Bucket=BUCKET)
    check(loc.get('LocationConstraint') in (None, ''), 'location: us-east-1',
          loc.get('LocationConstraint'))
    ver = s3.get_bucket_versioning(Bucket=BUCKET)
    check('Status' not in ver, 'versioning: no status', ver)


@test
def put_get():
    for n in (0, 1, 1000, 65536 + 3, 5 * 1024 * 1024 + 7):
        key = 'obj/size-%d' % n
        body = data(n, key)
        r = s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        eq(r['ETag'], md5(body), 'put %d bytes: ETag' % n)
        g = s3.get_object(Bucket=BUCKET, Key=key)
        b = read(g)
        eq(len(b), n, 'get %d bytes: length' % n)
        check(b == body, 'get %d bytes: bytes equal' % n)
        eq(g['ContentLength'], n, 'get %d bytes: ContentLength' % n)
        eq(g['ETag'], md5(body), 'get %d bytes: ETag' % n)
        check(g.get('ContentEncoding') in (None, ''),
              'get %d bytes: no Content-Encoding' % n, g.get('ContentEncoding'))


@test
def metadata():
    body = b'{"a": 1}\n'
    s3.put_object(Bucket=BUCKET, Key='meta/obj', Body=body,
                  ContentType='application/json',
                  CacheControl='max-age=60',
                  ContentDisposition='attachment; filename="x.json"',
                  ContentLanguage='fr',
                  Metadata={'color': 'blue', 'Mixed-Case': 'Yes',
                            'spaces': 'a b  c'})
    h = s3.head_object(Bucket=BUCKET, Key='meta/obj')
    eq(h['ContentType'], 'application/json', 'head: ContentType')
    eq(h['ContentLength'], len(body), 'head: ContentLength')
    eq(h['ETag'], md5(body), 'head: ETag')
    eq(h.get('CacheControl'), 'max-age=60', 'head: CacheControl')
    eq(h.get('ContentDisposition'), 'attachment; filename="x.json"',
       'head: ContentDisposition')
    eq(h.get('ContentLanguage'), 'fr', 'head: ContentLanguage')
    eq(h['Metadata'], {'color': 'blue', 'mixed-case': 'Yes',
                       'spaces': 'a b  c'}, 'head: user metadata')
    check(h.get('LastModified') is not None, 'head: LastModified')
    eq(h['ResponseMetadata']['HTTPHeaders'].get('accept-ranges'), 'bytes',
       'head: Accept-Ranges bytes')
    g = s3.get_object(Bucket=BUCKET, Key='meta/obj')
    eq(g['Metadata'].get('color'), 'blue', 'get: user metadata')
    eq(read(g), body, 'get: bytes')
    g = s3.get_object(Bucket=BUCKET, Key='meta/obj',
                      ResponseContentType='text/plain',
                      ResponseContentDisposition='inline')
    eq(g['ContentType'], 'text/plain', 'response-content-type override')
    eq(g.get('ContentDisposition'), 'inline',
       'response-content-disposition override')
    # PUTs meant to be refused go through their own connections
    bad = client()
    eq(error_of(bad.put_object, Bucket=BUCKET, Key='meta/big', Body=b'x',
                Metadata={'big': 'v' * 2100}),
       (400, 'MetadataTooLarge'), 'metadata over 2 KiB: MetadataTooLarge')
    # boto3 sends every PutObject with "Expect: 100-continue": after a
    # refusal it sends no body and reuses the connection
    try:
        bad.put_object(Bucket=BUCKET, Key='meta/after', Body=b'after')
        eq(read(s3.get_object(Bucket=BUCKET, Key='meta/after')), b'after',
           'a PUT after a refused PUT on the same connection')
    except Exception as e:
        check(False, 'a PUT after a refused PUT on the same connection', e)


@test
def ranges():
    body = data(100000, 'range')
    s3.put_object(Bucket=BUCKET, Key='range/obj', Body=body)
    for rng, first, last in (('bytes=0-9', 0, 9),
                             ('bytes=99990-', 99990, 99999),
                             ('bytes=-25', 99975, 99999),
                             ('bytes=500-99999999', 500, 99999),
                             ('bytes=12345-67890', 12345, 67890)):
        want = body[first:last + 1]
        g = s3.get_object(Bucket=BUCKET, Key='range/obj', Range=rng)
        eq(g['ResponseMetadata']['HTTPStatusCode'], 206, rng + ': 206')
        check(read(g) == want, rng + ': bytes')
        eq(g['ContentLength'], len(want), rng + ': ContentLength')
        eq(g.get('ContentRange'), 'bytes %d-%d/100000' % (first, last),
           rng + ': ContentRange')
    eq(error_of(s3.get_object, Bucket=BUCKET, Key='range/obj',
                Range='bytes=100000-'), (416, 'InvalidRange'),
       'range past the end: 416 InvalidRange')


@test
def conditionals():
    h = s3.head_object(Bucket=BUCKET, Key='range/obj')
    etag = h['ETag']
    g = s3.get_object(Bucket=BUCKET, Key='range/obj', IfMatch=etag)
    eq(g['ResponseMetadata']['HTTPStatusCode'], 200, 'If-Match: 200')
    eq(error_of(s3.get_object, Bucket=BUCKET, Key='range/obj',
                IfMatch='"0123"'), (412, 'PreconditionFailed'),
       'If-Match other: 412')
    eq(error_of(s3.get_object, Bucket=BUCKET, Key='range/obj',
                IfNoneMatch=etag)[0], 304, 'If-None-Match same: 304')
    # conditional writes exist in botocore since 1.35
    members = s3.meta.service_model.operation_model(
        'PutObject').input_shape.members
    if 'IfNoneMatch' in members:
        eq(error_of(client().put_object, Bucket=BUCKET, Key='range/obj',
                    Body=b'x', IfNoneMatch='*'), (412, 'PreconditionFailed'),
           'put If-None-Match * on an existing key: 412')
        r = s3.put_object(Bucket=BUCKET, Key='cond/new', Body=b'x',
                          IfNoneMatch='*')
        eq(r['ETag'], md5(b'x'), 'put If-None-Match * on a new key')


@test
def missing():
    eq(error_of(s3.get_object, Bucket=BUCKET, Key='none'),
       (404, 'NoSuchKey'), 'get missing key: NoSuchKey')
    eq(error_of(s3.head_object, Bucket=BUCKET, Key='none'), (404, '404'),
       'head missing key: 404')
    eq(error_of(s3.get_object, Bucket='boto3-none', Key='x'),
       (404, 'NoSuchBucket'), 'get in a missing bucket: NoSuchBucket')
    r = s3.delete_object(Bucket=BUCKET, Key='none')
    eq(r['ResponseMetadata']['HTTPStatusCode'], 204,
       'delete missing key: 204')


@test
def odd_keys():
    keys = ['odd/a b+c', 'odd/100%', 'odd/%2F', 'odd//x', 'odd/../y',
            'odd/\u00fc\u20ac\U0001f600', 'odd/q?x=1&y', 'odd/' + 'k' * 1020]
    for i, key in enumerate(keys):
        body = data(100 + i, key)
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        check(read(s3.get_object(Bucket=BUCKET, Key=key)) == body,
              'odd key %r: bytes' % key[:40])
    listed = [o['Key'] for o in
              s3.list_objects_v2(Bucket=BUCKET, Prefix='odd/')['Contents']]
    eq(listed, sorted(keys, key=lambda k: k.encode()), 'odd keys listed')
    listed = [o['Key'] for o in
              s3.list_objects(Bucket=BUCKET, Prefix='odd/')['Contents']]
    eq(listed, sorted(keys, key=lambda k: k.encode()), 'odd keys listed (v1)')
    eq(error_of(client().put_object, Bucket=BUCKET, Key='k' * 1025, Body=b'x'),
       (400, 'KeyTooLongError'), '1025-byte key: KeyTooLongError')


@test
def listing():
    keys = ['list/k%02d' % i for i in range(25)]
    keys += ['list/dir%d/x%d' % (i, j) for i in range(6) for j in range(3)]
    for k in keys:
        s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
    want = sorted(keys)

    pages = list(s3.get_paginator('list_objects_v2').paginate(
        Bucket=BUCKET, Prefix='list/', PaginationConfig={'PageSize': 7}))
    got = [o['Key'] for p in pages for o in p.get('Contents', [])]
    eq(got, want, 'list_objects_v2 in pages of 7: every key once, in order')
    eq(len(pages), (len(want) + 6) // 7, 'list_objects_v2 page count')
    eq([p['KeyCount'] for p in pages][:1], [7], 'KeyCount of a full page')
    check(all(p['IsTruncated'] for p in pages[:-1])
          and not pages[-1]['IsTruncated'], 'IsTruncated on all but last')

    pages = list(s3.get_paginator('list_objects').paginate(
        Bucket=BUCKET, Prefix='list/', PaginationConfig={'PageSize': 7}))
    got = [o['Key'] for p in pages for o in p.get('Contents', [])]
    eq(got, want, 'list_objects (v1) in pages of 7')

    for name in ('list_objects_v2', 'list_objects'):
        pages = list(s3.get_paginator(name).paginate(
            Bucket=BUCKET, Prefix='list/', Delimiter='/',
            PaginationConfig={'PageSize': 2}))
        got = [o['Key'] for p in pages for o in p.get('Contents', [])]
        pre = [c['Prefix'] for p in pages for c in p.get('CommonPrefixes', [])]
        eq(pre, ['list/dir%d/' % i for i in range(6)],
           name + ' delimiter, pages of 2: every prefix once')
        eq(got, ['list/k%02d' % i for i in range(25)],
           name + ' delimiter, pages of 2: keys')

    r = s3.list_objects_v2(Bucket=BUCKET, Prefix='list/', StartAfter='list/k20',
                           FetchOwner=True)
    eq([o['Key'] for o in r['Contents']], [k for k in want if k > 'list/k20'],
       'StartAfter')
    check('Owner' in r['Contents'][0], 'FetchOwner gives an Owner',
          r['Contents'][0])
    o = r['Contents'][0]
    eq(o['Size'], len(o['Key']), 'listed Size')
    eq(o['ETag'], md5(o['Key'].encode()), 'listed ETag')

    r = s3.list_objects_v2(Bucket=BUCKET, Prefix='list/k0', EncodingType='url')
    eq(len(r['Contents']), 10, 'encoding-type=url listing')


@test
def copy():
    body = data(300000, 'copy')
    s3.put_object(Bucket=BUCKET, Key='copy/src', Body=body,
                  ContentType='image/png', Metadata={'a': '1'})
    r = s3.copy_object(Bucket=BUCKET, Key='copy/dst',
                       CopySource={'Bucket': BUCKET, 'Key': 'copy/src'})
    eq(r['CopyObjectResult']['ETag'], md5(body), 'copy: ETag')
    g = s3.get_object(Bucket=BUCKET, Key='copy/dst')
    check(read(g) == body, 'copy: bytes')
    eq(g['ContentType'], 'image/png', 'copy: ContentType kept')
    eq(g['Metadata'], {'a': '1'}, 'copy: metadata kept')
    s3.copy_object(Bucket=BUCKET, Key='copy/dst',
                   CopySource={'Bucket': BUCKET, 'Key': 'copy/dst'},
                   MetadataDirective='REPLACE', ContentType='text/plain',
                   Metadata={'b': '2'})
    h = s3.head_object(Bucket=BUCKET, Key='copy/dst')
    eq((h['ContentType'], h['Metadata']), ('text/plain', {'b': '2'}),
       'copy onto itself with REPLACE')
    eq(error_of(s3.copy_object, Bucket=BUCKET, Key='copy/dst',
                CopySource={'Bucket': BUCKET, 'Key': 'copy/dst'}),
       (400, 'InvalidRequest'), 'copy onto itself without REPLACE: 400')
    eq(error_of(s3.copy_object, Bucket=BUCKET, Key='copy/x',
                CopySource={'Bucket': BUCKET, 'Key': 'copy/none'}),
       (404, 'NoSuchKey'), 'copy of a missing key: NoSuchKey')
    eq(error_of(s3.copy_object, Bucket=BUCKET, Key='copy/x',
                CopySource={'Bucket': BUCKET, 'Key': 'copy/src'},
                CopySourceIfMatch='"abc"'), (412, 'PreconditionFailed'),
       'copy-source-if-match other: 412')
    s3.copy_object(Bucket=BUCKET, Key='copy/x',
                   CopySource={'Bucket': BUCKET, 'Key': 'copy/src'},
                   CopySourceIfMatch=md5(body))
    check(read(s3.get_object(Bucket=BUCKET, Key='copy/x')) == body,
          'copy-source-if-match same: copied')


@test
def deletes():
    for i in range(10):
        s3.put_object(Bucket=BUCKET, Key='del/%d' % i, Body=b'x')
    r = s3.delete_object(Bucket=BUCKET, Key='del/0')
    eq(r['ResponseMetadata']['HTTPStatusCode'], 204, 'delete_object: 204')
    eq(error_of(s3.head_object, Bucket=BUCKET, Key='del/0'), (404, '404'),
       'deleted object is gone')
    r = s3.delete_objects(Bucket=BUCKET, Delete={'Objects': [
        {'Key': 'del/%d' % i} for i in range(1, 6)] + [{'Key': 'del/none'}]})
    eq(sorted(d['Key'] for d in r.get('Deleted', [])),
       ['del/%d' % i for i in range(1, 6)] + ['del/none'],
       'delete_objects: Deleted')
    eq(r.get('Errors', []), [], 'delete_objects: no Errors')
    r = s3.delete_objects(Bucket=BUCKET, Delete={'Quiet': True, 'Objects': [
        {'Key': 'del/%d' % i} for i in range(6, 10)]})
    eq(r.get('Deleted', []), [], 'quiet delete_objects: nothing reported')
    eq(s3.list_objects_v2(Bucket=BUCKET, Prefix='del/')['KeyCount'], 0,
       'all deleted')


def fetch(url, method='GET', body=None):
    # urllib would add a Content-Type to a PUT, which a SigV2 URL signs
    if method == 'PUT':
        u = urllib.parse.urlsplit(url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        c.putrequest('PUT', u.path + '?' + u.query, skip_accept_encoding=True)
        c.putheader('Content-Length', str(len(body)))
        c.endheaders()
        c.send(body)
        r = c.getresponse()
        return r.status, r.read()
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@test
def presigned():
    body = data(200000, 'presign')
    s3.put_object(Bucket=BUCKET, Key='pre/get me', Body=body)
    for name, c in (('default', s3),
                    ('s3v4', client(signature_version='s3v4'))):
        url = c.generate_presigned_url(
            'get_object', Params={'Bucket': BUCKET, 'Key': 'pre/get me'},
            ExpiresIn=300)
        form = 'v4' if 'X-Amz-Signature' in url else 'v2'
        st, b = fetch(url)
        eq(st, 200, 'presigned GET (%s, %s): 200' % (name, form))
        check(b == body, 'presigned GET (%s, %s): bytes' % (name, form))
        st, _ = fetch(url.replace('get%20me', 'get%20you'))
        eq(st, 403, 'presigned GET (%s, %s) of another key: 403'
           % (name, form))

        key = 'pre/put-%s' % name
        url = c.generate_presigned_url(
            'put_object', Params={'Bucket': BUCKET, 'Key': key},
            ExpiresIn=300)
        up = data(70000, key)
        st, b = fetch(url, 'PUT', up)
        eq(st, 200, 'presigned PUT (%s, %s): 200' % (name, form))
        check(read(s3.get_object(Bucket=BUCKET, Key=key)) == up,
              'presigned PUT (%s, %s): stored bytes' % (name, form))

    url = s3.generate_presigned_url(
        'head_object', Params={'Bucket': BUCKET, 'Key': 'pre/get me'},
        ExpiresIn=300)
    st, _ = fetch(url, 'HEAD')
    eq(st, 200, 'presigned HEAD: 200')


@test
def virtual_host():
    # bucket.s3.localhost without DNS: this process resolves it
    import socket
    orig = socket.getaddrinfo

    def gai(host, *a, **kw):
        if isinstance(host, str) and host.endswith('s3.localhost'):
            host = '127.0.0.1'
        return orig(host, *a, **kw)

    socket.getaddrinfo = gai
    try:
        port = urllib.parse.urlsplit(endpoint).port
        v = boto3.client('s3', endpoint_url='http://s3.localhost:%d' % port,
                         region_name='us-east-1',
                         config=Config(retries={'max_attempts': 1},
                                       s3={'addressing_style': 'virtual'}))
        hosts = []
        v.meta.events.register('before-send.s3', lambda request, **kw:
                               hosts.append(urllib.parse.urlsplit(
                                   request.url).hostname))
        body = data(5000, 'vhost')
        v.put_object(Bucket=BUCKET, Key='vhost/a b', Body=body)
        eq(read(s3.get_object(Bucket=BUCKET, Key='vhost/a b')), body,
           'virtual-hosted PUT, path-style GET')
        eq(read(v.get_object(Bucket=BUCKET, Key='vhost/a b')), body,
           'virtual-hosted GET')
        eq([o['Key'] for o in v.list_objects_v2(
            Bucket=BUCKET, Prefix='vhost/')['Contents']], ['vhost/a b'],
           'virtual-hosted ListObjectsV2')
        url = v.generate_presigned_url(
            'get_object', Params={'Bucket': BUCKET, 'Key': 'vhost/a b'},
            ExpiresIn=300)
        st, b = fetch(url)
        eq((st, b == body), (200, True), 'virtual-hosted presigned GET')
        v.delete_object(Bucket=BUCKET, Key='vhost/a b')
        eq(set(hosts), {BUCKET + '.s3.localhost'},
           'requests went to bucket.s3.localhost')
    finally:
        socket.getaddrinfo = orig


@test
def transfer():
    path = os.path.join(work, 'boto3-up.bin')
    body = data(3 * 1024 * 1024 + 5, 'transfer')
    with open(path, 'wb') as f:
        f.write(body)
    s3.upload_file(path, BUCKET, 'transfer/file')
    down = os.path.join(work, 'boto3-down.bin')
    s3.download_file(BUCKET, 'transfer/file', down)
    with open(down, 'rb') as f:
        check(f.read() == body, 'upload_file / download_file: bytes')


@test
def tls():
    if not tls_endpoint:
        return
    c = client(tls_endpoint, verify=ca)
    sent = []

    def seen(request, **kw):
        sent.append(request.headers.get('x-amz-content-sha256', b''))

    c.meta.events.register('before-send.s3.PutObject', seen)
    for n in (0, 10, 1024 * 1024 + 3, 6 * 1024 * 1024):
        key = 'tls/obj-%d' % n
        body = data(n, key)
        r = c.put_object(Bucket=BUCKET, Key=key, Body=body)
        eq(r['ETag'], md5(body), 'TLS put %d bytes: ETag' % n)
        g = c.get_object(Bucket=BUCKET, Key=key)
        check(read(g) == body, 'TLS get %d bytes: bytes' % n)
        check(g.get('ContentEncoding') in (None, ''),
              'TLS get %d bytes: no aws-chunked Content-Encoding' % n,
              g.get('ContentEncoding'))
    # botocore 1.36 and later: aws-chunked with a CRC32 trailer over https
    if tuple(int(x) for x in botocore.__version__.split('.')[:2]) >= (1, 36):
        eq(set(x if isinstance(x, str) else x.decode() for x in sent),
           {'STREAMING-UNSIGNED-PAYLOAD-TRAILER'},
           'TLS: the puts were sent aws-chunked with a trailer')
    path = os.path.join(work, 'boto3-tls.bin')
    body = data(2 * 1024 * 1024, 'tls-file')
    with open(path, 'wb') as f:
        f.write(body)
    c.upload_file(path, BUCKET, 'tls/file')
    check(read(c.get_object(Bucket=BUCKET, Key='tls/file')) == body,
          'TLS upload_file: bytes')
    members = c.meta.service_model.operation_model(
        'PutObject').input_shape.members
    if 'ChecksumAlgorithm' in members:
        for algo in ('CRC32', 'CRC32C', 'SHA1', 'SHA256'):
            key = 'tls/sum-' + algo
            try:
                r = c.put_object(Bucket=BUCKET, Key=key, Body=b'sum' * 1000,
                                 ChecksumAlgorithm=algo)
            except botocore.exceptions.MissingDependencyException:
                continue
            check(r.get('Checksum' + algo), 'TLS put with %s: checksum '
                  'returned' % algo, r)
            check(read(c.get_object(Bucket=BUCKET, Key=key)) ==
                  b'sum' * 1000, 'TLS put with %s: bytes' % algo)


@test
def cleanup():
    res = boto3.resource('s3', endpoint_url=endpoint, region_name='us-east-1',
                         config=CFG)
    b = res.Bucket(BUCKET)
    eq(error_of(s3.delete_bucket, Bucket=BUCKET), (409, 'BucketNotEmpty'),
       'delete non-empty bucket: BucketNotEmpty')
    b.object_versions.delete()
    eq(s3.list_objects_v2(Bucket=BUCKET)['KeyCount'], 0,
       'bucket.object_versions.delete() empties the bucket')
    s3.put_object(Bucket=BUCKET, Key='again', Body=b'x')
    b.objects.all().delete()
    eq(s3.list_objects_v2(Bucket=BUCKET)['KeyCount'], 0,
       'bucket.objects.all().delete() empties the bucket')
    s3.delete_bucket(Bucket=BUCKET)
    names = [x['Name'] for x in s3.list_buckets()['Buckets']]
    check(BUCKET not in names, 'bucket deleted', names)


failed = 0
for fn in tests:
    try:
        fn()
        check(True, fn.__name__ + ': no exception')
    except Exception:
        failed += 1
        check(False, fn.__name__ + ': no exception', traceback.format_exc())
    if fn.__name__ == 'buckets' and failed:
        break
