import { AthenaWorkgroup } from "@cdktf/provider-aws/lib/athena-workgroup";
import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { RESOURCE_NAMES, historyTableResourceName } from "../lib/addresses";
import { TableCatalog, tableNames } from "../lib/catalog";
import {
  ATHENA_RESULTS_PREFIX,
  HISTORY_DATABASE_SUFFIX,
  HISTORY_TABLE_LIST,
  HISTORY_WORKGROUP_SUFFIX,
  HistoryTable,
  PARTITION_KEYS,
  TEXT_INPUT_FORMAT,
  TEXT_OUTPUT_FORMAT,
  projectionParameters,
  rootLocation,
  serde,
} from "../lib/pipeline/athena-tables";
import { HistoryQueriesVariables } from "./history-queries-variables";
import { local } from "./pipeline-context";
import { localRef, oneOrNull, only } from "./refs";

/** Athena's current engine: the Trino dialect the rebuild's Athena renderer writes. */
export const ATHENA_ENGINE_VERSION = "Athena engine version 3";

/** What the history queries use from the export pipeline: expressions without `${}`. */
export interface HistoryPipelineRefs {
  /** 1 when the export pipeline (and so the backup bucket and key) exists, else 0. */
  readonly countExpr: string;
  /** The bucket's name, for resources counted like the bucket. */
  readonly bucketNameExpr: string;
  /** The key in use (kms_key_arn or the module's own). */
  readonly kmsKeyArnExpr: string;
  readonly accountIdExpr: string;
  /** The short name base of the module's AWS resource names. */
  readonly nameBaseExpr: string;
}

export interface HistoryQueriesProps {
  readonly catalog: TableCatalog;
  readonly variables: HistoryQueriesVariables;
  readonly pipeline: HistoryPipelineRefs;
  /** e.g. `var.tags` */
  readonly tagsExpr: string;
}

/**
 * Queryable history (`enable_history_queries`): a Glue database with tables over the backup bucket's exports and
 * captured changes (lib/pipeline/athena-tables.ts: partition projection, no crawlers), and an Athena workgroup that
 * enforces its settings: results encrypted with the module's key under `athena-results/` in the backup bucket and a
 * per-query bytes-scanned limit. Nothing exists while the input is false; it needs the export pipeline's bucket (see
 * {@link HistoryQueries.requirement}).
 */
export class HistoryQueries extends Construct {
  /** Expressions (without `${}`) for the module's `history_queries` output; null when off. */
  public readonly outputs: Readonly<Record<string, string>>;
  /** The rule the module checks at plan (an output precondition): history queries need the backup bucket. */
  public readonly requirement: { readonly condition: string; readonly error_message: string };
  public readonly database: GlueCatalogDatabase;
  public readonly workgroup: AthenaWorkgroup;
  private readonly count: number;

  constructor(scope: Construct, id: string, props: HistoryQueriesProps) {
    super(scope, id);
    const enabled = props.variables.enableHistoryQueries.fqn;
    const countLocal = local(
      this,
      "history_queries_count",
      `\${${enabled} && ${props.pipeline.countExpr} == 1 ? 1 : 0}`,
    );
    this.count = Token.asNumber(`\${${localRef(countLocal)}}`);
    this.requirement = {
      condition: `\${!${enabled} || ${props.pipeline.countExpr} == 1}`,
      error_message:
        "enable_history_queries needs the backup bucket: set enable_export_pipeline = true with at least one table to export (export_tables, or enable_point_in_time_tables when export_tables is null), or set enable_history_queries = false.",
    };
    this.database = this.createDatabase(props);
    for (const table of HISTORY_TABLE_LIST) this.createTable(props, table);
    this.workgroup = this.createWorkgroup(props);
    this.outputs = {
      database_name: oneOrNull(this.database, "name"),
      workgroup_name: oneOrNull(this.workgroup, "name"),
      results_s3_uri: `${oneOrNull(this.workgroup, "name")} == null ? null : "s3://\${${props.pipeline.bucketNameExpr}}/${ATHENA_RESULTS_PREFIX}/"`,
    };
  }

  private createDatabase(props: HistoryQueriesProps): GlueCatalogDatabase {
    const name = `replace(lower(${props.pipeline.nameBaseExpr}), "/[^a-z0-9_]/", "_")`;
    const db = new GlueCatalogDatabase(this, "database", {
      count: this.count,
      name: `\${${name}}${HISTORY_DATABASE_SUFFIX}`,
      description:
        "History of the DynamoDB tables in the backup bucket (exports and captured changes), for Athena. Created by the data-persistence module (enable_history_queries).",
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    db.overrideLogicalId(RESOURCE_NAMES.historyDatabase);
    return db;
  }

  private createTable(props: HistoryQueriesProps, table: HistoryTable): GlueCatalogTable {
    const bucket = `\${${props.pipeline.bucketNameExpr}}`;
    const format = serde(table);
    const t = new GlueCatalogTable(this, table.name, {
      count: this.count,
      name: table.name,
      databaseName: `\${${only(this.database, "name")}}`,
      description: table.description,
      tableType: "EXTERNAL_TABLE",
      parameters: {
        ...projectionParameters(table.location, bucket, tableNames(props.catalog), true),
        classification: table.kind === "json" ? "json" : "text",
        compressionType: "gzip",
      },
      partitionKeys: PARTITION_KEYS[table.location].map((c) => ({ ...c })),
      storageDescriptor: {
        location: rootLocation(table.location, bucket),
        inputFormat: TEXT_INPUT_FORMAT,
        outputFormat: TEXT_OUTPUT_FORMAT,
        compressed: true,
        serDeInfo: { name: table.kind, serializationLibrary: format.library, parameters: format.parameters },
        columns: table.columns.map((c) => ({ ...c })),
      },
    });
    t.overrideLogicalId(historyTableResourceName(table.name));
    return t;
  }

  private createWorkgroup(props: HistoryQueriesProps): AthenaWorkgroup {
    const wg = new AthenaWorkgroup(this, "workgroup", {
      count: this.count,
      name: `\${${props.pipeline.nameBaseExpr}}${HISTORY_WORKGROUP_SUFFIX}`,
      description:
        "Queries over the DynamoDB history in the backup bucket (dynamo-dr rebuild --engine athena). Results are encrypted with the module's key; each query is limited in bytes scanned.",
      state: "ENABLED",
      forceDestroy: false,
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: Token.asNumber(`\${${props.variables.bytesScannedCutoff.fqn}}`),
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: `s3://\${${props.pipeline.bucketNameExpr}}/${ATHENA_RESULTS_PREFIX}/`,
          expectedBucketOwner: `\${${props.pipeline.accountIdExpr}}`,
          encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: `\${${props.pipeline.kmsKeyArnExpr}}` },
        },
      },
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    wg.overrideLogicalId(RESOURCE_NAMES.historyWorkgroup);
    return wg;
  }
}
