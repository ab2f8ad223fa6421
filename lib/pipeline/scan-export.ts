/**
 * Export by parallel scan, for tables without PITR, into the same layout as a native export
 * (`exports/<table>/AWSDynamoDB/<exportId>/`), written with the shared export-format library.
 *
 * Each segment is one Map iteration that the state machine re-invokes until the segment is done. An invocation scans
 * pages until its time budget runs out, writing whole pages into data files; after each file it records a checkpoint
 * (`work/<table>/<exportId>/segment-NNNN.json`: the LastEvaluatedKey after the file, and the files so far). A new
 * invocation resumes from the checkpoint. Data file names are fixed per segment and part, so a file written again after
 * a crash replaces the first one instead of leaving an unlisted extra. The finalize step writes the manifests once every
 * segment is done; manifest-summary.json comes last, so an unfinished scan export never looks complete.
 */
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { DATA_DIR, DATA_FILE_SUFFIX, DEFAULT_MAX_FILE_BYTES, STARTED_MARKER_FILE } from "../export-format/constants";
import { DataFileWriter } from "../export-format/data-file";
import { finishExport } from "../export-format/export-writer";
import { decodeWireItem, itemToWireJson } from "../export-format/item-codec";
import type { ManifestFileEntry } from "../export-format/manifest";
import { schemaFromDescription } from "../export-format/schema";
import { openStore, type ExportStore } from "../export-format/store";
import { scanWire } from "../table-io/wire";
import { PipelineError } from "./errors";
import { exportDir, scanWorkDir, segmentCheckpointKey } from "./layout";
import type { ExportJob, ExportResult } from "./types";

export interface SegmentCheckpoint {
  readonly segment: number;
  readonly totalSegments: number;
  readonly exportId: string;
  /** DynamoDB JSON (wire format) of the key to resume after, or null when not started / done. */
  readonly lastEvaluatedKey: Record<string, unknown> | null;
  readonly files: readonly ManifestFileEntry[];
  readonly items: number;
  readonly done: boolean;
  readonly invocations: number;
  readonly updatedAt: string;
}

export interface SegmentProgress {
  readonly segment: number;
  readonly done: boolean;
  readonly items: number;
  readonly files: number;
  readonly invocations: number;
}

export interface ScanSegmentOptions {
  /** Stop scanning (after the current page) at this time (epoch ms). */
  readonly deadline: number;
  /** Roll to a new data file after this many uncompressed bytes. @default DEFAULT_MAX_FILE_BYTES */
  readonly maxFileBytes?: number;
  /** Items per Scan page. @default - DynamoDB's 1 MB pages */
  readonly pageLimit?: number;
}

function checkScanJob(job: ExportJob, segment?: number): { exportId: string } {
  if (job.method !== "SCAN" || job.exportId === null || job.totalSegments < 1) {
    throw new PipelineError("InvalidPipelineInput", `job for ${job.table} is not a SCAN export with an export id`);
  }
  if (segment !== undefined && (!Number.isInteger(segment) || segment < 0 || segment >= job.totalSegments)) {
    throw new PipelineError(
      "InvalidPipelineInput",
      `segment ${JSON.stringify(segment)} of ${job.table} is outside 0-${job.totalSegments - 1}`,
    );
  }
  return { exportId: job.exportId };
}

function stores(s3: S3Client, job: ExportJob, exportId: string): { data: ExportStore; work: ExportStore } {
  return {
    data: openStore({ kind: "s3", bucket: job.bucket, prefix: exportDir(job.table, exportId) }, s3),
    work: openStore({ kind: "s3", bucket: job.bucket, prefix: "" }, s3),
  };
}

/** `data/s0003-p00012.json.gz`: one name per segment and part. */
export function segmentFileRel(segment: number, part: number): string {
  return `${DATA_DIR}/s${String(segment).padStart(4, "0")}-p${String(part).padStart(5, "0")}${DATA_FILE_SUFFIX}`;
}

async function readCheckpoint(work: ExportStore, key: string): Promise<SegmentCheckpoint | undefined> {
  const text = await work.readText(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as SegmentCheckpoint;
  } catch (err) {
    throw new PipelineError("ScanExportIncomplete", `${work.describe(key)} is damaged: ${(err as Error).message}`);
  }
}

/** A segment's progress while an invocation scans it (what its checkpoint records). */
interface SegmentState {
  readonly files: ManifestFileEntry[];
  items: number;
  /** The key to resume after; undefined before the first page and once done. */
  lastKey: Record<string, AttributeValue> | undefined;
  done: boolean;
  readonly invocations: number;
}

/** Where one segment's scan writes: its data files and its checkpoint. */
interface SegmentTarget {
  readonly dynamo: DynamoDBClient;
  readonly job: ExportJob;
  readonly segment: number;
  readonly exportId: string;
  readonly data: ExportStore;
  readonly work: ExportStore;
  readonly checkpointKey: string;
}

/** Scans one segment until done or out of time; returns the progress (the state machine loops until `done`). */
export async function scanSegment(
  dynamo: DynamoDBClient,
  s3: S3Client,
  job: ExportJob,
  segment: number,
  opts: ScanSegmentOptions,
): Promise<SegmentProgress> {
  const { exportId } = checkScanJob(job, segment);
  const { data, work } = stores(s3, job, exportId);
  const checkpointKey = segmentCheckpointKey(job.table, exportId, segment);
  const target: SegmentTarget = { dynamo, job, segment, exportId, data, work, checkpointKey };
  const previous = await readCheckpoint(work, checkpointKey);
  if (previous?.done === true) {
    const { items, files, invocations } = previous;
    return { segment, done: true, items, files: files.length, invocations };
  }
  if (previous === undefined) await data.writeText(STARTED_MARKER_FILE, "");
  const state: SegmentState = {
    files: [...(previous?.files ?? [])],
    items: previous?.items ?? 0,
    lastKey:
      previous?.lastEvaluatedKey === null || previous === undefined
        ? undefined
        : decodeWireItem(previous.lastEvaluatedKey, `${work.describe(checkpointKey)} lastEvaluatedKey`),
    done: false,
    invocations: (previous?.invocations ?? 0) + 1,
  };
  await scanPages(target, state, opts);
  return { segment, done: state.done, items: state.items, files: state.files.length, invocations: state.invocations };
}

/**
 * Scans pages into data files until the segment is done or the deadline passed, rolling files at `maxFileBytes` and
 * recording a checkpoint after each finished file and at the end.
 */
async function scanPages(t: SegmentTarget, state: SegmentState, opts: ScanSegmentOptions): Promise<void> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let writer: DataFileWriter | undefined;
  const closeFile = async (): Promise<void> => {
    if (writer === undefined) return;
    const entry = await writer.close();
    writer = undefined;
    state.files.push(entry);
  };
  try {
    for (;;) {
      const page = await scanPage(t, state.lastKey, opts.pageLimit);
      if (page.count > 0) {
        writer ??= await DataFileWriter.open(t.data, segmentFileRel(t.segment, state.files.length));
        await writer.writeLineBlock(page.lines, page.count);
        state.items += page.count;
      }
      state.lastKey = page.lastEvaluatedKey;
      if (state.lastKey === undefined) {
        state.done = true;
        break;
      }
      if (writer !== undefined && writer.uncompressedBytes >= maxFileBytes) {
        await closeFile();
        await writeSegmentCheckpoint(t, state);
      }
      if (Date.now() >= opts.deadline) break;
    }
    await closeFile();
    await writeSegmentCheckpoint(t, state);
  } catch (err) {
    await writer?.abort().catch(() => undefined);
    throw err;
  }
}

/**
 * One Scan page of the segment. Items stay in DynamoDB's wire form, cut out of the response as export lines (the SDK's
 * own deserializer drops a top-level attribute named "__proto__"; see lib/table-io/wire.ts).
 */
function scanPage(t: SegmentTarget, startKey: Record<string, AttributeValue> | undefined, pageLimit?: number) {
  return scanWire(
    t.dynamo,
    {
      TableName: t.job.tableName,
      Segment: t.segment,
      TotalSegments: t.job.totalSegments,
      ExclusiveStartKey: startKey,
      ...(pageLimit === undefined ? {} : { Limit: pageLimit }),
    },
    { asLines: true },
  );
}

async function writeSegmentCheckpoint(t: SegmentTarget, state: SegmentState): Promise<void> {
  const cp: SegmentCheckpoint = {
    segment: t.segment,
    totalSegments: t.job.totalSegments,
    exportId: t.exportId,
    lastEvaluatedKey: state.lastKey === undefined ? null : itemToWireJson(state.lastKey),
    files: state.files,
    items: state.items,
    done: state.done,
    invocations: state.invocations,
    updatedAt: new Date().toISOString(),
  };
  await t.work.writeText(t.checkpointKey, `${JSON.stringify(cp)}\n`);
}

/** Writes the manifests (and schema.json) once every segment is done. */
export async function finalizeScanExport(dynamo: DynamoDBClient, s3: S3Client, job: ExportJob): Promise<ExportResult> {
  const { exportId } = checkScanJob(job);
  const { data, work } = stores(s3, job, exportId);
  const files: ManifestFileEntry[] = [];
  const problems: string[] = [];
  for (let segment = 0; segment < job.totalSegments; segment++) {
    const key = segmentCheckpointKey(job.table, exportId, segment);
    const cp = await readCheckpoint(work, key);
    if (cp === undefined) problems.push(`segment ${segment}: no checkpoint (${work.describe(key)})`);
    else if (!cp.done) problems.push(`segment ${segment}: not finished (${cp.items} items so far)`);
    else files.push(...cp.files);
  }
  if (problems.length > 0) {
    throw new PipelineError(
      "ScanExportIncomplete",
      `scan export ${exportId} of ${job.tableName} (${job.table}) cannot be finished: ${problems.join("; ")}`,
    );
  }
  const described = await dynamo.send(new DescribeTableCommand({ TableName: job.tableName }));
  if (described.Table === undefined) throw new Error(`DescribeTable ${job.tableName} returned nothing`);
  const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: job.tableName }));
  const exportTime = new Date(job.exportTime ?? Date.now());
  const summary = await finishExport(data, {
    files,
    schema: schemaFromDescription(described.Table, ttl.TimeToLiveDescription),
    exportId,
    tableArn: job.tableArn,
    tableId: described.Table.TableId ?? null,
    startTime: exportTime,
    exportTime,
  });
  for (let segment = 0; segment < job.totalSegments; segment++) {
    await work.delete(segmentCheckpointKey(job.table, exportId, segment));
  }
  return {
    status: "COMPLETED",
    exportArn: summary.exportArn,
    exportDir: exportDir(job.table, exportId),
    exportType: "FULL_EXPORT",
    startTime: summary.startTime,
  };
}

/** Where a scan's checkpoints live (for messages). */
export function scanWorkLocation(job: ExportJob): string {
  return `s3://${job.bucket}/${scanWorkDir(job.table, job.exportId ?? "<exportId>")}/`;
}
