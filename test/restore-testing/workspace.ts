/**
 * The pipeline's terraform workspace (test/pipeline/support/workspace.ts) plus the restore-testing inputs, each fed
 * by a root variable of the same name that defaults to null (the module's own default).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODULE_NAME } from "../../lib/addresses";
import type { RestoreTestingInputValues } from "../../lib/module-inputs/restore-testing-inputs";
import { TerraformWorkspace } from "../support/terraform";
import { pipelineWorkspace } from "../pipeline/support/workspace";

const INPUTS: { [K in keyof Required<RestoreTestingInputValues>]: true } = {
  enable_restore_testing: true,
  restore_testing_schedule: true,
  restore_testing_validation_window_hours: true,
  restore_testing_sample_size: true,
};
const NAMES = Object.keys(INPUTS);

export function restoreTestingWorkspace(moduleDir: string, env: NodeJS.ProcessEnv = {}): TerraformWorkspace {
  const ws = pipelineWorkspace(moduleDir);
  Object.assign(ws.env, env);
  const vars = NAMES.map((n) => `variable "${n}" {\n  type    = any\n  default = null\n}\n`).join("\n");
  writeFileSync(join(ws.dir, "restore_testing_inputs_test.tf"), `# Test only: restore-testing inputs.\n${vars}`);
  // The inputs are not nullable: a null root variable leaves the module's default in place.
  const args = NAMES.map((n) => `  ${n} = var.${n}`).join("\n");
  writeFileSync(join(ws.dir, "restore_testing_override.tf"), `module "${DEFAULT_MODULE_NAME}" {\n${args}\n}\n`);
  return ws;
}
