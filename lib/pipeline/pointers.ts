/**
 * Pointers to each table's newest verified exports (`state/<table>/latest-verified*.json`). The verify step writes
 * them; the plan step reads them to place incremental windows, the restore drill to find what to restore.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { pointerKey, type PointerKind } from "./layout";
import type { ExportPointer } from "./types";

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}

export async function readPointer(
  s3: S3Client,
  bucket: string,
  table: string,
  kind: PointerKind,
): Promise<ExportPointer | undefined> {
  const key = pointerKey(table, kind);
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await res.Body?.transformToString("utf8")) ?? "";
    const parsed = JSON.parse(text) as ExportPointer;
    if (typeof parsed.dataTime !== "string" || typeof parsed.exportDir !== "string") {
      throw new Error(`s3://${bucket}/${key} is not an export pointer (no dataTime/exportDir)`);
    }
    return parsed;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function writePointer(
  s3: S3Client,
  bucket: string,
  kind: PointerKind,
  pointer: ExportPointer,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: pointerKey(pointer.table, kind),
      Body: `${JSON.stringify(pointer, null, 2)}\n`,
      ContentType: "application/json",
    }),
  );
}
