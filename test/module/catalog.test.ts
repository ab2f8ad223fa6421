import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CATALOG,
  findTable,
  maxPrefixLength,
  pointInTimeDefaults,
  shortKey,
  snakeName,
  tableResourceName,
} from "../../lib/catalog";
import { loadCatalog, validateCatalog } from "../../lib/catalog-schema";
import { AddressError, tableAddress, validateModuleAddress } from "../../lib/addresses";

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

// Bad catalogs, with their exact messages and exit codes: test/bad-input/catalog.test.ts.

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
