import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { LambdaSentinel, NO_ALERT_EMAILS_WARNING } from '../../lib/lambda-sentinel';

describe('LambdaSentinel without alertEmails', () => {
  it('warns a team using the construct in its own app that nobody will be alerted, and how to change it', () => {
    const stack = new Stack(new App(), 'Host');
    new LambdaSentinel(stack, 'Sentinel', { pendingMinutes: 10 });

    Annotations.fromStack(stack).hasWarning(
      '/Host/Sentinel',
      Match.stringLikeRegexp(
        `^No alertEmails: nobody will be alerted\\..*the alertEmails prop.*construct's alertTopic.*` +
          `\\[ack: ${NO_ALERT_EMAILS_WARNING}\\]$`,
      ),
    );
  }, 60_000);
});
