/**
 * A TMPDIR of one test file's own. The rehearsal makes its scratch folder with os.tmpdir() (which reads TMPDIR on each
 * call), so test files that rehearse at the same time (in other forks) never see each other's scratch folders when
 * they check that theirs was removed. Children started with this process's environment get it too.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCRATCH_PREFIX } from "../../lib/rehearse/workspace";

export interface PrivateTmpdir {
  readonly dir: string;
  /** The rehearsal scratch folders in it now. */
  scratchFolders(): string[];
  /** TMPDIR back as it was; the folder removed. */
  restore(): void;
}

export function usePrivateTmpdir(name: string): PrivateTmpdir {
  const saved = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), `dds-${name}-tmp-`));
  process.env.TMPDIR = dir;
  return {
    dir,
    scratchFolders: () => readdirSync(dir).filter((n) => n.startsWith(SCRATCH_PREFIX)),
    restore() {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
