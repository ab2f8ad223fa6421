/**
 * Shared setup for the backup/restore tests: a local DynamoDB server, the process env pointed at it (so the commands
 * use the SDK's standard configuration, as in production), tables, seeding and full-table snapshots.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import { PassThrough, Readable } from "node:stream";
import { resetClients } from "../../lib/aws";
import type { CommandIO } from "../../lib/cli/command";
import { runProgram } from "../../lib/cli/command";
import { canonicalItem, decodeWireItem, itemKeyString } from "../../lib/export-format";
import { COMMANDS } from "../../scripts/commands";

export type Item = Record<string, AttributeValue>;

/** Points the SDK's standard configuration (what every command reads) at a loopback endpoint. */
export function useEndpoint(endpoint: string): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  delete process.env.AWS_ENDPOINT_URL_S3;
  resetClients();
}

/** Separate endpoints for DynamoDB and S3 (e.g. dynalite + moto). */
export function useEndpoints(dynamodb: string, s3: string): void {
  process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb;
  process.env.AWS_ENDPOINT_URL_S3 = s3;
  resetClients();
}

export function client(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, maxAttempts: 10 });
}

export function simpleTable(name: string, extra: Partial<CreateTableCommandInput> = {}): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
    ...extra,
  };
}

/** Creates a table and waits until it is ACTIVE (servers refuse writes while it is CREATING). */
export async function createTable(c: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  await c.send(new CreateTableCommand(input));
  for (let i = 0; i < 600; i++) {
    const t = (await c.send(new DescribeTableCommand({ TableName: input.TableName }))).Table;
    if (t?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`table ${input.TableName} did not become ACTIVE`);
}

/** Writes items with plain BatchWriteItem (retrying unprocessed ones). */
export async function seed(c: DynamoDBClient, table: string, items: readonly Item[], concurrency = 8): Promise<void> {
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const batch = batches[next++];
      if (batch === undefined) return;
      let req = batch.map((Item) => ({ PutRequest: { Item } }));
      while (req.length > 0) {
        const res = await c.send(new BatchWriteItemCommand({ RequestItems: { [table]: req } }));
        req = (res.UnprocessedItems?.[table] ?? []) as typeof req;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Every item of a table, canonical and sorted by key: two tables are identical exactly when these are equal. Read from
 * the raw response bytes (JSON.parse gives own properties; items decoded by the export codec), never through SDK
 * objects: the SDK's deserializer turns a top-level attribute named "__proto__" into `undefined`, so a snapshot of SDK
 * objects could not see whether one survived. Pages with the raw LastEvaluatedKey too (a key may be named "__proto__").
 */
export async function snapshot(
  c: DynamoDBClient,
  table: string,
  keyNames: readonly string[] = ["pk"],
): Promise<string[]> {
  const out: [string, string][] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const command = new ScanCommand({ TableName: table });
    let page: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> } | undefined;
    command.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown };
        if (start !== undefined) {
          // The SDK's serialized body is bytes (a Uint8Array), not a string: decode it, do not call string methods on it.
          const raw = request.body;
          const text = typeof raw === "string" ? raw : new TextDecoder().decode(raw as Uint8Array);
          const body = JSON.parse(text) as Record<string, unknown>;
          request.body = JSON.stringify({ ...body, ExclusiveStartKey: start });
        }
        return next(args);
      },
      { step: "serialize", priority: "low", name: "rawExclusiveStartKey" },
    );
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const response = result.response as { statusCode: number; body: Readable };
        if (response.statusCode !== 200) return result;
        const chunks: Buffer[] = [];
        for await (const ch of response.body) chunks.push(Buffer.from(ch as Uint8Array));
        page = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof page;
        response.body = Readable.from([Buffer.from("{}")]);
        return result;
      },
      { step: "deserialize", priority: "low", name: "rawScanPage" },
    );
    await c.send(command);
    if (page === undefined) throw new Error("rawSnapshot: the raw Scan response was not seen");
    for (const raw of page.Items ?? []) {
      const it = decodeWireItem(raw, `${table} scan`);
      out.push([itemKeyString(it, keyNames), canonicalItem(it)]);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
}

/** ~`size`-byte items with string keys `item-000001`…, every attribute type represented. */
export function makeItems(n: number, size = 300, from = 0): Item[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      pk: { S: `item-${String(i).padStart(7, "0")}` },
      n: { N: `${i}.5` },
      big: { N: "12345678901234567890123456789012345678" },
      bin: { B: new Uint8Array([i & 255, (i >> 8) & 255, 0, 255]) },
      tags: { SS: [`t${i % 5}`, "all"] },
      flag: { BOOL: i % 2 === 0 },
      m: { M: { nested: { L: [{ S: "é🙂" }, { NULL: true }] } } },
      pad: { S: "x".repeat(Math.max(0, size - 150)) },
    };
  });
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON when --json was given. */
  json<T = Record<string, unknown>>(): T;
}

/** Runs `dynamo-dr <argv>` in-process, as the real entry does. */
export async function dr(argv: string[], opts: { cwd?: string } = {}): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const io: CommandIO = { stdout, stderr, stdin, env: process.env, cwd: opts.cwd ?? process.cwd() };
  const code = await runProgram("dynamo-dr", COMMANDS, argv, io);
  return {
    code,
    stdout: out,
    stderr: err,
    json<T>() {
      return JSON.parse(out) as T;
    },
  };
}
