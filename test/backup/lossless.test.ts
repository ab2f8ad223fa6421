/**
 * Losslessness: items of every attribute type go table → backup files → new table and come back bit-identical.
 * A fast-check property drives random items through backup → restore on dynalite; a fixed set of extreme items
 * (38-digit and extreme-exponent numbers, arbitrary bytes, 32 levels of nesting, ~400 KB items, unicode keys) runs on
 * both dynalite and DynamoDB Local (AWS's own emulator, which enforces DynamoDB's real limits).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../../lib/aws";
import { canonicalItem, openExport, parseLocation, readExportItems } from "../../lib/export-format";
import { backupTable, restoreTable } from "../../lib/table-io";
import { deeplyNested, item as itemArb } from "../export-format/arbitraries";
import { startDynalite, startDynamoDbLocal, type DynamoServer } from "../support/dynamo-local";
import { announceSkip, javaSkipReason } from "../support/tools";
import { client, createTable, snapshot, seed, simpleTable, useEndpoint, type Item } from "./helpers";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lossless-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether an attribute anywhere in the item (in maps and lists too) is named "__proto__". */
function hasProtoName(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasProtoName);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return false;
  return Object.entries(value).some(([k, v]) => k === "__proto__" || hasProtoName(v));
}

let seq = 0;
/** table → backup → restore (create-table) → both tables' canonical snapshots, plus the items read from the files. */
async function roundTrip(
  ddb: DynamoDBClient,
  items: readonly Item[],
): Promise<{ source: string[]; restored: string[]; files: string[] }> {
  const n = ++seq;
  const source = `lossless-src-${n}`;
  const target = `lossless-dst-${n}`;
  await createTable(ddb, simpleTable(source));
  await seed(ddb, source, items);
  const out = join(dir, `b${n}`);
  await backupTable({ client: dynamoClient(), tableName: source, out: parseLocation(out), segments: 3 });
  await restoreTable({ client: dynamoClient(), source: out, tableName: target, createTable: true, cwd: dir });
  const exp = await openExport(out);
  const files: string[] = [];
  for (const e of exp.files) for await (const b of readExportItems(exp, e)) files.push(...b.map(canonicalItem));
  // Read from the raw responses: SDK objects lose attributes named "__proto__" (which fast-check does generate).
  return { source: await snapshot(ddb, source), restored: await snapshot(ddb, target), files: files.sort() };
}

/** Items at DynamoDB's edges. */
function extremeItems(): Item[] {
  const allBytes = new Uint8Array(256).map((_, i) => i);
  return [
    {
      pk: { S: "numbers" },
      max38: { N: "99999999999999999999999999999999999999" },
      neg38: { N: "-0.00000000000000000000000000000000000012345678901234567890123456789012345678" },
      tiny: { N: "1E-130" },
      huge: { N: "9.9999999999999999999999999999999999999E+125" },
      ns: { NS: ["1E-130", "9.9999999999999999999999999999999999999E+125", "0", "-1"] },
    },
    {
      pk: { S: "bytes" },
      every: { B: allBytes },
      bs: { BS: [allBytes, new Uint8Array([0]), new Uint8Array([255, 0, 255])] },
    },
    // The attribute plus 31 nested containers: 32 levels, the most DynamoDB (and DynamoDB Local) accepts.
    { pk: { S: "nested" }, deep: deeplyNested(31) },
    {
      pk: { S: "ключ 🔑 鍵 \u0000 end" },
      "атрибут 🙂": { S: 'значение \u2028 \t " \\ 🙂' },
      ss: { SS: ["é", "e\u0301", "🙂"] },
    },
    { pk: { S: "null-bool" }, z: { NULL: true }, t: { BOOL: true }, f: { BOOL: false }, l: { L: [] }, m: { M: {} } },
    // ~390 KB: close to the 400 KB item limit.
    {
      pk: { S: "big" },
      blob: { B: new Uint8Array(250_000).map((_, i) => (i * 7919) & 255) },
      text: { S: "ü".repeat(60_000) },
    },
  ];
}

describe("lossless backup → restore on dynalite", () => {
  let server: DynamoServer;
  let ddb: DynamoDBClient;
  beforeAll(async () => {
    server = await startDynalite();
    useEndpoint(server.endpoint);
    ddb = client(server.endpoint);
  });
  afterAll(async () => server?.stop());

  it("property: random items of every type come back identical", async () => {
    // dynalite mishandles an attribute named "__proto__" (it refuses or drops it: "Supplied AttributeValue is empty"),
    // which fast-check's strings do produce now and then; such names run on DynamoDB Local (proto-names.test.ts, and
    // the property below). Without this filter the property failed, and its shrinking outran the test's timeout.
    const items = fc
      .uniqueArray(itemArb({ maxDepth: 4 }), { minLength: 1, maxLength: 25, selector: (i) => i.pk!.S })
      .filter((list) => !list.some(hasProtoName));
    await fc.assert(
      fc.asyncProperty(items, async (items) => {
        const r = await roundTrip(ddb, items);
        expect(r.source).toHaveLength(items.length);
        expect(r.restored).toEqual(r.source);
        expect(r.files).toEqual([...r.source].sort());
      }),
      { numRuns: 25 },
    );
  });

  it("extreme items come back identical", async () => {
    const r = await roundTrip(ddb, extremeItems());
    expect(r.source).toHaveLength(6);
    expect(r.restored).toEqual(r.source);
    expect(r.files).toEqual([...r.source].sort());
  });
});

const noJava = announceSkip("DynamoDB Local losslessness test", javaSkipReason());

describe.skipIf(noJava)("lossless backup → restore on DynamoDB Local", () => {
  let server: DynamoServer;
  let ddb: DynamoDBClient;
  beforeAll(async () => {
    server = await startDynamoDbLocal();
    useEndpoint(server.endpoint);
    ddb = client(server.endpoint);
  });
  afterAll(async () => server?.stop());

  it("extreme items (DynamoDB's real limits) come back identical", async () => {
    const r = await roundTrip(ddb, extremeItems());
    expect(r.source).toHaveLength(6);
    expect(r.restored).toEqual(r.source);
    expect(r.files).toEqual([...r.source].sort());
  });

  it("property: random items come back identical", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(itemArb({ maxDepth: 3 }), { minLength: 1, maxLength: 20, selector: (i) => i.pk!.S }),
        async (items) => {
          const r = await roundTrip(ddb, items);
          expect(r.restored).toEqual(r.source);
          expect(r.files).toEqual([...r.source].sort());
        },
      ),
      { numRuns: 8 },
    );
  });
});
