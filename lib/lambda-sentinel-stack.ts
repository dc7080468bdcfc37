import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parseContextSettings } from './context-settings';
import { LambdaSentinel } from './lambda-sentinel';

/** Adds the outputs an operator of `sentinel` needs to `stack`: where alerts go, what to invoke, what undo reads. */
export function addSentinelOutputs(stack: Stack, sentinel: LambdaSentinel): void {
  new CfnOutput(stack, 'AlertTopicArn', {
    description: 'SNS topic the sentinel publishes alerts to',
    value: sentinel.alertTopic.topicArn,
  });
  new CfnOutput(stack, 'ScannerFunctionName', {
    description: 'The scanner Lambda function (invoke it to scan now)',
    value: sentinel.scanner.functionName,
  });
  new CfnOutput(stack, 'StateTableName', {
    description: 'DynamoDB table holding open findings and remediation history',
    value: sentinel.stateTable.tableName,
  });
  new CfnOutput(stack, 'DashboardUrl', {
    description: "CloudWatch dashboard of the sentinel's runs and findings beside the account's concurrency",
    value: sentinel.dashboardUrl,
  });
}

/** A stack holding one LambdaSentinel configured from CDK context, with the outputs an operator needs. */
export class LambdaSentinelStack extends Stack {
  /** The sentinel this stack deploys. */
  readonly sentinel: LambdaSentinel;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = parseContextSettings(this.node);
    this.sentinel = new LambdaSentinel(this, 'Sentinel', settings);
    addSentinelOutputs(this, this.sentinel);
  }
}
