import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** `cdk synth --quiet` through the real CLI, with `-c` for each context entry, writing to `outputDir`. */
function cdkSynth(outputDir: string, context: Record<string, string>): SpawnSyncReturns<string> {
  return spawnSync(
    join(root, 'node_modules', '.bin', 'cdk'),
    [
      'synth',
      '--quiet',
      '--no-notices',
      '--output',
      outputDir,
      ...Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
      env: {
        ...process.env,
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        CDK_DISABLE_VERSION_CHECK: 'true',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  );
}

type Resource = { Type: string; Properties: Record<string, unknown> };
type CloudFormationTemplate = { Resources: Record<string, Resource>; Outputs?: Record<string, unknown> };

describe('cdk synth -c orgTargets=ou-ab12-34cd5678 -c regions=eu-west-1,us-east-1', () => {
  let outputDir: string;
  let synth: SpawnSyncReturns<string>;
  const read = <T>(file: string): T => JSON.parse(readFileSync(join(outputDir, file), 'utf8')) as T;
  const resourcesOf = (template: CloudFormationTemplate, type: string): Resource[] =>
    Object.values(template.Resources).filter((resource) => resource.Type === type);

  beforeAll(() => {
    outputDir = mkdtempSync(join(tmpdir(), 'lambda-sentinel-org-synth-'));
    synth = cdkSynth(outputDir, { orgTargets: 'ou-ab12-34cd5678', regions: 'eu-west-1,us-east-1' });
  }, 300_000);
  afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

  it('succeeds and writes the organization stack beside the single-account one, with one bucket stack a region', () => {
    // The command sets no alertEmails: both stacks say that nobody will be alerted, and nothing else.
    expect(synth.stderr).not.toMatch(/error/i);
    expect(synth.stderr.match(/^WARNING .*$/gm)).toEqual([
      expect.stringMatching(/^WARNING No alertEmails: nobody will be alerted\./),
      expect.stringMatching(/^WARNING No alertEmails: nobody will be alerted of any member account\./),
    ]);
    expect(synth.status).toBe(0);
    const manifest = read<{ artifacts: Record<string, { type: string; environment: string }> }>(
      'manifest.json',
    );
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([id, artifact]) => `${id} ${artifact.environment}`);
    expect(stacks.sort()).toEqual([
      'LambdaSentinel aws://unknown-account/unknown-region',
      'LambdaSentinelAssets-eu-west-1 aws://unknown-account/eu-west-1',
      'LambdaSentinelAssets-us-east-1 aws://unknown-account/us-east-1',
      'LambdaSentinelOrganization aws://unknown-account/unknown-region',
    ]);
  });

  it('yields a service-managed StackSet with automatic deployment on, over the OU and both regions', () => {
    const stackSets = resourcesOf(
      read('LambdaSentinelOrganization.template.json'),
      'AWS::CloudFormation::StackSet',
    );
    expect(stackSets).toHaveLength(1);
    expect(stackSets[0]!.Properties).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-34cd5678'] },
          Regions: ['eu-west-1', 'us-east-1'],
        },
      ],
    });
  });

  it('yields the central bus with a policy for the organization only, and the two outputs', () => {
    const template = read<CloudFormationTemplate>('LambdaSentinelOrganization.template.json');
    const buses = resourcesOf(template, 'AWS::Events::EventBus');
    expect(buses).toHaveLength(1);
    const statements = (buses[0]!.Properties.Policy as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': expect.anything() } },
      }),
    ]);
    expect(Object.keys(template.Outputs ?? {}).sort()).toEqual(['CentralAlertTopicArn', 'CentralBusArn']);
  });

  it("has cdk deploy publish the member template and the members' code before the organization stack", () => {
    const manifest = read<{ artifacts: Record<string, { type: string; dependencies?: string[] }> }>(
      'manifest.json',
    );
    const dependencies = manifest.artifacts.LambdaSentinelOrganization!.dependencies ?? [];
    const memberAssets = dependencies.filter((id) => /^LambdaSentinelOrganizationMember.*\.assets$/.test(id));
    expect(memberAssets).toHaveLength(1);
    expect(dependencies).toEqual(
      expect.arrayContaining(['LambdaSentinelAssets-eu-west-1', 'LambdaSentinelAssets-us-east-1']),
    );
    const code = read<{ files: Record<string, { destinations: Record<string, { bucketName: string }> }> }>(
      `${memberAssets[0]!}.json`,
    );
    const buckets = Object.values(code.files).flatMap((file) =>
      Object.values(file.destinations).map((destination) => destination.bucketName),
    );
    expect(buckets.sort()).toEqual([
      'lambda-sentinel-assets-${AWS::AccountId}-eu-west-1',
      'lambda-sentinel-assets-${AWS::AccountId}-us-east-1',
    ]);
    const member = read<CloudFormationTemplate>(`${memberAssets[0]!.replace(/\.assets$/, '')}.template.json`);
    expect(resourcesOf(member, 'AWS::Lambda::Function')).toHaveLength(1);
  });
});

describe('cdk synth with bad organization settings', () => {
  let outputDir: string;
  beforeEach(() => {
    outputDir = mkdtempSync(join(tmpdir(), 'lambda-sentinel-org-synth-'));
  });
  afterEach(() => rmSync(outputDir, { recursive: true, force: true }));

  it('fails `-c orgTargets=ou-ab12,o-1234567890 -c regions=eu-west-1,Mars`, naming both keys', () => {
    const synth = cdkSynth(outputDir, { orgTargets: 'ou-ab12,o-1234567890', regions: 'eu-west-1,Mars' });
    expect(synth.stderr).toContain(
      'Invalid lambda-sentinel CDK context (-c key=value or cdk.json) (2):\n' +
        '  - orgTargets="ou-ab12,o-1234567890": a comma list of organizational unit ids (ou-xxxx-xxxxxxxx) or the ' +
        'root id (r-xxxx)\n' +
        '  - regions="eu-west-1,Mars": a comma list of AWS regions, e.g. eu-west-1,us-east-1\n',
    );
    expect(synth.stderr).not.toMatch(/^\s+at /m);
    expect(synth.status).not.toBe(0);
  }, 240_000);
});
