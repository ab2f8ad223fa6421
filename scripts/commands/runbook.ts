/**
 * runbook: a disaster-recovery runbook for THIS deployment (markdown): its tables and Terraform addresses, what
 * protects each right now, the exact commands for each scenario with its names filled in, the operator's permissions
 * and what to check afterwards. Reads only: describe/list calls, and `terraform state pull` with --chdir.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { DEFAULT_MODULE_ADDRESS, tableAddress } from "../../lib/addresses";
import { dynamoClient, s3Client } from "../../lib/aws";
import { physicalTableName, type TableCatalog } from "../../lib/catalog";
import {
  CommandContext,
  CommandSpec,
  ParsedValues,
  optionalString,
  requireString,
  type CommandPermissions,
} from "../../lib/cli/command";
import { UsageError } from "../../lib/errors";
import { projectCatalog } from "../../lib/cli/dr-options";
import { checkModuleAddress } from "../../lib/dr/import-plan";
import { checkTableNameFlag } from "../../lib/dr/names";
import { clientRegion } from "../../lib/table-io/tables";
import { TerraformRunner } from "../../lib/dr/terraform";
import { gatherFacts, type TableFacts } from "../../lib/runbook/facts";
import { renderRunbook } from "../../lib/runbook/render";
import { checkWritableFile, withFileErrors } from "../../lib/writable";
import type { DrIO } from "./import-restored-table";
import { COMMAND_PERMISSIONS } from "./permissions";

/** S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens (AWS's rule, checked before any call). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** The commands the runbook's scenarios use; their permissions go into it. */
const RUNBOOK_COMMANDS = [
  "restore-pitr",
  "restore-backups",
  "import-restored-table",
  "verify",
  "restore-files",
] as const;

export interface RunbookOptions {
  readonly prefix: string;
  /** @default module.data_persistence */
  readonly moduleAddress?: string;
  /** Terraform root: physical names are read from its state. @default - names are `<prefix>-<CatalogName>` */
  readonly chdir?: string;
  /** The module's backup bucket: latest verified exports and capture coverage. @default - not read */
  readonly bucket?: string;
  /** Write the runbook here. @default - returned only */
  readonly out?: string;
  /** Replace an existing --out. @default false */
  readonly force?: boolean;
  readonly now?: Date;
  readonly catalog?: TableCatalog;
}

export interface RunbookResult {
  readonly command: "runbook";
  readonly prefix: string;
  readonly out?: string;
  readonly tables: readonly TableFacts[];
  readonly markdown: string;
}

async function checkOut(out: string, force: boolean): Promise<string> {
  const abs = await checkWritableFile("--out", out);
  if (existsSync(abs) && !force) {
    throw new UsageError(`--out: ${abs} already exists; add --force to replace it, or choose another path`);
  }
  return abs;
}

/** Catalog name → physical table name, as the Terraform state in `chdir` binds them. */
async function stateNames(
  chdir: string,
  moduleAddress: string,
  catalog: TableCatalog,
  io: DrIO,
): Promise<Record<string, string>> {
  const runner = TerraformRunner.create({ chdir, cwd: io.cwd, env: io.env, log: io.stderr }, "runbook --chdir");
  const resources = await runner.stateResources();
  const out: Record<string, string> = {};
  for (const spec of catalog.tables) {
    const r = resources.find((x) => x.address === tableAddress(spec.name, moduleAddress));
    if (typeof r?.values.name === "string") out[spec.name] = r.values.name;
  }
  return out;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await withFileErrors("--out", path, async () => {
    try {
      await writeFile(tmp, text, { flag: "wx" });
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
  });
}

export async function runbook(opts: RunbookOptions, io: DrIO): Promise<RunbookResult> {
  const catalog = opts.catalog ?? projectCatalog(io.env);
  const moduleAddress = checkModuleAddress(opts.moduleAddress ?? DEFAULT_MODULE_ADDRESS);
  for (const t of catalog.tables) {
    checkTableNameFlag("--prefix", physicalTableName(opts.prefix, t.name), " The tables are <prefix>-<CatalogName>.");
  }
  if (opts.bucket !== undefined && !BUCKET_NAME.test(opts.bucket)) {
    throw new UsageError(
      `--bucket: "${opts.bucket}" is not an S3 bucket name; use 3-63 lowercase letters, digits, dots and hyphens (the bucket name alone, not s3://…)`,
    );
  }
  const out = opts.out === undefined ? undefined : await checkOut(opts.out, opts.force === true);
  const names = opts.chdir === undefined ? {} : await stateNames(opts.chdir, moduleAddress, catalog, io);
  const now = opts.now ?? new Date();
  const ddb = dynamoClient();
  const tables = await gatherFacts(ddb, s3Client(), {
    catalog,
    prefix: opts.prefix,
    moduleAddress,
    stateNames: names,
    bucket: opts.bucket,
    now,
  });
  const permissions: Record<string, CommandPermissions> = Object.fromEntries(
    RUNBOOK_COMMANDS.map((c) => [c, COMMAND_PERMISSIONS[c]]),
  );
  const markdown = renderRunbook({
    prefix: opts.prefix,
    moduleAddress,
    chdir: opts.chdir,
    bucket: opts.bucket,
    region: await clientRegion(ddb),
    generatedAt: now,
    tables,
    permissions,
  });
  if (out !== undefined) await writeAtomically(out, markdown);
  return { command: "runbook", prefix: opts.prefix, out, tables, markdown };
}

export function runbookOptionsFromFlags(values: ParsedValues): RunbookOptions {
  const chdir = optionalString(values, "chdir");
  if (chdir === "") throw new UsageError('--chdir: "" is not allowed: give the Terraform root module folder');
  return {
    prefix: requireString(values, "prefix"),
    moduleAddress: optionalString(values, "module-address"),
    chdir,
    bucket: optionalString(values, "bucket"),
    out: optionalString(values, "out"),
    force: values.force === true,
  };
}

export const runbookCommand: CommandSpec<RunbookResult> = {
  name: "runbook",
  summary: "Write a disaster-recovery runbook for this deployment (reads only).",
  usage:
    "--prefix <prefix> [--module-address <address>] [--chdir <dir>] [--bucket <backup bucket>] [--out RUNBOOK.md [--force]] [--json]",
  details: [
    "Lists the tables with their Terraform addresses and physical names (from the state with --chdir), what protects",
    "each now (PITR window, newest backup and AWS Backup recovery point, with --bucket the newest verified export and",
    "change-capture coverage), the exact commands for each scenario, the permissions needed and what to check after.",
    "Without --out it prints the markdown. It never changes anything.",
    "",
    "Exit codes: 0 ok, 2 bad flags (or --out exists without --force), 3 precondition, 5 terraform not installed,",
    "8 AWS refused or unreachable.",
  ].join("\n"),
  options: {
    prefix: {
      type: "string",
      valueName: "<prefix>",
      description: "The module's prefix: tables are <prefix>-<CatalogName>.",
    },
    "module-address": {
      type: "string",
      valueName: "<address>",
      description: `Address of the module in your root module (default ${DEFAULT_MODULE_ADDRESS}).`,
    },
    chdir: {
      type: "string",
      valueName: "<dir>",
      description: "Terraform root module folder: physical names are read from its state (terraform state pull).",
    },
    bucket: {
      type: "string",
      valueName: "<bucket>",
      description: "The module's backup bucket: adds the newest verified exports and capture coverage.",
    },
    out: { type: "string", valueName: "<file>", description: "Write the runbook to this file (markdown)." },
    force: { type: "boolean", description: "With --out: replace an existing file." },
  },
  async run(values, _positionals, ctx: CommandContext) {
    return runbook(runbookOptionsFromFlags(values), ctx);
  },
  render: (r) =>
    r.out === undefined ? r.markdown : `Runbook for ${r.prefix} written to ${r.out} (${r.tables.length} tables).`,
};
