/**
 * enable_history_queries in the synthesized module, under real terraform (offline plans: -refresh=false, loopback
 * endpoint, fake credentials): off by default; on, the Glue database, the five tables with partition projection and
 * the workgroup as specified. The exact messages of its bad inputs are rows of test/bad-input/module-variables.test.ts.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { HISTORY_TABLE_LIST, MIN_BYTES_SCANNED_CUTOFF } from "../../lib/pipeline/athena-tables";
import { inputFlags } from "../pipeline/support/workspace";
import { ResourceChange, TerraformWorkspace, varFlags } from "../support/terraform";
import { announceSkip, terraformSkipReason } from "../support/tools";
import { historyWorkspace } from "./athena-module.support";

const skip = announceSkip("history-queries terraform tests", terraformSkipReason());
const HISTORY_TYPES = ["aws_glue_catalog_database", "aws_glue_catalog_table", "aws_athena_workgroup"];

async function plannedChanges(
  ws: TerraformWorkspace,
  vars: Record<string, unknown>,
  root: Record<string, unknown> = {},
): Promise<ResourceChange[]> {
  const plan = await ws.planJson(["-refresh=false", ...varFlags(root), ...inputFlags(vars)]);
  return plan.resource_changes ?? [];
}

function after(changes: ResourceChange[], address: string): Record<string, unknown> {
  const rc = changes.find((c) => c.address === `module.data_persistence.${address}`);
  if (rc === undefined) throw new Error(`no planned change for ${address}`);
  return rc.change.after ?? {};
}

describe.skipIf(skip)("terraform: enable_history_queries (offline plans)", () => {
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    ws = historyWorkspace(inject("moduleDir"));
    await ws.init();
  });

  it("plans no Glue or Athena resource by default", async () => {
    const changes = await ws.plannedChanges(["-refresh=false"]);
    expect(changes.map((c) => c.type)).toContain("aws_dynamodb_table");
    expect(changes.filter((c) => HISTORY_TYPES.includes(c.type))).toEqual([]);
  });

  it("plans the database, the five tables with partition projection and the enforced, encrypted workgroup", async () => {
    const changes = await plannedChanges(
      ws,
      { enable_history_queries: true, history_queries_bytes_scanned_cutoff: MIN_BYTES_SCANNED_CUTOFF },
      { prefix: "dr-test" },
    );
    const history = changes.filter((c) => HISTORY_TYPES.includes(c.type));
    expect(history.map((c) => c.address.replace("module.data_persistence.", "")).sort()).toEqual([
      "aws_athena_workgroup.history_workgroup[0]",
      "aws_glue_catalog_database.history_database[0]",
      ...HISTORY_TABLE_LIST.map((t) => `aws_glue_catalog_table.history_${t.name}[0]`).sort(),
    ]);
    expect(after(changes, "aws_glue_catalog_database.history_database[0]").name).toBe("dr_test_ddb_history");

    const changesTable = after(changes, "aws_glue_catalog_table.history_changes[0]");
    expect(changesTable).toMatchObject({ name: "changes", database_name: "dr_test_ddb_history" });
    // The parameters hold the bucket's name, known only after apply: the moto apply test reads them back.
    const full = after(changes, "aws_glue_catalog_table.history_full_exports[0]");
    expect((full.partition_keys as { name: string }[]).map((k) => k.name)).toEqual(["table_name", "export_id"]);
    const sd = (full.storage_descriptor as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect((sd.ser_de_info as Record<string, unknown>[])[0]).toMatchObject({
      serialization_library: "org.openx.data.jsonserde.JsonSerDe",
    });

    const wg = after(changes, "aws_athena_workgroup.history_workgroup[0]");
    expect(wg.name).toBe("dr-test-ddb-history");
    const conf = (wg.configuration as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(conf).toMatchObject({
      bytes_scanned_cutoff_per_query: MIN_BYTES_SCANNED_CUTOFF,
      enforce_workgroup_configuration: true,
    });
    const result = (conf.result_configuration as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(result.encryption_configuration).toEqual([{ encryption_option: "SSE_KMS", kms_key_arn: undefined }]);
  });

  // The exact messages of a bad history_queries_bytes_scanned_cutoff and of enable_history_queries without the backup
  // bucket are rows of test/bad-input/module-variables.test.ts, planned there with the other inputs' rows.
});
