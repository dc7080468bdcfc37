import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENVIRONMENT_VARIABLES } from '../functions/scanner/environment';
import { DUE_MARGIN_SECONDS, MAX_DELAY_SECONDS } from '../functions/scanner/events/state-change-event';

/** What the pending checks need from the sentinel around them. */
export interface PendingChecksProps {
  /** The scanner, which runs each check as the queue's consumer. */
  readonly scanner: lambda.Function;
  /** The scanner's timeout, which the queue's visibility timeout must exceed. */
  readonly scannerTimeout: Duration;
  /** Minutes after a state change at which a function still unsettled is stuck (`settings.pendingMinutes`). */
  readonly pendingMinutes: number;
  /** Where checks that keep failing and state-change events that cannot be delivered end up. */
  readonly deadLetterQueue: sqs.IQueue;
}

// Lambda's advice for SQS event sources: enough receives that a throttled batch does not go straight to the DLQ.
const MAX_RECEIVE_COUNT = 5;
// What Lambda's poller needs (the actions of AWSLambdaSQSQueueExecutionRole), and SendMessage for the re-delay and for
// the follow-ups of an alarm's run (each sent with its own DelaySeconds, which overrides the queue's delivery delay).
const CHECK_QUEUE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:SendMessage',
];

/**
 * How long the queue holds each state-change event back: just past `pendingMinutes`, at most SQS's 15 minutes
 * (the scanner re-sends a check that arrives before it is due).
 */
export function pendingCheckDelay(pendingMinutes: number): Duration {
  const dueSeconds = Math.ceil(pendingMinutes * 60) + DUE_MARGIN_SECONDS;
  return Duration.seconds(Math.min(dueSeconds, MAX_DELAY_SECONDS));
}

/**
 * Lambda's function state-change events, held back in a delay queue until `pendingMinutes` after the change and
 * then checked by the scanner, so that a stuck function is alerted on within a minute whatever the schedule.
 */
export class PendingChecks extends Construct {
  /** The delay queue between the state-change rule and the scanner. */
  readonly queue: sqs.Queue;
  /** The rule forwarding every Lambda function state-change event on the default bus to the queue. */
  readonly rule: events.Rule;
  /** The scanner's subscription to the queue. */
  readonly eventSourceMapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: PendingChecksProps) {
    super(scope, id);

    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deliveryDelay: pendingCheckDelay(props.pendingMinutes),
      // Lambda requires at least the function timeout. AWS advises six times that for SQS event sources, to cover
      // a throttled batch being retried within one lease; but the scanner waits for its state lease inside the
      // invocation and reports a check it could not run as a batch item failure, so the only job of this timeout
      // is to bring that check back soon: about 5.5 minutes after it was received.
      visibilityTimeout: props.scannerTimeout.plus(Duration.seconds(30)),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.rule = new events.Rule(this, 'StateChanges', {
      description: 'Forwards Lambda function state changes to the lambda-sentinel pending-check queue',
      eventPattern: { source: ['aws.lambda'], detailType: ['Lambda Function State Change'] },
    });
    this.rule.addTarget(new targets.SqsQueue(this.queue, { deadLetterQueue: props.deadLetterQueue }));

    props.scanner.addToRolePolicy(
      new iam.PolicyStatement({ actions: CHECK_QUEUE_ACTIONS, resources: [this.queue.queueArn] }),
    );
    props.scanner.addEnvironment(ENVIRONMENT_VARIABLES.pendingCheckQueueUrl, this.queue.queueUrl);
    this.eventSourceMapping = new lambda.EventSourceMapping(this, 'Consumer', {
      target: props.scanner,
      eventSourceArn: this.queue.queueArn,
      batchSize: 10,
      maxBatchingWindow: Duration.seconds(20),
      reportBatchItemFailures: true,
      // Checks take turns on the state table's lease anyway; more concurrent batches would only wait for it.
      maxConcurrency: 2,
    });

    Validations.of(this.eventSourceMapping).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'Lambda supports on-failure destinations on stream and Kafka event sources only; for this SQS source the ' +
        "queue's redrive policy sends a check that failed five times to the sentinel's dead-letter queue.",
    });
  }
}
