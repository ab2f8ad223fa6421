/**
 * One measurement of the rebuild benchmark in its own process (so peak RSS is its own): `ceiling <dir>` reads and
 * gunzips every input file and counts lines; `rebuild <dir> <out> <temp> <memoryLimit>` runs `dynamo-dr rebuild`;
 * `touch` touches 256 MiB of fresh memory. Prints one JSON line: records, seconds, CPU seconds, peak RSS, and the
 * minor page faults of the measured part.
 */
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { rebuild } from "../../scripts/commands/rebuild";
import { BENCH_AT, BENCH_TABLE } from "./rebuild-history";

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
  const [mode, dir, out, temp, memoryLimit] = process.argv.slice(2) as [string, string, string, string, string];
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  let records: number;
  const faultsBefore = process.resourceUsage().minorPageFault;
  if (mode === "touch") records = touch();
  else if (mode === "ceiling") records = await ceiling(dir);
  else {
    const r = await rebuild(
      {
        bucket: dir,
        table: BENCH_TABLE,
        at: BENCH_AT.toISOString(),
        out,
        tempDir: temp,
        memoryLimit,
        quiet: true,
        catalog: { tables: [{ name: BENCH_TABLE, attributes: { pk: "S", sk: "N" }, hashKey: "pk", rangeKey: "sk" }] },
      },
      { cwd: process.cwd(), env: process.env, stderr: process.stderr },
    );
    records = r.records;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ mode, records, seconds, cpuSeconds: cpuSeconds(cpuStarted), peakRssMb: process.resourceUsage().maxRSS / 1024, pageFaults: process.resourceUsage().minorPageFault - faultsBefore })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
