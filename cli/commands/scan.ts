import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { RequestBudget, type RequestBudgetOptions } from '../../functions/scanner/aws/request-budget';
import type { Clock, ScanReport } from '../../functions/scanner/model';
import { runScan } from '../../functions/scanner/run-scan';
import { parseSettings } from '../../functions/scanner/settings';
import { MemoryStateStore } from '../../sim/memory-state-store';
import { mapWithConcurrency } from '../../functions/scanner/collect/inventory';
import { parseArguments, type ParsedArguments } from '../arguments';
import {
  accessProblem,
  awsSession,
  enabledRegions,
  reportingAccessProblems,
  type AwsSession,
  type AwsSessionOptions,
} from '../aws-session';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../command';
import { findingsTable } from '../findings-table';
import { COMMAND_SUMMARIES } from './summaries';

const HELP = [
  'Usage: lambda-sentinel scan [--region REGION | --regions R1,R2 | --all-regions]',
  '                            [--accounts ID1,ID2 --role-name ROLE] [--profile PROFILE] [--json]',
  '',
  "Runs the sentinel's scan once from this machine against real accounts and regions, with your AWS",
  "credentials, and prints what it finds. It is read-only whatever the sentinel's configuration: its Lambda",
  'client refuses anything but Get* and List* calls, remediation is off, no alert is sent and no state is saved.',
  'It keeps to the same request budget as the deployed scanner (3 rps on the shared Lambda control-plane quota,',
  '20 rps of GetFunction) in each account and region, so a scan of 10,000 functions takes about two minutes;',
  'up to four accounts and regions are scanned at a time; progress goes to stderr.',
  '',
  'Needs, in every account scanned: lambda:ListFunctions, lambda:GetFunction, lambda:ListTags,',
  'lambda:GetAccountSettings, lambda:ListAliases, lambda:ListProvisionedConcurrencyConfigs,',
  'lambda:GetFunctionRecursionConfig, lambda:ListEventSourceMappings, lambda:GetFunctionUrlConfig,',
  'lambda:GetPolicy and cloudwatch:GetMetricData; with --all-regions also account:ListRegions; with',
  '--accounts, sts:AssumeRole on the role, which must trust your credentials.',
  '',
  'Options:',
  '  --region REGION        the region to scan; default: the AWS SDK default (AWS_REGION, the profile)',
  '  --regions R1,R2        several regions, each scanned on its own',
  '  --all-regions          every region enabled for the account (AWS Account Management ListRegions)',
  '  --accounts ID1,ID2     other accounts to scan, each through the role --role-name names in it',
  '  --role-name ROLE       the read-only role to assume in each account of --accounts',
  '  --profile PROFILE      the AWS profile to use; default: the AWS SDK default credentials (AWS_PROFILE, ...)',
  '  --json                 print the scan report as JSON; for several accounts or regions, one object with a',
  '                         report (or an error) per account and region',
  '',
  'Exit codes: 0 nothing found, 1 findings, 2 usage error, missing credentials or access denied. Over several',
  'accounts and regions, results are grouped by account and region and the exit code covers them all: 2 when',
  'any could not be scanned (the others are still scanned and reported), else 1 when any has findings.',
  '',
  'Examples:',
  '  npx lambda-sentinel scan --region eu-west-1 --profile prod-readonly',
  '  npx lambda-sentinel scan --regions eu-west-1,us-east-1 --accounts 111111111111,222222222222 \\',
  '      --role-name LambdaSentinelReadOnly --profile org-audit',
].join('\n');

/** Accounts and regions scanned at a time: quotas are per account and region, so targets do not contend. */
const TARGETS_AT_A_TIME = 4;

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

/** One account and region to scan: the session options that reach it. */
interface ScanTarget {
  /** The account id asked for, or undefined for whatever the credentials belong to. */
  readonly account?: string;
  readonly options: AwsSessionOptions;
}

/** What became of one account and region. */
type TargetResult =
  | {
      readonly account: string;
      readonly region: string;
      readonly report: ScanReport;
      readonly seconds: number;
    }
  | { readonly account: string; readonly region: string; readonly error: string };

/**
 * Scans one account and region once, read-only. Among several, an access problem is that target's result and the
 * others go on; alone, it is thrown for the command to report as its one-line cause.
 */
async function scanTarget(
  target: ScanTarget,
  connect: Connect,
  io: CliIo,
  amongSeveral: boolean,
): Promise<TargetResult> {
  const session = connect(target.options);
  const unknownRegion = target.options.region ?? 'default region';
  try {
    return await session.run(async () => {
      const { clients, clock } = session;
      const region = await session.region();
      const settings = parseSettings({}, 'laptop scan');
      const label =
        target.account !== undefined || target.options.region !== undefined
          ? `${target.account ?? 'this account'} ${region}: `
          : '';
      const budget = new ProgressBudget(
        { getFunctionRps: settings.getFunctionRps, controlPlaneRps: settings.controlPlaneRps, clock },
        (text) => io.stderr(`${label}${text}`),
      );
      // One small call first: it proves the credentials and access, and names the account for the report.
      const first = await budget.call('ListFunctions', () =>
        clients.lambda.send(new ListFunctionsCommand({ MaxItems: 1 })),
      );
      const accountId = accountOf(first.Functions?.[0]?.FunctionArn) ?? target.account ?? 'unknown';
      const startedAt = clock.now();
      const report = await runScan(
        settings,
        { accountId, region, topicArn: `arn:aws:sns:${region}:${accountId}:lambda-sentinel-laptop-scan` },
        {
          // A laptop scan tells nobody: no alert (the session's SNS publishes nowhere) and no events.
          clients: { lambda: clients.lambda, cloudwatch: clients.cloudwatch, sns: clients.sns },
          stateStore: new MemoryStateStore(),
          budget,
          clock,
          log: () => undefined,
          newAlertId: () => 'laptop-scan',
        },
      );
      return { account: accountId, region, report, seconds: (clock.now() - startedAt) / 1000 };
    });
  } catch (error) {
    const problem = accessProblem(error);
    if (problem === undefined || !amongSeveral) throw error;
    return { account: target.account ?? 'this account', region: unknownRegion, error: problem };
  }
}

/** The accounts and regions the options ask for, every account with every region. */
async function targetsOf(parsed: ParsedArguments): Promise<ScanTarget[]> {
  const { values, switches } = parsed;
  const profile = values['--profile'];
  const roleName = values['--role-name'];
  const accounts = listOption(values['--accounts']);
  const regions = listOption(values['--regions']);
  const choices = [values['--region'] !== undefined, regions !== undefined, switches.has('--all-regions')];
  if (choices.filter(Boolean).length > 1) {
    throw new UsageError('choose one of --region, --regions and --all-regions');
  }
  if ((accounts === undefined) !== (roleName === undefined)) {
    throw new UsageError('--accounts and --role-name go together: the role is assumed in each account');
  }
  const bad = (accounts ?? []).filter((account) => !/^\d{12}$/.test(account));
  if (bad.length > 0) throw new UsageError(`--accounts takes 12-digit account ids, not ${bad.join(', ')}`);
  const base = { ...(profile !== undefined ? { profile } : {}) };
  const reaching: { account?: string; options: AwsSessionOptions }[] = (accounts ?? [undefined]).map(
    (account) =>
      account === undefined
        ? { options: base }
        : { account, options: { ...base, roleArn: `arn:aws:iam::${account}:role/${roleName ?? ''}` } },
  );
  const targets: ScanTarget[] = [];
  for (const { account, options } of reaching) {
    const inRegions = switches.has('--all-regions')
      ? await enabledRegions({
          ...options,
          ...(values['--region'] !== undefined ? { region: values['--region'] } : {}),
        })
      : (regions ?? (values['--region'] !== undefined ? [values['--region']] : [undefined]));
    for (const region of inRegions) {
      targets.push({
        ...(account !== undefined ? { account } : {}),
        options: { ...options, ...(region !== undefined ? { region } : {}) },
      });
    }
  }
  return targets;
}

/** A comma list option as its non-empty items; undefined when the option was not given. */
function listOption(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return [
    ...new Set(
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    ),
  ];
}

/** Prints every account and region's result, grouped; resolves to the exit code over all of them. */
function printResults(results: readonly TargetResult[], json: boolean, several: boolean, io: CliIo): number {
  if (json) {
    const only = results[0];
    io.stdout(
      `${JSON.stringify(!several && only && 'report' in only ? only.report : { targets: results }, null, 2)}\n`,
    );
  }
  for (const result of results) {
    if ('error' in result) {
      if (!json) io.stdout(`Account ${result.account}, ${result.region}: not scanned\n\n`);
      io.stderr(`lambda-sentinel scan: ${result.account} ${result.region}: ${result.error}\n`);
      continue;
    }
    if (!json)
      io.stdout(
        `Account ${result.account}, ${result.region}\n\n${findingsTable(result.report.findings)}\n${several ? '\n' : ''}`,
      );
    io.stderr(
      `${several ? `${result.account} ${result.region}: ` : ''}${summaryLine(result.report, result.seconds)}\n`,
    );
    for (const error of result.report.errors) {
      io.stderr(
        `warning: ${error.source}${error.functionName ? ` (${error.functionName})` : ''}: ${error.code} ${error.message}\n`,
      );
    }
  }
  if (results.some((result) => 'error' in result)) return EXIT.usageOrAccess;
  return results.some((result) => 'report' in result && result.report.findings.length > 0)
    ? EXIT.findings
    : EXIT.clean;
}

/** How a command opens an AWS session for one account and region (tests pass simulated accounts). */
type Connect = (options: AwsSessionOptions) => AwsSession;

/** The `scan` command, opening its AWS sessions with `connect` (tests pass a simulated account). */
export function createScanCommand(connect: Connect = awsSession): CliCommand {
  return {
    name: 'scan',
    summary: COMMAND_SUMMARIES.scan,
    help: HELP,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArguments(args, {
        values: ['--region', '--regions', '--profile', '--accounts', '--role-name'],
        switches: ['--json', '--all-regions'],
      });
      return reportingAccessProblems('scan', io, async () => {
        const targets = await targetsOf(parsed);
        const results = await mapWithConcurrency(targets, TARGETS_AT_A_TIME, (target) =>
          scanTarget(target, connect, io, targets.length > 1),
        );
        return printResults(results, parsed.switches.has('--json'), targets.length > 1, io);
      });
    },
  };
}

/** `lambda-sentinel scan`: the sentinel's scan, once, from a laptop. */
export const scanCommand: CliCommand = createScanCommand();
