/**
 * Synthesizes the module once for the whole run into .build/test, and hands its path to the tests.
 */
import { join } from "node:path";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { synth } from "../../main";
import { PROJECT_ROOT } from "../../lib/project-config";

declare module "vitest" {
  export interface ProvidedContext {
    moduleDir: string;
  }
}

export default function setup(project: TestProject): void {
  const base = join(PROJECT_ROOT, ".build", "test");
  const { moduleDir } = synth({
    ...process.env,
    CDKTF_OUTDIR: join(base, "cdktf.out"),
    DDB_MODULE_OUT_DIR: join(base, "module"),
  });
  project.provide("moduleDir", moduleDir);
}
