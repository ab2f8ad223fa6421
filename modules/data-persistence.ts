import { TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog, findTable, hasStream, shortKey } from "../lib/catalog";
import { DataPersistenceInputValues, DataPersistenceVariables } from "./data-persistence-variables";
import { DynamoTables } from "./dynamo-tables";

export interface DataPersistenceProps {
  readonly catalog: TableCatalog;
  /** Defaults for the module's variables (the deployable stack fills them from context). @default - module defaults */
  readonly defaults?: DataPersistenceInputValues;
}

/**
 * The whole data-persistence module: its variables, the catalog's tables and the outputs.
 * Used unchanged by the module stack (synthesized for plain HCL consumers) and by the deployable stack.
 * Later capabilities (export pipeline, backup plans) attach here.
 */
export class DataPersistence extends Construct {
  public readonly variables: DataPersistenceVariables;
  public readonly tables: DynamoTables;

  constructor(scope: Construct, id: string, props: DataPersistenceProps) {
    super(scope, id);
    const vars = new DataPersistenceVariables(this, "variables", { catalog: props.catalog, defaults: props.defaults });
    this.variables = vars;
    this.tables = new DynamoTables(this, "tables", {
      catalog: props.catalog,
      prefixExpr: "var.prefix",
      pointInTimeTablesExpr: "var.enable_point_in_time_tables",
      pointInTimeRecoveryPeriodDaysExpr: "var.point_in_time_recovery_period_days",
      deletionProtectionExpr: "var.deletion_protection",
      kmsKeyArnExpr: "var.kms_key_arn",
      tableNameOverridesExpr: "var.table_name_overrides",
      tagsExpr: "var.tags",
    });

    const entries = [...this.tables.tables.entries()];
    output(this, "dynamo_tables", {
      description:
        "Every table by short key (access_tokens, collections, granules, …): { name, arn, stream_arn }. stream_arn is null for tables without a stream.",
      value: Object.fromEntries(
        entries.map(([catalogName, t]) => [
          shortKey(catalogName),
          {
            name: t.name,
            arn: t.arn,
            stream_arn: hasStream(findTable(props.catalog, catalogName)) ? t.streamArn : Token.nullValue(),
          },
        ]),
      ),
    });
    output(this, "table_names", {
      description: "Catalog table name (CollectionsTable, …) => physical DynamoDB table name.",
      value: Object.fromEntries(entries.map(([catalogName, t]) => [catalogName, t.name])),
    });
    output(this, "table_arns", {
      description: "Catalog table name => table ARN, e.g. for IAM policies of consumers.",
      value: Object.fromEntries(entries.map(([catalogName, t]) => [catalogName, t.arn])),
    });
    output(this, "point_in_time_tables", {
      description: "Catalog names of the tables with point-in-time recovery enabled.",
      value: vars.enablePointInTimeTables.listValue,
    });
  }
}

function output(scope: Construct, name: string, config: ConstructorParameters<typeof TerraformOutput>[2]): void {
  const o = new TerraformOutput(scope, name, config);
  o.overrideLogicalId(name);
}
