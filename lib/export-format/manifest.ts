/**
 * manifest-summary.json and manifest-files.json, with AWS's field names, parsed strictly (errors name the file and line)
 * and written exactly as DynamoDB's Export to S3 writes them.
 */
import { randomBytes } from "node:crypto";
import {
  DATA_DIR,
  DATA_FILE_SUFFIX,
  EXPORT_TYPE_FULL,
  EXPORT_TYPE_INCREMENTAL,
  MANIFEST_VERSION,
  OUTPUT_FORMAT_DYNAMODB_JSON,
} from "./constants";
import { ExportFormatError } from "./errors";

/** manifest-summary.json, field for field as AWS writes it (`exportType` appears in newer AWS exports). */
export interface ManifestSummary {
  readonly version: string;
  readonly exportArn: string | null;
  readonly startTime: string;
  readonly endTime: string;
  readonly tableArn: string | null;
  readonly tableId: string | null;
  /** The point in time the data is from (for our scans: when the scan started). */
  readonly exportTime: string;
  readonly s3Bucket: string | null;
  readonly s3Prefix: string | null;
  readonly s3SseAlgorithm: string | null;
  readonly s3SseKmsKeyId: string | null;
  /** Key of manifest-files.json (a full S3 key for S3 exports; relative to the export folder for local ones). */
  readonly manifestFilesS3Key: string;
  readonly billedSizeBytes: number;
  readonly itemCount: number;
  readonly outputFormat: string;
  readonly exportType?: string;
}

/** One line of manifest-files.json. */
export interface ManifestFileEntry {
  readonly itemCount: number;
  /** base64 MD5 of the gzip object. */
  readonly md5Checksum: string;
  /** S3 ETag of the object (informational; single-part = hex MD5). */
  readonly etag: string;
  /** Key of the data file: a full S3 key (AWS) or `data/<name>.json.gz` relative to the export folder (local backups). */
  readonly dataFileS3Key: string;
}

const BASE64_MD5 = /^[A-Za-z0-9+/]{22}==$/;

function invalid(file: string, message: string): never {
  throw new ExportFormatError("invalid", file, `${file}: ${message}`);
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function stringOrNull(file: string, obj: Record<string, unknown>, field: string): string | null {
  const v = obj[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") invalid(file, `"${field}" must be a string or null, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * An INCREMENTAL export's manifest-summary.json: the same fields plus the window it covers. Its data lines hold
 * `{"Metadata","Keys","NewImage","OldImage"}` rather than whole items, so it can be verified (md5, counts) but not restored.
 */
export interface IncrementalManifestSummary extends ManifestSummary {
  readonly exportType: typeof EXPORT_TYPE_INCREMENTAL;
  readonly exportFromTime: string;
  readonly exportToTime: string;
  readonly outputView: string | null;
}

function parseSummaryObject(text: string, file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    invalid(file, `not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) invalid(file, "must be a JSON object");
  return raw as Record<string, unknown>;
}

/** The fields every export's summary has, checked; `exportTime` is the data's point in time. */
function commonSummary(file: string, obj: Record<string, unknown>, exportTime: string): ManifestSummary {
  if (!isCount(obj.itemCount)) {
    invalid(file, `"itemCount" must be a whole number >= 0, got ${JSON.stringify(obj.itemCount)}`);
  }
  const format = obj.outputFormat ?? OUTPUT_FORMAT_DYNAMODB_JSON;
  if (format !== OUTPUT_FORMAT_DYNAMODB_JSON) {
    invalid(
      file,
      `outputFormat ${JSON.stringify(format)} is not supported; only ${OUTPUT_FORMAT_DYNAMODB_JSON} is (export again with ExportFormat=${OUTPUT_FORMAT_DYNAMODB_JSON})`,
    );
  }
  const manifestFilesS3Key = requiredString(file, obj, "manifestFilesS3Key");
  const billed = obj.billedSizeBytes ?? 0;
  if (!isCount(billed)) invalid(file, `"billedSizeBytes" must be a whole number >= 0, got ${JSON.stringify(billed)}`);
  return {
    version: typeof obj.version === "string" ? obj.version : MANIFEST_VERSION,
    exportArn: stringOrNull(file, obj, "exportArn"),
    startTime: stringOrNull(file, obj, "startTime") ?? "",
    endTime: stringOrNull(file, obj, "endTime") ?? "",
    tableArn: stringOrNull(file, obj, "tableArn"),
    tableId: stringOrNull(file, obj, "tableId"),
    exportTime,
    s3Bucket: stringOrNull(file, obj, "s3Bucket"),
    s3Prefix: stringOrNull(file, obj, "s3Prefix"),
    s3SseAlgorithm: stringOrNull(file, obj, "s3SseAlgorithm"),
    s3SseKmsKeyId: stringOrNull(file, obj, "s3SseKmsKeyId"),
    manifestFilesS3Key,
    billedSizeBytes: billed,
    itemCount: obj.itemCount,
    outputFormat: OUTPUT_FORMAT_DYNAMODB_JSON,
  };
}

function requiredString(file: string, obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (typeof v !== "string" || v === "") {
    invalid(file, `"${field}" must be a non-empty string, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Parses manifest-summary.json. `file` names it in errors. Only full DYNAMODB_JSON exports are accepted. */
export function parseManifestSummary(text: string, file: string): ManifestSummary {
  const obj = parseSummaryObject(text, file);
  const exportType = obj.exportType ?? EXPORT_TYPE_FULL;
  const summary = commonSummary(file, obj, stringOrNull(file, obj, "exportTime") ?? "");
  if (exportType !== EXPORT_TYPE_FULL) {
    invalid(
      file,
      `exportType ${JSON.stringify(exportType)} is not supported; only ${EXPORT_TYPE_FULL} holds whole items to restore`,
    );
  }
  return { ...summary, exportType: EXPORT_TYPE_FULL };
}

/** Parses an INCREMENTAL export's manifest-summary.json (AWS's fields), for verification only. */
export function parseIncrementalManifestSummary(text: string, file: string): IncrementalManifestSummary {
  const obj = parseSummaryObject(text, file);
  if (obj.exportType !== EXPORT_TYPE_INCREMENTAL) {
    invalid(file, `exportType is ${JSON.stringify(obj.exportType)}, expected ${EXPORT_TYPE_INCREMENTAL}`);
  }
  const exportFromTime = requiredString(file, obj, "exportFromTime");
  const exportToTime = requiredString(file, obj, "exportToTime");
  return {
    ...commonSummary(file, obj, exportToTime),
    exportType: EXPORT_TYPE_INCREMENTAL,
    exportFromTime,
    exportToTime,
    outputView: stringOrNull(file, obj, "outputView"),
  };
}

/** manifest-summary.json text (pretty-printed like AWS's, fields in AWS's order). */
export function serializeManifestSummary(summary: ManifestSummary): string {
  const ordered: ManifestSummary = {
    version: summary.version,
    exportArn: summary.exportArn,
    startTime: summary.startTime,
    endTime: summary.endTime,
    tableArn: summary.tableArn,
    tableId: summary.tableId,
    exportTime: summary.exportTime,
    s3Bucket: summary.s3Bucket,
    s3Prefix: summary.s3Prefix,
    s3SseAlgorithm: summary.s3SseAlgorithm,
    s3SseKmsKeyId: summary.s3SseKmsKeyId,
    manifestFilesS3Key: summary.manifestFilesS3Key,
    billedSizeBytes: summary.billedSizeBytes,
    itemCount: summary.itemCount,
    outputFormat: summary.outputFormat,
    exportType: summary.exportType ?? EXPORT_TYPE_FULL,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Parses manifest-files.json (JSON lines; blank lines ignored). Errors name the file and line. */
export function parseManifestFiles(text: string, file: string): ManifestFileEntry[] {
  const entries: ManifestFileEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const at = `line ${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      invalid(file, `${at}: not valid JSON (${(err as Error).message})`);
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) invalid(file, `${at}: must be a JSON object`);
    const o = raw as Record<string, unknown>;
    if (!isCount(o.itemCount)) {
      invalid(file, `${at}: "itemCount" must be a whole number >= 0, got ${JSON.stringify(o.itemCount)}`);
    }
    if (typeof o.md5Checksum !== "string" || !BASE64_MD5.test(o.md5Checksum)) {
      invalid(file, `${at}: "md5Checksum" must be a base64 MD5 (24 characters), got ${JSON.stringify(o.md5Checksum)}`);
    }
    if (typeof o.dataFileS3Key !== "string" || o.dataFileS3Key === "") {
      invalid(file, `${at}: "dataFileS3Key" must be a non-empty string, got ${JSON.stringify(o.dataFileS3Key)}`);
    }
    if (seen.has(o.dataFileS3Key)) invalid(file, `${at}: data file ${o.dataFileS3Key} is listed twice`);
    seen.add(o.dataFileS3Key);
    entries.push({
      itemCount: o.itemCount,
      md5Checksum: o.md5Checksum,
      etag: typeof o.etag === "string" ? o.etag : "",
      dataFileS3Key: o.dataFileS3Key,
    });
  });
  return entries;
}

/** manifest-files.json text: one compact JSON object per line, AWS's field order. */
export function serializeManifestFiles(entries: readonly ManifestFileEntry[]): string {
  return entries
    .map(
      (e) =>
        `${JSON.stringify({ itemCount: e.itemCount, md5Checksum: e.md5Checksum, etag: e.etag, dataFileS3Key: e.dataFileS3Key })}\n`,
    )
    .join("");
}

/** Sum of the files' item counts. */
export function totalItemCount(entries: readonly ManifestFileEntry[]): number {
  return entries.reduce((n, e) => n + e.itemCount, 0);
}

/** An export id shaped like AWS's: 14-digit millisecond timestamp, dash, 8 hex digits. */
export function newExportId(now: Date = new Date()): string {
  return `${String(now.getTime()).padStart(14, "0")}-${randomBytes(4).toString("hex")}`;
}

const NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** A fresh data file name like AWS's (26 random base32 characters), e.g. `data/q3x…7a.json.gz`. */
export function newDataFileKey(): string {
  const bytes = randomBytes(26);
  let name = "";
  for (const b of bytes) name += NAME_ALPHABET[b & 31];
  return `${DATA_DIR}/${name}${DATA_FILE_SUFFIX}`;
}

/** The file name part of a dataFileS3Key (`…/data/abc.json.gz` → `abc.json.gz`). */
export function dataFileName(dataFileS3Key: string): string {
  const slash = dataFileS3Key.lastIndexOf("/");
  return slash === -1 ? dataFileS3Key : dataFileS3Key.slice(slash + 1);
}

/** The export ARN DynamoDB would give an export of this table with this id. */
export function exportArnFor(tableArn: string | null, exportId: string): string | null {
  return tableArn === null ? null : `${tableArn}/export/${exportId}`;
}
