/**
 * The module's table inputs (declared by modules/data-persistence-variables.ts): one row per Terraform variable.
 * Imports lib/catalog.ts, lib/hcl.ts and the row types.
 */
import {
  PREFIX_MIN_LENGTH,
  TABLE_NAME_MAX_LENGTH,
  TABLE_NAME_MIN_LENGTH,
  TableCatalog,
  maxPrefixLength,
  pointInTimeDefaults,
  tableNames,
} from "../catalog";
import { hclList } from "../hcl";
import { ModuleInput, tf } from "./types";
import { catalogNames } from "./validations";

/** PITR keeps between 1 and 35 days of continuous backups. */
export const PITR_PERIOD_MIN_DAYS = 1;
export const PITR_PERIOD_MAX_DAYS = 35;
export const DEFAULT_DELETION_PROTECTION = true;

/** The HCL regex every DynamoDB table name must match. */
const NAME_REGEX = "^[A-Za-z0-9_.-]+$";
const KMS_ARN_REGEX = "^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$";

/** Values for the table inputs (the deployable stack's `deploy.inputs`; they become the variables' defaults). */
export interface DataPersistenceInputValues {
  /** @default - required, no default */
  readonly prefix?: string;
  /** @default - the catalog's point-in-time defaults */
  readonly enable_point_in_time_tables?: readonly string[];
  /** @default 35 */
  readonly point_in_time_recovery_period_days?: number;
  /** @default true */
  readonly deletion_protection?: boolean;
  /** @default null (AWS-owned key) */
  readonly kms_key_arn?: string | null;
  /** @default {} */
  readonly table_name_overrides?: Readonly<Record<string, string>>;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

export type DataPersistenceInputName = keyof DataPersistenceInputValues;

/** A row may depend on the catalog (its table names, PITR defaults and longest name). */
type Row = (catalog: TableCatalog) => ModuleInput<DataPersistenceInputName>;

/** One row per variable, in declaration order. */
const ROWS: readonly Row[] = [
  (c) => ({
    name: "prefix",
    type: tf.string,
    description: `Prefix of every table name: tables are named "<prefix>-<TableName>". ${PREFIX_MIN_LENGTH}-${maxPrefixLength(c)} characters of A-Z, a-z, 0-9, underscore, hyphen and dot, so that every table name is a legal DynamoDB name (${TABLE_NAME_MIN_LENGTH}-${TABLE_NAME_MAX_LENGTH} characters).`,
    default: undefined,
    nullable: false,
    validation: [
      {
        // try(): null (or anything that is not a string) fails this rule with its own message.
        condition: `\${try(length(var.prefix) >= ${PREFIX_MIN_LENGTH} && length(var.prefix) <= ${maxPrefixLength(c)} && can(regex("${NAME_REGEX}", var.prefix)), false)}`,
        errorMessage: `prefix must be ${PREFIX_MIN_LENGTH}-${maxPrefixLength(c)} characters of A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.), so that every table name "<prefix>-<TableName>" is a legal DynamoDB table name (${TABLE_NAME_MIN_LENGTH}-${TABLE_NAME_MAX_LENGTH} characters of A-Za-z0-9_.-).`,
      },
    ],
  }),
  (c) => ({
    name: "enable_point_in_time_tables",
    type: tf.list(tf.string),
    description: `Catalog names of the tables that get point-in-time recovery (PITR). Valid values: ${tableNames(c).join(", ")}.`,
    default: pointInTimeDefaults(c),
    nullable: false,
    validation: [catalogNames("enable_point_in_time_tables", tableNames(c), false)],
  }),
  () => ({
    name: "point_in_time_recovery_period_days",
    type: tf.number,
    description: `Days of continuous backups PITR keeps for the PITR tables: a whole number from ${PITR_PERIOD_MIN_DAYS} to ${PITR_PERIOD_MAX_DAYS}.`,
    default: PITR_PERIOD_MAX_DAYS,
    nullable: false,
    validation: [
      {
        condition: `\${var.point_in_time_recovery_period_days >= ${PITR_PERIOD_MIN_DAYS} && var.point_in_time_recovery_period_days <= ${PITR_PERIOD_MAX_DAYS} && floor(var.point_in_time_recovery_period_days) == var.point_in_time_recovery_period_days}`,
        errorMessage: `point_in_time_recovery_period_days must be a whole number from ${PITR_PERIOD_MIN_DAYS} to ${PITR_PERIOD_MAX_DAYS} (DynamoDB keeps PITR backups for at most ${PITR_PERIOD_MAX_DAYS} days).`,
      },
    ],
  }),
  () => ({
    name: "deletion_protection",
    type: tf.bool,
    description: "Turn on DynamoDB deletion protection for every table: true or false.",
    default: DEFAULT_DELETION_PROTECTION,
    nullable: false,
  }),
  () => ({
    name: "kms_key_arn",
    type: tf.string,
    description:
      "ARN of a customer-managed KMS key (arn:aws:kms:<region>:<account>:key/<id> or alias/<name>) for table encryption, or null for the AWS-owned key.",
    default: null,
    nullable: true,
    validation: [
      {
        condition: `\${var.kms_key_arn == null || can(regex("${KMS_ARN_REGEX}", var.kms_key_arn))}`,
        errorMessage:
          "kms_key_arn must be null or a KMS key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab.",
      },
    ],
  }),
  (c) => ({
    name: "table_name_overrides",
    type: tf.map(tf.string),
    description: `Catalog table name => physical DynamoDB table name to manage instead of "<prefix>-<TableName>". Use it to adopt a table restored under a new name without replacing it. Keys: ${tableNames(c).join(", ")}. Values: ${TABLE_NAME_MIN_LENGTH}-${TABLE_NAME_MAX_LENGTH} characters of A-Za-z0-9_.-.`,
    default: {},
    nullable: false,
    validation: [
      {
        condition: `\${alltrue([for k in keys(var.table_name_overrides) : contains(${hclList(tableNames(c))}, k)])}`,
        errorMessage: `table_name_overrides keys must be catalog table names. Known tables: ${tableNames(c).join(", ")}.`,
      },
      {
        condition: `\${alltrue([for v in values(var.table_name_overrides) : length(v) >= ${TABLE_NAME_MIN_LENGTH} && length(v) <= ${TABLE_NAME_MAX_LENGTH} && can(regex("${NAME_REGEX}", v))])}`,
        errorMessage: `table_name_overrides values must be legal DynamoDB table names: ${TABLE_NAME_MIN_LENGTH}-${TABLE_NAME_MAX_LENGTH} characters of A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.).`,
      },
    ],
  }),
  () => ({
    name: "tags",
    type: tf.map(tf.string),
    description: "Tags for every resource the module creates: a map of string to string.",
    default: {},
    nullable: false,
  }),
];

export function dataPersistenceInputs(catalog: TableCatalog): readonly ModuleInput<DataPersistenceInputName>[] {
  return ROWS.map((row) => row(catalog));
}
