/**
 * Bad table catalogs: each row is an input, the exact message and the exit code. Every row is checked twice: by
 * validateCatalog, and through `npm run synth` with the catalog in a file (DDB_TABLE_CATALOG), which must exit with the
 * code and print `synth failed: catalog file <path>: <message>` and nothing else, writing nothing.
 * Future catalog fields and rules add their rows here.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ATTRIBUTE_NAME_MAX_BYTES, CatalogError } from "../../lib/catalog";
import { validateCatalog } from "../../lib/catalog-schema";
import { exitCodeFor } from "../../lib/cli/errors";
import { runSynth, sandbox, snapshot, spawnSynth } from "./support/synth";

interface Row {
  readonly label: string;
  readonly catalog: unknown;
  readonly message: string;
  readonly exitCode: number;
}

const T = { name: "OrdersTable", attributes: { id: "S" }, hashKey: "id" };
const one = (table: Record<string, unknown>) => ({ tables: [{ ...T, ...table }] });
const withIndex = (index: Record<string, unknown>) =>
  one({ attributes: { id: "S", g: "S" }, globalSecondaryIndexes: [{ name: "by-g", hashKey: "g", ...index }] });
const at = "tables[0] (OrdersTable)";
const LONG = "k".repeat(ATTRIBUTE_NAME_MAX_BYTES + 1);
const LONG_SHOWN = `"${"k".repeat(76)}...`;
const ATTRIBUTE_RULE = "an attribute name is a string of 1-255 bytes (UTF-8), DynamoDB's limit";
const TABLE_FIELDS =
  "name, attributes, hashKey, rangeKey, globalSecondaryIndexes, ttlAttribute, streamViewType, pointInTimeByDefault";

const ROWS: readonly Row[] = [
  // The shape: not an object, null entries, wrong types, unknown fields.
  { label: "not an object", catalog: 5, message: 'catalog: must be an object with a "tables" array', exitCode: 2 },
  {
    label: "no tables",
    catalog: { tables: [] },
    message: "catalog.tables: must declare at least one table",
    exitCode: 2,
  },
  {
    label: "tables not an array",
    catalog: { tables: {} },
    message: "catalog.tables: {} is not allowed; must be an array of tables",
    exitCode: 2,
  },
  {
    label: "misspelt top-level field",
    catalog: { tabels: [T] },
    message: "catalog.tabels: unknown field (did you mean tables?); allowed fields: tables",
    exitCode: 2,
  },
  {
    label: "null table",
    catalog: { tables: [null] },
    message:
      "tables[0]: null is not allowed; a table is an object { name, attributes, hashKey, rangeKey?, globalSecondaryIndexes?, ttlAttribute?, streamViewType?, pointInTimeByDefault? }",
    exitCode: 2,
  },
  {
    label: "null index",
    catalog: one({ globalSecondaryIndexes: [null] }),
    message: `${at}.globalSecondaryIndexes[0]: null is not allowed; an index is an object { name, hashKey, rangeKey?, projectionType?, nonKeyAttributes? }`,
    exitCode: 2,
  },
  {
    label: "misspelt table field drops nothing silently",
    catalog: one({ globalSecondaryIndexs: [{ name: "by-id", hashKey: "id" }] }),
    message: `${at}.globalSecondaryIndexs: unknown field (did you mean globalSecondaryIndexes?); allowed fields: ${TABLE_FIELDS}`,
    exitCode: 2,
  },
  {
    label: "misspelt index field",
    catalog: withIndex({ projection: "ALL" }),
    message: `${at}.globalSecondaryIndexes[0].projection: unknown field (did you mean projectionType?); allowed fields: name, hashKey, rangeKey, projectionType, nonKeyAttributes`,
    exitCode: 2,
  },
  {
    label: "attributes null",
    catalog: one({ attributes: null }),
    message: `${at}.attributes: null is not allowed; must be an object mapping attribute name to type (S, N, B)`,
    exitCode: 2,
  },
  {
    label: "hashKey a number",
    catalog: one({ hashKey: 1 }),
    message: `${at}.hashKey: must be the name of a declared attribute; got 1`,
    exitCode: 2,
  },
  {
    label: "indexes not an array",
    catalog: one({ globalSecondaryIndexes: {} }),
    message: `${at}.globalSecondaryIndexes: {} is not allowed; must be an array of indexes`,
    exitCode: 2,
  },
  {
    label: "pointInTimeByDefault a string",
    catalog: one({ pointInTimeByDefault: "yes" }),
    message: `${at}.pointInTimeByDefault: must be true or false; got "yes"`,
    exitCode: 2,
  },
  {
    label: 'nonKeyAttributes [1, null, ""]',
    catalog: withIndex({ projectionType: "INCLUDE", nonKeyAttributes: [1, null, ""] }),
    message: `${at}.globalSecondaryIndexes[0].nonKeyAttributes[0]: 1 is not allowed; ${ATTRIBUTE_RULE}`,
    exitCode: 2,
  },
  {
    label: "nonKeyAttributes with an empty name",
    catalog: withIndex({ projectionType: "INCLUDE", nonKeyAttributes: ["total", ""] }),
    message: `${at}.globalSecondaryIndexes[0].nonKeyAttributes[1]: "" is not allowed (0 bytes); ${ATTRIBUTE_RULE}`,
    exitCode: 2,
  },
  {
    label: "nonKeyAttributes repeated",
    catalog: withIndex({ projectionType: "INCLUDE", nonKeyAttributes: ["total", "total"] }),
    message: `${at}.globalSecondaryIndexes[0].nonKeyAttributes: duplicate attribute name "total"`,
    exitCode: 2,
  },
  // Names: inherited properties, DynamoDB's length limits.
  {
    label: 'rangeKey "constructor" (inherited, not declared)',
    catalog: one({ rangeKey: "constructor" }),
    message: `${at}.rangeKey: key attribute "constructor" is not declared in attributes (declared: id)`,
    exitCode: 2,
  },
  {
    label: 'hashKey "toString" (inherited, not declared)',
    catalog: one({ hashKey: "toString" }),
    message: `${at}.hashKey: key attribute "toString" is not declared in attributes (declared: id)`,
    exitCode: 2,
  },
  {
    label: "key attribute name over 255 bytes",
    catalog: one({ attributes: { [LONG]: "S" }, hashKey: LONG }),
    message: `${at}.attributes: ${LONG_SHOWN} is not allowed (256 bytes); ${ATTRIBUTE_RULE}`,
    exitCode: 2,
  },
  {
    label: "TTL attribute name over 255 bytes",
    catalog: one({ ttlAttribute: LONG }),
    message: `${at}.ttlAttribute: ${LONG_SHOWN} is not allowed (256 bytes); ${ATTRIBUTE_RULE}`,
    exitCode: 2,
  },
  {
    label: "TTL attribute name over 255 bytes of UTF-8 (128 two-byte characters)",
    catalog: one({ ttlAttribute: "é".repeat(128) }),
    message: `${at}.ttlAttribute: "${"é".repeat(76)}... is not allowed (256 bytes); ${ATTRIBUTE_RULE}`,
    exitCode: 2,
  },
  {
    label: "TTL attribute a number",
    catalog: one({ ttlAttribute: 5 }),
    message: `${at}.ttlAttribute: 5 is not allowed; ${ATTRIBUTE_RULE}`,
    exitCode: 2,
  },
  {
    label: "table name outside the rules",
    catalog: one({ name: "Orders Table" }),
    message:
      'tables[0].name: "Orders Table" is not allowed: a catalog table name must start with a letter and contain only A-Z, a-z, 0-9 and _ (it becomes part of the DynamoDB name "<prefix>-<name>" and of the Terraform address)',
    exitCode: 2,
  },
  {
    label: "table name too long",
    catalog: one({ name: `T${"x".repeat(253)}` }),
    message: `tables[0].name: "T${"x".repeat(253)}" is 254 characters; at most 253 are allowed so that "<prefix>-T${"x".repeat(253)}" fits DynamoDB's 255-character limit`,
    exitCode: 2,
  },
  {
    label: "index name too short",
    catalog: withIndex({ name: "x" }),
    message: `${at}.globalSecondaryIndexes[0].name: "x" is not a legal index name (3-255 characters of A-Z, a-z, 0-9, _, -, .)`,
    exitCode: 2,
  },
  // The rules between fields.
  {
    label: "duplicate table names",
    catalog: { tables: [T, T] },
    message: 'tables[1].name: duplicate table name "OrdersTable"',
    exitCode: 2,
  },
  {
    label: "names that collide as Terraform resources",
    catalog: { tables: [T, { ...T, name: "Orders_Table" }] },
    message: 'tables[1].name: "Orders_Table" and "OrdersTable" both map to the Terraform resource name "orders_table"',
    exitCode: 2,
  },
  {
    label: "hash key not declared",
    catalog: one({ hashKey: "orderId" }),
    message: `${at}.hashKey: key attribute "orderId" is not declared in attributes (declared: id)`,
    exitCode: 2,
  },
  {
    label: "range key not declared",
    catalog: one({ rangeKey: "createdAt" }),
    message: `${at}.rangeKey: key attribute "createdAt" is not declared in attributes (declared: id)`,
    exitCode: 2,
  },
  {
    label: "unsupported key type",
    catalog: one({ attributes: { id: "BOOL" } }),
    message: `${at}.attributes.id: unsupported key type "BOOL"; allowed: S, N, B (DynamoDB keys are string, number or binary)`,
    exitCode: 2,
  },
  {
    label: "declared attribute not used by any key",
    catalog: one({ attributes: { id: "S", note: "S" } }),
    message: `${at}.attributes.note: attribute "note" is declared but not used by the table key or any index; DynamoDB accepts only key attributes in the definition`,
    exitCode: 2,
  },
  {
    label: "too many GSIs",
    catalog: one({
      globalSecondaryIndexes: Array.from({ length: 21 }, (_, i) => ({ name: `idx-${i}`, hashKey: "id" })),
    }),
    message: `${at}.globalSecondaryIndexes: 21 indexes declared; DynamoDB allows at most 20 global secondary indexes per table`,
    exitCode: 2,
  },
  {
    label: "bad projection",
    catalog: withIndex({ projectionType: "SOME" }),
    message: `${at}.globalSecondaryIndexes[0].projectionType: bad projection "SOME"; allowed: ALL, KEYS_ONLY, INCLUDE`,
    exitCode: 2,
  },
  {
    label: "INCLUDE without non-key attributes",
    catalog: withIndex({ projectionType: "INCLUDE" }),
    message: `${at}.globalSecondaryIndexes[0].nonKeyAttributes: projection INCLUDE needs 1-100 non-key attribute names; got undefined`,
    exitCode: 2,
  },
  {
    label: "non-key attributes without INCLUDE",
    catalog: withIndex({ projectionType: "ALL", nonKeyAttributes: ["a"] }),
    message: `${at}.globalSecondaryIndexes[0].nonKeyAttributes: bad projection: nonKeyAttributes is only allowed with projectionType INCLUDE, not ALL`,
    exitCode: 2,
  },
  {
    label: "bad stream view type",
    catalog: one({ streamViewType: "ALL" }),
    message: `${at}.streamViewType: "ALL" is not allowed; use one of NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE, KEYS_ONLY or null for no stream`,
    exitCode: 2,
  },
];

describe("bad catalogs", () => {
  it.each(ROWS)("$label", ({ catalog, message, exitCode }) => {
    let thrown: unknown;
    try {
      validateCatalog(catalog);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CatalogError);
    expect((thrown as Error).message).toBe(message);
    expect(exitCodeFor(thrown)).toBe(exitCode);
  });

  it.each(ROWS)("synth stops on it and writes nothing: $label", ({ catalog, message, exitCode }) => {
    const { dir, env } = sandbox();
    const file = join(dir, "tables.json");
    writeFileSync(file, JSON.stringify(catalog));
    const before = snapshot(dir);
    const res = runSynth({ ...env, DDB_TABLE_CATALOG: file });
    expect(res).toEqual({ exitCode, stdout: "", stderr: `synth failed: catalog file ${file}: ${message}` });
    expect(snapshot(dir)).toEqual(before);
  });

  it("the real process prints one line and no stack trace, and exits 2", () => {
    const { dir, env } = sandbox();
    const file = join(dir, "tables.json");
    writeFileSync(file, JSON.stringify(one({ globalSecondaryIndexes: [null] })));
    const before = snapshot(dir);
    expect(spawnSynth({ ...env, DDB_TABLE_CATALOG: file })).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: `synth failed: catalog file ${file}: ${at}.globalSecondaryIndexes[0]: null is not allowed; an index is an object { name, hashKey, rangeKey?, projectionType?, nonKeyAttributes? }`,
    });
    expect(snapshot(dir)).toEqual(before);
  });

  it('an attribute named "__proto__" is an ordinary attribute', () => {
    const raw: unknown = JSON.parse('{"tables":[{"name":"T1","attributes":{"__proto__":"S"},"hashKey":"__proto__"}]}');
    expect(Object.keys(validateCatalog(raw).tables[0]?.attributes ?? {})).toEqual(["__proto__"]);
  });
});
