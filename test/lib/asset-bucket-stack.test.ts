import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AssetBucketStack, assetBucketName } from '../../lib/asset-bucket-stack';
import { onlyResource, type Statement } from './stack-template';

describe('AssetBucketStack', () => {
  let template: Template;
  let organizationIdLookup: string;
  beforeAll(() => {
    const stack = new AssetBucketStack(new App(), 'Assets', { env: { region: 'eu-west-1' } });
    template = Template.fromStack(stack);
    organizationIdLookup = onlyResource(template, 'Custom::OrganizationId').logicalId;
  }, 60_000);

  it("names the bucket after the deploying account and the stack's region, as the member template expects", () => {
    expect(assetBucketName('111122223333', 'eu-west-1')).toBe(
      'lambda-sentinel-assets-111122223333-eu-west-1',
    );
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', ['lambda-sentinel-assets-', { Ref: 'AWS::AccountId' }, '-eu-west-1']] },
    });
  });

  it('keeps the bucket private, encrypted, and when the stack is deleted', () => {
    const bucket = onlyResource(template, 'AWS::S3::Bucket').resource as unknown as {
      Properties: Record<string, unknown>;
      DeletionPolicy: string;
    };
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('lets every account of the organization read its objects, and nobody else, over TLS only', () => {
    const statements = (
      onlyResource(template, 'AWS::S3::BucketPolicy').resource.Properties.PolicyDocument as {
        Statement: Statement[];
      }
    ).Statement;
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Sid: 'AccountsOfTheOrganizationReadMemberCode',
        Action: 's3:GetObject',
        Principal: { AWS: '*' },
        Condition: {
          StringEquals: { 'aws:PrincipalOrgID': { 'Fn::GetAtt': [organizationIdLookup, 'Organization.Id'] } },
        },
      }),
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it("reads the organization's id at deploy time with DescribeOrganization, and may do nothing else", () => {
    template.hasResourceProperties('Custom::OrganizationId', {
      Create: Match.serializedJson(
        Match.objectLike({ service: 'Organizations', action: 'DescribeOrganization' }),
      ),
      Update: Match.serializedJson(
        Match.objectLike({ service: 'Organizations', action: 'DescribeOrganization' }),
      ),
    });
    const policy = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { PolicyName: Match.stringLikeRegexp('CustomResourcePolicy') },
      }) as Record<string, { Properties: { PolicyDocument: { Statement: Statement[] } } }>,
    );
    expect(policy.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'organizations:DescribeOrganization', Resource: '*' },
    ]);
  });
});
