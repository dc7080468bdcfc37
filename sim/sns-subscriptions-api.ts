/**
 * The subscription side of SNS in a simulated account: ListSubscriptions and ListSubscriptionsByTopic, 100 a page
 * with an opaque NextToken, as AWS answers them. Publish stays with SimulatedAccount.
 */
import { NotFoundException, type Subscription } from '@aws-sdk/client-sns';
import type { SimAccountModel } from './account-model';
import { NO_RESOURCES, tokenPage, type SimSubscription } from './account-resources';

type Input = Readonly<Record<string, unknown>>;

/** ListSubscriptions and ListSubscriptionsByTopic return at most this many subscriptions a page. */
export const SUBSCRIPTION_PAGE_SIZE = 100;

/** Answers SNS subscription listings from the account's subscriptions. */
export class SnsSubscriptionsApi {
  constructor(private readonly account: SimAccountModel) {}

  /** Whether `operation` is answered here. */
  handles(operation: string): boolean {
    return operation === 'ListSubscriptions' || operation === 'ListSubscriptionsByTopic';
  }

  /** Answers one request; throws the SDK's exception classes as AWS would. */
  answer(operation: string, input: Input): object {
    const all = (this.account.resources ?? NO_RESOURCES).subscriptions;
    let listed: readonly SimSubscription[] = all;
    if (operation === 'ListSubscriptionsByTopic') {
      listed = all.filter((subscription) => subscription.topicArn === input.TopicArn);
      if (listed.length === 0) {
        throw new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } });
      }
    } else if (operation !== 'ListSubscriptions') {
      throw new Error(`The simulated SNS does not answer ${operation}`);
    }
    const { items, nextToken } = tokenPage(listed, input.NextToken, SUBSCRIPTION_PAGE_SIZE);
    const subscriptions: Subscription[] = items.map((subscription) => ({
      SubscriptionArn: `${subscription.topicArn}:${subscription.id}`,
      Owner: this.account.accountId,
      Protocol: subscription.protocol,
      Endpoint: subscription.endpoint,
      TopicArn: subscription.topicArn,
    }));
    return {
      Subscriptions: subscriptions,
      ...(nextToken ? { NextToken: nextToken } : {}),
      $metadata: { httpStatusCode: 200 },
    };
  }
}
