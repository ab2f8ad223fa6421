/**
 * Reading `terraform show -json` plans: destroy/replace detection (the safety stop), the in-place changes report,
 * and tracing the module's table_name_overrides input to a root variable through nested module calls.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_MODULE_ADDRESS, tableAddress } from "../../lib/addresses";
import {
  ConfigExpression,
  ConfigModule,
  PlanJson,
  PlanResourceChange,
  analyzePlan,
  describeTableChange,
  moduleCallNames,
  plannedTableName,
  traceOverridesVariable,
} from "../../lib/dr/plan-analysis";

const COLLECTIONS = tableAddress("CollectionsTable");
const GRANULES = tableAddress("GranulesTable");
const USERS = tableAddress("UsersTable");

function table(
  address: string,
  actions: string[],
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  extra = {},
): PlanResourceChange {
  return { address, mode: "managed", type: "aws_dynamodb_table", change: { actions, before, after, ...extra } };
}

describe("analyzePlan", () => {
  it("sorts table changes into destroy/replace, in-place and create, and ignores no-ops and data reads", () => {
    const plan: PlanJson = {
      resource_changes: [
        table(
          COLLECTIONS,
          ["update"],
          {
            name: "p-C-r",
            point_in_time_recovery: [{ enabled: false, recovery_period_in_days: 0 }],
            stream_arn: "",
            stream_enabled: false,
            tags: {},
          },
          {
            name: "p-C-r",
            point_in_time_recovery: [{ enabled: true, recovery_period_in_days: 35 }],
            stream_enabled: true,
            tags: { project: "x" },
          },
          { after_unknown: { stream_arn: true } },
        ),
        table(GRANULES, ["delete", "create"], { name: "a" }, { name: "b" }, {}),
        table(USERS, ["create"], null, { name: "p-UsersTable" }),
        table(tableAddress("PdrsTable"), ["no-op"], { name: "x" }, { name: "x" }),
        {
          address: "data.aws_caller_identity.me",
          mode: "data",
          type: "aws_caller_identity",
          change: { actions: ["read"] },
        },
        { address: "aws_s3_bucket.b", mode: "managed", type: "aws_s3_bucket", change: { actions: ["create"] } },
      ],
    };
    const a = analyzePlan(plan);
    expect(a.destroyedOrReplaced.map((t) => t.address)).toEqual([GRANULES]);
    expect(a.updatedInPlace.map((t) => t.address)).toEqual([COLLECTIONS]);
    expect(a.created.map((t) => t.address)).toEqual([USERS]);
    expect(a.otherChanges).toEqual(["aws_s3_bucket.b (create)"]);
    expect(a.updatedInPlace[0]?.changes.map((c) => c.attribute)).toEqual([
      "point_in_time_recovery",
      "stream_arn",
      "stream_enabled",
      "tags",
    ]);
    expect(describeTableChange(a.updatedInPlace[0]!)).toEqual([
      `  ~ ${COLLECTIONS} (update)`,
      '      point-in-time recovery: [{"enabled":false,"recovery_period_in_days":0}] -> [{"enabled":true,"recovery_period_in_days":35}]',
      "      stream: false -> true",
      '      tags: {} -> {"project":"x"}',
    ]);
    expect(plannedTableName(plan, COLLECTIONS)).toBe("p-C-r");
    expect(plannedTableName(plan, "nope")).toBeUndefined();
  });

  it("counts a plain delete and a create-before-destroy replace as destructive", () => {
    const a = analyzePlan({
      resource_changes: [
        table(COLLECTIONS, ["delete"], { name: "a" }, null),
        table(GRANULES, ["create", "delete"], { name: "a" }, { name: "b" }, {}),
      ],
    });
    expect(a.destroyedOrReplaced.map((t) => t.actions)).toEqual([["delete"], ["create", "delete"]]);
  });
});

describe("traceOverridesVariable", () => {
  const call = (expressions: Record<string, ConfigExpression>, module: ConfigModule = {}) => ({ expressions, module });

  it("finds the root variable of the example consumer", () => {
    const plan: PlanJson = {
      configuration: {
        root_module: {
          module_calls: {
            data_persistence: call({ table_name_overrides: { references: ["var.table_name_overrides"] } }),
          },
        },
      },
    };
    expect(traceOverridesVariable(plan, DEFAULT_MODULE_ADDRESS)).toEqual({
      ok: true,
      rootVariable: "table_name_overrides",
    });
  });

  it("follows nested modules (and instance keys) up to the root variable", () => {
    const plan: PlanJson = {
      configuration: {
        root_module: {
          module_calls: {
            platform: call(
              { dp_overrides: { references: ["var.restored_names"] } },
              {
                module_calls: {
                  data_persistence: call({
                    table_name_overrides: { references: ["var.dp_overrides.CollectionsTable", "var.dp_overrides"] },
                  }),
                },
              },
            ),
          },
        },
      },
    };
    expect(traceOverridesVariable(plan, `module.platform[0].${DEFAULT_MODULE_ADDRESS}`)).toEqual({
      ok: true,
      rootVariable: "restored_names",
    });
  });

  it("explains what is wrong when the input is a literal, missing, or several variables", () => {
    const plan = (expr: ConfigExpression | undefined): PlanJson => ({
      configuration: {
        root_module: {
          module_calls: { data_persistence: call(expr === undefined ? {} : { table_name_overrides: expr }) },
        },
      },
    });
    expect(traceOverridesVariable(plan({ constant_value: {} }), DEFAULT_MODULE_ADDRESS)).toEqual({
      ok: false,
      problem:
        'module "data_persistence" in the root module sets table_name_overrides to a value that uses no variable',
    });
    expect(traceOverridesVariable(plan(undefined), DEFAULT_MODULE_ADDRESS)).toEqual({
      ok: false,
      problem: 'module "data_persistence" in the root module does not set its table_name_overrides input',
    });
    expect(traceOverridesVariable(plan({ references: ["var.a", "var.b"] }), DEFAULT_MODULE_ADDRESS)).toEqual({
      ok: false,
      problem: 'module "data_persistence" in the root module sets table_name_overrides from several variables (a, b)',
    });
    expect(traceOverridesVariable(plan(undefined), "module.other")).toEqual({
      ok: false,
      problem: 'the configuration has no module call "other" (check --module-address)',
    });
    expect(traceOverridesVariable(plan(undefined), "module.other.module.deeper")).toEqual({
      ok: false,
      problem: "the configuration has no module call for module.other.module.deeper (check --module-address)",
    });
    expect(traceOverridesVariable(plan(undefined), "")).toEqual({
      ok: false,
      problem: "the tables are in the root module, so there is no module input to set",
    });
  });

  it("moduleCallNames drops instance keys", () => {
    expect(moduleCallNames('module.a["x.y"].module.b[0].module.c')).toEqual(["a", "b", "c"]);
    expect(moduleCallNames("")).toEqual([]);
  });
});
