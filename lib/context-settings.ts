import type { Node } from 'constructs';
import {
  parseSettings,
  SETTING_KEYS,
  SettingsError,
  type SentinelSettings,
  type SettingProblem,
} from '../functions/scanner/settings';
import { mistypedKeyProblems } from './mistyped-context-keys';

/** How settings taken from CDK context are named in a SettingsError message. */
export const CONTEXT_ORIGIN = 'CDK context (-c key=value or cdk.json)';

/**
 * Reads every operator setting from CDK context exactly as given (`-c` values arrive as strings,
 * cdk.json may hold numbers or arrays), leaving conversion and validation to parseSettings.
 */
export function readContextSettings(node: Node): Record<string, unknown> {
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, node.tryGetContext(key) as unknown]));
}

/**
 * The validated settings in CDK context; throws one SettingsError listing every bad value and every key that
 * looks like a mistyped setting, so that `-c dryrun=true` fails the synth instead of leaving dryRun false.
 */
export function parseContextSettings(node: Node): SentinelSettings {
  // All of it: `-c` values, cdk.json's and cdk.context.json's keys, and what the CDK CLI adds, not only settings.
  const keyProblems = mistypedKeyProblems(node.getAllContext());
  let settings: SentinelSettings | undefined;
  let valueProblems: readonly SettingProblem[] = [];
  try {
    settings = parseSettings(readContextSettings(node), CONTEXT_ORIGIN);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    valueProblems = error.problems;
  }
  if (settings === undefined || keyProblems.length > 0) {
    throw new SettingsError([...valueProblems, ...keyProblems], CONTEXT_ORIGIN);
  }
  return settings;
}
