/**
 * BatchWriteItem in batches of 25 with up to `concurrency` requests in flight. UnprocessedItems are re-sent after a
 * backoff with jitter; throttling, 5xx and dropped connections are retried. Puts are idempotent, so re-sending an item
 * whose first write did land (a connection dropped after the server applied it) is harmless.
 *
 * Every item given to {@link BatchWriter.put} is either acknowledged by DynamoDB (counted in `written`) or reported in
 * the error that {@link BatchWriter.flush} throws — never silently dropped.
 */
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from "@aws-sdk/client-dynamodb";
import { canonicalItem, itemKeyString, type Item } from "../export-format/item-codec";
import type { RateLimiter } from "./rate-limiter";
import { batchWriteWire, wireKeyString } from "./wire";
import { backoffDelay, DEFAULT_RETRY, sleep, withRetry, type RetryPolicy } from "./retry";

/** DynamoDB's maximum items per BatchWriteItem. */
export const BATCH_WRITE_MAX_ITEMS = 25;

export interface BatchWriterOptions<T> {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Requests in flight. @default 16 */
  readonly concurrency?: number;
  /** Key attribute names; when given, an item whose key is already in the open batch starts a new batch
   * (DynamoDB rejects a batch with duplicate keys). @default - no check */
  readonly keyNames?: readonly string[];
  readonly limiter?: RateLimiter;
  readonly retry?: RetryPolicy;
  /** Called when items are acknowledged, with the tag they were put with. */
  readonly onWritten?: (tag: T, count: number) => void;
  readonly onRetry?: (reason: string) => void;
}

export class BatchWriteError extends Error {
  constructor(
    message: string,
    readonly unwrittenItems: number,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = "BatchWriteError";
  }
}

interface Entry<T> {
  /** SDK form (put). */
  readonly request?: WriteRequest;
  /** Wire form (putWire): the item's JSON text and its key string. */
  readonly json?: string;
  readonly key?: string;
  readonly tag: T;
}

/** An item in DynamoDB's JSON wire form, ready to send: its JSON text and its key (from wireKeyString). */
export interface WireEntry {
  readonly json: string;
  readonly key: string;
}

export class BatchWriter<T = undefined> {
  private open: Entry<T>[] = [];
  private openKeys = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private failedItems = 0;
  private acknowledged = 0;
  private retries = 0;
  private readonly concurrency: number;

  constructor(private readonly opts: BatchWriterOptions<T>) {
    this.concurrency = Math.max(1, opts.concurrency ?? 16);
  }

  /** Items DynamoDB has acknowledged. */
  get written(): number {
    return this.acknowledged;
  }
  get retried(): number {
    return this.retries;
  }

  /** Queues items; resolves once they are in a batch (waits while `concurrency` requests are in flight). */
  async put(items: readonly Item[], tag: T): Promise<void> {
    for (const item of items) {
      this.throwIfFailed();
      if (this.opts.keyNames !== undefined) {
        const key = itemKeyString(item, this.opts.keyNames);
        if (this.openKeys.has(key)) await this.dispatch();
        this.openKeys.add(key);
      }
      this.open.push({ request: { PutRequest: { Item: item } }, tag });
      if (this.open.length >= BATCH_WRITE_MAX_ITEMS) await this.dispatch();
    }
  }

  /**
   * Queues items already in wire form (JSON text + key string), e.g. lines of an export file: they go into the request
   * body as they are, with no SDK serialization. Needs `keyNames` (UnprocessedItems are matched by key).
   */
  async putWire(entries: readonly WireEntry[], tag: T): Promise<void> {
    if (this.opts.keyNames === undefined) throw new Error("BatchWriter.putWire needs keyNames");
    for (const e of entries) {
      this.throwIfFailed();
      if (this.openKeys.has(e.key)) await this.dispatch();
      this.openKeys.add(e.key);
      this.open.push({ json: e.json, key: e.key, tag });
      if (this.open.length >= BATCH_WRITE_MAX_ITEMS) await this.dispatch();
    }
  }

  /** Sends what is queued and waits for every request. Throws a {@link BatchWriteError} if any item could not be written. */
  async flush(): Promise<void> {
    if (this.open.length > 0 && this.failure === undefined) await this.dispatch();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure === undefined) return;
    const cause = this.failure;
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    throw new BatchWriteError(
      `BatchWriteItem to ${this.opts.tableName} failed after retries (${why}); ${this.failedItems} item(s) in failed batches were not written`,
      this.failedItems,
      cause,
    );
  }

  private async dispatch(): Promise<void> {
    const batch = this.open;
    this.open = [];
    this.openKeys = new Set();
    if (batch.length === 0) return;
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
    if (this.opts.limiter !== undefined) await this.opts.limiter.take(batch.length);
    const p: Promise<void> = this.send(batch)
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async send(batch: Entry<T>[]): Promise<void> {
    const max = this.opts.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
    let pending = batch;
    for (let round = 0; ; round++) {
      const wire = pending[0]?.json !== undefined;
      const keyNames = this.opts.keyNames ?? [];
      const unprocessedOf = async (): Promise<Entry<T>[]> => {
        if (wire) {
          const left = await batchWriteWire(
            this.opts.client,
            this.opts.tableName,
            pending.map((e) => e.json as string),
          );
          if (left.length === 0) return [];
          const keys = new Set(left.map((i) => wireKeyString(i, keyNames)));
          const matched = pending.filter((e) => keys.has(e.key as string));
          // If the keys came back in a form we cannot match, re-send the whole batch (puts are idempotent): an item
          // is never counted as written unless DynamoDB acknowledged it.
          return matched.length === left.length ? matched : pending;
        }
        const out = await this.opts.client.send(
          new BatchWriteItemCommand({
            RequestItems: { [this.opts.tableName]: pending.map((e) => e.request as WriteRequest) },
          }),
        );
        const left = out.UnprocessedItems?.[this.opts.tableName] ?? [];
        return left.length === 0 ? [] : matchUnprocessed(pending, left);
      };
      const stillPending = await withRetry(unprocessedOf, this.opts.retry, {
        onRetry: (err) => {
          this.retries++;
          this.opts.onRetry?.((err as Error).name ?? "error");
        },
      }).catch((err: unknown) => {
        this.failedItems += pending.length;
        throw err;
      });
      const done = new Map<T, number>();
      const left = new Set(stillPending);
      for (const e of pending) if (!left.has(e)) done.set(e.tag, (done.get(e.tag) ?? 0) + 1);
      for (const [tag, n] of done) {
        this.acknowledged += n;
        this.opts.onWritten?.(tag, n);
      }
      if (stillPending.length === 0) return;
      if (round + 1 >= max) {
        this.failedItems += stillPending.length;
        throw Object.assign(new Error(`${stillPending.length} item(s) stayed unprocessed after ${max} attempts`), {
          name: "UnprocessedItems",
        });
      }
      this.retries++;
      this.opts.onRetry?.("UnprocessedItems");
      await sleep(backoffDelay(round, this.opts.retry));
      pending = stillPending;
    }
  }
}

/**
 * Our entries that DynamoDB returned as UnprocessedItems (matched by content: the SDK hands back copies). When they
 * cannot all be matched, every pending entry is re-sent (puts are idempotent): an item is never counted as written
 * unless DynamoDB acknowledged it. (The SDK's deserializer turns a top-level attribute named "__proto__" into
 * `undefined`, so such items come back unmatchable; the wire path, putWire, matches by key and is not affected.)
 */
function matchUnprocessed<T>(pending: readonly Entry<T>[], unprocessed: readonly WriteRequest[]): Entry<T>[] {
  const counts = new Map<string, number>();
  try {
    for (const r of unprocessed) {
      const k = canonicalItem(r.PutRequest?.Item ?? {});
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  } catch {
    return [...pending];
  }
  const remaining: Entry<T>[] = [];
  for (const e of pending) {
    const k = canonicalItem(e.request?.PutRequest?.Item ?? {});
    const c = counts.get(k) ?? 0;
    if (c > 0) {
      counts.set(k, c - 1);
      remaining.push(e);
    }
  }
  return remaining.length === unprocessed.length ? remaining : [...pending];
}
