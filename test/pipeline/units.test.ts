/**
 * Pure parts of the pipeline: planning (full, incremental windows, skips, drills, bad input), the failure messages,
 * the EMF documents, the functions' settings, and the construct's prop validation.
 */
import { Testing, TerraformStack } from "cdktf";
import { describe, expect, it } from "vitest";
import { requireEnv, requireIntEnv } from "../../lib/pipeline/env";
import { emfDocument } from "../../lib/pipeline/metrics";
import { ACTIONS, DEFAULT_ACTION, SUBJECT_MAX, causeText, failureMessage } from "../../lib/pipeline/notify";
import { planJobs, type PlanEvent } from "../../lib/pipeline/plan";
import { scratchTableName, cleanUpDrill } from "../../lib/pipeline/restore-drill";
import type { PipelineConfig } from "../../lib/pipeline/state-machine";
import type { ExportPointer } from "../../lib/pipeline/types";
import type { LambdaBundle } from "../../lib/synth/bundle-lambdas";
import { PipelineFunction } from "../../modules/lambda-function";

const CONFIG: PipelineConfig = {
  tables: [
    {
      table: "CollectionsTable",
      tableName: "prod-CollectionsTable",
      tableArn: "arn:t/prod-CollectionsTable",
      pitr: true,
    },
    {
      table: "SemaphoresTable",
      tableName: "prod-SemaphoresTable",
      tableArn: "arn:t/prod-SemaphoresTable",
      pitr: false,
    },
  ],
};
const NOW = "2026-01-10T12:00:00.000Z";

function event(input: unknown, purpose: PlanEvent["purpose"] = "EXPORT"): PlanEvent {
  return { purpose, input, config: CONFIG, executionName: "exec-1", startTime: NOW };
}

function pointerAt(dataTime: string): ExportPointer {
  return {
    table: "CollectionsTable",
    exportType: "FULL_EXPORT",
    exportArn: "arn:t/prod-CollectionsTable/export/1",
    exportDir: "exports/CollectionsTable/AWSDynamoDB/1",
    dataTime,
    itemCount: 1,
    verifiedAt: dataTime,
    reportKey: "exports/CollectionsTable/AWSDynamoDB/1/verification-report.json",
  };
}

const settings = (pointer?: ExportPointer) => ({
  bucket: "b",
  scanSegments: 3,
  latestVerified: () => Promise.resolve(pointer),
});

describe("plan", () => {
  it("FULL: native export for PITR tables, a parallel scan with a fresh export id for the others", async () => {
    const plan = await planJobs(event({ mode: "FULL" }), settings());
    expect(plan.mode).toBe("FULL");
    expect(plan.jobs.map((j) => [j.table, j.method, j.exportType, j.s3Prefix])).toEqual([
      ["CollectionsTable", "NATIVE", "FULL_EXPORT", "exports/CollectionsTable"],
      ["SemaphoresTable", "SCAN", "FULL_EXPORT", "exports/SemaphoresTable"],
    ]);
    const scan = plan.jobs[1]!;
    expect(scan).toMatchObject({ segments: [0, 1, 2], totalSegments: 3, exportTime: NOW });
    expect(scan.exportId).toMatch(/^\d{14}-[0-9a-f]{8}$/);
    // Idempotency tokens: stable for an execution and table (retries), different between tables.
    const again = await planJobs(event({ mode: "FULL" }), settings());
    expect(again.jobs[0]!.clientToken).toBe(plan.jobs[0]!.clientToken);
    expect(plan.jobs[0]!.clientToken).not.toBe(plan.jobs[1]!.clientToken);
  });

  it("defaults to FULL and honours a table filter", async () => {
    const plan = await planJobs(event({ tables: ["SemaphoresTable"] }), settings());
    expect(plan.jobs.map((j) => j.table)).toEqual(["SemaphoresTable"]);
    expect((await planJobs(event(undefined), settings())).mode).toBe("FULL");
  });

  it.each([
    [
      undefined,
      "NATIVE",
      "FULL_EXPORT",
      "no verified export yet, so an incremental export has nothing to start from: full export instead",
    ],
    [
      "2026-01-10T10:00:00.000Z",
      "NATIVE",
      "INCREMENTAL_EXPORT",
      "incremental export since the last verified export (2026-01-10T10:00:00.000Z)",
    ],
    [
      "2026-01-09T11:00:00.000Z",
      "NATIVE",
      "FULL_EXPORT",
      "the last verified export (2026-01-09T11:00:00.000Z) is more than 24 hours old, beyond an incremental export's window: full export instead",
    ],
    ["2026-01-10T11:50:00.000Z", "SKIP", "INCREMENTAL_EXPORT", "incremental run"],
  ])("INCREMENTAL with the last verified export at %s: %s %s", async (dataTime, method, exportType, reason) => {
    const plan = await planJobs(
      event({ mode: "INCREMENTAL" }),
      settings(dataTime === undefined ? undefined : pointerAt(dataTime)),
    );
    expect(plan.jobs[0]).toMatchObject({ table: "CollectionsTable", method, exportType, reason });
    if (exportType === "INCREMENTAL_EXPORT" && method === "NATIVE") {
      expect(plan.jobs[0]).toMatchObject({ exportFromTime: dataTime, exportToTime: NOW });
    }
    if (method === "SKIP") {
      expect(plan.jobs[0]!.skipReason).toBe(
        "the last verified export (2026-01-10T11:50:00.000Z) is less than 15 minutes old, below an incremental export's minimum window",
      );
    }
    expect(plan.jobs[1]).toMatchObject({
      table: "SemaphoresTable",
      method: "SKIP",
      skipReason:
        "no point-in-time recovery: incremental exports need PITR; this table is exported by scan on the full schedule",
    });
  });

  it("DRILL: one drill job per table", async () => {
    const plan = await planJobs(event({}, "DRILL"), settings());
    expect(plan).toMatchObject({ mode: "DRILL", jobs: [{ method: "DRILL" }, { method: "DRILL" }] });
  });

  it.each([
    [{ mode: "DAILY" }, 'execution input "mode" is "DAILY"; allowed: FULL, INCREMENTAL'],
    [
      { tables: "CollectionsTable" },
      'execution input "tables" must be a list of catalog table names; got "CollectionsTable"',
    ],
    [
      { tables: ["UsersTable"] },
      'execution input "tables" names UsersTable, which this pipeline does not export. Exported tables: CollectionsTable, SemaphoresTable.',
    ],
    [["FULL"], 'execution input must be a JSON object such as {"mode": "FULL"}; got ["FULL"]'],
  ])("rejects the execution input %j with a clear error", async (input, message) => {
    await expect(planJobs(event(input), settings())).rejects.toMatchObject({ name: "InvalidPipelineInput", message });
  });
});

describe("failure messages", () => {
  const lambdaCause = JSON.stringify({ errorType: "ExportVerificationFailed", errorMessage: "s3://b/k: md5 is X" });

  it("says what failed, why and what to do, with the execution's console link", () => {
    const msg = failureMessage(
      {
        stage: "export",
        job: {
          table: "GranulesTable",
          tableName: "prod-GranulesTable",
          method: "NATIVE",
          exportType: "FULL_EXPORT",
          reason: "scheduled full export",
        },
        error: { Error: "ExportVerificationFailed", Cause: lambdaCause },
        executionArn: "arn:aws:states:eu-west-1:123456789012:execution:prod-ddb-export:abc",
      },
      "prod",
    );
    expect(msg.subject).toBe("[prod] DynamoDB export/verify FAILED: GranulesTable (ExportVerificationFailed)");
    expect(msg.message.split("\n")).toEqual([
      'The DynamoDB export/verify of table GranulesTable (prod-GranulesTable) failed in deployment "prod".',
      "",
      "Error: ExportVerificationFailed",
      "Details: s3://b/k: md5 is X",
      "",
      `What to do: ${ACTIONS.ExportVerificationFailed}`,
      "",
      "Job: NATIVE FULL_EXPORT (scheduled full export)",
      "Execution: arn:aws:states:eu-west-1:123456789012:execution:prod-ddb-export:abc",
      "Console: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:prod-ddb-export:abc",
    ]);
  });

  it("falls back to general advice, and keeps subjects ASCII and at most 100 characters", () => {
    const msg = failureMessage(
      { stage: "restore-drill", job: { table: "T".repeat(200) + "é" }, error: { Error: "Lambda.Unknown" } },
      "prød",
    );
    expect(msg.message).toContain(`What to do: ${DEFAULT_ACTION}`);
    expect(msg.subject.length).toBe(SUBJECT_MAX);
    expect(msg.subject).toMatch(/^\[pr\?d\] DynamoDB restore drill FAILED: T+$/);
  });

  it("reads Lambda's JSON error causes and plain causes alike", () => {
    expect(causeText(lambdaCause)).toBe("s3://b/k: md5 is X");
    expect(causeText("States.Timeout after 900 s")).toBe("States.Timeout after 900 s");
    expect(causeText(undefined)).toBe("(no details)");
  });
});

describe("metrics, settings and names", () => {
  it("emits CloudWatch embedded-metric-format documents with the Deployment and Table dimensions", () => {
    const doc = emfDocument(
      "prod",
      "CollectionsTable",
      [{ name: "VerifiedExports", unit: "Count", value: 1 }],
      new Date(5000),
    );
    expect(doc).toEqual({
      _aws: {
        Timestamp: 5000,
        CloudWatchMetrics: [
          {
            Namespace: "DynamoDataSafe/ExportPipeline",
            Dimensions: [["Deployment", "Table"]],
            Metrics: [{ Name: "VerifiedExports", Unit: "Count" }],
          },
        ],
      },
      Deployment: "prod",
      Table: "CollectionsTable",
      VerifiedExports: 1,
    });
  });

  it("names a missing or bad setting and how it is normally set", () => {
    expect(() => requireEnv("BACKUP_BUCKET", {})).toThrow(
      "environment variable BACKUP_BUCKET is not set; the module sets it on every pipeline function (was the function changed by hand?)",
    );
    expect(() => requireIntEnv("SCAN_SEGMENTS", 1, 100, { SCAN_SEGMENTS: "0" })).toThrow(
      'environment variable SCAN_SEGMENTS is "0"; expected a whole number from 1 to 100',
    );
  });

  it("names scratch tables after the drill prefix, the table and the time, and deletes nothing else", async () => {
    expect(scratchTableName("prod-drill-", "GranulesTable", new Date("2026-03-04T05:06:07.890Z"))).toBe(
      "prod-drill-GranulesTable-20260304050607",
    );
    await expect(
      cleanUpDrill({} as never, { scratchTableName: "prod-GranulesTable" }, { scratchTablePrefix: "prod-drill-" }),
    ).rejects.toThrow(
      "refusing to delete prod-GranulesTable: restore drills only delete their scratch tables, named prod-drill-…",
    );
    expect(await cleanUpDrill({} as never, undefined, { scratchTablePrefix: "prod-drill-" })).toEqual({
      deleted: null,
    });
  });

  it("validates a function's memory and timeout with the prop, the value and the allowed range", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const bundle: LambdaBundle = { name: "notify", zipPath: __filename, sha256Base64: "x", zipBytes: 1, jsBytes: 1 };
    const props = {
      logicalBase: "notify",
      bundle,
      functionName: "f",
      roleName: "r",
      statements: () => [],
      runtimeExpr: "var.lambda_runtime",
      architectureExpr: "var.lambda_architecture",
      logRetentionDaysExpr: "var.lambda_log_retention_days",
      countExpr: "1",
      tagsExpr: "var.tags",
    };
    expect(() => new PipelineFunction(stack, "a", { ...props, memoryMb: 64 })).toThrow(
      "PipelineFunction notify: memoryMb 64 is not allowed; use a whole number of MB from 128 to 10240",
    );
    expect(() => new PipelineFunction(stack, "b", { ...props, timeoutSeconds: 901 })).toThrow(
      "PipelineFunction notify: timeoutSeconds 901 is not allowed; use a whole number of seconds from 1 to 900",
    );
  });
});
