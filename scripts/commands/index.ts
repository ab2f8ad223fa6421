/**
 * Every `dynamo-dr` subcommand, in the order `--help` lists them.
 * Each command module exports a CommandSpec (and the async function behind it, for programmatic use).
 */
import type { CommandSpec } from "../../lib/cli/command";
import { COMMAND_PERMISSIONS, type PermissionedCommand } from "./permissions";
import { importRestoredTableCommand } from "./import-restored-table";
import { restoreDeploymentCommand } from "./restore-deployment";
import { restoreTableCommand } from "./restore-table";
// Table backup / restore / verify to files in DynamoDB's export format (issue 5).
import { backupCommand } from "./backup";
import { restoreCommand } from "./restore";
import { verifyCommand } from "./verify";

/** A command with its AWS permissions (scripts/commands/permissions.ts) attached, for --help. */
function withPermissions<R>(cmd: CommandSpec<R> & { readonly name: PermissionedCommand }): CommandSpec<R> {
  return { ...cmd, permissions: COMMAND_PERMISSIONS[cmd.name] };
}

export const COMMANDS: readonly CommandSpec<never>[] = [
  // DR commands register here.
  importRestoredTableCommand,
  restoreTableCommand,
  restoreDeploymentCommand,
  backupCommand,
  restoreCommand,
  verifyCommand,
].map((cmd) =>
  withPermissions(cmd as CommandSpec<unknown> & { readonly name: PermissionedCommand }),
) as CommandSpec<never>[];
