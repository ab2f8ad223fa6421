/**
 * The embedded analytical engine (DuckDB, in process): opened with a memory limit and a spill folder the user sets, so
 * work larger than memory spills to disk instead of failing. Owns only opening and closing; the SQL belongs to its
 * callers (lib/history's rebuild, lib/table-io's flat-memory compare). May import: lib/errors.ts.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { ToolMissingError } from "../errors";

export interface EngineSettings {
  /** The engine's memory, e.g. "1GB" ({@link BUFFER_SHARE} of it is DuckDB's memory_limit). */
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

/**
 * Share of the memory limit given to DuckDB's buffer manager (its memory_limit). DuckDB also allocates outside it
 * (decompression and JSON-parsing buffers, allocator slack: 100–300 MB measured in the rebuild benchmark), so the
 * engine as a whole stays within the limit the user set.
 */
export const BUFFER_SHARE = 0.7;

/** DuckDB's own memory_limit for a user's memory limit: {@link BUFFER_SHARE} of it, in MiB. */
export function bufferLimit(limit: string): string {
  const bytes = memoryLimitBytes(limit);
  if (!Number.isFinite(bytes)) return limit;
  return `${Math.max(1, Math.floor((bytes * BUFFER_SHARE) / 2 ** 20))}MiB`;
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
    memory_limit: bufferLimit(settings.memoryLimit),
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
