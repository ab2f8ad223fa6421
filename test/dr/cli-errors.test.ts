/**
 * The DR commands' error output as data (--json) and their help. Every bad-input row (exact message, exit code, nothing
 * touched) is in test/bad-input/commands-dr.test.ts.
 */
import { describe, expect, it } from "vitest";
import { tableNames } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { runDr } from "./helpers";

const KNOWN = tableNames(loadProjectCatalog()).join(", ");

describe("import-restored-table errors as JSON", () => {
  it("--json prints the error as data too", async () => {
    const res = await runDr(["import-restored-table", "--table", "Nope", "--restored-name", "p-x-r", "--json"]);
    expect(res.code).toBe(EXIT.usage);
    expect(JSON.parse(res.stdout)).toEqual({
      error: { kind: "usage", message: `--table: Unknown table "Nope". Known tables: ${KNOWN}.`, exitCode: EXIT.usage },
    });
  });
});

describe("help", () => {
  it("every command has --help; dynamo-dr lists them", async () => {
    for (const cmd of ["import-restored-table", "restore-pitr", "restore-backups"]) {
      const res = await runDr([cmd, "--help"]);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`Usage: dynamo-dr ${cmd} `);
      expect(res.stdout).toContain("--dry-run");
      expect(res.stdout).toContain("--json");
      expect(res.stdout).toContain("Exit codes:");
    }
    const top = await runDr(["--help"]);
    expect(top.stdout).toMatch(/import-restored-table[\s\S]*restore-pitr[\s\S]*restore-backups/);
  });
});
