/**
 * Backup and restore throughput and memory, on each local server, beside two references measured in the same run
 * on the same server:
 *   (a) the raw ceiling — the most the server gives this client with no files: a parallel Scan that only cuts the
 *       items out of the responses and counts them (best of 8 and 16 segments, 1 MB and 1,000-item pages, the same
 *       transport as the backup), and a BatchWriteItem loop (16 in flight, same transport as restore) of the same
 *       items in the order a restore sends them (the source's scan order, read before the clock starts);
 *   (b) a sequential baseline shaped like cumulus-api's backup/restore: one Scan stream into one JSON file, and
 *       restore with 2 BatchWriteItem requests in flight.
 * Every measurement runs in its own process; peak RSS is that process's VmHWM. Memory is compared across table sizes
 * (smallItems vs items, plus any --memory-items): peak RSS, the highest of the runs at each size, and the heap still in
 * use right after V8's own full GCs (the working set: it stays flat unless something is kept per item).
 */
import { join } from "node:path";
import { startDynamoServer, type DynamoServer } from "../../test/support/dynamo-local";
import { DEFAULT_PAGE_SIZE, DEFAULT_SEGMENTS } from "../../lib/table-io/backup";
import { measure, type Measurement } from "../lib/measure";
import type { BenchOptions, BenchSuite, BenchTable, SuiteResult } from "../lib/types";

interface ServerResult {
  readonly server: string;
  readonly items: number;
  readonly smallItems: number;
  readonly rawScan: Measurement;
  readonly rawScanSdk: Measurement;
  readonly backup: Measurement;
  readonly backupSmall: Measurement;
  /** Every backup / restore run, by table size (memory table). */
  readonly memory: MemoryPoint[];
  readonly baselineBackup: Measurement;
  readonly rawWrite: Measurement;
  readonly restore: Measurement;
  readonly restoreSmall: Measurement;
  readonly baselineRestore: Measurement;
  readonly allRuns: Record<string, Measurement[]>;
}

/** Memory of one command at one table size, over all of its runs there. */
interface MemoryPoint {
  readonly command: "backup" | "restore";
  readonly items: number;
  readonly runs: number;
  /** Highest peak RSS of the runs (not the fastest run's: that would pick by speed). */
  readonly peakRssMb: number;
  /** Lowest peak RSS of the runs (with peakRssMb: the run-to-run spread). */
  readonly minPeakRssMb: number;
  /** Most heap in use right after a V8 full GC, over the runs; undefined when no run had a full GC. */
  readonly heapAfterFullGcMb: number | undefined;
}

function best(runs: Measurement[]): Measurement {
  return runs.reduce((a, b) => (b.itemsPerSecond > a.itemsPerSecond ? b : a));
}

function memoryPoint(command: MemoryPoint["command"], runs: readonly Measurement[]): MemoryPoint {
  const heaps = runs.flatMap((r) => (r.heapAfterFullGcMb === undefined ? [] : [r.heapAfterFullGcMb]));
  return {
    command,
    items: runs[0]?.items ?? 0,
    runs: runs.length,
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    minPeakRssMb: Math.min(...runs.map((r) => r.peakRssMb)),
    heapAfterFullGcMb: heaps.length === 0 ? undefined : Math.max(...heaps),
  };
}

async function runServer(kind: "dynalite" | "dynamodb-local", o: BenchOptions): Promise<ServerResult> {
  o.log(`[${kind}] starting server`);
  const server: DynamoServer = await startDynamoServer(kind);
  const all: Record<string, Measurement[]> = {};
  const m = async (label: string, mode: string, args: Record<string, unknown>): Promise<Measurement> => {
    const r = await measure(server.endpoint, mode, args);
    (all[label] ??= []).push(r);
    o.log(
      `[${kind}] ${label.padEnd(18)} ${String(r.items).padStart(7)} items  ${String(r.itemsPerSecond).padStart(6)} items/s  ${String(r.peakRssMb).padStart(4)} MB${r.heapAfterFullGcMb === undefined ? "" : `  (heap after full GC ${r.heapAfterFullGcMb} MB)`}`,
    );
    return r;
  };
  const dir = join(o.workDir, kind);
  try {
    // Seeding the source tables is itself the first raw-write ceiling measurement.
    const rawWrites = [await m("raw write", "raw-write", { table: "src", items: o.items, concurrency: 16 })];
    // Warm the server up (JIT, caches) before the scan measurements; not counted.
    await m("warm-up scan", "raw-scan", { table: "src", segments: 16, pageLimit: DEFAULT_PAGE_SIZE, wire: "lines" });
    await m("seed small", "raw-write", { table: "src-small", items: o.smallItems, from: o.items, concurrency: 16 });

    const rawScans: Measurement[] = [];
    const backups: Measurement[] = [];
    for (let i = 0; i < o.repeat; i++) {
      rawScans.push(await m("raw scan 8", "raw-scan", { table: "src", segments: 8, wire: "lines" }));
      rawScans.push(await m("raw scan 16", "raw-scan", { table: "src", segments: 16, wire: "lines" }));
      rawScans.push(
        await m("raw scan 16/1000", "raw-scan", {
          table: "src",
          segments: 16,
          pageLimit: DEFAULT_PAGE_SIZE,
          wire: "lines",
        }),
      );
      backups.push(await m("backup", "backup", { table: "src", out: join(dir, `backup-${i}`) }));
    }
    const rawScanSdk = await m("raw scan (SDK)", "raw-scan", { table: "src", segments: 8 });
    // As many small runs as large ones, so the memory comparison is not one run against the highest of several.
    const backupsSmall: Measurement[] = [];
    for (let i = 0; i < o.repeat; i++) {
      backupsSmall.push(
        await m("backup small", "backup", {
          table: "src-small",
          out: join(dir, i === 0 ? "backup-small" : `backup-small-${i}`),
        }),
      );
    }
    const backupSmall = best(backupsSmall);
    const baselineBackup = await m("baseline backup", "baseline-backup", {
      table: "src",
      out: join(dir, "baseline.json"),
      limit: o.smallItems,
    });

    // Writes: restore and the raw write loop alternate on fresh tables; best of each.
    const restores: Measurement[] = [];
    for (let i = 0; i < o.repeat; i++) {
      restores.push(
        await m("restore", "restore", { source: join(dir, "backup-0"), table: `dst-${i}`, concurrency: 16 }),
      );
      await m("drop", "drop", { table: `dst-${i}` });
      rawWrites.push(
        await m("raw write", "raw-write", { table: `ceiling-${i}`, items: o.items, concurrency: 16, orderFrom: "src" }),
      );
      await m("drop", "drop", { table: `ceiling-${i}` });
    }
    const restore = best(restores);
    const restoresSmall: Measurement[] = [];
    for (let i = 0; i < o.repeat; i++) {
      restoresSmall.push(
        await m("restore small", "restore", {
          source: join(dir, "backup-small"),
          table: `dst-small-${i}`,
          concurrency: 16,
        }),
      );
      await m("drop", "drop", { table: `dst-small-${i}` });
    }
    const restoreSmall = best(restoresSmall);
    const memory: MemoryPoint[] = [
      memoryPoint("backup", backupsSmall),
      memoryPoint("backup", backups),
      memoryPoint("restore", restoresSmall),
      memoryPoint("restore", restores),
    ];
    // Extra table sizes for the memory comparison only (--memory-items), one backup and one restore each.
    for (const n of o.memoryItems) {
      const table = `src-mem-${n}`;
      await m("seed memory", "raw-write", { table, items: n, from: o.items + o.smallItems, concurrency: 16 });
      const b = await m("backup memory", "backup", { table, out: join(dir, `backup-mem-${n}`) });
      await m("drop", "drop", { table });
      const r = await m("restore memory", "restore", {
        source: join(dir, `backup-mem-${n}`),
        table: `dst-mem-${n}`,
        concurrency: 16,
      });
      await m("drop", "drop", { table: `dst-mem-${n}` });
      memory.push(memoryPoint("backup", [b]), memoryPoint("restore", [r]));
    }
    const baselineRestore = await m("baseline restore", "baseline-restore", {
      file: join(dir, "baseline.json"),
      table: "dst-baseline",
      concurrency: 2,
      limit: o.smallItems,
    });
    return {
      server: kind,
      items: o.items,
      smallItems: o.smallItems,
      rawScan: best(rawScans),
      rawScanSdk,
      backup: best(backups),
      backupSmall,
      baselineBackup,
      rawWrite: best(rawWrites),
      restore,
      restoreSmall,
      baselineRestore,
      memory,
      allRuns: all,
    };
  } finally {
    await server.stop();
  }
}

const fmt = (n: number): string => n.toLocaleString("en-US");
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

function tables(results: readonly ServerResult[]): BenchTable[] {
  const out: BenchTable[] = [];
  for (const r of results) {
    const row = (
      name: string,
      x: Measurement,
      ceiling: Measurement | undefined,
      base: Measurement | undefined,
    ): (string | number)[] => [
      name,
      fmt(x.items),
      fmt(x.itemsPerSecond),
      x.peakRssMb,
      ceiling === undefined ? "" : ratio(x.itemsPerSecond, ceiling.itemsPerSecond),
      base === undefined ? "" : ratio(x.itemsPerSecond, base.itemsPerSecond),
    ];
    out.push({
      title: `${r.server}: ${fmt(r.items)} items of ~300 B`,
      columns: ["measurement", "items", "items/s", "peak RSS MB", "vs raw ceiling", "vs cumulus-shaped baseline"],
      rows: [
        row("raw scan ceiling (no files)", r.rawScan, undefined, undefined),
        row("  raw scan, SDK objects (reference)", r.rawScanSdk, r.rawScan, undefined),
        row(`backup (dynamo-dr, ${DEFAULT_SEGMENTS} segments)`, r.backup, r.rawScan, r.baselineBackup),
        row("baseline backup (1 scan stream → JSON)", r.baselineBackup, r.rawScan, undefined),
        row("raw write ceiling (BatchWrite ×16, no files)", r.rawWrite, undefined, undefined),
        row("restore (dynamo-dr, 16 in flight)", r.restore, r.rawWrite, r.baselineRestore),
        row("baseline restore (2 in flight)", r.baselineRestore, r.rawWrite, undefined),
      ],
      notes: [
        `raw scan ceiling: best of ${(r.allRuns["raw scan 8"] ?? []).length + (r.allRuns["raw scan 16"] ?? []).length + (r.allRuns["raw scan 16/1000"] ?? []).length} runs (8 and 16 segments, 1 MB and ${DEFAULT_PAGE_SIZE}-item pages); backup: best of ${(r.allRuns.backup ?? []).length} runs; raw write: best of ${(r.allRuns["raw write"] ?? []).length} runs; restore: best of ${(r.allRuns.restore ?? []).length} runs, each including verifying every file first and creating the table.`,
        `the baselines stop after ${fmt(r.smallItems)} items (their rate is what matters; full runs would take ${Math.round(r.items / r.baselineBackup.itemsPerSecond)} s to back up and ${Math.round(r.items / r.baselineRestore.itemsPerSecond)} s to restore).`,
      ],
    });
    out.push(memoryTable(r));
  }
  return out;
}

/** Peak RSS and working set by table size: the "not growing with the table" check. */
function memoryTable(r: ServerResult): BenchTable {
  const sizes = [...new Set(r.memory.map((p) => p.items))].sort((a, b) => a - b);
  const smallest = sizes[0] ?? 0;
  const largest = sizes[sizes.length - 1] ?? 0;
  const at = (command: string, n: number): MemoryPoint | undefined =>
    r.memory.find((p) => p.command === command && p.items === n);
  const signed = (n: number): string => `${n >= 0 ? "+" : ""}${n}`;
  const rows = (["backup", "restore"] as const).map((command) => {
    const small = at(command, smallest);
    const large = at(command, largest);
    const heap = sizes.map((n) => at(command, n)?.heapAfterFullGcMb);
    return [
      command,
      ...sizes.map((n) => {
        const p = at(command, n);
        if (p === undefined) return "";
        return p.runs > 1 ? `${p.peakRssMb} MB (runs: ${p.minPeakRssMb}–${p.peakRssMb})` : `${p.peakRssMb} MB`;
      }),
      small === undefined || large === undefined ? "" : `${signed(large.peakRssMb - small.peakRssMb)} MB`,
      heap.every((h) => h !== undefined) ? `${heap.map((h) => Math.round(h)).join(" → ")} MB` : "",
    ];
  });
  const runs = (command: string, n: number): number => at(command, n)?.runs ?? 0;
  return {
    title: `${r.server}: peak RSS by table size`,
    columns: [
      "command",
      ...sizes.map((n) => `${fmt(n)} items`),
      "growth",
      `heap in use after V8's full GCs (${sizes.map(fmt).join(" → ")})`,
    ],
    rows,
    notes: [
      `peak RSS: the highest of the runs at each size, with the range over the runs (${sizes.map((n) => `${fmt(n)}: ${runs("backup", n)} backup, ${runs("restore", n)} restore`).join("; ")}); growth compares the highest at the smallest and the largest size.`,
      "heap in use after V8's full GCs: the most heap still in use right after one of V8's own mark-compact GCs in any run (read from the GC performance entries; no GC is forced): the working set. It stays flat when nothing is kept per item; peak RSS also holds the garbage V8 lets pile up between full GCs, which it lets grow over a longer run.",
    ],
  };
}

export const backupRestoreSuite: BenchSuite = {
  name: "backup-restore",
  description: "dynamo-dr backup/restore items/s and peak RSS vs the raw ceiling and a cumulus-api-shaped baseline",
  async run(o: BenchOptions): Promise<SuiteResult> {
    const results: ServerResult[] = [];
    for (const kind of o.servers) results.push(await runServer(kind, o));
    return { suite: "backup-restore", tables: tables(results), data: results };
  },
};
