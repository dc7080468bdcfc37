/**
 * What every diagnosis reader shares: a read that may fail, kept with the error that failed it, so that a check
 * whose call failed says UNKNOWN and why, never OK.
 */
import type { CallBudget, ScanError } from '../../functions/scanner/model';

/** Why a read failed: the error's name (e.g. `AccessDeniedException`) and a one-line description. */
export interface ReadFailure {
  /** `<Operation> failed: <ErrorName>: <message>`. */
  readonly failed: string;
  readonly errorName: string;
}

/** A read that may fail: the value, or why it failed. */
export type Read<T> = { readonly value: T } | ReadFailure;

/** Whether a read succeeded. */
export function wasRead<T>(read: Read<T>): read is { readonly value: T } {
  return 'value' in read;
}

/** The value of a read, or undefined when it failed. */
export function valueOf<T>(read: Read<T>): T | undefined {
  return wasRead(read) ? read.value : undefined;
}

/** The failure of one call, as a read. */
export function failureOf(operation: string, error: unknown): ReadFailure {
  const errorName = error instanceof Error ? error.name : 'Error';
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return { failed: `${operation} failed: ${errorName}: ${message}`, errorName };
}

/** A failure the scanner's collector recorded, as a read's failure. */
export function failureOfScanError(error: ScanError): ReadFailure {
  return { failed: `${error.source} failed: ${error.code}: ${error.message}`, errorName: error.code };
}

/** Whether a failure is the caller's credentials being refused (as opposed to a missing resource or an outage). */
export function isAccessDenied(failure: ReadFailure): boolean {
  return /AccessDenied|UnauthorizedOperation|Forbidden|AuthorizationError/i.test(failure.errorName);
}

/** Sends one call through the budget; a failure is returned, not thrown. */
export async function attempt<T>(
  budget: CallBudget,
  operation: string,
  send: () => Promise<T>,
): Promise<Read<T>> {
  try {
    return { value: await budget.call(operation, send) };
  } catch (error) {
    return failureOf(operation, error);
  }
}

/**
 * Reads up to `maxPages` pages of a listing; `complete` is false when a token was still left after the last
 * page read. A failed page fails the whole listing.
 */
export async function attemptPages<Page, Item>(
  budget: CallBudget,
  operation: string,
  maxPages: number,
  send: (token: string | undefined) => Promise<Page>,
  read: (page: Page) => { readonly items: readonly Item[]; readonly next?: string | undefined },
): Promise<Read<{ readonly items: Item[]; readonly complete: boolean; readonly pages: number }>> {
  const items: Item[] = [];
  let token: string | undefined;
  for (let pages = 1; pages <= maxPages; pages += 1) {
    const page = await attempt(budget, operation, () => send(token));
    if (!wasRead(page)) return page;
    const { items: pageItems, next } = read(page.value);
    items.push(...pageItems);
    token = next;
    if (token === undefined) return { value: { items, complete: true, pages } };
  }
  return { value: { items, complete: false, pages: maxPages } };
}

/** Every page of a listing, up to `maxPages`; a listing with pages still left after that is a failed read. */
export async function attemptAll<Page, Item>(
  budget: CallBudget,
  operation: string,
  maxPages: number,
  send: (token: string | undefined) => Promise<Page>,
  read: (page: Page) => { readonly items: readonly Item[]; readonly next?: string | undefined },
): Promise<Read<Item[]>> {
  const listing = await attemptPages(budget, operation, maxPages, send, read);
  if (!wasRead(listing)) return listing;
  if (!listing.value.complete) {
    return {
      failed: `${operation} returned more than ${maxPages} pages; the rest was not read`,
      errorName: 'TooManyPages',
    };
  }
  return { value: listing.value.items };
}
