import {
  ShapeTimeError,
  compileShape,
  emptyRates,
  resolveTime,
  type ShapeTerm,
} from '../../sim/traffic-shape';

// Tuesday 15 January 2030, 12:00:20 UTC.
const OBSERVED = Date.parse('2030-01-15T12:00:20.000Z');
const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);

function rates(terms: readonly ShapeTerm[], minute: number) {
  return compileShape(terms, OBSERVED, 7).at(minute, emptyRates());
}

describe('resolveTime', () => {
  it('reads offsets from the observed time and absolute UTC instants', () => {
    expect(resolveTime('-40m', OBSERVED)).toBe(OBSERVED - 40 * MINUTE);
    expect(resolveTime('+2h', OBSERVED)).toBe(OBSERVED + 120 * MINUTE);
    expect(resolveTime('-3d', OBSERVED)).toBe(OBSERVED - 3 * 24 * 60 * MINUTE);
    expect(resolveTime('now', OBSERVED)).toBe(OBSERVED);
    expect(resolveTime('2030-01-15T02:00:00Z', OBSERVED)).toBe(at('2030-01-15T02:00:00Z'));
  });

  it('refuses a time without a zone or unit, saying what it expected', () => {
    expect(() => resolveTime('2030-01-15T02:00:00', OBSERVED)).toThrow(ShapeTimeError);
    expect(() => resolveTime('-40', OBSERVED)).toThrow(/offset from the observed time/);
  });
});

describe('compileShape', () => {
  it('runs a nightly window only between its clock times, ramping in and out', () => {
    const nightly: ShapeTerm[] = [
      { kind: 'window', perMinute: 100, start: '02:00', end: '03:00', rampMinutes: 10 },
    ];

    expect(rates(nightly, at('2030-01-15T01:59:00Z')).base).toBe(0);
    expect(rates(nightly, at('2030-01-15T02:00:00Z')).base).toBe(5);
    expect(rates(nightly, at('2030-01-15T02:30:00Z')).base).toBe(100);
    expect(rates(nightly, at('2030-01-15T02:59:00Z')).base).toBe(5);
    expect(rates(nightly, at('2030-01-15T03:00:00Z')).base).toBe(0);
    expect(rates(nightly, at('2030-01-14T02:30:00Z')).base).toBe(100);
  });

  it('keeps a weekdays-only window off at the weekend, and a window past midnight on the day it opened', () => {
    const weekdays: ShapeTerm[] = [
      { kind: 'window', perMinute: 10, start: '23:00', end: '01:00', days: 'weekdays' },
    ];

    // Friday 23:30 and Saturday 00:30 belong to Friday's window; Saturday 23:30 has none.
    expect(rates(weekdays, at('2030-01-11T23:30:00Z')).base).toBe(10);
    expect(rates(weekdays, at('2030-01-12T00:30:00Z')).base).toBe(10);
    expect(rates(weekdays, at('2030-01-12T23:30:00Z')).base).toBe(0);
  });

  it('runs a weekly job on its weekday only', () => {
    const weekly: ShapeTerm[] = [{ kind: 'weekly', perMinute: 50, day: 'mon', start: '06:00', end: '07:00' }];

    expect(rates(weekly, at('2030-01-14T06:30:00Z')).base).toBe(50);
    expect(rates(weekly, at('2030-01-15T06:30:00Z')).base).toBe(0);
  });

  it('peaks a daily curve at its hour, falls to the trough twelve hours away and lowers weekends', () => {
    const daily: ShapeTerm[] = [
      { kind: 'daily', peakPerMinute: 100, peakHour: 14, troughFactor: 0.2, weekendFactor: 0.5 },
    ];

    expect(rates(daily, at('2030-01-15T14:00:00Z')).base).toBeCloseTo(100, 0);
    expect(rates(daily, at('2030-01-15T02:00:00Z')).base).toBeCloseTo(20, 0);
    expect(rates(daily, at('2030-01-12T14:00:00Z')).base).toBeCloseTo(50, 0);
  });

  it('limits a term to its span, so traffic can move from one function to another at a given time', () => {
    const old: ShapeTerm[] = [{ kind: 'steady', perMinute: 30, until: '-2h' }];

    expect(rates(old, OBSERVED - 3 * 60 * MINUTE).base).toBe(30);
    expect(rates(old, OBSERVED - 60 * MINUTE).base).toBe(0);
  });

  it('grows demand by a percentage a day, 1× at the observed time', () => {
    const growing: ShapeTerm[] = [
      { kind: 'steady', perMinute: 100 },
      { kind: 'growth', percentPerDay: 10 },
    ];

    expect(rates(growing, OBSERVED).base).toBeCloseTo(100, 6);
    expect(rates(growing, OBSERVED - 24 * 60 * MINUTE).base).toBeCloseTo(100 / 1.1, 6);
  });

  it('multiplies a runaway loop each minute up to its ceiling, and stops it at its end', () => {
    const runaway: ShapeTerm[] = [
      {
        kind: 'runaway',
        from: '-30m',
        startPerMinute: 100,
        factorPerMinute: 2,
        ceilingPerMinute: 1_000,
        until: '-10m',
      },
    ];
    const start = OBSERVED - 30 * MINUTE;

    expect(rates(runaway, start - MINUTE).loop).toBe(0);
    expect(rates(runaway, start).loop).toBe(100);
    expect(rates(runaway, start + 2 * MINUTE).loop).toBe(400);
    expect(rates(runaway, start + 8 * MINUTE).loop).toBe(1_000);
    expect(rates(runaway, start + 8 * MINUTE).loopIfCut).toBe(100);
    expect(rates(runaway, OBSERVED - 5 * MINUTE).loop).toBe(0);
    expect(rates(runaway, start + 2 * MINUTE).base).toBe(0);
  });

  it('draws seeded noise per minute that repeats and stays within its amplitude', () => {
    const noisy: ShapeTerm[] = [
      { kind: 'steady', perMinute: 100 },
      { kind: 'noise', amplitude: 0.2 },
    ];
    const values = Array.from({ length: 200 }, (_, index) => rates(noisy, OBSERVED + index * MINUTE).base);

    expect(values.every((value) => value >= 80 && value <= 120)).toBe(true);
    expect(new Set(values.map((value) => Math.round(value))).size).toBeGreaterThan(20);
    expect(rates(noisy, OBSERVED + 17 * MINUTE).base).toBe(values[17]);
  });

  it('scripts recursive invocations dropped from a start time, apart from the demand', () => {
    const dropped: ShapeTerm[] = [{ kind: 'dropped', perMinute: 12, from: '-20m' }];

    expect(rates(dropped, OBSERVED - 30 * MINUTE).dropped).toBe(0);
    expect(rates(dropped, OBSERVED - 10 * MINUTE)).toMatchObject({ dropped: 12, base: 0, loop: 0 });
  });

  it('says a shape without terms is silent', () => {
    expect(compileShape([], OBSERVED, 1).silent).toBe(true);
    expect(compileShape([{ kind: 'loop', from: '-5m', perMinute: 1 }], OBSERVED, 1).loops).toBe(true);
  });
});
