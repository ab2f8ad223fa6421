/**
 * The two AWS Backup calls the validation function makes, PutRestoreValidationResult and DescribeRestoreJob, through
 * `@aws-sdk/client-backup` with the standard configuration (AWS_REGION, AWS_ENDPOINT_URL_BACKUP, AWS_ENDPOINT_URL).
 */
import { BackupClient, DescribeRestoreJobCommand, PutRestoreValidationResultCommand } from "@aws-sdk/client-backup";
import { annotateErrors } from "../aws";

export type ValidationStatus = "SUCCESSFUL" | "FAILED";

export interface BackupApi {
  putRestoreValidationResult(restoreJobId: string, status: ValidationStatus, message: string): Promise<void>;
  /** The restore job's source table ARN, as DescribeRestoreJob reports it (undefined when it does not say). */
  sourceResourceArn(restoreJobId: string): Promise<string | undefined>;
}

export function backupApi(env: NodeJS.ProcessEnv = process.env): BackupApi {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === "") throw new Error("AWS_REGION is not set (Lambda always sets it)");
  const endpoint = env.AWS_ENDPOINT_URL_BACKUP ?? env.AWS_ENDPOINT_URL;
  const client = annotateErrors(new BackupClient({ region, ...(endpoint === undefined ? {} : { endpoint }) }));
  return {
    async putRestoreValidationResult(restoreJobId, status, message) {
      await client.send(
        new PutRestoreValidationResultCommand({
          RestoreJobId: restoreJobId,
          ValidationStatus: status,
          ValidationStatusMessage: message,
        }),
      );
    },
    async sourceResourceArn(restoreJobId) {
      const job = await client.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }));
      return job.SourceResourceArn;
    },
  };
}
