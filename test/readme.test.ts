import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, SETTING_KEYS } from '../functions/scanner/settings';

// The README is the operator's manual: a key that exists but is not documented is a key nobody can use.
const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const configurationRows = new Map(
  [...readme.matchAll(/^\| `(\w+)` +\| ([^|]+?) +\|/gm)].map((match) => [match[1], match[2]]),
);

describe('README configuration table', () => {
  test.each(SETTING_KEYS)('documents %s with its default', (key) => {
    const documentedDefault = configurationRows.get(key);
    expect(documentedDefault).toBeDefined();
    const actual = DEFAULT_SETTINGS[key];
    if (typeof actual === 'number' || typeof actual === 'boolean') {
      expect(documentedDefault).toBe(`\`${String(actual)}\``);
    } else if (typeof actual === 'string') {
      expect(documentedDefault).toBe(`\`${actual}\``);
    }
  });
});

describe('README coverage of the troubleshooting guide', () => {
  // The guide the product is built from, beside the project (CI has it too).
  const guide = readFileSync(join(__dirname, '..', '..', 'shared', 'seed-troubleshooting.md'), 'utf8');
  const headings = [...guide.matchAll(/^#{1,2} (.+?)<a name=/gm)].map((match) =>
    (match[1] ?? '').replace(/\\/g, ''),
  );
  const coverageRows = readme
    .slice(readme.indexOf('## What the guide covers, and what checks it'))
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) => line.split('|')[1]?.trim() ?? '');

  it('has fifteen sections', () => {
    expect(headings).toHaveLength(15);
  });

  test.each(headings)('the coverage table names "%s"', (heading) => {
    expect(coverageRows.some((row) => row.startsWith(heading))).toBe(true);
  });
});
