/**
 * `rebuild --engine athena` end to end: the same history reading, plan and refusals as the DuckDB path
 * (lib/history/rebuild.ts: readHistory → planOrRefuse → planFiles), every input file's md5 and record count checked
 * before any query is sent (streamed from S3 through an md5 and a gunzip, nothing saved to disk), then the one
 * definition (definition.ts) rendered in Athena's dialect runs as one UNLOAD (athena-rebuild.ts), and the export
 * layout is written around its files.
 */
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { TableSpec } from "../catalog";
import { formatLocation, type ExportStore } from "../export-format/store";
import { UsageError, VerificationError } from "../errors";
import { athenaDialect } from "./athena-dialect";
import type { QueryProgress } from "./athena-query";
import { measure, rebuildOnAthena } from "./athena-rebuild";
import { rebuiltLinesSql, recordsSql, type RebuildInputs } from "./definition";
import { planFiles, type InputFile } from "./inputs";
import { readHistory, type HistorySource } from "./inventory";
import type { RebuildPlan } from "./plan";
import { planOrRefuse, type RebuildResult } from "./rebuild";

/** How many input files are streamed and checked at once. */
const CHECK_CONCURRENCY = 4;

export interface AthenaTableRebuildOptions {
  readonly athena: AthenaClient;
  readonly workgroup: string;
  readonly database: string;
  /** The backup bucket (Athena's tables read it; a local mirror cannot be queried). */
  readonly source: HistorySource;
  readonly spec: TableSpec;
  readonly at: Date;
  /** An empty S3 folder. */
  readonly out: ExportStore;
  /** @default false */
  readonly keepTtlDeleted?: boolean;
  /** @default new Date() */
  readonly now?: Date;
  /** @default DEFAULT_POLL_MS */
  readonly pollMs?: number;
  readonly onCheck?: (done: number, total: number) => void;
  readonly onQuery?: (p: QueryProgress) => void;
}

export interface AthenaTableRebuildResult extends RebuildResult {
  readonly engine: "athena";
  readonly workgroup: string;
  readonly database: string;
  readonly queryExecutionId: string;
  readonly dataScannedBytes: number;
}

/** One file's md5 of its stored bytes and its line count, against its manifest entry: problems, or none. */
async function checkOne(src: HistorySource, f: InputFile): Promise<string[]> {
  const name = src.store.describe(f.rel);
  let stream;
  try {
    stream = await src.store.openRead(f.rel);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [`${name}: listed in its manifest but does not exist`];
    throw err;
  }
  const got = await measure(stream).catch((err: unknown) => {
    throw new VerificationError(`${name}: damaged: not readable as gzip (${(err as Error).message})`);
  });
  if (got.md5.base64 !== f.md5) {
    return [`${name}: damaged: md5 of its bytes is ${got.md5.base64}, its manifest records ${f.md5}`];
  }
  return got.lines === f.count ? [] : [`${name}: holds ${got.lines} records, its manifest says ${f.count}`];
}

/** Every file checked (md5, count) before Athena reads any of it; all problems named at once. */
export async function checkInputs(
  src: HistorySource,
  files: readonly InputFile[],
  onFile: (done: number) => void,
): Promise<number> {
  const problems: string[] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++]!;
      problems.push(...(await checkOne(src, f)));
      onFile(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, files.length) }, worker));
  if (problems.length > 0) {
    throw new VerificationError(`refusing to rebuild from damaged input:\n  ${problems.sort().join("\n  ")}`);
  }
  return files.reduce((n, f) => n + f.count, 0);
}

/** The definition's inputs, each file named by its s3:// URL (what Athena's `"$path"` holds). */
export function athenaInputs(
  plan: RebuildPlan,
  spec: TableSpec,
  bucket: string,
  files: readonly InputFile[],
  keepTtlDeleted: boolean,
): RebuildInputs {
  const of = (g: InputFile["group"]): string[] =>
    files.filter((f) => f.group === g).map((f) => `s3://${bucket}/${f.rel}`);
  return {
    keyAttributes: [spec.hashKey, ...(spec.rangeKey === undefined ? [] : [spec.rangeKey])],
    baseFiles: of("base"),
    incrementalFiles: of("incremental"),
    captureFiles: of("capture"),
    captureFromMicros: plan.captureFrom * 1000,
    atMicros: plan.at * 1000,
    keepTtlDeleted,
  };
}

/** The rebuilt table's SELECT in Athena's dialect (one column `line`). */
export function athenaRebuildSelect(database: string, bucket: string, inputs: RebuildInputs): string {
  const d = athenaDialect({ database, bucket });
  return rebuiltLinesSql(d, inputs, `(${recordsSql(d, inputs)}) AS records`);
}

export async function rebuildTableOnAthena(opts: AthenaTableRebuildOptions): Promise<AthenaTableRebuildResult> {
  const bucket = opts.source.s3?.bucket;
  if (bucket === undefined) {
    throw new UsageError("--bucket: --engine athena reads the backup bucket itself; give its name, not a local folder");
  }
  const at = opts.at.getTime();
  const history = await readHistory(opts.source, opts.spec.name);
  const plan = planOrRefuse(history, at, opts.source, (opts.now ?? new Date()).getTime());
  const wanted = await planFiles(opts.source, opts.spec.name, plan, history.coverage?.heads);
  const records = await checkInputs(opts.source, wanted, (n) => opts.onCheck?.(n, wanted.length));
  const inputs = athenaInputs(plan, opts.spec, bucket, wanted, opts.keepTtlDeleted === true);
  const q = await rebuildOnAthena({
    athena: opts.athena,
    workgroup: opts.workgroup,
    database: opts.database,
    select: athenaRebuildSelect(opts.database, bucket, inputs),
    out: opts.out,
    spec: opts.spec,
    at: opts.at,
    pollMs: opts.pollMs,
    onProgress: opts.onQuery,
  });
  return {
    table: opts.spec.name,
    at: new Date(at).toISOString(),
    out: formatLocation(opts.out.location),
    base: { dir: plan.base.dir, kind: plan.base.kind, consistentAt: new Date(plan.base.consistentAt).toISOString() },
    incrementalExports: plan.incrementals.map((w) => w.dir),
    captureHours: plan.captureHours.map((x) => x.hour),
    captureFrom: plan.captureHours.length === 0 ? null : new Date(plan.captureFrom).toISOString(),
    inputFiles: wanted.length,
    records,
    items: q.items,
    dataFiles: q.dataFiles,
    engine: "athena",
    workgroup: opts.workgroup,
    database: opts.database,
    queryExecutionId: q.queryExecutionId,
    dataScannedBytes: q.dataScannedBytes,
  };
}
