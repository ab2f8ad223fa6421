/**
 * Lambda: parallel-scan export of a table without PITR — one segment per call (`action: "segment"`, resumed until
 * done), then the manifests (`action: "finalize"`). See lib/pipeline/scan-export.ts.
 */
import { dynamoClient, s3Client } from "../lib/aws";
import { createLogger } from "../lib/logger";
import { PipelineError } from "../lib/pipeline/errors";
import { deadlineOf, type LambdaContext } from "../lib/pipeline/lambda-context";
import { finalizeScanExport, scanSegment, type SegmentProgress } from "../lib/pipeline/scan-export";
import type { ExportJob, ExportResult } from "../lib/pipeline/types";

const log = createLogger({ function: "scan-export" });

export interface ScanExportEvent {
  readonly action: "segment" | "finalize";
  readonly job: ExportJob;
  readonly segment?: number;
}

export async function handler(
  event: ScanExportEvent,
  context?: LambdaContext,
): Promise<SegmentProgress | ExportResult> {
  const { job } = event;
  if (event.action === "segment") {
    if (event.segment === undefined)
      throw new PipelineError("InvalidPipelineInput", "segment action needs a segment number");
    const progress = await scanSegment(dynamoClient(), s3Client(), job, event.segment, {
      deadline: deadlineOf(context),
    });
    log.info("segment progress", { table: job.table, exportId: job.exportId, ...progress });
    return progress;
  }
  if (event.action === "finalize") {
    const result = await finalizeScanExport(dynamoClient(), s3Client(), job);
    log.info("scan export written", { table: job.table, exportDir: result.exportDir });
    return result;
  }
  throw new PipelineError(
    "InvalidPipelineInput",
    `action ${JSON.stringify((event as { action?: unknown }).action)} is not segment or finalize`,
  );
}
