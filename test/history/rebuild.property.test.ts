/**
 * Property: for any history of puts, overwrites, deletes, TTL deletes and re-creates of deleted keys, and any time T
 * after the base, the rebuild equals the table at T byte for byte — from capture only, from incremental exports and
 * capture, and from incremental exports only at a window end. Small histories, DuckDB in process, bounded runs.
 */
import fc from "fast-check";
import { rm } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { hourIdOf, nextHour } from "../../lib/capture/layout";
import { openExport, readExportLines } from "../../lib/export-format";
import { rebuild } from "../../scripts/commands/rebuild";
import {
  expectedLines,
  SPEC,
  stateAt,
  TABLE,
  writeCapture,
  writeFullExport,
  writeIncrementalExport,
  type Write,
} from "./fixtures";
import { freshDir, H, itemOf, NOW } from "./history-world";

const ctx = { stderr: process.stderr, cwd: process.cwd(), env: {} as NodeJS.ProcessEnv };
const BASE = H("10:00:00");

const opArb = fc.record({
  key: fc.integer({ min: 0, max: 5 }),
  kind: fc.constantFrom("put", "put", "put", "delete", "ttl"),
  gapSeconds: fc.integer({ min: 1, max: 300 }),
});

/** Writes from 09:55 on, never exactly on an hour (an incremental window's edge). */
function toWrites(ops: readonly { key: number; kind: string; gapSeconds: number }[]): Write[] {
  let t = H("09:55:00");
  return ops.map((op, i) => {
    t += op.gapSeconds * 1000;
    if (t % 3_600_000 === 0) t += 1000;
    const keys = { pk: itemOf(op.key, 0).pk, sk: { N: String(op.key) } };
    return op.kind === "put"
      ? { t, keys, item: itemOf(op.key, i) }
      : { t, keys, ...(op.kind === "ttl" ? { ttl: true } : {}) };
  });
}

async function rebuiltLines(out: string): Promise<string[]> {
  const exp = await openExport(out);
  const lines: string[] = [];
  for (const entry of exp.files) {
    const it = readExportLines(exp, entry);
    for (let r = await it.next(); r.done !== true; r = await it.next()) lines.push(...r.value);
  }
  return lines.sort();
}

async function check(writes: Write[], mode: "capture" | "both" | "incrementals", pick: number): Promise<void> {
  const end = Math.max(BASE, writes[writes.length - 1]?.t ?? BASE) + 60_000;
  const hours: string[] = [];
  for (let h = hourIdOf(BASE); h <= hourIdOf(end); h = nextHour(h)) hours.push(h);
  const ends = hours.slice(1).map((h) => Date.parse(`${h}:00:00Z`));
  const at =
    mode === "incrementals"
      ? (ends[pick % Math.max(1, ends.length)] ?? BASE)
      : BASE + Math.floor(((end - BASE) * (pick % 1000)) / 1000 / 1000) * 1000;
  const { dir, store } = await freshDir("prop");
  const { dir: out } = await freshDir("prop-out");
  try {
    await writeFullExport(store, writes, { at: BASE, id: "01764496800000-base0001" });
    if (mode !== "capture") {
      for (let i = 0; i + 1 < hours.length; i++) {
        const from = Date.parse(`${hours[i]}:00:00Z`);
        await writeIncrementalExport(store, writes, { from, to: from + 3_600_000, id: `inc-${i}` });
      }
    }
    if (mode !== "incrementals") await writeCapture(store, writes, { hours, batch: 3 });
    await rebuild(
      {
        bucket: dir,
        table: TABLE,
        at: new Date(at).toISOString(),
        out,
        catalog: { tables: [SPEC] },
        now: NOW,
        quiet: true,
        memoryLimit: "256MB",
      },
      ctx,
    );
    expect(await rebuiltLines(out)).toEqual(expectedLines(stateAt(writes, at)));
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
}

describe("rebuild equals the table at T for any history (property)", () => {
  for (const mode of ["capture", "both", "incrementals"] as const) {
    it(`from ${mode}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 50 }), fc.nat(), async (ops, pick) => {
          await check(toWrites(ops), mode, pick);
        }),
        { numRuns: 15, seed: 20261201 + mode.length, endOnFailure: true },
      );
    }, 120_000);
  }
});
