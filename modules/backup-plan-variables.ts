import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog } from "../lib/catalog";
import { BackupPlanInputValues, backupPlanInputs } from "../lib/module-inputs/backup-plan-inputs";
import { declareVariables } from "../lib/synth/terraform-variable";

export {
  DEFAULT_BACKUP_PLAN_SCHEDULE,
  DEFAULT_BACKUP_RETENTION_DAYS,
  type BackupPlanInputValues,
} from "../lib/module-inputs/backup-plan-inputs";

export interface BackupPlanVariablesProps {
  readonly catalog: TableCatalog;
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: BackupPlanInputValues;
}

/**
 * The inputs of the AWS Backup plan (modules/backup-plan.ts), declared from the table in
 * lib/module-inputs/backup-plan-inputs.ts.
 */
export class BackupPlanVariables extends Construct {
  public readonly enableBackupPlan: TerraformVariable;
  public readonly backupPlanTables: TerraformVariable;
  public readonly backupPlanSchedule: TerraformVariable;
  public readonly backupRetentionDays: TerraformVariable;
  public readonly backupCopyDestinationVaultArn: TerraformVariable;
  public readonly backupCopyRetentionDays: TerraformVariable;

  constructor(scope: Construct, id: string, props: BackupPlanVariablesProps) {
    super(scope, id);
    const v = declareVariables(this, backupPlanInputs(props.catalog), props.defaults);
    this.enableBackupPlan = v.enable_backup_plan;
    this.backupPlanTables = v.backup_plan_tables;
    this.backupPlanSchedule = v.backup_plan_schedule;
    this.backupRetentionDays = v.backup_retention_days;
    this.backupCopyDestinationVaultArn = v.backup_copy_destination_vault_arn;
    this.backupCopyRetentionDays = v.backup_copy_retention_days;
  }
}
