/**
 * A recorded history on real servers: writes on DynamoDB Local (with its NEW_AND_OLD_IMAGES stream) in phases with
 * quiet points, a snapshot by Scan at each quiet point T0…Tn, a base full export (AWS's layout) of the scan at T0,
 * incremental exports in AWS's exact format built from the same stream, and the stream delivered to the capture
 * handler (functions/capture-changes.ts) in Lambda's event shape into moto S3. Then `rebuild --at Ti` from the bucket
 * equals the scan at Ti for every i: from capture only (sealed), from capture not sealed yet (the seal's checks run
 * in the rebuild), from incremental exports only (at window ends) and from both.
 */
import { CreateTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient, type _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/capture-changes";
import { resetClients } from "../../lib/aws";
import { keyString } from "../../lib/capture/continuity";
import { runSeal } from "../../lib/capture/seal-run";
import { validateCatalog } from "../../lib/catalog-schema";
import {
  canonicalItem,
  decodeItemLine,
  decodeWireItem,
  openExport,
  readExportLines,
  type Item,
} from "../../lib/export-format";
import { exportPrefix } from "../../lib/pipeline/layout";
import { rebuild } from "../../scripts/commands/rebuild";
import {
  lambdaEvent,
  lambdaRecord,
  prng,
  randomBatches,
  readStream,
  runWorkload,
  streamArnOf,
} from "../capture/helpers";
import { writeAwsFullExport, writeAwsIncrementalExport } from "../pipeline/support/aws-fixtures";
import { startMoto, type Moto } from "../support/moto";
import { startDynamoDbLocal, type DynamoServer } from "../support/dynamo-local";
import { announceSkip, hasJava, motoSkipReason } from "../support/tools";
import { freshDir } from "./history-world";

const skip = announceSkip(
  "rebuild on DynamoDB Local + moto",
  motoSkipReason() ?? (hasJava ? undefined : "java is not on PATH"),
);
const TABLE = "prod-OrdersTable";
const CATALOG = "OrdersTable";
const catalog = validateCatalog({
  tables: [{ name: CATALOG, attributes: { pk: "S", sk: "N" }, hashKey: "pk", rangeKey: "sk" }],
});
let moto: Moto;
let dynamo: DynamoServer;
const QUIET_MS = 1500;
const PHASES = 4;
const ctx = { stderr: process.stderr, cwd: process.cwd(), env: {} as NodeJS.ProcessEnv };
const local = (
  endpoint: string,
): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)("rebuild from a recorded history (DynamoDB Local stream → capture handler → moto S3)", () => {
  let s3: S3Client;
  let db: DynamoDBClient;
  let streamArn: string;
  /** Quiet points and the table scanned at each (canonical items, sorted). */
  const snapshots: { at: number; items: string[] }[] = [];
  let records: Record<string, unknown>[] = [];
  const outs: string[] = [];

  async function scan(): Promise<string[]> {
    const items: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const res = await db.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: start }));
      for (const i of res.Items ?? []) items.push(canonicalItem(i as Item));
      start = res.LastEvaluatedKey;
    } while (start !== undefined);
    return items.sort();
  }

  /** eventID → index of the first quiet point after it (its phase). */
  const phaseOf = new Map<string, number>();

  async function quietPoint(): Promise<void> {
    await sleep(QUIET_MS);
    const at = Date.now();
    const items = await scan();
    snapshots.push({ at, items });
    const arn = await streamArnOf(db, TABLE);
    for (const r of [...(await readStream(new DynamoDBStreamsClient(local(dynamo.endpoint)), arn)).values()].flat()) {
      if (!phaseOf.has(r.eventID!)) phaseOf.set(r.eventID!, snapshots.length - 1);
    }
    await sleep(QUIET_MS);
  }

  /**
   * DynamoDB Local truncates ApproximateCreationDateTime to the minute; each record is stamped with a time inside its
   * phase instead (at least a second clear of the quiet points, in stream order within its shard), as DynamoDB would.
   */
  function stamped(raw: Map<string, StreamRecord[]>): Map<string, StreamRecord[]> {
    const all = [...raw.values()].flat();
    for (let p = 0; p < snapshots.length; p++) {
      const mine = all.filter((r) => phaseOf.get(r.eventID!) === p);
      const from = p === 0 ? snapshots[0]!.at - 60_000 : snapshots[p - 1]!.at + 1000;
      const to = snapshots[p]!.at - 1000;
      mine.forEach((r, i) => {
        r.dynamodb!.ApproximateCreationDateTime = new Date(from + Math.floor(((to - from) * i) / mine.length));
      });
    }
    return raw;
  }

  async function deliver(bucket: string, seed: number): Promise<void> {
    process.env.BACKUP_BUCKET = bucket;
    resetClients();
    const rand = prng(seed);
    const raw = stamped(await readStream(new DynamoDBStreamsClient(local(dynamo.endpoint)), streamArn));
    for (const [shardId, recs] of raw) {
      const batches = randomBatches(
        recs.map((r) => lambdaRecord(r, streamArn)),
        rand,
        9,
      );
      for (const [i, b] of batches.entries()) {
        const times = i === 2 ? 2 : 1; // one batch delivered twice
        for (let n = 0; n < times; n++) {
          expect((await handler(lambdaEvent(b, shardId))).batchItemFailures).toEqual([]);
        }
      }
    }
  }

  /** An INCREMENTAL export of [from, to) in AWS's format from the stream: the last change per key, the first old image. */
  async function incremental(bucket: string, from: number, to: number): Promise<void> {
    const last = new Map<string, { keys: Item; newImage?: Item; oldImage?: Item }>();
    for (const r of records) {
      const d = r.dynamodb as { ApproximateCreationDateTime: number; Keys: Item; NewImage?: Item; OldImage?: Item };
      const t = d.ApproximateCreationDateTime * 1000;
      if (t < from || t >= to) continue;
      const k = keyString(d as never, "test");
      const first = last.get(k);
      last.set(k, { keys: d.Keys, newImage: d.NewImage, oldImage: first === undefined ? d.OldImage : first.oldImage });
    }
    const dec = (i: Item | undefined): Item | undefined =>
      i === undefined ? undefined : decodeWireItem(i as never, "test");
    await writeAwsIncrementalExport({
      s3,
      bucket,
      s3Prefix: exportPrefix(CATALOG),
      exportId: `${String(to).padStart(14, "0")}-0a1b2c3d`,
      tableArn: streamArn.replace(/\/stream\/.*$/, ""),
      filesOf: 15,
      from: new Date(from),
      to: new Date(to),
      changes: [...last.values()].map((c) => ({
        keys: dec(c.keys)!,
        newImage: dec(c.newImage),
        oldImage: dec(c.oldImage),
      })),
    });
  }

  async function base(bucket: string): Promise<void> {
    const t0 = snapshots[0]!;
    await writeAwsFullExport({
      s3,
      bucket,
      s3Prefix: exportPrefix(CATALOG),
      exportId: `${String(t0.at).padStart(14, "0")}-00000000`,
      tableArn: streamArn.replace(/\/stream\/.*$/, ""),
      filesOf: 20,
      items: (await baseItems()).map((i) => i),
      exportTime: new Date(t0.at),
    });
  }

  let t0Items: Item[] = [];
  async function baseItems(): Promise<Item[]> {
    return t0Items;
  }

  beforeAll(async () => {
    [dynamo, moto] = await Promise.all([startDynamoDbLocal(), startMoto({ shim: false })]);
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    process.env.CAPTURE_TABLES = JSON.stringify({ [TABLE]: CATALOG });
    resetClients();
    s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    db = new DynamoDBClient(local(dynamo.endpoint));
    await db.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "N" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      }),
    );
    await runWorkload(db, TABLE, { keys: 20, ops: 60, seed: 1 });
    const res = await db.send(new ScanCommand({ TableName: TABLE }));
    t0Items = (res.Items ?? []) as Item[];
    await quietPoint();
    for (let p = 1; p <= PHASES; p++) {
      await runWorkload(db, TABLE, { keys: 20, ops: 50, seed: 100 + p });
      await quietPoint();
    }
    streamArn = await streamArnOf(db, TABLE);
    const raw = stamped(await readStream(new DynamoDBStreamsClient(local(dynamo.endpoint)), streamArn));
    records = [...raw.values()].flat().map((r) => lambdaRecord(r, streamArn));
    for (const b of ["hist-sealed", "hist-unsealed", "hist-incremental", "hist-both"]) {
      await s3.send(new CreateBucketCommand({ Bucket: b }));
      await base(b);
    }
    const ends = snapshots.map((s) => s.at);
    // hist-both holds windows to T2 only, so later times are rebuilt from incrementals, then capture.
    for (let i = 0; i + 1 < ends.length; i++) await incremental("hist-incremental", ends[i]!, ends[i + 1]!);
    for (let i = 0; i < 2; i++) await incremental("hist-both", ends[i]!, ends[i + 1]!);
    for (const [i, b] of ["hist-sealed", "hist-unsealed", "hist-both"].entries()) await deliver(b, 7 + i);
    const later = new Date(Date.now() + 3 * 3_600_000);
    for (const b of ["hist-sealed", "hist-both"]) {
      const sealed = await runSeal(s3, { bucket: b, catalogNames: [CATALOG], now: later }, {});
      expect(sealed.tables[0]!.failed).toEqual([]);
    }
  }, 240_000);

  afterAll(async () => {
    delete process.env.BACKUP_BUCKET;
    delete process.env.CAPTURE_TABLES;
    delete process.env.AWS_ENDPOINT_URL;
    resetClients();
    for (const o of outs) await rm(o, { recursive: true, force: true });
    await Promise.all([dynamo?.stop(), moto?.stop()]);
  });

  async function rebuiltAt(
    bucket: string,
    at: number,
  ): Promise<{ items: string[]; incrementals: number; hours: number }> {
    const { dir: out } = await freshDir("dl-out");
    outs.push(out);
    const r = await rebuild(
      { bucket, table: CATALOG, at: new Date(at).toISOString(), out, catalog, quiet: true, memoryLimit: "256MB" },
      ctx,
    );
    const exp = await openExport(out);
    const items: string[] = [];
    for (const entry of exp.files) {
      const it = readExportLines(exp, entry);
      for (let x = await it.next(); x.done !== true; x = await it.next()) {
        for (const line of x.value) items.push(canonicalItem(decodeItemLine(line, out)));
      }
    }
    return { items: items.sort(), incrementals: r.incrementalExports.length, hours: r.captureHours.length };
  }

  it("recorded a history with changes between every quiet point", () => {
    expect(snapshots).toHaveLength(PHASES + 1);
    for (let i = 1; i < snapshots.length; i++) expect(snapshots[i]!.items).not.toEqual(snapshots[i - 1]!.items);
    expect(records.filter((r) => r.eventName === "REMOVE").length).toBeGreaterThan(5);
  });

  for (const i of Array.from({ length: PHASES + 1 }, (_, n) => n)) {
    it(`rebuild --at T${i} equals the scan at T${i}: sealed capture, unsealed capture, incrementals, both`, async () => {
      const { at, items } = snapshots[i]!;
      const sealed = await rebuiltAt("hist-sealed", at);
      expect(sealed.items, "sealed capture").toEqual(items);
      expect((await rebuiltAt("hist-unsealed", at)).items, "unsealed capture").toEqual(items);
      const inc = await rebuiltAt("hist-incremental", at);
      expect(inc.items, "incremental exports").toEqual(items);
      expect(inc.hours).toBe(0);
      const both = await rebuiltAt("hist-both", at);
      expect(both.items, "incremental exports and capture").toEqual(items);
      expect(both.incrementals).toBe(Math.min(i, 2));
      if (i > 2) expect(both.hours).toBeGreaterThan(0);
    }, 60_000);
  }
});
