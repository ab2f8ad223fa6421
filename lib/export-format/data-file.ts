/**
 * Data files: gzip of DynamoDB JSON lines. Written and read as streams (constant memory whatever the table size), with
 * the MD5 of the gzip bytes computed on the way, exactly as manifest-files.json records it.
 */
import { once } from "node:events";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { constants as zlibConstants, createGunzip, createGzip, type Gunzip, type Gzip } from "node:zlib";
import { Md5Stream } from "./checksum";
import { ExportFormatError } from "./errors";
import { decodeItemLine, encodeItemLine, type Item } from "./item-codec";
import type { ManifestFileEntry } from "./manifest";
import type { ExportStore, FileSink } from "./store";

/** Default gzip level: the fastest; ~12x smaller than the JSON for typical items (level 3 is ~5% smaller and ~10% slower). */
export const DEFAULT_GZIP_LEVEL = 1;
/** Lines are handed to gzip in chunks of about this many bytes. */
const WRITE_CHUNK_BYTES = 256 * 1024;
/** gunzip output chunks when reading a data file. */
const GUNZIP_CHUNK_BYTES = 256 * 1024;
/** Lines (items) per batch when reading a data file. */
export const READ_BATCH_ITEMS = 1000;

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
  /** Items per yielded batch. @default READ_BATCH_ITEMS */
  readonly batchSize?: number;
  /** When given, the file's md5 and item count are checked against it at the end of the stream. */
  readonly expected?: ManifestFileEntry;
}

/** Cuts UTF-8 text arriving in chunks into lines — the one JSON-lines splitter of the library. Empty lines are skipped. */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private carry = "";

  /** Appends the lines this chunk completes to `out`. */
  push(chunk: Buffer, out: string[]): void {
    const text = this.carry + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      if (nl > start) out.push(text.slice(start, nl));
      start = nl + 1;
    }
    this.carry = text.slice(start);
  }

  /** At the end of the data: appends the last line if it had no newline. */
  end(out: string[]): void {
    const last = this.carry + this.decoder.end();
    this.carry = "";
    if (last.trim() !== "") out.push(last);
  }
}

/** What reading a data file's bytes gave: its measurements, and the damage that stopped the gzip stream, if any. */
interface GunzippedFile extends MeasuredDataFile {
  /** e.g. `<file>: not a complete gzip file (…); it is truncated or damaged`. */
  readonly damage: string | undefined;
}

function isZlibError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && code.startsWith("Z_");
}

/** The message for a gzip stream that broke, or undefined for an empty object (AWS writes one per empty partition). */
function gzipDamage(err: unknown, compressedBytes: number, file: string): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (compressedBytes === 0 && (e.code === "Z_BUF_ERROR" || e.errno === zlibConstants.Z_BUF_ERROR)) return undefined;
  return `${file}: not a complete gzip file (${e.message}); it is truncated or damaged`;
}

/** `input` piped into gunzip, with every byte hashed on the way and its own error kept (it also destroys gunzip). */
interface TappedInput {
  readonly gunzip: Gunzip;
  readonly md5: Md5Stream;
  /** Resolves when `input` ended (rejects with its error). */
  readonly ended: Promise<void>;
  error: Error | undefined;
}

function tapInput(input: Readable): TappedInput {
  const tap: TappedInput = {
    gunzip: createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }),
    md5: new Md5Stream(),
    ended: new Promise<void>((resolve, reject) => {
      input.once("end", resolve);
      input.once("error", reject);
    }),
    error: undefined,
  };
  tap.ended.catch(() => undefined); // awaited only after damage; the error itself is kept in `error`
  input.on("data", (chunk: Buffer) => tap.md5.update(chunk));
  input.on("error", (err) => {
    tap.error = err;
    tap.gunzip.destroy(err);
  });
  input.pipe(tap.gunzip);
  return tap;
}

/**
 * Reads a data file: hashes the gzip bytes as they arrive, gunzips them and yields the lines (each `{"Item":…}`,
 * without its newline) in batches of about `batchSize`. A broken gzip stream ends the lines and is returned as
 * `damage`; with `hashRest` the rest of the object is still read, so its md5 covers every byte. An error of `input`
 * itself (e.g. the connection) is thrown.
 */
async function* gunzipLines(
  input: Readable,
  file: string,
  batchSize: number,
  hashRest: boolean,
): AsyncGenerator<string[], GunzippedFile> {
  const tap = tapInput(input);
  const { gunzip, md5 } = tap;
  const splitter = new LineSplitter();
  let uncompressed = 0;
  let count = 0;
  let batch: string[] = [];
  let damage: string | undefined;
  let finished = false;
  try {
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        uncompressed += chunk.byteLength;
        splitter.push(chunk, batch);
        if (batch.length >= batchSize) {
          count += batch.length;
          yield batch;
          batch = [];
        }
      }
      splitter.end(batch);
    } catch (err) {
      if (tap.error !== undefined || !isZlibError(err)) throw tap.error ?? err;
      damage = gzipDamage(err, md5.byteCount, file);
      input.unpipe(gunzip);
      if (hashRest) {
        input.resume();
        await tap.ended;
      }
    }
    if (tap.error !== undefined) throw tap.error;
    count += batch.length;
    if (batch.length > 0 && damage === undefined) yield batch;
    finished = true;
  } finally {
    if (!finished || (damage !== undefined && !hashRest)) input.destroy();
  }
  const digest = md5.digest();
  return {
    md5Checksum: digest.base64,
    etag: digest.hex,
    itemCount: count,
    compressedBytes: md5.byteCount,
    uncompressedBytes: uncompressed,
    damage,
  };
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
  const { damage, ...measured } = yield* gunzipLines(input, file, opts.batchSize ?? READ_BATCH_ITEMS, false);
  if (damage !== undefined) throw new ExportFormatError("corrupt", file, damage);
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
  opts: { decode?: boolean; checkLine?: (text: string, where: string) => void } = {},
): Promise<DataFileMeasurement> {
  const decode = opts.decode ?? true;
  let checking = decode || opts.checkLine !== undefined;
  const errors: string[] = [];
  let lineNo = 0;
  const lines = gunzipLines(input, file, READ_BATCH_ITEMS, true);
  for (;;) {
    const r = await lines.next();
    if (r.done === true) {
      const { damage, ...measured } = r.value;
      return { ...measured, errors: damage === undefined ? errors : [...errors, damage] };
    }
    for (const line of checking ? r.value : []) {
      const where = `${file} line ${++lineNo}`;
      try {
        if (decode) decodeItemLine(line, where);
        opts.checkLine?.(line, where);
      } catch (err) {
        errors.push((err as Error).message);
        checking = false; // one bad line is enough to name the file; keep counting.
        break;
      }
    }
  }
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
