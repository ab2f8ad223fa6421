/**
 * restore-files --via import-table on moto (moto implements ImportTable): a backup written to S3 by `backup` is
 * imported into a new table created from its schema.json with its GSI; the counts are checked against the manifest;
 * an existing target and a local source are refused before any import; an import with failed items fails naming the
 * CloudWatch log group.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findTable, physicalTableName } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { md5Base64, parseManifestFiles, serializeManifestFiles } from "../../lib/export-format";
import { loadProjectCatalog } from "../../lib/project-config";
import { Moto, startMoto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { createCatalogTable, runDr, useEndpoint } from "../dr/helpers";

const skip = announceSkip("import-table moto tests", motoSkipReason());
const catalog = loadProjectCatalog();
const BUCKET = "imports";
const SOURCE = physicalTableName("it", "GranulesTable");

describe.skipIf(skip)("restore-files --via import-table on moto", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let s3: S3Client;
  const tables = async (): Promise<string[]> => (await ddb.send(new ListTablesCommand({}))).TableNames ?? [];
  const scan = async (t: string): Promise<string[]> =>
    ((await ddb.send(new ScanCommand({ TableName: t }))).Items ?? []).map((i) => JSON.stringify(i)).sort();

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await createCatalogTable(ddb, findTable(catalog, "GranulesTable"), SOURCE);
    for (let i = 0; i < 30; i++) {
      await ddb.send(
        new PutItemCommand({
          TableName: SOURCE,
          Item: { granuleId: { S: `g-${i}` }, collectionId: { S: `c-${i % 3}` }, n: { N: String(i) } },
        }),
      );
    }
    const b = await runDr(["backup", "--table", SOURCE, "--out", `s3://${BUCKET}/b1`, "--quiet"]);
    expect(b.code, b.stderr).toBe(EXIT.ok);
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });

  it("imports into a new table with the GSIs of schema.json; counts match the manifest", async () => {
    const r = await runDr([
      "restore-files",
      `s3://${BUCKET}/b1`,
      "--table",
      "it-imported",
      "--via",
      "import-table",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as { importedItems: number; expectedItems: number; errorCount: number };
    expect(out).toMatchObject({ importedItems: 30, expectedItems: 30, errorCount: 0 });
    expect(await scan("it-imported")).toEqual(await scan(SOURCE));
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: "it-imported" }));
    const want =
      findTable(catalog, "GranulesTable")
        .globalSecondaryIndexes?.map((g) => g.name)
        .sort() ?? [];
    expect((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(want);
  });

  it("an existing table is refused before any import", async () => {
    const before = await tables();
    const r = await runDr(["restore-files", `s3://${BUCKET}/b1`, "--table", SOURCE, "--via", "import-table"]);
    expect(r.stderr).toBe(
      `error: --via import-table: table "${SOURCE}" already exists; ImportTable creates a NEW table: choose another --table, or restore into it without --via import-table\n`,
    );
    expect(r.code).toBe(EXIT.precondition);
    expect(await tables()).toEqual(before);
  });

  it("an import whose items fail is refused naming the CloudWatch log group", async () => {
    // A copy of the backup whose first data file holds an item without the table's key (md5 and count kept consistent).
    const copy = async (key: string, body: Uint8Array | string): Promise<void> => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    };
    const text = async (key: string): Promise<string> =>
      (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? "";
    for (const f of ["manifest-summary.json", "schema.json"]) await copy(`b2/${f}`, await text(`b1/${f}`));
    const files = parseManifestFiles(await text("b1/manifest-files.json"), "manifest-files.json");
    const bad = gzipSync(Buffer.from('{"Item":{"nokey":{"S":"x"}}}\n'));
    const entries = [];
    for (const [i, e] of files.entries()) {
      const name = e.dataFileS3Key.split("/").pop() as string;
      if (i === 0) {
        await copy(`b2/data/${name}`, bad);
        entries.push({ ...e, itemCount: 1, md5Checksum: md5Base64(bad), dataFileS3Key: `b2/data/${name}` });
      } else {
        const body = await (
          await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: e.dataFileS3Key }))
        ).Body?.transformToByteArray();
        await copy(`b2/data/${name}`, body as Uint8Array);
        entries.push({ ...e, dataFileS3Key: `b2/data/${name}` });
      }
    }
    await copy("b2/manifest-files.json", serializeManifestFiles(entries));
    const summary = JSON.parse(await text("b1/manifest-summary.json")) as { itemCount: number };
    summary.itemCount = entries.reduce((n, e) => n + e.itemCount, 0);
    await copy("b2/manifest-summary.json", JSON.stringify(summary));
    const r = await runDr(["restore-files", `s3://${BUCKET}/b2`, "--table", "it-bad", "--via", "import-table"]);
    expect(r.stderr).toMatch(
      /error: ImportTable into "it-bad" ended FAILED: \d+ of \d+ items imported \(the manifest's count\), 1 error\(s\).*Read the CloudWatch log group \/aws-dynamodb\/imports for the failed items/,
    );
    expect(r.code).toBe(EXIT.verification);
  });
});
