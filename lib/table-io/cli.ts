/**
 * Flag parsing shared by the table I/O commands (`backup`, `restore`, `verify`): each parser names the flag, the value
 * and what is allowed. The engine's own errors need no translation: they are DrErrors with a kind (lib/errors.ts).
 */
import { UsageError } from "../errors";
import { parseLocation, type ExportLocation } from "../export-format";

/** Parses a location flag or positional; the error names it. */
export function locationFlag(name: string, value: string, cwd: string): ExportLocation {
  try {
    return parseLocation(value, cwd);
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message}`);
  }
}

/** Parses an items-per-second flag (a positive number). */
export function rateFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new UsageError(`--${name}: "${value}" is not allowed; use a positive number of items per second, e.g. 500`);
  }
  return n;
}
