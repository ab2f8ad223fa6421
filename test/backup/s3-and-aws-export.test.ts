/**
 * Backups on S3 (moto_server) with DynamoDB on dynalite, endpoints taken only from the SDK's standard configuration
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3): backup to s3://, verify, restore from s3://; and a restore from an
 * export laid out the way ExportTableToPointInTime writes it (<prefix>/AWSDynamoDB/<exportId>/, full S3 keys, no
 * schema.json) into an existing table.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeItemLine, md5Base64, serializeManifestFiles } from "../../lib/export-format";
import { startDynalite, type DynamoServer } from "../support/dynamo-local";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { client, createTable, dr, makeItems, seed, simpleTable, snapshot, useEndpoints } from "./helpers";

const skip = announceSkip("backup/restore on S3", motoSkipReason());

describe.skipIf(skip)("backup and restore with S3 (moto) and dynalite", () => {
  let moto: Moto;
  let server: DynamoServer;
  let ddb: DynamoDBClient;
  let s3: S3Client;
  let dir: string;

  beforeAll(async () => {
    [moto, server] = await Promise.all([startMoto(), startDynalite()]);
    useEndpoints(server.endpoint, moto.endpoint);
    ddb = client(server.endpoint);
    s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "dr-backups" }));
    await createTable(ddb, simpleTable("s3-src"));
    await seed(ddb, "s3-src", makeItems(2500));
    dir = mkdtempSync(join(tmpdir(), "s3-backup-"));
  });
  afterAll(async () => {
    await Promise.all([moto?.stop(), server?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("backs up to s3://, verifies and restores from it", async () => {
    const url = "s3://dr-backups/tables/s3-src/2025-01-31";
    const b = await dr(["backup", "--table", "s3-src", "--out", url, "--quiet", "--json"], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    expect(b.json()).toMatchObject({ itemCount: 2500, location: url });
    const v = await dr(["verify", url, "--table", "s3-src", "--quiet"], { cwd: dir });
    expect(v.code, v.stderr).toBe(0);
    const r = await dr(["restore-files", url, "--table", "s3-dst", "--create-table", "--quiet"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(await snapshot(ddb, "s3-dst")).toEqual(await snapshot(ddb, "s3-src"));
  });

  it("restores an AWS export found under <prefix>/AWSDynamoDB/<exportId>/ into an existing table", async () => {
    const id = "01738291200000-a1b2c3d4";
    const base = `exports/granules/AWSDynamoDB/${id}`;
    const items = makeItems(600, 200, 50_000);
    const halves = [items.slice(0, 300), items.slice(300)];
    const entries = [];
    for (const [i, half] of halves.entries()) {
      const gz = gzipSync(half.map((it) => `${encodeItemLine(it)}\n`).join(""));
      const key = `${base}/data/${"abcdefghijklmnopqrstuvwxy"}${i}.json.gz`;
      await s3.send(new PutObjectCommand({ Bucket: "dr-backups", Key: key, Body: gz }));
      entries.push({ itemCount: half.length, md5Checksum: md5Base64(gz), etag: "0", dataFileS3Key: key });
    }
    await s3.send(
      new PutObjectCommand({
        Bucket: "dr-backups",
        Key: `${base}/manifest-files.json`,
        Body: serializeManifestFiles(entries),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: "dr-backups",
        Key: `${base}/manifest-summary.json`,
        Body: JSON.stringify({
          version: "2020-06-30",
          exportArn: `arn:aws:dynamodb:us-east-1:000000000000:table/granules/export/${id}`,
          tableArn: "arn:aws:dynamodb:us-east-1:000000000000:table/granules",
          s3Bucket: "dr-backups",
          s3Prefix: "exports/granules",
          manifestFilesS3Key: `${base}/manifest-files.json`,
          itemCount: 600,
          outputFormat: "DYNAMODB_JSON",
        }),
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: "dr-backups", Key: `${base}/_started`, Body: "", ContentLength: 0 }));

    // No schema.json in an AWS export: --create-table explains what to do instead.
    const noSchema = await dr(
      ["restore-files", "s3://dr-backups/exports/granules", "--table", "from-aws", "--create-table"],
      { cwd: dir },
    );
    expect(noSchema.code).toBe(3);
    expect(noSchema.stderr).toContain("has no schema.json (AWS's own exports do not include one)");

    await createTable(ddb, simpleTable("from-aws"));
    const r = await dr(
      ["restore-files", "s3://dr-backups/exports/granules", "--table", "from-aws", "--quiet", "--json"],
      {
        cwd: dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ writtenItems: 600, source: `s3://dr-backups/${base}` });
    const v = await dr(["verify", "s3://dr-backups/exports/granules", "--table", "from-aws", "--quiet"], { cwd: dir });
    expect(v.code, v.stderr).toBe(0);
  });
});
