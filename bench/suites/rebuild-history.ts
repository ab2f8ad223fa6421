/**
 * A synthetic history for the rebuild benchmark, written straight into the bucket layout on local disk: one native
 * full export of `baseItems` items and `changes` captured stream records (modify 70%, insert 15%, remove 15%) spread
 * over sealed hours after it, on two shards, with each hour's manifest-files.json and the coverage file.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { encodeChangeObject, type ObjectRef } from "../../lib/capture/change-object";
import type { Coverage } from "../../lib/capture/coverage";
import { changeObjectKey, coverageKey, hourIdOf, hourManifestFilesKey } from "../../lib/capture/layout";
import type { ChangeLine } from "../../lib/capture/records";
import { finishExport, openDataFile, openStore, startExport, type ManifestFileEntry } from "../../lib/export-format";
import { exportDir } from "../../lib/pipeline/layout";

export const BENCH_TABLE = "BenchTable";
/** The benchmark table's catalog entry (its items' pk and sk are its keys). */
export const BENCH_SPEC = {
  name: BENCH_TABLE,
  attributes: { pk: "S", sk: "N" },
  hashKey: "pk",
  rangeKey: "sk",
} as const;
export const BASE_TIME = Date.parse("2026-11-30T00:00:00Z");
const RECORDS_PER_OBJECT = 5000;
const ITEMS_PER_FILE = 100_000;
const HOURS = 8;

function item(k: number, v: number): Record<string, unknown> {
  return {
    pk: { S: `customer#${k % 10_000}` },
    sk: { N: String(k) },
    status: { S: v % 3 === 0 ? "ACTIVE" : "PENDING" },
    amount: { N: `${v % 100_000}.${v % 97}` },
    note: { S: `order ${v} ✓ ${"x".repeat(40 + (v % 60))}` },
    tags: { SS: ["a", `t${v % 13}`] },
    blob: { B: Buffer.from([v & 255, (v >> 8) & 255, 7, 9]).toString("base64") },
  };
}

async function writeBase(dir: string, n: number): Promise<void> {
  const store = openStore({ kind: "local", dir }).sub(exportDir(BENCH_TABLE, "01764460800000-bench000"));
  await startExport(store);
  const files: ManifestFileEntry[] = [];
  for (let i = 0; i < n; i += ITEMS_PER_FILE) {
    const f = await openDataFile(store);
    for (let j = i; j < Math.min(n, i + ITEMS_PER_FILE); j += 1000) {
      const batch = [];
      for (let k = j; k < Math.min(n, i + ITEMS_PER_FILE, j + 1000); k++) batch.push(item(k, k));
      await f.writeWireItems(batch);
    }
    files.push(await f.close());
  }
  const t = new Date(BASE_TIME);
  await finishExport(store, {
    files,
    exportId: "01764460800000-bench000",
    tableArn: null,
    startTime: t,
    endTime: t,
    exportTime: t,
  });
}

async function put(dir: string, rel: string, body: string | Buffer): Promise<void> {
  await mkdir(dirname(join(dir, rel)), { recursive: true });
  await writeFile(join(dir, rel), body);
}

/** Writes the history; returns the number of input records (base items + changes). */
export async function writeBenchHistory(dir: string, baseItems: number, changes: number): Promise<number> {
  await writeBase(dir, baseItems);
  /** Key → version of its item (null: deleted); keys not listed are as in the base. */
  const live = new Map<number, number | null>();
  let nextKey = baseItems;
  const state = (k: number): Record<string, unknown> | undefined => {
    const v = live.has(k) ? live.get(k) : k < baseItems ? k : null;
    return v === null || v === undefined ? undefined : item(k, v);
  };
  const heads = new Map<string, ObjectRef>();
  const manifests = new Map<string, string[]>();
  const cov: Coverage = {
    version: 1,
    table: BENCH_TABLE,
    updatedAt: "",
    firstHour: null,
    lastHour: null,
    hours: {},
    heads: {},
    crossChecks: {},
  };
  const spanMs = ((HOURS - 0.5) * 3_600_000) / changes;
  let seq = 10n ** 20n;
  for (let start = 0; start < changes; start += RECORDS_PER_OBJECT) {
    const hour = hourIdOf(BASE_TIME + 1000 + Math.floor(start * spanMs));
    const shard = `shardId-${(start / RECORDS_PER_OBJECT) % 2}`;
    const lines: ChangeLine[] = [];
    for (let i = start; i < Math.min(changes, start + RECORDS_PER_OBJECT); i++) {
      const t = BASE_TIME + 1000 + Math.floor(start * spanMs) + Math.floor((i - start) * (spanMs / 10));
      const r = (i * 2654435761) % 100;
      const k = r < 15 ? nextKey++ : (i * 7919) % nextKey;
      const old = state(k);
      const remove = r >= 85 && old !== undefined;
      const img = remove ? undefined : item(k, i + baseItems);
      live.set(k, img === undefined ? null : i + baseItems);
      seq += 3n;
      lines.push({
        eventID: `e${i}`,
        eventName: remove ? "REMOVE" : old === undefined ? "INSERT" : "MODIFY",
        shardId: shard,
        SequenceNumber: String(seq),
        ApproximateCreationDateTime: Math.floor(t / 1000),
        userIdentity: null,
        Keys: { pk: item(k, 0).pk, sk: { N: String(k) } },
        ...(img === undefined ? {} : { NewImage: img }),
        ...(old === undefined ? {} : { OldImage: old }),
      } as ChangeLine);
    }
    const obj = encodeChangeObject(
      lines,
      shard,
      "arn:aws:dynamodb:us-east-1:123456789012:table/b/stream/x",
      heads.get(shard) ?? null,
    );
    const first = lines[0]!.SequenceNumber;
    const last = lines[lines.length - 1]!.SequenceNumber;
    const key = changeObjectKey(BENCH_TABLE, hour, shard, first, last);
    await put(dir, key, obj.body);
    heads.set(shard, { lastSequenceNumber: last, objectKey: key });
    const list = manifests.get(hour) ?? [];
    list.push(JSON.stringify({ itemCount: obj.records, md5Checksum: obj.md5, etag: "", dataFileS3Key: key }));
    manifests.set(hour, list);
  }
  for (let h = 0; h < HOURS; h++) {
    const hour = hourIdOf(BASE_TIME + h * 3_600_000);
    const entries = manifests.get(hour) ?? [];
    await put(dir, hourManifestFilesKey(BENCH_TABLE, hour), entries.map((e) => `${e}\n`).join(""));
    cov.hours[hour] = {
      status: "SEALED",
      records: 0,
      objects: entries.length,
      sealedAt: "",
      problemCount: 0,
      problems: [],
    };
    cov.firstHour ??= hour;
    cov.lastHour = hour;
  }
  await put(dir, coverageKey(BENCH_TABLE), JSON.stringify(cov));
  return baseItems + changes;
}

/** The time the benchmark rebuilds to: after every change. */
export const BENCH_AT = new Date(BASE_TIME + (HOURS - 0.25) * 3_600_000);
