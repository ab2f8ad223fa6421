/**
 * The module's constructs are wired through typed references, and its addresses do not move.
 *
 * - No string literal in modules/ hand-types a Terraform address (`${aws_…}`, `aws_s3_bucket.backup_bucket`,
 *   `data.aws_region.current`): constructs pass resources to each other and read their attributes (modules/refs.ts);
 *   fixed logical ids come from lib/addresses.ts.
 * - The synthesized module's resource and data source addresses are pinned: a changed address makes every existing
 *   user's `terraform apply` destroy and recreate that resource. Adding a resource means adding it here, on purpose.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { App, TerraformLocal, TerraformStack, Testing, Token } from "cdktf";
import ts from "typescript";
import { describe, expect, inject, it } from "vitest";
import { BACKUP_BUCKET_PART_NAMES, PUBLIC_RESOURCE_NAMES, RESOURCE_NAMES } from "../../lib/addresses";
import { PROJECT_ROOT } from "../../lib/project-config";
import { MODULE_MAIN_FILE } from "../../lib/synth/package-module";
import { localRef, oneOrNull, only } from "../../modules/refs";

const MODULES_DIR = join(PROJECT_ROOT, "modules");

/** `${aws_…` or `${data.aws_…` anywhere in a literal. */
const INTERPOLATED_ADDRESS = /\$\{(data\.)?aws_/;
/** `aws_<type>.<name>` or `data.aws_<type>.<name>`. */
const ADDRESS = /\b(data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+/;
/** A template part ending in `aws_<type>.`, completed by a substitution: `aws_iam_role.${base}_role`. */
const ADDRESS_BEFORE_SUBSTITUTION = /\b(data\.)?aws_[a-z0-9_]+\.$/;

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** Every string and template literal part in a TypeScript source (comments are not literals) that holds an address. */
export function handTypedAddresses(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const findings: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      const text = node.text;
      const beforeSubstitution =
        (ts.isTemplateHead(node) || ts.isTemplateMiddle(node)) && ADDRESS_BEFORE_SUBSTITUTION.test(text);
      if (INTERPOLATED_ADDRESS.test(text) || ADDRESS.test(text) || beforeSubstitution) {
        findings.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, text });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? typeScriptFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("modules/ hand-types no Terraform address", () => {
  it("finds the addresses it is meant to find, and not those in comments", () => {
    const sample = [
      "// aws_s3_bucket.backup_bucket in a comment is fine",
      "/** `${aws_kms_key.backup_key[0].arn}` in a doc comment is fine */",
      'const a = "${aws_backup_vault.backup_vault[0].name}";',
      'const b = "one(aws_kms_key.backup_key[*].arn)";',
      'const c = "data.aws_region.current.id";',
      "const d = `\\${data.aws_iam_policy_document.${base}_trust[0].json}`;",
      "const e = `aws_cloudwatch_log_group.${base}_logs[0].arn`;",
      "const f = `x ${y} aws_sns_topic.${t}`;",
      'const ok = ["aws:kms", "aws:SecureTransport", "var.kms_key_arn", "local.export_tables", "aws_"];',
    ].join("\n");
    expect(handTypedAddresses("sample.ts", sample).map((f) => f.line)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it("holds for every file in modules/ (lib/addresses.ts is the only home of fixed names)", () => {
    const files = typeScriptFiles(MODULES_DIR);
    expect(files.length).toBeGreaterThan(10);
    const findings = files.flatMap((f) =>
      handTypedAddresses(relative(PROJECT_ROOT, f), readFileSync(f, "utf8")).map(
        (x) => `${x.file}:${x.line}: ${JSON.stringify(x.text)}`,
      ),
    );
    expect(findings).toEqual([]);
  });
});

describe("typed references (modules/refs.ts)", () => {
  it("index or splat the resource's own address, and follow its logical id", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const bucket = new S3Bucket(stack, "b", { count: Token.asNumber("${local.n}") });
    bucket.overrideLogicalId("renamed");
    const n = new TerraformLocal(stack, "n", 1);
    n.overrideLogicalId("n");
    new TerraformLocal(stack, "refs", {
      only: `\${${only(bucket, "arn")}}`,
      inside: `\${${localRef(n)} == 1 ? ${oneOrNull(bucket, "bucketDomainName")} : null}`,
      suffix: `\${${only(bucket, "arn")}}/*`,
    });
    const locals = (JSON.parse(Testing.synth(stack)) as { locals: Record<string, unknown> }).locals;
    expect(locals.refs).toEqual({
      only: "${aws_s3_bucket.renamed[0].arn}",
      inside: "${local.n == 1 ? one(aws_s3_bucket.renamed[*].bucket_domain_name) : null}",
      suffix: "${aws_s3_bucket.renamed[0].arn}/*",
    });
  });

  it("accept only the resource's own string attributes", () => {
    const bucket = new S3Bucket(new TerraformStack(new App(), "s"), "b", {});
    // @ts-expect-error fqn is the element's, not a Terraform attribute
    expect(only(bucket, "fqn")).toContain("[0].fqn");
    // @ts-expect-error bucketInput is a cdktf getter, not a Terraform attribute
    expect(oneOrNull(bucket, "bucketInput")).toContain("bucket_input");
  });
});

/** Every `resource` and `data` address of the synthesized module, sorted. */
const PINNED_ADDRESSES = [
  "aws_athena_workgroup.history_workgroup",
  "aws_backup_plan.backup_plan",
  "aws_backup_restore_testing_plan.restore_testing_plan",
  "aws_backup_restore_testing_selection.restore_testing_selection",
  "aws_backup_selection.backup_selection",
  "aws_backup_vault.backup_vault",
  "aws_cloudwatch_event_rule.restore_test_completed_rule",
  "aws_cloudwatch_event_target.restore_test_completed_target",
  "aws_cloudwatch_log_group.capture_changes_logs",
  "aws_cloudwatch_log_group.native_export_logs",
  "aws_cloudwatch_log_group.notify_logs",
  "aws_cloudwatch_log_group.plan_exports_logs",
  "aws_cloudwatch_log_group.restore_drill_logs",
  "aws_cloudwatch_log_group.scan_export_logs",
  "aws_cloudwatch_log_group.seal_capture_logs",
  "aws_cloudwatch_log_group.validate_restore_test_logs",
  "aws_cloudwatch_log_group.verify_export_logs",
  "aws_cloudwatch_metric_alarm.capture_errors_alarm",
  "aws_cloudwatch_metric_alarm.capture_failed_batches_alarm",
  "aws_cloudwatch_metric_alarm.capture_iterator_age_alarm",
  "aws_cloudwatch_metric_alarm.capture_seal_errors_alarm",
  "aws_cloudwatch_metric_alarm.export_failed_alarm",
  "aws_cloudwatch_metric_alarm.export_freshness_alarm",
  "aws_cloudwatch_metric_alarm.restore_drill_failed_alarm",
  "aws_cloudwatch_metric_alarm.restore_test_errors_alarm",
  "aws_dynamodb_table.access_tokens_table",
  "aws_dynamodb_table.async_operations_table",
  "aws_dynamodb_table.collections_table",
  "aws_dynamodb_table.executions_table",
  "aws_dynamodb_table.files_table",
  "aws_dynamodb_table.granules_table",
  "aws_dynamodb_table.pdrs_table",
  "aws_dynamodb_table.providers_table",
  "aws_dynamodb_table.reconciliation_reports_table",
  "aws_dynamodb_table.rules_table",
  "aws_dynamodb_table.semaphores_table",
  "aws_dynamodb_table.users_table",
  "aws_glue_catalog_database.history_database",
  "aws_glue_catalog_table.history_change_lines",
  "aws_glue_catalog_table.history_changes",
  "aws_glue_catalog_table.history_export_lines",
  "aws_glue_catalog_table.history_full_exports",
  "aws_glue_catalog_table.history_incremental_exports",
  "aws_iam_role.backup_role",
  "aws_iam_role.capture_changes_role",
  "aws_iam_role.export_sfn_role",
  "aws_iam_role.native_export_role",
  "aws_iam_role.notify_role",
  "aws_iam_role.plan_exports_role",
  "aws_iam_role.restore_drill_role",
  "aws_iam_role.restore_drill_sfn_role",
  "aws_iam_role.restore_testing_role",
  "aws_iam_role.scan_export_role",
  "aws_iam_role.scheduler_role",
  "aws_iam_role.seal_capture_role",
  "aws_iam_role.seal_scheduler_role",
  "aws_iam_role.validate_restore_test_role",
  "aws_iam_role.verify_export_role",
  "aws_iam_role_policy.backup_role_policy",
  "aws_iam_role_policy.capture_changes_role_policy",
  "aws_iam_role_policy.export_sfn_role_policy",
  "aws_iam_role_policy.native_export_role_policy",
  "aws_iam_role_policy.notify_role_policy",
  "aws_iam_role_policy.plan_exports_role_policy",
  "aws_iam_role_policy.restore_drill_role_policy",
  "aws_iam_role_policy.restore_drill_sfn_role_policy",
  "aws_iam_role_policy.restore_testing_role_policy",
  "aws_iam_role_policy.scan_export_role_policy",
  "aws_iam_role_policy.scheduler_role_policy",
  "aws_iam_role_policy.seal_capture_role_policy",
  "aws_iam_role_policy.seal_scheduler_role_policy",
  "aws_iam_role_policy.validate_restore_test_role_policy",
  "aws_iam_role_policy.verify_export_role_policy",
  "aws_kms_alias.backup_key_alias",
  "aws_kms_key.backup_key",
  "aws_lambda_event_source_mapping.capture_stream",
  "aws_lambda_function.capture_changes_function",
  "aws_lambda_function.native_export_function",
  "aws_lambda_function.notify_function",
  "aws_lambda_function.plan_exports_function",
  "aws_lambda_function.restore_drill_function",
  "aws_lambda_function.scan_export_function",
  "aws_lambda_function.seal_capture_function",
  "aws_lambda_function.validate_restore_test_function",
  "aws_lambda_function.verify_export_function",
  "aws_lambda_permission.restore_test_invoke_permission",
  "aws_s3_bucket.backup_bucket",
  "aws_s3_bucket_lifecycle_configuration.backup_bucket_lifecycle",
  "aws_s3_bucket_object_lock_configuration.backup_bucket_object_lock",
  "aws_s3_bucket_ownership_controls.backup_bucket_ownership",
  "aws_s3_bucket_policy.backup_bucket_policy",
  "aws_s3_bucket_public_access_block.backup_bucket_public_access",
  "aws_s3_bucket_server_side_encryption_configuration.backup_bucket_encryption",
  "aws_s3_bucket_versioning.backup_bucket_versioning",
  "aws_scheduler_schedule.full_export_schedule",
  "aws_scheduler_schedule.incremental_export_schedule",
  "aws_scheduler_schedule.restore_drill_schedule",
  "aws_scheduler_schedule.seal_capture_schedule",
  "aws_sfn_state_machine.export_state_machine",
  "aws_sfn_state_machine.restore_drill_state_machine",
  "aws_sns_topic.alarm_topic",
  "aws_sns_topic_subscription.alarm_subscription",
  "aws_sqs_queue.capture_failed_batches",
  "data.aws_iam_policy_document.backup_bucket_policy",
  "data.aws_iam_policy_document.backup_key_policy",
  "data.aws_iam_policy_document.backup_policy",
  "data.aws_iam_policy_document.backup_trust",
  "data.aws_iam_policy_document.capture_changes_policy",
  "data.aws_iam_policy_document.capture_changes_trust",
  "data.aws_iam_policy_document.export_sfn_policy",
  "data.aws_iam_policy_document.export_sfn_trust",
  "data.aws_iam_policy_document.native_export_policy",
  "data.aws_iam_policy_document.native_export_trust",
  "data.aws_iam_policy_document.notify_policy",
  "data.aws_iam_policy_document.notify_trust",
  "data.aws_iam_policy_document.plan_exports_policy",
  "data.aws_iam_policy_document.plan_exports_trust",
  "data.aws_iam_policy_document.restore_drill_policy",
  "data.aws_iam_policy_document.restore_drill_sfn_policy",
  "data.aws_iam_policy_document.restore_drill_sfn_trust",
  "data.aws_iam_policy_document.restore_drill_trust",
  "data.aws_iam_policy_document.restore_testing_policy",
  "data.aws_iam_policy_document.restore_testing_trust",
  "data.aws_iam_policy_document.scan_export_policy",
  "data.aws_iam_policy_document.scan_export_trust",
  "data.aws_iam_policy_document.scheduler_policy",
  "data.aws_iam_policy_document.scheduler_trust",
  "data.aws_iam_policy_document.seal_capture_policy",
  "data.aws_iam_policy_document.seal_capture_trust",
  "data.aws_iam_policy_document.seal_scheduler_policy",
  "data.aws_iam_policy_document.seal_scheduler_trust",
  "data.aws_iam_policy_document.validate_restore_test_policy",
  "data.aws_iam_policy_document.validate_restore_test_trust",
  "data.aws_iam_policy_document.verify_export_policy",
  "data.aws_iam_policy_document.verify_export_trust",
  "data.aws_partition.current",
  "data.aws_region.current",
];

describe("the synthesized module's addresses", () => {
  const mod = (): Record<string, Record<string, Record<string, unknown>> | undefined> =>
    JSON.parse(readFileSync(join(inject("moduleDir"), MODULE_MAIN_FILE), "utf8")) as Record<
      string,
      Record<string, Record<string, unknown>> | undefined
    >;
  const addresses = (): string[] => {
    const m = mod();
    return [
      ...Object.entries(m.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)),
      ...Object.entries(m.data ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `data.${type}.${n}`)),
    ].sort();
  };

  it("are exactly the pinned list (a change destroys and recreates resources of existing users)", () => {
    expect(addresses()).toEqual(PINNED_ADDRESSES);
  });

  it("use every fixed name of lib/addresses.ts", () => {
    const names = new Set(addresses().map((a) => a.split(".").at(-1)));
    const fixed = [
      ...Object.values(PUBLIC_RESOURCE_NAMES),
      ...Object.values(BACKUP_BUCKET_PART_NAMES),
      ...Object.values(RESOURCE_NAMES),
    ];
    expect(fixed.filter((n) => !names.has(n))).toEqual([]);
  });
});
