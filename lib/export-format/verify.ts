/**
 * THE export verifier — the verify and restore commands and the verify Lambda all use it: every data file's md5 and
 * item count against manifest-files.json, the files' total against manifest-summary.json, and no data file missing or
 * unlisted. Every problem names its file.
 *
 * A verification may stop and continue: {@link verifyExportPart} checks files until a deadline and returns a
 * {@link VerifyCursor} (plain JSON) that a later call continues from, reaching the same verdict as one uninterrupted
 * run. The verify Lambda has a time budget per invocation and keeps the cursor in S3 between invocations;
 * {@link verifyExport} checks everything in one call.
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { DATA_DIR, MANIFEST_FILES_FILE, MANIFEST_SUMMARY_FILE } from "./constants";
import { dataFileProblems, measureDataFile } from "./data-file";
import { ExportFormatError } from "./errors";
import { dataFileRel, type OpenedExport } from "./export-reader";
import { totalItemCount, type ManifestFileEntry } from "./manifest";

/** Files checked at once. */
export const VERIFY_CONCURRENCY = 4;

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

/**
 * Where a verification stands: the files before `nextFile` (in manifest-files.json order) are checked, with these
 * totals. Plain JSON, so a caller can keep it anywhere between calls.
 */
export interface VerifyCursor {
  /** The export folder it belongs to. */
  readonly location: string;
  /** MD5 of manifest-files.json's entries: a cursor continues only the file list it was made for. */
  readonly manifestDigest: string;
  readonly nextFile: number;
  readonly actualItemCount: number;
  readonly compressedBytes: number;
  /** Problems found so far (exact, even when `problems` is capped). */
  readonly problemCount: number;
  readonly problems: readonly string[];
  /** Calls that worked on this verification. */
  readonly calls: number;
}

export interface VerifySummary {
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
  /** Bytes of the data files that could be read. */
  readonly compressedBytes: number;
  /** Every problem (the first `maxProblems`), each naming its file. Empty when ok. */
  readonly problems: readonly string[];
  /** How many problems there are. */
  readonly problemCount: number;
  /** Calls that worked on this verification (1 unless it was continued from a cursor). */
  readonly calls: number;
}

export interface VerifyReport extends VerifySummary {
  /** Each data file's check, in manifest-files.json order. */
  readonly files: readonly FileCheck[];
}

export interface VerifyOptions {
  /** Decode every line too (catches damage the md5 cannot, e.g. a manifest rewritten to match bad data). @default true */
  readonly decode?: boolean;
  /** Also checks each line (throw to report it, naming `where`: file and line). @default - none */
  readonly checkLine?: (text: string, where: string) => void;
  /** Files checked at once. @default VERIFY_CONCURRENCY */
  readonly concurrency?: number;
  /** Called after each file (for progress), with its index in manifest-files.json. */
  readonly onFile?: (check: FileCheck, index: number) => void;
  /** Keep at most this many problem texts (`problemCount` stays exact). @default - all */
  readonly maxProblems?: number;
}

export interface VerifyPartOptions extends VerifyOptions {
  /** Continue from here (a cursor an earlier call returned for the same export). @default - start */
  readonly cursor?: VerifyCursor;
  /**
   * Start no new file after this time (epoch ms); files already being read are finished. Every call checks at least
   * `concurrency` files (when there are that many left), so every call makes progress. @default - no deadline
   */
  readonly deadline?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /**
   * Called (one call at a time, all finished before the part returns) each time more files are checked: keep the
   * cursor to continue from there if this call dies mid-way.
   */
  readonly onCursor?: (cursor: VerifyCursor) => Promise<void> | void;
}

export type VerifyPart =
  | { readonly done: false; readonly cursor: VerifyCursor }
  | { readonly done: true; readonly cursor: VerifyCursor; readonly summary: VerifySummary };

/** Checks one export completely and returns the report (does not throw for data problems). */
export async function verifyExport(exp: OpenedExport, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const files = new Array<FileCheck>(exp.files.length);
  const part = await verifyExportPart(exp, {
    ...opts,
    onFile: (check, index) => {
      files[index] = check;
      opts.onFile?.(check, index);
    },
  });
  if (!part.done) throw new Error(`verification of ${exp.location} stopped without a deadline`);
  return { ...part.summary, files };
}

/** Checks files of an export, from `opts.cursor` until done or the deadline; returns the cursor, and the verdict when done. */
export async function verifyExportPart(exp: OpenedExport, opts: VerifyPartOptions = {}): Promise<VerifyPart> {
  const start = opts.cursor ?? (await startCursor(exp, opts));
  if (!cursorMatches(exp, start)) {
    throw new ExportFormatError(
      "invalid",
      exp.location,
      `the verification cursor was made for ${start.location} with another ${MANIFEST_FILES_FILE}; start the verification of ${exp.location} again`,
    );
  }
  const cursor = await checkFiles(exp, { ...start, calls: start.calls + 1 }, opts);
  if (cursor.nextFile < exp.files.length) return { done: false, cursor };
  return { done: true, cursor, summary: summarize(exp, cursor) };
}

/** Whether a cursor continues this export (same folder, same manifest-files.json, not past its end). */
export function cursorMatches(exp: OpenedExport, cursor: VerifyCursor): boolean {
  return (
    cursor.location === exp.location &&
    cursor.manifestDigest === manifestDigest(exp.files) &&
    cursor.nextFile <= exp.files.length
  );
}

function manifestDigest(files: readonly ManifestFileEntry[]): string {
  const hash = createHash("md5");
  for (const f of files) hash.update(`${f.dataFileS3Key}\n${f.md5Checksum}\n${f.itemCount}\n`);
  return hash.digest("hex");
}

/** The whole-export checks, done once at the start: the summary's count, and no unlisted data file. */
async function startCursor(exp: OpenedExport, opts: VerifyOptions): Promise<VerifyCursor> {
  const problems: string[] = [];
  const manifestItemCount = totalItemCount(exp.files);
  if (manifestItemCount !== exp.summary.itemCount) {
    problems.push(
      `${exp.store.describe(MANIFEST_SUMMARY_FILE)}: itemCount is ${exp.summary.itemCount} but the files in ${MANIFEST_FILES_FILE} add up to ${manifestItemCount}`,
    );
  }
  const listed = new Set(exp.files.map((e) => dataFileRel(e)));
  for (const f of await exp.store.list(DATA_DIR)) {
    if (!listed.has(f.rel)) {
      problems.push(`${exp.store.describe(f.rel)}: extra data file, not listed in ${MANIFEST_FILES_FILE}`);
    }
  }
  const empty: VerifyCursor = {
    location: exp.location,
    manifestDigest: manifestDigest(exp.files),
    nextFile: 0,
    actualItemCount: 0,
    compressedBytes: 0,
    problemCount: 0,
    problems: [],
    calls: 0,
  };
  return addProblems(empty, problems, opts.maxProblems);
}

function addProblems(cursor: VerifyCursor, problems: readonly string[], max = Infinity): VerifyCursor {
  if (problems.length === 0) return cursor;
  const room = Math.max(0, max - cursor.problems.length);
  return {
    ...cursor,
    problemCount: cursor.problemCount + problems.length,
    problems: room === 0 ? cursor.problems : [...cursor.problems, ...problems.slice(0, room)],
  };
}

/** The cursor after one more file (the one at `cursor.nextFile`). */
function advance(cursor: VerifyCursor, check: FileCheck, maxProblems: number | undefined): VerifyCursor {
  const moved: VerifyCursor = {
    ...cursor,
    nextFile: cursor.nextFile + 1,
    actualItemCount: cursor.actualItemCount + (check.actualItems ?? 0),
    compressedBytes: cursor.compressedBytes + (check.compressedBytes ?? 0),
  };
  return addProblems(moved, check.problems, maxProblems);
}

/**
 * Checks files from `start.nextFile` with a pool of workers until all are checked or the deadline passed. Results are
 * folded into the cursor in manifest order, so the cursor always describes a prefix of the files.
 */
async function checkFiles(exp: OpenedExport, start: VerifyCursor, opts: VerifyPartOptions): Promise<VerifyCursor> {
  const concurrency = Math.max(1, opts.concurrency ?? VERIFY_CONCURRENCY);
  const clock = opts.clock ?? Date.now;
  const lineChecks = {
    decode: opts.decode ?? true,
    ...(opts.checkLine === undefined ? {} : { checkLine: opts.checkLine }),
  };
  const checked = new Map<number, FileCheck>();
  let cursor = start;
  let next = start.nextFile;
  let failure: { error: unknown } | undefined;
  let saving = Promise.resolve();

  const mayStart = (): boolean =>
    failure === undefined &&
    next < exp.files.length &&
    (next - start.nextFile < concurrency || clock() < (opts.deadline ?? Infinity));
  const fold = (): void => {
    const before = cursor.nextFile;
    for (let c = checked.get(cursor.nextFile); c !== undefined; c = checked.get(cursor.nextFile)) {
      checked.delete(cursor.nextFile);
      cursor = advance(cursor, c, opts.maxProblems);
    }
    const onCursor = opts.onCursor;
    if (onCursor === undefined || cursor.nextFile === before) return;
    const snapshot = cursor;
    saving = saving.then(() => onCursor(snapshot)).catch((error: unknown) => void (failure ??= { error }));
  };
  const worker = async (): Promise<void> => {
    while (mayStart()) {
      const index = next++;
      try {
        const check = await checkFile(exp, exp.files[index]!, lineChecks);
        opts.onFile?.(check, index);
        checked.set(index, check);
      } catch (error) {
        failure ??= { error };
        return;
      }
      fold();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await saving;
  if (failure !== undefined) throw failure.error;
  return cursor;
}

/** One data file against its manifest entry. Throws only when the file cannot be read for another reason than damage. */
async function checkFile(
  exp: OpenedExport,
  entry: ManifestFileEntry,
  lineChecks: Parameters<typeof measureDataFile>[2],
): Promise<FileCheck> {
  const rel = dataFileRel(entry);
  const file = exp.store.describe(rel);
  const expected = {
    file,
    dataFileS3Key: entry.dataFileS3Key,
    expectedItems: entry.itemCount,
    expectedMd5: entry.md5Checksum,
  };
  let input: Readable;
  try {
    input = await exp.store.openRead(rel);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    const problems = [`${file}: missing (listed in ${MANIFEST_FILES_FILE})`];
    return {
      ...expected,
      actualItems: undefined,
      actualMd5: undefined,
      compressedBytes: undefined,
      ok: false,
      problems,
    };
  }
  const m = await measureDataFile(input, file, lineChecks);
  const problems = [...dataFileProblems(entry, m).map((s) => `${file}: ${s}`), ...m.errors];
  return {
    ...expected,
    actualItems: m.itemCount,
    actualMd5: m.md5Checksum,
    compressedBytes: m.compressedBytes,
    ok: problems.length === 0,
    problems,
  };
}

function summarize(exp: OpenedExport, cursor: VerifyCursor): VerifySummary {
  return {
    ok: cursor.problemCount === 0,
    location: exp.location,
    exportArn: exp.summary.exportArn,
    tableArn: exp.summary.tableArn,
    summaryItemCount: exp.summary.itemCount,
    manifestItemCount: totalItemCount(exp.files),
    actualItemCount: cursor.actualItemCount,
    fileCount: exp.files.length,
    hasSchema: exp.schema !== undefined,
    compressedBytes: cursor.compressedBytes,
    problems: cursor.problems,
    problemCount: cursor.problemCount,
    calls: cursor.calls,
  };
}

const CURSOR_COUNTS = ["nextFile", "actualItemCount", "compressedBytes", "problemCount", "calls"] as const;

/** Reads a saved cursor; an {@link ExportFormatError} ("invalid", naming `file`) when it is not one. */
export function parseVerifyCursor(text: string, file: string): VerifyCursor {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ExportFormatError("invalid", file, `${file}: not a verification cursor (${(err as Error).message})`);
  }
  const c = (raw ?? {}) as Record<string, unknown>;
  const bad = [
    ...(["location", "manifestDigest"] as const).filter((k) => typeof c[k] !== "string"),
    ...CURSOR_COUNTS.filter((k) => !Number.isSafeInteger(c[k]) || (c[k] as number) < 0),
    ...(Array.isArray(c.problems) && c.problems.every((p) => typeof p === "string") ? [] : ["problems"]),
  ];
  if (bad.length > 0) {
    throw new ExportFormatError("invalid", file, `${file}: not a verification cursor (bad ${bad.join(", ")})`);
  }
  return raw as VerifyCursor;
}

/** Throws an {@link ExportFormatError} (kind "corrupt", naming the first bad file) unless the report is ok. */
export function assertVerified(report: VerifyReport): void {
  if (report.ok) return;
  const firstBad = report.files.find((f) => !f.ok);
  const file = firstBad?.file ?? report.location;
  throw new ExportFormatError(
    "corrupt",
    file,
    `export at ${report.location} failed verification (${report.problemCount} problem${report.problemCount === 1 ? "" : "s"}):\n${report.problems.map((p) => `  - ${p}`).join("\n")}`,
  );
}
