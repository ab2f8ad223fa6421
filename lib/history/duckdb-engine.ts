/**
 * Runs the rebuild's definition on DuckDB, in process: the records are staged in a table (DuckDB spills to its temp
 * directory beyond its memory limit), counted per file against the manifests, then ranked per key out of core. DuckDB
 * writes the rebuilt lines to a file in the rebuild's temp folder (no value crosses into JavaScript one by one), which
 * is streamed in blocks of whole lines to the caller, which gzips them into the export-format writer. No sort is
 * written here: DuckDB sorts and windows. Opening the engine is lib/engine/duckdb.ts.
 */
import { createReadStream } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { VerificationError } from "../errors";
import { changesFirstSql, countsPerFileSql, itemLine, recordsSql, type RebuildInputs } from "./definition";
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

/** Stages the records and checks each file's line count against its manifest before anything uses them. */
export async function stageRecords(
  conn: DuckDBConnection,
  inputs: RebuildInputs,
  files: readonly EngineFile[],
): Promise<number> {
  await conn.run(`CREATE TEMP TABLE records AS ${recordsSql(duckdbDialect, inputs)}`);
  const rows = (await conn.runAndReadAll(countsPerFileSql("records"))).getRowObjects();
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

/**
 * The rebuilt lines from the staged records, by the definition's rule evaluated in two parts
 * ({@link changesFirstSql}): the base items no change touches, carried as they are, and the live winners among the
 * changes, whose images are fetched by row id.
 */
export function rebuiltSql(inputs: RebuildInputs): string {
  return changesFirstSql(inputs, "records", (img) => itemLine(duckdbDialect, img));
}

/**
 * DuckDB writes the rebuilt lines to `path`, one per line, as they are: one column, no header, no quoting, a
 * delimiter JSON never leaves unescaped (JSON text holds no raw line break either). Returns the number of lines.
 */
async function writeLinesFile(conn: DuckDBConnection, inputs: RebuildInputs, path: string): Promise<number> {
  const result = await conn.runAndReadAll(
    `COPY (${rebuiltSql(inputs)}) TO ${duckdbDialect.str(path)}
      (FORMAT csv, HEADER false, DELIMITER chr(1), QUOTE '', ESCAPE '', NULLSTR chr(2))`,
  );
  return Number(result.getRowObjects()[0]?.Count ?? NaN);
}

function countLines(block: Buffer): number {
  let n = 0;
  for (let i = block.indexOf(NEWLINE); i !== -1; i = block.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** Hands on the file's bytes in blocks of whole lines; returns the number of lines. */
async function streamLinesFile(
  path: string,
  onBlock: (block: Buffer, count: number) => Promise<void>,
): Promise<number> {
  let carry: Buffer = Buffer.alloc(0);
  let lines = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: BLOCK_BYTES }) as AsyncIterable<Buffer>) {
    const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const end = buf.lastIndexOf(NEWLINE) + 1;
    carry = buf.subarray(end);
    if (end === 0) continue;
    const block = buf.subarray(0, end);
    const n = countLines(block);
    lines += n;
    await onBlock(block, n);
  }
  if (carry.length > 0) throw new VerificationError(`${path}: the engine's output ends in the middle of a line`);
  return lines;
}

/**
 * Writes the rebuilt lines (`{"Item":…}`) to `linesPath` (in the rebuild's temp folder) and streams them in blocks of
 * whole lines; returns the number of items. The lines handed on are checked against the number DuckDB wrote.
 */
export async function streamRebuilt(
  conn: DuckDBConnection,
  inputs: RebuildInputs,
  linesPath: string,
  onBlock: (block: Buffer, count: number) => Promise<void>,
): Promise<number> {
  const written = await writeLinesFile(conn, inputs, linesPath);
  const items = await streamLinesFile(linesPath, onBlock);
  if (items !== written) {
    throw new VerificationError(`${linesPath}: the engine wrote ${written} rebuilt items but the file holds ${items}`);
  }
  return items;
}
