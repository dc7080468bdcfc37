/**
 * Lambda's "Lambda Function State Change" events, as the pending-checks queue delivers them (the message body is
 * the EventBridge event). Only the function's name and the event's time are read: GetFunction tells the truth at
 * check time, so nothing else in the event is relied on.
 */

/** Which function changed state, and when. */
export interface StateChangeNotice {
  readonly functionName: string;
  /** Epoch milliseconds of the event's `time`; undefined when it is missing or unreadable. */
  readonly changedAt?: number;
}

/** SQS refuses a DelaySeconds above 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/**
 * How long after the threshold a check comes due. The event's `time` has whole seconds while the detector measures
 * from the function's LastModified, which can be a fraction of a second later: a check right at the threshold could
 * find the function not yet stuck, and leave it to the next scheduled scan.
 */
export const DUE_MARGIN_SECONDS = 30;

const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:([^:]+)(?::[^:]+)?$/;

/** The function name in a Lambda function ARN, with or without a version or alias; undefined for anything else. */
export function functionNameFromArn(arn: string): string | undefined {
  return FUNCTION_ARN.exec(arn)?.[1];
}

/**
 * The function an event is about: `detail.functionName`, else the first `resources` ARN; undefined when the body
 * is not JSON or names no function (such a message can never be checked, so it is dropped, not retried).
 */
export function parseStateChangeEvent(body: string): StateChangeNotice | undefined {
  const event = parseMessageBody(body);
  if (!isRecord(event)) return undefined;
  const detailName = isRecord(event.detail) ? event.detail.functionName : undefined;
  const [firstResource] = Array.isArray(event.resources) ? event.resources : [];
  const functionName =
    typeof detailName === 'string' && detailName !== ''
      ? detailName
      : typeof firstResource === 'string'
        ? functionNameFromArn(firstResource)
        : undefined;
  if (functionName === undefined) return undefined;
  const changedAt = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return { functionName, ...(Number.isNaN(changedAt) ? {} : { changedAt }) };
}

/**
 * When to check the function: just after it would cross the stuck-pending threshold, `pendingMinutes` and
 * DUE_MARGIN_SECONDS after the change. An event with no readable time is due at once (GetFunction's LastModified
 * is what the detector measures from anyway).
 */
export function dueAt(notice: StateChangeNotice, pendingMinutes: number, now: number): number {
  return notice.changedAt === undefined
    ? now
    : notice.changedAt + pendingMinutes * 60_000 + DUE_MARGIN_SECONDS * 1000;
}

/**
 * The DelaySeconds that brings a message back when it is due, as near as SQS's 15-minute limit allows; 0 for one
 * that came due meanwhile (SQS refuses a negative delay).
 */
export function redelaySeconds(due: number, now: number): number {
  return Math.min(Math.max(Math.ceil((due - now) / 1000), 0), MAX_DELAY_SECONDS);
}

/** A queue message's body as JSON; undefined when it is not JSON (such a message is dropped, never retried). */
export function parseMessageBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Whether a parsed JSON value is an object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
