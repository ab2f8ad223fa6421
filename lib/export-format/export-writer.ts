/**
 * Writing an export in AWS's layout. The order is what makes an interrupted export never look complete:
 * `_started` (and a checkpoint) first, data files as they fill, then manifest-files.json and schema.json, and
 * manifest-summary.json LAST; the checkpoint is removed only after that.
 */
import {
  CHECKPOINT_FILE,
  DEFAULT_MAX_FILE_BYTES,
  EXPORT_TYPE_FULL,
  MANIFEST_FILES_FILE,
  MANIFEST_SUMMARY_FILE,
  MANIFEST_VERSION,
  OUTPUT_FORMAT_DYNAMODB_JSON,
  SCHEMA_FILE,
  STARTED_MARKER_FILE,
} from "./constants";
import { DataFileWriter, type DataFileWriterOptions } from "./data-file";
import { ExportFormatError } from "./errors";
import type { Item } from "./item-codec";
import {
  exportArnFor,
  newDataFileKey,
  newExportId,
  serializeManifestFiles,
  serializeManifestSummary,
  totalItemCount,
  type ManifestFileEntry,
  type ManifestSummary,
} from "./manifest";
import { serializeSchema, type TableSchema } from "./schema";
import { formatLocation, type ExportStore } from "./store";

/**
 * Prepares a location for a new export: refuses a location that already holds anything (so nothing is ever mixed
 * or overwritten) and writes the `_started` marker.
 */
export async function startExport(store: ExportStore): Promise<void> {
  const existing = await store.list("");
  if (existing.length > 0) {
    const where = formatLocation(store.location);
    const hasCheckpoint = existing.some((f) => f.rel === CHECKPOINT_FILE);
    throw new ExportFormatError(
      "invalid",
      where,
      `${where} is not empty (${existing.length} file${existing.length === 1 ? "" : "s"}, e.g. ${existing[0]?.rel}); ` +
        (hasCheckpoint
          ? "it holds an interrupted backup: resume it with --resume, or choose another location."
          : "choose a new, empty location for the backup."),
    );
  }
  await store.writeText(STARTED_MARKER_FILE, "");
}

/** Opens a new data file with a fresh AWS-style name under data/. */
export async function openDataFile(store: ExportStore, opts: DataFileWriterOptions = {}): Promise<DataFileWriter> {
  return DataFileWriter.open(store, newDataFileKey(), opts);
}

export async function writeCheckpoint(store: ExportStore, checkpoint: unknown): Promise<void> {
  await store.writeText(CHECKPOINT_FILE, `${JSON.stringify(checkpoint)}\n`);
}

/** The checkpoint, parsed, or undefined when there is none. */
export async function readCheckpoint<T>(store: ExportStore): Promise<T | undefined> {
  const text = await store.readText(CHECKPOINT_FILE);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    const file = store.describe(CHECKPOINT_FILE);
    throw new ExportFormatError("invalid", file, `${file}: damaged checkpoint (${(err as Error).message})`);
  }
}

export interface FinishExportInput {
  readonly files: readonly ManifestFileEntry[];
  /** @default - no schema.json */
  readonly schema?: TableSchema;
  readonly exportId: string;
  readonly tableArn: string | null;
  readonly tableId?: string | null;
  readonly startTime: Date;
  /** @default now */
  readonly endTime?: Date;
  /** Point in time of the data. @default startTime */
  readonly exportTime?: Date;
}

/** Writes manifest-files.json, schema.json and finally manifest-summary.json, then removes the checkpoint. */
export async function finishExport(store: ExportStore, input: FinishExportInput): Promise<ManifestSummary> {
  await store.writeText(MANIFEST_FILES_FILE, serializeManifestFiles(input.files));
  if (input.schema !== undefined) await store.writeText(SCHEMA_FILE, serializeSchema(input.schema));
  const loc = store.location;
  const summary: ManifestSummary = {
    version: MANIFEST_VERSION,
    exportArn: exportArnFor(input.tableArn, input.exportId),
    startTime: input.startTime.toISOString(),
    endTime: (input.endTime ?? new Date()).toISOString(),
    tableArn: input.tableArn,
    tableId: input.tableId ?? null,
    exportTime: (input.exportTime ?? input.startTime).toISOString(),
    s3Bucket: loc.kind === "s3" ? loc.bucket : null,
    s3Prefix: loc.kind === "s3" ? loc.prefix : null,
    s3SseAlgorithm: null,
    s3SseKmsKeyId: null,
    manifestFilesS3Key: store.manifestKey(MANIFEST_FILES_FILE),
    billedSizeBytes: 0,
    itemCount: totalItemCount(input.files),
    outputFormat: OUTPUT_FORMAT_DYNAMODB_JSON,
    exportType: EXPORT_TYPE_FULL,
  };
  await store.writeText(MANIFEST_SUMMARY_FILE, serializeManifestSummary(summary));
  await store.delete(CHECKPOINT_FILE);
  return summary;
}

export interface WriteExportOptions extends DataFileWriterOptions {
  readonly schema?: TableSchema;
  /** @default null */
  readonly tableArn?: string | null;
  /** Roll to a new data file after this many uncompressed bytes. @default DEFAULT_MAX_FILE_BYTES */
  readonly maxFileBytes?: number;
}

/**
 * One-shot writer: a complete export from an (async) iterable of item batches, in one sequential stream.
 * Handy for tests, fixtures and small tables; the backup command uses the pieces above with a parallel scan.
 */
export async function writeExport(
  store: ExportStore,
  batches: AsyncIterable<readonly Item[]> | Iterable<readonly Item[]>,
  opts: WriteExportOptions = {},
): Promise<{ summary: ManifestSummary; files: ManifestFileEntry[] }> {
  const startTime = new Date();
  await startExport(store);
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const files: ManifestFileEntry[] = [];
  let current: DataFileWriter | undefined;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    current ??= await openDataFile(store, opts);
    await current.writeItems(batch);
    if (current.uncompressedBytes >= maxFileBytes) {
      files.push(await current.close());
      current = undefined;
    }
  }
  if (current !== undefined) files.push(await current.close());
  const summary = await finishExport(store, {
    files,
    ...(opts.schema === undefined ? {} : { schema: opts.schema }),
    exportId: newExportId(startTime),
    tableArn: opts.tableArn ?? null,
    startTime,
  });
  return { summary, files };
}
