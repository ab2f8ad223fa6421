/**
 * Runs the rebuild's definition on DuckDB, in process: the records are staged in a table (DuckDB spills to its temp
 * directory beyond its memory limit), counted per file against the manifests, then ranked per key out of core; the
 * result is streamed chunk by chunk to the caller, which writes it into the export-format writer. No sort is written
 * here: DuckDB sorts and windows.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { ToolMissingError, VerificationError } from "../errors";
import { countsPerFileSql, rebuiltLinesSql, recordsSql, type RebuildInputs } from "./definition";
import { duckdbDialect } from "./duckdb-dialect";

export interface EngineSettings {
  /** DuckDB's memory_limit, e.g. "1GB". */
  readonly memoryLimit: string;
  /** Where DuckDB spills (a folder it may fill). */
  readonly tempDir: string;
  /** @default DuckDB's default (the number of cores) */
  readonly threads?: number;
}

/** Accepted --memory-limit values: a number and a unit (DuckDB's own syntax), e.g. 512MB, 2GB, 1.5GiB. */
export const MEMORY_LIMIT_PATTERN = /^\d+(\.\d+)?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/;
export const DEFAULT_MEMORY_LIMIT = "1GB";

/** Bytes of a memory limit (for reports and the benchmark's budget). */
export function memoryLimitBytes(limit: string): number {
  const m = /^(\d+(?:\.\d+)?)(K|M|G|T)(i?)B$/.exec(limit);
  if (m === null) return NaN;
  const base = m[3] === "i" ? 1024 : 1000;
  return Number(m[1]) * base ** (" KMGT".indexOf(m[2] as string) as number);
}

/** The engine's package: loaded when first needed (a native module, kept out of the bundled CLI: tools/build-cli.ts). */
export const DUCKDB_PACKAGE = "@duckdb/node-api";

async function loadDuckDb(): Promise<typeof import("@duckdb/node-api")> {
  try {
    return await import("@duckdb/node-api");
  } catch (err) {
    throw new ToolMissingError(
      `this command needs the DuckDB engine (${DUCKDB_PACKAGE}, a native module that cannot be bundled) and it is not installed (${(err as Error).message}); install it next to dynamo-dr: npm install -g ${DUCKDB_PACKAGE}@1.5.6-r.1`,
    );
  }
}

export async function openDuckDb(settings: EngineSettings): Promise<{ conn: DuckDBConnection; close(): void }> {
  const { DuckDBInstance } = await loadDuckDb();
  const instance = await DuckDBInstance.create(":memory:", {
    memory_limit: settings.memoryLimit,
    temp_directory: settings.tempDir,
    preserve_insertion_order: "false",
    ...(settings.threads === undefined ? {} : { threads: String(settings.threads) }),
  });
  const conn = await instance.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

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
  await conn.run(`CREATE TEMP TABLE records AS ${recordsSql(duckdbDialect, inputs)}`);
  const rows = (await conn.runAndReadAll(countsPerFileSql("records"))).getRowObjects();
  const counted = new Map(rows.map((r) => [String(r.file), Number(r.n)]));
  const wrong = files
    .map((f) => ({ f, n: counted.get(f.path) ?? 0 }))
    .filter(({ f, n }) => n !== f.expectedCount)
    .map(({ f, n }) => `${f.name}: holds ${n} records, its manifest says ${f.expectedCount}`);
  if (wrong.length > 0) throw new VerificationError(`refusing to rebuild from damaged input:\n  ${wrong.join("\n  ")}`);
  return [...counted.values()].reduce((a, b) => a + b, 0);
}

/** Streams the rebuilt lines (`{"Item":…}`) in blocks (one per DuckDB chunk); returns the number of items. */
export async function streamRebuilt(
  conn: DuckDBConnection,
  inputs: RebuildInputs,
  onBlock: (block: string, count: number) => Promise<void>,
): Promise<number> {
  const result = await conn.stream(rebuiltLinesSql(duckdbDialect, inputs, "records"));
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
