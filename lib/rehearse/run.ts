/**
 * `dynamo-dr rehearse --target local`: moto on loopback, the module synthesized and applied in a scratch root, a
 * Cumulus-shaped data set in every table, then each scenario with the project's own commands, and everything torn
 * down at the end — also when a step fails and on Ctrl-C.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { S3Client } from "@aws-sdk/client-s3";
import { resetClients } from "../aws";
import type { TableCatalog } from "../catalog";
import { ITEMS_PER_TABLE, cumulusItem, writeItems } from "./data";
import { localAwsEnv, startLocalAws, type LocalAws } from "./moto";
import { StepFailed, StepLog, type RehearsalReport, type ScenarioReport } from "./report";
import { historyScenario } from "./history";
import { deploymentScenario, physicalName, tableScenario, type ScenarioContext, type DrCall } from "./scenarios";
import { createScratchFolder, createWorkspace, removeScratchFolder, type RehearsalWorkspace } from "./workspace";

export const SCENARIOS = ["table", "deployment", "history"] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** The prefix of the local rehearsal's tables. */
export const LOCAL_PREFIX = "rehearsal";
/** After Ctrl-C, how long the child processes get to stop before the scratch folder is removed. */
const CHILD_STOP_GRACE_MS = 1_000;

export interface LocalRehearsalInput {
  readonly scenarios: readonly Scenario[];
  readonly catalog: TableCatalog;
  readonly env: NodeJS.ProcessEnv;
  readonly progress: NodeJS.WritableStream;
  /** Runs one dynamo-dr command line in this process (the environment already points at moto). */
  dr(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<DrCall>;
  /** Called after Ctrl-C has torn everything down (the CLI exits 130 there). */
  onInterrupted(): void;
  /** The table the table scenario corrupts. @default the first table with PITR by default */
  readonly table?: string;
  /** The table the history scenario captures. @default GranulesTable, else another table with PITR by default */
  readonly historyTable?: string;
}

/** AWS settings in this process while the rehearsal runs (the commands run in-process and read them). */
const AWS_ENV_KEYS = Object.keys(localAwsEnv("http://127.0.0.1:1"));

/** Points this process's AWS clients at `endpoint`; returns the function that puts the old settings back. */
function useLocalAws(endpoint: string): () => void {
  const saved = Object.fromEntries(
    [...AWS_ENV_KEYS, "AWS_PROFILE", ...Object.keys(process.env).filter((k) => k.startsWith("AWS_ENDPOINT_URL_"))].map(
      (k) => [k, process.env[k]],
    ),
  );
  for (const k of Object.keys(saved)) delete process.env[k];
  Object.assign(process.env, localAwsEnv(endpoint));
  resetClients();
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetClients();
  };
}

interface Resources {
  /** The scratch folder, from before the workspace exists (Ctrl-C during synth still removes it). */
  scratch?: string;
  aws?: LocalAws;
  ws?: RehearsalWorkspace;
  ddb?: DynamoDBClient;
  streams?: DynamoDBStreamsClient;
  s3?: S3Client;
  restoreEnv?: () => void;
}

async function teardown(res: Resources, log: StepLog): Promise<void> {
  res.ddb?.destroy();
  res.streams?.destroy();
  res.s3?.destroy();
  res.ddb = undefined;
  res.streams = undefined;
  res.s3 = undefined;
  const scratch = res.scratch;
  res.ws = undefined;
  res.scratch = undefined;
  await removeScratchFolder(scratch, log);
  const aws = res.aws;
  res.aws = undefined;
  if (aws !== undefined) {
    await log
      .step("stop moto_server", { fix: "stop the moto_server process by hand" }, async () => {
        await aws.stop();
        return aws.endpoint;
      })
      .catch(() => undefined);
  }
  res.restoreEnv?.();
  res.restoreEnv = undefined;
}

export async function writeDataSet(ctx: ScenarioContext, log: StepLog): Promise<void> {
  await log.step(
    `write ${ITEMS_PER_TABLE} Cumulus-shaped items into every table`,
    { fix: "moto refused a write: read the error" },
    async () => {
      const now = Date.now();
      for (const spec of ctx.catalog.tables) {
        const items = Array.from({ length: ITEMS_PER_TABLE }, (_, i) => cumulusItem(spec, i, now));
        await writeItems(ctx.ddb, physicalName(ctx, spec.name), items);
      }
      return `${ctx.catalog.tables.length} tables × ${ITEMS_PER_TABLE} items`;
    },
  );
}

/** The tables the scenarios use. */
export interface Tables {
  readonly table: string;
  readonly historyTable: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const LOCAL_REGION = "us-east-1";

/** The AWS clients the scenarios use directly (writes, scans, the stream, the bucket), on the local endpoint. */
function localClients(endpoint: string, res: Resources) {
  const config = { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 };
  res.ddb = new DynamoDBClient(config);
  res.streams = new DynamoDBStreamsClient(config);
  res.s3 = new S3Client({ ...config, forcePathStyle: true });
  return { ddb: res.ddb, streams: res.streams, s3: res.s3 };
}

async function setup(input: LocalRehearsalInput, tables: Tables, res: Resources, log: StepLog) {
  const aws = await log.step(
    "start moto_server on a free loopback port",
    { fix: "install moto: pip install 'moto[server]'" },
    () => startLocalAws(input.env),
    (a) => a.endpoint,
  );
  res.aws = aws;
  res.restoreEnv = useLocalAws(aws.endpoint);
  const env: NodeJS.ProcessEnv = { ...input.env, ...localAwsEnv(aws.endpoint) };
  delete env.AWS_PROFILE;
  const capture = input.scenarios.includes("history") ? tables.historyTable : undefined;
  const ws = await log.step(
    `synthesize the module and terraform init a scratch root${capture === undefined ? "" : ` (change capture on for ${capture})`}`,
    {
      command: "tsx main.ts; terraform init",
      fix: "read the error: synth or terraform init failed (terraform init needs the hashicorp/aws provider: a mirror in $TF_PLUGIN_DIR, or the registry)",
    },
    () => {
      res.scratch = createScratchFolder();
      return createWorkspace(res.scratch, LOCAL_PREFIX, input.catalog, env, log.sink, capture);
    },
    (w) => w.root,
  );
  res.ws = ws;
  await log.step(
    "terraform apply the module (backup plan and restore drill off)",
    { command: "terraform apply -auto-approve", fix: "read terraform's error" },
    async () => {
      const r = await ws.terraform.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
      return r.stdout.split("\n").find((l) => l.startsWith("Apply complete")) ?? "";
    },
  );
  const ctx: ScenarioContext = {
    target: "local",
    ...localClients(aws.endpoint, res),
    ws,
    catalog: input.catalog,
    prefix: LOCAL_PREFIX,
    overrides: {},
    dr: (argv) => input.dr(argv, ws.env),
    progress: input.progress,
    region: LOCAL_REGION,
    simulatePitrWindow: (table, w) => aws.setPitrWindow(table, w),
  };
  await writeDataSet(ctx, log);
  return ctx;
}

async function runScenario(s: Scenario, ctx: ScenarioContext, tables: Tables): Promise<ScenarioReport> {
  if (s === "table") return tableScenario(ctx, tables.table);
  if (s === "deployment") return deploymentScenario(ctx);
  return historyScenario(ctx, tables.historyTable);
}

/** The history scenario's table. */
export const PREFERRED_HISTORY_TABLE = "GranulesTable";

export function chooseTables(input: Pick<LocalRehearsalInput, "catalog" | "table" | "historyTable">): Tables {
  const pitr = input.catalog.tables.filter((t) => t.pointInTimeByDefault === true).map((t) => t.name);
  const table = input.table ?? pitr[0] ?? (input.catalog.tables[0]?.name as string);
  const others = [PREFERRED_HISTORY_TABLE, ...pitr, ...input.catalog.tables.map((t) => t.name)].filter(
    (n) => n !== table && input.catalog.tables.some((t) => t.name === n),
  );
  return { table, historyTable: input.historyTable ?? others[0] ?? table };
}

/** How one target sets the rehearsal up and tears it down (teardown runs after a failure and on Ctrl-C too). */
export interface RehearsalTarget {
  readonly target: RehearsalReport["target"];
  setup(tables: Tables, log: StepLog): Promise<ScenarioContext>;
  teardown(log: StepLog): Promise<void>;
}

type RunInput = Pick<
  LocalRehearsalInput,
  "scenarios" | "progress" | "onInterrupted" | "catalog" | "table" | "historyTable"
>;

/** Sets up, runs each scenario (stopping at the first that fails), tears down — also on Ctrl-C — and reports. */
export async function runRehearsal(input: RunInput, t: RehearsalTarget): Promise<RehearsalReport> {
  const startedAt = new Date().toISOString();
  const setupLog = new StepLog(input.progress);
  const teardownLog = new StepLog(input.progress);
  const onSigint = (): void => {
    input.progress.write("\ninterrupted: tearing the rehearsal down…\n");
    // Ctrl-C reaches terraform and synth too (same process group): let them stop before their folder is removed.
    setTimeout(() => void t.teardown(teardownLog).finally(() => input.onInterrupted()), CHILD_STOP_GRACE_MS);
  };
  process.once("SIGINT", onSigint);
  const scenarios: ScenarioReport[] = [];
  const tables = chooseTables(input);
  try {
    const ctx = await t.setup(tables, setupLog);
    for (const s of input.scenarios) {
      const r = await runScenario(s, ctx, tables);
      scenarios.push(r);
      if (r.status === "fail") break; // later scenarios start from the state this one left
    }
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
  } finally {
    await t.teardown(teardownLog);
    process.removeListener("SIGINT", onSigint);
  }
  const ok = (steps: readonly { status: string }[]): boolean => steps.every((s) => s.status !== "fail");
  const passed =
    ok(setupLog.steps) && scenarios.length > 0 && scenarios.every((s) => s.status !== "fail") && ok(teardownLog.steps);
  return {
    command: "rehearse",
    target: t.target,
    startedAt,
    finishedAt: new Date().toISOString(),
    passed,
    setup: setupLog.steps,
    scenarios,
    teardown: teardownLog.steps,
  };
}

/** Runs the local rehearsal; never leaves moto running or the scratch folder behind. */
export async function rehearseLocal(input: LocalRehearsalInput): Promise<RehearsalReport> {
  const res: Resources = {};
  return runRehearsal(input, {
    target: "local",
    setup: (tables, log) => setup(input, tables, res, log),
    teardown: (log) => teardown(res, log),
  });
}
