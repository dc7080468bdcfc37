import {
  describeStatement,
  evaluate,
  isUnscopedService,
  otherAccountsOf,
  parsePolicy,
  type InvokeRequest,
} from '../../../cli/diagnosis/resource-policy';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api';
const RULE = 'arn:aws:events:eu-west-1:123456789012:rule/nightly';

const fromEvents = (sourceArn = RULE, resource = ARN): InvokeRequest => ({
  action: 'lambda:InvokeFunction',
  resource,
  service: 'events.amazonaws.com',
  context: { 'aws:sourcearn': sourceArn, 'aws:sourceaccount': '123456789012' },
});

const statements = (...list: Record<string, unknown>[]) =>
  parsePolicy(
    JSON.stringify({
      Statement: list.map((statement) => ({
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: ARN,
        Principal: { Service: 'events.amazonaws.com' },
        ...statement,
      })),
    }),
  ) ?? [];

describe('resource-based policy evaluation', () => {
  it('allows a service whose source matches an ArnLike pattern, and refuses another source', () => {
    const policy = statements({
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:events:eu-west-1:123456789012:rule/night*' } },
    });

    expect(evaluate(policy, fromEvents()).verdict).toBe('allowed');
    expect(evaluate(policy, fromEvents('arn:aws:events:eu-west-1:123456789012:rule/daily')).verdict).toBe(
      'denied',
    );
  });

  it('refuses a call to an alias that only the function-level statement names', () => {
    const policy = statements({ Condition: { ArnLike: { 'AWS:SourceArn': RULE } } });

    expect(evaluate(policy, fromEvents(RULE, `${ARN}:live`)).verdict).toBe('denied');
  });

  it('lets an explicit Deny win over an Allow', () => {
    const policy = statements(
      {},
      { Effect: 'Deny', Condition: { StringEquals: { 'AWS:SourceAccount': '123456789012' } } },
    );

    expect(evaluate(policy, fromEvents()).verdict).toBe('denied');
  });

  it('answers uncertain, never allowed, for a condition it cannot evaluate', () => {
    const policy = statements({ Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } });

    expect(evaluate(policy, fromEvents()).verdict).toBe('uncertain');
  });

  it('reads lambda:* and wildcard actions as covering lambda:InvokeFunction', () => {
    expect(evaluate(statements({ Action: 'lambda:*' }), fromEvents()).verdict).toBe('allowed');
    expect(evaluate(statements({ Action: ['lambda:GetFunction'] }), fromEvents()).verdict).toBe('denied');
  });

  it('refuses a document that is not a policy', () => {
    expect(parsePolicy('not json')).toBeUndefined();
    expect(parsePolicy('{"Statement": ["x"]}')).toBeUndefined();
  });

  it('finds the statements that need a look: no source, another account', () => {
    const [unscoped, crossAccount, scoped] =
      parsePolicy(
        JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 's3.amazonaws.com' },
              Action: 'lambda:InvokeFunction',
              Resource: ARN,
            },
            {
              Effect: 'Allow',
              Principal: { AWS: '444455556666' },
              Action: 'lambda:InvokeFunction',
              Resource: ARN,
            },
            {
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'lambda:InvokeFunction',
              Resource: ARN,
              Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:sns:eu-west-1:777788889999:alerts' } },
            },
          ],
        }),
      ) ?? [];

    expect(unscoped && isUnscopedService(unscoped)).toBe(true);
    expect(crossAccount && otherAccountsOf(crossAccount, '123456789012').identities).toEqual([
      '444455556666',
    ]);
    expect(scoped && otherAccountsOf(scoped, '123456789012').sources).toEqual([
      'arn:aws:sns:eu-west-1:777788889999:alerts',
    ]);
    expect(scoped && describeStatement(scoped)).toBe(
      'Service sns.amazonaws.com (only SourceArn arn:aws:sns:eu-west-1:777788889999:alerts)',
    );
  });
});
