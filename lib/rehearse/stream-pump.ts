/**
 * What a DynamoDB Streams event source mapping does, done by the rehearsal in-process: every shard of a table's
 * stream read from TRIM_HORIZON (parents before children), in batches, each delivered to the real capture handler
 * (lib/capture's captureChanges, with the deployed function's settings) in Lambda's tumbling-window event shape.
 * Used where the event source mapping exists but nothing invokes it (moto creates mappings but never invokes Lambda).
 */
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type AttributeValue as StreamAttributeValue,
  type Shard,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { S3Client } from "@aws-sdk/client-s3";
import { captureChanges } from "../capture/capture";
import type { CaptureSettings } from "../capture/env";
import { compareSequence } from "../capture/records";
import { itemToWireJson, type Item } from "../export-format";
import { createLogger } from "../logger";

/** Lambda's batch size for the module's mapping. */
export const PUMP_BATCH_SIZE = 1000;
/** Reads of an open shard that return nothing before it is taken as drained. */
const EMPTY_READS = 2;

export interface PumpResult {
  readonly shards: number;
  readonly records: number;
  readonly batches: number;
}

export async function streamArnOf(ddb: DynamoDBClient, table: string): Promise<string> {
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.LatestStreamArn;
  if (arn === undefined) throw new Error(`table ${table} has no stream: is it in change_capture_tables?`);
  return arn;
}

export async function shardsParentsFirst(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const res = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
    shards.push(...(res.StreamDescription?.Shards ?? []));
    start = res.StreamDescription?.LastEvaluatedShardId;
  } while (start !== undefined);
  const byId = new Map(shards.map((s) => [s.ShardId, s]));
  const out: Shard[] = [];
  const seen = new Set<string | undefined>();
  const visit = (s: Shard): void => {
    if (seen.has(s.ShardId)) return;
    seen.add(s.ShardId);
    const parent = byId.get(s.ParentShardId);
    if (parent !== undefined) visit(parent);
    out.push(s);
  };
  shards.forEach(visit);
  return out;
}

export async function readShard(
  streams: DynamoDBStreamsClient,
  streamArn: string,
  shardId: string,
): Promise<StreamRecord[]> {
  const records: StreamRecord[] = [];
  let it = (
    await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }),
    )
  ).ShardIterator;
  let empty = 0;
  while (it !== undefined && empty < EMPTY_READS) {
    const res = await streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: PUMP_BATCH_SIZE }));
    records.push(...(res.Records ?? []));
    empty = (res.Records?.length ?? 0) === 0 ? empty + 1 : 0;
    it = res.NextShardIterator;
  }
  return records;
}

const wire = (item: Record<string, StreamAttributeValue> | undefined): Record<string, unknown> | undefined =>
  item === undefined ? undefined : itemToWireJson(item as Item);

/** A stream record as Lambda's event has it (JSON: B as base64, ApproximateCreationDateTime in epoch seconds). */
function lambdaRecord(r: StreamRecord, streamArn: string, region: string): Record<string, unknown> {
  const d = r.dynamodb ?? {};
  const at = d.ApproximateCreationDateTime;
  return {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: r.eventVersion ?? "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: r.awsRegion ?? region,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: at === undefined ? undefined : Math.floor(at.getTime() / 1000),
      Keys: wire(d.Keys),
      ...(d.NewImage === undefined ? {} : { NewImage: wire(d.NewImage) }),
      ...(d.OldImage === undefined ? {} : { OldImage: wire(d.OldImage) }),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
  };
}

/** Lambda's tumbling-window event for one batch of one shard, round-tripped through JSON as Lambda delivers it. */
function windowEvent(records: readonly Record<string, unknown>[], shardId: string, streamArn: string): unknown {
  const now = new Date().toISOString();
  return JSON.parse(
    JSON.stringify({
      Records: records,
      window: { start: now, end: now },
      state: {},
      shardId,
      eventSourceARN: streamArn,
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    }),
  );
}

export interface PumpInput {
  readonly ddb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly s3: S3Client;
  readonly settings: CaptureSettings;
  readonly table: string;
  readonly region: string;
}

/** What was delivered so far: per shard, the last sequence number handed to the handler (the mapping's checkpoint). */
export type Delivered = Map<string, string>;

async function deliverBatch(input: PumpInput, batch: Record<string, unknown>[], shardId: string, streamArn: string) {
  const errors: string[] = [];
  const log = createLogger({ function: "capture-changes" }, { level: "ERROR", write: (l) => errors.push(l) });
  const res = await captureChanges(windowEvent(batch, shardId, streamArn), {
    s3: input.s3,
    settings: input.settings,
    log,
  });
  if (res.batchItemFailures.length > 0) {
    throw new Error(
      `the capture handler did not capture shard ${shardId} from sequence number ${res.batchItemFailures[0]?.itemIdentifier ?? "?"}: ${errors.join(" ").slice(0, 2000)}`,
    );
  }
}

/**
 * Delivers the records of `table`'s stream to the capture handler; throws when a batch is not captured. With
 * `delivered`, only records after each shard's checkpoint are delivered and the checkpoints move on (as the mapping's
 * do), so it can be called again and again while the table is written.
 */
export async function pumpStream(input: PumpInput, delivered: Delivered = new Map()): Promise<PumpResult> {
  const streamArn = await streamArnOf(input.ddb, input.table);
  const shards = await shardsParentsFirst(input.streams, streamArn);
  let records = 0;
  let batches = 0;
  for (const shard of shards) {
    const shardId = shard.ShardId as string;
    const after = delivered.get(shardId);
    const all = (await readShard(input.streams, streamArn, shardId))
      .filter((r) => after === undefined || compareSequence(r.dynamodb?.SequenceNumber ?? "0", after) > 0)
      .map((r) => lambdaRecord(r, streamArn, input.region));
    for (let i = 0; i < all.length; i += PUMP_BATCH_SIZE) {
      const batch = all.slice(i, i + PUMP_BATCH_SIZE);
      await deliverBatch(input, batch, shardId, streamArn);
      const last = (batch[batch.length - 1]?.dynamodb as { SequenceNumber?: string } | undefined)?.SequenceNumber;
      if (last !== undefined) delivered.set(shardId, last);
      records += batch.length;
      batches++;
    }
  }
  return { shards: shards.length, records, batches };
}
