/**
 * The Glue tables over the backup bucket's history (module input `enable_history_queries`), described once: the module
 * (modules/history-queries.ts) creates them from these descriptions, the Athena dialect (lib/history/athena-dialect.ts)
 * reads them, and the README's queries name them. Nothing is crawled: every table uses partition projection, so a new
 * export or a new hour of captured changes is queryable the moment its objects exist.
 *
 * ```
 * exports/<CatalogName>/AWSDynamoDB/<export id>/data/*.json.gz       full (native or scan) and incremental exports
 * changes/<CatalogName>/<yyyy>/<mm>/<dd>/<hh>/<shard>/*.json.gz       captured changes
 * ```
 *
 * Each location has two kinds of table:
 * - JSON tables (the OpenX JSON SerDe) for people: columns by field (`eventname`, `useridentity.type`); item values
 *   (`item`, `keys`, `newimage`, `oldimage`) are string columns holding DynamoDB JSON, read with json_extract;
 * - line tables (one string column `line`, each line's text as stored) for the rebuild, whose items must come out
 *   byte for byte as stored (a JSON SerDe re-serializes what it parses).
 */
import { AWS_EXPORT_DIR, DATA_DIR } from "../export-format/constants";
import { EXPORTS_PREFIX } from "./config";

/** Captured changes live under `changes/` (lib/capture/config.ts; repeated here so the module needs no capture code). */
export const CHANGES_PREFIX = "changes";
/** Athena writes query results (and the rebuild's UNLOAD output, under its own folder) below this prefix. */
export const ATHENA_RESULTS_PREFIX = "athena-results";

/** The workgroup stops a query once it has scanned this many bytes (1 TiB, about 5 USD at 5 USD per TB). */
export const DEFAULT_BYTES_SCANNED_CUTOFF = 1024 ** 4;
/** Athena's smallest allowed per-query limit (10 MB). */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;
/** Athena's largest query string, in bytes (StartQueryExecution refuses longer ones). */
export const ATHENA_MAX_QUERY_BYTES = 262_144;

/** Partition projection of the hour folders: `2026/12/01/03`, from this hour on. */
export const CHANGE_HOUR_FORMAT = "yyyy/MM/dd/HH";
export const CHANGE_HOUR_RANGE_START = "2020/01/01/00";

export const OPENX_JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe";
export const LAZY_SIMPLE_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
export const TEXT_INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat";
export const TEXT_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
/**
 * Field delimiter of the line tables: U+0001, which JSON never leaves unescaped, so a line is never split (the DuckDB
 * dialect reads lines the same way).
 */
export const LINE_FIELD_DELIMITER = "\u0001";

export type HistoryLocation = "exports" | "changes";

export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

export interface HistoryTable {
  /** The Glue table's name (also its logical id in the module). */
  readonly name: string;
  readonly location: HistoryLocation;
  readonly kind: "json" | "lines";
  readonly description: string;
  readonly columns: readonly GlueColumn[];
}

const IMAGE = 'DynamoDB JSON text ({"attr":{"S":"…"}}), read with json_extract';
const LINE: GlueColumn = { name: "line", type: "string", comment: "The stored JSON line, byte for byte." };

export const HISTORY_TABLES = {
  fullExports: {
    name: "full_exports",
    location: "exports",
    kind: "json",
    description: "Full exports (native and scan): one row per item. Partitions: table_name, export_id.",
    columns: [{ name: "item", type: "string", comment: `The item: ${IMAGE}.` }],
  },
  incrementalExports: {
    name: "incremental_exports",
    location: "exports",
    kind: "json",
    description: "Incremental exports: one row per changed key. Partitions: table_name, export_id.",
    columns: [
      {
        name: "metadata",
        type: "struct<writetimestampmicros:struct<n:string>>",
        comment: "metadata.writetimestampmicros.n: the write time, in microseconds since 1970, as text.",
      },
      { name: "keys", type: "string", comment: `The key: ${IMAGE}.` },
      { name: "newimage", type: "string", comment: `The item after the write (NULL for a delete): ${IMAGE}.` },
      { name: "oldimage", type: "string", comment: `The item before the write: ${IMAGE}.` },
    ],
  },
  changes: {
    name: "changes",
    location: "changes",
    kind: "json",
    description: "Captured changes: one row per stream record. Partitions: table_name, hour (yyyy/MM/dd/HH, UTC).",
    columns: [
      { name: "eventid", type: "string", comment: "The stream record's eventID." },
      { name: "eventname", type: "string", comment: "INSERT, MODIFY or REMOVE." },
      { name: "shardid", type: "string", comment: "The stream shard the record came from." },
      { name: "sequencenumber", type: "string", comment: "Stream sequence number (digits; order within a shard)." },
      {
        name: "approximatecreationdatetime",
        type: "double",
        comment: "When the change was made: epoch seconds (the stream's precision).",
      },
      {
        name: "useridentity",
        type: "struct<type:string,principalid:string>",
        comment: "NULL for writes by users; type Service, principalid dynamodb.amazonaws.com for TTL deletes.",
      },
      { name: "keys", type: "string", comment: `The key: ${IMAGE}.` },
      { name: "newimage", type: "string", comment: `The item after the change (NULL for REMOVE): ${IMAGE}.` },
      { name: "oldimage", type: "string", comment: `The item before the change (NULL for INSERT): ${IMAGE}.` },
    ],
  },
  exportLines: {
    name: "export_lines",
    location: "exports",
    kind: "lines",
    description:
      "Every line of every export data file, as stored (for the rebuild). Partitions: table_name, export_id.",
    columns: [LINE],
  },
  changeLines: {
    name: "change_lines",
    location: "changes",
    kind: "lines",
    description: "Every line of every change object, as stored (for the rebuild). Partitions: table_name, hour.",
    columns: [LINE],
  },
} as const satisfies Record<string, HistoryTable>;

export const HISTORY_TABLE_LIST: readonly HistoryTable[] = Object.values(HISTORY_TABLES);

/** Partition columns of each location (all strings). */
export const PARTITION_KEYS: Record<HistoryLocation, readonly GlueColumn[]> = {
  exports: [
    { name: "table_name", type: "string", comment: "The catalog table name (CollectionsTable, …)." },
    {
      name: "export_id",
      type: "string",
      comment: "The export's id (its folder under AWSDynamoDB/): give it in WHERE.",
    },
  ],
  changes: [
    { name: "table_name", type: "string", comment: "The catalog table name (CollectionsTable, …)." },
    { name: "hour", type: "string", comment: "The UTC hour of the changes, yyyy/MM/dd/HH, e.g. 2026/12/01/03." },
  ],
};

/**
 * The S3 location template of a location's partitions: `${table_name}` and `${export_id}` / `${hour}` are Athena's
 * projection placeholders. `terraform` escapes them (`$${…}`) for a Terraform string, which would otherwise read them
 * as references.
 */
export function locationTemplate(location: HistoryLocation, bucket: string, terraform = false): string {
  const ph = (name: string): string => `${terraform ? "$$" : "$"}{${name}}`;
  return location === "exports"
    ? `s3://${bucket}/${EXPORTS_PREFIX}/${ph("table_name")}/${AWS_EXPORT_DIR}/${ph("export_id")}/${DATA_DIR}/`
    : `s3://${bucket}/${CHANGES_PREFIX}/${ph("table_name")}/${ph("hour")}/`;
}

/** The table's root location (Athena requires one; projection decides the partitions' locations). */
export function rootLocation(location: HistoryLocation, bucket: string): string {
  return `s3://${bucket}/${location === "exports" ? EXPORTS_PREFIX : CHANGES_PREFIX}/`;
}

/** The Glue table parameters: partition projection (no crawler, no partitions to add). */
export function projectionParameters(
  location: HistoryLocation,
  bucket: string,
  catalogTables: readonly string[],
  terraform = false,
): Record<string, string> {
  const common = {
    EXTERNAL: "TRUE",
    "projection.enabled": "true",
    "projection.table_name.type": "enum",
    "projection.table_name.values": catalogTables.join(","),
    "storage.location.template": locationTemplate(location, bucket, terraform),
  };
  if (location === "exports") return { ...common, "projection.export_id.type": "injected" };
  return {
    ...common,
    "projection.hour.type": "date",
    "projection.hour.format": CHANGE_HOUR_FORMAT,
    "projection.hour.range": `${CHANGE_HOUR_RANGE_START},NOW`,
    "projection.hour.interval": "1",
    "projection.hour.interval.unit": "HOURS",
  };
}

/** The SerDe of a table: OpenX JSON (manifests in the hour folders are skipped as malformed), or whole lines. */
export function serde(table: HistoryTable): { library: string; parameters: Record<string, string> } {
  if (table.kind === "lines") {
    return {
      library: LAZY_SIMPLE_SERDE,
      parameters: { "field.delim": LINE_FIELD_DELIMITER, "serialization.format": LINE_FIELD_DELIMITER },
    };
  }
  // The hour folders also hold the seal's manifest-summary.json (indented JSON): its lines are not JSON objects.
  const malformed: Record<string, string> = table.location === "changes" ? { "ignore.malformed.json": "TRUE" } : {};
  return { library: OPENX_JSON_SERDE, parameters: { "case.insensitive": "TRUE", ...malformed } };
}

/** The Glue database is `<name base, lower case, anything else as _>_ddb_history`; the workgroup `<name base>-ddb-history`. */
export const HISTORY_DATABASE_SUFFIX = "_ddb_history";
export const HISTORY_WORKGROUP_SUFFIX = "-ddb-history";
