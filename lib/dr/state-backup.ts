/**
 * Saves the Terraform state (`terraform state pull`) to a timestamped file before anything changes it.
 * The file is created exclusively (never overwrites) and readable by its owner only: a state can hold secrets.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PreconditionError } from "../errors";
import { stateBackupFileName } from "./names";
import { TerraformCommandError, TerraformRunner } from "./terraform";

export interface StateBackup {
  /** Absolute path of the saved state. */
  readonly path: string;
  readonly bytes: number;
  /** `serial` of the saved state, when it has one. */
  readonly serial?: number;
}

/** Saves the state into `dir` (created if needed) and returns where. */
export async function backupState(runner: TerraformRunner, dir: string, now: Date): Promise<StateBackup> {
  let state: string;
  try {
    state = (await runner.run(["state", "pull"])).stdout;
  } catch (err) {
    if (err instanceof TerraformCommandError) {
      throw new PreconditionError(
        `could not save the state before changing it, so nothing was changed: ${err.message}`,
      );
    }
    throw err;
  }
  mkdirSync(dir, { recursive: true });
  const base = stateBackupFileName(now);
  for (let n = 0; ; n++) {
    const path = join(dir, n === 0 ? base : base.replace(/\.tfstate$/, `-${n}.tfstate`));
    try {
      writeFileSync(path, state, { flag: "wx", mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && n < 100) continue;
      throw new PreconditionError(
        `could not write the state backup ${path}, so nothing was changed: ${(err as Error).message}`,
      );
    }
    let serial: number | undefined;
    try {
      const parsed = JSON.parse(state) as { serial?: unknown };
      serial = typeof parsed.serial === "number" ? parsed.serial : undefined;
    } catch {
      /* an empty state is not JSON */
    }
    return { path, bytes: Buffer.byteLength(state), serial };
  }
}
