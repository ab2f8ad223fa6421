/**
 * The inputs of the AWS Backup plan (declared by modules/backup-plan-variables.ts): one row per Terraform variable.
 * Imports lib/catalog.ts, lib/hcl.ts and the other input tables' constants.
 */
import { TableCatalog, tableNames } from "../catalog";
import { hclString } from "../hcl";
import { MAX_RETENTION_DAYS } from "./export-pipeline-inputs";
import { ModuleInput, tf } from "./types";
import { catalogNames, wholeRange } from "./validations";

/** AWS Backup takes six-field cron expressions (UTC unless a time zone is given). */
export const BACKUP_CRON_REGEX = String.raw`^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$`;
const VAULT_ARN_REGEX = String.raw`^arn:aws[a-zA-Z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$`;

export const DEFAULT_ENABLE_BACKUP_PLAN = true;
export const DEFAULT_BACKUP_PLAN_SCHEDULE = "cron(0 5 ? * * *)";
export const DEFAULT_BACKUP_RETENTION_DAYS = 90;

/** Values for the backup plan inputs (the deployable stack's `deploy.inputs`; they become the variables' defaults). */
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

export type BackupPlanInputName = keyof BackupPlanInputValues;

/** A row may depend on the catalog (its table names). */
type Row = (catalog: TableCatalog) => ModuleInput<BackupPlanInputName>;

/** One row per variable, in declaration order. */
const ROWS: readonly Row[] = [
  () => ({
    name: "enable_backup_plan",
    type: tf.bool,
    description:
      "Create an AWS Backup vault and a daily backup plan for the module's tables (on-demand-style recovery points kept backup_retention_days, optionally copied to another region): true or false.",
    default: DEFAULT_ENABLE_BACKUP_PLAN,
    nullable: false,
  }),
  (c) => ({
    name: "backup_plan_tables",
    type: tf.list(tf.string),
    description: `Catalog names of the tables the backup plan protects, or null for every table. Valid values: ${tableNames(c).join(", ")}.`,
    default: null,
    nullable: true,
    validation: [catalogNames("backup_plan_tables", tableNames(c), true)],
  }),
  () => ({
    name: "backup_plan_schedule",
    type: tf.string,
    description: `When AWS Backup takes the backups: a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) in UTC. Default: ${DEFAULT_BACKUP_PLAN_SCHEDULE}, daily at 05:00 UTC.`,
    default: DEFAULT_BACKUP_PLAN_SCHEDULE,
    nullable: false,
    validation: [
      {
        condition: `\${can(regex(${hclString(BACKUP_CRON_REGEX)}, var.backup_plan_schedule))}`,
        errorMessage:
          "backup_plan_schedule must be a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 5 ? * * *).",
      },
    ],
  }),
  () => ({
    name: "backup_retention_days",
    type: tf.number,
    description: `Days AWS Backup keeps each recovery point: a whole number from 1 to ${MAX_RETENTION_DAYS}.`,
    default: DEFAULT_BACKUP_RETENTION_DAYS,
    nullable: false,
    validation: [wholeRange("backup_retention_days", 1, MAX_RETENTION_DAYS)],
  }),
  () => ({
    name: "backup_copy_destination_vault_arn",
    type: tf.string,
    description:
      "ARN of a backup vault in another region (or account) that every recovery point is copied to, or null for no copy: arn:aws:backup:<region>:<account>:backup-vault:<name>. DynamoDB copies need AWS Backup's advanced DynamoDB features turned on in the account, and the destination vault's access policy must allow backup:CopyIntoBackupVault.",
    default: null,
    nullable: true,
    validation: [
      {
        condition: `\${var.backup_copy_destination_vault_arn == null || can(regex(${hclString(VAULT_ARN_REGEX)}, var.backup_copy_destination_vault_arn))}`,
        errorMessage:
          "backup_copy_destination_vault_arn must be null or a backup vault ARN such as arn:aws:backup:us-west-2:111122223333:backup-vault:dr-vault.",
      },
    ],
  }),
  () => ({
    name: "backup_copy_retention_days",
    type: tf.number,
    description: `Days the copies in the destination vault are kept, or null for backup_retention_days: a whole number from 1 to ${MAX_RETENTION_DAYS}.`,
    default: null,
    nullable: true,
    validation: [
      {
        condition: `\${var.backup_copy_retention_days == null || try(var.backup_copy_retention_days >= 1 && var.backup_copy_retention_days <= ${MAX_RETENTION_DAYS} && floor(var.backup_copy_retention_days) == var.backup_copy_retention_days, false)}`,
        errorMessage: `backup_copy_retention_days must be null or a whole number from 1 to ${MAX_RETENTION_DAYS}.`,
      },
    ],
  }),
];

export function backupPlanInputs(catalog: TableCatalog): readonly ModuleInput<BackupPlanInputName>[] {
  return ROWS.map((row) => row(catalog));
}
