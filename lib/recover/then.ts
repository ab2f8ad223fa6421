/**
 * `recover --then '<command>'`: a post-restore command (e.g. Cumulus's re-index from the database) run with the
 * restored table's names in its environment. Its output goes to stderr (stdout stays the report); its exit status is
 * part of the result.
 */
import { spawn } from "node:child_process";

export interface ThenNames {
  readonly catalogName: string;
  readonly sourceName: string;
  readonly restoredName: string;
  readonly at: Date;
}

export interface ThenResult {
  readonly command: string;
  /** The exit status, or null when a signal ended it. */
  readonly exitCode: number | null;
  readonly signal?: string;
  /** The variables it was given. */
  readonly env: Readonly<Record<string, string>>;
}

/** The variables a --then command gets. */
export function thenEnv(n: ThenNames): Record<string, string> {
  return {
    DYNAMO_DR_TABLE: n.catalogName,
    DYNAMO_DR_SOURCE_TABLE: n.sourceName,
    DYNAMO_DR_RESTORED_TABLE: n.restoredName,
    DYNAMO_DR_RESTORED_TABLES: JSON.stringify({ [n.catalogName]: n.restoredName }),
    DYNAMO_DR_AT: n.at.toISOString(),
  };
}

/** Runs `command` with `sh -c` in `cwd`, its output on `stderr`. */
export function runThen(
  command: string,
  names: ThenNames,
  io: { readonly env: NodeJS.ProcessEnv; readonly cwd: string; readonly stderr: NodeJS.WritableStream },
): Promise<ThenResult> {
  const env = thenEnv(names);
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], {
      cwd: io.cwd,
      env: { ...io.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (d: Buffer) => io.stderr.write(d));
    child.stderr.on("data", (d: Buffer) => io.stderr.write(d));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ command, exitCode: code, ...(signal === null ? {} : { signal }), env }),
    );
  });
}
