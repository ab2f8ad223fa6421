/**
 * A terraform workspace of the example consumer with the pipeline inputs (test/pipeline/support/workspace.ts) and the
 * history-queries inputs settable: a second override file adds them to the `module "data_persistence"` block.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODULE_NAME } from "../../lib/addresses";
import type { HistoryQueriesInputValues } from "../../modules/history-queries-variables";
import type { TerraformWorkspace } from "../support/terraform";
import { pipelineWorkspace } from "../pipeline/support/workspace";

const INPUTS: { [K in keyof Required<HistoryQueriesInputValues>]: true } = {
  enable_history_queries: true,
  history_queries_bytes_scanned_cutoff: true,
};
export const HISTORY_INPUT_NAMES = Object.keys(INPUTS);

export function historyWorkspace(moduleDir: string): TerraformWorkspace {
  return withHistoryInputs(pipelineWorkspace(moduleDir));
}

/** Adds the history-queries inputs and outputs to a workspace that has the pipeline's (see historyWorkspace). */
export function withHistoryInputs(ws: TerraformWorkspace): TerraformWorkspace {
  const vars = HISTORY_INPUT_NAMES.map((n) => `variable "${n}" {\n  type    = any\n  default = null\n}\n`).join("\n");
  writeFileSync(join(ws.dir, "history_inputs_test.tf"), `# Test only: history-queries inputs.\n${vars}`);
  const args = HISTORY_INPUT_NAMES.map((n) => `  ${n} = var.${n}`).join("\n");
  writeFileSync(join(ws.dir, "history_override.tf"), `module "${DEFAULT_MODULE_NAME}" {\n${args}\n}\n`);
  const outputs = ["history_queries", "export_pipeline"].map(
    (o) => `output "${o}" {\n  value = module.${DEFAULT_MODULE_NAME}.${o}\n}\n`,
  );
  writeFileSync(join(ws.dir, "history_outputs_test.tf"), outputs.join("\n"));
  return ws;
}
