import { createDemoCommand, demoSettings } from '../../../cli/commands/demo';
import { main } from '../../../cli/main';
import type { ScanReport } from '../../../functions/scanner/model';
import { capturedIo } from '../cli-io';

// Each test runs the whole demo scan (48 functions, nine days of metrics): a second or two alone, several on a loaded
// 2-core machine running other suites, past jest's 5 s default.
jest.setTimeout(30_000);

const NOW = Date.parse('2030-01-15T12:00:05.000Z');

describe('lambda-sentinel demo', () => {
  it('prints the findings for every staged problem, the actions it would take, and the e-mail, and exits 0', async () => {
    const { io, stdout } = capturedIo();

    const code = await main(['demo'], io, [createDemoCommand(() => NOW)]);

    const text = stdout();
    expect(code).toBe(0);
    expect(text).toContain('Findings (10)');
    for (const name of [
      'report-builder',
      'vpc-migrator',
      'secrets-rotator',
      'media-transcoder',
      'ledger-sync',
    ]) {
      expect(text).toMatch(new RegExp(`(stuck-pending|failed-state)\\s+${name}`));
    }
    expect(text).toMatch(/concurrency-hog\s+image-resizer/);
    expect(text).toMatch(/recursive-loop\s+stream-processor/);
    expect(text).toMatch(/recursive-loop\s+order-notifier/);
    expect(text).toMatch(/pc-spillover\s+quote-api:live/);
    // The API redeployed onto the bare name: the live alias's provisioned concurrency serves nothing.
    expect(text).toMatch(
      /warning\s+pc-health\s+orders-api:live\s+orders-api:live has provisioned concurrency/,
    );
    expect(text).toContain('The e-mail it would send');
    expect(text).toMatch(/Subject: \[CRITICAL\] lambda-sentinel 123456789012 eu-west-1: /);
    expect(text).toContain(
      'lambda-sentinel checked the Lambda functions of AWS account 123456789012 in eu-west-1',
    );
  });

  it('shows the remediations a dry run decided: pause the runaway loop’s stream, cap the hog, unblock the pending function', async () => {
    const { io, stdout } = capturedIo();

    await main(['demo'], io, [createDemoCommand(() => NOW)]);

    // The loop runs through its DynamoDB stream: the mapping is paused, no reservation is touched.
    expect(stdout()).toMatch(/pause-trigger\s+stream-processor\s+-\s+dry run: not applied/);
    expect(stdout()).not.toMatch(/throttle\s+stream-processor/);
    expect(stdout()).toMatch(/cap\s+image-resizer\s+none -> \d+\s+dry run: not applied/);
    expect(stdout()).toMatch(/unblock\s+report-builder\s+-\s+dry run: not applied/);
  });

  it('runs with every remediation on, as a dry run', () => {
    expect(demoSettings()).toMatchObject({
      remediate: ['throttle-loops', 'cap-hogs', 'unblock-pending'],
      dryRun: true,
    });
  });

  it('prints the scan report as JSON with --json', async () => {
    const { io, stdout } = capturedIo();

    const code = await main(['demo', '--json'], io, [createDemoCommand(() => NOW)]);

    const report = JSON.parse(stdout()) as ScanReport;
    expect(code).toBe(0);
    expect(report.findings).toHaveLength(10);
    expect(report.actions.every((action) => action.dryRun && !action.applied)).toBe(true);
  });

  it('says in its help why it exits 0 although its account has findings', async () => {
    const { io, stdout } = capturedIo();

    await main(['demo', '--help'], io, [createDemoCommand(() => NOW)]);

    expect(stdout()).toMatch(/Exit code: 0 whenever the demo ran, although its account has findings/);
  });
});
