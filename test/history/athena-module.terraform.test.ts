/**
 * enable_history_queries in the synthesized module, under real terraform (offline plans: -refresh=false, loopback
 * endpoint, fake credentials): off by default; on, the Glue database, the five tables with partition projection and
 * the workgroup as specified; the exact messages of bad inputs and of the missing backup bucket.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  DEFAULT_BYTES_SCANNED_CUTOFF,
  HISTORY_TABLE_LIST,
  MIN_BYTES_SCANNED_CUTOFF,
} from "../../lib/pipeline/athena-tables";
import { inputFlags } from "../pipeline/support/workspace";
import { ResourceChange, TerraformWorkspace, varFlags } from "../support/terraform";
import { announceSkip, terraformSkipReason } from "../support/tools";
import { historyWorkspace } from "./athena-module.support";

const skip = announceSkip("history-queries terraform tests", terraformSkipReason());
const HISTORY_TYPES = ["aws_glue_catalog_database", "aws_glue_catalog_table", "aws_athena_workgroup"];

interface Diagnostic {
  readonly severity: string;
  readonly summary: string;
  readonly detail: string;
}

async function planErrors(ws: TerraformWorkspace, vars: Record<string, unknown>): Promise<Diagnostic[]> {
  const res = await ws.tf(["plan", "-refresh=false", "-input=false", "-json", ...inputFlags(vars)], {
    allowFail: true,
  });
  expect(res.code).not.toBe(0);
  return res.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { type: string; diagnostic?: Diagnostic })
    .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
    .map((m) => m.diagnostic as Diagnostic);
}

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
    const changes = await plannedChanges(ws, {});
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

  it.each([
    [1000, "too small"],
    [MIN_BYTES_SCANNED_CUTOFF + 0.5, "not whole"],
  ])("refuses history_queries_bytes_scanned_cutoff = %s (%s) with the rule", async (value) => {
    const errors = await planErrors(ws, { enable_history_queries: true, history_queries_bytes_scanned_cutoff: value });
    expect(errors.map((e) => e.detail)).toEqual([
      expect.stringContaining(
        `history_queries_bytes_scanned_cutoff must be a whole number of bytes >= ${MIN_BYTES_SCANNED_CUTOFF} (10 MB, Athena's minimum), e.g. ${DEFAULT_BYTES_SCANNED_CUTOFF} for 1 TiB.`,
      ),
    ]);
  });

  it("refuses enable_history_queries without the export pipeline's bucket, saying what to set", async () => {
    const errors = await planErrors(ws, { enable_history_queries: true, enable_export_pipeline: false });
    expect(errors.map((e) => e.detail)).toEqual([
      expect.stringContaining(
        "enable_history_queries needs the backup bucket: set enable_export_pipeline = true with at least one table to export (export_tables, or enable_point_in_time_tables when export_tables is null), or set enable_history_queries = false.",
      ),
    ]);
  });
});
