/**
 * The verify step: checks an export in the backup bucket with the shared export-format library — manifest-summary's
 * itemCount against manifest-files.json, every data file's md5 and item count, no data file missing or unlisted — then
 * writes `verification-report.json` beside the export, moves the table's "latest verified" pointers, and emits metrics
 * (items, bytes, export age; VerifiedExports feeds the RPO alarm).
 *
 * Big exports do not fit one Lambda invocation: the step checks files until its time budget runs out, saves its
 * progress in `work/`, and the state machine invokes it again until it reports `done`.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import {
  DATA_DIR,
  EXPORT_TYPE_INCREMENTAL,
  MANIFEST_FILES_FILE,
  MANIFEST_SUMMARY_FILE,
} from "../export-format/constants";
import { dataFileProblems, measureDataFile } from "../export-format/data-file";
import { ExportFormatError } from "../export-format/errors";
import { dataFileRel, openExport, openIncrementalExport, type OpenedExport } from "../export-format/export-reader";
import { totalItemCount, type IncrementalManifestSummary } from "../export-format/manifest";
import { openStore, type ExportStore } from "../export-format/store";
import { METRIC, WORK_PREFIX } from "./config";
import { PipelineError, truncate } from "./errors";
import { verificationReportKey } from "./layout";
import { emitMetrics, type LineWriter } from "./metrics";
import { writePointer } from "./pointers";
import type { ExportJob, ExportPointer, ExportResult } from "./types";

/** Problems kept in the progress and the report (the count is always exact). */
export const MAX_REPORTED_PROBLEMS = 200;
/** Files checked at once. */
export const VERIFY_CONCURRENCY = 4;

export interface VerifyEvent {
  readonly job: ExportJob;
  readonly export: ExportResult;
}

export interface VerifyProgress {
  readonly exportDir: string;
  readonly nextFile: number;
  readonly actualItems: number;
  readonly bytes: number;
  readonly problemCount: number;
  readonly problems: readonly string[];
  readonly invocations: number;
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

function progressKey(job: ExportJob, exportDir: string): string {
  return `${WORK_PREFIX}/${job.table}/verify/${exportDir.slice(exportDir.lastIndexOf("/") + 1)}.json`;
}

function addProblems(progress: VerifyProgress, problems: readonly string[]): VerifyProgress {
  if (problems.length === 0) return progress;
  const room = Math.max(0, MAX_REPORTED_PROBLEMS - progress.problems.length);
  return {
    ...progress,
    problemCount: progress.problemCount + problems.length,
    problems: [...progress.problems, ...problems.slice(0, room)],
  };
}

async function open(store: ExportStore, result: ExportResult, s3: S3Client): Promise<OpenedExport> {
  if (result.exportType === EXPORT_TYPE_INCREMENTAL) return openIncrementalExport(store);
  return openExport(store.location, { s3 });
}

/** One invocation of the verify step. Throws ExportVerificationFailed (after writing the report) when the export is bad. */
export async function verifyStep(
  s3: S3Client,
  event: VerifyEvent,
  settings: VerifySettings,
): Promise<VerifyStepResult> {
  const { job } = event;
  const result = event.export;
  if (result === undefined || result.status !== "COMPLETED" || typeof result.exportDir !== "string") {
    throw new PipelineError("InvalidPipelineInput", `verify of ${job.table} got no completed export`);
  }
  const now = settings.now ?? (() => new Date());
  const bucket = job.bucket;
  const root = openStore({ kind: "s3", bucket, prefix: "" }, s3);
  const store = openStore({ kind: "s3", bucket, prefix: result.exportDir }, s3);
  const pKey = progressKey(job, result.exportDir);
  const reportKey = verificationReportKey(result.exportDir);

  let exp: OpenedExport;
  try {
    exp = await open(store, result, s3);
  } catch (err) {
    if (!(err instanceof ExportFormatError)) throw err;
    await finish(root, s3, job, result, settings, now(), reportKey, undefined, {
      exportDir: result.exportDir,
      nextFile: 0,
      actualItems: 0,
      bytes: 0,
      problemCount: 1,
      problems: [err.message],
      invocations: 1,
    });
    // finish() throws ExportVerificationFailed for an export that could not even be opened.
    throw err;
  }

  const saved = await root.readText(pKey);
  let progress: VerifyProgress =
    saved === undefined
      ? {
          exportDir: result.exportDir,
          nextFile: 0,
          actualItems: 0,
          bytes: 0,
          problemCount: 0,
          problems: [],
          invocations: 0,
        }
      : (JSON.parse(saved) as VerifyProgress);
  progress = { ...progress, invocations: progress.invocations + 1 };

  if (progress.nextFile === 0) {
    // Whole-export checks, once: the summary's count and the set of data files.
    const problems: string[] = [];
    const manifestCount = totalItemCount(exp.files);
    if (manifestCount !== exp.summary.itemCount) {
      problems.push(
        `${store.describe(MANIFEST_SUMMARY_FILE)}: itemCount is ${exp.summary.itemCount} but the files in ${MANIFEST_FILES_FILE} add up to ${manifestCount}`,
      );
    }
    const listed = new Set(exp.files.map((e) => dataFileRel(e)));
    const present = await store.list(DATA_DIR);
    const presentSet = new Set(present.map((f) => f.rel));
    for (const f of present) {
      if (!listed.has(f.rel))
        problems.push(`${store.describe(f.rel)}: extra data file, not listed in ${MANIFEST_FILES_FILE}`);
    }
    for (const e of exp.files) {
      const rel = dataFileRel(e);
      if (!presentSet.has(rel)) problems.push(`${store.describe(rel)}: missing (listed in ${MANIFEST_FILES_FILE})`);
    }
    progress = addProblems(progress, problems);
  }

  const decode = result.exportType === "FULL_EXPORT";
  // At least one batch per invocation, whatever the clock says: every call makes progress.
  for (
    let first = true;
    progress.nextFile < exp.files.length && (first || Date.now() < settings.deadline);
    first = false
  ) {
    const batch = exp.files.slice(progress.nextFile, progress.nextFile + VERIFY_CONCURRENCY);
    const checks = await Promise.all(
      batch.map(async (entry) => {
        const rel = dataFileRel(entry);
        const file = store.describe(rel);
        try {
          const m = await measureDataFile(await store.openRead(rel), file, { decode });
          return {
            items: m.itemCount,
            bytes: m.compressedBytes,
            problems: dataFileProblems(entry, m).map((p) => `${file}: ${p}`),
          };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOENT") return { items: 0, bytes: 0, problems: [] }; // reported above
          if (err instanceof ExportFormatError) return { items: 0, bytes: 0, problems: [err.message] };
          throw err;
        }
      }),
    );
    for (const c of checks) {
      progress = addProblems(
        { ...progress, actualItems: progress.actualItems + c.items, bytes: progress.bytes + c.bytes },
        c.problems,
      );
    }
    progress = { ...progress, nextFile: progress.nextFile + batch.length };
  }

  if (progress.nextFile < exp.files.length) {
    await root.writeText(pKey, `${JSON.stringify(progress)}\n`);
    return {
      done: false,
      ok: null,
      filesChecked: progress.nextFile,
      fileCount: exp.files.length,
      reportKey: null,
      itemCount: null,
    };
  }
  await finish(root, s3, job, result, settings, now(), reportKey, exp, progress);
  await root.delete(pKey);
  return {
    done: true,
    ok: true,
    filesChecked: progress.nextFile,
    fileCount: exp.files.length,
    reportKey,
    itemCount: exp.summary.itemCount,
  };
}

/** Writes the report; on success moves the pointers and emits the success metrics, else emits failure and throws. */
async function finish(
  root: ExportStore,
  s3: S3Client,
  job: ExportJob,
  result: ExportResult,
  settings: VerifySettings,
  now: Date,
  reportKey: string,
  exp: OpenedExport | undefined,
  progress: VerifyProgress,
): Promise<void> {
  const summary = exp?.summary as (OpenedExport["summary"] & Partial<IncrementalManifestSummary>) | undefined;
  const dataTime =
    (summary?.exportToTime ?? summary?.exportTime ?? "") !== ""
      ? ((summary?.exportToTime ?? summary?.exportTime) as string)
      : (result.startTime ?? now.toISOString());
  const ok = progress.problemCount === 0 && exp !== undefined;
  const report: VerificationReport = {
    status: ok ? "PASSED" : "FAILED",
    table: job.table,
    tableName: job.tableName,
    exportArn: result.exportArn,
    exportType: result.exportType,
    location: root.describe(result.exportDir),
    dataTime,
    exportFromTime: summary?.exportFromTime ?? null,
    verifiedAt: now.toISOString(),
    summaryItemCount: summary?.itemCount ?? null,
    manifestItemCount: exp === undefined ? null : totalItemCount(exp.files),
    actualItemCount: progress.actualItems,
    fileCount: exp?.files.length ?? null,
    compressedBytes: progress.bytes,
    problemCount: progress.problemCount,
    problems: progress.problems,
    invocations: progress.invocations,
  };
  await root.writeText(reportKey, `${JSON.stringify(report, null, 2)}\n`);

  if (!ok) {
    emitMetrics(
      settings.deployment,
      job.table,
      [{ name: METRIC.verificationFailures, unit: "Count", value: 1 }],
      settings.writeMetrics,
    );
    throw new PipelineError(
      "ExportVerificationFailed",
      truncate(
        `export of ${job.tableName} (${job.table}) at ${report.location} FAILED verification with ${progress.problemCount} problem(s); report: ${root.describe(reportKey)}\n${progress.problems.map((p) => `  - ${p}`).join("\n")}`,
      ),
    );
  }
  const pointer: ExportPointer = {
    table: job.table,
    exportType: result.exportType,
    exportArn: result.exportArn,
    exportDir: result.exportDir,
    dataTime,
    itemCount: report.summaryItemCount ?? 0,
    verifiedAt: report.verifiedAt,
    reportKey,
  };
  await writePointer(s3, job.bucket, "latest-verified", pointer);
  if (result.exportType === "FULL_EXPORT") await writePointer(s3, job.bucket, "latest-verified-full", pointer);
  const ageSeconds = Math.max(0, Math.round((now.getTime() - new Date(dataTime).getTime()) / 1000));
  emitMetrics(
    settings.deployment,
    job.table,
    [
      { name: METRIC.verifiedExports, unit: "Count", value: 1 },
      { name: METRIC.exportedItems, unit: "Count", value: report.summaryItemCount ?? 0 },
      { name: METRIC.exportedBytes, unit: "Bytes", value: progress.bytes },
      { name: METRIC.exportAgeSeconds, unit: "Seconds", value: Number.isNaN(ageSeconds) ? 0 : ageSeconds },
    ],
    settings.writeMetrics,
  );
}
