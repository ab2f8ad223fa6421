/**
 * The pipeline end to end against moto (S3, DynamoDB export/import, SNS, SQS), with the real Lambda handlers called
 * in-process and the real state machine definitions run by a small ASL interpreter (moto cannot invoke Lambdas):
 *
 * - a full run: native export of a PITR table + parallel-scan export of a table without PITR → verified, pointers,
 *   reports and metrics;
 * - a tampered data file → verification fails → the failure path publishes to SNS (read back from an SQS queue);
 * - an incremental run since the last verified export (AWS's incremental layout);
 * - restore drills: ImportTable into scratch tables, compare, delete; a mismatch is reported and cleaned up.
 *
 * moto's ExportTableToPointInTime writes only one data file and no manifests, so when the poll step reports COMPLETED
 * the test writes the manifests and data files AWS would have written (test/pipeline/support/aws-fixtures.ts).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handler as nativeExport } from "../../functions/native-export";
import { handler as notify } from "../../functions/notify";
import { handler as planExports } from "../../functions/plan-exports";
import { handler as restoreDrill } from "../../functions/restore-drill";
import { handler as scanExport } from "../../functions/scan-export";
import { handler as verifyExport } from "../../functions/verify-export";
import { resetClients } from "../../lib/aws";
import { canonicalItem, openExport, readExportItems, type Item } from "../../lib/export-format";
import { resetSnsClient } from "../../lib/pipeline/clients";
import { PIPELINE_FUNCTION_NAMES, type PipelineFunctionName } from "../../lib/pipeline/config";
import { exportIdOf, pointerKey } from "../../lib/pipeline/layout";
import {
  exportStateMachine,
  restoreDrillStateMachine,
  type PipelineConfig,
  type StateMachineRefs,
} from "../../lib/pipeline/state-machine";
import type { ExportPointer, ExportResult } from "../../lib/pipeline/types";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { runStateMachine } from "./support/asl-runner";
import { writeAwsFullExport, writeAwsIncrementalExport } from "./support/aws-fixtures";
import { createQueue, receiveAll, type TestQueue } from "./support/sqs";

const skip = announceSkip("export pipeline on moto", motoSkipReason());

const PREFIX = "prod";
const BUCKET = "prod-ddb-backups-test";
const NATIVE = "CollectionsTable";
const SCANNED = "SemaphoresTable";
const NATIVE_ITEMS = 40;
const SCANNED_ITEMS = 1500;

const arnOf = (name: PipelineFunctionName): string =>
  `arn:aws:lambda:us-east-1:123456789012:function:${PREFIX}-ddb-${name}`;
const refsFor = (config: PipelineConfig): StateMachineRefs => ({ functionArn: arnOf, config });

function collection(i: number): Item {
  return {
    name: { S: `collection-${String(i).padStart(3, "0")}` },
    version: { S: `${i % 3}.0` },
    meta: { M: { granules: { N: String(i * 7) }, tags: { SS: ["a", `t${i}`] } } },
  };
}

function semaphore(i: number): Item {
  return {
    key: { S: `sem-${String(i).padStart(5, "0")}` },
    semvalue: { N: String(i % 11) },
    blob: { B: new Uint8Array([i % 256, 0, 255, (i * 7) % 256]) },
    list: { L: [{ S: "x" }, { N: "1.5" }, { BOOL: i % 2 === 0 }, { NULL: true }] },
    ns: { NS: ["1", "2", String(i + 3)] },
    ünï: { S: "çödé ✓" },
  };
}

async function waitTable(dynamo: DynamoDBClient, name: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const d = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    if (d.Table?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function scanAll(dynamo: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  const out: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
}

describe.skipIf(skip)("export pipeline (handlers + state machines) on moto", () => {
  let moto: Moto;
  let dynamo: DynamoDBClient;
  let s3: S3Client;
  let queue: TestQueue;
  let config: PipelineConfig;
  let metrics: Record<string, unknown>[];
  const savedEnv = { ...process.env };
  /** What to do when a native export is reported COMPLETED: write AWS's files for it. */
  let onNativeExportCompleted: (
    job: { table: string; tableArn: string; exportType: string },
    result: ExportResult,
  ) => Promise<void>;

  const handlers: Record<PipelineFunctionName, (payload: never, context?: never) => Promise<unknown>> = {
    "plan-exports": planExports as never,
    "native-export": nativeExport as never,
    "scan-export": scanExport as never,
    "verify-export": verifyExport as never,
    "restore-drill": restoreDrill as never,
    notify: notify as never,
  };
  /** A Lambda context with almost no time left: resumable steps do one unit of work per call, so the loops run. */
  const shortContext = { getRemainingTimeInMillis: () => 1 };

  async function invoke(functionArn: string, payload: unknown): Promise<unknown> {
    const name = PIPELINE_FUNCTION_NAMES.find((n) => functionArn === arnOf(n));
    if (name === undefined) throw new Error(`no function ${functionArn}`);
    const result = await handlers[name](payload as never, shortContext as never);
    const p = payload as { action?: string; job?: { table: string; tableArn: string; exportType: string } };
    if (name === "native-export" && p.action === "poll" && (result as ExportResult).status === "COMPLETED") {
      await onNativeExportCompleted(p.job!, result as ExportResult);
    }
    return result;
  }

  const run = (definition: Record<string, unknown>, input: unknown, executionName: string) =>
    runStateMachine(definition, {
      invoke,
      input,
      executionName,
      onWait: () => new Promise((r) => setTimeout(r, 100)),
    });

  async function readJson<T>(key: string): Promise<T> {
    const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return JSON.parse(await res.Body!.transformToString()) as T;
  }

  async function writeNativeFixture(job: { table: string; tableArn: string }, result: ExportResult): Promise<string[]> {
    const items = await scanAll(dynamo, `${PREFIX}-${job.table}`);
    const fixture = await writeAwsFullExport({
      s3,
      bucket: BUCKET,
      s3Prefix: `exports/${job.table}`,
      exportId: exportIdOf(result.exportArn!),
      tableArn: job.tableArn,
      items,
      exportTime: new Date(),
      filesOf: 5,
    });
    expect(fixture.dir).toBe(result.exportDir);
    return fixture.dataKeys;
  }

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    resetClients();
    resetSnsClient();
    dynamo = new DynamoDBClient({ endpoint: moto.endpoint });
    s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

    await dynamo.send(
      new CreateTableCommand({
        TableName: `${PREFIX}-${NATIVE}`,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "name", AttributeType: "S" },
          { AttributeName: "version", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "name", KeyType: "HASH" },
          { AttributeName: "version", KeyType: "RANGE" },
        ],
      }),
    );
    await dynamo.send(
      new CreateTableCommand({
        TableName: `${PREFIX}-${SCANNED}`,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "key", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "key", KeyType: "HASH" }],
      }),
    );
    await waitTable(dynamo, `${PREFIX}-${NATIVE}`);
    await waitTable(dynamo, `${PREFIX}-${SCANNED}`);
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: `${PREFIX}-${NATIVE}`,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    for (let i = 0; i < NATIVE_ITEMS; i++) {
      await dynamo.send(new PutItemCommand({ TableName: `${PREFIX}-${NATIVE}`, Item: collection(i) }));
    }
    for (let i = 0; i < SCANNED_ITEMS; i++) {
      await dynamo.send(new PutItemCommand({ TableName: `${PREFIX}-${SCANNED}`, Item: semaphore(i) }));
    }
    const describe = async (name: string) =>
      (await dynamo.send(new DescribeTableCommand({ TableName: `${PREFIX}-${name}` }))).Table!.TableArn!;
    config = {
      tables: [
        { table: NATIVE, tableName: `${PREFIX}-${NATIVE}`, tableArn: await describe(NATIVE), pitr: true },
        { table: SCANNED, tableName: `${PREFIX}-${SCANNED}`, tableArn: await describe(SCANNED), pitr: false },
      ],
    };

    const sns = new SNSClient({ endpoint: moto.endpoint });
    const topic = await sns.send(new CreateTopicCommand({ Name: `${PREFIX}-dynamo-backup-failed` }));
    queue = await createQueue(moto.endpoint, "oncall");
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: "sqs", Endpoint: queue.arn }));

    Object.assign(process.env, {
      DEPLOYMENT: PREFIX,
      BACKUP_BUCKET: BUCKET,
      BACKUP_KMS_KEY_ARN: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000",
      SCAN_SEGMENTS: "3",
      DRILL_TABLE_PREFIX: `${PREFIX}-drill-`,
      DRILL_SAMPLE_SIZE: "25",
      ALARM_TOPIC_ARN: topic.TopicArn,
      LOG_LEVEL: process.env.PIPELINE_TEST_LOG_LEVEL ?? "ERROR",
    });
  }, 180_000);

  afterAll(async () => {
    process.env = savedEnv;
    resetClients();
    resetSnsClient();
    await moto?.stop();
  });

  beforeEach((ctx) => {
    metrics = [];
    /** The handlers' JSON log and metric lines: expected, so kept out of the output — and printed if the test fails. */
    const held: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
      const lines = text.split("\n").filter((l) => l !== "");
      for (const line of lines) {
        if (line.startsWith('{"_aws"')) metrics.push(JSON.parse(line) as Record<string, unknown>);
      }
      if (lines.length > 0 && lines.every((l) => l.startsWith("{"))) {
        held.push(...lines);
        return true;
      }
      return write(chunk as string, ...(rest as []));
    });
    ctx.onTestFailed(() => {
      write(`Lambda logs of the failed test:\n${held.join("\n")}\n`);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const metricFor = (table: string, name: string): unknown =>
    metrics.find((m) => m.Table === table && name in m)?.[name];

  it("a full run exports both tables (native and parallel scan), verifies them, moves the pointers and emits metrics", async () => {
    onNativeExportCompleted = async (job, result) => {
      await writeNativeFixture(job, result);
    };
    const res = await run(exportStateMachine(refsFor(config)), { mode: "FULL" }, "full-1");
    expect(res.error ?? "").toBe("");
    expect(res.status).toBe("SUCCEEDED");
    const results = (res.output as { results: { table: string; status: string; report: string }[] }).results;
    expect(results.map((r) => [r.table, r.status])).toEqual([
      [NATIVE, "VERIFIED"],
      [SCANNED, "VERIFIED"],
    ]);
    // One Map iteration per scan segment; the verify step looped (one batch of files per call with no time left).
    expect(res.history.filter((s) => s === "ScanSegment")).toHaveLength(3);
    expect(res.history.filter((s) => s === "Verify").length).toBeGreaterThan(2);

    for (const r of results) {
      const report = await readJson<{ status: string; problemCount: number; summaryItemCount: number }>(r.report);
      expect(report).toMatchObject({ status: "PASSED", problemCount: 0 });
      const pointer = await readJson<ExportPointer>(pointerKey(r.table, "latest-verified-full"));
      expect(pointer).toMatchObject({ table: r.table, exportType: "FULL_EXPORT", reportKey: r.report });
      expect(await readJson<ExportPointer>(pointerKey(r.table, "latest-verified"))).toEqual(pointer);
    }
    expect(metricFor(NATIVE, "VerifiedExports")).toBe(1);
    expect(metricFor(NATIVE, "ExportedItems")).toBe(NATIVE_ITEMS);
    expect(metricFor(SCANNED, "ExportedItems")).toBe(SCANNED_ITEMS);
    expect(metricFor(SCANNED, "ExportedBytes")).toBeGreaterThan(1000);
    expect(metricFor(SCANNED, "ExportAgeSeconds")).toBeGreaterThanOrEqual(0);
    expect(metrics[0]?._aws).toMatchObject({
      CloudWatchMetrics: [{ Namespace: "DynamoDataSafe/ExportPipeline", Dimensions: [["Deployment", "Table"]] }],
    });

    // The scan export is a complete export in the shared format, item for item the table's content.
    const pointer = await readJson<ExportPointer>(pointerKey(SCANNED, "latest-verified-full"));
    const exp = await openExport(`s3://${BUCKET}/${pointer.exportDir}`, { s3 });
    expect(exp.schema?.table.KeySchema).toEqual([{ AttributeName: "key", KeyType: "HASH" }]);
    const exported: string[] = [];
    for (const entry of exp.files)
      for await (const batch of readExportItems(exp, entry)) exported.push(...batch.map(canonicalItem));
    const live = (await scanAll(dynamo, `${PREFIX}-${SCANNED}`)).map(canonicalItem);
    expect(exported.sort()).toEqual(live.sort());
  });

  it("a tampered data file fails verification, writes a FAILED report and publishes what to do to SNS", async () => {
    await receiveAll(moto.endpoint, queue); // drain
    let tampered = "";
    onNativeExportCompleted = async (job, result) => {
      const keys = await writeNativeFixture(job, result);
      tampered = keys[keys.length - 1]!; // checked in a later invocation than the first: found after a resume
      const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: tampered }));
      const bytes = Buffer.from(await obj.Body!.transformToByteArray());
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0x01;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: tampered, Body: bytes }));
    };
    const before = await readJson<ExportPointer>(pointerKey(NATIVE, "latest-verified"));
    const res = await run(exportStateMachine(refsFor(config)), { mode: "FULL", tables: [NATIVE] }, "full-tampered");

    expect(res.status).toBe("FAILED");
    expect(res.error).toBe("ExportFailed");
    expect(res.history).toContain("NotifyFailure");
    expect(res.history.filter((s) => s === "Verify").length).toBeGreaterThan(1);
    // The pointer still names the last good export.
    expect(await readJson<ExportPointer>(pointerKey(NATIVE, "latest-verified"))).toEqual(before);
    expect(metricFor(NATIVE, "VerificationFailures")).toBe(1);

    const messages = await receiveAll(moto.endpoint, queue);
    expect(messages).toHaveLength(1);
    const sns = messages[0] as { Subject: string; Message: string; TopicArn: string };
    expect(sns.TopicArn).toBe(process.env.ALARM_TOPIC_ARN);
    expect(sns.Subject).toBe(`[${PREFIX}] DynamoDB export/verify FAILED: ${NATIVE} (ExportVerificationFailed)`);
    expect(sns.Message).toContain(`Error: ExportVerificationFailed`);
    expect(sns.Message).toContain(`s3://${BUCKET}/${tampered}: md5 is`);
    expect(sns.Message).toContain("Do NOT restore from this export");
    expect(sns.Message).toContain("Execution: arn:aws:states:us-east-1:123456789012:execution:test:full-tampered");

    const dir = tampered.slice(0, tampered.indexOf("/data/"));
    const report = await readJson<{ status: string; problems: string[] }>(`${dir}/verification-report.json`);
    expect(report.status).toBe("FAILED");
    // The flipped byte breaks the gzip stream too: the md5, the item count and the broken gzip are reported, each
    // naming the file.
    expect(report.problems).toEqual([
      expect.stringMatching(new RegExp(`^s3://${BUCKET}/${tampered}: md5 is .* but manifest-files.json says `)),
      `s3://${BUCKET}/${tampered}: holds 0 items but manifest-files.json says 5`,
      expect.stringMatching(
        new RegExp(`^s3://${BUCKET}/${tampered}: not a complete gzip file \\(.*\\); it is truncated or damaged$`),
      ),
    ]);
  });

  it("an incremental run exports the PITR table since its last verified export, in AWS's incremental layout", async () => {
    // Pretend the last verified export is two hours old, so the window is within 15 minutes-24 hours.
    const old = await readJson<ExportPointer>(pointerKey(NATIVE, "latest-verified"));
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: pointerKey(NATIVE, "latest-verified"),
        Body: JSON.stringify({ ...old, dataTime: twoHoursAgo }),
      }),
    );
    let window: { from: string; to: string } | undefined;
    onNativeExportCompleted = async (job, result) => {
      expect(job.exportType).toBe("INCREMENTAL_EXPORT");
      const j = job as unknown as { exportFromTime: string; exportToTime: string };
      window = { from: j.exportFromTime, to: j.exportToTime };
      await writeAwsIncrementalExport({
        s3,
        bucket: BUCKET,
        s3Prefix: `exports/${job.table}`,
        exportId: exportIdOf(result.exportArn!),
        tableArn: job.tableArn,
        from: new Date(j.exportFromTime),
        to: new Date(j.exportToTime),
        filesOf: 2,
        changes: [
          {
            keys: { name: { S: "collection-001" }, version: { S: "1.0" } },
            newImage: collection(1),
            oldImage: collection(1),
          },
          { keys: { name: { S: "collection-999" }, version: { S: "0.0" } }, newImage: collection(999) },
          { keys: { name: { S: "collection-002" }, version: { S: "2.0" } }, oldImage: collection(2) },
        ],
      });
    };
    const res = await run(exportStateMachine(refsFor(config)), { mode: "INCREMENTAL" }, "incremental-1");
    expect(res.error ?? "").toBe("");
    expect(res.status).toBe("SUCCEEDED");
    const results = (res.output as { results: { table: string; status: string; reason?: string }[] }).results;
    expect(results).toEqual([
      expect.objectContaining({ table: NATIVE, status: "VERIFIED" }),
      {
        table: SCANNED,
        status: "SKIPPED",
        reason:
          "no point-in-time recovery: incremental exports need PITR; this table is exported by scan on the full schedule",
      },
    ]);
    expect(window?.from).toBe(twoHoursAgo);
    const latest = await readJson<ExportPointer>(pointerKey(NATIVE, "latest-verified"));
    expect(latest).toMatchObject({ exportType: "INCREMENTAL_EXPORT", dataTime: window?.to, itemCount: 3 });
    // The restore drill keeps using the last full export.
    expect((await readJson<ExportPointer>(pointerKey(NATIVE, "latest-verified-full"))).exportType).toBe("FULL_EXPORT");
  });

  it("restore drills import the latest verified full exports into scratch tables, compare, report and clean up", async () => {
    const res = await run(restoreDrillStateMachine(refsFor(config)), {}, "drill-1");
    expect(res.error ?? "").toBe("");
    expect(res.status).toBe("SUCCEEDED");
    const results = (res.output as { results: { table: string; status: string; report: string }[] }).results;
    expect(results.map((r) => [r.table, r.status])).toEqual([
      [NATIVE, "PASSED"],
      [SCANNED, "PASSED"],
    ]);
    for (const r of results) {
      const report = await readJson<{
        status: string;
        restoreSeconds: number;
        expectedItemCount: number;
        importedItemCount: number;
        sampleSize: number;
        sampleMismatches: string[];
      }>(r.report);
      expect(report.status).toBe("PASSED");
      expect(report.importedItemCount).toBe(report.expectedItemCount);
      expect(report.sampleSize).toBe(25);
      expect(report.sampleMismatches).toEqual([]);
      expect(report.restoreSeconds).toBeGreaterThanOrEqual(0);
      expect(metricFor(r.table, "RestoreDrillSuccess")).toBe(1);
      expect(metricFor(r.table, "RestoreDrillSeconds")).toBe(report.restoreSeconds);
    }
    const tables = (await dynamo.send(new ListTablesCommand({}))).TableNames ?? [];
    expect(tables.filter((t) => t.startsWith(`${PREFIX}-drill-`))).toEqual([]);
  });

  it("a drill whose restored table does not match the export fails, deletes the scratch table and notifies", async () => {
    await receiveAll(moto.endpoint, queue);
    const key = pointerKey(SCANNED, "latest-verified-full");
    const pointer = await readJson<ExportPointer>(key);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: JSON.stringify({ ...pointer, itemCount: pointer.itemCount + 5 }),
      }),
    );
    try {
      const res = await run(restoreDrillStateMachine(refsFor(config)), { tables: [SCANNED] }, "drill-mismatch");
      expect(res.status).toBe("FAILED");
      expect(res.error).toBe("RestoreDrillFailed");
      expect(res.history).toEqual(expect.arrayContaining(["Compare", "CleanUpAfterFailure", "NotifyFailure"]));
      const messages = (await receiveAll(moto.endpoint, queue)) as { Subject: string; Message: string }[];
      expect(messages.map((m) => m.Subject)).toEqual([
        `[${PREFIX}] DynamoDB restore drill FAILED: ${SCANNED} (RestoreDrillMismatch)`,
      ]);
      expect(messages[0]?.Message).toContain(
        `the scratch table got ${SCANNED_ITEMS} items but the export's manifest says ${SCANNED_ITEMS + 5}`,
      );
      expect(metricFor(SCANNED, "RestoreDrillSuccess")).toBe(0);
      const tables = (await dynamo.send(new ListTablesCommand({}))).TableNames ?? [];
      expect(tables.filter((t) => t.startsWith(`${PREFIX}-drill-`))).toEqual([]);
    } finally {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(pointer) }));
    }
  });

  it("rejects a hand-started execution naming a table the pipeline does not export, and says so on SNS", async () => {
    await receiveAll(moto.endpoint, queue);
    const res = await run(exportStateMachine(refsFor(config)), { mode: "FULL", tables: ["NoSuchTable"] }, "bad-input");
    expect(res.status).toBe("FAILED");
    expect(res.error).toBe("PlanFailed");
    expect(res.history).toEqual(["Configure", "Plan", "NotifyPlanFailure", "PlanFailed"]);
    const messages = (await receiveAll(moto.endpoint, queue)) as { Subject: string; Message: string }[];
    expect(messages).toHaveLength(1);
    expect(messages[0]?.Subject).toBe(`[${PREFIX}] DynamoDB export/verify FAILED: (all tables) (InvalidPipelineInput)`);
    expect(messages[0]?.Message).toContain(
      `Details: execution input "tables" names NoSuchTable, which this pipeline does not export. Exported tables: ${NATIVE}, ${SCANNED}.`,
    );
  });
});
