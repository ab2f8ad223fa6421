/**
 * `dynamo-dr rehearse --target aws`, after its guards passed (lib/rehearse/aws-guards.ts): the same scenarios in the
 * account the AWS SDK's default chain points at — no moto, no proxy — with the tables named `<prefix>-*` (the guard
 * made sure none existed, nor a bucket). At the end — also when a step fails and on Ctrl-C — the tables and their
 * backups are deleted, the backup bucket emptied, and `terraform destroy` removes the rest (account-teardown.ts).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { S3Client } from "@aws-sdk/client-s3";
import { annotateErrors, dynamoClient, s3Client } from "../aws";
import type { TableCatalog } from "../catalog";
import { deleteTables, destroyTheRest, emptyAllVersions, emptyBuckets } from "./account-teardown";
import { StepLog, type RehearsalReport } from "./report";
import { runRehearsal, writeDataSet, type Scenario, type Tables } from "./run";
import type { DrCall, ScenarioContext } from "./scenarios";
import { createScratchFolder, createWorkspace, removeScratchFolder, type RehearsalWorkspace } from "./workspace";

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

/** The clients of the account (the SDK's default chain; path-style S3 when AWS_ENDPOINT_URL names an endpoint). */
function accountClients(): { ddb: DynamoDBClient; streams: DynamoDBStreamsClient; s3: S3Client } {
  return { ddb: dynamoClient(), streams: annotateErrors(new DynamoDBStreamsClient({})), s3: s3Client() };
}

async function teardown(res: Resources, prefix: string, log: StepLog): Promise<void> {
  const { ddb, s3 } = accountClients();
  await deleteTables(res.ddb ?? ddb, prefix, log);
  await emptyBuckets(s3, prefix, log);
  const emptyAgain = (): Promise<number> => emptyAllVersions(s3, prefix);
  const destroyed = res.ws === undefined ? true : await destroyTheRest(res.ws, log, emptyAgain);
  res.ddb = undefined;
  const scratch = res.scratch;
  res.scratch = undefined;
  res.ws = undefined;
  if (destroyed) await removeScratchFolder(scratch, log);
}

async function setup(
  input: AccountRehearsalInput,
  tables: Tables,
  res: Resources,
  log: StepLog,
): Promise<ScenarioContext> {
  const capture = input.scenarios.includes("history") ? tables.historyTable : undefined;
  const ws = await log.step(
    `synthesize the module and terraform init a scratch root (the AWS provider with the SDK's default chain${capture === undefined ? "" : `; change capture on for ${capture}`})`,
    { command: "tsx main.ts; terraform init", fix: "read the error: synth or terraform init failed" },
    () => {
      res.scratch = createScratchFolder();
      return createWorkspace(res.scratch, input.prefix, input.catalog, input.env, log.sink, capture, "account");
    },
    (w) => w.root,
  );
  res.ws = ws;
  const clients = accountClients();
  res.ddb = clients.ddb;
  await log.step(
    `terraform apply the module (backup plan and restore drill off${capture === undefined ? ", export pipeline off" : ""})`,
    { command: "terraform apply -auto-approve", fix: "read terraform's error (permissions: dynamo-dr permissions)" },
    async () => {
      const r = await ws.terraform.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
      return r.stdout.split("\n").find((l) => l.startsWith("Apply complete")) ?? "";
    },
  );
  const ctx: ScenarioContext = {
    target: "aws",
    ...clients,
    ws,
    catalog: input.catalog,
    prefix: input.prefix,
    overrides: {},
    dr: (argv) => input.dr(argv, ws.env),
    progress: input.progress,
    region: await clients.ddb.config.region(),
  };
  await writeDataSet(ctx, log);
  return ctx;
}

/** Runs the scenarios in the account; deletes everything it created at the end (also on failure and Ctrl-C). */
export async function rehearseInAccount(input: AccountRehearsalInput): Promise<RehearsalReport> {
  const res: Resources = {};
  return runRehearsal(input, {
    target: "aws",
    setup: (tables, log) => setup(input, tables, res, log),
    teardown: (log) => teardown(res, input.prefix, log),
  });
}
