/**
 * The table catalog: the single source of table facts.
 *
 * The Terraform module, the resource addresses, the outputs and every DR command read the tables from here.
 * The default catalog is the NASA Cumulus data-persistence table set; a user can replace it with a JSON file,
 * validated by lib/catalog-schema.ts (zod, synth and CLI only: the Lambdas import this file, never the schema) with
 * exact, helpful errors before anything is synthesized.
 * Imports only lib/errors.ts.
 */
import { UsageError } from "./errors";

/** DynamoDB key attribute types. */
export const KEY_ATTRIBUTE_TYPES = ["S", "N", "B"] as const;
export type KeyAttributeType = (typeof KEY_ATTRIBUTE_TYPES)[number];

export const PROJECTION_TYPES = ["ALL", "KEYS_ONLY", "INCLUDE"] as const;
export type ProjectionType = (typeof PROJECTION_TYPES)[number];

export const STREAM_VIEW_TYPES = ["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"] as const;
export type StreamViewType = (typeof STREAM_VIEW_TYPES)[number];

/** DynamoDB's limits that the catalog is checked against. */
export const TABLE_NAME_MIN_LENGTH = 3;
export const TABLE_NAME_MAX_LENGTH = 255;
export const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const INDEX_NAME_MIN_LENGTH = 3;
export const INDEX_NAME_MAX_LENGTH = 255;
export const MAX_GLOBAL_SECONDARY_INDEXES = 20;
export const MAX_PROJECTED_NON_KEY_ATTRIBUTES = 100;
/** Key, TTL and projected attribute names: 1-255 bytes of UTF-8 (DynamoDB's limit for key attribute names). */
export const ATTRIBUTE_NAME_MIN_BYTES = 1;
export const ATTRIBUTE_NAME_MAX_BYTES = 255;
/** Shortest prefix the module accepts; `<prefix>-<TableName>` must still be a legal DynamoDB name. */
export const PREFIX_MIN_LENGTH = 1;
/** Catalog table names become part of a Terraform identifier, so they are stricter than DynamoDB's rules. */
export const CATALOG_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

export interface GlobalSecondaryIndexSpec {
  readonly name: string;
  readonly hashKey: string;
  /** @default - no sort key */
  readonly rangeKey?: string;
  /** @default "ALL" */
  readonly projectionType?: ProjectionType;
  /** Only with projectionType INCLUDE. @default - none */
  readonly nonKeyAttributes?: readonly string[];
}

export interface TableSpec {
  /** Catalog name, e.g. `CollectionsTable`. The physical name is `${prefix}-${name}`. */
  readonly name: string;
  /** Every attribute used as a table or index key, with its type. */
  readonly attributes: Readonly<Record<string, KeyAttributeType>>;
  readonly hashKey: string;
  /** @default - no sort key */
  readonly rangeKey?: string;
  /** @default - no GSIs */
  readonly globalSecondaryIndexes?: readonly GlobalSecondaryIndexSpec[];
  /** @default - no TTL */
  readonly ttlAttribute?: string;
  /** Stream view type, or null for no stream. @default "NEW_AND_OLD_IMAGES" */
  readonly streamViewType?: StreamViewType | null;
  /** Whether the module's default `enable_point_in_time_tables` includes this table. @default false */
  readonly pointInTimeByDefault?: boolean;
}

export interface TableCatalog {
  readonly tables: readonly TableSpec[];
}

const S = "S" as const;

/** The Cumulus data-persistence tables. */
export const DEFAULT_CATALOG: TableCatalog = {
  tables: [
    {
      name: "AccessTokensTable",
      attributes: { accessToken: S },
      hashKey: "accessToken",
      ttlAttribute: "expirationTime",
    },
    { name: "AsyncOperationsTable", attributes: { id: S }, hashKey: "id" },
    {
      name: "CollectionsTable",
      attributes: { name: S, version: S },
      hashKey: "name",
      rangeKey: "version",
      pointInTimeByDefault: true,
    },
    { name: "ExecutionsTable", attributes: { arn: S }, hashKey: "arn", pointInTimeByDefault: true },
    {
      name: "FilesTable",
      attributes: { bucket: S, key: S },
      hashKey: "bucket",
      rangeKey: "key",
      pointInTimeByDefault: true,
    },
    {
      name: "GranulesTable",
      attributes: { granuleId: S, collectionId: S },
      hashKey: "granuleId",
      globalSecondaryIndexes: [
        { name: "collectionId-granuleId-index", hashKey: "collectionId", rangeKey: "granuleId", projectionType: "ALL" },
      ],
      pointInTimeByDefault: true,
    },
    { name: "PdrsTable", attributes: { pdrName: S }, hashKey: "pdrName", pointInTimeByDefault: true },
    { name: "ProvidersTable", attributes: { id: S }, hashKey: "id", pointInTimeByDefault: true },
    { name: "ReconciliationReportsTable", attributes: { name: S }, hashKey: "name" },
    { name: "RulesTable", attributes: { name: S }, hashKey: "name", pointInTimeByDefault: true },
    { name: "SemaphoresTable", attributes: { key: S }, hashKey: "key", streamViewType: null },
    { name: "UsersTable", attributes: { userName: S }, hashKey: "userName" },
  ],
};

/** Thrown for any invalid catalog or unknown table name; the message names the field, the value and what is allowed. */
export class CatalogError extends UsageError {}

/** `CollectionsTable` → `collections_table`; `ReconciliationReportsTable` → `reconciliation_reports_table`. */
export function snakeName(catalogName: string): string {
  return catalogName
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** The short key used in the `dynamo_tables` output: `collections_table` → `collections`. */
export function shortKey(catalogName: string): string {
  return snakeName(catalogName).replace(/_table$/, "");
}

/** Terraform resource name of a table: `aws_dynamodb_table.<this>`. */
export function tableResourceName(catalogName: string): string {
  const snake = snakeName(catalogName);
  return snake.endsWith("_table") ? snake : `${snake}_table`;
}

/** Physical table name for a prefix. */
export function physicalTableName(prefix: string, catalogName: string): string {
  return `${prefix}-${catalogName}`;
}

/** The longest prefix for which every `${prefix}-<TableName>` is still a legal DynamoDB table name. */
export function maxPrefixLength(catalog: TableCatalog): number {
  const longest = Math.max(...catalog.tables.map((t) => t.name.length));
  return TABLE_NAME_MAX_LENGTH - longest - 1;
}

/** The table's stream view type, or null when it has no stream (the default is NEW_AND_OLD_IMAGES). */
export function streamViewTypeOf(table: TableSpec): StreamViewType | null {
  return table.streamViewType === undefined ? "NEW_AND_OLD_IMAGES" : table.streamViewType;
}

export function hasStream(table: TableSpec): boolean {
  return streamViewTypeOf(table) !== null;
}

export function pointInTimeDefaults(catalog: TableCatalog): string[] {
  return catalog.tables.filter((t) => t.pointInTimeByDefault === true).map((t) => t.name);
}

export function tableNames(catalog: TableCatalog): string[] {
  return catalog.tables.map((t) => t.name);
}

/** Looks a table up by catalog name; the error lists the known names. */
export function findTable(catalog: TableCatalog, name: string): TableSpec {
  const table = catalog.tables.find((t) => t.name === name);
  if (table === undefined) {
    throw new CatalogError(`Unknown table "${name}". Known tables: ${tableNames(catalog).join(", ")}.`);
  }
  return table;
}

/** Why a DynamoDB table name is illegal, or undefined when it is legal. */
export function dynamoTableNameProblem(name: string): string | undefined {
  if (name.length < TABLE_NAME_MIN_LENGTH || name.length > TABLE_NAME_MAX_LENGTH) {
    return `must be ${TABLE_NAME_MIN_LENGTH}-${TABLE_NAME_MAX_LENGTH} characters long (it is ${name.length})`;
  }
  if (!TABLE_NAME_PATTERN.test(name)) {
    return "may contain only A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.)";
  }
  return undefined;
}
