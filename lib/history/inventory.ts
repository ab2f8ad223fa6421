/**
 * What a table's history in the backup bucket holds: full exports (native or scan), incremental export windows and
 * captured hours (sealed, failed, or not sealed yet), read from the pipeline's layout (lib/pipeline/layout.ts) and the
 * capture's coverage file (lib/capture). Reads only. Works on the bucket or on a local folder that mirrors it.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Coverage } from "../capture/coverage";
import { changesTablePrefix, coverageKey, hourDir, type HourId } from "../capture/layout";
import {
  AWS_EXPORT_DIR,
  EXPORT_TYPE_INCREMENTAL,
  MANIFEST_SUMMARY_FILE,
  SCHEMA_FILE,
} from "../export-format/constants";
import { parseIncrementalManifestSummary, parseManifestSummary } from "../export-format/manifest";
import type { ExportStore } from "../export-format/store";
import { NotFoundError, VerificationError } from "../errors";
import { VERIFICATION_REPORT_FILE } from "../pipeline/config";
import { exportPrefix } from "../pipeline/layout";

/** Where the history is read from: the backup bucket (with the client for capture's seal checks) or a local mirror. */
export interface HistorySource {
  readonly store: ExportStore;
  /** Present for a bucket: unsealed capture hours can then be checked the way sealing checks them. */
  readonly s3?: { readonly client: S3Client; readonly bucket: string };
}

export type Verification = "PASSED" | "FAILED" | "NOT_VERIFIED";

export interface FullExportInfo {
  readonly id: string;
  /** Folder of the export, relative to the bucket root. */
  readonly dir: string;
  /** native: DynamoDB's export (consistent at its export time); scan: ours (consistent from its end time). */
  readonly kind: "native" | "scan";
  /** Epoch ms from which the export is a consistent base. */
  readonly consistentAt: number;
  /** Epoch ms from which changes are replayed on top of it (a scan's start). */
  readonly replayFrom: number;
  readonly itemCount: number;
  readonly verification: Verification;
}

export interface IncrementalInfo {
  readonly id: string;
  readonly dir: string;
  readonly from: number;
  readonly to: number;
  readonly itemCount: number;
  readonly verification: Verification;
}

export interface CaptureHourInfo {
  readonly hour: HourId;
  readonly status: "SEALED" | "FAILED" | "UNSEALED";
  readonly records: number | null;
  readonly problems: readonly string[];
}

export interface TableHistory {
  readonly table: string;
  readonly fullExports: readonly FullExportInfo[];
  readonly incrementals: readonly IncrementalInfo[];
  readonly captureHours: readonly CaptureHourInfo[];
  /** The capture's coverage file (chain heads for checking unsealed hours), or undefined when nothing was sealed. */
  readonly coverage: Coverage | undefined;
}

async function verificationOf(store: ExportStore, dir: string): Promise<Verification> {
  const text = await store.readText(`${dir}/${VERIFICATION_REPORT_FILE}`);
  if (text === undefined) return "NOT_VERIFIED";
  try {
    return (JSON.parse(text) as { status?: unknown }).status === "PASSED" ? "PASSED" : "FAILED";
  } catch {
    return "FAILED";
  }
}

function msOf(iso: string, file: string, field: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new VerificationError(`${file}: "${field}" is ${JSON.stringify(iso)}, not a time`);
  return ms;
}

async function readExport(
  store: ExportStore,
  id: string,
  dir: string,
  out: { full: FullExportInfo[]; inc: IncrementalInfo[] },
): Promise<void> {
  const file = store.describe(`${dir}/${MANIFEST_SUMMARY_FILE}`);
  const text = await store.readText(`${dir}/${MANIFEST_SUMMARY_FILE}`);
  if (text === undefined) return; // running or failed export: not part of the history
  const verification = await verificationOf(store, dir);
  if ((JSON.parse(text) as { exportType?: unknown }).exportType === EXPORT_TYPE_INCREMENTAL) {
    const s = parseIncrementalManifestSummary(text, file);
    const from = msOf(s.exportFromTime, file, "exportFromTime");
    out.inc.push({
      id,
      dir,
      from,
      to: msOf(s.exportToTime, file, "exportToTime"),
      itemCount: s.itemCount,
      verification,
    });
    return;
  }
  const s = parseManifestSummary(text, file);
  const scan = await store.exists(`${dir}/${SCHEMA_FILE}`);
  const exportTime = msOf(s.exportTime, file, "exportTime");
  out.full.push({
    id,
    dir,
    kind: scan ? "scan" : "native",
    consistentAt: scan ? msOf(s.endTime, file, "endTime") : exportTime,
    replayFrom: scan ? msOf(s.startTime, file, "startTime") : exportTime,
    itemCount: s.itemCount,
    verification,
  });
}

async function captureHours(store: ExportStore, table: string, cov: Coverage | undefined): Promise<CaptureHourInfo[]> {
  const hours = new Map<HourId, CaptureHourInfo>();
  for (const [hour, h] of Object.entries(cov?.hours ?? {})) {
    hours.set(hour, { hour, status: h.status, records: h.records, problems: h.problems });
  }
  const root = changesTablePrefix(table);
  for (const y of await store.listDirs(root)) {
    for (const m of await store.listDirs(`${root}/${y}`)) {
      for (const d of await store.listDirs(`${root}/${y}/${m}`)) {
        for (const h of await store.listDirs(`${root}/${y}/${m}/${d}`)) {
          const hour = `${y}-${m}-${d}T${h}`;
          if (!/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(hour) || hours.has(hour)) continue;
          if ((await store.list(hourDir(table, hour))).length === 0) continue;
          hours.set(hour, { hour, status: "UNSEALED", records: null, problems: [] });
        }
      }
    }
  }
  return [...hours.values()].sort((a, b) => (a.hour < b.hour ? -1 : 1));
}

async function readCoverageFile(store: ExportStore, table: string): Promise<Coverage | undefined> {
  const text = await store.readText(coverageKey(table));
  if (text === undefined) return undefined;
  const file = store.describe(coverageKey(table));
  let parsed: Coverage;
  try {
    parsed = JSON.parse(text) as Coverage;
  } catch (err) {
    throw new VerificationError(`${file}: not valid JSON (${(err as Error).message}); it was damaged`);
  }
  if (parsed.version !== 1 || typeof parsed.hours !== "object" || parsed.hours === null) {
    throw new VerificationError(`${file} is not a coverage file (version 1); it was damaged or written by hand`);
  }
  return parsed;
}

/** Reads a table's whole history. Refuses (not found) when the location holds nothing at all for the table. */
export async function readHistory(src: HistorySource, table: string): Promise<TableHistory> {
  const out = { full: [] as FullExportInfo[], inc: [] as IncrementalInfo[] };
  const base = `${exportPrefix(table)}/${AWS_EXPORT_DIR}`;
  for (const id of await src.store.listDirs(base)) await readExport(src.store, id, `${base}/${id}`, out);
  const coverage = await readCoverageFile(src.store, table);
  const hours = await captureHours(src.store, table, coverage);
  if (out.full.length === 0 && out.inc.length === 0 && hours.length === 0) {
    throw new NotFoundError(
      `${src.store.describe(exportPrefix(table))}/ and ${src.store.describe(changesTablePrefix(table))}/ hold no history of table ${table}: no exports and no captured changes (check --bucket and --table)`,
    );
  }
  return {
    table,
    fullExports: out.full.sort((a, b) => a.consistentAt - b.consistentAt),
    incrementals: out.inc.sort((a, b) => a.from - b.from || a.to - b.to),
    captureHours: hours,
    coverage,
  };
}
