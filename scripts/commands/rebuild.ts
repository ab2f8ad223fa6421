/**
 * rebuild: a table as of any time T from its history in the backup bucket (a full export, then incremental exports
 * and captured changes up to T), written as an export that `dynamo-dr restore` loads and ImportTable could. Two
 * engines run the one definition: DuckDB in process, or Amazon Athena (the module's history workgroup, UNLOAD to S3).
 */
import { rm, stat } from "node:fs/promises";
import { Writable } from "node:stream";
import { dirname } from "node:path";
import { tmpdir } from "node:os";
import { findTable, type TableCatalog } from "../../lib/catalog";
import {
  choiceFlag,
  optionalString,
  requireString,
  type CommandContext,
  type CommandSpec,
  type ParsedValues,
} from "../../lib/cli/command";
import { Progress } from "../../lib/cli/progress";
import { parseInstant, projectCatalog } from "../../lib/cli/dr-options";
import { catalogTable } from "../../lib/dr/import-plan";
import { UsageError } from "../../lib/errors";
import { formatLocation, openStore, parseLocation, type ExportStore } from "../../lib/export-format";
import { STREAM_RESOLUTION_MS } from "../../lib/history/plan";
import { rebuildTable, type RebuildResult } from "../../lib/history/rebuild";
import { parseHistorySource } from "../../lib/history/source";
import { engineOptions, memoryLimitFlag, writableDir } from "./engine-flags";
import type { AthenaTableRebuildResult } from "../../lib/history/athena-table-rebuild";
import { HISTORY_DATABASE_SUFFIX, HISTORY_WORKGROUP_SUFFIX } from "../../lib/pipeline/athena-tables";
import type { ImportTableResult } from "../../lib/recover/import-table";
import {
  athenaTarget,
  checkAthenaRegion,
  checkEngineFlags,
  checkImportInto,
  importRebuilt,
  rebuildWithAthena,
} from "./rebuild-athena";

export const ENGINES = ["duckdb", "athena"] as const;
export type Engine = (typeof ENGINES)[number];

export interface RebuildCommandOptions {
  readonly bucket: string;
  readonly table: string;
  readonly at: string;
  readonly out: string;
  /** @default "duckdb" */
  readonly engine?: Engine;
  /** @default DEFAULT_MEMORY_LIMIT */
  readonly memoryLimit?: string;
  /** @default the system's temp folder */
  readonly tempDir?: string;
  /** @default false */
  readonly keepTtlDeleted?: boolean;
  /** Athena: the module's prefix, from which the history workgroup and database names follow. @default - none */
  readonly prefix?: string;
  /** Athena: the workgroup. @default `<name base of --prefix>-ddb-history` */
  readonly workgroup?: string;
  /** Athena: the Glue database. @default `<name base of --prefix, a-z0-9_>_ddb_history` */
  readonly database?: string;
  /** Load the rebuilt export into this NEW table with ImportTable (--out s3://… only). @default - none */
  readonly importInto?: string;
  /** Athena: how often the query's state is polled. @default DEFAULT_POLL_MS */
  readonly pollMs?: number;
  /** @default false */
  readonly quiet?: boolean;
  readonly catalog?: TableCatalog;
  /** @default new Date() */
  readonly now?: Date;
}

export type RebuildCommandResult = { readonly command: "rebuild" } & (
  (RebuildResult & { readonly engine: "duckdb" }) | AthenaTableRebuildResult
) & { readonly imported?: ImportTableResult };

/** The output location, checked before any work: empty (or absent, with a writable parent). */
async function outStore(value: string, cwd: string): Promise<ExportStore> {
  let loc;
  try {
    loc = parseLocation(value, cwd);
  } catch (err) {
    throw new UsageError(`--out: ${(err as Error).message}`);
  }
  if (loc.kind === "local") {
    const st = await stat(loc.dir).catch(() => undefined);
    if (st !== undefined && !st.isDirectory()) throw new UsageError(`--out: ${loc.dir} exists and is not a folder`);
    await writableDir("--out", st === undefined ? dirname(loc.dir) : loc.dir);
  }
  const store = openStore(loc);
  const existing = await store.list("");
  if (existing.length > 0) {
    throw new UsageError(
      `--out: ${formatLocation(loc)} is not empty (${existing.length} file(s), e.g. ${existing[0]!.rel}); choose a new, empty location`,
    );
  }
  return store;
}

export async function rebuild(
  opts: RebuildCommandOptions,
  ctx: Pick<CommandContext, "cwd" | "env" | "stderr">,
): Promise<RebuildCommandResult> {
  const catalog = opts.catalog ?? projectCatalog(ctx.env);
  const spec = findTable(catalog, catalogTable(catalog, opts.table));
  const at = parseInstant("--at", opts.at);
  const now = opts.now ?? new Date();
  if (at.getTime() > now.getTime()) {
    throw new UsageError(`--at: "${opts.at}" is in the future (now is ${now.toISOString()}); give a past time`);
  }
  const engine = opts.engine ?? "duckdb";
  checkEngineFlags(engine, opts);
  const athena = engine === "athena" ? athenaTarget(opts, spec) : undefined;
  const memoryLimit = memoryLimitFlag(opts.memoryLimit);
  const tempDir = opts.tempDir ?? tmpdir();
  if (athena === undefined) await writableDir("--temp-dir", tempDir);
  const source = await parseHistorySource(opts.bucket, ctx.cwd);
  if (athena !== undefined && source.s3 === undefined) {
    throw new UsageError(
      `--bucket: "${opts.bucket}" is a local folder; --engine athena reads the backup bucket itself: give its name (or use --engine duckdb)`,
    );
  }
  if (athena !== undefined && !opts.out.startsWith("s3://")) {
    throw new UsageError(
      `--out: "${opts.out}" is not allowed with --engine athena; Athena UNLOADs to S3: give s3://<bucket>/<new prefix>`,
    );
  }
  if (athena !== undefined) await checkAthenaRegion();
  if (opts.importInto !== undefined) await checkImportInto(opts.importInto, opts.out);
  const out = await outStore(opts.out, ctx.cwd);
  const result =
    athena === undefined
      ? await rebuildWithDuckDb(opts, ctx, { source, spec, at, now, out, memoryLimit, tempDir })
      : await rebuildWithAthena(athena, opts, ctx, { source, spec, at, now, out });
  if (opts.importInto === undefined) return result;
  // --quiet silences the import's progress too (its errors are thrown, and reach stderr through the CLI)
  const importCtx = opts.quiet === true ? { ...ctx, stderr: new Writable({ write: (_c, _e, done) => done() }) } : ctx;
  return { ...result, imported: await importRebuilt(result.out, opts.importInto, importCtx) };
}

interface DuckDbRun {
  readonly source: Awaited<ReturnType<typeof parseHistorySource>>;
  readonly spec: ReturnType<typeof findTable>;
  readonly at: Date;
  readonly now: Date;
  readonly out: ExportStore;
  readonly memoryLimit: string;
  readonly tempDir: string;
}

async function rebuildWithDuckDb(
  opts: RebuildCommandOptions,
  ctx: Pick<CommandContext, "stderr">,
  run: DuckDbRun,
): Promise<RebuildCommandResult> {
  const { out } = run;
  const silent = opts.quiet === true;
  const check = new Progress({ label: "check inputs", unit: "files", stream: ctx.stderr, silent });
  const write = new Progress({ label: "rebuild", unit: "items", stream: ctx.stderr, silent });
  const created = out.location.kind === "local" && (await stat(out.location.dir).catch(() => undefined)) === undefined;
  return (async () => {
    const result = await rebuildTable({
      source: run.source,
      spec: run.spec,
      at: run.at,
      out,
      now: run.now,
      engine: { memoryLimit: run.memoryLimit, tempDir: run.tempDir },
      keepTtlDeleted: opts.keepTtlDeleted === true,
      onPhase: (phase, n, total) => {
        if (phase === "check") {
          if (total !== undefined) check.setTotal(total);
          check.set(n);
        } else if (phase === "write") write.add(n);
      },
    });
    check.finish("md5 ok");
    write.finish(`${result.items} items`);
    return { command: "rebuild" as const, engine: "duckdb" as const, ...result };
  })().catch(async (err: unknown) => {
    // A refused or failed rebuild leaves nothing behind: a folder it created goes too (the writer removed its files).
    if (created && out.location.kind === "local") await rm(out.location.dir, { recursive: true, force: true });
    throw err;
  });
}

export function rebuildOptionsFromFlags(values: ParsedValues): RebuildCommandOptions {
  const memoryLimit = optionalString(values, "memory-limit");
  const tempDir = optionalString(values, "temp-dir");
  const athenaFlags = Object.fromEntries(
    (["prefix", "workgroup", "database", "import-into"] as const)
      .map((f) => [f === "import-into" ? "importInto" : f, optionalString(values, f)] as const)
      .filter(([, v]) => v !== undefined),
  ) as Pick<RebuildCommandOptions, "prefix" | "workgroup" | "database" | "importInto">;
  return {
    bucket: requireString(values, "bucket"),
    table: requireString(values, "table"),
    at: requireString(values, "at"),
    out: requireString(values, "out"),
    engine: choiceFlag(values, "engine", ENGINES, "duckdb"),
    ...(memoryLimit === undefined ? {} : { memoryLimit }),
    ...(tempDir === undefined ? {} : { tempDir }),
    keepTtlDeleted: values["keep-ttl-deleted"] === true,
    ...athenaFlags,
    quiet: values.quiet === true,
  };
}

export function renderRebuild(r: RebuildCommandResult): string {
  return [
    `Rebuilt ${r.table} as of ${r.at} into ${r.out}: ${r.items} items in ${r.dataFiles} data file(s).`,
    `  base: ${r.base.kind} export ${r.base.dir} (consistent at ${r.base.consistentAt})`,
    `  replayed: ${r.incrementalExports.length} incremental export(s), ${r.captureHours.length} captured hour(s)${r.captureFrom === null ? "" : ` from ${r.captureFrom}`}`,
    `  ${r.inputFiles} input file(s), ${r.records} records, every md5 and count checked.`,
    ...(r.engine === "athena"
      ? [
          `  Athena: query ${r.queryExecutionId} in workgroup ${r.workgroup} (database ${r.database}), ${r.dataScannedBytes.toLocaleString("en-US")} bytes scanned.`,
        ]
      : []),
    r.imported === undefined
      ? `Load it with: dynamo-dr restore-files ${r.out} --table <name> --create-table${r.out.startsWith("s3://") ? ` (or --table <new> --via import-table)` : ""}`
      : `Imported ${r.imported.importedItems} of ${r.imported.expectedItems} items into the new table ${r.imported.tableName} (ImportTable ${r.imported.importArn}).`,
  ].join("\n");
}

export const rebuildCommand: CommandSpec<RebuildCommandResult> = {
  name: "rebuild",
  summary: "Rebuild a table as of any time from its history (exports + captured changes) into an export.",
  usage:
    "--bucket <bucket> --table <CatalogName> --at <ISO time> --out <dir | s3://…> [--engine duckdb] [--memory-limit 1GB] [--temp-dir <dir>] [--keep-ttl-deleted] [--import-into <new table>]\n" +
    "  | --engine athena --prefix <prefix> [--workgroup <name>] [--database <name>] --out s3://… (same --bucket --table --at)",
  details: [
    "Base: the newest full export consistent at or before --at (native: its export time; a scan export from its end",
    "time, its changes replayed from its start). Then per key the newest state at or before --at from the incremental",
    "exports (contiguous windows, by WriteTimestamp) and the captured changes (stream order, duplicates by eventID",
    "collapse). Deletes delete; TTL deletes too unless --keep-ttl-deleted. Every input file's md5 and count is checked",
    "before use; capture not sealed yet gets the seal's checks. A gap between the base and --at refuses, naming the gap",
    "and the nearest times that can be rebuilt exactly (see `dynamo-dr history`).",
    `Resolution: the stream's timestamp precision (ApproximateCreationDateTime, ${STREAM_RESOLUTION_MS / 1000} s in Lambda's events):`,
    "two writes of one item within the same second are ordered by the stream, not by --at.",
    "Engine duckdb (default): DuckDB in process, sorting and windowing out of core within --memory-limit, spilling to",
    "--temp-dir (which also holds the downloaded input and the rebuilt lines before they are gzipped). --bucket also",
    "takes a local folder mirroring the bucket.",
    "Engine athena: the module's history workgroup and Glue database (enable_history_queries = true), named from",
    "--prefix like the module names them (--workgroup, --database override). Every input file's md5 and count is",
    "checked here first (streamed, nothing saved), then the rebuild runs as ONE Athena query that UNLOADs gzip JSON",
    "lines into --out s3://… (new, empty); the manifests and schema.json are written around them. Athena bills the",
    "bytes it scans (about the size of the files read, gzip); the workgroup's bytes-scanned limit stops larger queries.",
    "--import-into <new table> (--out s3://… only) then loads the result with ImportTable (restore-files --via import-table).",
    "",
    "Exit codes: 0 rebuilt, 2 bad flags, 3 a gap in the history (nothing written), 4 nothing to rebuild from,",
    "5 the DuckDB engine (@duckdb/node-api) is not installed, 6 a damaged input file (named), 8 AWS refused",
    "(or the Athena query failed or was cancelled: its reason and what to do are printed; no manifest is written).",
  ].join("\n"),
  options: {
    bucket: {
      type: "string",
      valueName: "<bucket>",
      description: "The backup bucket (name or s3://name), or a local mirror.",
    },
    table: { type: "string", valueName: "<CatalogName>", description: "The catalog table, e.g. CollectionsTable." },
    at: {
      type: "string",
      valueName: "<ISO time>",
      description: "The time to rebuild, with a time zone, e.g. 2026-11-30T22:15:00Z.",
    },
    out: {
      type: "string",
      valueName: "<dir | s3://…>",
      description: "Where to write the rebuilt export (new or empty).",
    },
    engine: {
      type: "string",
      valueName: "duckdb|athena",
      description: "duckdb (in process, default) or athena (the module's history workgroup; --out s3://…).",
    },
    prefix: {
      type: "string",
      valueName: "<prefix>",
      description: "Athena: the module's prefix; the workgroup and database are named from it.",
    },
    workgroup: {
      type: "string",
      valueName: "<name>",
      description: `Athena: the workgroup (default <name base of --prefix>${HISTORY_WORKGROUP_SUFFIX}).`,
    },
    database: {
      type: "string",
      valueName: "<name>",
      description: `Athena: the Glue database (default <name base of --prefix, a-z0-9_>${HISTORY_DATABASE_SUFFIX}).`,
    },
    "import-into": {
      type: "string",
      valueName: "<new table>",
      description: "Then load the rebuilt export into this NEW table with ImportTable (--out s3://… only).",
    },
    ...engineOptions("duckdb only"),
    "keep-ttl-deleted": { type: "boolean", description: "Keep items that TTL deleted instead of deleting them." },
    quiet: { type: "boolean", description: "No progress lines on stderr." },
  },
  async run(values, _positionals, ctx) {
    return rebuild(rebuildOptionsFromFlags(values), ctx);
  },
  render: renderRebuild,
};
