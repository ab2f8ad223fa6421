/**
 * Lambda: starts (`action: "start"`) or polls (`action: "poll"`) a DynamoDB native export. See lib/pipeline/native-export.ts.
 */
import { dynamoClient } from "../lib/aws";
import { createLogger } from "../lib/logger";
import { requireEnv } from "../lib/pipeline/env";
import { PipelineError } from "../lib/pipeline/errors";
import { pollNativeExport, startNativeExport } from "../lib/pipeline/native-export";
import type { ExportJob, ExportResult } from "../lib/pipeline/types";

const log = createLogger({ function: "native-export" });

export interface NativeExportEvent {
  readonly action: "start" | "poll";
  readonly job: ExportJob;
  readonly export?: ExportResult;
}

export async function handler(event: NativeExportEvent): Promise<ExportResult> {
  const { job } = event;
  if (event.action === "start") {
    const started = await startNativeExport(dynamoClient(), job, { kmsKeyArn: requireEnv("BACKUP_KMS_KEY_ARN") });
    log.info("export started", {
      table: job.table,
      exportType: job.exportType,
      exportArn: started.exportArn,
      reason: job.reason,
    });
    return started;
  }
  if (event.action === "poll") {
    if (event.export === undefined) throw new PipelineError("InvalidPipelineInput", "poll needs the started export");
    const polled = await pollNativeExport(dynamoClient(), job, event.export);
    log.info("export polled", { table: job.table, exportArn: polled.exportArn, status: polled.status });
    return polled;
  }
  throw new PipelineError(
    "InvalidPipelineInput",
    `action ${JSON.stringify((event as { action?: unknown }).action)} is not start or poll`,
  );
}
