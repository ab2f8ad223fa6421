/**
 * `dynamo-dr rehearse --target aws`, after its guards passed (lib/rehearse/aws-guards.ts): the same scenarios in the
 * account the AWS SDK's default chain points at — no moto, no proxy — with the tables named `<prefix>-*` (the guard
 * made sure none existed), and everything named `<prefix>-*` deleted at the end: also when a step fails and on Ctrl-C.
 */
import {
  DeleteBackupCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ListBackupsCommand,
  ListTablesCommand,
  UpdateTableCommand,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { S3Client } from "@aws-sdk/client-s3";
import type { TableCatalog } from "../catalog";
import { StepLog, type RehearsalReport, type ScenarioReport } from "./report";
import { runRehearsal, writeDataSet, type Scenario } from "./run";
import type { DrCall, ScenarioContext } from "./scenarios";
import { createScratchFolder, createWorkspace, removeScratchFolder, type RehearsalWorkspace } from "./workspace";

const TABLE_WAIT = { minDelay: 2, maxDelay: 10, maxWaitTime: 600 } as const;

export interface AccountRehearsalInput {
  readonly scenarios: readonly Scenario[];
  readonly catalog: TableCatalog;
  /** The guarded prefix (starts with rehearsal-; nothing with it existed). */
  readonly prefix: string;
  readonly env: NodeJS.ProcessEnv;
  readonly progress: NodeJS.WritableStream;
  dr(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<DrCall>;
  onInterrupted(): void;
}

interface Resources {
  scratch?: string;
  ws?: RehearsalWorkspace;
  ddb?: DynamoDBClient;
}

/** Tables named `<prefix>-*`: the module's, and every table the scenarios restored. */
async function prefixedTables(ddb: DynamoDBClient, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let start: string | undefined;
  do {
    const page = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    out.push(...(page.TableNames ?? []).filter((n) => n.startsWith(`${prefix}-`)));
    start = page.LastEvaluatedTableName;
  } while (start !== undefined);
  return out;
}

async function deleteTableAndBackups(ddb: DynamoDBClient, table: string): Promise<number> {
  let deleted = 0;
  let start: string | undefined;
  do {
    const page = await ddb.send(
      new ListBackupsCommand({ TableName: table, BackupType: "ALL", ExclusiveStartBackupArn: start }),
    );
    for (const b of page.BackupSummaries ?? []) {
      if (b.BackupType === "SYSTEM") continue; // AWS deletes these with PITR; DeleteBackup refuses them
      await ddb.send(new DeleteBackupCommand({ BackupArn: b.BackupArn }));
      deleted++;
    }
    start = page.LastEvaluatedBackupArn;
  } while (start !== undefined);
  await ddb.send(new UpdateTableCommand({ TableName: table, DeletionProtectionEnabled: false }));
  await ddb.send(new DeleteTableCommand({ TableName: table }));
  await waitUntilTableNotExists({ client: ddb, ...TABLE_WAIT }, { TableName: table });
  return deleted;
}

async function teardown(res: Resources, prefix: string, log: StepLog): Promise<void> {
  const ddb = res.ddb ?? new DynamoDBClient({});
  await log
    .step(
      `delete every table named ${prefix}-* and its on-demand backups`,
      { fix: `delete them by hand: aws dynamodb list-tables, then delete-backup and delete-table for ${prefix}-*` },
      async () => {
        const tables = await prefixedTables(ddb, prefix);
        let backups = 0;
        for (const t of tables) backups += await deleteTableAndBackups(ddb, t);
        return `${tables.length} tables and ${backups} backups deleted`;
      },
    )
    .catch(() => undefined);
  ddb.destroy();
  res.ddb = undefined;
  const scratch = res.scratch;
  res.scratch = undefined;
  res.ws = undefined;
  await removeScratchFolder(scratch, log);
}

async function setup(input: AccountRehearsalInput, res: Resources, log: StepLog): Promise<ScenarioContext> {
  const ws = await log.step(
    "synthesize the module and terraform init a scratch root (the AWS provider with the SDK's default chain)",
    { command: "tsx main.ts; terraform init", fix: "read the error: synth or terraform init failed" },
    () => {
      res.scratch = createScratchFolder();
      return createWorkspace(res.scratch, input.prefix, input.catalog, input.env, log.sink, undefined, "account");
    },
    (w) => w.root,
  );
  res.ws = ws;
  res.ddb = new DynamoDBClient({});
  await log.step(
    "terraform apply the module (backup plan, restore drill and export pipeline off)",
    { command: "terraform apply -auto-approve", fix: "read terraform's error (permissions: dynamo-dr permissions)" },
    async () => {
      const r = await ws.terraform.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
      return r.stdout.split("\n").find((l) => l.startsWith("Apply complete")) ?? "";
    },
  );
  const ctx: ScenarioContext = {
    ddb: res.ddb,
    streams: new DynamoDBStreamsClient({}),
    s3: new S3Client({}),
    ws,
    catalog: input.catalog,
    prefix: input.prefix,
    overrides: {},
    dr: (argv) => input.dr(argv, ws.env),
    progress: input.progress,
    region: await res.ddb.config.region(),
  };
  await writeDataSet(ctx, log);
  return ctx;
}

const HISTORY_SKIPPED: ScenarioReport = {
  scenario: "history",
  status: "skip",
  steps: [
    {
      name: "rebuild a table as of a checkpoint from its captured history",
      status: "skip",
      seconds: 0,
      detail:
        "not run with --target aws in this version: it needs change capture deployed and the real event source mapping's deliveries waited for; run it with --target local",
    },
  ],
  note: "Not rehearsed in AWS in this version (--target local rehearses it on moto).",
};

/** Runs the scenarios in the account; deletes everything named `<prefix>-*` at the end. */
export async function rehearseInAccount(input: AccountRehearsalInput): Promise<RehearsalReport> {
  const res: Resources = {};
  const scenarios = input.scenarios.filter((s) => s !== "history");
  const report = await runRehearsal(
    { ...input, scenarios },
    {
      target: "aws",
      setup: (_tables, log) => setup(input, res, log),
      teardown: (log) => teardown(res, input.prefix, log),
    },
  );
  if (!input.scenarios.includes("history")) return report;
  return { ...report, scenarios: [...report.scenarios, HISTORY_SKIPPED] };
}
