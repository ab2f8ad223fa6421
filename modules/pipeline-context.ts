import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog, tableResourceName } from "../lib/catalog";
import { hclString } from "../lib/hcl";

/** Names of the pipeline's AWS resources are `<base>-…`; the base is the prefix, shortened when it is long. */
export const NAME_BASE_MAX_LENGTH = 32;
const NAME_BASE_KEEP = 25;
const NAME_BASE_HASH = 6;

export interface PipelineContextProps {
  readonly catalog: TableCatalog;
  /** Catalog name → table resource. */
  readonly tables: ReadonlyMap<string, DynamodbTable>;
  /** Expression (without `${}`) for the module's prefix. */
  readonly prefixExpr: string;
}

/**
 * Facts the export pipeline and the backup plan share: account (from a table ARN), region and partition (from the
 * provider configuration, no API call), a short name base for AWS resource
 * names (Lambda, IAM role and schedule names are limited to 64 characters and do not allow dots), and maps of the
 * tables' names and ARNs by catalog name. All are Terraform locals and data sources with stable names.
 */
export class PipelineContext extends Construct {
  /**
   * `local.account_id`: read from a table's ARN rather than with aws_caller_identity, so that plans make no AWS call
   * (offline `plan -refresh=false` keeps working) and no sts:GetCallerIdentity permission is needed.
   */
  public readonly accountIdExpr = "local.account_id";
  /** `data.aws_region.current.id` (the region name; `name` is deprecated in provider 6) */
  public readonly regionExpr = "data.aws_region.current.id";
  public readonly partitionExpr = "data.aws_partition.current.partition";
  /** `local.resource_name_base` */
  public readonly nameBaseExpr = "local.resource_name_base";
  /** `local.table_arns`: catalog name → ARN. */
  public readonly tableArnsExpr = "local.table_arns";
  /** `local.table_names`: catalog name → physical name. */
  public readonly tableNamesExpr = "local.table_names";

  constructor(scope: Construct, id: string, props: PipelineContextProps) {
    super(scope, id);
    new DataAwsRegion(this, "region").overrideLogicalId("current");
    new DataAwsPartition(this, "partition").overrideLogicalId("current");

    const p = props.prefixExpr;
    const dashed = `replace(${p}, ".", "-")`;
    local(
      this,
      "resource_name_base",
      `\${length(${p}) <= ${NAME_BASE_MAX_LENGTH} ? ${dashed} : "\${substr(${dashed}, 0, ${NAME_BASE_KEEP})}-\${substr(sha1(${p}), 0, ${NAME_BASE_HASH})}"}`,
    );
    const first = props.catalog.tables[0];
    if (first === undefined) throw new Error("PipelineContext: the catalog has no tables");
    local(this, "account_id", `\${split(":", aws_dynamodb_table.${tableResourceName(first.name)}.arn)[4]}`);
    const entries = props.catalog.tables.map((t) => {
      const resource = props.tables.get(t.name);
      if (resource === undefined) throw new Error(`PipelineContext: no table resource for catalog table ${t.name}`);
      return { name: t.name, ref: `aws_dynamodb_table.${tableResourceName(t.name)}` };
    });
    local(this, "table_arns", `\${{ ${entries.map((e) => `${hclString(e.name)} = ${e.ref}.arn`).join(", ")} }}`);
    local(this, "table_names", `\${{ ${entries.map((e) => `${hclString(e.name)} = ${e.ref}.name`).join(", ")} }}`);
  }
}

/** A Terraform local named exactly `name`. */
export function local(scope: Construct, name: string, expression: unknown): TerraformLocal {
  const l = new TerraformLocal(scope, name, expression);
  l.overrideLogicalId(name);
  return l;
}
