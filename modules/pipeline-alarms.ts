import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { RESOURCE_NAMES } from "../lib/addresses";
import { METRIC, METRICS_NAMESPACE } from "../lib/pipeline/config";
import { AlarmTopic } from "./alarm-topic";
import { PipelineStateMachine } from "./pipeline-state-machine";

/** State machine failures are counted over this period (seconds). */
export const FAILURE_ALARM_PERIOD_SECONDS = 300;
/** The freshness alarm looks at hourly sums of verified exports. */
export const FRESHNESS_PERIOD_SECONDS = 3600;

/** Terraform expressions (without `${}`) and the constructs the alarms watch or publish to. */
export interface PipelineAlarmsProps {
  readonly countExpr: string;
  /** 1 when the restore drill exists. */
  readonly drillCountExpr: string;
  readonly prefixExpr: string;
  readonly tagsExpr: string;
  /** The topic the alarms publish to. */
  readonly topic: AlarmTopic;
  /** List of the exported tables' catalog names. */
  readonly exportTablesExpr: string;
  readonly maxExportAgeHoursExpr: string;
  readonly exportMachine: PipelineStateMachine;
  readonly drillMachine: PipelineStateMachine;
}

/** The README section that explains every alarm and what to do about it. */
export const ALARM_RUNBOOK = "See the README section 'export-pipeline' > 'Alerts'.";

/**
 * The alarms that publish to the alarm topic ({@link AlarmTopic}): export (and restore drill) executions that failed,
 * timed out or were aborted, and one freshness (RPO) alarm per exported table: no verified export for
 * `max_export_age_hours`. The Lambdas publish step-level failures to the same topic.
 */
export class PipelineAlarms extends Construct {
  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const count = Token.asNumber(`\${${props.countExpr}}`);
    const tags = Token.asStringMap(`\${${props.tagsExpr}}`);
    const topicArn = `\${${props.topic.arnExpr}}`;

    this.executionAlarm(RESOURCE_NAMES.exportFailedAlarm, {
      count,
      alarmName: `\${${props.prefixExpr}}-dynamo-export-failed`,
      description: `An export-and-verify execution failed, timed out or was aborted: some table was not exported or its export did not verify. The SNS message of the failed step names the table and the error. ${ALARM_RUNBOOK}`,
      stateMachineArn: `\${${props.exportMachine.arnExpr}}`,
      topicArn,
      tags,
    });
    this.executionAlarm(RESOURCE_NAMES.restoreDrillFailedAlarm, {
      count: Token.asNumber(`\${${props.drillCountExpr}}`),
      alarmName: `\${${props.prefixExpr}}-dynamo-restore-drill-failed`,
      description: `A restore drill failed, timed out or was aborted: an export could not be imported into a scratch table, or the restored data did not match it. ${ALARM_RUNBOOK}`,
      stateMachineArn: `\${${props.drillMachine.arnExpr}}`,
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
    freshness.overrideLogicalId(RESOURCE_NAMES.exportFreshnessAlarm);
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
