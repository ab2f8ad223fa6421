/**
 * Attribute names and key values that are also names on Object.prototype ("__proto__", "constructor", "toString",
 * "hasOwnProperty", "valueOf") go through backup → verify → restore → verify --table like any other name.
 *
 * What can go wrong: an object built by plain assignment loses "__proto__" (the write changes the prototype instead);
 * a lookup `obj[name]` finds inherited members ("constructor" is always "there"); and the AWS SDK's JSON
 * deserializer (@smithy/core 3.41) turns a top-level attribute named "__proto__" into `undefined` — in Items and in
 * LastEvaluatedKey — so nothing that must be lossless may read items or keys through SDK objects. Tables are read
 * back here from the raw response bytes (snapshot), so a lost attribute cannot hide.
 *
 * dynalite silently drops attributes named "__proto__" when it stores an item, so it runs the other names and the key
 * values; DynamoDB Local (AWS's emulator) runs "__proto__" at the top level and inside maps, and a table whose key
 * attributes are named "__proto__" and "constructor" (backed up page by page, so every page's LastEvaluatedKey goes
 * back in as ExclusiveStartKey).
 */
import { BatchWriteItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../../lib/aws";
import { decodeWireItem, parseLocation, type Item } from "../../lib/export-format";
import { backupTable } from "../../lib/table-io/backup";
import { wireEntry } from "../../lib/table-io/restore";
import { wireKeyString } from "../../lib/table-io/wire";
import { startDynalite, startDynamoDbLocal, type DynamoServer } from "../support/dynamo-local";
import { announceSkip, javaSkipReason } from "../support/tools";
import { client, createTable, dr, snapshot, seed, simpleTable, useEndpoint } from "./helpers";

const NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"] as const;
/** What dynalite can store as attribute names. */
const DYNALITE_NAMES = NAMES.filter((n) => n !== "__proto__");

/** Items from DynamoDB JSON text: JSON.parse and the codec make every name an own property, "__proto__" included. */
function items(json: string): Item[] {
  return (JSON.parse(json) as Record<string, unknown>[]).map((w, i) => decodeWireItem(w, `test item ${i}`));
}

/** One item per key value in NAMES (plus "plain"), each with every name as a top-level attribute and inside maps and lists. */
function itemsJson(names: readonly string[]): string[] {
  const attrs = names.map((n, i) => `"${n}":{"S":"value of ${n} ${i}"}`).join(",");
  const nested = names.map((n) => `"${n}":{"N":"${n.length}"}`).join(",");
  return [
    ...NAMES.map((k) => `{"pk":{"S":"${k}"},${attrs},"m":{"M":{${nested}}},"l":{"L":[{"M":{${nested}}}]}}`),
    `{"pk":{"S":"plain"},"${names[0]}":{"M":{"toString":{"BOOL":true}}},"n":{"SS":["__proto__","constructor"]}}`,
  ];
}

/** Puts items with raw DynamoDB JSON (the SDK serializes own "__proto__" correctly; it is reading that loses it). */
async function put(c: DynamoDBClient, table: string, json: readonly string[]): Promise<void> {
  await c.send(
    new BatchWriteItemCommand({
      RequestItems: { [table]: items(`[${json.join(",")}]`).map((Item) => ({ PutRequest: { Item } })) },
    }),
  );
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "proto-names-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** backup → verify → restore --create-table → verify --table, all through the CLI; returns the backup folder. */
async function roundTrip(
  ddb: DynamoDBClient,
  source: string,
  target: string,
  keyNames: readonly string[],
  backupFlags: string[] = [],
): Promise<string> {
  const out = join(dir, source);
  const b = await dr(["backup", "--table", source, "--out", out, "--segments", "2", "--quiet", ...backupFlags]);
  expect(b.code, b.stderr).toBe(0);
  const v = await dr(["verify", out, "--quiet"]);
  expect(v.code, v.stderr).toBe(0);
  const r = await dr(["restore-files", out, "--table", target, "--create-table", "--quiet"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  expect(await snapshot(ddb, target, keyNames)).toEqual(await snapshot(ddb, source, keyNames));
  const vt = await dr(["verify", out, "--table", target, "--quiet"]);
  expect(vt.code, vt.stderr).toBe(0);
  return out;
}

/** The common test: round trip, then a change to the first name's attribute (in two items) must show in verify --table. */
async function namesRoundTrip(ddb: DynamoDBClient, names: readonly string[], prefix: string): Promise<void> {
  const source = `${prefix}-src`;
  const target = `${prefix}-dst`;
  const json = itemsJson(names);
  await createTable(ddb, simpleTable(source));
  await seed(ddb, source, items(`[${json.join(",")}]`));
  const stored = await snapshot(ddb, source);
  // The test means something only if the server really holds every name.
  expect(stored).toHaveLength(NAMES.length + 1);
  for (const s of stored.filter((x) => !x.includes('"pk":{"S":"plain"}'))) {
    for (const n of names) {
      expect(s).toContain(`"${n}":{"S":"value of ${n}`);
      expect(s).toContain(`"${n}":{"N":"${n.length}"}`);
    }
  }
  expect(stored.find((s) => s.includes('"pk":{"S":"plain"}'))).toContain(
    `"${names[0]}":{"M":{"toString":{"BOOL":true}}}`,
  );

  const out = await roundTrip(ddb, source, target, ["pk"]);

  // Change only the first name's attribute, in the item whose key value is "__proto__" and in "plain".
  const first = names[0] as string;
  await put(ddb, target, [
    (json[0] as string).replace(`"value of ${first} 0"`, '"changed"'),
    (json[json.length - 1] as string).replace('"BOOL":true', '"BOOL":false'),
  ]);
  const res = await dr(["verify", out, "--table", target]);
  expect(res.code, res.stderr).toBe(6);
  expect(res.stderr).toContain("2 key(s) whose items are DIFFERENT:");
  expect(res.stderr).toContain('  {"pk":{"S":"__proto__"}}');
  expect(res.stderr).toContain('  {"pk":{"S":"plain"}}');
  expect(res.stderr).not.toMatch(/MISSING|EXTRA/);
}

describe("key strings of wire items", () => {
  it('find only own key attributes: a missing "constructor" or "__proto__" key is an error, not an inherited value', () => {
    const wire = JSON.parse('{"pk":{"S":"a"}}') as Record<string, unknown>;
    expect(() => wireKeyString(wire, ["constructor"])).toThrow('item has no key attribute "constructor"');
    expect(() => wireKeyString(wire, ["__proto__"])).toThrow('item has no key attribute "__proto__"');
    expect(() => wireEntry('{"Item":{"pk":{"S":"a"}}}', ["toString"], "f.json.gz line 3")).toThrow(
      'f.json.gz line 3: item has no key attribute "toString"',
    );
    const own = JSON.parse('{"__proto__":{"S":"x"},"constructor":{"N":"1"}}') as Record<string, unknown>;
    expect(wireKeyString(own, ["__proto__", "constructor"])).toBe('{"S":"x"}|{"N":"1"}|');
  });
});

describe("attribute names and key values from Object.prototype (dynalite)", () => {
  let server: DynamoServer;
  let ddb: DynamoDBClient;
  beforeAll(async () => {
    server = await startDynalite();
    useEndpoint(server.endpoint);
    ddb = client(server.endpoint);
  });
  afterAll(async () => server?.stop());

  it("come back identical, and verify --table reports a change to them by key", async () => {
    await namesRoundTrip(ddb, DYNALITE_NAMES, "names");
  });
});

const noJava = announceSkip("DynamoDB Local __proto__ test", javaSkipReason());

describe.skipIf(noJava)("attribute names and key values from Object.prototype (DynamoDB Local)", () => {
  let server: DynamoServer;
  let ddb: DynamoDBClient;
  beforeAll(async () => {
    server = await startDynamoDbLocal();
    useEndpoint(server.endpoint);
    ddb = client(server.endpoint);
  });
  afterAll(async () => server?.stop());

  it('"__proto__" and the other names come back identical, and verify --table reports a change to "__proto__"', async () => {
    await namesRoundTrip(ddb, NAMES, "proto");
  });

  it('a table keyed by attributes named "__proto__" and "constructor" backs up, restores and verifies page by page', async () => {
    await createTable(ddb, {
      TableName: "proto-key-src",
      AttributeDefinitions: [
        { AttributeName: "__proto__", AttributeType: "S" },
        { AttributeName: "constructor", AttributeType: "N" },
      ],
      KeySchema: [
        { AttributeName: "__proto__", KeyType: "HASH" },
        { AttributeName: "constructor", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    });
    const rows = Array.from(
      { length: 30 },
      (_, i) =>
        `{"__proto__":{"S":"${NAMES[i % NAMES.length]}"},"constructor":{"N":"${i}"},"toString":{"S":"row ${i}"}}`,
    );
    await seed(ddb, "proto-key-src", items(`[${rows.join(",")}]`));
    const keys = ["__proto__", "constructor"];
    expect(await snapshot(ddb, "proto-key-src", keys)).toHaveLength(30);
    // --page-size 4: every segment takes several pages, each continuing from the last one's LastEvaluatedKey.
    await roundTrip(ddb, "proto-key-src", "proto-key-dst", keys, ["--page-size", "4"]);

    // Interrupted after a checkpoint holding a scan position, then resumed from it (the position goes through
    // _checkpoint.json and back into ExclusiveStartKey).
    const out = join(dir, "proto-key-resume");
    let saves = 0;
    await expect(
      backupTable({
        client: dynamoClient(),
        tableName: "proto-key-src",
        out: parseLocation(out),
        segments: 2,
        maxFileBytes: 300,
        pageLimit: 3,
        onCheckpoint: (cp) => {
          if (Object.keys(cp.positions).length > 0 && ++saves >= 2) throw new Error("crash");
        },
      }),
    ).rejects.toThrow("crash");
    const cp = JSON.parse(readFileSync(join(out, "_checkpoint.json"), "utf8")) as {
      positions: Record<string, Record<string, unknown>>;
    };
    const position = Object.values(cp.positions)[0] ?? {};
    expect(Object.keys(position).sort()).toEqual(["__proto__", "constructor"]);
    const resumed = await dr(["backup", "--table", "proto-key-src", "--out", out, "--resume", "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json()).toMatchObject({ itemCount: 30, resumed: true });
    const r = await dr(["restore-files", out, "--table", "proto-key-resumed", "--create-table", "--quiet"], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await snapshot(ddb, "proto-key-resumed", keys)).toEqual(await snapshot(ddb, "proto-key-src", keys));
  });
});
