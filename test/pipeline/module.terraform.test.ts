/**
 * The pipeline and the backup plan in the synthesized module, under real terraform (offline plans: -refresh=false,
 * loopback endpoint, fake credentials; no AWS call is needed to plan the module): what is planned by default, with
 * everything on, with everything off, and settings that contradict each other (the exact validation messages of bad
 * inputs are rows of test/bad-input/module-variables.test.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_CATALOG, pointInTimeDefaults } from "../../lib/catalog";
import { jsonErrors, ResourceChange, TerraformWorkspace, type TerraformDiagnostic } from "../support/terraform";
import { announceSkip, terraformSkipReason } from "../support/tools";
import { inputFlags, pipelineWorkspace } from "./support/workspace";
import { generatedBucketNameStart } from "../../lib/pipeline/config";

const skip = announceSkip("pipeline terraform tests", terraformSkipReason());

async function planErrors(ws: TerraformWorkspace, vars: Record<string, unknown>): Promise<TerraformDiagnostic[]> {
  const res = await ws.tf(["plan", "-refresh=false", "-input=false", "-json", "-lock=false", ...inputFlags(vars)], {
    allowFail: true,
  });
  expect(res.code).not.toBe(0);
  return jsonErrors(res.stdout);
}

function ofType(changes: ResourceChange[], type: string): ResourceChange[] {
  return changes.filter((c) => c.type === type);
}

function after(changes: ResourceChange[], address: string): Record<string, unknown> {
  const rc = changes.find((c) => c.address === `module.data_persistence.${address}`);
  if (rc === undefined) throw new Error(`no planned change for ${address}`);
  return rc.change.after ?? {};
}

const PIPELINE_TYPES = [
  "aws_lambda_function",
  "aws_sfn_state_machine",
  "aws_scheduler_schedule",
  "aws_cloudwatch_metric_alarm",
  "aws_sns_topic",
  "aws_s3_bucket",
  "aws_kms_key",
  "aws_iam_role",
  "aws_backup_vault",
  "aws_backup_plan",
  "aws_backup_selection",
];

describe.skipIf(skip)("terraform: the export pipeline and backup plan in the module (offline plans)", () => {
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    ws = pipelineWorkspace(inject("moduleDir"));
    await ws.init();
  });

  it("plans the pipeline for the PITR tables and the backup plan for every table by default", async () => {
    const plan = await ws.planJson(["-refresh=false"]);
    const changes = plan.resource_changes ?? [];
    const pitr = pointInTimeDefaults(DEFAULT_CATALOG);
    const count = (t: string) => ofType(changes, t).length;
    expect(Object.fromEntries(PIPELINE_TYPES.map((t) => [t, count(t)]))).toEqual({
      aws_lambda_function: 5, // no restore-drill function without enable_restore_drill
      aws_sfn_state_machine: 1,
      aws_scheduler_schedule: 1,
      aws_cloudwatch_metric_alarm: 1 + pitr.length,
      aws_sns_topic: 1,
      aws_s3_bucket: 1,
      aws_kms_key: 1,
      aws_iam_role: 5 + 1 + 1 + 1, // functions, state machine, scheduler, AWS Backup
      aws_backup_vault: 1,
      aws_backup_plan: 1,
      aws_backup_selection: 1,
    });
    expect(count("aws_s3_bucket_object_lock_configuration")).toBe(0);
    for (const c of changes.filter((x) => PIPELINE_TYPES.includes(x.type)))
      expect(c.change.actions).toEqual(["create"]);

    const fn = after(changes, "aws_lambda_function.verify_export_function[0]");
    expect(fn).toMatchObject({
      function_name: "example-ddb-verify-export",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      memory_size: 1024,
      timeout: 900,
    });
    // The zip is referenced under ${path.module}, so the copied module folder is self-contained.
    const filename = fn.filename as string;
    expect(filename).toMatch(/^\.\.\/\.\.\/dist\/modules\/data-persistence\/assets\/.+\/verify-export\.zip$/);
    expect(existsSync(join(ws.dir, filename))).toBe(true);

    // The definition embeds the functions' ARNs, so it is known only after apply (the moto apply test reads it).
    expect(after(changes, "aws_sfn_state_machine.export_state_machine[0]")).toMatchObject({
      name: "example-ddb-export",
      type: "STANDARD",
    });

    expect(after(changes, "aws_scheduler_schedule.full_export_schedule[0]")).toMatchObject({
      name: "example-ddb-full-export",
      schedule_expression: "cron(0 3 * * ? *)",
      schedule_expression_timezone: "UTC",
      target: [expect.objectContaining({ input: '{"mode":"FULL"}' })],
    });
    const freshness = ofType(changes, "aws_cloudwatch_metric_alarm").filter((c) => c.name === "export_freshness_alarm");
    expect(freshness.map((c) => c.change.after?.dimensions)).toEqual(
      [...pitr].sort().map((t) => ({ Deployment: "example", Table: t })),
    );
    expect(freshness[0]?.change.after).toMatchObject({
      metric_name: "VerifiedExports",
      namespace: "DynamoDataSafe/ExportPipeline",
      period: 3600,
      evaluation_periods: 26,
      datapoints_to_alarm: 26,
      treat_missing_data: "breaching",
      comparison_operator: "LessThanThreshold",
    });
    expect(after(changes, "aws_sns_topic.alarm_topic[0]").name).toBe("example-dynamo-backup-failed");
    // the HCL's rule and the one the rehearsal's guard and teardown use (lib/pipeline/config.ts) agree
    expect(after(changes, "aws_s3_bucket.backup_bucket[0]").bucket_prefix).toBe("example-ddb-backups-");
    expect(generatedBucketNameStart("example")).toBe("example-ddb-backups-");
    expect(after(changes, "aws_backup_plan.backup_plan[0]")).toMatchObject({
      name: "example-dynamodb-daily",
      rule: [
        expect.objectContaining({
          schedule: "cron(0 5 ? * * *)",
          lifecycle: [expect.objectContaining({ delete_after: 90 })],
          copy_action: [],
        }),
      ],
    });
  });

  it("plans the restore drill, incremental exports, scan exports, subscriptions, Object Lock and a cross-region copy when asked", async () => {
    const plan = await ws.planJson([
      "-refresh=false",
      ...inputFlags({
        export_tables: ["CollectionsTable", "SemaphoresTable"],
        enable_restore_drill: true,
        incremental_export_interval: "rate(1 hour)",
        alarm_subscriptions: [{ protocol: "email", endpoint: "oncall@example.com" }],
        backup_object_lock_mode: "COMPLIANCE",
        backup_object_lock_days: 14,
        backup_copy_destination_vault_arn: "arn:aws:backup:us-west-2:111122223333:backup-vault:dr",
        backup_copy_retention_days: 30,
        lambda_architecture: "x86_64",
      }),
    ]);
    const changes = plan.resource_changes ?? [];
    expect(ofType(changes, "aws_lambda_function")).toHaveLength(6);
    expect(after(changes, "aws_lambda_function.restore_drill_function[0]").architectures).toEqual(["x86_64"]);
    expect(
      ofType(changes, "aws_sfn_state_machine")
        .map((c) => c.name)
        .sort(),
    ).toEqual(["export_state_machine", "restore_drill_state_machine"]);
    expect(after(changes, "aws_scheduler_schedule.incremental_export_schedule[0]")).toMatchObject({
      schedule_expression: "rate(1 hour)",
      target: [expect.objectContaining({ input: '{"mode":"INCREMENTAL"}' })],
    });
    expect(after(changes, "aws_scheduler_schedule.restore_drill_schedule[0]").schedule_expression).toBe(
      "cron(0 6 ? * SUN *)",
    );
    expect(
      ofType(changes, "aws_cloudwatch_metric_alarm")
        .map((c) => {
          const index = (c as { index?: unknown }).index;
          return typeof index === "string" ? index : c.name;
        })
        .sort(),
    ).toEqual(["CollectionsTable", "SemaphoresTable", "export_failed_alarm", "restore_drill_failed_alarm"]);
    expect(after(changes, 'aws_sns_topic_subscription.alarm_subscription["email:oncall@example.com"]')).toMatchObject({
      protocol: "email",
      endpoint: "oncall@example.com",
    });
    expect(after(changes, "aws_s3_bucket_object_lock_configuration.backup_bucket_object_lock[0]")).toMatchObject({
      rule: [{ default_retention: [{ mode: "COMPLIANCE", days: 14, years: null }] }],
    });
    expect(after(changes, "aws_backup_plan.backup_plan[0]").rule).toEqual([
      expect.objectContaining({
        copy_action: [
          {
            destination_vault_arn: "arn:aws:backup:us-west-2:111122223333:backup-vault:dr",
            lifecycle: [expect.objectContaining({ delete_after: 30 })],
          },
        ],
      }),
    ]);
  });

  it("plans only the tables when the pipeline and the backup plan are off", async () => {
    const changes = await ws.plannedChanges([
      "-refresh=false",
      ...inputFlags({ enable_export_pipeline: false, enable_backup_plan: false }),
    ]);
    const types = [...new Set(changes.map((c) => c.type))];
    expect(types).toEqual(["aws_dynamodb_table"]);
  });

  // The exact messages of the pipeline's and backup plan's bad inputs are rows of test/bad-input/module-variables.test.ts
  // (planned there together with the other inputs' rows); the contradictions below need a plan of their own.

  it("refuses lifecycle settings that contradict each other, before anything is created", async () => {
    const errors = await planErrors(ws, {
      backup_transition_days: 20,
      backup_transition_storage_class: "STANDARD_IA",
      backup_expiration_days: 10,
    });
    expect(errors.map((e) => e.summary)).toEqual(["Resource precondition failed", "Resource precondition failed"]);
    expect(errors.map((e) => e.detail).sort()).toEqual([
      "backup_expiration_days must be greater than backup_transition_days (objects would expire before they move to the colder class).",
      "backup_transition_days must be >= 30 when backup_transition_storage_class is STANDARD_IA or ONEZONE_IA (an S3 rule).",
    ]);
  });

  it("accepts nodejs24.x, which hashicorp/aws 5.100 itself refuses (a newer provider is needed, as documented)", async () => {
    const errors = await planErrors(ws, { lambda_runtime: "nodejs24.x" });
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.summary).toMatch(/^expected runtime to be one of \[.*"nodejs22\.x"\], got nodejs24\.x$/);
    }
  });
});
