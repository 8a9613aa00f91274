#!/usr/bin/env python3
"""The boto3 ACL calls of t/client_acl.t: a canned bucket ACL, a canned
object ACL, an AccessControlPolicy with id and e-mail grantees, an
unknown e-mail.

    boto3_acl.py ENDPOINT FRIEND_CANONICAL_ID

Credentials as for boto3_suite.py.  Prints "bucket", "owner", "object",
"policy" and "error" lines that the test matches.
"""

import sys

import boto3
from botocore.config import Config

ep, friend = sys.argv[1], sys.argv[2]
s3 = boto3.client('s3', endpoint_url=ep, region_name='us-east-1',
                  config=Config(s3={'addressing_style': 'path'}))
s3.create_bucket(Bucket='acl-boto3', ACL='public-read')
g = s3.get_bucket_acl(Bucket='acl-boto3')
print('bucket', [(x['Grantee'].get('URI') or x['Grantee'].get('ID'),
                  x['Permission']) for x in g['Grants']])
s3.put_object(Bucket='acl-boto3', Key='k', Body=b'boto3 data')
s3.put_object_acl(Bucket='acl-boto3', Key='k', ACL='public-read')
a = s3.get_object_acl(Bucket='acl-boto3', Key='k')
print('owner', a['Owner']['ID'], a['Owner'].get('DisplayName'))
print('object', [(x['Grantee']['Type'], x['Permission'])
                 for x in a['Grants']])
s3.put_object_acl(Bucket='acl-boto3', Key='k', AccessControlPolicy={
    'Owner': a['Owner'],
    'Grants': [{'Grantee': {'Type': 'CanonicalUser', 'ID': friend},
                'Permission': 'READ'},
               {'Grantee': {'Type': 'AmazonCustomerByEmail',
                            'EmailAddress': 'friend@example.com'},
                'Permission': 'READ_ACP'}]})
a = s3.get_object_acl(Bucket='acl-boto3', Key='k')
print('policy', [(x['Grantee'].get('ID'), x['Permission'])
                 for x in a['Grants']])
try:
    s3.put_object_acl(Bucket='acl-boto3', Key='k', GrantRead=
                      'emailAddress="nobody@example.com"')
except Exception as e:
    print('error', e.response['Error']['Code'])
