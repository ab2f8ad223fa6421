/**
 * The few S3 calls change capture makes, each naming the s3:// object in its errors.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";

export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export interface FetchedObject {
  readonly body: Buffer;
  readonly metadata: Readonly<Record<string, string>>;
  readonly etag: string;
}

/** An object's bytes and user metadata, or undefined when it does not exist. */
export async function getObject(s3: S3Client, bucket: string, key: string): Promise<FetchedObject | undefined> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = (await res.Body?.transformToByteArray()) ?? new Uint8Array();
    return {
      body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      metadata: res.Metadata ?? {},
      etag: (res.ETag ?? "").replace(/^"|"$/g, ""),
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** An object's user metadata, or undefined when it does not exist. */
export async function headMetadata(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<Readonly<Record<string, string>> | undefined> {
  try {
    return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata ?? {};
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** A small JSON object, or undefined when it does not exist. Errors name the object. */
export async function getJson<T>(s3: S3Client, bucket: string, key: string): Promise<T | undefined> {
  const obj = await getObject(s3, bucket, key);
  if (obj === undefined) return undefined;
  try {
    return JSON.parse(obj.body.toString("utf8")) as T;
  } catch (err) {
    throw new Error(
      `${s3Url(bucket, key)} is not valid JSON (${(err as Error).message}); it was damaged or written by hand`,
    );
  }
}

export async function putObject(
  s3: S3Client,
  input: Omit<PutObjectCommandInput, "Body"> & { Bucket: string; Key: string; Body: Buffer | string },
): Promise<string> {
  const res = await s3.send(new PutObjectCommand(input));
  return (res.ETag ?? "").replace(/^"|"$/g, "");
}

export async function putJson(
  s3: S3Client,
  bucket: string,
  key: string,
  value: unknown,
  kmsKeyArn?: string,
): Promise<void> {
  await putObject(s3, {
    Bucket: bucket,
    Key: key,
    Body: `${JSON.stringify(value, null, 2)}\n`,
    ContentType: "application/json",
    ...sse(kmsKeyArn),
  });
}

/** SSE-KMS settings for a PutObject when a key is configured (else the bucket's default encryption applies). */
export function sse(
  kmsKeyArn: string | undefined,
): Pick<PutObjectCommandInput, "ServerSideEncryption" | "SSEKMSKeyId"> {
  return kmsKeyArn === undefined ? {} : { ServerSideEncryption: "aws:kms", SSEKMSKeyId: kmsKeyArn };
}

export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** Every key below a prefix (ending with "/"), sorted. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of res.Contents ?? []) if (o.Key !== undefined) out.push(o.Key);
    token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out.sort();
}

/** The immediate sub-folder names below a prefix (ending with "/"), sorted. */
export async function listDirs(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: "/", ContinuationToken: token }),
    );
    for (const p of res.CommonPrefixes ?? []) {
      if (p.Prefix !== undefined) out.push(p.Prefix.slice(prefix.length).replace(/\/$/, ""));
    }
    token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out.sort();
}
