/**
 * import-restored-table: after a table was restored under a new name, make Terraform manage it at the same
 * address — print (or, with --execute, run) `terraform state rm` + `terraform import`, and the
 * `table_name_overrides` entry that keeps the new name on every later apply.
 */
import { DEFAULT_MODULE_ADDRESS, tableAddress } from "../../lib/addresses";
import { TableCatalog, findTable } from "../../lib/catalog";
import { CommandContext, CommandIO, CommandSpec, ParsedValues, requireString } from "../../lib/cli/command";
import { confirm } from "../../lib/cli/prompt";
import { dynamoClient } from "../../lib/aws";
import { CarryOverItem, notCarriedOver } from "../../lib/dr/carry-over";
import {
  OutputFormat,
  TERRAFORM_OPTIONS,
  TerraformFlags,
  projectCatalog,
  terraformFlags,
} from "../../lib/cli/dr-options";
import {
  ImportExecution,
  describePrepared,
  executeImport,
  prepareImport,
  renderExecution,
} from "../../lib/dr/execute-import";
import { renderHcl } from "../../lib/dr/hcl-render";
import {
  ImportPlan,
  catalogTable,
  overrideEntries,
  renderSh,
  restoredTablePlan,
  terraformSteps,
} from "../../lib/dr/import-plan";
import { checkTableNameFlag, stateBackupFileName } from "../../lib/dr/names";
import { shJoin } from "../../lib/dr/shell";
import { checkImportableTable } from "../../lib/table-io/tables";

/** The I/O a DR command needs besides stdout (its result is returned, not printed). */
export type DrIO = Pick<CommandIO, "cwd" | "env" | "stderr" | "stdin">;

export interface ImportRestoredTableOptions extends Partial<TerraformFlags> {
  /** Catalog name, e.g. CollectionsTable. */
  readonly table: string;
  /** Physical name of the restored table. */
  readonly restoredName: string;
  /** The override is already in the configuration; plan without passing it. @default false */
  readonly overrideInConfig?: boolean;
  /** The address was already removed from the state by an earlier run. @default false */
  readonly skipStateRm?: boolean;
  /** @default new Date() */
  readonly now?: Date;
  /** @default the project catalog */
  readonly catalog?: TableCatalog;
}

export interface PrintedStep {
  readonly kind: string;
  readonly address: string;
  readonly purpose: string;
  readonly command: string;
  readonly argv: readonly string[];
}

/** The terraform side of a restore, as data plus its sh and hcl renderings. */
export interface TerraformRecipe {
  readonly moduleAddress: string;
  readonly tableNameOverrides: Readonly<Record<string, string>>;
  readonly stateBackupFile: string;
  readonly steps: readonly PrintedStep[];
  readonly sh: string;
  readonly hcl: string;
}

export interface ImportRestoredTableResult {
  readonly command: "import-restored-table";
  /** print: commands printed only; dry-run: --execute checked but nothing run; executed: ran. */
  readonly mode: "print" | "dry-run" | "executed";
  readonly format: OutputFormat;
  readonly table: string;
  readonly address: string;
  readonly restoredName: string;
  readonly recipe: TerraformRecipe;
  readonly notCarriedOver: readonly CarryOverItem[];
  /** --execute --dry-run: the commands it would run. */
  readonly wouldRun?: readonly string[];
  readonly execution?: ImportExecution;
}

export function recipeOf(plan: ImportPlan): TerraformRecipe {
  return {
    moduleAddress: plan.moduleAddress,
    tableNameOverrides: plan.tableNameOverrides,
    stateBackupFile: plan.stateBackupFile,
    steps: terraformSteps(plan).map((s) => ({
      kind: s.kind,
      address: s.address,
      purpose: s.purpose,
      command: shJoin(s.argv),
      argv: s.argv,
    })),
    sh: renderSh(plan),
    hcl: renderHcl(plan),
  };
}

export async function importRestoredTable(
  opts: ImportRestoredTableOptions,
  io: DrIO,
): Promise<ImportRestoredTableResult> {
  const catalog = opts.catalog ?? projectCatalog(io.env);
  const now = opts.now ?? new Date();
  const table = catalogTable(catalog, opts.table);
  const restoredName = checkTableNameFlag("--restored-name", opts.restoredName);
  const plan = restoredTablePlan({
    catalog,
    table,
    restoredName,
    moduleAddress: opts.moduleAddress ?? DEFAULT_MODULE_ADDRESS,
    chdir: opts.chdir,
    varArgs: opts.varArgs,
    stateBackupFile: stateBackupFileName(now),
  });
  const spec = findTable(catalog, table);
  const base = {
    command: "import-restored-table" as const,
    format: opts.format ?? "sh",
    table,
    address: tableAddress(table, plan.moduleAddress),
    restoredName,
    recipe: recipeOf(plan),
    notCarriedOver: notCarriedOver(spec, false),
  };
  if (opts.execute !== true) return { ...base, mode: "print" };

  const prepared = await prepareImport(
    {
      plan,
      overrideInConfig: opts.overrideInConfig,
      skipStateRm: opts.skipStateRm,
      backupDir: opts.backupDir,
      now,
      why: "import-restored-table --execute",
    },
    { cwd: io.cwd, env: io.env, log: io.stderr },
  );
  await checkImportableTable(dynamoClient(), spec, restoredName, "--restored-name");
  const wouldRun = describePrepared(prepared);
  if (opts.dryRun === true) return { ...base, mode: "dry-run", wouldRun };
  await confirm(
    `This changes the Terraform state in ${plan.chdir}:\n${wouldRun.map((c) => `  $ ${c}`).join("\n")}\nNo table is changed or deleted. Proceed?`,
    { yes: opts.yes === true, input: io.stdin, output: io.stderr },
  );
  const execution = await executeImport(prepared, now);
  return { ...base, mode: "executed", execution };
}

export function renderImportResult(r: ImportRestoredTableResult): string {
  if (r.mode === "print") return r.format === "hcl" ? r.recipe.hcl : r.recipe.sh;
  const entries = overrideEntries(r.recipe.tableNameOverrides);
  if (r.mode === "dry-run") {
    return [
      `Dry run: checked ${r.restoredName} (ACTIVE, keys match ${r.table}) and the state; nothing was changed.`,
      "With --execute it would run:",
      ...(r.wouldRun ?? []).map((c) => `  $ ${c}`),
      "",
    ].join("\n");
  }
  return `${renderExecution(r.execution as ImportExecution, entries).join("\n")}\n`;
}

export const IMPORT_RESTORED_TABLE_OPTIONS = {
  table: {
    type: "string",
    valueName: "<CatalogName>",
    description: "Catalog name of the restored table, e.g. CollectionsTable.",
  },
  "restored-name": {
    type: "string",
    valueName: "<name>",
    description: "Physical name of the table the restore created.",
  },
  ...TERRAFORM_OPTIONS,
  "override-in-config": {
    type: "boolean",
    description:
      "With --execute: you already added the table_name_overrides entry to your configuration; plan as it is instead of passing it as -var.",
  },
  "skip-state-rm": {
    type: "boolean",
    description: "With --execute: the address was already removed from the state (an earlier run); import only.",
  },
} as const;

export function importOptionsFromFlags(values: ParsedValues): ImportRestoredTableOptions {
  const flags = terraformFlags(values);
  return {
    ...flags,
    table: requireString(values, "table"),
    restoredName: requireString(values, "restored-name"),
    overrideInConfig: values["override-in-config"] === true,
    skipStateRm: values["skip-state-rm"] === true,
  };
}

export const importRestoredTableCommand: CommandSpec<ImportRestoredTableResult> = {
  name: "import-restored-table",
  summary: "Make Terraform manage a table restored under a new name (state rm + import + table_name_overrides).",
  usage:
    "--table <CatalogName> --restored-name <name> [--module-address <address>] [--format sh|hcl] [--json] [--execute --chdir <dir> [--yes]] [--dry-run]",
  details: [
    "Without --execute it only prints: the state backup, `terraform state rm` and `terraform import` (shell-quoted),",
    "and the table_name_overrides entry to add so the next apply adopts the new name instead of replacing the table.",
    "",
    "With --execute it checks first (terraform on PATH, address in the state, restored table ACTIVE with the",
    "catalog's keys, the module's table_name_overrides fed by a root variable), asks, saves the state with",
    "`terraform state pull`, runs state rm + import, then `terraform plan -detailed-exitcode -out` with the",
    "override and `terraform show -json`: if any DynamoDB table would be destroyed or replaced it stops",
    "(exit 7) and names the state backup; otherwise it prints the in-place changes and the apply to run.",
    "",
    "Exit codes: 0 ok, 2 bad flags, 3 precondition (table not ACTIVE, variable not wired, …), 4 not found",
    "(address not in state, table missing), 5 terraform not installed, 7 safety stop, 8 AWS refused or unreachable,",
    "10 not confirmed.",
  ].join("\n"),
  options: IMPORT_RESTORED_TABLE_OPTIONS,
  async run(values, _positionals, ctx: CommandContext) {
    return importRestoredTable(importOptionsFromFlags(values), ctx);
  },
  render: renderImportResult,
};
