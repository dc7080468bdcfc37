import { actionsTable, findingsTable } from '../../cli/findings-table';
import type { Action, Finding } from '../../functions/scanner/model';

function finding(overrides: Partial<Finding>): Finding {
  return {
    kind: 'failed-state',
    functionName: 'ledger-sync',
    severity: 'critical',
    summary: 'ledger-sync is Failed',
    evidence: {},
    guidance: '',
    fingerprint: 'f',
    ...overrides,
  };
}

describe('findingsTable', () => {
  it('lists findings most severe first, one row each, qualifier after the function name', () => {
    const table = findingsTable([
      finding({
        kind: 'pc-spillover',
        severity: 'warning',
        functionName: 'quote-api',
        qualifier: 'live',
        summary: 'spilled',
      }),
      finding({ kind: 'stuck-pending', functionName: 'report-builder', summary: 'Pending' }),
    ]);

    expect(table.split('\n')).toEqual([
      'SEVERITY  KIND           FUNCTION        SUMMARY',
      'critical  stuck-pending  report-builder  Pending',
      'warning   pc-spillover   quote-api:live  spilled',
    ]);
  });

  it('wraps a long summary under its own column', () => {
    const summary = Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ');

    const lines = findingsTable([finding({ summary })]).split('\n');

    expect(lines.length).toBeGreaterThan(2);
    const column = lines[0]?.indexOf('SUMMARY') ?? -1;
    expect(lines[2]?.slice(0, column).trim()).toBe('');
    expect(lines.slice(1).every((line) => line.length <= column + 72)).toBe(true);
    expect(
      lines
        .slice(1)
        .map((line) => line.slice(column))
        .join(' '),
    ).toBe(summary);
  });

  it('says so when there is nothing to list', () => {
    expect(findingsTable([])).toBe('No findings.');
  });
});

describe('actionsTable', () => {
  it('shows each action with the reserved concurrency before and after and whether it was applied', () => {
    const base: Action = {
      id: 'a',
      kind: 'throttle',
      functionName: 'stream-processor',
      fingerprint: 'f',
      findingKind: 'recursive-loop',
      severity: 'critical',
      reason: 'loop',
      decidedAt: '2030-01-15T12:00:00.000Z',
      applied: true,
      dryRun: false,
      previous: null,
      next: 0,
    };

    const table = actionsTable([
      base,
      {
        ...base,
        kind: 'cap',
        functionName: 'image-resizer',
        applied: false,
        previous: 50,
        next: 400,
        error: 'below minimum',
      },
    ]);

    expect(table).toMatch(/throttle\s+stream-processor\s+none -> 0\s+applied/);
    expect(table).toMatch(/cap\s+image-resizer\s+50 -> 400\s+failed: below minimum/);
  });

  it("shows no reservation change for a pause of a loop's triggers, which leaves it as it is", () => {
    const table = actionsTable([
      {
        id: 'p',
        kind: 'pause-trigger',
        functionName: 'stream-processor',
        fingerprint: 'f',
        findingKind: 'recursive-loop',
        severity: 'critical',
        reason: 'loop',
        decidedAt: '2030-01-15T12:00:00.000Z',
        applied: false,
        dryRun: true,
        mappings: [
          { uuid: 'u', eventSourceArn: 'arn:aws:kinesis:eu-west-1:1:stream/clicks', stateBefore: 'Enabled' },
        ],
      },
    ]);

    expect(table).toMatch(/pause-trigger\s+stream-processor\s+-\s+dry run: not applied/);
  });
});
