/**
 * The Athena SQL this project shows or sends, checked by parsing it as Trino SQL (node-sql-parser 5.4.0): Athena cannot
 * run here, so this catches syntax errors and references to tables or columns the module does not create — not wrong
 * results (the DuckDB forms run on a recorded history). The README's queries are extracted from the README itself, so
 * the text users copy is the text tested.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Parser } from "node-sql-parser";
import { describe, expect, it } from "vitest";
import { CHANGES_PREFIX as CAPTURE_CHANGES_PREFIX } from "../../lib/capture/config";
import { hourDir } from "../../lib/capture/layout";
import { CHANGES_PREFIX, HISTORY_TABLE_LIST, PARTITION_KEYS, locationTemplate } from "../../lib/pipeline/athena-tables";
import { exportDir } from "../../lib/pipeline/layout";
import { athenaDialect, selectOfUnload, unloadSql } from "../../lib/history/athena-dialect";
import { countsPerFileSql, recordsSql, type RebuildInputs } from "../../lib/history/definition";
import { changesBetweenSql, itemHistorySql, tableAsOfSql } from "../../lib/history/queries";
import { PROJECT_ROOT } from "../../lib/project-config";

const TRINO = { database: "trino" } as const;
const SECTION = "## Queryable history: Amazon Athena";

/** The ```sql blocks of the README's Athena section. */
export function readmeAthenaQueries(): string[] {
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${SECTION}\n`);
  expect(start, `README section "${SECTION}"`).toBeGreaterThan(0);
  const end = readme.indexOf("\n## ", start + SECTION.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

/**
 * Parses `sql` as Trino and checks that it reads only the module's Glue tables (or its own CTEs) and only their columns,
 * partition keys, struct fields and the aliases it declares. Returns the tables read.
 */
export function checkAthenaSelect(sql: string): string[] {
  const parsed = new Parser().parse(sql, TRINO);
  const aliases = new Set([...sql.matchAll(/\bAS\s+(\w+)/gi)].map((m) => (m[1] as string).toLowerCase()));
  const ctes = new Set([...sql.matchAll(/(?:WITH|,)\s*(\w+)\s+AS\s*\(/gi)].map((m) => (m[1] as string).toLowerCase()));
  const tables = parsed.tableList.map((t) => t.split("::")[2] as string);
  const known = new Map(HISTORY_TABLE_LIST.map((t) => [t.name, t]));
  for (const t of tables) expect(known.has(t) || ctes.has(t), `table ${t}`).toBe(true);
  const columns = new Set<string>();
  const structs = new Set<string>();
  for (const t of tables) {
    const spec = known.get(t);
    if (spec === undefined) continue;
    for (const c of [...spec.columns, ...PARTITION_KEYS[spec.location]]) {
      columns.add(c.name);
      if (c.type.startsWith("struct<")) structs.add(c.name);
    }
  }
  for (const entry of parsed.columnList) {
    const [, qualifier, column] = entry.split("::") as [string, string, string];
    if (qualifier !== "null" && structs.has(qualifier)) continue;
    if (column === "(.*)" || /^\d+$/.test(column)) continue;
    expect(columns.has(column) || aliases.has(column.toLowerCase()), `column ${column} in\n${sql}`).toBe(true);
  }
  return tables;
}

describe("the README's Athena queries", () => {
  const queries = readmeAthenaQueries();

  it("are the three questions: one item's history, who changed what between two times, the table as of T", () => {
    expect(queries).toHaveLength(3);
  });

  it.each(queries.map((q, i) => [i + 1, q] as const))(
    "query %i parses as Trino and reads only the module's tables and columns",
    (_i, sql) => {
      const tables = checkAthenaSelect(sql);
      expect(tables).toContain("changes");
    },
  );

  it("the checks fail on a misspelt column, an unknown table and broken syntax", () => {
    expect(() => checkAthenaSelect("SELECT eventnme FROM changes WHERE table_name = 'X'")).toThrow(/column eventnme/);
    expect(() => checkAthenaSelect("SELECT line FROM change_line")).toThrow(/table change_line/);
    expect(() => checkAthenaSelect("SELECT FROM WHERE changes")).toThrow();
  });
});

describe("the Glue tables' locations follow the bucket's layout", () => {
  it("changes: the capture library's hour folders", () => {
    expect(CHANGES_PREFIX).toBe(CAPTURE_CHANGES_PREFIX);
    const filled = locationTemplate("changes", "b")
      .replace("${table_name}", "UsersTable")
      .replace("${hour}", "2026/12/01/03");
    expect(filled).toBe(`s3://b/${hourDir("UsersTable", "2026-12-01T03")}/`);
  });

  it("exports: the pipeline's export folders, data/ below", () => {
    const filled = locationTemplate("exports", "b")
      .replace("${table_name}", "UsersTable")
      .replace("${export_id}", "0176-abc");
    expect(filled).toBe(`s3://b/${exportDir("UsersTable", "0176-abc")}/data/`);
  });
});

describe("the rebuild's one definition, rendered in Athena's dialect", () => {
  const B = "hist-ddb-backups";
  const d = athenaDialect({ database: "hist_ddb_history", bucket: B });
  const inputs: RebuildInputs = {
    keyAttributes: ["name", "version"],
    baseFiles: [`s3://${B}/exports/CollectionsTable/AWSDynamoDB/01764547200000-abcd1234/data/a.json.gz`],
    incrementalFiles: [`s3://${B}/exports/CollectionsTable/AWSDynamoDB/01764550800000-efgh5678/data/b.json.gz`],
    captureFiles: [
      `s3://${B}/changes/CollectionsTable/2026/12/01/03/shard-1/${"0".repeat(40)}-${"1".repeat(40)}.json.gz`,
    ],
    captureFromMicros: 1_764_550_800_000_000,
    atMicros: 1_764_556_200_000_000,
    keepTtlDeleted: false,
  };
  const parse = (sql: string) => new Parser().astify(sql, TRINO);

  it.each([
    ["the records", () => recordsSql(d, inputs)],
    ["the counts per file", () => countsPerFileSql(`(${recordsSql(d, inputs)}) AS records`)],
    ["the table as of T", () => tableAsOfSql(d, inputs)],
    ["the table as of T, TTL deletes kept", () => tableAsOfSql(d, { ...inputs, keepTtlDeleted: true })],
    [
      "one item's history",
      () => itemHistorySql(d, inputs.captureFiles, { name: { S: "MOD09GQ" }, version: { S: "006" } }),
    ],
    ["changes between two times", () => changesBetweenSql(d, inputs.captureFiles, 1, 2)],
  ])("%s parses as Trino", (_label, render) => {
    const sql = render();
    expect(sql).toContain('"hist_ddb_history"');
    expect(() => parse(sql)).not.toThrow();
  });

  it("the UNLOAD of the table as of T: its wrapper exact, its SELECT parsed (node-sql-parser has no UNLOAD)", () => {
    const select = tableAsOfSql(d, inputs);
    const unload = unloadSql(select, `s3://${B}/rebuilds/x/data/`);
    expect(selectOfUnload(unload)).toBe(select);
    expect(() => parse(unload)).toThrow();
  });

  it("reads exactly the files it is given, in their partitions, and refuses files outside the bucket's layout", () => {
    const lines = d.readLines("capture", inputs.captureFiles);
    expect(lines).toContain(`table_name IN ('CollectionsTable') AND hour IN ('2026/12/01/03')`);
    expect(lines).toContain(`"$path" IN ('${inputs.captureFiles[0]}')`);
    expect(() => d.readLines("base", ["s3://other-bucket/exports/T/AWSDynamoDB/x/data/a.json.gz"])).toThrow(
      `--engine athena: s3://other-bucket/exports/T/AWSDynamoDB/x/data/a.json.gz is not a data file of an export in s3://${B}/ (Athena reads the backup bucket's layout only)`,
    );
    expect(() => d.json("line", ['we"ird'])).toThrow(/contains " or \\/);
  });
});
