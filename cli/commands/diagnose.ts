import { RequestBudget } from '../../functions/scanner/aws/request-budget';
import { parseSettings } from '../../functions/scanner/settings';
import { SimulatedAccount } from '../../sim/simulated-account';
import { VirtualClock } from '../../sim/virtual-clock';
import { parseArguments } from '../arguments';
import {
  awsSession,
  reportingAccessProblems,
  simulatedSession,
  type AwsSession,
  type AwsSessionOptions,
} from '../aws-session';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../command';
import { DIAGNOSE_PERMISSIONS } from '../diagnosis/diagnose-permissions';
import { FunctionNotFoundError } from '../diagnosis/function-reading';
import { diagnoseFunction } from '../diagnosis/guide-checks';
import { needsAttention } from '../diagnosis/diagnosis-check';
import { renderDiagnosis } from '../diagnosis/render-diagnosis';
import { SNS_SUBSCRIPTION_PAGES } from '../diagnosis/sns-reading';
import { wrapText } from '../text-table';
import { DEMO_BROKEN_TRIGGER_FUNCTION, demoAccount } from './demo';
import { COMMAND_SUMMARIES } from './summaries';

const HELP = [
  'Usage: lambda-sentinel diagnose <function> [--region REGION] [--profile PROFILE] [--json] [--demo]',
  '',
  'Walks one function through every section of AWS\'s guide "Troubleshoot invocation issues in Lambda" and prints',
  'one line per section, OK, INFO, WARNING, PROBLEM or UNKNOWN, with its evidence: its state (Pending, stuck,',
  'Failed), who may invoke it (the resource-based policy against every trigger found: EventBridge rules, SNS',
  'subscriptions, function URLs, event source mappings; callers in other accounts; statements with no source),',
  'its concurrency against the unreserved pool, recursive loops, provisioned concurrency, aliases and new versions,',
  'the KMS key of its environment variables, and the EFS access points it mounts. A check whose call failed (access',
  'denied, throttled, not supported) is UNKNOWN with the reason, never OK; something the function needs that does',
  'not exist (its KMS key, its access point) is a PROBLEM. A section the APIs cannot show (an error that happens only',
  'when the function is invoked) says so. Read-only: Get, List and Describe calls.',
  '',
  'Options:',
  "  --region REGION    the function's region; default: the AWS SDK default (AWS_REGION, the profile)",
  '  --profile PROFILE  the AWS profile to use; default: the AWS SDK default credentials',
  '  --json             print the checks as JSON',
  '  --demo             diagnose a function of the built-in demo account instead (try: quote-api, report-builder,',
  `                     ${DEMO_BROKEN_TRIGGER_FUNCTION})`,
  '',
  'Permissions it reads with (grant them to your own credentials; a missing one makes its checks UNKNOWN):',
  ...permissionLines(),
  `It reads the first ${(SNS_SUBSCRIPTION_PAGES * 100).toLocaleString('en-US')} SNS subscriptions of the region and the rules of every event bus (bounded),`,
  'and says what it left out.',
  '',
  'Exit codes: 0 nothing to look at, 1 a problem, a warning or a check that could not be made (UNKNOWN), 2 usage',
  'error, function not found, missing credentials or access denied to GetFunction.',
  '',
  'Example:',
  '  npx lambda-sentinel diagnose checkout-api --region eu-west-1',
].join('\n');

/** The permissions, one service to a line. */
function permissionLines(): string[] {
  const byService = new Map<string, string[]>();
  for (const { action } of DIAGNOSE_PERMISSIONS) {
    const [service = '', name = ''] = action.split(':');
    byService.set(service, [...(byService.get(service) ?? []), name]);
  }
  return [...byService].flatMap(([service, names]) =>
    wrapText(`${service}: ${names.join(', ')}`, 104).map(
      (line, index) => `  ${index === 0 ? '' : '  '}${line}`,
    ),
  );
}

/** A session on the demo account, as `lambda-sentinel demo` scans it. */
function demoSession(now: number): AwsSession {
  const model = demoAccount(now);
  const clock = new VirtualClock(model.observedAt);
  return simulatedSession(new SimulatedAccount(model, { clock }), clock);
}

/** The `diagnose` command, opening its AWS session with `connect` (tests pass a simulated account). */
export function createDiagnoseCommand(
  connect: (options: AwsSessionOptions) => AwsSession = awsSession,
  now: () => number = Date.now,
): CliCommand {
  return {
    name: 'diagnose',
    summary: COMMAND_SUMMARIES.diagnose,
    help: HELP,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArguments(args, {
        values: ['--region', '--profile'],
        switches: ['--json', '--demo'],
        positionals: 1,
      });
      const [functionName] = parsed.positionals;
      if (functionName === undefined) throw new UsageError('which function? give its name or ARN');
      const region = parsed.values['--region'];
      const profile = parsed.values['--profile'];
      const session = parsed.switches.has('--demo')
        ? demoSession(now())
        : connect({
            ...(region !== undefined ? { region } : {}),
            ...(profile !== undefined ? { profile } : {}),
          });
      return reportingAccessProblems('diagnose', io, () =>
        session.run(async () => {
          const settings = parseSettings({}, 'diagnose settings');
          const budget = new RequestBudget({
            getFunctionRps: settings.getFunctionRps,
            controlPlaneRps: settings.controlPlaneRps,
            clock: session.clock,
          });
          try {
            const diagnosis = await diagnoseFunction(functionName, {
              clients: session.clients,
              budget,
              settings,
              region: await session.region(),
              now: session.clock.now(),
              clock: session.clock,
            });
            io.stdout(
              `${parsed.switches.has('--json') ? JSON.stringify(diagnosis, null, 2) : renderDiagnosis(diagnosis)}\n`,
            );
            return needsAttention(diagnosis) ? EXIT.findings : EXIT.clean;
          } catch (error) {
            if (!(error instanceof FunctionNotFoundError)) throw error;
            io.stderr(`lambda-sentinel diagnose: ${error.message} in ${await session.region()}\n`);
            return EXIT.usageOrAccess;
          }
        }),
      );
    },
  };
}

/** `lambda-sentinel diagnose <function>`: the whole guide for one function. */
export const diagnoseCommand: CliCommand = createDiagnoseCommand();
