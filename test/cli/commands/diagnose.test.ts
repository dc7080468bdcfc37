import { createDiagnoseCommand } from '../../../cli/commands/diagnose';
import { DIAGNOSE_PERMISSIONS } from '../../../cli/diagnosis/diagnose-permissions';
import type { Diagnosis } from '../../../cli/diagnosis/guide-checks';
import { main } from '../../../cli/main';
import { DIAGNOSED_FUNCTIONS, troubledAccount } from '../../../sim/generators';
import { capturedIo, simulatedConnection } from '../cli-io';

const NOW = Date.parse('2030-01-15T12:00:05.000Z');

async function diagnose(args: string[], model = troubledAccount(40)) {
  const { connect } = simulatedConnection(model);
  const session = connect();
  const captured = capturedIo();
  const code = await main(['diagnose', ...args], captured.io, [
    createDiagnoseCommand(
      () => session,
      () => NOW,
    ),
  ]);
  return { code, stdout: captured.stdout(), text: unwrapped(captured.stdout()), stderr: captured.stderr() };
}

/** The printed diagnosis with each block on one line (the text wraps at 100 characters, indented). */
function unwrapped(stdout: string): string {
  return stdout.replace(/\n {10}(?=\S)/g, ' ');
}

// Each diagnosis below reads nine days of a simulated account's metrics: allow for a busy machine.
jest.setTimeout(30_000);

describe('lambda-sentinel diagnose', () => {
  it('walks a spilling function through the guide: spillover, alias routing and calls that bypass the alias', async () => {
    const { code, stdout } = await diagnose(['quote-api']);

    expect(code).toBe(1);
    expect(stdout).toMatch(/^\[OK\] +State: Active, last update Successful/m);
    expect(stdout).toMatch(
      /^\[WARNING\] Cold starts with provisioned concurrency: quote-api:live spilled [\d,]+ invocations/m,
    );
    expect(stdout).toMatch(
      /^\[WARNING\] Alias routing with provisioned concurrency: alias live sends 10% to version 8 and the rest to\s+version 7/m,
    );
    expect(stdout).toMatch(/Weighted routing is\s+active on this alias: version 7 90%, version 8 10%/);
    // 15% of its requests call it without the alias (fewer served while the account's hog holds the pool).
    expect(stdout).toMatch(/\d{1,2},\d{3} invocations called quote-api\s+without an alias/);
    expect(stdout).toMatch(
      /^\[OK\] +Other accounts or services: may be invoked by Service apigateway\.amazonaws\.com \(only\s+SourceArn/m,
    );
  });

  it("reports a function stuck Pending as a problem, with the guide's unblock, and names another account allowed to invoke it", async () => {
    const { code, stdout } = await diagnose(['report-builder']);

    expect(code).toBe(1);
    expect(stdout).toMatch(/^\[PROBLEM\] Stuck in Pending: report-builder has been Pending for 14 minutes/m);
    expect(stdout).toMatch(/^\[WARNING\] ResourceConflictException: it is Pending \(Creating\)/m);
    expect(stdout).toContain('UpdateFunctionConfiguration');
    expect(stdout).toMatch(
      /^\[INFO\] +Other accounts or services: arn:aws:iam::111122223333:root \(account/m,
    );
  });

  it('blames the KMS key for a function that failed with KMSKeyAccessDenied, and reads the key', async () => {
    const { stdout } = await diagnose(['secrets-rotator']);

    expect(stdout).toMatch(/^\[PROBLEM\] KMS key: Lambda reports KMSKeyAccessDenied/m);
    expect(stdout).toMatch(/1234abcd-12ab-34cd-56ef-1234567890ab is\s+Enabled/);
    expect(stdout).toMatch(/^\[OK\] +EFS mount: no file system mounted/m);
  });

  it('reads the EFS access point, file system and mount targets of a function whose update could not connect', async () => {
    const { stdout } = await diagnose(['media-transcoder']);

    expect(stdout).toMatch(/^\[OK\] +EFS mount: access point fsap-015cxmplb72b405fd \(available\)/m);
    expect(stdout).toMatch(/^\[WARNING\] EFS connection: Lambda reports EFSMountConnectivityError/m);
  });

  it('reports a function throttled to zero and an unscoped service permission', async () => {
    const model = troubledAccount(40, []);
    const fn = model.functions[0];
    if (!fn) throw new Error('no function generated');
    fn.reservedConcurrency = 0;
    fn.policy = [{ sid: 'sns', principal: { Service: 'sns.amazonaws.com' } }];

    const { code, stdout } = await diagnose([fn.name], model);

    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^\[PROBLEM\] One function using all concurrency: reserved concurrency is 0: every invocation is throttled/m,
    );
    expect(stdout).toMatch(
      /^\[WARNING\] Other accounts or services: the statement for Service sns\.amazonaws\.com names no source ARN/m,
    );
  });

  it('names the hog that throttles a function of the pool', async () => {
    const { text } = await diagnose(['checkout-api']);

    expect(text).toMatch(
      /^\[PROBLEM\] One function using all concurrency: [\d,]+ throttled requests in the last 15 minutes while another function held the pool: image-resizer peaked at/m,
    );
  });

  it('exits 0 for a healthy function whose EventBridge rule has its permission', async () => {
    const model = troubledAccount(40, []);
    const fn = model.functions.find(
      (candidate) => !candidate.kmsKeyArn && !candidate.vpc && candidate.policy.length > 0,
    );
    if (!fn) throw new Error('no plain function generated');

    const { code, stdout, text } = await diagnose([fn.name], model);

    expect(text).toMatch(new RegExp(`EventBridge rule ${fn.name} has a matching statement`));
    expect(stdout).toMatch(/0 problems, 0 warnings, 0 not checked \(UNKNOWN\)\.$/m);
    expect(code).toBe(0);
  });

  it('prints one line per section of the guide as JSON with --json', async () => {
    const { stdout } = await diagnose(['stream-processor', '--json']);

    const diagnosis = JSON.parse(stdout) as Diagnosis;
    expect(diagnosis.functionName).toBe('stream-processor');
    expect([...new Set(diagnosis.checks.map((check) => check.topic))]).toEqual([
      'State',
      'ResourceConflictException',
      'Stuck in Pending',
      'lambda:InvokeFunction not authorized',
      'Other accounts or services',
      'One function using all concurrency',
      'Invocation looping',
      'Alias routing with provisioned concurrency',
      'Cold starts with provisioned concurrency',
      'Latency variability with provisioned concurrency',
      'Cold starts with new versions',
      'KMS key',
      'EFS mount',
      'EFS connection',
      'EFS mount timeout',
      'EFS IO',
    ]);
    expect(diagnosis.checks.find((check) => check.topic === 'Invocation looping')).toMatchObject({
      section: 'loop',
      status: 'problem',
      summary: expect.stringContaining('looks like a runaway loop'),
    });
    expect(diagnosis.checks.filter((check) => check.topic === 'Other accounts or services')).toContainEqual(
      expect.objectContaining({
        status: 'info',
        summary: expect.stringContaining("polls it with the function's execution role"),
      }),
    );
  });

  it('exits 2 naming the function and region when it does not exist', async () => {
    const { code, stdout, stderr } = await diagnose(['no-such-function']);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('lambda-sentinel diagnose: function no-such-function was not found in eu-west-1\n');
  });

  it('exits 2 naming what is missing, with a one-line hint, when no function is named', async () => {
    const { code, stderr } = await diagnose([]);

    expect(code).toBe(2);
    expect(stderr).toBe(
      "lambda-sentinel diagnose: which function? give its name or ARN\nRun 'lambda-sentinel diagnose --help' for its usage.\n",
    );
  });

  it('diagnoses a function of the built-in demo account with --demo', async () => {
    const captured = capturedIo();

    const code = await main(['diagnose', 'order-notifier', '--demo'], captured.io, [createDiagnoseCommand()]);

    expect(code).toBe(1);
    expect(captured.stdout()).toMatch(
      /^\[WARNING\] Invocation looping: AWS stopped a recursive loop in order-notifier/m,
    );
  });

  it('shows the demo function whose EventBridge rule has no permission as a PROBLEM with --demo', async () => {
    const captured = capturedIo();

    const code = await main(['diagnose', DIAGNOSED_FUNCTIONS['unpermitted-trigger'], '--demo'], captured.io, [
      createDiagnoseCommand(),
    ]);

    expect(code).toBe(1);
    expect(captured.stdout()).toMatch(
      /^\[PROBLEM\] Other accounts or services: EventBridge rule invoice-export-nightly \(default bus\) invokes\s+invoice-exporter, but no statement in its resource-based policy lets events\.amazonaws\.com invoke it/m,
    );
    expect(captured.stdout()).toMatch(
      /The policy lets events\.amazonaws\.com invoke it only for\s+\S+rule\/invoice-export:/,
    );
  });

  it('lists every permission it reads with, and its exit codes, in --help', async () => {
    const captured = capturedIo();

    const code = await main(['diagnose', '--help'], captured.io, [createDiagnoseCommand()]);

    const help = captured.stdout();
    expect(code).toBe(0);
    expect(help).toMatch(/^Usage: lambda-sentinel diagnose <function> \[--region REGION\]/);
    for (const { action } of DIAGNOSE_PERMISSIONS) {
      const [service, name] = action.split(':');
      expect(help).toMatch(new RegExp(`^  ${service}: (.*\\n    )*.*\\b${name}\\b`, 'm'));
    }
    expect(help).toMatch(
      /A check whose call failed \(access\s+denied, throttled, not supported\) is UNKNOWN with the reason, never OK/,
    );
    expect(help).toContain(
      'Exit codes: 0 nothing to look at, 1 a problem, a warning or a check that could not be made (UNKNOWN), 2 usage',
    );
  });
});
