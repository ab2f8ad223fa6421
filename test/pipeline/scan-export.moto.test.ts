/**
 * The parallel-scan export's resumability, against moto: segments resumed across invocations from their checkpoints,
 * a crash between writing a data file and recording it, and a finalize that refuses unfinished segments.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetClients } from "../../lib/aws";
import { canonicalItem, decodeWireItem, openExport, readExportItems, verifyExport } from "../../lib/export-format";
import { segmentCheckpointKey } from "../../lib/pipeline/layout";
import { getItemWire } from "../../lib/table-io/wire";
import { planJobs } from "../../lib/pipeline/plan";
import { finalizeScanExport, scanSegment } from "../../lib/pipeline/scan-export";
import type { ExportJob } from "../../lib/pipeline/types";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";

const skip = announceSkip("scan export on moto", motoSkipReason());
const BUCKET = "scan-test";
const TABLE = "prod-UsersTable";
const ITEMS = 900;

describe.skipIf(skip)("parallel-scan export (moto)", () => {
  let moto: Moto;
  let dynamo: DynamoDBClient;
  let s3: S3Client;
  let tableArn: string;

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    resetClients();
    dynamo = new DynamoDBClient({ endpoint: moto.endpoint });
    s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const created = await dynamo.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "userName", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "userName", KeyType: "HASH" }],
      }),
    );
    tableArn = created.TableDescription!.TableArn!;
    for (let i = 0; i < ITEMS; i++) {
      await dynamo.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { userName: { S: `user-${i}` }, n: { N: String(i) }, b: { B: new Uint8Array([i % 256]) } },
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    resetClients();
    await moto?.stop();
  });

  async function job(segments: number): Promise<ExportJob> {
    const plan = await planJobs(
      {
        purpose: "EXPORT",
        input: { mode: "FULL" },
        config: { tables: [{ table: "UsersTable", tableName: TABLE, tableArn, pitr: false }] },
        executionName: `run-${segments}`,
        startTime: new Date().toISOString(),
      },
      { bucket: BUCKET, scanSegments: segments, latestVerified: () => Promise.resolve(undefined) },
    );
    return plan.jobs[0]!;
  }

  async function exportedItems(j: ExportJob): Promise<string[]> {
    const exp = await openExport(`s3://${BUCKET}/exports/UsersTable/AWSDynamoDB/${j.exportId}`, { s3 });
    const report = await verifyExport(exp);
    expect(report.problems).toEqual([]);
    const out: string[] = [];
    for (const entry of exp.files) for await (const b of readExportItems(exp, entry)) out.push(...b.map(canonicalItem));
    return out.sort();
  }

  const expected = Array.from({ length: ITEMS }, (_, i) =>
    canonicalItem({ userName: { S: `user-${i}` }, n: { N: String(i) }, b: { B: new Uint8Array([i % 256]) } }),
  ).sort();

  it("resumes each segment from its checkpoint, one page per invocation when time is up, and finalizes a complete export", async () => {
    const j = await job(2);
    let invocations = 0;
    for (const segment of j.segments) {
      for (let done = false; !done;) {
        const p = await scanSegment(dynamo, s3, j, segment, { deadline: 0, pageLimit: 100 });
        invocations++;
        done = p.done;
      }
    }
    // 900 items in two segments of 100-item pages: at least 9 invocations (moto splits segments unevenly).
    expect(invocations).toBeGreaterThanOrEqual(9);
    const result = await finalizeScanExport(dynamo, s3, j);
    expect(result).toMatchObject({ status: "COMPLETED", exportType: "FULL_EXPORT" });
    expect(await exportedItems(j)).toEqual(expected);
  });

  it("a crash after a data file was written but before the checkpoint recorded it leaves no extra file or duplicate", async () => {
    const j = await job(1);
    await scanSegment(dynamo, s3, j, 0, { deadline: 0, pageLimit: 200 });
    const key = segmentCheckpointKey("UsersTable", j.exportId!, 0);
    const before = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
    await scanSegment(dynamo, s3, j, 0, { deadline: 0, pageLimit: 200 });
    // The invocation "crashed" before its checkpoint: put the previous one back.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: before }));
    for (let done = false; !done;) done = (await scanSegment(dynamo, s3, j, 0, { deadline: 0, pageLimit: 200 })).done;
    await finalizeScanExport(dynamo, s3, j);
    expect(await exportedItems(j)).toEqual(expected);
  });

  it("refuses to finalize while a segment is unfinished, naming it", async () => {
    const j = await job(2);
    await scanSegment(dynamo, s3, j, 0, { deadline: Date.now() + 60_000 });
    await scanSegment(dynamo, s3, j, 1, { deadline: 0, pageLimit: 10 });
    await expect(finalizeScanExport(dynamo, s3, j)).rejects.toMatchObject({
      name: "ScanExportIncomplete",
      message: expect.stringMatching(
        new RegExp(
          `^scan export ${j.exportId} of ${TABLE} \\(UsersTable\\) cannot be finished: segment 1: not finished \\(10 items so far\\)$`,
        ),
      ),
    });
  });

  it("writes a manifest-summary.json with AWS's fields and every item exactly once", async () => {
    const j = await job(1);
    for (let done = false; !done;) done = (await scanSegment(dynamo, s3, j, 0, { deadline: Date.now() + 60_000 })).done;
    await finalizeScanExport(dynamo, s3, j);
    const exp = await openExport(`s3://${BUCKET}/exports/UsersTable/AWSDynamoDB/${j.exportId}`, { s3 });
    expect(exp.summary).toMatchObject({ itemCount: ITEMS, outputFormat: "DYNAMODB_JSON", exportType: "FULL_EXPORT" });
    const keys: Record<string, AttributeValue>[] = [];
    for (const entry of exp.files) for await (const b of readExportItems(exp, entry)) keys.push(...b);
    expect(keys).toHaveLength(ITEMS);
  });

  it('keeps a top-level attribute named "__proto__" (the SDK\'s own Scan deserializer drops it)', async () => {
    const table = "prod-ProtoTable";
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
    const wire = { id: { S: "p-1" }, ["__proto__"]: { S: "kept" }, m: { M: { ["__proto__"]: { N: "1" } } } };
    const item = decodeWireItem(JSON.parse(JSON.stringify(wire)) as Record<string, unknown>, "test item");
    await dynamo.send(new PutItemCommand({ TableName: table, Item: item }));
    const created = await dynamo.send(new DescribeTableCommand({ TableName: table }));
    const plan = await planJobs(
      {
        purpose: "EXPORT",
        input: { mode: "FULL" },
        config: {
          tables: [{ table: "ProtoTable", tableName: table, tableArn: created.Table?.TableArn ?? "", pitr: false }],
        },
        executionName: "run-proto",
        startTime: new Date().toISOString(),
      },
      { bucket: BUCKET, scanSegments: 1, latestVerified: () => Promise.resolve(undefined) },
    );
    const j = plan.jobs[0] as ExportJob;
    for (let done = false; !done;) done = (await scanSegment(dynamo, s3, j, 0, { deadline: Date.now() + 60_000 })).done;
    await finalizeScanExport(dynamo, s3, j);
    const exp = await openExport(`s3://${BUCKET}/exports/ProtoTable/AWSDynamoDB/${j.exportId}`, { s3 });
    const got: Record<string, AttributeValue>[] = [];
    for (const entry of exp.files) for await (const b of readExportItems(exp, entry)) got.push(...b);
    expect(got).toHaveLength(1);
    expect(canonicalItem(got[0] as Record<string, AttributeValue>)).toBe(canonicalItem(item));
    expect(Object.keys(got[0] ?? {}).sort()).toEqual(["__proto__", "id", "m"]);
  });

  it("getItemWire (the restore drill's read) keeps it too", async () => {
    const key = { id: { S: "p-1" } };
    const viaWire = await getItemWire(dynamo, { TableName: "prod-ProtoTable", Key: key });
    expect(Object.getOwnPropertyDescriptor(viaWire ?? {}, "__proto__")?.value).toEqual({ S: "kept" });
    expect(await getItemWire(dynamo, { TableName: "prod-ProtoTable", Key: { id: { S: "none" } } })).toBeUndefined();
  });
});
