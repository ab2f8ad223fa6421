/**
 * BatchWriteItem in batches of 25 with up to `concurrency` requests in flight. UnprocessedItems are re-sent after a
 * backoff with jitter; throttling, 5xx and dropped connections are retried. Puts are idempotent, so re-sending an item
 * whose first write did land (a connection dropped after the server applied it) is harmless.
 *
 * Items travel in DynamoDB's JSON wire form (./wire.ts): their JSON text goes into the request body as it is, and
 * UnprocessedItems come back in the same form and are matched by key. Every item given to {@link BatchWriter.putWire}
 * is either acknowledged by DynamoDB (counted in `written`) or reported in the error that {@link BatchWriter.flush}
 * throws — never silently dropped.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
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
  /** Key attribute names: UnprocessedItems are matched by key, and an item whose key is already in the open batch
   * starts a new batch (DynamoDB rejects a batch with duplicate keys). */
  readonly keyNames: readonly string[];
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
  /** The item's JSON text and its key string. */
  readonly json: string;
  readonly key: string;
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

  /**
   * Queues items already in wire form (JSON text + key string), e.g. lines of an export file: they go into the request
   * body as they are, with no SDK serialization. Resolves once they are in a batch (waits while `concurrency`
   * requests are in flight).
   */
  async putWire(entries: readonly WireEntry[], tag: T): Promise<void> {
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
      const stillPending = await withRetry(() => this.unprocessed(pending), this.opts.retry, {
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

  /**
   * Sends one BatchWriteItem; returns the entries DynamoDB handed back as UnprocessedItems. If their keys cannot all be
   * matched to what was sent, the whole batch is re-sent (puts are idempotent): an item is never counted as written
   * unless DynamoDB acknowledged it.
   */
  private async unprocessed(pending: readonly Entry<T>[]): Promise<Entry<T>[]> {
    const left = await batchWriteWire(
      this.opts.client,
      this.opts.tableName,
      pending.map((e) => e.json),
    );
    if (left.length === 0) return [];
    const keys = new Set(left.map((i) => wireKeyString(i, this.opts.keyNames)));
    const matched = pending.filter((e) => keys.has(e.key));
    return matched.length === left.length ? matched : [...pending];
  }
}
