/**
 * Synthesizes the module once for the whole run into .build/test, and hands its path to the tests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { synth } from "../../main";

declare module "vitest" {
  export interface ProvidedContext {
    moduleDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  // A private folder per run: several test runs may share the machine.
  const base = mkdtempSync(join(tmpdir(), "dds-synth-"));
  const { moduleDir } = synth({
    ...process.env,
    CDKTF_OUTDIR: join(base, "cdktf.out"),
    DDB_MODULE_OUT_DIR: join(base, "module"),
  });
  project.provide("moduleDir", moduleDir);
  return () => rmSync(base, { recursive: true, force: true });
}
