import { TerraformVariable, Token, VariableType } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog, tableNames } from "../lib/catalog";
import { hclList, hclString } from "../lib/hcl";
import { moduleVariable as variable } from "../lib/synth/terraform-variable";
import { MAX_RETENTION_DAYS, wholeRange } from "./export-pipeline-variables";

/** AWS Backup takes six-field cron expressions (UTC unless a time zone is given). */
const BACKUP_CRON_REGEX = String.raw`^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$`;
const VAULT_ARN_REGEX = String.raw`^arn:aws[a-zA-Z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$`;

export const DEFAULT_BACKUP_PLAN_SCHEDULE = "cron(0 5 ? * * *)";
export const DEFAULT_BACKUP_RETENTION_DAYS = 90;

/** Values for the backup plan variables' defaults (the deployable stack fills them from cdktf.json context). */
export interface BackupPlanInputValues {
  /** @default true */
  readonly enable_backup_plan?: boolean;
  /** @default null (every catalog table) */
  readonly backup_plan_tables?: readonly string[] | null;
  /** @default "cron(0 5 ? * * *)" */
  readonly backup_plan_schedule?: string;
  /** @default 90 */
  readonly backup_retention_days?: number;
  /** @default null (no copy) */
  readonly backup_copy_destination_vault_arn?: string | null;
  /** @default null (backup_retention_days) */
  readonly backup_copy_retention_days?: number | null;
}

export interface BackupPlanVariablesProps {
  readonly catalog: TableCatalog;
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: BackupPlanInputValues;
}

/** The inputs of the AWS Backup plan (modules/backup-plan.ts). */
export class BackupPlanVariables extends Construct {
  public readonly enableBackupPlan: TerraformVariable;
  public readonly backupPlanTables: TerraformVariable;
  public readonly backupPlanSchedule: TerraformVariable;
  public readonly backupRetentionDays: TerraformVariable;
  public readonly backupCopyDestinationVaultArn: TerraformVariable;
  public readonly backupCopyRetentionDays: TerraformVariable;

  constructor(scope: Construct, id: string, props: BackupPlanVariablesProps) {
    super(scope, id);
    const d = props.defaults ?? {};
    const names = tableNames(props.catalog);
    const knownText = names.join(", ");

    this.enableBackupPlan = variable(this, "enable_backup_plan", {
      nullable: false,
      type: VariableType.BOOL,
      description:
        "Create an AWS Backup vault and a daily backup plan for the module's tables (on-demand-style recovery points kept backup_retention_days, optionally copied to another region): true or false.",
      default: d.enable_backup_plan ?? true,
    });

    this.backupPlanTables = variable(this, "backup_plan_tables", {
      nullable: true,
      type: VariableType.list(VariableType.STRING),
      description: `Catalog names of the tables the backup plan protects, or null for every table. Valid values: ${knownText}.`,
      default: d.backup_plan_tables ?? Token.nullValue(),
      validation: [
        {
          condition: `\${var.backup_plan_tables == null ? true : alltrue([for t in var.backup_plan_tables : contains(${hclList(names)}, t)])}`,
          errorMessage: `backup_plan_tables may only name catalog tables. Known tables: ${knownText}.`,
        },
      ],
    });

    this.backupPlanSchedule = variable(this, "backup_plan_schedule", {
      nullable: false,
      type: VariableType.STRING,
      description:
        "When AWS Backup takes the backups: a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) in UTC. Default: daily at 05:00 UTC.",
      default: d.backup_plan_schedule ?? DEFAULT_BACKUP_PLAN_SCHEDULE,
      validation: [
        {
          condition: `\${can(regex(${hclString(BACKUP_CRON_REGEX)}, var.backup_plan_schedule))}`,
          errorMessage:
            "backup_plan_schedule must be a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 5 ? * * *).",
        },
      ],
    });

    this.backupRetentionDays = variable(this, "backup_retention_days", {
      nullable: false,
      type: VariableType.NUMBER,
      description: `Days AWS Backup keeps each recovery point: a whole number from 1 to ${MAX_RETENTION_DAYS}.`,
      default: d.backup_retention_days ?? DEFAULT_BACKUP_RETENTION_DAYS,
      validation: [wholeRange("backup_retention_days", 1, MAX_RETENTION_DAYS)],
    });

    this.backupCopyDestinationVaultArn = variable(this, "backup_copy_destination_vault_arn", {
      nullable: true,
      type: VariableType.STRING,
      description:
        "ARN of a backup vault in another region (or account) that every recovery point is copied to, or null for no copy: arn:aws:backup:<region>:<account>:backup-vault:<name>. DynamoDB copies need AWS Backup's advanced DynamoDB features turned on in the account, and the destination vault's access policy must allow backup:CopyIntoBackupVault.",
      default: d.backup_copy_destination_vault_arn ?? Token.nullValue(),
      validation: [
        {
          condition: `\${var.backup_copy_destination_vault_arn == null || can(regex(${hclString(VAULT_ARN_REGEX)}, var.backup_copy_destination_vault_arn))}`,
          errorMessage:
            "backup_copy_destination_vault_arn must be null or a backup vault ARN such as arn:aws:backup:us-west-2:111122223333:backup-vault:dr-vault.",
        },
      ],
    });

    this.backupCopyRetentionDays = variable(this, "backup_copy_retention_days", {
      nullable: true,
      type: VariableType.NUMBER,
      description: `Days the copies in the destination vault are kept, or null for backup_retention_days: a whole number from 1 to ${MAX_RETENTION_DAYS}.`,
      default: d.backup_copy_retention_days ?? Token.nullValue(),
      validation: [
        {
          condition: `\${var.backup_copy_retention_days == null || try(var.backup_copy_retention_days >= 1 && var.backup_copy_retention_days <= ${MAX_RETENTION_DAYS} && floor(var.backup_copy_retention_days) == var.backup_copy_retention_days, false)}`,
          errorMessage: `backup_copy_retention_days must be null or a whole number from 1 to ${MAX_RETENTION_DAYS}.`,
        },
      ],
    });
  }
}
