import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FindingKind } from '../functions/scanner/model';
import {
  FINDING_KIND_LABELS,
  findingsMetric,
  sentinelRunMetric,
  type SentinelRunMetric,
} from './sentinel-metrics';

/** What the dashboard shows. */
export interface SentinelDashboardProps {
  /** Name of the dashboard: letters, digits, `-` and `_`. */
  readonly dashboardName: string;
  /** The scanner whose EMF metrics are shown. */
  readonly scanner: lambda.IFunction;
  /** The scanner's timeout, drawn on the run-duration graph. */
  readonly scannerTimeout: Duration;
  /** The sentinel's alarms on itself, shown at the top; none when self-monitoring is off. */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const FULL_WIDTH = 24;
const GRAPH_HEIGHT = 6;

/** An account-wide AWS/Lambda metric (no dimension), aggregated by `statistic`. */
function accountMetric(metricName: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName,
    statistic,
    period: Duration.minutes(5),
  });
}

/**
 * A CloudWatch dashboard of what the sentinel did (scans, findings by kind, actions, API calls, run duration)
 * beside the account's concurrency, claimed concurrency and throttles, which most of its findings are about.
 */
export class SentinelDashboard extends Construct {
  /** The dashboard. */
  readonly dashboard: cloudwatch.Dashboard;
  /** The dashboard's address in the CloudWatch console. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: SentinelDashboardProps) {
    super(scope, id);
    const { scanner } = props;
    const run = (metricName: SentinelRunMetric, label: string, statistic: string = cloudwatch.Stats.SUM) =>
      sentinelRunMetric(scanner, metricName, { label, statistic });
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      extra: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, left, width: FULL_WIDTH / 3, height: GRAPH_HEIGHT, ...extra });

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(1),
    });
    if (props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: 'Sentinel alarms',
          alarms: [...props.alarms],
          width: FULL_WIDTH,
        }),
      );
    }

    const timeoutMs = props.scannerTimeout.toMilliseconds();
    this.dashboard.addWidgets(
      graph('Runs', [run('ScanCompleted', 'Scheduled scans'), run('CheckCompleted', 'Pending checks')]),
      graph(
        'Run duration (ms)',
        [
          run('RunDuration', 'Longest run', cloudwatch.Stats.MAXIMUM),
          run('RunDuration', 'Average run', cloudwatch.Stats.AVERAGE),
        ],
        { leftAnnotations: [{ value: timeoutMs, label: 'Scanner timeout', color: cloudwatch.Color.RED }] },
      ),
      graph('Alerts, actions and errors', [
        run('NewFindings', 'New findings'),
        run('Actions', 'Remediations'),
        run('ScanErrors', 'Scan errors'),
      ]),
    );
    const kinds = Object.keys(FINDING_KIND_LABELS) as FindingKind[];
    this.dashboard.addWidgets(
      graph(
        'Findings by kind (largest count a run saw)',
        kinds.map((kind) => findingsMetric(scanner, kind)),
        { width: FULL_WIDTH / 2 },
      ),
      graph(
        'API calls and CloudWatch metrics requested',
        [
          run('ApiCalls', 'AWS API calls'),
          run('MetricsRequested', 'Metrics requested (GetMetricData is billed per metric)'),
        ],
        { width: FULL_WIDTH / 2 },
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Account concurrency',
        [
          accountMetric('ConcurrentExecutions', cloudwatch.Stats.MAXIMUM),
          accountMetric('ClaimedAccountConcurrency', cloudwatch.Stats.MAXIMUM),
          accountMetric('UnreservedConcurrentExecutions', cloudwatch.Stats.MAXIMUM),
        ],
        { width: FULL_WIDTH / 2 },
      ),
      graph('Account throttles', [accountMetric('Throttles', cloudwatch.Stats.SUM)], {
        width: FULL_WIDTH / 2,
      }),
    );

    this.url =
      `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}` +
      `#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
