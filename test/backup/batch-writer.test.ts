/**
 * Unit tests of the retry/backoff pieces, and of BatchWriter's UnprocessedItems handling against a loopback stub that
 * answers BatchWriteItem the way DynamoDB does under load: no local server (dynalite, DynamoDB Local, moto) ever
 * returns UnprocessedItems, and the writer's wire path reads the raw response body, which an SDK-level mock bypasses.
 * Everything else is tested against real servers elsewhere (test/backup/faults.test.ts runs the same path through a
 * fault-injecting proxy in front of dynalite).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createServer, type Server } from "node:http";
import { describe, expect, it } from "vitest";
import { backoffDelay, BatchWriter, BatchWriteError, isRetryable, RateLimiter, withRetry } from "../../lib/table-io";
import { wireKeyString, type WireItem } from "../../lib/table-io/wire";

const wireItems = (n: number): WireItem[] =>
  Array.from({ length: n }, (_, i) => ({ pk: { S: `k${i}` }, v: { N: String(i) } }));
const entries = (items: readonly WireItem[]): { json: string; key: string }[] =>
  items.map((item) => ({ json: JSON.stringify(item), key: wireKeyString(item, ["pk"]) }));

describe("backoff with full jitter", () => {
  it("stays within [0, min(cap, base * 2^attempt))", () => {
    expect(backoffDelay(0, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0.999)).toBe(99);
    expect(backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0.5)).toBe(400);
    expect(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0.999)).toBe(999);
    expect(backoffDelay(5, {}, () => 0)).toBe(0);
  });

  it("classifies retryable errors", () => {
    const named = (name: string, status?: number): Error =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    expect(isRetryable(named("ProvisionedThroughputExceededException", 400))).toBe(true);
    expect(isRetryable(named("ThrottlingException", 400))).toBe(true);
    expect(isRetryable(named("InternalServerError", 500))).toBe(true);
    expect(isRetryable(named("Whatever", 503))).toBe(true);
    expect(isRetryable(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe(true);
    expect(isRetryable(named("ValidationException", 400))).toBe(false);
    expect(isRetryable(named("ResourceNotFoundException", 400))).toBe(false);
  });

  it("withRetry retries retryable errors and gives up after maxAttempts", async () => {
    let calls = 0;
    const ok = await withRetry(
      async () => {
        if (++calls < 3) throw Object.assign(new Error("x"), { name: "ThrottlingException" });
        return "done";
      },
      { baseDelayMs: 1 },
    );
    expect(ok).toBe("done");
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw Object.assign(new Error("slow down"), { name: "ThrottlingException" });
        },
        { maxAttempts: 4, baseDelayMs: 1 },
      ),
    ).rejects.toThrow("slow down");
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error("bad"), { name: "ValidationException" });
      }),
    ).rejects.toThrow("bad");
    expect(calls).toBe(1);
  });

  it("RateLimiter spaces work out to the rate", async () => {
    const limiter = new RateLimiter(200);
    const t0 = Date.now();
    await limiter.take(200); // the first second's burst
    await limiter.take(40); // 40 more at 200/s ≈ 200 ms
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });
});

interface Stub {
  readonly client: DynamoDBClient;
  /** The number of items in each BatchWriteItem request, in order. */
  readonly sizes: number[];
  stop(): Promise<void>;
}

/**
 * A loopback endpoint answering BatchWriteItem for table "t": `unprocessed` gets the items of each request (and the
 * request's number, from 1) and returns the items to hand back as UnprocessedItems.
 */
async function startStub(unprocessed: (items: WireItem[], call: number) => WireItem[]): Promise<Stub> {
  const sizes: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        RequestItems: Record<string, { PutRequest: { Item: WireItem } }[]>;
      };
      const items = (body.RequestItems.t ?? []).map((r) => r.PutRequest.Item);
      sizes.push(items.length);
      const left = unprocessed(items, sizes.length).map((Item) => ({ PutRequest: { Item } }));
      const answer = JSON.stringify({ UnprocessedItems: left.length === 0 ? {} : { t: left } });
      res.writeHead(200, { "Content-Type": "application/x-amz-json-1.0", "Content-Length": Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1,
  });
  return {
    client,
    sizes,
    async stop() {
      client.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("BatchWriter with UnprocessedItems (loopback stub: no local server returns UnprocessedItems)", () => {
  it("re-sends unprocessed items until all are acknowledged, in batches of 25", async () => {
    // Every other call, DynamoDB "processes" only the first 5 items.
    const stub = await startStub((items, call) => (call % 2 === 1 && items.length > 5 ? items.slice(5) : []));
    const acked = new Map<string, number>();
    const w = new BatchWriter<string>({
      client: stub.client,
      tableName: "t",
      keyNames: ["pk"],
      concurrency: 1,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      onWritten: (tag, n) => acked.set(tag, (acked.get(tag) ?? 0) + n),
    });
    await w.putWire(entries(wireItems(60).slice(0, 30)), "a");
    await w.putWire(entries(wireItems(60).slice(30)), "b");
    await w.flush();
    await stub.stop();
    expect(w.written).toBe(60);
    expect(acked).toEqual(
      new Map([
        ["a", 30],
        ["b", 30],
      ]),
    );
    expect(Math.max(...stub.sizes)).toBe(25);
    expect(stub.sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(60);
    expect(w.retried).toBeGreaterThan(0);
  });

  it("reports items it could not write instead of dropping them", async () => {
    const stub = await startStub((items) => items.slice(1));
    const w = new BatchWriter({
      client: stub.client,
      tableName: "t",
      keyNames: ["pk"],
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await w.putWire(entries(wireItems(25)), undefined);
    const err = (await w.flush().catch((e: unknown) => e)) as BatchWriteError;
    await stub.stop();
    expect(err).toBeInstanceOf(BatchWriteError);
    expect(w.written).toBe(3);
    expect(err.unwrittenItems).toBe(22);
    expect(err.message).toContain("22 item(s) in failed batches were not written");
  });

  it("re-sends the whole batch when UnprocessedItems cannot be matched to what was sent", async () => {
    // The first answer hands back 2 items whose keys were never sent.
    const stub = await startStub((items, call) =>
      call === 1 ? items.slice(0, 2).map((i) => ({ ...i, pk: { S: "not-sent" } })) : [],
    );
    const w = new BatchWriter({
      client: stub.client,
      tableName: "t",
      keyNames: ["pk"],
      concurrency: 1,
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
    });
    await w.putWire(entries(wireItems(3)), undefined);
    await w.flush();
    await stub.stop();
    // Nothing is counted as written on a guess: all 3 went again, and 3 were acknowledged.
    expect(stub.sizes).toEqual([3, 3]);
    expect(w.written).toBe(3);
  });

  it("starts a new batch rather than send two items with the same key", async () => {
    const stub = await startStub(() => []);
    const w = new BatchWriter({ client: stub.client, tableName: "t", keyNames: ["pk"], concurrency: 1 });
    await w.putWire(entries([...wireItems(3), { pk: { S: "k1" }, v: { N: "99" } }, ...wireItems(2)]), undefined);
    await w.flush();
    await stub.stop();
    // k0 k1 k2 | k1(new) k0 | k1: each batch holds a key once.
    expect(stub.sizes).toEqual([3, 2, 1]);
  });
});
