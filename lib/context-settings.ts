import type { Node } from 'constructs';
import { SETTING_KEYS } from '../functions/scanner/settings';

/** How settings taken from CDK context are named in a SettingsError message. */
export const CONTEXT_ORIGIN = 'CDK context (-c key=value or cdk.json)';

/**
 * Reads every operator setting from CDK context exactly as given (`-c` values arrive as strings,
 * cdk.json may hold numbers or arrays), leaving conversion and validation to parseSettings.
 */
export function readContextSettings(node: Node): Record<string, unknown> {
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, node.tryGetContext(key) as unknown]));
}
