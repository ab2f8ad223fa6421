/**
 * The data the pipeline's steps pass to each other through the state machines (all JSON).
 *
 * Subsystem lib/pipeline — owns the export-and-verify pipeline: the Lambdas' logic (functions/ are thin handlers over
 * it), the state machines, IAM and the layout of the backup bucket. Errors are PipelineError (./errors.ts: their names
 * are the Step Functions contract). May import lib/table-io, lib/export-format, the core files, lib/aws.ts and
 * lib/errors.ts (test/house/dependencies.test.ts holds the rules).
 */
import type { TableConfig } from "./state-machine";

export type { TableConfig };

export const EXPORT_MODES = ["FULL", "INCREMENTAL"] as const;
export type ExportMode = (typeof EXPORT_MODES)[number];
export type JobMethod = "NATIVE" | "SCAN" | "SKIP" | "DRILL";
export type ExportType = "FULL_EXPORT" | "INCREMENTAL_EXPORT";

/** One table's work in one execution, decided by the plan step. */
export interface ExportJob {
  /** Catalog name, e.g. CollectionsTable. */
  readonly table: string;
  readonly tableName: string;
  readonly tableArn: string;
  readonly method: JobMethod;
  readonly exportType: ExportType;
  readonly bucket: string;
  /** `exports/<table>`: the S3Prefix of native exports; AWS adds `AWSDynamoDB/<exportId>/`. */
  readonly s3Prefix: string;
  /** Idempotency token for ExportTableToPointInTime / ImportTable (retries do not start a second one). */
  readonly clientToken: string;
  /** INCREMENTAL_EXPORT window (ISO 8601). */
  readonly exportFromTime: string | null;
  readonly exportToTime: string | null;
  /** SCAN: the export id chosen up front (all segments write into the same folder). */
  readonly exportId: string | null;
  /** SCAN: point in time of the data (when the run started). */
  readonly exportTime: string | null;
  /** SCAN: segment numbers 0…n-1, one Map iteration each. */
  readonly segments: readonly number[];
  readonly totalSegments: number;
  /** Why a table is skipped (SKIP), or null. */
  readonly skipReason: string | null;
  /** Why this kind of export was chosen (for the logs and reports). */
  readonly reason: string;
}

/** What the export steps hand to the verify step. */
export interface ExportResult {
  /** COMPLETED when the export's files are all written. */
  readonly status: "IN_PROGRESS" | "COMPLETED";
  readonly exportArn: string | null;
  /** Folder of the export in the bucket, e.g. `exports/CollectionsTable/AWSDynamoDB/01700000000000-abcd1234`. */
  readonly exportDir: string;
  readonly exportType: ExportType;
  readonly startTime: string | null;
}

/** `state/<table>/latest-verified*.json`: the newest verified export, read by the plan and the restore drill. */
export interface ExportPointer {
  readonly table: string;
  readonly exportType: ExportType;
  readonly exportArn: string | null;
  readonly exportDir: string;
  /** For FULL exports, the data's point in time; for INCREMENTAL ones, the end of the window. */
  readonly dataTime: string;
  readonly itemCount: number;
  readonly verifiedAt: string;
  readonly reportKey: string;
}
