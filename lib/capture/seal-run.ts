/**
 * The scheduled seal run: for each captured table, seal every closed hour not sealed yet (oldest first, at most
 * MAX_HOURS_PER_RUN), record them in the coverage file, cross-check each incremental export whose window is now fully
 * sealed, and report what failed. The seal function alerts on the result and fails when anything failed.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { EXPORT_TYPE_INCREMENTAL, MANIFEST_SUMMARY_FILE } from "../export-format/constants";
import { DEFAULT_SEAL_GRACE_MINUTES, MAX_HOURS_PER_RUN, MAX_PROBLEMS_LISTED } from "./config";
import { readCoverage, recordSeal, rememberShards, writeCoverage, type Coverage } from "./coverage";
import { crossCheck } from "./cross-check";
import { CaptureInputError } from "./errors";
import {
  changesTablePrefix,
  exportsOfTable,
  hourEndMs,
  hourIdOf,
  hourManifestSummaryKey,
  hourStartMs,
  nextHour,
  type HourId,
} from "./layout";
import { getJson, listDirs } from "./s3-io";
import { sealHour, type ShardHeads, type ShardLookup } from "./seal";
import type { ShardDirectory, StreamShard } from "./stream-shards";

export interface SealEvent {
  /** Catalog names to seal. @default every captured table */
  readonly tables?: readonly string[];
  /** Reseal exactly this hour (`yyyy-mm-ddThh` or an ISO time inside it), e.g. after a late object. */
  readonly hour?: string;
}

export interface SealRunOptions {
  readonly bucket: string;
  /** Catalog names of every captured table. */
  readonly catalogNames: readonly string[];
  readonly now?: Date;
  /** @default DEFAULT_SEAL_GRACE_MINUTES */
  readonly graceMinutes?: number;
  readonly kmsKeyArn?: string;
  /** Lists a stream's shards (DescribeStream), to follow shard lineage. @default lineage not checked (noted per hour) */
  readonly shards?: ShardDirectory;
}

export interface TableSealReport {
  readonly table: string;
  readonly sealed: HourId[];
  readonly failed: { readonly hour: HourId; readonly problems: readonly string[] }[];
  readonly crossChecks: {
    readonly exportId: string;
    readonly status: string;
    readonly mismatches?: readonly string[];
  }[];
  /** An error that stopped this table's run (S3 refused a call, a damaged coverage file, …). */
  error?: string;
}

export interface SealRunResult {
  readonly ok: boolean;
  readonly tables: readonly TableSealReport[];
}

/** Checks the scheduled event (`{}`, `{ "tables": [...] }`, `{ "hour": "2026-12-01T03" }`). */
export function parseSealEvent(event: unknown, catalogNames: readonly string[]): { tables: string[]; hour?: HourId } {
  const e = (event ?? {}) as Record<string, unknown>;
  if (typeof e !== "object" || Array.isArray(e))
    throw new CaptureInputError(
      `seal event must be an object like {"tables":["UsersTable"]}, got ${JSON.stringify(event)}`,
    );
  let tables = [...catalogNames];
  if (e.tables !== undefined) {
    if (!Array.isArray(e.tables) || e.tables.some((t) => typeof t !== "string" || !catalogNames.includes(t))) {
      throw new CaptureInputError(
        `seal event: tables ${JSON.stringify(e.tables)} is not allowed; use names from CAPTURE_TABLES: ${catalogNames.join(", ")}`,
      );
    }
    tables = e.tables as string[];
  }
  if (e.hour === undefined) return { tables };
  const raw = e.hour;
  const ms =
    typeof raw !== "string"
      ? NaN
      : /^\d{4}-\d{2}-\d{2}T\d{2}$/.test(raw)
        ? Date.parse(`${raw}:00:00Z`)
        : Date.parse(raw);
  if (Number.isNaN(ms))
    throw new CaptureInputError(
      `seal event: hour ${JSON.stringify(raw)} is not allowed; use yyyy-mm-ddThh (UTC) or an ISO time`,
    );
  return { tables, hour: hourIdOf(ms) };
}

/** The earliest hour with captured objects, found by listing the date folders. */
async function earliestHour(s3: S3Client, bucket: string, table: string): Promise<HourId | undefined> {
  let prefix = `${changesTablePrefix(table)}/`;
  const parts: string[] = [];
  for (let level = 0; level < 4; level++) {
    const first = (await listDirs(s3, bucket, prefix)).find((d) => /^\d+$/.test(d));
    if (first === undefined) return undefined;
    parts.push(first);
    prefix = `${prefix}${first}/`;
  }
  return `${parts[0]}-${parts[1]}-${parts[2]}T${parts[3]}`;
}

/** Hours to seal now: after the last one sealed, up to the last closed hour. */
async function hoursToSeal(s3: S3Client, opts: SealRunOptions, cov: Coverage, now: Date): Promise<HourId[]> {
  const graceMs = (opts.graceMinutes ?? DEFAULT_SEAL_GRACE_MINUTES) * 60_000;
  let hour = cov.lastHour === null ? await earliestHour(s3, opts.bucket, cov.table) : nextHour(cov.lastHour);
  const hours: HourId[] = [];
  while (hour !== undefined && hourEndMs(hour) + graceMs <= now.getTime() && hours.length < MAX_HOURS_PER_RUN) {
    hours.push(hour);
    hour = nextHour(hour);
  }
  return hours;
}

function hoursOfWindow(fromMs: number, toMs: number): HourId[] {
  const hours: HourId[] = [];
  for (let h = hourIdOf(fromMs); hourStartMs(h) < toMs; h = nextHour(h)) hours.push(h);
  return hours;
}

async function crossCheckExports(
  s3: S3Client,
  opts: SealRunOptions,
  cov: Coverage,
  report: TableSealReport,
  now: Date,
): Promise<void> {
  const base = `${exportsOfTable(cov.table)}/`;
  for (const exportId of await listDirs(s3, opts.bucket, base)) {
    if (cov.crossChecks[exportId] !== undefined || cov.firstHour === null) continue;
    const exportDir = `${base}${exportId}`;
    const summary = await getJson<Record<string, unknown>>(s3, opts.bucket, `${exportDir}/${MANIFEST_SUMMARY_FILE}`);
    if (summary === undefined) continue; // still running
    const checkedAt = now.toISOString();
    if (summary.exportType !== EXPORT_TYPE_INCREMENTAL) {
      cov.crossChecks[exportId] = { status: "NOT_INCREMENTAL", checkedAt };
      continue;
    }
    const hours = hoursOfWindow(Date.parse(String(summary.exportFromTime)), Date.parse(String(summary.exportToTime)));
    if (hours.length === 0 || hours[0]! < cov.firstHour) {
      cov.crossChecks[exportId] = { status: "BEFORE_CAPTURE", checkedAt };
      continue;
    }
    if (hours.some((h) => cov.hours[h] === undefined)) continue; // not sealed yet
    const failed = hours.filter((h) => cov.hours[h]?.status !== "SEALED");
    if (failed.length > 0) {
      cov.crossChecks[exportId] = { status: "CAPTURE_INCOMPLETE", checkedAt, hours: failed };
      report.crossChecks.push({ exportId, status: "CAPTURE_INCOMPLETE" });
      continue;
    }
    const result = await crossCheck(s3, { bucket: opts.bucket, table: cov.table, exportDir, hours });
    const { exportDir: _dir, ...kept } = result;
    cov.crossChecks[exportId] = { ...kept, checkedAt };
    report.crossChecks.push({
      exportId,
      status: result.status,
      ...(result.status === "AGREE" ? {} : { mismatches: result.mismatches.map((m) => `key ${m.key}: ${m.problem}`) }),
    });
  }
}

/** One hour (ms): the hour before an hour starts this long before it. */
const HOUR_MS = 3_600_000;

/**
 * Where each shard's chain stood before an hour: the previous hour's summary (`chainHeads`, written by its seal), so the
 * first object of the hour must link to the last object of the hour before, for a reseal too. Without that summary
 * (the first hour sealed, or a summary written before `chainHeads` existed) a scheduled seal uses the coverage file's
 * heads; otherwise the chain start is checked only against the objects that exist.
 */
async function headsBefore(
  s3: S3Client,
  bucket: string,
  cov: Coverage,
  hour: HourId,
  scheduled: boolean,
): Promise<ShardHeads | undefined> {
  const previous = hourIdOf(hourStartMs(hour) - HOUR_MS);
  const summary = await getJson<{ chainHeads?: ShardHeads }>(s3, bucket, hourManifestSummaryKey(cov.table, previous));
  if (summary?.chainHeads !== undefined) return summary.chainHeads;
  return scheduled && cov.lastHour !== null ? cov.heads : undefined;
}

/** The shard lookup of one table's run: each stream listed once, merged with the shards earlier seals remembered. */
function shardLookup(opts: SealRunOptions, cov: Coverage, now: Date): ShardLookup | undefined {
  const list = opts.shards;
  if (list === undefined) return undefined;
  const listings = new Map<string, readonly StreamShard[]>();
  return async (streamArns) => {
    for (const arn of streamArns) {
      if (!listings.has(arn)) listings.set(arn, (await list(arn)) ?? []);
    }
    return rememberShards(cov, [...listings.values()].flat(), now);
  };
}

async function sealTable(
  s3: S3Client,
  opts: SealRunOptions,
  table: string,
  hour: HourId | undefined,
): Promise<TableSealReport> {
  const now = opts.now ?? new Date();
  const report: TableSealReport = { table, sealed: [], failed: [], crossChecks: [] };
  const cov = await readCoverage(s3, opts.bucket, table);
  const hours = hour === undefined ? await hoursToSeal(s3, opts, cov, now) : [hour];
  const shards = shardLookup(opts, cov, now);
  for (const h of hours) {
    const heads = await headsBefore(s3, opts.bucket, cov, h, hour === undefined);
    const seal = await sealHour(s3, {
      bucket: opts.bucket,
      table,
      hour: h,
      heads,
      now,
      kmsKeyArn: opts.kmsKeyArn,
      ...(shards === undefined ? {} : { shards }),
    });
    recordSeal(cov, seal, now, hour === undefined);
    await writeCoverage(s3, opts.bucket, cov, now, opts.kmsKeyArn);
    if (seal.status === "SEALED") report.sealed.push(h);
    else report.failed.push({ hour: h, problems: seal.problems.slice(0, MAX_PROBLEMS_LISTED) });
  }
  await crossCheckExports(s3, opts, cov, report, now);
  await writeCoverage(s3, opts.bucket, cov, now, opts.kmsKeyArn);
  return report;
}

/** Seals and cross-checks the tables; one table's error does not stop the others. */
export async function runSeal(s3: S3Client, opts: SealRunOptions, event: unknown): Promise<SealRunResult> {
  const { tables, hour } = parseSealEvent(event, opts.catalogNames);
  const reports: TableSealReport[] = [];
  for (const table of tables) {
    try {
      reports.push(await sealTable(s3, opts, table, hour));
    } catch (err) {
      reports.push({ table, sealed: [], failed: [], crossChecks: [], error: (err as Error).message });
    }
  }
  const ok = reports.every(
    (r) => r.error === undefined && r.failed.length === 0 && r.crossChecks.every((c) => c.status === "AGREE"),
  );
  return { ok, tables: reports };
}
