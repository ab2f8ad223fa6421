/**
 * Verifying a whole export: every data file's md5 and item count against manifest-files.json, the files' total against
 * manifest-summary.json, and no data file missing or unlisted. The result is a structured report; every problem names
 * its file.
 */
import { DATA_DIR, MANIFEST_FILES_FILE, MANIFEST_SUMMARY_FILE } from "./constants";
import { dataFileProblems, measureDataFile } from "./data-file";
import { ExportFormatError } from "./errors";
import { dataFileRel, type OpenedExport } from "./export-reader";
import { totalItemCount } from "./manifest";

export interface FileCheck {
  /** The data file (absolute path or s3:// URL). */
  readonly file: string;
  readonly dataFileS3Key: string;
  readonly expectedItems: number;
  /** Undefined when the file could not be read. */
  readonly actualItems: number | undefined;
  readonly expectedMd5: string;
  readonly actualMd5: string | undefined;
  readonly compressedBytes: number | undefined;
  readonly ok: boolean;
  readonly problems: readonly string[];
}

export interface VerifyReport {
  readonly ok: boolean;
  /** The export folder. */
  readonly location: string;
  readonly exportArn: string | null;
  readonly tableArn: string | null;
  /** itemCount of manifest-summary.json. */
  readonly summaryItemCount: number;
  /** Sum of manifest-files.json entries. */
  readonly manifestItemCount: number;
  /** Items actually found in the data files that could be read. */
  readonly actualItemCount: number;
  readonly fileCount: number;
  readonly hasSchema: boolean;
  readonly files: readonly FileCheck[];
  /** Every problem, each naming its file. Empty when ok. */
  readonly problems: readonly string[];
}

export interface VerifyOptions {
  /** Decode every line too (catches damage the md5 cannot, e.g. a manifest rewritten to match bad data). @default true */
  readonly decode?: boolean;
  /** Files checked at once. @default 4 */
  readonly concurrency?: number;
  /** Called after each file (for progress). */
  readonly onFile?: (check: FileCheck) => void;
}

/** Checks one export completely and returns the report (does not throw for data problems). */
export async function verifyExport(exp: OpenedExport, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: string[] = [];
  const manifestItemCount = totalItemCount(exp.files);
  if (manifestItemCount !== exp.summary.itemCount) {
    problems.push(
      `${exp.store.describe(MANIFEST_SUMMARY_FILE)}: itemCount is ${exp.summary.itemCount} but the files in ${MANIFEST_FILES_FILE} add up to ${manifestItemCount}`,
    );
  }
  const listed = new Set(exp.files.map((e) => dataFileRel(e)));
  const present = await exp.store.list(DATA_DIR);
  for (const f of present) {
    if (!listed.has(f.rel)) {
      problems.push(`${exp.store.describe(f.rel)}: extra data file, not listed in ${MANIFEST_FILES_FILE}`);
    }
  }
  const presentSet = new Set(present.map((f) => f.rel));
  const checks: FileCheck[] = new Array<FileCheck>(exp.files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= exp.files.length) return;
      const entry = exp.files[i]!;
      const rel = dataFileRel(entry);
      const file = exp.store.describe(rel);
      let check: FileCheck;
      if (!presentSet.has(rel)) {
        check = {
          file,
          dataFileS3Key: entry.dataFileS3Key,
          expectedItems: entry.itemCount,
          actualItems: undefined,
          expectedMd5: entry.md5Checksum,
          actualMd5: undefined,
          compressedBytes: undefined,
          ok: false,
          problems: [`${file}: missing (listed in ${MANIFEST_FILES_FILE})`],
        };
      } else {
        try {
          const m = await measureDataFile(await exp.store.openRead(rel), file, { decode: opts.decode ?? true });
          const p = [...dataFileProblems(entry, m).map((s) => `${file}: ${s}`), ...m.errors];
          check = {
            file,
            dataFileS3Key: entry.dataFileS3Key,
            expectedItems: entry.itemCount,
            actualItems: m.itemCount,
            expectedMd5: entry.md5Checksum,
            actualMd5: m.md5Checksum,
            compressedBytes: m.compressedBytes,
            ok: p.length === 0,
            problems: p,
          };
        } catch (err) {
          if (!(err instanceof ExportFormatError)) throw err;
          check = {
            file,
            dataFileS3Key: entry.dataFileS3Key,
            expectedItems: entry.itemCount,
            actualItems: undefined,
            expectedMd5: entry.md5Checksum,
            actualMd5: undefined,
            compressedBytes: undefined,
            ok: false,
            problems: [err.message],
          };
        }
      }
      checks[i] = check;
      opts.onFile?.(check);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  for (const c of checks) problems.push(...c.problems);
  return {
    ok: problems.length === 0,
    location: exp.location,
    exportArn: exp.summary.exportArn,
    tableArn: exp.summary.tableArn,
    summaryItemCount: exp.summary.itemCount,
    manifestItemCount,
    actualItemCount: checks.reduce((n, c) => n + (c.actualItems ?? 0), 0),
    fileCount: exp.files.length,
    hasSchema: exp.schema !== undefined,
    files: checks,
    problems,
  };
}

/** Throws an {@link ExportFormatError} (kind "corrupt", naming the first bad file) unless the report is ok. */
export function assertVerified(report: VerifyReport): void {
  if (report.ok) return;
  const firstBad = report.files.find((f) => !f.ok);
  const file = firstBad?.file ?? report.location;
  throw new ExportFormatError(
    "corrupt",
    file,
    `export at ${report.location} failed verification (${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}):\n${report.problems.map((p) => `  - ${p}`).join("\n")}`,
  );
}
