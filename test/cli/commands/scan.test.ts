import type { AwsSession, AwsSessionOptions } from '../../../cli/aws-session';
import { main } from '../../../cli/main';
import { createScanCommand, scanCommand } from '../../../cli/commands/scan';
import { systemClock, type ScanReport } from '../../../functions/scanner/model';
import type { SimAccountModel } from '../../../sim/account-model';
import { quietAccount, troubledAccount } from '../../../sim/generators';
import { NO_CREDENTIALS_ENV, capturedIo, simulatedConnection, withEnvironment } from '../cli-io';

// These tests scan simulated accounts of up to 2,000 functions: several seconds on a loaded 2-core machine running
// other suites, past jest's 5 s default.
jest.setTimeout(30_000);

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

  it('exits 2 with the cause and the nearest option for an unknown option, and prints its help with --help', async () => {
    const wrong = capturedIo();
    const help = capturedIo();

    const wrongCode = await main(['scan', '--regoin', 'eu-west-1'], wrong.io, [scanCommand]);
    const helpCode = await main(['scan', '--help'], help.io, [scanCommand]);

    expect(wrongCode).toBe(2);
    expect(wrong.stderr()).toBe(
      'lambda-sentinel scan: unknown option --regoin\n' +
        "Did you mean --region? Run 'lambda-sentinel scan --help' for its usage.\n",
    );
    expect(helpCode).toBe(0);
    expect(help.stdout()).toContain(
      'Exit codes: 0 nothing found, 1 findings, 2 usage error, missing credentials',
    );
    expect(help.stdout()).toContain('--profile PROFILE');
  });
});

describe('lambda-sentinel scan across accounts and regions', () => {
  /** Simulated accounts by account id and region; `connect` answers with the one the options reach. */
  function organization(models: readonly SimAccountModel[]) {
    const asked: AwsSessionOptions[] = [];
    const sessions = new Map(
      models.map((model) => [`${model.accountId}/${model.region}`, simulatedConnection(model).connect()]),
    );
    const connect = (options: AwsSessionOptions): AwsSession => {
      asked.push(options);
      const account = /arn:aws:iam::(\d{12}):role\//.exec(options.roleArn ?? '')?.[1] ?? '123456789012';
      const session = sessions.get(`${account}/${options.region ?? 'eu-west-1'}`);
      if (!session) throw new Error(`no simulated account ${account} ${options.region}`);
      return session;
    };
    return { asked, connect };
  }

  it('scans every region given, grouped by account and region, and exits 1 when any has findings', async () => {
    const { connect, asked } = organization([
      quietAccount(30, { region: 'eu-west-1' }),
      troubledAccount(40, ['failed-kms'], { region: 'us-east-1' }),
    ]);
    const { io, stdout, stderr } = capturedIo();

    const code = await main(['scan', '--regions', 'eu-west-1,us-east-1'], io, [createScanCommand(connect)]);

    expect(code).toBe(1);
    expect(asked.map((options) => options.region)).toEqual(['eu-west-1', 'us-east-1']);
    const text = stdout();
    expect(text).toMatch(/^Account 123456789012, eu-west-1\n\nNo findings\./);
    expect(text).toMatch(/Account 123456789012, us-east-1\n\n.*\n.*failed-state\s+secrets-rotator/);
    expect(stderr()).toMatch(/^123456789012 us-east-1: Scanned 40 functions/m);
  });

  it('assumes the role in each account, and reports one that cannot be read without hiding the others', async () => {
    const { connect, asked } = organization([
      troubledAccount(40, ['failed-vpc'], { accountId: '111111111111' }),
      quietAccount(30, { accountId: '222222222222' }),
    ]);
    const denying = (options: AwsSessionOptions): AwsSession => {
      if (options.roleArn?.includes('333333333333')) {
        const denied = Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), {
          name: 'AccessDenied',
        });
        // AssumeRole is refused before anything is read: the session fails on its first call.
        return {
          clients: {} as AwsSession['clients'],
          clock: systemClock,
          region: () => Promise.resolve('eu-west-1'),
          run: () => Promise.reject(denied),
        };
      }
      return connect(options);
    };
    const { io, stdout, stderr } = capturedIo();

    const code = await main(
      ['scan', '--accounts', '111111111111,222222222222,333333333333', '--role-name', 'SentinelReadOnly'],
      io,
      [createScanCommand(denying)],
    );

    expect(code).toBe(2);
    expect(asked.map((options) => options.roleArn)).toEqual([
      'arn:aws:iam::111111111111:role/SentinelReadOnly',
      'arn:aws:iam::222222222222:role/SentinelReadOnly',
    ]);
    expect(stdout()).toMatch(/Account 111111111111, eu-west-1\n\n.*\n.*failed-state\s+ledger-sync/);
    expect(stdout()).toContain('Account 222222222222, eu-west-1\n\nNo findings.');
    expect(stdout()).toContain('Account 333333333333, default region: not scanned');
    expect(stderr()).toMatch(/lambda-sentinel scan: 333333333333 default region: access denied/);
  });

  it('prints one JSON object with a report or an error per account and region', async () => {
    const { connect } = organization([
      quietAccount(30, { region: 'eu-west-1' }),
      troubledAccount(40, ['failed-kms'], { region: 'us-east-1' }),
    ]);
    const { io, stdout } = capturedIo();

    await main(['scan', '--regions', 'eu-west-1,us-east-1', '--json'], io, [createScanCommand(connect)]);

    const { targets } = JSON.parse(stdout()) as {
      targets: { account: string; region: string; report: ScanReport }[];
    };
    expect(targets.map((target) => [target.account, target.region, target.report.findings.length])).toEqual([
      ['123456789012', 'eu-west-1', 0],
      ['123456789012', 'us-east-1', 1],
    ]);
  });

  it.each([
    [['--accounts', '111111111111'], '--accounts and --role-name go together'],
    [['--accounts', '1111', '--role-name', 'R'], '--accounts takes 12-digit account ids, not 1111'],
    [['--region', 'eu-west-1', '--all-regions'], 'choose one of --region, --regions and --all-regions'],
  ])('refuses %j with a usage error', async (args, message) => {
    const { io, stderr } = capturedIo();

    const code = await main(['scan', ...args], io, [
      createScanCommand(() => {
        throw new Error('no session should be opened');
      }),
    ]);

    expect(code).toBe(2);
    expect(stderr()).toContain(message);
  });
});
