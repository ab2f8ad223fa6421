/**
 * Checksums as DynamoDB's export manifest records them: `md5Checksum` is the base64 MD5 of the data file's bytes (the
 * gzip object), `etag` the S3 ETag (hex MD5 for a single-part object, `<hex md5 of the part md5s>-<parts>` for multipart).
 */
import { createHash, type Hash } from "node:crypto";

/** base64 MD5 of some bytes, the form of `md5Checksum` in manifest-files.json. */
export function md5Base64(data: Uint8Array | string): string {
  return createHash("md5").update(data).digest("base64");
}

/** hex MD5 of some bytes (the ETag of a single-part S3 object, without quotes). */
export function md5Hex(data: Uint8Array | string): string {
  return createHash("md5").update(data).digest("hex");
}

/** An incremental MD5 for streams; `digest()` gives both forms. */
export class Md5Stream {
  private readonly hash: Hash = createHash("md5");
  private bytes = 0;
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }
  get byteCount(): number {
    return this.bytes;
  }
  digest(): { base64: string; hex: string } {
    const raw = this.hash.digest();
    return { base64: raw.toString("base64"), hex: raw.toString("hex") };
  }
}

/** The S3 ETag of a multipart object from its parts' raw MD5 digests. */
export function multipartEtag(partMd5s: readonly Buffer[]): string {
  const combined = createHash("md5").update(Buffer.concat(partMd5s)).digest("hex");
  return `${combined}-${partMd5s.length}`;
}

/** Strips the quotes S3 puts around ETags. */
export function normalizeEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, "");
}
