/**
 * The per-table coverage file (`state/capture/<table>/coverage.json`): hour by hour what is sealed, what failed and why,
 * where each shard's chain stands, and the cross-checks done. Nothing downstream may treat an hour as complete unless
 * it is listed here as SEALED.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { MAX_PROBLEMS_LISTED, REMEMBER_SHARDS_HOURS } from "./config";
import type { CrossCheckResult } from "./cross-check";
import { coverageKey, type HourId } from "./layout";
import { getJson, putJson } from "./s3-io";
import type { HourSeal, ShardHeads } from "./seal";
import type { StreamShard } from "./stream-shards";

export interface HourCoverage {
  readonly status: "SEALED" | "FAILED";
  readonly records: number;
  readonly objects: number;
  readonly sealedAt: string;
  readonly problemCount: number;
  /** The first problems (all of them are in the hour's manifest-summary.json). */
  readonly problems: readonly string[];
  /** What could not be checked (shard lineage the stream no longer lists); absent when everything was. */
  readonly notes?: readonly string[];
}

/** A shard as a seal saw it listed by the stream, and when (lineage stays known after the stream forgets it). */
export type RememberedShard = StreamShard & { readonly seenAt: string };

export type CrossCheckRecord =
  | (Omit<CrossCheckResult, "exportDir"> & { readonly checkedAt: string })
  | {
      readonly status: "NOT_INCREMENTAL" | "BEFORE_CAPTURE" | "CAPTURE_INCOMPLETE";
      readonly checkedAt: string;
      readonly hours?: readonly HourId[];
    };

export interface Coverage {
  readonly version: 1;
  readonly table: string;
  updatedAt: string;
  /** First and last hour ever sealed (or failed). */
  firstHour: HourId | null;
  lastHour: HourId | null;
  readonly hours: Record<HourId, HourCoverage>;
  /** Each shard's last object so far: where the next hour's chain must continue. */
  heads: Record<string, ShardHeads[string]>;
  /** Shards the stream listed during the last REMEMBER_SHARDS_HOURS, by shard id (absent in files written before). */
  shards?: Record<string, RememberedShard>;
  /** By export id. */
  readonly crossChecks: Record<string, CrossCheckRecord>;
}

export function emptyCoverage(table: string): Coverage {
  return {
    version: 1,
    table,
    updatedAt: "",
    firstHour: null,
    lastHour: null,
    hours: {},
    heads: {},
    shards: {},
    crossChecks: {},
  };
}

export async function readCoverage(s3: S3Client, bucket: string, table: string): Promise<Coverage> {
  const found = await getJson<Coverage>(s3, bucket, coverageKey(table));
  if (found === undefined) return emptyCoverage(table);
  if (found.version !== 1 || typeof found.hours !== "object" || found.hours === null) {
    throw new Error(
      `s3://${bucket}/${coverageKey(table)} is not a coverage file (version 1); it was damaged or written by hand`,
    );
  }
  return { ...emptyCoverage(table), ...found };
}

export async function writeCoverage(
  s3: S3Client,
  bucket: string,
  cov: Coverage,
  now: Date,
  kmsKeyArn?: string,
): Promise<void> {
  cov.updatedAt = now.toISOString();
  await putJson(s3, bucket, coverageKey(cov.table), cov, kmsKeyArn);
}

/** A later seal found an object of this hour missing: the hour is not complete after all. */
function failEarlierHour(cov: Coverage, hour: HourId, problem: string): void {
  const h = cov.hours[hour];
  if (h === undefined || h.problems.includes(problem)) return;
  cov.hours[hour] = {
    ...h,
    status: "FAILED",
    problemCount: h.problemCount + 1,
    problems: [...h.problems, problem].slice(0, MAX_PROBLEMS_LISTED),
  };
}

/**
 * Records a sealed (or failed) hour. A scheduled seal (hours in order) also moves each shard's chain head and
 * `lastHour`, where the next scheduled run continues. An explicit reseal (`{"hour": …}`) only replaces its hour's
 * record (it is checked against the previous hour's summary and the objects that exist) and moves neither, so it can
 * never make the schedule skip hours or check later hours against an older chain. Either kind marks an earlier hour
 * FAILED when the seal found one of that hour's objects missing.
 */
export function recordSeal(cov: Coverage, seal: HourSeal, now: Date, scheduled: boolean): void {
  cov.hours[seal.hour] = {
    status: seal.status,
    records: seal.records,
    objects: seal.objects,
    sealedAt: now.toISOString(),
    problemCount: seal.problems.length,
    problems: seal.problems.slice(0, MAX_PROBLEMS_LISTED),
    ...(seal.notes.length === 0 ? {} : { notes: seal.notes.slice(0, MAX_PROBLEMS_LISTED) }),
  };
  if (cov.firstHour === null || seal.hour < cov.firstHour) cov.firstHour = seal.hour;
  for (const { hour, problem } of seal.earlier) failEarlierHour(cov, hour, problem);
  if (!scheduled) return;
  cov.heads = { ...cov.heads, ...seal.heads };
  if (cov.lastHour === null || seal.hour > cov.lastHour) cov.lastHour = seal.hour;
}

/**
 * Remembers the shards a stream lists now (newest listing wins) and forgets those not listed for REMEMBER_SHARDS_HOURS.
 * Returns what lineage may rely on: every shard listed now, and remembered shards that were closed when last seen (a
 * remembered open shard may have closed since, so it counts as unknown rather than open).
 */
export function rememberShards(
  cov: Coverage,
  listed: readonly StreamShard[],
  now: Date,
): ReadonlyMap<string, StreamShard> {
  const seenAt = now.toISOString();
  const oldest = now.getTime() - REMEMBER_SHARDS_HOURS * 3_600_000;
  const listedNow = new Set(listed.map((s) => s.shardId));
  const remembered = (cov.shards ??= {});
  for (const s of listed) remembered[s.shardId] = { ...s, seenAt };
  const known = new Map<string, StreamShard>();
  for (const [id, s] of Object.entries(remembered)) {
    if (Date.parse(s.seenAt) < oldest) {
      delete remembered[id];
      continue;
    }
    const { seenAt: _seen, ...shard } = s;
    if (listedNow.has(id) || s.endingSequenceNumber !== undefined) known.set(id, shard);
  }
  return known;
}
