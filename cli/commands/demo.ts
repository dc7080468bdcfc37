import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { ScanReport } from '../../functions/scanner/model';
import { parseSettings } from '../../functions/scanner/settings';
import type { SimAccountModel } from '../../sim/account-model';
import { ALL_PROBLEMS, DIAGNOSE_PROBLEMS, DIAGNOSED_FUNCTIONS, troubledAccount } from '../../sim/generators';
import { runSimulatedScan, type SimulatedScan } from '../../sim/simulated-scan';
import { parseArguments } from '../arguments';
import { EXIT, type CliCommand, type CliIo } from '../command';
import { actionsTable, findingsTable } from '../findings-table';
import { COMMAND_SUMMARIES } from './summaries';

/** Functions in the demo account: the staged problems plus a quiet fleet around them. */
export const DEMO_FUNCTION_COUNT = 48;

const HELP = [
  'Usage: lambda-sentinel demo [--json]',
  '',
  'Runs one scan of a built-in simulated account (no AWS account or credentials needed) that has every problem',
  'in AWS\'s guide "Troubleshoot invocation issues in Lambda": functions stuck Pending, Failed for KMS, EFS and',
  'VPC reasons, a concurrency hog throttling others, a recursive loop AWS stopped and a runaway one, an alias',
  'spilling over its provisioned concurrency and one whose traffic goes around it. The real scanner code runs',
  'against it, with the real Lambda and CloudWatch quotas and simulated latencies. It prints the findings, the',
  'actions the sentinel would take with every remediation switched on (as a dry run), and the e-mail it would',
  'send.',
  '',
  'Options:',
  '  --json   print the scan report (findings, actions, errors, stats) as JSON instead',
  '',
  'Exit code: 0 whenever the demo ran, although its account has findings: the problems are staged, and the',
  "README's first command (npm ci && npm run demo) must succeed. 'lambda-sentinel scan' exits 1 on findings.",
].join('\n');

/** The settings the demo scans with: defaults, every remediation on, as a dry run. */
export function demoSettings() {
  return parseSettings(
    { remediate: 'throttle-loops,cap-hogs,unblock-pending', dryRun: 'true' },
    'demo settings',
  );
}

/** The demo function `diagnose --demo` shows an EventBridge rule refused for lack of a permission on. */
export const DEMO_BROKEN_TRIGGER_FUNCTION = DIAGNOSED_FUNCTIONS['unpermitted-trigger'];

/**
 * The demo account, observed at `now`: every problem the scanner finds, and those only `diagnose` finds (on
 * functions of their own, which make no finding).
 */
export function demoAccount(now: number): SimAccountModel {
  const observedAt = Math.floor(now / 60_000) * 60_000 + 20_000;
  return troubledAccount(DEMO_FUNCTION_COUNT, [...ALL_PROBLEMS, ...DIAGNOSE_PROBLEMS], { observedAt });
}

/** Runs the demo scan of the demo account observed at `now`. */
export function runDemoScan(now: number): Promise<SimulatedScan> {
  return runSimulatedScan(demoAccount(now), demoSettings());
}

/** The plain-text e-mail of a published alert (the `email` key of its JSON message). */
export function emailOf(published: PublishCommandInput): string {
  const message: unknown = JSON.parse(published.Message ?? '{}');
  const email = (message as { email?: unknown }).email;
  return typeof email === 'string' ? email : (published.Message ?? '');
}

function heading(title: string): string {
  return `${title}\n${'='.repeat(title.length)}`;
}

function callCounts(apiCalls: Readonly<Record<string, number>>): string {
  return Object.entries(apiCalls)
    .map(([operation, count]) => `${operation} ${count}`)
    .join(', ');
}

function describe(scan: SimulatedScan): string {
  const { result: report, usage, account } = scan;
  const total = Object.values(usage.apiCalls).reduce((sum, count) => sum + count, 0);
  const published = usage.published[0];
  return [
    'lambda-sentinel demo: one scan of a simulated account (nothing here touches AWS)',
    '',
    `Account ${account.model.accountId} in ${account.model.region}: ${account.model.functions.length} functions, ` +
      `with every problem of AWS's guide "Troubleshoot invocation issues in Lambda" staged.`,
    `The scan took ${scan.wallSeconds.toFixed(1)} s of simulated time and ${total} API calls (${callCounts(usage.apiCalls)}); ` +
      `${usage.metricsRequested} CloudWatch metrics requested; ${Object.keys(usage.throttled).length === 0 ? 'nothing throttled' : `throttled: ${callCounts(usage.throttled)}`}.`,
    '',
    heading(`Findings (${report.findings.length})`),
    findingsTable(report.findings),
    '',
    heading('Actions with every remediation on (dryRun: decided, not applied)'),
    actionsTable(report.actions),
    ...(report.errors.length > 0
      ? [
          '',
          heading('Errors'),
          ...report.errors.map((error) => `${error.source}: ${error.code} ${error.message}`),
        ]
      : []),
    '',
    heading('The e-mail it would send'),
    ...(published
      ? [`Subject: ${published.Subject ?? ''}`, '', emailOf(published)]
      : ['(none: nothing to say)']),
    '',
    'Next: `npx lambda-sentinel scan --region <region>` scans your own account read-only, and',
    '`npx lambda-sentinel diagnose <function>` walks the guide for one function.',
  ].join('\n');
}

/** The `demo` command, observing its account at `now()` (tests pass a fixed time). */
export function createDemoCommand(now: () => number = Date.now): CliCommand {
  return {
    name: 'demo',
    summary: COMMAND_SUMMARIES.demo,
    help: HELP,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArguments(args, { switches: ['--json'] });
      const scan = await runDemoScan(now());
      const report: ScanReport = scan.result;
      io.stdout(`${parsed.switches.has('--json') ? JSON.stringify(report, null, 2) : describe(scan)}\n`);
      return EXIT.clean;
    },
  };
}

/** `lambda-sentinel demo`: the first command a new user runs. */
export const demoCommand: CliCommand = createDemoCommand();
