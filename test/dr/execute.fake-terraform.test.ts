/**
 * The --execute path of import-restored-table with a fake terraform (it records argv and answers from a scenario)
 * and moto for the restored table: the order of the commands, the merged override passed to the plan, the state
 * backup, and every stop — each with nothing mutating run before it. The real-terraform runs are in
 * e2e.terraform.test.ts; this file reaches the paths real terraform cannot (a plan JSON that replaces a table).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_MODULE_NAME, tableAddress } from "../../lib/addresses";
import { findTable } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { Moto, startMoto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { FakeScenario, FakeTerraform, createCatalogTable, fakeTerraform, runDr, useEndpoint } from "./helpers";

const skip = announceSkip("import-restored-table --execute (fake terraform) tests", motoSkipReason());
const catalog = loadProjectCatalog();
const ADDRESS = tableAddress("CollectionsTable");
const RESTORED = "ex-CollectionsTable-restored-20250101T000000Z";

/** A v4 state (what `terraform state pull` prints) holding these table addresses → names. */
function stateWith(resources: Record<string, string>): string {
  return JSON.stringify({
    version: 4,
    serial: 12,
    lineage: "fake",
    resources: Object.entries(resources).map(([address, name]) => {
      const m = /^(.*)\.aws_dynamodb_table\.([a-z_]+)$/.exec(address) as RegExpExecArray;
      return {
        module: m[1],
        mode: "managed",
        type: "aws_dynamodb_table",
        name: m[2],
        instances: [{ attributes: { name } }],
      };
    }),
  });
}

function preflight(expressions: object, existing: unknown = {}): unknown {
  return {
    variables: { table_name_overrides: { value: existing } },
    configuration: { root_module: { module_calls: { [DEFAULT_MODULE_NAME]: { expressions } } } },
  };
}

const WIRED = { table_name_overrides: { references: ["var.table_name_overrides"] } };

function finalPlan(actions: string[], name = RESTORED): unknown {
  return {
    resource_changes: [
      {
        address: ADDRESS,
        mode: "managed",
        type: "aws_dynamodb_table",
        change: {
          actions,
          before: { name: RESTORED, deletion_protection_enabled: false, point_in_time_recovery: [{ enabled: false }] },
          after: { name, deletion_protection_enabled: true, point_in_time_recovery: [{ enabled: true }] },
        },
      },
    ],
  };
}

const PULLED = stateWith({ [ADDRESS]: "ex-CollectionsTable", [tableAddress("UsersTable")]: "ex-UsersTable" });
const OK: FakeScenario = {
  pulled: PULLED,
  preflightPlan: preflight(WIRED, { UsersTable: "ex-UsersTable-restored-1" }),
  plan: finalPlan(["update"]),
};

/** `show`, `plan(preflight)`, `state pull`, `state rm`, `import`, `plan`, `show <plan>` for each call. */
function kinds(calls: string[][]): string[] {
  return calls.map((c) => {
    const rest = c.filter((a) => !a.startsWith("-chdir="));
    if (rest[0] === "state") return `state ${rest[1]}`;
    if (rest[0] === "plan") return rest.includes("-refresh=false") ? "plan(preflight)" : "plan";
    if (rest[0] === "show") return rest.length > 2 && !rest[2]?.startsWith("-") ? "show <plan>" : "show";
    return rest[0] as string;
  });
}

/** stderr from the error line on (before it: the echoed terraform commands). */
function errorText(stderr: string): string {
  const i = stderr.indexOf("error: ");
  return i < 0 ? stderr : stderr.slice(i);
}

const READ_ONLY = ["state pull", "plan(preflight)", "show <plan>"];

describe.skipIf(skip)("import-restored-table --execute with a fake terraform", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let tf: FakeTerraform;
  let root: string;
  const args = (...extra: string[]): string[] => [
    "import-restored-table",
    "--table",
    "CollectionsTable",
    "--restored-name",
    RESTORED,
    "--execute",
    "--chdir",
    root,
    ...extra,
  ];

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    await createCatalogTable(ddb, findTable(catalog, "CollectionsTable"), RESTORED);
    await createCatalogTable(ddb, findTable(catalog, "UsersTable"), "ex-wrong-keys");
  });

  afterAll(async () => {
    ddb?.destroy();
    await moto?.stop();
  });

  beforeEach(() => {
    tf = fakeTerraform();
    root = mkdtempSync(join(tmpdir(), "dds-root-"));
  });

  it("saves the state, runs state rm + import, plans with the merged override, and reports the apply", async () => {
    tf.setScenario(OK);
    const res = await runDr(args("--yes", "--var-file", "prod.tfvars"), { env: tf.env() });
    expect(res.code).toBe(0);
    const calls = tf.calls();
    expect(kinds(calls)).toEqual([
      "state pull",
      "plan(preflight)",
      "show <plan>",
      "state pull",
      "state rm",
      "import",
      "plan",
      "show <plan>",
    ]);
    const backups = readdirSync(root).filter((f) => f.endsWith(".tfstate"));
    expect(backups).toHaveLength(1);
    const backup = join(root, backups[0] as string);
    expect(readFileSync(backup, "utf8")).toBe(PULLED);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(calls[4]).toEqual([`-chdir=${root}`, "state", "rm", ADDRESS]);
    expect(calls[5]).toEqual([`-chdir=${root}`, "import", "-input=false", "-var-file=prod.tfvars", ADDRESS, RESTORED]);
    const planFile = (calls[6] as string[]).find((a) => a.startsWith("-out="))?.slice(5) as string;
    expect(planFile).toMatch(new RegExp(`^${root}/dynamo-dr-\\d{8}T\\d{6}Z\\.tfplan$`));
    expect(calls[6]).toEqual([
      `-chdir=${root}`,
      "plan",
      "-input=false",
      "-no-color",
      "-detailed-exitcode",
      `-out=${planFile}`,
      "-var-file=prod.tfvars",
      // The entry already in the configuration is kept; ours is added.
      `-var=table_name_overrides={"UsersTable":"ex-UsersTable-restored-1","CollectionsTable":"${RESTORED}"}`,
    ]);
    expect(res.stdout).toContain(`State saved to ${backup} before any change.`);
    expect(res.stdout).toContain("Plan checked: 0 DynamoDB tables to destroy or replace.");
    expect(res.stdout).toContain(`  ~ ${ADDRESS} (update)\n      deletion protection: false -> true\n`);
    expect(res.stdout).toContain(`       terraform -chdir=${root} apply ${planFile}\n`);
    expect(res.stdout).toContain(`CollectionsTable = "${RESTORED}"`);
    expect(res.stderr).toContain(`$ terraform -chdir=${root} state rm ${ADDRESS}\n`);
  });

  it("--json: the execution as data", async () => {
    tf.setScenario(OK);
    const res = await runDr(args("--yes", "--json"), { env: tf.env() });
    expect(res.code).toBe(0);
    const data = JSON.parse(res.stdout) as {
      mode: string;
      execution: { analysis: { updatedInPlace: { address: string }[] }; planExitCode: number };
    };
    expect(data.mode).toBe("executed");
    expect(data.execution.planExitCode).toBe(2);
    expect(data.execution.analysis.updatedInPlace.map((t) => t.address)).toEqual([ADDRESS]);
  });

  it("stops loudly when the plan would replace the table, naming the state backup and the undo", async () => {
    tf.setScenario({ ...OK, plan: finalPlan(["delete", "create"], "ex-CollectionsTable") });
    const res = await runDr(args("--yes"), { env: tf.env() });
    expect(res.code).toBe(EXIT.safetyStop);
    const backup = join(root, readdirSync(root).find((f) => f.endsWith(".tfstate")) as string);
    const planFile = tf
      .calls()[6]
      ?.find((a) => a.startsWith("-out="))
      ?.slice(5);
    expect(errorText(res.stderr)).toBe(
      [
        "error: SAFETY STOP: the plan would destroy or replace 1 DynamoDB table(s):",
        "Nothing was applied and no table was touched, but the Terraform state WAS changed (state rm / import).",
        `  State before this command: ${backup}`,
        `  To undo the state change:  terraform -chdir=${root} state push -force ${backup}`,
        `  -/+ ${ADDRESS} (delete, create)`,
        `      table name: "${RESTORED}" -> "ex-CollectionsTable"`,
        `      deletion protection: false -> true`,
        `      point-in-time recovery: [{"enabled":false}] -> [{"enabled":true}]`,
        `Do NOT apply ${planFile}.`,
        `Check that the module receives table_name_overrides with CollectionsTable = "${RESTORED}".`,
        "",
      ].join("\n"),
    );
  });

  it("stops loudly when terraform refuses the plan because of prevent_destroy", async () => {
    tf.setScenario({
      ...OK,
      planError:
        "Error: Instance cannot be destroyed\n\nResource " +
        ADDRESS +
        " has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed.\n",
    });
    const res = await runDr(args("--yes"), { env: tf.env() });
    expect(res.code).toBe(EXIT.safetyStop);
    expect(res.stderr).toContain(
      "error: SAFETY STOP: terraform plan would destroy a DynamoDB table; lifecycle.prevent_destroy made it refuse.\n",
    );
    expect(res.stderr).toContain(
      `The configuration does not yet name the restored table: the module must receive table_name_overrides with CollectionsTable = "${RESTORED}".`,
    );
    expect(res.stderr).toContain("  To undo the state change:  terraform ");
  });

  it("stops when the import fails, and says the state was changed (the state rm ran)", async () => {
    tf.setScenario({ ...OK, fail: { command: "import", stderr: "Error: Cannot import non-existent remote object\n" } });
    const res = await runDr(args("--yes"), { env: tf.env() });
    expect(res.code).toBe(EXIT.safetyStop);
    expect(kinds(tf.calls()).slice(3)).toEqual(["state pull", "state rm", "import"]);
    expect(res.stderr).toContain(
      `, so the remaining steps were not run.\nNothing was applied and no table was touched, but the Terraform state WAS changed (state rm / import).`,
    );
    expect(res.stderr).toContain("Error: Cannot import non-existent remote object");
  });

  it("stops when terraform cannot show the checked plan, and says the state was changed", async () => {
    tf.setScenario({ ...OK, showPlanError: "Error: Failed to read the given file as a state or plan file\n" });
    const res = await runDr(args("--yes"), { env: tf.env() });
    expect(res.code).toBe(EXIT.safetyStop);
    expect(kinds(tf.calls()).slice(3)).toEqual(["state pull", "state rm", "import", "plan", "show <plan>"]);
    expect(res.stderr).toMatch(
      /error: SAFETY STOP: terraform show could not read the plan .*\.tfplan, so it was not checked\.\n/,
    );
    expect(res.stderr).toContain("but the Terraform state WAS changed (state rm / import).");
    expect(res.stderr).toContain("  To undo the state change:  terraform ");
    expect(res.stderr).toContain("Error: Failed to read the given file as a state or plan file");
  });

  it("address absent from state: exit 4, lists the DynamoDB addresses it found, runs nothing else", async () => {
    tf.setScenario({ ...OK, pulled: stateWith({ [tableAddress("UsersTable")]: "ex-UsersTable" }) });
    const res = await runDr(args("--yes"), { env: tf.env() });
    expect(errorText(res.stderr)).toBe(
      `error: ${ADDRESS} is not in the Terraform state of ${root}, so there is nothing to re-point. DynamoDB tables in that state:\n  ${tableAddress("UsersTable")}\nCheck --module-address and --chdir. If an earlier run already removed it, re-run with --skip-state-rm to import only.\n`,
    );
    expect(res.code).toBe(EXIT.notFound);
    expect(kinds(tf.calls())).toEqual(["state pull"]);
  });

  it("a state in another format than v4 is read with terraform show -json instead", async () => {
    tf.setScenario({
      ...OK,
      pulled: '{"version":5}',
      state: {
        values: {
          root_module: {
            child_modules: [
              {
                resources: [
                  { address: ADDRESS, mode: "managed", type: "aws_dynamodb_table", values: { name: RESTORED } },
                ],
              },
            ],
          },
        },
      },
    });
    const res = await runDr(args("--dry-run"), { env: tf.env() });
    expect(res.code).toBe(0);
    expect(kinds(tf.calls()).slice(0, 2)).toEqual(["state pull", "show"]);
    expect(res.stdout).not.toContain("state rm"); // it already manages the restored table
  });

  it("--skip-state-rm imports only, when a previous run already removed the address", async () => {
    tf.setScenario({ ...OK, pulled: stateWith({}) });
    const res = await runDr(args("--yes", "--skip-state-rm"), { env: tf.env() });
    expect(res.code).toBe(0);
    expect(kinds(tf.calls())).toEqual([
      "state pull",
      "plan(preflight)",
      "show <plan>",
      "state pull",
      "import",
      "plan",
      "show <plan>",
    ]);
  });

  it("an address that already manages the restored table is not re-imported (safe to re-run)", async () => {
    tf.setScenario({ ...OK, pulled: stateWith({ [ADDRESS]: RESTORED }) });
    const res = await runDr(args("--yes"), { env: tf.env() });
    expect(res.code).toBe(0);
    expect(kinds(tf.calls())).toEqual([
      "state pull",
      "plan(preflight)",
      "show <plan>",
      "state pull",
      "plan",
      "show <plan>",
    ]);
    expect(res.stdout).toContain(`Skipped:\n  - ${ADDRESS}: already manages ${RESTORED} (imported earlier)\n`);
  });

  it("restored table missing: exit 4 before any change", async () => {
    tf.setScenario(OK);
    const res = await runDr(
      [
        "import-restored-table",
        "--table",
        "CollectionsTable",
        "--restored-name",
        "ex-missing",
        "--execute",
        "--chdir",
        root,
        "--yes",
      ],
      { env: tf.env() },
    );
    expect(errorText(res.stderr)).toBe(
      'error: --restored-name: table "ex-missing" does not exist in us-east-1; check the name (aws dynamodb list-tables) and AWS_REGION\n',
    );
    expect(res.code).toBe(EXIT.notFound);
    expect(kinds(tf.calls()).every((k) => READ_ONLY.includes(k))).toBe(true);
  });

  it("restored table with other keys than the catalog's: exit 3 before any change", async () => {
    tf.setScenario(OK);
    const res = await runDr(
      [
        "import-restored-table",
        "--table",
        "CollectionsTable",
        "--restored-name",
        "ex-wrong-keys",
        "--execute",
        "--chdir",
        root,
        "--yes",
      ],
      { env: tf.env() },
    );
    expect(errorText(res.stderr)).toBe(
      'error: --restored-name: table "ex-wrong-keys" is not a copy of CollectionsTable: it has hash key userName, sort key (none) but the catalog\'s CollectionsTable has hash key name, sort key version\n',
    );
    expect(res.code).toBe(EXIT.precondition);
    expect(kinds(tf.calls()).every((k) => READ_ONLY.includes(k))).toBe(true);
  });

  it("override not wired to a root variable: exit 3, explains both ways out, nothing changed", async () => {
    tf.setScenario({ ...OK, preflightPlan: preflight({ table_name_overrides: { constant_value: {} } }) });
    const res = await runDr(args("--yes"), { env: tf.env() });
    expect(errorText(res.stderr)).toBe(
      `error: --execute passes the table_name_overrides entry to the plan through a root variable, but module "${DEFAULT_MODULE_NAME}" in the root module sets table_name_overrides to a value that uses no variable. Nothing was changed. Either wire it (in the module block: table_name_overrides = var.table_name_overrides, with variable "table_name_overrides" { type = map(string), default = {} } in the root module), or add CollectionsTable = "${RESTORED}" to the module's table_name_overrides yourself and re-run with --override-in-config.\n`,
    );
    expect(res.code).toBe(EXIT.precondition);
    expect(kinds(tf.calls())).toEqual(READ_ONLY);
  });

  it("--override-in-config: no preflight, the plan gets no -var", async () => {
    tf.setScenario({ ...OK, preflightPlan: undefined });
    const res = await runDr(args("--yes", "--override-in-config"), { env: tf.env() });
    expect(res.code).toBe(0);
    expect(kinds(tf.calls())).toEqual(["state pull", "state pull", "state rm", "import", "plan", "show <plan>"]);
    expect(tf.calls()[4]?.some((a) => a.startsWith("-var="))).toBe(false);
  });

  it("an indexed module instance needs --override-in-config", async () => {
    tf.setScenario({ ...OK, pulled: stateWith({ [tableAddress("CollectionsTable", 'module.dp["prod"]')]: "x-y-z" }) });
    const res = await runDr(args("--yes", "--module-address", 'module.dp["prod"]'), { env: tf.env() });
    expect(errorText(res.stderr)).toBe(
      `error: --execute cannot pass table_name_overrides to one instance of a module with count/for_each (module.dp["prod"]). Add the entry CollectionsTable = "${RESTORED}" to that instance's configuration yourself, then re-run with --override-in-config.\n`,
    );
    expect(res.code).toBe(EXIT.usage);
  });

  it("--dry-run: only reads, prints what it would run", async () => {
    tf.setScenario(OK);
    const res = await runDr(args("--dry-run"), { env: tf.env() });
    expect(res.code).toBe(0);
    expect(kinds(tf.calls())).toEqual(READ_ONLY);
    expect(res.stdout).toContain(
      `Dry run: checked ${RESTORED} (ACTIVE, keys match CollectionsTable) and the state; nothing was changed.`,
    );
    expect(res.stdout).toContain(`  $ terraform -chdir=${root} state rm ${ADDRESS}\n`);
    expect(readdirSync(root)).toEqual([]);
  });

  it("no terminal and no --yes: exit 10 after the checks, nothing changed", async () => {
    tf.setScenario(OK);
    const res = await runDr(args(), { env: tf.env() });
    expect(res.code).toBe(EXIT.aborted);
    expect(res.stderr).toContain(`This changes the Terraform state in ${root}:`);
    expect(res.stderr).toContain("No terminal to ask for confirmation: re-run with --yes to proceed.");
    expect(kinds(tf.calls())).toEqual(READ_ONLY);
    expect(readdirSync(root)).toEqual([]);
  });
});
