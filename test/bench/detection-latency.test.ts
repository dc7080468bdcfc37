import { latencyAtPhase, latencyGoals, MEASURED_PROBLEMS } from '../../bench/detection-latency';
import { DEFAULT_SETTINGS } from '../../functions/scanner/settings';
import { DEFAULT_DELIVERY_DELAY_MINUTES } from '../../sim/simulated-account';

describe('detection latency on a timeline', () => {
  it('measures every staged problem, none sooner than its minute can be delivered, stuck-Pending within its goal', async () => {
    const byProblem = await latencyAtPhase(60, 120);

    expect([...byProblem.keys()]).toEqual(MEASURED_PROBLEMS);
    for (const [problem, seconds] of byProblem) {
      expect({ problem, measured: seconds !== undefined }).toEqual({ problem, measured: true });
      if (problem.startsWith('stuck-pending')) {
        expect(seconds).toBeLessThanOrEqual(latencyGoals(DEFAULT_SETTINGS)['stuck-pending'] ?? 0);
      } else {
        // A metric problem's first minute must end and be delivered before anything can read it.
        expect(seconds).toBeGreaterThanOrEqual((1 + DEFAULT_DELIVERY_DELAY_MINUTES) * 60);
      }
    }
  }, 30_000);
});
