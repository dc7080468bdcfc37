import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { RequestBudget, type RequestBudgetOptions } from '../../functions/scanner/aws/request-budget';
import type { Clock, ScanReport } from '../../functions/scanner/model';
import { runScan } from '../../functions/scanner/run-scan';
import { parseSettings } from '../../functions/scanner/settings';
import { MemoryStateStore } from '../../sim/memory-state-store';
import { parseArguments } from '../arguments';
import { awsSession, reportingAccessProblems, type AwsSession, type AwsSessionOptions } from '../aws-session';
import { EXIT, type CliCommand, type CliIo } from '../command';
import { findingsTable } from '../findings-table';

const HELP = [
  'Usage: lambda-sentinel scan [--region REGION] [--profile PROFILE] [--json]',
  '',
  "Runs the sentinel's scan once from this machine against a real account and region, with your AWS",
  "credentials, and prints what it finds. It is read-only whatever the sentinel's configuration: its Lambda",
  'client refuses anything but Get* and List* calls, remediation is off, no alert is sent and no state is saved.',
  'It keeps to the same request budget as the deployed scanner (3 rps on the shared Lambda control-plane quota,',
  '20 rps of GetFunction), so a scan of 10,000 functions takes about two minutes; progress goes to stderr.',
  '',
  'Needs: lambda:ListFunctions, lambda:GetFunction, lambda:ListTags, lambda:GetAccountSettings,',
  'lambda:ListAliases, lambda:ListProvisionedConcurrencyConfigs, lambda:GetFunctionRecursionConfig and',
  'cloudwatch:GetMetricData.',
  '',
  'Options:',
  '  --region REGION    the region to scan; default: the AWS SDK default (AWS_REGION, the profile)',
  '  --profile PROFILE  the AWS profile to use; default: the AWS SDK default credentials (AWS_PROFILE, ...)',
  '  --json             print the scan report (findings, errors, stats) as JSON instead of a table',
  '',
  'Exit codes: 0 nothing found, 1 findings, 2 usage error, missing credentials or access denied.',
  '',
  'Example:',
  '  npx lambda-sentinel scan --region eu-west-1 --profile prod-readonly',
].join('\n');

/** Progress lines start once a scan has run this long, and repeat at this interval. */
const PROGRESS_EVERY_MS = 5_000;

/** The run's request budget, also writing a progress line to stderr every few seconds of a long scan. */
class ProgressBudget extends RequestBudget {
  private readonly progressClock: Clock;
  private readonly startedAt: number;
  private reportedAt: number;

  constructor(
    options: RequestBudgetOptions,
    private readonly progress: (text: string) => void,
  ) {
    super(options);
    this.progressClock = options.clock;
    this.startedAt = options.clock.now();
    this.reportedAt = this.startedAt;
  }

  override async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    const result = await super.call(operation, send);
    const now = this.progressClock.now();
    if (now - this.reportedAt >= PROGRESS_EVERY_MS) {
      this.reportedAt = now;
      const calls = Object.entries(this.apiCalls)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ');
      this.progress(`... ${Math.round((now - this.startedAt) / 1000)} s, API calls so far: ${calls}\n`);
    }
    return result;
  }
}

/** The account id in a function ARN (`arn:aws:lambda:region:account:function:name`). */
function accountOf(functionArn: string | undefined): string | undefined {
  return functionArn?.split(':')[4];
}

function summaryLine(report: ScanReport, seconds: number): string {
  const { stats } = report;
  const calls = Object.values(stats.apiCalls).reduce((total, count) => total + count, 0);
  return (
    `Scanned ${stats.functionsListed} functions (${stats.functionsChecked} checked with GetFunction, ` +
    `${stats.functionsIgnored} ignored) in ${seconds.toFixed(1)} s: ${calls} API calls, ` +
    `${stats.metricsRequested} CloudWatch metrics requested, ${stats.throttledCalls} throttled.`
  );
}

/** Scans the session's account once, read-only, and prints the findings; resolves to the exit code. */
async function scan(session: AwsSession, json: boolean, io: CliIo): Promise<number> {
  const { clients, clock } = session;
  const region = await session.region();
  const settings = parseSettings({}, 'laptop scan');
  const budget = new ProgressBudget(
    { getFunctionRps: settings.getFunctionRps, controlPlaneRps: settings.controlPlaneRps, clock },
    (text) => io.stderr(text),
  );
  // One small call first: it proves the credentials and access, and names the account for the report.
  const first = await budget.call('ListFunctions', () =>
    clients.lambda.send(new ListFunctionsCommand({ MaxItems: 1 })),
  );
  const accountId = accountOf(first.Functions?.[0]?.FunctionArn) ?? 'unknown';
  const startedAt = clock.now();
  const store = new MemoryStateStore();
  const report = await runScan(
    settings,
    { accountId, region, topicArn: `arn:aws:sns:${region}:${accountId}:lambda-sentinel-laptop-scan` },
    {
      clients,
      stateStore: store,
      budget,
      clock,
      log: () => undefined,
      newAlertId: () => 'laptop-scan',
    },
  );
  const seconds = (clock.now() - startedAt) / 1000;
  if (json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout(`Account ${accountId}, ${region}\n\n${findingsTable(report.findings)}\n`);
  }
  io.stderr(`${summaryLine(report, seconds)}\n`);
  for (const error of report.errors) {
    io.stderr(
      `warning: ${error.source}${error.functionName ? ` (${error.functionName})` : ''}: ${error.code} ${error.message}\n`,
    );
  }
  return report.findings.length > 0 ? EXIT.findings : EXIT.clean;
}

/** The `scan` command, opening its AWS session with `connect` (tests pass a simulated account). */
export function createScanCommand(
  connect: (options: AwsSessionOptions) => AwsSession = awsSession,
): CliCommand {
  return {
    name: 'scan',
    summary: 'Scan an AWS account and region once from this machine, read-only',
    help: HELP,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArguments(args, { values: ['--region', '--profile'], switches: ['--json'] });
      const region = parsed.values['--region'];
      const profile = parsed.values['--profile'];
      const session = connect({
        ...(region !== undefined ? { region } : {}),
        ...(profile !== undefined ? { profile } : {}),
      });
      return reportingAccessProblems('scan', io, () =>
        session.run(() => scan(session, parsed.switches.has('--json'), io)),
      );
    },
  };
}

/** `lambda-sentinel scan`: the sentinel's scan, once, from a laptop. */
export const scanCommand: CliCommand = createScanCommand();
