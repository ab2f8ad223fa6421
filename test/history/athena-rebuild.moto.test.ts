/**
 * `rebuild --engine athena`'s Athena half against moto: the rebuilt table's SELECT goes to Athena as one UNLOAD into
 * `<out>/data/` in the workgroup, and the export layout is written around the files Athena leaves there. moto accepts
 * the UNLOAD but does not run it, so the test writes the gzip files Athena would (one `{"Item":…}` line per item) at the
 * moment moto reports the query SUCCEEDED; the project's own verifier then reads the result as an export. Every SQL
 * statement sent is parsed as Trino SQL.
 */
import { gzipSync } from "node:zlib";
import { AthenaClient, type GetQueryExecutionOutput } from "@aws-sdk/client-athena";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Parser } from "node-sql-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CATALOG, findTable } from "../../lib/catalog";
import { UsageError } from "../../lib/errors";
import { openExport } from "../../lib/export-format/export-reader";
import { openStore, type ExportStore } from "../../lib/export-format/store";
import { verifyExport } from "../../lib/export-format/verify";
import { athenaDialect, selectOfUnload } from "../../lib/history/athena-dialect";
import { AthenaQueryError } from "../../lib/history/athena-query";
import { rebuildOnAthena } from "../../lib/history/athena-rebuild";
import { awsCli } from "../pipeline/support/aws-cli";
import { startMoto, type Moto } from "../support/moto";
import { rewriteQueryStates } from "./athena-support";
import { announceSkip, motoSkipReason } from "../support/tools";

const skip = announceSkip("Athena rebuild against moto", motoSkipReason());
const BUCKET = "hist-ddb-backups";
const WORKGROUP = "hist-ddb-history";
const DATABASE = "hist_ddb_history";
const SPEC = findTable(DEFAULT_CATALOG, "CollectionsTable");
const ITEMS = [
  '{"Item":{"name":{"S":"MOD09GQ"},"version":{"S":"006"},"n":{"N":"1"}}}',
  '{"Item":{"name":{"S":"MOD09GQ"},"version":{"S":"007"},"__proto__":{"S":"x"}}}',
  '{"Item":{"name":{"S":"VIIRS"},"version":{"S":"1"},"tags":{"SS":["a","b"]}}}',
];

/** A rebuilt-table SELECT built from the dialect's parts (the same shape the definition renders). */
function sampleSelect(): string {
  const d = athenaDialect({ database: DATABASE, bucket: BUCKET });
  const files = [`s3://${BUCKET}/exports/CollectionsTable/AWSDynamoDB/01764547200000-abcd1234/data/a.json.gz`];
  const k = d.concat(d.json("line", ["Item", "name"]), d.keySeparator, d.json("line", ["Item", "version"]));
  return `SELECT ${d.concat(d.str('{"Item":'), "img", d.str("}"))} AS line
FROM (
  SELECT img, row_number() OVER (PARTITION BY k ORDER BY o DESC) AS rn
  FROM (SELECT file, ${k} AS k, ${d.padDigits(d.str("0"), 40)} AS o, ${d.itemImage("line")} AS img
        FROM ${d.readLines("base", files)}) AS records
) AS ranked
WHERE rn = 1 AND img IS NOT NULL`;
}

describe.skipIf(skip)("rebuild on Athena: UNLOAD, then the export layout around its files (moto)", () => {
  let moto: Moto;
  let s3: S3Client;
  const out = (prefix: string): ExportStore => openStore({ kind: "s3", bucket: BUCKET, prefix }, s3);
  const athenaOnMoto = (): AthenaClient =>
    new AthenaClient({
      region: "us-east-1",
      endpoint: moto.endpoint,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      maxAttempts: 2,
    });

  /** moto's Athena, plus the files the UNLOAD would have written, put when moto first reports SUCCEEDED. */
  function unloadingAthena(prefix: string, files: readonly string[][]): AthenaClient {
    const client = athenaOnMoto();
    let written = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const res = await next(args);
        const state = (res.output as GetQueryExecutionOutput).QueryExecution?.Status?.State;
        if (context.commandName === "GetQueryExecutionCommand" && state === "SUCCEEDED" && !written) {
          written = true;
          for (const [i, lines] of files.entries()) {
            const Body = gzipSync(`${lines.join("\n")}\n`);
            const Key = `${prefix}/data/20261201_093000_00001_abcde_${i}.gz`;
            await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ContentLength: Body.length }));
          }
        }
        return res;
      },
      { step: "initialize", name: "writeUnloadOutputForTest" },
    );
    return client;
  }

  beforeAll(async () => {
    moto = await startMoto({ shim: false });
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" });
    s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true, region: "us-east-1", maxAttempts: 2 });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await awsCli(moto.env(), moto.endpoint, [
      "athena",
      "create-work-group",
      "--name",
      WORKGROUP,
      "--region",
      "us-east-1",
    ]);
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("sends one UNLOAD of the rebuilt SELECT to the workgroup and leaves a verified export", async () => {
    const prefix = "rebuilds/CollectionsTable-20261201T093000Z";
    const states: string[] = [];
    const res = await rebuildOnAthena({
      athena: unloadingAthena(prefix, [ITEMS.slice(0, 2), ITEMS.slice(2)]),
      workgroup: WORKGROUP,
      database: DATABASE,
      select: sampleSelect(),
      out: out(prefix),
      spec: SPEC,
      at: new Date("2026-12-01T09:30:00Z"),
      pollMs: 1,
      onProgress: (p) => states.push(p.state),
    });
    expect(res).toMatchObject({ items: 3, dataFiles: 2 });
    expect(states.at(-1)).toBe("SUCCEEDED");

    const sent = await awsCli<{ QueryExecution: { Query: string; WorkGroup: string } }>(moto.env(), moto.endpoint, [
      "athena",
      "get-query-execution",
      "--query-execution-id",
      res.queryExecutionId,
      "--region",
      "us-east-1",
    ]);
    expect(sent.QueryExecution.WorkGroup).toBe(WORKGROUP);
    const unload = sent.QueryExecution.Query;
    expect(unload).toMatch(
      new RegExp(`\\) TO 's3://${BUCKET}/${prefix}/data/' WITH \\(format = 'TEXTFILE', compression = 'GZIP'\\)$`),
    );
    // node-sql-parser has no UNLOAD (an Athena statement): its wrapper is matched exactly, its SELECT parsed.
    const select = selectOfUnload(unload);
    expect(select).toBe(sampleSelect());
    expect(() => new Parser().astify(select as string, { database: "trino" })).not.toThrow();

    const exp = await openExport({ kind: "s3", bucket: BUCKET, prefix }, { s3 });
    expect(exp.schema?.table.TableName).toBe("CollectionsTable");
    const report = await verifyExport(exp);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, summaryItemCount: 3, actualItemCount: 3, fileCount: 2 });
    expect(exp.summary.exportTime).toBe("2026-12-01T09:30:00.000Z");
  });

  it("refuses a folder that is not empty, writing nothing", async () => {
    const prefix = "rebuilds/not-empty";
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/keep.txt`, Body: "x", ContentLength: 1 }));
    const err = await rebuildOnAthena({
      athena: athenaOnMoto(),
      workgroup: WORKGROUP,
      database: DATABASE,
      select: sampleSelect(),
      out: out(prefix),
      spec: SPEC,
      at: new Date(),
      pollMs: 1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      `--out: s3://${BUCKET}/${prefix} is not empty; Athena UNLOADs only into an empty folder`,
    );
    expect((await out(prefix).list("")).map((f) => f.rel)).toEqual(["keep.txt"]);
  });

  it("a failed query leaves nothing under --out", async () => {
    const prefix = "rebuilds/failed";
    const failing = rewriteQueryStates(athenaOnMoto(), [
      { Status: { State: "FAILED", StateChangeReason: "HIVE_BAD_DATA: bad line" } },
    ]);
    await expect(
      rebuildOnAthena({
        athena: failing,
        workgroup: WORKGROUP,
        database: DATABASE,
        select: sampleSelect(),
        out: out(prefix),
        spec: SPEC,
        at: new Date(),
        pollMs: 1,
      }),
    ).rejects.toBeInstanceOf(AthenaQueryError);
    expect(await out(prefix).list("")).toEqual([]);
  });
});
