import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('cdk synth of the lambda-sentinel app', () => {
  let outputDir: string;
  beforeEach(() => {
    outputDir = mkdtempSync(join(tmpdir(), 'lambda-sentinel-synth-'));
  });
  afterEach(() => {
    rmSync(outputDir, { recursive: true, force: true });
  });

  // The command, through the real CLI: its context also carries cdk.json's feature flags and the keys the
  // CLI adds itself (aws:cdk:..., @aws-cdk/core:failSynthOnValidationErrors), none of which may be questioned.
  it('fails `-c remediate=throttle-loops -c dryrun=true -c alertEmail=ops@example.com` naming both typos', () => {
    const synth = spawnSync(
      join(root, 'node_modules', '.bin', 'cdk'),
      [
        'synth',
        '--quiet',
        '--no-notices',
        '--output',
        outputDir,
        '-c',
        'remediate=throttle-loops',
        '-c',
        'dryrun=true',
        '-c',
        'alertEmail=ops@example.com',
      ],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 150_000,
        env: {
          ...process.env,
          CDK_DISABLE_CLI_TELEMETRY: 'true',
          CDK_DISABLE_VERSION_CHECK: 'true',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );

    expect(synth.stderr).toContain(
      'Invalid lambda-sentinel CDK context (-c key=value or cdk.json) (2):\n' +
        '  - dryrun="true": unknown key; did you mean dryRun?\n' +
        '  - alertEmail="ops@example.com": unknown key; did you mean alertEmails?\n',
    );
    // The operator's mistake, not a crash: no stack trace into CDK or ts-node.
    expect(synth.stderr).not.toMatch(/^\s+at /m);
    expect(synth.status).not.toBe(0);
  }, 180_000);
});
