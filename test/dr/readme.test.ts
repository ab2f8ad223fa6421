/**
 * The README's disaster-recovery section stays true to the code: its samples are what the commands print (rendered
 * from lib/addresses.ts), it types no table address by hand, and its reference names every flag and exit code.
 */
import { recoverCommand } from "../../scripts/commands/recover";
import { snapshotCommand } from "../../scripts/commands/snapshot";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_MODULE_ADDRESS, DYNAMODB_TABLE_RESOURCE_TYPE } from "../../lib/addresses";
import { EXIT } from "../../lib/cli/errors";
import { PROJECT_ROOT } from "../../lib/project-config";
import { importRestoredTableCommand } from "../../scripts/commands/import-restored-table";
import { restoreDeploymentCommand } from "../../scripts/commands/restore-deployment";
import { restoreTableCommand } from "../../scripts/commands/restore-table";
import { updateDrSamples } from "../../tools/readme-samples";

const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
const BEGIN = "<!-- BEGIN SECTION: disaster-recovery -->";
const END = "<!-- END SECTION: disaster-recovery -->";
const section = readme.slice(readme.indexOf(BEGIN), readme.indexOf(END));
/** The section without its generated sample blocks. */
const prose = section.replace(/<!-- BEGIN GENERATED: (dr-[a-z-]+)[\s\S]*?<!-- END GENERATED: \1 -->/g, "");

describe("README disaster-recovery section", () => {
  it("exists, with both scenarios, the carry-over table, the checks and the reference", () => {
    expect(section.length).toBeGreaterThan(1000);
    for (const heading of [
      "### Scenario 1: one table corrupted",
      "### Scenario 2: the whole deployment was deleted",
      "### What a restore does not carry over",
      "### What to check afterwards",
      "### DR command reference",
    ]) {
      expect(section).toContain(heading);
    }
  });

  it("its samples are exactly what the commands render (regenerate: npm run docs)", () => {
    expect(updateDrSamples(readme)).toBe(readme);
  });

  it("types no table address by hand, and only derived module addresses", () => {
    expect(prose).not.toContain(`${DYNAMODB_TABLE_RESOURCE_TYPE}.`);
    const moduleAddresses = new Set(prose.match(/module\.[A-Za-z0-9_.[\]"-]*/g) ?? []);
    const allowed = new Set([DEFAULT_MODULE_ADDRESS, `module.platform.${DEFAULT_MODULE_ADDRESS}`, 'module.dp["prod"]']);
    for (const a of moduleAddresses) expect(allowed, a).toContain(a);
  });

  it("the reference names every flag of the three commands and every exit code they use (and recover's, snapshot's)", () => {
    for (const cmd of [
      importRestoredTableCommand,
      restoreTableCommand,
      restoreDeploymentCommand,
      recoverCommand,
      snapshotCommand,
    ]) {
      for (const flag of Object.keys(cmd.options)) expect(section, `${cmd.name} --${flag}`).toContain(`--${flag}`);
    }
    for (const code of [
      EXIT.ok,
      EXIT.unexpected,
      EXIT.usage,
      EXIT.precondition,
      EXIT.notFound,
      EXIT.toolMissing,
      EXIT.verification,
      EXIT.safetyStop,
      EXIT.aborted,
    ]) {
      expect(section).toMatch(new RegExp(`\\n\\| ${code} \\| `));
    }
  });
});
