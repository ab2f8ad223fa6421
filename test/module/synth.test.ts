import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { Testing } from "cdktf";
import { describe, expect, inject, it } from "vitest";
import { DEFAULT_CATALOG, TableCatalog, tableResourceName } from "../../lib/catalog";
import { validateCatalog } from "../../lib/catalog-schema";
import { DYNAMODB_TABLE_RESOURCE_TYPE } from "../../lib/addresses";
import { resolveDeployConfig } from "../../lib/deploy-config";
import { ModuleJson, moduleJsonFor } from "../../lib/docs/module-docs";
import { PROJECT_ROOT } from "../../lib/project-config";
import { MODULE_MAIN_FILE } from "../../lib/synth/package-module";
import { DataPersistenceDeployStack } from "../../modules/data-persistence-deploy-stack";

type Resource = Record<string, unknown> & { lifecycle?: { prevent_destroy?: boolean } };

const moduleJson = (): ModuleJson & Record<string, unknown> =>
  JSON.parse(readFileSync(join(inject("moduleDir"), MODULE_MAIN_FILE), "utf8")) as ModuleJson & Record<string, unknown>;

const tables = (mod: ModuleJson): Record<string, Resource> =>
  (mod.resource?.[DYNAMODB_TABLE_RESOURCE_TYPE] ?? {}) as Record<string, Resource>;

/** Every string anywhere in a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

describe("the packaged module", () => {
  it("has no provider block and no backend, and pins the provider range", () => {
    const mod = moduleJson();
    expect(mod.provider).toBeUndefined();
    // Written out, not the constant the module is built from: a change to the range must show up here.
    expect(mod.terraform).toEqual({
      required_providers: { aws: { source: "hashicorp/aws", version: ">= 5.100.0, < 7.0.0" } },
      required_version: ">= 1.5.0",
    });
    expect(JSON.stringify(mod)).not.toContain('"//"');
  });

  it("the range starts at the provider version the bindings were generated from", () => {
    // The resources are written with @cdktf/provider-aws's schema: an older provider may not know their arguments.
    const provider = readFileSync(
      join(PROJECT_ROOT, "node_modules", "@cdktf", "provider-aws", "lib", "provider", "index.js"),
      "utf8",
    );
    const generatedFrom = /providerVersion: '([0-9.]+)'/.exec(provider)?.[1];
    expect(generatedFrom).toBeDefined();
    const aws = (moduleJson().terraform as { required_providers: { aws: { version: string } } }).required_providers.aws;
    expect(aws.version).toMatch(new RegExp(`^>= ${generatedFrom}, `));
  });

  it("keeps every asset path under ${path.module}, and ships every asset it names (and no other)", () => {
    const moduleDir = inject("moduleDir");
    const text = JSON.stringify(moduleJson());
    const assetRefs = strings(moduleJson()).filter((s) => s.includes("assets/"));
    expect(assetRefs.length, "the module names no assets: the Lambda zips are missing").toBeGreaterThan(0);
    for (const ref of assetRefs) expect(ref).toMatch(/\$\{path\.module\}\/assets\//);
    const named = [
      ...new Set([...text.matchAll(/\$\{path\.module\}\/(assets\/[^"\\)]+)/g)].map((m) => m[1] as string)),
    ];
    expect(named.length).toBeGreaterThan(0);
    for (const path of named) expect(existsSync(join(moduleDir, path)), path).toBe(true);
    const shipped = (readdirSync(join(moduleDir, "assets"), { recursive: true, withFileTypes: true }) ?? [])
      .filter((e) => e.isFile())
      .map((e) => relative(moduleDir, join(e.parentPath, e.name)));
    expect(shipped.sort()).toEqual(named.sort());
  });

  it("creates one table per catalog entry at the catalog-derived address", () => {
    const res = tables(moduleJson());
    expect(Object.keys(res).sort()).toEqual(DEFAULT_CATALOG.tables.map((t) => tableResourceName(t.name)).sort());
  });

  it.each(DEFAULT_CATALOG.tables.map((t) => [t.name, t] as const))(
    "%s: billing, PITR per list, protection, SSE, lifecycle",
    (name, spec) => {
      const t = tables(moduleJson())[tableResourceName(name)];
      expect(t).toBeDefined();
      expect(t).toMatchObject({
        billing_mode: "PAY_PER_REQUEST",
        hash_key: spec.hashKey,
        name: `\${lookup(var.table_name_overrides, "${name}", "\${var.prefix}-${name}")}`,
        point_in_time_recovery: {
          enabled: `\${contains(var.enable_point_in_time_tables, "${name}")}`,
          recovery_period_in_days: `\${contains(var.enable_point_in_time_tables, "${name}") ? var.point_in_time_recovery_period_days : null}`,
        },
        deletion_protection_enabled: "${var.deletion_protection}",
        server_side_encryption: { enabled: "${var.kms_key_arn != null}", kms_key_arn: "${var.kms_key_arn}" },
        tags: "${var.tags}",
        lifecycle: { prevent_destroy: true },
        stream_enabled: spec.streamViewType !== null,
      });
      if (spec.rangeKey !== undefined) expect(t?.range_key).toBe(spec.rangeKey);
      if (spec.ttlAttribute !== undefined) expect(t?.ttl).toEqual({ attribute_name: spec.ttlAttribute, enabled: true });
      else expect(t?.ttl).toBeUndefined();
    },
  );

  it("declares every variable with type and description, and validates the constrained ones", () => {
    const vars = moduleJson().variable ?? {};
    for (const [name, v] of Object.entries(vars)) {
      expect(v.type, name).toBeTruthy();
      expect(v.description, name).toMatch(/^.{20,}$/);
    }
    for (const name of [
      "prefix",
      "enable_point_in_time_tables",
      "point_in_time_recovery_period_days",
      "kms_key_arn",
      "table_name_overrides",
    ]) {
      expect(vars[name]?.validation?.length, name).toBeGreaterThan(0);
    }
    expect("default" in (vars.prefix ?? {})).toBe(false);
    expect(vars.enable_point_in_time_tables?.default).toEqual([
      "CollectionsTable",
      "ExecutionsTable",
      "FilesTable",
      "GranulesTable",
      "PdrsTable",
      "ProvidersTable",
      "RulesTable",
    ]);
    expect(vars.point_in_time_recovery_period_days?.default).toBe(35);
    expect(vars.deletion_protection?.default).toBe(true);
    expect(vars.kms_key_arn?.default).toBeNull();
    expect(vars.table_name_overrides?.default).toEqual({});
  });

  it("describes every output, and dynamo_tables has name, arn and stream_arn per short key", () => {
    const outputs = moduleJson().output ?? {};
    for (const [name, o] of Object.entries(outputs)) expect(o.description, name).toMatch(/^.{20,}$/);
    const dyn = (outputs.dynamo_tables as { value: Record<string, Record<string, unknown>> }).value;
    expect(dyn.collections).toEqual({
      name: "${aws_dynamodb_table.collections_table.name}",
      arn: "${aws_dynamodb_table.collections_table.arn}",
      stream_arn: "${aws_dynamodb_table.collections_table.stream_arn}",
    });
    expect(dyn.semaphores?.stream_arn).toBeNull();
    expect(Object.keys(dyn)).toHaveLength(DEFAULT_CATALOG.tables.length);
  });
});

describe("a custom catalog", () => {
  const custom: TableCatalog = validateCatalog({
    tables: [
      {
        name: "OrdersTable",
        attributes: { orderId: "S", customerId: "S", placedAt: "N" },
        hashKey: "orderId",
        globalSecondaryIndexes: [
          {
            name: "by-customer",
            hashKey: "customerId",
            rangeKey: "placedAt",
            projectionType: "INCLUDE",
            nonKeyAttributes: ["total"],
          },
        ],
        pointInTimeByDefault: true,
      },
      { name: "LocksTable", attributes: { lockId: "S" }, hashKey: "lockId", streamViewType: null },
    ],
  });

  it("drives resources, defaults and validation lists", () => {
    const mod = moduleJsonFor(custom);
    expect(Object.keys(tables(mod)).sort()).toEqual(["locks_table", "orders_table"]);
    expect(tables(mod).orders_table?.global_secondary_index).toEqual([
      {
        name: "by-customer",
        hash_key: "customerId",
        range_key: "placedAt",
        projection_type: "INCLUDE",
        non_key_attributes: ["total"],
      },
    ]);
    expect(mod.variable?.enable_point_in_time_tables?.default).toEqual(["OrdersTable"]);
    expect(JSON.stringify(mod.variable?.enable_point_in_time_tables?.validation)).toContain(
      "Known tables: OrdersTable, LocksTable.",
    );
  });
});

describe("the deployable stack", () => {
  it("uses region, an S3 backend with native locking, and inputs as variable defaults", () => {
    const config = resolveDeployConfig(
      {
        region: "eu-west-1",
        backend: { type: "s3", bucket: "state-bucket", key: "dp/terraform.tfstate" },
        inputs: { prefix: "prod", enable_point_in_time_tables: ["GranulesTable"] },
      },
      {},
    );
    const stack = new DataPersistenceDeployStack(Testing.app(), "dp", { catalog: DEFAULT_CATALOG, config });
    const json = JSON.parse(Testing.synth(stack)) as Record<string, Record<string, Record<string, unknown>>>;
    expect(json.provider?.aws).toEqual([{ region: "eu-west-1" }]);
    expect(json.terraform?.backend?.s3).toEqual({
      bucket: "state-bucket",
      key: "dp/terraform.tfstate",
      region: "eu-west-1",
      encrypt: true,
      use_lockfile: true,
    });
    expect((json.variable?.prefix as { default?: string }).default).toBe("prod");
    expect((json.variable?.enable_point_in_time_tables as { default?: string[] }).default).toEqual(["GranulesTable"]);
    expect(Object.keys(json.resource?.aws_dynamodb_table ?? {})).toContain("granules_table");
  });

  it("accepts every module input by name, the pipeline's and the backup plan's included", () => {
    const config = resolveDeployConfig(
      {
        inputs: {
          prefix: "prod",
          enable_export_pipeline: false,
          backup_retention_days: 120,
          export_schedule: "rate(6 hours)",
        },
      },
      {},
    );
    const stack = new DataPersistenceDeployStack(Testing.app(), "dp", { catalog: DEFAULT_CATALOG, config });
    const json = JSON.parse(Testing.synth(stack)) as { variable: Record<string, { default?: unknown }> };
    expect(json.variable.enable_export_pipeline?.default).toBe(false);
    expect(json.variable.backup_retention_days?.default).toBe(120);
    expect(json.variable.export_schedule?.default).toBe("rate(6 hours)");
  });

  it("takes AWS_REGION and $DDB_DEPLOY_CONFIG over cdktf.json context", () => {
    const config = resolveDeployConfig(
      { region: "eu-west-1", inputs: { prefix: "ctx" } },
      { AWS_REGION: "ap-southeast-2", DDB_DEPLOY_CONFIG: JSON.stringify({ inputs: { prefix: "env" } }) },
    );
    expect(config).toEqual({ region: "ap-southeast-2", backend: { type: "local" }, inputs: { prefix: "env" } });
  });
});

// Bad deploy settings, catalogs and output folders: test/bad-input/synth.test.ts and catalog.test.ts.
