/**
 * `rebuild --engine athena --prefix` names the history workgroup and Glue database the way the synthesized module
 * does (modules/history-queries.ts, from `local.resource_name_base` and the same suffix constants), including prefixes
 * the module shortens or whose characters it replaces.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { HISTORY_DATABASE_SUFFIX, HISTORY_WORKGROUP_SUFFIX } from "../../lib/pipeline/athena-tables";
import { resourceNameBase } from "../../lib/recover/module-names";
import { historyDatabaseName, historyWorkgroupName } from "../../scripts/commands/rebuild-athena";

function moduleJson(): string {
  const dir = inject("moduleDir");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".tf.json"))
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n");
}

describe("the history workgroup and database names", () => {
  it("are the module's expressions over local.resource_name_base", () => {
    const tf = moduleJson();
    expect(tf).toContain(`"name": "\${local.resource_name_base}${HISTORY_WORKGROUP_SUFFIX}"`);
    expect(tf).toContain(
      `"name": "\${replace(lower(local.resource_name_base), \\"/[^a-z0-9_]/\\", \\"_\\")}${HISTORY_DATABASE_SUFFIX}"`,
    );
  });

  it("follow the module for plain, dotted, upper-case and long prefixes", () => {
    expect(historyWorkgroupName("prod")).toBe("prod-ddb-history");
    expect(historyDatabaseName("prod")).toBe("prod_ddb_history");
    expect(historyWorkgroupName("Prod.v2")).toBe("Prod-v2-ddb-history");
    expect(historyDatabaseName("Prod.v2")).toBe("prod_v2_ddb_history");
    const long = "a-very-long-deployment-prefix-for-tests";
    expect(historyWorkgroupName(long)).toBe(`${resourceNameBase(long)}-ddb-history`);
    expect(historyDatabaseName(long)).toMatch(/^a_very_long_deployment_pr_[0-9a-f]{6}_ddb_history$/);
  });
});
