/**
 * snapshot: an on-demand backup of each table before a migration or a risky deploy (a CI step before
 * `terraform apply`), and `snapshot prune`: delete the snapshots this command made, past their expiry.
 */
import { dynamoClient } from "../../lib/aws";
import { TableCatalog } from "../../lib/catalog";
import {
  CommandContext,
  CommandSpec,
  ParsedValues,
  intFlag,
  optionalString,
  requireString,
} from "../../lib/cli/command";
import { Progress } from "../../lib/cli/progress";
import { confirm } from "../../lib/cli/prompt";
import { UsageError } from "../../lib/errors";
import { DEFAULT_WAIT_MINUTES, WAIT_OPTIONS, projectCatalog, waitMinutesFlag } from "../../lib/cli/dr-options";
import { catalogTable } from "../../lib/dr/import-plan";
import { checkTableNameFlag } from "../../lib/dr/names";
import {
  DEFAULT_RETAIN_DAYS,
  MAX_RETAIN_DAYS,
  PrunableSnapshot,
  Snapshot,
  deleteSnapshots,
  listOwnSnapshots,
  snapshotTables,
  takeSnapshots,
  validateReason,
} from "../../lib/recover/snapshot";
import { AwsBackupTarget, findVault } from "../../lib/recover/vault";
import { VAULT_OPTIONS, vaultFlags } from "../../lib/cli/vault-options";
import { DrIO } from "./import-restored-table";

export interface SnapshotOptions {
  readonly prefix: string;
  /** Catalog names. @default every catalog table */
  readonly tables?: readonly string[];
  readonly reason: string;
  /** @default 90 */
  readonly retainDays?: number;
  /** @default false */
  readonly wait?: boolean;
  /** @default 240 */
  readonly waitMinutes?: number;
  readonly awsBackup?: AwsBackupTarget;
  readonly now?: Date;
  readonly catalog?: TableCatalog;
}

export interface SnapshotResult {
  readonly command: "snapshot";
  readonly prefix: string;
  /** `aws-backup`: recovery points in the vault (AWS deletes them after retainDays); `on-demand`: DynamoDB backups. */
  readonly via: "aws-backup" | "on-demand";
  readonly vault?: string;
  readonly reason: string;
  readonly retainDays: number;
  readonly expiresAt: string;
  readonly snapshots: readonly Snapshot[];
}

function checkPrefix(catalog: TableCatalog, prefix: string): void {
  for (const t of catalog.tables)
    checkTableNameFlag("--prefix", `${prefix}-${t.name}`, " Tables are <prefix>-<CatalogName>.");
}

export async function snapshot(opts: SnapshotOptions, io: DrIO): Promise<SnapshotResult> {
  const catalog = opts.catalog ?? projectCatalog(io.env);
  const reason = validateReason(opts.reason);
  checkPrefix(catalog, opts.prefix);
  const names = (opts.tables ?? catalog.tables.map((t) => t.name)).map((n) => catalogTable(catalog, n, "--tables"));
  const retainDays = opts.retainDays ?? DEFAULT_RETAIN_DAYS;
  const now = opts.now ?? new Date();
  const expiresAt = new Date(now.getTime() + retainDays * 86_400_000);
  const client =
    opts.awsBackup?.region === undefined ? dynamoClient() : dynamoClient({ region: opts.awsBackup.region });
  const tables = await snapshotTables(client, catalog, opts.prefix, names);
  const vault = await findVault(client, opts.prefix, opts.awsBackup ?? {});
  const progress = new Progress({ label: "snapshots", total: tables.length, unit: "tables", stream: io.stderr });
  const snapshots = await takeSnapshots(client, vault, tables, {
    reason,
    retainDays,
    expiresAt,
    wait: opts.wait === true,
    timeoutMs: (opts.waitMinutes ?? DEFAULT_WAIT_MINUTES) * 60_000,
    progress,
  });
  progress.finish(opts.wait === true ? "all done" : "all started");
  return {
    command: "snapshot",
    prefix: opts.prefix,
    via: vault === undefined ? "on-demand" : "aws-backup",
    ...(vault === undefined ? {} : { vault: vault.ref.name }),
    reason,
    retainDays,
    expiresAt: expiresAt.toISOString(),
    snapshots,
  };
}

export interface SnapshotPruneOptions {
  readonly prefix: string;
  /** Delete (after confirmation unless yes); without it, a dry run. @default false */
  readonly delete?: boolean;
  readonly yes?: boolean;
  readonly now?: Date;
  readonly catalog?: TableCatalog;
}

export interface SnapshotPruneResult {
  readonly command: "snapshot prune";
  readonly mode: "dry-run" | "deleted";
  readonly prefix: string;
  /** Own snapshots past their expiry: deleted, or that would be. */
  readonly expired: readonly PrunableSnapshot[];
  /** Own snapshots not expired yet (kept). */
  readonly kept: readonly PrunableSnapshot[];
  readonly deleted: readonly string[];
}

export async function snapshotPrune(opts: SnapshotPruneOptions, io: DrIO): Promise<SnapshotPruneResult> {
  const catalog = opts.catalog ?? projectCatalog(io.env);
  checkPrefix(catalog, opts.prefix);
  const client = dynamoClient();
  const all = await listOwnSnapshots(client, catalog, opts.prefix, opts.now ?? new Date());
  const expired = all.filter((s) => s.expired);
  const base = {
    command: "snapshot prune" as const,
    prefix: opts.prefix,
    expired,
    kept: all.filter((s) => !s.expired),
  };
  if (opts.delete !== true || expired.length === 0) return { ...base, mode: "dry-run", deleted: [] };
  await confirm(
    [
      `Delete ${expired.length} expired snapshot(s):`,
      ...expired.map((s) => `  ${s.tableName} ${s.backupName}`),
      "Proceed?",
    ].join("\n"),
    { yes: opts.yes === true, input: io.stdin, output: io.stderr },
  );
  return { ...base, mode: "deleted", deleted: await deleteSnapshots(client, expired) };
}

type Result = SnapshotResult | SnapshotPruneResult;

export function renderSnapshot(r: Result): string {
  if (r.command === "snapshot prune") {
    const line = (s: PrunableSnapshot): string => `  ${s.tableName}  ${s.backupName}  (expires ${s.expiresAt})`;
    return [
      r.mode === "dry-run"
        ? `Dry run: ${r.expired.length} expired snapshot(s) of prefix ${r.prefix} would be deleted (re-run with --yes):`
        : `Deleted ${r.deleted.length} expired snapshot(s) of prefix ${r.prefix}:`,
      ...r.expired.map(line),
      `Kept (not expired): ${r.kept.length}`,
      ...r.kept.map(line),
      "",
    ].join("\n");
  }
  return [
    `Snapshot of prefix ${r.prefix} (${r.via === "aws-backup" ? `AWS Backup vault ${r.vault ?? ""}, deleted by AWS after ${r.retainDays} days` : `on-demand backups, expire ${r.expiresAt}: prune with "snapshot prune"`}); reason: ${r.reason}`,
    ...r.snapshots.map((s) => `  ${s.tableName.padEnd(40)} ${s.status.padEnd(10)} ${s.arn}`),
    "",
  ].join("\n");
}

function tablesFlag(values: ParsedValues): string[] | undefined {
  const raw = optionalString(values, "tables");
  if (raw === undefined) return undefined;
  const list = raw.split(",").map((s) => s.trim());
  if (list.some((s) => s === "")) {
    throw new UsageError(
      `--tables: "${raw}" is not allowed; give catalog names separated by commas, e.g. CollectionsTable,RulesTable`,
    );
  }
  return list;
}

function onlyFor(values: ParsedValues, names: readonly string[], sub: string): void {
  for (const n of names) {
    if (values[n] !== undefined) throw new UsageError(`--${n} is not allowed with ${sub}. See --help.`);
  }
}

export const snapshotCommand: CommandSpec<Result> = {
  name: "snapshot",
  summary: "Back up tables before a risky change (AWS Backup vault or on-demand backups); prune expired ones.",
  usage:
    "--prefix <p> --reason <text> [--tables A,B] [--retain-days N] [--wait] [--vault <name>] | snapshot prune --prefix <p> [--yes]",
  positionals: ["prune"],
  details: [
    "For each table <prefix>-<CatalogName> (all catalog tables, or --tables) it makes a backup: through the module's",
    "AWS Backup vault (<prefix>-dynamodb) with StartBackupJob and a lifecycle of --retain-days (default 90), so AWS",
    "deletes it; when there is no vault, a DynamoDB on-demand backup named dynamo-dr-snap.<expiry>.<reason>.",
    "Every table must exist, or nothing is made. --wait waits until each backup is complete.",
    "",
    "snapshot prune lists this command's on-demand snapshots past their expiry (a dry run); --yes deletes them.",
    "Backups not made by this command are never touched.",
    "",
    "Exit codes: 0 ok, 2 bad flags, 3 precondition, 4 table not found, 8 AWS refused or unreachable, 10 not confirmed.",
  ].join("\n"),
  options: {
    prefix: {
      type: "string",
      valueName: "<prefix>",
      description: "The module's prefix: tables are <prefix>-<CatalogName>.",
    },
    reason: { type: "string", valueName: "<text>", description: "Why (kept in the backup's name or tags)." },
    tables: { type: "string", valueName: "<A,B>", description: "Catalog names to snapshot (default: all)." },
    "retain-days": {
      type: "string",
      valueName: "<N>",
      description: `Keep for N days (default ${DEFAULT_RETAIN_DAYS}; 1 to ${MAX_RETAIN_DAYS}).`,
    },
    wait: { type: "boolean", description: "Wait until every backup is complete." },
    yes: { type: "boolean", description: "prune: delete the expired snapshots (without it: a dry run)." },
    ...WAIT_OPTIONS,
    ...VAULT_OPTIONS,
  },
  async run(values, positionals, ctx: CommandContext) {
    const sub = positionals[0];
    if (sub !== undefined && sub !== "prune") {
      throw new UsageError(`unexpected argument "${sub}"; snapshot takes only "prune". See --help.`);
    }
    if (sub === "prune") {
      onlyFor(values, ["reason", "tables", "retain-days", "wait", "vault", "iam-role-arn"], "snapshot prune");
      const yes = values.yes === true;
      return snapshotPrune({ prefix: requireString(values, "prefix"), delete: yes, yes }, ctx);
    }
    onlyFor(values, ["yes"], "snapshot (only snapshot prune deletes)");
    return snapshot(
      {
        prefix: requireString(values, "prefix"),
        reason: requireString(values, "reason"),
        tables: tablesFlag(values),
        retainDays: intFlag(values, "retain-days", DEFAULT_RETAIN_DAYS, 1, MAX_RETAIN_DAYS),
        wait: values.wait === true,
        waitMinutes: waitMinutesFlag(values),
        awsBackup: vaultFlags(values),
      },
      ctx,
    );
  },
  render: renderSnapshot,
};
