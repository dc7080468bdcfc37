import type { LastUpdateStatusReasonCode, StateReasonCode } from '@aws-sdk/client-lambda';

/** The kind of cause behind a Lambda state reason code; alerts group advice by it. */
export type CauseClass =
  | 'kms-key'
  | 'efs'
  | 'vpc-network'
  | 'role-permissions'
  | 'container-image'
  | 'code-package'
  | 'function-init'
  | 'capacity'
  | 'lambda-internal'
  | 'lifecycle'
  | 'unknown';

/** What an on-call engineer is told about one reason code. */
export interface ReasonGuidance {
  readonly causeClass: CauseClass;
  /** The cause class in words, e.g. `KMS key`. */
  readonly cause: string;
  /** What went wrong, in one short clause. */
  readonly title: string;
  /** What to check or change. */
  readonly advice: string;
}

type KnownReasonCode = StateReasonCode | LastUpdateStatusReasonCode;

const CAUSES: Readonly<Record<CauseClass, string>> = {
  'kms-key': 'KMS key',
  efs: 'EFS file system',
  'vpc-network': 'VPC networking',
  'role-permissions': 'execution role',
  'container-image': 'container image',
  'code-package': 'code package or runtime',
  'function-init': 'function initialization',
  capacity: 'capacity or quota',
  'lambda-internal': 'Lambda service',
  lifecycle: 'normal lifecycle',
  unknown: 'unrecognised reason',
};

type Entry = Omit<ReasonGuidance, 'cause'>;

const KMS_GRANT_NOTE =
  'A revoked grant looks the same: point the function at a different key, then set the custom key ' +
  'again so that Lambda creates a new grant on it.';

const INIT_LOGS = "The function's CloudWatch log group shows the error from the init phase.";

// A Record over the SDK's enums: a code added by an SDK upgrade fails compilation until it has advice.
const BY_CODE: Readonly<Record<KnownReasonCode, Entry>> = {
  DisabledKMSKey: {
    causeClass: 'kms-key',
    title: 'the KMS key that encrypts the environment variables is disabled',
    advice: `Enable the key in AWS KMS, or configure the function with another key. ${KMS_GRANT_NOTE}`,
  },
  KMSKeyNotFound: {
    causeClass: 'kms-key',
    title: "the function's KMS key no longer exists",
    advice:
      'If the key is only scheduled for deletion, cancel the deletion and enable it; otherwise configure ' +
      'an existing key (or the AWS managed key) and set the environment variables again.',
  },
  KMSKeyAccessDenied: {
    causeClass: 'kms-key',
    title: "Lambda is not allowed to use the function's KMS key",
    advice: `Check that the key policy still lets this account use the key. ${KMS_GRANT_NOTE}`,
  },
  InvalidStateKMSKey: {
    causeClass: 'kms-key',
    title: 'the KMS key is in a state Lambda cannot use',
    advice:
      'Look at the key state in AWS KMS (pending deletion, pending import, unavailable); make the key ' +
      `Enabled or choose another key. ${KMS_GRANT_NOTE}`,
  },
  EFSMountFailure: {
    causeClass: 'efs',
    title: 'the file system refused the mount request',
    advice:
      'Give the execution role elasticfilesystem:ClientMount (and ClientWrite if it writes), check the ' +
      'file system policy, and make sure the file system and its access point exist and are available.',
  },
  EFSMountConnectivityError: {
    causeClass: 'efs',
    title: 'Lambda could not reach the file system over NFS',
    advice:
      "Allow NFS (TCP port 2049) from the function's security group to the mount targets' security group, " +
      "and check that each of the function's subnets has a mount target in its Availability Zone and routes to it.",
  },
  EFSMountTimeout: {
    causeClass: 'efs',
    title: 'mounting the file system timed out',
    advice:
      'The connection worked but the mount was too slow: retry after a short wait, and cap the ' +
      "function's reserved concurrency so fewer instances mount the file system at once.",
  },
  EFSIOError: {
    causeClass: 'efs',
    title: 'an instance was stopped because file system I/O took too long',
    advice:
      'The file system has probably used up its burst credits (see its BurstCreditBalance metric): ' +
      'give it more throughput by growing it or switching to provisioned or elastic throughput.',
  },
  EniLimitExceeded: {
    causeClass: 'vpc-network',
    title: 'no more network interfaces could be created for the VPC connection',
    advice:
      'Delete unused network interfaces, let functions share subnet and security group combinations, ' +
      'or ask for a higher network interface quota.',
  },
  SubnetOutOfIPAddresses: {
    causeClass: 'vpc-network',
    title: 'a subnet of the function has no free IP addresses',
    advice:
      'Free addresses in the subnet, or add subnets with free addresses (a larger CIDR range) to the function.',
  },
  InvalidSubnet: {
    causeClass: 'vpc-network',
    title: "a subnet in the function's VPC configuration is invalid",
    advice:
      "Check that every subnet ID still exists and belongs to the function's VPC, then update the VPC configuration.",
  },
  InvalidSecurityGroup: {
    causeClass: 'vpc-network',
    title: "a security group in the function's VPC configuration is invalid",
    advice:
      "Check that every security group ID still exists and belongs to the function's VPC, then update the VPC configuration.",
  },
  DisallowedByVpcEncryptionControl: {
    causeClass: 'vpc-network',
    title: "the VPC's encryption control does not allow the function to attach",
    advice:
      'The VPC enforces encryption in transit: add the Lambda exclusion to its encryption control, ' +
      'or attach the function to a VPC that is not in enforce mode.',
  },
  InsufficientRolePermissions: {
    causeClass: 'role-permissions',
    title: 'the execution role lacks permissions Lambda needs to set the function up',
    advice:
      'Check that the role exists, that its trust policy lets lambda.amazonaws.com assume it, and that it ' +
      'allows what the configuration uses (for a VPC: ec2:CreateNetworkInterface, DescribeNetworkInterfaces ' +
      'and DeleteNetworkInterface, as in AWSLambdaVPCAccessExecutionRole).',
  },
  ImageDeleted: {
    causeClass: 'container-image',
    title: "the function's container image was deleted from ECR",
    advice: 'Push the image again, or deploy the function with an image URI that exists.',
  },
  ImageAccessDenied: {
    causeClass: 'container-image',
    title: 'Lambda is not allowed to pull the container image',
    advice:
      'Let Lambda read the ECR repository (ecr:BatchGetImage and ecr:GetDownloadUrlForLayer in its ' +
      'repository policy, including for cross-account use) and check the KMS key of an encrypted repository.',
  },
  InvalidImage: {
    causeClass: 'container-image',
    title: 'the container image cannot be run by Lambda',
    advice:
      "Check that the image's architecture matches the function's, that its manifest format is supported, " +
      'and that it stays within the image size limit; then deploy it again.',
  },
  InvalidRuntime: {
    causeClass: 'code-package',
    title: "the function's runtime is not valid or no longer supported",
    advice: 'Move the function to a supported runtime and deploy again.',
  },
  InvalidZipFileException: {
    causeClass: 'code-package',
    title: 'Lambda could not unpack the .zip deployment package',
    advice: 'Rebuild the archive, check that it stays within the unzipped size limit, and deploy it again.',
  },
  InvalidConfiguration: {
    causeClass: 'code-package',
    title: "Lambda rejected the function's configuration",
    advice:
      'The reason text names the setting; check the handler, layers, memory and storage values and ' +
      'environment variables, then update the function.',
  },
  FunctionError: {
    causeClass: 'function-init',
    title: "the function's code failed while Lambda was preparing it",
    advice: `${INIT_LOGS} Fix the code and deploy again.`,
  },
  'FunctionError.InitTimeout': {
    causeClass: 'function-init',
    title: 'the initialization code ran out of time',
    advice: `${INIT_LOGS} Do less work at start-up or raise the function's timeout.`,
  },
  'FunctionError.InitResourceExhausted': {
    causeClass: 'function-init',
    title: 'initialization ran out of memory or disk',
    advice: `${INIT_LOGS} Give the function more memory or ephemeral storage, or load less at start-up.`,
  },
  'FunctionError.InvalidEntryPoint': {
    causeClass: 'function-init',
    title: "Lambda could not find the function's handler or entry point",
    advice: 'Check the handler setting, or the ENTRYPOINT and CMD of the container image.',
  },
  'FunctionError.InvalidWorkingDirectory': {
    causeClass: 'function-init',
    title: "the container image's working directory is invalid",
    advice: 'Fix WORKDIR in the image or the WorkingDirectory override in the image configuration.',
  },
  'FunctionError.PermissionDenied': {
    causeClass: 'function-init',
    title: "the runtime may not read or run the function's files",
    advice: 'Make the code files readable and the executables executable for all users, then deploy again.',
  },
  'FunctionError.RuntimeInitError': {
    causeClass: 'function-init',
    title: 'the runtime failed to start',
    advice: `${INIT_LOGS} Check the runtime's bootstrap and any layer that replaces it.`,
  },
  'FunctionError.ExtensionInitError': {
    causeClass: 'function-init',
    title: 'a Lambda extension failed to start',
    advice: `${INIT_LOGS} Update or remove the layer that provides the extension.`,
  },
  'FunctionError.TooManyExtensions': {
    causeClass: 'function-init',
    title: 'the function has more extensions than Lambda allows',
    advice: "Remove extension layers until the function is within Lambda's limit of 10.",
  },
  CapacityProviderScalingLimitExceeded: {
    causeClass: 'capacity',
    title: 'the capacity provider reached its scaling limit',
    advice: "Raise the capacity provider's maximum vCPU count, or lower what its functions ask for.",
  },
  EC2RequestLimitExceeded: {
    causeClass: 'capacity',
    title: "EC2 throttled Lambda's requests",
    advice: 'Usually passes: deploy again in a few minutes, and spread out other EC2-heavy automation.',
  },
  InsufficientCapacity: {
    causeClass: 'capacity',
    title: 'EC2 had no capacity for the requested instances',
    advice: 'Retry later, or allow more instance types or Availability Zones for the capacity provider.',
  },
  ServiceQuotaExceededException: {
    causeClass: 'capacity',
    title: 'a service quota was reached',
    advice: 'The reason text names the quota: free some of it or request an increase in Service Quotas.',
  },
  VcpuLimitExceeded: {
    causeClass: 'capacity',
    title: "the account's EC2 vCPU quota was reached",
    advice: "Request a higher vCPU quota, or lower the capacity provider's maximum vCPU count.",
  },
  InternalError: {
    causeClass: 'lambda-internal',
    title: 'Lambda hit an internal error',
    advice:
      'Deploy the change again; if it keeps failing, open an AWS Support case with the function ARN and time.',
  },
  DependencyError: {
    causeClass: 'lambda-internal',
    title: 'a service Lambda depends on failed',
    advice:
      'Usually passes: check the AWS Health Dashboard, then deploy again; open an AWS Support case if it persists.',
  },
  Idle: {
    causeClass: 'lifecycle',
    title: 'Lambda reclaimed the resources of an idle function',
    advice: 'Nothing to do: the next invocation makes Lambda restore them.',
  },
  Creating: {
    causeClass: 'lifecycle',
    title: "Lambda is creating the function's resources",
    advice:
      'Wait for it; after more than six minutes, an update or PublishVersion makes Lambda give up and mark ' +
      'the function Failed, after which it can be updated again or recreated.',
  },
  Restoring: {
    causeClass: 'lifecycle',
    title: 'Lambda is restoring the resources of an inactive function',
    advice:
      'Wait for it; if restoring fails, the function goes back to Inactive with a reason code that says why.',
  },
  DrainingDurableExecutions: {
    causeClass: 'lifecycle',
    title: 'Lambda is letting running durable executions finish',
    advice: 'Wait for them, or stop the durable executions that are no longer needed.',
  },
};

const isKnown = (code: string): code is KnownReasonCode => Object.hasOwn(BY_CODE, code);

/** The guidance for a StateReasonCode or LastUpdateStatusReasonCode; a generic fallback for anything else. */
export function guidanceFor(reasonCode: string | undefined): ReasonGuidance {
  if (reasonCode !== undefined && isKnown(reasonCode)) {
    const entry = BY_CODE[reasonCode];
    return { ...entry, cause: CAUSES[entry.causeClass] };
  }
  return {
    causeClass: 'unknown',
    cause: CAUSES.unknown,
    title: reasonCode === undefined ? 'Lambda gave no reason code' : `Lambda reported ${reasonCode}`,
    advice:
      "Read the reason text and the function's CloudWatch logs, compare the configuration with the last " +
      'working deployment, and contact AWS Support if the cause stays unclear.',
  };
}

/** The guidance as one line of alert text, cause first: `KMS key: the key is disabled. Enable it...`. */
export function guidanceText(guidance: ReasonGuidance): string {
  return `${guidance.cause}: ${guidance.title}. ${guidance.advice}`;
}
