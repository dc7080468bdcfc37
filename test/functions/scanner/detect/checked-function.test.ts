import {
  functionConsoleLink,
  parseLambdaTimestamp,
  reasonEvidence,
} from '../../../../functions/scanner/detect/checked-function';

describe('parseLambdaTimestamp', () => {
  test.each([
    ['2026-11-26T14:00:00.000+0000', '2026-11-26T14:00:00.000Z'],
    ['2026-11-26T16:00:00.000+0200', '2026-11-26T14:00:00.000Z'],
    ['2026-11-26T09:30:00.000-0430', '2026-11-26T14:00:00.000Z'],
    ['2026-11-26T14:00:00+00:00', '2026-11-26T14:00:00.000Z'],
    ['2026-11-26T14:00:00.000Z', '2026-11-26T14:00:00.000Z'],
  ])('reads %s as %s', (timestamp, iso) => {
    expect(parseLambdaTimestamp(timestamp)).toBe(Date.parse(iso));
  });

  test('reads a time without an offset as UTC, whatever zone the machine is in', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(parseLambdaTimestamp('2026-11-26T14:00:00.000')).toBe(Date.parse('2026-11-26T14:00:00.000Z'));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  test.each(['', 'yesterday', '2026-13-45T99:00:00.000+0000'])('cannot read %j', (timestamp) => {
    expect(parseLambdaTimestamp(timestamp)).toBeUndefined();
  });
});

describe('functionConsoleLink', () => {
  test('opens the function page in its region, with the name encoded', () => {
    expect(functionConsoleLink('ap-southeast-2', 'a b').url).toBe(
      'https://ap-southeast-2.console.aws.amazon.com/lambda/home?region=ap-southeast-2#/functions/a%20b',
    );
  });
});

describe('reasonEvidence', () => {
  test('leaves out what Lambda did not report', () => {
    expect(reasonEvidence('Idle', undefined)).toEqual({ reasonCode: 'Idle' });
    expect(reasonEvidence(undefined, undefined)).toEqual({});
  });
});
