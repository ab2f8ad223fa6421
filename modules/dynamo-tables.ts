import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { tableResourceName } from "../lib/addresses";
import { TableCatalog, TableSpec, streamViewTypeOf } from "../lib/catalog";
import { hclString } from "../lib/hcl";

/** Terraform expressions (`${…}` strings or literals) for the table settings the module exposes as inputs. */
export interface DynamoTablesProps {
  readonly catalog: TableCatalog;
  /** Expression (without `${}`) for the table name prefix, e.g. `var.prefix`. */
  readonly prefixExpr: string;
  /** Expression (without `${}`) for the list of catalog names with PITR, e.g. `var.enable_point_in_time_tables`. */
  readonly pointInTimeTablesExpr: string;
  /** Expression (without `${}`) for the PITR period in days. */
  readonly pointInTimeRecoveryPeriodDaysExpr: string;
  /** Expression (without `${}`) for deletion protection. */
  readonly deletionProtectionExpr: string;
  /** Expression (without `${}`) for the KMS key ARN, or null. */
  readonly kmsKeyArnExpr: string;
  /** Expression (without `${}`) for the catalog name → physical name override map. */
  readonly tableNameOverridesExpr: string;
  /** Expression (without `${}`) for the tags map. */
  readonly tagsExpr: string;
}

/**
 * One `aws_dynamodb_table` per catalog table, on on-demand billing, with PITR per the input list, deletion
 * protection, SSE, streams, TTL and `prevent_destroy`. Resource names come from the catalog
 * (`aws_dynamodb_table.collections_table`): they are the public addresses the DR commands use.
 */
export class DynamoTables extends Construct {
  /** Catalog name → table resource. */
  public readonly tables: ReadonlyMap<string, DynamodbTable>;

  constructor(scope: Construct, id: string, props: DynamoTablesProps) {
    super(scope, id);
    const tables = new Map<string, DynamodbTable>();
    for (const spec of props.catalog.tables) {
      tables.set(spec.name, this.createTable(spec, props));
    }
    this.tables = tables;
  }

  private createTable(spec: TableSpec, props: DynamoTablesProps): DynamodbTable {
    const name = hclString(spec.name);
    const pitr = `contains(${props.pointInTimeTablesExpr}, ${name})`;
    const streamViewType = streamViewTypeOf(spec);
    const table = new DynamodbTable(this, tableResourceName(spec.name), {
      name: `\${lookup(${props.tableNameOverridesExpr}, ${name}, "\${${props.prefixExpr}}-${spec.name}")}`,
      billingMode: "PAY_PER_REQUEST",
      hashKey: spec.hashKey,
      rangeKey: spec.rangeKey,
      attribute: Object.entries(spec.attributes).map(([attrName, type]) => ({ name: attrName, type })),
      globalSecondaryIndex: (spec.globalSecondaryIndexes ?? []).map((gsi) => ({
        name: gsi.name,
        hashKey: gsi.hashKey,
        rangeKey: gsi.rangeKey,
        projectionType: gsi.projectionType ?? "ALL",
        nonKeyAttributes: gsi.nonKeyAttributes === undefined ? undefined : [...gsi.nonKeyAttributes],
      })),
      ttl: spec.ttlAttribute === undefined ? undefined : { attributeName: spec.ttlAttribute, enabled: true },
      streamEnabled: streamViewType !== null,
      streamViewType: streamViewType ?? undefined,
      pointInTimeRecovery: {
        enabled: Token.asAny(`\${${pitr}}`),
        recoveryPeriodInDays: Token.asNumber(`\${${pitr} ? ${props.pointInTimeRecoveryPeriodDaysExpr} : null}`),
      },
      deletionProtectionEnabled: Token.asAny(`\${${props.deletionProtectionExpr}}`),
      serverSideEncryption: {
        enabled: Token.asAny(`\${${props.kmsKeyArnExpr} != null}`),
        kmsKeyArn: `\${${props.kmsKeyArnExpr}}`,
      },
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
      lifecycle: { preventDestroy: true },
    });
    table.overrideLogicalId(tableResourceName(spec.name));
    return table;
  }
}
