#!/usr/bin/env tsx
/**
 * dynamo-dr: disaster-recovery commands for the data-persistence module's DynamoDB tables.
 * In this repository: `npx tsx scripts/dr.ts --help`. Installed: `npm run pack:cli` bundles this file (tools/build-cli.ts)
 * into dist/cli/dynamo-dr.js with a node shebang, and `npm install -g ./dist/dynamo-dr-<version>.tgz` gives `dynamo-dr`.
 */
import { processIO, runProgram } from "../lib/cli/command";
import { COMMANDS } from "./commands";

if (require.main === module) {
  void runProgram("dynamo-dr", COMMANDS, process.argv.slice(2), processIO()).then((code) => {
    process.exitCode = code;
  });
}
