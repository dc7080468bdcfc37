import { parseArguments } from '../../cli/arguments';
import { UsageError } from '../../cli/command';

const SPEC = { values: ['--region'], switches: ['--json'], positionals: 1 };

describe('parseArguments', () => {
  it('reads values given as two words or with =, switches, and positionals', () => {
    expect(parseArguments(['quote-api', '--region', 'eu-west-1', '--json'], SPEC)).toEqual({
      values: { '--region': 'eu-west-1' },
      switches: new Set(['--json']),
      positionals: ['quote-api'],
    });
    expect(parseArguments(['--region=us-east-1'], SPEC).values).toEqual({ '--region': 'us-east-1' });
  });

  it('throws UsageError for an unknown option, a missing value, or one argument too many', () => {
    expect(() => parseArguments(['--verbose'], SPEC)).toThrow(new UsageError('unknown option --verbose'));
    expect(() => parseArguments(['--region'], SPEC)).toThrow('--region needs a value');
    expect(() => parseArguments(['--region', '--json'], SPEC)).toThrow('--region needs a value');
    expect(() => parseArguments(['a', 'b'], SPEC)).toThrow('unexpected argument b');
  });
});
