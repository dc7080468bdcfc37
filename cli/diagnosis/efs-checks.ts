/**
 * The guide's four EFS sections for the file system a function mounts: could not mount (access point and file
 * system exist and are available), could not connect (mount targets in the function's VPC), mount timeout, and IO
 * taking too long. What Lambda's reason code says comes first; the timeout and IO errors happen when the function
 * is invoked and leave no state to read, and those lines say so. Pure.
 */
import type { FunctionSnapshot } from '../../functions/scanner/model';
import { unknownCheck, type CheckStatus, type DiagnosisCheck, type Topic } from './diagnosis-check';
import type { AccessPointReading } from './efs-reading';
import { valueOf, wasRead } from './reading';
import { reasonLine } from './reason-line';

const MOUNT: Topic = { topic: 'EFS mount', section: 'efsmount' };
const CONNECT: Topic = { topic: 'EFS connection', section: 'efsconnect' };
const TIMEOUT: Topic = { topic: 'EFS mount timeout', section: 'efstimeout' };
const IO: Topic = { topic: 'EFS IO', section: 'ioprocess' };

/** What the EFS lines read: the function, its VPC, and each access point it mounts. */
export interface EfsReading {
  readonly fn: FunctionSnapshot;
  /** The function's VPC (GetFunction's VpcConfig.VpcId). */
  readonly vpcId?: string;
  readonly accessPoints: readonly AccessPointReading[];
  /** The State line's status: a reason code on a failed function is a problem, on a failed update a warning. */
  readonly stateStatus: CheckStatus;
}

const idOf = (arn: string) => arn.split('/').at(-1) ?? arn;

function mountLine(reading: EfsReading): DiagnosisCheck {
  const { fn } = reading;
  const blamed = reasonLine(MOUNT, fn, ['EFSMountFailure'], reading.stateStatus);
  if (blamed) return blamed;
  if ((fn.vpcSubnetIds ?? []).length === 0) {
    return {
      ...MOUNT,
      status: 'problem',
      summary: `mounts ${(fn.fileSystemArns ?? []).join(', ')} but is not connected to a VPC`,
      advice: 'A function reaches EFS through mount targets in a VPC: connect it to subnets that have one.',
    };
  }
  const facts: string[] = [];
  for (const access of reading.accessPoints) {
    const point = access.accessPoint;
    const id = idOf(access.accessPointArn);
    if (!wasRead(point)) return unknownCheck(MOUNT, point, `the access point ${id}`);
    if (point.value === undefined) {
      return {
        ...MOUNT,
        status: 'problem',
        summary: `the access point ${access.accessPointArn} it mounts does not exist: every mount is refused`,
        advice: 'Create the access point again, or configure the function with one that exists.',
      };
    }
    const pointState = point.value.LifeCycleState;
    if (pointState !== 'available') {
      return {
        ...MOUNT,
        status: pointState === 'creating' || pointState === 'updating' ? 'warning' : 'problem',
        summary: `the access point ${id} it mounts is ${pointState ?? 'in an unknown state'}, not available`,
        advice: 'A mount succeeds only on an available access point and file system.',
      };
    }
    const fileSystemId = point.value.FileSystemId ?? '';
    const fileSystem = access.fileSystem;
    if (fileSystem && !wasRead(fileSystem))
      return unknownCheck(MOUNT, fileSystem, `the file system ${fileSystemId}`);
    const fsState = fileSystem && wasRead(fileSystem) ? fileSystem.value?.LifeCycleState : undefined;
    if (fileSystem && wasRead(fileSystem) && fileSystem.value === undefined) {
      return {
        ...MOUNT,
        status: 'problem',
        summary: `the file system ${fileSystemId} behind the access point ${id} does not exist`,
        advice: 'Configure the function with an access point of a file system that exists.',
      };
    }
    if (fsState !== undefined && fsState !== 'available') {
      return {
        ...MOUNT,
        status: fsState === 'creating' || fsState === 'updating' ? 'warning' : 'problem',
        summary: `the file system ${fileSystemId} is ${fsState}, not available`,
        advice: 'A mount succeeds only on an available access point and file system.',
      };
    }
    facts.push(
      `access point ${id} (available) of file system ${fileSystemId} (${fsState ?? 'state unknown'})`,
    );
  }
  return {
    ...MOUNT,
    status: 'ok',
    summary:
      `${facts.join('; ')}; whether the execution role may mount it (elasticfilesystem:ClientMount, and ` +
      'ClientWrite to write) and what the file system policy allows are not checked here',
  };
}

function connectLine(reading: EfsReading): DiagnosisCheck {
  const { fn } = reading;
  const blamed = reasonLine(CONNECT, fn, ['EFSMountConnectivityError'], reading.stateStatus);
  if (blamed) return blamed;
  const facts: string[] = [];
  for (const access of reading.accessPoints) {
    const point = access.accessPoint;
    const id = idOf(access.accessPointArn);
    if (!wasRead(point))
      return unknownCheck(CONNECT, point, `the mount targets behind the access point ${id}`);
    const targets = access.mountTargets;
    if (!targets) {
      return {
        ...CONNECT,
        status: 'info',
        summary: `nothing to connect to: the access point ${id} does not exist (see EFS mount)`,
      };
    }
    if (!wasRead(targets)) return unknownCheck(CONNECT, targets, 'the mount targets of its file system');
    const fileSystemId = targets.value[0]?.FileSystemId ?? idOf(access.accessPointArn);
    const inVpc = targets.value.filter(
      (target) => reading.vpcId === undefined || target.VpcId === reading.vpcId,
    );
    if (inVpc.length === 0) {
      return {
        ...CONNECT,
        status: 'problem',
        summary:
          targets.value.length === 0
            ? `the file system ${fileSystemId} has no mount target: nothing can connect to it`
            : `the file system has mount targets only in ${[...new Set(targets.value.map((target) => target.VpcId))].join(', ')}, not in the function's VPC ${reading.vpcId}`,
        advice: "Create a mount target in each Availability Zone of the function's subnets, in its VPC.",
      };
    }
    const available = inVpc.filter((target) => target.LifeCycleState === 'available');
    if (available.length === 0) {
      return {
        ...CONNECT,
        status: 'problem',
        summary: `no mount target of the file system in the function's VPC is available (${inVpc.map((target) => `${target.MountTargetId} ${target.LifeCycleState}`).join(', ')})`,
      };
    }
    facts.push(
      `mount targets available in ${available.map((target) => target.AvailabilityZoneName ?? target.SubnetId).join(', ')}`,
    );
  }
  return {
    ...CONNECT,
    status: 'ok',
    summary:
      `${facts.join('; ')}; whether its security groups and routes let NFS (TCP 2049) through is not visible ` +
      "to these APIs (Lambda's reason code says so when a connection failed)",
  };
}

function timeoutLine(reading: EfsReading): DiagnosisCheck {
  const { fn } = reading;
  const blamed = reasonLine(TIMEOUT, fn, ['EFSMountTimeout'], reading.stateStatus);
  if (blamed) return blamed;
  const reserved = fn.detail?.reservedConcurrency;
  return {
    ...TIMEOUT,
    status: 'info',
    summary:
      'no mount timeout reported; a timeout happens when the function is invoked and leaves no state to read, ' +
      (reserved === undefined
        ? 'and no reserved concurrency limits how many instances mount at once'
        : `and its reserved concurrency of ${reserved} limits how many instances mount at once`),
    ...(reserved === undefined
      ? { advice: 'If mounts time out under load, cap the function with reserved concurrency.' }
      : {}),
  };
}

function ioLine(reading: EfsReading): DiagnosisCheck {
  const { fn } = reading;
  const blamed = reasonLine(IO, fn, ['EFSIOError'], reading.stateStatus);
  if (blamed) return blamed;
  const modes: { readonly id: string; readonly mode: string }[] = [];
  for (const access of reading.accessPoints) {
    const { accessPoint, fileSystem } = access;
    if (!wasRead(accessPoint)) return unknownCheck(IO, accessPoint, "its file system's throughput mode");
    if (fileSystem && !wasRead(fileSystem)) {
      return unknownCheck(IO, fileSystem, "its file system's throughput mode");
    }
    const description = fileSystem ? valueOf(fileSystem) : undefined;
    if (description) {
      modes.push({ id: description.FileSystemId ?? '', mode: description.ThroughputMode ?? 'unknown' });
    }
  }
  const bursting = modes.filter((entry) => entry.mode === 'bursting');
  const unseen = 'an IO error happens when the function is invoked and leaves no state to read';
  return bursting.length > 0
    ? {
        ...IO,
        status: 'info',
        summary: `${bursting.map((entry) => entry.id).join(', ')} uses bursting throughput, which slows when its burst credits run out; ${unseen}`,
        advice:
          "Watch the file system's BurstCreditBalance metric; if it runs low, switch to elastic or provisioned " +
          'throughput, or grow the file system.',
      }
    : {
        ...IO,
        status: 'info',
        summary: `${modes.map((entry) => `${entry.id} uses ${entry.mode} throughput`).join('; ') || 'its throughput mode is unknown'}; ${unseen}`,
      };
}

/** The four EFS lines; one OK line each when the function mounts no file system. */
export function efsChecks(reading: EfsReading): DiagnosisCheck[] {
  if ((reading.fn.fileSystemArns ?? []).length === 0) {
    return [MOUNT, CONNECT, TIMEOUT, IO].map((topic) => ({
      ...topic,
      status: 'ok' as const,
      summary: 'no file system mounted',
    }));
  }
  return [mountLine(reading), connectLine(reading), timeoutLine(reading), ioLine(reading)];
}
