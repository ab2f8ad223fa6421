import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { RESOURCE_NAMES } from "../lib/addresses";
import { TableCatalog } from "../lib/catalog";
import { hclString } from "../lib/hcl";
import { localRef } from "./refs";

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
  public readonly accountIdExpr: string;
  /** The region's name (`data.aws_region.current.id`; `name` is deprecated in provider 6). */
  public readonly regionExpr: string;
  public readonly partitionExpr: string;
  /** `local.resource_name_base` */
  public readonly nameBaseExpr: string;
  /** `local.table_arns`: catalog name → ARN. */
  public readonly tableArnsExpr: string;
  /** `local.table_names`: catalog name → physical name. */
  public readonly tableNamesExpr: string;

  constructor(scope: Construct, id: string, props: PipelineContextProps) {
    super(scope, id);
    const region = new DataAwsRegion(this, "region");
    region.overrideLogicalId(RESOURCE_NAMES.current);
    const partition = new DataAwsPartition(this, "partition");
    partition.overrideLogicalId(RESOURCE_NAMES.current);
    this.regionExpr = region.id;
    this.partitionExpr = partition.partition;

    this.nameBaseExpr = localRef(local(this, "resource_name_base", `\${${nameBase(props.prefixExpr)}}`));
    const tables = catalogTables(props);
    const first = tables[0];
    if (first === undefined) throw new Error("PipelineContext: the catalog has no tables");
    this.accountIdExpr = localRef(local(this, "account_id", `\${split(":", ${first.table.arn})[4]}`));
    const map = (value: (t: DynamodbTable) => string): string =>
      `\${{ ${tables.map((e) => `${hclString(e.name)} = ${value(e.table)}`).join(", ")} }}`;
    this.tableArnsExpr = localRef(
      local(
        this,
        "table_arns",
        map((t) => t.arn),
      ),
    );
    this.tableNamesExpr = localRef(
      local(
        this,
        "table_names",
        map((t) => t.name),
      ),
    );
  }
}

/** The prefix with dots dashed, shortened to a prefix part and a hash when it is long. */
function nameBase(prefixExpr: string): string {
  const dashed = `replace(${prefixExpr}, ".", "-")`;
  return `length(${prefixExpr}) <= ${NAME_BASE_MAX_LENGTH} ? ${dashed} : "\${substr(${dashed}, 0, ${NAME_BASE_KEEP})}-\${substr(sha1(${prefixExpr}), 0, ${NAME_BASE_HASH})}"`;
}

/** The table resource of every catalog table, in catalog order. */
function catalogTables(props: PipelineContextProps): { name: string; table: DynamodbTable }[] {
  return props.catalog.tables.map((t) => {
    const table = props.tables.get(t.name);
    if (table === undefined) throw new Error(`PipelineContext: no table resource for catalog table ${t.name}`);
    return { name: t.name, table };
  });
}

/** A Terraform local named exactly `name`. */
export function local(scope: Construct, name: string, expression: unknown): TerraformLocal {
  const l = new TerraformLocal(scope, name, expression);
  l.overrideLogicalId(name);
  return l;
}
