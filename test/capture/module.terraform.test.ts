/**
 * Change capture in the synthesized module, under real terraform (offline plans: -refresh=false, loopback endpoint,
 * fake credentials): off by default, what is planned when it is on, and the exact messages of bad inputs.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  CAPTURE_MAX_RECORD_AGE_SECONDS,
  CAPTURE_MAX_RETRY_ATTEMPTS,
  FAILURE_QUEUE_RETENTION_SECONDS,
  SEAL_SCHEDULE,
} from "../../modules/change-capture";
import {
  DEFAULT_CAPTURE_BATCH_SIZE,
  DEFAULT_CAPTURE_BATCHING_WINDOW_SECONDS,
} from "../../modules/change-capture-variables";
import { ResourceChange, TerraformWorkspace } from "../support/terraform";
import { announceSkip, terraformSkipReason } from "../support/tools";
import { inputFlags } from "../pipeline/support/workspace";
import { captureWorkspace } from "./module.support";

const skip = announceSkip("change capture terraform tests", terraformSkipReason());

interface Diagnostic {
  readonly severity: string;
  readonly summary: string;
  readonly detail: string;
}

const CAPTURE_TYPES = ["aws_lambda_event_source_mapping", "aws_sqs_queue"];
const ofType = (changes: ResourceChange[], type: string) => changes.filter((c) => c.type === type);
const afterOf = (c: ResourceChange | undefined): Record<string, unknown> => {
  if (c === undefined) throw new Error("no such planned change");
  return c.change.after ?? {};
};

describe.skipIf(skip)("terraform: change capture in the module (offline plans)", () => {
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    ws = captureWorkspace(inject("moduleDir"));
    await ws.init();
  });

  async function planErrors(vars: Record<string, unknown>): Promise<Diagnostic[]> {
    const res = await ws.tf(["plan", "-refresh=false", "-input=false", "-json", ...inputFlags(vars)], {
      allowFail: true,
    });
    expect(res.code).not.toBe(0);
    return (
      res.stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as { type: string; diagnostic?: Diagnostic })
        .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
        .map((m) => m.diagnostic as Diagnostic)
        // Terraform 1.9+ adds "This was checked by the validation rule at …" after a blank line.
        .map((d) => ({ ...d, detail: d.detail.split("\n\n")[0] ?? "" }))
    );
  }

  it("is off by default: no mapping, queue, capture function, schedule or alarm", async () => {
    const plan = await ws.planJson(["-refresh=false"]);
    const changes = plan.resource_changes ?? [];
    for (const t of CAPTURE_TYPES) expect(ofType(changes, t), t).toEqual([]);
    const names = changes.map((c) => String(c.change.after?.function_name ?? c.change.after?.alarm_name ?? ""));
    expect(names.filter((n) => /capture/.test(n))).toEqual([]);
  });

  it("plans one stream mapping per captured table, the failure queue, both functions, the seal schedule and four alarms", async () => {
    const plan = await ws.planJson([
      "-refresh=false",
      ...inputFlags({ change_capture_tables: ["CollectionsTable", "GranulesTable"], max_capture_lag_minutes: 90 }),
    ]);
    const changes = plan.resource_changes ?? [];
    const mappings = ofType(changes, "aws_lambda_event_source_mapping");
    expect(mappings.map((m) => (m as { index?: unknown }).index).sort()).toEqual(["CollectionsTable", "GranulesTable"]);
    for (const m of mappings) {
      expect(m.change.actions).toEqual(["create"]);
      expect(afterOf(m)).toMatchObject({
        function_name: "example-ddb-capture-changes",
        starting_position: "TRIM_HORIZON",
        bisect_batch_on_function_error: true,
        function_response_types: ["ReportBatchItemFailures"],
        maximum_retry_attempts: CAPTURE_MAX_RETRY_ATTEMPTS,
        maximum_record_age_in_seconds: CAPTURE_MAX_RECORD_AGE_SECONDS,
        batch_size: DEFAULT_CAPTURE_BATCH_SIZE,
        maximum_batching_window_in_seconds: DEFAULT_CAPTURE_BATCHING_WINDOW_SECONDS,
      });
    }
    const queue = ofType(changes, "aws_sqs_queue");
    expect(queue).toHaveLength(1);
    expect(afterOf(queue[0])).toMatchObject({
      name: "example-capture-failed-batches",
      message_retention_seconds: FAILURE_QUEUE_RETENTION_SECONDS,
    });
    // Encrypted with the module's key (created in the same plan, so its ARN is known only after apply).
    expect((queue[0]?.change as { after_unknown?: Record<string, unknown> }).after_unknown?.kms_master_key_id).toBe(
      true,
    );

    const functions = ofType(changes, "aws_lambda_function").map((c) => afterOf(c));
    const capture = functions.find((f) => f.function_name === "example-ddb-capture-changes");
    const seal = functions.find((f) => f.function_name === "example-ddb-seal-capture");
    const verify = functions.find((f) => f.function_name === "example-ddb-verify-export");
    for (const f of [capture, seal]) {
      expect(f).toMatchObject({
        runtime: verify?.runtime,
        architectures: verify?.architectures,
        handler: "index.handler",
      });
    }
    // Their environment (bucket, key, CAPTURE_TABLES) is known only after apply: the moto apply test reads it.
    const schedule = ofType(changes, "aws_scheduler_schedule").find(
      (c) => c.change.after?.name === "example-ddb-seal-capture",
    );
    expect(afterOf(schedule)).toMatchObject({
      schedule_expression: SEAL_SCHEDULE,
      schedule_expression_timezone: "UTC",
    });

    const alarms = ofType(changes, "aws_cloudwatch_metric_alarm")
      .map((c) => afterOf(c))
      .filter((a) => String(a.alarm_name).startsWith("example-capture-"));
    const byName = new Map(alarms.map((a) => [a.alarm_name as string, a]));
    expect([...byName.keys()].sort()).toEqual([
      "example-capture-errors",
      "example-capture-failed-batches",
      "example-capture-iterator-age",
      "example-capture-seal-errors",
    ]);
    expect(byName.get("example-capture-iterator-age")).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "IteratorAge",
      statistic: "Maximum",
      threshold: 90 * 60_000,
      comparison_operator: "GreaterThanThreshold",
      dimensions: { FunctionName: "example-ddb-capture-changes" },
    });
    expect(byName.get("example-capture-failed-batches")).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      threshold: 0,
      comparison_operator: "GreaterThanThreshold",
      dimensions: { QueueName: "example-capture-failed-batches" },
    });
    expect(byName.get("example-capture-seal-errors")).toMatchObject({
      metric_name: "Errors",
      dimensions: { FunctionName: "example-ddb-seal-capture" },
    });
    for (const a of alarms) expect(String(a.alarm_description)).toMatch(/See the README section 'Change capture'/);
    expect(String(byName.get("example-capture-iterator-age")?.alarm_description)).toContain("more than 90 minutes");
  });

  it("fails at plan with the exact message for an unknown table, a table without a stream and each bad number", async () => {
    const errors = await planErrors({
      change_capture_tables: ["CollectionsTable", "NoSuchTable", "SemaphoresTable"],
      max_capture_lag_minutes: 1441,
      capture_batch_size: 0,
      capture_batching_window_seconds: 301,
    });
    expect(errors.map((e) => e.detail).sort()).toEqual(
      [
        "change_capture_tables may only name catalog tables. Known tables: AccessTokensTable, AsyncOperationsTable, CollectionsTable, ExecutionsTable, FilesTable, GranulesTable, PdrsTable, ProvidersTable, ReconciliationReportsTable, RulesTable, SemaphoresTable, UsersTable.",
        'change_capture_tables: SemaphoresTable has no stream, but change capture reads a NEW_AND_OLD_IMAGES stream. Set streamViewType to "NEW_AND_OLD_IMAGES" for that table in the table catalog (or leave it out: that is the default) and synthesize the module again, or remove the table from change_capture_tables.',
        "max_capture_lag_minutes must be a whole number from 1 to 1440 (a DynamoDB stream keeps records for 24 hours, so a larger lag means lost changes).",
        "capture_batch_size must be a whole number from 1 to 10000 (Lambda's limit for DynamoDB streams).",
        "capture_batching_window_seconds must be a whole number from 0 to 300 (Lambda's limit).",
      ].sort(),
    );
  });

  it("refuses a lag of 0 minutes and a fractional one", async () => {
    for (const lag of [0, 1.5]) {
      const errors = await planErrors({ max_capture_lag_minutes: lag });
      expect(errors.map((e) => e.detail)).toEqual([
        "max_capture_lag_minutes must be a whole number from 1 to 1440 (a DynamoDB stream keeps records for 24 hours, so a larger lag means lost changes).",
      ]);
    }
  });

  it("refuses capture without the export pipeline, whose bucket, key and topic it uses", async () => {
    for (const vars of [
      { change_capture_tables: ["CollectionsTable"], enable_export_pipeline: false },
      { change_capture_tables: ["CollectionsTable"], export_tables: [] },
    ]) {
      const errors = await planErrors(vars);
      expect(errors.map((e) => [e.summary, e.detail])).toEqual([
        [
          "Module output value precondition failed",
          "change_capture_tables needs the export pipeline: capture writes to its backup bucket with its key and alarms on its topic, which exist only when enable_export_pipeline is true and the pipeline exports at least one table (export_tables, or enable_point_in_time_tables when export_tables is null). Turn the export pipeline on, or set change_capture_tables = [].",
        ],
      ]);
    }
  });
});
