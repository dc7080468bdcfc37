import { Aws, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { OrganizationId } from './organization-id';

/** Starts the name of every asset bucket; the owning account and the region follow, which makes it unique. */
export const ASSET_BUCKET_NAME_PREFIX = 'lambda-sentinel-assets';

/** The asset bucket of `account` in `region`, where the member template's Lambda code is published for the organization. */
export function assetBucketName(account: string, region: string): string {
  return `${ASSET_BUCKET_NAME_PREFIX}-${account}-${region}`;
}

/**
 * The bucket one region's StackSet members read their Lambda code from, in the account deploying the organization
 * stack; every account of the organization may read its objects, nobody else, and only over TLS.
 */
export class AssetBucketStack extends Stack {
  /** The asset bucket. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, {
      description: 'lambda-sentinel: Lambda code of the organization StackSet members in this region',
      ...props,
    });
    const organizationId = new OrganizationId(this, 'Organization').organizationId;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: assetBucketName(Aws.ACCOUNT_ID, this.region),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Accounts that join a target OU later are deployed from the objects already here: they must outlive any stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AccountsOfTheOrganizationReadMemberCode',
        principals: [new iam.OrganizationPrincipal(organizationId)],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the sentinel\'s own Lambda code, written by "cdk deploy" and read by CloudFormation ' +
        'in the member accounts; CloudTrail already records who deploys, and access logs would need a second bucket ' +
        'in every region for nothing more.',
    });
  }
}
