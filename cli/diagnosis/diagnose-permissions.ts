/**
 * Every IAM action `diagnose` reads with, for the operator's own credentials: `--help` prints them and a test
 * keeps the list equal to the calls the diagnosis sends.
 */

/** One action and what the diagnosis reads with it. */
export interface DiagnosePermission {
  readonly action: string;
  readonly reads: string;
}

/** The actions, by service, in the order `--help` lists them. */
export const DIAGNOSE_PERMISSIONS: readonly DiagnosePermission[] = [
  {
    action: 'lambda:GetFunction',
    reads: 'state, configuration, reserved concurrency (also of the functions a hog check names)',
  },
  { action: 'lambda:GetAccountSettings', reads: "the account's concurrency limit and unreserved pool" },
  { action: 'lambda:GetPolicy', reads: 'the resource-based policies of the function and its aliases' },
  { action: 'lambda:GetFunctionUrlConfig', reads: 'function URLs and their auth type' },
  { action: 'lambda:ListEventSourceMappings', reads: 'event source mappings' },
  { action: 'lambda:ListAliases', reads: 'aliases and their routing' },
  { action: 'lambda:ListProvisionedConcurrencyConfigs', reads: 'provisioned concurrency' },
  { action: 'lambda:GetFunctionRecursionConfig', reads: 'recursive loop detection' },
  { action: 'cloudwatch:GetMetricData', reads: "the function's and the region's metrics" },
  { action: 'events:ListEventBuses', reads: 'the event buses to look for rules on' },
  { action: 'events:ListRuleNamesByTarget', reads: 'the rules that target the function' },
  { action: 'events:DescribeRule', reads: "each such rule's ARN and state" },
  { action: 'events:ListTargetsByRule', reads: 'whether the rule invokes with a role' },
  { action: 'sns:ListSubscriptions', reads: 'subscriptions that deliver to the function' },
  { action: 'kms:DescribeKey', reads: 'the state of the key that encrypts its environment variables' },
  { action: 'elasticfilesystem:DescribeAccessPoints', reads: 'the access points it mounts' },
  { action: 'elasticfilesystem:DescribeFileSystems', reads: 'their file systems' },
  { action: 'elasticfilesystem:DescribeMountTargets', reads: 'their mount targets and VPCs' },
];
