/**
 * Glue between the table I/O engine and the CLI framework: typed errors → CLI errors (exit codes), and flag parsing
 * shared by `backup`, `restore` and `verify`.
 */
import { CliError, NotFoundError, PreconditionError, UsageError, VerificationError } from "../cli/errors";
import { ExportFormatError, parseLocation, type ExportLocation } from "../export-format";

/** Maps an engine error to the CLI error with the right exit code; other errors pass through. */
export function toCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof ExportFormatError) {
    switch (err.kind) {
      case "not-found":
        return new NotFoundError(err.message);
      case "ambiguous":
        return new UsageError(err.message);
      case "incomplete":
        return new PreconditionError(err.message);
      default:
        return new VerificationError(err.message);
    }
  }
  return err;
}

/** Runs an engine call, converting its errors for the CLI. */
export async function cliErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toCliError(err);
  }
}

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
