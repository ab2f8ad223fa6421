/**
 * `dynamo-dr rebuild --engine athena` end to end on moto_server: a recorded history (a full export and sealed capture
 * hours) in a moto bucket, the command run through the CLI with the workgroup and database named from --prefix.
 *
 * moto accepts Athena queries and reports them SUCCEEDED but never runs them. So this test checks the calls and what
 * the command does with each final state, and for the output step it PLACES THE FILES ATHENA'S UNLOAD WOULD HAVE
 * WRITTEN (gzip `{"Item":…}` lines of the expected table, put under `<out>/data/` by a middleware on the CLI's own
 * Athena client at the moment moto first reports SUCCEEDED). What is checked for real: the one query sent is the
 * Athena dialect of the one rebuild definition for the plan's checked input files (and parses as Trino SQL), the
 * export layout written around the files loads with `restore-files` into DynamoDB on moto and equals the table at T,
 * `--import-into` loads it with ImportTable, and FAILED / CANCELLED queries, damaged input and gaps leave nothing under
 * --out. The query itself on real Athena could not be run here.
 */
import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  type GetQueryExecutionOutput,
  type StartQueryExecutionInput,
} from "@aws-sdk/client-athena";
import { DynamoDBClient, paginateScan } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Parser } from "node-sql-parser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { athenaClient, s3Client } from "../../lib/aws";
import { canonicalItem, decodeItemLine, type Item } from "../../lib/export-format";
import { openStore, type ExportStore } from "../../lib/export-format/store";
import { selectOfUnload } from "../../lib/history/athena-dialect";
import { athenaInputs, athenaRebuildSelect } from "../../lib/history/athena-table-rebuild";
import { planFiles } from "../../lib/history/inputs";
import { readHistory, type HistorySource } from "../../lib/history/inventory";
import { planOrRefuse } from "../../lib/history/rebuild";
import { historyDatabaseName, historyWorkgroupName } from "../../scripts/commands/rebuild-athena";
import { runDr, useEndpoint } from "../dr/helpers";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { expectedLines, SPEC, stateAt, TABLE, writeCapture, writeFullExport, type Write } from "./fixtures";
import { H, NOW, randomWrites } from "./history-world";

const skip = announceSkip("rebuild --engine athena (moto)", motoSkipReason());
const BUCKET = "hist-backups";
const PREFIX = "hist.v2";
const WORKGROUP = historyWorkgroupName(PREFIX);
const DATABASE = historyDatabaseName(PREFIX);
const AT = "2026-11-30T11:45:10Z";
/**
 * Quiet around T: nothing in the 20 s before it (the stream's resolution). The fixture's attribute named `__proto__`
 * is left out here: the SDK's Scan answer cannot hold it (the DuckDB tests compare such items byte for byte).
 */
const writes: Write[] = randomWrites(7, { from: H("09:30:00"), to: H("11:59:00"), keys: 12, count: 150 })
  .filter((w) => !(w.t > H("11:45:10") - 20_000 && w.t <= H("11:45:10") + 1000))
  .map((w) => {
    if (w.item === undefined) return w;
    const item = Object.fromEntries(Object.entries(w.item).filter(([k]) => k !== "__proto__"));
    return { ...w, item };
  });

interface Stack {
  add(
    mw: (
      next: (args: { input: unknown }) => Promise<{ output: unknown }>,
      context: { commandName?: string },
    ) => (args: { input: unknown }) => Promise<{ output: unknown }>,
    options: { step: "initialize"; name: string },
  ): void;
}

describe.skipIf(skip)("rebuild --engine athena (moto; the UNLOAD's files placed by the test)", () => {
  let moto: Moto;
  let s3: S3Client;
  let ddb: DynamoDBClient;
  let root: string;
  let env: NodeJS.ProcessEnv;
  const started: StartQueryExecutionInput[] = [];
  /** What GetQueryExecution reports instead of moto's SUCCEEDED (undefined: moto's answer, and the files placed). */
  let finalState: "FAILED" | "CANCELLED" | undefined;
  let unloadLines: string[] = [];
  const store = (prefix: string): ExportStore => openStore({ kind: "s3", bucket: BUCKET, prefix }, s3);

  /** The Athena files for the UNLOAD into `uri` (s3://bucket/<prefix>/data/): two gzip files, as Athena splits them. */
  async function placeUnloadFiles(uri: string): Promise<void> {
    const prefix = uri.replace(`s3://${BUCKET}/`, "");
    const half = Math.ceil(unloadLines.length / 2);
    for (const [i, lines] of [unloadLines.slice(0, half), unloadLines.slice(half)].entries()) {
      const Body = gzipSync(lines.length === 0 ? "" : `${lines.join("\n")}\n`);
      const Key = `${prefix}20261130_114510_00007_hst${i}_abcdef.gz`;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ContentLength: Body.length }));
    }
  }

  /** Records every query started, and plays Athena's part at the query's final state (see the file comment). */
  function actAsAthena(): void {
    let placed = new Set<string>();
    (athenaClient().middlewareStack as unknown as Stack).add(
      (next, context) => async (args) => {
        if (context.commandName === "StartQueryExecutionCommand") {
          started.push(args.input as StartQueryExecutionInput);
          placed = new Set();
        }
        const res = await next(args);
        if (context.commandName !== "GetQueryExecutionCommand") return res;
        const out = res.output as GetQueryExecutionOutput;
        const exec = out.QueryExecution ?? {};
        if (finalState !== undefined) {
          const reason = finalState === "FAILED" ? "HIVE_BAD_DATA: Error parsing field value" : "Query was cancelled";
          return {
            ...res,
            output: { ...out, QueryExecution: { ...exec, Status: { State: finalState, StateChangeReason: reason } } },
          };
        }
        const uri = /\) TO '([^']+)' WITH/.exec(exec.Query ?? "")?.[1];
        if (exec.Status?.State === "SUCCEEDED" && uri !== undefined && !placed.has(uri)) {
          placed.add(uri);
          await placeUnloadFiles(uri);
        }
        return res;
      },
      { step: "initialize", name: "actAsAthenaForTest" },
    );
  }

  /** The table's items, canonical (lib/export-format's comparison form) and sorted. */
  async function tableItems(table: string): Promise<string[]> {
    const items: string[] = [];
    for await (const page of paginateScan({ client: ddb }, { TableName: table })) {
      for (const i of page.Items ?? []) items.push(canonicalItem(i as Item));
    }
    return items.sort();
  }

  /** The table at T, canonical and sorted. */
  const expectedItems = (): string[] =>
    expectedLines(stateAt(writes, Date.parse(AT)))
      .map((l) => canonicalItem(decodeItemLine(l, "expected")))
      .sort();

  const rebuildArgs = (out: string, extra: string[] = [], at = AT): string[] => [
    "rebuild",
    "--engine",
    "athena",
    "--prefix",
    PREFIX,
    "--bucket",
    BUCKET,
    "--table",
    TABLE,
    "--at",
    at,
    "--out",
    `s3://${BUCKET}/${out}`,
    ...extra,
  ];

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    root = await mkdtemp(join(tmpdir(), "rebuild-athena-"));
    const catalogFile = join(root, "catalog.json");
    await writeFile(catalogFile, JSON.stringify({ tables: [SPEC] }));
    env = { ...process.env, DDB_TABLE_CATALOG: catalogFile };
    s3 = s3Client();
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1", maxAttempts: 2 });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const history = store("");
    await writeFullExport(history, writes, { at: H("10:00:00"), id: "01764496800000-base0001" });
    await writeCapture(history, writes, { hours: ["2026-11-30T09", "2026-11-30T10", "2026-11-30T11"] });
    await athenaClient().send(new CreateWorkGroupCommand({ Name: WORKGROUP }));
    actAsAthena();
  }, 120_000);

  beforeEach(() => {
    started.length = 0;
    finalState = undefined;
    unloadLines = expectedLines(stateAt(writes, Date.parse(AT)));
  });

  afterAll(async () => {
    ddb?.destroy();
    await moto?.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it("sends ONE query: the Athena dialect of the definition for the checked inputs, in the module's workgroup", async () => {
    const res = await runDr([...rebuildArgs("rebuilds/r1"), "--json"], { env });
    expect(res.stderr).not.toMatch(/^error:/m);
    expect(res.code).toBe(0);
    expect(started).toHaveLength(1);
    const q = started[0]!;
    expect(q).toMatchObject({
      WorkGroup: "hist-v2-ddb-history",
      QueryExecutionContext: { Database: "hist_v2_ddb_history" },
    });

    const source: HistorySource = { store: store(""), s3: { client: s3, bucket: BUCKET } };
    const h = await readHistory(source, TABLE);
    const plan = planOrRefuse(h, Date.parse(AT), source, NOW.getTime());
    const files = await planFiles(source, TABLE, plan, h.coverage?.heads);
    expect(files.some((f) => f.group === "capture")).toBe(true);
    const select = athenaRebuildSelect(DATABASE, BUCKET, athenaInputs(plan, SPEC, BUCKET, files, false));
    expect(selectOfUnload(q.QueryString!)).toBe(select);
    expect(q.QueryString).toContain(
      `) TO 's3://${BUCKET}/rebuilds/r1/data/' WITH (format = 'TEXTFILE', compression = 'GZIP')`,
    );
    expect(() => new Parser().astify(select, { database: "trino" })).not.toThrow();

    const out = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      command: "rebuild",
      engine: "athena",
      table: TABLE,
      at: "2026-11-30T11:45:10.000Z",
      out: `s3://${BUCKET}/rebuilds/r1`,
      workgroup: WORKGROUP,
      database: DATABASE,
      inputFiles: files.length,
      items: unloadLines.length,
      dataFiles: 2,
    });
    const moto_ = await athenaClient().send(
      new GetQueryExecutionCommand({ QueryExecutionId: String(out.queryExecutionId) }),
    );
    expect(moto_.QueryExecution?.Query).toBe(q.QueryString);
  });

  it("the export written around Athena's files loads with restore-files into DynamoDB and equals the table at T", async () => {
    const run = await runDr([...rebuildArgs("rebuilds/r2")], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/check inputs/);
    expect(run.stderr).toMatch(/athena query [0-9a-f-]+: SUCCEEDED, /);
    expect(run.stdout).toContain(`Athena: query `);
    const restored = await runDr(
      ["restore-files", `s3://${BUCKET}/rebuilds/r2`, "--table", "hist-restored", "--create-table", "--yes"],
      { env },
    );
    expect(restored.stderr).not.toMatch(/^error:/m);
    expect(restored.code).toBe(0);
    expect(expectedItems().length).toBeGreaterThan(3);
    expect(await tableItems("hist-restored")).toEqual(expectedItems());
  });

  it("--import-into loads it into a new table through ImportTable (--quiet: no progress from either step)", async () => {
    const argv = rebuildArgs("rebuilds/r3", ["--import-into", "hist-imported", "--quiet", "--json"]);
    const run = await runDr(argv, { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      imported: { tableName: "hist-imported", importedItems: unloadLines.length, errorCount: 0 },
    });
    // moto's own ImportTable decodes JSON string escapes wrongly (\" \\ \n arrive doubled), so only the keys' numbers
    // and the count are compared here; the item-for-item comparison is the restore-files test above.
    const sk = (items: string[]): string[] => items.map((i) => /"sk":\{"N":"(\d+)"\}/.exec(i)?.[1] ?? "?").sort();
    expect(sk(await tableItems("hist-imported"))).toEqual(sk(expectedItems()));
  });

  for (const state of ["FAILED", "CANCELLED"] as const) {
    it(`a ${state} query: a clear error, a non-zero exit, nothing under --out`, async () => {
      finalState = state;
      const run = await runDr(rebuildArgs(`rebuilds/${state}`), { env });
      expect(started).toHaveLength(1);
      expect(run.code).toBe(8);
      expect(run.stderr).toMatch(
        state === "FAILED"
          ? /^error: Athena query [0-9a-f-]+ failed: HIVE_BAD_DATA: Error parsing field value — /m
          : /^error: Athena query [0-9a-f-]+ was cancelled: Query was cancelled — /m,
      );
      expect(await store(`rebuilds/${state}`).list("")).toEqual([]);
    });
  }

  it("a time before the first full export is refused with the nearest times; no query", async () => {
    const run = await runDr(rebuildArgs("rebuilds/early", [], "2026-11-30T09:45:00Z"), { env });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /^error: cannot rebuild HistoryTable as of 2026-11-30T09:45:00.000Z: no usable full export/m,
    );
    expect(started).toEqual([]);
  });
  it("a gap (a FAILED capture hour between the base and T) is refused with the nearest times; no query", async () => {
    const gapBucket = "hist-gap-backups";
    await s3.send(new CreateBucketCommand({ Bucket: gapBucket }));
    const gap = openStore({ kind: "s3", bucket: gapBucket, prefix: "" }, s3);
    await writeFullExport(gap, writes, { at: H("10:00:00"), id: "01764496800000-base0001" });
    await writeCapture(gap, writes, {
      hours: ["2026-11-30T09", "2026-11-30T10", "2026-11-30T11"],
      failed: ["2026-11-30T11"],
    });
    const args = rebuildArgs("rebuilds/gap").map((a) => (a === BUCKET ? gapBucket : a));
    const run = await runDr(args, { env });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^error: cannot rebuild HistoryTable exactly as of 2026-11-30T11:45:10.000Z: the history has a gap from 2026-11-30T11:00:00.000Z .*capture hour 2026-11-30T11 is FAILED.*nearest times it can rebuild exactly: before 2026-11-30T10:59:59.999Z/m,
    );
    expect(started).toEqual([]);
    expect(await store("rebuilds/gap").list("")).toEqual([]);
  });

  it("(last: it damages the history) a damaged input file is refused by name before any query; nothing is written", async () => {
    const source: HistorySource = { store: store(""), s3: { client: s3, bucket: BUCKET } };
    const h = await readHistory(source, TABLE);
    const files = await planFiles(source, TABLE, planOrRefuse(h, Date.parse(AT), source, NOW.getTime()), undefined);
    const victim = files.find((f) => f.group === "capture")!;
    const Body = gzipSync('{"not":"the stored record"}\n');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: victim.rel, Body, ContentLength: Body.length }));
    const run = await runDr(rebuildArgs("rebuilds/damaged"), { env });
    expect(run.code).toBe(6);
    expect(run.stderr).toContain(`s3://${BUCKET}/${victim.rel}: damaged: md5 of its bytes is `);
    expect(started).toEqual([]);
    expect(await store("rebuilds/damaged").list("")).toEqual([]);
  });
});
