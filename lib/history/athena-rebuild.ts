/**
 * The rebuild at Athena's scale: the rebuilt table's SELECT (the one definition, rendered by athena-dialect.ts) runs as
 * one UNLOAD into `<out>/data/` in the backup bucket (gzip JSON lines, `{"Item":…}` per item), then the export layout
 * is written around Athena's files — manifest-files.json (each file's md5 and line count, read back once),
 * schema.json from the catalog, manifest-summary.json last — so `dynamo-dr restore-files` and ImportTable read it like
 * any other export. A failure removes everything it wrote under `<out>`: nothing is left half-written.
 */
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { TableSpec } from "../catalog";
import { Md5Stream } from "../export-format/checksum";
import { DATA_DIR } from "../export-format/constants";
import { finishExport } from "../export-format/export-writer";
import { newExportId, type ManifestFileEntry } from "../export-format/manifest";
import { schemaFromCatalog } from "../export-format/schema";
import type { ExportStore } from "../export-format/store";
import { UsageError } from "../errors";
import { unloadSql } from "./athena-dialect";
import { runQuery, type QueryProgress } from "./athena-query";

export interface AthenaRebuildOptions {
  readonly athena: AthenaClient;
  readonly workgroup: string;
  readonly database: string;
  /** The rebuilt table's SELECT (one column `line`). */
  readonly select: string;
  /** Where the export goes: an S3 folder (in the backup bucket, so the workgroup may write it), empty. */
  readonly out: ExportStore;
  readonly spec: TableSpec;
  /** T: the export's point in time. */
  readonly at: Date;
  /** @default DEFAULT_POLL_MS */
  readonly pollMs?: number;
  readonly onProgress?: (p: QueryProgress) => void;
}

export interface AthenaRebuildResult {
  readonly queryExecutionId: string;
  readonly dataScannedBytes: number;
  readonly items: number;
  readonly dataFiles: number;
}

/** md5 of the stored bytes and the number of lines inside the gzip. */
export async function measure(stream: Readable): Promise<{ md5: { base64: string; hex: string }; lines: number }> {
  const md5 = new Md5Stream();
  const gunzip = createGunzip();
  let lines = 0;
  let last = 0x0a;
  gunzip.on("data", (chunk: Buffer) => {
    for (const b of chunk) if (b === 0x0a) lines += 1;
    if (chunk.length > 0) last = chunk[chunk.length - 1] as number;
  });
  const done = new Promise<void>((resolve, reject) => {
    gunzip.on("end", resolve);
    gunzip.on("error", reject);
    stream.on("error", reject);
  });
  stream.on("data", (c: Buffer) => md5.update(c));
  stream.pipe(gunzip);
  await done;
  return { md5: md5.digest(), lines: last === 0x0a ? lines : lines + 1 };
}

/** The manifest entry of every file Athena wrote under data/. */
async function describeOutput(out: ExportStore): Promise<ManifestFileEntry[]> {
  const entries: ManifestFileEntry[] = [];
  for (const f of await out.list(DATA_DIR)) {
    const { md5, lines } = await measure(await out.openRead(f.rel));
    entries.push({ itemCount: lines, md5Checksum: md5.base64, etag: md5.hex, dataFileS3Key: out.manifestKey(f.rel) });
  }
  return entries;
}

export async function rebuildOnAthena(opts: AthenaRebuildOptions): Promise<AthenaRebuildResult> {
  const loc = opts.out.location;
  if (loc.kind !== "s3")
    throw new UsageError("--out: --engine athena writes to S3: give s3://<backup bucket>/<prefix>");
  if ((await opts.out.list("")).length > 0) {
    throw new UsageError(`--out: ${opts.out.describe("")} is not empty; Athena UNLOADs only into an empty folder`);
  }
  const startTime = new Date();
  const dataUri = `s3://${loc.bucket}/${opts.out.manifestKey(DATA_DIR)}/`;
  try {
    const q = await runQuery(opts.athena, unloadSql(opts.select, dataUri), {
      workgroup: opts.workgroup,
      database: opts.database,
      pollMs: opts.pollMs,
      onProgress: opts.onProgress,
    });
    const files = await describeOutput(opts.out);
    await finishExport(opts.out, {
      files,
      schema: schemaFromCatalog(opts.spec, opts.spec.name),
      exportId: newExportId(startTime),
      tableArn: null,
      startTime,
      exportTime: opts.at,
    });
    const items = files.reduce((n, f) => n + f.itemCount, 0);
    return {
      queryExecutionId: q.queryExecutionId,
      dataScannedBytes: q.dataScannedBytes,
      items,
      dataFiles: files.length,
    };
  } catch (err) {
    for (const f of await opts.out.list("").catch(() => [])) await opts.out.delete(f.rel).catch(() => undefined);
    throw err;
  }
}
