/**
 * The synthesized module under real terraform with the offline provider mirror: validate and offline plans
 * (no AWS calls: -refresh=false, loopback endpoint, fake credentials).
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_CATALOG, pointInTimeDefaults, tableNames } from "../../lib/catalog";
import { tableAddress, DEFAULT_MODULE_ADDRESS } from "../../lib/addresses";
import { ResourceChange, TerraformWorkspace, varFlags } from "../support/terraform";
import { announceSkip, terraformSkipReason } from "../support/tools";

const skip = announceSkip("module terraform tests", terraformSkipReason());

interface Diagnostic {
  readonly severity: string;
  readonly summary: string;
  readonly detail: string;
}

/** Runs `terraform plan -json` expecting failure; returns the error diagnostics. */
async function planErrors(ws: TerraformWorkspace, vars: Record<string, unknown>): Promise<Diagnostic[]> {
  const res = await ws.tf(["plan", "-refresh=false", "-input=false", "-json", ...varFlags(vars)], { allowFail: true });
  expect(res.code).not.toBe(0);
  return res.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { type: string; diagnostic?: Diagnostic })
    .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
    .map((m) => m.diagnostic as Diagnostic);
}

function pitrByTable(changes: ResourceChange[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const name of tableNames(DEFAULT_CATALOG)) {
    const rc = changes.find((c) => c.address === tableAddress(name, DEFAULT_MODULE_ADDRESS));
    const pitr = (rc?.change.after?.point_in_time_recovery as { enabled: boolean }[] | undefined)?.[0];
    out[name] = pitr?.enabled === true;
  }
  return out;
}

describe.skipIf(skip)("terraform: the example consumer", () => {
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    ws = TerraformWorkspace.fromExample("hcl-consumer", inject("moduleDir"));
    await ws.init();
  });

  it("validates with zero warnings", async () => {
    const res = await ws.tf(["validate", "-json", "-no-color"]);
    const out = JSON.parse(res.stdout) as {
      valid: boolean;
      error_count: number;
      warning_count: number;
      diagnostics: unknown[];
    };
    expect(out).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
    expect(out.diagnostics).toEqual([]);
  });

  it("plans PITR on exactly the default list, with the 35-day period", async () => {
    const plan = await ws.planJson(["-refresh=false"]);
    const changes = plan.resource_changes ?? [];
    const tables = changes.filter((c) => c.type === "aws_dynamodb_table");
    expect(tables).toHaveLength(DEFAULT_CATALOG.tables.length);
    for (const t of tables) expect(t.change.actions).toEqual(["create"]);
    const defaults = pointInTimeDefaults(DEFAULT_CATALOG);
    expect(pitrByTable(changes)).toEqual(
      Object.fromEntries(tableNames(DEFAULT_CATALOG).map((n) => [n, defaults.includes(n)])),
    );
    const collections = changes.find((c) => c.address === tableAddress("CollectionsTable"));
    expect(collections?.change.after).toMatchObject({
      name: "example-CollectionsTable",
      billing_mode: "PAY_PER_REQUEST",
      deletion_protection_enabled: true,
      point_in_time_recovery: [{ enabled: true, recovery_period_in_days: 35 }],
    });
  });

  it("plans PITR on exactly a custom list, with its period, and honours table_name_overrides", async () => {
    const list = ["UsersTable", "SemaphoresTable"];
    const plan = await ws.planJson([
      "-refresh=false",
      ...varFlags({
        enable_point_in_time_tables: list,
        point_in_time_recovery_period_days: 7,
        table_name_overrides: { CollectionsTable: "example-CollectionsTable-restored-1" },
      }),
    ]);
    const changes = plan.resource_changes ?? [];
    expect(pitrByTable(changes)).toEqual(
      Object.fromEntries(tableNames(DEFAULT_CATALOG).map((n) => [n, list.includes(n)])),
    );
    expect(changes.find((c) => c.address === tableAddress("UsersTable"))?.change.after?.point_in_time_recovery).toEqual(
      [{ enabled: true, recovery_period_in_days: 7 }],
    );
    expect(changes.find((c) => c.address === tableAddress("CollectionsTable"))?.change.after?.name).toBe(
      "example-CollectionsTable-restored-1",
    );
  });

  // Terraform reports every invalid variable of a plan at once, so three plans cover every bad value
  // (each message must appear for its own bad value).
  const UNKNOWN_TABLE = `enable_point_in_time_tables may only name catalog tables. Known tables: ${tableNames(DEFAULT_CATALOG).join(", ")}.`;
  const BAD_PERIOD =
    "point_in_time_recovery_period_days must be a whole number from 1 to 35 (DynamoDB keeps PITR backups for at most 35 days).";
  const BAD_PREFIX =
    'prefix must be 1-228 characters of A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.), so that every table name "<prefix>-<TableName>" is a legal DynamoDB table name (3-255 characters of A-Za-z0-9_.-).';
  const BAD_OVERRIDE_KEY = "table_name_overrides keys must be catalog table names. Known tables: AccessTokensTable,";
  const BAD_OVERRIDE_NAME = "table_name_overrides values must be legal DynamoDB table names";

  it.each([
    {
      vars: {
        enable_point_in_time_tables: ["CollectionsTable", "NoSuchTable"],
        point_in_time_recovery_period_days: 0,
        prefix: "bad prefix",
        table_name_overrides: { Collections: "x-Collections" },
      },
      messages: [UNKNOWN_TABLE, BAD_PERIOD, BAD_PREFIX, BAD_OVERRIDE_KEY],
    },
    {
      vars: {
        point_in_time_recovery_period_days: 36,
        prefix: "x".repeat(229),
        table_name_overrides: { CollectionsTable: "no spaces allowed" },
      },
      messages: [BAD_PERIOD, BAD_PREFIX, BAD_OVERRIDE_NAME],
    },
    { vars: { point_in_time_recovery_period_days: 7.5, prefix: "prod/eu" }, messages: [BAD_PERIOD, BAD_PREFIX] },
  ])("fails at plan with the validation message for each bad value: $vars", async ({ vars, messages }) => {
    const errors = await planErrors(ws, vars);
    expect(errors).toHaveLength(messages.length);
    for (const message of messages) {
      expect(errors.map((e) => e.detail)).toContainEqual(expect.stringContaining(message));
    }
  });
});
