/**
 * Reading DynamoDB INCREMENTAL exports for verification. The shared export-format library reads full exports (the
 * ones a restore can use) and refuses incremental ones on purpose; their files are the same shape (manifest-summary.json,
 * manifest-files.json, data/*.json.gz with md5 and count), but their summary has `exportFromTime`/`exportToTime` and
 * `exportType: "INCREMENTAL_EXPORT"`, and their lines hold `{"Metadata","Keys","NewImage","OldImage"}` instead of
 * `{"Item"}`. This opens such an export into the library's {@link OpenedExport}, so the library's file checks apply.
 */
import { MANIFEST_FILES_FILE, MANIFEST_SUMMARY_FILE, OUTPUT_FORMAT_DYNAMODB_JSON } from "../export-format/constants";
import { ExportFormatError } from "../export-format/errors";
import type { OpenedExport } from "../export-format/export-reader";
import { dataFileName, parseManifestFiles, type ManifestSummary } from "../export-format/manifest";
import { formatLocation, type ExportStore } from "../export-format/store";

export const EXPORT_TYPE_INCREMENTAL = "INCREMENTAL_EXPORT";

export interface IncrementalSummary extends ManifestSummary {
  readonly exportFromTime: string;
  readonly exportToTime: string;
  readonly outputView: string | null;
}

function invalid(file: string, message: string): never {
  throw new ExportFormatError("invalid", file, `${file}: ${message}`);
}

/** Parses an incremental export's manifest-summary.json (AWS's fields). */
export function parseIncrementalSummary(text: string, file: string): IncrementalSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    invalid(file, `not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) invalid(file, "must be a JSON object");
  const o = raw as Record<string, unknown>;
  if (o.exportType !== EXPORT_TYPE_INCREMENTAL) {
    invalid(file, `exportType is ${JSON.stringify(o.exportType)}, expected ${EXPORT_TYPE_INCREMENTAL}`);
  }
  if ((o.outputFormat ?? OUTPUT_FORMAT_DYNAMODB_JSON) !== OUTPUT_FORMAT_DYNAMODB_JSON) {
    invalid(
      file,
      `outputFormat ${JSON.stringify(o.outputFormat)} is not supported; only ${OUTPUT_FORMAT_DYNAMODB_JSON}`,
    );
  }
  const count = o.itemCount;
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
    invalid(file, `"itemCount" must be a whole number >= 0, got ${JSON.stringify(count)}`);
  }
  for (const field of ["exportFromTime", "exportToTime", "manifestFilesS3Key"] as const) {
    if (typeof o[field] !== "string" || o[field] === "") {
      invalid(file, `"${field}" must be a non-empty string, got ${JSON.stringify(o[field])}`);
    }
  }
  const str = (k: string): string | null => (typeof o[k] === "string" ? (o[k] as string) : null);
  return {
    version: str("version") ?? "",
    exportArn: str("exportArn"),
    startTime: str("startTime") ?? "",
    endTime: str("endTime") ?? "",
    tableArn: str("tableArn"),
    tableId: str("tableId"),
    exportTime: str("exportToTime") ?? "",
    s3Bucket: str("s3Bucket"),
    s3Prefix: str("s3Prefix"),
    s3SseAlgorithm: str("s3SseAlgorithm"),
    s3SseKmsKeyId: str("s3SseKmsKeyId"),
    manifestFilesS3Key: o.manifestFilesS3Key as string,
    billedSizeBytes: typeof o.billedSizeBytes === "number" ? o.billedSizeBytes : 0,
    itemCount: count,
    outputFormat: OUTPUT_FORMAT_DYNAMODB_JSON,
    exportType: EXPORT_TYPE_INCREMENTAL,
    exportFromTime: o.exportFromTime as string,
    exportToTime: o.exportToTime as string,
    outputView: str("outputView"),
  };
}

/** Opens an incremental export folder (the one holding manifest-summary.json) for the library's checks. */
export async function openIncrementalExport(
  store: ExportStore,
): Promise<OpenedExport & { summary: IncrementalSummary }> {
  const summaryFile = store.describe(MANIFEST_SUMMARY_FILE);
  const text = await store.readText(MANIFEST_SUMMARY_FILE);
  if (text === undefined) {
    throw new ExportFormatError("not-found", summaryFile, `${summaryFile} does not exist: the export is not complete`);
  }
  const summary = parseIncrementalSummary(text, summaryFile);
  const filesRel = dataFileName(summary.manifestFilesS3Key) || MANIFEST_FILES_FILE;
  const filesFile = store.describe(filesRel);
  const filesText = await store.readText(filesRel);
  if (filesText === undefined) {
    throw new ExportFormatError(
      "not-found",
      filesFile,
      `${filesFile} does not exist (${MANIFEST_SUMMARY_FILE} names it)`,
    );
  }
  return {
    store,
    location: formatLocation(store.location),
    summary,
    files: parseManifestFiles(filesText, filesFile),
    schema: undefined,
    awsExportId: undefined,
  };
}
