/**
 * Shared pieces of the change-capture tests: a workload of puts, updates, overwrites and deletes on a real table with a
 * NEW_AND_OLD_IMAGES stream, reading that stream (every shard, parents first, TRIM_HORIZON) with
 * @aws-sdk/client-dynamodb-streams, and turning its records into Lambda's DynamoDB Streams event shape.
 */
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type Shard,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import { itemToWireJson, type Item } from "../../lib/export-format";

/** A small deterministic PRNG (mulberry32), so a failing run can be repeated. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function valueFor(rand: () => number, i: number): Item {
  return {
    n: { N: `${Math.floor(rand() * 1e6)}.${"1234567890123456789012345678901".slice(0, 1 + (i % 30))}` },
    s: { S: `värde ${i} ✓ ${"x".repeat(Math.floor(rand() * 40))}` },
    b: { B: new Uint8Array([i % 256, 0, 255, Math.floor(rand() * 256)]) },
    m: { M: { nested: { L: [{ S: "a" }, { N: String(i) }, { NULL: true }, { BOOL: rand() < 0.5 }] } } },
    ss: { SS: [`a${i}`, `b${i}`] },
  };
}

/** Puts, updates, overwrites and deletes on `keys` items (pk S + sk N); returns the number of operations. */
export async function runWorkload(
  db: DynamoDBClient,
  table: string,
  opts: { keys: number; ops: number; seed: number },
): Promise<number> {
  const rand = prng(opts.seed);
  const key = (k: number): Item => ({ pk: { S: `user-${k % 7}` }, sk: { N: String(k) } });
  for (let i = 0; i < opts.ops; i++) {
    const k = Math.floor(rand() * opts.keys);
    const op = rand();
    if (op < 0.4) {
      await db.send(new PutItemCommand({ TableName: table, Item: { ...key(k), ...valueFor(rand, i) } }));
    } else if (op < 0.8) {
      await db.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key(k),
          UpdateExpression: "SET #c = if_not_exists(#c, :zero) + :one, #t = :t",
          ExpressionAttributeNames: { "#c": "count", "#t": "touched" },
          ExpressionAttributeValues: { ":zero": { N: "0" }, ":one": { N: "1" }, ":t": { S: `op ${i}` } },
        }),
      );
    } else {
      await db.send(new DeleteItemCommand({ TableName: table, Key: key(k) }));
    }
  }
  return opts.ops;
}

export async function streamArnOf(db: DynamoDBClient, table: string): Promise<string> {
  const t = await db.send(new DescribeTableCommand({ TableName: table }));
  const arn = t.Table?.LatestStreamArn;
  if (arn === undefined) throw new Error(`table ${table} has no stream`);
  return arn;
}

/** Every shard of the stream, parents before their children. */
async function shardsInLineageOrder(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const res = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
    shards.push(...(res.StreamDescription?.Shards ?? []));
    start = res.StreamDescription?.LastEvaluatedShardId;
  } while (start !== undefined);
  const ids = new Set(shards.map((s) => s.ShardId));
  const ordered: Shard[] = [];
  const done = new Set<string>();
  const visit = (s: Shard): void => {
    if (done.has(s.ShardId!)) return;
    const parent = shards.find((p) => p.ShardId === s.ParentShardId);
    if (parent !== undefined && ids.has(parent.ShardId)) visit(parent);
    done.add(s.ShardId!);
    ordered.push(s);
  };
  shards.forEach(visit);
  return ordered;
}

/** Reads every record of every shard from TRIM_HORIZON until the open shards have nothing more. */
export async function readStream(
  streams: DynamoDBStreamsClient,
  streamArn: string,
): Promise<Map<string, StreamRecord[]>> {
  const out = new Map<string, StreamRecord[]>();
  for (const shard of await shardsInLineageOrder(streams, streamArn)) {
    const records: StreamRecord[] = [];
    let it = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    let empty = 0;
    while (it !== undefined && empty < 3) {
      const res = await streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }));
      records.push(...(res.Records ?? []));
      empty = (res.Records?.length ?? 0) === 0 ? empty + 1 : 0;
      it = res.NextShardIterator;
    }
    out.set(shard.ShardId!, records);
  }
  return out;
}

function wire(item: Record<string, AttributeValue> | undefined): Record<string, unknown> | undefined {
  return item === undefined ? undefined : itemToWireJson(item as Item);
}

/** A stream record as Lambda's event has it (JSON: B as base64, ApproximateCreationDateTime in epoch seconds). */
export function lambdaRecord(r: StreamRecord, streamArn: string): Record<string, unknown> {
  const d = r.dynamodb!;
  return {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: r.eventVersion ?? "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime!.getTime() / 1000),
      Keys: wire(d.Keys),
      ...(d.NewImage === undefined ? {} : { NewImage: wire(d.NewImage) }),
      ...(d.OldImage === undefined ? {} : { OldImage: wire(d.OldImage) }),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
    ...(r.userIdentity === undefined ? {} : { userIdentity: { ...r.userIdentity } }),
  };
}

/** Lambda's event for a batch of one shard, round-tripped through JSON as Lambda delivers it. */
export function lambdaEvent(records: readonly Record<string, unknown>[], shardId?: string): unknown {
  return JSON.parse(JSON.stringify({ Records: records, ...(shardId === undefined ? {} : { shardId }) }));
}

/** Splits records into batches of random size 1..max. */
export function randomBatches<T>(records: readonly T[], rand: () => number, max: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < records.length;) {
    const n = 1 + Math.floor(rand() * max);
    batches.push(records.slice(i, i + n));
    i += n;
  }
  return batches;
}
