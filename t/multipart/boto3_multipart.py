#!/usr/bin/env python3
"""The boto3 multipart cases of t/client_boto3.t and
t/client_boto3_debian.t: upload_file and download_file in parts, GET by
part number, a composite CRC32, upload_part_copy, list_parts page by page,
complete out of order, abort.

    boto3_multipart.py ENDPOINT WORK_DIR

Credentials as for t/clients/boto3_suite.py.  Prints one "ok - name" or
"not ok - name # detail" line per check.
"""

import hashlib
import os
import sys
import traceback

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, work = sys.argv[1], sys.argv[2]
MiB = 1024 * 1024
BUCKET = 'boto3-mp'

s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                  config=Config(retries={'max_attempts': 1},
                                s3={'addressing_style': 'path'}))


def check(name, cond, detail=''):
    print(('ok - %s' % name) if cond else ('not ok - %s # %s' % (name,
                                                                 detail)))


def data(size, seed):
    out, x = [], hashlib.sha512(seed.encode()).digest()
    for _ in range((size + 63) // 64):
        x = hashlib.sha512(x).digest()
        out.append(x)
    return b''.join(out)[:size]


def mp_etag(b, part):
    md5s = b''.join(hashlib.md5(b[o:o + part]).digest()
                    for o in range(0, len(b), part))
    return '"%s-%d"' % (hashlib.md5(md5s).hexdigest(),
                        (len(b) + part - 1) // part)


try:
    s3.create_bucket(Bucket=BUCKET)

    # upload_file above a 5 MiB threshold, in 5 MiB parts, 4 at a time

    big = data(12 * MiB + 7, 'boto3-big')
    src = os.path.join(work, 'boto3-big.bin')
    with open(src, 'wb') as f:
        f.write(big)

    cfg = TransferConfig(multipart_threshold=5 * MiB,
                         multipart_chunksize=5 * MiB, max_concurrency=4)
    s3.upload_file(src, BUCKET, 'big.bin', Config=cfg)
    h = s3.head_object(Bucket=BUCKET, Key='big.bin')
    check('upload_file in 5 MiB parts: ETag of 3 parts',
          h['ETag'] == mp_etag(big, 5 * MiB), h['ETag'])
    check('size', h['ContentLength'] == len(big), h['ContentLength'])

    dst = os.path.join(work, 'boto3-big.back')
    s3.download_file(BUCKET, 'big.bin', dst, Config=cfg)
    with open(dst, 'rb') as f:
        check('download_file (ranged, concurrent) gives the bytes back',
              f.read() == big)

    g = s3.get_object(Bucket=BUCKET, Key='big.bin', PartNumber=3)
    body = g['Body'].read()
    check('get_object PartNumber=3: the last part',
          body == big[10 * MiB:], len(body))
    check('PartsCount', g.get('PartsCount') == 3, g.get('PartsCount'))
    check('ContentRange', g.get('ContentRange') == 'bytes %d-%d/%d' % (
          10 * MiB, len(big) - 1, len(big)), g.get('ContentRange'))

    g = s3.get_object(Bucket=BUCKET, Key='big.bin',
                      Range='bytes=%d-%d' % (5 * MiB - 3, 5 * MiB + 2))
    check('a range across parts', g['Body'].read() ==
          big[5 * MiB - 3:5 * MiB + 3])

    # upload_file with a checksum algorithm: a composite checksum

    try:
        s3.upload_file(src, BUCKET, 'crc.bin', Config=cfg,
                       ExtraArgs={'ChecksumAlgorithm': 'CRC32'})
        h = s3.head_object(Bucket=BUCKET, Key='crc.bin',
                           ChecksumMode='ENABLED')
        v = h.get('ChecksumCRC32', '')
        check('upload_file with CRC32: composite checksum "-3"',
              v.endswith('-3'), v)
    except Exception as e:
        check('upload_file with CRC32', False, repr(e))

    # upload_part_copy and upload_part, list_parts page by page

    up = s3.create_multipart_upload(Bucket=BUCKET, Key='copied.bin',
                                    Metadata={'origin': 'copy'})
    uid = up['UploadId']
    c1 = s3.upload_part_copy(Bucket=BUCKET, Key='copied.bin',
                             UploadId=uid, PartNumber=1,
                             CopySource={'Bucket': BUCKET, 'Key': 'big.bin'},
                             CopySourceRange='bytes=%d-%d' % (
                                 2 * MiB, 7 * MiB - 1))
    want1 = big[2 * MiB:7 * MiB]
    check('upload_part_copy with a range across parts: ETag',
          c1['CopyPartResult']['ETag'] ==
          '"%s"' % hashlib.md5(want1).hexdigest(), c1['CopyPartResult'])
    try:
        s3.upload_part_copy(Bucket=BUCKET, Key='copied.bin', UploadId=uid,
                            PartNumber=2,
                            CopySource={'Bucket': BUCKET, 'Key': 'big.bin'},
                            CopySourceIfMatch='"nope"')
        check('upload_part_copy CopySourceIfMatch', False, 'no error')
    except ClientError as e:
        check('upload_part_copy CopySourceIfMatch: 412',
              e.response['Error']['Code'] == 'PreconditionFailed',
              e.response['Error'])
    tail = data(1234, 'tail')
    p2 = s3.upload_part(Bucket=BUCKET, Key='copied.bin', UploadId=uid,
                        PartNumber=2, Body=tail)
    p3 = s3.upload_part(Bucket=BUCKET, Key='copied.bin', UploadId=uid,
                        PartNumber=3, Body=b'')
    seen, marker, pages = [], 0, 0
    while True:
        lp = s3.list_parts(Bucket=BUCKET, Key='copied.bin', UploadId=uid,
                           MaxParts=1, PartNumberMarker=marker)
        pages += 1
        seen += [p['PartNumber'] for p in lp.get('Parts', [])]
        if not lp['IsTruncated'] or pages > 10:
            break
        marker = lp['NextPartNumberMarker']
    check('list_parts one at a time: every part once',
          seen == [1, 2, 3], seen)
    check('list_parts: three pages', pages == 3, pages)
    pag = s3.get_paginator('list_parts').paginate(
        Bucket=BUCKET, Key='copied.bin', UploadId=uid,
        PaginationConfig={'PageSize': 2})
    check('list_parts paginator', [p['PartNumber'] for page in pag
                                   for p in page.get('Parts', [])]
          == [1, 2, 3])

    ups = s3.list_multipart_uploads(Bucket=BUCKET)
    check('list_multipart_uploads shows the upload',
          [u['UploadId'] for u in ups.get('Uploads', [])] == [uid], ups)

    try:
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key='copied.bin', UploadId=uid,
            MultipartUpload={'Parts': [
                {'PartNumber': 2, 'ETag': p2['ETag']},
                {'PartNumber': 1, 'ETag': c1['CopyPartResult']['ETag']}]})
        check('complete out of order', False, 'no error')
    except ClientError as e:
        check('complete out of order: InvalidPartOrder',
              e.response['Error']['Code'] == 'InvalidPartOrder',
              e.response['Error'])

    done = s3.complete_multipart_upload(
        Bucket=BUCKET, Key='copied.bin', UploadId=uid,
        MultipartUpload={'Parts': [
            {'PartNumber': 1, 'ETag': c1['CopyPartResult']['ETag']},
            {'PartNumber': 2, 'ETag': p2['ETag']}]})
    check('complete_multipart_upload: ETag -2', done['ETag'].endswith('-2"'),
          done['ETag'])
    g = s3.get_object(Bucket=BUCKET, Key='copied.bin')
    check('the completed object: copied range + uploaded part',
          g['Body'].read() == want1 + tail)
    check('metadata from create_multipart_upload',
          g['Metadata'] == {'origin': 'copy'}, g['Metadata'])
    check('ETag of the object', g['ETag'] == done['ETag'], g['ETag'])

    # abort

    uid = s3.create_multipart_upload(Bucket=BUCKET, Key='gone')['UploadId']
    s3.upload_part(Bucket=BUCKET, Key='gone', UploadId=uid, PartNumber=1,
                   Body=b'x' * 1000)
    s3.abort_multipart_upload(Bucket=BUCKET, Key='gone', UploadId=uid)
    try:
        s3.list_parts(Bucket=BUCKET, Key='gone', UploadId=uid)
        check('list_parts after abort', False, 'no error')
    except ClientError as e:
        check('list_parts after abort: NoSuchUpload',
              e.response['Error']['Code'] == 'NoSuchUpload',
              e.response['Error'])
    check('no upload left',
          s3.list_multipart_uploads(Bucket=BUCKET).get('Uploads', []) == [])

    for k in ('big.bin', 'crc.bin', 'copied.bin'):
        s3.delete_object(Bucket=BUCKET, Key=k)
    s3.delete_bucket(Bucket=BUCKET)
    check('bucket deleted', True)

except Exception:
    check('no exception', False, traceback.format_exc().replace('\n', ' | '))
    sys.exit(1)
