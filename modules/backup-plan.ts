import { BackupPlan as BackupPlanResource } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { PUBLIC_RESOURCE_NAMES, ROLE_BASES } from "../lib/addresses";
import { backupPolicy } from "../lib/pipeline/iam";
import { BackupPlanInputValues, BackupPlanVariables } from "./backup-plan-variables";
import { PipelineContext, local } from "./pipeline-context";
import { PipelineRole } from "./pipeline-role";
import { localRef, oneOrNull, only } from "./refs";

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
  private readonly props: BackupPlanProps;
  private readonly countExpr: string;
  private readonly count: number;
  private readonly tags: Record<string, string>;

  constructor(scope: Construct, id: string, props: BackupPlanProps) {
    super(scope, id);
    this.props = props;
    const tables = this.defineLocals();
    this.countExpr = tables.count;
    this.count = Token.asNumber(`\${${tables.count}}`);
    this.tags = Token.asStringMap(`\${${props.tagsExpr}}`);
    const vault = this.createVault();
    const role = this.createRole(vault, tables.arns);
    const plan = this.createPlan(vault);
    this.selectTables(plan, role, tables.arns);
    this.outputs = {
      vault_name: oneOrNull(vault, "name"),
      vault_arn: oneOrNull(vault, "arn"),
      plan_id: oneOrNull(plan, "id"),
      plan_arn: oneOrNull(plan, "arn"),
      role_arn: oneOrNull(role.role, "arn"),
      tables: `${tables.count} == 1 ? ${tables.names} : []`,
    };
  }

  /** Which tables are backed up (catalog names and ARNs), and whether the plan exists. */
  private defineLocals(): { names: string; count: string; arns: string } {
    const tableArns = this.props.context.tableArnsExpr;
    const names = localRef(
      local(
        this,
        "backup_plan_tables",
        `\${sort(distinct(${V("backup_plan_tables")} == null ? keys(${tableArns}) : ${V("backup_plan_tables")}))}`,
      ),
    );
    const count = localRef(
      local(this, "backup_plan_count", `\${${V("enable_backup_plan")} && length(${names}) > 0 ? 1 : 0}`),
    );
    const arns = localRef(local(this, "backup_plan_table_arns", `\${[for t in ${names} : ${tableArns}[t]]}`));
    return { names, count, arns };
  }

  private createVault(): BackupVault {
    const vault = new BackupVault(this, "vault", {
      count: this.count,
      name: `\${${this.props.context.nameBaseExpr}}-dynamodb`,
      kmsKeyArn: `\${${this.props.kmsKeyArnExpr}}`,
      tags: this.tags,
    });
    vault.overrideLogicalId(PUBLIC_RESOURCE_NAMES.backupVault);
    return vault;
  }

  /** The role AWS Backup assumes: back up exactly the selected tables, into the vault (and its copy). */
  private createRole(vault: BackupVault, tableArns: string): PipelineRole {
    return new PipelineRole(this, "role", {
      logicalBase: ROLE_BASES.backup,
      roleName: `\${${this.props.context.nameBaseExpr}}-ddb-backup`,
      servicePrincipal: "backup.amazonaws.com",
      statements: backupPolicy({
        tableArns,
        copyVaultArns: `compact([${V("backup_copy_destination_vault_arn")}])`,
        tableKmsKeyArns: `compact([${this.props.kmsKeyArnExpr}])`,
        vaultArn: only(vault, "arn"),
      }),
      countExpr: this.countExpr,
      tagsExpr: this.props.tagsExpr,
    });
  }

  /** The daily rule, with an optional copy to another vault. */
  private createPlan(vault: BackupVault): BackupPlanResource {
    const plan = new BackupPlanResource(this, "plan", {
      count: this.count,
      name: `\${${this.props.context.nameBaseExpr}}-dynamodb-daily`,
      rule: [
        {
          ruleName: "daily",
          targetVaultName: `\${${only(vault, "name")}}`,
          schedule: `\${${V("backup_plan_schedule")}}`,
          startWindow: BACKUP_START_WINDOW_MINUTES,
          completionWindow: BACKUP_COMPLETION_WINDOW_MINUTES,
          lifecycle: { deleteAfter: Token.asNumber(`\${${V("backup_retention_days")}}`) },
          recoveryPointTags: this.tags,
        },
      ],
      tags: this.tags,
    });
    plan.overrideLogicalId(PUBLIC_RESOURCE_NAMES.backupPlan);
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
    return plan;
  }

  private selectTables(plan: BackupPlanResource, role: PipelineRole, tableArns: string): void {
    new BackupSelection(this, "selection", {
      count: this.count,
      name: `\${substr(${this.props.context.nameBaseExpr}, 0, ${SELECTION_NAME_BASE_MAX})}-dynamodb-tables`,
      planId: `\${${only(plan, "id")}}`,
      iamRoleArn: `\${${role.arnExpr}}`,
      resources: Token.asList(`\${${tableArns}}`),
    }).overrideLogicalId(PUBLIC_RESOURCE_NAMES.backupSelection);
  }
}

/** `var.<name>` of one of the backup plan's variables (declared by BackupPlanVariables under exactly that name). */
function V(name: keyof BackupPlanInputValues): string {
  return `var.${name}`;
}
