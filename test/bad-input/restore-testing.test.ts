/**
 * Bad input to the restore-test validation Lambda (functions/validate-restore-test.ts): one row per input — its
 * environment (set by the module) and its event (AWS Backup's "Restore Job State Change") — each with the exact
 * message, and proof that nothing was done: every AWS request goes to a loopback server that counts them, and the
 * count must stay 0 (no table read, no validation result reported, no alert). Adding a row is one line.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handler } from "../../functions/validate-restore-test";
import { resetClients } from "../../lib/aws";
import { resetSnsClient } from "../../lib/pipeline/clients";
import { RESTORE_TEST_ENV } from "../../lib/restore-testing/config";

const SOURCE = "arn:aws:dynamodb:us-east-1:123456789012:table/prod-CollectionsTable";
const RESTORED = "arn:aws:dynamodb:us-east-1:123456789012:table/awsbackup-restore-test-1";
const GOOD_ENV: Record<string, string> = {
  [RESTORE_TEST_ENV.deployment]: "prod",
  [RESTORE_TEST_ENV.bucket]: "prod-ddb-backups",
  [RESTORE_TEST_ENV.tables]: JSON.stringify({ [SOURCE]: "CollectionsTable" }),
  [RESTORE_TEST_ENV.sampleSize]: "25",
  [RESTORE_TEST_ENV.alarmTopicArn]: "arn:aws:sns:us-east-1:123456789012:prod-dynamo-backup-failed",
};

function event(detail: Record<string, unknown> = {}, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: "aws.backup",
    "detail-type": "Restore Job State Change",
    detail: {
      restoreJobId: "job-1",
      status: "COMPLETED",
      resourceType: "DynamoDB",
      createdResourceArn: RESTORED,
      sourceResourceArn: SOURCE,
      restoreTestingPlanArn: "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:prod_ddb_restore_test-1",
      ...detail,
    },
    ...over,
  };
}

interface Row {
  readonly name: string;
  readonly env?: Record<string, string | undefined>;
  readonly event: unknown;
  readonly message: string;
}

const ENV_HINT = "the module sets it on the validate-restore-test function (was the function changed by hand?)";
const TABLES_ALLOWED = "expected a JSON object of table ARN → catalog name with at least one entry";
const EVENT_HINT = `The function expects the EventBridge event {"source":"aws.backup","detail-type":"Restore Job State Change","detail":{"status":"COMPLETED","resourceType":"DynamoDB","restoreJobId":…,"createdResourceArn":…,"restoreTestingPlanArn":…}}`;
const notATest = (what: string): string =>
  `not a completed AWS Backup restore test of a DynamoDB table: ${what}. ${EVENT_HINT}`;

const ROWS: readonly Row[] = [
  {
    name: "BACKUP_BUCKET missing",
    env: { BACKUP_BUCKET: undefined },
    event: event(),
    message: `environment variable BACKUP_BUCKET is not set; ${ENV_HINT}`,
  },
  {
    name: "DEPLOYMENT empty",
    env: { DEPLOYMENT: "" },
    event: event(),
    message: `environment variable DEPLOYMENT is not set; ${ENV_HINT}`,
  },
  {
    name: "ALARM_TOPIC_ARN missing",
    env: { ALARM_TOPIC_ARN: undefined },
    event: event(),
    message: `environment variable ALARM_TOPIC_ARN is not set; ${ENV_HINT}`,
  },
  {
    name: "RESTORE_TEST_TABLES not JSON",
    env: { RESTORE_TEST_TABLES: "{CollectionsTable}" },
    event: event(),
    message: `environment variable RESTORE_TEST_TABLES is "{CollectionsTable}"; ${TABLES_ALLOWED}`,
  },
  {
    name: "RESTORE_TEST_TABLES empty object",
    env: { RESTORE_TEST_TABLES: "{}" },
    event: event(),
    message: `environment variable RESTORE_TEST_TABLES is "{}"; ${TABLES_ALLOWED}`,
  },
  {
    name: "RESTORE_TEST_TABLES keyed by name, not ARN",
    env: { RESTORE_TEST_TABLES: '{"prod-CollectionsTable":"CollectionsTable"}' },
    event: event(),
    message: `environment variable RESTORE_TEST_TABLES is "{\\"prod-CollectionsTable\\":\\"CollectionsTable\\"}"; ${TABLES_ALLOWED}`,
  },
  {
    name: "RESTORE_TEST_SAMPLE_SIZE zero",
    env: { RESTORE_TEST_SAMPLE_SIZE: "0" },
    event: event(),
    message: `environment variable RESTORE_TEST_SAMPLE_SIZE is "0"; expected a whole number from 1 to 1000`,
  },
  {
    name: "RESTORE_TEST_SAMPLE_SIZE not a number",
    env: { RESTORE_TEST_SAMPLE_SIZE: "lots" },
    event: event(),
    message: `environment variable RESTORE_TEST_SAMPLE_SIZE is "lots"; expected a whole number from 1 to 1000`,
  },
  {
    name: "event not an object",
    event: "restore",
    message: notATest("event: Invalid input: expected object, received string"),
  },
  {
    name: "event from another source",
    event: event({}, { source: "aws.dynamodb" }),
    message: notATest('source: Invalid input: expected "aws.backup"'),
  },
  {
    name: "a backup job event",
    event: event({}, { "detail-type": "Backup Job State Change" }),
    message: notATest('detail-type: Invalid input: expected "Restore Job State Change"'),
  },
  {
    name: "a FAILED restore job",
    event: event({ status: "FAILED" }),
    message: notATest('detail.status: Invalid input: expected "COMPLETED"'),
  },
  {
    name: "a restore of an S3 bucket",
    event: event({ resourceType: "S3" }),
    message: notATest('detail.resourceType: Invalid input: expected "DynamoDB"'),
  },
  {
    name: "no restore job id",
    event: event({ restoreJobId: undefined }),
    message: notATest("detail.restoreJobId: Invalid input: expected string, received undefined"),
  },
  {
    name: "restored resource not a table ARN",
    event: event({ createdResourceArn: "awsbackup-restore-test-1" }),
    message: notATest("detail.createdResourceArn: must be a DynamoDB table ARN"),
  },
  {
    name: "source not a table ARN",
    event: event({ sourceResourceArn: "arn:aws:s3:::bucket" }),
    message: notATest("detail.sourceResourceArn: must be a DynamoDB table ARN"),
  },
  {
    name: "no restore testing plan (a hand-started restore)",
    event: event({ restoreTestingPlanArn: undefined }),
    message: notATest("detail.restoreTestingPlanArn: Invalid input: expected string, received undefined"),
  },
];

describe("bad input to the restore-test validation Lambda", () => {
  let server: Server;
  let requests = 0;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_MAX_ATTEMPTS = "1";
    resetClients();
    resetSnsClient();
  });

  afterAll(async () => {
    for (const k of [...Object.keys(GOOD_ENV), "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    resetClients();
    resetSnsClient();
    await new Promise((r) => server.close(r));
  });

  beforeEach(() => {
    requests = 0;
  });

  it.each(ROWS)("$name: refused with a clear message, nothing read, reported or sent", async (row) => {
    for (const [k, v] of Object.entries({ ...GOOD_ENV, ...row.env })) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const err = await handler(row.event).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(row.message);
    expect(requests).toBe(0);
  });

  it("a good event does reach AWS (the rows above would notice a request)", async () => {
    for (const [k, v] of Object.entries(GOOD_ENV)) process.env[k] = v;
    await handler(event()).catch(() => undefined);
    expect(requests).toBeGreaterThan(0);
  });
});
