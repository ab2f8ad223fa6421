/**
 * Change capture on moto S3 with hand-made Lambda events, for the cases a real stream rarely gives on demand: a batch
 * spanning an hour boundary (split per hour, chained across), an attribute named `__proto__`, TTL deletes, SSE-KMS,
 * an object that arrived after its hour was sealed, and an hour with no writes.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/capture-changes";
import { handler as sealHandler } from "../../functions/seal-capture";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { resetSnsClient } from "../../lib/pipeline/clients";
import { createQueue, receiveAll } from "../pipeline/support/sqs";
import { resetClients } from "../../lib/aws";
import { OBJECT_METADATA } from "../../lib/capture/config";
import { readCoverage } from "../../lib/capture/coverage";
import { changeObjectKey, hourManifestSummaryKey, hourStartMs } from "../../lib/capture/layout";
import { runSeal } from "../../lib/capture/seal-run";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";

const skip = announceSkip("change capture on moto", motoSkipReason());
const TABLE = "prod-UsersTable";
const CATALOG = "UsersTable";
const ARN = `arn:aws:dynamodb:us-east-1:123456789012:table/${TABLE}/stream/2026-12-01T00:00:00.000`;
const SHARD = "shardId-00000001796000000000-0a1b2c3d";
const H10 = hourStartMs("2026-11-30T10") / 1000;

let seq = 1000;
function record(
  name: "INSERT" | "MODIFY" | "REMOVE",
  at: number,
  images: { k: string; old?: string; neu?: string },
  ttl = false,
): Record<string, unknown> {
  const item = (v: string): Record<string, unknown> =>
    JSON.parse(
      `{"pk":{"S":"${images.k}"},"__proto__":{"S":"${v}"},"n":{"N":"12345678901234567890123456789012345678"}}`,
    ) as Record<string, unknown>;
  return {
    eventID: `ev-${seq}`,
    eventName: name,
    eventSourceARN: ARN,
    dynamodb: {
      ApproximateCreationDateTime: at,
      Keys: { pk: { S: images.k } },
      ...(images.neu === undefined ? {} : { NewImage: item(images.neu) }),
      ...(images.old === undefined ? {} : { OldImage: item(images.old) }),
      SequenceNumber: String(seq++),
      SizeBytes: 40,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
    ...(ttl ? { userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" } } : {}),
  };
}

const event = (records: unknown[]): unknown => JSON.parse(JSON.stringify({ shardId: SHARD, Records: records }));

describe.skipIf(skip)("change capture (moto, hand-made events)", () => {
  let moto: Moto;
  let s3: S3Client;
  let kmsKeyArn: string;
  const BUCKET = "capture-edges";
  const batch1 = [
    record("INSERT", H10 + 3590, { k: "a", neu: "1" }),
    record("MODIFY", H10 + 3599, { k: "a", old: "1", neu: "2" }),
  ];
  const batch2 = [
    record("MODIFY", H10 + 3600, { k: "a", old: "2", neu: "3" }),
    record("REMOVE", H10 + 3700, { k: "a", old: "3" }, true),
  ];

  beforeAll(async () => {
    moto = await startMoto({ shim: false });
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    resetClients();
    s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // moto's S3 accepts SSE-KMS with any key id (it does not encrypt); the request must carry it.
    kmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000";
    Object.assign(process.env, {
      BACKUP_BUCKET: BUCKET,
      CAPTURE_TABLES: JSON.stringify({ [TABLE]: CATALOG }),
      CAPTURE_KMS_KEY_ARN: kmsKeyArn,
    });
  });

  afterAll(async () => {
    for (const k of ["BACKUP_BUCKET", "CAPTURE_TABLES", "CAPTURE_KMS_KEY_ARN"]) delete process.env[k];
    resetClients();
    await moto?.stop();
  });

  async function lines(key: string): Promise<Record<string, unknown>[]> {
    const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const text = gunzipSync(Buffer.from(await res.Body!.transformToByteArray())).toString("utf8");
    return text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it("splits a batch spanning an hour boundary into one object per hour, chained, KMS-encrypted, values intact", async () => {
    const spanning = [batch1[1]!, batch2[0]!];
    await expect(handler(event([batch1[0]!]))).resolves.toEqual({ batchItemFailures: [] });
    await expect(handler(event(spanning))).resolves.toEqual({ batchItemFailures: [] });
    const seqOf = (r: Record<string, unknown>): string => (r.dynamodb as { SequenceNumber: string }).SequenceNumber;
    const in10 = changeObjectKey(CATALOG, "2026-11-30T10", SHARD, seqOf(batch1[1]!), seqOf(batch1[1]!));
    const in11 = changeObjectKey(CATALOG, "2026-11-30T11", SHARD, seqOf(batch2[0]!), seqOf(batch2[0]!));
    const head11 = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: in11 }));
    expect(head11.Metadata?.[OBJECT_METADATA.previous]).toBe(seqOf(batch1[1]!));
    expect(head11.Metadata?.[OBJECT_METADATA.previousKey]).toBe(in10);
    expect(head11.ServerSideEncryption).toBe("aws:kms");
    const [line] = await lines(in10);
    expect(Object.prototype.hasOwnProperty.call(line!.NewImage, "__proto__")).toBe(true);
    expect(JSON.stringify(line!.NewImage)).toBe(
      '{"pk":{"S":"a"},"__proto__":{"S":"2"},"n":{"N":"12345678901234567890123456789012345678"}}',
    );
    await expect(handler(event([batch2[1]!]))).resolves.toEqual({ batchItemFailures: [] });
  });

  it("answers a tumbling-window call (how the module's mapping names the shard) with state, and a plain call without", async () => {
    const window = { start: "2026-11-30T11:00:00Z", end: "2026-11-30T11:01:00Z" };
    const finalCall = { shardId: SHARD, window, state: {}, isFinalInvokeForWindow: true, Records: [] };
    await expect(handler(finalCall)).resolves.toEqual({ batchItemFailures: [], state: {} });
    await expect(handler({ Records: [] })).resolves.toEqual({ batchItemFailures: [] });
  });

  it("keeps TTL deletes recognisable", async () => {
    const seqOf = (r: Record<string, unknown>): string => (r.dynamodb as { SequenceNumber: string }).SequenceNumber;
    const key = changeObjectKey(CATALOG, "2026-11-30T11", SHARD, seqOf(batch2[1]!), seqOf(batch2[1]!));
    const [line] = await lines(key);
    expect(line!.userIdentity).toEqual({ type: "Service", principalId: "dynamodb.amazonaws.com" });
    expect(line!.eventName).toBe("REMOVE");
  });

  it("seals both hours and an hour without writes; a later object in a sealed hour fails the next seal, named", async () => {
    const now = new Date((H10 + 5 * 3600) * 1000);
    const first = await runSeal(s3, { bucket: BUCKET, catalogNames: [CATALOG], now, kmsKeyArn }, {});
    expect(first.tables[0]).toMatchObject({ sealed: ["2026-11-30T10", "2026-11-30T11", "2026-11-30T12"], failed: [] });
    const empty = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: hourManifestSummaryKey(CATALOG, "2026-11-30T12") }),
    );
    expect(JSON.parse(await empty.Body!.transformToString())).toMatchObject({
      status: "SEALED",
      itemCount: 0,
      objectCount: 0,
    });

    // A straggler for hour 11 arrives after hour 11 was sealed, then a record in hour 13.
    const late = record("INSERT", H10 + 3600 + 1800, { k: "b", neu: "1" });
    const next = record("MODIFY", H10 + 3 * 3600 + 10, { k: "b", old: "1", neu: "2" });
    await handler(event([late]));
    await handler(event([next]));
    const lateKey = changeObjectKey(
      CATALOG,
      "2026-11-30T11",
      SHARD,
      (late.dynamodb as { SequenceNumber: string }).SequenceNumber,
      (late.dynamodb as { SequenceNumber: string }).SequenceNumber,
    );
    const second = await runSeal(
      s3,
      { bucket: BUCKET, catalogNames: [CATALOG], now: new Date((H10 + 6 * 3600) * 1000) },
      {},
    );
    expect(second.ok).toBe(false);
    expect(second.tables[0]!.failed[0]!.problems).toContainEqual(
      expect.stringContaining(`late object s3://${BUCKET}/${lateKey}`),
    );
    // Resealing hour 11 takes the straggler in.
    const reseal = await runSeal(
      s3,
      { bucket: BUCKET, catalogNames: [CATALOG] },
      { hour: "2026-11-30T11", tables: [CATALOG] },
    );
    expect(reseal.tables[0]).toMatchObject({ sealed: ["2026-11-30T11"], failed: [] });
    const cov = await readCoverage(s3, BUCKET, CATALOG);
    expect(cov.hours["2026-11-30T11"]).toMatchObject({ status: "SEALED", records: 3 });
    // A reseal replaces its hour's record only: the schedule continues after hour 13, from hour 13's chain heads.
    expect(cov.lastHour).toBe("2026-11-30T13");
    expect(cov.heads[SHARD]?.hour).toBe("2026-11-30T13");
  });

  it("the seal function publishes every problem to the alarm topic and then fails", async () => {
    const sns = new SNSClient({ endpoint: moto.endpoint });
    const topic = (await sns.send(new CreateTopicCommand({ Name: "prod-dynamo-backup-failed" }))).TopicArn!;
    const queue = await createQueue(moto.endpoint, "seal-alerts");
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: "sqs", Endpoint: queue.arn }));
    // A damaged copy of hour 10's object in an hour of its own bucket.
    const b = "capture-alerts";
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    const seqOf = (r: Record<string, unknown>): string => (r.dynamodb as { SequenceNumber: string }).SequenceNumber;
    const key = changeObjectKey(CATALOG, "2026-11-30T10", SHARD, seqOf(batch1[0]!), seqOf(batch1[0]!));
    const original = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const bytes = Buffer.from(await original.Body!.transformToByteArray());
    bytes[bytes.length - 5]! ^= 0xff;
    await s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: bytes, Metadata: original.Metadata }));
    Object.assign(process.env, { BACKUP_BUCKET: b, ALARM_TOPIC_ARN: topic, DEPLOYMENT: "prod" });
    resetSnsClient();
    try {
      await expect(sealHandler({ hour: "2026-11-30T10" })).rejects.toThrow(
        /^change capture seal failed for UsersTable: .*damaged: md5 of its bytes is/,
      );
    } finally {
      process.env.BACKUP_BUCKET = BUCKET;
      delete process.env.ALARM_TOPIC_ARN;
      delete process.env.DEPLOYMENT;
    }
    const [msg] = await receiveAll(moto.endpoint, queue);
    expect(msg?.Subject).toBe("[prod] DynamoDB change capture: seal FAILED for UsersTable");
    expect(msg?.Message).toContain(
      `UsersTable hour 2026-11-30T10 FAILED:\n    - s3://${b}/${key}: damaged: md5 of its bytes is`,
    );
    expect(msg?.Message).toContain("What to do (hours): A FAILED hour is not complete");
  });

  it("an object copied without its metadata is reported, not trusted", async () => {
    const key = changeObjectKey(CATALOG, "2026-11-30T09", SHARD, "1", "2");
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.from("not gzip") }));
    const result = await runSeal(s3, { bucket: "capture-edges", catalogNames: [CATALOG] }, { hour: "2026-11-30T09" });
    expect(result.tables[0]!.failed[0]!.problems).toContainEqual(
      `s3://${BUCKET}/${key}: has no md5/record-count metadata; it was not written by the capture function (or was copied without metadata)`,
    );
  });

  describe("the chain across an hour boundary", () => {
    const H14 = hourStartMs("2026-11-29T14") / 1000;
    const seqOf = (r: Record<string, unknown>): string => (r.dynamodb as { SequenceNumber: string }).SequenceNumber;
    const keyOf = (hour: string, r: Record<string, unknown>): string =>
      changeObjectKey(CATALOG, hour, SHARD, seqOf(r), seqOf(r));

    /** Three one-record batches through the real handler into a fresh bucket: hour 14 (two), then `lastAt`. */
    async function capture(bucket: string, lastAt: number): Promise<Record<string, unknown>[]> {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      process.env.BACKUP_BUCKET = bucket;
      const recs = [
        record("INSERT", H14 + 600, { k: `${bucket}-1`, neu: "1" }),
        record("INSERT", H14 + 3000, { k: `${bucket}-2`, neu: "1" }),
        record("INSERT", lastAt, { k: `${bucket}-3`, neu: "1" }),
      ];
      try {
        for (const r of recs) await expect(handler(event([r]))).resolves.toEqual({ batchItemFailures: [] });
      } finally {
        process.env.BACKUP_BUCKET = BUCKET;
      }
      return recs;
    }

    it("a missing last object of an hour fails that hour, named by the next hour's first object; a reseal of the next hour continues from the previous hour's summary", async () => {
      const b = "capture-boundary";
      const [first, last, next] = await capture(b, H14 + 3600 + 300);
      const missing = keyOf("2026-11-29T14", last!);
      await s3.send(new DeleteObjectCommand({ Bucket: b, Key: missing }));
      const now = new Date((H14 + 4 * 3600) * 1000);
      const result = await runSeal(s3, { bucket: b, catalogNames: [CATALOG], now }, {});
      expect(result.ok).toBe(false);
      const failed = Object.fromEntries(result.tables[0]!.failed.map((f) => [f.hour, f.problems]));
      expect(failed["2026-11-29T14"]).toEqual([
        `missing object s3://${b}/${missing} (records up to ${seqOf(last!)} of shard ${SHARD}), the last of hour 2026-11-29T14: s3://${b}/${keyOf("2026-11-29T15", next!)} in hour 2026-11-29T15 follows it, but it does not exist`,
      ]);
      const inNext = `missing object s3://${b}/${missing} (records up to ${seqOf(last!)} of shard ${SHARD}; the chain before it ends at ${keyOf("2026-11-29T14", first!)}, hour 2026-11-29T14): s3://${b}/${keyOf("2026-11-29T15", next!)} follows it, but it does not exist`;
      expect(failed["2026-11-29T15"]).toEqual([inNext]);
      // An explicit reseal of hour 15 alone still knows where hour 14's chain ended (its summary's chainHeads).
      const reseal = await runSeal(s3, { bucket: b, catalogNames: [CATALOG], now }, { hour: "2026-11-29T15" });
      expect(reseal.tables[0]!.failed).toEqual([{ hour: "2026-11-29T15", problems: [inNext] }]);
    });

    it("when the next object is hours later, the later seal names the missing object and marks its hour FAILED in the coverage file", async () => {
      const b = "capture-boundary-gap";
      const [, last, next] = await capture(b, H14 + 2 * 3600 + 300);
      const missing = keyOf("2026-11-29T14", last!);
      await s3.send(new DeleteObjectCommand({ Bucket: b, Key: missing }));
      // Hours 14 and 15 are closed; hour 16 (with the next object) is not yet: hour 14 cannot see the hole.
      const early = await runSeal(
        s3,
        { bucket: b, catalogNames: [CATALOG], now: new Date((H14 + 3.5 * 3600) * 1000) },
        {},
      );
      expect(early.tables[0]).toMatchObject({ sealed: ["2026-11-29T14", "2026-11-29T15"], failed: [] });
      const later = await runSeal(
        s3,
        { bucket: b, catalogNames: [CATALOG], now: new Date((H14 + 4.5 * 3600) * 1000) },
        {},
      );
      const problem = later.tables[0]!.failed[0]!;
      expect(problem.hour).toBe("2026-11-29T16");
      expect(problem.problems).toEqual([
        expect.stringMatching(
          new RegExp(`^missing object s3://${b}/${missing} .*: s3://${b}/${keyOf("2026-11-29T16", next!)} follows it`),
        ),
      ]);
      const cov = await readCoverage(s3, b, CATALOG);
      expect(cov.hours["2026-11-29T14"]).toMatchObject({ status: "FAILED", problems: problem.problems });
      expect(cov.hours["2026-11-29T15"]).toMatchObject({ status: "SEALED" });
    });
  });

  describe("batches without Lambda's shardId (one lane per stream)", () => {
    const H20 = hourStartMs("2026-11-30T20") / 1000;
    const lane = (arn: string, records: Record<string, unknown>[]): unknown =>
      JSON.parse(JSON.stringify({ Records: records.map((r) => ({ ...r, eventSourceARN: arn })) }));
    const seqOf = (r: Record<string, unknown>): string => (r.dynamodb as { SequenceNumber: string }).SequenceNumber;

    it("skips an old batch delivered again later, and the chain stays whole", async () => {
      const arn = ARN.replace("2026-12-01", "2026-12-02");
      const recs = [0, 1, 2, 3, 4, 5].map((i) => record("INSERT", H20 + i, { k: `lane-${i}`, neu: "1" }));
      const batches = [recs.slice(0, 2), recs.slice(2, 3), recs.slice(3, 5), recs.slice(5)];
      for (const b of [batches[0]!, batches[1]!, batches[2]!, batches[0]!, batches[3]!]) {
        await expect(handler(lane(arn, b))).resolves.toEqual({ batchItemFailures: [] });
      }
      const result = await runSeal(s3, { bucket: BUCKET, catalogNames: [CATALOG] }, { hour: "2026-11-30T20" });
      expect(result.tables[0]).toMatchObject({ sealed: ["2026-11-30T20"], failed: [] });
      const cov = await readCoverage(s3, BUCKET, CATALOG);
      expect(cov.hours["2026-11-30T20"]).toMatchObject({ status: "SEALED", records: 6, objects: 4 });
    });

    it("never drops records of shards delivered interleaved: they are kept, and the seal says the lane is broken", async () => {
      const arn = ARN.replace("2026-12-01", "2026-12-03");
      const [a, b, c, d] = [0, 1, 2, 3].map((i) => record("INSERT", H20 + 100 + i, { k: `mix-${i}`, neu: "1" }));
      // Two shards of one stream, sequence ranges interleaved: [a, c] from one, [b, d] from the other.
      await handler(lane(arn, [a!, c!]));
      await handler(lane(arn, [b!, d!]));
      const result = await runSeal(s3, { bucket: BUCKET, catalogNames: [CATALOG] }, { hour: "2026-11-30T20" });
      expect(result.ok).toBe(false);
      expect(result.tables[0]!.failed[0]!.problems).toContainEqual(
        expect.stringContaining(`(duplicate records ${seqOf(b!)}…${seqOf(c!)})`),
      );
      const cov = await readCoverage(s3, BUCKET, CATALOG);
      expect(cov.hours["2026-11-30T20"]).toMatchObject({ status: "FAILED", records: 10 });
    });
  });
});
