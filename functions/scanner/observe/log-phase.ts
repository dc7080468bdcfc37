/**
 * The scanner's structured log: each phase's record through Powertools Logger, which adds the invocation's
 * request id, function name, cold start and X-Ray trace id, and keeps the record's fields as top-level JSON keys
 * that CloudWatch Logs Insights can query.
 */
import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The scanner's Logger. Powertools writes through its own console on standard output (and standard error for
 * WARN), so with Lambda's JSON log format each record stays one JSON line rather than a string inside Lambda's.
 */
export function scannerLogger(): Logger {
  return new Logger({ serviceName: 'lambda-sentinel' });
}

/**
 * Writes one phase's record: the phase names the message, the record's fields follow it; a record carrying errors
 * is a WARN, so that a log level of WARN still shows every collector, detector or action that failed.
 */
export function logPhase(logger: Logger, record: Readonly<Record<string, unknown>>): void {
  const message = typeof record.phase === 'string' ? record.phase : 'scanner';
  if (carriesErrors(record)) logger.warn(message, { ...record });
  else logger.info(message, { ...record });
}

function carriesErrors(record: Readonly<Record<string, unknown>>): boolean {
  const { errors, error } = record;
  return (Array.isArray(errors) && errors.length > 0) || (error !== undefined && error !== null);
}
