/**
 * The verify step: the Lambda's adapter over the one export verifier (lib/export-format/verify.ts). It checks the input,
 * continues the verification from its cursor (kept in `work/` between invocations) until the invocation's time budget
 * runs out, and maps the result: not done yet (the state machine invokes it again), or the verdict —
 * `verification-report.json` beside the export, then either the table's "latest verified" pointers and the success
 * metrics (items, bytes, export age; VerifiedExports feeds the RPO alarm) or ExportVerificationFailed.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { EXPORT_TYPE_FULL, EXPORT_TYPE_INCREMENTAL } from "../export-format/constants";
import { ExportFormatError } from "../export-format/errors";
import { openExport, openIncrementalExport, type OpenedExport } from "../export-format/export-reader";
import { totalItemCount, type IncrementalManifestSummary } from "../export-format/manifest";
import { openStore, type ExportStore } from "../export-format/store";
import {
  cursorMatches,
  parseVerifyCursor,
  verifyExportPart,
  type VerifyCursor,
  type VerifySummary,
} from "../export-format/verify";
import { METRIC } from "./config";
import { PipelineError, truncate } from "./errors";
import { verificationReportKey, verifyCursorKey } from "./layout";
import { emitMetrics, type LineWriter, type MetricName, type MetricUnit, type MetricValue } from "./metrics";
import { writePointer } from "./pointers";
import type { ExportJob, ExportPointer, ExportResult } from "./types";

/** Problems kept in the cursor and the report (the count is always exact). */
export const MAX_REPORTED_PROBLEMS = 200;
/** During an invocation the cursor is saved at most this often (and always at its end): a crash loses no more work. */
export const CURSOR_SAVE_INTERVAL_MS = 30_000;

export interface VerifyEvent {
  readonly job: ExportJob;
  readonly export: ExportResult;
}

export interface VerificationReport {
  readonly status: "PASSED" | "FAILED";
  readonly table: string;
  readonly tableName: string;
  readonly exportArn: string | null;
  readonly exportType: string;
  readonly location: string;
  /** The data's point in time (FULL) or the end of the window (INCREMENTAL). */
  readonly dataTime: string;
  readonly exportFromTime: string | null;
  readonly verifiedAt: string;
  readonly summaryItemCount: number | null;
  readonly manifestItemCount: number | null;
  readonly actualItemCount: number;
  readonly fileCount: number | null;
  readonly compressedBytes: number;
  readonly problemCount: number;
  readonly problems: readonly string[];
  readonly invocations: number;
}

export interface VerifyStepResult {
  readonly done: boolean;
  readonly ok: boolean | null;
  readonly filesChecked: number;
  readonly fileCount: number;
  readonly reportKey: string | null;
  readonly itemCount: number | null;
}

export interface VerifySettings {
  readonly deployment: string;
  /** Stop checking new files at this time (epoch ms). */
  readonly deadline: number;
  readonly now?: () => Date;
  readonly writeMetrics?: LineWriter;
}

/** One verification: its export, where its cursor and report go, and the step's settings. */
interface Target {
  readonly s3: S3Client;
  readonly job: ExportJob;
  readonly result: ExportResult & { readonly exportDir: string };
  /** The bucket's root. */
  readonly root: ExportStore;
  readonly cursorKey: string;
  readonly reportKey: string;
  readonly settings: VerifySettings;
}

function target(s3: S3Client, event: VerifyEvent, settings: VerifySettings): Target {
  const { job } = event;
  const result = event.export;
  if (result === undefined || result.status !== "COMPLETED" || typeof result.exportDir !== "string") {
    throw new PipelineError("InvalidPipelineInput", `verify of ${job.table} got no completed export`);
  }
  return {
    s3,
    job,
    result,
    root: openStore({ kind: "s3", bucket: job.bucket, prefix: "" }, s3),
    cursorKey: verifyCursorKey(job.table, result.exportDir),
    reportKey: verificationReportKey(result.exportDir),
    settings,
  };
}

/** One invocation of the verify step. Throws ExportVerificationFailed (after writing the report) when the export is bad. */
export async function verifyStep(
  s3: S3Client,
  event: VerifyEvent,
  settings: VerifySettings,
): Promise<VerifyStepResult> {
  const t = target(s3, event, settings);
  const exp = await openOrFail(t);
  let lastSave = Date.now();
  const part = await verifyExportPart(exp, {
    cursor: await loadCursor(t, exp),
    deadline: settings.deadline,
    // Incremental exports hold change records ({"Keys","NewImage","OldImage"}), not items: md5 and count only.
    decode: t.result.exportType === EXPORT_TYPE_FULL,
    maxProblems: MAX_REPORTED_PROBLEMS,
    onCursor: async (cursor) => {
      if (Date.now() - lastSave < CURSOR_SAVE_INTERVAL_MS) return;
      lastSave = Date.now();
      await saveCursor(t, cursor);
    },
  });
  const progress = { filesChecked: part.cursor.nextFile, fileCount: exp.files.length };
  if (!part.done) {
    await saveCursor(t, part.cursor);
    return { done: false, ok: null, ...progress, reportKey: null, itemCount: null };
  }
  await t.root.delete(t.cursorKey);
  await finish(t, buildReport(t, exp, part.summary));
  return { done: true, ok: true, ...progress, reportKey: t.reportKey, itemCount: exp.summary.itemCount };
}

/** Opens the export; one that cannot be opened (no manifest, a bad one) gets a FAILED report and the failure. */
async function openOrFail(t: Target): Promise<OpenedExport> {
  const store = openStore({ kind: "s3", bucket: t.job.bucket, prefix: t.result.exportDir }, t.s3);
  try {
    if (t.result.exportType === EXPORT_TYPE_INCREMENTAL) return await openIncrementalExport(store);
    return await openExport(store.location, { s3: t.s3 });
  } catch (err) {
    if (!(err instanceof ExportFormatError)) throw err;
    const outcome = { actualItemCount: 0, compressedBytes: 0, problemCount: 1, problems: [err.message], calls: 1 };
    await finish(t, buildReport(t, undefined, outcome)); // throws ExportVerificationFailed
    throw err;
  }
}

/** The saved cursor, if it continues this export; a damaged or foreign one is dropped (the verification restarts). */
async function loadCursor(t: Target, exp: OpenedExport): Promise<VerifyCursor | undefined> {
  const text = await t.root.readText(t.cursorKey);
  if (text === undefined) return undefined;
  try {
    const cursor = parseVerifyCursor(text, t.root.describe(t.cursorKey));
    return cursorMatches(exp, cursor) ? cursor : undefined;
  } catch (err) {
    if (err instanceof ExportFormatError) return undefined;
    throw err;
  }
}

async function saveCursor(t: Target, cursor: VerifyCursor): Promise<void> {
  await t.root.writeText(t.cursorKey, `${JSON.stringify(cursor)}\n`);
}

type Outcome = Pick<VerifySummary, "actualItemCount" | "compressedBytes" | "problemCount" | "problems" | "calls">;

function buildReport(t: Target, exp: OpenedExport | undefined, outcome: Outcome): VerificationReport {
  const now = (t.settings.now ?? (() => new Date()))();
  const summary = exp?.summary as (OpenedExport["summary"] & Partial<IncrementalManifestSummary>) | undefined;
  const time = summary?.exportToTime ?? summary?.exportTime ?? "";
  const ok = outcome.problemCount === 0 && exp !== undefined;
  return {
    status: ok ? "PASSED" : "FAILED",
    table: t.job.table,
    tableName: t.job.tableName,
    exportArn: t.result.exportArn,
    exportType: t.result.exportType,
    location: t.root.describe(t.result.exportDir),
    dataTime: time !== "" ? time : (t.result.startTime ?? now.toISOString()),
    exportFromTime: summary?.exportFromTime ?? null,
    verifiedAt: now.toISOString(),
    summaryItemCount: summary?.itemCount ?? null,
    manifestItemCount: exp === undefined ? null : totalItemCount(exp.files),
    actualItemCount: outcome.actualItemCount,
    fileCount: exp?.files.length ?? null,
    compressedBytes: outcome.compressedBytes,
    problemCount: outcome.problemCount,
    problems: outcome.problems,
    invocations: outcome.calls,
  };
}

/** Writes the report; on success moves the pointers and emits the success metrics, else emits failure and throws. */
async function finish(t: Target, report: VerificationReport): Promise<void> {
  const { job, settings } = t;
  await t.root.writeText(t.reportKey, `${JSON.stringify(report, null, 2)}\n`);
  const metric = (name: MetricName, unit: MetricUnit, value: number): MetricValue => ({ name, unit, value });
  if (report.status === "FAILED") {
    emitMetrics(
      settings.deployment,
      job.table,
      [metric(METRIC.verificationFailures, "Count", 1)],
      settings.writeMetrics,
    );
    throw new PipelineError(
      "ExportVerificationFailed",
      truncate(
        `export of ${job.tableName} (${job.table}) at ${report.location} FAILED verification with ${report.problemCount} problem(s); report: ${t.root.describe(t.reportKey)}\n${report.problems.map((p) => `  - ${p}`).join("\n")}`,
      ),
    );
  }
  const pointer: ExportPointer = {
    table: job.table,
    exportType: t.result.exportType,
    exportArn: t.result.exportArn,
    exportDir: t.result.exportDir,
    dataTime: report.dataTime,
    itemCount: report.summaryItemCount ?? 0,
    verifiedAt: report.verifiedAt,
    reportKey: t.reportKey,
  };
  await writePointer(t.s3, job.bucket, "latest-verified", pointer);
  if (t.result.exportType === EXPORT_TYPE_FULL) await writePointer(t.s3, job.bucket, "latest-verified-full", pointer);
  const age = Math.round((Date.parse(report.verifiedAt) - Date.parse(report.dataTime)) / 1000);
  emitMetrics(
    settings.deployment,
    job.table,
    [
      metric(METRIC.verifiedExports, "Count", 1),
      metric(METRIC.exportedItems, "Count", pointer.itemCount),
      metric(METRIC.exportedBytes, "Bytes", report.compressedBytes),
      metric(METRIC.exportAgeSeconds, "Seconds", Number.isNaN(age) ? 0 : Math.max(0, age)),
    ],
    settings.writeMetrics,
  );
}
