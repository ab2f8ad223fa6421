import { TerraformVariable, Token, VariableType } from "cdktf";
import { Construct } from "constructs";
import {
  TableCatalog,
  TABLE_NAME_MAX_LENGTH,
  TABLE_NAME_MIN_LENGTH,
  maxPrefixLength,
  pointInTimeDefaults,
  PREFIX_MIN_LENGTH,
  tableNames,
} from "../lib/catalog";
import { hclList } from "../lib/hcl";
import { moduleVariable as variable } from "../lib/synth/terraform-variable";

/** PITR keeps between 1 and 35 days of continuous backups. */
export const PITR_PERIOD_MIN_DAYS = 1;
export const PITR_PERIOD_MAX_DAYS = 35;

/** The HCL regex every DynamoDB table name must match. */
const NAME_REGEX = "^[A-Za-z0-9_.-]+$";
const KMS_ARN_REGEX = "^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$";

/** Values for the variables' defaults; the deployable stack fills them from cdktf.json context. */
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

export interface DataPersistenceVariablesProps {
  readonly catalog: TableCatalog;
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: DataPersistenceInputValues;
}

/**
 * The module's table inputs as Terraform variables, each with type, description, default and validation.
 * Variable names are the module's public interface: `var.<name>` is what consumers set.
 */
export class DataPersistenceVariables extends Construct {
  public readonly prefix: TerraformVariable;
  public readonly enablePointInTimeTables: TerraformVariable;
  public readonly pointInTimeRecoveryPeriodDays: TerraformVariable;
  public readonly deletionProtection: TerraformVariable;
  public readonly kmsKeyArn: TerraformVariable;
  public readonly tableNameOverrides: TerraformVariable;
  public readonly tags: TerraformVariable;

  constructor(scope: Construct, id: string, props: DataPersistenceVariablesProps) {
    super(scope, id);
    const names = tableNames(props.catalog);
    const known = hclList(names);
    const knownText = names.join(", ");
    const d = props.defaults ?? {};
    const maxPrefix = maxPrefixLength(props.catalog);

    this.prefix = variable(this, "prefix", {
      type: VariableType.STRING,
      description: `Prefix of every table name: tables are named "<prefix>-<TableName>". ${PREFIX_MIN_LENGTH}-${maxPrefix} characters of A-Z, a-z, 0-9, underscore, hyphen and dot, so that every table name is a legal DynamoDB name (${TABLE_NAME_MIN_LENGTH}-${TABLE_NAME_MAX_LENGTH} characters).`,
      default: d.prefix,
      validation: [
        {
          condition: `\${length(var.prefix) >= ${PREFIX_MIN_LENGTH} && length(var.prefix) <= ${maxPrefix} && can(regex("${NAME_REGEX}", var.prefix))}`,
          errorMessage: `prefix must be ${PREFIX_MIN_LENGTH}-${maxPrefix} characters of A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.), so that every table name "<prefix>-<TableName>" is a legal DynamoDB table name (${TABLE_NAME_MIN_LENGTH}-${TABLE_NAME_MAX_LENGTH} characters of A-Za-z0-9_.-).`,
        },
      ],
    });

    this.enablePointInTimeTables = variable(this, "enable_point_in_time_tables", {
      nullable: false,
      type: VariableType.list(VariableType.STRING),
      description: `Catalog names of the tables that get point-in-time recovery (PITR). Valid values: ${knownText}.`,
      default: d.enable_point_in_time_tables ?? pointInTimeDefaults(props.catalog),
      validation: [
        {
          condition: `\${alltrue([for t in var.enable_point_in_time_tables : contains(${known}, t)])}`,
          errorMessage: `enable_point_in_time_tables may only name catalog tables. Known tables: ${knownText}.`,
        },
      ],
    });

    this.pointInTimeRecoveryPeriodDays = variable(this, "point_in_time_recovery_period_days", {
      nullable: false,
      type: VariableType.NUMBER,
      description: `Days of continuous backups PITR keeps for the PITR tables: a whole number from ${PITR_PERIOD_MIN_DAYS} to ${PITR_PERIOD_MAX_DAYS}.`,
      default: d.point_in_time_recovery_period_days ?? PITR_PERIOD_MAX_DAYS,
      validation: [
        {
          condition: `\${var.point_in_time_recovery_period_days >= ${PITR_PERIOD_MIN_DAYS} && var.point_in_time_recovery_period_days <= ${PITR_PERIOD_MAX_DAYS} && floor(var.point_in_time_recovery_period_days) == var.point_in_time_recovery_period_days}`,
          errorMessage: `point_in_time_recovery_period_days must be a whole number from ${PITR_PERIOD_MIN_DAYS} to ${PITR_PERIOD_MAX_DAYS} (DynamoDB keeps PITR backups for at most ${PITR_PERIOD_MAX_DAYS} days).`,
        },
      ],
    });

    this.deletionProtection = variable(this, "deletion_protection", {
      nullable: false,
      type: VariableType.BOOL,
      description: "Turn on DynamoDB deletion protection for every table: true or false.",
      default: d.deletion_protection ?? true,
    });

    this.kmsKeyArn = variable(this, "kms_key_arn", {
      type: VariableType.STRING,
      description:
        "ARN of a customer-managed KMS key (arn:aws:kms:<region>:<account>:key/<id> or alias/<name>) for table encryption, or null for the AWS-owned key.",
      default: d.kms_key_arn ?? Token.nullValue(),
      nullable: true,
      validation: [
        {
          condition: `\${var.kms_key_arn == null || can(regex("${KMS_ARN_REGEX}", var.kms_key_arn))}`,
          errorMessage:
            "kms_key_arn must be null or a KMS key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab.",
        },
      ],
    });

    this.tableNameOverrides = variable(this, "table_name_overrides", {
      nullable: false,
      type: VariableType.map(VariableType.STRING),
      description: `Catalog table name => physical DynamoDB table name to manage instead of "<prefix>-<TableName>". Use it to adopt a table restored under a new name without replacing it. Keys: ${knownText}. Values: ${TABLE_NAME_MIN_LENGTH}-${TABLE_NAME_MAX_LENGTH} characters of A-Za-z0-9_.-.`,
      default: d.table_name_overrides ?? {},
      validation: [
        {
          condition: `\${alltrue([for k in keys(var.table_name_overrides) : contains(${known}, k)])}`,
          errorMessage: `table_name_overrides keys must be catalog table names. Known tables: ${knownText}.`,
        },
        {
          condition: `\${alltrue([for v in values(var.table_name_overrides) : length(v) >= ${TABLE_NAME_MIN_LENGTH} && length(v) <= ${TABLE_NAME_MAX_LENGTH} && can(regex("${NAME_REGEX}", v))])}`,
          errorMessage: `table_name_overrides values must be legal DynamoDB table names: ${TABLE_NAME_MIN_LENGTH}-${TABLE_NAME_MAX_LENGTH} characters of A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.).`,
        },
      ],
    });

    this.tags = variable(this, "tags", {
      nullable: false,
      type: VariableType.map(VariableType.STRING),
      description: "Tags for every resource the module creates: a map of string to string.",
      default: d.tags ?? {},
    });
  }
}
