import {
  inRotation,
  rotationPosition,
  selectCandidates,
  type CandidateInput,
} from '../../../../functions/scanner/collect/candidates';
import { DEFAULT_SETTINGS } from '../../../../functions/scanner/settings';

// The rotation's arithmetic reads most easily on a one-hour sweep (the default is four hours).
const HOURLY_SWEEP = { ...DEFAULT_SETTINGS, sweepMinutes: 60 };

const MINUTE = 60_000;
const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const LONG_AGO = '2029-06-01T00:00:00.000+0000';
const names = (count: number) => Array.from({ length: count }, (_, i) => `orders-worker-${i}`);

/** Lambda's own timestamp format: ISO-8601 with a `+0000` offset. */
function lambdaTime(epoch: number): string {
  return new Date(epoch).toISOString().replace('Z', '+0000');
}

function input(overrides: Partial<CandidateInput> = {}): CandidateInput {
  return {
    listed: [],
    inventoryComplete: true,
    watchedFunctions: [],
    lastRunAt: new Date(NOW - 5 * MINUTE).toISOString(),
    now: NOW,
    settings: HOURLY_SWEEP,
    ...overrides,
  };
}

const reasonOf = (candidates: ReturnType<typeof selectCandidates>, functionName: string) =>
  candidates.find((c) => c.functionName === functionName)?.reason;

describe('selectCandidates', () => {
  describe('recently-modified', () => {
    it('picks functions modified since the previous run, in Lambda +0000 format', () => {
      const candidates = selectCandidates(
        input({
          listed: [
            { functionName: 'checkout-api', lastModified: lambdaTime(NOW - 3 * MINUTE) },
            { functionName: 'invoice-pdf', lastModified: LONG_AGO },
          ],
        }),
      );
      expect(reasonOf(candidates, 'checkout-api')).toBe('recently-modified');
      expect(reasonOf(candidates, 'invoice-pdf')).not.toBe('recently-modified');
    });

    it('looks a little before the previous run, in case of clock skew or a late listing', () => {
      const lastRun = NOW - 5 * MINUTE;
      const candidates = selectCandidates(
        input({
          listed: [
            { functionName: 'just-before', lastModified: lambdaTime(lastRun - 90_000) },
            { functionName: 'well-before', lastModified: lambdaTime(lastRun - 10 * MINUTE) },
          ],
        }),
      );
      expect(reasonOf(candidates, 'just-before')).toBe('recently-modified');
      expect(reasonOf(candidates, 'well-before')).not.toBe('recently-modified');
    });

    it('on the first run, picks functions modified within the last sweep', () => {
      const candidates = selectCandidates(
        input({
          lastRunAt: undefined,
          listed: [
            { functionName: 'deployed-this-hour', lastModified: lambdaTime(NOW - 50 * MINUTE) },
            { functionName: 'deployed-yesterday', lastModified: lambdaTime(NOW - 24 * 60 * MINUTE) },
          ],
        }),
      );
      expect(reasonOf(candidates, 'deployed-this-hour')).toBe('recently-modified');
      expect(reasonOf(candidates, 'deployed-yesterday')).not.toBe('recently-modified');
    });
  });

  describe('watched', () => {
    it('re-checks every watched function, listed or not, when the listing stopped part-way', () => {
      const candidates = selectCandidates(
        input({
          inventoryComplete: false,
          listed: [{ functionName: 'stuck-in-pending', lastModified: LONG_AGO }],
          watchedFunctions: ['stuck-in-pending', 'beyond-the-failed-page'],
        }),
      );
      expect(reasonOf(candidates, 'stuck-in-pending')).toBe('watched');
      expect(reasonOf(candidates, 'beyond-the-failed-page')).toBe('watched');
    });

    it('skips a watched function a complete listing no longer shows (it was deleted)', () => {
      const candidates = selectCandidates(input({ watchedFunctions: ['deleted-since'] }));
      expect(candidates).toEqual([]);
    });

    it('comes first and names each function once, even when several reasons apply', () => {
      const candidates = selectCandidates(
        input({
          lastRunAt: new Date(NOW - 2 * 60 * MINUTE).toISOString(),
          listed: [
            { functionName: 'quiet', lastModified: LONG_AGO },
            { functionName: 'failed-update', lastModified: lambdaTime(NOW - MINUTE) },
          ],
          watchedFunctions: ['failed-update'],
        }),
      );
      expect(candidates).toEqual([
        { functionName: 'failed-update', reason: 'watched' },
        { functionName: 'quiet', reason: 'rotation' },
      ]);
    });
  });

  describe('rotation', () => {
    const listed = names(1000).map((functionName) => ({ functionName, lastModified: LONG_AGO }));

    function simulateRuns(runTimes: readonly number[]): Map<string, number> {
      const checks = new Map<string, number>();
      for (let i = 1; i < runTimes.length; i++) {
        const candidates = selectCandidates(
          input({ listed, now: runTimes[i]!, lastRunAt: new Date(runTimes[i - 1]!).toISOString() }),
        );
        for (const c of candidates) checks.set(c.functionName, (checks.get(c.functionName) ?? 0) + 1);
      }
      return checks;
    }

    it('checks each of 1,000 functions exactly once over one sweep of 5-minute runs', () => {
      const runTimes = Array.from({ length: 13 }, (_, i) => NOW + i * 5 * MINUTE);
      const checks = simulateRuns(runTimes);
      expect(checks.size).toBe(1000);
      expect([...checks.values()].every((count) => count === 1)).toBe(true);
    });

    it('still checks each exactly once when runs come late and irregularly', () => {
      const gaps = [7, 3, 11, 1, 9, 4, 6, 13, 2, 4];
      const runTimes = gaps.reduce(
        (times, gap) => [...times, times[times.length - 1]! + gap * MINUTE],
        [NOW],
      );
      const checks = simulateRuns(runTimes);
      expect(checks.size).toBe(1000);
      expect([...checks.values()].every((count) => count === 1)).toBe(true);
    });

    it('checks a share of the functions matching the share of the sweep elapsed', () => {
      const candidates = selectCandidates(input({ listed }));
      // 5 of 60 minutes: about 83 of 1,000; the hash spreads names evenly enough for ±40.
      expect(candidates.length).toBeGreaterThan(43);
      expect(candidates.length).toBeLessThan(123);
      expect(candidates.every((c) => c.reason === 'rotation')).toBe(true);
    });

    it('checks everything when a whole sweep or more has passed since the previous run', () => {
      const candidates = selectCandidates(
        input({ listed, lastRunAt: new Date(NOW - 61 * MINUTE).toISOString() }),
      );
      expect(candidates).toHaveLength(1000);
    });

    it('on the first run, checks one schedule period worth', () => {
      const hourly = selectCandidates(
        input({ listed, lastRunAt: undefined, settings: { ...HOURLY_SWEEP, schedule: 'rate(1 hour)' } }),
      );
      const everyFive = selectCandidates(input({ listed, lastRunAt: undefined }));
      expect(hourly).toHaveLength(1000);
      expect(everyFive.length).toBeLessThan(123);
    });

    it('treats a cron schedule as a 5-minute period on the first run', () => {
      const cron = selectCandidates(
        input({
          listed,
          lastRunAt: undefined,
          settings: { ...HOURLY_SWEEP, schedule: 'cron(0/5 * * * ? *)' },
        }),
      );
      const fiveMinutes = selectCandidates(input({ listed, lastRunAt: undefined }));
      expect(cron).toEqual(fiveMinutes);
    });
  });
});

describe('inRotation', () => {
  const sweep = 60 * MINUTE;

  it('is empty when no time has passed and full after a whole sweep', () => {
    expect(names(100).some((n) => inRotation(n, NOW, NOW, sweep))).toBe(false);
    expect(names(100).every((n) => inRotation(n, NOW - sweep, NOW, sweep))).toBe(true);
  });

  it('covers an arc that wraps around the end of the cycle', () => {
    const hourStart = Math.floor(NOW / sweep) * sweep;
    const name = names(200).find((n) => rotationPosition(n) > 0.9);
    expect(name).toBeDefined();
    expect(inRotation(name!, hourStart - 10 * MINUTE, hourStart + 5 * MINUTE, sweep)).toBe(true);
    expect(inRotation(name!, hourStart, hourStart + 30 * MINUTE, sweep)).toBe(false);
  });
});

describe('rotationPosition', () => {
  it('gives a name the same place every time, within [0, 1)', () => {
    const positions = names(500).map(rotationPosition);
    expect(positions).toEqual(names(500).map(rotationPosition));
    expect(positions.every((p) => p >= 0 && p < 1)).toBe(true);
  });
});
