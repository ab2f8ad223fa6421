import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CatalogError,
  DEFAULT_CATALOG,
  TableSpec,
  findTable,
  maxPrefixLength,
  pointInTimeDefaults,
  shortKey,
  snakeName,
  tableResourceName,
} from "../../lib/catalog";
import { loadCatalog, validateCatalog } from "../../lib/catalog-schema";
import { AddressError, tableAddress, validateModuleAddress } from "../../lib/addresses";

const one = (table: Partial<TableSpec> & Record<string, unknown>) =>
  validateCatalog({ tables: [{ name: "OrdersTable", attributes: { id: "S" }, hashKey: "id", ...table }] });

describe("default catalog", () => {
  it("holds the Cumulus tables with their keys, GSI, TTL and streams", () => {
    const c = validateCatalog(DEFAULT_CATALOG);
    expect(c.tables.map((t) => t.name)).toEqual([
      "AccessTokensTable",
      "AsyncOperationsTable",
      "CollectionsTable",
      "ExecutionsTable",
      "FilesTable",
      "GranulesTable",
      "PdrsTable",
      "ProvidersTable",
      "ReconciliationReportsTable",
      "RulesTable",
      "SemaphoresTable",
      "UsersTable",
    ]);
    expect(findTable(c, "CollectionsTable")).toMatchObject({ hashKey: "name", rangeKey: "version" });
    expect(findTable(c, "FilesTable")).toMatchObject({ hashKey: "bucket", rangeKey: "key" });
    expect(findTable(c, "AccessTokensTable").ttlAttribute).toBe("expirationTime");
    expect(findTable(c, "GranulesTable").globalSecondaryIndexes).toEqual([
      { name: "collectionId-granuleId-index", hashKey: "collectionId", rangeKey: "granuleId", projectionType: "ALL" },
    ]);
    expect(findTable(c, "SemaphoresTable").streamViewType).toBeNull();
    expect(pointInTimeDefaults(c)).toEqual([
      "CollectionsTable",
      "ExecutionsTable",
      "FilesTable",
      "GranulesTable",
      "PdrsTable",
      "ProvidersTable",
      "RulesTable",
    ]);
  });

  it("derives Cumulus's resource names and short keys", () => {
    expect(tableResourceName("CollectionsTable")).toBe("collections_table");
    expect(tableResourceName("ReconciliationReportsTable")).toBe("reconciliation_reports_table");
    expect(tableResourceName("AccessTokensTable")).toBe("access_tokens_table");
    expect(tableResourceName("Orders")).toBe("orders_table");
    expect(snakeName("HTTPLogsTable")).toBe("http_logs_table");
    expect(shortKey("AsyncOperationsTable")).toBe("async_operations");
    expect(maxPrefixLength(DEFAULT_CATALOG)).toBe(255 - "ReconciliationReportsTable".length - 1);
  });

  it("lists the known names for an unknown table", () => {
    expect(() => findTable(DEFAULT_CATALOG, "Nope")).toThrow(
      'Unknown table "Nope". Known tables: AccessTokensTable, AsyncOperationsTable, CollectionsTable, ExecutionsTable, FilesTable, GranulesTable, PdrsTable, ProvidersTable, ReconciliationReportsTable, RulesTable, SemaphoresTable, UsersTable.',
    );
  });
});

describe("addresses", () => {
  it("builds table addresses for root, nested and indexed modules", () => {
    expect(tableAddress("CollectionsTable")).toBe("module.data_persistence.aws_dynamodb_table.collections_table");
    expect(tableAddress("GranulesTable", "")).toBe("aws_dynamodb_table.granules_table");
    expect(tableAddress("RulesTable", "module.platform.module.data_persistence")).toBe(
      "module.platform.module.data_persistence.aws_dynamodb_table.rules_table",
    );
    expect(tableAddress("RulesTable", 'module.dp["prod"]')).toBe('module.dp["prod"].aws_dynamodb_table.rules_table');
    expect(tableAddress("RulesTable", "module.dp[0]")).toBe("module.dp[0].aws_dynamodb_table.rules_table");
  });

  it("rejects malformed module addresses with the allowed shapes", () => {
    for (const bad of [
      "data_persistence",
      "module.",
      "module.a..module.b",
      "module.dp[x]",
      "module.1dp",
      "module.a b",
    ]) {
      expect(() => validateModuleAddress(bad)).toThrow(AddressError);
    }
    expect(() => validateModuleAddress("data_persistence")).toThrow(
      '--module-address: "data_persistence" is not a Terraform module address; expected "" (root module) or steps like module.data_persistence, module.platform.module.data_persistence, module.dp[0] or module.dp["prod"]',
    );
  });
});

describe("catalog validation errors", () => {
  const cases: [string, unknown, string][] = [
    ["not an object", 5, 'catalog: must be an object with a "tables" array'],
    ["no tables", { tables: [] }, "catalog.tables: must declare at least one table"],
    [
      "duplicate names",
      {
        tables: [
          { name: "A1", attributes: { id: "S" }, hashKey: "id" },
          { name: "A1", attributes: { id: "S" }, hashKey: "id" },
        ],
      },
      'tables[1].name: duplicate table name "A1"',
    ],
    [
      "names that collide as Terraform resources",
      {
        tables: [
          { name: "OrdersTable", attributes: { id: "S" }, hashKey: "id" },
          { name: "Orders_Table", attributes: { id: "S" }, hashKey: "id" },
        ],
      },
      'tables[1].name: "Orders_Table" and "OrdersTable" both map to the Terraform resource name "orders_table"',
    ],
  ];
  it.each(cases)("%s", (_label, raw, message) => {
    expect(() => validateCatalog(raw)).toThrow(new CatalogError(message));
  });

  it("key attribute not declared", () => {
    expect(() => one({ hashKey: "orderId" })).toThrow(
      'tables[0] (OrdersTable).hashKey: key attribute "orderId" is not declared in attributes (declared: id)',
    );
    expect(() => one({ rangeKey: "createdAt" })).toThrow(
      'tables[0] (OrdersTable).rangeKey: key attribute "createdAt" is not declared in attributes (declared: id)',
    );
  });

  it("unsupported key type", () => {
    expect(() => one({ attributes: { id: "BOOL" as "S" } })).toThrow(
      'tables[0] (OrdersTable).attributes.id: unsupported key type "BOOL"; allowed: S, N, B (DynamoDB keys are string, number or binary)',
    );
  });

  it("declared attribute not used by any key", () => {
    expect(() => one({ attributes: { id: "S", note: "S" } })).toThrow(
      'tables[0] (OrdersTable).attributes.note: attribute "note" is declared but not used by the table key or any index; DynamoDB accepts only key attributes in the definition',
    );
  });

  it("name outside the rules", () => {
    expect(() => one({ name: "Orders Table" })).toThrow(
      'tables[0].name: "Orders Table" is not allowed: a catalog table name must start with a letter and contain only A-Z, a-z, 0-9 and _ (it becomes part of the DynamoDB name "<prefix>-<name>" and of the Terraform address)',
    );
    const long = `T${"x".repeat(253)}`;
    expect(() => one({ name: long })).toThrow(
      `tables[0].name: "${long}" is 254 characters; at most 253 are allowed so that "<prefix>-${long}" fits DynamoDB's 255-character limit`,
    );
  });

  it("too many GSIs", () => {
    const gsis = Array.from({ length: 21 }, (_, i) => ({ name: `idx-${i}`, hashKey: "id" }));
    expect(() => one({ globalSecondaryIndexes: gsis })).toThrow(
      "tables[0] (OrdersTable).globalSecondaryIndexes: 21 indexes declared; DynamoDB allows at most 20 global secondary indexes per table",
    );
  });

  it("bad projection", () => {
    expect(() =>
      one({ globalSecondaryIndexes: [{ name: "by-id", hashKey: "id", projectionType: "SOME" as "ALL" }] }),
    ).toThrow(
      'tables[0] (OrdersTable).globalSecondaryIndexes[0].projectionType: bad projection "SOME"; allowed: ALL, KEYS_ONLY, INCLUDE',
    );
    expect(() =>
      one({ globalSecondaryIndexes: [{ name: "by-id", hashKey: "id", projectionType: "INCLUDE" }] }),
    ).toThrow(
      "tables[0] (OrdersTable).globalSecondaryIndexes[0].nonKeyAttributes: projection INCLUDE needs 1-100 non-key attribute names; got undefined",
    );
    expect(() =>
      one({
        globalSecondaryIndexes: [{ name: "by-id", hashKey: "id", projectionType: "ALL", nonKeyAttributes: ["a"] }],
      }),
    ).toThrow(
      "tables[0] (OrdersTable).globalSecondaryIndexes[0].nonKeyAttributes: bad projection: nonKeyAttributes is only allowed with projectionType INCLUDE, not ALL",
    );
  });

  it("bad stream view type", () => {
    expect(() => one({ streamViewType: "ALL" as "KEYS_ONLY" })).toThrow(
      'tables[0] (OrdersTable).streamViewType: "ALL" is not allowed; use one of NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE, KEYS_ONLY or null for no stream',
    );
  });
});

describe("loading a catalog file", () => {
  const dir = mkdtempSync(join(tmpdir(), "dds-cat-"));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it("prefers $DDB_TABLE_CATALOG over the context path, and falls back to the default", () => {
    const envFile = write(
      "env.json",
      JSON.stringify({ tables: [{ name: "EnvTable", attributes: { k: "S" }, hashKey: "k" }] }),
    );
    const ctxFile = write(
      "ctx.json",
      JSON.stringify({ tables: [{ name: "CtxTable", attributes: { k: "N" }, hashKey: "k" }] }),
    );
    expect(loadCatalog({ contextPath: ctxFile, env: { DDB_TABLE_CATALOG: envFile } }).tables[0]?.name).toBe("EnvTable");
    expect(loadCatalog({ contextPath: ctxFile, env: {} }).tables[0]?.name).toBe("CtxTable");
    expect(loadCatalog({ env: {} }).tables).toHaveLength(12);
  });

  it("names the file in every error", () => {
    const bad = write("bad.json", "{ nope");
    expect(() => loadCatalog({ env: { DDB_TABLE_CATALOG: bad } })).toThrow(`catalog file ${bad}: is not valid JSON`);
    const invalid = write(
      "invalid.json",
      JSON.stringify({ tables: [{ name: "X1", attributes: { a: "S" }, hashKey: "b" }] }),
    );
    expect(() => loadCatalog({ env: { DDB_TABLE_CATALOG: invalid } })).toThrow(
      `catalog file ${invalid}: tables[0] (X1).hashKey: key attribute "b" is not declared in attributes (declared: a)`,
    );
    expect(() => loadCatalog({ env: { DDB_TABLE_CATALOG: join(dir, "missing.json") } })).toThrow(
      `catalog file ${join(dir, "missing.json")}: cannot be read`,
    );
  });
});
