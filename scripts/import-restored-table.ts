#!/usr/bin/env tsx
/**
 * import-restored-table on its own: `npx tsx scripts/import-restored-table.ts --table <CatalogName>
 * --restored-name <name> …` — the same flags, output and exit codes as `dynamo-dr import-restored-table`.
 */
import { processIO, runCommand } from "../lib/cli/command";
import { importRestoredTableCommand } from "./commands/import-restored-table";
import { COMMAND_PERMISSIONS } from "./commands/permissions";

/** The command under the script's own name, so --help and errors show how it was run. */
export const standaloneImportRestoredTable = {
  ...importRestoredTableCommand,
  permissions: COMMAND_PERMISSIONS["import-restored-table"],
  name: "scripts/import-restored-table.ts",
};

if (require.main === module) {
  void runCommand(standaloneImportRestoredTable, process.argv.slice(2), processIO(), "npx tsx").then((code) => {
    process.exitCode = code;
  });
}
