import { Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/**
 * The id (`o-...`) of the organization the deploying account belongs to, read with Organizations'
 * DescribeOrganization when the stack is deployed, so that no operator has to look it up and type it in.
 *
 * Any account of an organization may call DescribeOrganization, so this works in the management account and in a
 * delegated administrator alike.
 */
export class OrganizationId extends Construct {
  /** The organization id, resolved at deploy time. */
  readonly organizationId: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const lookup = new cr.AwsCustomResource(this, 'DescribeOrganization', {
      resourceType: 'Custom::OrganizationId',
      onUpdate: {
        service: 'Organizations',
        action: 'DescribeOrganization',
        physicalResourceId: cr.PhysicalResourceId.fromResponse('Organization.Id'),
        outputPaths: ['Organization.Id'],
      },
      // DescribeOrganization defines no resource type in IAM, so it can only be granted on Resource "*".
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      // The SDK in the Lambda runtime has DescribeOrganization; downloading another at deploy time only adds a failure.
      installLatestAwsSdk: false,
    });
    this.organizationId = lookup.getResponseField('Organization.Id');

    Validations.of(lookup).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'organizations:DescribeOrganization, the only action this deploy-time lookup is granted, defines no ' +
        'resource type in IAM and can only be allowed on Resource "*"; it reads the organization id and nothing else.',
    });
    // The function CDK runs the lookup with, shared by every AwsCustomResource of the stack.
    const handler = (lookup.grantPrincipal as iam.IRole).node.scope;
    if (handler) {
      Validations.of(handler).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            "CDK's AwsCustomResource handler runs only while CloudFormation deploys the stack; the managed policy " +
            'lets it write its own logs (its log group is named after the function, unknown before deployment).',
        },
        {
          id: 'Serverless-LambdaDLQ',
          reason:
            'CloudFormation invokes the AwsCustomResource handler synchronously and fails the deployment when it ' +
            'fails; there is no asynchronous event that a dead-letter queue could keep.',
        },
        {
          id: 'Serverless-LambdaTracing',
          reason:
            'The AwsCustomResource handler makes one Organizations call per deployment, whose outcome CloudFormation ' +
            'reports itself; X-Ray traces would add xray permissions for nothing to look at.',
        },
        {
          id: 'Serverless-LambdaDefaultMemorySize',
          reason:
            "The AwsCustomResource handler's memory is CDK's choice for a single SDK call at deploy time; tuning it " +
            'would change neither cost (a few invocations a year) nor reliability.',
        },
      );
    }
  }
}
