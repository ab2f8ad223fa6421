/**
 * DynamoDB's native export (ExportTableToPointInTime) of a table with PITR, FULL or INCREMENTAL, into the backup
 * bucket under `exports/<table>/AWSDynamoDB/<exportId>/`, encrypted with the backup key.
 */
import {
  DescribeExportCommand,
  ExportTableToPointInTimeCommand,
  type DynamoDBClient,
  type ExportDescription,
} from "@aws-sdk/client-dynamodb";
import { PipelineError, truncate } from "./errors";
import { dirOfManifest, exportDir, exportIdOf } from "./layout";
import type { ExportJob, ExportResult, ExportType } from "./types";

export interface NativeExportSettings {
  /** KMS key for the exported objects. */
  readonly kmsKeyArn: string;
  /** The bucket owner's account (DynamoDB checks it). @default - not sent */
  readonly bucketOwner?: string;
}

function result(d: ExportDescription, job: ExportJob): ExportResult {
  const exportArn = d.ExportArn ?? null;
  const dir =
    d.ExportManifest !== undefined && d.ExportManifest !== ""
      ? dirOfManifest(d.ExportManifest)
      : exportDir(job.table, exportIdOf(exportArn ?? ""));
  return {
    status: d.ExportStatus === "COMPLETED" ? "COMPLETED" : "IN_PROGRESS",
    exportArn,
    exportDir: dir,
    exportType: (d.ExportType as ExportType | undefined) ?? job.exportType,
    startTime: d.StartTime?.toISOString() ?? null,
  };
}

export async function startNativeExport(
  dynamo: DynamoDBClient,
  job: ExportJob,
  settings: NativeExportSettings,
): Promise<ExportResult> {
  if (job.method !== "NATIVE") {
    throw new PipelineError("InvalidPipelineInput", `job for ${job.table} is ${job.method}, not a NATIVE export`);
  }
  const incremental = job.exportType === "INCREMENTAL_EXPORT";
  if (incremental && (job.exportFromTime === null || job.exportToTime === null)) {
    throw new PipelineError("InvalidPipelineInput", `incremental export of ${job.table} has no time window`);
  }
  const res = await dynamo.send(
    new ExportTableToPointInTimeCommand({
      TableArn: job.tableArn,
      S3Bucket: job.bucket,
      S3Prefix: job.s3Prefix,
      ...(settings.bucketOwner === undefined ? {} : { S3BucketOwner: settings.bucketOwner }),
      S3SseAlgorithm: "KMS",
      S3SseKmsKeyId: settings.kmsKeyArn,
      ExportFormat: "DYNAMODB_JSON",
      ExportType: job.exportType,
      ClientToken: job.clientToken,
      ...(incremental
        ? {
            IncrementalExportSpecification: {
              ExportFromTime: new Date(job.exportFromTime as string),
              ExportToTime: new Date(job.exportToTime as string),
              ExportViewType: "NEW_AND_OLD_IMAGES",
            },
          }
        : {}),
    }),
  );
  if (res.ExportDescription === undefined) throw new Error(`ExportTableToPointInTime of ${job.table} returned nothing`);
  return result(res.ExportDescription, job);
}

/** DescribeExport; COMPLETED or IN_PROGRESS, or a NativeExportFailed error with DynamoDB's reason. */
export async function pollNativeExport(
  dynamo: DynamoDBClient,
  job: ExportJob,
  started: Pick<ExportResult, "exportArn">,
): Promise<ExportResult> {
  if (started.exportArn === null)
    throw new PipelineError("InvalidPipelineInput", `no export ARN to poll for ${job.table}`);
  const res = await dynamo.send(new DescribeExportCommand({ ExportArn: started.exportArn }));
  const d = res.ExportDescription;
  if (d === undefined) throw new Error(`DescribeExport ${started.exportArn} returned nothing`);
  if (d.ExportStatus === "FAILED") {
    throw new PipelineError(
      "NativeExportFailed",
      truncate(
        `DynamoDB export ${started.exportArn} of ${job.tableName} (${job.table}) FAILED: ${d.FailureCode ?? "no code"}: ${d.FailureMessage ?? "no message"}`,
      ),
    );
  }
  return result(d, job);
}
