/**
 * Where `verify --table` keeps its key → digest pairs: a DuckDB table (in process, memory limit, spills to a temp
 * folder), so memory stays flat whatever the table size; the set differences are SQL.
 */
import type { DuckDBAppender } from "@duckdb/node-api";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MEMORY_LIMIT, openDuckDb, type EngineSettings } from "../engine/duckdb";

/** Pairs appended per DuckDB flush. */
const FLUSH_EVERY = 50_000;

export interface DigestSets {
  /** Adds a key and its item's digest from the export ("e") or the table ("t"). */
  add(side: "e" | "t", key: string, digest: string): void;
  /** Counts and sample keys of each difference. */
  compare(sample: number): Promise<{
    matching: number;
    duplicateExportKeys: number;
    missingCount: number;
    extraCount: number;
    differentCount: number;
    missing: string[];
    extra: string[];
    different: string[];
  }>;
  close(): Promise<void>;
}

export async function openDigestSets(settings?: Partial<EngineSettings>): Promise<DigestSets> {
  const temp = await mkdtemp(join(settings?.tempDir ?? tmpdir(), "dynamo-dr-verify-"));
  const db = await openDuckDb({ memoryLimit: settings?.memoryLimit ?? DEFAULT_MEMORY_LIMIT, tempDir: temp });
  await db.conn.run("CREATE TABLE e (k VARCHAR, d VARCHAR); CREATE TABLE t (k VARCHAR, d VARCHAR)");
  const appenders: Record<"e" | "t", DuckDBAppender> = {
    e: await db.conn.createAppender("e"),
    t: await db.conn.createAppender("t"),
  };
  const pending = { e: 0, t: 0 };
  const count = async (sql: string): Promise<number> =>
    Number((await db.conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
  const keys = async (sql: string, sample: number): Promise<string[]> =>
    (await db.conn.runAndReadAll(`${sql} ORDER BY k LIMIT ${sample}`)).getRows().map((r) => String(r[0]));
  return {
    add(side, key, digest) {
      const a = appenders[side];
      a.appendVarchar(key);
      a.appendVarchar(digest);
      a.endRow();
      if (++pending[side] >= FLUSH_EVERY) {
        a.flushSync();
        pending[side] = 0;
      }
    },
    async compare(sample) {
      appenders.e.flushSync();
      appenders.t.flushSync();
      await db.conn.run("CREATE TABLE eu AS SELECT k, any_value(d) AS d FROM e GROUP BY k");
      const missingSql = "SELECT k FROM eu ANTI JOIN t USING (k)";
      const extraSql = "SELECT k FROM t ANTI JOIN eu USING (k)";
      const differentSql = "SELECT eu.k AS k FROM eu JOIN t USING (k) WHERE eu.d <> t.d";
      return {
        matching: await count("SELECT count(*) FROM eu JOIN t USING (k) WHERE eu.d = t.d"),
        duplicateExportKeys: await count("SELECT (SELECT count(*) FROM e) - (SELECT count(*) FROM eu)"),
        missingCount: await count(`SELECT count(*) FROM (${missingSql})`),
        extraCount: await count(`SELECT count(*) FROM (${extraSql})`),
        differentCount: await count(`SELECT count(*) FROM (${differentSql})`),
        missing: await keys(missingSql, sample),
        extra: await keys(extraSql, sample),
        different: await keys(differentSql, sample),
      };
    },
    async close() {
      appenders.e.closeSync();
      appenders.t.closeSync();
      db.close();
      await rm(temp, { recursive: true, force: true });
    },
  };
}
