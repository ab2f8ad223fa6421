/**
 * Lambda: validates a table AWS Backup restored in a restore test (EventBridge "Restore Job State Change", COMPLETED,
 * from the module's restore testing plan) against the table's latest verified export, reports the result with
 * PutRestoreValidationResult and alerts the alarm topic when it FAILED. See lib/restore-testing/run.ts.
 */
import { dynamoClient, s3Client } from "../lib/aws";
import { createLogger } from "../lib/logger";
import { snsClient } from "../lib/pipeline/clients";
import { backupApi } from "../lib/restore-testing/backup-api";
import { restoreTestSettings, runRestoreTestValidation } from "../lib/restore-testing/run";

const log = createLogger({ function: "validate-restore-test" });

export async function handler(event: unknown): Promise<{ status: string; message: string }> {
  const settings = restoreTestSettings();
  const result = await runRestoreTestValidation(
    event,
    { dynamo: dynamoClient(), s3: s3Client(), sns: snsClient(), backup: backupApi() },
    settings,
  );
  const fields = { restoreJobId: result.restoreJobId, table: result.catalogName ?? result.sourceTable };
  if (result.status === "SUCCESSFUL") log.info(result.message, fields);
  else log.error(result.message, { ...fields, mismatches: result.mismatches });
  return { status: result.status, message: result.message };
}
