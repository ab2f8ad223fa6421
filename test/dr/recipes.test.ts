/**
 * The printed terraform steps: the `sh` output is run through bash with a fake terraform that records its argv
 * (so quoting is proven, not eyeballed), the `hcl` output is parsed with @cdktf/hcl2json, `json` is checked as data.
 * Every expected address is derived with lib/addresses.ts.
 */
import { parse } from "@cdktf/hcl2json";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_MODULE_ADDRESS, tableAddress } from "../../lib/addresses";
import { DEFAULT_CATALOG, physicalTableName, tableNames } from "../../lib/catalog";
import { OVERRIDES_LOCAL, renderHcl } from "../../lib/dr/hcl-render";
import { deploymentPlan, renderSh } from "../../lib/dr/import-plan";
import { FakeTerraform, fakeTerraform, runDr } from "./helpers";

const RESTORED = "example-CollectionsTable-restored-20250101T000000Z";

/** Module addresses that need quoting, plus the plain ones. */
const MODULE_ADDRESSES = [
  DEFAULT_MODULE_ADDRESS,
  `module.platform.${DEFAULT_MODULE_ADDRESS}`,
  'module.dp["prod"]',
  `module.dp["it's"]`,
  'module.a[0].module.b["x y $HOME `id`"]',
  'module.dp["back\\\\slash \\"quoted\\""]',
  "",
];

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): { code: number; stderr: string } {
  const res = spawnSync("bash", ["-c", script], { cwd, env, encoding: "utf8" });
  return { code: res.status ?? -1, stderr: res.stderr };
}

describe("sh output pastes safely into bash", () => {
  let tf: FakeTerraform;
  let cwd: string;
  beforeEach(() => {
    tf = fakeTerraform();
    tf.setScenario({ pulled: '{"version":4,"serial":3,"lineage":"fake-lineage"}' });
    cwd = mkdtempSync(join(tmpdir(), "dds-sh-"));
  });

  for (const moduleAddress of MODULE_ADDRESSES) {
    it(`runs exactly state pull, state rm, import for module address ${JSON.stringify(moduleAddress)}`, async () => {
      const chdir = `root dir/it's "here"`;
      const res = await runDr([
        "import-restored-table",
        "--table",
        "CollectionsTable",
        "--restored-name",
        RESTORED,
        "--module-address",
        moduleAddress,
        "--chdir",
        chdir,
        "--var-file",
        "env/prod vars.tfvars",
      ]);
      expect(res.stderr).toBe("");
      expect(res.code).toBe(0);
      const ran = bash(res.stdout, cwd, tf.env());
      expect(ran.stderr).toBe("");
      expect(ran.code).toBe(0);
      const address = tableAddress("CollectionsTable", moduleAddress);
      expect(tf.calls()).toEqual([
        [`-chdir=${chdir}`, "state", "pull"],
        [`-chdir=${chdir}`, "state", "rm", address],
        [`-chdir=${chdir}`, "import", "-var-file=env/prod vars.tfvars", address, RESTORED],
      ]);
      // The state was saved by the redirect, in the shell's folder.
      const backups = readdirSync(cwd).filter((f) => f.endsWith(".tfstate"));
      expect(backups).toHaveLength(1);
      expect(readFileSync(join(cwd, backups[0] as string), "utf8")).toBe(
        '{"version":4,"serial":3,"lineage":"fake-lineage"}',
      );
    });
  }

  it("stops at the first failing command: no import after a failed state rm", async () => {
    tf.setScenario({ fail: { command: "state rm", stderr: "Error: Invalid target address\n" } });
    const res = await runDr(["import-restored-table", "--table", "CollectionsTable", "--restored-name", RESTORED]);
    const ran = bash(res.stdout, cwd, tf.env());
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("Invalid target address");
    expect(tf.calls().map((c) => c.slice(0, 2))).toEqual([
      ["state", "pull"],
      ["state", "rm"],
    ]);
  });

  it("prints the override entry and the plan to check, with Cumulus-style unquoted commands for plain addresses", async () => {
    const res = await runDr(["import-restored-table", "--table", "CollectionsTable", "--restored-name", RESTORED]);
    const address = tableAddress("CollectionsTable");
    expect(res.stdout).toContain(`  terraform state rm ${address} &&\n`);
    expect(res.stdout).toContain(`  terraform import ${address} ${RESTORED}\n`);
    expect(res.stdout).toContain(`#     CollectionsTable = "${RESTORED}"\n`);
    expect(res.stdout).toContain("# Check before applying: terraform plan\n");
  });

  it("deployment recipe: imports every restored table, removes nothing", () => {
    const tables = ["CollectionsTable", "GranulesTable", "UsersTable"];
    const plan = deploymentPlan({
      catalog: DEFAULT_CATALOG,
      prefix: "prod",
      tables,
      moduleAddress: 'module.dp["prod"]',
      nameOverrides: { UsersTable: "prod-UsersTable-restored-20240101T000000Z" },
      stateBackupFile: "state backup.tfstate",
    });
    const ran = bash(renderSh(plan), cwd, tf.env());
    expect(ran.code).toBe(0);
    expect(tf.calls()).toEqual([
      ["state", "pull"],
      ...tables.map((t) => [
        "import",
        tableAddress(t, 'module.dp["prod"]'),
        t === "UsersTable" ? "prod-UsersTable-restored-20240101T000000Z" : physicalTableName("prod", t),
      ]),
    ]);
    expect(readdirSync(cwd)).toContain("state backup.tfstate");
  });
});

describe("hcl output", () => {
  for (const moduleAddress of MODULE_ADDRESSES.filter((m) => m !== "")) {
    it(`parses, with the import block, the override local and the state rm for ${JSON.stringify(moduleAddress)}`, async () => {
      const res = await runDr([
        "import-restored-table",
        "--table",
        "CollectionsTable",
        "--restored-name",
        RESTORED,
        "--module-address",
        moduleAddress,
        "--format",
        "hcl",
      ]);
      expect(res.code).toBe(0);
      const parsed = (await parse("restore.tf", res.stdout)) as {
        import: { to: string; id: string }[];
        locals: Record<string, Record<string, string>>[];
      };
      const address = tableAddress("CollectionsTable", moduleAddress);
      expect(parsed.import).toEqual([{ to: `\${${address}}`, id: RESTORED }]);
      expect(parsed.locals).toEqual([{ [OVERRIDES_LOCAL]: { CollectionsTable: RESTORED } }]);
      // The state rm that must come first is there, as a comment that is itself a correctly quoted command.
      const rmLine = res.stdout.split("\n").find((l) => l.includes(" state rm "));
      expect(rmLine).toBeDefined();
      const tf = fakeTerraform();
      const ran = bash((rmLine as string).replace(/^#\s*/, ""), mkdtempSync(join(tmpdir(), "dds-hcl-")), tf.env());
      expect(ran.code).toBe(0);
      expect(tf.calls()).toEqual([["state", "rm", address]]);
    });
  }

  it("deployment: one import block per table and no override", async () => {
    const tables = tableNames(DEFAULT_CATALOG);
    const hcl = renderHcl(
      deploymentPlan({
        catalog: DEFAULT_CATALOG,
        prefix: "prod",
        tables,
        moduleAddress: DEFAULT_MODULE_ADDRESS,
        stateBackupFile: "b.tfstate",
      }),
    );
    const parsed = (await parse("restore.tf", hcl)) as { import: { to: string; id: string }[]; locals?: unknown };
    expect(parsed.locals).toBeUndefined();
    expect(parsed.import).toEqual(
      tables.map((t) => ({ to: `\${${tableAddress(t)}}`, id: physicalTableName("prod", t) })),
    );
    expect(hcl).not.toContain("state rm");
  });
});

describe("json output", () => {
  it("--json (and its deprecated spelling --format json) gives the same data: steps as argv, the override, sh and hcl", async () => {
    const args = ["import-restored-table", "--table", "GranulesTable", "--restored-name", "p-GranulesTable-r"];
    const a = await runDr([...args, "--format", "json"]);
    const b = await runDr([...args, "--json"]);
    expect(a.code).toBe(0);
    const data = JSON.parse(a.stdout) as {
      mode: string;
      address: string;
      recipe: {
        tableNameOverrides: Record<string, string>;
        steps: { kind: string; argv: string[] }[];
        sh: string;
        hcl: string;
      };
    };
    const address = tableAddress("GranulesTable");
    expect(data.mode).toBe("print");
    expect(data.address).toBe(address);
    expect(data.recipe.tableNameOverrides).toEqual({ GranulesTable: "p-GranulesTable-r" });
    expect(data.recipe.steps.map((s) => [s.kind, s.argv])).toEqual([
      ["state-rm", ["terraform", "state", "rm", address]],
      ["import", ["terraform", "import", address, "p-GranulesTable-r"]],
    ]);
    const stable = (t: string): unknown => JSON.parse(t.replace(/\d{8}T\d{6}Z/g, "T"));
    expect(stable(b.stdout)).toEqual(stable(a.stdout));
  });
});
