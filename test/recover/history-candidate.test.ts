/**
 * The history as a recover candidate, on a local folder mirroring the bucket (test/history's fixtures): what it says
 * it gives for each kind of T — exact from capture, exact at an export point, the nearest export point between two
 * (the loss said), a gap between the base and T (unusable, the rebuild's refusal naming it), nothing for the table, and
 * no --bucket. The same survey on moto, end to end, is in recover-history.moto.test.ts.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { coverageKey } from "../../lib/capture/layout";
import { openStore } from "../../lib/export-format";
import { historyCandidate, samplePositions } from "../../lib/recover/history";
import { TABLE, writeCapture, writeFullExport, writeIncrementalExport } from "../history/fixtures";
import { freshDir } from "../history/history-world";
import { historyWrites } from "./history-bucket";

const HOUR = 3_600_000;
const H0 = Date.parse("2026-11-30T10:00:00Z");
const NOW = new Date(H0 + 6 * HOUR);
const iso = (ms: number): string => new Date(ms).toISOString();

describe("the history as a recover candidate", () => {
  let good: string;
  let gappy: string;
  let empty: string;

  beforeAll(async () => {
    const writes = historyWrites(H0);
    const g = await freshDir("candidate-good");
    await writeFullExport(g.store, writes, { at: H0, id: `${H0}-base` });
    for (let k = 0; k < 4; k++) {
      const from = H0 + k * HOUR;
      await writeIncrementalExport(g.store, writes, { from, to: from + HOUR, id: `${from}-inc` });
    }
    await writeCapture(g.store, writes, { hours: ["2026-11-30T10", "2026-11-30T11"] });
    const b = await freshDir("candidate-gappy");
    await writeFullExport(b.store, writes, { at: H0, id: `${H0}-base` });
    await writeCapture(b.store, writes, {
      hours: ["2026-11-30T10", "2026-11-30T11", "2026-11-30T12"],
      failed: ["2026-11-30T11"],
    });
    good = g.dir;
    gappy = b.dir;
    empty = join((await freshDir("candidate-empty")).dir, "bucket");
    await mkdir(empty);
  });

  const survey = (dir: string | undefined, at: number) =>
    historyCandidate({
      catalogName: TABLE,
      source: dir === undefined ? undefined : { store: openStore({ kind: "local", dir }) },
      at: new Date(at),
      now: NOW,
    });

  it("exact where capture covers T", async () => {
    const c = await survey(good, H0 + HOUR + 123_000);
    expect(c).toMatchObject({ usable: true, lossSeconds: 0, dataAsOf: iso(H0 + HOUR + 123_000) });
    expect(c.says).toBe(
      `exact to the stream's 1 s precision: rebuilt from the native export of ${iso(H0)}, 1 incremental export(s), 1 captured hour(s)`,
    );
  });

  it("exact at an export point", async () => {
    expect(await survey(good, H0 + 3 * HOUR)).toMatchObject({
      usable: true,
      lossSeconds: 0,
      dataAsOf: iso(H0 + 3 * HOUR),
    });
  });

  it("between export points without capture: the nearest one before T, the loss said", async () => {
    const c = await survey(good, H0 + 2 * HOUR + 90_000);
    expect(c).toMatchObject({ usable: true, lossSeconds: 90, dataAsOf: iso(H0 + 2 * HOUR) });
    expect(c.says).toBe(
      `rebuilt as of ${iso(H0 + 2 * HOUR)}, the nearest time at or before T it can rebuild exactly (it reaches no further: no full export, incremental export or sealed capture covers it): changes in the 1 min 30 s before T are lost`,
    );
  });

  it("after the last export point: the last one, the loss said", async () => {
    expect(await survey(good, H0 + 5 * HOUR)).toMatchObject({
      usable: true,
      lossSeconds: 3600,
      dataAsOf: iso(H0 + 4 * HOUR),
    });
  });

  it("a gap between the base and T: unusable, naming the gap and the nearest exact times", async () => {
    const c = await survey(gappy, H0 + 2 * HOUR + 600_000);
    expect(c.usable).toBe(false);
    expect(c.says).toBe(
      `cannot rebuild ${TABLE} exactly as of ${iso(H0 + 2 * HOUR + 600_000)}: the history has a gap from ${iso(H0 + HOUR)} to ${iso(H0 + 2 * HOUR)} (capture hour 2026-11-30T11 is FAILED (missing object (test))); nearest times it can rebuild exactly: before ${iso(H0 + HOUR - 1)}, after none`,
    );
  });

  it("before the first full export: unusable, saying so", async () => {
    const c = await survey(good, H0 - 60_000);
    expect(c.usable).toBe(false);
    expect(c.says).toMatch(
      /^cannot rebuild HistoryTable as of .*: no usable full export is consistent at or before it \(the earliest is /,
    );
  });

  it("nothing for the table in the bucket, and no --bucket: unusable, saying why", async () => {
    expect((await survey(empty, H0)).says).toMatch(
      /hold no history of table HistoryTable: no exports and no captured changes/,
    );
    expect(await survey(undefined, H0)).toEqual({
      source: "history",
      kind: "history",
      usable: false,
      says: "pass --bucket <backup bucket> to consider the export history",
    });
  });

  it("a damaged coverage file: unusable, naming the file (the other sources are still surveyed)", async () => {
    const d = await freshDir("candidate-damaged");
    await writeFullExport(d.store, historyWrites(H0), { at: H0, id: `${H0}-base` });
    await d.store.writeText(coverageKey(TABLE), "{not json");
    const c = await survey(d.dir, H0 + HOUR);
    expect(c.usable).toBe(false);
    expect(c.says).toMatch(/coverage\.json: not valid JSON \(.*\); it was damaged$/);
  });

  it("the sample: evenly spread, reproducible, never more than the items", () => {
    expect([...samplePositions(5)]).toEqual([0, 1, 2, 3, 4]);
    expect([...samplePositions(1000, 4)]).toEqual([0, 250, 500, 750]);
    expect(samplePositions(12_345).size).toBe(100);
    expect(samplePositions(0).size).toBe(0);
  });
});
