/**
 * Backup and restore throughput and memory, on each local server, beside two references measured in the same run
 * on the same server:
 *   (a) the raw ceiling — the most the server gives this client with no files: a parallel Scan that only cuts the
 *       items out of the responses and counts them (best of 8 and 16 segments, 1 MB and 1,000-item pages, the same
 *       transport as the backup), and a BatchWriteItem loop (16 in flight, same transport as restore) of the same
 *       items in the order a restore sends them (the source's scan order, read before the clock starts);
 *   (b) a sequential baseline shaped like cumulus-api's backup/restore: one Scan stream into one JSON file, and
 *       restore with 2 BatchWriteItem requests in flight.
 * Every measurement runs in its own process; peak RSS is that process's VmHWM.
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
  readonly baselineBackup: Measurement;
  readonly rawWrite: Measurement;
  readonly restore: Measurement;
  readonly restoreSmall: Measurement;
  readonly baselineRestore: Measurement;
  readonly allRuns: Record<string, Measurement[]>;
}

function best(runs: Measurement[]): Measurement {
  return runs.reduce((a, b) => (b.itemsPerSecond > a.itemsPerSecond ? b : a));
}

async function runServer(kind: "dynalite" | "dynamodb-local", o: BenchOptions): Promise<ServerResult> {
  o.log(`[${kind}] starting server`);
  const server: DynamoServer = await startDynamoServer(kind);
  const all: Record<string, Measurement[]> = {};
  const m = async (label: string, mode: string, args: Record<string, unknown>): Promise<Measurement> => {
    const r = await measure(server.endpoint, mode, args);
    (all[label] ??= []).push(r);
    o.log(
      `[${kind}] ${label.padEnd(18)} ${String(r.items).padStart(7)} items  ${String(r.itemsPerSecond).padStart(6)} items/s  ${String(r.peakRssMb).padStart(4)} MB`,
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
    const backupSmall = await m("backup small", "backup", { table: "src-small", out: join(dir, "backup-small") });
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
    const restoreSmall = await m("restore small", "restore", {
      source: join(dir, "backup-small"),
      table: "dst-small",
      concurrency: 16,
    });
    await m("drop", "drop", { table: "dst-small" });
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
    out.push({
      title: `${r.server}: peak RSS, ${fmt(r.smallItems)} vs ${fmt(r.items)} items`,
      columns: ["command", `${fmt(r.smallItems)} items`, `${fmt(r.items)} items`, "growth"],
      rows: [
        [
          "backup",
          `${r.backupSmall.peakRssMb} MB`,
          `${r.backup.peakRssMb} MB`,
          `${r.backup.peakRssMb - r.backupSmall.peakRssMb >= 0 ? "+" : ""}${r.backup.peakRssMb - r.backupSmall.peakRssMb} MB`,
        ],
        [
          "restore",
          `${r.restoreSmall.peakRssMb} MB`,
          `${r.restore.peakRssMb} MB`,
          `${r.restore.peakRssMb - r.restoreSmall.peakRssMb >= 0 ? "+" : ""}${r.restore.peakRssMb - r.restoreSmall.peakRssMb} MB`,
        ],
      ],
    });
  }
  return out;
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
