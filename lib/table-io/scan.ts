/**
 * Parallel Scan: `totalSegments` segments scanned at once, each fetching its next page while the previous one is being
 * handled (one page of read-ahead per segment, so memory stays bounded by segments × 2 pages of 1 MB).
 * Every request is retried on throttling, 5xx and dropped connections; the page handler is awaited (backpressure).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { RateLimiter } from "./rate-limiter";
import { withRetry, type RetryPolicy } from "./retry";
import { scanWire, type Key, type WireItem, type WireScanPage } from "./wire";

export interface SegmentStart {
  /** Continue after this key (from a checkpoint). @default - from the start of the segment */
  readonly exclusiveStartKey?: Key;
  /** The segment was finished earlier: skip it. @default false */
  readonly done?: boolean;
}

export interface ScanPage {
  readonly segment: number;
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
   * Items in wire form ("items") or as ready export lines ("lines"), never as SDK objects (see ./wire.ts): much less
   * CPU and memory, and lossless — the SDK's deserializer turns a top-level attribute named "__proto__" into
   * `undefined`, in items and in LastEvaluatedKey alike.
   */
  readonly wire: "items" | "lines";
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

/** Running totals of one parallel scan, shared by its segments. */
interface ScanState {
  items: number;
  pages: number;
  retries: number;
  /** The first error of any segment: the others stop at their next page. */
  failed: unknown;
}

/** Scans the segments, `concurrency` at a time; the first failure stops them all and is thrown. */
export async function parallelScan(opts: ParallelScanOptions): Promise<ScanTotals> {
  const state: ScanState = { items: 0, pages: 0, retries: 0, failed: undefined };
  let nextSegment = 0;
  const worker = async (): Promise<void> => {
    while (state.failed === undefined && nextSegment < opts.totalSegments) {
      const segment = nextSegment++;
      await scanSegment(opts, state, segment);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? opts.totalSegments, opts.totalSegments));
  await Promise.all(
    Array.from({ length: workers }, () =>
      worker().catch((err: unknown) => {
        state.failed ??= err;
      }),
    ),
  );
  if (state.failed !== undefined) throw state.failed;
  return { items: state.items, pages: state.pages, retries: state.retries };
}

/** One page of one segment, retried on throttling, 5xx and dropped connections. */
function fetchPage(
  opts: ParallelScanOptions,
  state: ScanState,
  segment: number,
  startKey: Key | undefined,
): Promise<WireScanPage> {
  const input = {
    TableName: opts.tableName,
    Segment: segment,
    TotalSegments: opts.totalSegments,
    ConsistentRead: opts.consistentRead === true ? true : undefined,
    ExclusiveStartKey: startKey,
    Limit: opts.pageLimit,
  };
  return withRetry(() => scanWire(opts.client, input, { asLines: opts.wire === "lines" }), opts.retry, {
    onRetry: (err) => {
      state.retries++;
      opts.onRetry?.(err);
    },
  });
}

/** Pages through one segment, fetching the next page while the handler works on this one (unless readAhead is off). */
async function scanSegment(opts: ParallelScanOptions, state: ScanState, segment: number): Promise<void> {
  const start = typeof opts.start === "function" ? opts.start(segment) : opts.start?.[segment];
  if (start?.done === true) return;
  const readAhead = opts.readAhead ?? true;
  let pending: Promise<WireScanPage> | undefined = fetchPage(opts, state, segment, start?.exclusiveStartKey);
  while (pending !== undefined) {
    const page: WireScanPage = await pending;
    if (state.failed !== undefined) return;
    const lastKey = page.lastEvaluatedKey;
    pending = lastKey === undefined || !readAhead ? undefined : fetchPage(opts, state, segment, lastKey);
    // Keep the read-ahead from becoming an unhandled rejection while the page is handled.
    pending?.catch(() => undefined);
    state.items += page.count;
    state.pages++;
    if (opts.limiter !== undefined && page.count > 0) await opts.limiter.take(page.count);
    await opts.onPage({
      segment,
      wireItems: page.items,
      lines: page.lines,
      count: page.count,
      lastEvaluatedKey: lastKey,
    });
    if (pending === undefined && lastKey !== undefined) pending = fetchPage(opts, state, segment, lastKey);
  }
}
