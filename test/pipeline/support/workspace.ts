/**
 * A terraform workspace of the example consumer in which every pipeline and backup-plan input of the module can be set:
 * an override file (a Terraform feature) adds them to the example's `module "data_persistence"` block, each fed by a
 * root variable of the same name that defaults to null (null = the module's own default) — except the two nullable
 * inputs whose default is not null, which default to the module's value.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODULE_NAME } from "../../../lib/addresses";
import type { BackupPlanInputValues } from "../../../modules/backup-plan-variables";
import {
  DEFAULT_EXPIRATION_DAYS,
  DEFAULT_TRANSITION_DAYS,
  type ExportPipelineInputValues,
} from "../../../modules/export-pipeline-variables";
import { TerraformWorkspace } from "../../support/terraform";

type PipelineInputs = Required<ExportPipelineInputValues> & Required<BackupPlanInputValues> & { kms_key_arn: string };

/** Every pipeline / backup plan input name (the type makes the list complete and correct). */
const INPUTS: { [K in keyof PipelineInputs]: true } = {
  enable_export_pipeline: true,
  export_tables: true,
  export_schedule: true,
  export_schedule_timezone: true,
  incremental_export_interval: true,
  scan_export_segments: true,
  backup_bucket_name: true,
  backup_transition_days: true,
  backup_transition_storage_class: true,
  backup_expiration_days: true,
  backup_noncurrent_version_expiration_days: true,
  backup_object_lock_mode: true,
  backup_object_lock_days: true,
  alarm_subscriptions: true,
  max_export_age_hours: true,
  enable_restore_drill: true,
  restore_drill_schedule: true,
  restore_drill_sample_size: true,
  lambda_runtime: true,
  lambda_architecture: true,
  lambda_log_retention_days: true,
  enable_backup_plan: true,
  backup_plan_tables: true,
  backup_plan_schedule: true,
  backup_retention_days: true,
  backup_copy_destination_vault_arn: true,
  backup_copy_retention_days: true,
  kms_key_arn: true,
};
export const PIPELINE_INPUT_NAMES = Object.keys(INPUTS) as (keyof PipelineInputs)[];

export function pipelineWorkspace(moduleDir: string): TerraformWorkspace {
  const ws = TerraformWorkspace.fromExample("hcl-consumer", moduleDir);
  const defaults: Partial<Record<keyof PipelineInputs, number>> = {
    backup_transition_days: DEFAULT_TRANSITION_DAYS,
    backup_expiration_days: DEFAULT_EXPIRATION_DAYS,
  };
  const vars = PIPELINE_INPUT_NAMES.map(
    (n) => `variable "${n}" {\n  type    = any\n  default = ${defaults[n] ?? "null"}\n}\n`,
  ).join("\n");
  writeFileSync(join(ws.dir, "pipeline_inputs_test.tf"), `# Test only: pipeline inputs of the module.\n${vars}`);
  const args = PIPELINE_INPUT_NAMES.map((n) => `  ${n} = var.${n}`).join("\n");
  writeFileSync(join(ws.dir, "pipeline_override.tf"), `module "${DEFAULT_MODULE_NAME}" {\n${args}\n}\n`);
  return ws;
}

/** `-var` flags for the test's root variables, which are `type = any`: every value is JSON (valid HCL), strings too. */
export function inputFlags(vars: Record<string, unknown>): string[] {
  return Object.entries(vars).flatMap(([k, v]) => ["-var", `${k}=${JSON.stringify(v)}`]);
}
