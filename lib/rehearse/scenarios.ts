/**
 * The rehearsal's scenarios, each run with the project's own commands exactly as a user types them (through `dr`,
 * which runs one `dynamo-dr` command line), then checked: the data equals the checkpoint and `terraform plan` says
 * "No changes" once the printed table_name_overrides entry is in the configuration.
 */
import {
  CreateBackupCommand,
  DeleteTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateTableCommand,
  waitUntilTableNotExists,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { S3Client } from "@aws-sdk/client-s3";
import { tableAddress } from "../addresses";
import { physicalTableName, type TableCatalog, type TableSpec } from "../catalog";
import { shJoin } from "../dr/shell";
import { compareSnapshots, cumulusItem, snapshotTable, type Item } from "./data";
import type { ScenarioReport } from "./report";
import { StepFailed, StepLog } from "./report";
import type { RehearsalWorkspace } from "./workspace";

/** One `dynamo-dr` command's outcome (run with --json). */
export interface DrCall {
  readonly code: number;
  readonly json: Record<string, unknown>;
}

export interface ScenarioContext {
  /** local: moto, where nothing invokes Lambda; aws: an account, where the event source mapping does. */
  readonly target: "local" | "aws";
  readonly ddb: DynamoDBClient;
  readonly ws: RehearsalWorkspace;
  readonly catalog: TableCatalog;
  readonly prefix: string;
  /** The table_name_overrides in force (restores add to it). */
  readonly overrides: Record<string, string>;
  /** Runs one dynamo-dr command line (without the program name); throws with its error when it fails. */
  dr(argv: readonly string[]): Promise<DrCall>;
  readonly progress: NodeJS.WritableStream;
  readonly clock?: () => number;
  /** Simulates a table's PITR restorable window (local target only: the rehearsal proxy in front of moto). */
  readonly simulatePitrWindow?: (table: string, window: { earliest: Date; latest: Date }) => void;
  /** Clients of the account rehearsed in (the history scenario reads the stream and writes the bucket). */
  readonly streams?: DynamoDBStreamsClient;
  readonly s3?: S3Client;
  readonly region: string;
}

/** Bad writes and deletes the table scenario makes. */
export const CORRUPT_WRITES = 5;
export const CORRUPT_DELETES = 4;
const TABLE_WAIT = { minDelay: 1, maxDelay: 2, maxWaitTime: 120 } as const;
/** The checkpoint is taken this long after the backup, so that the backup is strictly before it. */
const CHECKPOINT_SETTLE_MS = 1_100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function physicalName(ctx: ScenarioContext, table: string): string {
  return ctx.overrides[table] ?? physicalTableName(ctx.prefix, table);
}

export const cmd = (argv: readonly string[]): string => shJoin(["dynamo-dr", ...argv]);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** `terraform apply <plan>` of the plan a restore checked, then the override made permanent, then `plan`. */
export async function applyAndPlan(ctx: ScenarioContext, log: StepLog, planFile: string): Promise<void> {
  await log.step(
    "terraform apply of the checked plan",
    {
      command: `terraform apply ${planFile}`,
      fix: "read terraform's error above; the state backup the restore saved undoes the state change",
    },
    async () =>
      (await ctx.ws.terraform.run(["apply", "-input=false", "-no-color", planFile])).stdout
        .split("\n")
        .find((l) => l.startsWith("Apply complete")) ?? "",
  );
  ctx.ws.persistOverrides(ctx.overrides);
  await log.step(
    'terraform plan says "No changes" (with the override in dr.auto.tfvars.json)',
    {
      command: "terraform plan -detailed-exitcode",
      fix: "the module and the restored tables disagree: read the plan; a restore did not carry something over, or the override is missing",
    },
    async () => {
      const r = await ctx.ws.terraform.run(["plan", "-input=false", "-no-color", "-detailed-exitcode"], {
        okCodes: [0, 2],
      });
      if (r.code !== 0 || !r.stdout.includes("No changes"))
        throw new Error(`the plan has changes:\n${r.stdout.slice(-3000)}`);
      return "No changes. Your infrastructure matches the configuration.";
    },
  );
}

export async function checkData(
  ctx: ScenarioContext,
  log: StepLog,
  table: string,
  name: string,
  expected: readonly string[],
): Promise<void> {
  await log.step(
    `${table}: data equals the checkpoint`,
    {
      fix: "the restore lost or changed items: compare the checkpoint with the restored table (dynamo-dr verify <checkpoint> --table <restored>)",
    },
    async () => {
      const d = compareSnapshots(expected, await snapshotTable(ctx.ddb, name));
      if (!d.equal)
        throw new Error(
          `${name}: ${d.actual} items, checkpoint ${d.expected}; ${d.missing} missing or changed, ${d.extra} extra`,
        );
      return `${d.actual} items, identical to the checkpoint`;
    },
  );
}

export function corruption(spec: TableSpec, now: number): { writes: Item[]; deletes: Item[] } {
  const writes = Array.from({ length: CORRUPT_WRITES }, (_, i) => {
    const item = cumulusItem(spec, i, now);
    item.status = { S: "CORRUPTED by a bad deploy" };
    return item;
  });
  const deletes = Array.from({ length: CORRUPT_DELETES }, (_, i) => cumulusItem(spec, 10 + i, now));
  return { writes, deletes };
}

export function keyOf(spec: TableSpec, item: Item): Item {
  const key: Item = { [spec.hashKey]: item[spec.hashKey] as Item[string] };
  if (spec.rangeKey !== undefined) key[spec.rangeKey] = item[spec.rangeKey] as Item[string];
  return key;
}

/** Runs a scenario body; a failed step ends it (teardown is the caller's). */
export async function scenario(
  name: string,
  log: StepLog,
  body: (mark: (t: number) => void) => Promise<void>,
  clock: () => number,
  note?: string,
): Promise<ScenarioReport> {
  let disasterAt: number | undefined;
  try {
    await body((t) => (disasterAt = t));
    return {
      scenario: name,
      status: "pass",
      rtoSeconds: disasterAt === undefined ? undefined : seconds(clock() - disasterAt),
      steps: log.steps,
      note,
    };
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    return { scenario: name, status: "fail", steps: log.steps, note };
  }
}

export type Clock = () => number;
interface NamedTable {
  readonly name: string;
  readonly physical: string;
}

/** The checkpoint: `dynamo-dr snapshot` (an on-demand backup: the module's backup plan is off here). */
async function checkpointBySnapshot(
  ctx: ScenarioContext,
  log: StepLog,
  table: string,
  source: string,
  clock: Clock,
): Promise<{ expected: string[]; at: Date }> {
  const argv = ["snapshot", "--prefix", ctx.prefix, "--tables", table, "--reason", "rehearsal-checkpoint", "--wait"];
  return log.step(
    "checkpoint: snapshot the table",
    { command: cmd(argv), fix: "the snapshot failed: read its error" },
    async () => {
      await ctx.dr(argv);
      const expected = await snapshotTable(ctx.ddb, source);
      // The checkpoint time: after the backup, strictly (backup times have a resolution of a second).
      await sleep(CHECKPOINT_SETTLE_MS);
      return { expected, at: new Date(clock()) };
    },
    (r) => `${r.expected.length} items; checkpoint ${r.at.toISOString()}`,
  );
}

export async function corruptTable(ctx: ScenarioContext, log: StepLog, spec: TableSpec, source: string, clock: Clock) {
  await log.step(
    `disaster: ${CORRUPT_WRITES} bad writes and ${CORRUPT_DELETES} deletes in ${source}`,
    { fix: "the rehearsal could not write to moto" },
    async () => {
      const { writes, deletes } = corruption(spec, clock());
      for (const Item of writes) await ctx.ddb.send(new PutItemCommand({ TableName: source, Item }));
      for (const item of deletes) {
        await ctx.ddb.send(new DeleteItemCommand({ TableName: source, Key: keyOf(spec, item) }));
      }
      return `${source} now differs from the checkpoint`;
    },
  );
}

/** `recover --source backup --execute` (or the given source flags) to the checkpoint; returns the restored table and the checked plan file. */
export async function recoverTable(
  ctx: ScenarioContext,
  log: StepLog,
  table: string,
  at: Date,
  source: readonly string[] = ["--source", "backup"],
) {
  const argv = ["recover", "--table", table, "--prefix", ctx.prefix, "--at", at.toISOString(), ...source];
  const full = [...argv, "--execute", "--chdir", ctx.ws.root, "--yes"];
  return log.step(
    "recover the table to the checkpoint, and make Terraform manage it",
    {
      command: cmd(full),
      fix: "recover stopped: read its error; a restored table stays (nothing is deleted), the state backup it names undoes the Terraform change",
    },
    async () => {
      const json = (await ctx.dr(full)).json as {
        targetName: string;
        execution: { planFile: string };
        candidates: { kind: string; usable: boolean; says: string }[];
      };
      const pitr = json.candidates.find((c) => c.kind === "pitr");
      return { target: json.targetName, planFile: json.execution.planFile, pitr };
    },
    (r) =>
      `${tableAddress(table)} → ${r.target}; checked plan ${r.planFile}${r.pitr === undefined ? "" : `; PITR ${r.pitr.usable ? "could" : "could not"}: ${r.pitr.says}`}`,
  );
}

const TABLE_NOTE =
  "moto's RestoreTableToPointInTime copies a table's current items whatever time is asked, so locally `recover` is told `--source backup` (the checkpoint's on-demand snapshot); in AWS `recover` without --source picks PITR, which is exact at the checkpoint.";

/** table: one table corrupted with bad writes and deletes, recovered to the last checkpoint, imported, checked. */
export async function tableScenario(ctx: ScenarioContext, tableName: string): Promise<ScenarioReport> {
  const clock = ctx.clock ?? Date.now;
  const log = new StepLog(ctx.progress, clock);
  const spec = ctx.catalog.tables.find((t) => t.name === tableName) as TableSpec;
  const body = async (disaster: (t: number) => void): Promise<void> => {
    const source = physicalName(ctx, tableName);
    const checkpoint = await checkpointBySnapshot(ctx, log, tableName, source, clock);
    disaster(clock());
    await corruptTable(ctx, log, spec, source, clock);
    const { target, planFile } = await recoverTable(ctx, log, tableName, checkpoint.at);
    ctx.overrides[tableName] = target;
    await checkData(ctx, log, tableName, target, checkpoint.expected);
    await applyAndPlan(ctx, log, planFile);
  };
  return scenario(`table (${tableName})`, log, body, clock, TABLE_NOTE);
}

async function backupEveryTable(ctx: ScenarioContext, log: StepLog, tables: readonly NamedTable[]) {
  return log.step(
    "checkpoint: on-demand backup of every table",
    {
      command: "aws dynamodb create-backup --table-name <each table> --backup-name <table>-rehearsal",
      fix: "CreateBackup failed: read the error",
    },
    async () => {
      const snaps = new Map<string, string[]>();
      for (const t of tables) {
        await ctx.ddb.send(new CreateBackupCommand({ TableName: t.physical, BackupName: `${t.physical}-rehearsal` }));
        snaps.set(t.name, await snapshotTable(ctx.ddb, t.physical));
      }
      return snaps;
    },
    (s) => `${s.size} tables backed up`,
  );
}

async function deleteEveryTable(ctx: ScenarioContext, log: StepLog, tables: readonly NamedTable[]): Promise<void> {
  await log.step(
    "disaster: every table deleted, and dropped from the Terraform state",
    {
      command: "aws dynamodb delete-table …; terraform state rm …",
      fix: "the rehearsal could not delete the tables in moto",
    },
    async () => {
      for (const t of tables) {
        await ctx.ddb.send(new UpdateTableCommand({ TableName: t.physical, DeletionProtectionEnabled: false }));
        await ctx.ddb.send(new DeleteTableCommand({ TableName: t.physical }));
        await waitUntilTableNotExists({ client: ctx.ddb, ...TABLE_WAIT }, { TableName: t.physical });
      }
      await ctx.ws.terraform.run(["state", "rm", ...tables.map((t) => tableAddress(t.name))]);
      return `${tables.length} tables deleted`;
    },
  );
}

/** restore-backups --execute; returns the checked plan file. */
async function restoreEveryTable(ctx: ScenarioContext, log: StepLog, count: number): Promise<string> {
  const overrides = Object.entries(ctx.overrides).flatMap(([k, v]) => ["--name-override", `${k}=${v}`]);
  const argv = ["restore-backups", "--prefix", ctx.prefix, "--backup-type", "USER", ...overrides];
  const full = [...argv, "--chdir", ctx.ws.root, "--execute", "--yes"];
  return log.step(
    "restore every table from its newest backup, and import each",
    {
      command: cmd(full),
      fix: "restore-backups stopped: read its error; tables it restored stay, re-run it (it skips them)",
    },
    async () => ((await ctx.dr(full)).json.execution as { planFile: string }).planFile,
    (planFile) => `${count} tables restored and imported; checked plan ${planFile}`,
  );
}

const DEPLOYMENT_NOTE =
  "moto makes no SYSTEM backup when a table is deleted, so the rehearsal takes on-demand (USER) backups first, as `dynamo-dr snapshot` does before a risky change; in AWS the SYSTEM backups of PITR tables serve too.";

/** deployment: every table deleted (and dropped from the state), restored from backups, imported, applied, checked. */
export async function deploymentScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const clock = ctx.clock ?? Date.now;
  const log = new StepLog(ctx.progress, clock);
  const body = async (disaster: (t: number) => void): Promise<void> => {
    const tables = ctx.catalog.tables.map((t) => ({ name: t.name, physical: physicalName(ctx, t.name) }));
    const expected = await backupEveryTable(ctx, log, tables);
    disaster(clock());
    await deleteEveryTable(ctx, log, tables);
    const planFile = await restoreEveryTable(ctx, log, tables.length);
    for (const t of tables) await checkData(ctx, log, t.name, t.physical, expected.get(t.name) ?? []);
    await applyAndPlan(ctx, log, planFile);
  };
  return scenario("deployment", log, body, clock, DEPLOYMENT_NOTE);
}
