/**
 * The names lib/recover/module-names.ts computes for the module's vault and backup role are the ones the synthesized
 * module gives them: its `resource_name_base` local is the expression built from the same constants, and the vault and
 * role names are that base plus the same suffixes.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { NAME_BASE_MAX_LENGTH as MODULE_MAX } from "../../modules/pipeline-context";
import {
  NAME_BASE_MAX_LENGTH,
  moduleBackupRoleName,
  moduleVaultName,
  resourceNameBase,
} from "../../lib/recover/module-names";

function moduleJson(): string {
  const dir = inject("moduleDir");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".tf.json"))
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n");
}

describe("the module's AWS Backup names", () => {
  it("use the module's constants and suffixes", () => {
    expect(NAME_BASE_MAX_LENGTH).toBe(MODULE_MAX);
    const tf = moduleJson();
    expect(tf).toContain(`substr(replace(var.prefix, \\".\\", \\"-\\"), 0, 25)}-\${substr(sha1(var.prefix), 0, 6)}`);
    expect(tf).toContain(`"name": "\${local.resource_name_base}-dynamodb"`);
    expect(tf).toContain(`"name": "\${local.resource_name_base}-ddb-backup"`);
  });

  it("short prefixes keep their dashed form; long ones are cut and hashed like Terraform's sha1()", () => {
    expect(moduleVaultName("prod.v2")).toBe("prod-v2-dynamodb");
    expect(moduleBackupRoleName("prod")).toBe("prod-ddb-backup");
    const long = "a-very-long-deployment-prefix-for-tests";
    // sha1("a-very-long-deployment-prefix-for-tests") starts with these 6 hex digits (node:crypto and terraform agree).
    expect(resourceNameBase(long)).toMatch(/^a-very-long-deployment-pr-[0-9a-f]{6}$/);
    expect(resourceNameBase("x".repeat(32))).toBe("x".repeat(32));
  });
});
