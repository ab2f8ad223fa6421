/**
 * Runs the rebuild's definition on DuckDB, in process: the change records are staged in a table (DuckDB spills to its
 * temp directory beyond its memory limit), every file's records are counted against its manifest, the changes are
 * ranked per key out of core, and the base is read where it is used. DuckDB writes the rebuilt lines to files in the
 * rebuild's temp folder, one statement at a time (no value crosses into JavaScript one by one); each file is read
 * while it grows and handed on in blocks of whole lines to the caller, which gzips them into the export-format writer.
 * No sort is written here: DuckDB sorts and aggregates. Opening the engine is lib/engine/duckdb.ts.
 */
import { open, rm, type FileHandle } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { UsageError, VerificationError } from "../errors";
import { changeRecordsSql, changesFirstSql, countsPerFileSql, itemLine, type RebuildInputs } from "./definition";
import { duckdbDialect, fileNumber } from "./duckdb-dialect";

export interface EngineFile {
  /** Path DuckDB reads. */
  readonly path: string;
  /** How messages name it (its s3:// URL or path). */
  readonly name: string;
  readonly expectedCount: number;
}

/** Bytes read from the rebuilt lines file at a time (each block handed on is its whole lines). */
const BLOCK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
/** How long the reader waits for the engine to write more. */
const FOLLOW_POLL_MS = 5;

/** DuckDB's classes of error for input it cannot read (its messages start with the class). */
const INPUT_ERROR = /^(Invalid Input Error|Conversion Error):/;
const OUT_OF_MEMORY = /^Out of Memory Error:/;

/**
 * The engine's error as a domain error: input it cannot read is damaged input (a line that is not JSON, or a value
 * of the wrong type, in a file whose md5 and count were right), running out of memory names the two flags that
 * help; anything else is passed on as it is.
 */
export function engineError(err: unknown, settings: { memoryLimit: string; tempDir: string }): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (INPUT_ERROR.test(message)) return new VerificationError(`cannot rebuild from the input: ${message}`);
  if (OUT_OF_MEMORY.test(message)) {
    return new UsageError(
      `the engine ran out of memory within --memory-limit ${settings.memoryLimit}: raise it, or check that the spill folder (--temp-dir, here ${settings.tempDir}) has room: ${message}`,
    );
  }
  return err;
}

/** The input files by the number the DuckDB dialect gives their records (lib/history/duckdb-dialect.ts). */
function filesByNumber(inputs: RebuildInputs, files: readonly EngineFile[]): Map<number, EngineFile> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const out = new Map<number, EngineFile>();
  const add = (group: "base" | "incremental" | "capture", paths: readonly string[]): void =>
    paths.forEach((p, i) => {
      const f = byPath.get(p);
      if (f !== undefined) out.set(fileNumber(group, i), f);
    });
  add("base", inputs.baseFiles);
  add("incremental", inputs.incrementalFiles);
  add("capture", inputs.captureFiles);
  return out;
}

/** The staged change records (lib/history/definition.ts changeRecordsSql). */
const CHANGES = "changes";

/** The `file` of every record: the staged changes', and the base's lines, read to be counted. */
function everyRecordsFile(inputs: RebuildInputs): string {
  const base =
    inputs.baseFiles.length === 0
      ? ""
      : `UNION ALL SELECT file FROM ${duckdbDialect.readLines("base", inputs.baseFiles)}`;
  return `(SELECT file FROM ${CHANGES} ${base}) AS every_record`;
}

/**
 * Stages the change records, and checks each file's line count against its manifest before anything uses them: the
 * changes' as staged, the base's by reading its lines (the base is not staged: it is read again where it is used, at
 * a fraction of what holding it costs).
 */
export async function stageRecords(
  conn: DuckDBConnection,
  inputs: RebuildInputs,
  files: readonly EngineFile[],
): Promise<number> {
  await conn.run(`CREATE TEMP TABLE ${CHANGES} AS ${changeRecordsSql(duckdbDialect, inputs)}`);
  const rows = (await conn.runAndReadAll(countsPerFileSql(everyRecordsFile(inputs)))).getRowObjects();
  const byNumber = filesByNumber(inputs, files);
  const counted = new Map<EngineFile, number>();
  for (const r of rows) {
    const f = byNumber.get(Number(r.file));
    if (f === undefined) throw new VerificationError(`the engine counted records of an unknown input file (${r.file})`);
    counted.set(f, (counted.get(f) ?? 0) + Number(r.n));
  }
  const wrong = files
    .map((f) => ({ f, n: counted.get(f) ?? 0 }))
    .filter(({ f, n }) => n !== f.expectedCount)
    .map(({ f, n }) => `${f.name}: holds ${n} records, its manifest says ${f.expectedCount}`);
  if (wrong.length > 0) throw new VerificationError(`refusing to rebuild from damaged input:\n  ${wrong.join("\n  ")}`);
  return [...counted.values()].reduce((a, b) => a + b, 0);
}

/** The table of each key's winning change (lib/history/definition.ts ChangesFirst.winners). */
const WINNERS = "winners";

/**
 * The rebuilt lines from the staged changes and the base, by the definition's rule evaluated in two parts
 * ({@link changesFirstSql}): the live winners among the changes, whose images are fetched by row id, and the base
 * items no change touches, carried as they are. Stages the winners; returns the statements that give the lines.
 */
export async function stageWinners(conn: DuckDBConnection, inputs: RebuildInputs): Promise<readonly string[]> {
  const plan = changesFirstSql(duckdbDialect, inputs, { changes: CHANGES, winners: WINNERS }, (img) =>
    itemLine(duckdbDialect, img),
  );
  await conn.run(`CREATE TEMP TABLE ${WINNERS} AS ${plan.winners}`);
  return plan.lines;
}

/**
 * DuckDB writes the lines `sql` gives to `path`, one per line, as they are: one column, no header, no quoting, a
 * delimiter JSON never leaves unescaped (JSON text holds no raw line break either), straight into the file (no
 * temporary file renamed at the end: the file is read while it grows). Returns the number of lines.
 */
async function writeLinesFile(conn: DuckDBConnection, sql: string, path: string): Promise<number> {
  const result = await conn.runAndReadAll(
    `COPY (${sql}) TO ${duckdbDialect.str(path)}
      (FORMAT csv, HEADER false, DELIMITER chr(1), QUOTE '', ESCAPE '', NULLSTR chr(2), USE_TMP_FILE false)`,
  );
  return Number(result.getRowObjects()[0]?.Count ?? NaN);
}

function countLines(block: Buffer): number {
  let n = 0;
  for (let i = block.indexOf(NEWLINE); i !== -1; i = block.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** Whether `p` has settled, as a flag read synchronously. */
function settledFlag(p: Promise<unknown>): { readonly done: boolean } {
  const flag = { done: false };
  p.then(
    () => (flag.done = true),
    () => (flag.done = true),
  );
  return flag;
}

/** Opens `path` once the engine has created it; undefined when the engine finished (or failed) without creating it. */
async function openWhenCreated(path: string, writer: { readonly done: boolean }): Promise<FileHandle | undefined> {
  for (;;) {
    const finished = writer.done;
    try {
      return await open(path, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      if (finished) return undefined;
      await sleep(FOLLOW_POLL_MS);
    }
  }
}

/**
 * Hands on the bytes of the file the engine is writing, in blocks of whole lines, as they arrive (so gzip runs while
 * the engine still ranks and writes): bytes the engine has written are final (it only appends), and the file is read
 * to its end once the engine is done. Returns the number of lines; rejects with the engine's error if it failed.
 */
async function followLinesFile(
  path: string,
  writing: Promise<number>,
  onBlock: (block: Buffer, count: number) => Promise<void>,
): Promise<number> {
  const writer = settledFlag(writing);
  const fh = await openWhenCreated(path, writer);
  let carry: Buffer = Buffer.alloc(0);
  let lines = 0;
  try {
    for (let pos = 0; fh !== undefined;) {
      const finished = writer.done;
      const chunk = Buffer.allocUnsafe(BLOCK_BYTES); // a new one each time: gzip may still hold the last
      const { bytesRead } = await fh.read(chunk, 0, BLOCK_BYTES, pos);
      if (bytesRead === 0) {
        if (finished) break;
        await sleep(FOLLOW_POLL_MS);
        continue;
      }
      pos += bytesRead;
      const buf =
        carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      const end = buf.lastIndexOf(NEWLINE) + 1;
      carry = buf.subarray(end);
      if (end === 0) continue;
      const n = countLines(buf.subarray(0, end));
      lines += n;
      await onBlock(buf.subarray(0, end), n);
    }
  } finally {
    await fh?.close();
  }
  await writing; // the engine's error, if it failed
  if (fh === undefined) throw new VerificationError(`${path}: the engine finished without writing its output`);
  if (carry.length > 0) throw new VerificationError(`${path}: the engine's output ends in the middle of a line`);
  return lines;
}

/**
 * Writes the rebuilt lines (`{"Item":…}`) to files named after `linesPath` (in the rebuild's temp folder), one
 * statement after the other, and streams them in blocks of whole lines as DuckDB writes them; returns the number of
 * items. The lines handed on from each file are checked against the number DuckDB wrote to it.
 */
export async function streamRebuilt(
  conn: DuckDBConnection,
  inputs: RebuildInputs,
  linesPath: string,
  onBlock: (block: Buffer, count: number) => Promise<void>,
): Promise<number> {
  let items = 0;
  for (const [i, sql] of (await stageWinners(conn, inputs)).entries()) {
    const path = `${linesPath}.${i}`;
    const writing = writeLinesFile(conn, sql, path);
    writing.catch(() => undefined); // awaited by the reader
    const read = await followLinesFile(path, writing, onBlock);
    const written = await writing;
    if (read !== written) {
      throw new VerificationError(`${path}: the engine wrote ${written} rebuilt items but the file holds ${read}`);
    }
    items += read;
    await rm(path, { force: true }); // handed on: its room in --temp-dir goes back before the next one fills
  }
  return items;
}
