/**
 * The table catalog: the single source of table facts.
 *
 * The Terraform module, the resource addresses, the outputs and every DR command read the tables from here.
 * The default catalog is the NASA Cumulus data-persistence table set; a user can replace it with a JSON file
 * (see {@link loadCatalog}), validated with exact, helpful errors before anything is synthesized.
 */
import { readFileSync } from "node:fs";

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

/** Thrown for any invalid catalog; the message names the field, the value and what is allowed. */
export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CatalogError";
  }
}

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

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

function fail(where: string, message: string): never {
  throw new CatalogError(`${where}: ${message}`);
}

function validateTableName(where: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || !CATALOG_NAME_PATTERN.test(value)) {
    fail(
      `${where}.name`,
      `${JSON.stringify(value)} is not allowed: a catalog table name must start with a letter and contain only A-Z, a-z, 0-9 and _ (it becomes part of the DynamoDB name "<prefix>-<name>" and of the Terraform address)`,
    );
  }
  const maxLength = TABLE_NAME_MAX_LENGTH - PREFIX_MIN_LENGTH - 1;
  if (value.length > maxLength) {
    fail(
      `${where}.name`,
      `"${value}" is ${value.length} characters; at most ${maxLength} are allowed so that "<prefix>-${value}" fits DynamoDB's ${TABLE_NAME_MAX_LENGTH}-character limit`,
    );
  }
}

function validateAttributes(
  where: string,
  attributes: unknown,
): asserts attributes is Record<string, KeyAttributeType> {
  if (attributes === null || typeof attributes !== "object" || Array.isArray(attributes)) {
    fail(`${where}.attributes`, `must be an object mapping attribute name to type (${KEY_ATTRIBUTE_TYPES.join(", ")})`);
  }
  for (const [attr, type] of Object.entries(attributes)) {
    if (!(KEY_ATTRIBUTE_TYPES as readonly unknown[]).includes(type)) {
      fail(
        `${where}.attributes.${attr}`,
        `unsupported key type ${JSON.stringify(type)}; allowed: ${KEY_ATTRIBUTE_TYPES.join(", ")} (DynamoDB keys are string, number or binary)`,
      );
    }
  }
}

function validateKey(
  where: string,
  attributes: Record<string, KeyAttributeType>,
  key: unknown,
  required: boolean,
): void {
  if (key === undefined && !required) return;
  if (typeof key !== "string" || key.length === 0) {
    fail(where, `must be the name of a declared attribute; got ${JSON.stringify(key)}`);
  }
  if (!(key in attributes)) {
    const declared = Object.keys(attributes);
    fail(
      where,
      `key attribute "${key}" is not declared in attributes (declared: ${declared.length > 0 ? declared.join(", ") : "none"})`,
    );
  }
}

function validateIndexes(where: string, table: TableSpec): Set<string> {
  const used = new Set<string>();
  const indexes = table.globalSecondaryIndexes ?? [];
  if (!Array.isArray(indexes)) fail(`${where}.globalSecondaryIndexes`, "must be an array");
  if (indexes.length > MAX_GLOBAL_SECONDARY_INDEXES) {
    fail(
      `${where}.globalSecondaryIndexes`,
      `${indexes.length} indexes declared; DynamoDB allows at most ${MAX_GLOBAL_SECONDARY_INDEXES} global secondary indexes per table`,
    );
  }
  const names = new Set<string>();
  indexes.forEach((gsi, i) => {
    const at = `${where}.globalSecondaryIndexes[${i}]`;
    if (
      typeof gsi.name !== "string" ||
      gsi.name.length < INDEX_NAME_MIN_LENGTH ||
      gsi.name.length > INDEX_NAME_MAX_LENGTH ||
      !TABLE_NAME_PATTERN.test(gsi.name)
    ) {
      fail(
        `${at}.name`,
        `${JSON.stringify(gsi.name)} is not a legal index name (${INDEX_NAME_MIN_LENGTH}-${INDEX_NAME_MAX_LENGTH} characters of A-Z, a-z, 0-9, _, -, .)`,
      );
    }
    if (names.has(gsi.name)) fail(`${at}.name`, `duplicate index name "${gsi.name}"`);
    names.add(gsi.name);
    validateKey(`${at}.hashKey`, table.attributes, gsi.hashKey, true);
    validateKey(`${at}.rangeKey`, table.attributes, gsi.rangeKey, false);
    used.add(gsi.hashKey);
    if (gsi.rangeKey !== undefined) used.add(gsi.rangeKey);
    const projection = gsi.projectionType ?? "ALL";
    if (!(PROJECTION_TYPES as readonly unknown[]).includes(projection)) {
      fail(
        `${at}.projectionType`,
        `bad projection ${JSON.stringify(projection)}; allowed: ${PROJECTION_TYPES.join(", ")}`,
      );
    }
    const nonKey = gsi.nonKeyAttributes;
    if (projection === "INCLUDE") {
      if (!Array.isArray(nonKey) || nonKey.length === 0 || nonKey.length > MAX_PROJECTED_NON_KEY_ATTRIBUTES) {
        fail(
          `${at}.nonKeyAttributes`,
          `projection INCLUDE needs 1-${MAX_PROJECTED_NON_KEY_ATTRIBUTES} non-key attribute names; got ${JSON.stringify(nonKey)}`,
        );
      }
    } else if (nonKey !== undefined) {
      fail(
        `${at}.nonKeyAttributes`,
        `bad projection: nonKeyAttributes is only allowed with projectionType INCLUDE, not ${projection}`,
      );
    }
  });
  return used;
}

function validateTable(where: string, raw: unknown): TableSpec {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail(where, "must be an object");
  const table = raw as TableSpec;
  validateTableName(where, table.name);
  const named = `${where} (${table.name})`;
  validateAttributes(named, table.attributes);
  validateKey(`${named}.hashKey`, table.attributes, table.hashKey, true);
  validateKey(`${named}.rangeKey`, table.attributes, table.rangeKey, false);
  const used = validateIndexes(named, table);
  used.add(table.hashKey);
  if (table.rangeKey !== undefined) used.add(table.rangeKey);
  for (const attr of Object.keys(table.attributes)) {
    if (!used.has(attr)) {
      fail(
        `${named}.attributes.${attr}`,
        `attribute "${attr}" is declared but not used by the table key or any index; DynamoDB accepts only key attributes in the definition`,
      );
    }
  }
  if (table.ttlAttribute !== undefined && (typeof table.ttlAttribute !== "string" || table.ttlAttribute.length === 0)) {
    fail(`${named}.ttlAttribute`, `must be a non-empty attribute name; got ${JSON.stringify(table.ttlAttribute)}`);
  }
  if (
    table.streamViewType !== undefined &&
    table.streamViewType !== null &&
    !(STREAM_VIEW_TYPES as readonly unknown[]).includes(table.streamViewType)
  ) {
    fail(
      `${named}.streamViewType`,
      `${JSON.stringify(table.streamViewType)} is not allowed; use one of ${STREAM_VIEW_TYPES.join(", ")} or null for no stream`,
    );
  }
  if (table.pointInTimeByDefault !== undefined && typeof table.pointInTimeByDefault !== "boolean") {
    fail(`${named}.pointInTimeByDefault`, `must be true or false; got ${JSON.stringify(table.pointInTimeByDefault)}`);
  }
  return table;
}

/** Validates a catalog (from code or JSON). Returns it typed, or throws a {@link CatalogError}. */
export function validateCatalog(raw: unknown): TableCatalog {
  if (raw === null || typeof raw !== "object" || !Array.isArray((raw as TableCatalog).tables)) {
    throw new CatalogError('catalog: must be an object with a "tables" array');
  }
  const tables = (raw as TableCatalog).tables;
  if (tables.length === 0) throw new CatalogError("catalog.tables: must declare at least one table");
  const seen = new Map<string, string>();
  const validated = tables.map((t, i) => {
    const table = validateTable(`tables[${i}]`, t);
    const resource = tableResourceName(table.name);
    const clash = seen.get(resource);
    if (clash !== undefined) {
      throw new CatalogError(
        clash === table.name
          ? `tables[${i}].name: duplicate table name "${table.name}"`
          : `tables[${i}].name: "${table.name}" and "${clash}" both map to the Terraform resource name "${resource}"`,
      );
    }
    seen.set(resource, table.name);
    return table;
  });
  return { tables: validated };
}

/** Where a user's catalog may come from, in order of precedence. */
export const CATALOG_ENV_VAR = "DDB_TABLE_CATALOG";
export const CATALOG_CONTEXT_KEY = "tableCatalog";

/** Reads and validates a catalog JSON file. Errors name the file. */
export function readCatalogFile(path: string): TableCatalog {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CatalogError(`catalog file ${path}: cannot be read (${(err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CatalogError(`catalog file ${path}: is not valid JSON (${(err as Error).message})`);
  }
  try {
    return validateCatalog(parsed);
  } catch (err) {
    if (err instanceof CatalogError) throw new CatalogError(`catalog file ${path}: ${err.message}`);
    throw err;
  }
}

/**
 * The catalog in force: the file named by $DDB_TABLE_CATALOG, else the file named by the `tableCatalog`
 * context value (cdktf.json), else the default Cumulus catalog.
 */
export function loadCatalog(
  options: { readonly contextPath?: string; readonly env?: NodeJS.ProcessEnv } = {},
): TableCatalog {
  const env = options.env ?? process.env;
  const fromEnv = env[CATALOG_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== "") return readCatalogFile(fromEnv);
  if (options.contextPath !== undefined && options.contextPath !== "") return readCatalogFile(options.contextPath);
  return validateCatalog(DEFAULT_CATALOG);
}
