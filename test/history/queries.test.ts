/**
 * The three history queries (lib/history/queries.ts) in their DuckDB form, run on the fixture history: the full
 * history of one item, who or what changed items between two times, and the table as of T.
 */
import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeLines, SPEC, stateAt, expectedLines, writeCapture, writeFullExport, type Write } from "./fixtures";
import { freshDir, H, randomWrites } from "./history-world";
import { duckdbDialect } from "../../lib/history/duckdb-dialect";
import { openDuckDb } from "../../lib/engine/duckdb";
import { changesBetweenSql, itemHistorySql, tableAsOfSql } from "../../lib/history/queries";
import {
  changeRecordsSql,
  changesFirstSql,
  itemLine,
  rebuiltLinesSql,
  recordsSql,
  type RebuildInputs,
} from "../../lib/history/definition";
import type { DuckDBConnection } from "@duckdb/node-api";

const writes: Write[] = randomWrites(5, { from: H("10:00:00"), to: H("11:59:00"), keys: 8, count: 200 });
let dir: string;
let captureFiles: string[];
let baseFiles: string[];
let db: { conn: DuckDBConnection; close(): void };

async function filesUnder(d: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(d, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(".json.gz")) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

/** The lines of the rule's two-part evaluation, run as the DuckDB engine runs it: winners staged, then each statement. */
async function changesFirstLines(inputs: RebuildInputs, changes: string): Promise<string[]> {
  const plan = changesFirstSql(duckdbDialect, inputs, { changes, winners: "staged_winners" }, (img) =>
    itemLine(duckdbDialect, img),
  );
  await db.conn.run(`CREATE OR REPLACE TEMP TABLE staged_winners AS ${plan.winners}`);
  const out: string[] = [];
  for (const sql of plan.lines) {
    out.push(...(await db.conn.runAndReadAll(sql)).getRowObjects().map((r) => String(r.line)));
  }
  return out.sort();
}

beforeAll(async () => {
  const w = await freshDir("queries");
  dir = w.dir;
  await writeFullExport(w.store, writes, { at: H("10:00:00"), id: "01764496800000-base0001" });
  await writeCapture(w.store, writes, { hours: ["2026-11-30T10", "2026-11-30T11"] });
  captureFiles = await filesUnder(join(dir, "changes"));
  baseFiles = await filesUnder(join(dir, "exports"));
  db = await openDuckDb({ memoryLimit: "256MB", tempDir: join(dir, "duckdb") });
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the engine's memory", () => {
  it("gives DuckDB 70% of the memory limit as its memory_limit (the rest is for what it allocates outside it)", async () => {
    const setting = (await db.conn.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRowObjects();
    expect(setting).toEqual([{ m: "170.0 MiB" }]);
  });
});

describe("history queries (DuckDB form)", () => {
  it("1. the full history of one item, oldest first", async () => {
    const keys = writes[3]!.keys;
    const rows = (await db.conn.runAndReadAll(itemHistorySql(duckdbDialect, captureFiles, keys))).getRowObjects();
    const expected = changeLines(writes).filter((l) => JSON.stringify(l.Keys) === JSON.stringify(keys));
    expect(rows.map((r) => r.event_name)).toEqual(expected.map((l) => l.eventName));
    expect(rows.map((r) => r.new_image)).toEqual(
      expected.map((l) => (l.NewImage === undefined ? null : JSON.stringify(l.NewImage))),
    );
    expect(rows.map((r) => Number(r.at_micros))).toEqual(
      expected.map((l) => l.ApproximateCreationDateTime * 1_000_000),
    );
    expect(rows.length).toBeGreaterThan(3);
  });

  it("2. who or what changed items between two times (eventName, userIdentity)", async () => {
    const from = H("10:30:00");
    const to = H("11:00:00");
    const sql = changesBetweenSql(duckdbDialect, captureFiles, from * 1000, to * 1000);
    const rows = (await db.conn.runAndReadAll(sql)).getRowObjects();
    const expected = changeLines(writes).filter(
      (l) => l.ApproximateCreationDateTime * 1000 >= from && l.ApproximateCreationDateTime * 1000 <= to,
    );
    expect(rows.map((r) => [r.event_name, r.identity_type, r.principal, r.keys])).toEqual(
      expected.map((l) => [
        l.eventName,
        l.userIdentity === null ? null : "Service",
        l.userIdentity === null ? null : "dynamodb.amazonaws.com",
        JSON.stringify(l.Keys),
      ]),
    );
    expect(rows.some((r) => r.principal === "dynamodb.amazonaws.com")).toBe(true);
  });

  it("3. the table as of T", async () => {
    const at = H("11:12:13");
    const sql = tableAsOfSql(duckdbDialect, {
      keyAttributes: [SPEC.hashKey, SPEC.rangeKey!],
      baseFiles,
      incrementalFiles: [],
      captureFiles,
      captureFromMicros: H("10:00:00") * 1000,
      atMicros: at * 1000,
      keepTtlDeleted: false,
    });
    const rows = (await db.conn.runAndReadAll(sql)).getRowObjects();
    expect(rows.map((r) => String(r.line)).sort()).toEqual(expectedLines(stateAt(writes, at)));
  });

  it("the rule's two evaluations agree (all records ranked; changes ranked and the untouched base kept)", async () => {
    const inputs = {
      keyAttributes: [SPEC.hashKey, SPEC.rangeKey!],
      baseFiles,
      incrementalFiles: [],
      captureFiles,
      captureFromMicros: H("10:00:00") * 1000,
      atMicros: 0,
      keepTtlDeleted: false,
    };
    await db.conn.run(`CREATE TEMP TABLE staged AS ${recordsSql(duckdbDialect, inputs)}`);
    await db.conn.run(`CREATE TEMP TABLE staged_changes AS ${changeRecordsSql(duckdbDialect, inputs)}`);
    const lines = async (sql: string): Promise<string[]> =>
      (await db.conn.runAndReadAll(sql))
        .getRowObjects()
        .map((r) => String(r.line))
        .sort();
    for (const at of [H("10:00:00"), H("10:30:00"), H("11:12:13"), H("11:59:59")]) {
      for (const keepTtlDeleted of [false, true]) {
        const inp = { ...inputs, atMicros: at * 1000, keepTtlDeleted };
        const ranked = await lines(rebuiltLinesSql(duckdbDialect, inp, "staged"));
        const changesFirst = await changesFirstLines(inp, "staged_changes");
        expect(changesFirst).toEqual(ranked);
        if (!keepTtlDeleted) expect(ranked).toEqual(expectedLines(stateAt(writes, at)));
      }
    }
  });
});

describe("the base, read where it is used (changesFirstSql)", () => {
  it("carries a stored line as it is, rebuilds one not in the exact export form from its Item, keeps one without its key", async () => {
    const stored = '{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"x \\u00e9 ✓"}}}';
    const spaced = '{ "Item" : {"pk":{"S":"b"}, "sk":{"N":"2"}} }';
    const keyless = '{"Item":{"other":{"S":"c"}}}';
    const touched = '{"Item":{"pk":{"S":"d"},"sk":{"N":"4"}}}';
    const file = join(dir, "odd-base.json.gz");
    await writeFile(file, gzipSync(`${[stored, spaced, keyless, touched].join("\n")}\n`));
    const change = {
      eventID: "e1",
      eventName: "MODIFY",
      SequenceNumber: "100",
      ApproximateCreationDateTime: H("10:00:05") / 1000,
      userIdentity: null,
      Keys: { pk: { S: "d" }, sk: { N: "4" } },
      NewImage: { pk: { S: "d" }, sk: { N: "4" }, v: { S: "new" } },
    };
    const changes = join(dir, "odd-changes.json.gz");
    await writeFile(changes, gzipSync(`${JSON.stringify(change)}\n`));
    const inputs = {
      keyAttributes: [SPEC.hashKey, SPEC.rangeKey!],
      baseFiles: [file],
      incrementalFiles: [],
      captureFiles: [changes],
      captureFromMicros: H("10:00:00") * 1000,
      atMicros: H("10:00:10") * 1000,
      keepTtlDeleted: false,
    };
    await db.conn.run(`CREATE TEMP TABLE odd_changes AS ${changeRecordsSql(duckdbDialect, inputs)}`);
    const lines = await changesFirstLines(inputs, "odd_changes");
    expect(lines).toEqual(
      [
        stored,
        '{"Item":{"pk":{"S":"b"},"sk":{"N":"2"}}}',
        keyless,
        '{"Item":{"pk":{"S":"d"},"sk":{"N":"4"},"v":{"S":"new"}}}',
      ].sort(),
    );
  });
});
