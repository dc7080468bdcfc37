/**
 * EFS of a simulated account: DescribeAccessPoints, DescribeFileSystems and DescribeMountTargets, with AWS's
 * response shapes and its AccessPointNotFound, FileSystemNotFound and MountTargetNotFound errors.
 */
import {
  AccessPointNotFound,
  BadRequest,
  FileSystemNotFound,
  MountTargetNotFound,
  type AccessPointDescription,
  type FileSystemDescription,
  type MountTargetDescription,
} from '@aws-sdk/client-efs';
import type { SimAccountModel } from './account-model';
import { NO_RESOURCES, type SimFileSystem } from './account-resources';

type Input = Readonly<Record<string, unknown>>;

const text = (input: Input, key: string) => (typeof input[key] === 'string' ? input[key] : undefined);

/** Answers EFS requests from the account's file systems. */
export class EfsApi {
  constructor(private readonly account: SimAccountModel) {}

  private get fileSystems(): readonly SimFileSystem[] {
    return (this.account.resources ?? NO_RESOURCES).fileSystems;
  }

  /** Answers one request; throws the SDK's exception classes as AWS would. */
  answer(operation: string, input: Input): object {
    const handler = this.operations[operation];
    if (!handler) throw new Error(`The simulated EFS does not answer ${operation}`);
    return { ...handler(input), $metadata: { httpStatusCode: 200 } };
  }

  private readonly operations: Readonly<Record<string, (input: Input) => object>> = {
    DescribeAccessPoints: (input) => {
      const accessPointId = text(input, 'AccessPointId');
      const fileSystemId = text(input, 'FileSystemId');
      if ((accessPointId === undefined) === (fileSystemId === undefined)) {
        throw new BadRequest({
          message: 'Specify either an AccessPointId or a FileSystemId.',
          ErrorCode: 'BadRequest',
          $metadata: { httpStatusCode: 400 },
        });
      }
      if (fileSystemId !== undefined) {
        const fs = this.fileSystem(fileSystemId);
        return { AccessPoints: fs.accessPoints.map((point) => this.accessPoint(fs, point)) };
      }
      for (const fs of this.fileSystems) {
        const point = fs.accessPoints.find((candidate) => candidate.id === accessPointId);
        if (point) return { AccessPoints: [this.accessPoint(fs, point)] };
      }
      throw new AccessPointNotFound({
        message: `Access point '${accessPointId}' does not exist.`,
        ErrorCode: 'AccessPointNotFound',
        $metadata: { httpStatusCode: 404 },
      });
    },
    DescribeFileSystems: (input) => {
      const fileSystemId = text(input, 'FileSystemId');
      const listed = fileSystemId === undefined ? this.fileSystems : [this.fileSystem(fileSystemId)];
      const fileSystems: FileSystemDescription[] = listed.map((fs) => ({
        OwnerId: this.account.accountId,
        CreationToken: fs.id,
        FileSystemId: fs.id,
        FileSystemArn: this.arn(`file-system/${fs.id}`),
        CreationTime: new Date(this.account.observedAt - 200 * 86_400_000),
        LifeCycleState: fs.lifeCycleState as FileSystemDescription['LifeCycleState'],
        NumberOfMountTargets: fs.mountTargets.length,
        SizeInBytes: { Value: 53_687_091_200 },
        PerformanceMode: 'generalPurpose',
        ThroughputMode: fs.throughputMode as FileSystemDescription['ThroughputMode'],
        Tags: [],
      }));
      return { FileSystems: fileSystems };
    },
    DescribeMountTargets: (input) => {
      const fileSystemId = text(input, 'FileSystemId');
      const accessPointId = text(input, 'AccessPointId');
      const mountTargetId = text(input, 'MountTargetId');
      const owner =
        fileSystemId !== undefined
          ? this.fileSystem(fileSystemId)
          : accessPointId !== undefined
            ? this.fileSystems.find((fs) => fs.accessPoints.some((point) => point.id === accessPointId))
            : this.fileSystems.find((fs) => fs.mountTargets.some((target) => target.id === mountTargetId));
      if (!owner) {
        if (accessPointId !== undefined) {
          throw new AccessPointNotFound({
            message: `Access point '${accessPointId}' does not exist.`,
            ErrorCode: 'AccessPointNotFound',
            $metadata: { httpStatusCode: 404 },
          });
        }
        throw new MountTargetNotFound({
          message: `Mount target '${mountTargetId}' does not exist.`,
          ErrorCode: 'MountTargetNotFound',
          $metadata: { httpStatusCode: 404 },
        });
      }
      const targets: MountTargetDescription[] = owner.mountTargets
        .filter((target) => mountTargetId === undefined || target.id === mountTargetId)
        .map((target) => ({
          OwnerId: this.account.accountId,
          MountTargetId: target.id,
          FileSystemId: owner.id,
          SubnetId: target.subnetId,
          LifeCycleState: target.lifeCycleState as MountTargetDescription['LifeCycleState'],
          AvailabilityZoneName: target.availabilityZone,
          VpcId: target.vpcId,
        }));
      return { MountTargets: targets };
    },
  };

  private fileSystem(id: string): SimFileSystem {
    const fs = this.fileSystems.find((candidate) => candidate.id === id);
    if (!fs) {
      throw new FileSystemNotFound({
        message: `File system '${id}' does not exist.`,
        ErrorCode: 'FileSystemNotFound',
        $metadata: { httpStatusCode: 404 },
      });
    }
    return fs;
  }

  private accessPoint(
    fs: SimFileSystem,
    point: SimFileSystem['accessPoints'][number],
  ): AccessPointDescription {
    return {
      AccessPointId: point.id,
      AccessPointArn: this.arn(`access-point/${point.id}`),
      FileSystemId: fs.id,
      OwnerId: this.account.accountId,
      LifeCycleState: point.lifeCycleState as AccessPointDescription['LifeCycleState'],
      RootDirectory: { Path: '/' },
    };
  }

  private arn(resource: string): string {
    return `arn:aws:elasticfilesystem:${this.account.region}:${this.account.accountId}:${resource}`;
  }
}
