import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { RESOURCE_NAMES, ROLE_BASES, functionBase } from "../lib/addresses";
import { TableCatalog } from "../lib/catalog";
import { hclString } from "../lib/hcl";
import { LambdaBundle } from "../lib/synth/bundle-lambdas";
import { ChangeCaptureVariables, capturableTables } from "./change-capture-variables";
import {
  CapturePolicyRefs,
  captureFunctionPolicy,
  sealFunctionPolicy,
  sealSchedulerPolicy,
} from "./change-capture-policies";
import { PipelineFunction } from "./lambda-function";
import { PipelineContext, local } from "./pipeline-context";
import { PipelineRole } from "./pipeline-role";
import { PipelineSchedule } from "./pipeline-schedule";
import { localRef, oneOrNull } from "./refs";

/** Lambda retries a failing batch (halved each time by bisect-on-error) this many times before giving up on it. */
export const CAPTURE_MAX_RETRY_ATTEMPTS = 10;
/**
 * Records older than this (6 hours) are not retried any more: their batch's description goes to the failure queue
 * while the stream still holds the records for another 18 hours, so they can be read again by hand.
 */
export const CAPTURE_MAX_RECORD_AGE_SECONDS = 6 * 3600;
/**
 * Tumbling windows are on only so that Lambda names the shard of each batch (`shardId` in the event): a plain stream
 * event does not, and without it the seal cannot chain several shards delivered at once. Capture keeps no window state.
 */
export const CAPTURE_TUMBLING_WINDOW_SECONDS = 60;
/** The failure queue keeps a failed batch's description for SQS's longest retention, 14 days. */
export const FAILURE_QUEUE_RETENTION_SECONDS = 14 * 24 * 3600;
/** The seal runs hourly, a few minutes past the hour (the hour before is closed by then). */
export const SEAL_SCHEDULE = "cron(7 * * * ? *)";
export const SEAL_SCHEDULE_TIMEZONE = "UTC";
/** Capture errors and the failure queue are looked at over 5 minutes; seal errors over an hour (one run). */
export const CAPTURE_ALARM_PERIOD_SECONDS = 300;
export const SEAL_ALARM_PERIOD_SECONDS = 3600;
/** The README section that explains every capture alarm and what to do about it. */
export const CAPTURE_RUNBOOK =
  "See the README section 'Change capture' > 'Alarms: what each one means and what to do'.";

/** What change capture uses from the export pipeline: HCL expressions (without `${}`) or tokens. */
export interface CapturePipelineRefs {
  /** 1 when the export pipeline (and so the backup bucket, key and alarm topic) exists, else 0. */
  readonly countExpr: string;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly kmsKeyArn: string;
  /** The `<prefix>-dynamo-backup-failed` topic. */
  readonly alarmTopicArn: string;
}

export interface ChangeCaptureProps {
  readonly catalog: TableCatalog;
  readonly context: PipelineContext;
  /** Catalog name → table resource. */
  readonly tables: ReadonlyMap<string, DynamodbTable>;
  readonly variables: ChangeCaptureVariables;
  readonly pipeline: CapturePipelineRefs;
  /** The capture function's zip (functions/capture-changes.ts). */
  readonly captureBundle: LambdaBundle;
  /** The seal function's zip (functions/seal-capture.ts). */
  readonly sealBundle: LambdaBundle;
  /** The pipeline's Lambda settings, shared: expressions (without `${}`) or tokens. */
  readonly lambda: { readonly runtime: string; readonly architecture: string; readonly logRetentionDays: string };
  /** e.g. `var.prefix` */
  readonly prefixExpr: string;
  /** e.g. `var.tags` */
  readonly tagsExpr: string;
}

/**
 * Change capture: every change of the tables in `change_capture_tables`, read from their streams by one capture
 * function (one event source mapping per table) into the backup bucket's `changes/` prefix; failed batches'
 * descriptions in an encrypted SQS queue; an hourly seal; alarms to the pipeline's alarm topic. Nothing exists while
 * `change_capture_tables` is empty; it needs the export pipeline (see {@link ChangeCapture.requirement}).
 */
export class ChangeCapture extends Construct {
  /** Expressions (tokens) for the module's `change_capture` output; null when capture is off. */
  public readonly outputs: Readonly<Record<string, string>>;
  /** The rule the module checks at plan (an output precondition): capture needs the export pipeline. */
  public readonly requirement: { readonly condition: string; readonly error_message: string };

  constructor(scope: Construct, id: string, props: ChangeCaptureProps) {
    super(scope, id);
    const vars = props.variables;
    const tablesVar = vars.changeCaptureTables.fqn;
    const requested = `length(${tablesVar}) > 0`;
    const countExpr = localRef(
      local(this, "capture_count", `\${${requested} && ${props.pipeline.countExpr} == 1 ? 1 : 0}`),
    );
    const sources = this.sources(props);
    // Catalog name → stream ARN of each captured table (empty while capture is off).
    const streams = `{ for t in ${tablesVar} : t => ${sources}[t].stream_arn if ${countExpr} == 1 }`;
    const captureTables = `jsonencode({ for t in ${tablesVar} : ${sources}[t].table_name => t })`;

    const queue = this.failureQueue(props, countExpr);
    const refs: CapturePolicyRefs = {
      streamArns: `values(${streams})`,
      bucketArn: props.pipeline.bucketArn,
      kmsKeyArn: props.pipeline.kmsKeyArn,
      failureQueueArn: oneOrNull(queue, "arn"),
      topicArn: props.pipeline.alarmTopicArn,
    };
    const { capture, seal } = this.functions(props, countExpr, refs, captureTables);

    this.streamMappings(props, streams, oneOrNull(capture, "functionName"), oneOrNull(queue, "arn"));
    this.sealSchedule(props, countExpr, oneOrNull(seal, "arn"));
    this.alarms(props, countExpr, {
      captureFunction: oneOrNull(capture, "functionName"),
      sealFunction: oneOrNull(seal, "functionName"),
      queueName: oneOrNull(queue, "name"),
    });

    this.requirement = {
      condition: `\${!(${requested}) || ${props.pipeline.countExpr} == 1}`,
      error_message:
        "change_capture_tables needs the export pipeline: capture writes to its backup bucket with its key and alarms on its topic, which exist only when enable_export_pipeline is true and the pipeline exports at least one table (export_tables, or enable_point_in_time_tables when export_tables is null). Turn the export pipeline on, or set change_capture_tables = [].",
    };
    this.outputs = {
      tables: `${countExpr} == 1 ? ${tablesVar} : []`,
      capture_function_name: oneOrNull(capture, "functionName"),
      seal_function_name: oneOrNull(seal, "functionName"),
      failure_queue_url: oneOrNull(queue, "url"),
      failure_queue_arn: oneOrNull(queue, "arn"),
    };
  }

  /** The capture function (fed by the stream mappings) and the seal function (run by the hourly schedule). */
  private functions(
    props: ChangeCaptureProps,
    countExpr: string,
    refs: CapturePolicyRefs,
    captureTables: string,
  ): { capture: LambdaFunction; seal: LambdaFunction } {
    const common = { DEPLOYMENT: `\${${props.prefixExpr}}`, BACKUP_BUCKET: `\${${props.pipeline.bucketName}}` };
    const capture = this.lambdaFunction(props, countExpr, {
      name: "capture-changes",
      bundle: props.captureBundle,
      statements: (logs) => captureFunctionPolicy(refs, logs),
      environment: {
        ...common,
        CAPTURE_TABLES: `\${${captureTables}}`,
        CAPTURE_KMS_KEY_ARN: `\${${props.pipeline.kmsKeyArn}}`,
      },
      memoryMb: 512,
      timeoutSeconds: 300,
      description: "Change capture: writes each delivered batch of stream records to the backup bucket.",
    });
    const seal = this.lambdaFunction(props, countExpr, {
      name: "seal-capture",
      bundle: props.sealBundle,
      statements: (logs) => sealFunctionPolicy(refs, logs),
      environment: {
        ...common,
        CAPTURE_TABLES: `\${${captureTables}}`,
        CAPTURE_KMS_KEY_ARN: `\${${props.pipeline.kmsKeyArn}}`,
        ALARM_TOPIC_ARN: `\${${props.pipeline.alarmTopicArn}}`,
      },
      memoryMb: 1024,
      timeoutSeconds: 900,
      description: "Seals each closed hour of captured changes: checks, manifests, coverage, cross-check.",
    });
    return { capture, seal };
  }

  /** `local.…`: catalog name → { table_name, stream_arn } of every table whose stream capture can read. */
  private sources(props: ChangeCaptureProps): string {
    const entries = capturableTables(props.catalog).map((name) => {
      const table = props.tables.get(name);
      if (table === undefined) throw new Error(`ChangeCapture: no table resource for catalog table ${name}`);
      return [name, { table_name: table.name, stream_arn: table.streamArn }] as const;
    });
    return localRef(local(this, "capture_sources", Object.fromEntries(entries)));
  }

  private failureQueue(props: ChangeCaptureProps, countExpr: string): SqsQueue {
    const queue = new SqsQueue(this, "failure_queue", {
      count: Token.asNumber(`\${${countExpr}}`),
      name: `\${${props.context.nameBaseExpr}}-capture-failed-batches`,
      kmsMasterKeyId: `\${${props.pipeline.kmsKeyArn}}`,
      messageRetentionSeconds: FAILURE_QUEUE_RETENTION_SECONDS,
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    queue.overrideLogicalId(RESOURCE_NAMES.captureFailureQueue);
    return queue;
  }

  private lambdaFunction(
    props: ChangeCaptureProps,
    countExpr: string,
    f: {
      name: string;
      bundle: LambdaBundle;
      statements: (logGroupArn: string) => ReturnType<typeof captureFunctionPolicy>;
      environment: Record<string, string>;
      memoryMb: number;
      timeoutSeconds: number;
      description: string;
    },
  ): LambdaFunction {
    const base = props.context.nameBaseExpr;
    return new PipelineFunction(this, f.name, {
      logicalBase: functionBase(f.name),
      bundle: f.bundle,
      functionName: `\${${base}}-ddb-${f.name}`,
      roleName: `\${${base}}-ddb-${f.name}`,
      statements: f.statements,
      runtimeExpr: props.lambda.runtime,
      architectureExpr: props.lambda.architecture,
      logRetentionDaysExpr: props.lambda.logRetentionDays,
      countExpr,
      tagsExpr: props.tagsExpr,
      environment: f.environment,
      memoryMb: f.memoryMb,
      timeoutSeconds: f.timeoutSeconds,
      description: f.description,
    }).function;
  }

  /** One event source mapping per captured table: its stream → the capture function (expressions without `${}`). */
  private streamMappings(props: ChangeCaptureProps, streams: string, functionName: string, queueArn: string): void {
    const each = TerraformIterator.fromMap(Token.asAnyMap(`\${${streams}}`));
    const vars = props.variables;
    const mapping = new LambdaEventSourceMapping(this, "stream", {
      forEach: each,
      eventSourceArn: Token.asString(each.value),
      functionName: `\${${functionName}}`,
      startingPosition: "TRIM_HORIZON",
      batchSize: vars.captureBatchSize.numberValue,
      maximumBatchingWindowInSeconds: vars.captureBatchingWindowSeconds.numberValue,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
      tumblingWindowInSeconds: CAPTURE_TUMBLING_WINDOW_SECONDS,
      maximumRetryAttempts: CAPTURE_MAX_RETRY_ATTEMPTS,
      maximumRecordAgeInSeconds: CAPTURE_MAX_RECORD_AGE_SECONDS,
      destinationConfig: { onFailure: { destinationArn: `\${${queueArn}}` } },
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    mapping.overrideLogicalId(RESOURCE_NAMES.captureStreamMapping);
  }

  /** The hourly seal, started by EventBridge Scheduler with a role that may invoke the seal function only. */
  private sealSchedule(props: ChangeCaptureProps, countExpr: string, sealArn: string): void {
    const base = props.context.nameBaseExpr;
    const role = new PipelineRole(this, "seal_scheduler", {
      logicalBase: ROLE_BASES.sealScheduler,
      roleName: `\${${base}}-ddb-seal-scheduler`,
      servicePrincipal: "scheduler.amazonaws.com",
      statements: sealSchedulerPolicy(sealArn),
      countExpr,
      tagsExpr: props.tagsExpr,
      sourceAccountExpr: props.context.accountIdExpr,
    });
    new PipelineSchedule(this, "seal_schedule", {
      logicalId: RESOURCE_NAMES.sealCaptureSchedule,
      name: `\${${base}}-ddb-seal-capture`,
      description: "Seals the last closed hour of captured changes of each captured table.",
      scheduleExpr: hclString(SEAL_SCHEDULE),
      timezoneExpr: hclString(SEAL_SCHEDULE_TIMEZONE),
      stateMachineArnExpr: sealArn,
      roleArnExpr: oneOrNull(role.role, "arn"),
      input: {},
      countExpr,
    });
  }

  private alarms(
    props: ChangeCaptureProps,
    countExpr: string,
    names: { captureFunction: string; sealFunction: string; queueName: string },
  ): void {
    const count = Token.asNumber(`\${${countExpr}}`);
    const topic = `\${${props.pipeline.alarmTopicArn}}`;
    const prefix = `\${${props.prefixExpr}}`;
    const common = {
      count,
      alarmActions: [topic],
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    };
    for (const { id, ...spec } of this.alarmSpecs(props, prefix, topic, names)) {
      new CloudwatchMetricAlarm(this, id, { ...common, ...spec }).overrideLogicalId(id);
    }
  }

  /** The four alarms: what each watches and what its description tells the person who receives it. */
  private alarmSpecs(
    props: ChangeCaptureProps,
    prefix: string,
    topic: string,
    names: { captureFunction: string; sealFunction: string; queueName: string },
  ): readonly (Omit<CloudwatchMetricAlarmConfig, "evaluationPeriods"> & { readonly id: string })[] {
    const lagMinutes = props.variables.maxCaptureLagMinutes;
    return [
      {
        id: RESOURCE_NAMES.captureIteratorAgeAlarm,
        alarmName: `${prefix}-capture-iterator-age`,
        alarmDescription: `Change capture is more than \${${lagMinutes.fqn}} minutes behind a captured table's stream (Lambda IteratorAge). A stream keeps records for 24 hours: past that, changes are lost from the capture. Look at the capture function's errors, throttles and duration; raise capture_batch_size or the function's concurrency if it cannot keep up. ${CAPTURE_RUNBOOK}`,
        namespace: "AWS/Lambda",
        metricName: "IteratorAge",
        dimensions: { FunctionName: `\${${names.captureFunction}}` },
        statistic: "Maximum",
        period: CAPTURE_ALARM_PERIOD_SECONDS,
        // IteratorAge is in milliseconds.
        threshold: Token.asNumber(`\${${lagMinutes.fqn} * 60000}`),
        comparisonOperator: "GreaterThanThreshold",
        okActions: [topic],
      },
      {
        id: RESOURCE_NAMES.captureErrorsAlarm,
        alarmName: `${prefix}-capture-errors`,
        alarmDescription: `The change-capture function failed on a batch of stream records. Lambda retries it (halving the batch each time) and, if it keeps failing, sends the batch's description to the failed-batches queue: those changes are then not captured. Read the function's log for the error. ${CAPTURE_RUNBOOK}`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: `\${${names.captureFunction}}` },
        statistic: "Sum",
        period: CAPTURE_ALARM_PERIOD_SECONDS,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
      {
        id: RESOURCE_NAMES.captureFailedBatchesAlarm,
        alarmName: `${prefix}-capture-failed-batches`,
        alarmDescription: `A batch of stream records could not be captured and its description (stream, shard, first and last sequence number) is in the failed-batches queue: those changes are missing from the capture and the hour will not seal. Read the message, fix the cause, and re-read the records from the stream while it still holds them (24 hours), then delete the message. ${CAPTURE_RUNBOOK}`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: `\${${names.queueName}}` },
        statistic: "Maximum",
        period: CAPTURE_ALARM_PERIOD_SECONDS,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        okActions: [topic],
      },
      {
        id: RESOURCE_NAMES.captureSealErrorsAlarm,
        alarmName: `${prefix}-capture-seal-errors`,
        alarmDescription: `The hourly seal of captured changes failed: it could not run, or it found a hole, a damaged object, a record the stream trimmed or a disagreement with an incremental export (its own message on this topic then names the table, the hour and the keys). Those hours are not sealed, so nothing treats them as complete; the next hourly run tries again. Read that message and the seal function's log, and fix the cause. ${CAPTURE_RUNBOOK}`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: `\${${names.sealFunction}}` },
        statistic: "Sum",
        period: SEAL_ALARM_PERIOD_SECONDS,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
      },
    ];
  }
}
