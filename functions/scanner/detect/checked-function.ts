import type { FindingLink } from '../model';
import type { DetectorContext } from './detector';

/** The Lambda console page of one function, where its state and reason are shown. */
export function functionConsoleLink(region: string, functionName: string): FindingLink {
  return {
    label: 'Function in the Lambda console',
    url: `https://${region}.console.aws.amazon.com/lambda/home?region=${region}#/functions/${encodeURIComponent(functionName)}`,
  };
}

/**
 * Whether this run knows the current state of `functionName`: it was read with GetFunction this run,
 * or a complete inventory no longer lists it (deleted, so whatever was wrong with it is gone).
 */
export function stateAssessed(context: DetectorContext, functionName: string): boolean {
  const { snapshot } = context;
  const fn = snapshot.functions.find((candidate) => candidate.functionName === functionName);
  if (fn) return fn.detail !== undefined;
  return snapshot.inventoryComplete;
}

/**
 * Epoch milliseconds of a Lambda timestamp, or undefined when it cannot be read.
 * Lambda writes `2026-11-26T14:00:00.000+0000`; the offset without a colon is not ISO-8601 proper,
 * so it is normalised before parsing rather than trusting every engine to accept it, and a time with
 * no offset at all is read as UTC (JavaScript would otherwise read it in the machine's local zone).
 */
export function parseLambdaTimestamp(timestamp: string): number | undefined {
  const withColon = timestamp.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const zoned = /T[\d:.]+$/.test(withColon) ? `${withColon}Z` : withColon;
  const epoch = Date.parse(zoned);
  return Number.isNaN(epoch) ? undefined : epoch;
}

/** A reason code and text as evidence fields, leaving out the ones Lambda did not report. */
export function reasonEvidence(
  reasonCode: string | undefined,
  reason: string | undefined,
): { reasonCode?: string; reason?: string } {
  return {
    ...(reasonCode !== undefined ? { reasonCode } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}
