/**
 * One measurement of the rebuild benchmark in its own process (so peak RSS is its own): `ceiling <dir>` reads and
 * gunzips every input file and counts lines; `floor <dir> <temp> <memoryLimit>` has DuckDB read every record with each
 * field the rebuild uses (key, order, image; the base's key and line), and nothing else: no ranking, no output;
 * `rebuild <dir> <out> <temp> <memoryLimit>` runs `dynamo-dr rebuild`; `touch` touches 256 MiB of fresh memory.
 * Prints one JSON line: records, seconds, CPU seconds, peak RSS, and the minor page faults of the measured part
 * (modules are loaded before the clock starts).
 */
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { RebuildInputs } from "../../lib/history/definition";

// The project's modules are imported where a mode needs them, never at the top: the ceiling's process loads nothing but
// Node's own. Measured: once the AWS SDK is loaded under tsx, this same read + gunzip loop takes 2.9 s instead of 1.7 s
// (3.9 CPU s instead of 1.9) on the 1M + 1M history, which made the ceiling look slower and every ratio look better.

async function gzFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".json.gz")).map((e) => join(e.parentPath, e.name));
}

async function ceiling(dir: string): Promise<number> {
  let lines = 0;
  for (const file of await gzFiles(dir)) {
    await pipeline(
      createReadStream(file, { highWaterMark: 1 << 20 }),
      createGunzip({ chunkSize: 256 * 1024 }),
      async (src: AsyncIterable<Buffer>) => {
        for await (const chunk of src) for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      },
    );
  }
  return lines;
}

/**
 * What the engine spends just reading the input (the part of a rebuild no plan avoids): every change record's key,
 * order and image, every base line's key and line, each summed so DuckDB evaluates them. Its modules are loaded
 * before the clock starts; the returned run gives the records read.
 */
async function floor(dir: string, temp: string, memoryLimit: string): Promise<() => Promise<number>> {
  const { BENCH_AT, BENCH_SPEC } = await import("./rebuild-history");
  const { exportPrefix } = await import("../../lib/pipeline/layout");
  const { changesTablePrefix } = await import("../../lib/capture/layout");
  const { openDuckDb } = await import("../../lib/engine/duckdb");
  const { baseLinesSql, changeRecordsSql } = await import("../../lib/history/definition");
  const { duckdbDialect } = await import("../../lib/history/duckdb-dialect");
  return async () => {
    const all = await gzFiles(dir);
    const under = (prefix: string): string[] => all.filter((f) => f.startsWith(join(dir, prefix) + "/"));
    const inputs: RebuildInputs = {
      keyAttributes: [BENCH_SPEC.hashKey, BENCH_SPEC.rangeKey],
      baseFiles: under(exportPrefix(BENCH_SPEC.name)),
      incrementalFiles: [],
      captureFiles: under(changesTablePrefix(BENCH_SPEC.name)),
      captureFromMicros: 0,
      atMicros: BENCH_AT.getTime() * 1000,
      keepTtlDeleted: false,
    };
    const db = await openDuckDb({ memoryLimit, tempDir: temp });
    try {
      const sum = async (sql: string): Promise<number> =>
        Number((await db.conn.runAndReadAll(sql)).getRowObjects()[0]?.n);
      const changes = await sum(
        `SELECT count(*) AS n, sum(length(k) + length(o) + length(img)) AS bytes FROM (${changeRecordsSql(duckdbDialect, inputs)}) AS r`,
      );
      const baseLines = baseLinesSql(duckdbDialect, inputs);
      if (baseLines === undefined) throw new Error(`${dir}: the benchmark's history has no base export`);
      const base = await sum(`SELECT count(*) AS n, sum(length(k) + length(line)) AS bytes FROM (${baseLines}) AS b`);
      return changes + base;
    } finally {
      db.close();
    }
  };
}

/** `dynamo-dr rebuild` of the benchmark's history; its modules are loaded before the clock starts. */
async function rebuildRun(dir: string, out: string, temp: string, memoryLimit: string): Promise<() => Promise<number>> {
  const { rebuild } = await import("../../scripts/commands/rebuild");
  const { BENCH_AT, BENCH_SPEC } = await import("./rebuild-history");
  return async () => {
    const r = await rebuild(
      {
        bucket: dir,
        table: BENCH_SPEC.name,
        at: BENCH_AT.toISOString(),
        out,
        tempDir: temp,
        memoryLimit,
        quiet: true,
        catalog: { tables: [BENCH_SPEC] },
      },
      { cwd: process.cwd(), env: process.env, stderr: process.stderr },
    );
    return r.records;
  };
}

/** Touches 256 MiB of fresh memory, a page at a time (what a first touch of memory costs on this machine). */
function touch(): number {
  const pages: Buffer[] = [];
  for (let i = 0; i < 256; i++) {
    const b = Buffer.allocUnsafeSlow(1 << 20);
    for (let j = 0; j < b.length; j += 4096) b[j] = 1;
    pages.push(b);
  }
  return pages.length;
}

/** CPU time of the whole process (every thread: Node's, zlib's, DuckDB's), user + system, since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

async function main(): Promise<void> {
  const [mode, dir, ...args] = process.argv.slice(2) as [string, string, ...string[]];
  const run =
    mode === "touch"
      ? async () => touch()
      : mode === "ceiling"
        ? () => ceiling(dir)
        : mode === "floor"
          ? await floor(dir, args[0]!, args[1]!)
          : await rebuildRun(dir, args[0]!, args[1]!, args[2]!);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  const faultsBefore = process.resourceUsage().minorPageFault;
  const records = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ mode, records, seconds, cpuSeconds: cpuSeconds(cpuStarted), peakRssMb: process.resourceUsage().maxRSS / 1024, pageFaults: process.resourceUsage().minorPageFault - faultsBefore })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
