#!/usr/bin/env tsx
/**
 * dynamo-dr: disaster-recovery commands for the data-persistence module's DynamoDB tables.
 * Run `npx tsx scripts/dr.ts --help` (or `npx dynamo-dr --help`).
 */
import { processIO, runProgram } from "../lib/cli/command";
import { COMMANDS } from "./commands";

if (require.main === module) {
  void runProgram("dynamo-dr", COMMANDS, process.argv.slice(2), processIO()).then((code) => {
    process.exitCode = code;
  });
}
