/**
 * Validation and loading of the table catalog (lib/catalog.ts): a zod schema for its shape (types, null entries,
 * unknown fields with the close match), then the rules between fields (keys declared as own attributes, projections,
 * duplicates, DynamoDB's limits). Runs at synth and in the DR commands, never in a Lambda (the bundles import
 * lib/catalog.ts only, so zod stays out of them). Every error is a {@link CatalogError} (kind "usage", exit 2) naming
 * the input path, the value and what is allowed.
 * Imports lib/catalog.ts, lib/errors.ts (through it), lib/schema-errors.ts and zod.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  ATTRIBUTE_NAME_MAX_BYTES,
  ATTRIBUTE_NAME_MIN_BYTES,
  CATALOG_NAME_PATTERN,
  CatalogError,
  DEFAULT_CATALOG,
  INDEX_NAME_MAX_LENGTH,
  INDEX_NAME_MIN_LENGTH,
  KEY_ATTRIBUTE_TYPES,
  MAX_GLOBAL_SECONDARY_INDEXES,
  MAX_PROJECTED_NON_KEY_ATTRIBUTES,
  PREFIX_MIN_LENGTH,
  PROJECTION_TYPES,
  STREAM_VIEW_TYPES,
  TABLE_NAME_MAX_LENGTH,
  TABLE_NAME_PATTERN,
  TableCatalog,
  TableSpec,
  tableResourceName,
} from "./catalog";
import { errorFrom, issueToReport, showPath, showValue, strictObject, unknownFieldMessage } from "./schema-errors";

/** Where a user's catalog may come from, in order of precedence. */
export const CATALOG_ENV_VAR = "DDB_TABLE_CATALOG";
export const CATALOG_CONTEXT_KEY = "tableCatalog";

/** The longest catalog table name: `<prefix>-<name>` must fit DynamoDB's table-name limit with the shortest prefix. */
export const CATALOG_NAME_MAX_LENGTH = TABLE_NAME_MAX_LENGTH - PREFIX_MIN_LENGTH - 1;

const utf8Bytes = (s: string): number => Buffer.byteLength(s, "utf8");
const ATTRIBUTE_NAME_RULE = `an attribute name is a string of ${ATTRIBUTE_NAME_MIN_BYTES}-${ATTRIBUTE_NAME_MAX_BYTES} bytes (UTF-8), DynamoDB's limit`;
const attributeNameProblem = (v: unknown): string =>
  `${showValue(v)} is not allowed${typeof v === "string" ? ` (${utf8Bytes(v)} bytes)` : ""}; ${ATTRIBUTE_NAME_RULE}`;

const attributeName = z
  .string(errorFrom(attributeNameProblem))
  .refine(
    (s) => utf8Bytes(s) >= ATTRIBUTE_NAME_MIN_BYTES && utf8Bytes(s) <= ATTRIBUTE_NAME_MAX_BYTES,
    errorFrom(attributeNameProblem),
  );

const keyName = z.string(errorFrom((v) => `must be the name of a declared attribute; got ${showValue(v)}`));

const INDEX_NAME_RULE = `is not a legal index name (${INDEX_NAME_MIN_LENGTH}-${INDEX_NAME_MAX_LENGTH} characters of A-Z, a-z, 0-9, _, -, .)`;
const indexName = z.string(errorFrom((v) => `${showValue(v)} ${INDEX_NAME_RULE}`)).refine(
  (s) => s.length >= INDEX_NAME_MIN_LENGTH && s.length <= INDEX_NAME_MAX_LENGTH && TABLE_NAME_PATTERN.test(s),
  errorFrom((v) => `${showValue(v)} ${INDEX_NAME_RULE}`),
);

const indexSchema = strictObject(
  {
    name: indexName,
    hashKey: keyName,
    rangeKey: keyName.optional(),
    projectionType: z
      .enum(
        PROJECTION_TYPES,
        errorFrom((v) => `bad projection ${showValue(v)}; allowed: ${PROJECTION_TYPES.join(", ")}`),
      )
      .optional(),
    nonKeyAttributes: z
      .array(
        attributeName,
        errorFrom((v) => `${showValue(v)} is not allowed; a list of attribute names`),
      )
      .optional(),
  },
  "an index is an object { name, hashKey, rangeKey?, projectionType?, nonKeyAttributes? }",
);

const TABLE_NAME_RULE =
  'a catalog table name must start with a letter and contain only A-Z, a-z, 0-9 and _ (it becomes part of the DynamoDB name "<prefix>-<name>" and of the Terraform address)';
const tableName = z
  .string(errorFrom((v) => `${showValue(v)} is not allowed: ${TABLE_NAME_RULE}`))
  .regex(
    CATALOG_NAME_PATTERN,
    errorFrom((v) => `${showValue(v)} is not allowed: ${TABLE_NAME_RULE}`),
  )
  .max(
    CATALOG_NAME_MAX_LENGTH,
    errorFrom(
      (v) =>
        `${JSON.stringify(v)} is ${String(v).length} characters; at most ${CATALOG_NAME_MAX_LENGTH} are allowed so that "<prefix>-${String(v)}" fits DynamoDB's ${TABLE_NAME_MAX_LENGTH}-character limit`,
    ),
  );

const tableSchema = strictObject(
  {
    name: tableName,
    attributes: z.record(
      z.string(),
      z.enum(
        KEY_ATTRIBUTE_TYPES,
        errorFrom(
          (v) =>
            `unsupported key type ${showValue(v)}; allowed: ${KEY_ATTRIBUTE_TYPES.join(", ")} (DynamoDB keys are string, number or binary)`,
        ),
      ),
      errorFrom(
        (v) =>
          `${showValue(v)} is not allowed; must be an object mapping attribute name to type (${KEY_ATTRIBUTE_TYPES.join(", ")})`,
      ),
    ),
    hashKey: keyName,
    rangeKey: keyName.optional(),
    globalSecondaryIndexes: z
      .array(
        indexSchema,
        errorFrom((v) => `${showValue(v)} is not allowed; must be an array of indexes`),
      )
      .max(
        MAX_GLOBAL_SECONDARY_INDEXES,
        errorFrom(
          (v) =>
            `${(v as unknown[]).length} indexes declared; DynamoDB allows at most ${MAX_GLOBAL_SECONDARY_INDEXES} global secondary indexes per table`,
        ),
      )
      .optional(),
    ttlAttribute: attributeName.optional(),
    streamViewType: z
      .enum(
        STREAM_VIEW_TYPES,
        errorFrom(
          (v) => `${showValue(v)} is not allowed; use one of ${STREAM_VIEW_TYPES.join(", ")} or null for no stream`,
        ),
      )
      .nullable()
      .optional(),
    pointInTimeByDefault: z.boolean(errorFrom((v) => `must be true or false; got ${showValue(v)}`)).optional(),
  },
  "a table is an object { name, attributes, hashKey, rangeKey?, globalSecondaryIndexes?, ttlAttribute?, streamViewType?, pointInTimeByDefault? }",
);

const catalogSchema = z.strictObject(
  {
    tables: z
      .array(
        tableSchema,
        errorFrom((v) => `${showValue(v)} is not allowed; must be an array of tables`),
      )
      .min(
        1,
        errorFrom(() => "must declare at least one table"),
      ),
  },
  {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? unknownFieldMessage(String((iss as { keys?: string[] }).keys?.[0]), ["tables"])
        : 'must be an object with a "tables" array',
  },
);

/** `tables[2] (OrdersTable).hashKey`: the table's name is shown once it is a string (not on the name itself). */
function catalogPath(raw: unknown, path: readonly PropertyKey[]): string {
  const [first, index, field, ...rest] = path;
  if (first !== "tables" || typeof index !== "number") return showPath("catalog", path);
  const name = (raw as { tables: { name?: unknown }[] }).tables[index]?.name;
  const label = field !== undefined && field !== "name" && typeof name === "string" ? ` (${name})` : "";
  return showPath(`tables[${index}]${label}`, field === undefined ? [] : [field, ...rest]);
}

/** The first problem zod found, as `<path>: <message>`. */
function shapeError(raw: unknown, issue: z.core.$ZodIssue): CatalogError {
  const keys = issue.code === "unrecognized_keys" ? issue.keys.slice(0, 1) : [];
  return new CatalogError(`${catalogPath(raw, [...issue.path, ...keys])}: ${issue.message}`);
}

function fail(where: string, message: string): never {
  throw new CatalogError(`${where}: ${message}`);
}

/** A key must name an attribute declared on the table itself (own property: "constructor" is not declared). */
function checkKey(where: string, attributes: TableSpec["attributes"], key: string | undefined): void {
  if (key === undefined) return;
  if (!Object.hasOwn(attributes, key)) {
    const declared = Object.keys(attributes);
    fail(
      where,
      `key attribute ${showValue(key)} is not declared in attributes (declared: ${declared.length > 0 ? declared.join(", ") : "none"})`,
    );
  }
}

function checkIndexes(where: string, table: TableSpec): Set<string> {
  const used = new Set<string>();
  const names = new Set<string>();
  (table.globalSecondaryIndexes ?? []).forEach((gsi, i) => {
    const at = `${where}.globalSecondaryIndexes[${i}]`;
    if (names.has(gsi.name)) fail(`${at}.name`, `duplicate index name "${gsi.name}"`);
    names.add(gsi.name);
    checkKey(`${at}.hashKey`, table.attributes, gsi.hashKey);
    checkKey(`${at}.rangeKey`, table.attributes, gsi.rangeKey);
    used.add(gsi.hashKey);
    if (gsi.rangeKey !== undefined) used.add(gsi.rangeKey);
    const projection = gsi.projectionType ?? "ALL";
    const nonKey = gsi.nonKeyAttributes;
    if (projection === "INCLUDE") {
      if (nonKey === undefined || nonKey.length === 0 || nonKey.length > MAX_PROJECTED_NON_KEY_ATTRIBUTES) {
        fail(
          `${at}.nonKeyAttributes`,
          `projection INCLUDE needs 1-${MAX_PROJECTED_NON_KEY_ATTRIBUTES} non-key attribute names; got ${showValue(nonKey)}`,
        );
      }
      const dup = nonKey.find((a, j) => nonKey.indexOf(a) !== j);
      if (dup !== undefined) fail(`${at}.nonKeyAttributes`, `duplicate attribute name ${showValue(dup)}`);
    } else if (nonKey !== undefined) {
      fail(
        `${at}.nonKeyAttributes`,
        `bad projection: nonKeyAttributes is only allowed with projectionType INCLUDE, not ${projection}`,
      );
    }
  });
  return used;
}

/** The rules between a table's fields, once its shape is right. */
function checkTable(where: string, table: TableSpec): void {
  const named = `${where} (${table.name})`;
  for (const attr of Object.keys(table.attributes)) {
    const bytes = utf8Bytes(attr);
    if (bytes < ATTRIBUTE_NAME_MIN_BYTES || bytes > ATTRIBUTE_NAME_MAX_BYTES) {
      fail(`${named}.attributes`, attributeNameProblem(attr));
    }
  }
  checkKey(`${named}.hashKey`, table.attributes, table.hashKey);
  checkKey(`${named}.rangeKey`, table.attributes, table.rangeKey);
  const used = checkIndexes(named, table);
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
}

/** Validates a catalog (from code or JSON). Returns it typed, or throws a {@link CatalogError}. */
export function validateCatalog(raw: unknown): TableCatalog {
  const parsed = catalogSchema.safeParse(raw);
  const first = parsed.success ? undefined : issueToReport(parsed.error.issues);
  if (first !== undefined) throw shapeError(raw, first);
  // zod's output would drop an attribute named "__proto__"; the input, now known to have the right shape, is kept.
  const tables = (raw as TableCatalog).tables;
  const seen = new Map<string, string>();
  tables.forEach((table, i) => {
    checkTable(`tables[${i}]`, table);
    const resource = tableResourceName(table.name);
    const clash = seen.get(resource);
    if (clash !== undefined) {
      fail(
        `tables[${i}].name`,
        clash === table.name
          ? `duplicate table name "${table.name}"`
          : `"${table.name}" and "${clash}" both map to the Terraform resource name "${resource}"`,
      );
    }
    seen.set(resource, table.name);
  });
  return { tables };
}

/** Reads and validates a catalog JSON file. Errors name the file. */
export function readCatalogFile(path: string): TableCatalog {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new CatalogError(`catalog file ${path}: cannot be read (${(e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CatalogError(`catalog file ${path}: is not valid JSON (${(e as Error).message})`);
  }
  try {
    return validateCatalog(parsed);
  } catch (e) {
    if (e instanceof CatalogError) throw new CatalogError(`catalog file ${path}: ${e.message}`);
    throw e;
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
