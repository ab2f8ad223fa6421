/**
 * Table → export files: a parallel scan streamed into gzip data files in AWS's export layout.
 *
 * Memory stays constant: each segment holds at most two scan pages and one open data file's gzip buffer.
 * Files roll at page boundaries once they reach `maxFileBytes` (so a file may exceed it by up to one 1 MB page), and each finished file is recorded in a checkpoint
 * together with the segment's scan position, so an interrupted backup can be resumed (`resume: true`) from the last
 * finished file of every segment. manifest-summary.json is written last: until then the backup reads as incomplete.
 */
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  type TimeToLiveDescription,
} from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  DATA_DIR,
  dataFileName,
  decodeWireItem,
  DEFAULT_MAX_FILE_BYTES,
  itemToWireJson,
  ExportFormatError,
  finishExport,
  formatLocation,
  MANIFEST_SUMMARY_FILE,
  newExportId,
  openDataFile,
  openStore,
  readCheckpoint,
  schemaFromDescription,
  startExport,
  writeCheckpoint,
  type DataFileWriter,
  type ExportLocation,
  type ManifestFileEntry,
  type ManifestSummary,
} from "../export-format";
import { RateLimiter } from "./rate-limiter";
import type { RetryPolicy } from "./retry";
import { MAX_TOTAL_SEGMENTS, parallelScan, type SegmentStart } from "./scan";

export const DEFAULT_SEGMENTS = 16;
/**
 * Items per Scan request. Smaller than DynamoDB's 1 MB pages so that 16 segments × 2 pages in memory stay small
 * (the benchmark's peak-RSS numbers); throughput on DynamoDB scales with segments, not page size.
 */
export const DEFAULT_PAGE_SIZE = 1000;
/** Data files roll after this many uncompressed bytes (the export format's default). */
export { DEFAULT_MAX_FILE_BYTES };

export interface BackupOptions {
  readonly client: DynamoDBClient;
  /** @default the shared S3 client */
  readonly s3?: S3Client;
  readonly tableName: string;
  readonly out: ExportLocation;
  /** Parallel scan segments. @default DEFAULT_SEGMENTS */
  readonly segments?: number;
  /** Items per second across all segments. @default - unlimited */
  readonly readRate?: number;
  /** @default false */
  readonly consistentRead?: boolean;
  /** Continue an interrupted backup at `out`. @default false */
  readonly resume?: boolean;
  /** @default DEFAULT_MAX_FILE_BYTES */
  readonly maxFileBytes?: number;
  readonly gzipLevel?: number;
  /** Items per Scan page (DynamoDB also stops a page at 1 MB). @default DEFAULT_PAGE_SIZE */
  readonly pageLimit?: number;
  /** Fetch each segment's next page while writing the current one. @default true */
  readonly readAhead?: boolean;
  readonly retry?: RetryPolicy;
  /** Total items (approximate) once known, then progress. */
  readonly onStart?: (info: { approximateItems: number | undefined; resumedItems: number }) => void;
  readonly onProgress?: (itemsWritten: number) => void;
  /** For tests: called after each checkpoint is saved. */
  readonly onCheckpoint?: (checkpoint: BackupCheckpoint) => void | Promise<void>;
}

export interface BackupResult {
  readonly tableName: string;
  readonly location: string;
  readonly summary: ManifestSummary;
  readonly itemCount: number;
  readonly files: number;
  readonly segments: number;
  readonly resumed: boolean;
  readonly durationMs: number;
  readonly itemsPerSecond: number;
  readonly retries: number;
}

interface SegmentCheckpoint {
  /** Scan position (wire form: B as base64) after the last page that is inside a finished file. */
  lastEvaluatedKey?: Record<string, unknown>;
  done: boolean;
  files: ManifestFileEntry[];
}

/** What `_checkpoint.json` holds for a backup. */
export interface BackupCheckpoint {
  readonly kind: "dynamo-dr-backup";
  readonly version: 1;
  readonly tableName: string;
  readonly exportId: string;
  readonly startTime: string;
  readonly totalSegments: number;
  readonly segments: SegmentCheckpoint[];
}

export class BackupError extends Error {
  constructor(
    message: string,
    readonly kind: "not-found" | "precondition" | "usage",
  ) {
    super(message);
    this.name = "BackupError";
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  try {
    const res = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (res.Table === undefined) throw new BackupError(`table ${tableName} was not described`, "not-found");
    return res.Table;
  } catch (err) {
    if ((err as Error).name === "ResourceNotFoundException") {
      throw new BackupError(`table "${tableName}" does not exist (check the name and AWS_REGION)`, "not-found");
    }
    throw err;
  }
}

async function describeTtl(client: DynamoDBClient, tableName: string): Promise<TimeToLiveDescription | undefined> {
  try {
    return (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  } catch {
    // Some local servers do not implement DescribeTimeToLive; the backup is still complete without it.
    return undefined;
  }
}

export async function backupTable(opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const store = openStore(opts.out, opts.s3);
  const where = formatLocation(opts.out);
  const desc = await describe(opts.client, opts.tableName);
  const ttl = await describeTtl(opts.client, opts.tableName);
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;

  let checkpoint: BackupCheckpoint;
  let resumed = false;
  if (opts.resume === true) {
    const cp = await readCheckpoint<BackupCheckpoint>(store);
    if (cp === undefined) {
      const complete = await store.exists(MANIFEST_SUMMARY_FILE);
      throw new BackupError(
        complete
          ? `${where} already holds a complete backup; nothing to resume`
          : `${where} has no backup checkpoint to resume; run without --resume into an empty location`,
        "precondition",
      );
    }
    if (cp.kind !== "dynamo-dr-backup" || cp.tableName !== opts.tableName) {
      throw new BackupError(
        `${where} holds an interrupted backup of table "${cp.tableName}", not "${opts.tableName}"; resume it with --table ${cp.tableName}`,
        "usage",
      );
    }
    checkpoint = cp;
    resumed = true;
    await removeStrayDataFiles(store, checkpoint);
  } else {
    const segments = opts.segments ?? DEFAULT_SEGMENTS;
    if (!Number.isInteger(segments) || segments < 1 || segments > MAX_TOTAL_SEGMENTS) {
      throw new BackupError(`segments: ${segments} is not allowed; use 1 to ${MAX_TOTAL_SEGMENTS}`, "usage");
    }
    try {
      await startExport(store);
    } catch (err) {
      if (err instanceof ExportFormatError) throw new BackupError(err.message, "precondition");
      throw err;
    }
    const startTime = new Date(started);
    checkpoint = {
      kind: "dynamo-dr-backup",
      version: 1,
      tableName: opts.tableName,
      exportId: newExportId(startTime),
      startTime: startTime.toISOString(),
      totalSegments: segments,
      segments: Array.from({ length: segments }, () => ({ done: false, files: [] })),
    };
    await writeCheckpoint(store, checkpoint);
  }

  const resumedItems = checkpoint.segments.reduce((n, s) => n + s.files.reduce((m, f) => m + f.itemCount, 0), 0);
  opts.onStart?.({ approximateItems: desc.ItemCount, resumedItems });
  let written = resumedItems;

  // Checkpoint saves are serialized; each save writes the latest state.
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    saving = saving.then(async () => {
      await writeCheckpoint(store, checkpoint);
      await opts.onCheckpoint?.(checkpoint);
    });
    return saving;
  };

  const writers = new Map<number, DataFileWriter>();
  const start: Record<number, SegmentStart> = {};
  checkpoint.segments.forEach((s, i) => {
    start[i] = {
      done: s.done,
      ...(s.lastEvaluatedKey === undefined
        ? {}
        : { exclusiveStartKey: decodeWireItem(s.lastEvaluatedKey, `${where}/_checkpoint.json segment ${i}`) }),
    };
  });

  const limiter = opts.readRate === undefined ? undefined : new RateLimiter(opts.readRate);
  let totals;
  try {
    totals = await parallelScan({
      client: opts.client,
      tableName: opts.tableName,
      totalSegments: checkpoint.totalSegments,
      consistentRead: opts.consistentRead ?? false,
      start,
      ...(limiter === undefined ? {} : { limiter }),
      pageLimit: opts.pageLimit ?? DEFAULT_PAGE_SIZE,
      readAhead: opts.readAhead ?? true,
      ...(opts.retry === undefined ? {} : { retry: opts.retry }),
      wire: "lines",
      onPage: async ({ segment, lines, count, lastEvaluatedKey }) => {
        let w = writers.get(segment);
        if (count > 0) {
          if (w === undefined) {
            w = await openDataFile(store, opts.gzipLevel === undefined ? {} : { gzipLevel: opts.gzipLevel });
            writers.set(segment, w);
          }
          await w.writeLineBlock(lines, count);
          written += count;
          opts.onProgress?.(written);
        }
        const seg = checkpoint.segments[segment] as SegmentCheckpoint;
        const last = lastEvaluatedKey === undefined;
        if (w !== undefined && (last || w.uncompressedBytes >= maxFileBytes)) {
          seg.files.push(await w.close());
          writers.delete(segment);
        }
        if (last || w === undefined || !writers.has(segment)) {
          // Only positions covered by finished files go into the checkpoint.
          if (lastEvaluatedKey === undefined) delete seg.lastEvaluatedKey;
          else seg.lastEvaluatedKey = itemToWireJson(lastEvaluatedKey);
          seg.done = last;
          await save();
        }
      },
    });
  } catch (err) {
    await Promise.all([...writers.values()].map((w) => w.abort().catch(() => undefined)));
    await saving.catch(() => undefined);
    throw err;
  }
  await saving;

  const files = checkpoint.segments.flatMap((s) => s.files);
  const summary = await finishExport(store, {
    files,
    schema: schemaFromDescription(desc, ttl),
    exportId: checkpoint.exportId,
    tableArn: desc.TableArn ?? null,
    tableId: desc.TableId ?? null,
    startTime: new Date(checkpoint.startTime),
  });
  const durationMs = Date.now() - started;
  return {
    tableName: opts.tableName,
    location: where,
    summary,
    itemCount: summary.itemCount,
    files: files.length,
    segments: checkpoint.totalSegments,
    resumed,
    durationMs,
    itemsPerSecond: Math.round(((summary.itemCount - (resumed ? resumedItems : 0)) / Math.max(durationMs, 1)) * 1000),
    retries: totals.retries,
  };
}

/** On resume: data files not recorded in the checkpoint (from pages after the last finished file) are removed. */
async function removeStrayDataFiles(store: ReturnType<typeof openStore>, cp: BackupCheckpoint): Promise<void> {
  const kept = new Set(cp.segments.flatMap((s) => s.files.map((f) => `${DATA_DIR}/${dataFileName(f.dataFileS3Key)}`)));
  for (const f of await store.list(DATA_DIR)) {
    if (!kept.has(f.rel)) await store.delete(f.rel);
  }
}
