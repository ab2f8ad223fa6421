/**
 * Flags shared by the DR commands (terraform side, output, safety) and their parsing into checked values.
 */
import { DEFAULT_MODULE_ADDRESS } from "../addresses";
import { TableCatalog } from "../catalog";
import { OptionSpec, ParsedValues, choiceFlag, intFlag, optionalString } from "./command";
import { UsageError } from "../errors";
import { PROJECT_ROOT, loadProjectCatalog } from "../project-config";
import { checkModuleAddress } from "../dr/import-plan";

/** How the terraform steps are printed (machine output is --json; `--format json` is its deprecated alias). */
export const OUTPUT_FORMATS = ["sh", "hcl"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** How long the commands wait for restored tables to become ACTIVE by default (large tables take hours). */
export const DEFAULT_WAIT_MINUTES = 240;
export const MAX_WAIT_MINUTES = 24 * 60;

/** `--table` and `--prefix` of the commands that restore one table of a deployment (restore-pitr, recover). */
export const ONE_TABLE_OPTIONS: Readonly<Record<"table" | "prefix", OptionSpec>> = {
  table: {
    type: "string",
    valueName: "<CatalogName>",
    description: "Catalog name of the table, e.g. CollectionsTable.",
  },
  prefix: {
    type: "string",
    valueName: "<prefix>",
    description: "The module's prefix: the table is <prefix>-<CatalogName>.",
  },
};

export const TERRAFORM_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  "module-address": {
    type: "string",
    valueName: "<address>",
    description: `Address of the data-persistence module in your root module (default ${DEFAULT_MODULE_ADDRESS}); nested and indexed addresses work, e.g. module.platform.${DEFAULT_MODULE_ADDRESS} or module.dp["prod"].`,
  },
  format: {
    type: "string",
    valueName: "sh|hcl",
    description:
      "How to print the terraform steps: sh (default; shell-quoted commands to paste), hcl (Terraform >= 1.5 import blocks). For JSON use --json.",
  },
  chdir: {
    type: "string",
    valueName: "<dir>",
    description: "Terraform root module folder (terraform -chdir=<dir>). Required with --execute.",
  },
  "var-file": {
    type: "string",
    multiple: true,
    valueName: "<file>",
    description: "Passed to terraform import and plan as -var-file (repeatable).",
  },
  var: {
    type: "string",
    multiple: true,
    valueName: "<name=value>",
    description: "Passed to terraform import and plan as -var (repeatable).",
  },
  execute: {
    type: "boolean",
    description:
      "Run the terraform steps: save the state (state pull), state rm / import, then plan and stop if any table would be destroyed or replaced.",
  },
  "backup-dir": {
    type: "string",
    valueName: "<dir>",
    description:
      "With --execute: where the state backup and the checked plan are written (default: the --chdir folder).",
  },
  yes: { type: "boolean", short: "y", description: "Do not ask for confirmation." },
  "dry-run": {
    type: "boolean",
    description: "Only read: print the AWS calls and terraform commands it would make, change nothing.",
  },
};

export const WAIT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  "wait-minutes": {
    type: "string",
    valueName: "<n>",
    description: `How long to wait for restored tables to become ACTIVE (default ${DEFAULT_WAIT_MINUTES}; 0 checks once).`,
  },
};

export interface TerraformFlags {
  readonly moduleAddress: string;
  readonly format: OutputFormat;
  readonly chdir?: string;
  readonly varArgs: string[];
  readonly execute: boolean;
  readonly backupDir?: string;
  readonly yes: boolean;
  readonly dryRun: boolean;
}

function stringList(values: ParsedValues, name: string): string[] {
  const v = values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** -var-file / -var arguments, refusing control characters (they cannot be printed safely). */
export function varArgsFromFlags(values: ParsedValues): string[] {
  const files = stringList(values, "var-file");
  const vars = stringList(values, "var");
  for (const [flag, list] of [
    ["--var-file", files],
    ["--var", vars],
  ] as const) {
    for (const v of list) {
      if (v === "" || CONTROL.test(v)) {
        throw new UsageError(
          `${flag}: ${JSON.stringify(v)} is not allowed: give a non-empty value without control characters`,
        );
      }
    }
  }
  for (const v of vars) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*=/.test(v)) {
      throw new UsageError(`--var: "${v}" is not allowed; use name=value, e.g. --var prefix=prod`);
    }
  }
  return [...files.map((f) => `-var-file=${f}`), ...vars.map((v) => `-var=${v}`)];
}

export function terraformFlags(values: ParsedValues): TerraformFlags {
  const moduleAddress = checkModuleAddress(optionalString(values, "module-address") ?? DEFAULT_MODULE_ADDRESS);
  const format = choiceFlag(values, "format", OUTPUT_FORMATS, "sh");
  const execute = values.execute === true;
  const chdir = optionalString(values, "chdir");
  if (chdir !== undefined && (chdir === "" || CONTROL.test(chdir))) {
    throw new UsageError(
      `--chdir: ${JSON.stringify(chdir)} is not allowed: give a folder path without control characters`,
    );
  }
  if (execute && chdir === undefined) {
    throw new UsageError(
      "--execute needs --chdir <dir>: the Terraform root module folder that calls the data-persistence module (where you run terraform plan).",
    );
  }
  if (execute && format === "hcl") {
    throw new UsageError(
      "--format hcl prints import blocks for you to plan and apply yourself; it cannot be combined with --execute (use --json for machine output)",
    );
  }
  const backupDir = optionalString(values, "backup-dir");
  if (backupDir !== undefined && !execute) throw new UsageError("--backup-dir only applies with --execute");
  return {
    moduleAddress,
    format,
    chdir,
    varArgs: varArgsFromFlags(values),
    execute,
    backupDir,
    yes: values.yes === true,
    dryRun: values["dry-run"] === true,
  };
}

export function waitMinutesFlag(values: ParsedValues): number {
  return intFlag(values, "wait-minutes", DEFAULT_WAIT_MINUTES, 0, MAX_WAIT_MINUTES);
}

/** The project's catalog; a broken catalog file throws a CatalogError (kind "usage", exit 2) naming it. */
export function projectCatalog(env: NodeJS.ProcessEnv): TableCatalog {
  return loadProjectCatalog(PROJECT_ROOT, env);
}

/** Parses an ISO 8601 instant that names its time zone (a bare local time is ambiguous at 3 a.m.). */
export function parseInstant(flag: string, value: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const t = Date.parse(value);
  const [y, m, d] = value.slice(0, 10).split("-").map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (!ok || Number.isNaN(t) || m < 1 || m > 12 || d < 1 || d > daysInMonth) {
    throw new UsageError(
      `${flag}: "${value}" is not allowed; give an ISO 8601 time with a time zone, e.g. 2025-01-31T04:05:00Z or 2025-01-31T06:05:00+02:00`,
    );
  }
  return new Date(t);
}
