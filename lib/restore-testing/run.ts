/**
 * One validation: parse the event and the settings, find the restored table's source, compare it with the latest
 * verified export, report the result to AWS Backup (PutRestoreValidationResult) and, when it FAILED, alert the
 * `<prefix>-dynamo-backup-failed` topic. The Lambda (functions/validate-restore-test.ts) only calls this.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { truncate } from "../pipeline/errors";
import { MESSAGE_MAX, SUBJECT_MAX } from "../pipeline/notify";
import type { BackupApi } from "./backup-api";
import { MAX_RESTORE_TEST_SAMPLE_SIZE, RESTORE_TEST_ENV, VALIDATION_MESSAGE_MAX } from "./config";
import { RestoreTestError } from "./errors";
import { parseRestoreTestEvent } from "./event";
import { validateRestoredTable, type RestoreTestResult, type RestoreTestSettings } from "./validate";

export interface RestoreTestDeps {
  readonly dynamo: DynamoDBClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly backup: BackupApi;
}

/** What to do when a restore test FAILED (in the alert; the README says the same). */
export const RESTORE_TEST_ACTION =
  "AWS Backup restored the table, but it does not match the latest verified export. A different item count or a changed item can be writes made between the export's time and the recovery point's (compare the two times); a MISSING item the export has and the table still has is a damaged or incomplete recovery point: do not rely on AWS Backup recovery points for this table until a restore test passes; PITR and the verified exports remain your restore sources. 'no verified full export' means the export pipeline has not verified one yet: check its executions and the freshness alarm. The restored table is deleted when the validation window ends; inspect it before then.";

function setting(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v === "") {
    throw new RestoreTestError(
      "RestoreTestConfigurationError",
      `environment variable ${name} is not set; the module sets it on the validate-restore-test function (was the function changed by hand?)`,
    );
  }
  return v;
}

/** The function's settings from its environment, or RestoreTestConfigurationError naming the variable and value. */
export function restoreTestSettings(env: NodeJS.ProcessEnv = process.env): RestoreTestSettings {
  const bad = (name: string, raw: string, allowed: string): RestoreTestError =>
    new RestoreTestError(
      "RestoreTestConfigurationError",
      `environment variable ${name} is ${JSON.stringify(raw)}; expected ${allowed}`,
    );
  const rawTables = setting(env, RESTORE_TEST_ENV.tables);
  let tables: unknown;
  try {
    tables = JSON.parse(rawTables);
  } catch {
    tables = undefined;
  }
  const tableObject = "a JSON object of table ARN → catalog name with at least one entry";
  if (tables === null || typeof tables !== "object" || Array.isArray(tables))
    throw bad(RESTORE_TEST_ENV.tables, rawTables, tableObject);
  const entries = Object.entries(tables as Record<string, unknown>);
  if (entries.length === 0 || entries.some(([k, v]) => !k.startsWith("arn:") || typeof v !== "string" || v === "")) {
    throw bad(RESTORE_TEST_ENV.tables, rawTables, tableObject);
  }
  const rawSample = setting(env, RESTORE_TEST_ENV.sampleSize);
  const sampleSize = Number(rawSample);
  if (!Number.isInteger(sampleSize) || sampleSize < 1 || sampleSize > MAX_RESTORE_TEST_SAMPLE_SIZE) {
    throw bad(RESTORE_TEST_ENV.sampleSize, rawSample, `a whole number from 1 to ${MAX_RESTORE_TEST_SAMPLE_SIZE}`);
  }
  return {
    deployment: setting(env, RESTORE_TEST_ENV.deployment),
    bucket: setting(env, RESTORE_TEST_ENV.bucket),
    tables: new Map(entries as [string, string][]),
    sampleSize,
    alarmTopicArn: setting(env, RESTORE_TEST_ENV.alarmTopicArn),
  };
}

/** The alert for a FAILED restore test: subject and message for the topic. */
export function restoreTestAlert(
  result: RestoreTestResult,
  deployment: string,
  restoreJobId: string,
): { subject: string; message: string } {
  const subject = `[${deployment}] DynamoDB restore test FAILED: ${result.catalogName ?? result.sourceTable}`
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, SUBJECT_MAX);
  const message = [
    `AWS Backup restore test ${restoreJobId} of ${result.sourceTable} in deployment "${deployment}" FAILED validation:`,
    "",
    result.message,
    ...(result.mismatches.length > 0
      ? ["", "Sampled items that differ:", ...result.mismatches.map((m) => `  - ${m}`)]
      : []),
    "",
    `What to do: ${RESTORE_TEST_ACTION}`,
  ].join("\n");
  return { subject, message: truncate(message, MESSAGE_MAX) };
}

export async function runRestoreTestValidation(
  event: unknown,
  deps: RestoreTestDeps,
  settings: RestoreTestSettings,
): Promise<RestoreTestResult & { readonly restoreJobId: string; readonly alertMessageId?: string }> {
  const parsed = parseRestoreTestEvent(event);
  const source = parsed.sourceTableArn ?? (await deps.backup.sourceResourceArn(parsed.restoreJobId));
  if (source === undefined) {
    throw new RestoreTestError(
      "InvalidRestoreTestEvent",
      `restore job ${parsed.restoreJobId}: neither the event nor DescribeRestoreJob names the source table (SourceResourceArn)`,
    );
  }
  const result = await validateRestoredTable(
    { dynamo: deps.dynamo, s3: deps.s3 },
    { restoredTableArn: parsed.restoredTableArn, sourceTableArn: source },
    settings,
  );
  await deps.backup.putRestoreValidationResult(
    parsed.restoreJobId,
    result.status,
    truncate(result.message, VALIDATION_MESSAGE_MAX),
  );
  if (result.status === "SUCCESSFUL" || settings.alarmTopicArn === undefined) {
    return { ...result, restoreJobId: parsed.restoreJobId };
  }
  const alert = restoreTestAlert(result, settings.deployment, parsed.restoreJobId);
  const sent = await deps.sns.send(
    new PublishCommand({ TopicArn: settings.alarmTopicArn, Subject: alert.subject, Message: alert.message }),
  );
  return { ...result, restoreJobId: parsed.restoreJobId, alertMessageId: sent.MessageId };
}
