/**
 * The README's change-capture section against the module: every capture input is listed with the module's default,
 * every capture alarm the module creates is explained, and the one-line way to turn it on is there.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/project-config";
import { MODULE_MAIN_FILE } from "../../lib/synth/package-module";
import { CAPTURE_INPUT_NAMES } from "./module.support";

const README = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
const section = README.slice(
  README.indexOf("<!-- BEGIN SECTION: change-capture -->"),
  README.indexOf("<!-- END SECTION: change-capture -->"),
);

describe("README: change-capture section", () => {
  const mod = (): { variable: Record<string, { default?: unknown }>; resource: Record<string, unknown> } =>
    JSON.parse(readFileSync(join(inject("moduleDir"), MODULE_MAIN_FILE), "utf8")) as never;

  it("lists every change-capture input with the module's default", () => {
    const rows = [...section.matchAll(/^\| `([a-z_]+)` \| `([^`]*)` \|/gm)].map((m) => [m[1], m[2]] as const);
    expect(rows.map(([n]) => n).sort()).toEqual([...CAPTURE_INPUT_NAMES].sort());
    for (const [name, shown] of rows) expect(shown, name).toBe(JSON.stringify(mod().variable[name!]?.default));
  });

  it("explains every capture alarm the module creates", () => {
    const alarms = Object.values(
      (mod().resource.aws_cloudwatch_metric_alarm ?? {}) as Record<string, { alarm_name?: string }>,
    )
      .map((a) => a.alarm_name ?? "")
      .filter((n) => n.includes("-capture-"))
      .map((n) => n.replace("${var.prefix}", "<prefix>"));
    expect(alarms.sort()).toEqual(
      ["errors", "failed-batches", "iterator-age", "seal-errors"].map((n) => `<prefix>-capture-${n}`),
    );
    for (const alarm of alarms) expect(section).toContain(`| \`${alarm}\` |`);
  });

  it("shows the one-line way to capture the point-in-time tables", () => {
    expect(section).toContain("### Turning it on");
    expect(section).toMatch(/^ {2}change_capture_tables {7}= var\.enable_point_in_time_tables/m);
  });
});
