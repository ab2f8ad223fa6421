/**
 * Where change capture keeps things in the backup bucket, beside the export layout (lib/pipeline/layout.ts). Every
 * capture key is built here and nowhere else:
 *
 * ```
 * changes/<CatalogName>/<yyyy>/<mm>/<dd>/<hh>/<shardId>/<first>-<last>.json.gz   one object per delivered batch and hour
 * changes/<CatalogName>/<yyyy>/<mm>/<dd>/<hh>/manifest-files.json               written when the hour is sealed
 * changes/<CatalogName>/<yyyy>/<mm>/<dd>/<hh>/manifest-summary.json             written when the hour is sealed (last)
 * state/capture/<CatalogName>/shards/<shardId>.json                              chain pointer of each shard
 * state/capture/<CatalogName>/coverage.json                                      hour by hour: sealed, failed; cross-checks
 * ```
 *
 * `<first>`/`<last>` are the batch's first and last stream sequence numbers, zero-padded to 40 digits so that names
 * sort in stream order; a re-delivered batch gets the same name and overwrites its own object.
 */
import { AWS_EXPORT_DIR, MANIFEST_FILES_FILE, MANIFEST_SUMMARY_FILE } from "../export-format/constants";
import { STATE_PREFIX } from "../pipeline/config";
import { exportPrefix } from "../pipeline/layout";
import { CAPTURE_STATE_DIR, CHANGE_OBJECT_SUFFIX, CHANGES_PREFIX, COVERAGE_FILE, SEQUENCE_NAME_WIDTH } from "./config";

const HOUR_MS = 3_600_000;

/** An hour as `yyyy-mm-ddThh` (UTC), the form used in coverage files and messages. */
export type HourId = string;

const HOUR_ID = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/;

/** The UTC hour containing a time (epoch ms). */
export function hourIdOf(epochMs: number): HourId {
  return new Date(Math.floor(epochMs / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13);
}

/** Start of an hour (epoch ms). Throws for anything that is not `yyyy-mm-ddThh`. */
export function hourStartMs(hour: HourId): number {
  const m = HOUR_ID.exec(hour);
  const ms = m === null ? NaN : Date.parse(`${hour}:00:00.000Z`);
  if (Number.isNaN(ms)) throw new Error(`"${hour}" is not an hour; expected yyyy-mm-ddThh (UTC), e.g. 2026-12-01T03`);
  return ms;
}

export function nextHour(hour: HourId): HourId {
  return hourIdOf(hourStartMs(hour) + HOUR_MS);
}

export function hourEndMs(hour: HourId): number {
  return hourStartMs(hour) + HOUR_MS;
}

/** `changes/<table>`: everything captured for one catalog table. */
export function changesTablePrefix(table: string): string {
  return `${CHANGES_PREFIX}/${table}`;
}

/** `changes/<table>/yyyy/mm/dd/hh`: the folder of one hour. */
export function hourDir(table: string, hour: HourId): string {
  hourStartMs(hour);
  return `${changesTablePrefix(table)}/${hour.slice(0, 4)}/${hour.slice(5, 7)}/${hour.slice(8, 10)}/${hour.slice(11, 13)}`;
}

/** The hour of an hour folder (`changes/<table>/yyyy/mm/dd/hh`), or undefined when the key is not one. */
export function hourOfDir(table: string, dir: string): HourId | undefined {
  const base = `${changesTablePrefix(table)}/`;
  if (!dir.startsWith(base)) return undefined;
  const m = /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/?$/.exec(dir.slice(base.length));
  return m === null ? undefined : `${m[1]}-${m[2]}-${m[3]}T${m[4]}`;
}

/** A sequence number as it appears in object names: digits, left-padded to a fixed width. */
export function paddedSequence(seq: string): string {
  return seq.padStart(SEQUENCE_NAME_WIDTH, "0");
}

/** The object holding one batch's records of one hour. */
export function changeObjectKey(
  table: string,
  hour: HourId,
  shardId: string,
  firstSeq: string,
  lastSeq: string,
): string {
  return `${hourDir(table, hour)}/${shardId}/${paddedSequence(firstSeq)}-${paddedSequence(lastSeq)}${CHANGE_OBJECT_SUFFIX}`;
}

/** What an object's name says (undefined for keys that are not change objects). */
export function parseChangeObjectKey(
  key: string,
): { readonly shardId: string; readonly first: string; readonly last: string } | undefined {
  const m = /\/([^/]+)\/(\d+)-(\d+)\.json\.gz$/.exec(key);
  if (m === null) return undefined;
  const strip = (s: string): string => s.replace(/^0+(?=\d)/, "");
  return { shardId: m[1] as string, first: strip(m[2] as string), last: strip(m[3] as string) };
}

export function hourManifestFilesKey(table: string, hour: HourId): string {
  return `${hourDir(table, hour)}/${MANIFEST_FILES_FILE}`;
}

export function hourManifestSummaryKey(table: string, hour: HourId): string {
  return `${hourDir(table, hour)}/${MANIFEST_SUMMARY_FILE}`;
}

/** `state/capture/<table>`: the capture's own state (one prefix for all tables, so IAM can scope it). */
export function captureStateDir(table: string): string {
  return `${STATE_PREFIX}/${CAPTURE_STATE_DIR}/${table}`;
}

/** `state/capture/<table>/shards/<shardId>.json`: the chain pointer of one shard. */
export function shardPointerKey(table: string, shardId: string): string {
  return `${captureStateDir(table)}/shards/${shardId}.json`;
}

/** `state/capture/<table>/coverage.json` */
export function coverageKey(table: string): string {
  return `${captureStateDir(table)}/${COVERAGE_FILE}`;
}

/** `exports/<table>/AWSDynamoDB`: where the table's exports (full and incremental) are found for the cross-check. */
export function exportsOfTable(table: string): string {
  return `${exportPrefix(table)}/${AWS_EXPORT_DIR}`;
}
