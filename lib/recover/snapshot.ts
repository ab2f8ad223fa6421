/**
 * Snapshots before a risky change: an on-demand backup of each table, through the module's AWS Backup vault
 * (StartBackupJob with Lifecycle DeleteAfterDays, so AWS deletes it) when the vault exists, else DynamoDB CreateBackup
 * with the reason and the expiry in the backup's name (`dynamo-dr-snap.<expiry>.<reason>`), which `prune` reads back:
 * it deletes only backups with that name, past their expiry.
 */
import {
  CreateBackupCommand,
  DeleteBackupCommand,
  DescribeBackupCommand,
  DynamoDBClient,
  ListBackupsCommand,
} from "@aws-sdk/client-dynamodb";
import { BackupClient, describeBackupJob, startBackupJob } from "../aws-backup";
import { TableCatalog, physicalTableName } from "../catalog";
import { formatDuration } from "../duration";
import type { ProgressSink } from "../progress-sink";
import { NotFoundError, PreconditionError, UsageError } from "../errors";
import { describeTable } from "../table-io/tables";
import { OpenVault } from "./vault";

/** What every snapshot backup name starts with: only these are ever pruned. */
export const SNAPSHOT_NAME_PREFIX = "dynamo-dr-snap";
/** How long a snapshot is kept by default (the FormKiQ policy's "typically 90 days"). */
export const DEFAULT_RETAIN_DAYS = 90;
/** The longest retention accepted (AWS Backup's DeleteAfterDays allows up to 100 years). */
export const MAX_RETAIN_DAYS = 36_500;
/** The longest --reason (it must fit in a 255-character DynamoDB backup name with the table-independent parts). */
export const MAX_REASON_LENGTH = 200;
/** How often --wait polls a backup or backup job. */
const SNAPSHOT_POLL_MS = 2000;

const NAME_PATTERN = new RegExp(`^${SNAPSHOT_NAME_PREFIX.replaceAll(".", "\\.")}\\.(\\d{8}T\\d{6}Z)\\.(.*)$`);

/** `20250131T040500Z` */
function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function unstamp(s: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m === null ? new Date(NaN) : new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

/** The reason as the characters a DynamoDB backup name allows ([A-Za-z0-9_.-]). */
export function reasonSlug(reason: string): string {
  return reason.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** `dynamo-dr-snap.<expiry>.<reason slug>` */
export function snapshotBackupName(reason: string, expiresAt: Date): string {
  return `${SNAPSHOT_NAME_PREFIX}.${stamp(expiresAt)}.${reasonSlug(reason)}`;
}

/** The expiry and reason a snapshot backup name carries, or undefined when the name is not one of ours. */
export function parseSnapshotName(name: string): { expiresAt: Date; reason: string } | undefined {
  const m = NAME_PATTERN.exec(name);
  if (m === null) return undefined;
  const expiresAt = unstamp(m[1] as string);
  return Number.isNaN(expiresAt.getTime()) ? undefined : { expiresAt, reason: m[2] as string };
}

export function validateReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed === "" || reasonSlug(trimmed) === "") {
    throw new UsageError(`--reason: "${reason}" is not allowed; say why in words, e.g. --reason "before migration 42"`);
  }
  if (trimmed.length > MAX_REASON_LENGTH) {
    throw new UsageError(`--reason: ${trimmed.length} characters is too long; use at most ${MAX_REASON_LENGTH}`);
  }
  return trimmed;
}

export interface SnapshotTable {
  readonly catalogName: string;
  readonly tableName: string;
  readonly tableArn: string;
}

/** Every named catalog table of the prefix, checked to exist before anything is made. */
export async function snapshotTables(
  client: DynamoDBClient,
  catalog: TableCatalog,
  prefix: string,
  names: readonly string[],
): Promise<SnapshotTable[]> {
  const found = await Promise.all(
    names.map(async (catalogName) => {
      const tableName = physicalTableName(prefix, catalogName);
      return { catalogName, tableName, desc: await describeTable(client, tableName) };
    }),
  );
  const missing = found.filter((t) => t.desc === undefined).map((t) => t.tableName);
  if (missing.length > 0) {
    throw new NotFoundError(
      `--prefix ${prefix}: table${missing.length > 1 ? "s" : ""} ${missing.join(", ")} do${missing.length > 1 ? "" : "es"} not exist in ${await client.config.region()}; nothing was snapshotted. Check --prefix, --tables and AWS_REGION.`,
    );
  }
  return found.map((t) => ({ catalogName: t.catalogName, tableName: t.tableName, tableArn: t.desc?.TableArn ?? "" }));
}

export interface Snapshot {
  readonly catalogName: string;
  readonly tableName: string;
  /** The DynamoDB backup ARN or the AWS Backup recovery point ARN. */
  readonly arn: string;
  readonly backupName?: string;
  readonly backupJobId?: string;
  /** AVAILABLE / COMPLETED once done; CREATING / RUNNING without --wait. */
  readonly status: string;
  readonly seconds: number;
}

export interface SnapshotPlan {
  readonly reason: string;
  readonly retainDays: number;
  readonly expiresAt: Date;
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly progress?: ProgressSink;
}

async function onDemandSnapshot(client: DynamoDBClient, t: SnapshotTable, plan: SnapshotPlan): Promise<Snapshot> {
  const started = Date.now();
  const name = snapshotBackupName(plan.reason, plan.expiresAt);
  const res = await client.send(new CreateBackupCommand({ TableName: t.tableName, BackupName: name }));
  const arn = res.BackupDetails?.BackupArn ?? "";
  let status = res.BackupDetails?.BackupStatus ?? "CREATING";
  const deadline = started + plan.timeoutMs;
  while (plan.wait && status === "CREATING") {
    if (Date.now() > deadline) throw timeout(t.tableName, arn, plan.timeoutMs);
    await new Promise((r) => setTimeout(r, SNAPSHOT_POLL_MS));
    const d = await client.send(new DescribeBackupCommand({ BackupArn: arn }));
    status = d.BackupDescription?.BackupDetails?.BackupStatus ?? status;
  }
  return { ...t, arn, backupName: name, status, seconds: (Date.now() - started) / 1000 };
}

async function vaultSnapshot(vault: OpenVault, t: SnapshotTable, plan: SnapshotPlan): Promise<Snapshot> {
  const started = Date.now();
  const bc: BackupClient = vault.ref.client;
  const job = await startBackupJob(bc, {
    BackupVaultName: vault.ref.name,
    ResourceArn: t.tableArn,
    IamRoleArn: vault.roleArn,
    Lifecycle: { DeleteAfterDays: plan.retainDays },
    RecoveryPointTags: { "dynamo-dr:snapshot": "true", "dynamo-dr:reason": plan.reason.slice(0, 256) },
  });
  let state = "CREATED";
  let arn = job.RecoveryPointArn ?? "";
  const deadline = started + plan.timeoutMs;
  for (;;) {
    const d = await describeBackupJob(bc, job.BackupJobId);
    state = d.State ?? state;
    arn = d.RecoveryPointArn ?? arn;
    if (state === "FAILED" || state === "ABORTED" || state === "EXPIRED") {
      throw new PreconditionError(
        `AWS Backup job ${job.BackupJobId} for ${t.tableName} ${state}: ${d.StatusMessage ?? "no message"}`,
      );
    }
    if (!plan.wait || state === "COMPLETED") break;
    if (Date.now() > deadline) throw timeout(t.tableName, arn, plan.timeoutMs);
    await new Promise((r) => setTimeout(r, SNAPSHOT_POLL_MS));
  }
  return { ...t, arn, backupJobId: job.BackupJobId, status: state, seconds: (Date.now() - started) / 1000 };
}

function timeout(table: string, arn: string, ms: number): PreconditionError {
  return new PreconditionError(
    `snapshot of ${table} (${arn}) not finished after ${formatDuration(ms / 1000)}; it goes on in AWS. Check it before the risky change.`,
  );
}

/** Snapshots every table (in parallel): through the vault when given, else CreateBackup. */
export async function takeSnapshots(
  client: DynamoDBClient,
  vault: OpenVault | undefined,
  tables: readonly SnapshotTable[],
  plan: SnapshotPlan,
): Promise<Snapshot[]> {
  return Promise.all(
    tables.map(async (t) => {
      const s = vault === undefined ? await onDemandSnapshot(client, t, plan) : await vaultSnapshot(vault, t, plan);
      plan.progress?.add(1);
      return s;
    }),
  );
}

export interface PrunableSnapshot {
  readonly tableName: string;
  readonly arn: string;
  readonly backupName: string;
  readonly reason: string;
  readonly expiresAt: string;
  readonly expired: boolean;
}

/** Every snapshot this command made of the prefix's tables (by name), expired or not. */
export async function listOwnSnapshots(
  client: DynamoDBClient,
  catalog: TableCatalog,
  prefix: string,
  now: Date,
): Promise<PrunableSnapshot[]> {
  const names = new Set(catalog.tables.map((t) => physicalTableName(prefix, t.name)));
  const out: PrunableSnapshot[] = [];
  let start: string | undefined;
  do {
    const page = await client.send(new ListBackupsCommand({ BackupType: "USER", ExclusiveStartBackupArn: start }));
    for (const b of page.BackupSummaries ?? []) {
      if (b.TableName === undefined || !names.has(b.TableName) || b.BackupArn === undefined) continue;
      if (b.BackupType !== undefined && b.BackupType !== "USER") continue;
      const parsed = parseSnapshotName(b.BackupName ?? "");
      if (parsed === undefined) continue;
      out.push({
        tableName: b.TableName,
        arn: b.BackupArn,
        backupName: b.BackupName ?? "",
        reason: parsed.reason,
        expiresAt: parsed.expiresAt.toISOString(),
        expired: parsed.expiresAt.getTime() <= now.getTime(),
      });
    }
    start = page.LastEvaluatedBackupArn;
  } while (start !== undefined);
  return out.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.tableName.localeCompare(b.tableName));
}

/** Deletes the given backups; returns the ARNs deleted. */
export async function deleteSnapshots(client: DynamoDBClient, list: readonly PrunableSnapshot[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const s of list) {
    await client.send(new DeleteBackupCommand({ BackupArn: s.arn }));
    deleted.push(s.arn);
  }
  return deleted;
}
