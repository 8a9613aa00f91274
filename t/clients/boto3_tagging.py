#!/usr/bin/env python3
"""Tagging with boto3, for t/tagging_boto3.t: put/get/delete_object_tagging,
put/get/delete_bucket_tagging (NoSuchTagSet once deleted), Tagging= on
put_object, copy_object (TaggingDirective COPY and REPLACE) and
create_multipart_upload (the tags on the completed object), TagCount on
get_object and head_object, and S3's refusals (11 tags, a key of 129
characters, a key twice, an "aws:" key); in a versioned bucket, the three
object calls with VersionId (the VersionId they answer, the tags of a
noncurrent version, TagCount of get_object with VersionId, a delete
marker's 405).

    boto3_tagging.py ENDPOINT

Credentials as for boto3_suite.py.  Prints one "ok - ..." or
"not ok - ... # detail" line a check.
"""

import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ep = sys.argv[1]
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(retries={'max_attempts': 1},
                                s3={'addressing_style': 'path'}))

B = 'tagging-boto3'


def check(cond, name, detail=''):
    if cond:
        print('ok - %s' % name)
    else:
        print('not ok - %s # %s' % (name, detail))


def error_of(f, **kw):
    try:
        f(**kw)
    except ClientError as e:
        return (e.response['ResponseMetadata']['HTTPStatusCode'],
                e.response['Error']['Code'])
    return (200, '')


def tagset(*kv):
    return {'TagSet': [{'Key': kv[i], 'Value': kv[i + 1]}
                       for i in range(0, len(kv), 2)]}


def tags_of(key):
    r = s3.get_object_tagging(Bucket=B, Key=key)
    return [(t['Key'], t['Value']) for t in r['TagSet']]


s3.create_bucket(Bucket=B)
s3.put_object(Bucket=B, Key='obj', Body=b'data')

check(tags_of('obj') == [], 'no tags at first', tags_of('obj'))

s3.put_object_tagging(Bucket=B, Key='obj',
                      Tagging=tagset('project', 'sos', 'env', 'a b'))
check(tags_of('obj') == [('project', 'sos'), ('env', 'a b')],
      'put_object_tagging, get_object_tagging', tags_of('obj'))

r = s3.head_object(Bucket=B, Key='obj')
n = r['ResponseMetadata']['HTTPHeaders'].get('x-amz-tagging-count')
check(n == '2', 'head_object: x-amz-tagging-count 2', n)
r = s3.get_object(Bucket=B, Key='obj')
check(r.get('TagCount') == 2, 'get_object: TagCount 2', r.get('TagCount'))

s3.delete_object_tagging(Bucket=B, Key='obj')
check(tags_of('obj') == [], 'delete_object_tagging', tags_of('obj'))
r = s3.get_object(Bucket=B, Key='obj')
check('TagCount' not in r, 'no TagCount without tags', r.get('TagCount'))

s3.put_object(Bucket=B, Key='hdr', Body=b'x',
              Tagging='a=1&b=two words&c=%C3%A9')
check(tags_of('hdr') == [('a', '1'), ('b', 'two words'), ('c', '\u00e9')],
      'put_object Tagging=', tags_of('hdr'))

s3.copy_object(Bucket=B, Key='cp1', CopySource={'Bucket': B, 'Key': 'hdr'})
check(tags_of('cp1') == tags_of('hdr'), 'copy_object copies the tags',
      tags_of('cp1'))
s3.copy_object(Bucket=B, Key='cp2', CopySource={'Bucket': B, 'Key': 'hdr'},
               TaggingDirective='REPLACE', Tagging='new=yes')
check(tags_of('cp2') == [('new', 'yes')], 'copy_object REPLACE',
      tags_of('cp2'))

up = s3.create_multipart_upload(Bucket=B, Key='mp', Tagging='stage=mp')
p = s3.upload_part(Bucket=B, Key='mp', UploadId=up['UploadId'],
                   PartNumber=1, Body=b'part')
s3.complete_multipart_upload(
    Bucket=B, Key='mp', UploadId=up['UploadId'],
    MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': p['ETag']}]})
check(tags_of('mp') == [('stage', 'mp')],
      'create_multipart_upload Tagging=, on the completed object',
      tags_of('mp'))

many = []
for i in range(11):
    many += ['k%d' % i, 'v']
e = error_of(s3.put_object_tagging, Bucket=B, Key='obj',
             Tagging=tagset(*many))
check(e == (400, 'BadRequest'), '11 tags: 400 BadRequest', e)
e = error_of(s3.put_object_tagging, Bucket=B, Key='obj',
             Tagging=tagset('k' * 129, 'v'))
check(e == (400, 'InvalidTag'), 'a key of 129: 400 InvalidTag', e)
e = error_of(s3.put_object_tagging, Bucket=B, Key='obj',
             Tagging=tagset('k', '1', 'k', '2'))
check(e == (400, 'InvalidTag'), 'a key twice: 400 InvalidTag', e)
e = error_of(s3.put_object_tagging, Bucket=B, Key='obj',
             Tagging=tagset('aws:k', 'v'))
check(e == (400, 'InvalidTag'), 'an aws: key: 400 InvalidTag', e)
e = error_of(s3.put_object, Bucket=B, Key='bad', Body=b'x',
             Tagging='a=1&a=2')
check(e == (400, 'InvalidArgument'), 'Tagging= with a key twice', e)
e = error_of(s3.get_object_tagging, Bucket=B, Key='none')
check(e == (404, 'NoSuchKey'), 'get_object_tagging of no key: NoSuchKey', e)

e = error_of(s3.get_bucket_tagging, Bucket=B)
check(e == (404, 'NoSuchTagSet'), 'get_bucket_tagging: NoSuchTagSet', e)
s3.put_bucket_tagging(Bucket=B, Tagging=tagset('team', 'ops'))
r = s3.get_bucket_tagging(Bucket=B)
check([(t['Key'], t['Value']) for t in r['TagSet']] == [('team', 'ops')],
      'put_bucket_tagging, get_bucket_tagging', r['TagSet'])
s3.delete_bucket_tagging(Bucket=B)
e = error_of(s3.get_bucket_tagging, Bucket=B)
check(e == (404, 'NoSuchTagSet'), 'delete_bucket_tagging', e)

# per version, in a versioned bucket
V = 'tagging-boto3-ver'
s3.create_bucket(Bucket=V)
s3.put_bucket_versioning(Bucket=V,
                         VersioningConfiguration={'Status': 'Enabled'})
v1 = s3.put_object(Bucket=V, Key='k', Body=b'one',
                   Tagging='gen=1')['VersionId']
v2 = s3.put_object(Bucket=V, Key='k', Body=b'two')['VersionId']

r = s3.put_object_tagging(Bucket=V, Key='k', VersionId=v1,
                          Tagging=tagset('gen', 'old'))
check(r.get('VersionId') == v1, 'put_object_tagging VersionId: answers it',
      r.get('VersionId'))
r = s3.get_object_tagging(Bucket=V, Key='k', VersionId=v1)
check(r.get('VersionId') == v1
      and [(t['Key'], t['Value']) for t in r['TagSet']] == [('gen', 'old')],
      'get_object_tagging VersionId: that version\'s tags', r)
r = s3.get_object_tagging(Bucket=V, Key='k')
check(r.get('VersionId') == v2 and r['TagSet'] == [],
      'get_object_tagging: the current version\'s, its VersionId', r)
r = s3.get_object(Bucket=V, Key='k', VersionId=v1)
check(r.get('TagCount') == 1, 'get_object VersionId: TagCount',
      r.get('TagCount'))
r = s3.delete_object_tagging(Bucket=V, Key='k', VersionId=v1)
check(r.get('VersionId') == v1, 'delete_object_tagging VersionId',
      r.get('VersionId'))
r = s3.get_object_tagging(Bucket=V, Key='k', VersionId=v1)
check(r['TagSet'] == [], '... that version has none left', r['TagSet'])

m = s3.delete_object(Bucket=V, Key='k')['VersionId']
e = error_of(s3.get_object_tagging, Bucket=V, Key='k', VersionId=m)
check(e == (405, 'MethodNotAllowed'), 'a delete marker by id: 405', e)
