import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { CallBudget } from '../model';
import type { PendingAlert } from '../state/state-model';

/** Thrown when SNS does not accept an alert; the alert stays pending and `cause` says why. */
export class AlertDeliveryError extends Error {
  /** The alert that was not delivered. */
  readonly alertId: string;

  constructor(message: string, alertId: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertDeliveryError';
    this.alertId = alertId;
  }
}

/** Publishes a rendered alert to the alert topic and returns SNS's message id. */
export async function publishAlert(
  sns: SNSClient,
  topicArn: string,
  alert: PendingAlert,
  budget?: CallBudget,
): Promise<string | undefined> {
  const command = new PublishCommand({
    TopicArn: topicArn,
    Subject: alert.subject,
    Message: alert.message,
    MessageStructure: 'json',
  });
  try {
    const output = budget ? await budget.call('Publish', () => sns.send(command)) : await sns.send(command);
    return output.MessageId;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new AlertDeliveryError(`Could not publish alert ${alert.id} to ${topicArn} (${reason})`, alert.id, {
      cause: error,
    });
  }
}
