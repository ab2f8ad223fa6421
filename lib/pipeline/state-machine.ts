/**
 * The pipeline's two Step Functions state machines, in Amazon States Language, built as plain data:
 *
 * - export: plan → for each table (Map): native export (start, wait, poll) or parallel scan (Map over segments, each
 *   segment resumed across invocations until done, then finalize) → verify; any failure → notify → the table is
 *   marked failed; at the end the execution fails if any table failed (so the failure alarm fires as well).
 * - restore drill: plan → for each table (Map): import the latest verified export into a scratch table, wait, poll,
 *   compare, delete the scratch table; any failure → delete the scratch table → notify → failed.
 *
 * The builders take the function ARNs and the table configuration as values, so tests validate the exact JSON with
 * asl-validator, and the module passes Terraform references (see {@link toTerraformTemplate}).
 */
import { POLL_INTERVAL_SECONDS, PipelineFunctionName } from "./config";

/** What the state machines get about each table (built by Terraform from the module's inputs). */
export interface TableConfig {
  /** Catalog name, e.g. CollectionsTable. */
  readonly table: string;
  readonly tableName: string;
  readonly tableArn: string;
  /** Whether the table has PITR (native export) or not (scan export). */
  readonly pitr: boolean;
}

export interface PipelineConfig {
  readonly tables: readonly TableConfig[];
}

export interface StateMachineRefs {
  /** ARN (or a placeholder) of each function the machine invokes. */
  readonly functionArn: (name: PipelineFunctionName) => string;
  /** The configuration object, or a placeholder string replaced later. */
  readonly config: PipelineConfig | string;
}

/** The whole execution may run this long (large native exports take hours). */
export const EXECUTION_TIMEOUT_SECONDS = 24 * 60 * 60;
/** Tables exported (or drilled) at once. */
export const TABLE_CONCURRENCY = 10;
export const DRILL_CONCURRENCY = 2;

const LAMBDA_TRANSIENT_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

type State = Record<string, unknown>;

/** A Lambda task: the payload is built from `payload`, the function's result lands at `resultPath`. */
function invoke(
  refs: StateMachineRefs,
  fn: PipelineFunctionName,
  payload: Record<string, unknown>,
  opts: { resultPath: string | null; next?: string; catchTo?: string; end?: boolean; comment?: string },
): State {
  const state: State = {
    Type: "Task",
    Comment: opts.comment,
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: refs.functionArn(fn), Payload: payload },
    ResultSelector: { "result.$": "$.Payload" },
    OutputPath: undefined,
    ResultPath: opts.resultPath,
    Retry: [{ ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
  };
  if (opts.catchTo !== undefined) {
    state.Catch = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: opts.catchTo }];
  }
  if (opts.end === true) state.End = true;
  else state.Next = opts.next;
  return prune(state);
}

function prune(state: State): State {
  return Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined));
}

/** Pass that stores the configuration at `$.config`. */
function configure(refs: StateMachineRefs, next: string): State {
  return {
    Type: "Pass",
    Comment: "The module's table configuration, rendered by Terraform from its inputs.",
    Result: refs.config,
    ResultPath: "$.config",
    Next: next,
  };
}

/** The plan step, and what happens when it fails: notify (for all tables), then fail the execution. */
function plan(refs: StateMachineRefs, mode: "EXPORT" | "DRILL", next: string): Record<string, State> {
  return {
    Plan: invoke(
      refs,
      "plan-exports",
      {
        purpose: mode,
        "input.$": "$$.Execution.Input",
        "config.$": "$.config",
        "executionName.$": "$$.Execution.Name",
        "startTime.$": "$$.Execution.StartTime",
      },
      {
        resultPath: "$.plan",
        next,
        catchTo: "NotifyPlanFailure",
        comment: "Decides, per table, what to do in this run.",
      },
    ),
    NotifyPlanFailure: invoke(
      refs,
      "notify",
      {
        stage: mode === "EXPORT" ? "export" : "restore-drill",
        job: { table: "(all tables)" },
        "error.$": "$.error",
        "executionArn.$": "$$.Execution.Id",
      },
      { resultPath: null, next: "PlanFailed" },
    ),
    PlanFailed: {
      Type: "Fail",
      Error: "PlanFailed",
      Cause: "The plan step failed (bad execution input or configuration); the alarm topic got the details.",
    },
  };
}

/** Turns the Map's per-table results into a pass/fail decision for the whole execution. */
function summarize(kind: string, failState: string): Record<string, State> {
  return {
    Summarize: {
      Type: "Pass",
      Parameters: {
        "results.$": "$.results",
        "failedTables.$": "$.results[?(@.status == 'FAILED')].table",
      },
      ResultPath: "$.summary",
      Next: "AnyFailed",
    },
    AnyFailed: {
      Type: "Choice",
      Choices: [{ Variable: "$.summary.failedTables[0]", IsPresent: true, Next: failState }],
      Default: "AllSucceeded",
    },
    AllSucceeded: { Type: "Succeed" },
    [failState]: {
      Type: "Fail",
      Error: `${kind}Failed`,
      Cause: `One or more tables failed (${kind.toLowerCase()}); each failure was sent to the alarm topic with what to do. See the execution's Summarize step for the list.`,
    },
  };
}

function notifyAndMarkFailed(refs: StateMachineRefs, stage: "export" | "restore-drill"): Record<string, State> {
  return {
    NotifyFailure: invoke(
      refs,
      "notify",
      {
        stage,
        "job.$": "$.job",
        "error.$": "$.error",
        "executionArn.$": "$$.Execution.Id",
      },
      { resultPath: null, next: "MarkFailed", comment: "Publishes what failed and what to do to the alarm topic." },
    ),
    MarkFailed: {
      Type: "Pass",
      Parameters: { "table.$": "$.job.table", status: "FAILED", "error.$": "$.error" },
      End: true,
    },
  };
}

/** The export-and-verify state machine. Input: `{"mode": "FULL" | "INCREMENTAL", "tables"?: [catalog names]}`. */
export function exportStateMachine(refs: StateMachineRefs): Record<string, unknown> {
  const catchTo = "NotifyFailure";
  const tableStates: Record<string, State> = {
    ChooseMethod: {
      Type: "Choice",
      Choices: [
        { Variable: "$.job.method", StringEquals: "NATIVE", Next: "StartNativeExport" },
        { Variable: "$.job.method", StringEquals: "SCAN", Next: "ScanSegments" },
      ],
      Default: "Skipped",
    },
    Skipped: {
      Type: "Pass",
      Parameters: { "table.$": "$.job.table", status: "SKIPPED", "reason.$": "$.job.skipReason" },
      End: true,
    },
    StartNativeExport: invoke(
      refs,
      "native-export",
      { action: "start", "job.$": "$.job" },
      {
        resultPath: "$.export",
        next: "WaitForExport",
        catchTo,
        comment: "ExportTableToPointInTime (FULL or INCREMENTAL).",
      },
    ),
    WaitForExport: { Type: "Wait", Seconds: POLL_INTERVAL_SECONDS, Next: "PollExport" },
    PollExport: invoke(
      refs,
      "native-export",
      { action: "poll", "job.$": "$.job", "export.$": "$.export.result" },
      {
        resultPath: "$.export",
        next: "ExportFinished",
        catchTo,
        comment: "DescribeExport; fails when the export failed.",
      },
    ),
    ExportFinished: {
      Type: "Choice",
      Choices: [{ Variable: "$.export.result.status", StringEquals: "COMPLETED", Next: "Verify" }],
      Default: "WaitForExport",
    },
    ScanSegments: {
      Type: "Map",
      Comment: "Parallel scan: one iteration per segment; each segment is resumed from its checkpoint until done.",
      ItemsPath: "$.job.segments",
      ItemSelector: { "job.$": "$.job", "segment.$": "$$.Map.Item.Value" },
      MaxConcurrency: 0,
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: "ScanSegment",
        States: {
          ScanSegment: invoke(
            refs,
            "scan-export",
            { action: "segment", "job.$": "$.job", "segment.$": "$.segment" },
            { resultPath: "$.progress", next: "SegmentDone" },
          ),
          SegmentDone: {
            Type: "Choice",
            Choices: [{ Variable: "$.progress.result.done", BooleanEquals: true, Next: "SegmentFinished" }],
            Default: "ScanSegment",
          },
          SegmentFinished: { Type: "Succeed" },
        },
      },
      ResultPath: null,
      Next: "FinalizeScan",
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: catchTo }],
    },
    FinalizeScan: invoke(
      refs,
      "scan-export",
      { action: "finalize", "job.$": "$.job" },
      { resultPath: "$.export", next: "Verify", catchTo, comment: "Writes the manifests once every segment is done." },
    ),
    Verify: invoke(
      refs,
      "verify-export",
      { "job.$": "$.job", "export.$": "$.export.result" },
      {
        resultPath: "$.verification",
        next: "VerifyFinished",
        catchTo,
        comment: "md5 and item count of every data file; resumed until done for big exports.",
      },
    ),
    VerifyFinished: {
      Type: "Choice",
      Choices: [{ Variable: "$.verification.result.done", BooleanEquals: true, Next: "Exported" }],
      Default: "Verify",
    },
    Exported: {
      Type: "Pass",
      Parameters: { "table.$": "$.job.table", status: "VERIFIED", "report.$": "$.verification.result.reportKey" },
      End: true,
    },
    ...notifyAndMarkFailed(refs, "export"),
  };

  return {
    Comment: "Exports the module's DynamoDB tables to the backup bucket and verifies every export.",
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    StartAt: "Configure",
    States: {
      Configure: configure(refs, "Plan"),
      ...plan(refs, "EXPORT", "ExportTables"),
      ExportTables: {
        Type: "Map",
        ItemsPath: "$.plan.result.jobs",
        ItemSelector: { "job.$": "$$.Map.Item.Value" },
        MaxConcurrency: TABLE_CONCURRENCY,
        ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: "ChooseMethod", States: tableStates },
        ResultPath: "$.results",
        Next: "Summarize",
      },
      ...summarize("Export", "ExportsFailed"),
    },
  };
}

/** The restore-drill state machine. Input: `{"tables"?: [catalog names]}`. */
export function restoreDrillStateMachine(refs: StateMachineRefs): Record<string, unknown> {
  const drill = (action: string, resultPath: string | null, next: string, catchTo: string, comment?: string): State =>
    invoke(
      refs,
      "restore-drill",
      { action, "job.$": "$.job", "drill.$": "$.drill.result" },
      {
        resultPath,
        next,
        catchTo,
        comment,
      },
    );
  const tableStates: Record<string, State> = {
    StartImport: invoke(
      refs,
      "restore-drill",
      { action: "start", "job.$": "$.job" },
      {
        resultPath: "$.drill",
        next: "WaitForImport",
        catchTo: "NotifyFailure",
        comment: "ImportTable of the latest verified full export into a scratch table.",
      },
    ),
    WaitForImport: { Type: "Wait", Seconds: POLL_INTERVAL_SECONDS, Next: "PollImport" },
    PollImport: drill("poll", "$.drill", "ImportFinished", "CleanUpAfterFailure"),
    ImportFinished: {
      Type: "Choice",
      Choices: [{ Variable: "$.drill.result.status", StringEquals: "COMPLETED", Next: "Compare" }],
      Default: "WaitForImport",
    },
    Compare: drill(
      "compare",
      "$.drill",
      "CleanUp",
      "CleanUpAfterFailure",
      "Item count and a sample of items; records the restore time.",
    ),
    CleanUp: drill("cleanup", null, "Drilled", "NotifyFailure", "Deletes the scratch table."),
    Drilled: {
      Type: "Pass",
      Parameters: { "table.$": "$.job.table", status: "PASSED", "report.$": "$.drill.result.reportKey" },
      End: true,
    },
    CleanUpAfterFailure: {
      ...invoke(
        refs,
        "restore-drill",
        { action: "cleanup", "job.$": "$.job", "drill.$": "$.drill.result" },
        { resultPath: null, next: "NotifyFailure", comment: "Deletes the scratch table after a failure." },
      ),
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.cleanupError", Next: "NotifyFailure" }],
    },
    ...notifyAndMarkFailed(refs, "restore-drill"),
  };

  return {
    Comment: "Restores each exported table's latest verified export into a scratch table and checks it.",
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    StartAt: "Configure",
    States: {
      Configure: configure(refs, "Plan"),
      ...plan(refs, "DRILL", "DrillTables"),
      DrillTables: {
        Type: "Map",
        ItemsPath: "$.plan.result.jobs",
        ItemSelector: { "job.$": "$$.Map.Item.Value" },
        MaxConcurrency: DRILL_CONCURRENCY,
        ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: "StartImport", States: tableStates },
        ResultPath: "$.results",
        Next: "Summarize",
      },
      ...summarize("RestoreDrill", "DrillsFailed"),
    },
  };
}

/** Placeholder the Terraform rendering replaces with `jsonencode(<config>)`. */
export const CONFIG_PLACEHOLDER = "@@PIPELINE_CONFIG@@";
/** Placeholder the Terraform rendering replaces with a function's ARN. */
export function functionPlaceholder(name: PipelineFunctionName): string {
  return `@@FUNCTION_ARN:${name}@@`;
}

/**
 * The definition as a Terraform template string: the JSON with literal `${`/`%{` escaped, the configuration
 * placeholder replaced by `${jsonencode(<configExpr>)}` and each function placeholder by `${<arnExpr>}`.
 */
export function toTerraformTemplate(
  definition: Record<string, unknown>,
  configExpr: string,
  functionArnExprs: Partial<Record<PipelineFunctionName, string>>,
): string {
  let text = JSON.stringify(definition).replace(/\$\{/g, "$$${").replace(/%\{/g, "%%{");
  const quotedConfig = JSON.stringify(CONFIG_PLACEHOLDER);
  if (!text.includes(quotedConfig)) throw new Error("state machine definition has no configuration placeholder");
  text = text.replace(quotedConfig, `\${jsonencode(${configExpr})}`);
  for (const [name, expr] of Object.entries(functionArnExprs)) {
    text = text.split(functionPlaceholder(name as PipelineFunctionName)).join(`\${${expr}}`);
  }
  const left = /@@FUNCTION_ARN:([a-z-]+)@@/.exec(text);
  if (left !== null) throw new Error(`state machine definition uses function ${left[1]} but no ARN was given for it`);
  return text;
}
