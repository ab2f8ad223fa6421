/**
 * Every flag error of the three commands: exact message, exit code, and nothing touched (no AWS endpoint is
 * reachable here — the safety setup points the SDK at a closed port — and no terraform runs).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateModuleAddress } from "../../lib/addresses";
import { tableNames } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { fakeTerraform, pathWithoutTerraform, runDr } from "./helpers";

const KNOWN = tableNames(loadProjectCatalog()).join(", ");
const IMPORT = ["import-restored-table", "--table", "CollectionsTable", "--restored-name", "p-CollectionsTable-r"];
const RESTORE = ["restore-pitr", "--table", "CollectionsTable", "--prefix", "p"];

function addressError(address: string): string {
  try {
    validateModuleAddress(address);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${address} is valid`);
}

async function expectError(argv: string[], exitCode: number, message: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const res = await runDr(argv, { env });
  expect(res.stderr).toBe(`error: ${message}\n`);
  expect(res.stdout).toBe("");
  expect(res.code).toBe(exitCode);
}

describe("import-restored-table flag errors", () => {
  it("unknown table lists the known ones", async () => {
    await expectError(
      ["import-restored-table", "--table", "Collections", "--restored-name", "p-x-r"],
      EXIT.usage,
      `--table: Unknown table "Collections". Known tables: ${KNOWN}.`,
    );
  });

  it("illegal DynamoDB names", async () => {
    await expectError(
      ["import-restored-table", "--table", "CollectionsTable", "--restored-name", "bad name!"],
      EXIT.usage,
      '--restored-name: "bad name!" is not a legal DynamoDB table name: it may contain only A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.).',
    );
    await expectError(
      ["import-restored-table", "--table", "CollectionsTable", "--restored-name", "ab"],
      EXIT.usage,
      '--restored-name: "ab" is not a legal DynamoDB table name: it must be 3-255 characters long (it is 2).',
    );
  });

  it("missing and malformed flags", async () => {
    await expectError(
      ["import-restored-table", "--table", "CollectionsTable"],
      EXIT.usage,
      "--restored-name is required. See --help.",
    );
    await expectError(
      [...IMPORT, "--format", "yaml"],
      EXIT.usage,
      '--format: "yaml" is not allowed; use one of sh, hcl',
    );
    // The message is lib/addresses.ts's own, passed through unchanged.
    await expectError(
      [...IMPORT, "--module-address", "data_persistence"],
      EXIT.usage,
      addressError("data_persistence"),
    );
    await expectError(
      [...IMPORT, "--module-address", 'module.dp["a\nb"]'],
      EXIT.usage,
      '--module-address: "module.dp[\\"a\\nb\\"]" contains a control character or a template sequence ("${" or "%{") in an index key; use a plain key such as module.dp["prod"]',
    );
    await expectError(
      [...IMPORT, "--var", "no-equals"],
      EXIT.usage,
      '--var: "no-equals" is not allowed; use name=value, e.g. --var prefix=prod',
    );
    await expectError(
      [...IMPORT, "--var-file", "a\nb"],
      EXIT.usage,
      '--var-file: "a\\nb" is not allowed: give a non-empty value without control characters',
    );
    await expectError([...IMPORT, "--backup-dir", "x"], EXIT.usage, "--backup-dir only applies with --execute");
    await expectError(
      [...IMPORT, "--bogus"],
      EXIT.usage,
      `Unknown option '--bogus'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- "--bogus". See "import-restored-table --help".`,
    );
  });

  it("--execute needs --chdir, and cannot print hcl", async () => {
    await expectError(
      [...IMPORT, "--execute"],
      EXIT.usage,
      "--execute needs --chdir <dir>: the Terraform root module folder that calls the data-persistence module (where you run terraform plan).",
    );
    await expectError(
      [...IMPORT, "--execute", "--chdir", ".", "--format", "hcl"],
      EXIT.usage,
      "--format hcl prints import blocks for you to plan and apply yourself; it cannot be combined with --execute (use --json for machine output)",
    );
  });

  it("terraform not installed (for --execute)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dds-root-"));
    await expectError(
      [...IMPORT, "--execute", "--chdir", dir, "--yes"],
      EXIT.toolMissing,
      "terraform is not installed (not found on PATH); import-restored-table --execute runs terraform. Install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install), or leave out --execute and run the printed commands yourself.",
      { ...process.env, PATH: pathWithoutTerraform() },
    );
  });

  it("--chdir that is not a folder", async () => {
    const tf = fakeTerraform();
    const missing = join(tmpdir(), "dds-does-not-exist-xyz");
    await expectError(
      [...IMPORT, "--execute", "--chdir", missing],
      EXIT.usage,
      `--chdir: "${missing}" is not a directory (resolved to ${missing})`,
      tf.env(),
    );
    expect(tf.calls()).toEqual([]);
  });

  it("--json prints the error as data too", async () => {
    const res = await runDr(["import-restored-table", "--table", "Nope", "--restored-name", "p-x-r", "--json"]);
    expect(res.code).toBe(EXIT.usage);
    expect(JSON.parse(res.stdout)).toEqual({
      error: { kind: "usage", message: `--table: Unknown table "Nope". Known tables: ${KNOWN}.`, exitCode: EXIT.usage },
    });
  });
});

describe("restore-table flag errors (checked before any AWS call)", () => {
  it("needs exactly one of --at and --latest", async () => {
    const msg =
      "give exactly one of --at <ISO time> (e.g. 2025-01-31T04:05:00Z) and --latest (the latest restorable time)";
    await expectError(RESTORE, EXIT.usage, msg);
    await expectError([...RESTORE, "--latest", "--at", "2025-01-31T04:05:00Z"], EXIT.usage, msg);
  });

  it("--at must be an ISO time with a time zone", async () => {
    for (const at of ["2025-01-31T04:05:00", "yesterday", "2025-02-31T04:05:00Z", "2025-01-31T24:30:00Z"]) {
      await expectError(
        [...RESTORE, "--at", at],
        EXIT.usage,
        `--at: "${at}" is not allowed; give an ISO 8601 time with a time zone, e.g. 2025-01-31T04:05:00Z or 2025-01-31T06:05:00+02:00`,
      );
    }
  });

  it("unknown table, illegal prefix, illegal or too long target names", async () => {
    await expectError(
      ["restore-pitr", "--table", "Nope", "--prefix", "p", "--latest"],
      EXIT.usage,
      `--table: Unknown table "Nope". Known tables: ${KNOWN}.`,
    );
    await expectError(
      ["restore-pitr", "--table", "CollectionsTable", "--prefix", "my prefix", "--latest"],
      EXIT.usage,
      '--prefix: "my prefix-CollectionsTable" is not a legal DynamoDB table name: it may contain only A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.). The table name is <prefix>-<CatalogName>; check --prefix.',
    );
    await expectError(
      [...RESTORE, "--latest", "--target-name", "x/y"],
      EXIT.usage,
      '--target-name: "x/y" is not a legal DynamoDB table name: it may contain only A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.).',
    );
    const prefix = "p".repeat(220);
    const res = await runDr(["restore-pitr", "--table", "CollectionsTable", "--prefix", prefix, "--latest"]);
    expect(res.code).toBe(EXIT.usage);
    expect(res.stderr).toMatch(
      new RegExp(
        `^error: --target-name: "${prefix}-CollectionsTable-restored-\\d{8}T\\d{6}Z" is not a legal DynamoDB table name: it must be 3-255 characters long \\(it is 263\\)\\. The default <table>-restored-<timestamp> is too long here: give a shorter --target-name\\.\\n$`,
      ),
    );
  });

  it("--wait-minutes range", async () => {
    await expectError(
      [...RESTORE, "--latest", "--wait-minutes=-1"],
      EXIT.usage,
      '--wait-minutes: "-1" is not allowed; use a whole number from 0 to 1440',
    );
    await expectError(
      [...RESTORE, "--latest", "--wait-minutes", "99999"],
      EXIT.usage,
      '--wait-minutes: "99999" is not allowed; use a whole number from 0 to 1440',
    );
  });
});

describe("restore-deployment flag errors", () => {
  it("--backup-type, --name-override and --prefix", async () => {
    await expectError(
      ["restore-backups", "--prefix", "p", "--backup-type", "AWS"],
      EXIT.usage,
      '--backup-type: "AWS" is not allowed; use one of SYSTEM, USER, ALL',
    );
    await expectError(
      ["restore-backups", "--prefix", "p", "--name-override", "CollectionsTable"],
      EXIT.usage,
      '--name-override: "CollectionsTable" is not allowed; use <CatalogName>=<table name>, e.g. CollectionsTable=prod-CollectionsTable-restored-20250101T000000Z',
    );
    await expectError(
      ["restore-backups", "--prefix", "p", "--name-override", "Nope=p-x-y"],
      EXIT.usage,
      `--name-override: Unknown table "Nope". Known tables: ${KNOWN}.`,
    );
    await expectError(
      ["restore-backups", "--prefix", "p!"],
      EXIT.usage,
      `--prefix: "p!-${loadProjectCatalog().tables[0]?.name}" is not a legal DynamoDB table name: it may contain only A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.). The table names are <prefix>-<CatalogName>.`,
    );
    await expectError(["restore-backups"], EXIT.usage, "--prefix is required. See --help.");
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
