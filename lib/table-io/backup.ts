/**
 * Table → export files: a parallel scan streamed into gzip data files in AWS's export layout.
 *
 * Memory stays constant: each segment holds at most two scan pages and one open data file's gzip buffer.
 * Segments run from a bounded pool (MAX_SEGMENTS_IN_FLIGHT at a time, in segment order). Files roll at page boundaries
 * once they reach `maxFileBytes` (so a file may exceed it by up to one 1 MB page), and each finished file is recorded in
 * a checkpoint together with the segment's scan position, so an interrupted backup can be resumed (`resume: true`) from
 * the last finished file of every segment. The checkpoint stays small whatever the number of segments: finished
 * segments are kept as ranges, only running segments have a position, and saves are coalesced.
 * manifest-summary.json is written last: until then the backup reads as incomplete.
 */
import {
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  type TimeToLiveDescription,
} from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { describeTable } from "./tables";
import { NotFoundError, PreconditionError, UsageError } from "../errors";
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
  type ExportStore,
  type ManifestFileEntry,
  type ManifestSummary,
} from "../export-format";
import { RateLimiter } from "./rate-limiter";
import type { RetryPolicy } from "./retry";
import { MAX_TOTAL_SEGMENTS, parallelScan, type ScanPage, type SegmentStart } from "./scan";
import type { Key } from "./wire";

export const DEFAULT_SEGMENTS = 16;
/** Segments scanned at once; more segments wait their turn (a bounded pool). */
export const MAX_SEGMENTS_IN_FLIGHT = 64;
/** More segments than this many times the table's (approximate) item count gets a note: most will be empty. */
export const FAR_MORE_SEGMENTS_FACTOR = 10;
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
  /** Segments finished so far, of all (counted when a segment's last page is in). */
  readonly onSegmentProgress?: (segmentsDone: number, totalSegments: number) => void;
  /** Something the user should know (e.g. far more segments than items). */
  readonly onNote?: (message: string) => void;
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

/** What `_checkpoint.json` holds for a backup. Its size grows with files and running segments, not with segments. */
export interface BackupCheckpoint {
  readonly kind: "dynamo-dr-backup";
  readonly version: 2;
  readonly tableName: string;
  readonly exportId: string;
  readonly startTime: string;
  readonly totalSegments: number;
  /** Finished segments as merged half-open ranges `[from, to)`. */
  done: [number, number][];
  /** Part-way segments by number: the scan position (wire form, B as base64) after the last page in a finished file. */
  positions: Record<string, Record<string, unknown>>;
  /** Every finished data file, of every segment. */
  files: ManifestFileEntry[];
}

/** The version-1 checkpoint (one entry per segment), still read on --resume. */
interface BackupCheckpointV1 {
  readonly kind: "dynamo-dr-backup";
  readonly version: 1;
  readonly tableName: string;
  readonly exportId: string;
  readonly startTime: string;
  readonly totalSegments: number;
  readonly segments: { lastEvaluatedKey?: Record<string, unknown>; done: boolean; files: ManifestFileEntry[] }[];
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const desc = await describeTable(client, tableName);
  if (desc === undefined)
    throw new NotFoundError(`table "${tableName}" does not exist (check the name and AWS_REGION)`);
  return desc;
}

async function describeTtl(client: DynamoDBClient, tableName: string): Promise<TimeToLiveDescription | undefined> {
  try {
    return (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  } catch {
    // Some local servers do not implement DescribeTimeToLive; the backup is still complete without it.
    return undefined;
  }
}

export function validateSegments(segments: number): void {
  if (!Number.isInteger(segments) || segments < 1 || segments > MAX_TOTAL_SEGMENTS) {
    throw new UsageError(`--segments: ${segments} is not allowed; use a whole number from 1 to ${MAX_TOTAL_SEGMENTS}`);
  }
}

export async function backupTable(opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const store = openStore(opts.out, opts.s3);
  const where = formatLocation(opts.out);
  if (opts.resume !== true) validateSegments(opts.segments ?? DEFAULT_SEGMENTS);
  const desc = await describe(opts.client, opts.tableName);
  const ttl = await describeTtl(opts.client, opts.tableName);
  const checkpoint =
    opts.resume === true
      ? await resumeCheckpoint(store, opts.tableName)
      : await newCheckpoint(store, opts.tableName, opts.segments ?? DEFAULT_SEGMENTS, new Date(started));
  noteSegmentsVsItems(checkpoint.totalSegments, desc.ItemCount, opts.onNote);
  const resumedItems = checkpoint.files.reduce((n, f) => n + f.itemCount, 0);
  opts.onStart?.({ approximateItems: desc.ItemCount, resumedItems });
  const retries = await scanIntoFiles(store, checkpoint, opts, resumedItems);
  const summary = await finishExport(store, {
    files: checkpoint.files,
    schema: schemaFromDescription(desc, ttl),
    exportId: checkpoint.exportId,
    tableArn: desc.TableArn ?? null,
    tableId: desc.TableId ?? null,
    startTime: new Date(checkpoint.startTime),
  });
  const durationMs = Date.now() - started;
  const resumed = opts.resume === true;
  return {
    tableName: opts.tableName,
    location: where,
    summary,
    itemCount: summary.itemCount,
    files: checkpoint.files.length,
    segments: checkpoint.totalSegments,
    resumed,
    durationMs,
    itemsPerSecond: Math.round(((summary.itemCount - (resumed ? resumedItems : 0)) / Math.max(durationMs, 1)) * 1000),
    retries,
  };
}

/** Says when there are far more segments than items: each segment is still one Scan request at least. */
function noteSegmentsVsItems(segments: number, items: number | undefined, onNote?: (m: string) => void): void {
  const approx = items ?? 0;
  if (segments <= DEFAULT_SEGMENTS || segments <= Math.max(approx, 1) * FAR_MORE_SEGMENTS_FACTOR) return;
  const n = (x: number): string => x.toLocaleString("en-US");
  onNote?.(
    `${n(segments)} segments for a table of about ${n(approx)} items (DynamoDB's count, updated about every 6 hours): ` +
      `most segments will be empty, yet each costs at least one Scan request (${n(segments)} requests, ` +
      `${MAX_SEGMENTS_IN_FLIGHT} at a time). --segments ${DEFAULT_SEGMENTS} would back up the same items much sooner.`,
  );
}

async function newCheckpoint(
  store: ExportStore,
  tableName: string,
  segments: number,
  startTime: Date,
): Promise<BackupCheckpoint> {
  try {
    await startExport(store);
  } catch (err) {
    if (err instanceof ExportFormatError) throw new PreconditionError(err.message);
    throw err;
  }
  const checkpoint: BackupCheckpoint = {
    kind: "dynamo-dr-backup",
    version: 2,
    tableName,
    exportId: newExportId(startTime),
    startTime: startTime.toISOString(),
    totalSegments: segments,
    done: [],
    positions: {},
    files: [],
  };
  await writeCheckpoint(store, checkpoint);
  return checkpoint;
}

async function resumeCheckpoint(store: ExportStore, tableName: string): Promise<BackupCheckpoint> {
  const where = formatLocation(store.location);
  const cp = await readCheckpoint<BackupCheckpoint | BackupCheckpointV1>(store);
  if (cp === undefined) {
    const complete = await store.exists(MANIFEST_SUMMARY_FILE);
    throw new PreconditionError(
      complete
        ? `${where} already holds a complete backup; nothing to resume`
        : `${where} has no backup checkpoint to resume; run without --resume into an empty location`,
    );
  }
  if (cp.kind !== "dynamo-dr-backup" || cp.tableName !== tableName) {
    throw new UsageError(
      `${where} holds an interrupted backup of table "${cp.tableName}", not "${tableName}"; resume it with --table ${cp.tableName}`,
    );
  }
  const checkpoint = cp.version === 1 ? fromV1(cp) : cp;
  await removeStrayDataFiles(store, checkpoint);
  return checkpoint;
}

function fromV1(cp: BackupCheckpointV1): BackupCheckpoint {
  const { segments, ...rest } = cp;
  const v2: BackupCheckpoint = { ...rest, version: 2, done: [], positions: {}, files: [] };
  segments.forEach((s, i) => {
    v2.files.push(...s.files);
    if (s.done) addDone(v2.done, i);
    else if (s.lastEvaluatedKey !== undefined) v2.positions[i] = s.lastEvaluatedKey;
  });
  return v2;
}

/** Adds a finished segment to merged half-open ranges. */
export function addDone(ranges: [number, number][], segment: number): void {
  let i = 0;
  while (i < ranges.length && (ranges[i] as [number, number])[1] < segment) i++;
  const r = ranges[i];
  if (r !== undefined && r[0] <= segment && segment < r[1]) return;
  if (r !== undefined && r[1] === segment) {
    r[1] = segment + 1;
    const after = ranges[i + 1];
    if (after !== undefined && after[0] === r[1]) ranges.splice(i, 2, [r[0], after[1]]);
  } else if (r !== undefined && r[0] === segment + 1) r[0] = segment;
  else ranges.splice(i, 0, [segment, segment + 1]);
}

function isDone(ranges: readonly [number, number][], segment: number): boolean {
  return ranges.some(([from, to]) => from <= segment && segment < to);
}

function doneCount(ranges: readonly [number, number][]): number {
  return ranges.reduce((n, [from, to]) => n + to - from, 0);
}

/** Serialized checkpoint saves where a save requested while one is waiting joins it (it writes the latest state). */
class CoalescingSaver {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  constructor(private readonly write: () => Promise<void>) {}
  save(): Promise<void> {
    if (this.queued === undefined) {
      this.queued = this.chain.then(() => {
        this.queued = undefined;
        return this.write();
      });
      this.chain = this.queued;
    }
    return this.queued;
  }
  settled(): Promise<void> {
    return this.chain;
  }
}

/** Scans every unfinished segment into data files, recording each finished file in the checkpoint. */
async function scanIntoFiles(
  store: ExportStore,
  checkpoint: BackupCheckpoint,
  opts: BackupOptions,
  resumedItems: number,
): Promise<number> {
  const where = formatLocation(store.location);
  const saver = new CoalescingSaver(async () => {
    await writeCheckpoint(store, checkpoint);
    await opts.onCheckpoint?.(checkpoint);
  });
  const files = new SegmentFiles(store, checkpoint, opts, saver, resumedItems);
  const start = (segment: number): SegmentStart | undefined => {
    if (isDone(checkpoint.done, segment)) return { done: true };
    const position = checkpoint.positions[segment];
    if (position === undefined) return undefined;
    return { exclusiveStartKey: decodeWireItem(position, `${where}/_checkpoint.json segment ${segment}`) as Key };
  };
  const limiter = opts.readRate === undefined ? undefined : new RateLimiter(opts.readRate);
  try {
    const totals = await parallelScan({
      client: opts.client,
      tableName: opts.tableName,
      totalSegments: checkpoint.totalSegments,
      concurrency: MAX_SEGMENTS_IN_FLIGHT,
      consistentRead: opts.consistentRead ?? false,
      start,
      ...(limiter === undefined ? {} : { limiter }),
      pageLimit: opts.pageLimit ?? DEFAULT_PAGE_SIZE,
      readAhead: opts.readAhead ?? true,
      ...(opts.retry === undefined ? {} : { retry: opts.retry }),
      wire: "lines",
      onPage: (page) => files.onPage(page),
    });
    await saver.settled();
    return totals.retries;
  } catch (err) {
    await files.abortAll();
    await saver.settled().catch(() => undefined);
    throw err;
  }
}

/** The open data file of each running segment, and what a page does to the files and the checkpoint. */
class SegmentFiles {
  private readonly writers = new Map<number, DataFileWriter>();
  private written: number;
  constructor(
    private readonly store: ExportStore,
    private readonly checkpoint: BackupCheckpoint,
    private readonly opts: BackupOptions,
    private readonly saver: CoalescingSaver,
    resumedItems: number,
  ) {
    this.written = resumedItems;
  }

  async onPage({ segment, lines, count, lastEvaluatedKey }: ScanPage): Promise<void> {
    let w = this.writers.get(segment);
    if (count > 0) {
      if (w === undefined) {
        const gzip = this.opts.gzipLevel === undefined ? {} : { gzipLevel: this.opts.gzipLevel };
        w = await openDataFile(this.store, gzip);
        this.writers.set(segment, w);
      }
      await w.writeLineBlock(lines, count);
      this.written += count;
      this.opts.onProgress?.(this.written);
    }
    const last = lastEvaluatedKey === undefined;
    if (w !== undefined && (last || w.uncompressedBytes >= (this.opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES))) {
      this.checkpoint.files.push(await w.close());
      this.writers.delete(segment);
    }
    if (this.writers.has(segment)) return; // only positions covered by finished files go into the checkpoint
    if (last) {
      delete this.checkpoint.positions[segment];
      addDone(this.checkpoint.done, segment);
      this.opts.onSegmentProgress?.(doneCount(this.checkpoint.done), this.checkpoint.totalSegments);
      // An empty segment changes only `done`: no need to wait for that save.
      if (w === undefined) return void this.saver.save().catch(() => undefined);
    } else {
      this.checkpoint.positions[segment] = itemToWireJson(lastEvaluatedKey);
    }
    await this.saver.save();
  }

  async abortAll(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.abort().catch(() => undefined)));
  }
}

/** On resume: data files not recorded in the checkpoint (from pages after the last finished file) are removed. */
async function removeStrayDataFiles(store: ExportStore, cp: BackupCheckpoint): Promise<void> {
  const kept = new Set(cp.files.map((f) => `${DATA_DIR}/${dataFileName(f.dataFileS3Key)}`));
  for (const f of await store.list(DATA_DIR)) {
    if (!kept.has(f.rel)) await store.delete(f.rel);
  }
}
