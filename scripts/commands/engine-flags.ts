/**
 * The flags of the DuckDB engine, shared by `rebuild` and `recover` (whose history restore runs a rebuild):
 * --memory-limit and --temp-dir, their checks and their help.
 */
import { access, stat } from "node:fs/promises";
import { constants as fsConstants } from "node:fs";
import type { OptionSpec } from "../../lib/cli/command";
import { BUFFER_SHARE, DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_PATTERN } from "../../lib/engine/duckdb";
import { UsageError } from "../../lib/errors";

/** --memory-limit: a number and a unit; the default when absent. */
export function memoryLimitFlag(value: string | undefined): string {
  if (value === undefined) return DEFAULT_MEMORY_LIMIT;
  if (!MEMORY_LIMIT_PATTERN.test(value)) {
    throw new UsageError(
      `--memory-limit: "${value}" is not allowed; give a number and a unit (KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. 2GB`,
    );
  }
  return value;
}

/** A folder flag (--temp-dir, --out): it must exist and be writable. */
export async function writableDir(flag: string, dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (st?.isDirectory() !== true) throw new UsageError(`${flag}: ${dir} is not an existing folder`);
  await access(dir, fsConstants.W_OK).catch(() => {
    throw new UsageError(`${flag}: ${dir} is not writable`);
  });
}

/** The two options' help (`what` says where they apply, e.g. "duckdb only"). */
export function engineOptions(what: string): Record<"memory-limit" | "temp-dir", OptionSpec> {
  return {
    "memory-limit": {
      type: "string",
      valueName: "<size>",
      description: `Memory for the DuckDB engine (default ${DEFAULT_MEMORY_LIMIT}; ${what}); ${BUFFER_SHARE * 100}% of it is DuckDB's memory_limit, the rest covers what it allocates outside it.`,
    },
    "temp-dir": {
      type: "string",
      valueName: "<dir>",
      description: `Where DuckDB spills, input is downloaded and the rebuilt lines wait to be gzipped (default: system temp; ${what}).`,
    },
  };
}
