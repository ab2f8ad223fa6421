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
  DeleteTableCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describeTable, keysDiffer, keyText, TABLE_ACTIVE_TIMEOUT_MS, waitForTableActive } from "./tables";
import { NotFoundError, PreconditionError, VerificationError } from "../errors";
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
  type OpenedExport,
} from "../export-format";
import { withFileErrors } from "../writable";
import { BatchWriteError, BatchWriter, type WireEntry } from "./batch-writer";
import { MAX_ITEM_BYTES, wireItemBytes } from "./item-size";
import { wireKeyString, type WireItem } from "./wire";
import { RateLimiter } from "./rate-limiter";
import type { RetryPolicy } from "./retry";

export const DEFAULT_RESTORE_CONCURRENCY = 16;
/** Data files read at once (their items share the writer's `concurrency` requests). */
const FILE_CONCURRENCY = 2;
/** Lines read from a file at a time. */
const READ_BATCH_LINES = 500;

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
  /** Verify every file (md5, counts, and every line decoded, keyed and size-checked) before writing. @default true */
  readonly verifyFirst?: boolean;
  /** How long to wait for a created table and its indexes to become ACTIVE. @default TABLE_ACTIVE_TIMEOUT_MS */
  readonly activeTimeoutMs?: number;
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

/** The restore ended with items unwritten. The message says how many and the exact command to resume. */
export class RestoreIncompleteError extends VerificationError {
  constructor(
    message: string,
    readonly expected: number,
    readonly written: number,
  ) {
    super(message);
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

/** The target table as found before anything is written; `create` when this run must create it. */
interface Target {
  readonly desc: TableDescription | undefined;
  readonly keyNames: readonly string[];
}

/** What the write phase needs and reports. */
interface WritePlan {
  readonly exp: OpenedExport;
  readonly keyNames: readonly string[];
  readonly completed: Set<string>;
  readonly skippedItems: number;
  readonly saveCheckpoint: () => Promise<void>;
}

export async function restoreTable(opts: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const exp = await openExport(opts.source, {
    ...(opts.s3 === undefined ? {} : { s3: opts.s3 }),
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
  // 1. Check the target (read-only), then 2. verify every file and line: nothing is created or written before both.
  const target = await checkTarget(exp, opts);
  const verifyFirst = opts.verifyFirst ?? true;
  if (verifyFirst) await verifyBeforeWriting(exp, target.keyNames, opts);
  // 3. The checkpoint: read (resume) and written once, so a path that cannot take it fails before CreateTable.
  const plan = await loadCheckpoint(exp, target.keyNames, opts);
  // 4. Create the table when asked and absent; from here on a failure says what this run left behind.
  const created = target.desc === undefined;
  if (created) await createAndWait(exp, opts);
  else if (target.desc.TableStatus !== "ACTIVE") await waitActive(opts, false);
  let writer: BatchWriter<number>;
  try {
    // 5. The non-empty-table confirmation, then the files streamed in.
    if (!created && opts.resume !== true) await confirmIfNotEmpty(opts);
    writer = await writeFiles(plan, opts);
  } catch (err) {
    throw created ? await cleanUpCreated(err, opts, exp.summary.itemCount) : err;
  }
  // 6. TTL last, so nothing restored is expired away before it is counted.
  const ttlAttribute = created ? await enableTtl(exp, opts) : null;
  await rm(checkpointPathFor(exp, opts), { force: true });
  const durationMs = Date.now() - started;
  const written = plan.skippedItems + writer.written;
  return {
    tableName: opts.tableName,
    source: exp.location,
    created,
    expectedItems: exp.summary.itemCount,
    writtenItems: written,
    skippedItems: plan.skippedItems,
    files: exp.files.length,
    verified: verifyFirst,
    ttlAttribute,
    durationMs,
    itemsPerSecond: Math.round((writer.written / Math.max(durationMs, 1)) * 1000),
    retries: writer.retried,
  };
}

function resumeCommand(exp: OpenedExport, opts: RestoreOptions): string {
  return `dynamo-dr restore-files ${exp.location} --table ${opts.tableName} --resume`;
}

function checkpointPathFor(exp: OpenedExport, opts: RestoreOptions): string {
  return opts.checkpointPath ?? defaultCheckpointPath(opts.cwd ?? process.cwd(), opts.tableName, exp.location);
}

/** Phase 1: the table exists (or will be created from schema.json) with the backup's key. Reads only. */
async function checkTarget(exp: OpenedExport, opts: RestoreOptions): Promise<Target> {
  const name = opts.tableName;
  const desc = await describeTable(opts.client, name);
  if (opts.createTable === true) {
    if (exp.schema === undefined) {
      throw new PreconditionError(
        `${exp.location} has no schema.json (AWS's own exports do not include one), so --create-table cannot know the keys and indexes. Create the table first (e.g. terraform apply) and run restore without --create-table.`,
      );
    }
    if (desc !== undefined && opts.resume !== true) {
      throw new PreconditionError(
        `table "${name}" already exists; restore into it without --create-table (items are upserted), or choose a new --table name`,
      );
    }
  } else if (desc === undefined) {
    throw new NotFoundError(
      `table "${name}" does not exist; create it first, or add --create-table to build it from ${exp.location}/schema.json`,
    );
  }
  if (desc !== undefined && exp.schema !== undefined && keysDiffer(desc, exp.schema.table)) {
    throw new PreconditionError(
      `table "${name}" has ${keyText(desc)} but the backup's table had ${keyText(exp.schema.table)}; restore into a table with the same key`,
    );
  }
  const keySchema = desc?.KeySchema ?? exp.schema?.table.KeySchema ?? [];
  return { desc, keyNames: keyAttributeNames({ table: { KeySchema: keySchema } }) };
}

/**
 * Phase 2: md5 and count of every file, and every line decoded, keyed and size-checked, before anything is created or
 * written: a damaged backup must not half-restore.
 */
async function verifyBeforeWriting(
  exp: OpenedExport,
  keyNames: readonly string[],
  opts: RestoreOptions,
): Promise<void> {
  let checked = 0;
  const report = await verifyExport(exp, {
    decode: false, // checkLine parses and validates each line itself
    checkLine: (text, where) => void wireEntry(text, keyNames, where),
    onFile: () => opts.onVerifyProgress?.(++checked, exp.files.length),
  });
  if (report.ok) return;
  try {
    assertVerified(report);
  } catch (err) {
    const created = opts.createTable === true ? " and no table was created" : "";
    throw new VerificationError(`${(err as Error).message}\nNothing was written to ${opts.tableName}${created}.`);
  }
}

async function waitActive(opts: RestoreOptions, created: boolean): Promise<TableDescription> {
  const timeoutMs = opts.activeTimeoutMs ?? TABLE_ACTIVE_TIMEOUT_MS;
  const desc = await waitForTableActive(opts.client, opts.tableName, { timeoutMs, pollMs: 200 });
  if (desc !== undefined) return desc;
  throw new PreconditionError(
    `table ${opts.tableName}${created ? ", created by this restore," : ""} and its indexes did not become ACTIVE within ${Math.round(timeoutMs / 60000)} minute(s); nothing was written. When it is ACTIVE (aws dynamodb wait table-exists --table-name ${opts.tableName}), run the restore again without --create-table.`,
  );
}

/** Phase 3: CreateTable from schema.json, then wait for the table and its GSIs. */
async function createAndWait(exp: OpenedExport, opts: RestoreOptions): Promise<void> {
  const schema = exp.schema;
  if (schema === undefined) return; // checkTarget refused this already
  await opts.client.send(new CreateTableCommand(createTableInput(schema, opts.tableName)));
  const gsis = schema.table.GlobalSecondaryIndexes?.length;
  opts.onNote?.(`created table ${opts.tableName} (on-demand${gsis === undefined ? "" : `, ${gsis} GSI(s)`})`);
  await waitActive(opts, true);
}

/** Whether a table holds no items (a failed probe counts as "not known to be empty"). */
async function isEmpty(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    const probe = await client.send(new ScanCommand({ TableName: tableName, Limit: 1, Select: "COUNT" }));
    return (probe.Count ?? 0) === 0 && probe.LastEvaluatedKey === undefined;
  } catch {
    return false;
  }
}

/**
 * A failure after this run created the table: a table that is still empty is deleted (so the command can simply be
 * run again); one holding items is kept, and the message says exactly what is in it and what to do.
 */
async function cleanUpCreated(err: unknown, opts: RestoreOptions, expected: number): Promise<unknown> {
  const name = opts.tableName;
  let note: string;
  if (await isEmpty(opts.client, name)) {
    try {
      await opts.client.send(new DeleteTableCommand({ TableName: name }));
      note = `The table ${name} this restore created was empty and is deleted.`;
    } catch (deleteErr) {
      note = `The table ${name} this restore created holds no items and could not be deleted (${(deleteErr as Error).message}); delete it: aws dynamodb delete-table --table-name ${name}`;
    }
  } else {
    const holds = err instanceof RestoreIncompleteError ? `${err.written} of ${expected}` : `some of the ${expected}`;
    note = `The table ${name} was created by this restore and holds ${holds} items; resume with --resume, or delete it: aws dynamodb delete-table --table-name ${name}`;
  }
  if (!(err instanceof Error)) return new VerificationError(`${String(err)}\n${note}`);
  err.message = `${err.message}\n${note}`; // the error keeps its kind (exit code)
  return err;
}

/** Phase 3: the checkpoint (what an earlier run finished), written at once: the first write to the file system. */
async function loadCheckpoint(
  exp: OpenedExport,
  keyNames: readonly string[],
  opts: RestoreOptions,
): Promise<WritePlan> {
  const cpPath = checkpointPathFor(exp, opts);
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
  }
  const saveCheckpoint = (): Promise<void> =>
    writeCheckpointFile(cpPath, {
      kind: "dynamo-dr-restore",
      version: 1,
      source: exp.location,
      tableName: opts.tableName,
      exportArn: exp.summary.exportArn,
      completedFiles: [...completed].sort(),
    });
  await saveCheckpoint();
  const skippedItems = exp.files.filter((f) => completed.has(f.dataFileS3Key)).reduce((n, f) => n + f.itemCount, 0);
  return { exp, keyNames, completed, skippedItems, saveCheckpoint };
}

/** Asks before writing into an existing table that already has items. */
async function confirmIfNotEmpty(opts: RestoreOptions): Promise<void> {
  const probe = await opts.client.send(new ScanCommand({ TableName: opts.tableName, Limit: 1, Select: "COUNT" }));
  if ((probe.Count ?? 0) > 0 || probe.LastEvaluatedKey !== undefined) {
    await opts.confirmNonEmpty?.(
      `Table ${opts.tableName} already has items. Restoring will overwrite items that have the same key (others are kept). Continue?`,
    );
  }
}

/** Writes the checkpoint through a temporary file beside it; never leaves the temporary file behind. */
async function writeCheckpointFile(path: string, cp: RestoreCheckpoint): Promise<void> {
  await withFileErrors("--checkpoint", path, async () => {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(cp, null, 2)}\n`);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  });
}

/** Phase 5: every file not done yet streamed into the writer; a file is done when all its items are acknowledged. */
async function writeFiles(plan: WritePlan, opts: RestoreOptions): Promise<BatchWriter<number>> {
  const { exp, completed } = plan;
  const expected = exp.summary.itemCount;
  const todo = exp.files.map((f, i) => ({ f, i })).filter(({ f }) => !completed.has(f.dataFileS3Key));
  opts.onStart?.({ totalItems: expected, skippedItems: plan.skippedItems });
  const writtenPerFile = new Map<number, number>();
  const readPerFile = new Map<number, number>();
  let checkpointChain: Promise<void> = Promise.resolve();
  const maybeComplete = (idx: number): void => {
    const read = readPerFile.get(idx);
    const entry = exp.files[idx];
    if (read === undefined || (writtenPerFile.get(idx) ?? 0) < read) return;
    if (entry === undefined || completed.has(entry.dataFileS3Key)) return;
    completed.add(entry.dataFileS3Key);
    checkpointChain = checkpointChain.then(plan.saveCheckpoint);
  };
  const writer: BatchWriter<number> = new BatchWriter<number>({
    client: opts.client,
    tableName: opts.tableName,
    concurrency: opts.concurrency ?? DEFAULT_RESTORE_CONCURRENCY,
    keyNames: plan.keyNames,
    ...(opts.writeRate === undefined ? {} : { limiter: new RateLimiter(opts.writeRate) }),
    ...(opts.retry === undefined ? {} : { retry: opts.retry }),
    onWritten: (idx, n) => {
      writtenPerFile.set(idx, (writtenPerFile.get(idx) ?? 0) + n);
      opts.onProgress?.(plan.skippedItems + writer.written);
      maybeComplete(idx);
    },
  });
  const failure = await readAllFiles(todo, plan, writer, (idx, count) => {
    readPerFile.set(idx, count);
    maybeComplete(idx);
  });
  await checkpointChain;
  checkAllWritten(plan, opts, writer.written, failure);
  return writer;
}

type FileJob = { readonly f: OpenedExport["files"][number]; readonly i: number };

/** Reads the files FILE_CONCURRENCY at a time into the writer; returns the first failure (or undefined). */
async function readAllFiles(
  todo: readonly FileJob[],
  plan: WritePlan,
  writer: BatchWriter<number>,
  onFileRead: (idx: number, lines: number) => void,
): Promise<unknown> {
  let failure: unknown;
  let next = 0;
  const reader = async (): Promise<void> => {
    while (failure === undefined) {
      const job = todo[next++];
      if (job === undefined) return;
      let count = 0;
      const file = describeDataFile(plan.exp, job.f);
      for await (const lines of readExportLines(plan.exp, job.f, { batchSize: READ_BATCH_LINES })) {
        const entries = lines.map((line) => wireEntry(line, plan.keyNames, `${file} line ${++count}`));
        await writer.putWire(entries, job.i);
      }
      onFileRead(job.i, count);
    }
  };
  const readers = Math.min(FILE_CONCURRENCY, Math.max(1, todo.length));
  await Promise.all(
    Array.from({ length: readers }, () =>
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
  return failure;
}

/** The acknowledged count must equal the manifest's: otherwise say how many are missing and how to resume. */
function checkAllWritten(plan: WritePlan, opts: RestoreOptions, writtenNow: number, failure: unknown): void {
  const expected = plan.exp.summary.itemCount;
  const written = plan.skippedItems + writtenNow;
  const resume = resumeCommand(plan.exp, opts);
  if (failure !== undefined) {
    const why = failure instanceof BatchWriteError || failure instanceof Error ? failure.message : String(failure);
    throw new RestoreIncompleteError(
      `restore into ${opts.tableName} stopped: ${why}\n${written} of ${expected} items are written; ${expected - written} are missing. Fix the cause, then resume with:\n  ${resume}`,
      expected,
      written,
    );
  }
  if (written !== expected) {
    throw new RestoreIncompleteError(
      `restore into ${opts.tableName} wrote ${written} items but the export holds ${expected}; ${expected - written} are missing. Resume with:\n  ${resume}`,
      expected,
      written,
    );
  }
}

/** Phase 6: TTL on the backup's attribute (a table this run created). */
async function enableTtl(exp: OpenedExport, opts: RestoreOptions): Promise<string | null> {
  const attribute = exp.schema?.timeToLive?.attributeName;
  if (attribute === undefined) return null;
  try {
    await opts.client.send(
      new UpdateTimeToLiveCommand({
        TableName: opts.tableName,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
    return attribute;
  } catch (err) {
    opts.onNote?.(
      `could not enable TTL on ${attribute}: ${(err as Error).message}; enable it yourself (or let terraform do it)`,
    );
    return null;
  }
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
  const bytes = wireItemBytes(item as WireItem);
  if (bytes > MAX_ITEM_BYTES) {
    throw new ExportFormatError(
      "corrupt",
      where,
      `${where}: the item with key ${keyNames.map((n) => `${n}=${JSON.stringify((item as WireItem)[n])}`).join(", ")} is ${bytes.toLocaleString("en-US")} bytes, over DynamoDB's item limit of ${MAX_ITEM_BYTES.toLocaleString("en-US")} bytes (400 KB); DynamoDB would refuse it`,
    );
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
