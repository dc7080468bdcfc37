import { createDiagnoseCommand } from '../../../cli/commands/diagnose';
import type { Diagnosis } from '../../../cli/diagnosis/guide-checks';
import { main } from '../../../cli/main';
import { troubledAccount } from '../../../sim/generators';
import { capturedIo, simulatedConnection } from '../cli-io';

const NOW = Date.parse('2030-01-15T12:00:05.000Z');

async function diagnose(args: string[], model = troubledAccount(40)) {
  const { connect } = simulatedConnection(model);
  const captured = capturedIo();
  const code = await main(['diagnose', ...args], captured.io, [createDiagnoseCommand(connect, () => NOW)]);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('lambda-sentinel diagnose', () => {
  it('walks a spilling function through the guide: spillover, alias routing and calls that bypass the alias', async () => {
    const { code, stdout } = await diagnose(['quote-api']);

    expect(code).toBe(1);
    expect(stdout).toMatch(/^\[OK\] +State: Active, last update Successful/m);
    expect(stdout).toMatch(
      /^\[WARNING\] Provisioned concurrency and aliases: quote-api:live spilled [\d,]+ invocations/m,
    );
    expect(stdout).toMatch(/Weighted routing is\s+active on this alias: version 7 90%, version 8 10%/);
    // 15% of its requests call it without the alias (fewer served while the account's hog holds the pool).
    expect(stdout).toMatch(/\d{1,2},\d{3} invocations called quote-api\s+without an alias/);
    expect(stdout).toMatch(
      /Invoke permissions: may be invoked by Service apigateway\.amazonaws\.com \(only\s+SourceArn/,
    );
  });

  it("reports a function stuck Pending as a problem, with the guide's unblock, and names another account allowed to invoke it", async () => {
    const { code, stdout } = await diagnose(['report-builder']);

    expect(code).toBe(1);
    expect(stdout).toMatch(/^\[PROBLEM\] State: report-builder has been Pending for 14 minutes/m);
    expect(stdout).toContain('UpdateFunctionConfiguration');
    expect(stdout).toContain('AWS arn:aws:iam::111122223333:root');
  });

  it('blames the KMS key for a function that failed with KMSKeyAccessDenied', async () => {
    const { stdout } = await diagnose(['secrets-rotator']);

    expect(stdout).toMatch(/^\[PROBLEM\] KMS key: Lambda reports KMSKeyAccessDenied/m);
    expect(stdout).toMatch(/^\[OK\] +EFS file system: no file system mounted/m);
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
      /^\[PROBLEM\] Concurrency: reserved concurrency is 0: every invocation is throttled/m,
    );
    expect(stdout).toMatch(/^\[WARNING\] Invoke permissions: may be invoked by Service sns\.amazonaws\.com/m);
    expect(stdout).toContain('names no source ARN or account');
  });

  it('exits 0 for a healthy function', async () => {
    const model = troubledAccount(40, []);
    const fn = model.functions.find(
      (candidate) => !candidate.kmsKeyArn && !candidate.vpc && candidate.policy.length > 0,
    );
    if (!fn) throw new Error('no plain function generated');

    const { code, stdout } = await diagnose([fn.name], model);

    expect(stdout).toMatch(/0 problems, 0 warnings\.$/m);
    expect(code).toBe(0);
  });

  it('prints the checks as JSON with --json', async () => {
    const { stdout } = await diagnose(['stream-processor', '--json']);

    const diagnosis = JSON.parse(stdout) as Diagnosis;
    expect(diagnosis.functionName).toBe('stream-processor');
    expect(diagnosis.checks.map((check) => check.topic)).toEqual([
      'State',
      'Invoke permissions',
      'Concurrency',
      'Recursive loops',
      'Provisioned concurrency and aliases',
      'KMS key',
      'EFS file system',
      'VPC',
    ]);
    expect(diagnosis.checks.find((check) => check.topic === 'Recursive loops')).toMatchObject({
      status: 'problem',
      summary: expect.stringContaining('looks like a runaway loop'),
    });
  });

  it('exits 2 naming the function and region when it does not exist', async () => {
    const { code, stdout, stderr } = await diagnose(['no-such-function']);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('lambda-sentinel diagnose: function no-such-function was not found in eu-west-1\n');
  });

  it('exits 2 with its usage when no function is named', async () => {
    const { code, stderr } = await diagnose([]);

    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^lambda-sentinel diagnose: which function\? give its name or ARN\n\nUsage: lambda-sentinel diagnose <function>/,
    );
  });

  it('diagnoses a function of the built-in demo account with --demo', async () => {
    const captured = capturedIo();

    const code = await main(['diagnose', 'order-notifier', '--demo'], captured.io, [createDiagnoseCommand()]);

    expect(code).toBe(1);
    expect(captured.stdout()).toMatch(
      /^\[WARNING\] Recursive loops: AWS stopped a recursive loop in order-notifier/m,
    );
  });

  it('explains every topic it checks and its exit codes in --help', async () => {
    const captured = capturedIo();

    const code = await main(['diagnose', '--help'], captured.io, [createDiagnoseCommand()]);

    expect(code).toBe(0);
    expect(captured.stdout()).toMatch(/^Usage: lambda-sentinel diagnose <function> \[--region REGION\]/);
    expect(captured.stdout()).toContain('resource-based policy, for other accounts and services');
    expect(captured.stdout()).toContain(
      'Exit codes: 0 nothing to look at, 1 a problem or warning, 2 usage error',
    );
  });
});
