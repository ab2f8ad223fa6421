/**
 * Bad input to the change-capture Lambdas (functions/capture-changes.ts, functions/seal-capture.ts): one row per input,
 * each with the exact message, and proof that nothing was done — every SDK request goes to a loopback server that
 * counts them, and the count must stay 0. Adding a row is one line.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handler as capture } from "../../functions/capture-changes";
import { handler as seal } from "../../functions/seal-capture";
import { resetClients } from "../../lib/aws";

const TABLE = "prod-OrdersTable";
const ARN = `arn:aws:dynamodb:us-east-1:123456789012:table/${TABLE}/stream/2026-12-01T00:00:00.000`;
const GOOD_ENV = { BACKUP_BUCKET: "backups", CAPTURE_TABLES: JSON.stringify({ [TABLE]: "OrdersTable" }) };

function rec(over: Record<string, unknown> = {}, dynamodb: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventID: "e1",
    eventName: "INSERT",
    eventSourceARN: ARN,
    dynamodb: {
      ApproximateCreationDateTime: 1_796_000_000,
      Keys: { pk: { S: "a" } },
      NewImage: { pk: { S: "a" }, n: { N: "1" } },
      SequenceNumber: "100",
      StreamViewType: "NEW_AND_OLD_IMAGES",
      ...dynamodb,
    },
    ...over,
  };
}

interface Row {
  readonly name: string;
  readonly env?: Record<string, string | undefined>;
  readonly event: unknown;
  readonly message: string | RegExp;
}

const ENV_HINT =
  "the change-capture module sets it on the function (was the function changed by hand? re-apply the module)";
const TABLES_EXAMPLE = `e.g. {"prod-UsersTable":"UsersTable"}`;

const captureRows: Row[] = [
  {
    name: "BACKUP_BUCKET missing",
    env: { BACKUP_BUCKET: undefined },
    event: { Records: [rec()] },
    message: `environment variable BACKUP_BUCKET is not set; ${ENV_HINT}`,
  },
  {
    name: "CAPTURE_TABLES missing",
    env: { CAPTURE_TABLES: "" },
    event: { Records: [rec()] },
    message: `environment variable CAPTURE_TABLES is not set; ${ENV_HINT}`,
  },
  {
    name: "CAPTURE_TABLES not JSON",
    env: { CAPTURE_TABLES: "{prod-OrdersTable: OrdersTable}" },
    event: { Records: [rec()] },
    message:
      /^environment variable CAPTURE_TABLES is not valid JSON \(.+\): "\{prod-OrdersTable: OrdersTable\}"; expected an object of physical table name to catalog name, e\.g\. \{"prod-UsersTable":"UsersTable"\}$/,
  },
  {
    name: "CAPTURE_TABLES an array",
    env: { CAPTURE_TABLES: `["OrdersTable"]` },
    event: { Records: [rec()] },
    message: `environment variable CAPTURE_TABLES must be a JSON object of physical table name to catalog name, ${TABLES_EXAMPLE}; got "[\\"OrdersTable\\"]"`,
  },
  {
    name: "CAPTURE_TABLES empty",
    env: { CAPTURE_TABLES: "{}" },
    event: { Records: [rec()] },
    message: `environment variable CAPTURE_TABLES is {}; it must name at least one table, ${TABLES_EXAMPLE}`,
  },
  {
    name: "CAPTURE_TABLES value not a name",
    env: { CAPTURE_TABLES: JSON.stringify({ [TABLE]: 5 }) },
    event: { Records: [rec()] },
    message: `environment variable CAPTURE_TABLES: entry "${TABLE}": 5 is not allowed; both names must be DynamoDB table names (3-255 of A-Z a-z 0-9 _ . -)`,
  },
  { name: "event null", event: null, message: `event: expected a DynamoDB Streams event {"Records": [...]}, got null` },
  { name: "no Records", event: {}, message: "event.Records: expected an array of stream records, got undefined" },
  {
    name: "unknown table",
    event: { Records: [rec({ eventSourceARN: ARN.replace(TABLE, "prod-Other") })] },
    message: `event source ${ARN.replace(TABLE, "prod-Other")}: table "prod-Other" is not in CAPTURE_TABLES (captured: ${TABLE}); add it to change_capture_tables and re-apply the module, or remove the event source mapping`,
  },
  {
    name: "not a stream ARN",
    event: { Records: [rec({ eventSourceARN: "arn:aws:dynamodb:us-east-1:123456789012:table/prod-OrdersTable" })] },
    message: `Records[0].eventSourceARN: "arn:aws:dynamodb:us-east-1:123456789012:table/prod-OrdersTable" is not a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>)`,
  },
  {
    name: "eventName",
    event: { Records: [rec({ eventName: "UPSERT" })] },
    message: `Records[0] (eventID e1).eventName: "UPSERT" is not allowed; expected one of INSERT, MODIFY, REMOVE`,
  },
  {
    name: "no eventID",
    event: { Records: [rec({ eventID: "" })] },
    message: "Records[0].eventID: must be a non-empty string",
  },
  {
    name: "no SequenceNumber",
    event: { Records: [rec({}, { SequenceNumber: undefined })] },
    message: "Records[0] (eventID e1).dynamodb.SequenceNumber: undefined is not a stream sequence number (1-40 digits)",
  },
  {
    name: "bad attribute type",
    event: { Records: [rec({}, { Keys: { pk: { X: "a" } } })] },
    message: `Records[0] (eventID e1).dynamodb.Keys: attribute pk: unknown type "X"; allowed: S, N, B, SS, NS, BS, M, L, NULL, BOOL`,
  },
  {
    name: "KEYS_ONLY stream",
    event: { Records: [rec({}, { StreamViewType: "KEYS_ONLY" })] },
    message: `Records[0] (eventID e1).dynamodb.StreamViewType: is "KEYS_ONLY"; change capture needs NEW_AND_OLD_IMAGES (set the table's stream view type)`,
  },
  {
    name: "MODIFY without NewImage",
    event: { Records: [rec({ eventName: "MODIFY" }, { NewImage: undefined, OldImage: { pk: { S: "a" } } })] },
    message: "Records[0] (eventID e1).dynamodb: MODIFY record has no NewImage",
  },
  {
    name: "out of order",
    event: { Records: [rec(), rec({ eventID: "e2" }, { SequenceNumber: "99" })] },
    message:
      "Records[1] (eventID e2).dynamodb.SequenceNumber: 99 does not follow 100; a batch holds one shard's records in stream order",
  },
  {
    name: "two streams",
    event: { Records: [rec(), rec({ eventID: "e2", eventSourceARN: `${ARN}x` }, { SequenceNumber: "101" })] },
    message: `Records[1].eventSourceARN: "${ARN}x" differs from Records[0]'s "${ARN}"; one batch comes from one stream`,
  },
  {
    name: "bad shardId",
    event: { shardId: "../x", Records: [rec()] },
    message: `event.shardId: "../x" is not a shard id (letters, digits, _ . -)`,
  },
  {
    name: "time not a number",
    event: { Records: [rec({}, { ApproximateCreationDateTime: "yesterday" })] },
    message: `Records[0] (eventID e1).dynamodb: ApproximateCreationDateTime must be epoch seconds (a number), got "yesterday"`,
  },
];

const sealRows: Row[] = [
  {
    name: "seal: CAPTURE_TABLES missing",
    env: { CAPTURE_TABLES: undefined },
    event: {},
    message: `environment variable CAPTURE_TABLES is not set; ${ENV_HINT}`,
  },
  {
    name: "seal: unknown table",
    event: { tables: ["Nope"] },
    message: `seal event: tables ["Nope"] is not allowed; use names from CAPTURE_TABLES: OrdersTable`,
  },
  {
    name: "seal: bad hour",
    event: { hour: "today" },
    message: `seal event: hour "today" is not allowed; use yyyy-mm-ddThh (UTC) or an ISO time`,
  },
  {
    name: "seal: event an array",
    event: [],
    message: `seal event must be an object like {"tables":["UsersTable"]}, got []`,
  },
];

describe("bad input to the change-capture Lambdas", () => {
  let server: Server;
  let requests = 0;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_MAX_ATTEMPTS = "1";
    resetClients();
  });

  afterAll(async () => {
    for (const k of ["BACKUP_BUCKET", "CAPTURE_TABLES", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    resetClients();
    await new Promise((r) => server.close(r));
  });

  beforeEach(() => {
    requests = 0;
  });

  function setEnv(env: Record<string, string | undefined> = {}): void {
    for (const [k, v] of Object.entries({ ...GOOD_ENV, ...env })) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }

  for (const [fn, rows] of [
    [capture, captureRows],
    [seal, sealRows],
  ] as const) {
    for (const row of rows) {
      it(`${row.name}: refused with a clear message, nothing written`, async () => {
        setEnv(row.env);
        const err = await (fn as (e: unknown) => Promise<unknown>)(row.event).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(Error);
        if (typeof row.message === "string") expect((err as Error).message).toBe(row.message);
        else expect((err as Error).message).toMatch(row.message);
        expect(requests).toBe(0);
      });
    }
  }

  it("an event without records (a tumbling window's last call) is fine and touches nothing", async () => {
    setEnv();
    await expect(capture({ Records: [] })).resolves.toEqual({ batchItemFailures: [] });
    expect(requests).toBe(0);
  });

  it("a write S3 refuses reports the whole batch failed, from its first record", async () => {
    setEnv();
    await expect(capture({ Records: [rec(), rec({ eventID: "e2" }, { SequenceNumber: "101" })] })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: "100" }],
    });
    expect(requests).toBeGreaterThan(0);
  });
});
