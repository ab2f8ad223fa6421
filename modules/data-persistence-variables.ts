import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog } from "../lib/catalog";
import { DataPersistenceInputValues, dataPersistenceInputs } from "../lib/module-inputs/table-inputs";
import { declareVariables } from "../lib/synth/terraform-variable";

export {
  PITR_PERIOD_MAX_DAYS,
  PITR_PERIOD_MIN_DAYS,
  type DataPersistenceInputValues,
} from "../lib/module-inputs/table-inputs";

export interface DataPersistenceVariablesProps {
  readonly catalog: TableCatalog;
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: DataPersistenceInputValues;
}

/**
 * The module's table inputs as Terraform variables, declared from the table in lib/module-inputs/table-inputs.ts
 * (type, description, default and validation per variable). `var.<name>` is what consumers set.
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
    const v = declareVariables(this, dataPersistenceInputs(props.catalog), props.defaults);
    this.prefix = v.prefix;
    this.enablePointInTimeTables = v.enable_point_in_time_tables;
    this.pointInTimeRecoveryPeriodDays = v.point_in_time_recovery_period_days;
    this.deletionProtection = v.deletion_protection;
    this.kmsKeyArn = v.kms_key_arn;
    this.tableNameOverrides = v.table_name_overrides;
    this.tags = v.tags;
  }
}
