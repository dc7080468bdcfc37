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
import { FunctionNotFoundError } from '../diagnosis/function-reading';
import { diagnoseFunction } from '../diagnosis/guide-checks';
import { needsAttention, renderDiagnosis } from '../diagnosis/render-diagnosis';
import { demoAccount } from './demo';

const HELP = [
  'Usage: lambda-sentinel diagnose <function> [--region REGION] [--profile PROFILE] [--json] [--demo]',
  '',
  'Walks one function through AWS\'s guide "Troubleshoot invocation issues in Lambda" and says, topic by topic,',
  'what stands in the way of invoking it: its state and reason code (stuck Pending, Failed), who may invoke it',
  '(the resource-based policy, for other accounts and services), its concurrency (reserved, throttled, the',
  "account's pool), recursive loops (loop detection setting, dropped invocations, runaway traffic), provisioned",
  'concurrency and alias routing (spillover, calls that bypass the alias), and its KMS, EFS and VPC settings.',
  'Read-only: Get* and List* calls on Lambda and two GetMetricData calls.',
  '',
  'Options:',
  "  --region REGION    the function's region; default: the AWS SDK default (AWS_REGION, the profile)",
  '  --profile PROFILE  the AWS profile to use; default: the AWS SDK default credentials',
  '  --json             print the checks as JSON',
  '  --demo             diagnose a function of the built-in demo account instead (try: quote-api, report-builder)',
  '',
  'Exit codes: 0 nothing to look at, 1 a problem or warning, 2 usage error, function not found, missing',
  'credentials or access denied.',
  '',
  'Example:',
  '  npx lambda-sentinel diagnose checkout-api --region eu-west-1',
].join('\n');

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
    summary: "Walk one function through the guide's checks: state, permissions, concurrency, loops, KMS, EFS",
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
