/**
 * Regenerates the README's generated blocks: module inputs, outputs and tables/addresses from the module itself, and
 * the disaster-recovery samples and permissions table from the commands (./readme-samples.ts).
 * Usage: npm run docs            (writes README.md)
 *        npm run docs -- --check (exits 1 when README.md is out of date)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderBlocks, updateReadme } from "../lib/docs/module-docs";
import { DEFAULT_CATALOG } from "../lib/catalog";
import { validateCatalog } from "../lib/catalog-schema";
import { PROJECT_ROOT } from "../lib/project-config";
import { updateDrSamples } from "./readme-samples";

export const README_PATH = join(PROJECT_ROOT, "README.md");

/** The README as it should be. The README documents the default catalog, whatever catalog a user configured. */
export function expectedReadme(current: string): string {
  return updateDrSamples(updateReadme(current, renderBlocks(validateCatalog(DEFAULT_CATALOG))));
}

if (require.main === module) {
  const current = readFileSync(README_PATH, "utf8");
  const next = expectedReadme(current);
  if (process.argv.includes("--check")) {
    if (next !== current) {
      console.error("README.md is out of date with the module or the commands: run `npm run docs`.");
      process.exit(1);
    }
    console.log("README.md is up to date.");
  } else if (next !== current) {
    writeFileSync(README_PATH, next);
    console.log("README.md updated.");
  } else {
    console.log("README.md already up to date.");
  }
}
