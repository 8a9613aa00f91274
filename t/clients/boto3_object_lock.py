#!/usr/bin/env python3
"""Object Lock with boto3, for t/object_lock_boto3.t: create_bucket with
ObjectLockEnabledForBucket, put/get_object_lock_configuration,
put_object, copy_object, create_multipart_upload and head_object with
ObjectLock* parameters, put/get_object_retention and
put/get_object_legal_hold with VersionId,
BypassGovernanceRetention on put_object_retention, delete_object and
delete_objects, and the refusals boto3 surfaces as ClientError codes
(after s3-tests' test_object_lock_*).

    boto3_object_lock.py ENDPOINT

Credentials as for boto3_suite.py (the owner's admin key: it may
bypass GOVERNANCE retention).  Prints one "ok - ..." or
"not ok - ... # detail" line a check.
"""

import datetime
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

ep = sys.argv[1]
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(retries={'max_attempts': 1},
                                s3={'addressing_style': 'path'}))
B = 'lock-boto3'
PLAIN = 'lock-boto3-plain'
UTC = datetime.timezone.utc


def check(cond, name, detail=''):
    if cond:
        print('ok - %s' % name)
    else:
        print('not ok - %s # %s' % (name, detail))


def error_of(call, **kw):
    """(HTTP status, S3 code) of a call that fails"""
    try:
        call(**kw)
    except ClientError as e:
        return (e.response['ResponseMetadata']['HTTPStatusCode'],
                e.response['Error'].get('Code'))
    return (200, None)


until = (datetime.datetime.now(UTC) + datetime.timedelta(hours=1)).replace(
    microsecond=0)

s3.create_bucket(Bucket=B, ObjectLockEnabledForBucket=True)
s3.create_bucket(Bucket=PLAIN)

v = s3.get_bucket_versioning(Bucket=B)
check(v.get('Status') == 'Enabled', 'ObjectLockEnabledForBucket: versioned',
      v)

check(error_of(s3.get_object_lock_configuration, Bucket=PLAIN)
      == (404, 'ObjectLockConfigurationNotFoundError'),
      'get_object_lock_configuration without: 404')

conf = {'ObjectLockEnabled': 'Enabled',
        'Rule': {'DefaultRetention': {'Mode': 'GOVERNANCE', 'Days': 1}}}
s3.put_object_lock_configuration(Bucket=B, ObjectLockConfiguration=conf)
got = s3.get_object_lock_configuration(Bucket=B)['ObjectLockConfiguration']
check(got == conf, 'put/get_object_lock_configuration', got)

bad = {'ObjectLockEnabled': 'Enabled',
       'Rule': {'DefaultRetention': {'Mode': 'GOVERNANCE', 'Days': 1,
                                     'Years': 1}}}
check(error_of(s3.put_object_lock_configuration, Bucket=B,
               ObjectLockConfiguration=bad) == (400, 'MalformedXML'),
      'Days and Years: MalformedXML')
bad['Rule']['DefaultRetention'] = {'Mode': 'GOVERNANCE', 'Days': 0}
check(error_of(s3.put_object_lock_configuration, Bucket=B,
               ObjectLockConfiguration=bad)
      == (400, 'InvalidRetentionPeriod'), 'Days 0: InvalidRetentionPeriod')
check(error_of(s3.put_object_lock_configuration, Bucket=PLAIN,
               ObjectLockConfiguration=conf) == (409, 'InvalidBucketState'),
      'a bucket never versioned: InvalidBucketState')
try:
    s3.put_bucket_versioning(Bucket=B,
                             VersioningConfiguration={'Status': 'Suspended'})
    got = None
except ClientError as e:
    got = (e.response['ResponseMetadata']['HTTPStatusCode'],
           e.response['Error'].get('Code'), e.response['Error'].get('Message'))
check(got == (409, 'InvalidBucketState', 'An Object Lock configuration is '
              'present on this bucket, so the versioning state cannot be '
              'changed.'), "Suspended: InvalidBucketState, S3's message", got)

# the headers of put_object, read back by head_object
r = s3.put_object(Bucket=B, Key='k', Body=b'locked',
                  ObjectLockMode='GOVERNANCE',
                  ObjectLockRetainUntilDate=until,
                  ObjectLockLegalHoldStatus='ON')
v1 = r['VersionId']
h = s3.head_object(Bucket=B, Key='k', VersionId=v1)
check(h.get('ObjectLockMode') == 'GOVERNANCE'
      and h.get('ObjectLockRetainUntilDate') == until
      and h.get('ObjectLockLegalHoldStatus') == 'ON',
      'put_object ObjectLock*: head_object reads them back',
      {k: h.get(k) for k in ('ObjectLockMode', 'ObjectLockRetainUntilDate',
                             'ObjectLockLegalHoldStatus')})
check(error_of(s3.put_object, Bucket=PLAIN, Key='k', Body=b'x',
               ObjectLockMode='GOVERNANCE', ObjectLockRetainUntilDate=until)
      == (400, 'InvalidRequest'),
      'ObjectLock* in a bucket without Object Lock: InvalidRequest')

# the default retention
r = s3.put_object(Bucket=B, Key='d', Body=b'default')
ret = s3.get_object_retention(Bucket=B, Key='d')['Retention']
check(ret['Mode'] == 'GOVERNANCE'
      and ret['RetainUntilDate'] > datetime.datetime.now(UTC)
      + datetime.timedelta(hours=23),
      'a put_object without ObjectLock*: the default retention', ret)
vd = r['VersionId']

# retention of one version (it has the default, 1 day: extended to 2)
r = s3.put_object(Bucket=B, Key='k', Body=b'second')
v2 = r['VersionId']
later = until + datetime.timedelta(days=2)
s3.put_object_retention(Bucket=B, Key='k', VersionId=v2,
                        Retention={'Mode': 'GOVERNANCE',
                                   'RetainUntilDate': later})
ret = s3.get_object_retention(Bucket=B, Key='k', VersionId=v2)['Retention']
check(ret == {'Mode': 'GOVERNANCE', 'RetainUntilDate': later},
      'put/get_object_retention VersionId', ret)
shorter = {'Mode': 'GOVERNANCE',
           'RetainUntilDate': later - datetime.timedelta(minutes=30)}
check(error_of(s3.put_object_retention, Bucket=B, Key='k', VersionId=v2,
               Retention=shorter) == (403, 'AccessDenied'),
      'shortened without bypass: AccessDenied')
s3.put_object_retention(Bucket=B, Key='k', VersionId=v2, Retention=shorter,
                        BypassGovernanceRetention=True)
ret = s3.get_object_retention(Bucket=B, Key='k', VersionId=v2)['Retention']
check(ret == shorter, 'shortened with BypassGovernanceRetention', ret)
check(error_of(s3.put_object_retention, Bucket=B, Key='k', VersionId=v2,
               Retention={'Mode': 'governance', 'RetainUntilDate': until})
      == (400, 'MalformedXML'), 'mode in lower case: MalformedXML')

# legal hold
check(s3.get_object_legal_hold(Bucket=B, Key='k', VersionId=v1)
      ['LegalHold'] == {'Status': 'ON'}, 'get_object_legal_hold: ON')
check(error_of(s3.delete_object, Bucket=B, Key='k', VersionId=v1,
               BypassGovernanceRetention=True) == (403, 'AccessDenied'),
      'a held version: delete_object refused even with bypass')
s3.put_object_legal_hold(Bucket=B, Key='k', VersionId=v1,
                         LegalHold={'Status': 'OFF'})
check(s3.get_object_legal_hold(Bucket=B, Key='k', VersionId=v1)
      ['LegalHold'] == {'Status': 'OFF'}, 'put_object_legal_hold OFF')
s3.put_object(Bucket=PLAIN, Key='p', Body=b'p')
check(error_of(s3.get_object_legal_hold, Bucket=PLAIN, Key='p')
      == (400, 'InvalidRequest'),
      'get_object_legal_hold in a bucket without Object Lock: InvalidRequest')

# deletes
check(error_of(s3.delete_object, Bucket=B, Key='k', VersionId=v1)
      == (403, 'AccessDenied'), 'delete_object of a GOVERNANCE version')
r = s3.delete_object(Bucket=B, Key='k', VersionId=v1,
                     BypassGovernanceRetention=True)
check(r['ResponseMetadata']['HTTPStatusCode'] == 204,
      'delete_object BypassGovernanceRetention')

r = s3.delete_objects(Bucket=B, Delete={'Objects': [
    {'Key': 'k', 'VersionId': v2}, {'Key': 'd', 'VersionId': vd}]})
check(len(r.get('Errors', [])) == 2
      and all(e['Code'] == 'AccessDenied' for e in r['Errors']),
      'delete_objects of locked versions: AccessDenied each', r)

# copy_object
r = s3.copy_object(Bucket=B, Key='c', CopySource={'Bucket': B, 'Key': 'd'},
                   ObjectLockMode='GOVERNANCE',
                   ObjectLockRetainUntilDate=until)
vc = r['VersionId']
h = s3.head_object(Bucket=B, Key='c')
check(h.get('ObjectLockMode') == 'GOVERNANCE'
      and h.get('ObjectLockRetainUntilDate') == until,
      'copy_object ObjectLock*', h.get('ObjectLockMode'))

# create_multipart_upload: the lock the object gets at completion
mp = s3.create_multipart_upload(Bucket=B, Key='m', ObjectLockMode='GOVERNANCE',
                                ObjectLockRetainUntilDate=later,
                                ObjectLockLegalHoldStatus='OFF')
part = s3.upload_part(Bucket=B, Key='m', UploadId=mp['UploadId'],
                      PartNumber=1, Body=b'part')
r = s3.complete_multipart_upload(
    Bucket=B, Key='m', UploadId=mp['UploadId'],
    MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
vm = r['VersionId']
h = s3.head_object(Bucket=B, Key='m')
check(h.get('ObjectLockMode') == 'GOVERNANCE'
      and h.get('ObjectLockRetainUntilDate') == later,
      'create_multipart_upload ObjectLock*: the completed object',
      h.get('ObjectLockRetainUntilDate'))

# a version's lock is the bucket owner's only, whatever the ACL grants:
# S3 grants s3:PutObjectRetention and s3:PutObjectLegalHold by policy,
# never by ACL ("Mapping of ACL permissions and access policy
# permissions"); an anonymous writer of a public-read-write bucket is
# refused
OPEN = 'lock-boto3-open'
s3.create_bucket(Bucket=OPEN, ObjectLockEnabledForBucket=True,
                 ACL='public-read-write')
vo = s3.put_object(Bucket=OPEN, Key='o', Body=b'o')['VersionId']
anon = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                    config=Config(signature_version=UNSIGNED,
                                  retries={'max_attempts': 1},
                                  s3={'addressing_style': 'path'}))
check(error_of(anon.put_object_retention, Bucket=OPEN, Key='o',
               VersionId=vo, Retention={'Mode': 'COMPLIANCE',
                                        'RetainUntilDate': later})
      == (403, 'AccessDenied'),
      'anonymous put_object_retention on a public-read-write bucket: '
      'AccessDenied')
check(error_of(anon.put_object_legal_hold, Bucket=OPEN, Key='o',
               VersionId=vo, LegalHold={'Status': 'ON'})
      == (403, 'AccessDenied'), 'anonymous put_object_legal_hold: '
      'AccessDenied')
check(error_of(anon.put_object, Bucket=OPEN, Key='a', Body=b'a',
               ObjectLockLegalHoldStatus='ON')
      == (403, 'AccessDenied'), 'anonymous put_object with '
      'ObjectLockLegalHoldStatus: AccessDenied')

# a retain-until more than 36,500 days ahead (docs/object-lock.md)
check(error_of(s3.put_object_retention, Bucket=OPEN, Key='o', VersionId=vo,
               Retention={'Mode': 'COMPLIANCE',
                          'RetainUntilDate': datetime.datetime(
                              9999, 12, 31, tzinfo=UTC)})
      == (400, 'InvalidArgument'), 'put_object_retention to 9999: '
      'InvalidArgument')
s3.delete_object(Bucket=OPEN, Key='o', VersionId=vo)
s3.delete_bucket(Bucket=OPEN)

# the owner's admin key empties the bucket
r = s3.delete_objects(Bucket=B, BypassGovernanceRetention=True,
                      Delete={'Objects': [
                          {'Key': 'k', 'VersionId': v2},
                          {'Key': 'd', 'VersionId': vd},
                          {'Key': 'c', 'VersionId': vc},
                          {'Key': 'm', 'VersionId': vm}]})
check(len(r.get('Deleted', [])) == 4 and not r.get('Errors'),
      'delete_objects BypassGovernanceRetention', r)
s3.delete_bucket(Bucket=B)
s3.delete_object(Bucket=PLAIN, Key='p')
s3.delete_bucket(Bucket=PLAIN)
check(error_of(s3.head_bucket, Bucket=B)[0] == 404
      and error_of(s3.head_bucket, Bucket=PLAIN)[0] == 404,
      'the buckets are deleted')
