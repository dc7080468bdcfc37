import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { CallBudget } from '../../../../functions/scanner/model';
import { AlertDeliveryError, publishAlert } from '../../../../functions/scanner/notify/publish-alert';
import type { PendingAlert } from '../../../../functions/scanner/state/state-model';

const topicArn = 'arn:aws:sns:eu-west-1:123456789012:lambda-sentinel-alerts';
const alert: PendingAlert = {
  id: 'run-42',
  subject: 'lambda-sentinel 123456789012 eu-west-1: 1 new',
  message: JSON.stringify({
    default: 'orders-api is stuck in Pending',
    email: 'orders-api is stuck in Pending',
  }),
  createdAt: '2026-11-26T14:30:00.000Z',
};

describe('publishAlert', () => {
  const sns = mockClient(SNSClient);
  const client = new SNSClient({ region: 'eu-west-1' });

  beforeEach(() => {
    sns.reset();
  });

  it('publishes the rendered subject and message as a per-protocol JSON message to the topic', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'message-1' });

    const messageId = await publishAlert(client, topicArn, alert);

    expect(messageId).toBe('message-1');
    expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input)).toEqual([
      { TopicArn: topicArn, Subject: alert.subject, Message: alert.message, MessageStructure: 'json' },
    ]);
  });

  it('sends through the run budget as the Publish operation', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'message-2' });
    const operations: string[] = [];
    const budget: CallBudget = {
      call: (operation, send) => {
        operations.push(operation);
        return send();
      },
    };

    await publishAlert(client, topicArn, alert, budget);

    expect(operations).toEqual(['Publish']);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('fails with an AlertDeliveryError naming the alert and topic, keeping what SNS said', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: SNS:Publish'), {
      name: 'AuthorizationErrorException',
    });
    sns.on(PublishCommand).rejects(denied);

    const error = await publishAlert(client, topicArn, alert).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect(error).toMatchObject({ name: 'AlertDeliveryError', alertId: 'run-42', cause: denied });
    expect((error as Error).message).toContain(`alert run-42 to ${topicArn}`);
    expect((error as Error).message).toContain('AuthorizationErrorException');
  });
});
