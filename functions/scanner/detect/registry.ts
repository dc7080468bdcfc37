import type { Finding, ScanError } from '../model';
import type { Detector, DetectorContext } from './detector';
import { concurrencyHog } from './concurrency-hog';
import { failedState } from './failed-state';
import { pcHealth } from './pc-health';
import { pcSpillover } from './pc-spillover';
import { recursiveLoop } from './recursive-loop';
import { stuckPending } from './stuck-pending';

/** Detectors that read the functions' GetFunction state. */
export const STATE_DETECTORS: readonly Detector[] = [stuckPending, failedState];

/** Detectors that read CloudWatch metrics (and the Lambda settings the metrics led to). */
export const METRIC_DETECTORS: readonly Detector[] = [concurrencyHog, recursiveLoop, pcSpillover, pcHealth];

/** Every finding kind the sentinel knows, in the order its e-mail explains them. */
export const DETECTORS: readonly Detector[] = [...STATE_DETECTORS, ...METRIC_DETECTORS];

/** Runs every detector; one that throws becomes a ScanError and the others still report. */
export function runDetectors(
  context: DetectorContext,
  detectors: readonly Detector[],
): { findings: Finding[]; errors: ScanError[] } {
  const findings: Finding[] = [];
  const errors: ScanError[] = [];
  for (const detector of detectors) {
    try {
      findings.push(...detector.detect(context));
    } catch (error) {
      errors.push({
        phase: 'detect',
        source: `detector:${detector.kind}`,
        code: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { findings, errors };
}

/**
 * Whether this run can say a stored finding has cleared, as decided by the detector of its kind.
 * An unknown kind, or a detector that throws, answers false: the finding then stays open rather than
 * being reported resolved on no evidence.
 */
export function isAssessed(
  context: DetectorContext,
  detectors: readonly Detector[],
  stored: {
    readonly kind: string;
    readonly functionName: string;
    readonly fingerprint?: string;
    readonly qualifier?: string;
  },
): boolean {
  const detector = detectors.find((candidate) => candidate.kind === stored.kind);
  if (!detector) return false;
  try {
    return detector.assessed(
      context,
      stored.functionName,
      stored.fingerprint !== undefined
        ? {
            fingerprint: stored.fingerprint,
            ...(stored.qualifier !== undefined ? { qualifier: stored.qualifier } : {}),
          }
        : undefined,
    );
  } catch {
    return false;
  }
}
