/**
 * The guide's "One function is using all concurrency", for one function: is it the hog, or one of the functions a
 * hog throttles? Judged by the scanner's concurrency-hog detector over the pool the drill-down read
 * (pool-reading.ts), so that a diagnosis and a scan never disagree. Pure.
 */
import { hogThreshold } from '../../functions/scanner/collect/drill-concurrency';
import { hasNonZero, seriesPeak, seriesSum } from '../../functions/scanner/collect/metric-series';
import { concurrencyHog } from '../../functions/scanner/detect/concurrency-hog';
import type { AccountConcurrencyLimits, FunctionSnapshot } from '../../functions/scanner/model';
import type { SentinelSettings } from '../../functions/scanner/settings';
import { fromFinding, unknownCheck, type DiagnosisCheck, type Topic } from './diagnosis-check';
import type { FunctionWindow } from './function-reading';
import type { PoolReading } from './pool-reading';
import { valueOf, wasRead, type Read } from './reading';

const TOPIC: Topic = { topic: 'One function using all concurrency', section: 'allconcurrency' };

const percent = (part: number, whole: number) => `${Math.round((part / whole) * 100)}%`;

/** Whether the detector's finding lists `functionName` among the pooled functions it throttled. */
function throttles(finding: { readonly evidence: Readonly<Record<string, unknown>> }, functionName: string) {
  const victims = finding.evidence.throttledVictims;
  return Array.isArray(victims) && victims.some((victim) => String(victim).startsWith(`${functionName}:`));
}

/** The line for the function: hog, victim, isolated by its reservation, or a plain member of the pool. */
export function concurrencyCheck(
  fn: FunctionSnapshot,
  metrics: FunctionWindow,
  limits: Read<AccountConcurrencyLimits>,
  pool: PoolReading,
  settings: SentinelSettings,
): DiagnosisCheck {
  const name = fn.functionName;
  const reserved = fn.detail?.reservedConcurrency;
  if (reserved === 0) {
    return {
      ...TOPIC,
      status: 'problem',
      summary:
        "reserved concurrency is 0: every invocation is throttled (what the console's Throttle button sets)",
      advice:
        'If the function was throttled to stop a loop, fix the loop first. Then delete the reserved concurrency ' +
        '(or set the value it had) so it can run again.',
    };
  }
  if (!metrics.read && metrics.failure) return unknownCheck(TOPIC, metrics.failure, 'its concurrency');
  const window = `in the last ${settings.lookbackMinutes} minutes`;
  const ownThrottles = seriesSum(metrics.own.throttles) ?? 0;
  const peak = seriesPeak(metrics.own.concurrency);
  const used = peak !== undefined ? `; peak ${peak} concurrent ${window}` : '';
  if (reserved !== undefined) {
    return ownThrottles > 0
      ? {
          ...TOPIC,
          status: 'warning',
          summary: `${ownThrottles} throttled requests ${window}: it reached its own reserved concurrency of ${reserved}${used}`,
          advice:
            'A reservation both guarantees and caps what the function can use, and keeps it out of the shared ' +
            'pool: raise it if the load is legitimate.',
        }
      : {
          ...TOPIC,
          status: 'ok',
          summary: `reserved concurrency ${reserved}: isolated from the shared pool, so it can neither take it nor be starved by it${used}`,
        };
  }

  const findings = concurrencyHog.detect(pool.context);
  const asHog = findings.find((finding) => finding.functionName === name);
  if (asHog) return fromFinding(TOPIC, asHog);
  const starvedBy = findings.find((finding) => throttles(finding, name));
  if (starvedBy) {
    return {
      ...TOPIC,
      status: 'problem',
      summary: `${ownThrottles} throttled requests ${window} while another function held the pool: ${starvedBy.summary}`,
      advice:
        `Reserve concurrency for ${name} so that it keeps a share whatever ${starvedBy.functionName} does, and cap ` +
        `${starvedBy.functionName} (run lambda-sentinel diagnose ${starvedBy.functionName}). ${starvedBy.guidance}`,
    };
  }

  const accountLimits = pool.context.snapshot.metrics?.accountLimits ?? valueOf(limits);
  const poolText = accountLimits
    ? `it shares the unreserved pool of ${accountLimits.unreservedConcurrentExecutions} (account limit ${accountLimits.concurrentExecutions})`
    : "it shares the account's unreserved pool";
  const regionThrottled = hasNonZero(metrics.account.throttles);
  if (pool.failure && (pool.status === 'failed' || ownThrottles > 0)) {
    return unknownCheck(TOPIC, pool.failure, `${poolText}${used}; who else held the pool`);
  }
  if (ownThrottles > 0) {
    return {
      ...TOPIC,
      status: 'warning',
      summary: `${ownThrottles} throttled requests ${window}, though no single function held ${percent(settings.hogShare, 1)} of the pool; ${poolText}${used}`,
      advice:
        'The functions of the pool together reached the limit. Reserve concurrency for the functions that must ' +
        'not be throttled, or ask AWS for a higher concurrency quota.',
    };
  }
  if (!wasRead(limits)) {
    return unknownCheck(
      TOPIC,
      limits,
      `${regionThrottled ? 'the region throttled' : 'no function in the region was throttled'} ${window}${used}, but the size of the unreserved pool`,
    );
  }
  if (accountLimits && peak !== undefined && peak >= hogThreshold(accountLimits, settings.hogShare)) {
    return {
      ...TOPIC,
      status: 'info',
      summary:
        `it used ${percent(peak, accountLimits.unreservedConcurrentExecutions)} of the unreserved pool of ` +
        `${accountLimits.unreservedConcurrentExecutions} ${window}, but no other function of the pool was throttled`,
      advice: 'Cap it with reserved concurrency if other functions must keep room when it spikes.',
    };
  }
  return {
    ...TOPIC,
    status: 'ok',
    summary: `${poolText}${used}; ${regionThrottled ? 'it was not throttled' : 'no function in the region was throttled'} ${window}`,
  };
}
