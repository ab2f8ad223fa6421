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
// Table history and rebuild as of any time (issue 11).
import { historyCommand } from "./history";
import { rebuildCommand } from "./rebuild";
// Snapshots before a risky change, and one-command recovery (issue 12).
import { recoverCommand } from "./recover";
import { snapshotCommand } from "./snapshot";
// Prove it (issue 13): a runbook for this deployment, and a rehearsal of the DR scenarios.
import { rehearseCommand } from "./rehearse";
import { runbookCommand } from "./runbook";

/**
 * The names the commands had before they said which source they restore from. Each still runs its command, with a
 * deprecation line on stderr, for one release.
 */
export const DEPRECATED_COMMAND_NAMES: Readonly<Partial<Record<PermissionedCommand, readonly string[]>>> = {
  "restore-files": ["restore"],
  "restore-pitr": ["restore-table"],
  "restore-backups": ["restore-deployment"],
};

/** A command with its AWS permissions (scripts/commands/permissions.ts) and old names attached. */
function withPermissions<R>(cmd: CommandSpec<R> & { readonly name: PermissionedCommand }): CommandSpec<R> {
  const deprecatedNames = DEPRECATED_COMMAND_NAMES[cmd.name];
  return {
    ...cmd,
    permissions: COMMAND_PERMISSIONS[cmd.name],
    ...(deprecatedNames === undefined ? {} : { deprecatedNames }),
  };
}

export const COMMANDS: readonly CommandSpec<never>[] = [
  // DR commands register here.
  importRestoredTableCommand,
  restoreTableCommand, // restore-pitr
  restoreDeploymentCommand, // restore-backups
  backupCommand,
  restoreCommand, // restore-files
  verifyCommand,
  historyCommand,
  rebuildCommand,
  recoverCommand,
  snapshotCommand,
  runbookCommand,
  rehearseCommand(() => COMMANDS),
].map((cmd) =>
  withPermissions(cmd as CommandSpec<unknown> & { readonly name: PermissionedCommand }),
) as CommandSpec<never>[];
