/**
 * The contract lib/table-io/wire.ts relies on inside the AWS SDK, checked so that an SDK update that changes it fails
 * here — loudly — instead of making backups silently slower (the fallback through SDK objects) or wrong:
 *
 * 1. Every @aws-sdk/* package is pinned exactly, and what is installed is what is pinned.
 * 2. The middleware sits where it must: the raw-response middlewares run inside the SDK's `deserializerMiddleware`
 *    (they see the HTTP response first), and BatchWriteItem's body rewrite runs after `serializerMiddleware` and
 *    before `contentLengthMiddleware` (so the length is computed for the body actually sent).
 * 3. Against a real server (dynalite): for Scan, BatchWriteItem and GetItem the raw path is taken — the output the SDK
 *    deserialized holds no Items / UnprocessedItems / Item (it never converted one), while the wire functions return them.
 * 4. The bytes round-trip: binary with every byte value, Unicode (incl. U+2028 and astral), big numbers, sets, nested
 *    maps and lists, NULL and BOOL come back exactly as written.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type ServiceOutputTypes,
} from "@aws-sdk/client-dynamodb";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PROJECT_ROOT } from "../../lib/project-config";
import { batchWriteWire, getItemWire, scanWire } from "../../lib/table-io/wire";
import { startDynalite, type DynamoServer } from "../support/dynamo-local";

const TABLE = "wire-contract";

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as Manifest;
const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string }>;
};
const sdkPins = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }).filter(([name]) =>
  name.startsWith("@aws-sdk/"),
);

describe("the SDK is pinned exactly", () => {
  it.each(sdkPins)("%s is pinned to the locked and installed version", (name, range) => {
    expect(range, `${name} must be an exact version, not a range`).toMatch(/^\d+\.\d+\.\d+$/);
    expect(lock.packages[`node_modules/${name}`]?.version, `${name} in package-lock.json`).toBe(range);
    const installed = JSON.parse(readFileSync(join(PROJECT_ROOT, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    };
    expect(installed.version, `${name} in node_modules`).toBe(range);
  });

  it("covers the clients the wire path uses", () => {
    expect(sdkPins.map(([n]) => n)).toContain("@aws-sdk/client-dynamodb");
  });
});

// Items as DynamoDB's wire JSON, written by batchWriteWire and read back by scanWire / getItemWire.
const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("base64");
const WIRE_ITEMS: Record<string, unknown>[] = [
  {
    pk: { S: "bytes" },
    b: { B: allBytes },
    bs: { BS: [Buffer.from([0]).toString("base64"), Buffer.from([255, 254]).toString("base64")] },
  },
  {
    pk: { S: 'text-é-😀-\u2028-\u0000-"quoted"-\\back' },
    s: { S: "line\nbreak\ttab ünïcödé 𝄞" },
    ss: { SS: ["a", "😀"] },
  },
  {
    pk: { S: "numbers" },
    big: { N: "12345678901234567890123456789012345678" },
    small: { N: "-0.000000000000000000000000000000000001" },
    ns: { NS: ["1", "99999999999999999999999999999999999999"] },
  },
  {
    pk: { S: "nested" },
    m: { M: { l: { L: [{ NULL: true }, { BOOL: false }, { M: { deep: { S: "x" } } }] }, n: { N: "7" } } },
    t: { BOOL: true },
  },
];
const bySortedKey = (items: Record<string, unknown>[]): Record<string, unknown>[] =>
  [...items].sort((a, b) => JSON.stringify(a.pk).localeCompare(JSON.stringify(b.pk)));

describe("the wire middleware against dynalite", () => {
  let server: DynamoServer;
  let client: DynamoDBClient;
  /** What the SDK's deserializer produced, per operation, for every call the client made. */
  const outputs: { operation: string; output: ServiceOutputTypes }[] = [];

  beforeAll(async () => {
    server = await startDynalite();
    client = new DynamoDBClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      maxAttempts: 2,
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        outputs.push({ operation: String(context.commandName), output: result.output as ServiceOutputTypes });
        return result;
      },
      { step: "initialize", name: "contractOutputSpy" },
    );
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    for (let i = 0; i < 100; i++) {
      const t = await client.send(new DescribeTableCommand({ TableName: TABLE }));
      if (t.Table?.TableStatus === "ACTIVE") break;
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  /** Runs `fn` with the SDK's stack listing on: the resolved middleware names, in order, of each call. */
  async function stacksOf(fn: () => Promise<unknown>): Promise<string[][]> {
    const lists: string[][] = [];
    const log = vi.spyOn(console, "log").mockImplementation((value: unknown) => {
      if (Array.isArray(value)) lists.push(value.map(String));
    });
    client.middlewareStack.identifyOnResolve(true);
    try {
      await fn();
    } finally {
      client.middlewareStack.identifyOnResolve(false);
      log.mockRestore();
    }
    return lists;
  }

  const before = (stack: string[], outer: string, inner: string): void => {
    const i = stack.indexOf(outer);
    const j = stack.indexOf(inner);
    expect(i, `${outer} in ${JSON.stringify(stack)}`).toBeGreaterThanOrEqual(0);
    expect(j, `${inner} in ${JSON.stringify(stack)}`).toBeGreaterThan(i);
  };

  it("BatchWriteItem: the body is rewritten between the serializer and the content length; nothing deserialized", async () => {
    outputs.length = 0;
    const [stack] = await stacksOf(async () => {
      const unprocessed = await batchWriteWire(
        client,
        TABLE,
        WIRE_ITEMS.map((i) => JSON.stringify(i)),
      );
      expect(unprocessed).toEqual([]);
    });
    before(stack ?? [], "serializerMiddleware - serialize", "wireRequestBodyMiddleware - serialize");
    before(stack ?? [], "wireRequestBodyMiddleware - serialize", "contentLengthMiddleware - build");
    before(stack ?? [], "deserializerMiddleware - deserialize", "wireUnprocessedItemsMiddleware - deserialize");
    expect(outputs.map((o) => o.operation)).toEqual(["BatchWriteItemCommand"]);
    expect(outputs[0]?.output).not.toHaveProperty("UnprocessedItems");
  });

  it("Scan: the items bypass the SDK's deserializer and round-trip byte for byte", async () => {
    outputs.length = 0;
    let page: Awaited<ReturnType<typeof scanWire>> | undefined;
    const [stack] = await stacksOf(async () => {
      page = await scanWire(client, { TableName: TABLE });
    });
    before(stack ?? [], "deserializerMiddleware - deserialize", "wireItemsMiddleware - deserialize");
    expect(outputs).toHaveLength(1);
    const sdkOutput = outputs[0]?.output as { Items?: unknown; Count?: number };
    expect(sdkOutput.Items, "the SDK deserialized the Items: the raw path was not taken").toBeUndefined();
    expect(sdkOutput.Count).toBe(WIRE_ITEMS.length);
    expect(bySortedKey(page?.items ?? [])).toEqual(bySortedKey(WIRE_ITEMS));
    expect(page?.lastEvaluatedKey).toBeUndefined();
  });

  it("Scan as export lines: every line is the stored item, byte for byte", async () => {
    outputs.length = 0;
    const page = await scanWire(client, { TableName: TABLE }, { asLines: true });
    // The split leaves an empty Items array in the body it hands on: the SDK converts no item.
    expect((outputs[0]?.output as { Items?: unknown[] }).Items ?? [], "the SDK deserialized the Items").toEqual([]);
    const lines = page.lines
      .toString("utf8")
      .split("\n")
      .filter((l) => l !== "");
    expect(lines).toHaveLength(WIRE_ITEMS.length);
    const items = lines.map((l) => (JSON.parse(l) as { Item: Record<string, unknown> }).Item);
    expect(bySortedKey(items)).toEqual(bySortedKey(WIRE_ITEMS));
    const bytes = items.find((i) => (i.pk as { S: string }).S === "bytes");
    expect((bytes?.b as { B: string }).B).toBe(allBytes);
  });

  it("Paged Scan: LastEvaluatedKey is taken from the raw body, and paging covers every item once", async () => {
    const seen: Record<string, unknown>[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await scanWire(client, {
        TableName: TABLE,
        Limit: 1,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      });
      seen.push(...page.items);
      start = page.lastEvaluatedKey as Record<string, never> | undefined;
    } while (start !== undefined);
    expect(bySortedKey(seen)).toEqual(bySortedKey(WIRE_ITEMS));
  });

  it("GetItem: the item bypasses the SDK's deserializer and decodes losslessly", async () => {
    outputs.length = 0;
    let item: Awaited<ReturnType<typeof getItemWire>>;
    const [stack] = await stacksOf(async () => {
      item = await getItemWire(client, { TableName: TABLE, Key: { pk: { S: "bytes" } } });
    });
    before(stack ?? [], "deserializerMiddleware - deserialize", "wireGetItemMiddleware - deserialize");
    expect(outputs[0]?.output).not.toHaveProperty("Item");
    expect(Buffer.from((item?.b as { B: Uint8Array }).B).toString("base64")).toBe(allBytes);
  });
});
