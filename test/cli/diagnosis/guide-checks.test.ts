import { GUIDE_SECTIONS } from '../../../cli/diagnosis/diagnosis-check';
import { diagnose, healthyFunction, NAME } from './diagnosis-fixture';

describe('diagnoseFunction', () => {
  beforeEach(healthyFunction);

  it('gives every section of the guide a line, and a healthy function nothing to look at', async () => {
    const diagnosis = await diagnose();

    expect(diagnosis.functionName).toBe(NAME);
    for (const section of Object.keys(GUIDE_SECTIONS)) {
      expect(diagnosis.checks.some((check) => check.section === section)).toBe(true);
    }
    expect(diagnosis.checks.filter((check) => !['ok', 'info'].includes(check.status))).toEqual([]);
  });
});
