/**
 * The SNS subscriptions that deliver to a function. SNS can only list subscriptions by topic or for the whole
 * account and region (ListSubscriptions, 100 a page, 30 requests a second), and a subscription with no matching
 * permission is exactly the one no policy statement points to, so the account's listing is the only way to find
 * it. It is read up to SNS_SUBSCRIPTION_PAGES pages (a few seconds at most); in a larger account the rest is
 * reported as not read rather than as "no subscription".
 */
import { ListSubscriptionsCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { CallBudget } from '../../functions/scanner/model';
import { attemptPages, wasRead, type Read } from './reading';

/** Pages of ListSubscriptions read at most: 2,000 subscriptions. */
export const SNS_SUBSCRIPTION_PAGES = 20;

/** One subscription that delivers to the function (or one of its versions or aliases). */
export interface LambdaSubscription {
  readonly topicArn: string;
  readonly subscriptionArn: string;
  /** The function ARN SNS invokes, qualified where the subscription names an alias or version. */
  readonly endpoint: string;
}

/** The subscriptions found, and whether the account's whole list was read. */
export interface SubscriptionListing {
  readonly subscriptions: readonly LambdaSubscription[];
  readonly complete: boolean;
  /** Subscriptions of any kind read. */
  readonly read: number;
}

/** Whether `endpoint` is the function's ARN, unqualified or with a version or alias. */
function invokesFunction(endpoint: string, functionArn: string): boolean {
  return endpoint === functionArn || endpoint.startsWith(`${functionArn}:`);
}

/** The Lambda subscriptions in the account and region that invoke the function `functionArn` (unqualified). */
export async function readSubscriptions(
  sns: SNSClient,
  budget: CallBudget,
  functionArn: string,
): Promise<Read<SubscriptionListing>> {
  const listing = await attemptPages(
    budget,
    'ListSubscriptions',
    SNS_SUBSCRIPTION_PAGES,
    (NextToken) => sns.send(new ListSubscriptionsCommand({ NextToken })),
    (page) => ({ items: page.Subscriptions ?? [], next: page.NextToken }),
  );
  if (!wasRead(listing)) return listing;
  const subscriptions = listing.value.items
    .filter(
      (subscription) =>
        subscription.Protocol === 'lambda' && invokesFunction(subscription.Endpoint ?? '', functionArn),
    )
    .map((subscription) => ({
      topicArn: subscription.TopicArn ?? '',
      subscriptionArn: subscription.SubscriptionArn ?? '',
      endpoint: subscription.Endpoint ?? '',
    }));
  return { value: { subscriptions, complete: listing.value.complete, read: listing.value.items.length } };
}
