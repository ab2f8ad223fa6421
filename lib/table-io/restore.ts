/**
 * Export files → table: every data file streamed into BatchWriteItem (25 per request, `concurrency` in flight),
 * with UnprocessedItems and throttling retried with backoff and jitter.
 *
 * Guarantees:
 * - the export is verified (md5 + counts of every file) before the first write, unless told otherwise;
 * - nothing is dropped: at the end the acknowledged count must equal the manifest's itemCount, or a
 *   {@link RestoreIncompleteError} says how many are missing and how to resume;
 * - re-running is safe: every write is a full-item put (upsert); `resume` skips files a checkpoint records as done.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  assertVerified,
  createTableInput,
  keyAttributeNames,
  describeDataFile,
  ExportFormatError,
  openExport,
  validateWireItem,
  readExportLines,
  verifyExport,
  type ExportLocation,
  type VerifyReport,
} from "../export-format";
import { BatchWriteError, BatchWriter, type WireEntry } from "./batch-writer";
import { wireKeyString, type WireItem } from "./wire";
import { RateLimiter } from "./rate-limiter";
import { sleep, type RetryPolicy } from "./retry";

export const DEFAULT_RESTORE_CONCURRENCY = 16;
/** Data files read at once (their items share the writer's `concurrency` requests). */
const FILE_CONCURRENCY = 2;
/** Lines read from a file at a time. */
const READ_BATCH_LINES = 500;
/** How long to wait for a created table (and its indexes) to become ACTIVE. */
const TABLE_ACTIVE_TIMEOUT_MS = 10 * 60 * 1000;

export interface RestoreOptions {
  readonly client: DynamoDBClient;
  readonly s3?: S3Client;
  readonly source: string | ExportLocation;
  readonly tableName: string;
  /** Create the table from schema.json (on-demand, with its GSIs/LSIs, stream and TTL). @default false */
  readonly createTable?: boolean;
  /** BatchWriteItem requests in flight. @default DEFAULT_RESTORE_CONCURRENCY */
  readonly concurrency?: number;
  /** Items per second. @default - unlimited */
  readonly writeRate?: number;
  /** Skip files an earlier run finished (per the checkpoint file). @default false */
  readonly resume?: boolean;
  /** Where progress is checkpointed. @default `<cwd>/.dynamo-dr/restore-<table>-<hash of source>.json` */
  readonly checkpointPath?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** Verify every file before writing anything. @default true */
  readonly verifyFirst?: boolean;
  readonly retry?: RetryPolicy;
  /** Asked before writing into a table that already has items (throw to stop). */
  readonly confirmNonEmpty?: (message: string) => Promise<void>;
  readonly onStart?: (info: { totalItems: number; skippedItems: number }) => void;
  readonly onProgress?: (itemsWritten: number) => void;
  readonly onVerifyProgress?: (filesChecked: number, totalFiles: number) => void;
  readonly onNote?: (message: string) => void;
}

export interface RestoreResult {
  readonly tableName: string;
  readonly source: string;
  readonly created: boolean;
  readonly expectedItems: number;
  readonly writtenItems: number;
  /** Items in files an earlier run finished (resume). */
  readonly skippedItems: number;
  readonly files: number;
  readonly verified: boolean;
  readonly ttlAttribute: string | null;
  readonly durationMs: number;
  readonly itemsPerSecond: number;
  readonly retries: number;
}

export class RestoreError extends Error {
  constructor(
    message: string,
    readonly kind: "not-found" | "precondition" | "verification",
    readonly report?: VerifyReport,
  ) {
    super(message);
    this.name = "RestoreError";
  }
}

/** The restore ended with items unwritten. The message says how many and the exact command to resume. */
export class RestoreIncompleteError extends Error {
  constructor(
    message: string,
    readonly expected: number,
    readonly written: number,
  ) {
    super(message);
    this.name = "RestoreIncompleteError";
  }
  get missing(): number {
    return this.expected - this.written;
  }
}

interface RestoreCheckpoint {
  readonly kind: "dynamo-dr-restore";
  readonly version: 1;
  readonly source: string;
  readonly tableName: string;
  readonly exportArn: string | null;
  readonly completedFiles: string[];
}

export function defaultCheckpointPath(cwd: string, tableName: string, source: string): string {
  const h = createHash("sha256").update(source).digest("hex").slice(0, 12);
  return join(cwd, ".dynamo-dr", `restore-${tableName}-${h}.json`);
}

async function describeOrUndefined(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if ((err as Error).name === "ResourceNotFoundException") return undefined;
    throw err;
  }
}

async function waitActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (let i = 0; ; i++) {
    const t = await describeOrUndefined(client, tableName);
    const ready =
      t?.TableStatus === "ACTIVE" &&
      (t.GlobalSecondaryIndexes ?? []).every((g) => (g.IndexStatus ?? "ACTIVE") === "ACTIVE");
    if (ready && t !== undefined) return t;
    if (Date.now() > deadline)
      throw new Error(`table ${tableName} did not become ACTIVE within ${TABLE_ACTIVE_TIMEOUT_MS / 60000} minutes`);
    await sleep(Math.min(2000, 100 * 2 ** i));
  }
}

function keySignature(desc: {
  KeySchema?: { AttributeName?: string; KeyType?: string }[];
  AttributeDefinitions?: { AttributeName?: string; AttributeType?: string }[];
}): string {
  const types = new Map((desc.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  return (desc.KeySchema ?? [])
    .map((k) => `${k.KeyType}:${k.AttributeName}(${types.get(k.AttributeName) ?? "?"})`)
    .join(", ");
}

export async function restoreTable(opts: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const exp = await openExport(opts.source, {
    ...(opts.s3 === undefined ? {} : { s3: opts.s3 }),
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
  const expected = exp.summary.itemCount;
  const resumeCmd = `dynamo-dr restore ${exp.location} --table ${opts.tableName} --resume`;

  // 1. Verify before the first write: a damaged export must not half-restore.
  const verifyFirst = opts.verifyFirst ?? true;
  if (verifyFirst) {
    let checked = 0;
    // md5 + item count of every file (what catches damage); each line is validated as it is sent.
    const report = await verifyExport(exp, {
      decode: false,
      onFile: () => opts.onVerifyProgress?.(++checked, exp.files.length),
    });
    if (!report.ok) {
      try {
        assertVerified(report);
      } catch (err) {
        throw new RestoreError(
          `${(err as Error).message}\nNothing was written to ${opts.tableName}.`,
          "verification",
          report,
        );
      }
    }
  }

  // 2. The target table.
  let created = false;
  let desc = await describeOrUndefined(opts.client, opts.tableName);
  if (opts.createTable === true) {
    if (exp.schema === undefined) {
      throw new RestoreError(
        `${exp.location} has no schema.json (AWS's own exports do not include one), so --create-table cannot know the keys and indexes. Create the table first (e.g. terraform apply) and run restore without --create-table.`,
        "precondition",
      );
    }
    if (desc !== undefined && opts.resume !== true) {
      throw new RestoreError(
        `table "${opts.tableName}" already exists; restore into it without --create-table (items are upserted), or choose a new --table name`,
        "precondition",
      );
    }
    if (desc === undefined) {
      await opts.client.send(new CreateTableCommand(createTableInput(exp.schema, opts.tableName)));
      created = true;
      opts.onNote?.(
        `created table ${opts.tableName} (on-demand${exp.schema.table.GlobalSecondaryIndexes === undefined ? "" : `, ${exp.schema.table.GlobalSecondaryIndexes.length} GSI(s)`})`,
      );
    }
    desc = await waitActive(opts.client, opts.tableName);
  } else if (desc === undefined) {
    throw new RestoreError(
      `table "${opts.tableName}" does not exist; create it first, or add --create-table to build it from ${exp.location}/schema.json`,
      "not-found",
    );
  } else if (desc.TableStatus !== "ACTIVE") {
    desc = await waitActive(opts.client, opts.tableName);
  }
  if (exp.schema !== undefined && keySignature(desc) !== keySignature(exp.schema.table)) {
    throw new RestoreError(
      `table "${opts.tableName}" has key ${keySignature(desc)} but the backup's table had ${keySignature(exp.schema.table)}; restore into a table with the same key`,
      "precondition",
    );
  }
  const keyNames = keyAttributeNames({ table: { KeySchema: desc.KeySchema ?? [] } });

  // 3. Checkpoint (resume) and the non-empty-table confirmation.
  const cpPath = opts.checkpointPath ?? defaultCheckpointPath(opts.cwd ?? process.cwd(), opts.tableName, exp.location);
  let completed = new Set<string>();
  if (opts.resume === true) {
    const cp = await readRestoreCheckpoint(cpPath);
    if (cp !== undefined && cp.source === exp.location && cp.tableName === opts.tableName) {
      completed = new Set(cp.completedFiles);
    } else {
      opts.onNote?.(
        `no checkpoint for this source and table at ${cpPath}: restoring every file (puts are upserts, so this is safe)`,
      );
    }
  } else if (!created) {
    const probe = await opts.client.send(new ScanCommand({ TableName: opts.tableName, Limit: 1, Select: "COUNT" }));
    if ((probe.Count ?? 0) > 0 || probe.LastEvaluatedKey !== undefined) {
      await opts.confirmNonEmpty?.(
        `Table ${opts.tableName} already has items. Restoring will overwrite items that have the same key (others are kept). Continue?`,
      );
    }
  }
  const saveCheckpoint = async (): Promise<void> => {
    const cp: RestoreCheckpoint = {
      kind: "dynamo-dr-restore",
      version: 1,
      source: exp.location,
      tableName: opts.tableName,
      exportArn: exp.summary.exportArn,
      completedFiles: [...completed].sort(),
    };
    await mkdir(dirname(cpPath), { recursive: true });
    await writeFile(`${cpPath}.tmp`, `${JSON.stringify(cp, null, 2)}\n`);
    await rename(`${cpPath}.tmp`, cpPath);
  };
  await saveCheckpoint();

  const todo = exp.files.map((f, i) => ({ f, i })).filter(({ f }) => !completed.has(f.dataFileS3Key));
  const skippedItems = exp.files.filter((f) => completed.has(f.dataFileS3Key)).reduce((n, f) => n + f.itemCount, 0);
  opts.onStart?.({ totalItems: expected, skippedItems });

  // 4. Stream files into the writer; a file is done when all of its items are acknowledged.
  const writtenPerFile = new Map<number, number>();
  const readPerFile = new Map<number, number>();
  let checkpointChain: Promise<void> = Promise.resolve();
  const maybeComplete = (idx: number): void => {
    const read = readPerFile.get(idx);
    if (read === undefined || (writtenPerFile.get(idx) ?? 0) < read) return;
    const entry = exp.files[idx];
    if (entry === undefined || completed.has(entry.dataFileS3Key)) return;
    completed.add(entry.dataFileS3Key);
    checkpointChain = checkpointChain.then(saveCheckpoint);
  };
  const writer = new BatchWriter<number>({
    client: opts.client,
    tableName: opts.tableName,
    concurrency: opts.concurrency ?? DEFAULT_RESTORE_CONCURRENCY,
    keyNames,
    ...(opts.writeRate === undefined ? {} : { limiter: new RateLimiter(opts.writeRate) }),
    ...(opts.retry === undefined ? {} : { retry: opts.retry }),
    onWritten: (idx, n) => {
      writtenPerFile.set(idx, (writtenPerFile.get(idx) ?? 0) + n);
      opts.onProgress?.(skippedItems + writer.written);
      maybeComplete(idx);
    },
  });

  let failure: unknown;
  let next = 0;
  const reader = async (): Promise<void> => {
    while (failure === undefined) {
      const job = todo[next++];
      if (job === undefined) return;
      let count = 0;
      const file = describeDataFile(exp, job.f);
      for await (const lines of readExportLines(exp, job.f, { batchSize: READ_BATCH_LINES })) {
        const entries = lines.map((line) => wireEntry(line, keyNames, `${file} line ${++count}`));
        await writer.putWire(entries, job.i);
      }
      readPerFile.set(job.i, count);
      maybeComplete(job.i);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(FILE_CONCURRENCY, Math.max(1, todo.length)) }, () =>
      reader().catch((err: unknown) => {
        failure ??= err;
      }),
    ),
  );
  try {
    await writer.flush();
  } catch (err) {
    failure ??= err;
  }
  await checkpointChain;
  const written = skippedItems + writer.written;
  if (failure !== undefined) {
    const why =
      failure instanceof BatchWriteError
        ? failure.message
        : failure instanceof Error
          ? failure.message
          : String(failure);
    throw new RestoreIncompleteError(
      `restore into ${opts.tableName} stopped: ${why}\n${written} of ${expected} items are written; ${expected - written} are missing. Fix the cause, then resume with:\n  ${resumeCmd}`,
      expected,
      written,
    );
  }
  if (written !== expected) {
    throw new RestoreIncompleteError(
      `restore into ${opts.tableName} wrote ${written} items but the export holds ${expected}; ${expected - written} are missing. Resume with:\n  ${resumeCmd}`,
      expected,
      written,
    );
  }

  // 5. TTL last, so nothing restored is expired away before it is counted.
  let ttlAttribute: string | null = null;
  if (created && exp.schema?.timeToLive != null) {
    ttlAttribute = exp.schema.timeToLive.attributeName;
    try {
      await opts.client.send(
        new UpdateTimeToLiveCommand({
          TableName: opts.tableName,
          TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
        }),
      );
    } catch (err) {
      opts.onNote?.(
        `could not enable TTL on ${ttlAttribute}: ${(err as Error).message}; enable it yourself (or let terraform do it)`,
      );
      ttlAttribute = null;
    }
  }
  await rm(cpPath, { force: true });
  const durationMs = Date.now() - started;
  return {
    tableName: opts.tableName,
    source: exp.location,
    created,
    expectedItems: expected,
    writtenItems: written,
    skippedItems,
    files: exp.files.length,
    verified: verifyFirst,
    ttlAttribute,
    durationMs,
    itemsPerSecond: Math.round(((written - skippedItems) / Math.max(durationMs, 1)) * 1000),
    retries: writer.retried,
  };
}

/**
 * An export line as a ready-to-send write: the item's JSON text taken from the line as it is (no re-encoding) and its
 * key. Errors name the file and line.
 */
export function wireEntry(line: string, keyNames: readonly string[], where: string): WireEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new ExportFormatError("corrupt", where, `${where}: not valid JSON (${(err as Error).message})`);
  }
  const obj = parsed as { Item?: unknown } | null;
  const item = obj?.Item;
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    throw new ExportFormatError("corrupt", where, `${where}: expected an object {"Item": {...}}, found no "Item" map`);
  }
  validateWireItem(item, where);
  let key: string;
  try {
    key = wireKeyString(item as WireItem, keyNames);
  } catch (err) {
    throw new ExportFormatError("corrupt", where, `${where}: ${(err as Error).message}`);
  }
  const onlyItem = Object.keys(obj as object).length === 1 && line.startsWith('{"Item":') && line.endsWith("}");
  return { json: onlyItem ? line.slice(8, -1) : JSON.stringify(item), key };
}

async function readRestoreCheckpoint(path: string): Promise<RestoreCheckpoint | undefined> {
  try {
    const cp = JSON.parse(await readFile(path, "utf8")) as RestoreCheckpoint;
    return cp.kind === "dynamo-dr-restore" ? cp : undefined;
  } catch {
    return undefined;
  }
}
