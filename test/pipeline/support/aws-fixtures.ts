/**
 * Fixture exports in AWS's exact layout, as ExportTableToPointInTime writes them under
 * `<S3Prefix>/AWSDynamoDB/<exportId>/` (moto's export writes only a data file, without manifests):
 *
 *   _started, manifest-summary.json, manifest-summary.md5, manifest-files.json, manifest-files.md5, data/<26 chars>.json.gz
 *
 * Full exports hold `{"Item": …}` lines; incremental ones `{"Metadata", "Keys", "NewImage", "OldImage"}` lines.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { encodeItemLine, itemToWireJson, type Item } from "../../../lib/export-format";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function awsDataFileName(): string {
  return [...randomBytes(26)].map((b) => BASE32[b & 31]).join("");
}

function md5(data: Buffer | string): { base64: string; hex: string } {
  const d = createHash("md5").update(data).digest();
  return { base64: d.toString("base64"), hex: d.toString("hex") };
}

async function put(s3: S3Client, bucket: string, key: string, body: Buffer | string): Promise<void> {
  // ContentLength given: for an empty body the SDK would otherwise warn about a stream of unknown length.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
}

export interface FixtureExport {
  readonly dir: string;
  /** Full keys of the data files, in manifest order. */
  readonly dataKeys: string[];
  readonly itemCount: number;
}

interface CommonInput {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The S3Prefix of the export, e.g. `exports/CollectionsTable`. */
  readonly s3Prefix: string;
  readonly exportId: string;
  readonly tableArn: string;
  /** Lines per data file. */
  readonly filesOf: number;
}

async function writeLayout(
  input: CommonInput,
  lines: string[],
  summaryFields: (manifestFilesKey: string, itemCount: number) => Record<string, unknown>,
): Promise<FixtureExport> {
  const dir = `${input.s3Prefix}/AWSDynamoDB/${input.exportId}`;
  await put(input.s3, input.bucket, `${dir}/_started`, "");
  const entries: string[] = [];
  const dataKeys: string[] = [];
  for (let i = 0; i < lines.length; i += input.filesOf) {
    const chunk = lines.slice(i, i + input.filesOf);
    const gz = gzipSync(Buffer.from(chunk.map((l) => `${l}\n`).join(""), "utf8"));
    const key = `${dir}/data/${awsDataFileName()}.json.gz`;
    await put(input.s3, input.bucket, key, gz);
    const sum = md5(gz);
    entries.push(
      JSON.stringify({ itemCount: chunk.length, md5Checksum: sum.base64, etag: sum.hex, dataFileS3Key: key }),
    );
    dataKeys.push(key);
  }
  const filesText = entries.map((e) => `${e}\n`).join("");
  const filesKey = `${dir}/manifest-files.json`;
  await put(input.s3, input.bucket, filesKey, filesText);
  await put(input.s3, input.bucket, `${dir}/manifest-files.md5`, md5(filesText).hex);
  const summaryText = JSON.stringify(summaryFields(filesKey, lines.length));
  await put(input.s3, input.bucket, `${dir}/manifest-summary.json`, summaryText);
  await put(input.s3, input.bucket, `${dir}/manifest-summary.md5`, md5(summaryText).hex);
  return { dir, dataKeys, itemCount: lines.length };
}

/** A FULL_EXPORT exactly as AWS lays it out. */
export async function writeAwsFullExport(
  input: CommonInput & { readonly items: readonly Item[]; readonly exportTime: Date },
): Promise<FixtureExport> {
  const t = input.exportTime.toISOString();
  return writeLayout(input, input.items.map(encodeItemLine), (manifestFilesS3Key, itemCount) => ({
    version: "2020-06-30",
    exportArn: `${input.tableArn}/export/${input.exportId}`,
    startTime: t,
    endTime: new Date(input.exportTime.getTime() + 300_000).toISOString(),
    tableArn: input.tableArn,
    tableId: "0b7cf5f4-0000-4000-8000-000000000001",
    exportTime: t,
    s3Bucket: input.bucket,
    s3Prefix: input.s3Prefix,
    s3SseAlgorithm: "KMS",
    s3SseKmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000",
    manifestFilesS3Key,
    billedSizeBytes: 0,
    itemCount,
    outputFormat: "DYNAMODB_JSON",
    exportType: "FULL_EXPORT",
  }));
}

/** An INCREMENTAL_EXPORT (NEW_AND_OLD_IMAGES) exactly as AWS lays it out. */
export async function writeAwsIncrementalExport(
  input: CommonInput & {
    readonly changes: readonly { keys: Item; newImage?: Item; oldImage?: Item }[];
    readonly from: Date;
    readonly to: Date;
  },
): Promise<FixtureExport> {
  const lines = input.changes.map((c) =>
    JSON.stringify({
      Metadata: { WriteTimestampMicros: { N: String(input.to.getTime() * 1000) } },
      Keys: itemToWireJson(c.keys),
      ...(c.newImage === undefined ? {} : { NewImage: itemToWireJson(c.newImage) }),
      ...(c.oldImage === undefined ? {} : { OldImage: itemToWireJson(c.oldImage) }),
    }),
  );
  return writeLayout(input, lines, (manifestFilesS3Key, itemCount) => ({
    version: "2023-08-01",
    exportArn: `${input.tableArn}/export/${input.exportId}`,
    startTime: input.to.toISOString(),
    endTime: new Date(input.to.getTime() + 60_000).toISOString(),
    tableArn: input.tableArn,
    tableId: "0b7cf5f4-0000-4000-8000-000000000001",
    exportFromTime: input.from.toISOString(),
    exportToTime: input.to.toISOString(),
    s3Bucket: input.bucket,
    s3Prefix: input.s3Prefix,
    s3SseAlgorithm: "KMS",
    s3SseKmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000",
    manifestFilesS3Key,
    billedSizeBytes: 0,
    itemCount,
    outputFormat: "DYNAMODB_JSON",
    outputView: "NEW_AND_OLD_IMAGES",
    exportType: "INCREMENTAL_EXPORT",
  }));
}
