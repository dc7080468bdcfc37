import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parseContextSettings } from './context-settings';
import { LambdaSentinel } from './lambda-sentinel';

/** A stack holding one LambdaSentinel configured from CDK context, with the outputs an operator needs. */
export class LambdaSentinelStack extends Stack {
  /** The sentinel this stack deploys. */
  readonly sentinel: LambdaSentinel;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = parseContextSettings(this.node);
    this.sentinel = new LambdaSentinel(this, 'Sentinel', settings);

    new CfnOutput(this, 'AlertTopicArn', {
      description: 'SNS topic the sentinel publishes alerts to',
      value: this.sentinel.alertTopic.topicArn,
    });
    new CfnOutput(this, 'ScannerFunctionName', {
      description: 'The scanner Lambda function (invoke it to scan now)',
      value: this.sentinel.scanner.functionName,
    });
    new CfnOutput(this, 'StateTableName', {
      description: 'DynamoDB table holding open findings and remediation history',
      value: this.sentinel.stateTable.tableName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description:
        "CloudWatch dashboard of the sentinel's runs and findings beside the account's concurrency",
      value: this.sentinel.dashboardUrl,
    });
  }
}
