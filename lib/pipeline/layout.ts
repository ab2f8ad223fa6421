/**
 * Where the pipeline keeps things in the backup bucket. Every key is built here and nowhere else.
 */
import { AWS_EXPORT_DIR } from "../export-format/constants";
import { EXPORTS_PREFIX, REPORTS_PREFIX, STATE_PREFIX, VERIFICATION_REPORT_FILE, WORK_PREFIX } from "./config";

/** `exports/<table>`: the S3Prefix given to ExportTableToPointInTime. */
export function exportPrefix(table: string): string {
  return `${EXPORTS_PREFIX}/${table}`;
}

/** `exports/<table>/AWSDynamoDB/<exportId>`: the folder holding manifest-summary.json. */
export function exportDir(table: string, exportId: string): string {
  return `${exportPrefix(table)}/${AWS_EXPORT_DIR}/${exportId}`;
}

/** The export id of an export ARN: its last path segment (`…/export/<id>`). */
export function exportIdOf(exportArn: string): string {
  const id = exportArn.slice(exportArn.lastIndexOf("/") + 1);
  if (id === "" || !exportArn.startsWith("arn:")) throw new Error(`"${exportArn}" is not a DynamoDB export ARN`);
  return id;
}

/** The export folder of a `…/manifest-summary.json` key. */
export function dirOfManifest(manifestKey: string): string {
  return manifestKey.slice(0, manifestKey.lastIndexOf("/"));
}

export function verificationReportKey(dir: string): string {
  return `${dir}/${VERIFICATION_REPORT_FILE}`;
}

/** `work/<table>/verify/<export id>.json`: the cursor of a verification that continues in the next invocation. */
export function verifyCursorKey(table: string, dir: string): string {
  return `${WORK_PREFIX}/${table}/verify/${dir.slice(dir.lastIndexOf("/") + 1)}.json`;
}

export type PointerKind = "latest-verified" | "latest-verified-full";

/** `state/<table>/latest-verified.json` (any export) or `…/latest-verified-full.json` (full exports only). */
export function pointerKey(table: string, kind: PointerKind): string {
  return `${STATE_PREFIX}/${table}/${kind}.json`;
}

/** `work/<table>/<exportId>`: checkpoints of a running scan export. */
export function scanWorkDir(table: string, exportId: string): string {
  return `${WORK_PREFIX}/${table}/${exportId}`;
}

export function segmentCheckpointKey(table: string, exportId: string, segment: number): string {
  return `${scanWorkDir(table, exportId)}/segment-${String(segment).padStart(4, "0")}.json`;
}

/** `reports/restore-drills/<table>/<timestamp>.json` */
export function drillReportKey(table: string, startedAt: string): string {
  return `${REPORTS_PREFIX}/restore-drills/${table}/${startedAt.replace(/[:.]/g, "-")}.json`;
}
