import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { Token } from "cdktf";
import { Construct } from "constructs";

/** EventBridge Scheduler retries a failed StartExecution this many times. */
export const SCHEDULE_MAX_RETRIES = 10;

/** Terraform expressions (without `${}`) unless said otherwise. */
export interface PipelineScheduleProps {
  /** Terraform resource name of the schedule. */
  readonly logicalId: string;
  /** Schedule name (a Terraform template string), at most 64 characters once evaluated. */
  readonly name: string;
  readonly description: string;
  readonly scheduleExpr: string;
  readonly timezoneExpr: string;
  readonly stateMachineArnExpr: string;
  readonly roleArnExpr: string;
  /** The execution input, as a JSON-able value. */
  readonly input: Record<string, unknown>;
  readonly countExpr: string;
}

/** An EventBridge Scheduler schedule that starts a state machine execution with a fixed input. */
export class PipelineSchedule extends Construct {
  constructor(scope: Construct, id: string, props: PipelineScheduleProps) {
    super(scope, id);
    new SchedulerSchedule(this, "schedule", {
      count: Token.asNumber(`\${${props.countExpr}}`),
      name: props.name,
      description: props.description,
      scheduleExpression: `\${${props.scheduleExpr}}`,
      scheduleExpressionTimezone: `\${${props.timezoneExpr}}`,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: `\${${props.stateMachineArnExpr}}`,
        roleArn: `\${${props.roleArnExpr}}`,
        input: JSON.stringify(props.input),
        retryPolicy: { maximumRetryAttempts: SCHEDULE_MAX_RETRIES },
      },
    }).overrideLogicalId(props.logicalId);
  }
}
