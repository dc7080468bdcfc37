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

  it('takes what follows -- as positional, even when it looks like an option', () => {
    expect(parseArguments(['--json', '--', '--odd-name'], SPEC)).toMatchObject({
      positionals: ['--odd-name'],
    });
  });

  it('throws UsageError for an unknown option, a missing value, a value on a switch, or one argument too many', () => {
    expect(() => parseArguments(['--verbose'], SPEC)).toThrow(new UsageError('unknown option --verbose'));
    expect(() => parseArguments(['-r', 'eu-west-1'], SPEC)).toThrow('unknown option -r');
    expect(() => parseArguments(['--region'], SPEC)).toThrow('--region needs a value');
    expect(() => parseArguments(['--region='], SPEC)).toThrow('--region needs a value');
    expect(() => parseArguments(['--region', '--json'], SPEC)).toThrow('--region needs a value');
    expect(() => parseArguments(['--json=yes'], SPEC)).toThrow('--json takes no value');
    expect(() => parseArguments(['a', 'b'], SPEC)).toThrow('unexpected argument b');
  });

  it('hints at the option an unknown one resembles, and at none when it resembles none', () => {
    const hintOf = (args: string[]) => {
      try {
        parseArguments(args, SPEC);
      } catch (error) {
        return (error as UsageError).hint;
      }
      throw new Error('no UsageError');
    };

    expect(hintOf(['--regoin', 'eu-west-1'])).toBe('Did you mean --region?');
    expect(hintOf(['--jsno'])).toBe('Did you mean --json?');
    expect(hintOf(['--verbose'])).toBeUndefined();
  });
});
