/**
 * Data files: gzip of DynamoDB JSON lines. Written and read as streams (constant memory whatever the table size), with
 * the MD5 of the gzip bytes computed on the way, exactly as manifest-files.json records it.
 */
import { once } from "node:events";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { constants as zlibConstants, createGunzip, createGzip, type Gzip } from "node:zlib";
import { Md5Stream } from "./checksum";
import { ExportFormatError } from "./errors";
import { decodeItemLine, encodeItemLine, type Item } from "./item-codec";
import type { ManifestFileEntry } from "./manifest";
import type { ExportStore, FileSink } from "./store";

/** Default gzip level: the fastest; ~12x smaller than the JSON for typical items (level 3 is ~5% smaller and ~10% slower). */
export const DEFAULT_GZIP_LEVEL = 1;
/** Lines are handed to gzip in chunks of about this many bytes. */
const WRITE_CHUNK_BYTES = 256 * 1024;

export interface DataFileWriterOptions {
  /** zlib level 1-9. @default DEFAULT_GZIP_LEVEL */
  readonly gzipLevel?: number;
}

/** Writes one data file. Nothing appears under its name until {@link DataFileWriter.close} succeeds. */
export class DataFileWriter {
  private pending: (string | Buffer)[] = [];
  private pendingBytes = 0;
  private items = 0;
  private rawBytes = 0;
  private readonly md5 = new Md5Stream();
  private readonly gzip: Gzip;
  private readonly drained: Promise<void>;
  private failure: Error | undefined;

  private constructor(
    private readonly sink: FileSink,
    /** Path relative to the export folder, e.g. `data/abc.json.gz`. */
    readonly rel: string,
    /** The key written into manifest-files.json. */
    readonly manifestKey: string,
    opts: DataFileWriterOptions,
  ) {
    const gzip = createGzip({ level: opts.gzipLevel ?? DEFAULT_GZIP_LEVEL, chunkSize: 64 * 1024 });
    this.gzip = gzip;
    this.drained = (async () => {
      for await (const chunk of gzip as AsyncIterable<Buffer>) {
        this.md5.update(chunk);
        await sink.write(chunk);
      }
    })().catch((err: Error) => {
      this.failure = err;
      gzip.destroy(err);
    });
  }

  static async open(store: ExportStore, rel: string, opts: DataFileWriterOptions = {}): Promise<DataFileWriter> {
    return new DataFileWriter(await store.createFile(rel), rel, store.manifestKey(rel), opts);
  }

  get itemCount(): number {
    return this.items;
  }
  /** Uncompressed JSON bytes written so far (what files are rolled on). */
  get uncompressedBytes(): number {
    return this.rawBytes + this.pendingBytes;
  }

  /** Adds items; resolves when gzip can take more (backpressure). */
  async writeItems(items: readonly Item[]): Promise<void> {
    for (const item of items) {
      const line = `${encodeItemLine(item)}\n`;
      this.pending.push(line);
      this.pendingBytes += line.length;
      this.items++;
      if (this.pendingBytes >= WRITE_CHUNK_BYTES) await this.flush();
    }
  }

  /**
   * Adds items already in DynamoDB's JSON wire form (B as base64), e.g. straight from a Scan response: each line is
   * `{"Item":<the item>}`, byte for byte what encodeItemLine gives for the same item.
   */
  async writeWireItems(items: readonly Record<string, unknown>[]): Promise<void> {
    for (const item of items) {
      const line = `{"Item":${JSON.stringify(item)}}\n`;
      this.pending.push(line);
      this.pendingBytes += line.length;
      this.items++;
      if (this.pendingBytes >= WRITE_CHUNK_BYTES) await this.flush();
    }
  }

  /** Adds a block of ready export lines (`{"Item":…}\n` each, newline-terminated, UTF-8) holding `count` items. */
  async writeLineBlock(block: string | Buffer, count: number): Promise<void> {
    if (count === 0) return;
    this.pending.push(block);
    this.pendingBytes += block.length;
    this.items += count;
    if (this.pendingBytes >= WRITE_CHUNK_BYTES) await this.flush();
  }

  /** Adds lines that are already encoded (each `{"Item":…}` without its newline). */
  async writeLines(lines: readonly string[]): Promise<void> {
    for (const l of lines) {
      this.pending.push(`${l}\n`);
      this.pendingBytes += l.length + 1;
      this.items++;
      if (this.pendingBytes >= WRITE_CHUNK_BYTES) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.pending.length === 0) return;
    const buf = this.pending.every((p) => typeof p === "string")
      ? Buffer.from(this.pending.join(""), "utf8")
      : Buffer.concat(this.pending.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
    this.rawBytes += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.gzip.write(buf)) await once(this.gzip, "drain");
  }

  /** Finishes the file and returns its manifest-files.json entry. */
  async close(): Promise<ManifestFileEntry> {
    await this.flush();
    this.gzip.end();
    await this.drained;
    if (this.failure !== undefined) {
      await this.sink.abort();
      throw this.failure;
    }
    const { etag } = await this.sink.close();
    return { itemCount: this.items, md5Checksum: this.md5.digest().base64, etag, dataFileS3Key: this.manifestKey };
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.drained.catch(() => undefined);
    await this.sink.abort();
  }
}

export interface MeasuredDataFile {
  readonly md5Checksum: string;
  readonly etag: string;
  readonly itemCount: number;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
}

export interface ReadDataFileOptions {
  /** Decode (and so validate) every line. @default true */
  readonly decode?: boolean;
  /** Items per yielded batch. @default 1000 */
  readonly batchSize?: number;
  /** When given, the file's md5 and item count are checked against it at the end of the stream. */
  readonly expected?: ManifestFileEntry;
}

/**
 * Streams a data file's lines (each `{"Item":…}`, without its newline) in batches, checking md5 and count against
 * `expected` at the end. The lines are not decoded: for consumers that hand them on as they are (restore's wire path).
 */
export async function* readDataFileLines(
  input: Readable,
  file: string,
  opts: { readonly batchSize?: number; readonly expected?: ManifestFileEntry } = {},
): AsyncGenerator<string[], MeasuredDataFile> {
  const batchSize = opts.batchSize ?? 1000;
  const md5 = new Md5Stream();
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  let compressed = 0;
  let uncompressed = 0;
  let count = 0;
  let inputError: Error | undefined;
  input.on("data", (chunk: Buffer) => {
    compressed += chunk.byteLength;
    md5.update(chunk);
  });
  input.on("error", (err) => {
    inputError = err;
    gunzip.destroy(err);
  });
  input.pipe(gunzip);
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let batch: string[] = [];
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      uncompressed += chunk.byteLength;
      const text = carry + decoder.write(chunk);
      let start = 0;
      for (;;) {
        const nl = text.indexOf("\n", start);
        if (nl === -1) break;
        if (nl > start) {
          count++;
          batch.push(text.slice(start, nl));
        }
        start = nl + 1;
      }
      carry = text.slice(start);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof ExportFormatError) throw err;
    if (inputError !== undefined) throw inputError;
    const e = err as NodeJS.ErrnoException;
    // An empty object is a valid empty data file (AWS writes one per empty partition).
    if (!(compressed === 0 && (e.code === "Z_BUF_ERROR" || e.errno === zlibConstants.Z_BUF_ERROR))) {
      throw new ExportFormatError(
        "corrupt",
        file,
        `${file}: not a complete gzip file (${e.message}); it is truncated or damaged`,
      );
    }
  }
  if (inputError !== undefined) throw inputError;
  carry += decoder.end();
  if (carry.trim() !== "") {
    count++;
    batch.push(carry);
  }
  if (batch.length > 0) yield batch;
  const digest = md5.digest();
  const measured: MeasuredDataFile = {
    md5Checksum: digest.base64,
    etag: digest.hex,
    itemCount: count,
    compressedBytes: compressed,
    uncompressedBytes: uncompressed,
  };
  if (opts.expected !== undefined) {
    const problems = dataFileProblems(opts.expected, measured);
    if (problems.length > 0) throw new ExportFormatError("corrupt", file, `${file}: ${problems.join("; ")}`);
  }
  return measured;
}

/**
 * Streams a data file's items in batches, decoded (and so validated). `file` names the file in every error. With
 * `expected`, the stream ends with an {@link ExportFormatError} if the bytes or the count differ from the manifest
 * entry (after all items were yielded: verify first when nothing may be written from a damaged file).
 */
export async function* readDataFile(
  input: Readable,
  file: string,
  opts: ReadDataFileOptions = {},
): AsyncGenerator<Item[], MeasuredDataFile> {
  const decode = opts.decode ?? true;
  const lines = readDataFileLines(input, file, {
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    ...(opts.expected === undefined ? {} : { expected: opts.expected }),
  });
  let lineNo = 0;
  for (;;) {
    const r = await lines.next();
    if (r.done === true) return r.value;
    if (!decode) {
      lineNo += r.value.length;
      continue;
    }
    const batch: Item[] = [];
    for (const line of r.value) batch.push(decodeItemLine(line, `${file} line ${++lineNo}`));
    yield batch;
  }
}

export interface DataFileMeasurement extends MeasuredDataFile {
  /** Damage found while reading (not gzip, truncated, an undecodable line), each naming the file. */
  readonly errors: readonly string[];
}

/**
 * Reads a whole data file without keeping its items: md5 of every byte, item count and sizes, decoding every line
 * unless told not to. Never throws for damaged content: a gzip or decoding error is recorded in `errors` and the md5 is
 * still computed over the whole object, so a report can show both "md5 differs" and where decoding broke.
 */
export async function measureDataFile(
  input: Readable,
  file: string,
  opts: { decode?: boolean } = {},
): Promise<DataFileMeasurement> {
  let decode = opts.decode ?? true;
  const md5 = new Md5Stream();
  const errors: string[] = [];
  let compressed = 0;
  let uncompressed = 0;
  let count = 0;
  const inputDone = new Promise<void>((resolve, reject) => {
    input.on("data", (chunk: Buffer) => {
      compressed += chunk.byteLength;
      md5.update(chunk);
    });
    input.once("end", resolve);
    input.once("error", reject);
  });
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  input.pipe(gunzip);
  const decoder = new StringDecoder("utf8");
  let carry = "";
  const line = (text: string): void => {
    count++;
    if (!decode) return;
    try {
      decodeItemLine(text, `${file} line ${count}`);
    } catch (err) {
      errors.push((err as Error).message);
      decode = false; // one decoding error is enough to name the file; keep counting.
    }
  };
  let gzipFailed = false;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      uncompressed += chunk.byteLength;
      const text = carry + decoder.write(chunk);
      let start = 0;
      for (;;) {
        const nl = text.indexOf("\n", start);
        if (nl === -1) break;
        if (nl > start) line(text.slice(start, nl));
        start = nl + 1;
      }
      carry = text.slice(start);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    gzipFailed = true;
    input.unpipe(gunzip);
    input.resume(); // keep hashing the rest of the object
    if (!(compressed === 0 && e.code === "Z_BUF_ERROR")) {
      errors.push(`${file}: not a complete gzip file (${e.message}); it is truncated or damaged`);
    }
  }
  await inputDone;
  if (!gzipFailed) {
    carry += decoder.end();
    if (carry.trim() !== "") line(carry);
  }
  const digest = md5.digest();
  return {
    md5Checksum: digest.base64,
    etag: digest.hex,
    itemCount: count,
    compressedBytes: compressed,
    uncompressedBytes: uncompressed,
    errors,
  };
}

/**
 * Compares a data file with its manifest entry. Returns the problems in words (empty when it matches), e.g.
 * `md5 is X but manifest-files.json says Y`.
 */
export function dataFileProblems(
  expected: ManifestFileEntry,
  actual: Pick<MeasuredDataFile, "md5Checksum" | "itemCount">,
): string[] {
  const problems: string[] = [];
  if (actual.md5Checksum !== expected.md5Checksum) {
    problems.push(
      `md5 is ${actual.md5Checksum} but manifest-files.json says ${expected.md5Checksum} (the file was changed or damaged)`,
    );
  }
  if (actual.itemCount !== expected.itemCount) {
    problems.push(`holds ${actual.itemCount} items but manifest-files.json says ${expected.itemCount}`);
  }
  return problems;
}
