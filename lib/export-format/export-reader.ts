/**
 * Opening an export for reading: ours (`<folder>/manifest-summary.json`) or AWS's
 * (`<s3Prefix>/AWSDynamoDB/<exportId>/manifest-summary.json`), from a local folder or S3.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import {
  AWS_EXPORT_DIR,
  CHECKPOINT_FILE,
  DATA_DIR,
  MANIFEST_FILES_FILE,
  MANIFEST_SUMMARY_FILE,
  SCHEMA_FILE,
  STARTED_MARKER_FILE,
} from "./constants";
import type { Readable } from "node:stream";
import { readDataFile, readDataFileLines, type MeasuredDataFile, type ReadDataFileOptions } from "./data-file";
import { ExportFormatError } from "./errors";
import type { Item } from "./item-codec";
import {
  dataFileName,
  parseIncrementalManifestSummary,
  parseManifestFiles,
  parseManifestSummary,
  type IncrementalManifestSummary,
  type ManifestFileEntry,
  type ManifestSummary,
} from "./manifest";
import { parseSchema, type TableSchema } from "./schema";
import { formatLocation, openStore, parseLocation, type ExportLocation, type ExportStore } from "./store";

export interface OpenedExport {
  /** Store rooted at the export folder (the one holding manifest-summary.json). */
  readonly store: ExportStore;
  /** The export folder, as a path or s3:// URL. */
  readonly location: string;
  readonly summary: ManifestSummary;
  readonly files: readonly ManifestFileEntry[];
  /** schema.json, when present (our backups have it; AWS exports do not). */
  readonly schema: TableSchema | undefined;
  /** For AWS exports found under AWSDynamoDB/: the export id folder name. */
  readonly awsExportId: string | undefined;
}

/** Path of an entry's data file relative to the export folder: always `data/<name>` (portable across copies). */
export function dataFileRel(entry: ManifestFileEntry): string {
  return `${DATA_DIR}/${dataFileName(entry.dataFileS3Key)}`;
}

/** Human name of an entry's data file (absolute path or s3:// URL). */
export function describeDataFile(exp: Pick<OpenedExport, "store">, entry: ManifestFileEntry): string {
  return exp.store.describe(dataFileRel(entry));
}

/** What a checkpoint file says about an interrupted backup (only the fields the reader needs for its message). */
interface CheckpointHint {
  readonly tableName?: string;
}

async function incompleteError(store: ExportStore): Promise<ExportFormatError | undefined> {
  const cp = await store.readText(CHECKPOINT_FILE);
  const started = cp !== undefined || (await store.exists(STARTED_MARKER_FILE));
  if (!started) return undefined;
  let table = "<table>";
  if (cp !== undefined) {
    try {
      table = (JSON.parse(cp) as CheckpointHint).tableName ?? table;
    } catch {
      /* a damaged checkpoint still means "incomplete" */
    }
  }
  const where = formatLocation(store.location);
  return new ExportFormatError(
    "incomplete",
    store.describe(MANIFEST_SUMMARY_FILE),
    `${where} is an INCOMPLETE backup: it has no ${MANIFEST_SUMMARY_FILE} (it was interrupted or is still running). ` +
      (cp !== undefined
        ? `Resume it with: dynamo-dr backup --table ${table} --out ${where} --resume`
        : `Start a new backup into an empty location.`),
  );
}

/**
 * Finds the export folder at or below a location: the location itself when it holds manifest-summary.json, else the one
 * export under `AWSDynamoDB/` (an error lists them when there are several).
 */
export async function resolveExportRoot(store: ExportStore): Promise<{ store: ExportStore; awsExportId?: string }> {
  if (await store.exists(MANIFEST_SUMMARY_FILE)) return { store };
  const incomplete = await incompleteError(store);
  if (incomplete !== undefined) throw incomplete;
  const ids = await store.listDirs(AWS_EXPORT_DIR);
  const complete: string[] = [];
  for (const id of ids) {
    if (await store.exists(`${AWS_EXPORT_DIR}/${id}/${MANIFEST_SUMMARY_FILE}`)) complete.push(id);
  }
  if (complete.length === 1) {
    const id = complete[0] as string;
    return { store: store.sub(`${AWS_EXPORT_DIR}/${id}`), awsExportId: id };
  }
  const where = formatLocation(store.location);
  if (complete.length > 1) {
    throw new ExportFormatError(
      "ambiguous",
      where,
      `${where} holds ${complete.length} exports; name one of them:\n${complete
        .map((id) => `  ${formatLocation(store.sub(`${AWS_EXPORT_DIR}/${id}`).location)}`)
        .join("\n")}`,
    );
  }
  if (ids.length > 0) {
    throw new ExportFormatError(
      "incomplete",
      where,
      `${where}/${AWS_EXPORT_DIR}/ holds export folder(s) ${ids.join(", ")} but none has ${MANIFEST_SUMMARY_FILE}: the export is still running or failed (check DescribeExport)`,
    );
  }
  throw new ExportFormatError(
    "not-found",
    store.describe(MANIFEST_SUMMARY_FILE),
    `no export found at ${where}: expected ${MANIFEST_SUMMARY_FILE} there or under ${AWS_EXPORT_DIR}/<exportId>/`,
  );
}

export interface OpenExportOptions {
  /** S3 client to use. @default the shared client from lib/aws.ts */
  readonly s3?: S3Client;
  /** Base for relative local paths. @default process.cwd() */
  readonly cwd?: string;
}

/** Opens an export (ours or AWS's) at a folder, `s3://bucket/prefix`, or a parsed location. Validates both manifests. */
export async function openExport(source: string | ExportLocation, opts: OpenExportOptions = {}): Promise<OpenedExport> {
  const loc = typeof source === "string" ? parseLocation(source, opts.cwd) : source;
  const { store, awsExportId } = await resolveExportRoot(openStore(loc, opts.s3));
  const { summary, files } = await readManifests(store, parseManifestSummary);
  const schemaText = await store.readText(SCHEMA_FILE);
  const schema = schemaText === undefined ? undefined : parseSchema(schemaText, store.describe(SCHEMA_FILE));
  return { store, location: formatLocation(store.location), summary, files, schema, awsExportId };
}

/**
 * Opens an INCREMENTAL export folder (the one holding manifest-summary.json) for verification: the data files have the
 * same md5/count manifest as a full export, so {@link verifyExport} applies; they hold changes, not items, so nothing
 * restores from it.
 */
export async function openIncrementalExport(
  store: ExportStore,
): Promise<OpenedExport & { readonly summary: IncrementalManifestSummary }> {
  const { summary, files } = await readManifests(store, parseIncrementalManifestSummary);
  return { store, location: formatLocation(store.location), summary, files, schema: undefined, awsExportId: undefined };
}

/** Reads and validates manifest-summary.json (with `parse`) and the manifest-files.json it names. */
async function readManifests<S extends ManifestSummary>(
  store: ExportStore,
  parse: (text: string, file: string) => S,
): Promise<{ summary: S; files: ManifestFileEntry[] }> {
  const summaryFile = store.describe(MANIFEST_SUMMARY_FILE);
  const summaryText = await store.readText(MANIFEST_SUMMARY_FILE);
  if (summaryText === undefined) {
    throw new ExportFormatError("not-found", summaryFile, `${summaryFile} does not exist`);
  }
  const summary = parse(summaryText, summaryFile);
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
  return { summary, files: parseManifestFiles(filesText, filesFile) };
}

async function openDataFileOf(
  exp: Pick<OpenedExport, "store">,
  entry: ManifestFileEntry,
): Promise<{ input: Readable; file: string }> {
  const rel = dataFileRel(entry);
  const file = exp.store.describe(rel);
  try {
    return { input: await exp.store.openRead(rel), file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ExportFormatError(
        "not-found",
        file,
        `${file}: data file listed in ${MANIFEST_FILES_FILE} does not exist`,
      );
    }
    throw err;
  }
}

/**
 * Streams the raw lines (`{"Item":…}`) of one data file in batches, md5 + count checked at the end (see
 * {@link readDataFileLines}).
 */
export async function* readExportLines(
  exp: Pick<OpenedExport, "store">,
  entry: ManifestFileEntry,
  opts: { readonly batchSize?: number } = {},
): AsyncGenerator<string[], MeasuredDataFile> {
  const { input, file } = await openDataFileOf(exp, entry);
  return yield* readDataFileLines(input, file, { ...opts, expected: entry });
}

/**
 * Streams the items of one data file in batches, checking md5 and count against the entry at the end
 * (throws {@link ExportFormatError} naming the file). A missing file is a "not-found" error naming it.
 */
export async function* readExportItems(
  exp: Pick<OpenedExport, "store">,
  entry: ManifestFileEntry,
  opts: Omit<ReadDataFileOptions, "expected"> = {},
): AsyncGenerator<Item[], MeasuredDataFile> {
  const { input, file } = await openDataFileOf(exp, entry);
  return yield* readDataFile(input, file, { ...opts, expected: entry });
}
