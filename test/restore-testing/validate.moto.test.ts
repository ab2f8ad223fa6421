/**
 * The validate-restore-test Lambda run in-process against moto (through the test shim, which records
 * PutRestoreValidationResult — moto 5.2.1 has no restore testing): a table restored from a verified export is
 * SUCCESSFUL; a restored table with a changed and a missing item is FAILED naming both keys and alerts the topic; a
 * table with no verified export is FAILED saying so. The export is written in AWS's layout and verified by the
 * pipeline's own verify step, which writes the pointer the validation reads.
 */
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/validate-restore-test";
import { resetClients } from "../../lib/aws";
import { decodeWireItem, type Item } from "../../lib/export-format";
import { resetSnsClient } from "../../lib/pipeline/clients";
import type { ExportJob } from "../../lib/pipeline/types";
import { verifyStep } from "../../lib/pipeline/verify";
import { RESTORE_TEST_ENV } from "../../lib/restore-testing/config";
import { VALIDATIONS_CONTROL, type RecordedValidation } from "../support/moto-shim-restore-testing";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { writeAwsFullExport } from "../pipeline/support/aws-fixtures";
import { createQueue, receiveAll, type TestQueue } from "../pipeline/support/sqs";

const skip = announceSkip("restore-test validation on moto", motoSkipReason());

const PREFIX = "rt";
const BUCKET = "rt-ddb-backups";
const TABLE = "CollectionsTable";
const UNEXPORTED = "SemaphoresTable";
const ITEMS = 30;
const PLAN_ARN = "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:rt_ddb_restore_test-1";

function collection(i: number): Record<string, AttributeValue> {
  return {
    name: { S: `MOD09GQ-${String(i).padStart(3, "0")}` },
    version: { S: "006" },
    granuleIdExtraction: { S: "(MOD09GQ\\..*)(\\.hdf|\\.cmr|_ndvi\\.jpg)" },
    files: { L: [{ M: { bucket: { S: "protected" }, regex: { S: "^MOD09GQ\\..*\\.hdf$" } } }] },
    updatedAt: { N: String(1_700_000_000_000 + i) },
  };
}

describe.skipIf(skip)("validate-restore-test on moto", () => {
  let moto: Moto;
  let dynamo: DynamoDBClient;
  let queue: TestQueue;
  const arns: Record<string, string> = {};
  const savedEnv = { ...process.env };

  async function createTable(name: string, items: Record<string, AttributeValue>[]): Promise<string> {
    const res = await dynamo.send(
      new CreateTableCommand({
        TableName: name,
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
    for (const item of items) await dynamo.send(new PutItemCommand({ TableName: name, Item: item }));
    await dynamo.send(new DescribeTableCommand({ TableName: name }));
    return res.TableDescription!.TableArn!;
  }

  /** An export of the source table in AWS's layout, verified by the pipeline (which writes the pointers). */
  async function verifiedExport(s3: S3Client): Promise<void> {
    const items: Item[] = Array.from({ length: ITEMS }, (_, i) => decodeWireItem(collection(i), `item ${i}`));
    const exportId = "01700000000000-abcd1234";
    const fixture = await writeAwsFullExport({
      s3,
      bucket: BUCKET,
      s3Prefix: `exports/${TABLE}`,
      exportId,
      tableArn: arns[TABLE]!,
      items,
      exportTime: new Date("2026-11-30T03:00:00Z"),
      filesOf: 7,
    });
    const job = {
      table: TABLE,
      tableName: `${PREFIX}-${TABLE}`,
      tableArn: arns[TABLE]!,
      method: "NATIVE",
      exportType: "FULL_EXPORT",
      bucket: BUCKET,
      s3Prefix: `exports/${TABLE}`,
      clientToken: "t",
      exportFromTime: null,
      exportToTime: null,
      exportId: null,
      exportTime: null,
      segments: [],
      totalSegments: 0,
      skipReason: null,
      reason: "test",
    } as unknown as ExportJob;
    const result = await verifyStep(
      s3,
      {
        job,
        export: {
          status: "COMPLETED",
          exportArn: `${arns[TABLE]}/export/${exportId}`,
          exportDir: fixture.dir,
          exportType: "FULL_EXPORT",
          startTime: "2026-11-30T03:00:00.000Z",
        },
      },
      { deployment: PREFIX, deadline: Date.now() + 60_000, writeMetrics: () => undefined },
    );
    expect(result).toMatchObject({ done: true, ok: true, itemCount: ITEMS });
  }

  function event(restoredArn: string, sourceArn: string, jobId: string): unknown {
    return {
      version: "0",
      source: "aws.backup",
      "detail-type": "Restore Job State Change",
      detail: {
        restoreJobId: jobId,
        status: "COMPLETED",
        resourceType: "DynamoDB",
        createdResourceArn: restoredArn,
        sourceResourceArn: sourceArn,
        restoreTestingPlanArn: PLAN_ARN,
      },
    };
  }

  async function validations(): Promise<RecordedValidation[]> {
    return (await (await fetch(`${moto.endpoint}${VALIDATIONS_CONTROL}`)).json()) as RecordedValidation[];
  }

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    resetClients();
    resetSnsClient();
    dynamo = new DynamoDBClient({ endpoint: moto.endpoint });
    const s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const source = Array.from({ length: ITEMS }, (_, i) => collection(i));
    arns[TABLE] = await createTable(`${PREFIX}-${TABLE}`, source);
    arns[UNEXPORTED] = await createTable(`${PREFIX}-${UNEXPORTED}`, source.slice(0, 3));
    await verifiedExport(s3);
    const sns = new SNSClient({ endpoint: moto.endpoint });
    const topic = await sns.send(new CreateTopicCommand({ Name: `${PREFIX}-dynamo-backup-failed` }));
    queue = await createQueue(moto.endpoint, "oncall");
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: "sqs", Endpoint: queue.arn }));
    Object.assign(process.env, {
      [RESTORE_TEST_ENV.deployment]: PREFIX,
      [RESTORE_TEST_ENV.bucket]: BUCKET,
      [RESTORE_TEST_ENV.tables]: JSON.stringify({ [arns[TABLE]!]: TABLE, [arns[UNEXPORTED]!]: UNEXPORTED }),
      // Every item is sampled: a changed item cannot escape the sample.
      [RESTORE_TEST_ENV.sampleSize]: "1000",
      [RESTORE_TEST_ENV.alarmTopicArn]: topic.TopicArn,
      LOG_LEVEL: "ERROR",
    });
  }, 180_000);

  afterAll(async () => {
    process.env = savedEnv;
    resetClients();
    resetSnsClient();
    await moto?.stop();
  });

  it("reports SUCCESSFUL for a table restored with the export's items, and sends no alert", async () => {
    const restored = await createTable(
      "awsbackup-restore-test-ok",
      Array.from({ length: ITEMS }, (_, i) => collection(i)),
    );
    const result = await handler(event(restored, arns[TABLE]!, "job-ok"));
    expect(result.status).toBe("SUCCESSFUL");
    expect(result.message).toContain(`${ITEMS} items, ${ITEMS} sampled items identical`);
    expect((await validations()).find((v) => v.restoreJobId === "job-ok")).toEqual({
      restoreJobId: "job-ok",
      status: "SUCCESSFUL",
      message: result.message,
    });
    expect(await receiveAll(moto.endpoint, queue)).toEqual([]);
  });

  it("reports FAILED naming a changed and a missing item, and alerts the topic", async () => {
    const items = Array.from({ length: ITEMS }, (_, i) => collection(i));
    items[4] = { ...items[4]!, version: { S: "006" }, updatedAt: { N: "1" } };
    const restored = await createTable("awsbackup-restore-test-bad", items);
    await dynamo.send(
      new DeleteItemCommand({
        TableName: "awsbackup-restore-test-bad",
        Key: { name: { S: "MOD09GQ-007" }, version: { S: "006" } },
      }),
    );
    const result = await handler(event(restored, arns[TABLE]!, "job-bad"));
    expect(result.status).toBe("FAILED");
    expect(result.message).toContain(`it holds ${ITEMS - 1} items, the export ${ITEMS}`);
    expect(result.message).toContain("2 of 30 sampled items differ");
    expect(result.message).toMatch(/MOD09GQ-004[^;]*differs from the export/);
    expect(result.message).toMatch(/MOD09GQ-007[^;]*missing from awsbackup-restore-test-bad/);
    const recorded = (await validations()).find((v) => v.restoreJobId === "job-bad");
    expect(recorded).toMatchObject({ status: "FAILED", message: result.message });
    const alerts = await receiveAll(moto.endpoint, queue);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as { Subject?: string; Message?: string };
    expect(alert.Subject).toBe(`[${PREFIX}] DynamoDB restore test FAILED: ${TABLE}`);
    expect(alert.Message).toContain("job-bad");
    expect(alert.Message).toContain("MOD09GQ-007");
    expect(alert.Message).toContain("What to do:");
  });

  it("reports FAILED with a clear message when the table has no verified export", async () => {
    const restored = await createTable("awsbackup-restore-test-none", [collection(1)]);
    const result = await handler(event(restored, arns[UNEXPORTED]!, "job-none"));
    expect(result.status).toBe("FAILED");
    expect(result.message).toBe(
      `no verified full export of ${PREFIX}-${UNEXPORTED} (${UNEXPORTED}) in s3://${BUCKET}/ to compare restored table awsbackup-restore-test-none with: the export pipeline has not verified a full export of it yet (s3://${BUCKET}/state/${UNEXPORTED}/latest-verified-full.json is missing)`,
    );
    expect((await validations()).find((v) => v.restoreJobId === "job-none")?.status).toBe("FAILED");
    expect(await receiveAll(moto.endpoint, queue)).toHaveLength(1);
  });
});
