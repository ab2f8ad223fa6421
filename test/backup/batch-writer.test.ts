/**
 * Unit tests of the retry/backoff pieces. BatchWriter's UnprocessedItems handling uses aws-sdk-client-mock because no
 * local server (dynalite, DynamoDB Local, moto) ever returns UnprocessedItems; everything else is tested against real
 * servers elsewhere.
 */
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { backoffDelay, BatchWriter, BatchWriteError, isRetryable, RateLimiter, withRetry } from "../../lib/table-io";
import type { Item } from "./helpers";

const items = (n: number): Item[] => Array.from({ length: n }, (_, i) => ({ pk: { S: `k${i}` }, v: { N: String(i) } }));

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

describe("BatchWriter with UnprocessedItems (aws-sdk-client-mock: no local server returns UnprocessedItems)", () => {
  it("re-sends unprocessed items until all are acknowledged, in batches of 25", async () => {
    const ddb = new DynamoDBClient({ region: "us-east-1" });
    const mock = mockClient(ddb);
    const sent: number[] = [];
    let round = 0;
    mock.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, WriteRequest[]> }) => {
      const reqs = input.RequestItems.t!;
      sent.push(reqs.length);
      round++;
      // Every other call, DynamoDB "processes" only the first 5 items.
      return round % 2 === 1 && reqs.length > 5 ? { UnprocessedItems: { t: reqs.slice(5) } } : { UnprocessedItems: {} };
    });
    const acked = new Map<string, number>();
    const w = new BatchWriter<string>({
      client: ddb,
      tableName: "t",
      concurrency: 1,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      onWritten: (tag, n) => acked.set(tag, (acked.get(tag) ?? 0) + n),
    });
    await w.put(items(60).slice(0, 30), "a");
    await w.put(items(60).slice(30), "b");
    await w.flush();
    expect(w.written).toBe(60);
    expect(acked).toEqual(
      new Map([
        ["a", 30],
        ["b", 30],
      ]),
    );
    expect(Math.max(...sent)).toBe(25);
    expect(w.retried).toBeGreaterThan(0);
    mock.restore();
  });

  it("reports items it could not write instead of dropping them", async () => {
    const ddb = new DynamoDBClient({ region: "us-east-1" });
    const mock = mockClient(ddb);
    mock.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, WriteRequest[]> }) => ({
      UnprocessedItems: { t: input.RequestItems.t!.slice(1) },
    }));
    const w = new BatchWriter({
      client: ddb,
      tableName: "t",
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await w.put(items(25), undefined);
    const err = (await w.flush().catch((e: unknown) => e)) as BatchWriteError;
    expect(err).toBeInstanceOf(BatchWriteError);
    expect(w.written).toBe(3);
    expect(err.unwrittenItems).toBe(22);
    expect(err.message).toContain("22 item(s) in failed batches were not written");
    mock.restore();
  });

  it('re-sends the whole batch when UnprocessedItems cannot be matched (the SDK turns "__proto__" into undefined)', async () => {
    const ddb = new DynamoDBClient({ region: "us-east-1" });
    const mock = mockClient(ddb);
    const withProto = (i: number): Item =>
      Object.defineProperty({ pk: { S: `p${i}` } }, "__proto__", {
        value: { S: "x" },
        enumerable: true,
        writable: true,
        configurable: true,
      }) as Item;
    const sent: number[] = [];
    mock.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, WriteRequest[]> }) => {
      const reqs = input.RequestItems.t!;
      sent.push(reqs.length);
      if (sent.length > 1) return { UnprocessedItems: {} };
      // What the SDK hands back for 2 unprocessed items that had an attribute named "__proto__".
      const mangled = reqs.slice(0, 2).map((r) => {
        const item = { ...r.PutRequest!.Item! };
        Object.defineProperty(item, "__proto__", { value: undefined, enumerable: true, writable: true });
        return { PutRequest: { Item: item } };
      });
      return { UnprocessedItems: { t: mangled } };
    });
    const w = new BatchWriter({
      client: ddb,
      tableName: "t",
      concurrency: 1,
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
    });
    await w.put([withProto(0), withProto(1), withProto(2)], undefined);
    await w.flush();
    // Nothing is counted as written on a guess: all 3 went again, and 3 were acknowledged.
    expect(sent).toEqual([3, 3]);
    expect(w.written).toBe(3);
    mock.restore();
  });

  it("starts a new batch rather than send two items with the same key", async () => {
    const ddb = new DynamoDBClient({ region: "us-east-1" });
    const mock = mockClient(ddb);
    const sizes: number[] = [];
    mock.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, WriteRequest[]> }) => {
      sizes.push(input.RequestItems.t!.length);
      return {};
    });
    const w = new BatchWriter({ client: ddb, tableName: "t", keyNames: ["pk"], concurrency: 1 });
    await w.put([...items(3), { pk: { S: "k1" }, v: { N: "99" } }, ...items(2)], undefined);
    await w.flush();
    // k0 k1 k2 | k1(new) k0 | k1: each batch holds a key once.
    expect(sizes).toEqual([3, 2, 1]);
    mock.restore();
  });
});
