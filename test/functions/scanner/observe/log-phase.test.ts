import type { Context } from 'aws-lambda';
import { logPhase, scannerLogger } from '../../../../functions/scanner/observe/log-phase';
import { captureLambdaOutput } from '../../../support/lambda-output';

const context = {
  functionName: 'LambdaSentinel-Scanner',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:210987654321:function:LambdaSentinel-Scanner',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  memoryLimitInMB: '512',
} as unknown as Context;

describe('logPhase', () => {
  test("one JSON line per record: the phase as message, the record's fields as keys, the invocation named", () => {
    const output = captureLambdaOutput();
    const logger = scannerLogger();
    logger.addContext(context);

    logPhase(logger, { phase: 'notify', newFindings: 2, subject: '2 new findings', errors: [] });

    expect(output.lines()).toHaveLength(1);
    expect(output.logRecords()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'notify',
        service: 'lambda-sentinel',
        function_name: 'LambdaSentinel-Scanner',
        function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
        phase: 'notify',
        newFindings: 2,
        subject: '2 new findings',
        errors: [],
      }),
    ]);
    expect(console.log).not.toHaveBeenCalled();
  });

  test('a record carrying errors is a WARN, with the errors in it', () => {
    const output = captureLambdaOutput();
    const logger = scannerLogger();
    const throttled = { phase: 'collect', source: 'GetFunction', code: 'TooManyRequestsException' };

    logPhase(logger, { phase: 'collect', functionsChecked: 14, errors: [throttled] });
    logPhase(logger, { phase: 'lease', error: 'ConditionalCheckFailed', returnedToQueue: 3 });

    expect(output.logRecords().map(({ level, message, errors }) => ({ level, message, errors }))).toEqual([
      { level: 'WARN', message: 'collect', errors: [throttled] },
      { level: 'WARN', message: 'lease', errors: undefined },
    ]);
  });
});
