/**
 * The history scenario: change capture on for one table (module input change_capture_tables), a base full export in
 * the backup bucket, changes, a checkpoint, more (bad) changes; the stream captured; then the table rebuilt as of the
 * checkpoint from the history by `recover --source history`, loaded into a new table, imported into Terraform, and
 * checked: the data equals the checkpoint and `terraform plan` says "No changes".
 *
 * Locally (moto) the rehearsal delivers the stream to the real capture handler itself, seals the hour with the seal
 * function's own run, and simulates PITR's window so that the checkpoint is older than it. In AWS the real event
 * source mapping delivers (the rehearsal waits for it: deliveries.ts), the hours stay unsealed (recover checks them as
 * the seal would), and the checkpoint is inside PITR's window (recover is told `--source history`).
 */
import { DeleteItemCommand, DescribeContinuousBackupsCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { S3Client } from "@aws-sdk/client-s3";
import { captureSettings, type CaptureSettings } from "../capture/env";
import { DEFAULT_SEAL_GRACE_MINUTES } from "../capture/config";
import { hourEndMs, hourIdOf } from "../capture/layout";
import { runSeal } from "../capture/seal-run";
import type { TableSpec } from "../catalog";
import { utcStamp } from "../dr/names";
import { cumulusItem, snapshotTable } from "./data";
import { StepLog, type ScenarioReport } from "./report";
import {
  applyAndPlan,
  checkData,
  cmd,
  corruptTable,
  keyOf,
  physicalName,
  recoverTable,
  scenario,
  type Clock,
  type ScenarioContext,
} from "./scenarios";
import { waitForDeliveries } from "./deliveries";
import { pumpStream } from "./stream-pump";

/** Changes before the checkpoint: updates, new items and deletes. */
export const HISTORY_UPDATES = 6;
export const HISTORY_INSERTS = 4;
export const HISTORY_DELETES = 3;
/** Items the history scenario adds are numbered from here (the data set uses 0…ITEMS_PER_TABLE-1). */
const NEW_ITEMS_FROM = 500;
/** The stream's time resolution is a second: the checkpoint keeps this clear of the writes around it. */
const QUIET_MS = 1_100;
/** Simulated seal clock: past the hour's end plus the seal's grace, plus this margin. */
const SEAL_MARGIN_MS = 60_000;
/** The simulated PITR window starts this long after the checkpoint. */
const PITR_WINDOW_AFTER_MS = 1_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Deployed {
  readonly settings: CaptureSettings;
  readonly bucket: string;
}

interface StateResource {
  readonly type: string;
  readonly values: { function_name?: string; environment?: { variables?: Record<string, string> }[] };
}

/** The capture function's settings as deployed (its environment in the Terraform state). */
async function deployedCapture(ctx: ScenarioContext, log: StepLog, physical: string): Promise<Deployed> {
  return log.step(
    "read the deployed capture function's settings",
    {
      command: "terraform show -json",
      fix: "the capture function is not in the state: is the table in change_capture_tables, with enable_export_pipeline on?",
    },
    async () => {
      const shown = JSON.parse((await ctx.ws.terraform.run(["show", "-json", "-no-color"])).stdout) as {
        values?: { root_module?: { child_modules?: { resources?: StateResource[] }[] } };
      };
      const fn = (shown.values?.root_module?.child_modules ?? [])
        .flatMap((m) => m.resources ?? [])
        .find((r) => r.type === "aws_lambda_function" && (r.values.function_name ?? "").endsWith("-capture-changes"));
      const vars = fn?.values.environment?.[0]?.variables;
      if (vars === undefined) throw new Error("no capture-changes function in the Terraform state");
      const settings = captureSettings(vars);
      if (!settings.tables.has(physical)) throw new Error(`${physical} is not captured (CAPTURE_TABLES)`);
      return { settings, bucket: settings.bucket };
    },
    (d) => `bucket ${d.bucket}; captured: ${[...d.settings.tables.keys()].join(", ")}`,
  );
}

async function baseExport(ctx: ScenarioContext, log: StepLog, table: string, source: string, bucket: string) {
  const out = `s3://${bucket}/exports/${table}/AWSDynamoDB/rehearsal-${utcStamp(new Date())}`;
  const argv = ["backup", "--table", source, "--out", out, "--quiet"];
  await log.step(
    "base: a full export of the table into the backup bucket",
    { command: cmd(argv), fix: "the backup failed: read its error" },
    async () => {
      await ctx.dr(argv);
      return `${out} (the pipeline's scheduled export does this in AWS)`;
    },
  );
}

async function writeChanges(ctx: ScenarioContext, log: StepLog, spec: TableSpec, source: string, clock: Clock) {
  await log.step(
    `changes: ${HISTORY_UPDATES} updates, ${HISTORY_INSERTS} new items, ${HISTORY_DELETES} deletes`,
    { fix: "the rehearsal could not write to the table" },
    async () => {
      const now = clock();
      for (let i = 0; i < HISTORY_UPDATES; i++) {
        const item = cumulusItem(spec, i, now);
        item.status = { S: "archived" };
        await ctx.ddb.send(new PutItemCommand({ TableName: source, Item: item }));
      }
      for (let i = 0; i < HISTORY_INSERTS; i++) {
        await ctx.ddb.send(new PutItemCommand({ TableName: source, Item: cumulusItem(spec, NEW_ITEMS_FROM + i, now) }));
      }
      for (let i = 0; i < HISTORY_DELETES; i++) {
        const key = keyOf(spec, cumulusItem(spec, HISTORY_UPDATES + i, now));
        await ctx.ddb.send(new DeleteItemCommand({ TableName: source, Key: key }));
      }
      return `${HISTORY_UPDATES + HISTORY_INSERTS + HISTORY_DELETES} changes in ${source}`;
    },
  );
}

async function recordCheckpoint(ctx: ScenarioContext, log: StepLog, source: string, clock: Clock) {
  return log.step(
    "checkpoint: record the time and the table's items",
    { fix: "the rehearsal could not scan the table" },
    async () => {
      await sleep(QUIET_MS);
      const at = new Date(clock());
      const expected = await snapshotTable(ctx.ddb, source);
      await sleep(QUIET_MS);
      return { at, expected };
    },
    (c) => `${c.expected.length} items at ${c.at.toISOString()}`,
  );
}

interface Capture {
  readonly streams: DynamoDBStreamsClient;
  readonly s3: S3Client;
}

function clients(ctx: ScenarioContext): Capture {
  if (ctx.streams === undefined || ctx.s3 === undefined) throw new Error("no DynamoDB Streams or S3 client");
  return { streams: ctx.streams, s3: ctx.s3 };
}

/** moto creates the event source mapping but never invokes Lambda: the rehearsal does what the mapping would. */
async function captureStream(ctx: ScenarioContext, log: StepLog, source: string, d: Deployed): Promise<void> {
  await log.step(
    "capture: the table's stream delivered to the capture handler",
    {
      fix: "the capture handler refused a batch: read its error (the bucket, its key, CAPTURE_TABLES)",
    },
    async () => {
      const c = clients(ctx);
      const r = await pumpStream({ ...c, ddb: ctx.ddb, settings: d.settings, table: source, region: ctx.region });
      return `${r.records} stream records from ${r.shards} shard(s) (TRIM_HORIZON) in ${r.batches} batch(es), in Lambda's event shape, to the real capture handler in this process — what the event source mapping does in AWS (moto creates the mapping but never invokes Lambda)`;
    },
  );
}

/** In AWS: the real event source mapping invokes the deployed capture function; the rehearsal waits for it. */
async function awaitDeliveries(ctx: ScenarioContext, log: StepLog, table: string, source: string, d: Deployed) {
  await log.step(
    "capture: wait until the event source mapping has delivered the table's whole stream to the bucket",
    {
      fix: "the capture function did not deliver: read its CloudWatch logs (/aws/lambda/<prefix>-capture-changes) and the mapping's state (aws lambda list-event-source-mappings)",
    },
    async () => {
      const c = clients(ctx);
      const r = await waitForDeliveries({ ...c, ddb: ctx.ddb, bucket: d.bucket, table: source, catalogName: table });
      return `${r.records} stream records on ${r.shards} shard(s) captured in ${r.objects} object(s) by the deployed capture function`;
    },
  );
}

/** The seal function's library, with its clock past the hour's end and grace (the schedule would run it then). */
async function sealHours(ctx: ScenarioContext, log: StepLog, table: string, d: Deployed, clock: Clock) {
  if (ctx.target === "aws") {
    log.skip(
      "seal the captured hour(s)",
      `not waited for in AWS: the seal function runs on its hourly schedule, ${DEFAULT_SEAL_GRACE_MINUTES} min after each hour ends. recover checks the hours not sealed yet exactly as the seal would (every object's md5 and count, the per-shard chain, shard lineage) — the path of a recovery minutes after a disaster`,
    );
    return;
  }
  await log.step(
    "seal the captured hour(s)",
    { fix: "the seal found a problem in the captured objects: read the problems it lists" },
    async () => {
      const now = new Date(hourEndMs(hourIdOf(clock())) + DEFAULT_SEAL_GRACE_MINUTES * 60_000 + SEAL_MARGIN_MS);
      const catalogNames = [...new Set(d.settings.tables.values())].sort();
      const r = await runSeal(
        clients(ctx).s3,
        { bucket: d.bucket, catalogNames, kmsKeyArn: d.settings.kmsKeyArn, now },
        { tables: [table] },
      );
      const mine = r.tables.find((t) => t.table === table);
      if (!r.ok || mine === undefined || mine.sealed.length === 0)
        throw new Error(`seal: ${JSON.stringify(r.tables).slice(0, 2000)}`);
      return `sealed ${mine.sealed.join(", ")} (the seal function's run, its clock set to ${now.toISOString()}: the hour closed plus the ${DEFAULT_SEAL_GRACE_MINUTES} min grace)`;
    },
  );
}

/** Locally: PITR's window made to start after the checkpoint. In AWS the checkpoint stays inside the window. */
async function beyondPitr(ctx: ScenarioContext, log: StepLog, source: string, at: Date): Promise<void> {
  const simulate = ctx.simulatePitrWindow;
  if (simulate === undefined) {
    log.skip(
      "the checkpoint beyond the PITR window",
      "not simulated in AWS (PITR's window cannot be moved): the rebuild is as of a checkpoint inside the window",
    );
    return;
  }
  await log.step(
    "simulate: the checkpoint is older than the PITR window",
    { fix: "the rehearsal proxy did not answer DescribeContinuousBackups with the simulated window" },
    async () => {
      simulate(source, { earliest: new Date(at.getTime() + PITR_WINDOW_AFTER_MS), latest: new Date() });
      const d = await ctx.ddb.send(new DescribeContinuousBackupsCommand({ TableName: source }));
      const earliest = d.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.EarliestRestorableDateTime;
      if (earliest === undefined || earliest.getTime() <= at.getTime())
        throw new Error(`PITR's earliest restorable time is ${earliest?.toISOString() ?? "unset"}`);
      return `PITR's window now starts at ${earliest.toISOString()}, after the checkpoint: only the history can serve it`;
    },
  );
}

/** `recover --source history --bucket … --execute`: the rebuild into the bucket, ImportTable, the Terraform import. */
async function loadFromHistory(ctx: ScenarioContext, log: StepLog, table: string, at: Date, bucket: string) {
  return recoverTable(ctx, log, table, at, ["--source", "history", "--bucket", bucket]);
}

const HISTORY_NOTE_LOCAL =
  "Change capture is on for this table (change_capture_tables). moto creates the stream's event source mapping but never invokes Lambda, so the rehearsal reads the stream (every shard, TRIM_HORIZON) and hands each batch to the real capture handler in this process, in Lambda's event shape — what the mapping does in AWS. The seal is the seal function's own run with its clock past the hour's end, and PITR's window is simulated (moto's never moves) so that the checkpoint is older than it.";
const HISTORY_NOTE_AWS =
  "Change capture is on for this table (change_capture_tables): the real event source mapping invokes the deployed capture function, and the rehearsal waits until the whole stream is in the bucket. The hours are not sealed yet (the seal runs hourly): recover checks them as the seal would. PITR's window cannot be moved in AWS, so the checkpoint is inside it and `recover --source history` is chosen explicitly: the rebuild is what a checkpoint older than the window would get.";

/** history: capture on, a checkpoint, bad changes, the table rebuilt as of the checkpoint and loaded, checked. */
export async function historyScenario(ctx: ScenarioContext, tableName: string): Promise<ScenarioReport> {
  const clock = ctx.clock ?? Date.now;
  const log = new StepLog(ctx.progress, clock);
  const spec = ctx.catalog.tables.find((t) => t.name === tableName) as TableSpec;
  const body = async (disaster: (t: number) => void): Promise<void> => {
    const source = physicalName(ctx, tableName);
    const deployed = await deployedCapture(ctx, log, source);
    await baseExport(ctx, log, tableName, source, deployed.bucket);
    await writeChanges(ctx, log, spec, source, clock);
    const checkpoint = await recordCheckpoint(ctx, log, source, clock);
    disaster(clock());
    await corruptTable(ctx, log, spec, source, clock);
    if (ctx.target === "aws") await awaitDeliveries(ctx, log, tableName, source, deployed);
    else await captureStream(ctx, log, source, deployed);
    await sealHours(ctx, log, tableName, deployed, clock);
    await beyondPitr(ctx, log, source, checkpoint.at);
    const { target, planFile } = await loadFromHistory(ctx, log, tableName, checkpoint.at, deployed.bucket);
    ctx.overrides[tableName] = target;
    await checkData(ctx, log, tableName, target, checkpoint.expected);
    await applyAndPlan(ctx, log, planFile);
  };
  const note = ctx.target === "aws" ? HISTORY_NOTE_AWS : HISTORY_NOTE_LOCAL;
  return scenario(`history (${tableName})`, log, body, clock, note);
}
