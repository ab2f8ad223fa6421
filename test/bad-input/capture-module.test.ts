/**
 * Bad change-capture inputs of the module, one row each: `terraform apply` refuses them with a message naming the
 * input, the value's problem and what is allowed, exits non-zero and creates nothing (the state stays empty). The
 * provider points at a closed loopback port: a refused input never reaches an AWS call.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { TerraformWorkspace, varFlags } from "../support/terraform";
import { announceSkip, terraformSkipReason } from "../support/tools";
import { inputFlags } from "../pipeline/support/workspace";
import { captureWorkspace } from "../capture/module.support";

const skip = announceSkip("change capture bad-input tests", terraformSkipReason());

const KNOWN =
  "AccessTokensTable, AsyncOperationsTable, CollectionsTable, ExecutionsTable, FilesTable, GranulesTable, PdrsTable, ProvidersTable, ReconciliationReportsTable, RulesTable, SemaphoresTable, UsersTable";

/** Rows refused by the variables' validation: all reported by one run. */
const VALIDATION_ROWS: readonly { input: string; value: unknown; message: string }[] = [
  {
    input: "change_capture_tables",
    value: ["CollectionsTable", "Collections"],
    message: `change_capture_tables may only name catalog tables. Known tables: ${KNOWN}.`,
  },
  {
    input: "max_capture_lag_minutes",
    value: 2000,
    message:
      "max_capture_lag_minutes must be a whole number from 1 to 1440 (a DynamoDB stream keeps records for 24 hours, so a larger lag means lost changes).",
  },
  {
    input: "capture_batch_size",
    value: 10001,
    message: "capture_batch_size must be a whole number from 1 to 10000 (Lambda's limit for DynamoDB streams).",
  },
  {
    input: "capture_batching_window_seconds",
    value: -1,
    message: "capture_batching_window_seconds must be a whole number from 0 to 300 (Lambda's limit).",
  },
];

/** Rows refused one at a time (a second rule on the same input, and the rule between inputs). */
const SINGLE_ROWS: readonly { name: string; vars: Record<string, unknown>; message: string }[] = [
  {
    name: "a table without a NEW_AND_OLD_IMAGES stream",
    vars: { change_capture_tables: ["SemaphoresTable"] },
    message:
      'change_capture_tables: SemaphoresTable has no stream, but change capture reads a NEW_AND_OLD_IMAGES stream. Set streamViewType to "NEW_AND_OLD_IMAGES" for that table in the table catalog (or leave it out: that is the default) and synthesize the module again, or remove the table from change_capture_tables.',
  },
  {
    name: "capture without the export pipeline",
    vars: { change_capture_tables: ["CollectionsTable"], enable_export_pipeline: false },
    message:
      "change_capture_tables needs the export pipeline: capture writes to its backup bucket with its key and alarms on its topic, which exist only when enable_export_pipeline is true and the pipeline exports at least one table (export_tables, or enable_point_in_time_tables when export_tables is null). Turn the export pipeline on, or set change_capture_tables = [].",
  },
];

describe.skipIf(skip)("bad change-capture inputs: refused with the input's rule, nothing created", () => {
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    ws = captureWorkspace(inject("moduleDir"));
    await ws.init();
  });

  async function refusedApply(vars: Record<string, unknown>): Promise<string[]> {
    const res = await ws.tf(
      [
        "apply",
        "-auto-approve",
        "-input=false",
        "-json",
        ...varFlags({ aws_endpoint: "http://127.0.0.1:9" }),
        ...inputFlags(vars),
      ],
      { allowFail: true },
    );
    expect(res.code).not.toBe(0);
    const state = join(ws.dir, "terraform.tfstate");
    if (existsSync(state)) {
      expect((JSON.parse(readFileSync(state, "utf8")) as { resources: unknown[] }).resources).toEqual([]);
    }
    return res.stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { type: string; diagnostic?: { severity: string; detail: string } })
      .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
      .map((m) => (m.diagnostic?.detail ?? "").split("\n\n")[0] ?? "");
  }

  it("refuses every out-of-range value, each with its own message", async () => {
    const errors = await refusedApply(Object.fromEntries(VALIDATION_ROWS.map((r) => [r.input, r.value])));
    expect(errors.sort()).toEqual(VALIDATION_ROWS.map((r) => r.message).sort());
  });

  it.each(SINGLE_ROWS)("refuses $name", async ({ vars, message }) => {
    expect(await refusedApply(vars)).toEqual([message]);
  });
});
