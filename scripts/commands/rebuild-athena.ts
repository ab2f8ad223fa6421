/**
 * rebuild --engine athena (and --import-into): its flags, the names of the module's history workgroup and Glue
 * database (derived from --prefix with the module's own constants: modules/history-queries.ts), and the run with
 * progress lines. The work itself is lib/history/athena-table-rebuild.ts.
 */
import { athenaClient, dynamoClient } from "../../lib/aws";
import type { TableSpec } from "../../lib/catalog";
import type { CommandContext } from "../../lib/cli/command";
import { Progress } from "../../lib/cli/progress";
import { checkTableNameFlag } from "../../lib/dr/names";
import { UsageError } from "../../lib/errors";
import type { ExportStore } from "../../lib/export-format";
import type { QueryProgress } from "../../lib/history/athena-query";
import { rebuildTableOnAthena, type AthenaTableRebuildResult } from "../../lib/history/athena-table-rebuild";
import type { HistorySource } from "../../lib/history/inventory";
import { HISTORY_DATABASE_SUFFIX, HISTORY_WORKGROUP_SUFFIX } from "../../lib/pipeline/athena-tables";
import type { ImportTableResult } from "../../lib/recover/import-table";
import { resourceNameBase } from "../../lib/recover/module-names";
import { describeTable } from "../../lib/table-io/tables";
import { restoreViaImport } from "./restore-import";

/** Flags that only mean something to one engine (refused with the other). */
export const ATHENA_FLAGS = { prefix: "--prefix", workgroup: "--workgroup", database: "--database" } as const;
export const DUCKDB_FLAGS = { memoryLimit: "--memory-limit", tempDir: "--temp-dir" } as const;

/** Athena's workgroup names: 1-128 of A-Z a-z 0-9 . _ - */
const WORKGROUP_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
/** Glue database names as Athena queries them (and as the module makes them): 1-255 of a-z 0-9 _ */
const DATABASE_PATTERN = /^[a-z0-9_]{1,255}$/;

export interface AthenaTarget {
  readonly workgroup: string;
  readonly database: string;
}

/** The module's history workgroup for a prefix: `<resource name base>-ddb-history`. */
export function historyWorkgroupName(prefix: string): string {
  return `${resourceNameBase(prefix)}${HISTORY_WORKGROUP_SUFFIX}`;
}

/** The module's history Glue database for a prefix: `<resource name base, lower case, other characters _>_ddb_history`. */
export function historyDatabaseName(prefix: string): string {
  return `${resourceNameBase(prefix)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, "_")}${HISTORY_DATABASE_SUFFIX}`;
}

interface EngineFlags {
  readonly prefix?: string;
  readonly workgroup?: string;
  readonly database?: string;
  readonly memoryLimit?: string;
  readonly tempDir?: string;
}

/** Refuses flags of the other engine, naming the flag and the engine it belongs to. */
export function checkEngineFlags(engine: "duckdb" | "athena", opts: EngineFlags): void {
  const foreign = engine === "athena" ? DUCKDB_FLAGS : ATHENA_FLAGS;
  for (const [key, flag] of Object.entries(foreign)) {
    if (opts[key as keyof EngineFlags] !== undefined) {
      throw new UsageError(
        `${flag} does not apply with --engine ${engine}; it is for --engine ${engine === "athena" ? "duckdb" : "athena"} only`,
      );
    }
  }
}

function checkName(flag: string, value: string, pattern: RegExp, allowed: string): string {
  if (!pattern.test(value)) throw new UsageError(`${flag}: "${value}" is not allowed; give ${allowed}`);
  return value;
}

/** The workgroup and database: derived from --prefix, or given. Reads nothing. */
export function athenaTarget(opts: EngineFlags, spec: TableSpec): AthenaTarget {
  if (opts.prefix !== undefined) {
    checkTableNameFlag("--prefix", `${opts.prefix}-${spec.name}`, " Tables are <prefix>-<CatalogName>.");
  }
  const workgroup = opts.workgroup ?? (opts.prefix === undefined ? undefined : historyWorkgroupName(opts.prefix));
  const database = opts.database ?? (opts.prefix === undefined ? undefined : historyDatabaseName(opts.prefix));
  if (workgroup === undefined || database === undefined) {
    throw new UsageError(
      `--engine athena needs --prefix (the module's prefix, naming its history workgroup and database), or both --workgroup and --database`,
    );
  }
  return {
    workgroup: checkName("--workgroup", workgroup, WORKGROUP_PATTERN, "1-128 characters of A-Z, a-z, 0-9, ., _ and -"),
    database: checkName("--database", database, DATABASE_PATTERN, "1-255 characters of a-z, 0-9 and _"),
  };
}

/** A region to call Athena in (the SDK's own resolution: AWS_REGION, the profile), before any call. */
export async function checkAthenaRegion(): Promise<void> {
  const region = await athenaClient()
    .config.region()
    .catch(() => undefined);
  if (region === undefined || region === "") {
    throw new UsageError("--engine athena: no AWS region; set AWS_REGION (the region of the backup bucket)");
  }
}

/** --import-into: a legal name of a table that does not exist yet, and an S3 --out (ImportTable reads only S3). */
export async function checkImportInto(table: string, out: string): Promise<void> {
  checkTableNameFlag("--import-into", table);
  if (!out.startsWith("s3://")) {
    throw new UsageError(
      `--import-into: ImportTable reads only from S3, but --out "${out}" is local; give --out s3://<bucket>/<prefix>, or load the folder with dynamo-dr restore-files`,
    );
  }
  if ((await describeTable(dynamoClient(), table)) !== undefined) {
    throw new UsageError(
      `--import-into: table "${table}" already exists; ImportTable creates a NEW table: choose another name, or load the rebuilt export into it with dynamo-dr restore-files`,
    );
  }
}

/** Loads the rebuilt export into a new table through restore-files' ImportTable path (its preflight included). */
export async function importRebuilt(
  out: string,
  table: string,
  ctx: Pick<CommandContext, "cwd" | "stderr">,
): Promise<ImportTableResult> {
  const r = await restoreViaImport(out, table, ctx);
  return {
    importArn: r.importArn,
    tableName: r.tableName,
    expectedItems: r.expectedItems,
    importedItems: r.importedItems,
    errorCount: r.errorCount,
    seconds: r.seconds,
    ttlAttribute: r.ttlAttribute,
  };
}

const MB = 1024 * 1024;

/** While a query runs, a progress line at least this often (a rebuild query can run for many minutes). */
export const QUERY_PROGRESS_LINE_MS = 30_000;

/** A line per state change of the query, and every QUERY_PROGRESS_LINE_MS while it stays: id, state, MB scanned, time. */
function queryLines(stream: NodeJS.WritableStream, silent: boolean): (p: QueryProgress) => void {
  let last = "";
  let lastAt = 0;
  return (p) => {
    if (silent || (p.state === last && p.elapsedMs - lastAt < QUERY_PROGRESS_LINE_MS)) return;
    last = p.state;
    lastAt = p.elapsedMs;
    stream.write(
      `athena query ${p.queryExecutionId}: ${p.state}, ${(p.dataScannedBytes / MB).toFixed(1)} MB scanned, ${Math.round(p.elapsedMs / 1000)} s\n`,
    );
  };
}

interface AthenaRun {
  readonly source: HistorySource;
  readonly spec: TableSpec;
  readonly at: Date;
  readonly now: Date;
  readonly out: ExportStore;
}

export async function rebuildWithAthena(
  target: AthenaTarget,
  opts: { readonly keepTtlDeleted?: boolean; readonly quiet?: boolean; readonly pollMs?: number },
  ctx: Pick<CommandContext, "stderr">,
  run: AthenaRun,
): Promise<{ readonly command: "rebuild" } & AthenaTableRebuildResult> {
  const silent = opts.quiet === true;
  const check = new Progress({ label: "check inputs", unit: "files", stream: ctx.stderr, silent });
  const result = await rebuildTableOnAthena({
    athena: athenaClient(),
    ...target,
    ...run,
    keepTtlDeleted: opts.keepTtlDeleted === true,
    ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }),
    onCheck: (n, total) => {
      check.setTotal(total);
      check.set(n);
      if (n === total) check.finish("md5 and counts ok");
    },
    onQuery: queryLines(ctx.stderr, silent),
  });
  return { command: "rebuild" as const, ...result };
}
