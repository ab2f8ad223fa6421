/**
 * A table's history in a (moto) backup bucket for the `recover --source history` tests, built with test/history's
 * fixtures (one list of writes → a native full export, hourly incremental exports in AWS's format, captured changes
 * in the capture handler's object format with sealed-hour manifests and the coverage file), dated relative to now so
 * that every T is in the past. The table is test/history's HistoryTable (pk S, sk N, TTL on `expires`); a catalog
 * file naming it is written for DDB_TABLE_CATALOG.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hourIdOf } from "../../lib/capture/layout";
import { openStore } from "../../lib/export-format";
import { SPEC, TABLE, writeCapture, writeFullExport, writeIncrementalExport, type Write } from "../history/fixtures";
import { prng } from "../history/history-world";

const HOUR = 3_600_000;

export interface HistoryBucket {
  /** The start of the base's hour: the native full export is consistent here. */
  readonly h0: number;
  readonly writes: readonly Write[];
}

/** A catalog file holding only HistoryTable (for DDB_TABLE_CATALOG). */
export function historyCatalogFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "recover-history-catalog-")), "catalog.json");
  writeFileSync(file, JSON.stringify({ tables: [SPEC] }));
  return file;
}

/**
 * An item with every attribute type. Its strings are plain: moto's ImportTable mangles strings holding quotes or
 * backslashes (test/history proves the rebuild keeps those byte for byte).
 */
function plainItem(k: number, v: number): Record<string, unknown> {
  return {
    pk: { S: `user-${k % 5}` },
    sk: { N: String(k) },
    v: { N: `${v}.25` },
    s: { S: `value ${v} ✓ värde` },
    b: { B: Buffer.from([v % 256, 0, 255]).toString("base64") },
    m: { M: { nested: { L: [{ S: "a" }, { NULL: true }, { BOOL: v % 2 === 0 }] } } },
    ss: { SS: ["a", `b${v}`] },
  };
}

/** Puts, overwrites and deletes in [h0 − 30 min, h0 + 4 h), none on a whole hour (an export point holds no write). */
export function historyWrites(h0: number, seed = 12): Write[] {
  const rand = prng(seed);
  const writes: Write[] = [];
  for (let t = h0 - HOUR / 2 + 1000; t < h0 + 4 * HOUR; t += 1000 * (30 + Math.floor(rand() * 90))) {
    if (t % HOUR === 0) continue;
    const k = Math.floor(rand() * 30);
    const keys = { pk: { S: `user-${k % 5}` }, sk: { N: String(k) } };
    writes.push(rand() < 0.75 ? { t, keys, item: plainItem(k, writes.length) } : { t, keys });
  }
  return writes;
}

/**
 * Creates `bucket` and writes the history: the full export at h0, incremental exports hour by hour over
 * [h0, h0 + 4 h), and capture for the hours listed (offsets from h0; `failed` sealed as FAILED).
 */
export async function writeHistoryBucket(
  endpoint: string,
  bucket: string,
  opts: { readonly captured: readonly number[]; readonly failed?: readonly number[]; readonly incrementals: boolean },
): Promise<HistoryBucket> {
  const h0 = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
  const writes = historyWrites(h0);
  const s3 = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 2,
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const root = openStore({ kind: "s3", bucket, prefix: "" }, s3);
    await writeFullExport(root, writes, { at: h0, id: `${h0}-base` });
    if (opts.incrementals) {
      for (let k = 0; k < 4; k++) {
        const from = h0 + k * HOUR;
        await writeIncrementalExport(root, writes, { from, to: from + HOUR, id: `${from}-inc` });
      }
    }
    const hours = opts.captured.map((k) => hourIdOf(h0 + k * HOUR));
    const failed = (opts.failed ?? []).map((k) => hourIdOf(h0 + k * HOUR));
    await writeCapture(root, writes, { hours, failed });
  } finally {
    s3.destroy();
  }
  return { h0, writes };
}

export { TABLE as HISTORY_TABLE };
