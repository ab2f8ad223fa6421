/**
 * rebuild and history on a recorded history in the bucket layout (a local mirror): `rebuild --at Ti` equals the
 * table at Ti byte for byte, from capture only, from incremental exports only (at window ends), and from both; gaps
 * and damaged files are refused by name; the history summary is pinned.
 */
import { createHash } from "node:crypto";
import { readFile, rm, writeFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hourManifestFilesKey } from "../../lib/capture/layout";
import { EXIT } from "../../lib/cli/errors";
import { exitCodeFor } from "../../lib/cli/errors";
import { openExport, readExportLines } from "../../lib/export-format";
import { history, renderHistory } from "../../scripts/commands/history";
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
import { freshDir, H, NOW, randomWrites } from "./history-world";

const catalog = { tables: [SPEC] };
const quiet = { stderr: process.stderr, cwd: process.cwd(), env: {} as NodeJS.ProcessEnv };
const HOURS = ["2026-11-30T10", "2026-11-30T11", "2026-11-30T12", "2026-11-30T13"];
const WINDOWS: [string, string][] = [
  ["10:00:00", "11:00:00"],
  ["11:00:00", "12:00:00"],
  ["12:00:00", "13:00:00"],
];
const dirs: string[] = [];

/** Writes with quiet points: nothing in the 20 s before each Ti, so T is never within the stream's resolution of a write. */
const writes: Write[] = randomWrites(11, { from: H("09:30:00"), to: H("13:59:00"), keys: 30, count: 600 }).filter(
  (w) =>
    !["10:17:23", "11:00:00", "11:45:10", "12:00:00", "13:00:00", "13:41:07"].some(
      (q) => w.t > H(q) - 20_000 && w.t <= H(q) + 1000,
    ),
);

async function world(
  name: string,
  parts: { capture?: boolean; incrementals?: boolean; failedHour?: string },
): Promise<string> {
  const { dir, store } = await freshDir(name);
  dirs.push(dir);
  await writeFullExport(store, writes, { at: H("10:00:00"), id: "01764496800000-base0001" });
  if (parts.incrementals === true) {
    for (const [from, to] of WINDOWS) {
      await writeIncrementalExport(store, writes, { from: H(from), to: H(to), id: `inc-${from.slice(0, 2)}` });
    }
  }
  if (parts.capture === true) {
    await writeCapture(store, writes, {
      hours: HOURS,
      ...(parts.failedHour === undefined ? {} : { failed: [parts.failedHour] }),
    });
  }
  return dir;
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

let last: Awaited<ReturnType<typeof rebuild>> | undefined;

async function rebuildAt(bucket: string, at: string, extra: { keepTtlDeleted?: boolean } = {}): Promise<string> {
  const { dir: out } = await freshDir("out");
  dirs.push(out);
  await rm(out, { recursive: true });
  last = await rebuild(
    { bucket, table: TABLE, at, out, catalog, now: NOW, quiet: true, memoryLimit: "256MB", ...extra },
    quiet,
  );
  return out;
}

async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected a refusal").toBeInstanceOf(Error);
  return { code: exitCodeFor(err), message: (err as Error).message };
}

let capture: string;
let incrementals: string;
let both: string;

beforeAll(async () => {
  capture = await world("capture", { capture: true });
  incrementals = await world("incrementals", { incrementals: true });
  both = await world("both", { capture: true, incrementals: true });
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("rebuild --at Ti equals the table at Ti, byte for byte", () => {
  it("has a history worth testing (overwrites, deletes, re-creates, TTL deletes)", () => {
    expect(writes.length).toBeGreaterThan(300);
    expect(writes.filter((w) => w.ttl === true).length).toBeGreaterThan(10);
    expect(stateAt(writes, H("12:00:00")).size).toBeGreaterThan(5);
  });

  for (const at of ["10:00:00", "10:17:23", "11:00:00", "11:45:10", "12:00:00", "13:00:00", "13:41:07"]) {
    it(`from capture only at ${at}`, async () => {
      const out = await rebuildAt(capture, `2026-11-30T${at}Z`);
      expect(await rebuiltLines(out)).toEqual(expectedLines(stateAt(writes, H(at))));
      expect(last?.incrementalExports).toEqual([]);
    });
    it(`from incremental exports and capture at ${at}`, async () => {
      const out = await rebuildAt(both, `2026-11-30T${at}Z`);
      expect(await rebuiltLines(out)).toEqual(expectedLines(stateAt(writes, H(at))));
      if (H(at) >= H("11:00:00")) expect(last?.incrementalExports.length).toBeGreaterThan(0);
      if (!["10:00:00", "11:00:00", "12:00:00", "13:00:00"].includes(at))
        expect(last?.captureHours.length).toBeGreaterThan(0);
    });
  }

  for (const at of ["11:00:00", "12:00:00", "13:00:00"]) {
    it(`from incremental exports only at the window end ${at}`, async () => {
      const out = await rebuildAt(incrementals, `2026-11-30T${at}Z`);
      expect(await rebuiltLines(out)).toEqual(expectedLines(stateAt(writes, H(at))));
      expect(last?.captureHours).toEqual([]);
    });
  }

  it("keeps TTL-deleted items with --keep-ttl-deleted", async () => {
    const out = await rebuildAt(capture, "2026-11-30T13:41:07Z", { keepTtlDeleted: true });
    const kept = expectedLines(stateAt(writes, H("13:41:07"), true));
    expect(kept).not.toEqual(expectedLines(stateAt(writes, H("13:41:07"))));
    expect(await rebuiltLines(out)).toEqual(kept);
  });

  it("writes an export that restore can read: manifests, md5s, schema.json from the catalog", async () => {
    const out = await rebuildAt(both, "2026-11-30T11:45:10Z");
    const exp = await openExport(out);
    expect(exp.schema?.table.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    expect(exp.summary.exportTime).toBe("2026-11-30T11:45:10.000Z");
    expect(exp.summary.itemCount).toBe(stateAt(writes, H("11:45:10")).size);
  });
});

describe("refusals", () => {
  it("refuses a time between export points without capture, naming the nearest exact times", async () => {
    const { code, message } = await refusal(rebuildAt(incrementals, "2026-11-30T11:45:10Z"));
    expect(code).toBe(EXIT.precondition);
    expect(message).toBe(
      "cannot rebuild HistoryTable exactly as of 2026-11-30T11:45:10.000Z: the history has a gap from 2026-11-30T11:00:00.000Z to 2026-11-30T12:00:00.000Z (no full export, incremental export or sealed capture covers it); nearest times it can rebuild exactly: before 2026-11-30T11:00:00.000Z, after 2026-11-30T12:00:00.000Z",
    );
  });

  it("refuses across a failed capture hour, naming it", async () => {
    const bucket = await world("failed", { capture: true, failedHour: "2026-11-30T11" });
    const { code, message } = await refusal(rebuildAt(bucket, "2026-11-30T12:30:00Z"));
    expect(code).toBe(EXIT.precondition);
    expect(message).toBe(
      "cannot rebuild HistoryTable exactly as of 2026-11-30T12:30:00.000Z: the history has a gap from 2026-11-30T11:00:00.000Z to 2026-11-30T12:00:00.000Z (capture hour 2026-11-30T11 is FAILED (missing object (test))); nearest times it can rebuild exactly: before 2026-11-30T10:59:59.999Z, after none",
    );
  });

  it("refuses a time before every full export", async () => {
    const { code, message } = await refusal(rebuildAt(both, "2026-11-30T09:45:00Z"));
    expect(code).toBe(EXIT.notFound);
    expect(message).toContain(
      "no usable full export is consistent at or before it (the earliest is 2026-11-30T10:00:00.000Z)",
    );
  });

  it("refuses a damaged capture object by name, writing nothing", async () => {
    const bucket = await world("damaged", { capture: true });
    const manifest = await readFile(join(bucket, hourManifestFilesKey(TABLE, "2026-11-30T11")), "utf8");
    const key = (JSON.parse(manifest.split("\n")[0]!) as { dataFileS3Key: string }).dataFileS3Key;
    const bytes = await readFile(join(bucket, key));
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x01;
    await writeFile(join(bucket, key), bytes);
    const { dir: out } = await freshDir("out-damaged");
    dirs.push(out);
    const { code, message } = await refusal(
      rebuild({ bucket, table: TABLE, at: "2026-11-30T11:45:10Z", out, catalog, now: NOW, quiet: true }, quiet),
    );
    expect(code).toBe(EXIT.verification);
    expect(message).toMatch(
      new RegExp(
        `^${join(bucket, key).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: damaged: md5 of its bytes is \\S+, its manifest records \\S+$`,
      ),
    );
    expect(await readdir(out)).toEqual([]);
  });

  it("refuses files whose line count is not their manifest's (md5 right), capture and base, writing nothing", async () => {
    const bucket = await world("miscounted", { capture: true });
    const hourKey = join(bucket, hourManifestFilesKey(TABLE, "2026-11-30T11"));
    const entries = (await readFile(hourKey, "utf8")).split("\n").filter((l) => l !== "");
    const first = JSON.parse(entries[0]!) as { dataFileS3Key: string; itemCount: number };
    entries[0] = JSON.stringify({ ...first, itemCount: first.itemCount + 1 });
    await writeFile(hourKey, `${entries.join("\n")}\n`);
    const exp = await openExport(join(bucket, "exports", TABLE, "AWSDynamoDB", "01764496800000-base0001"));
    const manifestFiles = join(exp.location, "manifest-files.json");
    const baseEntries = (await readFile(manifestFiles, "utf8")).split("\n").filter((l) => l !== "");
    const base = JSON.parse(baseEntries[0]!) as { dataFileS3Key: string; itemCount: number };
    baseEntries[0] = JSON.stringify({ ...base, itemCount: base.itemCount - 1 });
    await writeFile(manifestFiles, `${baseEntries.join("\n")}\n`);
    const { dir: out } = await freshDir("out-miscounted");
    dirs.push(out);
    const { code, message } = await refusal(
      rebuild({ bucket, table: TABLE, at: "2026-11-30T11:45:10Z", out, catalog, now: NOW, quiet: true }, quiet),
    );
    expect(code).toBe(EXIT.verification);
    expect(message.split("\n").slice(1).sort()).toEqual(
      [
        `  ${join(bucket, first.dataFileS3Key)}: holds ${first.itemCount} records, its manifest says ${first.itemCount + 1}`,
        `  ${join(exp.location, "data", base.dataFileS3Key.split("/").pop()!)}: holds ${base.itemCount} records, its manifest says ${base.itemCount - 1}`,
      ].sort(),
    );
    expect(await readdir(out)).toEqual([]);
  });

  it("refuses a base line that is not JSON (its md5 and count right) as damaged input, writing nothing", async () => {
    // The base is read where it is used (after the checks), so this fails while the engine writes its output: what
    // was written by then goes.
    const bucket = await world("not-json", { capture: true });
    const exp = await openExport(join(bucket, "exports", TABLE, "AWSDynamoDB", "01764496800000-base0001"));
    const entry = exp.files[exp.files.length - 1]!;
    const file = join(exp.location, "data", entry.dataFileS3Key.split("/").pop()!);
    const lines = gunzipSync(await readFile(file))
      .toString("utf8")
      .split("\n");
    lines[1] = '{"Item":{"pk":{"S":"torn';
    const bytes = gzipSync(lines.join("\n"));
    await writeFile(file, bytes);
    const manifestFiles = join(exp.location, "manifest-files.json");
    const md5 = createHash("md5").update(bytes).digest("base64");
    const text = await readFile(manifestFiles, "utf8");
    await writeFile(manifestFiles, text.replace(entry.md5Checksum, md5));
    const { dir: out } = await freshDir("out-not-json");
    dirs.push(out);
    const { code, message } = await refusal(
      rebuild({ bucket, table: TABLE, at: "2026-11-30T11:45:10Z", out, catalog, now: NOW, quiet: true }, quiet),
    );
    expect(code).toBe(EXIT.verification);
    expect(message).toMatch(/^cannot rebuild from the input: .*JSON/);
    expect(await readdir(out)).toEqual([]);
  });

  it("names --memory-limit and --temp-dir when the engine runs out of memory, writing nothing", async () => {
    const { dir: out } = await freshDir("out-oom");
    dirs.push(out);
    await rm(out, { recursive: true });
    const { code, message } = await refusal(
      rebuild(
        {
          bucket: both,
          table: TABLE,
          at: "2026-11-30T11:45:10Z",
          out,
          catalog,
          now: NOW,
          quiet: true,
          memoryLimit: "1KB",
        },
        quiet,
      ),
    );
    expect(code).toBe(EXIT.usage);
    expect(message).toMatch(
      /^the engine ran out of memory within --memory-limit 1KB: raise it, or check that the spill folder \(--temp-dir, here .+\) has room: Out of Memory Error: /,
    );
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it("refuses a missing base data file by name", async () => {
    const bucket = await world("missing", { capture: true });
    const exp = await openExport(join(bucket, "exports", TABLE, "AWSDynamoDB", "01764496800000-base0001"));
    const file = join(exp.location, "data", exp.files[0]!.dataFileS3Key.split("/").pop()!);
    await rm(file);
    const { code, message } = await refusal(rebuildAt(bucket, "2026-11-30T11:45:10Z"));
    expect(code).toBe(EXIT.verification);
    expect(message).toBe(`${file}: listed in its manifest but does not exist`);
  });
});

describe("history", () => {
  it("sums up what can be rebuilt, with every gap (pinned)", async () => {
    const bucket = await world("history", { capture: true, incrementals: true, failedHour: "2026-11-30T12" });
    const r = await history({ bucket, table: TABLE, catalog, now: NOW }, quiet);
    const text = renderHistory(r).replace(bucket, "<bucket>");
    expect(text).toBe(
      [
        "HistoryTable: restorable to any second from 2026-11-30T10:00:00Z to 2026-11-30T11:59:59Z and from 2026-11-30T13:00:00Z to 2026-11-30T13:59:59Z (capture); to export points from 2026-11-30T11:00:00Z to 2026-11-30T13:00:00Z (incremental exports, every 1 h); full exports back to 2026-11-30T10:00:00Z.",
        "",
        "History of HistoryTable in <bucket>:",
        "  full exports (1):",
        `    2026-11-30T10:00:00Z  native ${String(stateAt(writes, H("10:00:00")).size).padStart(12)} items  NOT_VERIFIED  01764496800000-base0001`,
        "  incremental exports (3):",
        ...r.incrementalExports.map(
          (w) => `    ${w.from} → ${w.to}  ${String(w.records).padStart(10)} records  NOT_VERIFIED  ${w.id}`,
        ),
        "  capture: 3 sealed hour(s) from 2026-11-30T10 to 2026-11-30T13",
        "    FAILED 2026-11-30T12: missing object (test)",
        "  gaps (1):",
        "    capture: 2026-11-30T12:00:00Z → 2026-11-30T13:00:00Z (hour 2026-11-30T12 is FAILED: missing object (test))",
      ].join("\n"),
    );
  });
});
