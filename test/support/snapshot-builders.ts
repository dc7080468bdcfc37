import type { DetectorContext } from '../../functions/scanner/detect/detector';
import type { AccountSnapshot, FunctionDetail, FunctionSnapshot } from '../../functions/scanner/model';
import { DEFAULT_SETTINGS, type SentinelSettings } from '../../functions/scanner/settings';

/** The time every built snapshot is taken at, unless a test says otherwise. */
export const RUN_AT = Date.parse('2026-11-26T14:30:00.000Z');

/** The account every built snapshot belongs to. */
export const ACCOUNT_ID = '123456789012';

/** The region every built snapshot belongs to. */
export const REGION = 'eu-west-1';

/** A timestamp `minutes` before `RUN_AT`, written the way Lambda writes LastModified (`+0000`, no colon). */
export function lambdaTimeMinutesAgo(minutes: number, from = RUN_AT): string {
  return new Date(from - minutes * 60_000).toISOString().replace('Z', '+0000');
}

/** A function as ListFunctions shows it, not checked with GetFunction this run. */
export function listedFunction(
  functionName: string,
  overrides: Partial<FunctionSnapshot> = {},
): FunctionSnapshot {
  return {
    functionName,
    functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`,
    lastModified: lambdaTimeMinutesAgo(60 * 24),
    runtime: 'nodejs22.x',
    packageType: 'Zip',
    ...overrides,
  };
}

/** A function checked with GetFunction this run; healthy (Active, last update Successful) unless `detail` says otherwise. */
export function checkedFunction(
  functionName: string,
  detail: Partial<FunctionDetail> = {},
  overrides: Partial<FunctionSnapshot> = {},
): FunctionSnapshot {
  return listedFunction(functionName, {
    ...overrides,
    detail: {
      state: 'Active',
      lastUpdateStatus: 'Successful',
      tags: {},
      checkedAt: new Date(RUN_AT).toISOString(),
      ...detail,
    },
  });
}

/** An account snapshot holding `functions`, from a complete inventory unless overridden. */
export function accountSnapshot(
  functions: readonly FunctionSnapshot[],
  overrides: Partial<AccountSnapshot> = {},
): AccountSnapshot {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    collectedAt: new Date(RUN_AT).toISOString(),
    functions,
    inventoryComplete: true,
    ignoredFunctions: [],
    ...overrides,
  };
}

/** What a detector is given for `functions`, with default settings and the run at `RUN_AT`. */
export function detectorContext(
  functions: readonly FunctionSnapshot[],
  options: {
    readonly snapshot?: Partial<AccountSnapshot>;
    readonly settings?: Partial<SentinelSettings>;
    readonly now?: number;
  } = {},
): DetectorContext {
  return {
    snapshot: accountSnapshot(functions, options.snapshot),
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    now: options.now ?? RUN_AT,
  };
}
