/**
 * Restore testing in the synthesized module, under real terraform (offline plans: -refresh=false, loopback endpoint,
 * fake credentials): nothing by default, the plan/selection/rule/function when enable_restore_testing is on, the
 * inputs reaching the resources, and the precondition's message when what it needs is off.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { ResourceChange, TerraformWorkspace } from "../support/terraform";
import { announceSkip, terraformSkipReason } from "../support/tools";
import { inputFlags } from "../pipeline/support/workspace";
import { restoreTestingWorkspace } from "./workspace";

const skip = announceSkip("restore testing terraform tests", terraformSkipReason());

const RESTORE_TESTING_ADDRESSES = [
  "aws_backup_restore_testing_plan.restore_testing_plan[0]",
  "aws_backup_restore_testing_selection.restore_testing_selection[0]",
  "aws_cloudwatch_event_rule.restore_test_completed_rule[0]",
  "aws_cloudwatch_event_target.restore_test_completed_target[0]",
  "aws_cloudwatch_log_group.validate_restore_test_logs[0]",
  "aws_cloudwatch_metric_alarm.restore_test_errors_alarm[0]",
  "aws_iam_role.restore_testing_role[0]",
  "aws_iam_role.validate_restore_test_role[0]",
  "aws_iam_role_policy.restore_testing_role_policy[0]",
  "aws_iam_role_policy.validate_restore_test_role_policy[0]",
  "aws_lambda_function.validate_restore_test_function[0]",
  "aws_lambda_permission.restore_test_invoke_permission[0]",
];

interface Diagnostic {
  readonly severity: string;
  readonly detail: string;
}

/** The restore testing addresses among the (module-relative) addresses a plan creates. */
function planned(created: readonly string[]): string[] {
  return created
    .map((a) => a.replace(/^module\.data_persistence\./, ""))
    .filter((a) => RESTORE_TESTING_ADDRESSES.includes(a))
    .sort();
}

function after(changes: readonly ResourceChange[], address: string): Record<string, unknown> {
  const rc = changes.find((c) => c.address === `module.data_persistence.${address}`);
  if (rc === undefined) throw new Error(`no planned change for ${address}`);
  return rc.change.after ?? {};
}

async function planErrors(ws: TerraformWorkspace, vars: Record<string, unknown>): Promise<string[]> {
  const res = await ws.tf(["plan", "-refresh=false", "-input=false", "-json", "-lock=false", ...inputFlags(vars)], {
    allowFail: true,
  });
  expect(res.code).toBe(1);
  return res.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { type: string; diagnostic?: Diagnostic })
    .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
    .map((m) => (m.diagnostic as Diagnostic).detail);
}

const NEEDS =
  "enable_restore_testing = true needs the AWS Backup plan (enable_backup_plan = true, with at least one table in backup_plan_tables): it tests the plan's recovery points; and the export pipeline (enable_export_pipeline = true, with at least one table in export_tables): it compares each restored table with the table's latest verified export in the backup bucket. Turn those on, or set enable_restore_testing = false.";

describe.skipIf(skip)("terraform: restore testing in the module (offline plans)", () => {
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    ws = restoreTestingWorkspace(inject("moduleDir"));
    await ws.init();
  });

  it("plans nothing of restore testing by default", async () => {
    const changes = await ws.plannedChanges(["-refresh=false"]);
    expect(changes.map((c) => c.type)).toContain("aws_dynamodb_table");
    expect(planned(changes.filter((c) => c.action === "create").map((c) => c.address))).toEqual([]);
  });

  it("plans the restore testing plan, selection, rule, function and roles when enable_restore_testing is on", async () => {
    const plan = await ws.planJson(["-refresh=false", "-lock=false", ...inputFlags({ enable_restore_testing: true })]);
    const changes = plan.resource_changes ?? [];
    const created = changes.filter((c) => c.change.actions.includes("create")).map((c) => c.address);
    expect(planned(created)).toEqual([...RESTORE_TESTING_ADDRESSES].sort());
    expect(after(changes, "aws_backup_restore_testing_plan.restore_testing_plan[0]")).toMatchObject({
      name: "example_ddb_restore_test",
      schedule_expression: "cron(0 7 ? * WED *)",
      start_window_hours: 1,
      recovery_point_selection: [
        expect.objectContaining({
          algorithm: "LATEST_WITHIN_WINDOW",
          recovery_point_types: ["SNAPSHOT"],
          selection_window_days: 7,
        }),
      ],
    });
    expect(after(changes, "aws_backup_restore_testing_selection.restore_testing_selection[0]")).toMatchObject({
      name: "ddb_tables",
      protected_resource_type: "DynamoDB",
      validation_window_hours: 4,
    });
    const fn = after(changes, "aws_lambda_function.validate_restore_test_function[0]");
    expect(fn).toMatchObject({
      function_name: "example-ddb-validate-restore-test",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      timeout: 900,
    });
    expect(String(fn.filename)).toMatch(/validate-restore-test\.zip$/);
    expect(after(changes, "aws_lambda_permission.restore_test_invoke_permission[0]")).toMatchObject({
      principal: "events.amazonaws.com",
      action: "lambda:InvokeFunction",
    });
    expect(after(changes, "aws_cloudwatch_metric_alarm.restore_test_errors_alarm[0]")).toMatchObject({
      alarm_name: "example-dynamo-restore-test-errors",
      namespace: "AWS/Lambda",
      metric_name: "Errors",
    });
  });

  it("passes the schedule, validation window and Lambda settings through", async () => {
    const plan = await ws.planJson([
      "-refresh=false",
      "-lock=false",
      ...inputFlags({
        enable_restore_testing: true,
        restore_testing_schedule: "cron(30 2 1 * ? *)",
        restore_testing_validation_window_hours: 24,
        restore_testing_sample_size: 100,
        lambda_architecture: "x86_64",
        backup_plan_tables: ["CollectionsTable"],
      }),
    ]);
    const changes = plan.resource_changes ?? [];
    expect(after(changes, "aws_backup_restore_testing_plan.restore_testing_plan[0]").schedule_expression).toBe(
      "cron(30 2 1 * ? *)",
    );
    expect(
      after(changes, "aws_backup_restore_testing_selection.restore_testing_selection[0]").validation_window_hours,
    ).toBe(24);
    const fn = after(changes, "aws_lambda_function.validate_restore_test_function[0]");
    expect(fn.architectures).toEqual(["x86_64"]);
    // The environment holds the bucket's name and the tables' ARNs, so it is known only after apply (the moto apply
    // test reads it).
  });

  it.each([
    ["the backup plan is off", { enable_backup_plan: false }],
    ["the export pipeline is off", { enable_export_pipeline: false }],
    ["the backup plan has no table", { backup_plan_tables: [] }],
  ])("refuses enable_restore_testing when %s, saying what it needs", async (_label, vars) => {
    expect(await planErrors(ws, { enable_restore_testing: true, ...vars })).toEqual([NEEDS]);
  });
});
