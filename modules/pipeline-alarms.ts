import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { ALARM_TOPIC_SUFFIX, METRIC, METRICS_NAMESPACE } from "../lib/pipeline/config";

/** State machine failures are counted over this period (seconds). */
export const FAILURE_ALARM_PERIOD_SECONDS = 300;
/** The freshness alarm looks at hourly sums of verified exports. */
export const FRESHNESS_PERIOD_SECONDS = 3600;

/** Terraform expressions (without `${}`). */
export interface PipelineAlarmsProps {
  readonly countExpr: string;
  /** 1 when the restore drill exists. */
  readonly drillCountExpr: string;
  readonly prefixExpr: string;
  readonly nameBaseExpr: string;
  readonly tagsExpr: string;
  /** Key for the topic's encryption, or null for none. */
  readonly topicKmsKeyExpr: string;
  readonly subscriptionsExpr: string;
  /** List of the exported tables' catalog names. */
  readonly exportTablesExpr: string;
  readonly maxExportAgeHoursExpr: string;
  readonly exportStateMachineArnExpr: string;
  readonly drillStateMachineArnExpr: string;
}

/** The README section that explains every alarm and what to do about it. */
export const ALARM_RUNBOOK = "See the README section 'export-pipeline' > 'Alerts'.";

/**
 * The alarm topic `<prefix>-dynamo-backup-failed` with its subscriptions, and the alarms that publish to it: export
 * (and restore drill) executions that failed, timed out or were aborted, and one freshness (RPO) alarm per exported
 * table: no verified export for `max_export_age_hours`. The Lambdas publish step-level failures to the same topic.
 */
export class PipelineAlarms extends Construct {
  public readonly topic: SnsTopic;
  /** `aws_sns_topic.alarm_topic[0].arn` */
  public readonly topicArnExpr = "aws_sns_topic.alarm_topic[0].arn";

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const count = Token.asNumber(`\${${props.countExpr}}`);
    const tags = Token.asStringMap(`\${${props.tagsExpr}}`);

    this.topic = new SnsTopic(this, "topic", {
      count,
      name: `\${${props.nameBaseExpr}}-${ALARM_TOPIC_SUFFIX}`,
      displayName: "DynamoDB backup failures",
      kmsMasterKeyId: `\${${props.topicKmsKeyExpr}}`,
      tags,
    });
    this.topic.overrideLogicalId("alarm_topic");
    const topicArn = `\${${this.topicArnExpr}}`;

    // for_each is written directly: cdktf's iterators wrap the expression in another toset()/interpolation.
    const subscription = new SnsTopicSubscription(this, "subscription", {
      topicArn,
      protocol: "${each.value.protocol}",
      endpoint: "${each.value.endpoint}",
    });
    subscription.overrideLogicalId("alarm_subscription");
    subscription.addOverride(
      "for_each",
      `\${${props.countExpr} == 1 ? { for s in distinct(${props.subscriptionsExpr}) : "\${s.protocol}:\${s.endpoint}" => s } : {}}`,
    );

    this.executionAlarm("export_failed_alarm", {
      count,
      alarmName: `\${${props.prefixExpr}}-dynamo-export-failed`,
      description: `An export-and-verify execution failed, timed out or was aborted: some table was not exported or its export did not verify. The SNS message of the failed step names the table and the error. ${ALARM_RUNBOOK}`,
      stateMachineArn: `\${${props.exportStateMachineArnExpr}}`,
      topicArn,
      tags,
    });
    this.executionAlarm("restore_drill_failed_alarm", {
      count: Token.asNumber(`\${${props.drillCountExpr}}`),
      alarmName: `\${${props.prefixExpr}}-dynamo-restore-drill-failed`,
      description: `A restore drill failed, timed out or was aborted: an export could not be imported into a scratch table, or the restored data did not match it. ${ALARM_RUNBOOK}`,
      stateMachineArn: `\${${props.drillStateMachineArnExpr}}`,
      topicArn,
      tags,
    });

    const freshness = new CloudwatchMetricAlarm(this, "freshness", {
      alarmName: `\${${props.prefixExpr}}-dynamo-export-stale-\${each.value}`,
      alarmDescription: `RPO alarm: table \${each.value} has had no verified export for \${${props.maxExportAgeHoursExpr}} hours, so a restore from export would lose at least that much data. ${ALARM_RUNBOOK}`,
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.verifiedExports,
      dimensions: { Deployment: `\${${props.prefixExpr}}`, Table: "${each.value}" },
      statistic: "Sum",
      period: FRESHNESS_PERIOD_SECONDS,
      evaluationPeriods: Token.asNumber(`\${${props.maxExportAgeHoursExpr}}`),
      datapointsToAlarm: Token.asNumber(`\${${props.maxExportAgeHoursExpr}}`),
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // No datapoint in an hour means no verified export in that hour.
      treatMissingData: "breaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
      tags,
    });
    freshness.overrideLogicalId("export_freshness_alarm");
    freshness.addOverride("for_each", `\${${props.countExpr} == 1 ? toset(${props.exportTablesExpr}) : toset([])}`);
  }

  private executionAlarm(
    logicalId: string,
    p: {
      count: number;
      alarmName: string;
      description: string;
      stateMachineArn: string;
      topicArn: string;
      tags: Record<string, string>;
    },
  ): void {
    const metric = (id: string, name: string) => ({
      id,
      returnData: false,
      metric: {
        namespace: "AWS/States",
        metricName: name,
        dimensions: { StateMachineArn: p.stateMachineArn },
        period: FAILURE_ALARM_PERIOD_SECONDS,
        stat: "Sum",
      },
    });
    new CloudwatchMetricAlarm(this, logicalId, {
      count: p.count,
      alarmName: p.alarmName,
      alarmDescription: p.description,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      metricQuery: [
        {
          id: "problems",
          expression: "FILL(failed, 0) + FILL(timedout, 0) + FILL(aborted, 0)",
          label: "Failed, timed out or aborted executions",
          returnData: true,
        },
        metric("failed", "ExecutionsFailed"),
        metric("timedout", "ExecutionsTimedOut"),
        metric("aborted", "ExecutionsAborted"),
      ],
      alarmActions: [p.topicArn],
      tags: p.tags,
    }).overrideLogicalId(logicalId);
  }
}
