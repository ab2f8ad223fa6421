/**
 * The README's export-pipeline section against the module: every pipeline and backup-plan input is listed with its
 * real default, every alert the pipeline can send is explained, and the diagram is there.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { ACTIONS } from "../../lib/pipeline/notify";
import { PROJECT_ROOT } from "../../lib/project-config";
import { MODULE_MAIN_FILE } from "../../lib/synth/package-module";
import { PIPELINE_INPUT_NAMES } from "./support/workspace";

const README = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
const section = README.slice(
  README.indexOf("<!-- BEGIN SECTION: export-pipeline -->"),
  README.indexOf("<!-- END SECTION: export-pipeline -->"),
);

describe("README: export-pipeline section", () => {
  it("lists every pipeline and backup-plan input with the module's default", () => {
    const mod = JSON.parse(readFileSync(join(inject("moduleDir"), MODULE_MAIN_FILE), "utf8")) as {
      variable: Record<string, { default?: unknown }>;
    };
    const rows = [...section.matchAll(/^\| `([a-z_]+)` \| `([^`]*)` \|/gm)].map((m) => [
      m[1] as string,
      m[2] as string,
    ]);
    const names = PIPELINE_INPUT_NAMES.filter((n) => n !== "kms_key_arn");
    expect(rows.map(([n]) => n).sort()).toEqual([...names].sort());
    for (const [name, shown] of rows) {
      expect(shown, name).toBe(JSON.stringify(mod.variable[name!]?.default ?? null));
    }
  });

  it("explains every error the notify function can report and every alarm", () => {
    for (const error of Object.keys(ACTIONS).filter(
      (e) => !e.startsWith("States.") && e !== "PipelineConfigurationError",
    )) {
      expect(section, error).toContain(`\`${error}\``);
    }
    for (const alarm of ["-dynamo-export-failed", "-dynamo-export-stale-<Table>", "-dynamo-restore-drill-failed"]) {
      expect(section).toContain(`\`<prefix>${alarm}\``);
    }
    expect(section).toContain("<prefix>-dynamo-backup-failed");
    expect(section).toContain("```mermaid\nflowchart TD");
  });
});
