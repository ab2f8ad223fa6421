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

/** A table's entry in the Map's results: `{"table", "status", …}`. */
function tableResult(status: string, more: Record<string, string> = {}): State {
  return { Type: "Pass", Parameters: { "table.$": "$.job.table", status, ...more }, End: true };
}

/** `wait` → `poll` → `finished`: on to `next` once `statusPath` is COMPLETED, else wait and poll again. */
function pollUntilCompleted(
  names: { readonly wait: string; readonly poll: string; readonly finished: string },
  poll: State,
  statusPath: string,
  next: string,
): Record<string, State> {
  return {
    [names.wait]: { Type: "Wait", Seconds: POLL_INTERVAL_SECONDS, Next: names.poll },
    [names.poll]: poll,
    [names.finished]: {
      Type: "Choice",
      Choices: [{ Variable: statusPath, StringEquals: "COMPLETED", Next: next }],
      Default: names.wait,
    },
  };
}

/** Choice after a resumable step: on to `next` once `donePath` is true, else invoke `again` once more. */
function untilDone(donePath: string, next: string, again: string): State {
  return { Type: "Choice", Choices: [{ Variable: donePath, BooleanEquals: true, Next: next }], Default: again };
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
    MarkFailed: tableResult("FAILED", { "error.$": "$.error" }),
  };
}

/** What differs between the two machines; the rest (configure, plan, Map over the tables, summary) is shared. */
interface PerTableMachine {
  readonly comment: string;
  readonly purpose: "EXPORT" | "DRILL";
  /** Name of the Map state over the plan's jobs. */
  readonly mapState: string;
  readonly concurrency: number;
  /** The states run for each table, and the first of them. */
  readonly tableStates: Record<string, State>;
  readonly startAt: string;
  /** `<kind>Failed` is the execution's error when a table failed, in the state `failState`. */
  readonly kind: string;
  readonly failState: string;
}

/** Configure → Plan → a Map running `tableStates` for each planned job → Summarize → fail if any table failed. */
function perTableMachine(refs: StateMachineRefs, m: PerTableMachine): Record<string, unknown> {
  return {
    Comment: m.comment,
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    StartAt: "Configure",
    States: {
      Configure: configure(refs, "Plan"),
      ...plan(refs, m.purpose, m.mapState),
      [m.mapState]: {
        Type: "Map",
        ItemsPath: "$.plan.result.jobs",
        ItemSelector: { "job.$": "$$.Map.Item.Value" },
        MaxConcurrency: m.concurrency,
        ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: m.startAt, States: m.tableStates },
        ResultPath: "$.results",
        Next: "Summarize",
      },
      ...summarize(m.kind, m.failState),
    },
  };
}

const EXPORT_CATCH = "NotifyFailure";

/** ExportTableToPointInTime, then poll until the export is COMPLETED. */
function nativeExportStates(refs: StateMachineRefs): Record<string, State> {
  return {
    StartNativeExport: invoke(
      refs,
      "native-export",
      { action: "start", "job.$": "$.job" },
      {
        resultPath: "$.export",
        next: "WaitForExport",
        catchTo: EXPORT_CATCH,
        comment: "ExportTableToPointInTime (FULL or INCREMENTAL).",
      },
    ),
    ...pollUntilCompleted(
      { wait: "WaitForExport", poll: "PollExport", finished: "ExportFinished" },
      invoke(
        refs,
        "native-export",
        { action: "poll", "job.$": "$.job", "export.$": "$.export.result" },
        {
          resultPath: "$.export",
          next: "ExportFinished",
          catchTo: EXPORT_CATCH,
          comment: "DescribeExport; fails when the export failed.",
        },
      ),
      "$.export.result.status",
      "Verify",
    ),
  };
}

/** A Map over the scan segments (each resumed until done), then the manifests. */
function scanExportStates(refs: StateMachineRefs): Record<string, State> {
  return {
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
          SegmentDone: untilDone("$.progress.result.done", "SegmentFinished", "ScanSegment"),
          SegmentFinished: { Type: "Succeed" },
        },
      },
      ResultPath: null,
      Next: "FinalizeScan",
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: EXPORT_CATCH }],
    },
    FinalizeScan: invoke(
      refs,
      "scan-export",
      { action: "finalize", "job.$": "$.job" },
      {
        resultPath: "$.export",
        next: "Verify",
        catchTo: EXPORT_CATCH,
        comment: "Writes the manifests once every segment is done.",
      },
    ),
  };
}

/** The verify step, resumed until done. */
function verifyStates(refs: StateMachineRefs): Record<string, State> {
  return {
    Verify: invoke(
      refs,
      "verify-export",
      { "job.$": "$.job", "export.$": "$.export.result" },
      {
        resultPath: "$.verification",
        next: "VerifyFinished",
        catchTo: EXPORT_CATCH,
        comment: "md5 and item count of every data file; resumed until done for big exports.",
      },
    ),
    VerifyFinished: untilDone("$.verification.result.done", "Exported", "Verify"),
    Exported: tableResult("VERIFIED", { "report.$": "$.verification.result.reportKey" }),
  };
}

/** The export-and-verify state machine. Input: `{"mode": "FULL" | "INCREMENTAL", "tables"?: [catalog names]}`. */
export function exportStateMachine(refs: StateMachineRefs): Record<string, unknown> {
  const chooseMethod: State = {
    Type: "Choice",
    Choices: [
      { Variable: "$.job.method", StringEquals: "NATIVE", Next: "StartNativeExport" },
      { Variable: "$.job.method", StringEquals: "SCAN", Next: "ScanSegments" },
    ],
    Default: "Skipped",
  };
  return perTableMachine(refs, {
    comment: "Exports the module's DynamoDB tables to the backup bucket and verifies every export.",
    purpose: "EXPORT",
    mapState: "ExportTables",
    concurrency: TABLE_CONCURRENCY,
    startAt: "ChooseMethod",
    tableStates: {
      ChooseMethod: chooseMethod,
      Skipped: tableResult("SKIPPED", { "reason.$": "$.job.skipReason" }),
      ...nativeExportStates(refs),
      ...scanExportStates(refs),
      ...verifyStates(refs),
      ...notifyAndMarkFailed(refs, "export"),
    },
    kind: "Export",
    failState: "ExportsFailed",
  });
}

/** Each table's drill: import, poll, compare, delete the scratch table (also after a failure), or notify. */
function drillStates(refs: StateMachineRefs): Record<string, State> {
  const drill = (action: string, resultPath: string | null, next: string, catchTo?: string, comment?: string) =>
    invoke(
      refs,
      "restore-drill",
      { action, "job.$": "$.job", "drill.$": "$.drill.result" },
      { resultPath, next, catchTo, comment },
    );
  return {
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
    ...pollUntilCompleted(
      { wait: "WaitForImport", poll: "PollImport", finished: "ImportFinished" },
      drill("poll", "$.drill", "ImportFinished", "CleanUpAfterFailure"),
      "$.drill.result.status",
      "Compare",
    ),
    Compare: drill(
      "compare",
      "$.drill",
      "CleanUp",
      "CleanUpAfterFailure",
      "Item count and a sample of items; records the restore time.",
    ),
    CleanUp: drill("cleanup", null, "Drilled", "NotifyFailure", "Deletes the scratch table."),
    Drilled: tableResult("PASSED", { "report.$": "$.drill.result.reportKey" }),
    CleanUpAfterFailure: {
      ...drill("cleanup", null, "NotifyFailure", undefined, "Deletes the scratch table after a failure."),
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.cleanupError", Next: "NotifyFailure" }],
    },
    ...notifyAndMarkFailed(refs, "restore-drill"),
  };
}

/** The restore-drill state machine. Input: `{"tables"?: [catalog names]}`. */
export function restoreDrillStateMachine(refs: StateMachineRefs): Record<string, unknown> {
  return perTableMachine(refs, {
    comment: "Restores each exported table's latest verified export into a scratch table and checks it.",
    purpose: "DRILL",
    mapState: "DrillTables",
    concurrency: DRILL_CONCURRENCY,
    startAt: "StartImport",
    tableStates: drillStates(refs),
    kind: "RestoreDrill",
    failState: "DrillsFailed",
  });
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
