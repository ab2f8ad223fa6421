/**
 * Where an export lives: a local folder or `s3://bucket/prefix`. Both are seen through one small interface, so every
 * reader and writer in the library works on either. S3 access goes through the shared client (lib/aws.ts), so it
 * takes its settings (region, credentials, AWS_ENDPOINT_URL_S3, …) from the SDK's standard configuration.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { s3Client } from "../aws";
import { md5Hex, multipartEtag, normalizeEtag } from "./checksum";
import { createHash } from "node:crypto";

export type ExportLocation =
  | { readonly kind: "local"; readonly dir: string }
  | { readonly kind: "s3"; readonly bucket: string; readonly prefix: string };

const S3_URL = /^s3:\/\/([^/]+)\/?(.*)$/;

/** Parses `s3://bucket/prefix` or a local path (made absolute against `cwd`). Errors name the value. */
export function parseLocation(value: string, cwd: string = process.cwd()): ExportLocation {
  if (value.trim() === "") throw new Error("location is empty; give a folder or s3://bucket/prefix");
  if (value.startsWith("s3://")) {
    const m = S3_URL.exec(value);
    if (m === null || m[1] === undefined || m[1] === "") {
      throw new Error(`"${value}" is not an S3 location; use s3://bucket/prefix`);
    }
    return { kind: "s3", bucket: m[1], prefix: trimSlashes(m[2] ?? "") };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new Error(`"${value}": only local folders and s3://bucket/prefix are supported`);
  }
  return { kind: "local", dir: isAbsolute(value) ? value : resolve(cwd, value) };
}

export function formatLocation(loc: ExportLocation): string {
  return loc.kind === "local" ? loc.dir : `s3://${loc.bucket}/${loc.prefix}`;
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, "");
}

export function subLocation(loc: ExportLocation, rel: string): ExportLocation {
  const r = trimSlashes(rel);
  if (r === "") return loc;
  return loc.kind === "local"
    ? { kind: "local", dir: join(loc.dir, r) }
    : { kind: "s3", bucket: loc.bucket, prefix: loc.prefix === "" ? r : `${loc.prefix}/${r}` };
}

export interface StoredFile {
  /** Path relative to the store's root, with "/" separators. */
  readonly rel: string;
  readonly size: number;
}

/** A file being written. Nothing is visible under its final name until `close()` succeeds. */
export interface FileSink {
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the file; returns its S3-style ETag (hex MD5 for local files and single-part objects). */
  close(): Promise<{ etag: string }>;
  /** Drops the partial file. */
  abort(): Promise<void>;
}

export interface ExportStore {
  readonly location: ExportLocation;
  /** Human name of a file: an absolute path or an s3:// URL. */
  describe(rel: string): string;
  /** The key recorded in manifests: the full S3 key for S3, the relative path for a local folder. */
  manifestKey(rel: string): string;
  /** Text of a file, or undefined when it does not exist. */
  readText(rel: string): Promise<string | undefined>;
  exists(rel: string): Promise<boolean>;
  /** Files below a folder (recursively), relative to the store root. Empty when the folder does not exist. */
  list(relDir: string): Promise<StoredFile[]>;
  /** Immediate sub-folder names of a folder. */
  listDirs(relDir: string): Promise<string[]>;
  openRead(rel: string): Promise<Readable>;
  /** Writes a whole small file so that it appears complete or not at all. */
  writeText(rel: string, text: string): Promise<void>;
  createFile(rel: string): Promise<FileSink>;
  delete(rel: string): Promise<void>;
  /** A store rooted at a sub-folder. */
  sub(rel: string): ExportStore;
}

export function openStore(loc: ExportLocation, client?: S3Client): ExportStore {
  return loc.kind === "local" ? new LocalStore(loc) : new S3Store(loc, client ?? s3Client());
}

class LocalStore implements ExportStore {
  constructor(readonly location: { readonly kind: "local"; readonly dir: string }) {}

  private path(rel: string): string {
    return join(this.location.dir, ...rel.split("/").filter((p) => p !== ""));
  }
  describe(rel: string): string {
    return this.path(rel);
  }
  manifestKey(rel: string): string {
    return trimSlashes(rel);
  }
  async readText(rel: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(rel), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }
  async exists(rel: string): Promise<boolean> {
    try {
      await stat(this.path(rel));
      return true;
    } catch {
      return false;
    }
  }
  async list(relDir: string): Promise<StoredFile[]> {
    const out: StoredFile[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(this.path(rel), { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR")
          return;
        throw err;
      }
      for (const e of entries) {
        const childRel = rel === "" ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(childRel);
        else if (e.isFile()) out.push({ rel: childRel, size: (await stat(this.path(childRel))).size });
      }
    };
    await walk(trimSlashes(relDir));
    return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  }
  async listDirs(relDir: string): Promise<string[]> {
    try {
      const entries = await readdir(this.path(relDir), { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }
  async openRead(rel: string): Promise<Readable> {
    const stream = createReadStream(this.path(rel), { highWaterMark: 1 << 20 });
    await new Promise<void>((res, rej) => {
      stream.once("open", () => res());
      stream.once("error", rej);
    });
    return stream;
  }
  async writeText(rel: string, text: string): Promise<void> {
    const target = this.path(rel);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    await writeFile(tmp, text);
    await rename(tmp, target);
  }
  async createFile(rel: string): Promise<FileSink> {
    const target = this.path(rel);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.partial`;
    const stream: WriteStream = createWriteStream(tmp);
    const hash = createHash("md5");
    let failed: Error | undefined;
    stream.on("error", (err) => {
      failed = err;
    });
    return {
      async write(chunk) {
        if (failed !== undefined) throw failed;
        hash.update(chunk);
        if (!stream.write(chunk)) {
          await new Promise<void>((res, rej) => {
            const onErr = (e: Error): void => rej(e);
            stream.once("error", onErr);
            stream.once("drain", () => {
              stream.off("error", onErr);
              res();
            });
          });
        }
      },
      async close() {
        await new Promise<void>((res, rej) => {
          if (failed !== undefined) return rej(failed);
          stream.once("error", rej);
          stream.end(() => res());
        });
        await rename(tmp, target);
        return { etag: hash.digest("hex") };
      },
      abort: async () => {
        stream.destroy();
        await rm(tmp, { force: true });
        await this.removeEmptyFolders(tmp);
      },
    };
  }
  /** Removes the file, and the folders below the store's root it leaves empty (as an S3 prefix vanishes). */
  async delete(rel: string): Promise<void> {
    const target = this.path(rel);
    await rm(target, { force: true });
    await this.removeEmptyFolders(target);
  }
  private async removeEmptyFolders(removedFile: string): Promise<void> {
    const root = this.path("");
    for (let dir = dirname(removedFile); dir.startsWith(`${root}${sep}`); dir = dirname(dir)) {
      const removed = await rmdir(dir).then(
        () => true,
        () => false, // not empty (or gone): the folders above it stay
      );
      if (!removed) break;
    }
  }
  sub(rel: string): ExportStore {
    return new LocalStore(subLocation(this.location, rel) as LocalStore["location"]);
  }
}

/** Multipart part size for S3 uploads (S3's minimum is 5 MiB for all but the last part). */
export const S3_PART_SIZE = 8 * 1024 * 1024;

class S3Store implements ExportStore {
  constructor(
    readonly location: { readonly kind: "s3"; readonly bucket: string; readonly prefix: string },
    private readonly client: S3Client,
  ) {}

  private key(rel: string): string {
    const r = trimSlashes(rel);
    return this.location.prefix === "" ? r : r === "" ? this.location.prefix : `${this.location.prefix}/${r}`;
  }
  describe(rel: string): string {
    return `s3://${this.location.bucket}/${this.key(rel)}`;
  }
  manifestKey(rel: string): string {
    return this.key(rel);
  }
  async readText(rel: string): Promise<string | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(rel) }));
      return (await res.Body?.transformToString("utf8")) ?? "";
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
  async exists(rel: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(rel) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
  async list(relDir: string): Promise<StoredFile[]> {
    const base = this.key(relDir);
    const prefix = base === "" ? "" : `${base}/`;
    const rootPrefix = this.location.prefix === "" ? "" : `${this.location.prefix}/`;
    const out: StoredFile[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) {
        if (o.Key === undefined || o.Key.endsWith("/")) continue;
        out.push({ rel: o.Key.slice(rootPrefix.length), size: o.Size ?? 0 });
      }
      token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  }
  async listDirs(relDir: string): Promise<string[]> {
    const base = this.key(relDir);
    const prefix = base === "" ? "" : `${base}/`;
    const out: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.location.bucket,
          Prefix: prefix,
          Delimiter: "/",
          ContinuationToken: token,
        }),
      );
      for (const p of res.CommonPrefixes ?? []) {
        if (p.Prefix !== undefined) out.push(trimSlashes(p.Prefix.slice(prefix.length)));
      }
      token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort();
  }
  async openRead(rel: string): Promise<Readable> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(rel) }));
      return res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) {
        const e = new Error(`${this.describe(rel)} does not exist`) as NodeJS.ErrnoException;
        e.code = "ENOENT";
        throw e;
      }
      throw err;
    }
  }
  async writeText(rel: string, text: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.key(rel),
        Body: text,
        // Given, not left to the SDK: for an empty text (the started marker) it sets no length and warns.
        ContentLength: Buffer.byteLength(text),
        ContentType: "application/json",
      }),
    );
  }
  async createFile(rel: string): Promise<FileSink> {
    const { client } = this;
    const Bucket = this.location.bucket;
    const Key = this.key(rel);
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let uploadId: string | undefined;
    const parts: { ETag: string; PartNumber: number }[] = [];
    const partMd5s: Buffer[] = [];
    const flushPart = async (): Promise<void> => {
      const body = Buffer.concat(buffered);
      buffered = [];
      bufferedBytes = 0;
      uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId;
      const PartNumber = parts.length + 1;
      const res = await client.send(new UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber, Body: body }));
      parts.push({ ETag: res.ETag ?? "", PartNumber });
      partMd5s.push(createHash("md5").update(body).digest());
    };
    return {
      async write(chunk) {
        buffered.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        bufferedBytes += chunk.byteLength;
        if (bufferedBytes >= S3_PART_SIZE) await flushPart();
      },
      async close() {
        if (uploadId === undefined) {
          const body = Buffer.concat(buffered);
          const res = await client.send(new PutObjectCommand({ Bucket, Key, Body: body }));
          return { etag: normalizeEtag(res.ETag) ?? md5Hex(body) };
        }
        if (bufferedBytes > 0) await flushPart();
        const res = await client.send(
          new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
        );
        return { etag: normalizeEtag(res.ETag) ?? multipartEtag(partMd5s) };
      },
      async abort() {
        buffered = [];
        if (uploadId !== undefined) {
          await client
            .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }))
            .catch(() => undefined);
        }
      },
    };
  }
  async delete(rel: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(rel) }));
  }
  sub(rel: string): ExportStore {
    return new S3Store(subLocation(this.location, rel) as S3Store["location"], this.client);
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}
