/**
 * The format library against S3 (moto_server on loopback): writing our layout to s3://, multipart data files, reading an
 * export laid out by ExportTableToPointInTime under <prefix>/AWSDynamoDB/<id>/, and AWS ImportTable (moto's) reading
 * our data files.
 */
import { DescribeImportCommand, DynamoDBClient, ImportTableCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetClients } from "../../lib/aws";
import {
  canonicalItem,
  encodeItemLine,
  md5Base64,
  openExport,
  openStore,
  parseLocation,
  readExportItems,
  S3_PART_SIZE,
  serializeManifestFiles,
  verifyExport,
  writeExport,
  type Item,
} from "../../lib/export-format";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";

const skip = announceSkip("export-format S3 tests", motoSkipReason());

function items(n: number, pad = 0): Item[] {
  return Array.from({ length: n }, (_, i) => ({
    id: { S: `item-${String(i).padStart(6, "0")}` },
    n: { N: `${i}.25` },
    pad: { S: "x".repeat(pad) },
    bin: { B: new Uint8Array([i % 256, 255 - (i % 256)]) },
  }));
}

describe.skipIf(skip)("export format on S3 (moto)", () => {
  let moto: Moto;
  let s3: S3Client;
  const bucket = "exports";

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    resetClients();
    s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    resetClients();
    await moto?.stop();
  });

  it("writes our layout to s3://bucket/prefix with full keys, including multipart data files, and reads it back", async () => {
    // ~2,000 items of ~9 KB of incompressible-ish text: more than one S3 part per data file.
    const big = items(2000, 0).map((it, i) => ({ ...it, pad: { S: `${i}:${randomBytes(6750).toString("base64")}` } }));
    const store = openStore(parseLocation("s3://exports/backups/run1"));
    await writeExport(store, [big.slice(0, 1000), big.slice(1000)], { gzipLevel: 1, maxFileBytes: 64 * 1024 * 1024 });
    const exp = await openExport("s3://exports/backups/run1");
    expect(exp.summary).toMatchObject({
      itemCount: 2000,
      s3Bucket: "exports",
      s3Prefix: "backups/run1",
      manifestFilesS3Key: "backups/run1/manifest-files.json",
    });
    expect(exp.files).toHaveLength(1);
    expect(exp.files[0]!.dataFileS3Key).toMatch(/^backups\/run1\/data\/[a-z2-7]{26}\.json\.gz$/);
    expect(exp.files[0]!.etag).toMatch(/^[0-9a-f]{32}-\d+$/); // multipart ETag
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: exp.files[0]!.dataFileS3Key }));
    const bytes = await obj.Body!.transformToByteArray();
    expect(bytes.byteLength).toBeGreaterThan(S3_PART_SIZE);
    expect(md5Base64(bytes)).toBe(exp.files[0]!.md5Checksum);
    const report = await verifyExport(exp);
    expect(report.ok).toBe(true);
    const back: Item[] = [];
    for await (const b of readExportItems(exp, exp.files[0]!)) back.push(...b);
    expect(back.map(canonicalItem)).toEqual(big.map(canonicalItem));
  });

  it("finds an AWS export under <prefix>/AWSDynamoDB/<exportId>/ and names S3 objects in errors", async () => {
    const id = "01700000000000-0badcafe";
    const base = `aws-exports/AWSDynamoDB/${id}`;
    const gz = gzipSync(
      items(10)
        .map((i) => `${encodeItemLine(i)}\n`)
        .join(""),
    );
    const dataKey = `${base}/data/cccccccccccccccccccccccccc.json.gz`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: dataKey, Body: gz }));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${base}/manifest-files.json`,
        Body: serializeManifestFiles([
          { itemCount: 10, md5Checksum: md5Base64(gz), etag: "e", dataFileS3Key: dataKey },
        ]),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${base}/manifest-summary.json`,
        Body: JSON.stringify({
          version: "2020-06-30",
          itemCount: 11,
          outputFormat: "DYNAMODB_JSON",
          manifestFilesS3Key: `${base}/manifest-files.json`,
        }),
      }),
    );
    const exp = await openExport("s3://exports/aws-exports");
    expect(exp.awsExportId).toBe(id);
    expect(exp.location).toBe(`s3://exports/${base}`);
    const report = await verifyExport(exp);
    expect(report.problems).toEqual([
      `s3://exports/${base}/manifest-summary.json: itemCount is 11 but the files in manifest-files.json add up to 10`,
    ]);
  });

  it("AWS ImportTable (moto) reads our data files from <prefix>/data/", async () => {
    const store = openStore(parseLocation("s3://exports/for-import"));
    const src = items(300);
    await writeExport(store, [src]);
    const ddb = new DynamoDBClient({ endpoint: moto.endpoint });
    const res = await ddb.send(
      new ImportTableCommand({
        S3BucketSource: { S3Bucket: bucket, S3KeyPrefix: "for-import/data/" },
        InputFormat: "DYNAMODB_JSON",
        InputCompressionType: "GZIP",
        TableCreationParameters: {
          TableName: "imported",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        },
      }),
    );
    const arn = res.ImportTableDescription!.ImportArn!;
    let status = res.ImportTableDescription!.ImportStatus;
    for (let i = 0; i < 100 && status === "IN_PROGRESS"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await ddb.send(new DescribeImportCommand({ ImportArn: arn }))).ImportTableDescription!.ImportStatus;
    }
    expect(status).toBe("COMPLETED");
    const scanned = (await ddb.send(new ScanCommand({ TableName: "imported" }))).Items ?? [];
    expect(scanned.map(canonicalItem).sort()).toEqual(src.map(canonicalItem).sort());
  });
});
