/**
 * The rebuild's input files, each checked against its manifest entry before use: every byte's md5 here (a bucket's
 * objects are downloaded into the temp folder on the way, a local mirror's files are read in place); the line counts
 * are checked by the engine when it stages the records. Capture hours not sealed yet get the seal's own checks
 * (lib/capture/seal.ts inspectHour), writing nothing.
 */
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { inspectHour, type ShardHeads } from "../capture/seal";
import { hourManifestFilesKey } from "../capture/layout";
import { Md5Stream } from "../export-format/checksum";
import { dataFileRel, openExport, openIncrementalExport } from "../export-format/export-reader";
import { parseManifestFiles, type ManifestFileEntry } from "../export-format/manifest";
import { VerificationError } from "../errors";
import type { EngineFile } from "./duckdb-engine";
import type { HistorySource } from "./inventory";
import type { RebuildPlan } from "./plan";

/** A file to read: where it is below the bucket root, and what its manifest says. */
export interface InputFile {
  readonly rel: string;
  readonly md5: string;
  readonly count: number;
  readonly group: "base" | "incremental" | "capture";
}

/** How many files are fetched and hashed at once. */
const FETCH_CONCURRENCY = 4;

function entryFile(dir: string, e: ManifestFileEntry, group: InputFile["group"]): InputFile {
  return { rel: `${dir}/${dataFileRel(e)}`, md5: e.md5Checksum, count: e.itemCount, group };
}

async function exportFiles(src: HistorySource, plan: RebuildPlan): Promise<InputFile[]> {
  const base = await openExport(
    src.store.sub(plan.base.dir).location,
    src.s3 === undefined ? {} : { s3: src.s3.client },
  );
  const files = base.files.map((e) => entryFile(plan.base.dir, e, "base"));
  for (const w of plan.incrementals) {
    const inc = await openIncrementalExport(src.store.sub(w.dir));
    files.push(...inc.files.map((e) => entryFile(w.dir, e, "incremental")));
  }
  return files;
}

async function sealedHourFiles(src: HistorySource, table: string, hour: string): Promise<InputFile[]> {
  const key = hourManifestFilesKey(table, hour);
  const text = await src.store.readText(key);
  if (text === undefined) {
    throw new VerificationError(
      `${src.store.describe(key)} does not exist, but the coverage file says hour ${hour} is sealed`,
    );
  }
  return parseManifestFiles(text, src.store.describe(key)).map((e) => ({
    rel: e.dataFileS3Key,
    md5: e.md5Checksum,
    count: e.itemCount,
    group: "capture" as const,
  }));
}

/** Every file the plan reads, in the order the definition lists them. Unsealed hours are checked like a seal. */
export async function planFiles(
  src: HistorySource,
  table: string,
  plan: RebuildPlan,
  heads: ShardHeads | undefined,
): Promise<InputFile[]> {
  const files = await exportFiles(src, plan);
  let chain = heads;
  for (const hour of plan.captureHours) {
    if (hour.status === "SEALED") {
      files.push(...(await sealedHourFiles(src, table, hour.hour)));
      continue;
    }
    if (src.s3 === undefined) throw new VerificationError(`capture hour ${hour.hour} is not sealed; seal it first`);
    const { seal, entries } = await inspectHour(src.s3.client, {
      bucket: src.s3.bucket,
      table,
      hour: hour.hour,
      heads: chain,
    });
    if (seal.status !== "SEALED") {
      throw new VerificationError(
        `capture hour ${hour.hour} (not sealed yet) fails the seal's checks:\n  ${seal.problems.join("\n  ")}`,
      );
    }
    chain = { ...(chain ?? {}), ...seal.heads };
    files.push(
      ...entries.map((e) => ({
        rel: e.dataFileS3Key,
        md5: e.md5Checksum,
        count: e.itemCount,
        group: "capture" as const,
      })),
    );
  }
  return files;
}

/** Reads one file through an md5; a bucket's object is saved under `tempDir` on the way. */
async function fetchOne(src: HistorySource, f: InputFile, i: number, tempDir: string): Promise<EngineFile> {
  const name = src.store.describe(f.rel);
  const local = src.s3 === undefined;
  const path = local ? name : join(tempDir, `input-${String(i).padStart(7, "0")}.json.gz`);
  const md5 = new Md5Stream();
  let input;
  try {
    input = await src.store.openRead(f.rel);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new VerificationError(`${name}: listed in its manifest but does not exist`);
    }
    throw err;
  }
  if (local) {
    for await (const chunk of input as AsyncIterable<Buffer>) md5.update(chunk);
  } else {
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        md5.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(input, tap, createWriteStream(path));
  }
  const got = md5.digest().base64;
  if (got !== f.md5) {
    throw new VerificationError(`${name}: damaged: md5 of its bytes is ${got}, its manifest records ${f.md5}`);
  }
  return { path, name, expectedCount: f.count };
}

/**
 * The files as the engine reads them when they can be read where they are (a local mirror): known before their md5s
 * are checked, so the check can run while the engine reads them. Undefined for a bucket (downloaded while checked).
 */
export function inPlaceFiles(src: HistorySource, files: readonly InputFile[]): EngineFile[] | undefined {
  if (src.s3 !== undefined) return undefined;
  return files.map((f) => {
    const name = src.store.describe(f.rel);
    return { path: name, name, expectedCount: f.count };
  });
}

/** Checks (and, from a bucket, downloads) every file; `onFile` after each. */
export async function fetchChecked(
  src: HistorySource,
  files: readonly InputFile[],
  tempDir: string,
  onFile: () => void,
): Promise<EngineFile[]> {
  const out: EngineFile[] = new Array<EngineFile>(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      out[i] = await fetchOne(src, files[i]!, i, tempDir);
      onFile();
    }
  };
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, files.length) }, worker));
  return out;
}
