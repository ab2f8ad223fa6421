/**
 * Bad input to the DR commands (import-restored-table, restore-pitr, restore-backups): one row per input, each with the
 * exact message (or the pattern of one that embeds a timestamp), the exit code, and proof that nothing was done:
 *   - no AWS call at all: every SDK request goes to a loopback server that counts them, and the count must stay 0;
 *   - no file written in the working directory or the --chdir folder;
 *   - terraform, where a row provides a fake one, was only asked to read (state pull / show).
 *
 * Adding a row is one line: `row([...argv], EXIT.usage, "the message")`. A new DR command adds its rows here.
 * The flag errors formerly in test/dr/cli-errors.test.ts live here now; that file keeps --json and help.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateModuleAddress } from "../../lib/addresses";
import { tableNames } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { fakeTerraform, pathWithoutTerraform, runDr, useEndpoint, type FakeTerraform } from "../dr/helpers";

interface Row {
  readonly argv: readonly string[];
  readonly exit: number;
  /** The whole error message after "error: ", or a pattern for one that holds a timestamp. */
  readonly message: string | RegExp;
  /** Runs with a fake terraform first on PATH (it answers with an empty state). @default real PATH */
  readonly terraform?: "fake" | "none";
}

const row = (argv: readonly string[], exit: number, message: string | RegExp, terraform?: Row["terraform"]): Row => ({
  argv,
  exit,
  message,
  ...(terraform === undefined ? {} : { terraform }),
});

const KNOWN = tableNames(loadProjectCatalog()).join(", ");
const FIRST_TABLE = loadProjectCatalog().tables[0]?.name ?? "";
const ROOT = mkdtempSync(join(tmpdir(), "dds-bad-input-root-"));
const MISSING_DIR = join(tmpdir(), "dds-does-not-exist-bad-input");
const ILLEGAL_CHARS = "it may contain only A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.).";
const BAD_AT = (at: string): string =>
  `--at: "${at}" is not allowed; give an ISO 8601 time with a time zone, e.g. 2025-01-31T04:05:00Z or 2025-01-31T06:05:00+02:00`;
const WAIT = (v: string): string => `--wait-minutes: "${v}" is not allowed; use a whole number from 0 to 1440`;
const EXECUTE_NEEDS_CHDIR =
  "--execute needs --chdir <dir>: the Terraform root module folder that calls the data-persistence module (where you run terraform plan).";

function addressError(address: string): string {
  try {
    validateModuleAddress(address);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${address} is valid`);
}

const IMPORT = ["import-restored-table", "--table", "CollectionsTable", "--restored-name", "p-CollectionsTable-r"];
const PITR = ["restore-pitr", "--table", "CollectionsTable", "--prefix", "p"];
const BACKUPS = ["restore-backups", "--prefix", "p"];

// prettier-ignore
const IMPORT_ROWS: Row[] = [
  row(["import-restored-table", "--table", "Collections", "--restored-name", "p-x-r"], EXIT.usage, `--table: Unknown table "Collections". Known tables: ${KNOWN}.`),
  row(["import-restored-table", "--restored-name", "p-x-r"], EXIT.usage, "--table is required. See --help."),
  row(["import-restored-table", "--table", "CollectionsTable"], EXIT.usage, "--restored-name is required. See --help."),
  row(["import-restored-table", "--table", "CollectionsTable", "--restored-name", "bad name!"], EXIT.usage, `--restored-name: "bad name!" is not a legal DynamoDB table name: ${ILLEGAL_CHARS}`),
  row(["import-restored-table", "--table", "CollectionsTable", "--restored-name", "ab"], EXIT.usage, '--restored-name: "ab" is not a legal DynamoDB table name: it must be 3-255 characters long (it is 2).'),
  row([...IMPORT, "--format", "yaml"], EXIT.usage, '--format: "yaml" is not allowed; use one of sh, hcl'),
  row([...IMPORT, "--module-address", "data_persistence"], EXIT.usage, addressError("data_persistence")),
  row([...IMPORT, "--module-address", 'module.dp["a\nb"]'], EXIT.usage, '--module-address: "module.dp[\\"a\\nb\\"]" contains a control character or a template sequence ("${" or "%{") in an index key; use a plain key such as module.dp["prod"]'),
  row([...IMPORT, "--var", "no-equals"], EXIT.usage, '--var: "no-equals" is not allowed; use name=value, e.g. --var prefix=prod'),
  row([...IMPORT, "--var-file", "a\nb"], EXIT.usage, '--var-file: "a\\nb" is not allowed: give a non-empty value without control characters'),
  row([...IMPORT, "--backup-dir", "x"], EXIT.usage, "--backup-dir only applies with --execute"),
  row([...IMPORT, "--bogus"], EXIT.usage, `Unknown option '--bogus'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- "--bogus". See "import-restored-table --help".`),
  row([...IMPORT, "extra"], EXIT.usage, 'unexpected argument "extra"; import-restored-table takes no positional arguments. See --help.'),
  row([...IMPORT, "--execute"], EXIT.usage, EXECUTE_NEEDS_CHDIR),
  row([...IMPORT, "--execute", "--chdir", ".", "--format", "hcl"], EXIT.usage, "--format hcl prints import blocks for you to plan and apply yourself; it cannot be combined with --execute (use --json for machine output)"),
  row([...IMPORT, "--execute", "--chdir", ROOT, "--yes"], EXIT.toolMissing, "terraform is not installed (not found on PATH); import-restored-table --execute runs terraform. Install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install), or leave out --execute and run the printed commands yourself.", "none"),
  row([...IMPORT, "--execute", "--chdir", MISSING_DIR], EXIT.usage, `--chdir: "${MISSING_DIR}" is not a directory (resolved to ${MISSING_DIR})`, "fake"),
  // Issue 9, nit 1: the two sentences used to run together ("…tables at allCheck --module-address…").
  row([...IMPORT, "--execute", "--chdir", ROOT, "--yes"], EXIT.notFound, `module.data_persistence.aws_dynamodb_table.collections_table is not in the Terraform state of ${ROOT}, so there is nothing to re-point. The state has no DynamoDB tables at all.\nCheck --module-address and --chdir. If an earlier run already removed it, re-run with --skip-state-rm to import only.`, "fake"),
];

// prettier-ignore
const PITR_ROWS: Row[] = [
  row(PITR, EXIT.usage, "give exactly one of --at <ISO time> (e.g. 2025-01-31T04:05:00Z) and --latest (the latest restorable time)"),
  row([...PITR, "--latest", "--at", "2025-01-31T04:05:00Z"], EXIT.usage, "give exactly one of --at <ISO time> (e.g. 2025-01-31T04:05:00Z) and --latest (the latest restorable time)"),
  ...["2025-01-31T04:05:00", "yesterday", "2025-02-31T04:05:00Z", "2025-01-31T24:30:00Z", ""].map((at) => row([...PITR, "--at", at], EXIT.usage, BAD_AT(at))),
  row(["restore-pitr", "--table", "Nope", "--prefix", "p", "--latest"], EXIT.usage, `--table: Unknown table "Nope". Known tables: ${KNOWN}.`),
  row(["restore-pitr", "--prefix", "p", "--latest"], EXIT.usage, "--table is required. See --help."),
  row(["restore-pitr", "--table", "CollectionsTable", "--latest"], EXIT.usage, "--prefix is required. See --help."),
  row(["restore-pitr", "--table", "CollectionsTable", "--prefix", "my prefix", "--latest"], EXIT.usage, `--prefix: "my prefix-CollectionsTable" is not a legal DynamoDB table name: ${ILLEGAL_CHARS} The table name is <prefix>-<CatalogName>; check --prefix.`),
  row([...PITR, "--latest", "--target-name", "x/y"], EXIT.usage, `--target-name: "x/y" is not a legal DynamoDB table name: ${ILLEGAL_CHARS}`),
  row(["restore-pitr", "--table", "CollectionsTable", "--prefix", "p".repeat(220), "--latest"], EXIT.usage, new RegExp(`^--target-name: "${"p".repeat(220)}-CollectionsTable-restored-\\d{8}T\\d{6}Z" is not a legal DynamoDB table name: it must be 3-255 characters long \\(it is 263\\)\\. The default <table>-restored-<timestamp> is too long here: give a shorter --target-name\\.$`)),
  row([...PITR, "--latest", "--wait-minutes=-1"], EXIT.usage, WAIT("-1")),
  row([...PITR, "--latest", "--wait-minutes", "99999"], EXIT.usage, WAIT("99999")),
  row([...PITR, "--latest", "--wait-minutes", "ten"], EXIT.usage, WAIT("ten")),
  row([...PITR, "--latest", "--execute"], EXIT.usage, EXECUTE_NEEDS_CHDIR),
  row([...PITR, "--latest", "--format", "yaml"], EXIT.usage, '--format: "yaml" is not allowed; use one of sh, hcl'),
];

// prettier-ignore
const BACKUPS_ROWS: Row[] = [
  row(["restore-backups"], EXIT.usage, "--prefix is required. See --help."),
  row([...BACKUPS, "--backup-type", "AWS"], EXIT.usage, '--backup-type: "AWS" is not allowed; use one of SYSTEM, USER, ALL, AWS_BACKUP'),
  row([...BACKUPS, "--name-override", "CollectionsTable"], EXIT.usage, '--name-override: "CollectionsTable" is not allowed; use <CatalogName>=<table name>, e.g. CollectionsTable=prod-CollectionsTable-restored-20250101T000000Z'),
  row([...BACKUPS, "--name-override", "Nope=p-x-y"], EXIT.usage, `--name-override: Unknown table "Nope". Known tables: ${KNOWN}.`),
  row(["restore-backups", "--prefix", "p!"], EXIT.usage, `--prefix: "p!-${FIRST_TABLE}" is not a legal DynamoDB table name: ${ILLEGAL_CHARS} The table names are <prefix>-<CatalogName>.`),
  row([...BACKUPS, "--wait-minutes", "1441"], EXIT.usage, WAIT("1441")),
  row([...BACKUPS, "--execute"], EXIT.usage, EXECUTE_NEEDS_CHDIR),
  row([...BACKUPS, "--at", "2025-01-31T04:05:00Z"], EXIT.usage, `Unknown option '--at'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- "--at". See "restore-backups --help".`),
];

let awsRequests = 0;
let server: Server;
let tf: FakeTerraform;

beforeAll(async () => {
  // Any AWS call a row makes lands here (and is answered with a refusal): the rows must make none.
  server = createServer((req, res) => {
    awsRequests++;
    req.resume();
    res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
    res.end(JSON.stringify({ __type: "InternalFailure", message: "bad-input rows must not call AWS" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  useEndpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  tf = fakeTerraform();
  tf.setScenario({});
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const label = (r: Row): string => JSON.stringify(r.argv.slice(1)).slice(0, 160);

describe.each([
  ["import-restored-table", IMPORT_ROWS],
  ["restore-pitr", PITR_ROWS],
  ["restore-backups", BACKUPS_ROWS],
])("%s: bad input", (_command, rows) => {
  it.each(rows.map((r) => [label(r), r] as const))("%s", async (_label, r) => {
    const cwd = mkdtempSync(join(tmpdir(), "dds-bad-input-cwd-"));
    const callsBefore = tf.calls().length;
    const requestsBefore = awsRequests;
    const env =
      r.terraform === "fake"
        ? tf.env()
        : r.terraform === "none"
          ? { ...process.env, PATH: pathWithoutTerraform() }
          : process.env;
    const res = await runDr([...r.argv], { cwd, env });
    const error = res.stderr
      .split("\n")
      .filter((l) => !l.startsWith("$ "))
      .join("\n");
    if (typeof r.message === "string") expect(error).toBe(`error: ${r.message}\n`);
    else expect(error.replace(/^error: /, "").replace(/\n$/, "")).toMatch(r.message);
    expect(res.stdout).toBe("");
    expect(res.code).toBe(r.exit);
    // Nothing done: no AWS call, no file written, terraform only read.
    expect(awsRequests - requestsBefore, "AWS requests").toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(ROOT)).toEqual([]);
    const tfCalls = tf.calls().slice(callsBefore);
    for (const call of tfCalls) expect(call.filter((a) => !a.startsWith("-"))[0]).toMatch(/^(state|show)$/);
    for (const call of tfCalls) expect(call).not.toContain("rm");
  });
});

it("every row is distinct", () => {
  const all = [...IMPORT_ROWS, ...PITR_ROWS, ...BACKUPS_ROWS].map((r) => JSON.stringify(r.argv) + (r.terraform ?? ""));
  expect(new Set(all).size).toBe(all.length);
});
