/**
 * The EFS access points a function mounts (its FileSystemConfigs name access point ARNs), the file system behind
 * each and that file system's mount targets: whether each exists and is `available`, which VPC and subnets the
 * mount targets are in, and the file system's throughput mode. Something that does not exist is a fact
 * (AccessPointNotFound, FileSystemNotFound), not a failed read.
 */
import {
  DescribeAccessPointsCommand,
  DescribeFileSystemsCommand,
  DescribeMountTargetsCommand,
  type AccessPointDescription,
  type EFSClient,
  type FileSystemDescription,
  type MountTargetDescription,
} from '@aws-sdk/client-efs';
import type { CallBudget } from '../../functions/scanner/model';
import { attempt, wasRead, type Read } from './reading';

/** What was read about one access point the function mounts. */
export interface AccessPointReading {
  readonly accessPointArn: string;
  /** Undefined value: EFS says there is no such access point. */
  readonly accessPoint: Read<AccessPointDescription | undefined>;
  /** Undefined value: no such file system; absent when the access point could not be read. */
  readonly fileSystem?: Read<FileSystemDescription | undefined>;
  /** The file system's mount targets; absent when its file system is unknown. */
  readonly mountTargets?: Read<MountTargetDescription[]>;
}

const absentOn = <T>(read: Read<T>, errorName: string): Read<T | undefined> =>
  !wasRead(read) && read.errorName === errorName ? { value: undefined } : read;

/**
 * Reads one access point, its file system and the file system's mount targets. An access point of another account
 * (`accountId` is the function's) cannot be described from this one, and is reported as not read.
 */
export async function readAccessPoint(
  efs: EFSClient,
  budget: CallBudget,
  accessPointArn: string,
  accountId: string,
): Promise<AccessPointReading> {
  const owner = accessPointArn.split(':')[4];
  if (owner !== undefined && owner !== accountId) {
    const failed = `the access point belongs to account ${owner}; EFS describes it only to that account`;
    return { accessPointArn, accessPoint: { failed, errorName: 'OtherAccount' } };
  }
  const accessPointId = accessPointArn.split('/').at(-1) ?? accessPointArn;
  const described = await attempt(budget, 'DescribeAccessPoints', () =>
    efs.send(new DescribeAccessPointsCommand({ AccessPointId: accessPointId })),
  );
  const accessPoint = absentOn(
    wasRead(described) ? { value: described.value.AccessPoints?.[0] } : described,
    'AccessPointNotFound',
  );
  const fileSystemId = wasRead(accessPoint) ? accessPoint.value?.FileSystemId : undefined;
  if (fileSystemId === undefined) return { accessPointArn, accessPoint };
  const [fileSystems, mountTargets] = await Promise.all([
    attempt(budget, 'DescribeFileSystems', () =>
      efs.send(new DescribeFileSystemsCommand({ FileSystemId: fileSystemId })),
    ),
    // One file system has at most one mount target per Availability Zone: one page.
    attempt(budget, 'DescribeMountTargets', () =>
      efs.send(new DescribeMountTargetsCommand({ FileSystemId: fileSystemId })),
    ),
  ]);
  return {
    accessPointArn,
    accessPoint,
    fileSystem: absentOn(
      wasRead(fileSystems) ? { value: fileSystems.value.FileSystems?.[0] } : fileSystems,
      'FileSystemNotFound',
    ),
    mountTargets: wasRead(mountTargets) ? { value: mountTargets.value.MountTargets ?? [] } : mountTargets,
  };
}
