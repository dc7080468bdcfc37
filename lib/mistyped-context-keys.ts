import { SETTING_KEYS, type SettingProblem } from '../functions/scanner/settings';

/**
 * Keys the CDK CLI itself writes into the app's context without a namespace (`cdk acknowledge` and
 * `cdk cli-telemetry` keep them in cdk.context.json, which the CLI passes to the app). They resemble no
 * setting; naming them keeps them safe however the resemblance rule changes.
 */
const CDK_CLI_KEYS: ReadonlySet<string> = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);

// Agreeing on this many leading letters is a typo of the ending ("remediation", "lookback") rather than chance.
const SHARED_PREFIX_LETTERS = 8;
// One edit per this many letters of the setting's name, and at least one: short names tolerate one slip only.
const LETTERS_PER_EDIT = 5;

/**
 * True for a key that belongs to someone else by its form: CDK's feature flags (`@aws-cdk/core:...`),
 * the keys the CLI injects (`aws:cdk:...`), lookup results cached in cdk.context.json (`vpc-provider:...`),
 * and other libraries' namespaced keys all contain `:` or `/` or start with `@`.
 */
export function isNamespacedContextKey(key: string): boolean {
  return key.startsWith('@') || key.includes(':') || key.includes('/');
}

/** A key as it is compared: lower case, letters and digits only, so `protect_tag` and `dryrun` meet their settings. */
function comparable(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`: optimal-string-alignment distance. */
export function editDistance(a: string, b: string): number {
  // rows[i][j] is the distance between the first i letters of a and the first j letters of b.
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      rows[i]![j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * How far an unknown key is from a setting, when it resembles it; undefined when it does not.
 *
 * Compared in `comparable` form, a key resembles a setting when
 * - it is the same name (`dryrun`, `hogshare`, `protect_tag`, `Dry-Run`), or
 * - it is within one edit per five letters of the setting's name, at least one (`alertEmail`, `pendingMinuts`,
 *   `sweepMinutse`), or
 * - both are at least eight letters long and agree on the first eight (`remediation` for remediate,
 *   `lookback` for lookbackMinutes, `maxActions` for maxActionsPerRun).
 * Short keys of other tools (`env`, `stage`, `vpcId`, `team`) and the DESIGN's future settings (`eventBusArn`,
 * `orgTargets`, `regions`) are far from every setting by all three rules.
 */
function resemblance(key: string, setting: string): number | undefined {
  const typed = comparable(key);
  const wanted = comparable(setting);
  const distance = editDistance(typed, wanted);
  const allowedEdits = Math.max(1, Math.floor(wanted.length / LETTERS_PER_EDIT));
  const sharesPrefix =
    typed.length >= SHARED_PREFIX_LETTERS &&
    wanted.length >= SHARED_PREFIX_LETTERS &&
    typed.slice(0, SHARED_PREFIX_LETTERS) === wanted.slice(0, SHARED_PREFIX_LETTERS);
  return distance <= allowedEdits || sharesPrefix ? distance : undefined;
}

/**
 * The setting a context key was most likely meant to be, or undefined when the key is a setting already, is
 * namespaced, is one of the CDK CLI's own, or resembles no setting (and so belongs to something else).
 */
export function intendedSettingKey(key: string): string | undefined {
  if ((SETTING_KEYS as readonly string[]).includes(key)) return undefined;
  if (isNamespacedContextKey(key) || CDK_CLI_KEYS.has(key)) return undefined;
  let nearest: { setting: string; distance: number } | undefined;
  for (const setting of SETTING_KEYS) {
    const distance = resemblance(key, setting);
    if (distance !== undefined && (nearest === undefined || distance < nearest.distance)) {
      nearest = { setting, distance };
    }
  }
  return nearest?.setting;
}

/** One problem for each context key that looks like a mistyped setting, naming the setting it resembles. */
export function mistypedKeyProblems(context: Readonly<Record<string, unknown>>): SettingProblem[] {
  return Object.entries(context).flatMap(([key, value]) => {
    const intended = intendedSettingKey(key);
    return intended === undefined ? [] : [{ key, value, allowed: `unknown key; did you mean ${intended}?` }];
  });
}
