import { BackupPlan as BackupPlanResource } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { backupPolicy } from "../lib/pipeline/iam";
import { BackupPlanInputValues, BackupPlanVariables } from "./backup-plan-variables";
import { PipelineContext, local } from "./pipeline-context";
import { PipelineRole } from "./pipeline-role";

/** AWS Backup must start a job within this many minutes of the scheduled time, and finish it within the other. */
export const BACKUP_START_WINDOW_MINUTES = 60;
export const BACKUP_COMPLETION_WINDOW_MINUTES = 8 * 60;
/** Backup selection names are at most 50 characters. */
const SELECTION_NAME_BASE_MAX = 30;

export interface BackupPlanProps {
  readonly context: PipelineContext;
  readonly variables: BackupPlanVariables;
  /** Expression (without `${}`) for the tables' KMS key ARN (null: AWS-owned key). */
  readonly kmsKeyArnExpr: string;
  /** Expression (without `${}`) for the tags map. */
  readonly tagsExpr: string;
}

/**
 * The FormKiQ-style backup policy on AWS Backup: a vault, a daily plan whose recovery points are kept
 * `backup_retention_days` (90 by default) and optionally copied to a vault in another region, and a selection of the
 * module's tables, backed up by a role that may back up exactly those tables.
 */
export class BackupPlan extends Construct {
  /** Expressions (without `${}`) for the module's outputs; null when the plan is off. */
  public readonly outputs: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: BackupPlanProps) {
    super(scope, id);
    const ctx = props.context;
    const base = ctx.nameBaseExpr;
    const tags = Token.asStringMap(`\${${props.tagsExpr}}`);

    local(
      this,
      "backup_plan_tables",
      `\${sort(distinct(${V("backup_plan_tables")} == null ? keys(${ctx.tableArnsExpr}) : ${V("backup_plan_tables")}))}`,
    );
    local(this, "backup_plan_count", `\${${V("enable_backup_plan")} && length(local.backup_plan_tables) > 0 ? 1 : 0}`);
    local(this, "backup_plan_table_arns", `\${[for t in local.backup_plan_tables : ${ctx.tableArnsExpr}[t]]}`);
    const countExpr = "local.backup_plan_count";
    const count = Token.asNumber(`\${${countExpr}}`);

    const vault = new BackupVault(this, "vault", {
      count,
      name: `\${${base}}-dynamodb`,
      kmsKeyArn: `\${${props.kmsKeyArnExpr}}`,
      tags,
    });
    vault.overrideLogicalId("backup_vault");

    const role = new PipelineRole(this, "role", {
      logicalBase: "backup",
      roleName: `\${${base}}-ddb-backup`,
      servicePrincipal: "backup.amazonaws.com",
      statements: backupPolicy({
        tableArns: "local.backup_plan_table_arns",
        copyVaultArns: `compact([${V("backup_copy_destination_vault_arn")}])`,
        tableKmsKeyArns: `compact([${props.kmsKeyArnExpr}])`,
        vaultArn: "aws_backup_vault.backup_vault[0].arn",
      }),
      countExpr,
      tagsExpr: props.tagsExpr,
    });

    const plan = new BackupPlanResource(this, "plan", {
      count,
      name: `\${${base}}-dynamodb-daily`,
      rule: [
        {
          ruleName: "daily",
          targetVaultName: "${aws_backup_vault.backup_vault[0].name}",
          schedule: `\${${V("backup_plan_schedule")}}`,
          startWindow: BACKUP_START_WINDOW_MINUTES,
          completionWindow: BACKUP_COMPLETION_WINDOW_MINUTES,
          lifecycle: { deleteAfter: Token.asNumber(`\${${V("backup_retention_days")}}`) },
          recoveryPointTags: tags,
        },
      ],
      tags,
    });
    plan.overrideLogicalId("backup_plan");
    // cdktf cannot nest a dynamic block inside `rule`; the copy action is written directly.
    plan.addOverride("rule.0.dynamic.copy_action", {
      for_each: `\${${V("backup_copy_destination_vault_arn")} == null ? [] : [${V("backup_copy_destination_vault_arn")}]}`,
      content: {
        destination_vault_arn: "${copy_action.value}",
        lifecycle: {
          delete_after: `\${coalesce(${V("backup_copy_retention_days")}, ${V("backup_retention_days")})}`,
        },
      },
    });

    new BackupSelection(this, "selection", {
      count,
      name: `\${substr(${base}, 0, ${SELECTION_NAME_BASE_MAX})}-dynamodb-tables`,
      planId: "${aws_backup_plan.backup_plan[0].id}",
      iamRoleArn: `\${${role.arnExpr}}`,
      resources: Token.asList("${local.backup_plan_table_arns}"),
    }).overrideLogicalId("backup_selection");

    this.outputs = {
      vault_name: "one(aws_backup_vault.backup_vault[*].name)",
      vault_arn: "one(aws_backup_vault.backup_vault[*].arn)",
      plan_id: "one(aws_backup_plan.backup_plan[*].id)",
      plan_arn: "one(aws_backup_plan.backup_plan[*].arn)",
      role_arn: "one(aws_iam_role.backup_role[*].arn)",
      tables: "local.backup_plan_count == 1 ? local.backup_plan_tables : []",
    };
  }
}

/** `var.<name>` of one of the backup plan's variables (declared by BackupPlanVariables under exactly that name). */
function V(name: keyof BackupPlanInputValues): string {
  return `var.${name}`;
}
