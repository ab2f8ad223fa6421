/**
 * `rehearse --target aws`: the real event source mapping invokes the deployed capture function, so the rehearsal does
 * not deliver the stream itself; it waits until everything the table's stream holds is in the backup bucket. It reads
 * each shard's last sequence number from the stream (DescribeStream, GetShardIterator, GetRecords), then lists the
 * captured objects — their names carry the shard and the sequence range they hold — until every shard's captured
 * objects reach it.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { S3Client } from "@aws-sdk/client-s3";
import { changesTablePrefix, parseChangeObjectKey } from "../capture/layout";
import { compareSequence } from "../capture/records";
import { listKeys } from "../capture/s3-io";
import { readShard, shardsParentsFirst, streamArnOf } from "./stream-pump";

/** How long the rehearsal waits for the mapping's deliveries (Lambda delivers within seconds to a minute). */
export const DELIVERY_TIMEOUT_MS = 10 * 60_000;
/** How often it lists the captured objects while it waits. */
export const DELIVERY_POLL_MS = 5_000;

export interface DeliveryWait {
  readonly ddb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly s3: S3Client;
  readonly bucket: string;
  /** The table's physical name (its stream) and catalog name (its folder under changes/). */
  readonly table: string;
  readonly catalogName: string;
  /** @default DELIVERY_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** @default DELIVERY_POLL_MS */
  readonly pollMs?: number;
  readonly clock?: () => number;
}

export interface DeliveryResult {
  readonly shards: number;
  readonly records: number;
  readonly objects: number;
}

/** Each shard's last sequence number in the stream now (shards without records are left out). */
async function streamEnds(w: DeliveryWait): Promise<{ ends: Map<string, string>; records: number }> {
  const arn = await streamArnOf(w.ddb, w.table);
  const ends = new Map<string, string>();
  let records = 0;
  for (const shard of await shardsParentsFirst(w.streams, arn)) {
    const rs = await readShard(w.streams, arn, shard.ShardId as string);
    records += rs.length;
    const last = rs[rs.length - 1]?.dynamodb?.SequenceNumber;
    if (last !== undefined) ends.set(shard.ShardId as string, last);
  }
  return { ends, records };
}

/** Per shard, the last sequence number the captured objects reach. */
async function capturedEnds(w: DeliveryWait): Promise<{ reached: Map<string, string>; objects: number }> {
  const reached = new Map<string, string>();
  let objects = 0;
  for (const key of await listKeys(w.s3, w.bucket, `${changesTablePrefix(w.catalogName)}/`)) {
    const o = parseChangeObjectKey(key);
    if (o === undefined) continue;
    objects++;
    const before = reached.get(o.shardId);
    if (before === undefined || compareSequence(o.last, before) > 0) reached.set(o.shardId, o.last);
  }
  return { reached, objects };
}

function missing(ends: Map<string, string>, reached: Map<string, string>): string[] {
  return [...ends]
    .filter(([shard, end]) => compareSequence(reached.get(shard) ?? "0", end) < 0)
    .map(
      ([shard, end]) => `shard ${shard}: captured to ${reached.get(shard) ?? "nothing"}, the stream holds up to ${end}`,
    );
}

/** Waits until the captured objects reach every shard's end; throws naming the shards still behind at the timeout. */
export async function waitForDeliveries(w: DeliveryWait): Promise<DeliveryResult> {
  const clock = w.clock ?? Date.now;
  const deadline = clock() + (w.timeoutMs ?? DELIVERY_TIMEOUT_MS);
  const { ends, records } = await streamEnds(w);
  for (;;) {
    const { reached, objects } = await capturedEnds(w);
    const behind = missing(ends, reached);
    if (behind.length === 0) return { shards: ends.size, records, objects };
    if (clock() >= deadline) {
      throw new Error(
        `the event source mapping did not deliver the whole stream of ${w.table} to s3://${w.bucket}/${changesTablePrefix(w.catalogName)}/ within ${Math.round((w.timeoutMs ?? DELIVERY_TIMEOUT_MS) / 1000)} s: ${behind.join("; ")}`,
      );
    }
    await new Promise((r) => setTimeout(r, w.pollMs ?? DELIVERY_POLL_MS));
  }
}
