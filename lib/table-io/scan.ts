/**
 * Parallel Scan: `totalSegments` segments scanned at once, each fetching its next page while the previous one is being
 * handled (one page of read-ahead per segment, so memory stays bounded by segments × 2 pages of 1 MB).
 * Every request is retried on throttling, 5xx and dropped connections; the page handler is awaited (backpressure).
 */
import {
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type ScanCommandOutput,
} from "@aws-sdk/client-dynamodb";
import type { RateLimiter } from "./rate-limiter";
import { withRetry, type RetryPolicy } from "./retry";
import { scanWire, type WireItem } from "./wire";

export type Key = Record<string, AttributeValue>;

export interface SegmentStart {
  /** Continue after this key (from a checkpoint). @default - from the start of the segment */
  readonly exclusiveStartKey?: Key;
  /** The segment was finished earlier: skip it. @default false */
  readonly done?: boolean;
}

export interface ScanPage {
  readonly segment: number;
  /** The page's items as SDK objects (empty in `wire` mode). */
  readonly items: Record<string, AttributeValue>[];
  /** The page's items in DynamoDB's JSON wire form (only in `wire: "items"` mode). */
  readonly wireItems: WireItem[];
  /** The page as export lines, `{"Item":…}\n` per item, UTF-8 (only in `wire: "lines"` mode). */
  readonly lines: Buffer;
  readonly count: number;
  /** Undefined on a segment's last page. */
  readonly lastEvaluatedKey: Key | undefined;
}

export interface ParallelScanOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** 1-1,000,000 (DynamoDB's limit). */
  readonly totalSegments: number;
  /** @default false */
  readonly consistentRead?: boolean;
  /**
   * Deliver items in wire form ("items") or as ready export lines ("lines") instead of SDK objects (see ./wire.ts):
   * much less CPU and memory when they are only written out again. Only the wire modes are lossless: the SDK's
   * deserializer turns a top-level attribute named "__proto__" into `undefined` (in items and in LastEvaluatedKey, so
   * SDK-object mode also cannot page through a table keyed by such an attribute). @default - SDK objects
   */
  readonly wire?: "items" | "lines";
  /** Items per page. @default - DynamoDB's 1 MB pages */
  readonly pageLimit?: number;
  /** Fetch a segment's next page while the current one is handled (more memory, overlaps I/O). @default true */
  readonly readAhead?: boolean;
  /** Per-segment starting points (resume): a record, or a function of the segment number. */
  readonly start?: Readonly<Record<number, SegmentStart>> | ((segment: number) => SegmentStart | undefined);
  /**
   * Segments scanned at once; the others wait their turn, in segment order (a bounded pool, so a million segments
   * do not mean a million requests in flight). @default totalSegments
   */
  readonly concurrency?: number;
  /** Limits items read per second across all segments. */
  readonly limiter?: RateLimiter;
  readonly retry?: RetryPolicy;
  readonly onRetry?: (err: unknown) => void;
  /** Called for every page, in order within a segment; awaited before the segment moves on. */
  readonly onPage: (page: ScanPage) => Promise<void> | void;
}

export interface ScanTotals {
  readonly items: number;
  readonly pages: number;
  readonly retries: number;
}

/** Maximum segments DynamoDB allows in a parallel scan. */
export const MAX_TOTAL_SEGMENTS = 1_000_000;

export async function parallelScan(opts: ParallelScanOptions): Promise<ScanTotals> {
  let items = 0;
  let pages = 0;
  let retries = 0;
  let failed: unknown;
  interface Fetched {
    readonly items: Record<string, AttributeValue>[];
    readonly wireItems: WireItem[];
    readonly lines: Buffer;
    readonly count: number;
    readonly lastKey: Key | undefined;
  }
  const fetchPage = (segment: number, startKey: Key | undefined): Promise<Fetched> =>
    withRetry(
      async (): Promise<Fetched> => {
        const input = {
          TableName: opts.tableName,
          Segment: segment,
          TotalSegments: opts.totalSegments,
          ConsistentRead: opts.consistentRead === true ? true : undefined,
          ExclusiveStartKey: startKey,
          Limit: opts.pageLimit,
        };
        if (opts.wire !== undefined) {
          const page = await scanWire(opts.client, input, { asLines: opts.wire === "lines" });
          return {
            items: [],
            wireItems: page.items,
            lines: page.lines,
            count: page.count,
            lastKey: page.lastEvaluatedKey,
          };
        }
        const res: ScanCommandOutput = await opts.client.send(new ScanCommand(input));
        const items = res.Items ?? [];
        return { items, wireItems: [], lines: Buffer.alloc(0), count: items.length, lastKey: res.LastEvaluatedKey };
      },
      opts.retry,
      {
        onRetry: (err) => {
          retries++;
          opts.onRetry?.(err);
        },
      },
    );

  const runSegment = async (segment: number): Promise<void> => {
    const start = typeof opts.start === "function" ? opts.start(segment) : opts.start?.[segment];
    if (start?.done === true) return;
    let pending: Promise<Fetched> | undefined = fetchPage(segment, start?.exclusiveStartKey);
    while (pending !== undefined) {
      const res: Fetched = await pending;
      if (failed !== undefined) return;
      const lastKey = res.lastKey;
      const readAhead = opts.readAhead ?? true;
      pending = lastKey === undefined || !readAhead ? undefined : fetchPage(segment, lastKey);
      // Keep the read-ahead from becoming an unhandled rejection while the page is handled.
      pending?.catch(() => undefined);
      const count = res.count;
      items += count;
      pages++;
      if (opts.limiter !== undefined && count > 0) await opts.limiter.take(count);
      await opts.onPage({
        segment,
        items: res.items,
        wireItems: res.wireItems,
        lines: res.lines,
        count,
        lastEvaluatedKey: lastKey,
      });
      if (pending === undefined && lastKey !== undefined) pending = fetchPage(segment, lastKey);
    }
  };

  let nextSegment = 0;
  const worker = async (): Promise<void> => {
    while (failed === undefined && nextSegment < opts.totalSegments) {
      const segment = nextSegment++;
      await runSegment(segment);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? opts.totalSegments, opts.totalSegments));
  await Promise.all(
    Array.from({ length: workers }, () =>
      worker().catch((err: unknown) => {
        failed ??= err;
      }),
    ),
  );
  if (failed !== undefined) throw failed;
  return { items, pages, retries };
}
