/**
 * Runs `npm run synth` on bad input, in-process (synthCli: the same code path as main.ts, with the exit code its
 * error kind maps to) or as the real process, in a private temp folder; and snapshots folders so a test can assert
 * that nothing was created, changed or deleted.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { synthCli } from "../../../main";
import { PROJECT_ROOT } from "../../../lib/project-config";

export interface SynthResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A private folder for one row; `out` and `module` inside it are where synth would write. */
export function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), "dds-bad-input-"));
  return { dir, env: { CDKTF_OUTDIR: join(dir, "out"), DDB_MODULE_OUT_DIR: join(dir, "module") } };
}

/** synth as `npm run synth` runs it, in-process: exit code and the lines it printed. */
export function runSynth(env: NodeJS.ProcessEnv): SynthResult {
  const out: string[] = [];
  const err: string[] = [];
  const exitCode = synthCli({ PATH: process.env.PATH, ...env }, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { exitCode, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** The real process: `tsx main.ts` in the project, with only the given environment (plus PATH and HOME). */
export function spawnSynth(env: NodeJS.ProcessEnv): SynthResult {
  const res = spawnSync(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["main.ts"], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_EC2_METADATA_DISABLED: "true", ...env },
    encoding: "utf8",
  });
  return { exitCode: res.status ?? -1, stdout: res.stdout.trim(), stderr: res.stderr.trim() };
}

/** Every entry below `dir` (files with their content, symlinks with their target, folders), by relative path. */
export function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[rel] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[`${rel}/`] = "dir";
        walk(p);
      } else out[rel] = readFileSync(p).toString("base64");
    }
  };
  if (lstatSync(dir).isDirectory()) walk(dir);
  else out["."] = readFileSync(dir).toString("base64");
  return out;
}
