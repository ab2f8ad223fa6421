/**
 * The Terraform side of a restore as data: which addresses to forget, which tables to import at which address,
 * and which `table_name_overrides` entries keep the restored names. Every address comes from lib/addresses.ts,
 * every table fact from lib/catalog.ts. Renderers for `sh` live here, for `hcl` in ./hcl-render.ts.
 *
 * Subsystem lib/dr — owns the disaster-recovery domain: PITR and backup restores, the Terraform plan of a restore and
 * running it safely (state backup, plan analysis, safety stops), restored-table names and checks. Throws DrErrors
 * (lib/errors.ts). May import lib/table-io, lib/export-format, the core files, lib/aws.ts and lib/errors.ts; never
 * lib/cli or scripts/ (test/house/dependencies.test.ts holds the rules).
 */
import { AddressError, tableAddress, validateModuleAddress } from "../addresses";
import { TableCatalog, findTable, physicalTableName } from "../catalog";
import { UsageError } from "../errors";
import { shJoin, shQuote } from "./shell";

/** The module input that maps catalog name → physical name (see modules/data-persistence-variables.ts). */
export const TABLE_NAME_OVERRIDES_INPUT = "table_name_overrides";

export interface ImportTarget {
  /** Catalog name, e.g. `CollectionsTable`. */
  readonly catalogName: string;
  /** Full Terraform address in the consumer's state. */
  readonly address: string;
  /** Physical DynamoDB table to import at that address. */
  readonly tableName: string;
  /** Whether the address must first be removed from state (the old table stays in AWS, unmanaged). */
  readonly stateRm: boolean;
}

export interface ImportPlan {
  /** `restored-table`: one table restored under a new name; `deployment`: tables restored under their own names. */
  readonly scenario: "restored-table" | "deployment";
  readonly moduleAddress: string;
  readonly targets: readonly ImportTarget[];
  /** Entries the module's `table_name_overrides` input must carry from now on. */
  readonly tableNameOverrides: Readonly<Record<string, string>>;
  /** `terraform -chdir=<dir>`, as the user gave it. @default - current directory */
  readonly chdir?: string;
  /** `-var-file=…` / `-var=…` arguments passed to `terraform import` and `terraform plan`. */
  readonly varArgs: readonly string[];
  /** Where the printed recipe saves the state first (relative to the shell's directory). */
  readonly stateBackupFile: string;
}

/** One terraform command of a plan, with why it runs. */
export interface TerraformStep {
  readonly kind: "state-rm" | "import";
  readonly address: string;
  readonly purpose: string;
  /** terraform's arguments after the global options: `state rm <address>`, `import … <address> <id>`. */
  readonly args: readonly string[];
  /** The whole command as shown: `terraform [-chdir=…] <args>`. */
  readonly argv: readonly string[];
}

/**
 * Validates --module-address for use in generated commands and HCL. On top of Terraform's address syntax it
 * refuses control characters and template sequences inside index keys: they cannot be pasted safely.
 */
export function checkModuleAddress(moduleAddress: string): string {
  try {
    validateModuleAddress(moduleAddress);
  } catch (err) {
    if (err instanceof AddressError) throw new UsageError(err.message);
    throw err;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(moduleAddress) || /[$%]\{/.test(moduleAddress)) {
    throw new UsageError(
      `--module-address: ${JSON.stringify(moduleAddress)} contains a control character or a template sequence ("\${" or "%{") in an index key; use a plain key such as module.dp["prod"]`,
    );
  }
  return moduleAddress;
}

/** Looks a table up in the catalog; unknown names are a usage error listing the known tables. */
export function catalogTable(catalog: TableCatalog, name: string, flag = "--table"): string {
  try {
    return findTable(catalog, name).name;
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

export interface RestoredTablePlanInput {
  readonly catalog: TableCatalog;
  readonly table: string;
  readonly restoredName: string;
  readonly moduleAddress: string;
  readonly chdir?: string;
  readonly varArgs?: readonly string[];
  readonly stateBackupFile: string;
}

/** Scenario 1: one table restored under a new name → state rm, import, override. */
export function restoredTablePlan(input: RestoredTablePlanInput): ImportPlan {
  const catalogName = catalogTable(input.catalog, input.table);
  const moduleAddress = checkModuleAddress(input.moduleAddress);
  return {
    scenario: "restored-table",
    moduleAddress,
    targets: [
      { catalogName, address: tableAddress(catalogName, moduleAddress), tableName: input.restoredName, stateRm: true },
    ],
    tableNameOverrides: { [catalogName]: input.restoredName },
    chdir: input.chdir,
    varArgs: input.varArgs ?? [],
    stateBackupFile: input.stateBackupFile,
  };
}

export interface DeploymentPlanInput {
  readonly catalog: TableCatalog;
  readonly prefix: string;
  /** Catalog names to import (restored or still existing). */
  readonly tables: readonly string[];
  readonly moduleAddress: string;
  /** Physical names that differ from `<prefix>-<name>` (the module's table_name_overrides). @default {} */
  readonly nameOverrides?: Readonly<Record<string, string>>;
  readonly chdir?: string;
  readonly varArgs?: readonly string[];
  readonly stateBackupFile: string;
}

/** Scenario 2: tables restored under their own names → import each (nothing to remove from state). */
export function deploymentPlan(input: DeploymentPlanInput): ImportPlan {
  const moduleAddress = checkModuleAddress(input.moduleAddress);
  const overrides = input.nameOverrides ?? {};
  return {
    scenario: "deployment",
    moduleAddress,
    targets: input.tables.map((t) => {
      const catalogName = catalogTable(input.catalog, t);
      return {
        catalogName,
        address: tableAddress(catalogName, moduleAddress),
        tableName: overrides[catalogName] ?? physicalTableName(input.prefix, catalogName),
        stateRm: false,
      };
    }),
    tableNameOverrides: {},
    chdir: input.chdir,
    varArgs: input.varArgs ?? [],
    stateBackupFile: input.stateBackupFile,
  };
}

/** `terraform [-chdir=<dir>] <args…>` */
export function terraformArgv(chdir: string | undefined, args: readonly string[]): string[] {
  return ["terraform", ...(chdir === undefined ? [] : [`-chdir=${chdir}`]), ...args];
}

/** The state-changing commands of a plan, in order (the state backup is separate: it is a redirect). */
export function terraformSteps(plan: ImportPlan): TerraformStep[] {
  const steps: TerraformStep[] = [];
  for (const t of plan.targets) {
    if (t.stateRm) {
      const args = ["state", "rm", t.address];
      steps.push({
        kind: "state-rm",
        address: t.address,
        purpose: `forget the damaged ${t.catalogName} in the state (the table itself is not touched)`,
        args,
        argv: terraformArgv(plan.chdir, args),
      });
    }
  }
  for (const t of plan.targets) {
    const args = ["import", ...plan.varArgs, t.address, t.tableName];
    steps.push({
      kind: "import",
      address: t.address,
      purpose: `manage ${t.tableName} as ${t.catalogName}`,
      args,
      argv: terraformArgv(plan.chdir, args),
    });
  }
  return steps;
}

/** `Catalog = "physical"` lines of an HCL map, aligned. */
export function overrideEntries(overrides: Readonly<Record<string, string>>): string[] {
  const keys = Object.keys(overrides);
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(width)} = ${JSON.stringify(overrides[k])}`);
}

/** `terraform [-chdir=…] state push -force <backup>`; with -chdir the backup path is made absolute ($PWD). */
function undoSh(plan: ImportPlan): string {
  const push = shJoin(terraformArgv(plan.chdir, ["state", "push", "-force"]));
  return `${push} ${plan.chdir === undefined ? "" : '"$PWD"/'}${shQuote(plan.stateBackupFile)}`;
}

/**
 * The plan as commands to paste into bash: state backup, then state rm/import chained with `&&` so that
 * nothing runs after a failure, then the override entry and the checks, as comments.
 */
export function renderSh(plan: ImportPlan): string {
  const lines: string[] = [];
  const steps = terraformSteps(plan);
  const backup = `${shJoin(terraformArgv(plan.chdir, ["state", "pull"]))} > ${shQuote(plan.stateBackupFile)}`;
  if (plan.scenario === "restored-table") {
    const t = plan.targets[0];
    lines.push(
      "# dynamo-dr import-restored-table: make Terraform manage the restored table",
      `#   ${t?.catalogName} -> ${t?.tableName}`,
    );
  } else {
    lines.push(
      "# dynamo-dr restore-backups: bring the restored tables under Terraform",
      "# Run after `terraform init` and BEFORE `terraform apply`. If Terraform answers",
      '# "Resource already managed" for an address, that table is already in the state: skip it.',
    );
  }
  lines.push(
    "# Paste into bash; the chain stops at the first failing command.",
    `# The first command saves the state; to undo the state change: ${undoSh(plan)}`,
    "",
  );
  const chain = [backup, ...steps.map((s) => shJoin(s.argv))];
  lines.push(chain.map((c, i) => `${i === 0 ? "" : "  "}${c}${i < chain.length - 1 ? " &&" : ""}`).join("\n"));
  lines.push("");
  const overrides = overrideEntries(plan.tableNameOverrides);
  if (overrides.length > 0) {
    lines.push(
      `# Then keep the restored name on every later apply: add this entry to the module's ${TABLE_NAME_OVERRIDES_INPUT}`,
      "# input (merge it with any entries you already have), e.g. in your tfvars:",
      `#   ${TABLE_NAME_OVERRIDES_INPUT} = {`,
      ...overrides.map((o) => `#     ${o}`),
      "#   }",
    );
  }
  lines.push(
    `# Check before applying: ${shJoin(terraformArgv(plan.chdir, ["plan", ...plan.varArgs]))}`,
    "#   expect 0 to destroy; the imported tables are updated in place (PITR, TTL, tags, stream, deletion protection).",
    `# Then: ${shJoin(terraformArgv(plan.chdir, ["apply", ...plan.varArgs]))}`,
  );
  return `${lines.join("\n")}\n`;
}
