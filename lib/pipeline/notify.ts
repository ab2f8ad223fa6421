/**
 * The failure path: turns a failed step (the `Error`/`Cause` Step Functions caught) into a message for the
 * `<prefix>-dynamo-backup-failed` topic that says what failed, why, and what to do — written for whoever is on call.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { truncate } from "./errors";
import type { ExportJob } from "./types";

export type FailureStage = "export" | "restore-drill";

export interface NotifyEvent {
  readonly stage: FailureStage;
  readonly job?: Partial<ExportJob>;
  /** What Step Functions caught: `{"Error": "<name>", "Cause": "<text or Lambda's JSON error>"}`. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  readonly executionArn?: string;
}

export interface FailureMessage {
  readonly subject: string;
  readonly message: string;
  readonly errorName: string;
}

/** SNS subjects are at most 100 characters. */
export const SUBJECT_MAX = 100;
/** SNS messages are at most 256 KB; keep them readable. */
export const MESSAGE_MAX = 16_000;

/** What to do, by error name (PipelineErrorName, or Step Functions' own States.*). */
export const ACTIONS: Readonly<Record<string, string>> = {
  ExportVerificationFailed:
    'The export\'s files do not match its manifests (damaged, changed or missing data files). Do NOT restore from this export. Read verification-report.json beside it, check who wrote to the bucket (CloudTrail data events), then start a new full export: aws stepfunctions start-execution --state-machine-arn <export state machine> --input \'{"mode":"FULL","tables":["<table>"]}\'. Until a new export verifies, PITR (if on) and AWS Backup recovery points remain your restore sources.',
  NativeExportFailed:
    "DynamoDB could not export the table. Common causes: point-in-time recovery was turned off, the export role lost s3:PutObject or kms:GenerateDataKey on the backup bucket/key, or the incremental window starts before PITR's earliest restorable time. Fix the cause and start a full export for the table (see the README's export-pipeline section).",
  ScanExportIncomplete:
    "A parallel-scan export did not finish every segment. Look at the scan Lambda's logs for the failing segment (throttling, timeouts, permissions); the checkpoints in work/ let a re-run resume. Start a full export for the table.",
  NoVerifiedExport:
    "There is no verified full export of this table to drill with. Check the export pipeline's recent executions and the freshness alarm; run a full export first.",
  RestoreDrillImportFailed:
    "DynamoDB's ImportTable could not load the export into the scratch table. The export may contain lines ImportTable rejects (see the /aws-dynamodb/imports log group) or the import role lacks s3:GetObject/kms:Decrypt. A restore from this export would fail the same way: investigate now, while PITR and AWS Backup still cover you.",
  RestoreDrillMismatch:
    "The table restored from the export does not match the export (item count or sampled items). Read the drill report in reports/restore-drills/ and treat exports as suspect until a drill passes; restore from PITR or AWS Backup if you need to restore meanwhile.",
  InvalidPipelineInput:
    'A step got input it does not understand: a hand-started execution with a bad input, or a damaged state machine. The execution input must look like {"mode":"FULL"} or {"mode":"INCREMENTAL","tables":["CollectionsTable"]}.',
  PipelineConfigurationError:
    "A pipeline function is missing a setting the module gives it. Re-apply the Terraform module (terraform apply) to restore the functions' configuration.",
  "States.Timeout":
    "A step ran out of time. Large tables can need longer exports; check the step's duration in the execution history and re-run the export for the table.",
};
export const DEFAULT_ACTION =
  "Open the execution in the Step Functions console, find the failed step and its logs (CloudWatch Logs group /aws/lambda/<function>), fix the cause and start a new export for the table.";

/** The Lambda error message inside a Step Functions Cause (which is Lambda's JSON error), or the Cause itself. */
export function causeText(cause: string | undefined): string {
  if (cause === undefined || cause === "") return "(no details)";
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string") return parsed.errorMessage;
  } catch {
    /* not JSON: use as is */
  }
  return cause;
}

function consoleUrl(executionArn: string | undefined): string | undefined {
  if (executionArn === undefined) return undefined;
  const region = executionArn.split(":")[3];
  if (region === undefined || region === "") return undefined;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

export function failureMessage(event: NotifyEvent, deployment: string): FailureMessage {
  const errorName = event.error?.Error ?? "UnknownError";
  const table = event.job?.table ?? "(unknown table)";
  const what = event.stage === "export" ? "export/verify" : "restore drill";
  // SNS subjects must be ASCII without line breaks.
  const subject = `[${deployment}] DynamoDB ${what} FAILED: ${table} (${errorName})`
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, SUBJECT_MAX);
  const url = consoleUrl(event.executionArn);
  const lines = [
    `The DynamoDB ${what} of table ${table}${event.job?.tableName === undefined ? "" : ` (${event.job.tableName})`} failed in deployment "${deployment}".`,
    "",
    `Error: ${errorName}`,
    `Details: ${causeText(event.error?.Cause)}`,
    "",
    `What to do: ${ACTIONS[errorName] ?? DEFAULT_ACTION}`,
    "",
    ...(event.job?.method === undefined
      ? []
      : [`Job: ${event.job.method} ${event.job.exportType ?? ""} (${event.job.reason ?? ""})`]),
    ...(event.executionArn === undefined ? [] : [`Execution: ${event.executionArn}`]),
    ...(url === undefined ? [] : [`Console: ${url}`]),
  ];
  return { subject, message: truncate(lines.join("\n"), MESSAGE_MAX), errorName };
}

export async function publishFailure(
  sns: SNSClient,
  topicArn: string,
  event: NotifyEvent,
  deployment: string,
): Promise<FailureMessage & { messageId: string | undefined }> {
  const msg = failureMessage(event, deployment);
  const res = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: msg.subject,
      Message: msg.message,
      MessageAttributes: {
        deployment: { DataType: "String", StringValue: deployment },
        table: { DataType: "String", StringValue: event.job?.table ?? "unknown" },
        error: { DataType: "String", StringValue: msg.errorName },
      },
    }),
  );
  return { ...msg, messageId: res.MessageId };
}
