/**
 * What Lambda itself says about who invokes a function: its resource-based policies (one per qualifier: a grant on
 * an alias is a separate policy from the function's), its function URLs and their auth type, and its event source
 * mappings. A policy or URL that does not exist is a fact (ResourceNotFoundException), not a failed read.
 */
import {
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListEventSourceMappingsCommand,
  type EventSourceMappingConfiguration,
  type GetFunctionUrlConfigResponse,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { CallBudget } from '../../functions/scanner/model';
import { attempt, attemptAll, wasRead, type Read } from './reading';

/** Pages of event source mappings read per listing (100 a page). */
const MAPPING_PAGES = 5;

/** Whether Lambda answered that the thing asked for does not exist. */
const isNotFound = (read: Read<unknown>) => !wasRead(read) && read.errorName === 'ResourceNotFoundException';

/** The policy document of the function (`qualifier` undefined) or of one version or alias; undefined: none. */
export async function readPolicy(
  lambda: LambdaClient,
  budget: CallBudget,
  functionName: string,
  qualifier?: string,
): Promise<Read<string | undefined>> {
  const read = await attempt(budget, 'GetPolicy', () =>
    lambda.send(
      new GetPolicyCommand({
        FunctionName: functionName,
        ...(qualifier !== undefined ? { Qualifier: qualifier } : {}),
      }),
    ),
  );
  if (isNotFound(read)) return { value: undefined };
  return wasRead(read) ? { value: read.value.Policy } : read;
}

/** The function URL of the function or of one alias, as Lambda configured it. */
export interface FunctionUrlReading {
  /** The alias the URL belongs to; undefined for the function's own URL. */
  readonly qualifier?: string;
  /** The URL's configuration; undefined when the function (or alias) has no URL. */
  readonly config: Read<GetFunctionUrlConfigResponse | undefined>;
}

/** The function URLs of the function and of each of `aliases` (a URL belongs to the function or to an alias). */
export function readFunctionUrls(
  lambda: LambdaClient,
  budget: CallBudget,
  functionName: string,
  aliases: readonly string[],
): Promise<FunctionUrlReading[]> {
  return Promise.all(
    [undefined, ...aliases].map(async (qualifier): Promise<FunctionUrlReading> => {
      const read = await attempt(budget, 'GetFunctionUrlConfig', () =>
        lambda.send(
          new GetFunctionUrlConfigCommand({
            FunctionName: functionName,
            ...(qualifier !== undefined ? { Qualifier: qualifier } : {}),
          }),
        ),
      );
      const config: FunctionUrlReading['config'] = isNotFound(read)
        ? { value: undefined }
        : wasRead(read)
          ? { value: read.value }
          : read;
      return { ...(qualifier !== undefined ? { qualifier } : {}), config };
    }),
  );
}

/**
 * The event source mappings that invoke the function or any of its aliases. AWS's documents do not say whether a
 * listing by the unqualified name includes the aliases' mappings, so each alias is listed too and the answers are
 * merged by UUID.
 */
export async function readEventSourceMappings(
  lambda: LambdaClient,
  budget: CallBudget,
  functionName: string,
  aliases: readonly string[],
): Promise<Read<EventSourceMappingConfiguration[]>> {
  const listings = await Promise.all(
    [functionName, ...aliases.map((alias) => `${functionName}:${alias}`)].map((name) =>
      attemptAll(
        budget,
        'ListEventSourceMappings',
        MAPPING_PAGES,
        (Marker) => lambda.send(new ListEventSourceMappingsCommand({ FunctionName: name, Marker })),
        (page) => ({ items: page.EventSourceMappings ?? [], next: page.NextMarker }),
      ),
    ),
  );
  const byUuid = new Map<string, EventSourceMappingConfiguration>();
  for (const listing of listings) {
    if (!wasRead(listing)) return listing;
    for (const mapping of listing.value) byUuid.set(mapping.UUID ?? '', mapping);
  }
  return { value: [...byUuid.values()] };
}
