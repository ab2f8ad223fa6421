/**
 * The `hcl` rendering of an import plan: Terraform >= 1.5 `import {}` blocks to save as a .tf file in the root
 * module, the `table_name_overrides` entry as a `locals` value to pass to the module, and — as comments, because
 * no block can do it — the `terraform state rm` that must run first.
 */
import { hclString } from "../hcl";
import { ImportPlan, TABLE_NAME_OVERRIDES_INPUT, overrideEntries, terraformArgv, terraformSteps } from "./import-plan";
import { shJoin, shQuote } from "./shell";

/** Name of the local value the rendered file defines for the override entries. */
export const OVERRIDES_LOCAL = "restored_table_name_overrides";

export function renderHcl(plan: ImportPlan): string {
  const out: string[] = [];
  const rms = terraformSteps(plan).filter((s) => s.kind === "state-rm");
  const overrides = overrideEntries(plan.tableNameOverrides);
  out.push(
    plan.scenario === "restored-table"
      ? "# dynamo-dr import-restored-table: make Terraform manage the restored table (Terraform >= 1.5)."
      : "# dynamo-dr restore-backups: bring the restored tables under Terraform (Terraform >= 1.5).",
    "# Save this as a .tf file in your root module (import blocks are only allowed there).",
    "#",
  );
  let step = 1;
  out.push(
    `# ${step++}. Save the state first: ${shJoin(terraformArgv(plan.chdir, ["state", "pull"]))} > ${shQuote(plan.stateBackupFile)}`,
  );
  if (rms.length > 0) {
    out.push(`# ${step++}. Then run this; an import block cannot re-point an address that is still in the state:`);
    for (const s of rms) out.push(`#      ${shJoin(s.argv)}`);
  }
  if (overrides.length > 0) {
    out.push(
      `# ${step++}. Make the module keep the restored name: pass local.${OVERRIDES_LOCAL} in the module's`,
      `#    ${TABLE_NAME_OVERRIDES_INPUT} input, merged with any entries you already have, e.g.`,
      `#      ${TABLE_NAME_OVERRIDES_INPUT} = merge(var.${TABLE_NAME_OVERRIDES_INPUT}, local.${OVERRIDES_LOCAL})`,
    );
  } else {
    out.push(`# ${step++}. Run this after \`terraform init\` and before the first \`terraform apply\`.`);
  }
  out.push(
    `# ${step++}. ${shJoin(terraformArgv(plan.chdir, ["plan", ...plan.varArgs]))}: expect the import(s) and 0 to destroy; then apply.`,
    "#    The import blocks can stay or go once applied.",
    "",
  );
  if (overrides.length > 0) {
    out.push("locals {", `  ${OVERRIDES_LOCAL} = {`, ...overrides.map((o) => `    ${o}`), "  }", "}", "");
  }
  for (const t of plan.targets) {
    out.push("import {", `  to = ${t.address}`, `  id = ${hclString(t.tableName)}`, "}", "");
  }
  return out.join("\n");
}
