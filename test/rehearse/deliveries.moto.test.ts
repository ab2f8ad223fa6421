/**
 * The wait of `rehearse --target aws` for the event source mapping's deliveries (lib/rehearse/deliveries.ts), on
 * moto: a table with a stream and a bucket. Nothing captured: it times out naming the shard, what was captured and
 * where the stream ends. An object whose name reaches the stream's last sequence number: it returns at once.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeObjectKey, hourIdOf } from "../../lib/capture/layout";
import { waitForDeliveries, type DeliveryWait } from "../../lib/rehearse/deliveries";
import { readShard, shardsParentsFirst, streamArnOf } from "../../lib/rehearse/stream-pump";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";

const skip = announceSkip("rehearse's wait for deliveries on moto", motoSkipReason());
const TABLE = "rehearsal-w-GranulesTable";
const BUCKET = "rehearsal-w-ddb-backups-x";

describe.skipIf(skip)("waitForDeliveries (moto)", () => {
  let moto: Moto;
  let w: DeliveryWait;

  beforeAll(async () => {
    moto = await startMoto({ shim: false });
    const config = { endpoint: moto.endpoint, region: "us-east-1", maxAttempts: 2 };
    const ddb = new DynamoDBClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await ddb.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      }),
    );
    for (const pk of ["a", "b", "c"]) await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk } } }));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const streams = new DynamoDBStreamsClient(config);
    w = { ddb, streams, s3, bucket: BUCKET, table: TABLE, catalogName: "GranulesTable", timeoutMs: 600, pollMs: 100 };
  });

  afterAll(async () => {
    w?.ddb.destroy();
    w?.s3.destroy();
    w?.streams.destroy();
    await moto?.stop();
  });

  it("times out naming the shard that is behind, then returns once an object reaches the stream's end", async () => {
    const arn = await streamArnOf(w.ddb, TABLE);
    const [shard] = await shardsParentsFirst(w.streams, arn);
    const records = await readShard(w.streams, arn, shard!.ShardId!);
    const first = records[0]!.dynamodb!.SequenceNumber!;
    const last = records.at(-1)!.dynamodb!.SequenceNumber!;
    await expect(waitForDeliveries(w)).rejects.toThrow(
      `the event source mapping did not deliver the whole stream of ${TABLE} to s3://${BUCKET}/changes/GranulesTable/ within 1 s: shard ${shard!.ShardId}: captured to nothing, the stream holds up to ${last}`,
    );
    const put = (key: string) => w.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "x" }));
    await put(changeObjectKey("GranulesTable", hourIdOf(Date.now()), shard!.ShardId!, first, first));
    await expect(waitForDeliveries(w)).rejects.toThrow(`captured to ${first}, the stream holds up to ${last}`);
    await put(changeObjectKey("GranulesTable", hourIdOf(Date.now()), shard!.ShardId!, first, last));
    expect(await waitForDeliveries(w)).toEqual({ shards: 1, records: 3, objects: 2 });
  });
});
