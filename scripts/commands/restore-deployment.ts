/**
 * restore-backups (formerly restore-deployment): after the whole deployment was deleted, restore every catalog table from its newest backup
 * (SYSTEM by default: the `<table>$DeletedTableBackup` AWS makes when a PITR table is deleted) to its own name,
 * then `terraform import` each one (printed, or run with --execute) before the first apply.
 */
import { DynamoDBClient, RestoreTableFromBackupCommandInput } from "@aws-sdk/client-dynamodb";
import { DEFAULT_MODULE_ADDRESS } from "../../lib/addresses";
import { dynamoClient } from "../../lib/aws";
import type { StartRestoreJobInput } from "../../lib/aws-backup";
import { TableCatalog, physicalTableName } from "../../lib/catalog";
import { CommandContext, CommandSpec, ParsedValues, choiceFlag, requireString } from "../../lib/cli/command";
import { NotFoundError, PreconditionError, UsageError } from "../../lib/errors";
import { Progress } from "../../lib/cli/progress";
import { confirm } from "../../lib/cli/prompt";
import {
  BACKUP_TYPE_CHOICES,
  BackupTypeChoice,
  DeploymentTable,
  backupRestoreInput,
  restoreJobInput,
  runRestoreJob,
  startBackupRestore,
  surveyDeployment,
} from "../../lib/dr/backup-restore";
import { AwsBackupTarget, OpenVault, openVault } from "../../lib/recover/vault";
import { VAULT_OPTIONS, vaultFlags } from "../../lib/cli/vault-options";
import { CarryOverItem, notCarriedOver, renderCarryOver } from "../../lib/dr/carry-over";
import {
  DEFAULT_WAIT_MINUTES,
  OutputFormat,
  TERRAFORM_OPTIONS,
  TerraformFlags,
  WAIT_OPTIONS,
  projectCatalog,
  terraformFlags,
  waitMinutesFlag,
} from "../../lib/cli/dr-options";
import {
  ImportExecution,
  PreparedImport,
  describePrepared,
  executeImport,
  prepareImport,
  renderExecution,
} from "../../lib/dr/execute-import";
import { catalogTable, deploymentPlan } from "../../lib/dr/import-plan";
import { checkTableNameFlag, stateBackupFileName } from "../../lib/dr/names";
import { shQuote } from "../../lib/dr/shell";
import { clientRegion, waitForActive } from "../../lib/table-io/tables";
import { DrIO, TerraformRecipe, recipeOf } from "./import-restored-table";

export interface RestoreDeploymentOptions extends Partial<TerraformFlags> {
  readonly prefix: string;
  /** @default "SYSTEM" */
  readonly backupType?: BackupTypeChoice;
  /** Tables whose physical name was not `<prefix>-<name>` (the module's table_name_overrides). @default {} */
  readonly nameOverrides?: Readonly<Record<string, string>>;
  /** --backup-type AWS_BACKUP: the vault, role and region (defaults: the module's vault and role, AWS_REGION). */
  readonly awsBackup?: AwsBackupTarget;
  /** @default 240 */
  readonly waitMinutes?: number;
  /** @default 5000 */
  readonly pollMs?: number;
  readonly now?: Date;
  readonly catalog?: TableCatalog;
}

export interface RestoreDeploymentResult {
  readonly command: "restore-backups";
  readonly mode: "dry-run" | "restored";
  readonly format: OutputFormat;
  readonly prefix: string;
  readonly backupType: BackupTypeChoice;
  /** Every catalog table: restored (or to restore), already there (skipped), or without a backup. */
  readonly tables: readonly DeploymentTable[];
  /** RestoreTableFromBackup requests (made, or that would be made). */
  readonly restoreRequests: readonly RestoreTableFromBackupCommandInput[];
  /** AWS Backup StartRestoreJob requests (--backup-type AWS_BACKUP). */
  readonly restoreJobs: readonly StartRestoreJobInput[];
  /** The vault the recovery points came from (--backup-type AWS_BACKUP). */
  readonly vault?: string;
  readonly notCarriedOver: readonly CarryOverItem[];
  readonly recipe: TerraformRecipe;
  readonly wouldRun?: readonly string[];
  readonly execution?: ImportExecution;
}

export async function restoreDeployment(opts: RestoreDeploymentOptions, io: DrIO): Promise<RestoreDeploymentResult> {
  const catalog = opts.catalog ?? projectCatalog(io.env);
  const now = opts.now ?? new Date();
  const backupType = opts.backupType ?? "SYSTEM";
  const overrides = checkedNameOverrides(catalog, opts.prefix, opts.nameOverrides ?? {});
  const client =
    opts.awsBackup?.region === undefined ? dynamoClient() : dynamoClient({ region: opts.awsBackup.region });
  const vault = backupType === "AWS_BACKUP" ? await openVault(client, opts.prefix, opts.awsBackup ?? {}) : undefined;
  const tables = await surveyDeployment(client, catalog, opts.prefix, backupType, overrides, vault?.ref);
  const toRestore = tables.filter((t) => t.status === "restore");
  await refuseWithoutBackups(client, tables, backupType, vault);
  // Every table that will exist needs to be in the state: restored ones and survivors alike.
  const present = tables.filter((t) => t.status !== "no-backup").map((t) => t.catalogName);
  const plan = deploymentPlan({
    catalog,
    prefix: opts.prefix,
    tables: present,
    moduleAddress: opts.moduleAddress ?? DEFAULT_MODULE_ADDRESS,
    nameOverrides: overrides,
    chdir: opts.chdir,
    varArgs: opts.varArgs,
    stateBackupFile: stateBackupFileName(now),
  });
  const prepared =
    opts.execute === true
      ? await prepareImport(
          { plan, backupDir: opts.backupDir, now, why: "restore-backups --execute" },
          { cwd: io.cwd, env: io.env, log: io.stderr },
        )
      : undefined;
  const { requests, jobs } = await restoreInputs(client, toRestore, vault);
  const base = {
    command: "restore-backups" as const,
    format: opts.format ?? "sh",
    prefix: opts.prefix,
    backupType,
    tables,
    restoreRequests: requests,
    restoreJobs: jobs,
    ...(vault === undefined ? {} : { vault: vault.ref.name }),
    notCarriedOver: notCarriedOver(undefined, true),
    recipe: recipeOf(plan),
  };
  if (opts.dryRun === true) return { ...base, mode: "dry-run", wouldRun: wouldRun(requests, jobs, prepared) };
  if (toRestore.length > 0 || prepared !== undefined) {
    await confirm(confirmQuestion(backupType, toRestore, prepared === undefined ? undefined : plan.chdir), {
      yes: opts.yes === true,
      input: io.stdin,
      output: io.stderr,
    });
  }
  await restoreAndWait(client, requests, opts, io, vault === undefined ? undefined : { vault, jobs });
  const restored = { ...base, mode: "restored" as const };
  if (prepared === undefined) return restored;
  return { ...restored, execution: await executeImport(prepared, now) };
}

/** The --name-override entries keyed by catalog name, and every default `<prefix>-<CatalogName>`, checked as names. */
function checkedNameOverrides(
  catalog: TableCatalog,
  prefix: string,
  nameOverrides: Readonly<Record<string, string>>,
): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [k, v] of Object.entries(nameOverrides)) {
    overrides[catalogTable(catalog, k, "--name-override")] = checkTableNameFlag("--name-override", v);
  }
  for (const t of catalog.tables) {
    if (overrides[t.name] === undefined) {
      checkTableNameFlag("--prefix", physicalTableName(prefix, t.name), " The table names are <prefix>-<CatalogName>.");
    }
  }
  return overrides;
}

/** Refuses when no missing table has a backup to restore from. */
async function refuseWithoutBackups(
  client: DynamoDBClient,
  tables: readonly DeploymentTable[],
  backupType: BackupTypeChoice,
  vault: OpenVault | undefined,
): Promise<void> {
  const missing = tables.filter((t) => t.status === "no-backup");
  if (tables.some((t) => t.status === "restore") || missing.length === 0) return;
  const where = vault === undefined ? "" : ` (vault ${vault.ref.name})`;
  throw new NotFoundError(
    `no ${backupType === "ALL" ? "" : `${backupType} `}backup found for any missing table in ${await clientRegion(client)}${where} (looked for: ${missing.map((t) => t.tableName).join(", ")}). ${backupType === "SYSTEM" ? "AWS makes a SYSTEM backup only when a table with PITR enabled is deleted; try --backup-type USER or ALL, and check --prefix and AWS_REGION." : "Check --prefix, AWS_REGION and --backup-type."}`,
  );
}

/** RestoreTableFromBackup requests for DynamoDB backups, StartRestoreJob requests for recovery points. */
async function restoreInputs(
  client: DynamoDBClient,
  toRestore: readonly DeploymentTable[],
  vault: OpenVault | undefined,
): Promise<{ requests: RestoreTableFromBackupCommandInput[]; jobs: StartRestoreJobInput[] }> {
  const fromVault = toRestore.filter((t) => t.backup?.source === "aws-backup");
  const requests = await Promise.all(
    toRestore.filter((t) => t.backup?.source !== "aws-backup").map((t) => backupRestoreInput(client, t)),
  );
  const jobs = fromVault.map((t) => restoreJobInput(t.backup?.arn ?? "", t.tableName, vault?.roleArn ?? "", undefined));
  return { requests, jobs };
}

function wouldRun(
  requests: readonly RestoreTableFromBackupCommandInput[],
  jobs: readonly StartRestoreJobInput[],
  prepared: PreparedImport | undefined,
): string[] {
  return [
    ...requests.map((r) => `aws dynamodb restore-table-from-backup --cli-input-json ${shQuote(JSON.stringify(r))}`),
    ...jobs.map((j) => `aws backup start-restore-job --cli-input-json ${shQuote(JSON.stringify(j))}`),
    ...(prepared === undefined ? [] : describePrepared(prepared)),
  ];
}

/** The confirmation question; `chdir` when the Terraform state will be changed too. */
function confirmQuestion(
  backupType: BackupTypeChoice,
  toRestore: readonly DeploymentTable[],
  chdir: string | undefined,
): string {
  return [
    `Restore ${toRestore.length} table(s) from ${backupType} backups to their original names:`,
    ...toRestore.map((t) => `  ${t.tableName} <- ${t.backup?.name ?? t.backup?.arn} (${t.backup?.created ?? "?"})`),
    ...(chdir === undefined
      ? []
      : [`then change the Terraform state in ${chdir} (terraform import; no table is deleted).`]),
    "Proceed?",
  ].join("\n");
}

/**
 * Starts every restore, then waits for all of them to be ACTIVE. When a start fails after others began, the error says
 * which are already restoring (they go on in AWS) and that a re-run skips them.
 */
async function restoreAndWait(
  client: DynamoDBClient,
  requests: readonly RestoreTableFromBackupCommandInput[],
  opts: RestoreDeploymentOptions,
  io: DrIO,
  fromVault?: { readonly vault: OpenVault; readonly jobs: readonly StartRestoreJobInput[] },
): Promise<void> {
  const started: string[] = [];
  for (const r of requests) {
    io.stderr.write(`Restoring ${r.TargetTableName} from ${r.BackupArn}\n`);
    try {
      await startBackupRestore(client, r);
    } catch (err) {
      if (started.length === 0) throw err;
      throw new PreconditionError(
        `${(err as Error).message}\nAlready restoring (they go on in AWS): ${started.join(", ")}. Re-run restore-backups: existing tables are skipped.`,
      );
    }
    started.push(r.TargetTableName as string);
  }
  if (fromVault !== undefined) started.push(...(await runRestoreJobs(fromVault.vault, fromVault.jobs, opts, io)));
  if (started.length === 0) return;
  const progress = new Progress({
    label: "restored tables ACTIVE",
    total: started.length,
    unit: "tables",
    stream: io.stderr,
  });
  await waitForActive(client, started, {
    timeoutMs: (opts.waitMinutes ?? DEFAULT_WAIT_MINUTES) * 60_000,
    pollMs: opts.pollMs,
    progress,
  });
  progress.finish("all ACTIVE");
}

/** Runs the AWS Backup restore jobs in parallel until AWS Backup says COMPLETED; returns the tables they make. */
async function runRestoreJobs(
  vault: OpenVault,
  jobs: readonly StartRestoreJobInput[],
  opts: RestoreDeploymentOptions,
  io: DrIO,
): Promise<string[]> {
  const timeoutMs = (opts.waitMinutes ?? DEFAULT_WAIT_MINUTES) * 60_000;
  for (const j of jobs) io.stderr.write(`Restoring ${j.Metadata.targetTableName} from ${j.RecoveryPointArn}\n`);
  await Promise.all(jobs.map((j) => runRestoreJob(vault.ref.client, j, { timeoutMs, pollMs: opts.pollMs })));
  return jobs.map((j) => j.Metadata.targetTableName as string);
}

function tableLines(r: RestoreDeploymentResult): string[] {
  const verb = r.mode === "dry-run" ? "would restore" : "restored";
  return r.tables.map((t) =>
    t.status === "restore"
      ? `  ${verb.padEnd(13)} ${t.tableName} from ${t.backup?.type ?? ""} backup ${t.backup?.name ?? ""} (${t.backup?.created ?? "?"})`
      : t.status === "exists"
        ? `  ${"exists".padEnd(13)} ${t.tableName} (skipped: not touched)`
        : `  ${"NO BACKUP".padEnd(13)} ${t.tableName}: terraform apply will create it EMPTY`,
  );
}

export function renderRestoreDeployment(r: RestoreDeploymentResult): string {
  const head = [
    r.mode === "dry-run"
      ? `Dry run (${r.backupType} backups, prefix ${r.prefix}); nothing was changed:`
      : `Restore of prefix ${r.prefix} from ${r.backupType} backups:`,
    ...tableLines(r),
  ];
  const carry = ["What a restore does not carry over:", ...renderCarryOver(r.notCarriedOver)];
  if (r.execution !== undefined)
    return `${[...head, "", ...renderExecution(r.execution, []), "", ...carry].join("\n")}\n`;
  if (r.mode === "dry-run") {
    return `${[...head, "", "It would run:", ...(r.wouldRun ?? []).map((c) => `  $ ${c}`), "", ...carry].join("\n")}\n`;
  }
  const comments = [...head, "", ...carry, "", "Terraform steps (after terraform init, before terraform apply):"].map(
    (l) => (l === "" ? "#" : `# ${l}`),
  );
  return `${comments.join("\n")}\n\n${r.format === "hcl" ? r.recipe.hcl : r.recipe.sh}`;
}

function nameOverridesFlag(values: ParsedValues): Record<string, string> {
  const raw = values["name-override"];
  const list = raw === undefined ? [] : (Array.isArray(raw) ? raw : [raw]).map(String);
  const out: Record<string, string> = {};
  for (const item of list) {
    const m = /^([^=]+)=(.+)$/.exec(item);
    if (m === null) {
      throw new UsageError(
        `--name-override: "${item}" is not allowed; use <CatalogName>=<table name>, e.g. CollectionsTable=prod-CollectionsTable-restored-20250101T000000Z`,
      );
    }
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

export function restoreDeploymentOptionsFromFlags(values: ParsedValues): RestoreDeploymentOptions {
  const flags = terraformFlags(values);
  return {
    ...flags,
    prefix: requireString(values, "prefix"),
    backupType: choiceFlag(values, "backup-type", BACKUP_TYPE_CHOICES, "SYSTEM"),
    nameOverrides: nameOverridesFlag(values),
    awsBackup: vaultFlags(values),
    waitMinutes: waitMinutesFlag(values),
  };
}

export const restoreDeploymentCommand: CommandSpec<RestoreDeploymentResult> = {
  name: "restore-backups",
  summary: "Restore every table of a deleted deployment from its newest backup, then terraform import each.",
  usage:
    "--prefix <prefix> [--backup-type SYSTEM|USER|ALL|AWS_BACKUP [--vault <name>] [--region <r>]] [--name-override <Catalog=name>] [--format sh|hcl] [--json] [--execute --chdir <dir> [--yes]] [--dry-run]",
  details: [
    "For each catalog table <prefix>-<CatalogName>: if it exists it is skipped; otherwise the newest AVAILABLE",
    "backup of --backup-type (default SYSTEM, the backup AWS keeps when a PITR table is deleted) is restored to",
    "the original name. AWS_BACKUP restores the newest recovery point in the module's AWS Backup vault",
    "(<prefix>-dynamodb, or --vault; a copy vault in another region with --region) with StartRestoreJob.",
    "All restores are waited for in parallel. Then it prints `terraform import` for every",
    "table (run after terraform init, before terraform apply) — or runs them with --execute and checks the plan.",
    "",
    "Exit codes: 0 ok, 2 bad flags, 3 precondition, 4 no backup found, 5 terraform not installed,",
    "7 safety stop, 8 AWS refused or unreachable, 10 not confirmed.",
  ].join("\n"),
  options: {
    prefix: {
      type: "string",
      valueName: "<prefix>",
      description: "The module's prefix: tables are <prefix>-<CatalogName>.",
    },
    "backup-type": {
      type: "string",
      valueName: "SYSTEM|USER|ALL|AWS_BACKUP",
      description: "Which backups to restore from (default SYSTEM); AWS_BACKUP: the vault's recovery points.",
    },
    ...VAULT_OPTIONS,
    "name-override": {
      type: "string",
      multiple: true,
      valueName: "<Catalog=name>",
      description: "A table whose name was not <prefix>-<CatalogName> (your table_name_overrides; repeatable).",
    },
    ...WAIT_OPTIONS,
    ...TERRAFORM_OPTIONS,
  },
  async run(values, _positionals, ctx: CommandContext) {
    return restoreDeployment(restoreDeploymentOptionsFromFlags(values), ctx);
  },
  render: renderRestoreDeployment,
};
