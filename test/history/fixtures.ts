/**
 * A recorded history written straight into the bucket layout (a local folder mirroring the bucket, or any
 * ExportStore): full exports (native or scan), incremental exports in AWS's INCREMENTAL_EXPORT format, and capture
 * objects with sealed-hour manifests and the coverage file, all built from one list of writes so that the state at
 * any time is known exactly.
 */
import {
  changeObjectKey,
  coverageKey,
  hourIdOf,
  hourManifestFilesKey,
  hourManifestSummaryKey,
  type HourId,
} from "../../lib/capture/layout";
import { encodeChangeObject, type ObjectRef } from "../../lib/capture/change-object";
import type { ChangeLine } from "../../lib/capture/records";
import type { Coverage } from "../../lib/capture/coverage";
import type { TableSpec } from "../../lib/catalog";
import { validateCatalog } from "../../lib/catalog-schema";
import {
  finishExport,
  openDataFile,
  schemaFromCatalog,
  serializeManifestFiles,
  startExport,
  type ExportStore,
  type ManifestFileEntry,
} from "../../lib/export-format";
import { exportDir } from "../../lib/pipeline/layout";

export const TABLE = "HistoryTable";
export const SPEC: TableSpec = validateCatalog({
  tables: [{ name: TABLE, attributes: { pk: "S", sk: "N" }, hashKey: "pk", rangeKey: "sk", ttlAttribute: "expires" }],
}).tables[0]!;

type Wire = Record<string, unknown>;

export interface Write {
  /** Epoch ms (whole seconds in the tests: the stream's resolution). */
  readonly t: number;
  readonly keys: Wire;
  /** The new item, or undefined for a delete. */
  readonly item?: Wire;
  /** A TTL delete (userIdentity Service/dynamodb.amazonaws.com). */
  readonly ttl?: boolean;
}

const keyText = (keys: Wire): string => JSON.stringify([keys.pk, keys.sk]);

/** The table as of T: key → item. */
export function stateAt(writes: readonly Write[], at: number, keepTtl = false): Map<string, Wire> {
  const state = new Map<string, Wire>();
  for (const w of writes) {
    if (w.t > at) break;
    if (w.item !== undefined) state.set(keyText(w.keys), w.item);
    else if (!(keepTtl && w.ttl === true)) state.delete(keyText(w.keys));
  }
  return state;
}

/** The export lines of a state, sorted (what a rebuild must write, byte for byte). */
export function expectedLines(state: Map<string, Wire>): string[] {
  return [...state.values()].map((item) => `{"Item":${JSON.stringify(item)}}`).sort();
}

async function writeBytes(store: ExportStore, rel: string, body: Buffer): Promise<void> {
  const sink = await store.createFile(rel);
  await sink.write(body);
  await sink.close();
}

/** A full export of the state at `at`: native (consistent at `at`) or scan (from `at` to `endAt`). */
export async function writeFullExport(
  root: ExportStore,
  writes: readonly Write[],
  opts: { at: number; id: string; scanEnd?: number; filesOf?: number },
): Promise<string> {
  const dir = exportDir(TABLE, opts.id);
  const store = root.sub(dir);
  await startExport(store);
  const items = [...stateAt(writes, opts.scanEnd ?? opts.at).values()];
  const files: ManifestFileEntry[] = [];
  const per = opts.filesOf ?? 50;
  for (let i = 0; i < items.length; i += per) {
    const f = await openDataFile(store);
    await f.writeWireItems(items.slice(i, i + per));
    files.push(await f.close());
  }
  await finishExport(store, {
    files,
    ...(opts.scanEnd === undefined ? {} : { schema: schemaFromCatalog(SPEC, TABLE) }),
    exportId: opts.id,
    tableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/dev-HistoryTable",
    startTime: new Date(opts.at),
    endTime: new Date(opts.scanEnd ?? opts.at + 300_000),
    exportTime: new Date(opts.at),
  });
  return dir;
}

/** An INCREMENTAL_EXPORT of [from, to) in AWS's format: the last change per key, with its old image. */
export async function writeIncrementalExport(
  root: ExportStore,
  writes: readonly Write[],
  opts: { from: number; to: number; id: string },
): Promise<string> {
  const dir = exportDir(TABLE, opts.id);
  const store = root.sub(dir);
  const before = stateAt(writes, opts.from - 1);
  const last = new Map<string, Write>();
  for (const w of writes) if (w.t >= opts.from && w.t < opts.to) last.set(keyText(w.keys), w);
  const lines = [...last.entries()].map(([k, w]) =>
    JSON.stringify({
      Metadata: { WriteTimestampMicros: { N: String(w.t * 1000) } },
      Keys: w.keys,
      ...(w.item === undefined ? {} : { NewImage: w.item }),
      ...(before.get(k) === undefined ? {} : { OldImage: before.get(k) }),
    }),
  );
  await store.writeText("_started", "");
  const files: ManifestFileEntry[] = [];
  if (lines.length > 0) {
    const f = await openDataFile(store);
    await f.writeLines(lines);
    files.push(await f.close());
  }
  await store.writeText("manifest-files.json", serializeManifestFiles(files));
  const summary = {
    version: "2023-08-01",
    exportArn: `arn:aws:dynamodb:us-east-1:123456789012:table/dev-HistoryTable/export/${opts.id}`,
    startTime: new Date(opts.to).toISOString(),
    endTime: new Date(opts.to + 60_000).toISOString(),
    tableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/dev-HistoryTable",
    tableId: "0b7cf5f4-0000-4000-8000-000000000001",
    exportFromTime: new Date(opts.from).toISOString(),
    exportToTime: new Date(opts.to).toISOString(),
    s3Bucket: null,
    s3Prefix: null,
    s3SseAlgorithm: null,
    s3SseKmsKeyId: null,
    manifestFilesS3Key: store.manifestKey("manifest-files.json"),
    billedSizeBytes: 0,
    itemCount: lines.length,
    outputFormat: "DYNAMODB_JSON",
    outputView: "NEW_AND_OLD_IMAGES",
    exportType: "INCREMENTAL_EXPORT",
  };
  await store.writeText("manifest-summary.json", JSON.stringify(summary));
  return dir;
}

const STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/dev-HistoryTable/stream/2026-12-01T00:00:00.000";
const TTL_IDENTITY = { type: "Service", principalId: "dynamodb.amazonaws.com" };

/** The stream records of the writes (two shards by key; sequence numbers increase in write order). */
export function changeLines(writes: readonly Write[]): ChangeLine[] {
  const state = new Map<string, Wire>();
  return writes.map((w, i) => {
    const k = keyText(w.keys);
    const old = state.get(k);
    if (w.item === undefined) state.delete(k);
    else state.set(k, w.item);
    return {
      eventID: `ev-${i}`,
      eventName: w.item === undefined ? "REMOVE" : old === undefined ? "INSERT" : "MODIFY",
      shardId: `shardId-${k.length % 2}`,
      SequenceNumber: String(100000000000000000000n + BigInt(i) * 7n),
      ApproximateCreationDateTime: Math.floor(w.t / 1000),
      userIdentity: w.ttl === true ? TTL_IDENTITY : null,
      Keys: w.keys,
      ...(w.item === undefined ? {} : { NewImage: w.item }),
      ...(old === undefined ? {} : { OldImage: old }),
    } as ChangeLine;
  });
}

/** Captured changes for the hours [fromHour, toHour], sealed (manifests + coverage) unless listed in `unsealed`. */
export async function writeCapture(
  root: ExportStore,
  writes: readonly Write[],
  opts: { hours: readonly HourId[]; batch?: number; unsealed?: readonly HourId[]; failed?: readonly HourId[] },
): Promise<string[]> {
  const lines = changeLines(writes);
  const heads = new Map<string, ObjectRef>();
  const keys: string[] = [];
  const cov: Coverage = {
    version: 1,
    table: TABLE,
    updatedAt: "",
    firstHour: null,
    lastHour: null,
    hours: {},
    heads: {},
    crossChecks: {},
  };
  for (const hour of opts.hours) {
    const entries: string[] = [];
    const inHour = lines.filter((l) => hourIdOf(l.ApproximateCreationDateTime * 1000) === hour);
    let records = 0;
    for (const shard of [...new Set(inHour.map((l) => l.shardId))].sort()) {
      const own = inHour.filter((l) => l.shardId === shard);
      for (let i = 0; i < own.length; i += opts.batch ?? 5) {
        const batch = own.slice(i, i + (opts.batch ?? 5));
        const obj = encodeChangeObject(batch, shard, STREAM_ARN, heads.get(shard) ?? null);
        const first = batch[0]!.SequenceNumber;
        const last = batch[batch.length - 1]!.SequenceNumber;
        const key = changeObjectKey(TABLE, hour, shard, first, last);
        await writeBytes(root, key, obj.body);
        keys.push(key);
        heads.set(shard, { lastSequenceNumber: last, objectKey: key });
        records += batch.length;
        entries.push(
          JSON.stringify({
            itemCount: obj.records,
            md5Checksum: obj.md5,
            etag: "",
            dataFileS3Key: key,
            shardId: shard,
            firstSequenceNumber: first,
            lastSequenceNumber: last,
            previousSequenceNumber: null,
          }),
        );
      }
    }
    if (opts.unsealed?.includes(hour) === true) continue;
    const failed = opts.failed?.includes(hour) === true;
    await root.writeText(hourManifestFilesKey(TABLE, hour), entries.map((e) => `${e}\n`).join(""));
    await root.writeText(hourManifestSummaryKey(TABLE, hour), JSON.stringify({ status: failed ? "FAILED" : "SEALED" }));
    cov.hours[hour] = {
      status: failed ? "FAILED" : "SEALED",
      records,
      objects: entries.length,
      sealedAt: "",
      problemCount: failed ? 1 : 0,
      problems: failed ? ["missing object (test)"] : [],
    };
    cov.firstHour ??= hour;
    cov.lastHour = hour;
  }
  await root.writeText(coverageKey(TABLE), JSON.stringify(cov));
  return keys;
}
