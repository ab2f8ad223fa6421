/**
 * recover: "give me this table as of that moment" in one command — every source that can serve T, the one that
 * loses least (or --source), restored into a new table, the import-restored-table flow (printed, or run with
 * --execute), a check of the result, an optional --then command, and the time each step took.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { tmpdir } from "node:os";
import { DEFAULT_MODULE_ADDRESS } from "../../lib/addresses";
import { dynamoClient } from "../../lib/aws";
import { TableCatalog, TableSpec, findTable, physicalTableName } from "../../lib/catalog";
import { CommandContext, CommandSpec, ParsedValues, optionalString, requireString } from "../../lib/cli/command";
import { Progress } from "../../lib/cli/progress";
import { confirm } from "../../lib/cli/prompt";
import { PreconditionError, UsageError, VerificationError } from "../../lib/errors";
import { DEFAULT_MEMORY_LIMIT } from "../../lib/engine/duckdb";
import { type OpenedExport, formatLocation, openStore } from "../../lib/export-format";
import type { HistorySource } from "../../lib/history/inventory";
import type { RebuildResult } from "../../lib/history/rebuild";
import { STREAM_RESOLUTION_MS } from "../../lib/history/plan";
import { BUCKET_NAME, parseHistorySource } from "../../lib/history/source";
import {
  HISTORY_SAMPLE_SIZE,
  type HistoryCheck,
  type HistoryRestore,
  checkHistoryRestore,
  importRebuild,
  rebuildForRecover,
  rebuildPrefix,
} from "../../lib/recover/history";
import type { ImportTableResult } from "../../lib/recover/import-table";
import { withLocationErrors } from "../../lib/writable";
import {
  DEFAULT_WAIT_MINUTES,
  ONE_TABLE_OPTIONS,
  TERRAFORM_OPTIONS,
  TerraformFlags,
  WAIT_OPTIONS,
  parseInstant,
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
import { catalogTable, overrideEntries, restoredTablePlan } from "../../lib/dr/import-plan";
import { checkTableNameFlag, defaultRestoredName, stateBackupFileName } from "../../lib/dr/names";
import { checkImportableTable, describeTable } from "../../lib/table-io/tables";
import {
  RestoreStep,
  ResultCheck,
  checkResult,
  countItems,
  restoreRequestLine,
  runRestore,
} from "../../lib/recover/restore";
import {
  Candidate,
  SOURCE_CHOICES,
  SourceChoice,
  chooseSource,
  surveySources,
  whyChosen,
} from "../../lib/recover/sources";
import { ThenResult, runThen } from "../../lib/recover/then";
import { AwsBackupTarget, findVault } from "../../lib/recover/vault";
import { VAULT_OPTIONS, vaultFlags } from "../../lib/cli/vault-options";
import { DrIO, TerraformRecipe, recipeOf } from "./import-restored-table";
import { engineOptions, memoryLimitFlag, writableDir } from "./engine-flags";

export interface RecoverOptions extends Partial<TerraformFlags> {
  readonly table: string;
  readonly prefix: string;
  readonly at: Date;
  /** @default - the source that loses least */
  readonly source?: SourceChoice;
  /** The backup bucket (for the history source). @default - none */
  readonly bucket?: string;
  /** The history restore's DuckDB memory (with --bucket). @default DEFAULT_MEMORY_LIMIT */
  readonly memoryLimit?: string;
  /** Where the history restore's DuckDB spills and downloads its input (with --bucket). @default os.tmpdir() */
  readonly tempDir?: string;
  /** A command run after the restore with the names in its environment. @default - none */
  readonly then?: string;
  /** @default `<prefix>-<table>-restored-<UTC timestamp>` */
  readonly targetName?: string;
  readonly awsBackup?: AwsBackupTarget;
  /** @default 240 */
  readonly waitMinutes?: number;
  /** @default 5000 */
  readonly pollMs?: number;
  readonly now?: Date;
  readonly catalog?: TableCatalog;
}

export interface StepTiming {
  readonly step: "survey" | "rebuild" | "restore" | "check" | "terraform" | "then";
  readonly seconds: number;
}

export interface RecoverResult {
  readonly command: "recover";
  readonly mode: "dry-run" | "recovered";
  readonly table: string;
  readonly sourceName: string;
  readonly targetName: string;
  readonly at: string;
  readonly candidates: readonly Candidate[];
  readonly chosen: Candidate;
  readonly why: string;
  readonly restoreRequest: string;
  readonly recipe: TerraformRecipe;
  readonly wouldRun?: readonly string[];
  /** The check: for the history source also the sample read back (HistoryCheck). */
  readonly check?: ResultCheck | HistoryCheck;
  /** History source: the rebuild (where it was written, what it read) and the ImportTable that loaded it. */
  readonly rebuild?: RebuildResult;
  readonly import?: ImportTableResult;
  readonly execution?: ImportExecution;
  readonly then?: ThenResult;
  readonly steps: readonly StepTiming[];
  /** Seconds from start to end: the RTO achieved. */
  readonly totalSeconds: number;
  /** Whether every check passed and --then exited 0. */
  readonly ok: boolean;
}

function checkInputs(
  opts: RecoverOptions,
  catalog: TableCatalog,
  now: Date,
): { table: string; sourceName: string; targetName: string } {
  const table = catalogTable(catalog, opts.table);
  if (opts.at.getTime() > now.getTime()) {
    throw new UsageError(
      `--at: ${opts.at.toISOString()} is in the future (now is ${now.toISOString()}); give a past time`,
    );
  }
  if (opts.then !== undefined && opts.then.trim() === "") {
    throw new UsageError("--then: \"\" is not allowed; give a shell command, e.g. --then './reindex.sh'");
  }
  const sourceName = checkTableNameFlag(
    "--prefix",
    physicalTableName(opts.prefix, table),
    " The table name is <prefix>-<CatalogName>; check --prefix.",
  );
  const targetName = checkTableNameFlag(
    "--target-name",
    opts.targetName ?? defaultRestoredName(sourceName, now),
    opts.targetName === undefined
      ? " The default <table>-restored-<timestamp> is too long here: give a shorter --target-name."
      : "",
  );
  return { table, sourceName, targetName };
}

/** --bucket: the backup bucket's name or s3://name (no local mirror: ImportTable reads only from S3). */
function checkBucket(opts: RecoverOptions): string | undefined {
  if (opts.bucket === undefined) {
    if (opts.source === "history") {
      throw new UsageError(
        "--source history needs --bucket <backup bucket>: the module's backup bucket, which holds the table's exports and captured changes",
      );
    }
    return undefined;
  }
  const name = opts.bucket.replace(/^s3:\/\//, "").replace(/\/$/, "");
  if (!BUCKET_NAME.test(name)) {
    throw new UsageError(
      `--bucket: "${opts.bucket}" is not allowed; give the backup bucket's name (3-63 lower-case letters, digits, . and -) or s3://<bucket> (the rebuild is loaded by ImportTable, which reads only from S3)`,
    );
  }
  return name;
}

class Clock {
  private readonly start = Date.now();
  readonly steps: StepTiming[] = [];
  async time<T>(step: StepTiming["step"], f: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      this.steps.push({ step, seconds: (Date.now() - t0) / 1000 });
    }
  }
  total(): number {
    return (Date.now() - this.start) / 1000;
  }
}

/** The import-restored-table plan, and with --execute its preparation (state checked before any restore). */
async function terraformPlan(
  opts: RecoverOptions,
  catalog: TableCatalog,
  table: string,
  targetName: string,
  now: Date,
  io: DrIO,
) {
  const plan = restoredTablePlan({
    catalog,
    table,
    restoredName: targetName,
    moduleAddress: opts.moduleAddress ?? DEFAULT_MODULE_ADDRESS,
    chdir: opts.chdir,
    varArgs: opts.varArgs,
    stateBackupFile: stateBackupFileName(now),
  });
  const prepared: PreparedImport | undefined =
    opts.execute === true
      ? await prepareImport(
          { plan, backupDir: opts.backupDir, now, why: "recover --execute" },
          { cwd: io.cwd, env: io.env, log: io.stderr },
        )
      : undefined;
  return { plan, prepared };
}

function confirmQuestion(opts: RecoverOptions, step: RestoreStep, chdir: string | undefined): string {
  const tf =
    chdir === undefined ? "" : `, then change the Terraform state in ${chdir} (state rm + import; no table is deleted)`;
  const then = opts.then === undefined ? "" : `, then run: ${opts.then}`;
  return `Restore ${step.sourceName} as of ${step.at.toISOString()} from ${step.chosen.kind} (${step.chosen.says}) into the NEW table ${step.targetName}${tf}${then}? Proceed?`;
}

/** The restore into the new table, with a progress line until it is ACTIVE; timed. */
async function restoreStep(client: DynamoDBClient, step: RestoreStep, opts: RecoverOptions, io: DrIO, clock: Clock) {
  io.stderr.write(
    `Restoring ${step.sourceName} as of ${step.at.toISOString()} -> ${step.targetName} from ${step.chosen.kind}\n`,
  );
  const timeoutMs = (opts.waitMinutes ?? DEFAULT_WAIT_MINUTES) * 60_000;
  const progress = new Progress({
    label: `waiting for ${step.targetName} to be ACTIVE`,
    total: 1,
    unit: "tables",
    stream: io.stderr,
  });
  await clock.time("restore", () => runRestore(client, step, { timeoutMs, pollMs: opts.pollMs, progress }));
  progress.finish("ACTIVE");
}

/** Read-only: the source table, the vault, the history, every candidate and the chosen one. */
async function surveyStep(
  client: DynamoDBClient,
  opts: RecoverOptions,
  names: { readonly table: string; readonly sourceName: string },
  history: HistorySource | undefined,
  now: Date,
) {
  const source = await describeTable(client, names.sourceName);
  const vault = await findVault(client, opts.prefix, opts.awsBackup ?? {});
  const survey = (): Promise<Candidate[]> =>
    surveySources({
      client,
      sourceName: names.sourceName,
      source,
      at: opts.at,
      vault: vault?.ref,
      noVault: `the module's AWS Backup vault does not exist (enable_backup_plan off?)`,
      history: { catalogName: names.table, source: history, now },
    });
  const bucket = history?.s3?.bucket;
  const candidates =
    bucket === undefined
      ? await survey()
      : await withLocationErrors("--bucket", { kind: "s3", bucket, prefix: "" }, survey);
  return { source, vault, candidates, chosen: chooseSource(candidates, opts.source, opts.at) };
}

/** --memory-limit and --temp-dir: only with --bucket (they are the history restore's), checked before any AWS call. */
async function checkEngineFlags(opts: RecoverOptions, bucket: string | undefined): Promise<RecoverOptions> {
  for (const [flag, value] of [
    ["--memory-limit", opts.memoryLimit],
    ["--temp-dir", opts.tempDir],
  ] as const) {
    if (value !== undefined && bucket === undefined) {
      throw new UsageError(
        `${flag} applies to the history restore, which needs --bucket <backup bucket>; remove ${flag} or add --bucket`,
      );
    }
  }
  const memoryLimit = memoryLimitFlag(opts.memoryLimit);
  const tempDir = opts.tempDir ?? tmpdir();
  if (bucket !== undefined) await writableDir("--temp-dir", tempDir);
  return { ...opts, memoryLimit, tempDir };
}

/** Where the history restore reads and writes: the rebuild goes to s3://<bucket>/rebuilds/<CatalogName>/<stamp>/. */
function historyRestore(history: HistorySource, spec: TableSpec, now: Date, opts: RecoverOptions): HistoryRestore {
  const s3 = history.s3;
  if (s3 === undefined) throw new UsageError("--bucket: the history restore needs the backup bucket in S3");
  return {
    source: history,
    spec,
    out: openStore({ kind: "s3", bucket: s3.bucket, prefix: rebuildPrefix(spec.name, now) }, s3.client),
    engine: { memoryLimit: opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT, tempDir: opts.tempDir ?? tmpdir() },
    now,
  };
}

/** The history restore: the rebuild into the bucket, then ImportTable into the new table; each timed. */
async function historyStep(client: DynamoDBClient, step: RestoreStep, opts: RecoverOptions, io: DrIO, clock: Clock) {
  const h = step.history;
  if (h === undefined) throw new PreconditionError("the history restore needs --bucket");
  const asOf = new Date(step.chosen.dataAsOf ?? step.at.toISOString());
  const outText = formatLocation(h.out.location);
  if ((await describeTable(client, step.targetName)) !== undefined) {
    throw new PreconditionError(
      `--target-name: table "${step.targetName}" already exists; ImportTable creates a NEW table: choose another --target-name (checked before the rebuild)`,
    );
  }
  const existing = await h.out.list("");
  if (existing.length > 0) {
    throw new PreconditionError(`${outText} is not empty (${existing.length} file(s)); run recover again in a second`);
  }
  io.stderr.write(
    `Rebuilding ${step.catalogName} as of ${asOf.toISOString()} into ${outText} (DuckDB, on this machine)\n`,
  );
  const check = new Progress({ label: "check inputs", unit: "files", stream: io.stderr });
  const write = new Progress({ label: "rebuild", unit: "items", stream: io.stderr });
  const rebuild = await clock.time("rebuild", () =>
    rebuildForRecover(h, asOf, (phase, n, total) => {
      if (phase === "check") {
        if (total !== undefined) check.setTotal(total);
        check.set(n);
      } else if (phase === "write") write.add(n);
    }),
  );
  check.finish("md5 ok");
  write.finish(`${rebuild.items} items`);
  io.stderr.write(`Importing ${outText} into the new table ${step.targetName} (ImportTable)\n`);
  const progress = new Progress({
    label: `import into ${step.targetName}`,
    total: rebuild.items,
    stream: io.stderr,
  });
  const timeoutMs = (opts.waitMinutes ?? DEFAULT_WAIT_MINUTES) * 60_000;
  const imported = await clock.time("restore", () =>
    importRebuild(client, h, step.targetName, { timeoutMs, pollMs: opts.pollMs, progress }),
  );
  progress.finish("done");
  return { rebuild, imported };
}

/** After the restore: the check, the Terraform steps (--execute), the --then command; each timed. */
async function afterRestore(
  client: DynamoDBClient,
  step: RestoreStep,
  ctx: { readonly opts: RecoverOptions; readonly catalog: TableCatalog; readonly now: Date; readonly io: DrIO },
  prepared: PreparedImport | undefined,
  clock: Clock,
  rebuilt?: OpenedExport,
): Promise<Pick<RecoverResult, "check" | "execution" | "then" | "ok">> {
  const spec = findTable(ctx.catalog, step.catalogName);
  const keys = [spec.hashKey, ...(spec.rangeKey === undefined ? [] : [spec.rangeKey])];
  const check = await clock.time("check", () =>
    rebuilt === undefined
      ? checkResult(client, step)
      : checkHistoryRestore(client, step.targetName, rebuilt, keys, countItems),
  );
  let execution: ImportExecution | undefined;
  if (prepared !== undefined) {
    execution = await clock.time("terraform", async () => {
      await checkImportableTable(client, findTable(ctx.catalog, step.catalogName), step.targetName, "--target-name");
      return executeImport(prepared, ctx.now);
    });
  }
  const thenCmd = ctx.opts.then;
  const names = {
    catalogName: step.catalogName,
    sourceName: step.sourceName,
    restoredName: step.targetName,
    at: step.at,
  };
  const then = thenCmd === undefined ? undefined : await clock.time("then", () => runThen(thenCmd, names, ctx.io));
  return { check, execution, then, ok: check.ok && (then === undefined || then.exitCode === 0) };
}

export async function recover(flags: RecoverOptions, io: DrIO): Promise<RecoverResult> {
  const catalog = flags.catalog ?? projectCatalog(io.env);
  const now = flags.now ?? new Date();
  const { table, sourceName, targetName } = checkInputs(flags, catalog, now);
  const bucket = checkBucket(flags);
  const opts = await checkEngineFlags(flags, bucket);
  const clock = new Clock();
  const client =
    opts.awsBackup?.region === undefined ? dynamoClient() : dynamoClient({ region: opts.awsBackup.region });
  const history = bucket === undefined ? undefined : await parseHistorySource(bucket, io.cwd);
  const survey = await clock.time("survey", () => surveyStep(client, opts, { table, sourceName }, history, now));
  const fromHistory = survey.chosen.kind === "history" && history !== undefined;
  const step: RestoreStep = {
    catalogName: table,
    sourceName,
    source: survey.source,
    targetName,
    at: opts.at,
    chosen: survey.chosen,
    vault: survey.vault,
    ...(fromHistory ? { history: historyRestore(history, findTable(catalog, table), now, opts) } : {}),
  };
  const { plan, prepared } = await terraformPlan(opts, catalog, table, targetName, now, io);
  const base = {
    command: "recover" as const,
    table,
    sourceName,
    targetName,
    at: opts.at.toISOString(),
    candidates: survey.candidates,
    chosen: survey.chosen,
    why: whyChosen(survey.chosen, survey.candidates, opts.source !== undefined),
    restoreRequest: await restoreRequestLine(client, step),
    recipe: recipeOf(plan),
  };
  if (opts.dryRun === true) {
    const wouldRun = [
      base.restoreRequest,
      ...(prepared === undefined ? [] : describePrepared(prepared)),
      ...(opts.then === undefined ? [] : [opts.then]),
    ];
    return { ...base, mode: "dry-run", wouldRun, steps: clock.steps, totalSeconds: clock.total(), ok: true };
  }
  await confirm(confirmQuestion(opts, step, prepared === undefined ? undefined : plan.chdir), {
    yes: opts.yes === true,
    input: io.stdin,
    output: io.stderr,
  });
  if (step.history !== undefined) {
    const { rebuild, imported } = await historyStep(client, step, opts, io, clock);
    const after = await afterRestore(client, step, { opts, catalog, now, io }, prepared, clock, imported.exp);
    const done = { rebuild, import: imported.result, steps: clock.steps, totalSeconds: clock.total() };
    return { ...base, mode: "recovered", ...after, ...done };
  }
  await restoreStep(client, step, opts, io, clock);
  const after = await afterRestore(client, step, { opts, catalog, now, io }, prepared, clock);
  return { ...base, mode: "recovered", ...after, steps: clock.steps, totalSeconds: clock.total() };
}

function seconds(s: number): string {
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function renderRecover(r: RecoverResult): string {
  const lines = [
    `${r.mode === "dry-run" ? "Dry run (nothing was changed): " : ""}${r.sourceName} as of ${r.at}`,
    "Sources:",
    ...r.candidates.map(
      (c) => `  ${c === r.chosen ? "*" : " "} ${c.kind.padEnd(16)} ${c.usable ? "" : "cannot: "}${c.says}`,
    ),
    `Chosen: ${r.chosen.kind}, because ${r.why}.`,
    "",
  ];
  if (r.mode === "dry-run") {
    return `${[...lines, "It would run:", ...(r.wouldRun ?? []).map((c) => `  $ ${c}`), ""].join("\n")}\n`;
  }
  if (r.rebuild !== undefined) {
    lines.push(
      `Rebuilt as of ${r.rebuild.at} into ${r.rebuild.out}: ${r.rebuild.items} items from ${r.rebuild.inputFiles} input file(s) (base ${r.rebuild.base.kind} export of ${r.rebuild.base.consistentAt}, ${r.rebuild.incrementalExports.length} incremental export(s), ${r.rebuild.captureHours.length} captured hour(s)).`,
    );
  }
  if (r.import !== undefined) lines.push(`Imported by ImportTable ${r.import.importArn}.`);
  lines.push(
    `Restored into the new table ${r.targetName}.`,
    `Check: ${r.check?.ok === false ? "MISMATCH: " : ""}${r.check?.says ?? ""}`,
  );
  if (r.execution !== undefined)
    lines.push("", ...renderExecution(r.execution, overrideEntries(r.recipe.tableNameOverrides)));
  else lines.push("", "Terraform steps to make the module manage the restored table:", r.recipe.sh.trimEnd());
  if (r.then !== undefined)
    lines.push("", `--then: ${r.then.command} exited ${r.then.exitCode ?? `by signal ${r.then.signal ?? "?"}`}`);
  lines.push(
    "",
    `Time per step: ${r.steps.map((s) => `${s.step} ${seconds(s.seconds)}`).join(", ")}; total ${seconds(r.totalSeconds)} (the RTO achieved).`,
    r.ok ? "Result: OK" : "Result: FAILED (see above)",
  );
  return `${lines.join("\n")}\n`;
}

export function recoverOptionsFromFlags(values: ParsedValues): RecoverOptions {
  const flags = terraformFlags(values);
  const source = optionalString(values, "source");
  if (source !== undefined && !(SOURCE_CHOICES as readonly string[]).includes(source)) {
    throw new UsageError(`--source: "${source}" is not allowed; use one of ${SOURCE_CHOICES.join(", ")}`);
  }
  return {
    ...flags,
    table: requireString(values, "table"),
    prefix: requireString(values, "prefix"),
    at: parseInstant("--at", requireString(values, "at")),
    source: source as SourceChoice | undefined,
    bucket: optionalString(values, "bucket"),
    memoryLimit: optionalString(values, "memory-limit"),
    tempDir: optionalString(values, "temp-dir"),
    then: optionalString(values, "then"),
    targetName: optionalString(values, "target-name"),
    awsBackup: vaultFlags(values),
    waitMinutes: waitMinutesFlag(values),
  };
}

export const recoverCommand: CommandSpec<RecoverResult> = {
  name: "recover",
  summary: "Get a table back as of a moment, from the best source, into Terraform, checked — one command.",
  usage:
    "--table <CatalogName> --prefix <p> --at <ISO time> [--source pitr|backup|history] [--bucket <backup bucket> [--memory-limit 1GB] [--temp-dir <dir>]] [--then '<command>'] [--execute --chdir <root>] [--dry-run] [--yes] [--json]",
  details: [
    "Lists every source that can serve --at: PITR (exact inside the restorable window), the newest AWS Backup",
    "recovery point (module vault) and on-demand/SYSTEM backup at or before it (data as of its creation: what is",
    `lost is shown), and with --bucket the export history (exact to the stream's ${STREAM_RESOLUTION_MS / 1000} s precision where captured changes`,
    "cover T, else the nearest export point before it; a gap in the history between its base and T is named).",
    "Picks the one that loses least (ties: the fastest) or --source, restores into a NEW table",
    "(<table>-restored-<UTC timestamp>), waits for ACTIVE, checks the result (item count against the backup's",
    "ItemCount; PITR cannot say how many items there were at T), then prints the import-restored-table",
    "steps or runs them with --execute (same safety stop). --then runs a command with DYNAMO_DR_RESTORED_TABLE,",
    "DYNAMO_DR_RESTORED_TABLES (JSON), DYNAMO_DR_SOURCE_TABLE, DYNAMO_DR_TABLE, DYNAMO_DR_AT set; its exit status is",
    "part of the result. The report gives each step's duration (the RTO achieved).",
    `History: \`dynamo-dr rebuild\` runs on this machine (DuckDB, ${DEFAULT_MEMORY_LIMIT} memory, system temp folder) and writes`,
    "s3://<bucket>/rebuilds/<CatalogName>/<UTC stamp>/ (left there; delete it when done), which ImportTable loads",
    `into the new table; the check compares the count with the rebuild's manifest and reads back ${HISTORY_SAMPLE_SIZE} items.`,
    "",
    "Exit codes: 0 ok, 2 bad flags, 3 no source / precondition, 4 not found, 5 terraform not installed,",
    "6 check failed or --then failed, 7 safety stop, 8 AWS refused or unreachable, 10 not confirmed.",
  ].join("\n"),
  options: {
    ...ONE_TABLE_OPTIONS,
    at: {
      type: "string",
      valueName: "<ISO time>",
      description: "The moment to recover, with a time zone: 2025-01-31T04:05:00Z.",
    },
    source: {
      type: "string",
      valueName: "pitr|backup|history",
      description: "Use this source (default: the one that loses least).",
    },
    bucket: {
      type: "string",
      valueName: "<bucket>",
      description: "The module's backup bucket: adds the export history as a source.",
    },
    ...engineOptions("the history restore's rebuild, with --bucket"),
    then: {
      type: "string",
      valueName: "<command>",
      description: "Run this shell command after the restore, names in its env.",
    },
    "target-name": {
      type: "string",
      valueName: "<name>",
      description: "Name of the new table (default <table>-restored-<UTC timestamp>).",
    },
    ...WAIT_OPTIONS,
    ...VAULT_OPTIONS,
    ...TERRAFORM_OPTIONS,
  },
  async run(values, _positionals, ctx: CommandContext) {
    const result = await recover(recoverOptionsFromFlags(values), ctx);
    if (!result.ok) {
      ctx.stderr.write(renderRecover(result));
      const why = [
        result.check?.ok === false ? `check: ${result.check.says}` : undefined,
        result.then !== undefined && result.then.exitCode !== 0
          ? `--then exited ${result.then.exitCode ?? result.then.signal ?? "?"}`
          : undefined,
      ].filter((w) => w !== undefined);
      throw new VerificationError(`recover restored ${result.targetName} but the result is not OK: ${why.join("; ")}`);
    }
    return result;
  },
  render: renderRecover,
};
