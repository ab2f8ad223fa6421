/**
 * backup → verify → restore through the real `dynamo-dr` entry against dynalite (a real DynamoDB server on loopback).
 */
import { DeleteItemCommand, DescribeTableCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openExport } from "../../lib/export-format";
import { startDynalite, type DynamoServer } from "../support/dynamo-local";
import { client, createTable, dr, makeItems, seed, simpleTable, snapshot, useEndpoint } from "./helpers";

let server: DynamoServer;
let ddb: DynamoDBClient;
let dir: string;
const SOURCE = "src-Granules";

beforeAll(async () => {
  server = await startDynalite();
  useEndpoint(server.endpoint);
  ddb = client(server.endpoint);
  dir = mkdtempSync(join(tmpdir(), "backup-test-"));
  await createTable(
    ddb,
    simpleTable(SOURCE, {
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "n", AttributeType: "N" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: "by-n",
          KeySchema: [{ AttributeName: "n", KeyType: "HASH" }],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ],
    }),
  );
  await seed(ddb, SOURCE, makeItems(3000));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("dynamo-dr backup / verify / restore (dynalite)", () => {
  const out = (): string => join(dir, "b1");

  it("backs a table up into AWS's export layout, with schema.json", async () => {
    const res = await dr(["backup", "--table", SOURCE, "--out", out(), "--segments", "4", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const body = res.json<{ itemCount: number; files: number; segments: number; location: string }>();
    expect(body).toMatchObject({ itemCount: 3000, segments: 4, location: out() });
    const names = readdirSync(out()).sort();
    expect(names).toEqual(["_started", "data", "manifest-files.json", "manifest-summary.json", "schema.json"]);
    const summary = JSON.parse(readFileSync(join(out(), "manifest-summary.json"), "utf8")) as Record<string, unknown>;
    expect(summary).toMatchObject({
      itemCount: 3000,
      outputFormat: "DYNAMODB_JSON",
      exportType: "FULL_EXPORT",
      version: "2020-06-30",
    });
    const schema = JSON.parse(readFileSync(join(out(), "schema.json"), "utf8")) as { table: Record<string, unknown> };
    expect(schema.table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: "by-n",
        KeySchema: [{ AttributeName: "n", KeyType: "HASH" }],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
    ]);
    // dynalite does not implement streams; stream, LSI and TTL capture are checked on DynamoDB Local (dynamodb-local.test.ts).
    expect(res.stderr).toMatch(/backup src-Granules.*3,000 .*\d+ file\(s\) → /);
  });

  it("verifies the files, and the files against the table", async () => {
    const res = await dr(["verify", out(), "--table", SOURCE]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("every md5 and item count matches the manifest");
    expect(res.stdout).toContain(`table ${SOURCE}: all 3,000 items identical`);
  });

  it("restores with --create-table: on-demand, same GSI, bit-identical items", async () => {
    const res = await dr(["restore-files", out(), "--table", "restored-1", "--create-table", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.json()).toMatchObject({ writtenItems: 3000, expectedItems: 3000, created: true, verified: true });
    const t = (await ddb.send(new DescribeTableCommand({ TableName: "restored-1" }))).Table!;
    expect(t.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(t.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(["by-n"]);
    expect(await snapshot(ddb, "restored-1")).toEqual(await snapshot(ddb, SOURCE));
  });

  it("re-running restore into the same table asks first, and with --yes is a safe upsert", async () => {
    const refused = await dr(["restore-files", out(), "--table", "restored-1"]);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain("Table restored-1 already has items");
    const again = await dr(["restore-files", out(), "--table", "restored-1", "--yes"]);
    expect(again.code, again.stderr).toBe(0);
    expect(await snapshot(ddb, "restored-1")).toEqual(await snapshot(ddb, SOURCE));
  });

  it("--create-table refuses an existing table (exit 3) and a missing table without it is exit 4", async () => {
    const exists = await dr(["restore-files", out(), "--table", "restored-1", "--create-table"]);
    expect(exists.code).toBe(3);
    expect(exists.stderr).toContain('table "restored-1" already exists');
    const missing = await dr(["restore-files", out(), "--table", "no-such-table"]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('table "no-such-table" does not exist; create it first, or add --create-table');
  });

  it("verify --table names missing, extra and different keys (exit 6)", async () => {
    await ddb.send(new DeleteItemCommand({ TableName: "restored-1", Key: { pk: { S: "item-0000007" } } }));
    await ddb.send(new PutItemCommand({ TableName: "restored-1", Item: { pk: { S: "zz-extra" }, n: { N: "1" } } }));
    await ddb.send(
      new PutItemCommand({ TableName: "restored-1", Item: { pk: { S: "item-0000042" }, n: { N: "42.5" } } }),
    );
    const res = await dr(["verify", out(), "--table", "restored-1", "--json"]);
    expect(res.code).toBe(6);
    const msg = res.json<{ error: { message: string; kind: string } }>().error;
    expect(msg.kind).toBe("verification");
    expect(msg.message).toContain(`1 key(s) in the backup but MISSING from the table:\n  {"pk":{"S":"item-0000007"}}`);
    expect(msg.message).toContain(`1 EXTRA key(s) in the table but not in the backup:\n  {"pk":{"S":"zz-extra"}}`);
    expect(msg.message).toContain(`1 key(s) whose items are DIFFERENT:\n  {"pk":{"S":"item-0000042"}}`);
  });

  it("rolls data files at --max-file-mb and each file has its own md5", async () => {
    await createTable(ddb, simpleTable("rolling"));
    await seed(ddb, "rolling", makeItems(3000, 1000));
    const o = join(dir, "rolled");
    // One segment, ~3 MB of items in 1 MB scan pages, 1 MiB files: more than one file only if files roll.
    const args = ["backup", "--table", "rolling", "--out", o, "--segments", "1", "--max-file-mb", "1", "--quiet"];
    const res = await dr(args);
    expect(res.code, res.stderr).toBe(0);
    const exp = await openExport(o);
    expect(exp.files.length).toBeGreaterThanOrEqual(2);
    expect(new Set(exp.files.map((f) => f.md5Checksum)).size).toBe(exp.files.length);
    expect(exp.files.reduce((n, f) => n + f.itemCount, 0)).toBe(3000);
    expect((await dr(["verify", o, "--table", "rolling"])).code).toBe(0);
  });

  it("refuses bad input with exact messages and nothing written", async () => {
    const notEmpty = await dr(["backup", "--table", SOURCE, "--out", out()]);
    expect(notEmpty.code).toBe(3);
    expect(notEmpty.stderr).toMatch(/is not empty .*choose a new, empty location for the backup/);
    const noTable = await dr(["backup", "--table", "nope-table", "--out", join(dir, "x")]);
    expect(noTable.code).toBe(4);
    expect(noTable.stderr).toContain('table "nope-table" does not exist');
    const badSegments = await dr(["backup", "--table", SOURCE, "--segments", "0"]);
    expect(badSegments.code).toBe(2);
    expect(badSegments.stderr).toContain('--segments: "0" is not allowed; use a whole number from 1 to 1000000');
    const badRate = await dr(["restore-files", out(), "--table", "t-x", "--write-rate", "fast"]);
    expect(badRate.stderr).toContain('--write-rate: "fast" is not allowed; use a positive number of items per second');
    const badName = await dr(["backup", "--table", "a"]);
    expect(badName.stderr).toContain(
      '--table: "a" is not a legal DynamoDB table name: it must be 3-255 characters long (it is 1).',
    );
    const noSource = await dr(["restore-files", "--table", "t-x"]);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toContain("<source> is required");
    const badPage = await dr(["backup", "--table", SOURCE, "--page-size", "0"]);
    expect(badPage.stderr).toContain('--page-size: "0" is not allowed; use a whole number from 1 to 100000');
    const resumeNoOut = await dr(["backup", "--table", SOURCE, "--resume"]);
    expect(resumeNoOut.stderr).toContain("--resume needs --out");
  });
});
