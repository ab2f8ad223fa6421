/**
 * Sealing one closed hour of one table: every object's md5 and record count, each shard's chain (every object names
 * the last sequence number and key of the object before it for the same shard, so a missing object is named by the one
 * after it), image continuity (a record missing inside the chain), then manifest-files.json and manifest-summary.json
 * for the hour, in the spirit of DynamoDB's export manifests. The summary is written last, whatever the outcome: its
 * `status` says whether the hour is complete.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { gunzipSync } from "node:zlib";
import { md5Base64 } from "../export-format/checksum";
import type { ManifestFileEntry } from "../export-format/manifest";
import { checkHourEnd, hourOfObject, type EarlierHourProblem } from "./boundary";
import { checkChangeObject, type CheckedChangeObject } from "./change-object";
import { CAPTURE_MANIFEST_VERSION, CHANGE_OBJECT_SUFFIX, OBJECT_METADATA } from "./config";
import { ContinuityTracker } from "./continuity";
import type { ShardHead, ShardHeads } from "./heads";
import { hourDir, hourEndMs, hourManifestFilesKey, hourManifestSummaryKey, hourStartMs, type HourId } from "./layout";
import { checkLineage, type ShardSpan } from "./lineage";
import { compareSequence, recordTimeMs } from "./records";
import type { StreamShard } from "./stream-shards";
import { getObject, listKeys, objectExists, putObject, s3Url, sse } from "./s3-io";

export type { ShardHead, ShardHeads } from "./heads";

/** The shards (with lineage) of the streams the hour's objects came from. */
export type ShardLookup = (streamArns: readonly string[]) => Promise<ReadonlyMap<string, StreamShard>>;

export interface HourManifestEntry extends ManifestFileEntry {
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
  readonly previousSequenceNumber: string | null;
}

export interface HourSeal {
  readonly table: string;
  readonly hour: HourId;
  readonly status: "SEALED" | "FAILED";
  readonly records: number;
  readonly objects: number;
  readonly problems: readonly string[];
  /** What could not be checked (lineage of shards the stream no longer lists); does not fail the hour. */
  readonly notes: readonly string[];
  /** Each shard's last object in this hour. */
  readonly heads: ShardHeads;
  /** Every shard's chain head after this hour (the heads before it, moved by this hour's objects). */
  readonly chainHeads: ShardHeads;
  /** Missing objects that belong to hours sealed before (their coverage must say FAILED too). */
  readonly earlier: readonly EarlierHourProblem[];
}

export interface SealInput {
  readonly bucket: string;
  readonly table: string;
  readonly hour: HourId;
  /** Chain heads from the hours sealed before; undefined when nothing was sealed before (chain start unverifiable). */
  readonly heads: ShardHeads | undefined;
  /** The streams' shards, to follow shard lineage. @default lineage not checked (a note says so) */
  readonly shards?: ShardLookup;
  readonly now?: Date;
  /** SSE-KMS key for the manifests. @default the bucket's default encryption */
  readonly kmsKeyArn?: string;
}

/** An emptied object of an abandoned attempt: marked, and holding no records (its md5 still matching). */
function isSuperseded(meta: Readonly<Record<string, string>>, body: Buffer): boolean {
  return (
    meta[OBJECT_METADATA.supersededBy] !== undefined &&
    meta[OBJECT_METADATA.records] === "0" &&
    meta[OBJECT_METADATA.md5] === md5Base64(body) &&
    gunzipSync(body).byteLength === 0
  );
}

type StoredChangeObject = CheckedChangeObject & { readonly etag: string };

async function readObjects(
  s3: S3Client,
  bucket: string,
  hour: HourId,
  keys: readonly string[],
): Promise<StoredChangeObject[]> {
  const out: StoredChangeObject[] = [];
  for (const key of keys) {
    const obj = await getObject(s3, bucket, key);
    if (obj === undefined) continue; // deleted between list and get: the chain names it
    if (isSuperseded(obj.metadata, obj.body)) continue;
    out.push({ ...checkChangeObject(s3Url(bucket, key), key, hour, obj.body, obj.metadata), etag: obj.etag });
  }
  return out;
}

/** Checks the start of a shard's chain in this hour against where it stood before. */
async function checkChainStart(
  s3: S3Client,
  input: SealInput,
  first: CheckedChangeObject,
  problems: string[],
  earlier: EarlierHourProblem[],
): Promise<void> {
  const head = input.heads?.[first.shardId];
  const prev = first.previous;
  const url = s3Url(input.bucket, first.key);
  if (prev === null) {
    if (head !== undefined)
      problems.push(
        `${url}: starts a new chain, but shard ${first.shardId} already had objects up to ${head.lastSequenceNumber} (${head.objectKey})`,
      );
    return;
  }
  if (head !== undefined && compareSequence(head.lastSequenceNumber, prev.lastSequenceNumber) === 0) return;
  if (head !== undefined && compareSequence(prev.lastSequenceNumber, head.lastSequenceNumber) < 0) {
    problems.push(
      `${url} follows ${s3Url(input.bucket, prev.objectKey)} (records up to ${prev.lastSequenceNumber}), but shard ${first.shardId}'s chain already went on to ${head.lastSequenceNumber} (${head.objectKey}, hour ${head.hour}): overlapping or re-written objects`,
    );
    return;
  }
  const exists = await objectExists(s3, input.bucket, prev.objectKey);
  if (!exists) {
    const where = head === undefined ? "" : `; the chain before it ends at ${head.objectKey}, hour ${head.hour}`;
    const problem = `missing object ${s3Url(input.bucket, prev.objectKey)} (records up to ${prev.lastSequenceNumber} of shard ${first.shardId}${where}): ${url} follows it, but it does not exist`;
    problems.push(problem);
    const hourOfMissing = hourOfObject(input.table, prev.objectKey);
    if (hourOfMissing !== undefined && hourOfMissing < input.hour) earlier.push({ hour: hourOfMissing, problem });
  } else if (head !== undefined && compareSequence(prev.lastSequenceNumber, head.lastSequenceNumber) > 0) {
    problems.push(
      `late object ${s3Url(input.bucket, prev.objectKey)}: written after its hour was sealed (the seal ended shard ${first.shardId} at ${head.lastSequenceNumber}); reseal that hour`,
    );
  }
}

/** Checks one shard's objects of the hour (sorted by first sequence number) link up. */
async function checkShardChain(
  s3: S3Client,
  input: SealInput,
  objs: readonly CheckedChangeObject[],
  problems: string[],
  earlier: EarlierHourProblem[],
): Promise<void> {
  if (objs[0] !== undefined) await checkChainStart(s3, input, objs[0], problems, earlier);
  for (let i = 1; i < objs.length; i++) {
    const before = objs[i - 1]!;
    const obj = objs[i]!;
    const url = s3Url(input.bucket, obj.key);
    if (compareSequence(obj.first, before.last) <= 0) {
      problems.push(
        `${url} overlaps ${s3Url(input.bucket, before.key)} (duplicate records ${obj.first}…${before.last})`,
      );
    } else if (obj.previous === null || compareSequence(obj.previous.lastSequenceNumber, before.last) !== 0) {
      const missing = obj.previous === null ? "(none named)" : s3Url(input.bucket, obj.previous.objectKey);
      problems.push(
        `missing object ${missing} of shard ${obj.shardId}: ${url} follows records up to ${obj.previous?.lastSequenceNumber ?? "none"}, but the object before it ends at ${before.last}`,
      );
    }
  }
}

function groupByShard(objs: readonly CheckedChangeObject[]): Map<string, CheckedChangeObject[]> {
  const shards = new Map<string, CheckedChangeObject[]>();
  for (const o of objs) shards.set(o.shardId, [...(shards.get(o.shardId) ?? []), o]);
  for (const list of shards.values()) list.sort((a, b) => compareSequence(a.first, b.first));
  return shards;
}

function manifestEntry(o: CheckedChangeObject, etag: string): HourManifestEntry {
  return {
    itemCount: o.records,
    md5Checksum: o.md5,
    etag,
    dataFileS3Key: o.key,
    shardId: o.shardId,
    firstSequenceNumber: o.first,
    lastSequenceNumber: o.last,
    previousSequenceNumber: o.previous?.lastSequenceNumber ?? null,
  };
}

/** The shard's chain in this hour (links, image continuity); returns its span and new head. */
async function checkShard(
  s3: S3Client,
  input: SealInput,
  list: readonly CheckedChangeObject[],
  problems: string[],
  earlier: EarlierHourProblem[],
): Promise<{ readonly span: ShardSpan; readonly head: ShardHead }> {
  await checkShardChain(s3, input, list, problems, earlier);
  const tracker = new ContinuityTracker();
  for (const o of list) {
    for (const line of o.lines) {
      const p = tracker.observe(line, o.key);
      if (p !== undefined) problems.push(p);
    }
  }
  const first = list[0]!;
  const last = list[list.length - 1]!;
  const lastLine = last.lines[last.lines.length - 1];
  const firstLine = first.lines[0];
  return {
    span: {
      shardId: first.shardId,
      firstSequenceNumber: first.first,
      firstObjectKey: first.key,
      firstRecordMs: firstLine === undefined ? hourStartMs(input.hour) : recordTimeMs(firstLine),
      startsChain: first.previous === null,
    },
    head: {
      lastSequenceNumber: last.last,
      objectKey: last.key,
      hour: input.hour,
      ...(lastLine === undefined ? {} : { lastRecordAt: new Date(recordTimeMs(lastLine)).toISOString() }),
    },
  };
}

/** Lineage of the hour's shards; without a shard lookup (or objects) nothing to follow. */
async function lineageOf(
  input: SealInput,
  objs: readonly CheckedChangeObject[],
  spans: readonly ShardSpan[],
  chainHeads: ShardHeads,
): Promise<{ problems: string[]; notes: string[] }> {
  if (spans.length === 0) return { problems: [], notes: [] };
  if (input.shards === undefined) return { problems: [], notes: ["shard lineage not checked (no shard list given)"] };
  const streams = [...new Set(objs.map((o) => o.streamArn).filter((a) => a !== ""))].sort();
  const known = await input.shards(streams);
  return checkLineage({ hour: input.hour, spans, before: input.heads, after: chainHeads, known });
}

/** What sealing checks, without writing anything: every object's md5 and count, the chains, lineage, continuity. */
export async function inspectHour(
  s3: S3Client,
  input: SealInput,
): Promise<{ readonly seal: HourSeal; readonly entries: readonly HourManifestEntry[] }> {
  const { bucket, table, hour } = input;
  const keys = (await listKeys(s3, bucket, `${hourDir(table, hour)}/`)).filter((k) => k.endsWith(CHANGE_OBJECT_SUFFIX));
  const objs = await readObjects(s3, bucket, hour, keys);
  const problems = objs.flatMap((o) => o.problems);
  const heads: Record<string, ShardHead> = {};
  const spans: ShardSpan[] = [];
  const earlier: EarlierHourProblem[] = [];
  for (const list of groupByShard(objs).values()) {
    const { span, head } = await checkShard(s3, input, list, problems, earlier);
    heads[span.shardId] = head;
    spans.push(span);
  }
  problems.push(...(await checkHourEnd(s3, bucket, table, hour, heads)));
  const chainHeads = { ...(input.heads ?? {}), ...heads };
  const lineage = await lineageOf(input, objs, spans, chainHeads);
  problems.push(...lineage.problems);
  const seal: HourSeal = {
    table,
    hour,
    status: problems.length === 0 ? "SEALED" : "FAILED",
    records: objs.reduce((n, o) => n + o.records, 0),
    objects: objs.length,
    problems,
    notes: lineage.notes,
    heads,
    chainHeads,
    earlier,
  };
  return { seal, entries: objs.map((o) => manifestEntry(o, o.etag)) };
}

export async function sealHour(s3: S3Client, input: SealInput): Promise<HourSeal> {
  const { seal, entries } = await inspectHour(s3, input);
  await writeHourManifests(s3, input, seal, entries);
  return seal;
}

async function writeHourManifests(
  s3: S3Client,
  input: SealInput,
  seal: HourSeal,
  entries: readonly HourManifestEntry[],
): Promise<void> {
  const { bucket } = input;
  const now = input.now ?? new Date();
  const filesKey = hourManifestFilesKey(seal.table, seal.hour);
  const filesText = entries.map((e) => `${JSON.stringify(e)}\n`).join("");
  await putObject(s3, {
    Bucket: bucket,
    Key: filesKey,
    Body: Buffer.from(filesText, "utf8"),
    ContentType: "application/json",
    ...sse(input.kmsKeyArn),
  });
  const summary = {
    version: CAPTURE_MANIFEST_VERSION,
    table: seal.table,
    hourStart: new Date(hourStartMs(seal.hour)).toISOString(),
    hourEnd: new Date(hourEndMs(seal.hour)).toISOString(),
    sealedAt: now.toISOString(),
    status: seal.status,
    manifestFilesS3Key: filesKey,
    itemCount: seal.records,
    objectCount: seal.objects,
    shards: seal.heads,
    chainHeads: seal.chainHeads,
    problems: seal.problems,
    notes: seal.notes,
  };
  await putObject(s3, {
    Bucket: bucket,
    Key: hourManifestSummaryKey(seal.table, seal.hour),
    Body: `${JSON.stringify(summary, null, 2)}\n`,
    ContentType: "application/json",
    ...sse(input.kmsKeyArn),
  });
}
