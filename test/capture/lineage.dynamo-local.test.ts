/**
 * Shard lineage in sealing, on real servers: a DynamoDB Local table's stream (read with DescribeStream through the
 * seal's own lister and from TRIM_HORIZON), its records delivered to the capture handler writing to moto S3, and the
 * seal function run against both.
 *
 * DynamoDB Local never splits a shard, so the split is hand-built ON TOP OF the real DescribeStream output: the real
 * shard becomes the parent (closed at its real last sequence number), a hand-made child shard follows it with
 * hand-made records in Lambda's event shape. Each case says which part is hand-built.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/capture-changes";
import { handler as sealHandler } from "../../functions/seal-capture";
import { resetClients } from "../../lib/aws";
import { readCoverage } from "../../lib/capture/coverage";
import { hourOfObject } from "../../lib/capture/boundary";
import { hourIdOf, parseChangeObjectKey } from "../../lib/capture/layout";
import { runSeal, type SealRunResult } from "../../lib/capture/seal-run";
import { describeStreamShards, resetStreamsClient, type StreamShard } from "../../lib/capture/stream-shards";
import { startDynamoDbLocal, type DynamoServer } from "../support/dynamo-local";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, hasJava, motoSkipReason } from "../support/tools";
import { lambdaEvent, lambdaRecord, readStream, streamArnOf } from "./helpers";

const skip = announceSkip(
  "capture lineage on DynamoDB Local + moto",
  motoSkipReason() ?? (hasJava ? undefined : "java is not on PATH"),
);
const TABLE = "prod-LineageTable";
const CATALOG = "LineageTable";
const HOUR_MS = 3_600_000;
const CHILD = "shardId-00000009999999999999-c4i1d000";

type LambdaRecord = Record<string, unknown>;
const seqOf = (r: LambdaRecord): string => (r.dynamodb as { SequenceNumber: string }).SequenceNumber;
const timeOf = (r: LambdaRecord): number =>
  (r.dynamodb as { ApproximateCreationDateTime: number }).ApproximateCreationDateTime;

describe.skipIf(skip)("capture seal follows shard lineage (DynamoDB Local stream → handler → moto S3)", () => {
  let dynamo: DynamoServer;
  let moto: Moto;
  let s3: S3Client;
  let streamArn: string;
  /** The real stream's shards, as the seal's lister reads them. */
  let listed: readonly StreamShard[];
  /** The real shard with records, and its records in Lambda's shape. */
  let parentId: string;
  let parent: LambdaRecord[];

  beforeAll(async () => {
    [dynamo, moto] = await Promise.all([startDynamoDbLocal(), startMoto({ shim: false })]);
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = dynamo.endpoint;
    process.env.CAPTURE_TABLES = JSON.stringify({ [TABLE]: CATALOG });
    resetClients();
    resetStreamsClient();
    s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    const db = new DynamoDBClient({ endpoint: dynamo.endpoint });
    await db.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      }),
    );
    for (let i = 0; i < 6; i++) {
      await db.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: `p-${i}` }, v: { N: String(i) } } }));
    }
    streamArn = await streamArnOf(db, TABLE);
    const raw = await readStream(new DynamoDBStreamsClient({ endpoint: dynamo.endpoint }), streamArn);
    const withRecords = [...raw].filter(([, recs]) => recs.length > 0);
    expect(withRecords).toHaveLength(1);
    parentId = withRecords[0]![0];
    parent = withRecords[0]![1].map((r) => lambdaRecord(r, streamArn));
    listed = (await describeStreamShards(streamArn))!;
  }, 180_000);

  afterAll(async () => {
    for (const k of ["BACKUP_BUCKET", "CAPTURE_TABLES", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"]) delete process.env[k];
    resetClients();
    resetStreamsClient();
    await Promise.all([dynamo?.stop(), moto?.stop()]);
  });

  /** Hand-made records of the child shard: sequence numbers after the parent's, `offsetS` seconds after its last. */
  function childRecords(offsetS: number): LambdaRecord[] {
    const last = parent[parent.length - 1]!;
    return [0, 1].map((i) => ({
      eventID: `child-${i}`,
      eventName: "INSERT",
      eventSourceARN: streamArn,
      dynamodb: {
        ApproximateCreationDateTime: timeOf(last) + offsetS,
        Keys: { pk: { S: `c-${i}` } },
        NewImage: { pk: { S: `c-${i}` }, v: { N: String(i) } },
        SequenceNumber: String(BigInt(seqOf(last)) + 1000n + BigInt(i)),
        SizeBytes: 20,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    }));
  }

  /** The real parent (in two batches) then the child, through the capture handler into a fresh bucket. */
  async function capture(bucket: string, child: LambdaRecord[]): Promise<void> {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    process.env.BACKUP_BUCKET = bucket;
    const mid = Math.ceil(parent.length / 2);
    for (const [shardId, batch] of [
      [parentId, parent.slice(0, mid)],
      [parentId, parent.slice(mid)],
      [CHILD, child],
    ] as const) {
      expect(await handler(lambdaEvent(batch, shardId))).toEqual({ batchItemFailures: [] });
    }
  }

  /** The real listing with the real shard closed at its real last record, plus a hand-made child of it. */
  function splitListing(opts: { parentClosed?: boolean; parentListed?: boolean } = {}): StreamShard[] {
    const real = listed.find((s) => s.shardId === parentId)!;
    const closed = { ...real, endingSequenceNumber: seqOf(parent[parent.length - 1]!) };
    const others = listed.filter((s) => s.shardId !== parentId);
    const parentRow = opts.parentListed === false ? [] : [opts.parentClosed === false ? real : closed];
    return [...others, ...parentRow, { shardId: CHILD, parentShardId: parentId }];
  }

  async function seal(bucket: string, shards: readonly StreamShard[]): Promise<SealRunResult> {
    const now = new Date(Date.now() + 3 * HOUR_MS);
    return runSeal(s3, { bucket, catalogNames: [CATALOG], now, shards: async () => shards }, {});
  }

  const problemsOf = (r: SealRunResult): string[] => r.tables[0]!.failed.flatMap((f) => f.problems);

  it("lists the real stream's shards through the seal's DescribeStream lister; the seal function seals a root shard's hour with it", async () => {
    expect(listed.map((s) => s.shardId)).toContain(parentId);
    const root = listed.find((s) => s.shardId === parentId)!;
    expect(root.parentShardId).toBeUndefined();
    expect(root.startingSequenceNumber).toMatch(/^\d+$/);
    await s3.send(new CreateBucketCommand({ Bucket: "lineage-real" }));
    process.env.BACKUP_BUCKET = "lineage-real";
    expect(await handler(lambdaEvent(parent, parentId))).toEqual({ batchItemFailures: [] });
    const hour = hourIdOf(timeOf(parent[0]!) * 1000);
    await expect(sealHandler({ hour })).resolves.toMatchObject({ ok: true, tables: [{ sealed: [hour] }] });
    const cov = await readCoverage(s3, "lineage-real", CATALOG);
    expect(cov.shards?.[parentId]).toMatchObject({
      shardId: parentId,
      startingSequenceNumber: root.startingSequenceNumber,
    });
    expect(cov.hours[hour]?.notes).toBeUndefined();
  });

  it("seals a child that starts after its closed parent's captured chain reaches the parent's end (split hand-built)", async () => {
    await capture("lineage-clean", childRecords(1));
    const result = await seal("lineage-clean", splitListing());
    expect(problemsOf(result)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("fails when the parent's last object is missing before the child starts, naming the parent's end (split hand-built)", async () => {
    await capture("lineage-hole", childRecords(1));
    const res = await s3.send(new ListObjectsV2Command({ Bucket: "lineage-hole", Prefix: "changes/" }));
    const keys = (res.Contents ?? []).map((o) => o.Key!).filter((k) => k.includes(`/${parentId}/`));
    keys.sort((x, y) => (x.slice(x.lastIndexOf("/")) < y.slice(y.lastIndexOf("/")) ? -1 : 1));
    const [firstKey, lastKey] = [keys[keys.length - 2]!, keys[keys.length - 1]!];
    const stopsAt = seqOf(parent.find((r) => BigInt(seqOf(r)) === BigInt(parseChangeObjectKey(firstKey)!.last))!);
    const hour = hourOfObject(CATALOG, firstKey);
    await s3.send(new DeleteObjectCommand({ Bucket: "lineage-hole", Key: lastKey }));
    const result = await seal("lineage-hole", splitListing());
    expect(result.ok).toBe(false);
    expect(problemsOf(result)).toContainEqual(
      `missing object(s) at the end of shard ${parentId} before its child ${CHILD} starts: the stream says its last record is ${seqOf(parent[parent.length - 1]!)}, its captured chain stops at ${stopsAt} (${firstKey}, hour ${hour})`,
    );
    const cov = await readCoverage(s3, "lineage-hole", CATALOG);
    expect(Object.values(cov.hours).some((h) => h.status === "FAILED")).toBe(true);
  });

  it("fails when the child's records are older than its parent's last captured record (child records hand-made)", async () => {
    await capture("lineage-interleaved", childRecords(-2));
    const result = await seal("lineage-interleaved", splitListing());
    expect(problemsOf(result)).toContainEqual(
      expect.stringContaining(`shard ${CHILD} interleaves with its unfinished parent ${parentId}: its first record`),
    );
  });

  it("fails when the child has records while its parent is still open (real open parent, hand-made child)", async () => {
    await capture("lineage-open", childRecords(1));
    const result = await seal("lineage-open", splitListing({ parentClosed: false }));
    expect(problemsOf(result)).toContainEqual(expect.stringContaining(`shard ${CHILD} started (`));
    expect(problemsOf(result)).toContainEqual(expect.stringContaining(`while its parent ${parentId} is still open`));
  });

  it("a parent the stream no longer lists (older than 24 h) is not a failure: the hour seals with a note saying what was not checked", async () => {
    await capture("lineage-aged", childRecords(1));
    const result = await seal("lineage-aged", splitListing({ parentListed: false }));
    expect(result.ok).toBe(true);
    const cov = await readCoverage(s3, "lineage-aged", CATALOG);
    const notes = Object.values(cov.hours).flatMap((h) => h.notes ?? []);
    expect(notes).toContainEqual(
      expect.stringContaining(
        `shard ${CHILD}: its parent ${parentId} is no longer listed by the stream (older than 24 hours)`,
      ),
    );
  });
});
