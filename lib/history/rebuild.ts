/**
 * Rebuilding a table as of T from its history: plan (lib/history/plan.ts), check every input (inputs.ts), run the one
 * definition (definition.ts) on the engine, and stream the result into the export-format writer, so the output is an
 * export like any other (manifests, md5s, schema.json) that `dynamo-dr restore` loads and ImportTable could.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { TableSpec } from "../catalog";
import { DEFAULT_MAX_FILE_BYTES } from "../export-format/constants";
import type { DataFileWriter } from "../export-format/data-file";
import { finishExport, openDataFile, startExport } from "../export-format/export-writer";
import { newExportId, type ManifestFileEntry } from "../export-format/manifest";
import { schemaFromCatalog } from "../export-format/schema";
import { formatLocation, type ExportStore } from "../export-format/store";
import { NotFoundError, PreconditionError } from "../errors";
import type { RebuildInputs } from "./definition";
import { openDuckDb, type EngineSettings } from "../engine/duckdb";
import { stageRecords, streamRebuilt } from "./duckdb-engine";
import { fetchChecked, planFiles, type InputFile } from "./inputs";
import { readHistory, type HistorySource } from "./inventory";
import { exactTimes, nearestTimes, planRebuild, type RebuildPlan } from "./plan";

export interface RebuildOptions {
  readonly source: HistorySource;
  readonly spec: TableSpec;
  readonly at: Date;
  readonly out: ExportStore;
  readonly engine: EngineSettings;
  /** @default false */
  readonly keepTtlDeleted?: boolean;
  /** @default new Date() */
  readonly now?: Date;
  /** Roll output data files after this many uncompressed bytes. @default DEFAULT_MAX_FILE_BYTES */
  readonly maxFileBytes?: number;
  readonly onPhase?: (phase: "check" | "stage" | "write", done: number, total?: number) => void;
}

export interface RebuildResult {
  readonly table: string;
  readonly at: string;
  readonly out: string;
  readonly base: { readonly dir: string; readonly kind: "native" | "scan"; readonly consistentAt: string };
  readonly incrementalExports: readonly string[];
  readonly captureHours: readonly string[];
  readonly captureFrom: string | null;
  readonly inputFiles: number;
  readonly records: number;
  readonly items: number;
  readonly dataFiles: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The plan for T, or a refusal naming the gap and the nearest exact times. */
export function planOrRefuse(
  h: Awaited<ReturnType<typeof readHistory>>,
  at: number,
  src: HistorySource,
  now: number,
): RebuildPlan {
  const opts = { unsealedUsable: src.s3 !== undefined };
  const r = planRebuild(h, at, opts);
  if (r !== undefined && "plan" in r) return r.plan;
  const near = nearestTimes(exactTimes(h, opts, now), at);
  const nearest = `nearest times it can rebuild exactly: before ${near.before === null ? "none" : iso(near.before)}, after ${near.after === null ? "none" : iso(near.after)}`;
  if (r === undefined) {
    const first = h.fullExports.find((b) => b.verification !== "FAILED");
    throw new NotFoundError(
      `cannot rebuild ${h.table} as of ${iso(at)}: no usable full export is consistent at or before it (${first === undefined ? "there is none" : `the earliest is ${iso(first.consistentAt)}`}); ${nearest}`,
    );
  }
  const { gap } = r;
  throw new PreconditionError(
    `cannot rebuild ${h.table} exactly as of ${iso(at)}: the history has a gap from ${iso(gap.from)} to ${gap.to === null ? "the present (nothing after it)" : iso(gap.to)} (${gap.what}); ${nearest}`,
  );
}

function inputsOf(
  plan: RebuildPlan,
  spec: TableSpec,
  files: readonly { path: string }[],
  group: readonly InputFile[],
  keepTtl: boolean,
): RebuildInputs {
  const of = (g: InputFile["group"]): string[] => files.filter((_, i) => group[i]!.group === g).map((f) => f.path);
  return {
    keyAttributes: [spec.hashKey, ...(spec.rangeKey === undefined ? [] : [spec.rangeKey])],
    baseFiles: of("base"),
    incrementalFiles: of("incremental"),
    captureFiles: of("capture"),
    captureFromMicros: plan.captureFrom * 1000,
    atMicros: plan.at * 1000,
    keepTtlDeleted: keepTtl,
  };
}

/** Writes the engine's blocks into data files (rolled by size), then the manifests and schema.json. */
async function writeOutput(
  opts: RebuildOptions,
  run: (onBlock: (block: Buffer, count: number) => Promise<void>) => Promise<number>,
): Promise<{ items: number; files: ManifestFileEntry[] }> {
  const startTime = new Date();
  await startExport(opts.out);
  const files: ManifestFileEntry[] = [];
  let current: DataFileWriter | undefined;
  const max = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let items: number;
  try {
    items = await run(async (block, count) => {
      current ??= await openDataFile(opts.out);
      await current.writeLineBlock(block, count);
      if (current.uncompressedBytes >= max) {
        files.push(await current.close());
        current = undefined;
      }
      opts.onPhase?.("write", count);
    });
    if (current !== undefined) files.push(await (current as DataFileWriter).close());
  } catch (err) {
    await (current as DataFileWriter | undefined)?.abort().catch(() => undefined);
    for (const f of await opts.out.list("")) await opts.out.delete(f.rel).catch(() => undefined);
    throw err;
  }
  await finishExport(opts.out, {
    files,
    schema: schemaFromCatalog(opts.spec, opts.spec.name),
    exportId: newExportId(startTime),
    tableArn: null,
    startTime,
    exportTime: opts.at,
  });
  return { items, files };
}

export async function rebuildTable(opts: RebuildOptions): Promise<RebuildResult> {
  const now = (opts.now ?? new Date()).getTime();
  const at = opts.at.getTime();
  const history = await readHistory(opts.source, opts.spec.name);
  const plan = planOrRefuse(history, at, opts.source, now);
  const wanted = await planFiles(opts.source, opts.spec.name, plan, history.coverage?.heads);
  const temp = await mkdtemp(join(opts.engine.tempDir, "dynamo-dr-rebuild-"));
  try {
    let checked = 0;
    const files = await fetchChecked(opts.source, wanted, temp, () =>
      opts.onPhase?.("check", ++checked, wanted.length),
    );
    const inputs = inputsOf(plan, opts.spec, files, wanted, opts.keepTtlDeleted === true);
    const db = await openDuckDb({ ...opts.engine, tempDir: join(temp, "duckdb") });
    try {
      opts.onPhase?.("stage", 0);
      const records = await stageRecords(db.conn, inputs, files);
      const linesPath = join(temp, "rebuilt-lines.txt");
      const { items, files: out } = await writeOutput(opts, (onBlock) =>
        streamRebuilt(db.conn, inputs, linesPath, onBlock),
      );
      return {
        table: opts.spec.name,
        at: iso(at),
        out: formatLocation(opts.out.location),
        base: { dir: plan.base.dir, kind: plan.base.kind, consistentAt: iso(plan.base.consistentAt) },
        incrementalExports: plan.incrementals.map((w) => w.dir),
        captureHours: plan.captureHours.map((x) => x.hour),
        captureFrom: plan.captureHours.length === 0 ? null : iso(plan.captureFrom),
        inputFiles: files.length,
        records,
        items,
        dataFiles: out.length,
      };
    } finally {
      db.close();
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
