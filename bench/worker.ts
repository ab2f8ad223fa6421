/**
 * One benchmark measurement in its own process, so its peak RSS (VmHWM) is its own. Prints one JSON line:
 * {"mode", "items", "seconds", "itemsPerSecond", "peakRssMb", "fullGcs", "heapAfterFullGcMb"} (a Measurement; the
 * last is the most heap still in use right after one of V8's own full GCs, see afterFullGc). Talks to the server
 * named by AWS_ENDPOINT_URL (loopback, fake credentials — set by bench/run.ts).
 *
 *   raw-write        {table, items, from?, concurrency, orderFrom?}  ceiling: generated items → BatchWriteItem loop, no files
 *   raw-scan         {table, segments, wire?}             ceiling: parallel Scan, items counted and dropped (no wire:
 *                                                         SDK objects, bench/lib/sdk-scan.ts)
 *   backup           {table, out, segments}               ours: dynamo-dr backup
 *   restore          {source, table, concurrency}         ours: dynamo-dr restore-files --create-table
 *   baseline-backup  {table, out, limit?}                 cumulus-api shape: one Scan stream → one JSON file
 *   baseline-restore {file, table, concurrency, limit?}   cumulus-api shape: JSON file → BatchWriteItem, 2 in flight
 *   drop             {table}                              DeleteTable (frees the server's memory between runs)
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ScanCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { once } from "node:events";
import { constants as perfConstants, PerformanceObserver } from "node:perf_hooks";
import { getHeapStatistics, writeHeapSnapshot } from "node:v8";
import { createInterface } from "node:readline";
import { dynamoClient } from "../lib/aws";
import { itemToWireJson, parseLocation } from "../lib/export-format";
import { backupTable, BatchWriter, parallelScan } from "../lib/table-io";
import { wireKeyString } from "../lib/table-io/wire";
import { backup } from "../scripts/commands/backup";
import { restore } from "../scripts/commands/restore";
import { benchItem } from "./lib/items";
import { sdkParallelScan } from "./lib/sdk-scan";
import type { Measurement } from "./lib/measure";

type Args = Record<string, string | number | undefined>;

const KEY = "granuleId";

let t0 = process.hrtime.bigint();
/** Restarts the clock (for setup that must not be timed, like generating the ceiling's items). */
function startClock(): void {
  t0 = process.hrtime.bigint();
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m === null ? Math.round(process.memoryUsage().rss / 1048576) : Math.round(Number(m[1]) / 1024);
}

async function createTable(table: string): Promise<void> {
  const c = dynamoClient();
  await c.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: KEY, AttributeType: "S" }],
      KeySchema: [{ AttributeName: KEY, KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  for (;;) {
    const t = (await c.send(new DescribeTableCommand({ TableName: table }))).Table;
    if (t?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The keys of a table in scan order (the order a backup, and so a restore, has them), as benchItem indexes. */
async function scanOrder(table: string): Promise<number[]> {
  const order: number[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const res = await dynamoClient().send(
      new ScanCommand({ TableName: table, ProjectionExpression: KEY, ExclusiveStartKey: start }),
    );
    for (const it of res.Items ?? []) order.push(Number(/(\d+)$/.exec(it[KEY]?.S ?? "")?.[1]));
    start = res.LastEvaluatedKey;
  } while (start !== undefined);
  return order;
}

/**
 * The write ceiling: generated items sent with the same transport restore uses (BatchWriteItem of 25, 16 in flight,
 * item JSON straight into the request body) and nothing else to do. With `orderFrom`, the same items in the same
 * order as a restore of that table sends them (its scan order, read before the clock starts: servers write faster in
 * that order); otherwise in a fixed scrambled order. Items are encoded 1,000 at a time as they are needed (encoding
 * them all up front made the ceiling slower: 200,000 live strings kept the GC busy).
 */
async function rawWrite(a: Args): Promise<number> {
  const table = String(a.table);
  const n = Number(a.items);
  const from = Number(a.from ?? 0);
  let order: number[] | undefined;
  if (a.orderFrom !== undefined) {
    order = await scanOrder(String(a.orderFrom));
    if (order.length !== n) throw new Error(`orderFrom ${String(a.orderFrom)} has ${order.length} items, not ${n}`);
    startClock();
  }
  let step = 7919;
  while (gcd(step, n) !== 1) step += 2;
  const indexAt = (j: number): number => order?.[j] ?? from + ((j * step) % n);
  await createTable(table);
  const writer = new BatchWriter({
    client: dynamoClient(),
    tableName: table,
    keyNames: [KEY],
    concurrency: Number(a.concurrency ?? 16),
  });
  for (let i = 0; i < n; i += 1000) {
    const entries = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const wire = itemToWireJson(benchItem(indexAt(j)));
      entries.push({ json: JSON.stringify(wire), key: wireKeyString(wire, [KEY]) });
    }
    await writer.putWire(entries, undefined);
  }
  await writer.flush();
  return writer.written;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The scan ceiling: the product's wire scan (`wire` "lines" or "items"), or, without `wire`, the SDK-object reference. */
async function rawScan(a: Args): Promise<number> {
  if (a.wire === undefined) return sdkParallelScan(dynamoClient(), String(a.table), Number(a.segments ?? 8));
  const totals = await parallelScan({
    client: dynamoClient(),
    tableName: String(a.table),
    totalSegments: Number(a.segments ?? 8),
    ...(a.pageLimit === undefined ? {} : { pageLimit: Number(a.pageLimit) }),
    wire: a.wire as "items" | "lines",
    onPage: () => undefined,
  });
  return totals.items;
}

/** cumulus-api's backup shape: one sequential Scan, items unmarshalled to plain JSON, one file. */
async function baselineBackup(a: Args): Promise<number> {
  const limit = a.limit === undefined ? Infinity : Number(a.limit);
  const out = createWriteStream(String(a.out));
  let start: Record<string, AttributeValue> | undefined;
  let n = 0;
  do {
    const res = await dynamoClient().send(new ScanCommand({ TableName: String(a.table), ExclusiveStartKey: start }));
    const text = (res.Items ?? []).map((i) => `${JSON.stringify(unmarshall(i, { wrapNumbers: true }))}\n`).join("");
    n += res.Items?.length ?? 0;
    if (!out.write(text)) await once(out, "drain");
    start = res.LastEvaluatedKey;
  } while (start !== undefined && n < limit);
  out.end();
  await once(out, "finish");
  return n;
}

/** cumulus-api's restore shape: read the file, marshall, BatchWriteItem of 25 with 2 requests in flight. */
async function baselineRestore(a: Args): Promise<number> {
  const table = String(a.table);
  const limit = a.limit === undefined ? Infinity : Number(a.limit);
  const concurrency = Number(a.concurrency ?? 2);
  await createTable(table);
  const c = dynamoClient();
  const inFlight = new Set<Promise<void>>();
  let batch: Record<string, AttributeValue>[] = [];
  let n = 0;
  const send = async (items: Record<string, AttributeValue>[]): Promise<void> => {
    let req = items.map((Item) => ({ PutRequest: { Item } }));
    while (req.length > 0) {
      const res = await c.send(new BatchWriteItemCommand({ RequestItems: { [table]: req } }));
      req = (res.UnprocessedItems?.[table] ?? []) as typeof req;
    }
  };
  const rl = createInterface({ input: createReadStream(String(a.file)), crlfDelay: Infinity });
  for await (const line of rl) {
    if (n >= limit) break;
    if (line === "") continue;
    batch.push(marshall(JSON.parse(line) as Record<string, unknown>, { convertClassInstanceToMap: true }));
    n++;
    if (batch.length === 25) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const p: Promise<void> = send(batch).finally(() => inFlight.delete(p));
      inFlight.add(p);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
  await Promise.all(inFlight);
  return n;
}

/** With BENCH_MEMORY_DETAIL=1: peaks of each part of memoryUsage(), sampled every 20 ms (diagnostics). */
const peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sampler =
  process.env.BENCH_MEMORY_DETAIL === "1"
    ? setInterval(() => {
        const m = process.memoryUsage();
        for (const k of Object.keys(peaks) as (keyof typeof peaks)[]) peaks[k] = Math.max(peaks[k], m[k]);
      }, 20)
    : undefined;

const mbOf = (bytes: number): number => Math.round(bytes / 104857.6) / 10;

/**
 * The heap in use right after each of V8's own full (mark-compact) GCs during the run, from the GC performance
 * entries: the working set at those moments, measured without forcing a GC (so the run is not changed). It is read a
 * moment after the GC ends, so it can include a little new garbage. State the command keeps per item would make it
 * grow with the table; garbage V8 lets pile up between GCs (part of peak RSS) does not show here.
 */
const afterFullGc: number[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if ((e as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
      afterFullGc.push(getHeapStatistics().used_heap_size);
    }
  }
});
gcObserver.observe({ entryTypes: ["gc"] });

/**
 * Diagnostics (not used by `npm run bench`), with `node --expose-gc`: BENCH_LIVE_HEAP_MS=<ms> forces a full GC that
 * often and records the heap still in use (the exact live set, printed on stderr; forcing GCs changes the run's peak
 * RSS and speed). BENCH_HEAP_SNAPSHOT=<file> writes a heap snapshot after a full GC, BENCH_HEAP_SNAPSHOT_AT_MS into
 * the run (default: at the end).
 */
const gc = (globalThis as { gc?: () => void }).gc;
const liveHeap: number[] = [];
const liveSampler =
  gc !== undefined && Number(process.env.BENCH_LIVE_HEAP_MS ?? 0) > 0
    ? setInterval(() => {
        gc();
        liveHeap.push(mbOf(process.memoryUsage().heapUsed));
      }, Number(process.env.BENCH_LIVE_HEAP_MS))
    : undefined;
const snapshotFile = process.env.BENCH_HEAP_SNAPSHOT ?? "";
const snapshotAtMs = Number(process.env.BENCH_HEAP_SNAPSHOT_AT_MS ?? 0);
const snapshotTimer =
  snapshotFile !== "" && snapshotAtMs > 0
    ? setTimeout(() => {
        gc?.();
        writeHeapSnapshot(snapshotFile);
      }, snapshotAtMs)
    : undefined;

async function main(): Promise<void> {
  const [mode, json] = process.argv.slice(2);
  const a = JSON.parse(json ?? "{}") as Args;
  const quietIo = { stderr: process.stderr, stdin: process.stdin, cwd: process.cwd() };
  startClock();
  let items: number;
  switch (mode) {
    case "raw-write":
      items = await rawWrite(a);
      break;
    case "raw-scan":
      items = await rawScan(a);
      break;
    case "backup-engine":
      items = (
        await backupTable({
          client: dynamoClient(),
          tableName: String(a.table),
          out: parseLocation(String(a.out)),
          ...(a.pageLimit === undefined ? {} : { pageLimit: Number(a.pageLimit) }),
          ...(a.segments === undefined ? {} : { segments: Number(a.segments) }),
          ...(a.readAhead === undefined ? {} : { readAhead: a.readAhead === 1 }),
          ...(a.gzipLevel === undefined ? {} : { gzipLevel: Number(a.gzipLevel) }),
        })
      ).itemCount;
      break;
    case "backup":
      items = (
        await backup(
          {
            table: String(a.table),
            out: String(a.out),
            ...(a.segments === undefined ? {} : { segments: Number(a.segments) }),
            quiet: true,
          },
          quietIo,
        )
      ).itemCount;
      break;
    case "restore":
      items = (
        await restore(
          {
            source: String(a.source),
            table: String(a.table),
            createTable: true,
            concurrency: Number(a.concurrency ?? 16),
            quiet: true,
            yes: true,
          },
          quietIo,
        )
      ).writtenItems;
      break;
    case "drop":
      await dynamoClient().send(new DeleteTableCommand({ TableName: String(a.table) }));
      items = 0;
      break;
    case "baseline-backup":
      items = await baselineBackup(a);
      break;
    case "baseline-restore":
      items = await baselineRestore(a);
      break;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sampler !== undefined) {
    clearInterval(sampler);
    const mb = (n: number): number => Math.round(n / 1048576);
    process.stderr.write(
      `memory peaks: rss ${mb(peaks.rss)} heapTotal ${mb(peaks.heapTotal)} heapUsed ${mb(peaks.heapUsed)} external ${mb(peaks.external)} arrayBuffers ${mb(peaks.arrayBuffers)}\n`,
    );
  }
  const peak = peakRssMb();
  gcObserver.disconnect();
  if (liveSampler !== undefined) clearInterval(liveSampler);
  if (snapshotTimer !== undefined) clearTimeout(snapshotTimer);
  if (snapshotFile !== "" && snapshotAtMs <= 0) {
    gc?.();
    writeHeapSnapshot(snapshotFile);
  }
  if (liveHeap.length > 0) process.stderr.write(`live heap after forced GCs, MB: ${liveHeap.join(" ")}\n`);
  const result: Measurement = {
    mode: mode ?? "",
    items,
    seconds: Number(seconds.toFixed(3)),
    itemsPerSecond: Math.round(items / seconds),
    peakRssMb: peak,
    fullGcs: afterFullGc.length,
    ...(afterFullGc.length === 0 ? {} : { heapAfterFullGcMb: mbOf(Math.max(...afterFullGc)) }),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
