/**
 * Runs the rebuild's definition on DuckDB, in process: the records are staged in a table (DuckDB spills to its temp
 * directory beyond its memory limit), counted per file against the manifests, then ranked per key out of core; the
 * result is streamed chunk by chunk to the caller, which writes it into the export-format writer. No sort is written
 * here: DuckDB sorts and windows. Opening the engine is lib/engine/duckdb.ts.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { VerificationError } from "../errors";
import { countsPerFileSql, itemLine, recordsSql, winnersSql, type RebuildInputs } from "./definition";
import { duckdbDialect } from "./duckdb-dialect";

export interface EngineFile {
  /** Path DuckDB reads. */
  readonly path: string;
  /** How messages name it (its s3:// URL or path). */
  readonly name: string;
  readonly expectedCount: number;
}

/** Stages the records and checks each file's line count against its manifest before anything uses them. */
export async function stageRecords(
  conn: DuckDBConnection,
  inputs: RebuildInputs,
  files: readonly EngineFile[],
): Promise<number> {
  // Files as an ENUM: a staged record carries a small number instead of its file's path (a third of the table's size).
  const paths = [...new Set(files.map((f) => f.path))];
  await conn.run(`CREATE TYPE input_file AS ENUM (${paths.map(duckdbDialect.str).join(", ")})`);
  await conn.run(
    `CREATE TEMP TABLE records AS SELECT * REPLACE (CAST(file AS input_file) AS file) FROM (${recordsSql(duckdbDialect, inputs)}) AS r`,
  );
  const rows = (await conn.runAndReadAll(countsPerFileSql("records"))).getRowObjects();
  const counted = new Map(rows.map((r) => [String(r.file), Number(r.n)]));
  const wrong = files
    .map((f) => ({ f, n: counted.get(f.path) ?? 0 }))
    .filter(({ f, n }) => n !== f.expectedCount)
    .map(({ f, n }) => `${f.name}: holds ${n} records, its manifest says ${f.expectedCount}`);
  if (wrong.length > 0) throw new VerificationError(`refusing to rebuild from damaged input:\n  ${wrong.join("\n  ")}`);
  return [...counted.values()].reduce((a, b) => a + b, 0);
}

/**
 * The rebuilt lines from the staged records: the winners are ranked on narrow rows (key, order, row id), then only
 * their images are fetched by row id — three times less work than ranking rows that carry their images.
 */
export function rebuiltSql(inputs: RebuildInputs): string {
  return `SELECT ${itemLine(duckdbDialect, "img")} AS line
FROM records SEMI JOIN (${winnersSql(inputs, "records", "rowid")}) AS winners ON records.rowid = winners.rowid`;
}

/** Streams the rebuilt lines (`{"Item":…}`) in blocks (one per DuckDB chunk); returns the number of items. */
export async function streamRebuilt(
  conn: DuckDBConnection,
  inputs: RebuildInputs,
  onBlock: (block: string, count: number) => Promise<void>,
): Promise<number> {
  const result = await conn.stream(rebuiltSql(inputs));
  let items = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const lines = chunk.getColumnValues(0) as string[];
    items += lines.length;
    await onBlock(`${lines.join("\n")}\n`, lines.length);
  }
  return items;
}
