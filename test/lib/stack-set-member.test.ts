import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  ASSET_BUCKET_ACCOUNT_PARAMETER,
  StackSetMemberStack,
  StackSetParentSynthesizer,
  type AssetBucketNamer,
} from '../../lib/stack-set-member';

const assetBucketName: AssetBucketNamer = (account, region) => `member-code-${account}-${region}`;

type FileDestination = { bucketName: string; objectKey: string; region?: string };
type AssetManifest = {
  files: Record<string, { source: { path: string }; destinations: Record<string, FileDestination> }>;
};

/** A parent stack holding a member stack with one Lambda function whose code is a file asset. */
function synthesizeMember(regions: readonly string[], codeDirectory: string) {
  const app = new App();
  const parent = new Stack(app, 'Parent', { synthesizer: new StackSetParentSynthesizer() });
  const member = new StackSetMemberStack(parent, 'Member', {
    regions,
    assetBucketName,
    description: 'a member',
    stackName: 'Member',
  });
  const code = lambda.Code.fromAsset(codeDirectory);
  new lambda.Function(member, 'Function', {
    code,
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
  });
  new cloudformation.CfnStackSet(parent, 'StackSet', {
    permissionModel: 'SELF_MANAGED',
    stackSetName: 'members',
    templateUrl: member.templateUrl,
  });
  const assembly = app.synth();
  const manifestOf = (artifactId: string): AssetManifest =>
    JSON.parse(readFileSync(join(assembly.directory, `${artifactId}.assets.json`), 'utf8')) as AssetManifest;
  return {
    parent,
    member,
    assembly,
    memberTemplate: Template.fromJSON(
      JSON.parse(readFileSync(join(assembly.directory, member.templateFile), 'utf8')) as Record<
        string,
        unknown
      >,
    ),
    memberAssets: manifestOf(member.artifactId),
    parentAssets: manifestOf(parent.artifactId),
  };
}

describe('StackSetMemberStack', () => {
  let codeDirectory: string;
  let synthesized: ReturnType<typeof synthesizeMember>;
  beforeAll(() => {
    codeDirectory = mkdtempSync(join(tmpdir(), 'stack-set-member-'));
    writeFileSync(join(codeDirectory, 'index.js'), 'exports.handler = async () => "ok";\n');
    synthesized = synthesizeMember(['eu-west-1', 'us-east-1'], codeDirectory);
  }, 60_000);
  afterAll(() => rmSync(codeDirectory, { recursive: true, force: true }));

  it('publishes the Lambda code to the asset bucket of every target region, in the deploying account', () => {
    const files = Object.values(synthesized.memberAssets.files);
    expect(files).toHaveLength(1);
    const destinations = Object.values(files[0]!.destinations);
    const objectKey = destinations[0]!.objectKey;
    expect(objectKey).toMatch(/^[0-9a-f]{64}\.zip$/);
    // cdk-assets resolves ${AWS::AccountId} to the account of the credentials that run cdk deploy.
    expect(destinations).toEqual([
      { bucketName: 'member-code-${AWS::AccountId}-eu-west-1', objectKey, region: 'eu-west-1' },
      { bucketName: 'member-code-${AWS::AccountId}-us-east-1', objectKey, region: 'us-east-1' },
    ]);
  });

  it('reads the code from the bucket of the region each stack instance is deployed to', () => {
    const [objectKey] = Object.values(Object.values(synthesized.memberAssets.files)[0]!.destinations).map(
      (destination) => destination.objectKey,
    );
    synthesized.memberTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Code: {
        S3Bucket: {
          'Fn::Join': [
            '',
            ['member-code-', { Ref: ASSET_BUCKET_ACCOUNT_PARAMETER }, '-', { Ref: 'AWS::Region' }],
          ],
        },
        S3Key: objectKey,
      },
    });
    synthesized.memberTemplate.hasParameter(ASSET_BUCKET_ACCOUNT_PARAMETER, { Type: 'String' });
  });

  it('is no stack of its own: not in the cloud assembly, no bootstrap version to check in member accounts', () => {
    const ids = synthesized.assembly.artifacts.map((artifact) => artifact.id);
    expect(ids).not.toContain(synthesized.member.artifactId);
    expect(synthesized.memberTemplate.toJSON().Parameters).not.toHaveProperty('BootstrapVersion');
    expect(synthesized.memberTemplate.toJSON().Rules).toBeUndefined();
  });

  it("uploads the member template with the parent's assets and gives the parent its URL", () => {
    const templateAsset = Object.entries(synthesized.parentAssets.files).find(
      ([, file]) => file.source.path === synthesized.member.templateFile,
    );
    expect(templateAsset).toBeDefined();
    const [hash] = templateAsset!;
    Template.fromStack(synthesized.parent).hasResourceProperties('AWS::CloudFormation::StackSet', {
      TemplateURL: {
        'Fn::Sub': `https://s3.\${AWS::Region}.\${AWS::URLSuffix}/cdk-hnb659fds-assets-\${AWS::AccountId}-\${AWS::Region}/${hash}.json`,
      },
    });
  });

  it("makes cdk deploy publish the member's assets before it deploys the parent", () => {
    const parent = synthesized.assembly.getStackArtifact(synthesized.parent.artifactId);
    expect(parent.dependencies.map((artifact) => artifact.id)).toEqual(
      expect.arrayContaining([
        `${synthesized.parent.artifactId}.assets`,
        `${synthesized.member.artifactId}.assets`,
      ]),
    );
  });

  it("publishes to the parent stack's own region when no region is given", () => {
    const { memberAssets } = synthesizeMember([], codeDirectory);
    const destinations = Object.values(Object.values(memberAssets.files)[0]!.destinations);
    expect(destinations).toEqual([
      { bucketName: 'member-code-${AWS::AccountId}-${AWS::Region}', objectKey: expect.any(String) },
    ]);
  }, 60_000);

  it('refuses a container image, which no registry would share with the member accounts', () => {
    const app = new App();
    const parent = new Stack(app, 'Parent', { synthesizer: new StackSetParentSynthesizer() });
    const member = new StackSetMemberStack(parent, 'Member', {
      regions: [],
      assetBucketName,
      description: 'a member',
      stackName: 'Member',
    });
    expect(() => member.synthesizer.addDockerImageAsset({ sourceHash: 'abc', directoryName: '.' })).toThrow(
      /cannot use container images/,
    );
  });

  it('refuses a parent stack whose synthesizer would not publish its assets', () => {
    const parent = new Stack(new App(), 'Parent');
    expect(
      () =>
        new StackSetMemberStack(parent, 'Member', {
          regions: [],
          assetBucketName,
          description: 'a member',
          stackName: 'Member',
        }),
    ).toThrow(/Parent to use StackSetParentSynthesizer/);
  });
});
