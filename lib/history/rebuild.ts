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
import { engineError, stageRecords, streamRebuilt } from "./duckdb-engine";
import { fetchChecked, inPlaceFiles, planFiles, type InputFile } from "./inputs";
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

/**
 * Data files written at once. gzip runs on libuv's threads, so blocks handed to two files in turn are compressed on two
 * cores while the main thread reads the next block; which file an item lands in does not matter.
 */
const WRITE_LANES = 2;

/** One data file being filled (rolled by size), and its write in flight. */
interface Lane {
  current: DataFileWriter | undefined;
  pending: Promise<void>;
}

async function writeToLane(
  opts: RebuildOptions,
  lane: Lane,
  files: ManifestFileEntry[],
  block: Buffer,
  count: number,
): Promise<void> {
  lane.current ??= await openDataFile(opts.out);
  await lane.current.writeLineBlock(block, count);
  if (lane.current.uncompressedBytes >= (opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES)) {
    const full = lane.current;
    lane.current = undefined;
    files.push(await full.close());
  }
}

/** Feeds the engine's blocks to the lanes in turn (one write in flight per lane); returns the number of items. */
async function fillLanes(
  opts: RebuildOptions,
  lanes: Lane[],
  files: ManifestFileEntry[],
  run: (onBlock: (block: Buffer, count: number) => Promise<void>) => Promise<number>,
): Promise<number> {
  let next = 0;
  const items = await run(async (block, count) => {
    const lane = lanes[next++ % lanes.length]!;
    await lane.pending;
    lane.pending = writeToLane(opts, lane, files, block, count);
    lane.pending.catch(() => undefined); // awaited before the lane's next write or at the end
    opts.onPhase?.("write", count);
  });
  for (const lane of lanes) {
    await lane.pending;
    if (lane.current !== undefined) files.push(await lane.current.close());
    lane.current = undefined;
  }
  return items;
}

/** Writes the engine's blocks into data files (rolled by size), then the manifests and schema.json. */
async function writeOutput(
  opts: RebuildOptions,
  run: (onBlock: (block: Buffer, count: number) => Promise<void>) => Promise<number>,
): Promise<{ items: number; files: ManifestFileEntry[] }> {
  const startTime = new Date();
  await startExport(opts.out);
  const files: ManifestFileEntry[] = [];
  const lanes: Lane[] = Array.from({ length: WRITE_LANES }, () => ({ current: undefined, pending: Promise.resolve() }));
  let items: number;
  try {
    items = await fillLanes(opts, lanes, files, run);
  } catch (err) {
    for (const lane of lanes) {
      await lane.pending.catch(() => undefined);
      await lane.current?.abort().catch(() => undefined);
    }
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

/** Waits for both; a damaged input found by the md5 check is reported before anything the engine made of it. */
async function afterCheck<T>(work: Promise<T>, check: Promise<unknown>): Promise<T> {
  const [done, checked] = await Promise.allSettled([work, check]);
  if (checked.status === "rejected") throw checked.reason;
  if (done.status === "rejected") throw done.reason;
  return done.value;
}

function resultOf(
  opts: RebuildOptions,
  plan: RebuildPlan,
  counts: { inputFiles: number; records: number; items: number; dataFiles: number },
): RebuildResult {
  return {
    table: opts.spec.name,
    at: iso(opts.at.getTime()),
    out: formatLocation(opts.out.location),
    base: { dir: plan.base.dir, kind: plan.base.kind, consistentAt: iso(plan.base.consistentAt) },
    incrementalExports: plan.incrementals.map((w) => w.dir),
    captureHours: plan.captureHours.map((x) => x.hour),
    captureFrom: plan.captureHours.length === 0 ? null : iso(plan.captureFrom),
    ...counts,
  };
}

/**
 * Checks every input's md5 while DuckDB stages the records (a local mirror's files are read in place, so their paths
 * are known at once; a bucket's are downloaded and checked first). The counts are checked when staged; nothing is
 * written to the output until both checks passed.
 */
export async function rebuildTable(opts: RebuildOptions): Promise<RebuildResult> {
  const history = await readHistory(opts.source, opts.spec.name);
  const plan = planOrRefuse(history, opts.at.getTime(), opts.source, (opts.now ?? new Date()).getTime());
  const wanted = await planFiles(opts.source, opts.spec.name, plan, history.coverage?.heads);
  const temp = await mkdtemp(join(opts.engine.tempDir, "dynamo-dr-rebuild-"));
  let checked = 0;
  const checking = fetchChecked(opts.source, wanted, temp, () => opts.onPhase?.("check", ++checked, wanted.length));
  checking.catch(() => undefined); // awaited below, once staging is done (and always before the temp folder goes)
  try {
    const files = inPlaceFiles(opts.source, wanted) ?? (await checking);
    const inputs = inputsOf(plan, opts.spec, files, wanted, opts.keepTtlDeleted === true);
    const db = await openDuckDb({ ...opts.engine, tempDir: join(temp, "duckdb") });
    try {
      opts.onPhase?.("stage", 0);
      const records = await afterCheck(stageRecords(db.conn, inputs, files), checking);
      const linesPath = join(temp, "rebuilt-lines.txt");
      const { items, files: out } = await writeOutput(opts, (onBlock) =>
        streamRebuilt(db.conn, inputs, linesPath, onBlock),
      );
      return resultOf(opts, plan, { inputFiles: files.length, records, items, dataFiles: out.length });
    } catch (err) {
      throw engineError(err, opts.engine);
    } finally {
      db.close();
    }
  } finally {
    await checking.catch(() => undefined);
    await rm(temp, { recursive: true, force: true });
  }
}
