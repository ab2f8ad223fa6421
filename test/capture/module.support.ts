/**
 * A terraform workspace of the example consumer in which every pipeline input (test/pipeline/support/workspace.ts)
 * and every change-capture input of the module can be set: a second override file adds the capture inputs to the
 * example's `module "data_persistence"` block, each fed by a root variable of the same name that defaults to null
 * (null = the module's own default).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODULE_NAME } from "../../lib/addresses";
import type { ChangeCaptureInputValues } from "../../modules/change-capture-variables";
import { TerraformWorkspace } from "../support/terraform";
import { pipelineWorkspace } from "../pipeline/support/workspace";

/** Every change-capture input name (the type makes the list complete and correct). */
const INPUTS: { [K in keyof Required<ChangeCaptureInputValues>]: true } = {
  change_capture_tables: true,
  max_capture_lag_minutes: true,
  capture_batch_size: true,
  capture_batching_window_seconds: true,
};
export const CAPTURE_INPUT_NAMES = Object.keys(INPUTS) as (keyof ChangeCaptureInputValues)[];

/** The module's change-capture inputs are null-safe: a null input keeps the module default (nullable = false). */
export function captureWorkspace(moduleDir: string): TerraformWorkspace {
  return withCaptureInputs(pipelineWorkspace(moduleDir));
}

/** Adds the change-capture inputs to a workspace that has the pipeline's (see captureWorkspace). */
export function withCaptureInputs(ws: TerraformWorkspace): TerraformWorkspace {
  const vars = CAPTURE_INPUT_NAMES.map((n) => `variable "${n}" {\n  type    = any\n  default = null\n}\n`).join("\n");
  writeFileSync(join(ws.dir, "capture_inputs_test.tf"), `# Test only: change-capture inputs of the module.\n${vars}`);
  const args = CAPTURE_INPUT_NAMES.map((n) => `  ${n} = var.${n}`).join("\n");
  writeFileSync(join(ws.dir, "capture_override.tf"), `module "${DEFAULT_MODULE_NAME}" {\n${args}\n}\n`);
  return ws;
}
