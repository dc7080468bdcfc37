import { main } from '../../../cli/main';
import { createScanCommand, scanCommand } from '../../../cli/commands/scan';
import type { ScanReport } from '../../../functions/scanner/model';
import { quietAccount, troubledAccount } from '../../../sim/generators';
import { NO_CREDENTIALS_ENV, capturedIo, simulatedConnection, withEnvironment } from '../cli-io';

describe('lambda-sentinel scan', () => {
  it('prints a table naming each function with a finding, and exits 1', async () => {
    const { connect } = simulatedConnection(troubledAccount(100));
    const { io, stdout } = capturedIo();

    const code = await main(['scan', '--region', 'eu-west-1'], io, [createScanCommand(connect)]);

    expect(code).toBe(1);
    expect(stdout()).toMatch(/^Account 123456789012, eu-west-1/);
    expect(stdout()).toMatch(/SEVERITY\s+KIND\s+FUNCTION\s+SUMMARY/);
    expect(stdout()).toMatch(/critical\s+stuck-pending\s+report-builder\s+report-builder has been Pending/);
    expect(stdout()).toMatch(/warning\s+pc-spillover\s+quote-api:live/);
  });

  it('exits 0 with "No findings." on a quiet account, and reports what the scan cost on stderr', async () => {
    const { connect } = simulatedConnection(quietAccount(100));
    const { io, stdout, stderr } = capturedIo();

    const code = await main(['scan'], io, [createScanCommand(connect)]);

    expect(code).toBe(0);
    expect(stdout()).toContain('No findings.');
    expect(stderr()).toMatch(
      /^Scanned 100 functions \(\d+ checked with GetFunction, 0 ignored\) in [\d.]+ s: \d+ API calls, 6 CloudWatch metrics requested, 0 throttled\.$/m,
    );
  });

  it('prints the scan report as JSON with --json', async () => {
    const { connect } = simulatedConnection(troubledAccount(60));
    const { io, stdout } = capturedIo();

    const code = await main(['scan', '--json'], io, [createScanCommand(connect)]);

    const report = JSON.parse(stdout()) as ScanReport;
    expect(code).toBe(1);
    expect(report.findings.map((finding) => finding.functionName)).toContain('image-resizer');
    expect(report.stats.functionsListed).toBe(60);
    expect(report.actions).toEqual([]);
  });

  it('changes nothing in the account: no remediation call reaches Lambda', async () => {
    const { connect, account } = simulatedConnection(troubledAccount(60));
    const { io } = capturedIo();

    await main(['scan'], io, [createScanCommand(connect)]);

    const operations = Object.keys(account.usage.apiCalls);
    expect(operations.filter((operation) => /^(Put|Delete|Update|Publish(?!$))/.test(operation))).toEqual([]);
    expect(account.model.functions.every((fn) => fn.reservedConcurrency === undefined)).toBe(true);
  });

  it('writes progress lines to stderr during a long scan, keeping stdout for the result', async () => {
    const { connect } = simulatedConnection(quietAccount(2_000));
    const { io, stdout, stderr } = capturedIo();

    await main(['scan'], io, [createScanCommand(connect)]);

    expect(stderr()).toMatch(/^\.\.\. \d+ s, API calls so far: ListFunctions \d+/m);
    expect(stdout()).not.toContain('API calls so far');
  });

  it('exits 2 with a one-line cause and no stack trace when there are no AWS credentials', async () => {
    const { io, stdout, stderr } = capturedIo();

    const code = await withEnvironment(NO_CREDENTIALS_ENV, () =>
      main(['scan', '--region', 'eu-west-1'], io, [scanCommand]),
    );

    expect(code).toBe(2);
    expect(stdout()).toBe('');
    expect(stderr().trim().split('\n')).toHaveLength(1);
    expect(stderr()).toMatch(/^lambda-sentinel scan: no AWS credentials found .*pass --profile/);
  });

  it('exits 2 naming the missing region when none is given or configured', async () => {
    const { io, stderr } = capturedIo();

    const code = await withEnvironment(NO_CREDENTIALS_ENV, () => main(['scan'], io, [scanCommand]));

    expect(code).toBe(2);
    expect(stderr()).toBe('lambda-sentinel scan: no AWS region given; pass --region or set AWS_REGION\n');
  });

  it('exits 2 with its usage for an unknown option, and prints its help with --help', async () => {
    const wrong = capturedIo();
    const help = capturedIo();

    const wrongCode = await main(['scan', '--regoin', 'eu-west-1'], wrong.io, [scanCommand]);
    const helpCode = await main(['scan', '--help'], help.io, [scanCommand]);

    expect(wrongCode).toBe(2);
    expect(wrong.stderr()).toMatch(
      /^lambda-sentinel scan: unknown option --regoin\n\nUsage: lambda-sentinel scan/,
    );
    expect(helpCode).toBe(0);
    expect(help.stdout()).toContain(
      'Exit codes: 0 nothing found, 1 findings, 2 usage error, missing credentials',
    );
    expect(help.stdout()).toContain('--profile PROFILE');
  });
});
