/**
 * Paths a command will write: checked before the command does anything else (before any AWS call, before CreateTable),
 * and the file-system errors a write can still meet turned into one clear error naming the flag and the path.
 * Every command that writes files uses this. Imports only lib/errors.ts (and a type).
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { DrError, NotFoundError, PreconditionError, UsageError } from "./errors";
import type { ExportLocation } from "./export-format/store";

/** The file-system error codes mapped to a clear message (anything else passes through unchanged). */
export const FILE_SYSTEM_ERROR_CODES = ["EEXIST", "ENOTDIR", "EISDIR", "EROFS", "EACCES", "EPERM", "ENOSPC", "EDQUOT"];

/**
 * The clear error for a file-system failure while writing `path` for `flag`, or `err` itself when it is not one
 * (wrong kind of path → usage, exit 2; read-only, no permission, disk full → precondition, exit 3).
 */
export function fileSystemError(err: unknown, flag: string, path: string): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (err instanceof DrError || typeof e?.code !== "string" || !FILE_SYSTEM_ERROR_CODES.includes(e.code)) return err;
  const at = e.path ?? path;
  const where = at === path ? path : `${path} (at ${at})`;
  switch (e.code) {
    case "EEXIST":
      return new UsageError(`${flag}: ${where} already exists and is not what ${flag} needs; choose a new path`);
    case "ENOTDIR":
      return new UsageError(`${flag}: ${where}: part of the path is a file, not a folder; choose another path`);
    case "EISDIR":
      return new UsageError(`${flag}: ${where} is a folder; name a file`);
    case "EROFS":
      return new PreconditionError(`${flag}: ${where} is on a read-only file system; choose a writable location`);
    case "ENOSPC":
    case "EDQUOT":
      return new PreconditionError(
        `${flag}: no space left to write ${where}; free some space or choose another location`,
      );
    default:
      return new PreconditionError(
        `${flag}: no permission to write ${where} (${e.code}); choose a location you can write, or fix its permissions`,
      );
  }
}

/** Runs `fn`, turning a file-system failure on `path` into the clear error for `flag`. */
export async function withFileErrors<T>(flag: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fileSystemError(err, flag, path);
  }
}

async function statOrUndefined(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined; // ENOTDIR: a file above it (named by the caller)
    throw err;
  }
}

/** The nearest existing folder at or above `path` (what a write there would create things in). */
async function nearestExistingFolder(flag: string, path: string): Promise<string> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const s = await statOrUndefined(dir);
    if (s?.isDirectory() === true) return dir;
    if (s !== undefined) {
      throw new UsageError(`${flag}: ${path} cannot be created: ${dir} is a file, not a folder; choose another path`);
    }
    if (dirname(dir) === dir) throw new NotFoundError(`${flag}: no existing folder above ${path}`);
  }
}

async function checkCanWrite(flag: string, path: string, dir: string): Promise<void> {
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    throw fileSystemError(err, flag, path);
  }
}

/**
 * `path` will be a folder the command writes into: it is a folder (or can be created) on a writable file system.
 * Returns the absolute path.
 */
export async function checkWritableFolder(flag: string, path: string): Promise<string> {
  const abs = resolve(path);
  const s = await withFileErrors(flag, abs, () => statOrUndefined(abs));
  if (s !== undefined && !s.isDirectory()) {
    throw new UsageError(`${flag}: ${abs} is a file, not a folder; name an empty folder or a new path`);
  }
  await checkCanWrite(flag, abs, s === undefined ? await nearestExistingFolder(flag, abs) : abs);
  return abs;
}

/**
 * `path` will be a file the command writes (replacing it through a temporary file beside it): it is not a folder, and
 * its folder exists (or can be created) on a writable file system. Returns the absolute path.
 */
export async function checkWritableFile(flag: string, path: string): Promise<string> {
  const abs = resolve(path);
  const s = await withFileErrors(flag, abs, () => statOrUndefined(abs));
  if (s?.isDirectory() === true) throw new UsageError(`${flag}: ${abs} is a folder; name a file`);
  const parent = await withFileErrors(flag, abs, () => statOrUndefined(dirname(abs)));
  if (parent !== undefined && !parent.isDirectory()) {
    throw new UsageError(
      `${flag}: ${abs} cannot be created: ${dirname(abs)} is a file, not a folder; choose another path`,
    );
  }
  await checkCanWrite(flag, abs, parent === undefined ? await nearestExistingFolder(flag, abs) : dirname(abs));
  return abs;
}

/**
 * Runs `fn` that reads or writes `loc` for `flag`: a file-system failure on a local location, and a missing bucket on
 * S3, become the clear error naming the flag and the path or bucket.
 */
export async function withLocationErrors<T>(flag: string, loc: ExportLocation, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (loc.kind === "local") throw fileSystemError(err, flag, loc.dir);
    if ((err as { name?: unknown } | undefined)?.name === "NoSuchBucket") {
      throw new NotFoundError(
        `${flag}: bucket "${loc.bucket}" does not exist (s3://${loc.bucket}/${loc.prefix}); check the name, and AWS_REGION or AWS_PROFILE`,
      );
    }
    throw err;
  }
}
