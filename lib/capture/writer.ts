/**
 * Writing one delivered batch: split by hour (a batch spanning an hour boundary becomes one object per hour, each named
 * after its own first and last sequence numbers), chained to the shard's previous object, idempotent under Lambda's
 * retries.
 *
 * The shard's pointer (`state/capture/<table>/shards/<shard>.json`) holds the last *committed* object and the *pending*
 * batch (its range, its objects, the object it chains to). It is written before the objects. The next call for the shard
 * decides what the pending batch was:
 * - the same range again (a re-delivery): its objects are written again under the same names, chained the same way;
 * - a batch starting after it: Lambda moved on, so the pending batch was delivered — it becomes the committed one;
 * - a batch starting inside it (a retry that Lambda bisected): the pending objects are emptied and marked superseded
 *   (their records come again, in the retry's objects) and the new batch chains to the committed object. Emptied, not
 *   deleted: the function needs no s3:DeleteObject, and the bucket keeps an audit trail.
 * Records at or before the committed sequence number were captured already (a replay) and are skipped.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { gzipSync } from "node:zlib";
import { encodeChangeObject, type ObjectRef } from "./change-object";
import { changeObjectKey, hourIdOf, shardPointerKey, type HourId } from "./layout";
import { compareSequence, recordTimeMs, type ChangeLine, type StreamBatch } from "./records";
import { getJson, putJson, putObject, sse } from "./s3-io";
import { md5Base64 } from "../export-format/checksum";
import { OBJECT_METADATA } from "./config";

export interface ShardPointer {
  readonly version: 1;
  readonly table: string;
  readonly shardId: string;
  readonly streamArn: string;
  readonly committed: ObjectRef | null;
  readonly pending: PendingBatch | null;
  /** Ranges of the last batches delivered (newest last): an exact re-delivery of one of them is skipped. */
  readonly recent?: readonly BatchRange[];
  readonly updatedAt: string;
}

export interface BatchRange {
  readonly first: string;
  readonly last: string;
}

/** Batch ranges kept in a pointer for spotting re-deliveries. */
export const RECENT_BATCHES_KEPT = 32;

export interface PendingBatch {
  readonly first: string;
  readonly last: string;
  readonly previous: ObjectRef | null;
  readonly objectKeys: readonly string[];
}

export interface WrittenObject {
  readonly key: string;
  readonly hour: HourId;
  readonly records: number;
  readonly bytes: number;
  readonly md5: string;
}

export interface CaptureTarget {
  readonly bucket: string;
  /** Catalog name of the table. */
  readonly table: string;
  readonly kmsKeyArn?: string;
}

/** Splits records (in stream order) into runs of the same hour. */
export function splitByHour(records: readonly ChangeLine[]): { hour: HourId; lines: ChangeLine[] }[] {
  const parts: { hour: HourId; lines: ChangeLine[] }[] = [];
  for (const r of records) {
    const hour = hourIdOf(recordTimeMs(r));
    const last = parts[parts.length - 1];
    if (last !== undefined && last.hour === hour) last.lines.push(r);
    else parts.push({ hour, lines: [r] });
  }
  return parts;
}

/** What a batch is, given the shard's pointer: where it chains to, which records are new, what is stale. */
export interface BatchPlan {
  readonly committed: ObjectRef | null;
  readonly previous: ObjectRef | null;
  readonly fresh: ChangeLine[];
  /** Objects of an abandoned attempt of the same batch (to supersede unless rewritten under the same name). */
  readonly stale: readonly string[];
  /** Ranges of the batches delivered last, for the next pointer. */
  readonly recent: readonly BatchRange[];
}

/**
 * Plans a batch. A retry always starts where the attempt it repeats started (the function reports a failed batch from
 * its first record, and Lambda's bisect keeps the first half's start), so only a batch starting exactly at the pending
 * batch's first record repeats it; any other batch means the pending one was delivered. On a known shard, records at
 * or before the committed sequence number were captured already (a replay) and are dropped. On a stream lane (Lambda
 * named no shard) order across shards is not known, so only an exact re-delivery of a recent batch is dropped.
 */
export function planBatch(
  pointer: ShardPointer | undefined,
  records: readonly ChangeLine[],
  shardKnown: boolean,
): BatchPlan {
  const pending = pointer?.pending ?? null;
  const recentBefore = pointer?.recent ?? [];
  const first = records[0]?.SequenceNumber ?? "0";
  const last = records[records.length - 1]?.SequenceNumber ?? first;
  if (pending !== null && compareSequence(first, pending.first) === 0) {
    const committed = pointer?.committed ?? null;
    return {
      committed,
      previous: pending.previous,
      fresh: [...records],
      stale: pending.objectKeys,
      recent: recentBefore,
    };
  }
  const lastKey = pending?.objectKeys[pending.objectKeys.length - 1];
  const committed =
    pending === null || lastKey === undefined
      ? (pointer?.committed ?? null)
      : { lastSequenceNumber: pending.last, objectKey: lastKey };
  const recent =
    pending === null
      ? recentBefore
      : [...recentBefore, { first: pending.first, last: pending.last }].slice(-RECENT_BATCHES_KEPT);
  const floor = committed?.lastSequenceNumber;
  let fresh = [...records];
  if (floor !== undefined && compareSequence(first, floor) <= 0) {
    const repeat = recent.some((r) => compareSequence(r.first, first) === 0 && compareSequence(r.last, last) === 0);
    if (shardKnown) fresh = records.filter((r) => compareSequence(r.SequenceNumber, floor) > 0);
    else if (repeat) fresh = [];
  }
  return { committed, previous: committed, fresh, stale: [], recent };
}

/** Empties an object of an abandoned attempt (a gzip with no lines), saying which objects hold its records now. */
async function supersede(s3: S3Client, target: CaptureTarget, key: string, by: string): Promise<void> {
  // A gzip of no lines: any reader of the prefix finds no records in it, and its md5 is recorded like any object's.
  const empty = gzipSync(Buffer.alloc(0));
  const md5 = md5Base64(empty);
  await putObject(s3, {
    Bucket: target.bucket,
    Key: key,
    Body: empty,
    ContentMD5: md5,
    Metadata: {
      [OBJECT_METADATA.supersededBy]: by.slice(0, 1500),
      [OBJECT_METADATA.records]: "0",
      [OBJECT_METADATA.md5]: md5,
    },
    ...sse(target.kmsKeyArn),
  });
}

/** Writes a batch's objects (one per hour it spans) and moves the shard's pointer. */
export async function writeBatch(s3: S3Client, target: CaptureTarget, batch: StreamBatch): Promise<WrittenObject[]> {
  const { bucket, table } = target;
  const pointerKey = shardPointerKey(table, batch.shardId);
  const pointer = await getJson<ShardPointer>(s3, bucket, pointerKey);
  const plan = planBatch(pointer, batch.records, batch.shardKnown);
  if (plan.fresh.length === 0) return [];
  const parts = splitByHour(plan.fresh).map((p) => ({
    ...p,
    key: changeObjectKey(
      table,
      p.hour,
      batch.shardId,
      p.lines[0]!.SequenceNumber,
      p.lines[p.lines.length - 1]!.SequenceNumber,
    ),
  }));
  const next: ShardPointer = {
    version: 1,
    table,
    shardId: batch.shardId,
    streamArn: batch.streamArn,
    committed: plan.committed,
    recent: plan.recent,
    pending: {
      first: plan.fresh[0]!.SequenceNumber,
      last: plan.fresh[plan.fresh.length - 1]!.SequenceNumber,
      previous: plan.previous,
      objectKeys: parts.map((p) => p.key),
    },
    updatedAt: new Date().toISOString(),
  };
  await putJson(s3, bucket, pointerKey, next, target.kmsKeyArn);
  for (const key of plan.stale) {
    if (!parts.some((p) => p.key === key)) await supersede(s3, target, key, parts.map((p) => p.key).join(" "));
  }
  const written: WrittenObject[] = [];
  let previous = plan.previous;
  for (const part of parts) {
    const obj = encodeChangeObject(part.lines, batch.shardId, batch.streamArn, previous);
    await putObject(s3, {
      Bucket: bucket,
      Key: part.key,
      Body: obj.body,
      ContentType: "application/gzip",
      ContentMD5: obj.md5,
      Metadata: obj.metadata,
      ...sse(target.kmsKeyArn),
    });
    written.push({ key: part.key, hour: part.hour, records: obj.records, bytes: obj.body.byteLength, md5: obj.md5 });
    previous = { lastSequenceNumber: part.lines[part.lines.length - 1]!.SequenceNumber, objectKey: part.key };
  }
  return written;
}
