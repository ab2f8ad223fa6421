/**
 * restore-pitr (formerly restore-table): point-in-time restore of one catalog table to a new table, then the Terraform steps that make
 * the module manage it (printed, or run with --execute).
 */
import {
  DescribeContinuousBackupsCommand,
  DynamoDBClient,
  RestoreTableToPointInTimeCommandInput,
} from "@aws-sdk/client-dynamodb";
import { DEFAULT_MODULE_ADDRESS, tableAddress } from "../../lib/addresses";
import { dynamoClient } from "../../lib/aws";
import { TableCatalog, findTable, physicalTableName } from "../../lib/catalog";
import { CommandContext, CommandSpec, ParsedValues, requireString, optionalString } from "../../lib/cli/command";
import { UsageError } from "../../lib/errors";
import { Progress } from "../../lib/cli/progress";
import { confirm } from "../../lib/cli/prompt";
import { CarryOverItem, notCarriedOver, renderCarryOver } from "../../lib/dr/carry-over";
import {
  OutputFormat,
  ONE_TABLE_OPTIONS,
  TERRAFORM_OPTIONS,
  TerraformFlags,
  WAIT_OPTIONS,
  parseInstant,
  projectCatalog,
  terraformFlags,
  waitMinutesFlag,
  DEFAULT_WAIT_MINUTES,
} from "../../lib/cli/dr-options";
import {
  ImportExecution,
  describePrepared,
  executeImport,
  prepareImport,
  renderExecution,
} from "../../lib/dr/execute-import";
import { catalogTable, overrideEntries, restoredTablePlan } from "../../lib/dr/import-plan";
import { checkTableNameFlag, defaultRestoredName, stateBackupFileName } from "../../lib/dr/names";
import { RestorableWindow, checkPitrRestore, startPitrRestore } from "../../lib/dr/pitr-restore";
import { shQuote } from "../../lib/dr/shell";
import { checkImportableTable, waitForActive } from "../../lib/table-io/tables";
import { DrIO, TerraformRecipe, recipeOf } from "./import-restored-table";

export interface RestoreTableOptions extends Partial<TerraformFlags> {
  readonly table: string;
  readonly prefix: string;
  /** @default `<prefix>-<table>-restored-<UTC timestamp>` */
  readonly targetName?: string;
  /** Restore to this instant … */
  readonly at?: Date;
  /** … or to the latest restorable time. Exactly one of `at` and `latest`. */
  readonly latest?: boolean;
  /** @default 240 */
  readonly waitMinutes?: number;
  /** @default 5000 */
  readonly pollMs?: number;
  /** With --execute: the override is already in the configuration. @default false */
  readonly overrideInConfig?: boolean;
  readonly now?: Date;
  readonly catalog?: TableCatalog;
}

export interface RestoreTableResult {
  readonly command: "restore-pitr";
  readonly mode: "dry-run" | "restored";
  readonly format: OutputFormat;
  readonly table: string;
  readonly address: string;
  readonly sourceName: string;
  readonly targetName: string;
  readonly restorableWindow: RestorableWindow;
  /** The RestoreTableToPointInTime request (made, or that would be made). */
  readonly restoreRequest: Record<string, unknown>;
  /** PITR status of the restored table (DISABLED: AWS does not carry it over). */
  readonly restoredPointInTimeRecovery?: string;
  readonly notCarriedOver: readonly CarryOverItem[];
  readonly recipe: TerraformRecipe;
  readonly wouldRun?: readonly string[];
  readonly execution?: ImportExecution;
}

function requestJson(input: RestoreTableToPointInTimeCommandInput): Record<string, unknown> {
  return JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
}

export async function restorePitr(opts: RestoreTableOptions, io: DrIO): Promise<RestoreTableResult> {
  const catalog = opts.catalog ?? projectCatalog(io.env);
  const now = opts.now ?? new Date();
  const table = catalogTable(catalog, opts.table);
  const spec = findTable(catalog, table);
  const { sourceName, targetName } = checkedNames(opts, table, now);
  const plan = restoredTablePlan({
    catalog,
    table,
    restoredName: targetName,
    moduleAddress: opts.moduleAddress ?? DEFAULT_MODULE_ADDRESS,
    chdir: opts.chdir,
    varArgs: opts.varArgs,
    stateBackupFile: stateBackupFileName(now),
  });
  const client = dynamoClient();
  const check = await checkPitrRestore(client, {
    catalogName: table,
    sourceName,
    targetName,
    at: opts.at,
    latest: opts.latest === true,
  });
  const why = "restore-pitr --execute";
  const prepared =
    opts.execute === true
      ? await prepareImport(
          { plan, overrideInConfig: opts.overrideInConfig, backupDir: opts.backupDir, now, why },
          { cwd: io.cwd, env: io.env, log: io.stderr },
        )
      : undefined;
  const base = {
    command: "restore-pitr" as const,
    format: opts.format ?? "sh",
    table,
    address: tableAddress(table, plan.moduleAddress),
    sourceName,
    targetName,
    restorableWindow: check.window,
    restoreRequest: requestJson(check.input),
    notCarriedOver: notCarriedOver(spec, false),
    recipe: recipeOf(plan),
  };
  const awsCall = `aws dynamodb restore-table-to-point-in-time --cli-input-json ${shQuote(JSON.stringify(check.input))}`;
  const wouldRun = [awsCall, ...(prepared === undefined ? [] : describePrepared(prepared))];
  if (opts.dryRun === true) return { ...base, mode: "dry-run", wouldRun };

  await confirm(confirmQuestion(opts, sourceName, targetName, prepared === undefined ? undefined : plan.chdir), {
    yes: opts.yes === true,
    input: io.stdin,
    output: io.stderr,
  });
  const restoredPitr = await restoreAndWait(client, check.input, opts, io);
  const restored = { ...base, mode: "restored" as const, restoredPointInTimeRecovery: restoredPitr };
  if (prepared === undefined) return restored;
  await checkImportableTable(client, spec, targetName, "--target-name");
  return { ...restored, execution: await executeImport(prepared, now) };
}

/**
 * Checks the flags that need no AWS call: exactly one of --at and --latest, the source table's physical name and the
 * new table's (given, or `<source>-restored-<timestamp>`).
 */
function checkedNames(
  opts: RestoreTableOptions,
  table: string,
  now: Date,
): { readonly sourceName: string; readonly targetName: string } {
  if ((opts.at === undefined) === (opts.latest !== true)) {
    throw new UsageError(
      "give exactly one of --at <ISO time> (e.g. 2025-01-31T04:05:00Z) and --latest (the latest restorable time)",
    );
  }
  const sourceName = checkTableNameFlag(
    "--prefix",
    physicalTableName(opts.prefix, table),
    " The table name is <prefix>-<CatalogName>; check --prefix.",
  );
  const targetName =
    opts.targetName === undefined
      ? checkTableNameFlag(
          "--target-name",
          defaultRestoredName(sourceName, now),
          " The default <table>-restored-<timestamp> is too long here: give a shorter --target-name.",
        )
      : checkTableNameFlag("--target-name", opts.targetName);
  return { sourceName, targetName };
}

/** The confirmation question; `chdir` when the Terraform state will be changed too. */
function confirmQuestion(
  opts: RestoreTableOptions,
  sourceName: string,
  targetName: string,
  chdir: string | undefined,
): string {
  const when = opts.latest === true ? "its latest restorable time" : (opts.at as Date).toISOString();
  const stateChange =
    chdir === undefined ? "" : `, then change the Terraform state in ${chdir} (state rm + import; no table is deleted)`;
  return `Restore ${sourceName} as of ${when} to the NEW table ${targetName}${stateChange}? Proceed?`;
}

/** Starts the point-in-time restore and waits for the new table to be ACTIVE; returns its PITR status. */
async function restoreAndWait(
  client: DynamoDBClient,
  input: RestoreTableToPointInTimeCommandInput,
  opts: RestoreTableOptions,
  io: DrIO,
): Promise<string | undefined> {
  const targetName = input.TargetTableName as string;
  io.stderr.write(`Restoring ${input.SourceTableName} -> ${targetName} (RestoreTableToPointInTime)\n`);
  await startPitrRestore(client, input);
  const progress = new Progress({
    label: `waiting for ${targetName} to be ACTIVE`,
    total: 1,
    unit: "tables",
    stream: io.stderr,
  });
  await waitForActive(client, [targetName], {
    timeoutMs: (opts.waitMinutes ?? DEFAULT_WAIT_MINUTES) * 60_000,
    pollMs: opts.pollMs,
    progress,
  });
  progress.finish("ACTIVE");
  return (await client.send(new DescribeContinuousBackupsCommand({ TableName: targetName })))
    .ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
}

export function renderRestoreTable(r: RestoreTableResult): string {
  const head =
    r.mode === "dry-run"
      ? [
          `Dry run: ${r.sourceName} can be restored (PITR on; window ${r.restorableWindow.earliest ?? "?"} to ${r.restorableWindow.latest ?? "?"} UTC); nothing was changed.`,
          "It would run:",
          ...(r.wouldRun ?? []).map((c) => `  $ ${c}`),
        ]
      : [
          `Restored ${r.sourceName} to the new table ${r.targetName} (ACTIVE; point-in-time recovery on it: ${r.restoredPointInTimeRecovery ?? "unknown"}).`,
        ];
  const carry = ["What the restore did not carry over:", ...renderCarryOver(r.notCarriedOver)];
  if (r.execution !== undefined) {
    return `${[...head, "", ...renderExecution(r.execution, overrideEntries(r.recipe.tableNameOverrides)), "", ...carry].join("\n")}\n`;
  }
  if (r.mode === "dry-run") return `${[...head, "", ...carry].join("\n")}\n`;
  // Printed as comments so that the whole output still pastes into bash (or into a .tf file with --format hcl).
  const comments = [...head, "", ...carry, "", "Terraform steps to make the module manage the restored table:"].map(
    (l) => (l === "" ? "#" : `# ${l}`),
  );
  return `${comments.join("\n")}\n\n${r.format === "hcl" ? r.recipe.hcl : r.recipe.sh}`;
}

export function restoreTableOptionsFromFlags(values: ParsedValues): RestoreTableOptions {
  const flags = terraformFlags(values);
  const at = optionalString(values, "at");
  return {
    ...flags,
    table: requireString(values, "table"),
    prefix: requireString(values, "prefix"),
    targetName: optionalString(values, "target-name"),
    at: at === undefined ? undefined : parseInstant("--at", at),
    latest: values.latest === true,
    waitMinutes: waitMinutesFlag(values),
    overrideInConfig: values["override-in-config"] === true,
  };
}

export const restoreTableCommand: CommandSpec<RestoreTableResult> = {
  name: "restore-pitr",
  summary: "Point-in-time restore of one table to a new table, then make Terraform manage it.",
  usage:
    "--table <CatalogName> --prefix <prefix> (--at <ISO time> | --latest) [--target-name <name>] [--format sh|hcl] [--json] [--execute --chdir <dir> [--yes]] [--dry-run]",
  details: [
    "Checks that PITR is on and the time lies in the restorable window, restores with RestoreTableToPointInTime",
    "(keeping the table's encryption) to --target-name (default <table>-restored-<UTC timestamp>), waits for",
    "ACTIVE, then prints the import-restored-table steps — or runs them with --execute.",
    "AWS settings come from the SDK's standard configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, …).",
    "",
    "Exit codes: 0 ok, 2 bad flags, 3 precondition (PITR off, time outside window, target exists, not ACTIVE),",
    "4 table not found, 5 terraform not installed, 7 safety stop, 8 AWS refused or unreachable, 10 not confirmed.",
  ].join("\n"),
  options: {
    ...ONE_TABLE_OPTIONS,
    at: {
      type: "string",
      valueName: "<ISO time>",
      description: "Restore to this time, with a time zone: 2025-01-31T04:05:00Z.",
    },
    latest: { type: "boolean", description: "Restore to the latest restorable time." },
    "target-name": {
      type: "string",
      valueName: "<name>",
      description: "Name of the new table (default <table>-restored-<UTC timestamp>).",
    },
    ...WAIT_OPTIONS,
    ...TERRAFORM_OPTIONS,
    "override-in-config": {
      type: "boolean",
      description: "With --execute: the table_name_overrides entry is already in your configuration.",
    },
  },
  async run(values, _positionals, ctx: CommandContext) {
    return restorePitr(restoreTableOptionsFromFlags(values), ctx);
  },
  render: renderRestoreTable,
};
